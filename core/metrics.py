"""Prometheus metrics, served at ``/metrics``.

With ``gridline serve --workers N`` each worker is its own process. When the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` names a directory, prometheus-client keeps every
worker's values in files there and ``/metrics`` adds them up (its multiprocess mode); the
gauges below say how (``livesum``: the sum over living workers). Without it, each scrape
sees only the worker that answered it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy.ext.asyncio import AsyncEngine

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

MAX_OPERATION_LABELS = 500
"""Distinct operation names a process labels metrics with; later ones count as ``other``.
Clients choose operation names, and each label value is a time series kept forever."""

OTHER = "other"
ANONYMOUS = "anonymous"
HTTP_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})

OPERATIONS = Counter(
    "gridline_graphql_operations",
    "GraphQL operations by name, type and outcome (ok, user_error, refused, internal_error, "
    "cancelled).",
    ["operation", "type", "outcome"],
)
OPERATION_SECONDS = Histogram(
    "gridline_graphql_operation_duration_seconds",
    "Time to parse, validate and execute a query or mutation.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0),
)
SUBSCRIPTIONS = Gauge(
    "gridline_graphql_subscriptions_active",
    "Subscriptions currently running.",
    multiprocess_mode="livesum",
)
POOL_CHECKED_OUT = Gauge(
    "gridline_db_pool_checked_out",
    "Database connections in use (may exceed the pool size by its overflow).",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "gridline_db_pool_size",
    "Database connections the pool keeps open.",
    multiprocess_mode="livesum",
)
HTTP_REQUESTS = Counter(
    "gridline_http_requests",
    "HTTP responses by method, path and status.",
    ["method", "path", "status"],
)

_operation_labels: set[str] = set()


def operation_label(name: str | None) -> str:
    """The metrics label for an operation name, bounded in number (see MAX_OPERATION_LABELS)."""
    if not name:
        return ANONYMOUS
    if name in _operation_labels:
        return name
    if len(_operation_labels) >= MAX_OPERATION_LABELS:
        return OTHER
    _operation_labels.add(name)
    return name


def observe_operation(
    name: str | None, operation_type: str, outcome: str, seconds: float | None
) -> None:
    """Count one operation; ``seconds`` (None for subscriptions, which last) its latency."""
    label = operation_label(name)
    OPERATIONS.labels(operation=label, type=operation_type, outcome=outcome).inc()
    if seconds is not None:
        OPERATION_SECONDS.labels(operation=label).observe(seconds)


def subscription_started() -> None:
    """One more subscription is running (pair with :func:`subscription_ended`)."""
    SUBSCRIPTIONS.inc()


def subscription_ended() -> None:
    SUBSCRIPTIONS.dec()


@contextmanager
def active_subscription() -> Iterator[None]:
    """``with active_subscription():`` counts a subscription for as long as the block runs."""
    subscription_started()
    try:
        yield
    finally:
        subscription_ended()


def watch_pool(engine: AsyncEngine) -> None:
    """Keep the pool gauges up to date from the engine's pool events."""
    pool = engine.sync_engine.pool
    size = getattr(pool, "size", None)
    if callable(size):
        POOL_SIZE.set(size())

    def checked_out(*_: Any) -> None:
        POOL_CHECKED_OUT.inc()

    def checked_in(*_: Any) -> None:
        POOL_CHECKED_OUT.dec()

    sa.event.listen(engine.sync_engine, "checkout", checked_out)
    sa.event.listen(engine.sync_engine, "checkin", checked_in)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


def process_exiting() -> None:
    """Drop this worker's live gauges (its subscriptions and connections end with it)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """The metrics in Prometheus' text format: every worker's when in multiprocess mode."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
