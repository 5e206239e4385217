"""The demo world: made up in memory, loaded into an empty database."""
