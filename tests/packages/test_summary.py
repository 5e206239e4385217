"""The package activity summary equals a brute-force count over generated history,
for past and current intervals, in the company's calendar, in scope."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from models import (
    Consumer,
    ConsumerHistoryEntry,
    PackageRequest,
    RequestStage,
    ServiceType,
)
from models.base import utcnow
from schema.relay import encode_id
from tests.conftest import GraphQLClient, error_codes
from tests.factories import World

SUMMARY = """
query($range: DateRange!, $stateId: ID, $clusterId: ID) {
  packageActivitySummary(range: $range, stateId: $stateId, clusterId: $clusterId) {
    rows { plant { id } activeConsumers bannedConsumers newlyBanned reconnected
           requested inProcess inReview completed rejected cancelled }
    total { plantCount activeConsumers bannedConsumers newlyBanned reconnected
            requested inProcess inReview completed rejected cancelled }
  }
}
"""
FIGURES = (
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
STAGE_FIGURE = {
    RequestStage.REQUESTED: "requested",
    RequestStage.IN_PROCESS: "inProcess",
    RequestStage.REVIEW: "inReview",
    RequestStage.COMPLETED: "completed",
    RequestStage.REJECTED: "rejected",
    RequestStage.CANCELLED: "cancelled",
}
HISTORY_DAYS = 120


async def generate(db: async_sessionmaker[AsyncSession], world: World, seed: int) -> None:
    """Consumers with random bans and reconnections, and requests in every stage."""
    rng = random.Random(seed)
    now = utcnow()
    async with db() as session:
        consumers = []
        for n in range(40):
            plant = rng.choice(world.plants)
            moments = sorted(
                now - timedelta(minutes=rng.randrange(60, HISTORY_DAYS * 24 * 60))
                for _ in range(rng.randrange(1, 5))
            )
            status = "ACTIVE"
            history: list[tuple[datetime, str | None, str]] = [(moments[0], None, "ACTIVE")]
            for moment in moments[1:]:
                after = "BANNED" if status == "ACTIVE" else "ACTIVE"
                history.append((moment, status, after))
                status = after
            consumer = Consumer(
                account_number=f"GEN-{seed}-{n:04d}",
                name=f"Generated {n}",
                phone=f"+9170{seed:02d}{n:06d}",
                plant_id=plant.id or 0,
                package_id=world.packages[0].id or 0,
                status=status,  # type: ignore[arg-type]
                connected_at=moments[0].date(),
            )
            session.add(consumer)
            await session.flush()
            consumers.append(consumer)
            for moment, before, after in history:
                session.add(
                    ConsumerHistoryEntry(
                        consumer_id=consumer.id or 0,
                        kind="STATUS",  # type: ignore[arg-type]
                        from_status=before,  # type: ignore[arg-type]
                        to_status=after,  # type: ignore[arg-type]
                        changed_at=moment,
                    )
                )
        for index, consumer in enumerate(consumers):
            # Open stages for distinct consumers (one open request each); closed ones freely.
            stage = list(RequestStage)[index % len(RequestStage)]
            created = now - timedelta(minutes=rng.randrange(1, HISTORY_DAYS * 24 * 60))
            # Closed up to 20 days later: often in another interval than it was created in.
            closed = min(now, created + timedelta(minutes=rng.randrange(1, 20 * 24 * 60)))
            session.add(
                PackageRequest(
                    consumer_id=consumer.id or 0,
                    plant_id=consumer.plant_id,
                    service=ServiceType.DISCONNECTION,
                    stage=stage,
                    current_package_id=consumer.package_id,
                    requested_by_id=world.users["csa1"].id or 0,
                    created_at=created,
                    updated_at=created,
                    closed_at=closed
                    if stage in STAGE_FIGURE
                    and stage.value in ("COMPLETED", "REJECTED", "CANCELLED")
                    else None,
                )
            )
        await session.commit()


def local_midnight(day: date, world: World) -> datetime:
    return datetime.combine(day, time(0), tzinfo=world.settings.zone).astimezone(UTC)


async def brute_force(
    db: async_sessionmaker[AsyncSession], world: World, first: date, last: date
) -> dict[int, Counter[str]]:
    start = local_midnight(first, world)
    end = local_midnight(last + timedelta(days=1), world)
    async with db() as session:
        pairs = (await session.execute(sa.select(col(Consumer.id), col(Consumer.plant_id)))).all()
        plant_of: dict[int, int] = {cid: pid for cid, pid in pairs if cid is not None}
        history = (await session.execute(sa.select(ConsumerHistoryEntry))).scalars().all()
        requests = (await session.execute(sa.select(PackageRequest))).scalars().all()
    figures: dict[int, Counter[str]] = defaultdict(Counter)
    latest: dict[int, tuple[datetime, int, str]] = {}
    for entry in history:
        if entry.kind != "STATUS" or entry.to_status is None:
            continue
        if entry.changed_at < end:
            key = (entry.changed_at, entry.id or 0, entry.to_status.value)
            if entry.consumer_id not in latest or key > latest[entry.consumer_id]:
                latest[entry.consumer_id] = key
        if start <= entry.changed_at < end:
            change = (entry.from_status, entry.to_status)
            if change == ("ACTIVE", "BANNED"):
                figures[plant_of[entry.consumer_id]]["newlyBanned"] += 1
            if change == ("BANNED", "ACTIVE"):
                figures[plant_of[entry.consumer_id]]["reconnected"] += 1
    for consumer_id, (_, _, status) in latest.items():
        figure = "activeConsumers" if status == "ACTIVE" else "bannedConsumers"
        figures[plant_of[consumer_id]][figure] += 1
    for request in requests:
        # Open: created in the interval. Closed: closed that way in the interval.
        moment = request.created_at if request.closed_at is None else request.closed_at
        if start <= moment < end:
            figures[request.plant_id][STAGE_FIGURE[request.stage]] += 1
    return figures


async def summary(
    client: GraphQLClient, world: World, user: str, first: date, last: date, **scope: str
) -> dict[str, Any]:
    variables = {"range": {"from": str(first), "to": str(last)}, **scope}
    data = await client.data(SUMMARY, variables, token=world.token(user))
    result: dict[str, Any] = data["packageActivitySummary"]
    return result


def today(world: World) -> date:
    return utcnow().astimezone(world.settings.zone).date()


@pytest.mark.parametrize("seed", [1, 2])
async def test_summary_matches_a_brute_force_count(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], seed: int
) -> None:
    await generate(db, world, seed)
    now = today(world)
    ranges = [
        (now - timedelta(days=100), now - timedelta(days=60)),  # in the past
        (now - timedelta(days=30), now),  # up to today
        (now - timedelta(days=45), now - timedelta(days=45)),  # one day
        (now - timedelta(days=HISTORY_DAYS + 30), now + timedelta(days=1)),  # everything
    ]
    for first, last in ranges:
        expected = await brute_force(db, world, first, last)
        result = await summary(client, world, "admin", first, last)
        assert len(result["rows"]) == len(world.plants)
        for row in result["rows"]:
            plant_id = next(
                p.id or 0
                for p in world.plants
                if encode_id("Plant", p.id or 0) == row["plant"]["id"]
            )
            assert {f: row[f] for f in FIGURES} == {f: expected[plant_id][f] for f in FIGURES}, (
                first,
                last,
            )
        for figure in FIGURES:
            assert result["total"][figure] == sum(row[figure] for row in result["rows"])
        assert result["total"]["plantCount"] == len(world.plants)


async def _completed_tab(
    client: GraphQLClient, world: World, user: str, first: date, last: date, plant_id: str
) -> Counter[str]:
    """How many rows of each closed stage the Completed tab lists, every page."""
    counted: Counter[str] = Counter()
    after = None
    while True:
        variables = {
            "closedIn": {"from": str(first), "to": str(last)},
            "plantIds": [plant_id],
            "first": 50,
            "after": after,
        }
        body = await client.document("CompletedTab.graphql", variables, token=world.token(user))
        assert not body.get("errors"), body
        found = body["data"]["packageRequests"]
        counted.update(edge["node"]["stage"] for edge in found["edges"])
        if not found["pageInfo"]["hasNextPage"]:
            return counted
        after = found["pageInfo"]["endCursor"]


@pytest.mark.parametrize("user", ["admin", "cluster1", "tech1"])
async def test_closed_columns_equal_the_completed_tab(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], user: str
) -> None:
    """#19: "completed" meant created in the interval and completed now in the summary,
    but closed in the interval in the Completed tab. Now one meaning, for any plant and
    interval, whoever asks."""
    await generate(db, world, 5)
    now = today(world)
    ranges = [
        (now - timedelta(days=60), now - timedelta(days=31)),
        (now - timedelta(days=30), now),
        (now - timedelta(days=10), now - timedelta(days=10)),
        (now - timedelta(days=HISTORY_DAYS + 30), now),
    ]
    checked = 0
    for first, last in ranges:
        result = await summary(client, world, user, first, last)
        for row in result["rows"]:
            tab = await _completed_tab(client, world, user, first, last, row["plant"]["id"])
            assert (row["completed"], row["rejected"], row["cancelled"]) == (
                tab["COMPLETED"],
                tab["REJECTED"],
                tab["CANCELLED"],
            ), (user, first, last)
            checked += sum(tab.values())
    assert checked > 0  # the comparison saw closed requests


async def test_summary_is_scoped_and_narrowed(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    await generate(db, world, 3)
    now = today(world)
    first = now - timedelta(days=HISTORY_DAYS)

    def plants(result: dict[str, Any]) -> set[str]:
        return {row["plant"]["id"] for row in result["rows"]}

    def ids(*indexes: int) -> set[str]:
        return {encode_id("Plant", world.plants[i].id or 0) for i in indexes}

    assert plants(await summary(client, world, "state1", first, now)) == ids(0, 1, 2)
    assert plants(await summary(client, world, "csa1", first, now)) == ids(0)
    # A technician reads the rows of their own plants (#19), as their in-charges see them.
    own = await summary(client, world, "tech1", first, now)
    assert plants(own) == ids(0, 1)
    seen_by_state = {
        row["plant"]["id"]: row
        for row in (await summary(client, world, "state1", first, now))["rows"]
    }
    for row in own["rows"]:
        assert row == seen_by_state[row["plant"]["id"]]
    assert plants(await summary(client, world, "tech4", first, now)) == ids(3)
    assert (
        plants(
            await summary(
                client,
                world,
                "tech4",
                first,
                now,
                stateId=encode_id("State", world.states[0].id or 0),
            )
        )
        == set()
    )
    cluster1 = encode_id("Cluster", world.clusters[0].id or 0)
    assert plants(await summary(client, world, "state1", first, now, clusterId=cluster1)) == ids(
        0, 1
    )
    state2 = encode_id("State", world.states[1].id or 0)
    assert plants(await summary(client, world, "admin", first, now, stateId=state2)) == ids(3)
    # Another state's plants stay invisible however they are asked for.
    assert plants(await summary(client, world, "state1", first, now, stateId=state2)) == set()


async def test_days_follow_the_company_time_zone(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    day = today(world) - timedelta(days=10)
    # 00:15 in Kolkata on `day` is still the previous day in UTC.
    banned_at = local_midnight(day, world) + timedelta(minutes=15)
    consumer = world.plant_consumers(0)[0]
    async with db() as session:
        await session.execute(
            sa.update(ConsumerHistoryEntry)
            .where(ConsumerHistoryEntry.consumer_id == consumer.id)  # type: ignore[arg-type]
            .values(changed_at=banned_at - timedelta(days=30))
        )
        session.add(
            ConsumerHistoryEntry(
                consumer_id=consumer.id or 0,
                kind="STATUS",  # type: ignore[arg-type]
                from_status="ACTIVE",  # type: ignore[arg-type]
                to_status="BANNED",  # type: ignore[arg-type]
                changed_at=banned_at,
            )
        )
        # Keep the consumer row in step with its history, as the workflow does.
        await session.execute(
            sa.update(Consumer).where(col(Consumer.id) == consumer.id).values(status="BANNED")
        )
        await session.commit()
    plant = encode_id("Plant", world.plants[0].id or 0)

    async def row(first: date, last: date) -> dict[str, Any]:
        result = await summary(client, world, "csa1", first, last)
        found: dict[str, Any] = next(r for r in result["rows"] if r["plant"]["id"] == plant)
        return found

    on_the_day = await row(day, day)
    assert on_the_day["newlyBanned"] == 1 and on_the_day["bannedConsumers"] == 1
    the_day_before = await row(day - timedelta(days=1), day - timedelta(days=1))
    assert the_day_before["newlyBanned"] == 0 and the_day_before["bannedConsumers"] == 0
    assert the_day_before["activeConsumers"] == 1  # connected 30 days earlier, not yet banned


async def test_statements_do_not_grow_with_plants(
    client: GraphQLClient, world: World, db: async_sessionmaker[AsyncSession], count_statements: Any
) -> None:
    await generate(db, world, 4)
    now = today(world)
    counts = []
    for user in ("csa1", "admin"):  # one plant, then four
        with count_statements() as counter:
            await summary(client, world, user, now - timedelta(days=60), now)
        counts.append(counter.count)
    # The actor with its scope is one statement for both; the summary itself is 5.
    assert counts[0] == counts[1]
    assert counts[1] <= 6


async def test_bad_ranges_and_roles(client: GraphQLClient, world: World) -> None:
    now = today(world)
    body = await client.request(
        SUMMARY,
        {"range": {"from": str(now), "to": str(now - timedelta(days=1))}},
        token=world.token("admin"),
    )
    assert error_codes(body) == ["VALIDATION"]
    body = await client.request(
        SUMMARY, {"range": {"from": str(now), "to": str(now)}}, token=world.token("operator1")
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["data"] is None
