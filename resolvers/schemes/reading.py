"""Reading schemes and enrolments: the catalogue, the list, by code, the statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from auth.actor import Actor
from models.consumers import Consumer, ConsumerStatus
from models.expressions import one_of
from models.geography import Cluster, Plant
from models.schemes.codes import is_valid, is_well_formed, normalise
from models.schemes.tables import (
    EnrollmentStatus,
    Scheme,
    SchemeEnrollment,
    SchemeInstallment,
    SchemePayment,
    SchemeState,
    SchemeType,
)
from models.staff import Role
from resolvers.context import RequestContext
from resolvers.dates import DayRange, today
from resolvers.errors import DomainError, ErrorCode, forbidden
from resolvers.pagination import (
    Page,
    PageArgs,
    SortKey,
    after_predicate,
    decode_cursor,
    encode_cursor,
    paginate,
    validate_page_args,
)
from resolvers.pagination import order_by_clauses as order_by
from resolvers.schemes.repayment import (
    RepaymentStatus,
    arrears_start_column,
    overdue_clause,
    status_clause,
)

READERS = frozenset({Role.CSA, Role.CLUSTER_INCHARGE, Role.STATE_INCHARGE, Role.ADMIN})


def require_reader(ctx: RequestContext) -> Actor:
    actor = ctx.require_actor()
    if actor.role not in READERS:
        raise forbidden("read scheme enrolments")
    return actor


@dataclass(frozen=True, slots=True)
class SchemeFilter:
    scheme_type: SchemeType | None = None
    state_id: int | None = None
    active_on: date | None = None


async def list_schemes(ctx: RequestContext, filter: SchemeFilter) -> list[Scheme]:
    """The catalogue: readable by every signed-in user."""
    ctx.require_actor()
    statement = sa.select(Scheme).order_by(col(Scheme.name), col(Scheme.id))
    if filter.scheme_type is not None:
        statement = statement.where(col(Scheme.scheme_type) == filter.scheme_type)
    if filter.state_id is not None:
        offered = sa.select(col(SchemeState.scheme_id)).where(
            col(SchemeState.state_id) == filter.state_id
        )
        statement = statement.where(col(Scheme.id).in_(offered))
    if filter.active_on is not None:
        on = filter.active_on
        statement = statement.where(
            col(Scheme.active).is_(True),
            col(Scheme.valid_from) <= on,
            sa.or_(col(Scheme.valid_to).is_(None), col(Scheme.valid_to) >= on),
        )
    async with ctx.sessions() as session:
        return list((await session.execute(statement)).scalars())


async def schemes_by_id(ctx: RequestContext, ids: list[int]) -> list[Scheme | None]:
    async def batch(keys: list[int]) -> list[Scheme | None]:
        async with ctx.sessions() as session:
            rows = (
                await session.execute(sa.select(Scheme).where(one_of(col(Scheme.id), keys)))
            ).all()
        found = {row[0].id: row[0] for row in rows}
        return [found.get(k) for k in keys]

    return list(await ctx.loaders.named("scheme_by_id", batch).load_many(ids))


async def states_of_scheme(ctx: RequestContext, scheme_id: int) -> list[int]:
    async def batch(keys: list[int]) -> list[list[int]]:
        statement = sa.select(col(SchemeState.scheme_id), col(SchemeState.state_id)).where(
            one_of(col(SchemeState.scheme_id), keys)
        )
        grouped: dict[int, list[int]] = defaultdict(list)
        async with ctx.sessions() as session:
            for scheme, state in (await session.execute(statement)).all():
                grouped[scheme].append(state)
        return [sorted(grouped[k]) for k in keys]

    return list(await ctx.loaders.named("states_by_scheme_id", batch).load(scheme_id))


async def enrollments_by_id(ctx: RequestContext, ids: list[int]) -> list[SchemeEnrollment | None]:
    """For ``node`` and relations: enrolments in scope, for roles that may read them."""
    actor = ctx.require_actor()
    if actor.role not in READERS:
        return [None] * len(ids)

    async def batch(keys: list[int]) -> list[SchemeEnrollment | None]:
        statement = sa.select(SchemeEnrollment).where(
            one_of(col(SchemeEnrollment.id), keys),
            actor.scope.restrict(col(SchemeEnrollment.plant_id)),
        )
        async with ctx.sessions() as session:
            found = {r.id: r for r in (await session.execute(statement)).scalars()}
        return [found.get(k) for k in keys]

    return list(await ctx.loaders.named("scheme_enrollment_by_id", batch).load_many(ids))


async def payments_by_id(ctx: RequestContext, ids: list[int]) -> list[SchemePayment | None]:
    """For ``node``: payments of enrolments in scope, for roles that may read them."""
    actor = ctx.require_actor()
    if actor.role not in READERS:
        return [None] * len(ids)

    async def batch(keys: list[int]) -> list[SchemePayment | None]:
        statement = (
            sa.select(SchemePayment)
            .join(SchemeEnrollment, col(SchemeEnrollment.id) == col(SchemePayment.enrollment_id))
            .where(
                one_of(col(SchemePayment.id), keys),
                actor.scope.restrict(col(SchemeEnrollment.plant_id)),
            )
        )
        async with ctx.sessions() as session:
            found = {r.id: r for r in (await session.execute(statement)).scalars()}
        return [found.get(k) for k in keys]

    return list(await ctx.loaders.named("scheme_payment_by_id", batch).load_many(ids))


async def enrollments_of_consumer(ctx: RequestContext, consumer_id: int) -> list[SchemeEnrollment]:
    actor = ctx.require_actor()
    if actor.role not in READERS:
        return []

    async def batch(keys: list[int]) -> list[list[SchemeEnrollment]]:
        statement = (
            sa.select(SchemeEnrollment)
            .where(
                one_of(col(SchemeEnrollment.consumer_id), keys),
                actor.scope.restrict(col(SchemeEnrollment.plant_id)),
            )
            .order_by(col(SchemeEnrollment.enrolled_at).desc(), col(SchemeEnrollment.id).desc())
        )
        grouped: dict[int, list[SchemeEnrollment]] = defaultdict(list)
        async with ctx.sessions() as session:
            for row in (await session.execute(statement)).scalars():
                grouped[row.consumer_id].append(row)
        return [grouped[k] for k in keys]

    return list(
        await ctx.loaders.named("scheme_enrollments_by_consumer_id", batch).load(consumer_id)
    )


async def installments_of(ctx: RequestContext, enrollment_id: int) -> list[SchemeInstallment]:
    async def batch(keys: list[int]) -> list[list[SchemeInstallment]]:
        statement = (
            sa.select(SchemeInstallment)
            .where(one_of(col(SchemeInstallment.enrollment_id), keys))
            .order_by(col(SchemeInstallment.sequence))
        )
        grouped: dict[int, list[SchemeInstallment]] = defaultdict(list)
        async with ctx.sessions() as session:
            for row in (await session.execute(statement)).scalars():
                grouped[row.enrollment_id].append(row)
        return [grouped[k] for k in keys]

    return list(await ctx.loaders.named("installments_by_enrollment_id", batch).load(enrollment_id))


async def payments_of(ctx: RequestContext, enrollment_id: int) -> list[SchemePayment]:
    async def batch(keys: list[int]) -> list[list[SchemePayment]]:
        statement = (
            sa.select(SchemePayment)
            .where(one_of(col(SchemePayment.enrollment_id), keys))
            .order_by(col(SchemePayment.paid_at), col(SchemePayment.id))
        )
        grouped: dict[int, list[SchemePayment]] = defaultdict(list)
        async with ctx.sessions() as session:
            for row in (await session.execute(statement)).scalars():
                grouped[row.enrollment_id].append(row)
        return [grouped[k] for k in keys]

    return list(await ctx.loaders.named("payments_by_enrollment_id", batch).load(enrollment_id))


class EnrollmentOrder(StrEnum):
    ENROLLED_NEWEST_FIRST = "ENROLLED_NEWEST_FIRST"
    ENROLLED_OLDEST_FIRST = "ENROLLED_OLDEST_FIRST"
    MOST_IN_ARREARS_FIRST = "MOST_IN_ARREARS_FIRST"


@dataclass(frozen=True, slots=True)
class EnrollmentFilter:
    plant_ids: list[int] | None = None
    enrolled_in: DayRange | None = None
    scheme_types: list[SchemeType] | None = None
    consumer_status: ConsumerStatus | None = None
    repayment_statuses: list[RepaymentStatus] | None = None
    has_amount_overdue: bool | None = None


def filtered_enrollments(
    ctx: RequestContext, actor: Actor, filter: EnrollmentFilter, as_of: date
) -> sa.Select[Any]:
    statement = sa.select(SchemeEnrollment).where(
        actor.scope.narrow(filter.plant_ids).restrict(col(SchemeEnrollment.plant_id))
    )
    if filter.enrolled_in is not None:
        start, end = filter.enrolled_in.instants(ctx.settings.zone)
        statement = statement.where(
            col(SchemeEnrollment.enrolled_at) >= start, col(SchemeEnrollment.enrolled_at) < end
        )
    if filter.scheme_types:
        of_types = sa.select(col(Scheme.id)).where(col(Scheme.scheme_type).in_(filter.scheme_types))
        statement = statement.where(col(SchemeEnrollment.scheme_id).in_(of_types))
    if filter.consumer_status is not None:
        with_status = sa.select(col(Consumer.id)).where(
            col(Consumer.status) == filter.consumer_status
        )
        statement = statement.where(col(SchemeEnrollment.consumer_id).in_(with_status))
    if filter.repayment_statuses:
        statement = statement.where(status_clause(filter.repayment_statuses, as_of))
    if filter.has_amount_overdue is not None:
        statement = statement.where(overdue_clause(filter.has_amount_overdue, as_of))
    return statement


# Enrolments with no arrears sort after every real date (NULLS LAST, portably, keyset-safe).
NO_ARREARS = date(9999, 12, 31)


async def list_enrollments(
    ctx: RequestContext, filter: EnrollmentFilter, order: EnrollmentOrder, page: PageArgs
) -> Page[SchemeEnrollment]:
    actor = require_reader(ctx)
    as_of = today(ctx.settings.zone)
    statement = filtered_enrollments(ctx, actor, filter, as_of)
    keys: tuple[SortKey, ...]
    if order is EnrollmentOrder.MOST_IN_ARREARS_FIRST:
        arrears = sa.func.coalesce(arrears_start_column(as_of), NO_ARREARS)
        # The derived column rides on each row as an attribute, so cursors can read it.
        return await _paginate_by_arrears(ctx, statement, arrears, page)
    descending = order is EnrollmentOrder.ENROLLED_NEWEST_FIRST
    keys = (
        SortKey(col(SchemeEnrollment.enrolled_at), "enrolled_at", descending),
        SortKey(col(SchemeEnrollment.id), "id", descending),
    )
    return await paginate(
        ctx.sessions,
        statement,
        keys,
        page,
        default_size=ctx.settings.page_size_default,
        max_size=ctx.settings.page_size_max,
    )


async def _paginate_by_arrears(
    ctx: RequestContext, statement: sa.Select[Any], arrears: Any, page: PageArgs
) -> Page[SchemeEnrollment]:
    """Keyset pages ordered by the day arrears began (oldest first, none last), then id.

    The sort key is derived, not a column of the row, so :func:`paginate` (which reads
    cursor values from row attributes) cannot serve it; forward pages only.
    """
    size, backwards = validate_page_args(
        page, default_size=ctx.settings.page_size_default, max_size=ctx.settings.page_size_max
    )
    if backwards:
        raise DomainError(
            ErrorCode.VALIDATION, "This order pages forwards only: use first/after.", ["last"]
        )
    keys = (SortKey(arrears, "arrears_since"), SortKey(col(SchemeEnrollment.id), "id"))
    page_statement = statement.add_columns(arrears)
    if page.after is not None:
        values = decode_cursor(page.after, [key.column.type for key in keys], "after")
        page_statement = page_statement.where(after_predicate(keys, values))
    page_statement = page_statement.order_by(*order_by(keys)).limit(size + 1)
    async with ctx.sessions() as session:
        rows = [(row[0], row[1]) for row in (await session.execute(page_statement)).all()]
    has_more = len(rows) > size
    rows = rows[:size]

    async def count() -> int:
        counted = sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
        async with ctx.sessions() as session:
            return int((await session.execute(counted)).scalar_one())

    return Page(
        rows=[enrollment for enrollment, _ in rows],
        cursors=[encode_cursor([since, enrollment.id]) for enrollment, since in rows],
        has_next_page=has_more,
        has_previous_page=page.after is not None,
        count=count,
    )


def parse_code(code: str) -> str:
    """A normalised valid code; VALIDATION saying it was mistyped otherwise."""
    cleaned = normalise(code)
    if not is_well_formed(cleaned) or not is_valid(cleaned):
        raise DomainError(
            ErrorCode.VALIDATION,
            "This scheme code was mistyped: check it with the customer (9 characters, "
            "letters and digits 2-9).",
            ["code"],
        )
    return cleaned


async def enrollment_by_code(ctx: RequestContext, code: str) -> SchemeEnrollment | None:
    actor = require_reader(ctx)
    cleaned = parse_code(code)
    statement = sa.select(SchemeEnrollment).where(
        col(SchemeEnrollment.scheme_code) == cleaned,
        actor.scope.restrict(col(SchemeEnrollment.plant_id)),
    )
    async with ctx.sessions() as session:
        return (await session.execute(statement)).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class SchemeStat:
    scheme: Scheme
    enrollments: int
    cancelled: int
    units: int
    collected_minor: int
    outstanding_minor: int


async def scheme_stats(
    ctx: RequestContext, days: DayRange, state_id: int | None
) -> list[SchemeStat]:
    """Per scheme, in scope: live enrolments made in the range (units they hold, what
    they still owe), those of the range since cancelled (their units went back, they owe
    nothing), and money collected in the range (on any enrolment in scope)."""
    actor = require_reader(ctx)
    start, end = days.instants(ctx.settings.zone)
    scope = actor.scope.restrict(col(SchemeEnrollment.plant_id))
    if state_id is not None:
        in_state = (
            sa.select(col(Plant.id))
            .join(Cluster, col(Cluster.id) == col(Plant.cluster_id))
            .where(col(Cluster.state_id) == state_id)
        )
        scope = sa.and_(scope, col(SchemeEnrollment.plant_id).in_(in_state))
    live = col(SchemeEnrollment.status) == EnrollmentStatus.ACTIVE

    def when_live(value: Any) -> Any:
        return sa.func.sum(sa.case((live, value), else_=0))

    enrolled = (
        sa.select(
            col(SchemeEnrollment.scheme_id),
            when_live(1).label("live"),
            sa.func.count().label("n"),
            when_live(
                col(SchemeEnrollment.total_price_minor) - col(SchemeEnrollment.amount_paid_minor)
            ).label("owed"),
        )
        .where(
            scope,
            col(SchemeEnrollment.enrolled_at) >= start,
            col(SchemeEnrollment.enrolled_at) < end,
        )
        .group_by(col(SchemeEnrollment.scheme_id))
    )
    collected = (
        sa.select(col(SchemeEnrollment.scheme_id), sa.func.sum(col(SchemePayment.amount_minor)))
        .join(SchemePayment, col(SchemePayment.enrollment_id) == col(SchemeEnrollment.id))
        .where(scope, col(SchemePayment.paid_at) >= start, col(SchemePayment.paid_at) < end)
        .group_by(col(SchemeEnrollment.scheme_id))
    )
    async with ctx.sessions() as session:
        counts = {
            s: (int(live or 0), int(n), int(owed or 0))
            for s, live, n, owed in (await session.execute(enrolled))
        }
        money = {s: int(total or 0) for s, total in (await session.execute(collected))}
        scheme_ids = sorted(set(counts) | set(money))
        schemes = (
            (await session.execute(sa.select(Scheme).where(col(Scheme.id).in_(scheme_ids))))
            .scalars()
            .all()
        )
    by_id = {s.id: s for s in schemes}
    stats = []
    for s in scheme_ids:
        live_count, total_count, owed = counts.get(s, (0, 0, 0))
        stats.append(
            SchemeStat(
                scheme=by_id[s],
                enrollments=live_count,
                cancelled=total_count - live_count,
                # One unit per enrolment; a cancelled one's went back to stock.
                units=live_count,
                collected_minor=money.get(s, 0),
                outstanding_minor=owed,
            )
        )
    return stats
