"""A live subscription's member (one socket's subscription) and its group (the members
of one document, variables and audience, executed once per event)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from auth.actor import Actor
from core.events.feed import Subscriber
from core.events.outbox import Position
from resolvers.context import RequestContext
from resolvers.events.subscriptions import Following
from schema.execution.live.documents import LiveDocument


@dataclass(frozen=True, slots=True)
class Ending:
    """A member's stream ends: with ``payload`` (an error for the client), or, with
    ``regroup``, to follow again as the subscriber now is."""

    payload: bytes | None = None
    regroup: bool = False


Delivery = tuple[Position, list[bytes]] | Ending


@dataclass(eq=False)
class Member:
    user_id: int
    queue: asyncio.Queue[Delivery]
    ended: bool = False

    def offer(self, delivery: Delivery, too_slow: bytes) -> None:
        """Queue a delivery; a member whose queue is full is ended (too slow), alone."""
        if self.ended:
            return
        try:
            self.queue.put_nowait(delivery)
        except asyncio.QueueFull:
            self.end(Ending(too_slow))

    def end(self, ending: Ending) -> None:
        self.ended = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(ending)


@dataclass(eq=False)
class Group:
    """The members of one document, variables and audience, and the feed they follow."""

    key: Hashable
    document: LiveDocument
    variables: dict[str, Any]
    following: Following[Any]
    context: RequestContext
    subscriber: Subscriber
    members: set[Member] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """What a permission class reads (``info.context``) when a subscription starts."""

    context: Any


def own_context(context: RequestContext, actor: Actor) -> RequestContext:
    """A context of the subscriber's own: the connection's is shared by its subscriptions."""
    own = replace(context)
    own.sign_in(actor)
    return own


def error_codes(payload: bytes) -> list[str]:
    body = orjson.loads(payload)
    return [e.get("extensions", {}).get("code", "") for e in body.get("errors") or []]
