"""Infrastructure every layer stands on: settings, database, events, metrics, logging."""
