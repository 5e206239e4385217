"""GraphQL types and fields of schemes: offers, enrolments, payments."""
