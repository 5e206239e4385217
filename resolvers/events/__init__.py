"""Notifications, the outbox, and live subscriptions."""
