"""What lives as long as the process: settings, engine, session factories, the event feed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import create_engine, create_read_session_factory, create_session_factory
from core.events.feed import EventFeed
from core.events.signals import InProcessSignal, PostgresSignal, Signal
from core.metrics import watch_pool
from core.operation_tally import count_statements
from core.settings import Settings


@dataclass
class Runtime:
    """What lives as long as the process: settings, engine, session factories, event feed."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    feed: EventFeed
    reads: async_sessionmaker[AsyncSession]


def create_runtime(settings: Settings) -> Runtime:
    """The process's engine (watched by the metrics), sessions and event feed."""
    engine = create_engine(settings)
    watch_pool(engine)
    count_statements(engine)
    sessions = create_session_factory(engine)
    return Runtime(
        settings,
        engine,
        sessions,
        create_feed(settings, sessions),
        reads=create_read_session_factory(engine, settings),
    )


def create_feed(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> EventFeed:
    """The event feed: PostgreSQL LISTEN/NOTIFY across processes, or this process alone."""
    signal: Signal
    if settings.is_sqlite:
        signal = InProcessSignal()
    else:
        signal = PostgresSignal(
            settings.database_url, give_up_after=settings.events_reconnect_give_up_seconds
        )
    return EventFeed(
        sessions,
        signal,
        postgres=not settings.is_sqlite,
        queue_size=settings.subscriber_queue_size,
        poll_interval=settings.events_poll_seconds,
    )
