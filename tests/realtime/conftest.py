"""Fixtures for live events: the session app's feed, set to the wiped database."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from core.events.feed import EventFeed
from core.events.outbox import head
from tests.factories import World


@pytest.fixture
async def feed(app: Starlette, world: World) -> EventFeed:
    """The running feed, positioned at the head of this test's outbox.

    Tests wipe the tables with DELETE; on SQLite ids then start again from 1, which a
    server never sees (the newest outbox row is never deleted), so the feed is told.
    """
    running: EventFeed = app.state.runtime.feed
    async with app.state.runtime.sessions() as session:
        running.position = await head(session, postgres=running.postgres)
    return running
