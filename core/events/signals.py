"""What wakes the feed when events are committed: this process, or PostgreSQL NOTIFY.

Signals carry no data the feed relies on: at most an event id as a hint. The feed reads
the outbox itself, so a signal lost (a dropped connection) costs latency, never events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import Any, Protocol

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

logger = logging.getLogger("gridline.events")

CHANNEL = "gridline_events"  # the trigger of migration 5e1d7c0a9b21 notifies it
LISTENER_APPLICATION_NAME = "gridline-events-listener"
OUTBOX_WRITTEN = "gridline_outbox_written"

Wake = Callable[[int | None], None]


class Signal(Protocol):
    async def start(self, wake: Wake, lost: Callable[[], None]) -> None: ...

    async def stop(self) -> None: ...


# Feeds of this process woken after a commit that wrote outbox events.
_local_wakes: set[Wake] = set()


def mark_outbox_written(session: Any) -> None:
    """Called by record_event: wake this process's feeds once the transaction commits."""
    session.info[OUTBOX_WRITTEN] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(OUTBOX_WRITTEN, False):
        for wake in list(_local_wakes):
            wake(None)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX_WRITTEN, None)


class InProcessSignal:
    """Commits of this process only: enough for one server on SQLite."""

    def __init__(self) -> None:
        self._wake: Wake | None = None

    async def start(self, wake: Wake, lost: Callable[[], None]) -> None:
        self._wake = wake
        _local_wakes.add(wake)

    async def stop(self) -> None:
        if self._wake is not None:
            _local_wakes.discard(self._wake)


class PostgresSignal(InProcessSignal):
    """LISTEN on a dedicated connection, so that every process on every host hears every
    commit. When the connection drops it reconnects with backoff and wakes the feed, which
    reads on from its last position; if it cannot reconnect within ``give_up_after``
    seconds, ``lost`` ends the live subscriptions (clients resume with their cursor)."""

    def __init__(
        self,
        database_url: str,
        *,
        give_up_after: float = 30.0,
        first_delay: float = 0.1,
        max_delay: float = 5.0,
    ) -> None:
        super().__init__()
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._give_up_after = give_up_after
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._connection: asyncpg.Connection | None = None
        self._dropped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, wake: Wake, lost: Callable[[], None]) -> None:
        await super().start(wake, lost)
        self._dropped = asyncio.Event()  # bound to the loop that runs this start
        await self._connect(wake)  # the first connection must work: fail start-up if not
        self._task = asyncio.create_task(self._watch(wake, lost), name="events-listener")

    async def stop(self) -> None:
        await super().stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()

    @property
    def backend_pid(self) -> int | None:
        """The listening connection's server process id (tests terminate it)."""
        return self._connection.get_server_pid() if self._connection else None

    async def _connect(self, wake: Wake) -> None:
        connection = await asyncpg.connect(
            self._dsn, server_settings={"application_name": LISTENER_APPLICATION_NAME}
        )

        def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            wake(int(payload) if payload.isdigit() else None)

        def on_terminate(_conn: Any) -> None:
            self._dropped.set()

        connection.add_termination_listener(on_terminate)
        await connection.add_listener(CHANNEL, on_notify)
        self._dropped.clear()
        self._connection = connection

    async def _watch(self, wake: Wake, lost: Callable[[], None]) -> None:
        while True:
            await self._dropped.wait()
            logger.warning("event listener connection lost; reconnecting")
            if await self._reconnect(wake):
                logger.info("event listener reconnected; reading on from the last position")
                wake(None)  # whatever was committed meanwhile is read from the outbox
            else:
                logger.error("event listener could not reconnect; ending live subscriptions")
                lost()
                # Keep trying: new subscriptions will be served once it is back.
                while not await self._reconnect(wake):
                    pass
                wake(None)

    async def _reconnect(self, wake: Wake) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._give_up_after
        delay = self._first_delay
        while loop.time() < deadline:
            try:
                await self._connect(wake)
                return True
            except (OSError, asyncpg.PostgresError) as error:
                logger.warning("event listener reconnect failed: %s", error)
            await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter
            delay = min(delay * 2, self._max_delay)
        return False
