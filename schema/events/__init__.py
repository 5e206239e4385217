"""GraphQL types and fields of notifications and live events."""
