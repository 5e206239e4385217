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
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values

from auth.actor import Actor, load_actor
from auth.actor_cache import ActorCache
from core.events.feed import EventFeed, Subscriber, SubscriptionEnded
from core.events.outbox import FeedEvent, Position, read_after
from core.metrics import active_subscription
from models.events import EventTopic
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode, unauthenticated
from resolvers.events.subscriptions import REPLAY_PAGE, Following
from schema.errors import present_error
from schema.events.subscriptions import LIVE_FIELDS, LiveField
from schema.execution.operation_log import log_operation

logger = logging.getLogger("gridline.live")

DOCUMENTS_KEPT = 64
STRAWBERRY_FIELD = "strawberry-definition"


@dataclass(frozen=True, slots=True)
class LiveDocument:
    """A subscription document this module serves: one root field of ``LIVE_FIELDS``."""

    query: str
    document: DocumentNode
    operation: OperationDefinitionNode
    key: str
    node: FieldNode
    definition: GraphQLField
    live: LiveField

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


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
        self._documents: dict[tuple[str, str | None], LiveDocument | None] = {}
        self.executions = 0  # payloads executed (per group and event), for tests and metrics
        self._rechecks: set[asyncio.Task[None]] = set()
        feed.observers.append(self._observe)

    # --- Documents ---------------------------------------------------------------

    def document(self, query: str, operation_name: str | None) -> LiveDocument | None:
        key = (query, operation_name)
        if key not in self._documents:
            if len(self._documents) >= DOCUMENTS_KEPT:
                self._documents.pop(next(iter(self._documents)))
            self._documents[key] = self._read(query, operation_name)
        return self._documents[key]

    def _read(self, query: str, operation_name: str | None) -> LiveDocument | None:
        try:
            document = parse(query)
        except GraphQLError:
            return None
        if validate(self.schema, document):
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ]
        if len(chosen) != 1 or len(operations) != len(document.definitions):
            return None  # fragments, or no single operation: the standard way
        operation = chosen[0]
        if operation.operation is not OperationType.SUBSCRIPTION or operation.directives:
            return None
        selections = operation.selection_set.selections
        if len(selections) != 1 or not isinstance(selections[0], FieldNode):
            return None
        node = selections[0]
        live = LIVE_FIELDS.get(node.name.value)
        subscription_type = self.schema.subscription_type
        if live is None or node.directives or subscription_type is None:
            return None
        definition = subscription_type.fields[node.name.value]
        key = node.alias.value if node.alias else node.name.value
        return LiveDocument(query, document, operation, key, node, definition, live)

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
        caller = _Caller(context)
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
            member_context = _own_context(context, actor)
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
                        codes = _codes(ending.payload)
                        outcome = "user_error"
                        yield ending.payload
                        return
                    # Regroup: follow again as the subscriber now is, from the last event.
                    fresh = await self._actor(member.user_id)
                    if fresh is None:
                        raise unauthenticated()
                    context = _own_context(context, fresh)
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
            group_context = _own_context(context, context.require_actor())
            subscriber = self.feed.subscribe(following.wants)
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
                item = await group.subscriber.next()
            except SubscriptionEnded as ended:
                error = DomainError(ErrorCode(ended.code), ended.reason)
                ending = Ending(self._error(group.document, group.context, error))
                for member in list(group.members):
                    member.end(ending)
                return
            try:
                payloads = await self._payloads(group, item)
            except Exception:  # one event must not end a dashboard's stream
                logger.exception("live event %s failed for a group", item.position)
                continue
            if payloads:
                await self._deliver(group, item.position, payloads, too_slow)

    async def _payloads(self, group: Group, item: FeedEvent) -> list[bytes]:
        context = group.context
        context.sign_in(context.require_actor())  # fresh loaders for every event
        values = await group.following.values(context, item)
        return [await self._execute(group.document, group.variables, context, v) for v in values]

    async def _deliver(
        self, group: Group, position: Position, payloads: list[bytes], too_slow: bytes
    ) -> None:
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
                member.offer((position, payloads), too_slow)

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
        """The ``next`` payload of one value: the document's selection executed on it."""
        self.executions += 1
        result = execute(
            self.schema,
            document.document,
            root_value=document.live.convert(value),
            context_value=context,
            variable_values=variables,
            operation_name=document.name,
            executor_class=self.execution_context_class,
        )
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        payload: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        errors = result.errors  # type: ignore[union-attr]
        if errors:
            payload["errors"] = [present_error(e, context.request_id).formatted for e in errors]
        return orjson.dumps(payload)

    def _error(self, document: LiveDocument, context: RequestContext, error: DomainError) -> bytes:
        """How the standard way ends a subscription with a domain error."""
        located = GraphQLError(
            error.message, nodes=[document.node], path=[document.key], original_error=error
        )
        formatted = present_error(located, context.request_id).formatted
        return orjson.dumps({"data": None, "errors": [formatted]})

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


@dataclass(frozen=True, slots=True)
class _Caller:
    context: Any


def _own_context(context: RequestContext, actor: Actor) -> RequestContext:
    """A context of the subscriber's own: the connection's is shared by its subscriptions."""
    own = replace(context)
    own.sign_in(actor)
    return own


def _codes(payload: bytes) -> list[str]:
    body = orjson.loads(payload)
    return [e.get("extensions", {}).get("code", "") for e in body.get("errors") or []]
