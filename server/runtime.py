"""What lives as long as the process: settings, engine, session factories, the event feed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth.actor_cache import ActorCache
from core.db import create_engine, create_read_session_factory, create_session_factory
from core.events.feed import EventFeed
from core.events.signals import InProcessSignal, PostgresSignal, Signal
from core.metrics import watch_pool
from core.operation_tally import count_statements
from core.settings import Settings
from models.events import EventTopic, OutboxEvent


@dataclass
class Runtime:
    """What lives as long as the process: settings, engine, session factories, event feed."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    feed: EventFeed
    reads: async_sessionmaker[AsyncSession]
    actors: ActorCache


def create_runtime(settings: Settings) -> Runtime:
    """The process's engine (watched by the metrics), sessions and event feed."""
    engine = create_engine(settings)
    watch_pool(engine)
    count_statements(engine)
    sessions = create_session_factory(engine)
    feed = create_feed(settings, sessions)
    actors = ActorCache(settings.actor_cache_seconds)
    feed.observers.append(lambda item: forget_changed_actors(actors, item.event))
    return Runtime(
        settings,
        engine,
        sessions,
        feed,
        reads=create_read_session_factory(engine, settings),
        actors=actors,
    )


def forget_changed_actors(actors: ActorCache, event: OutboxEvent) -> None:
    """Drop the actors an outbox event may have changed (another process's write)."""
    if event.topic == EventTopic.STAFF:
        actors.forget(event.subject_id)
    elif event.topic == EventTopic.GEOGRAPHY:
        actors.forget()


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
