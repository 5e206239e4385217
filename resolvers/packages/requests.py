"""Package requests: creating one, and reading them (the tabs, badges, details)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from core.db import write_session
from models.base import utcnow
from models.consumers import Consumer, ConsumerStatus
from models.events import EventTopic
from models.expressions import one_of
from models.packages import (
    CLOSED_STAGES,
    OPEN_STAGES,
    Package,
    PackageRequest,
    RequestAction,
    RequestEvent,
    RequestStage,
    ServiceType,
)
from models.staff import Role, User, UserPlant
from resolvers.context import RequestContext
from resolvers.dates import DayRange
from resolvers.errors import DomainError, ErrorCode, forbidden, not_found
from resolvers.events.notifications import record_event
from resolvers.packages.rules import CREATORS, READERS
from resolvers.pagination import Page, PageArgs, SortKey
from resolvers.validation import a_or_an, input_field

NOTE_MAX_LENGTH = 1000
IDEMPOTENCY_KEY_MAX_LENGTH = 64
SUBJECT = "PackageRequest"


def require_reader(ctx: RequestContext) -> Actor:
    actor = ctx.require_actor()
    if actor.role not in READERS:
        raise forbidden("read package requests")
    return actor


def clean_note(
    note: str | None,
    field: list[str],
    *,
    required: bool = False,
    max_length: int = NOTE_MAX_LENGTH,
) -> str | None:
    # Tidy spaces but keep the writer's line breaks (a list of what was done).
    lines = (" ".join(line.split()) for line in (note or "").strip().splitlines())
    text = "\n".join(line for line in lines if line)
    if required and not text:
        raise DomainError(ErrorCode.VALIDATION, "Give a reason.", field)
    if len(text) > max_length:
        raise DomainError(ErrorCode.VALIDATION, f"At most {max_length} characters.", field)
    return text or None


def request_number(request_id: int) -> str:
    return f"PR-{request_id:06d}"


async def open_request_of(session: AsyncSession, consumer_id: int) -> PackageRequest | None:
    statement = sa.select(PackageRequest).where(
        col(PackageRequest.consumer_id) == consumer_id,
        col(PackageRequest.stage).in_(OPEN_STAGES),
    )
    return (await session.execute(statement)).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class NewPackageRequest:
    consumer_id: int
    service: ServiceType
    requested_package_id: int | None
    note: str | None
    idempotency_key: str | None


def _same_request(existing: PackageRequest, new: NewPackageRequest, note: str | None) -> bool:
    return (
        existing.consumer_id == new.consumer_id
        and existing.service == new.service
        and existing.requested_package_id == new.requested_package_id
        and existing.note == note
    )


async def _by_idempotency_key(
    session: AsyncSession, actor: Actor, key: str
) -> PackageRequest | None:
    statement = sa.select(PackageRequest).where(
        col(PackageRequest.requested_by_id) == actor.user_id,
        col(PackageRequest.idempotency_key) == key,
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def _check_service(
    session: AsyncSession, consumer: Consumer, new: NewPackageRequest
) -> int | None:
    """The requested package, if the service needs one; VALIDATION when the rules say no."""
    service_field = input_field("service")
    package_field = input_field("requestedPackageId")
    if new.service in (ServiceType.DISCONNECTION, ServiceType.RECONNECTION):
        if new.requested_package_id is not None:
            raise DomainError(
                ErrorCode.VALIDATION,
                f"{a_or_an(new.service.value, starts_sentence=True)} takes no package.",
                package_field,
            )
        needed = (
            ConsumerStatus.ACTIVE
            if new.service is ServiceType.DISCONNECTION
            else ConsumerStatus.BANNED
        )
        if consumer.status is not needed:
            raise DomainError(
                ErrorCode.VALIDATION,
                f"{a_or_an(new.service.value, starts_sentence=True)} is only for "
                f"{a_or_an(needed.value)} consumer; "
                f"this one is {consumer.status.value}.",
                service_field,
            )
        return None
    if consumer.status is not ConsumerStatus.ACTIVE:
        raise DomainError(
            ErrorCode.VALIDATION,
            "A banned consumer's package cannot change; request a RECONNECTION first.",
            service_field,
        )
    if new.requested_package_id is None:
        raise DomainError(
            ErrorCode.VALIDATION,
            f"An {new.service.value} needs the package to move to.",
            package_field,
        )
    requested = await session.get(Package, new.requested_package_id)
    current = await session.get(Package, consumer.package_id)
    if requested is None or not requested.active:
        raise DomainError(ErrorCode.VALIDATION, "Choose an active package.", package_field)
    assert current is not None  # noqa: S101 - a foreign key guarantees it
    if requested.id == current.id:
        raise DomainError(
            ErrorCode.VALIDATION, "That is the consumer's current package.", package_field
        )
    higher = requested.load_watts > current.load_watts
    if (new.service is ServiceType.UPGRADE) != higher or requested.load_watts == current.load_watts:
        direction = "higher" if new.service is ServiceType.UPGRADE else "lower"
        raise DomainError(
            ErrorCode.VALIDATION,
            f"An {new.service.value} moves to a package with a {direction} load than "
            f"{current.load_watts} W.",
            package_field,
        )
    return requested.id


def _duplicate(open_request: PackageRequest) -> DomainError:
    assert open_request.id is not None  # noqa: S101
    return DomainError(
        ErrorCode.DUPLICATE,
        f"{request_number(open_request.id)} is already open for this consumer "
        f"({open_request.stage.value}).",
        input_field("consumerId"),
    )


def authorize_create(ctx: RequestContext) -> Actor:
    """The actor, if their role may create requests (checked before reading the input)."""
    actor = ctx.require_actor()
    if actor.role not in CREATORS:
        raise forbidden("create package requests")
    return actor


async def create_request(ctx: RequestContext, new: NewPackageRequest) -> PackageRequest:
    """Register a request for a consumer in scope; idempotent by ``idempotency_key``."""
    actor = authorize_create(ctx)
    note = clean_note(new.note, input_field("note"))
    key = new.idempotency_key.strip() if new.idempotency_key else None
    if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        raise DomainError(
            ErrorCode.VALIDATION,
            f"An idempotency key has 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            input_field("idempotencyKey"),
        )
    try:
        return await _create(ctx, actor, new, note, key)
    except IntegrityError:
        # A concurrent twin won the race: answer as if we had arrived second.
        async with ctx.sessions() as session:
            if key is not None:
                first = await _by_idempotency_key(session, actor, key)
                if first is not None:
                    return _replayed(first, new, note)
            open_request = await open_request_of(session, new.consumer_id)
        if open_request is not None:
            raise _duplicate(open_request) from None
        raise


def _replayed(first: PackageRequest, new: NewPackageRequest, note: str | None) -> PackageRequest:
    if not _same_request(first, new, note):
        raise DomainError(
            ErrorCode.VALIDATION,
            "This idempotency key was already used for a different request.",
            input_field("idempotencyKey"),
        )
    return first


async def _create(
    ctx: RequestContext, actor: Actor, new: NewPackageRequest, note: str | None, key: str | None
) -> PackageRequest:
    async with write_session(ctx.sessions) as session:
        if key is not None:
            first = await _by_idempotency_key(session, actor, key)
            if first is not None:
                return _replayed(first, new, note)
        consumer = (
            await session.execute(
                sa.select(Consumer).where(
                    col(Consumer.id) == new.consumer_id,
                    actor.scope.restrict(col(Consumer.plant_id)),
                )
            )
        ).scalar_one_or_none()
        if consumer is None or consumer.id is None:
            raise not_found("Consumer", input_field("consumerId"))
        requested_package_id = await _check_service(session, consumer, new)
        open_request = await open_request_of(session, consumer.id)
        if open_request is not None:
            # The open one may be this very request, committed by a twin of this retry
            # after our first look for the key.
            if key is not None and (first := await _by_idempotency_key(session, actor, key)):
                return _replayed(first, new, note)
            raise _duplicate(open_request)
        now = utcnow()
        request = PackageRequest(
            consumer_id=consumer.id,
            plant_id=consumer.plant_id,
            service=new.service,
            stage=RequestStage.REQUESTED,
            current_package_id=consumer.package_id,
            requested_package_id=requested_package_id,
            requested_by_id=actor.user_id,
            note=note,
            idempotency_key=key,
            created_at=now,
            updated_at=now,
        )
        session.add(request)
        await session.flush()
        assert request.id is not None  # noqa: S101
        session.add(
            RequestEvent(
                request_id=request.id,
                at=now,
                actor_id=actor.user_id,
                action=RequestAction.CREATE,
                to_stage=RequestStage.REQUESTED,
                note=note,
            )
        )
        await record_event(
            session,
            topic=EventTopic.PACKAGE_REQUEST,
            subject_type=SUBJECT,
            subject_id=request.id,
            plant_id=request.plant_id,
            actor_id=actor.user_id,
            payload={"action": RequestAction.CREATE.value, "toStage": RequestStage.REQUESTED.value},
        )
        return request


class RequestOrder(StrEnum):
    NEWEST_FIRST = "NEWEST_FIRST"
    OLDEST_FIRST = "OLDEST_FIRST"


@dataclass(frozen=True, slots=True)
class RequestFilter:
    stages: list[RequestStage] | None = None
    plant_ids: list[int] | None = None
    services: list[ServiceType] | None = None
    consumer_status: ConsumerStatus | None = None
    assigned_to_me: bool | None = None
    created_in: DayRange | None = None
    closed_in: DayRange | None = None
    updated_since: datetime | None = None


def filtered_requests(
    ctx: RequestContext, actor: Actor, filter: RequestFilter, *, with_stages: bool = True
) -> sa.Select[Any]:
    """Requests in the actor's scope narrowed by ``filter`` (stages left out for counts)."""
    zone = ctx.settings.zone
    statement = sa.select(PackageRequest).where(
        actor.scope.narrow(filter.plant_ids).restrict(col(PackageRequest.plant_id))
    )
    if with_stages and filter.stages:
        statement = statement.where(col(PackageRequest.stage).in_(filter.stages))
    if filter.services:
        statement = statement.where(col(PackageRequest.service).in_(filter.services))
    if filter.consumer_status is not None:
        with_status = sa.select(col(Consumer.id)).where(
            col(Consumer.status) == filter.consumer_status
        )
        statement = statement.where(col(PackageRequest.consumer_id).in_(with_status))
    if filter.assigned_to_me is not None:
        mine = col(PackageRequest.assignee_id) == actor.user_id
        statement = statement.where(mine if filter.assigned_to_me else sa.not_(mine))
    if filter.created_in is not None:
        start, end = filter.created_in.instants(zone)
        statement = statement.where(
            col(PackageRequest.created_at) >= start, col(PackageRequest.created_at) < end
        )
    if filter.closed_in is not None:
        start, end = filter.closed_in.instants(zone)
        statement = statement.where(
            col(PackageRequest.stage).in_(CLOSED_STAGES),
            col(PackageRequest.closed_at) >= start,
            col(PackageRequest.closed_at) < end,
        )
    if filter.updated_since is not None:
        statement = statement.where(col(PackageRequest.updated_at) > filter.updated_since)
    return statement


def _order(order: RequestOrder) -> tuple[SortKey, SortKey]:
    descending = order is RequestOrder.NEWEST_FIRST
    return (
        SortKey(col(PackageRequest.created_at), "created_at", descending),
        SortKey(col(PackageRequest.id), "id", descending),
    )


async def list_requests(
    ctx: RequestContext, filter: RequestFilter, order: RequestOrder, page: PageArgs
) -> Page[PackageRequest]:
    actor = require_reader(ctx)
    return await ctx.paginate(filtered_requests(ctx, actor, filter), _order(order), page)


async def count_by_stage(ctx: RequestContext, filter: RequestFilter) -> dict[RequestStage, int]:
    """Badges of every tab in one statement (the filter's stages are ignored)."""
    actor = require_reader(ctx)
    requests = filtered_requests(ctx, actor, filter, with_stages=False).subquery()
    statement = sa.select(requests.c.stage, sa.func.count()).group_by(requests.c.stage)
    async with ctx.sessions() as session:
        rows = (await session.execute(statement)).all()
    counts = dict.fromkeys(RequestStage, 0)
    for stage, count in rows:
        counts[RequestStage(stage)] = int(count)
    return counts


async def requests_by_id(
    ctx: RequestContext, request_ids: list[int]
) -> list[PackageRequest | None]:
    """For ``node`` and relations: requests in scope, for roles that may read them."""
    actor = ctx.require_actor()
    if actor.role not in READERS:
        return [None] * len(request_ids)

    async def batch(ids: list[int]) -> list[PackageRequest | None]:
        statement = sa.select(PackageRequest).where(
            one_of(col(PackageRequest.id), ids), actor.scope.restrict(col(PackageRequest.plant_id))
        )
        async with ctx.sessions() as session:
            found = {r.id: r for r in (await session.execute(statement)).scalars()}
        return [found.get(i) for i in ids]

    loader = ctx.loaders.named("package_request_by_id", batch)
    return list(await loader.load_many(request_ids))


async def history_of(ctx: RequestContext, request_id: int) -> list[RequestEvent]:
    async def batch(ids: list[int]) -> list[list[RequestEvent]]:
        statement = (
            sa.select(RequestEvent)
            .where(one_of(col(RequestEvent.request_id), ids))
            .order_by(col(RequestEvent.request_id), col(RequestEvent.id))
        )
        async with ctx.sessions() as session:
            rows = (await session.execute(statement)).scalars().all()
        grouped: dict[int, list[RequestEvent]] = defaultdict(list)
        for row in rows:
            grouped[row.request_id].append(row)
        return [grouped.get(i, []) for i in ids]

    return await ctx.loaders.named("request_history", batch).load(request_id)


async def requests_of_consumer(ctx: RequestContext, consumer_id: int) -> list[PackageRequest]:
    """A consumer's requests, newest first (the consumer is already known to be in scope)."""
    actor = ctx.require_actor()
    if actor.role not in READERS:
        return []

    async def batch(ids: list[int]) -> list[list[PackageRequest]]:
        statement = (
            sa.select(PackageRequest)
            .where(one_of(col(PackageRequest.consumer_id), ids))
            .order_by(col(PackageRequest.created_at).desc(), col(PackageRequest.id).desc())
        )
        async with ctx.sessions() as session:
            rows = (await session.execute(statement)).scalars().all()
        grouped: dict[int, list[PackageRequest]] = defaultdict(list)
        for row in rows:
            grouped[row.consumer_id].append(row)
        return [grouped.get(i, []) for i in ids]

    requests: list[PackageRequest] = await ctx.loaders.named("requests_of_consumer", batch).load(
        consumer_id
    )
    return requests


def assignable_technicians_statement(plant_ids: list[int]) -> sa.Select[int, User]:
    return (
        sa.select(col(UserPlant.plant_id), User)
        .join(User, col(User.id) == col(UserPlant.user_id))
        .where(
            one_of(col(UserPlant.plant_id), plant_ids),
            col(User.role) == Role.TECHNICIAN,
            col(User.active).is_(True),
        )
        .order_by(col(User.name), col(User.id))
    )


async def assignable_technicians(ctx: RequestContext, plant_id: int) -> list[User]:
    """Active technicians working at the plant: who a request there may be assigned to."""

    async def batch(plant_ids: list[int]) -> list[list[User]]:
        async with ctx.sessions() as session:
            rows = (await session.execute(assignable_technicians_statement(plant_ids))).all()
        grouped: dict[int, list[User]] = defaultdict(list)
        for plant, user in rows:
            grouped[plant].append(user)
        return [grouped.get(i, []) for i in plant_ids]

    return await ctx.loaders.named("assignable_technicians", batch).load(plant_id)
