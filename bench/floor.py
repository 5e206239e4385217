# ruff: noqa: S608 - the SQL is built from fixed fragments; values are always parameters
"""The raw floor: the benchmarked screens answered by hand-written SQL, straight to JSON.

    GRIDLINE_DATABASE_URL=postgresql+asyncpg://... GRIDLINE_SECRET_KEY=... \\
        uvicorn bench.floor:app --workers 2

What the GraphQL server could at best do for the same answer: no schema, no ORM, no
DataLoaders; a JWT check with the same secret, one statement for the actor and their
plants, then one to five statements per screen (the summary sends the resolver's five
simple ones, no more), each a plain driver call (asyncpg's prepared statements on
PostgreSQL, sqlite3 through aiosqlite on SQLite). Every screen answers exactly the
``data`` of its document in ``queries/`` (``bench.harness`` checks that at the start of
every run, and ``tests/test_bench_floor.py`` in the suite).

``POST /<screen>`` takes the same JSON body as ``/graphql`` (``query`` is ignored,
``variables`` is read) and answers ``{"data": ...}``.
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import jwt

Row = Sequence[Any]
# Arrears longer than this make an enrolment DEFAULTED (resolvers/schemes/repayment.py).
DEFAULT_AFTER_DAYS = 90
ALGORITHM = "HS256"


class Database(Protocol):
    """The two drivers behind one small interface; ``statements`` counts what is sent."""

    statements: int
    postgres: bool

    async def rows(self, sql: str, *params: Any) -> list[Row]: ...

    def member(self, column: str, index: int) -> str:
        """SQL: ``column`` is in the list passed as parameter ``index`` (1-based)."""
        ...

    def param(self, index: int) -> str: ...

    def ids(self, values: Sequence[int]) -> Any:
        """A list of ids as the parameter ``member`` expects."""
        ...

    async def close(self) -> None: ...


class PostgresDatabase:
    statements = 0
    postgres = True

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str, size: int) -> PostgresDatabase:
        import asyncpg

        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=size)
        return cls(pool)

    async def rows(self, sql: str, *params: Any) -> list[Row]:
        self.statements += 1
        return list(await self.pool.fetch(sql, *params))

    def member(self, column: str, index: int) -> str:
        return f"{column} = ANY(${index}::int[])"

    def param(self, index: int) -> str:
        return f"${index}"

    def ids(self, values: Sequence[int]) -> Any:
        return list(values)

    async def close(self) -> None:
        await self.pool.close()


class SqliteDatabase:
    """aiosqlite runs each connection in its own thread; a few serve concurrent requests."""

    statements = 0
    postgres = False

    def __init__(self, connections: list[Any]) -> None:
        import asyncio

        self.idle: asyncio.Queue[Any] = asyncio.Queue()
        for connection in connections:
            self.idle.put_nowait(connection)
        self.connections = connections

    @classmethod
    async def connect(cls, path: str, size: int) -> SqliteDatabase:
        import aiosqlite

        connections = []
        for _ in range(size):
            connection = await aiosqlite.connect(path)
            await connection.execute("PRAGMA query_only = ON")
            connections.append(connection)
        return cls(connections)

    async def rows(self, sql: str, *params: Any) -> list[Row]:
        self.statements += 1
        connection = await self.idle.get()
        try:
            async with connection.execute(sql, params) as cursor:
                return list(await cursor.fetchall())
        finally:
            self.idle.put_nowait(connection)

    def member(self, column: str, index: int) -> str:
        return f"{column} IN (SELECT value FROM json_each(?{index}))"

    def param(self, index: int) -> str:
        return f"?{index}"

    def ids(self, values: Sequence[int]) -> Any:
        return json.dumps(list(values))

    async def close(self) -> None:
        for connection in self.connections:
            await connection.close()


async def open_database(url: str, size: int = 10) -> Database:
    """A floor database for a SQLAlchemy-style URL (the server's GRIDLINE_DATABASE_URL)."""
    if url.startswith("sqlite"):
        return await SqliteDatabase.connect(url.split(":///", 1)[1], min(size, 4))
    return await PostgresDatabase.connect(url.replace("+asyncpg", ""), size)


# --- Output values, as Strawberry prints them ---------------------------------------


def global_id(type_name: str, node_id: int) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def node_id(value: str, type_name: str) -> int:
    decoded = base64.b64decode(value).decode()
    kind, _, number = decoded.partition(":")
    if kind != type_name or not number.isdigit():
        raise ValueError(f"not a {type_name} id: {value}")
    return int(number)


def instant(value: Any) -> str | None:
    """An aware UTC datetime, as ``isoformat`` prints it (SQLite gives naive text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).isoformat())


def day(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value.isoformat())


def money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": str(Decimal(minor).scaleb(-2)), "currency": currency}


def cursor(values: Sequence[Any]) -> str:
    """resolvers/pagination.py's cursor: base64url of a JSON list, instants tagged."""
    encoded = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(encoded, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def as_date(value: Any) -> date | None:
    if value is None:
        return None
    return date.fromisoformat(value) if isinstance(value, str) else value


def local_midnight(value: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


# --- Who is calling ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    role: str
    plant_ids: list[int] | None  # None: every plant (ADMIN)

    def where(self, db: Database, column: str, index: int) -> str:
        """SQL keeping rows of ``column``'s plants in scope; parameter ``index`` if any."""
        return "TRUE" if self.plant_ids is None else db.member(column, index)

    def params(self, db: Database) -> list[Any]:
        return [] if self.plant_ids is None else [db.ids(self.plant_ids)]


def _actor_sql(db: Database) -> str:
    listed = "ARRAY({})" if db.postgres else "(SELECT json_group_array(x) FROM ({}))"
    in_state = (
        "SELECT p.id AS x FROM plants p JOIN clusters c ON c.id = p.cluster_id "
        "WHERE c.state_id = u.state_id"
    )
    in_cluster = "SELECT id AS x FROM plants WHERE cluster_id = u.cluster_id"
    at_plants = "SELECT plant_id AS x FROM user_plants WHERE user_id = u.id"
    return (
        "SELECT u.role, CASE u.role WHEN 'ADMIN' THEN NULL "
        f"WHEN 'STATE_INCHARGE' THEN {listed.format(in_state)} "
        f"WHEN 'CLUSTER_INCHARGE' THEN {listed.format(in_cluster)} "
        f"ELSE {listed.format(at_plants)} END "
        f"FROM users u WHERE u.id = {db.param(1)} AND u.active"
    )


class Unauthenticated(Exception):
    pass


async def caller_of(db: Database, authorization: str | None, secret_key: str) -> Caller:
    """The JWT checked as auth/tokens.py does, then the active user and their plants."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated
    try:
        claims = jwt.decode(
            token.strip(),
            secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "typ"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthenticated from error
    if claims.get("typ") != "access":
        raise Unauthenticated
    found = await db.rows(_actor_sql(db), int(claims["sub"]))
    if not found:
        raise Unauthenticated
    role, plants = found[0]
    if isinstance(plants, str):
        plants = json.loads(plants)
    return Caller(int(claims["sub"]), role, None if role == "ADMIN" else sorted(plants))


# --- The screens ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Screen:
    """Settings the answers depend on."""

    currency: str
    zone: ZoneInfo
    page_size_default: int


REQUEST_READERS = {"TECHNICIAN", "CSA", "CLUSTER_INCHARGE", "STATE_INCHARGE", "ADMIN"}
SUMMARY_READERS = {"CSA", "CLUSTER_INCHARGE", "STATE_INCHARGE", "ADMIN"}
SCHEME_READERS = SUMMARY_READERS


class Forbidden(Exception):
    pass


async def in_process_tab(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/InProcessTab.graphql (no plant filter, no assignedToMe)."""
    if caller.role not in REQUEST_READERS:
        raise Forbidden
    size = int(variables.get("first") or screen.page_size_default)
    scoped = caller.params(db)
    n = len(scoped)
    sql = (
        "SELECT r.id, r.service, r.stage, r.version, r.created_at, r.updated_at, "
        "c.id, c.account_number, c.name, c.phone, c.status, p.id, p.name, "
        "cp.id, cp.name, cp.load_watts, rp.id, rp.name, rp.load_watts, a.id, a.name, a.phone "
        "FROM package_requests r "
        f"LEFT JOIN consumers c ON c.id = r.consumer_id AND {caller.where(db, 'c.plant_id', 1)} "
        f"LEFT JOIN plants p ON p.id = r.plant_id AND {caller.where(db, 'p.id', 1)} "
        "LEFT JOIN packages cp ON cp.id = r.current_package_id "
        "LEFT JOIN packages rp ON rp.id = r.requested_package_id "
        "LEFT JOIN users a ON a.id = r.assignee_id "
        f"WHERE {caller.where(db, 'r.plant_id', 1)} AND r.stage = 'IN_PROCESS' "
        f"ORDER BY r.created_at DESC, r.id DESC LIMIT {db.param(n + 1)}"
    )
    found = await db.rows(sql, *scoped, size + 1)
    edges = []
    for row in found[:size]:
        created = aware(row[4])
        edges.append(
            {
                "cursor": cursor([created, row[0]]),
                "node": {
                    "id": global_id("PackageRequest", row[0]),
                    "number": f"PR-{row[0]:06d}",
                    "service": row[1],
                    "stage": row[2],
                    "version": row[3],
                    "createdAt": instant(created),
                    "updatedAt": instant(row[5]),
                    "consumer": _consumer(row[6:11]),
                    "plant": {"id": global_id("Plant", row[11]), "name": row[12]}
                    if row[11] is not None
                    else None,
                    "currentPackage": _package(row[13:16]),
                    "requestedPackage": _package(row[16:19]),
                    "assignee": _user(row[19:22], "phone"),
                },
            }
        )
    return {
        "packageRequests": {
            "edges": edges,
            "pageInfo": {
                "hasNextPage": len(found) > size,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
    }


def _consumer(row: Row) -> dict[str, Any] | None:
    if row[0] is None:
        return None
    return {
        "id": global_id("Consumer", row[0]),
        "accountNumber": row[1],
        "name": row[2],
        "phone": row[3],
        "status": row[4],
    }


def _package(row: Row, fee: dict[str, str] | None = None) -> dict[str, Any] | None:
    if row[0] is None:
        return None
    answer: dict[str, Any] = {
        "id": global_id("Package", row[0]),
        "name": row[1],
        "loadWatts": row[2],
    }
    if fee is not None:
        answer["monthlyFee"] = fee
    return answer


def _user(row: Row, third: str) -> dict[str, Any] | None:
    if row[0] is None:
        return None
    return {"id": global_id("User", row[0]), "name": row[1], third: row[2]}


async def request_details(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/PackageRequestDetails.graphql: the request, its technicians, its history."""
    request_id = node_id(variables["id"], "PackageRequest")
    if caller.role not in REQUEST_READERS:
        return {"node": None}
    scoped = caller.params(db)
    n = len(scoped)
    sql = (
        "SELECT r.id, r.service, r.stage, r.version, r.note, r.created_at, r.updated_at, "
        "r.closed_at, c.id, c.account_number, c.name, c.phone, c.status, "
        "k.id, k.name, k.load_watts, p.id, p.code, p.name, "
        "cp.id, cp.name, cp.load_watts, cp.monthly_fee_minor, "
        "rp.id, rp.name, rp.load_watts, rp.monthly_fee_minor, "
        "b.id, b.name, b.role, a.id, a.name, a.phone, r.plant_id "
        "FROM package_requests r "
        f"LEFT JOIN consumers c ON c.id = r.consumer_id AND {caller.where(db, 'c.plant_id', 1)} "
        "LEFT JOIN packages k ON k.id = c.package_id "
        f"LEFT JOIN plants p ON p.id = r.plant_id AND {caller.where(db, 'p.id', 1)} "
        "LEFT JOIN packages cp ON cp.id = r.current_package_id "
        "LEFT JOIN packages rp ON rp.id = r.requested_package_id "
        "LEFT JOIN users b ON b.id = r.requested_by_id "
        "LEFT JOIN users a ON a.id = r.assignee_id "
        f"WHERE r.id = {db.param(n + 1)} AND {caller.where(db, 'r.plant_id', 1)}"
    )
    found = await db.rows(sql, *scoped, request_id)
    if not found:
        return {"node": None}
    row = found[0]
    technicians = await db.rows(
        "SELECT u.id, u.name, u.phone FROM user_plants up JOIN users u ON u.id = up.user_id "
        f"WHERE up.plant_id = {db.param(1)} AND u.role = 'TECHNICIAN' AND u.active "
        "ORDER BY u.name, u.id",
        row[33],
    )
    history = await db.rows(
        "SELECT e.at, e.action, e.from_stage, e.to_stage, e.note, "
        "x.id, x.name, x.role, s.id, s.name FROM package_request_events e "
        "LEFT JOIN users x ON x.id = e.actor_id LEFT JOIN users s ON s.id = e.assignee_id "
        f"WHERE e.request_id = {db.param(1)} ORDER BY e.id",
        request_id,
    )
    currency = screen.currency
    consumer = _consumer(row[8:13])
    if consumer is not None:
        consumer["package"] = _package(row[13:16])
    return {
        "node": {
            "id": global_id("PackageRequest", row[0]),
            "number": f"PR-{row[0]:06d}",
            "service": row[1],
            "stage": row[2],
            "version": row[3],
            "note": row[4],
            "createdAt": instant(row[5]),
            "updatedAt": instant(row[6]),
            "closedAt": instant(row[7]),
            "consumer": consumer,
            "plant": {"id": global_id("Plant", row[16]), "code": row[17], "name": row[18]}
            if row[16] is not None
            else None,
            "currentPackage": _package(row[19:22], money(row[22], currency))
            if row[19] is not None
            else None,
            "requestedPackage": _package(row[23:26], money(row[26], currency))
            if row[23] is not None
            else None,
            "requestedBy": _user(row[27:30], "role"),
            "assignee": _user(row[30:33], "phone"),
            "assignableTechnicians": [_user(t, "phone") for t in technicians],
            "history": [
                {
                    "at": instant(h[0]),
                    "action": h[1],
                    "fromStage": h[2],
                    "toStage": h[3],
                    "note": h[4],
                    "actor": _user(h[5:8], "role"),
                    "assignee": {"id": global_id("User", h[8]), "name": h[9]}
                    if h[8] is not None
                    else None,
                }
                for h in history
            ],
        }
    }


SUMMARY_FIGURES = (
    "activeConsumers",
    "bannedConsumers",
    "newlyBanned",
    "reconnected",
    "requested",
    "inProcess",
    "inReview",
    "completed",
    "rejected",
    "cancelled",
)
# A request's current stage, as the figure it counts in.
STAGE_FIGURES = {
    "REQUESTED": "requested",
    "IN_PROCESS": "inProcess",
    "REVIEW": "inReview",
    "COMPLETED": "completed",
    "REJECTED": "rejected",
    "CANCELLED": "cancelled",
}


def _summary_sql(db: Database) -> tuple[str, str, str, str]:
    """The four grouped statements of resolvers/packages/summary.py, per plant.

    Parameter 1 is the plants' ids, 2 and 3 the start and end (the first two statements
    use only what they need). Status at the end is today's (status now), rolled back
    through the first status change at or after the end (status then); then the bans and
    reconnections in [start, end) and the requests created in it by current stage.
    """
    p = db.param
    status_now = (
        "SELECT plant_id, status, COUNT(*) FROM consumers "
        f"WHERE {db.member('plant_id', 1)} GROUP BY plant_id, status"
    )
    status_changes_since = (
        "SELECT c.plant_id, c.status, f.status_then, COUNT(*) FROM consumers c "
        "JOIN (SELECT consumer_id, from_status AS status_then, ROW_NUMBER() OVER "
        "(PARTITION BY consumer_id ORDER BY changed_at, id) AS position "
        f"FROM consumer_history WHERE kind = 'STATUS' AND changed_at >= {p(2)}) f "
        f"ON f.consumer_id = c.id WHERE f.position = 1 AND {db.member('c.plant_id', 1)} "
        "GROUP BY c.plant_id, c.status, f.status_then"
    )
    changes_within = (
        "SELECT c.plant_id, "
        "SUM(CASE WHEN h.from_status = 'ACTIVE' AND h.to_status = 'BANNED' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN h.from_status = 'BANNED' AND h.to_status = 'ACTIVE' THEN 1 ELSE 0 END) "
        "FROM consumer_history h JOIN consumers c ON c.id = h.consumer_id "
        f"WHERE h.kind = 'STATUS' AND h.changed_at >= {p(2)} AND h.changed_at < {p(3)} "
        f"AND {db.member('c.plant_id', 1)} GROUP BY c.plant_id"
    )
    requests_created_within = (
        "SELECT plant_id, stage, COUNT(*) FROM package_requests "
        f"WHERE {db.member('plant_id', 1)} AND created_at >= {p(2)} AND created_at < {p(3)} "
        "GROUP BY plant_id, stage"
    )
    return status_now, status_changes_since, changes_within, requests_created_within


def _count_status(figures: dict[str, int], status: str, count: int) -> None:
    figures["activeConsumers" if status == "ACTIVE" else "bannedConsumers"] += count


async def package_summary(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/PackageActivitySummary.graphql for one state (``stateId`` is required here).

    The resolver's five statements: the plants in scope of the state, then four grouped
    by plant (``_summary_sql``), combined here as the resolver combines them.
    """
    if caller.role not in SUMMARY_READERS:
        raise Forbidden
    first = date.fromisoformat(variables["range"]["from"])
    last = date.fromisoformat(variables["range"]["to"])
    start = local_midnight(first, screen.zone)
    end = local_midnight(last + timedelta(days=1), screen.zone)
    state_id = node_id(variables["stateId"], "State")
    if not db.postgres:  # stored as naive UTC wall time
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    scoped = caller.params(db)
    plants = await db.rows(
        "SELECT p.id, p.code, p.name FROM plants p WHERE p.cluster_id IN "
        f"(SELECT id FROM clusters WHERE state_id = {db.param(len(scoped) + 1)}) "
        f"AND {caller.where(db, 'p.id', 1)} ORDER BY p.name, p.id",
        *scoped,
        state_id,
    )
    figures = {row[0]: dict.fromkeys(SUMMARY_FIGURES, 0) for row in plants}
    if figures:
        ids = db.ids(list(figures))
        status_now, status_changes_since, changes_within, requests_created_within = _summary_sql(db)
        for plant_id, status, count in await db.rows(status_now, ids):
            _count_status(figures[plant_id], status, int(count))
        for plant_id, status, status_then, count in await db.rows(status_changes_since, ids, end):
            _count_status(figures[plant_id], status, -int(count))
            if status_then is not None:  # None: not connected yet at the end
                _count_status(figures[plant_id], status_then, int(count))
        for plant_id, banned, reconnected in await db.rows(changes_within, ids, start, end):
            figures[plant_id]["newlyBanned"] = int(banned or 0)
            figures[plant_id]["reconnected"] = int(reconnected or 0)
        for plant_id, stage, count in await db.rows(requests_created_within, ids, start, end):
            figures[plant_id][STAGE_FIGURES[stage]] = int(count)
    total = dict.fromkeys(SUMMARY_FIGURES, 0)
    rows = []
    for plant_id, code, name in plants:
        for key, value in figures[plant_id].items():
            total[key] += value
        plant = {"id": global_id("Plant", plant_id), "code": code, "name": name}
        rows.append({"plant": plant, **figures[plant_id]})
    return {"packageActivitySummary": {"rows": rows, "total": {"plantCount": len(rows), **total}}}


async def scheme_enrollments(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/SchemeEnrollments.graphql, newest first, without filters."""
    if caller.role not in SCHEME_READERS:
        raise Forbidden
    size = int(variables.get("first") or screen.page_size_default)
    today = datetime.now(screen.zone).date()
    scoped = caller.params(db)
    n = len(scoped)
    as_of = db.param(n + 1)
    sql = (
        "SELECT e.id, e.scheme_code, e.enrolled_at, e.status, e.total_price_minor, "
        "e.amount_paid_minor, c.id, c.name, c.account_number, c.status, c.phone, "
        "p.id, p.name, s.id, s.name, s.scheme_type, d.id, d.name, "
        "(SELECT MIN(i.due_date) FROM scheme_installments i WHERE i.enrollment_id = e.id "
        "AND i.cumulative_due_minor > e.amount_paid_minor), "
        "(SELECT MIN(i.due_date) FROM scheme_installments i WHERE i.enrollment_id = e.id "
        f"AND i.cumulative_due_minor > e.amount_paid_minor AND i.due_date <= {as_of}) "
        "FROM scheme_enrollments e "
        f"LEFT JOIN consumers c ON c.id = e.consumer_id AND {caller.where(db, 'c.plant_id', 1)} "
        f"LEFT JOIN plants p ON p.id = c.plant_id AND {caller.where(db, 'p.id', 1)} "
        "LEFT JOIN schemes s ON s.id = e.scheme_id LEFT JOIN products d ON d.id = e.product_id "
        f"WHERE {caller.where(db, 'e.plant_id', 1)} "
        f"ORDER BY e.enrolled_at DESC, e.id DESC LIMIT {db.param(n + 2)}"
    )
    found = await db.rows(sql, *scoped, today if db.postgres else today.isoformat(), size + 1)
    counted = await db.rows(
        f"SELECT COUNT(*) FROM scheme_enrollments e WHERE {caller.where(db, 'e.plant_id', 1)}",
        *scoped,
    )
    currency = screen.currency
    edges = []
    for row in found[:size]:
        enrolled = aware(row[2])
        code: str = row[1]
        total, paid = row[4], row[5]
        arrears_since = as_date(row[19])
        days = (today - arrears_since).days if arrears_since is not None else 0
        phone = row[10] if row[6] is not None else None
        edges.append(
            {
                "cursor": cursor([enrolled, row[0]]),
                "node": {
                    "id": global_id("SchemeEnrollment", row[0]),
                    "schemeCode": code,
                    "schemeCodeForReading": "-".join(
                        code[i : i + 4] for i in range(0, len(code), 4)
                    ),
                    "enrolledAt": instant(enrolled),
                    "consumer": {
                        "id": global_id("Consumer", row[6]),
                        "name": row[7],
                        "accountNumber": row[8],
                        "status": row[9],
                        "plant": {"id": global_id("Plant", row[11]), "name": row[12]},
                    }
                    if row[6] is not None
                    else None,
                    "consumerPhone": phone,
                    "callLink": f"tel:{phone}" if phone else None,
                    "scheme": {
                        "id": global_id("Scheme", row[13]),
                        "name": row[14],
                        "type": row[15],
                    },
                    "product": {"id": global_id("Product", row[16]), "name": row[17]},
                    "totalPrice": money(total, currency),
                    "amountPaid": money(paid, currency),
                    "outstanding": money(total - paid, currency),
                    "nextDueDate": day(row[18]),
                    "daysInArrears": days,
                    "repaymentStatus": _repayment_status(row[3], total, paid, days),
                },
            }
        )
    return {
        "schemeEnrollments": {
            "totalCount": int(counted[0][0]),
            "pageInfo": {
                "hasNextPage": len(found) > size,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        }
    }


def _repayment_status(status: str, total: int, paid: int, days: int) -> str:
    if status == "CANCELLED":
        return "CANCELLED"
    if paid >= total:
        return "PAID_OFF"
    if days > DEFAULT_AFTER_DAYS:
        return "DEFAULTED"
    return "BEHIND" if days > 0 else "ON_TRACK"


async def inventory(
    db: Database, caller: Caller, variables: dict[str, Any], screen: Screen
) -> dict[str, Any]:
    """queries/Inventory.graphql for one state: products, their stock in its warehouses."""
    size = int(variables.get("first") or screen.page_size_default)
    state_id = node_id(variables["stateId"], "State")
    products = await db.rows(
        "SELECT id, sku, name, product_type, unit_price_minor, reorder_level, active "
        f"FROM products ORDER BY name, id LIMIT {db.param(1)}",
        size + 1,
    )
    counted = await db.rows("SELECT COUNT(*) FROM products")
    page = products[:size]
    levels = await db.rows(
        "SELECT l.product_id, l.on_hand, l.reserved, w.id, w.code, w.name, w.address, "
        "w.latitude, w.longitude, s.id, s.name FROM stock_levels l "
        "JOIN warehouses w ON w.id = l.warehouse_id JOIN states s ON s.id = w.state_id "
        f"WHERE {db.member('l.product_id', 1)} AND w.state_id = {db.param(2)} "
        "ORDER BY w.name, w.id",
        db.ids([row[0] for row in page]),
        state_id,
    )
    stock: dict[int, list[Row]] = {}
    for level in levels:
        stock.setdefault(level[0], []).append(level)
    edges = []
    for row in page:
        held = stock.get(row[0], [])
        available = sum(level[1] - level[2] for level in held)
        active = bool(row[6])
        edges.append(
            {
                "cursor": cursor([row[2], row[0]]),
                "node": {
                    "id": global_id("Product", row[0]),
                    "sku": row[1],
                    "name": row[2],
                    "type": row[3],
                    "unitPrice": money(row[4], screen.currency),
                    "reorderLevel": row[5],
                    "active": active,
                    "unitsAvailable": available,
                    "lowStock": active and available <= row[5],
                    "stock": [_level(level) for level in held],
                },
            }
        )
    return {
        "inventory": {
            "totalCount": int(counted[0][0]),
            "edges": edges,
            "pageInfo": {
                "hasNextPage": len(products) > size,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        }
    }


def _level(level: Row) -> dict[str, Any]:
    located = level[7] is not None and level[8] is not None
    return {
        "onHand": level[1],
        "available": level[1] - level[2],
        "warehouse": {
            "id": global_id("Warehouse", level[3]),
            "code": level[4],
            "name": level[5],
            "address": level[6],
            "location": {"latitude": level[7], "longitude": level[8]} if located else None,
            "state": {"id": global_id("State", level[9]), "name": level[10]},
        },
    }


Handler = Callable[[Database, Caller, dict[str, Any], Screen], Awaitable[dict[str, Any]]]

SCREENS: dict[str, Handler] = {
    "InProcessTab": in_process_tab,
    "PackageRequestDetails": request_details,
    "PackageActivitySummary": package_summary,
    "SchemeEnrollments": scheme_enrollments,
    "Inventory": inventory,
}


async def answer(
    db: Database,
    name: str,
    authorization: str | None,
    variables: dict[str, Any],
    screen: Screen,
    secret_key: str,
) -> dict[str, Any]:
    """The ``data`` of screen ``name`` for the caller behind ``authorization``."""
    caller = await caller_of(db, authorization, secret_key)
    return await SCREENS[name](db, caller, variables, screen)


# --- The ASGI app ----------------------------------------------------------------------


def create_floor_app() -> Any:
    """A Starlette app serving ``POST /<screen>`` and ``GET /readyz`` from the settings."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from core.settings import get_settings

    settings = get_settings()
    screen = Screen(settings.currency, settings.zone, settings.page_size_default)
    state: dict[str, Database] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        state["db"] = await open_database(settings.database_url, settings.database_pool_size)
        yield
        await state["db"].close()

    async def serve_screen(request: Request) -> Response:
        name = request.path_params["screen"]
        if name not in SCREENS:
            return JSONResponse({"errors": [{"message": "unknown screen"}]}, status_code=404)
        body = json.loads(await request.body())
        try:
            data = await answer(
                state["db"],
                name,
                request.headers.get("authorization"),
                body.get("variables") or {},
                screen,
                settings.secret_key,
            )
        except Unauthenticated:
            return JSONResponse({"errors": [{"message": "UNAUTHENTICATED"}]}, status_code=401)
        except Forbidden:
            return JSONResponse({"errors": [{"message": "FORBIDDEN"}]}, status_code=403)
        return Response(dumps({"data": data}), media_type="application/json")

    async def ready(_: Request) -> Response:
        await state["db"].rows("SELECT 1")
        return Response("ok")

    return Starlette(
        routes=[
            Route("/readyz", ready),
            Route("/{screen}", serve_screen, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def _dumps() -> Callable[[Any], bytes]:
    try:
        return importlib.import_module("orjson").dumps  # type: ignore[no-any-return]
    except ImportError:  # pragma: no cover - the bench extra installs it
        return lambda value: json.dumps(value, separators=(",", ":")).encode()


dumps = _dumps()


def __getattr__(name: str) -> Any:
    # ``uvicorn bench.floor:app``: built on first access, so importing the module for
    # its handlers (the harness, the test) reads no settings and opens nothing.
    if name == "app":
        return create_floor_app()
    raise AttributeError(name)
