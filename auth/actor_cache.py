"""Signed-in users' actors, remembered for a few seconds between their requests.

Loading the actor (the user, active, with the plants of their scope) is one statement that
every request would otherwise send first. An entry is dropped as soon as something that
decides it changes: the resolver that changes a user or the geography drops it in its own
process when it commits, and every process's event feed drops it when it reads the
outbox event of that change (``STAFF`` for one user, ``GEOGRAPHY`` for everyone, since
moving a plant moves scopes). The time limit bounds what a process can miss while its feed
is away. A user that does not load (unknown, deactivated) is never remembered.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from auth.actor import Actor

MAX_ENTRIES = 10_000


class ActorCache:
    def __init__(
        self, seconds: float, clock: Callable[[], float] = time.monotonic, size: int = MAX_ENTRIES
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self.size = size
        self._entries: OrderedDict[int, tuple[float, Actor]] = OrderedDict()
        # Bumped by every drop: a load that began before a drop is not remembered, since
        # it may have read the user as they were before the change.
        self._generation = 0

    async def actor(
        self, user_id: int, load: Callable[[int], Awaitable[Actor | None]]
    ) -> Actor | None:
        """The user's actor, remembered or loaded with ``load``."""
        if self.seconds <= 0:
            return await load(user_id)
        now = self.clock()
        found = self._entries.get(user_id)
        if found is not None:
            expires, actor = found
            if now < expires:
                return actor
            del self._entries[user_id]
        generation = self._generation
        loaded = await load(user_id)
        if loaded is not None and generation == self._generation:
            self._entries[user_id] = (now + self.seconds, loaded)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return loaded

    def forget(self, user_id: int | None = None) -> None:
        """Drop one user's actor, or everyone's (``None``)."""
        self._generation += 1
        if user_id is None:
            self._entries.clear()
        else:
            self._entries.pop(user_id, None)

    def __len__(self) -> int:
        return len(self._entries)
