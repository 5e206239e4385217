"""Subscriptions: replay from the outbox after a cursor, then live, with no gap and no
duplicate at the seam; every event checked at delivery against the subscriber's role and
scope as they are now, and resolved with fresh loaders."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import col

from auth.actor import Actor, load_actor
from core.events.feed import EventFeed, SubscriptionEnded
from core.events.outbox import FeedEvent, Position, position_of_notification, read_after
from core.metrics import active_subscription
from models.events import EventTopic, Notification, OutboxEvent
from models.packages import PackageRequest, RequestAction
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode, forbidden, not_found, unauthenticated
from resolvers.loaders import Loaders
from resolvers.packages.requests import requests_by_id
from resolvers.packages.rules import READERS

REPLAY_PAGE = 200
ValueT = TypeVar("ValueT")
_CURSOR_PREFIX = "ev:"


def encode_cursor(position: Position) -> str:
    raw = f"{_CURSOR_PREFIX}{position[0]}:{position[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """A cursor this API gave out, or a VALIDATION error on ``after``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError(raw)
        tx_id, event_id = raw.removeprefix(_CURSOR_PREFIX).split(":")
        if not (tx_id.isascii() and tx_id.isdigit() and event_id.isascii() and event_id.isdigit()):
            raise ValueError(raw)
        position = (int(tx_id), int(event_id))
        if max(position) >= 2**63:  # positions are 64-bit numbers
            raise ValueError(raw)
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise DomainError(
            ErrorCode.VALIDATION,
            "`after` is not a cursor of this subscription; pass the cursor of the last "
            "event you received, or omit it.",
            ["after"],
        ) from error
    return position


def _feed(ctx: RequestContext) -> EventFeed:
    if ctx.events is None:  # pragma: no cover - the app always has a feed
        raise RuntimeError("no event feed on this context")
    return ctx.events


async def _fresh_actor(ctx: RequestContext, item: FeedEvent) -> Actor:
    """The subscriber as they are now (role, scope, still active), with fresh loaders.

    Loaded once per user and event: subscriptions of the same user receiving the same
    event share the actor and the loaders (the same scope sees the same rows).
    """
    user_id = ctx.require_actor().user_id
    loading = item.shared.get(user_id)
    if loading is None:
        loading = asyncio.ensure_future(_load_actor(ctx, user_id))
        item.shared[user_id] = loading
    fresh: Actor | None
    loaders: Loaders
    fresh, loaders = await loading
    if fresh is None:
        raise unauthenticated()
    ctx.sign_in(fresh, loaders)
    return fresh


async def _load_actor(ctx: RequestContext, user_id: int) -> tuple[Actor | None, Loaders]:
    async with ctx.sessions() as session:
        actor = await load_actor(session, user_id)
    return actor, Loaders(ctx.sessions, actor)


async def _events(
    ctx: RequestContext,
    *,
    after: Position | None,
    wants: Callable[[FeedEvent], bool],
    where: Sequence[Any],
    notifications_for: int | None = None,
    concerns: int | None = None,
) -> AsyncGenerator[FeedEvent, None]:
    """Events ``wants`` accepts: from the outbox after ``after``, then live.

    Replay reads pages until it has caught up, then joins the feed (a synchronous step,
    so nothing is missed), reads once more up to where it joined, and goes live. The
    feed and the outbox may overlap; positions at or before the last one sent are
    dropped, so nothing is sent twice.
    """
    feed = _feed(ctx)

    async def replay(start: Position) -> AsyncGenerator[FeedEvent, None]:
        while True:
            async with ctx.sessions() as session:
                batch = await read_after(
                    session,
                    start,
                    postgres=feed.postgres,
                    limit=REPLAY_PAGE,
                    where=where,
                    notifications_for=notifications_for,
                )
            for item in batch:
                start = item.position
                yield item
            if len(batch) < REPLAY_PAGE:
                return

    with active_subscription():
        live = _replay_then_live(feed, replay, after, wants, concerns)
        async with aclosing(live) as items:
            async for item in items:
                yield item


async def _replay_then_live(
    feed: EventFeed,
    replay: Callable[[Position], AsyncGenerator[FeedEvent, None]],
    after: Position | None,
    wants: Callable[[FeedEvent], bool],
    concerns: int | None,
) -> AsyncGenerator[FeedEvent, None]:
    last = after
    if last is not None:
        async for item in replay(last):
            last = item.position
            if wants(item):
                yield item
    subscriber = feed.subscribe(wants, concerns)
    try:
        if last is None:
            last = subscriber.start
        else:
            async for item in replay(last):
                last = item.position
                if wants(item):
                    yield item
        while True:
            try:
                item = await subscriber.next()
            except SubscriptionEnded as ended:
                raise DomainError(ErrorCode(ended.code), ended.reason) from None
            if item.position <= last:
                continue
            last = item.position
            yield item
    finally:
        feed.unsubscribe(subscriber)


def _require_reader(ctx: RequestContext) -> Actor:
    actor = ctx.require_actor()
    if actor.role not in READERS:
        raise forbidden("follow package requests")
    return actor


@dataclass(frozen=True, slots=True)
class Following(Generic[ValueT]):
    """What a subscription follows, decided when it starts (its checks passed): where
    replay resumes and what it reads, which live events it wants, what they depend on
    besides the event (``audience``: subscriptions with the same one receive the same
    values), and ``values``, an event's values for the subscriber as they now are (the
    actor of the context), possibly none."""

    start: Position | None
    where: Sequence[Any]
    wants: Callable[[FeedEvent], bool]
    audience: Hashable
    values: Callable[[RequestContext, FeedEvent], Awaitable[list[ValueT]]]
    notifications_for: int | None = None
    # The user whose events alone it wants, if so (FeedEvent.users): the feed offers it
    # only those.
    concerns: int | None = None


async def follow(ctx: RequestContext, following: Following[ValueT]) -> AsyncGenerator[ValueT, None]:
    """A subscription of its own: replay, then live; each event checked against the
    subscriber as they are at delivery (fresh actor and loaders, shared per user)."""
    events = _events(
        ctx,
        after=following.start,
        wants=following.wants,
        where=following.where,
        notifications_for=following.notifications_for,
        concerns=following.concerns,
    )
    async with aclosing(events) as items:
        async for item in items:
            await _fresh_actor(ctx, item)
            for value in await following.values(ctx, item):
                yield value


@dataclass(frozen=True, slots=True)
class RequestChange:
    """A package request's transition, as delivered to one subscriber."""

    cursor: str
    event: OutboxEvent
    request: PackageRequest


async def _visible_request(ctx: RequestContext, item: FeedEvent) -> PackageRequest | None:
    actor = ctx.require_actor()
    if actor.role not in READERS or not actor.scope.contains(item.event.plant_id):
        return None
    return (await requests_by_id(ctx, [item.event.subject_id]))[0]


def scope_audience(actor: Actor) -> Hashable:
    """What a request event's values depend on: what the subscriber may see (the role,
    the plants in scope, and the user when that is not all; ``Actor.visibility``)."""
    return actor.visibility


def follow_request_events(
    ctx: RequestContext, *, plant_ids: list[int] | None, after: str | None
) -> Following[RequestChange]:
    """Every transition in the subscriber's scope (optionally narrowed to plants)."""
    actor = _require_reader(ctx)
    start = decode_cursor(after) if after is not None else None
    wanted = frozenset(plant_ids) if plant_ids is not None else None
    # The last known scope screens live events cheaply; each one that passes is
    # checked again against the subscriber as they are at delivery.
    known = [actor.scope]

    def wants(item: FeedEvent) -> bool:
        plant_id = item.event.plant_id
        return (
            item.event.topic == EventTopic.PACKAGE_REQUEST
            and known[0].contains(plant_id)
            and (wanted is None or plant_id in wanted)
        )

    async def values(ctx: RequestContext, item: FeedEvent) -> list[RequestChange]:
        known[0] = ctx.require_actor().scope
        request = await _visible_request(ctx, item)
        if request is None:
            return []
        return [RequestChange(encode_cursor(item.position), item.event, request)]

    where = [
        col(OutboxEvent.topic) == EventTopic.PACKAGE_REQUEST.value,
        actor.scope.narrow(plant_ids).restrict(col(OutboxEvent.plant_id)),
    ]
    return Following(start, where, wants, scope_audience(actor), values)


async def package_request_events(
    ctx: RequestContext, *, plant_ids: list[int] | None, after: str | None
) -> AsyncGenerator[RequestChange, None]:
    following = follow_request_events(ctx, plant_ids=plant_ids, after=after)
    async with aclosing(follow(ctx, following)) as changes:
        async for change in changes:
            yield change


class AssignmentKind(StrEnum):
    ASSIGNED = "ASSIGNED"
    REASSIGNED = "REASSIGNED"
    SENT_BACK = "SENT_BACK"
    UNASSIGNED = "UNASSIGNED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


# Closing a request that has an assignee tells them the job is off.
_CLOSED_ON_THE_ASSIGNEE = {
    RequestAction.REJECT: AssignmentKind.REJECTED,
    RequestAction.CANCEL: AssignmentKind.CANCELLED,
}


def assignment_kind(event: OutboxEvent, user_id: int) -> AssignmentKind | None:
    """What a request event means to ``user_id`` as a field agent, if anything."""
    if event.topic != EventTopic.PACKAGE_REQUEST:
        return None
    action = event.payload.get("action")
    assignee = event.payload.get("assigneeId")
    previous = event.payload.get("previousAssigneeId")
    if action == RequestAction.ASSIGN and assignee == user_id:
        return AssignmentKind.ASSIGNED
    if action == RequestAction.REASSIGN and assignee == user_id and previous != user_id:
        return AssignmentKind.REASSIGNED
    if action == RequestAction.REASSIGN and previous == user_id and assignee != user_id:
        return AssignmentKind.UNASSIGNED
    if action == RequestAction.SEND_BACK and assignee == user_id:
        return AssignmentKind.SENT_BACK
    if action in _CLOSED_ON_THE_ASSIGNEE and assignee == user_id:
        return _CLOSED_ON_THE_ASSIGNEE[RequestAction(action)]
    return None


@dataclass(frozen=True, slots=True)
class Assignment:
    cursor: str
    kind: AssignmentKind
    request: PackageRequest
    at: datetime


def follow_assignments(ctx: RequestContext, *, after: str | None) -> Following[Assignment]:
    """Requests assigned or reassigned to the subscriber, taken off them, sent back to
    them, or closed (rejected, cancelled) while theirs."""
    actor = _require_reader(ctx)
    start = decode_cursor(after) if after is not None else None
    me = actor.user_id

    def wants(item: FeedEvent) -> bool:
        return assignment_kind(item.event, me) is not None

    async def values(ctx: RequestContext, item: FeedEvent) -> list[Assignment]:
        kind = assignment_kind(item.event, me)
        request = await _visible_request(ctx, item)
        if kind is None or request is None:
            return []
        return [Assignment(encode_cursor(item.position), kind, request, item.event.created_at)]

    where = [
        col(OutboxEvent.topic) == EventTopic.PACKAGE_REQUEST.value,
        actor.scope.restrict(col(OutboxEvent.plant_id)),
    ]
    return Following(start, where, wants, ("user", me), values, concerns=me)


async def my_assignments(
    ctx: RequestContext, *, after: str | None
) -> AsyncGenerator[Assignment, None]:
    async with aclosing(follow(ctx, follow_assignments(ctx, after=after))) as assignments:
        async for assignment in assignments:
            yield assignment


async def follow_notifications(
    ctx: RequestContext, *, after_notification_id: int | None
) -> Following[Notification]:
    """The subscriber's notifications as they are stored; resuming after one of them."""
    actor = ctx.require_actor()
    me = actor.user_id
    start: Position | None = None
    found: Position | None = None
    if after_notification_id is not None:
        async with ctx.sessions() as session:
            found = await position_of_notification(session, after_notification_id, me)
        if found is None:
            raise not_found("Notification", ["after"])
        start = (found[0], found[1] - 1)  # from that event itself: it may hold more

    def seen(item: FeedEvent, notification: Notification) -> bool:
        return (
            item.position == found
            and after_notification_id is not None
            and (notification.id or 0) <= after_notification_id
        )

    def wants(item: FeedEvent) -> bool:
        return any(n.user_id == me for n in item.notifications)

    async def values(_ctx: RequestContext, item: FeedEvent) -> list[Notification]:
        return [n for n in item.notifications if n.user_id == me and not seen(item, n)]

    mine = col(OutboxEvent.id).in_(
        sa.select(col(Notification.outbox_event_id)).where(col(Notification.user_id) == me)
    )
    return Following(start, [mine], wants, ("user", me), values, notifications_for=me, concerns=me)


async def notifications_added(
    ctx: RequestContext, *, after_notification_id: int | None
) -> AsyncGenerator[Notification, None]:
    following = await follow_notifications(ctx, after_notification_id=after_notification_id)
    async with aclosing(follow(ctx, following)) as notifications:
        async for notification in notifications:
            yield notification
