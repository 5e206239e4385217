"""Benchmark: the package activity summary on a seeded database.

    GRIDLINE_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/gridline_large \\
        .venv/bin/python -m bench.package_summary [--repeat 20]

Seed first with `gridline seed --demo --size large` (200 plants, 200,000 consumers,
50,000 requests). Prints, for the whole company (ADMIN) and for one state: the time
of the full GraphQL request through the ASGI app, of the resolver alone, and of the
same SQL statements sent straight to the database (the floor, measured in the same
run), with the ratios between them, and the number of SQL statements per request.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import sqlalchemy as sa
from sqlmodel import col

from auth.actor import load_actor
from auth.tokens import issue_access_token
from core.settings import get_settings
from models import Role, User
from resolvers.context import RequestContext
from resolvers.dates import DayRange, today
from resolvers.packages import summary as summary_resolvers
from server.app import create_app

QUERY = """
query($range: DateRange!) {
  packageActivitySummary(range: $range) {
    rows { plant { name } activeConsumers bannedConsumers newlyBanned reconnected
           requested inProcess inReview completed rejected cancelled }
    total { plantCount activeConsumers bannedConsumers }
  }
}
"""


async def timed(repeat: int, run: Callable[[], Awaitable[Any]]) -> list[float]:
    await run()  # warm-up: connections, caches, plans
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms"


async def measure(
    http: httpx.AsyncClient, runtime: Any, user: User, days: DayRange, repeat: int
) -> None:
    """Time one user's summary three ways and print the figures."""
    settings = runtime.settings
    assert user.id is not None
    headers = {"Authorization": f"Bearer {issue_access_token(user.id, settings).token}"}
    variables = {"range": {"from": str(days.first), "to": str(days.last)}}

    async def request() -> None:
        response = await http.post(
            "/graphql", json={"query": QUERY, "variables": variables}, headers=headers
        )
        assert "errors" not in response.json(), response.text

    async with runtime.sessions() as session:
        actor = await load_actor(session, user.id)
    ctx = RequestContext(settings, runtime.sessions, actor, "bench")

    async def resolver() -> summary_resolvers.ActivitySummary:
        return await summary_resolvers.activity_summary(ctx, days, None, None)

    sync_engine = runtime.engine.sync_engine
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        captured.append((statement, parameters))

    sa.event.listen(sync_engine, "before_cursor_execute", capture)
    result = await resolver()
    sa.event.remove(sync_engine, "before_cursor_execute", capture)
    summary_sql = list(captured)
    captured.clear()
    sa.event.listen(sync_engine, "before_cursor_execute", capture)
    await request()
    sa.event.remove(sync_engine, "before_cursor_execute", capture)
    per_request = len(captured)

    async def floor() -> None:
        async with runtime.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            for statement, parameters in summary_sql:
                if hasattr(driver, "fetch"):  # asyncpg: straight to the driver
                    await driver.fetch(statement, *parameters)
                else:
                    await connection.exec_driver_sql(statement, parameters)

    http_times = await timed(repeat, request)
    resolver_times = await timed(repeat, resolver)
    floor_times = await timed(repeat, floor)
    base = statistics.median(floor_times)
    print(f"\n{user.role.value}: {len(result.rows)} plants, {per_request} SQL statements/request")
    for label, times in (
        ("SQL floor", floor_times),
        ("resolver", resolver_times),
        ("GraphQL", http_times),
    ):
        print(f"  {label:<10} {describe(times)}   {statistics.median(times) / base:.2f}x")


async def main(repeat: int) -> None:
    settings = get_settings()
    app = create_app(settings)
    runtime = app.state.runtime
    async with runtime.sessions() as session:
        users = [
            (
                await session.execute(
                    sa.select(User)
                    .where(col(User.role) == role, col(User.active).is_(True))
                    .order_by(col(User.id))
                    .limit(1)
                )
            ).scalar_one()
            for role in (Role.ADMIN, Role.STATE_INCHARGE)
        ]
    last = today(settings.zone)
    days = DayRange(last - timedelta(days=29), last)
    print(f"database: {settings.database_url.split('@')[-1]}   range: {days.first} .. {days.last}")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for user in users:
            await measure(http, runtime, user, days, repeat)
    await runtime.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    asyncio.run(main(parser.parse_args().repeat))
