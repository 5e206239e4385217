"""Live subscriptions executed once per audience (Hasura's multiplexed subscriptions).

Subscriptions to the same document with the same variables whose values depend on the
same things (their *audience*: the role and plants in scope of a dashboard, the user of
a field agent's assignments or bell) form a group. For each event the group executes the
payload once, encodes it once, and hands the same bytes to every member. What is still
done per member, as before: the check at delivery (the subscriber as they now are: still
active, still of that audience — a member whose role or scope changed moves to its new
group, resuming from its last event), the replay of what a reconnecting member missed
(``after``, its own, before it joins), its bounded queue (a slow member is ended with
SUBSCRIBER_TOO_SLOW; nobody else waits for it), and the dedupe at the seam between
replay and live (positions at or before the last one sent are dropped).

An audience is what the payload depends on: the subscriber's visibility for a dashboard
(``Actor.visibility``: role and plants, and the user when no plant shows them), the user
for assignments and the bell. A burst (events the feed read in one pass) is executed
together: a group takes what is queued at once, and loaders are shared by every group of
the same visibility for that pass, so that its loads are batched across events and groups.

A subscription this does not serve (another document, or one refused when it starts: its
role, a bad cursor) runs the standard way, which answers the refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Hashable
from dataclasses import replace
from typing import Any

from graphql import GraphQLError
from graphql.execution.values import get_argument_values, get_variable_values

from auth.actor import Actor, load_actor
from auth.actor_cache import ActorCache
from core.events.feed import EventFeed, SubscriptionEnded
from core.events.outbox import FeedEvent, Position, read_after
from core.metrics import active_subscription
from models.events import EventTopic
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode, unauthenticated
from resolvers.events.subscriptions import REPLAY_PAGE, Following
from resolvers.loaders import Loaders
from schema.execution.live.documents import LiveDocument, LiveDocuments
from schema.execution.live.members import (
    Caller,
    Ending,
    Group,
    Member,
    error_codes,
    own_context,
)
from schema.execution.live.payloads import error_payload, execute_payload
from schema.execution.operation_log import log_operation

logger = logging.getLogger("gridline.live")

STRAWBERRY_FIELD = "strawberry-definition"
# The most events a group executes together (a burst is read in one pass of the feed):
# their loads are batched, and the first of them waits for the others.
EVENTS_TOGETHER = 64


class LiveSubscriptions:
    def __init__(
        self,
        schema: Any,
        feed: EventFeed,
        actors: ActorCache,
        execution_context_class: Any = None,
    ) -> None:
        self.schema = schema._schema  # graphql-core's schema under Strawberry's
        self.feed = feed
        self.actors = actors
        self.execution_context_class = execution_context_class
        self.groups: dict[Hashable, Group] = {}
        self._documents = LiveDocuments(self.schema)
        self.executions = 0  # payloads executed (per group and event), for tests and metrics
        self._rechecks: set[asyncio.Task[None]] = set()
        feed.observers.append(self._observe)

    def document(self, query: str, operation_name: str | None) -> LiveDocument | None:
        return self._documents.get(query, operation_name)

    # --- A member's stream ---------------------------------------------------------

    async def open(
        self,
        context: RequestContext,
        query: str,
        variables: Any,
        operation_name: str | None,
    ) -> AsyncGenerator[bytes, None] | None:
        """The payloads of a live subscription (each ``{"data": ...}`` encoded), or None:
        run it the standard way."""
        document = self.document(query, operation_name)
        actor = context.actor
        if document is None or actor is None or not isinstance(variables, dict | None):
            return None
        caller = Caller(context)
        permissions = getattr(
            document.definition.extensions.get(STRAWBERRY_FIELD), "permission_classes", []
        )
        if not all(permission().has_permission(None, caller) for permission in permissions):
            return None
        coerced = get_variable_values(
            self.schema, document.operation.variable_definitions or (), variables or {}
        )
        if isinstance(coerced, list):
            return None
        try:
            arguments = get_argument_values(document.definition, document.node, coerced)
            member_context = own_context(context, actor)
            following = await document.live.follow(member_context, arguments)
        except (GraphQLError, DomainError):
            return None
        return self._stream(document, variables or {}, arguments, member_context, following)

    async def _stream(
        self,
        document: LiveDocument,
        variables: dict[str, Any],
        arguments: dict[str, Any],
        context: RequestContext,
        following: Following[Any],
    ) -> AsyncGenerator[bytes, None]:
        started = time.perf_counter()
        member = Member(context.require_actor().user_id, asyncio.Queue(self._queue_size() + 1))
        last = following.start
        group: Group | None = None
        outcome, codes = "ok", []
        try:
            with active_subscription():
                while True:
                    if last is not None:
                        async for position, payloads in self._replay(
                            document, variables, context, following, last
                        ):
                            last = position
                            for payload in payloads:
                                yield payload
                    group, joined_at = self._join(document, variables, context, following, member)
                    if last is None:
                        last = joined_at
                    else:  # what committed between the replay and joining
                        async for position, payloads in self._replay(
                            document, variables, context, following, last
                        ):
                            last = position
                            for payload in payloads:
                                yield payload
                    ending = None
                    while ending is None:
                        delivery = await member.queue.get()
                        if isinstance(delivery, Ending):
                            ending = delivery
                            break
                        position, payloads = delivery
                        if position <= last:
                            continue
                        last = position
                        for payload in payloads:
                            yield payload
                    self._leave(group, member)
                    group = None
                    if ending.payload is not None:
                        codes = error_codes(ending.payload)
                        outcome = "user_error"
                        yield ending.payload
                        return
                    # Regroup: follow again as the subscriber now is, from the last event.
                    fresh = await self._actor(member.user_id)
                    if fresh is None:
                        raise unauthenticated()
                    context = own_context(context, fresh)
                    member = Member(member.user_id, asyncio.Queue(self._queue_size() + 1))
                    following = await document.live.follow(context, arguments)
                    following = replace(following, start=last)
        except DomainError as error:
            codes, outcome = [error.code.value], "user_error"
            yield self._error(document, context, error)
        finally:
            if group is not None:
                self._leave(group, member)
            log_operation(
                context,
                document.name,
                "subscription",
                outcome,
                codes,
                time.perf_counter() - started,
                None,
            )

    async def _replay(
        self,
        document: LiveDocument,
        variables: dict[str, Any],
        context: RequestContext,
        following: Following[Any],
        start: Position,
    ) -> AsyncGenerator[tuple[Position, list[bytes]], None]:
        """What this member missed after ``start``, from the outbox, for them alone."""
        while True:
            async with context.sessions() as session:
                batch = await read_after(
                    session,
                    start,
                    postgres=self.feed.postgres,
                    limit=REPLAY_PAGE,
                    where=following.where,
                    notifications_for=following.notifications_for,
                )
            for item in batch:
                start = item.position
                if not following.wants(item):
                    continue
                actor = await self._actor(context.require_actor().user_id)
                if actor is None:
                    raise unauthenticated()
                context.sign_in(actor)
                values = await following.values(context, item)
                payloads = [
                    await self._execute(document, variables, context, value) for value in values
                ]
                if payloads:
                    yield item.position, payloads
            if len(batch) < REPLAY_PAGE:
                return

    # --- Groups ----------------------------------------------------------------------

    def _join(
        self,
        document: LiveDocument,
        variables: dict[str, Any],
        context: RequestContext,
        following: Following[Any],
        member: Member,
    ) -> tuple[Group, Position]:
        """The member's group, made (joining the feed) if it is the first, and the feed's
        position when the member joined: what comes after it reaches the member. Both
        synchronous, so that no event slips in between."""
        shared = {k: v for k, v in variables.items() if k != "after"}
        key = (
            document.query,
            document.name,
            json.dumps(shared, sort_keys=True, default=str),
            following.audience,
        )
        group = self.groups.get(key)
        if group is None:
            group_context = own_context(context, context.require_actor())
            subscriber = self.feed.subscribe(following.wants, following.concerns)
            group = Group(key, document, variables, following, group_context, subscriber)
            group.task = asyncio.create_task(self._run(group), name="live-group")
            self.groups[key] = group
        group.members.add(member)
        return group, self.feed.position

    def _leave(self, group: Group, member: Member) -> None:
        group.members.discard(member)
        if not group.members and self.groups.get(group.key) is group:
            del self.groups[group.key]
            self.feed.unsubscribe(group.subscriber)
            if group.task is not None:
                group.task.cancel()

    async def _run(self, group: Group) -> None:
        """Each event the group wants: its values executed once, then handed to each
        member that may still have them."""
        too_slow = self._error(
            group.document,
            group.context,
            DomainError(
                ErrorCode.SUBSCRIBER_TOO_SLOW,
                "You fell behind the live events; subscribe again with the last cursor "
                "you received to resume where you left off.",
            ),
        )
        while True:
            try:
                first = await group.subscriber.next()
            except SubscriptionEnded as ended:
                error = DomainError(ErrorCode(ended.code), ended.reason)
                ending = Ending(self._error(group.document, group.context, error))
                for member in list(group.members):
                    member.end(ending)
                return
            # A burst: what is already queued is executed together, its loads batched.
            items = [first, *group.subscriber.ready(EVENTS_TOGETHER - 1)]
            results = await asyncio.gather(
                *(self._payloads(group, item) for item in items), return_exceptions=True
            )
            deliveries: list[tuple[Position, list[bytes]]] = []
            for item, result in zip(items, results, strict=True):
                if isinstance(result, BaseException):  # one event must not end the stream
                    logger.error("live event %s failed for a group", item.position, exc_info=result)
                elif result:
                    deliveries.append((item.position, result))
            if deliveries:
                await self._deliver(group, deliveries, too_slow)

    async def _payloads(self, group: Group, item: FeedEvent) -> list[bytes]:
        """The event's payloads for the group. Loaders are fresh for each pass of the feed
        and shared by every group of the same visibility (``Actor.visibility``: they load
        the same rows), so that a burst to many groups loads in a few batched statements."""
        actor = group.context.require_actor()
        loaders = item.together.get(("live-loaders", actor.visibility))
        if loaders is None:
            loaders = Loaders(group.context.read_sessions, actor)
            item.together[("live-loaders", actor.visibility)] = loaders
        context = replace(group.context)
        context.sign_in(actor, loaders)
        values = await group.following.values(context, item)
        return [await self._execute(group.document, group.variables, context, v) for v in values]

    async def _deliver(
        self,
        group: Group,
        deliveries: list[tuple[Position, list[bytes]]],
        too_slow: bytes,
    ) -> None:
        """Each member that may still have them (the subscriber as they now are: active,
        of the group's audience) is handed the payloads, in order."""
        live = group.document.live
        actors: dict[int, Actor | None] = {}
        for member in list(group.members):
            if member.user_id not in actors:
                actors[member.user_id] = await self._actor(member.user_id)
            actor = actors[member.user_id]
            if actor is None:
                member.end(Ending(self._error(group.document, group.context, unauthenticated())))
            elif live.audience(actor) != group.following.audience:
                member.end(Ending(regroup=True))
            else:
                for delivery in deliveries:
                    member.offer(delivery, too_slow)

    def _observe(self, item: FeedEvent) -> None:
        """A change to a user or to the geography: their members are checked again now,
        not only at their group's next event (a widened scope must start receiving)."""
        topic = item.event.topic
        if topic == EventTopic.STAFF:
            users: set[int] | None = {item.event.subject_id}
        elif topic == EventTopic.GEOGRAPHY:
            users = None
        else:
            return
        task = asyncio.get_running_loop().create_task(self._recheck(users))
        self._rechecks.add(task)
        task.add_done_callback(self._rechecks.discard)

    async def _recheck(self, users: set[int] | None) -> None:
        for group in list(self.groups.values()):
            for member in list(group.members):
                if users is not None and member.user_id not in users:
                    continue
                actor = await self._actor(member.user_id)
                if actor is None:
                    member.end(
                        Ending(self._error(group.document, group.context, unauthenticated()))
                    )
                elif group.document.live.audience(actor) != group.following.audience:
                    member.end(Ending(regroup=True))

    # --- Values into bytes ---------------------------------------------------------

    async def _execute(
        self,
        document: LiveDocument,
        variables: dict[str, Any],
        context: RequestContext,
        value: Any,
    ) -> bytes:
        self.executions += 1
        return await execute_payload(
            self.schema, self.execution_context_class, document, variables, context, value
        )

    def _error(self, document: LiveDocument, context: RequestContext, error: DomainError) -> bytes:
        return error_payload(document, context, error)

    # --- Helpers -------------------------------------------------------------------

    def _queue_size(self) -> int:
        return self.feed.queue_size

    async def _actor(self, user_id: int) -> Actor | None:
        async def load(user_id: int) -> Actor | None:
            async with self.feed.sessions() as session:
                return await load_actor(session, user_id)

        return await self.actors.actor(user_id, load)

    async def stop(self) -> None:
        for group in list(self.groups.values()):
            if group.task is not None:
                group.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await group.task
