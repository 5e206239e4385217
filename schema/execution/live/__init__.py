"""Live subscriptions executed once per audience (see ``subscriptions``)."""

from schema.execution.live.subscriptions import LiveSubscriptions

__all__ = ["LiveSubscriptions"]
