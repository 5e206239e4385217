"""What the matrix's operations act on, made in the test's world on demand.

In scope means plant1 (world.plants[0]), its cluster1 and state1; out of scope means
plant4 (world.plants[3]), its cluster3 and state2: inside every caller's scope, and
outside every caller's but an ADMIN's, respectively (see ``model.CALLERS``).

Targets that an operation changes are made afresh for each cell (``fresh``), so that
every allowed call starts from the same state whatever ran before it; the others are
made once per world and shared (``Env.once``).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.tokens import new_refresh_token, refresh_token_hash
from models import PurchaseStatus, RefreshToken, Warehouse
from models.base import utcnow
from models.events import Notification, NotificationKind
from models.packages import PackageRequest, RequestStage
from resolvers.dates import today
from schema.relay import encode_id
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.inventory.factories import (
    Inventory,
    build_inventory,
    make_purchase_request,
    make_warehouse,
    receive,
)
from tests.packages.factories import add_consumer, add_technician, make_request
from tests.permissions.model import Scope
from tests.schemes.factories import SchemeWorld, build_schemes

T = TypeVar("T")

# Where in and out of scope lie, by index into the world's lists.
PLANT = {Scope.IN: 0, Scope.OUT: 3, Scope.ANY: 0}
CLUSTER = {Scope.IN: 0, Scope.OUT: 2, Scope.ANY: 0}
STATE = {Scope.IN: 0, Scope.OUT: 1, Scope.ANY: 0}
# Technicians of plant1 and plant4: the assignee, and a colleague to reassign to.
TECHNICIANS = {0: ("tech1", "tech1b"), 3: ("tech4", "tech4b")}
# Who registered the request made for a stage: someone who may, at that plant.
REQUESTERS = {0: "csa1", 3: "admin"}

_serial = itertools.count(1)


def serial() -> int:
    """A number unique in this test run, for codes, phones and references."""
    return next(_serial)


def gid(type_name: str, row_id: int | None) -> str:
    assert row_id is not None
    return encode_id(type_name, row_id)


@dataclass
class Env:
    """The world of one row's test, with what its targets need, made on demand."""

    world: World
    db: async_sessionmaker[AsyncSession]
    client: GraphQLClient
    app: Any = None  # the ASGI app, for subscriptions over websockets
    _memo: dict[Any, Any] = field(default_factory=dict)

    async def once(self, key: Any, make: Callable[[], Awaitable[T]]) -> T:
        """``make()``'s result, made the first time this key is asked for."""
        if key not in self._memo:
            self._memo[key] = await make()
        value: T = self._memo[key]
        return value

    def user_id(self, name: str) -> int:
        user_id = self.world.users[name].id
        assert user_id is not None
        return user_id

    def user(self, name: str) -> str:
        return gid("User", self.user_id(name))

    def plant(self, scope: Scope) -> str:
        return gid("Plant", self.world.plants[PLANT[scope]].id)

    def cluster(self, scope: Scope) -> str:
        return gid("Cluster", self.world.clusters[CLUSTER[scope]].id)

    def state(self, scope: Scope) -> str:
        return gid("State", self.world.states[STATE[scope]].id)

    def package(self, index: int = 0) -> str:
        return gid("Package", self.world.packages[index].id)

    def consumer(self, scope: Scope) -> str:
        """A consumer of the world at the scope's plant (shared: read, never changed)."""
        return gid("Consumer", self.world.plant_consumers(PLANT[scope])[0].id)

    async def fresh_consumer(self, scope: Scope) -> str:
        """A new ACTIVE consumer at the scope's plant, without requests or enrolments."""
        plant_index = PLANT[scope]
        async with self.db() as session:
            index = await add_consumer(session, self.world, plant_index=plant_index)
        return gid("Consumer", self.world.plant_consumers(plant_index)[index].id)

    async def technician(self, name: str) -> str:
        """A technician by name; the colleagues (tech1b, tech4b) are added when first asked."""
        if name not in self.world.users:
            plant_index = next(i for i, names in TECHNICIANS.items() if name in names)
            async with self.db() as session:
                await add_technician(session, self.world, name, plant_indexes=[plant_index])
        return self.user(name)

    async def fresh_request(self, scope: Scope, stage: RequestStage) -> PackageRequest:
        """A new package request at the scope's plant, in ``stage``, assigned (when the stage
        has an assignee) to the plant's first technician."""
        plant_index = PLANT[scope]
        async with self.db() as session:
            consumer_index = await add_consumer(session, self.world, plant_index=plant_index)
            return await make_request(
                session,
                self.world,
                plant_index=plant_index,
                consumer_index=consumer_index,
                stage=stage,
                requested_by=REQUESTERS[plant_index],
                assignee=TECHNICIANS[plant_index][0],
            )

    async def request(self, scope: Scope, stage: RequestStage = RequestStage.REQUESTED) -> str:
        """A shared request at the scope's plant (for queries)."""
        request = await self.once(
            ("request", scope, stage), lambda: self.fresh_request(scope, stage)
        )
        return gid("PackageRequest", request.id)

    async def notification(self, user: str) -> str:
        """A new unread notification for ``user``."""
        async with self.db() as session:
            notification = Notification(
                user_id=self.user_id(user),
                kind=NotificationKind.REQUEST_ASSIGNED,
                title="A request for you",
                body="Made for the permission matrix.",
                created_at=utcnow(),
            )
            session.add(notification)
            await session.commit()
            return gid("Notification", notification.id)

    async def refresh_token(self, user: str) -> str:
        """A new refresh token (a sign-in session) of ``user``, as login would issue."""
        token = new_refresh_token()
        now = utcnow()
        async with self.db() as session:
            session.add(
                RefreshToken(
                    user_id=self.user_id(user),
                    family_id=f"matrix-{serial()}",
                    token_hash=refresh_token_hash(token),
                    created_at=now,
                    expires_at=now + timedelta(days=1),
                )
            )
            await session.commit()
        return token

    # --- Inventory ---------------------------------------------------------------------

    async def inventory(self) -> Inventory:
        """Products (fan, tv, fridge) and warehouses: wh1, wh1b in state1; wh2 in state2."""
        return await self.once("inventory", lambda: build_inventory(self.db, self.world))

    async def warehouse(self, scope: Scope, second: bool = False) -> str:
        """The scope's state's warehouse (or its second one, for transfers)."""
        inventory = await self.inventory()
        if scope is Scope.OUT and second:
            wh2b = await self.once("wh2b", self._second_warehouse_of_state2)
            return gid("Warehouse", wh2b.id)
        name = {Scope.OUT: "wh2"}.get(scope, "wh1b" if second else "wh1")
        return inventory.warehouse(name)

    async def _second_warehouse_of_state2(self) -> Warehouse:
        async with self.db() as session, session.begin():
            return await make_warehouse(session, self.world.states[1])

    async def fan(self) -> str:
        return (await self.inventory()).product("fan")

    async def fresh_purchase_request(self, scope: Scope, status: PurchaseStatus) -> str:
        """A new purchase request of fans for the scope's state's warehouse."""
        inventory = await self.inventory()
        warehouse = inventory.warehouses["wh2" if scope is Scope.OUT else "wh1"]
        requester = self.world.users["state2" if scope is Scope.OUT else "cluster1"]
        async with self.db() as session, session.begin():
            request = await make_purchase_request(
                session,
                inventory.products["fan"],
                warehouse,
                requester,
                status=status,
                decider=self.world.users["admin"],
            )
        return gid("PurchaseRequest", request.id)

    # --- Schemes -----------------------------------------------------------------------

    async def schemes(self) -> SchemeWorld:
        """A fan in stock in both states; schemes ``fan`` (both states), ``state2only``, ..."""
        return await self.once("schemes", self._build_schemes)

    async def _build_schemes(self) -> SchemeWorld:
        built = await build_schemes(self.db, self.world, units=20)
        assert built.product is not None
        # Enough in state2 too, for a fresh enrolment in every cell out of scope.
        async with self.db() as session, session.begin():
            await receive(session, built.product, built.warehouses["wh2"], 20)
        return built

    async def scheme_of(self, scope: Scope) -> str:
        """Enrolments in scope are in ``fan``; out of scope in ``state2only``, so that the
        per-scheme statistics tell them apart."""
        return (await self.schemes()).scheme("state2only" if scope is Scope.OUT else "fan")

    async def fresh_enrollment(self, scope: Scope) -> dict[str, Any]:
        """A new enrolment of a new consumer at the scope's plant, made by an ADMIN
        through the API: ``{id schemeCode}``."""
        variables = {
            "input": {
                "consumerId": await self.fresh_consumer(scope),
                "schemeId": await self.scheme_of(scope),
            }
        }
        data = await self.client.data(ENROLL, variables, token=self.world.token("admin"))
        payload = data["enrollInScheme"]
        assert payload["errors"] == [], payload
        enrollment: dict[str, Any] = payload["enrollment"]
        return enrollment

    async def enrollment(self, scope: Scope) -> dict[str, Any]:
        """A shared enrolment at the scope's plant (for queries and payments)."""
        return await self.once(("enrollment", scope), lambda: self.fresh_enrollment(scope))

    def today(self) -> str:
        return today(self.world.settings.zone).isoformat()


ENROLL = """
mutation Enrol($input: EnrollInSchemeInput!) {
  enrollInScheme(input: $input) { enrollment { id schemeCode } errors { code message } }
}
"""
