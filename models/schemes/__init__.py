"""Schemes: the tables, how an instalment schedule is computed, scheme codes."""
