"""Schema-driven fuzzing: documents generated from the schema, and what a caller may see."""
