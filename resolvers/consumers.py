"""Consumers: reading them, always within the actor's plants; and, for administrators,
connecting them and correcting their details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import write_session
from models.base import utcnow
from models.consumers import Consumer, ConsumerHistoryEntry, ConsumerHistoryKind, ConsumerStatus
from models.geography import Plant
from models.packages import OPEN_STAGES, Package, PackageRequest
from resolvers.admin import (
    UNCHANGED,
    Unchanged,
    UniqueField,
    clean_change,
    ensure_unique,
    flush_checked,
    get_or_not_found,
    require_admin,
)
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from resolvers.pagination import Page, PageArgs, SortKey, paginate_partitioned
from resolvers.search import contains_text, normalise_search, starts_with
from resolvers.validation import (
    clean_account_number,
    clean_name,
    clean_phone,
    input_field,
    invalid,
)

CONSUMER_ORDER = (SortKey(col(Consumer.name), "name"), SortKey(col(Consumer.id), "id"))


@dataclass(frozen=True, slots=True)
class ConsumerFilter:
    plant_ids: list[int] | None = None
    status: ConsumerStatus | None = None
    search: str | None = None


def _search_clause(text: str) -> sa.ColumnElement[bool]:
    """Name (contains), account number (prefix) or phone (its digits contain these digits)."""
    text = normalise_search(text)
    clauses = [
        contains_text(col(Consumer.name), text),
        starts_with(col(Consumer.account_number), text.upper()),
    ]
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3:  # fewer digits would match nearly everyone
        clauses.append(col(Consumer.phone).contains(digits))
    return sa.or_(*clauses)


def consumers_statement(ctx: RequestContext, filter: ConsumerFilter) -> sa.Select[Consumer]:
    """Consumers the actor may see, narrowed by ``filter``."""
    actor = ctx.require_actor()
    statement = sa.select(Consumer).where(
        actor.scope.narrow(filter.plant_ids).restrict(col(Consumer.plant_id))
    )
    if filter.status is not None:
        statement = statement.where(col(Consumer.status) == filter.status)
    if filter.search and filter.search.strip():
        statement = statement.where(_search_clause(filter.search))
    return statement


async def list_consumers(
    ctx: RequestContext, filter: ConsumerFilter, page: PageArgs
) -> Page[Consumer]:
    return await ctx.paginate(consumers_statement(ctx, filter), CONSUMER_ORDER, page)


@dataclass(frozen=True, slots=True)
class PlantConsumersKey:
    """One plant's page of consumers, as asked by a nested ``Plant.consumers`` field."""

    plant_id: int
    status: ConsumerStatus | None
    search: str | None
    page: PageArgs


async def plant_consumers_page(ctx: RequestContext, key: PlantConsumersKey) -> Page[Consumer]:
    """A plant's consumers, batched: every plant of a list costs one statement together."""

    async def batch(keys: list[PlantConsumersKey]) -> list[Page[Consumer]]:
        groups: dict[tuple[Any, ...], list[int]] = {}
        for k in keys:
            groups.setdefault((k.status, k.search, k.page), []).append(k.plant_id)
        pages: dict[tuple[Any, ...], Page[Consumer]] = {}
        for (status, search, page_args), plant_ids in groups.items():
            by_plant = await paginate_partitioned(
                ctx.sessions,
                consumers_statement(ctx, ConsumerFilter(status=status, search=search)),
                Consumer,
                col(Consumer.plant_id),
                plant_ids,
                CONSUMER_ORDER,
                page_args,
                default_size=ctx.settings.page_size_default,
                max_size=ctx.settings.page_size_max,
            )
            for plant_id, page in by_plant.items():
                pages[(status, search, page_args, plant_id)] = page
        return [pages[(k.status, k.search, k.page, k.plant_id)] for k in keys]

    loader = ctx.loaders.named("plant_consumers_page", batch)
    return await loader.load(key)


# Administration (ADMIN): connecting consumers and correcting their details. Status and
# package change only through package requests, which keep the history.

MANAGE_CONSUMERS = "create or change consumers"
ACCOUNT_NUMBER = UniqueField(
    Consumer, "account_number", input_field("accountNumber"), "Account number"
)


@dataclass(frozen=True, slots=True)
class NewConsumer:
    plant_id: int
    package_id: int
    account_number: str
    name: str
    phone: str
    connected_at: date | None = None  # None: today


@dataclass(frozen=True, slots=True)
class ConsumerChanges:
    name: str | Unchanged = UNCHANGED
    phone: str | Unchanged = UNCHANGED
    account_number: str | Unchanged = UNCHANGED
    plant_id: int | Unchanged = UNCHANGED


def _check_connected_at(ctx: RequestContext, connected_at: date | None) -> date:
    """A connection made today at the latest, by the company's calendar (default today)."""
    today = datetime.now(ctx.settings.zone).date()
    if connected_at is None:
        return today
    if connected_at > today:
        raise invalid("The connection date cannot be in the future.", input_field("connectedAt"))
    return connected_at


async def _active_package(session: AsyncSession, package_id: int) -> Package:
    field = input_field("packageId")
    package = await get_or_not_found(session, Package, package_id, "Package", field)
    if not package.active:
        raise invalid("Connect consumers on an active package.", field)
    return package


async def _ensure_no_open_request(session: AsyncSession, consumer_id: int) -> None:
    """An open request belongs to the plant it was made at; moving the consumer would
    strand it outside the scope of the people working on it."""
    statement = sa.select(col(PackageRequest.id)).where(
        col(PackageRequest.consumer_id) == consumer_id,
        col(PackageRequest.stage).in_(OPEN_STAGES),
    )
    if (await session.execute(statement.limit(1))).first() is not None:
        raise DomainError(
            ErrorCode.CONFLICT,
            "The consumer has an open package request; close it before moving them.",
            input_field("plantId"),
        )


async def create_consumer(ctx: RequestContext, new: NewConsumer) -> Consumer:
    """Connect a consumer: ACTIVE on an active package, with the connection in the history."""
    actor = require_admin(ctx, MANAGE_CONSUMERS)
    consumer = Consumer(
        account_number=clean_account_number(new.account_number, input_field("accountNumber")),
        name=clean_name(new.name, input_field("name")),
        phone=clean_phone(new.phone, input_field("phone")),
        plant_id=new.plant_id,
        package_id=new.package_id,
        status=ConsumerStatus.ACTIVE,
        connected_at=_check_connected_at(ctx, new.connected_at),
    )
    async with write_session(ctx.sessions) as session:
        await get_or_not_found(session, Plant, new.plant_id, "Plant", input_field("plantId"))
        await _active_package(session, new.package_id)
        await ensure_unique(session, ACCOUNT_NUMBER, consumer.account_number)
        session.add(consumer)
        await flush_checked(session, [ACCOUNT_NUMBER])
        assert consumer.id is not None  # noqa: S101 - set by the flush
        session.add(
            ConsumerHistoryEntry(
                consumer_id=consumer.id,
                kind=ConsumerHistoryKind.STATUS,
                to_status=ConsumerStatus.ACTIVE,
                changed_at=utcnow(),
                actor_id=actor.user_id,
                note="Connected.",
            )
        )
        await flush_checked(session, [])
    return consumer


async def update_consumer(
    ctx: RequestContext, consumer_id: int, changes: ConsumerChanges
) -> Consumer:
    """Correct a consumer's name, phone or account number, or move them to another plant."""
    require_admin(ctx, MANAGE_CONSUMERS)
    name = clean_change(changes.name, clean_name, input_field("name"))
    phone = clean_change(changes.phone, clean_phone, input_field("phone"))
    account_number = clean_change(
        changes.account_number, clean_account_number, input_field("accountNumber")
    )
    async with write_session(ctx.sessions) as session:
        consumer = await get_or_not_found(
            session, Consumer, consumer_id, "Consumer", input_field("id")
        )
        if changes.plant_id is not UNCHANGED and changes.plant_id != consumer.plant_id:
            await get_or_not_found(
                session, Plant, changes.plant_id, "Plant", input_field("plantId")
            )
            await _ensure_no_open_request(session, consumer_id)
            consumer.plant_id = changes.plant_id
        if account_number is not UNCHANGED:
            await ensure_unique(session, ACCOUNT_NUMBER, account_number, except_id=consumer_id)
            consumer.account_number = account_number
        if name is not UNCHANGED:
            consumer.name = name
        if phone is not UNCHANGED:
            consumer.phone = phone
        consumer.updated_at = utcnow()
        await flush_checked(session, [ACCOUNT_NUMBER])
    return consumer
