"""One feed per process: reads newly committed outbox events in order and hands each to
the live subscribers that want it, through a bounded queue per subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.events.outbox import ORIGIN, FeedEvent, Position, head, read_after
from core.events.signals import Signal

logger = logging.getLogger("gridline.events")

BATCH = 500
# A notified event can be invisible for a moment when an older transaction is still
# running (see outbox.py); the feed looks again after these delays until it appears.
RETRY_DELAYS = (0.005, 0.02, 0.05, 0.1, 0.2)
FORGET_NOTIFIED_AFTER = 30.0
REMEMBER_DELIVERED = 4096  # ids recently read, so a late NOTIFY of one is not waited for


class SubscriptionEnded(Exception):
    """The feed ended a live subscription; the client resumes with its last cursor."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(eq=False)
class Subscriber:
    """A live subscription's inbox; ``start`` is the feed's position when it joined."""

    wants: Callable[[FeedEvent], bool]
    queue: asyncio.Queue[FeedEvent | None]
    start: Position
    ended: SubscriptionEnded | None = None
    concerns: int | None = None  # a user: only events that concern them are offered

    def offer(self, item: FeedEvent) -> None:
        if self.ended is not None or not self.wants(item):
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.end(
                SubscriptionEnded(
                    "You fell behind the live events; subscribe again with the last cursor "
                    "you received to resume where you left off.",
                    "SUBSCRIBER_TOO_SLOW",
                )
            )

    def end(self, reason: SubscriptionEnded) -> None:
        self.ended = reason
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)

    def ready(self, limit: int) -> list[FeedEvent]:
        """Up to ``limit`` events already queued, without waiting (a burst the feed read
        in one pass); an ending stays queued for ``next``."""
        items: list[FeedEvent] = []
        while len(items) < limit and not self.queue.empty():
            item = self.queue.get_nowait()
            if item is None:
                self.queue.put_nowait(None)
                break
            items.append(item)
        return items

    async def next(self) -> FeedEvent:
        item = await self.queue.get()
        if item is None:
            assert self.ended is not None  # noqa: S101 - None is only queued by end()
            raise self.ended
        return item


@dataclass(eq=False)
class EventFeed:
    sessions: async_sessionmaker[AsyncSession]
    signal: Signal
    postgres: bool
    queue_size: int = 256
    poll_interval: float = 5.0
    position: Position = ORIGIN
    subscribers: set[Subscriber] = field(default_factory=set)
    # Subscribers of one user's events, by user: an event is offered to those of the users
    # it concerns only, not to a thousand field agents' phones each.
    _by_user: dict[int, set[Subscriber]] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _notified: dict[int, float] = field(default_factory=dict)
    _read_ids: dict[int, None] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    # Called with every event read, before any subscriber sees it (caches that must drop
    # what the event changed; see auth.actor_cache).
    observers: list[Callable[[FeedEvent], None]] = field(default_factory=list)

    async def start(self) -> None:
        self._wake = asyncio.Event()  # bound to the loop that runs this start
        async with self.sessions() as session:
            self.position = await head(session, postgres=self.postgres)
        await self.signal.start(self.wake, self.lost)
        self._task = asyncio.create_task(self._run(), name="event-feed")

    async def stop(self) -> None:
        await self.signal.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.end_all(SubscriptionEnded("The server is shutting down.", "SERVER_SHUTTING_DOWN"))

    def wake(self, event_id: int | None) -> None:
        if event_id is not None and event_id not in self._read_ids:
            self._notified[event_id] = asyncio.get_running_loop().time()
        self._wake.set()

    def lost(self) -> None:
        self.end_all(
            SubscriptionEnded(
                "Live events are interrupted; subscribe again with your last cursor.",
                "EVENTS_UNAVAILABLE",
            )
        )

    def end_all(self, reason: SubscriptionEnded) -> None:
        for subscriber in [*self.subscribers, *(s for u in self._by_user.values() for s in u)]:
            subscriber.end(reason)
        self.subscribers.clear()
        self._by_user.clear()

    def subscribe(
        self, wants: Callable[[FeedEvent], bool], concerns: int | None = None
    ) -> Subscriber:
        """Join the live stream: every event after ``Subscriber.start`` that ``wants``
        accepts (and, given ``concerns``, that concerns that user: ``FeedEvent.users``)
        will be offered, in order. Synchronous, so no event slips in between."""
        queue: asyncio.Queue[FeedEvent | None] = asyncio.Queue(self.queue_size + 1)
        subscriber = Subscriber(wants, queue, self.position, concerns=concerns)
        if concerns is None:
            self.subscribers.add(subscriber)
        else:
            self._by_user.setdefault(concerns, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber.concerns is None:
            self.subscribers.discard(subscriber)
            return
        of_user = self._by_user.get(subscriber.concerns)
        if of_user is not None:
            of_user.discard(subscriber)
            if not of_user:
                del self._by_user[subscriber.concerns]

    async def _run(self) -> None:
        attempt = 0
        while True:
            timeout = self.poll_interval
            if self._notified:
                timeout = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            if self._wake.is_set():
                attempt = 0
            self._wake.clear()
            try:
                await self._read_on()
            except Exception:  # the database may be away; try again on the next wake
                logger.exception("reading the outbox failed")
                await asyncio.sleep(1.0)
            self._forget_stale_notifications()

    async def _read_on(self) -> None:
        while True:
            async with self.sessions() as session:
                batch = await read_after(
                    session,
                    self.position,
                    postgres=self.postgres,
                    limit=BATCH,
                    all_notifications=True,
                )
            together: dict[Any, Any] = {}  # what the events of this pass share
            for read in batch:
                item = replace(read, together=together)
                self.position = item.position
                self._remember_read(item)
                for observe in self.observers:
                    observe(item)
                for subscriber in list(self.subscribers):
                    subscriber.offer(item)
                for user_id in item.users:
                    for subscriber in list(self._by_user.get(user_id, ())):
                        subscriber.offer(item)
            if len(batch) < BATCH:
                return

    def _remember_read(self, item: FeedEvent) -> None:
        if item.event.id is None:
            return
        self._notified.pop(item.event.id, None)
        self._read_ids[item.event.id] = None
        if len(self._read_ids) > REMEMBER_DELIVERED:
            del self._read_ids[next(iter(self._read_ids))]

    def _forget_stale_notifications(self) -> None:
        # An id notified but never readable (its row deleted meanwhile) stops the retries.
        horizon = asyncio.get_running_loop().time() - FORGET_NOTIFIED_AFTER
        for event_id, seen in list(self._notified.items()):
            if seen < horizon:
                del self._notified[event_id]
