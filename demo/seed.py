"""The demo world: ``gridline-demo seed``, and ``gridline-demo serve`` on an empty database.

The world is made up in memory from one ``random.Random(random_seed)`` and a ``today``
(everything is placed relative to it, so the demo always looks current), then loaded in
one transaction with bulk inserts. The same seed and ``today`` give the same rows.

The parts: ``demo.catalog`` (fixed names, tariffs, appliances, offers), ``demo.world``
(geography, staff, catalogue rows), ``demo.consumers`` and ``demo.requests``
(connections, their history, package requests), ``demo.activity`` (steady recent
activity, week by week), ``demo.schemes`` (enrolments and payments), ``demo.arrears``
(customers disconnected while in arrears), ``demo.inventory`` (stock ledger, levels,
purchases), ``demo.events`` (outbox and notifications) and ``demo.bulk`` (loading rows
fast).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import argon2
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from auth.passwords import hash_password
from core.db import WRITE_OPTION, create_engine
from core.settings import Settings
from demo.activity import add_recent_activity, recent_request_count
from demo.arrears import disconnect_in_arrears, disconnection_window
from demo.bulk import DEMO_ZONE, Clock, Dataset, delete_all_rows, insert_dataset
from demo.catalog import (
    DEMO_EMAIL_DOMAIN,
    FORMER_TECHNICIAN,
    NAMED_ADMIN,
    NAMED_CLUSTER_INCHARGE,
    NAMED_CSA,
    NAMED_CSA_PLANTS,
    NAMED_OPERATOR,
    NAMED_OPERATOR_PLANTS,
    NAMED_STATE_INCHARGE,
    NAMED_TECHNICIAN,
    NAMED_TECHNICIAN_PLANTS,
    SIZES,
    STATES,
    SeedSize,
)
from demo.consumers import draft_consumers, emit_consumers
from demo.events import emit_events
from demo.inventory import InventoryMaker, StockLedger, emit_inventory
from demo.requests import draft_requests, emit_requests, number_requests
from demo.schemes import EnrollmentMaker, emit_enrollments
from demo.world import build_world, plant_code, plant_name
from migrations.upgrade import upgrade_to_head
from models import (
    Cluster,
    Consumer,
    ConsumerHistoryEntry,
    Notification,
    OutboxEvent,
    Package,
    PackageRequest,
    Plant,
    Product,
    PurchaseRequest,
    RequestEvent,
    Role,
    Scheme,
    SchemeEnrollment,
    SchemeInstallment,
    SchemePayment,
    State,
    StockLevel,
    StockMovement,
    User,
    Warehouse,
)

DEMO_PASSWORD = "gridline-demo"  # noqa: S105 - the published password of the demo logins
DEFAULT_RANDOM_SEED = 2026
SALT_CONTEXT = "gridline-demo-salt"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo sign-in: who it is and what they cover (README and API docs list these)."""

    email: str
    role: Role
    covers: str


def _email(local_part: str) -> str:
    return f"{local_part}@{DEMO_EMAIL_DOMAIN}"


def _cluster1_plants(numbers: tuple[int, ...]) -> str:
    first_cluster = STATES[0].clusters[0]
    names = [f"{plant_code(first_cluster.code, n)} {plant_name(n - 1)}" for n in numbers]
    return f"plant{'s' if len(names) > 1 else ''} {', '.join(names)}"


_STATE1, _STATE2 = STATES[0], STATES[1]
_CLUSTER1, _CLUSTER2 = _STATE1.clusters[0], _STATE1.clusters[1]

# The six logins that form one chain: the field staff work at plants of cluster@'s
# cluster, which lies in state@'s state.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(_email(NAMED_ADMIN.local_part), Role.ADMIN, "everything"),
    DemoLogin(
        _email(NAMED_STATE_INCHARGE.local_part),
        Role.STATE_INCHARGE,
        f"state {_STATE1.code} {_STATE1.name}",
    ),
    DemoLogin(
        _email(NAMED_CLUSTER_INCHARGE.local_part),
        Role.CLUSTER_INCHARGE,
        f"cluster {_STATE1.code}-{_CLUSTER1.code} {_CLUSTER1.name}",
    ),
    DemoLogin(_email(NAMED_CSA.local_part), Role.CSA, _cluster1_plants(NAMED_CSA_PLANTS)),
    DemoLogin(
        _email(NAMED_TECHNICIAN.local_part),
        Role.TECHNICIAN,
        _cluster1_plants(NAMED_TECHNICIAN_PLANTS),
    ),
    DemoLogin(
        _email(NAMED_OPERATOR.local_part), Role.OPERATOR, _cluster1_plants(NAMED_OPERATOR_PLANTS)
    ),
)
# Logins outside the chain, to see that scopes hold. Every plant also has its own
# csa.<plant code>@, tech.<plant code>@ and operator.<plant code>@ (e.g. csa.bah03@).
OTHER_DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(_email("state2"), Role.STATE_INCHARGE, f"state {_STATE2.code} {_STATE2.name}"),
    DemoLogin(
        _email("cluster2"),
        Role.CLUSTER_INCHARGE,
        f"cluster {_STATE1.code}-{_CLUSTER2.code} {_CLUSTER2.name}",
    ),
    DemoLogin(
        _email(f"csa.{plant_code(_CLUSTER2.code, 1).lower()}"),
        Role.CSA,
        f"plant {plant_code(_CLUSTER2.code, 1)}",
    ),
    DemoLogin(
        _email(FORMER_TECHNICIAN.local_part),
        Role.TECHNICIAN,
        f"deactivated (cannot sign in); was at {_cluster1_plants((1,))}",
    ),
)


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """How many rows of each kind the seed made, and how long it took."""

    states: int
    clusters: int
    plants: int
    packages: int
    users: int
    consumers: int
    consumer_history: int
    package_requests: int
    request_events: int
    products: int
    warehouses: int
    stock_movements: int
    stock_levels: int
    purchase_requests: int
    schemes: int
    enrollments: int
    installments: int
    payments: int
    outbox_events: int
    notifications: int
    seconds: float


def _summary(data: Dataset, seconds: float) -> SeedSummary:
    return SeedSummary(
        states=data.count(State),
        clusters=data.count(Cluster),
        plants=data.count(Plant),
        packages=data.count(Package),
        users=data.count(User),
        consumers=data.count(Consumer),
        consumer_history=data.count(ConsumerHistoryEntry),
        package_requests=data.count(PackageRequest),
        request_events=data.count(RequestEvent),
        products=data.count(Product),
        warehouses=data.count(Warehouse),
        stock_movements=data.count(StockMovement),
        stock_levels=data.count(StockLevel),
        purchase_requests=data.count(PurchaseRequest),
        schemes=data.count(Scheme),
        enrollments=data.count(SchemeEnrollment),
        installments=data.count(SchemeInstallment),
        payments=data.count(SchemePayment),
        outbox_events=data.count(OutboxEvent),
        notifications=data.count(Notification),
        seconds=round(seconds, 3),
    )


@lru_cache(maxsize=4)
def demo_password_hash(random_seed: int) -> str:
    """The hash of ``DEMO_PASSWORD`` shared by every demo user, made once per seed.

    Argon2 is slow by design, so one hash serves all users. Its salt comes from the
    seed rather than at random, so that two runs with one seed write identical rows;
    the cost parameters are those ``auth.passwords`` uses today.
    """
    parameters = argon2.extract_parameters(hash_password(DEMO_PASSWORD))
    salt = hashlib.sha256(f"{SALT_CONTEXT}:{random_seed}".encode()).digest()
    hasher = argon2.PasswordHasher.from_parameters(parameters)
    return hasher.hash(DEMO_PASSWORD, salt=salt[: parameters.salt_len])


def build_demo_dataset(size: SeedSize, random_seed: int, today: date) -> Dataset:
    """Make up the whole demo world in memory (no I/O): the same inputs, the same rows."""
    spec = SIZES[size]
    rng = random.Random(random_seed)
    clock = Clock(today)
    data = Dataset()
    world = build_world(data, rng, clock, spec, demo_password_hash(random_seed))
    book = draft_consumers(rng, clock, world, spec)
    recent = recent_request_count(world)
    requests = draft_requests(rng, clock, book, spec.package_requests - recent)
    add_recent_activity(rng, clock, world, book, requests)
    ledger = StockLedger()
    enrolments = EnrollmentMaker(rng, clock, world, ledger)
    enrolments.enrol_showcase(
        book, lambda draft: disconnection_window(draft, requests, clock) is not None
    )
    enrolments.enrol(book, spec.enrollments)
    disconnect_in_arrears(rng, clock, requests, enrolments.enrollments)
    log = number_requests(requests.requests)
    inventory = InventoryMaker(rng, clock, world, ledger)
    inventory.add_transfers_and_damage()
    inventory.add_purchases(spec)
    inventory.add_opening_stock()
    emit_consumers(data, book)
    emit_requests(data, log)
    emit_enrollments(data, enrolments.enrollments)
    emit_inventory(data, world, ledger, inventory.purchases)
    emit_events(data, clock, world, log, inventory.purchases)
    return data


def demo_today() -> date:
    """Today's date on the demo's calendar (Asia/Kolkata)."""
    return datetime.now(DEMO_ZONE).date()


async def database_is_empty(engine: AsyncEngine) -> bool:
    """True when the (migrated) database has no users yet."""
    async with engine.connect() as connection:
        count = await connection.scalar(sa.select(sa.func.count()).select_from(User))
    return not count


async def _tables_with_rows(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return [
            table.name
            for table in SQLModel.metadata.sorted_tables
            if await connection.scalar(sa.select(sa.literal(1)).select_from(table).limit(1))
        ]


async def _seed(
    engine: AsyncEngine, size: SeedSize, random_seed: int, today: date | None, *, reset: bool
) -> SeedSummary:
    started = time.perf_counter()
    # Making up the world is CPU work: off the event loop, so a server starting up
    # stays responsive.
    data = await asyncio.to_thread(build_demo_dataset, size, random_seed, today or demo_today())
    async with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
        if reset:
            await delete_all_rows(connection)
        await insert_dataset(connection, data)
    # Fresh statistics, so that the planner knows the tables are no longer empty.
    async with engine.connect() as connection:
        await connection.execute(sa.text("ANALYZE"))
    return _summary(data, time.perf_counter() - started)


async def seed_demo(
    engine: AsyncEngine,
    *,
    size: SeedSize = "default",
    random_seed: int = DEFAULT_RANDOM_SEED,
    today: date | None = None,
) -> SeedSummary:
    """Load the demo world into an empty, migrated database, in one transaction.

    ``today`` (default: today in Asia/Kolkata) anchors every date; with the same
    ``random_seed`` and ``today`` the database ends up with identical rows.
    """
    return await _seed(engine, size, random_seed, today, reset=False)


async def run_seed(
    settings: Settings, *, size: SeedSize = "default", reset: bool = False
) -> SeedSummary:
    """Migrate ``settings.database_url`` to head and seed the demo world (the CLI's job).

    Refuses a database that already has rows, unless ``reset``: then every row of every
    table is deleted first, in the same transaction as the seeding. On PostgreSQL that
    transaction locks the tables until it commits (the load drops and re-adds foreign
    keys): seed a database that no server is using.
    """
    engine = create_engine(settings)
    try:
        await upgrade_to_head(engine)
        if not reset:
            filled = await _tables_with_rows(engine)
            if filled:
                raise RuntimeError(
                    f"The database is not empty (rows in {len(filled)} tables, e.g. {filled[0]})."
                    " Seed an empty database, or reset it (deletes every row) and seed again."
                )
        return await _seed(engine, size, DEFAULT_RANDOM_SEED, None, reset=reset)
    finally:
        await engine.dispose()
