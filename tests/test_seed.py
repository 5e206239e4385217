"""The demo seed: deterministic, internally consistent, loadable on SQLite and PostgreSQL.

These tests use their own databases (SQLite files under tmp_path; on PostgreSQL a
database created for the test and dropped after), never the suite's shared one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlmodel import SQLModel

from auth.passwords import verify_password
from core.db import create_engine
from core.settings import Settings
from demo.catalog import SIZES
from demo.seed import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    SeedSummary,
    database_is_empty,
    run_seed,
    seed_demo,
)
from demo.world import plant_name
from migrations.upgrade import upgrade_to_head
from models import OPEN_STAGES, RequestStage, Role, User
from models.schemes.codes import is_valid

TODAY = date(2026, 11, 27)
SEED = 2026
POSTGRES_URL_VARIABLE = "GRIDLINE_TEST_DATABASE_URL"
Dump = dict[str, list[tuple[Any, ...]]]


async def _migrated_sqlite(path: Path) -> AsyncEngine:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    await upgrade_to_head(engine)
    return engine


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    """A SQLite database with the default demo world (seed 2026, fixed today)."""
    engine = await _migrated_sqlite(tmp_path_factory.mktemp("seed") / "demo.db")
    await seed_demo(engine, random_seed=SEED, today=TODAY)
    yield engine
    await engine.dispose()


async def _dump(engine: AsyncEngine) -> Dump:
    """Every row of every table, ordered by primary key."""
    dump: Dump = {}
    async with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            result = await connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            dump[table.name] = [tuple(row) for row in result]
    return dump


async def test_same_seed_and_day_give_identical_databases(
    seeded: AsyncEngine, tmp_path: Path
) -> None:
    other = await _migrated_sqlite(tmp_path / "again.db")
    try:
        await seed_demo(other, random_seed=SEED, today=TODAY)
        first, second = await _dump(seeded), await _dump(other)
    finally:
        await other.dispose()
    assert first == second
    assert sum(len(rows) for rows in first.values()) > 0


async def test_database_is_empty_before_seeding_only(tmp_path: Path) -> None:
    engine = await _migrated_sqlite(tmp_path / "empty.db")
    try:
        assert await database_is_empty(engine)
        summary = await seed_demo(engine, today=TODAY)
        assert not await database_is_empty(engine)
    finally:
        await engine.dispose()
    assert isinstance(summary, SeedSummary)
    assert (summary.states, summary.clusters, summary.plants) == (2, 4, 12)
    assert summary.consumers == 2_000
    assert summary.enrollments > 100
    assert summary.seconds > 0


def test_demo_logins_are_the_chain_of_six() -> None:
    assert [(login.email, login.role) for login in DEMO_LOGINS] == [
        ("admin@demo.gridline", Role.ADMIN),
        ("state@demo.gridline", Role.STATE_INCHARGE),
        ("cluster@demo.gridline", Role.CLUSTER_INCHARGE),
        ("csa@demo.gridline", Role.CSA),
        ("tech@demo.gridline", Role.TECHNICIAN),
        ("operator@demo.gridline", Role.OPERATOR),
    ]


def test_the_large_world_has_a_distinct_name_for_every_plant() -> None:
    plants = SIZES["large"].plants
    assert len({plant_name(index) for index in range(plants)}) == plants


async def test_default_world_is_consistent(seeded: AsyncEngine) -> None:
    await check_invariants(seeded)


async def test_run_seed_refuses_a_filled_database_unless_reset(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    first = await run_seed(settings, size="default", reset=False)
    with pytest.raises(RuntimeError, match="not empty"):
        await run_seed(settings, size="default", reset=False)
    again = await run_seed(settings, size="default", reset=True)
    assert again.users == first.users
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            users = await connection.scalar(sa.select(sa.func.count()).select_from(User))
    finally:
        await engine.dispose()
    assert users == first.users


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get(POSTGRES_URL_VARIABLE), reason="needs PostgreSQL")
async def test_seed_on_postgresql_uses_copy_and_resets_sequences() -> None:
    server_url = make_url(os.environ[POSTGRES_URL_VARIABLE])
    name = f"gridline_seedtest_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = server_url.set(database=name).render_as_string(hide_password=False)
        engine = create_engine(Settings(database_url=url))
        try:
            await upgrade_to_head(engine)
            assert await database_is_empty(engine)
            await seed_demo(engine, random_seed=SEED, today=TODAY)
            await check_invariants(engine)
            await _check_ids_continue_after_seed(engine)
            again = await run_seed(Settings(database_url=url), size="default", reset=True)
            await check_invariants(engine)
            async with engine.connect() as connection:
                users = await connection.scalar(sa.select(sa.func.count()).select_from(User))
            assert users == again.users
        finally:
            await engine.dispose()
    finally:
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _check_ids_continue_after_seed(engine: AsyncEngine) -> None:
    """Rows went in with explicit ids; the sequences must have been moved past them."""
    async with engine.begin() as connection:
        states = await connection.scalar(sa.text("SELECT max(id) FROM states"))
        state_id = await connection.scalar(
            sa.text(
                "INSERT INTO states (code, name, created_at) VALUES ('XX', 'Test', now())"
                " RETURNING id"
            )
        )
        history = await connection.scalar(sa.text("SELECT max(id) FROM consumer_history"))
        history_id = await connection.scalar(
            sa.text(
                "INSERT INTO consumer_history (consumer_id, kind, to_status, changed_at)"
                " VALUES (1, 'STATUS', 'ACTIVE', now()) RETURNING id"
            )
        )
    assert state_id == states + 1
    assert history_id == history + 1


# --- Invariants -----------------------------------------------------------------------


async def _rows(connection: AsyncConnection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await connection.execute(sa.text(sql), params)]


async def check_invariants(engine: AsyncEngine) -> None:
    """What must hold of any demo world, on either database."""
    async with engine.connect() as connection:
        await _check_named_logins(connection)
        await _check_stock(connection)
        await _check_enrollments(connection)
        await _check_requests(connection)
        await _check_consumer_history(connection)


async def _check_named_logins(connection: AsyncConnection) -> None:
    users = {
        row.email: row
        for row in await connection.execute(sa.select(User.__table__))  # type: ignore[attr-defined]
    }
    for login in DEMO_LOGINS:
        user = users[login.email]
        assert user.role == login.role, login.email
        assert user.active, login.email
    hashes = {users[login.email].password_hash for login in DEMO_LOGINS}
    assert all(verify_password(password_hash, DEMO_PASSWORD) for password_hash in hashes)
    state, cluster = users["state@demo.gridline"], users["cluster@demo.gridline"]
    cluster_state = await connection.scalar(
        sa.text("SELECT state_id FROM clusters WHERE id = :id"), {"id": cluster.cluster_id}
    )
    assert cluster_state == state.state_id
    for email in ("csa@demo.gridline", "tech@demo.gridline", "operator@demo.gridline"):
        clusters = await _rows(
            connection,
            "SELECT DISTINCT p.cluster_id FROM user_plants up JOIN plants p ON p.id = up.plant_id"
            " WHERE up.user_id = :user",
            user=users[email].id,
        )
        assert clusters == [(cluster.cluster_id,)], email
    tech_in_process = await connection.scalar(
        sa.text("SELECT count(*) FROM package_requests WHERE assignee_id = :id AND stage = :s"),
        {"id": users["tech@demo.gridline"].id, "s": RequestStage.IN_PROCESS.value},
    )
    cluster_reviews = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM package_requests r JOIN plants p ON p.id = r.plant_id"
            " WHERE p.cluster_id = :c AND r.stage = 'REVIEW'"
        ),
        {"c": cluster.cluster_id},
    )
    assert tech_in_process and cluster_reviews


async def _check_stock(connection: AsyncConnection) -> None:
    mismatched = await _rows(
        connection,
        "SELECT l.product_id, l.warehouse_id FROM stock_levels l LEFT JOIN ("
        " SELECT product_id, warehouse_id, sum(quantity) AS total FROM stock_movements"
        " GROUP BY product_id, warehouse_id) m"
        " ON m.product_id = l.product_id AND m.warehouse_id = l.warehouse_id"
        " WHERE l.on_hand <> coalesce(m.total, 0) OR l.on_hand < 0",
    )
    assert mismatched == []
    orphans = await _rows(
        connection,
        "SELECT m.id FROM stock_movements m LEFT JOIN stock_levels l"
        " ON l.product_id = m.product_id AND l.warehouse_id = m.warehouse_id"
        " WHERE l.product_id IS NULL",
    )
    assert orphans == []
    running: dict[tuple[int, int], int] = {}
    for product, warehouse, quantity in await _rows(
        connection,
        "SELECT product_id, warehouse_id, quantity FROM stock_movements ORDER BY created_at, id",
    ):
        running[(product, warehouse)] = running.get((product, warehouse), 0) + quantity
        assert running[(product, warehouse)] >= 0, "stock went below zero"
    low = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM stock_levels l JOIN products p ON p.id = l.product_id"
            " WHERE p.active AND l.on_hand <= p.reorder_level"
        )
    )
    assert low
    # Low on stock as the inventory screen reads it: over all of a state's warehouses.
    states_with_low_stock = await _rows(
        connection,
        "SELECT DISTINCT state_id FROM (SELECT w.state_id, p.id FROM stock_levels l"
        " JOIN products p ON p.id = l.product_id JOIN warehouses w ON w.id = l.warehouse_id"
        " WHERE p.active GROUP BY w.state_id, p.id, p.reorder_level"
        " HAVING sum(l.on_hand) <= p.reorder_level) low ORDER BY state_id",
    )
    states = await _rows(connection, "SELECT id FROM states ORDER BY id")
    assert states_with_low_stock == states
    purchase_statuses = await _rows(
        connection, "SELECT DISTINCT status FROM purchase_requests ORDER BY status"
    )
    assert purchase_statuses == [("APPROVED",), ("PENDING",), ("RECEIVED",), ("REJECTED",)]


async def _check_enrollments(connection: AsyncConnection) -> None:
    unpaid = await _rows(
        connection,
        "SELECT e.id FROM scheme_enrollments e LEFT JOIN ("
        " SELECT enrollment_id, sum(amount_minor) AS paid FROM scheme_payments"
        " GROUP BY enrollment_id) p ON p.enrollment_id = e.id"
        " WHERE e.amount_paid_minor <> coalesce(p.paid, 0)"
        " OR e.amount_paid_minor > e.total_price_minor",
    )
    assert unpaid == []
    misplaced = await _rows(
        connection,
        "SELECT e.id FROM scheme_enrollments e"
        " JOIN consumers c ON c.id = e.consumer_id"
        " JOIN plants p ON p.id = c.plant_id JOIN clusters cl ON cl.id = p.cluster_id"
        " JOIN warehouses w ON w.id = e.warehouse_id"
        " LEFT JOIN scheme_states s ON s.scheme_id = e.scheme_id AND s.state_id = cl.state_id"
        " WHERE w.state_id <> cl.state_id OR s.scheme_id IS NULL",
    )
    assert misplaced == []
    # Consumers were ACTIVE when enrolled; those BANNED since were banned later, by a
    # completed disconnection, and paid nothing after it.
    inactive_when_enrolled = await _rows(
        connection,
        "SELECT e.id FROM scheme_enrollments e WHERE coalesce(("
        " SELECT h.to_status FROM consumer_history h WHERE h.consumer_id = e.consumer_id"
        " AND h.kind = 'STATUS' AND h.changed_at <= e.enrolled_at"
        " ORDER BY h.changed_at DESC, h.id DESC LIMIT 1), '') <> 'ACTIVE'",
    )
    assert inactive_when_enrolled == []
    banned = await _rows(
        connection,
        "SELECT e.id, EXISTS (SELECT 1 FROM consumer_history h"
        " JOIN package_requests r ON r.id = h.request_id"
        " WHERE h.consumer_id = c.id AND h.kind = 'STATUS' AND h.to_status = 'BANNED'"
        " AND h.changed_at > e.enrolled_at AND r.service = 'DISCONNECTION'"
        " AND r.stage = 'COMPLETED'),"
        " EXISTS (SELECT 1 FROM scheme_payments p WHERE p.enrollment_id = e.id"
        " AND p.paid_at > (SELECT max(h.changed_at) FROM consumer_history h"
        " WHERE h.consumer_id = c.id AND h.kind = 'STATUS'))"
        " FROM scheme_enrollments e JOIN consumers c ON c.id = e.consumer_id"
        " WHERE c.status = 'BANNED'",
    )
    assert banned
    assert all(disconnected and not paid_since for _, disconnected, paid_since in banned)
    issues = await _rows(
        connection,
        "SELECT e.id FROM scheme_enrollments e LEFT JOIN stock_movements m"
        " ON m.enrollment_id = e.id AND m.kind = 'ISSUE' AND m.quantity = -1"
        " WHERE m.id IS NULL",
    )
    assert issues == []
    codes = [
        code for (code,) in await _rows(connection, "SELECT scheme_code FROM scheme_enrollments")
    ]
    assert all(is_valid(code) for code in codes)
    statuses = await _rows(connection, "SELECT DISTINCT status FROM scheme_enrollments")
    assert sorted(statuses) == [("ACTIVE",), ("CANCELLED",)]


async def _check_requests(connection: AsyncConnection) -> None:
    stages = {stage for (stage,) in await _rows(connection, "SELECT stage FROM package_requests")}
    assert stages == {stage.value for stage in RequestStage}
    open_list = ", ".join(f"'{stage.value}'" for stage in OPEN_STAGES)
    doubly_open = await _rows(
        connection,
        f"SELECT consumer_id FROM package_requests WHERE stage IN ({open_list})"  # noqa: S608
        " GROUP BY consumer_id HAVING count(*) > 1",
    )
    assert doubly_open == []
    bad_versions = await _rows(
        connection,
        "SELECT r.id FROM package_requests r JOIN package_request_events e ON e.request_id = r.id"
        " GROUP BY r.id, r.version HAVING r.version <> count(*)",
    )
    assert bad_versions == []
    wrong_direction = await _rows(
        connection,
        "SELECT r.id FROM package_requests r"
        " JOIN packages c ON c.id = r.current_package_id"
        " JOIN packages t ON t.id = r.requested_package_id"
        " WHERE (r.service = 'UPGRADE' AND t.load_watts <= c.load_watts)"
        " OR (r.service = 'DOWNGRADE' AND t.load_watts >= c.load_watts) OR NOT t.active",
    )
    assert wrong_direction == []
    last_stage: dict[int, str] = {}
    for request_id, from_stage, to_stage in await _rows(
        connection,
        "SELECT request_id, from_stage, to_stage FROM package_request_events"
        " ORDER BY request_id, at, id",
    ):
        assert from_stage == last_stage.get(request_id), request_id
        last_stage[request_id] = to_stage
    current = dict(await _rows(connection, "SELECT id, stage FROM package_requests"))
    assert last_stage == current
    completed_without_effect = await _rows(
        connection,
        "SELECT r.id FROM package_requests r LEFT JOIN consumer_history h ON h.request_id = r.id"
        " WHERE (r.stage = 'COMPLETED') <> (h.id IS NOT NULL)",
    )
    assert completed_without_effect == []


async def _check_consumer_history(connection: AsyncConnection) -> None:
    latest = (
        "SELECT h.consumer_id, {column} FROM consumer_history h WHERE h.kind = '{kind}'"
        " AND h.changed_at = (SELECT max(changed_at) FROM consumer_history x"
        " WHERE x.consumer_id = h.consumer_id AND x.kind = '{kind}')"
    )
    statuses = dict(await _rows(connection, latest.format(column="to_status", kind="STATUS")))
    packages = dict(await _rows(connection, latest.format(column="to_package_id", kind="PACKAGE")))
    consumers = await _rows(connection, "SELECT id, status, package_id FROM consumers")
    for consumer_id, status, package_id in consumers:
        assert statuses[consumer_id] == status, consumer_id
        assert packages.get(consumer_id, package_id) == package_id, consumer_id
    banned = sum(1 for _, status, _ in consumers if status == "BANNED")
    assert 0.04 < banned / len(consumers) < 0.12
