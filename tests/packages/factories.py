"""Package requests straight into the database, already in the stage a test needs.

``make_request`` writes what the workflow would have written to get there: the
request row (stage, assignee, version, closed_at), its history (one event per
step), and for a COMPLETED request the effect on the consumer with its history row.
It writes no outbox events and no notifications, so that a test counting those
sees only what the operation under test did.

``snapshot`` reads back everything a package-request operation may write, so that a
test can show that a refused operation changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models.base import utcnow
from models.consumers import Consumer, ConsumerHistoryEntry, ConsumerHistoryKind, ConsumerStatus
from models.events import Notification, OutboxEvent
from models.packages import (
    CLOSED_STAGES,
    Package,
    PackageRequest,
    RequestAction,
    RequestEvent,
    RequestStage,
    ServiceType,
)
from models.staff import Role, User, UserPlant
from tests.factories import World, make_consumer, make_user

# The steps that lead from REQUESTED to each stage (after CREATE), as in DESIGN.md.
PATHS: dict[RequestStage, tuple[RequestAction, ...]] = {
    RequestStage.REQUESTED: (),
    RequestStage.IN_PROCESS: (RequestAction.ASSIGN,),
    RequestStage.REVIEW: (RequestAction.ASSIGN, RequestAction.PROCESS),
    RequestStage.COMPLETED: (RequestAction.ASSIGN, RequestAction.PROCESS, RequestAction.COMPLETE),
    # Rejected by the reviewer's side while in process, so that it keeps an assignee.
    RequestStage.REJECTED: (RequestAction.ASSIGN, RequestAction.REJECT),
    RequestStage.CANCELLED: (RequestAction.CANCEL,),
}

_TO_STAGE: dict[RequestAction, RequestStage] = {
    RequestAction.ASSIGN: RequestStage.IN_PROCESS,
    RequestAction.PROCESS: RequestStage.REVIEW,
    RequestAction.COMPLETE: RequestStage.COMPLETED,
    RequestAction.REJECT: RequestStage.REJECTED,
    RequestAction.CANCEL: RequestStage.CANCELLED,
}

# Steps whose note is a required reason.
_WITH_REASON = frozenset({RequestAction.REJECT, RequestAction.CANCEL, RequestAction.SEND_BACK})

# Who takes each step in the made-up history: the requester cancels, the assignee
# processes, an administrator (in scope everywhere) does the rest.
MANAGER = "admin"


def _id(row: Any) -> int:
    row_id = row.id
    assert row_id is not None
    assert isinstance(row_id, int)
    return row_id


async def add_consumer(
    session: AsyncSession,
    world: World,
    *,
    plant_index: int = 0,
    package_index: int = 0,
    status: ConsumerStatus = ConsumerStatus.ACTIVE,
) -> int:
    """A new consumer at the plant, appended to the world; returns its consumer_index.

    Commits, so that the app (on its own connections) sees it.
    """
    plant = world.plants[plant_index]
    consumer = await make_consumer(session, plant, world.packages[package_index], status=status)
    await session.commit()
    consumers = world.plant_consumers(plant_index)
    consumers.append(consumer)
    return len(consumers) - 1


async def add_technician(
    session: AsyncSession, world: World, name: str, *, plant_indexes: list[int], active: bool = True
) -> User:
    """Another technician, known to the world as ``name``. Commits."""
    user = await make_user(
        session,
        Role.TECHNICIAN,
        plants=[world.plants[i] for i in plant_indexes],
        active=active,
    )
    await session.commit()
    world.users[name] = user
    return user


async def _target_package(
    session: AsyncSession, service: ServiceType, current: Package
) -> int | None:
    """The nearest active package above (UPGRADE) or below (DOWNGRADE) the current one."""
    if service not in (ServiceType.UPGRADE, ServiceType.DOWNGRADE):
        return None
    load = col(Package.load_watts)
    statement = sa.select(Package).where(col(Package.active).is_(True))
    if service is ServiceType.UPGRADE:
        statement = statement.where(load > current.load_watts).order_by(load)
    else:
        statement = statement.where(load < current.load_watts).order_by(load.desc())
    package = (await session.execute(statement.limit(1))).scalar_one_or_none()
    if package is None:
        raise ValueError(f"no active package for an {service.value} from {current.load_watts} W")
    return _id(package)


async def _works_at(session: AsyncSession, user: User, plant_id: int) -> bool:
    statement = sa.select(col(UserPlant.user_id)).where(
        col(UserPlant.user_id) == user.id, col(UserPlant.plant_id) == plant_id
    )
    return (await session.execute(statement)).first() is not None


async def make_request(
    session: AsyncSession,
    world: World,
    *,
    plant_index: int = 0,
    consumer_index: int = 0,
    stage: RequestStage = RequestStage.REQUESTED,
    service: ServiceType = ServiceType.UPGRADE,
    requested_by: str = "csa1",
    assignee: str = "tech1",
    requested_package_id: int | None = None,
    created_at: datetime | None = None,
) -> PackageRequest:
    """A request for ``world.plant_consumers(plant_index)[consumer_index]``, in ``stage``.

    UPGRADE and DOWNGRADE go to the nearest active package above / below the
    consumer's (or to ``requested_package_id``). ``assignee`` (a technician of the plant)
    is used by the stages that have one (IN_PROCESS, REVIEW, COMPLETED, REJECTED).
    The consumer must suit the service (ACTIVE, or BANNED for a RECONNECTION) and must
    not have an open request when the new one is open. Commits.
    """
    plant = world.plants[plant_index]
    plant_id = _id(plant)
    consumer = await session.get(Consumer, _id(world.plant_consumers(plant_index)[consumer_index]))
    assert consumer is not None
    await session.refresh(consumer)
    needed = ConsumerStatus.BANNED if service is ServiceType.RECONNECTION else ConsumerStatus.ACTIVE
    if consumer.status is not needed:
        raise ValueError(f"a {service.value} needs a {needed.value} consumer")
    current = await session.get(Package, consumer.package_id)
    assert current is not None
    if requested_package_id is None:
        requested_package_id = await _target_package(session, service, current)
    requester = world.users[requested_by]
    technician = world.users[assignee]
    path = PATHS[stage]
    if RequestAction.ASSIGN in path and not await _works_at(session, technician, plant_id):
        raise ValueError(f"{assignee} does not work at plant {plant_index + 1}")

    start = created_at or utcnow() - timedelta(minutes=10)
    request = PackageRequest(
        consumer_id=_id(consumer),
        plant_id=plant_id,
        service=service,
        stage=RequestStage.REQUESTED,
        current_package_id=consumer.package_id,
        requested_package_id=requested_package_id,
        requested_by_id=_id(requester),
        note=f"{service.value.lower()} for {consumer.name}",
        created_at=start,
        updated_at=start,
    )
    session.add(request)
    await session.flush()
    events = [
        RequestEvent(
            request_id=_id(request),
            at=start,
            actor_id=_id(requester),
            action=RequestAction.CREATE,
            to_stage=RequestStage.REQUESTED,
            note=request.note,
        )
    ]
    at = start
    for step, action in enumerate(path, start=1):
        at = start + timedelta(minutes=step)
        if action is RequestAction.ASSIGN:
            request.assignee_id = _id(technician)
        actor = {
            RequestAction.CANCEL: requester,
            RequestAction.PROCESS: technician,
        }.get(action, world.users[MANAGER])
        events.append(
            RequestEvent(
                request_id=_id(request),
                at=at,
                actor_id=_id(actor),
                action=action,
                from_stage=request.stage,
                to_stage=_TO_STAGE[action],
                assignee_id=request.assignee_id,
                note="Reason given." if action in _WITH_REASON else None,
            )
        )
        request.stage = _TO_STAGE[action]
        request.version += 1
        request.updated_at = at
    if request.stage in CLOSED_STAGES:
        request.closed_at = at
    if request.stage is RequestStage.COMPLETED:
        _apply(session, consumer, request, _id(world.users[MANAGER]), at)
    session.add_all(events)
    await session.commit()
    return request


def _apply(
    session: AsyncSession,
    consumer: Consumer,
    request: PackageRequest,
    actor_id: int,
    at: datetime,
) -> None:
    """What completing ``request`` did to the consumer, with its history row."""
    entry = ConsumerHistoryEntry(
        consumer_id=_id(consumer),
        kind=ConsumerHistoryKind.STATUS,
        changed_at=at,
        actor_id=actor_id,
        request_id=request.id,
    )
    if request.service in (ServiceType.UPGRADE, ServiceType.DOWNGRADE):
        assert request.requested_package_id is not None
        entry.kind = ConsumerHistoryKind.PACKAGE
        entry.from_package_id = consumer.package_id
        entry.to_package_id = request.requested_package_id
        consumer.package_id = request.requested_package_id
    else:
        banned = request.service is ServiceType.DISCONNECTION
        entry.from_status = consumer.status
        entry.to_status = ConsumerStatus.BANNED if banned else ConsumerStatus.ACTIVE
        consumer.status = entry.to_status
    consumer.updated_at = at
    session.add(entry)


# --- Reading back -----------------------------------------------------------------

# Every table a package-request operation may write.
TABLES = (
    "package_requests",
    "package_request_events",
    "notifications",
    "outbox_events",
    "consumers",
    "consumer_history",
)


async def snapshot(db: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables package-request operations write (small worlds only)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with db() as session:
        for table in TABLES:
            result = await session.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))  # noqa: S608
            rows[table] = [tuple(row) for row in result]
    return rows


def _fingerprint_statement() -> sa.Select[Any]:
    """What snapshot() shows, summed up in one statement, for tests that check many times."""
    request, consumer = PackageRequest, Consumer
    return sa.select(
        *(
            sa.select(sa.func.count())
            .select_from(request)
            .where(col(request.stage) == stage)
            .scalar_subquery()
            for stage in RequestStage
        ),
        sa.select(sa.func.coalesce(sa.func.sum(col(request.version)), 0)).scalar_subquery(),
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.func.coalesce(col(request.assignee_id), 0)), 0)
        ).scalar_subquery(),
        sa.select(sa.func.max(col(request.updated_at))).scalar_subquery(),
        *(
            sa.select(sa.func.count()).select_from(model).scalar_subquery()
            for model in (RequestEvent, Notification, OutboxEvent, ConsumerHistoryEntry)
        ),
        sa.select(sa.func.coalesce(sa.func.sum(col(consumer.package_id)), 0)).scalar_subquery(),
        sa.select(sa.func.count())
        .select_from(consumer)
        .where(col(consumer.status) == ConsumerStatus.BANNED)
        .scalar_subquery(),
        sa.select(sa.func.max(col(consumer.updated_at))).scalar_subquery(),
    )


async def fingerprint(db: async_sessionmaker[AsyncSession]) -> tuple[Any, ...]:
    """Requests by stage, their versions and assignees, and how many events,
    notifications, outbox events and consumer changes there are, in one statement."""
    async with db() as session:
        return tuple((await session.execute(_fingerprint_statement())).one())


@dataclass(frozen=True)
class RequestState:
    """One request as the database holds it, with its history and what it caused."""

    stage: RequestStage
    version: int
    assignee_id: int | None
    closed_at: datetime | None
    actions: list[RequestAction]
    outbox_events: int
    notifications: list[tuple[int, str]]  # (user_id, kind)
    consumer_history: list[ConsumerHistoryEntry]


async def request_state(db: async_sessionmaker[AsyncSession], request_id: int) -> RequestState:
    async with db() as session:
        request = await session.get(PackageRequest, request_id)
        assert request is not None
        actions = (
            await session.execute(
                sa.select(col(RequestEvent.action))
                .where(col(RequestEvent.request_id) == request_id)
                .order_by(col(RequestEvent.id))
            )
        ).scalars()
        outbox = await session.execute(
            sa.text(
                "SELECT count(*) FROM outbox_events"
                " WHERE subject_type = 'PackageRequest' AND subject_id = :id"
            ),
            {"id": request_id},
        )
        notifications = await session.execute(
            sa.text("SELECT user_id, kind FROM notifications WHERE request_id = :id ORDER BY id"),
            {"id": request_id},
        )
        history = (
            await session.execute(
                sa.select(ConsumerHistoryEntry)
                .where(col(ConsumerHistoryEntry.request_id) == request_id)
                .order_by(col(ConsumerHistoryEntry.id))
            )
        ).scalars()
        return RequestState(
            stage=request.stage,
            version=request.version,
            assignee_id=request.assignee_id,
            closed_at=request.closed_at,
            actions=[RequestAction(a) for a in actions],
            outbox_events=int(outbox.scalar_one()),
            notifications=[(int(u), str(k)) for u, k in notifications],
            consumer_history=list(history),
        )


async def consumer_row(db: async_sessionmaker[AsyncSession], consumer_id: int) -> Consumer:
    async with db() as session:
        consumer = await session.get(Consumer, consumer_id)
        assert consumer is not None
        return consumer


async def count_rows(db: async_sessionmaker[AsyncSession], table: str) -> int:
    async with db() as session:
        result = await session.execute(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
        return int(result.scalar_one())
