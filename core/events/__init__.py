"""The event bus: outbox events, committed, delivered to live subscribers in order."""
