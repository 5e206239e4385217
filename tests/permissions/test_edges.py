"""Every edge of the schema, as every caller, against the SQL oracle.

``edges.Walker`` writes one document per root field of Query that walks every
object-valued field reachable from it; each runs as every role (in two states, so the
same document meets objects in and out of the caller's scope) and as a deactivated user,
on the app as it runs (compiled documents where they compile) and on the standard path
alone. Every object in every answer is held to ``oracle.visibility``: an object with an id
the caller may not see fails, and so does a staff member shown with details the caller may
not know (email, phone, account state, posts). ``nodes`` is held the other way too: each
id answers an object exactly when the oracle says the caller sees it.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.settings import Settings
from schema import schema
from schema.execution.compiled.service import SOURCES
from server.app import create_app
from tests.conftest import GraphQLClient
from tests.factories import World
from tests.fuzz.world import fill_world, global_ids
from tests.permissions.edges import STAFF_DETAILS, Walker, field_of
from tests.permissions.model import WORLD_USERS
from tests.permissions.oracle import VISIBLE, Visibility, visibility

DEACTIVATED = "inactive"
EVERY_DAY = '{from: "2025-01-01", to: "2027-12-31"}'  # at most 1098 days
ROOT_ARGUMENTS = {
    "node": ("(id: $id)", "($id: ID!)"),
    "nodes": ("(ids: $ids)", "($ids: [ID!]!)"),
    "packageActivitySummary": (f"(range: {EVERY_DAY})", ""),
    "schemeStats": (f"(range: {EVERY_DAY})", ""),
    "schemeEnrollmentByCode": ("(code: $code)", "($code: String!)"),
}
# The walks are about visibility, not the limits: let every one through.
UNLIMITED = {
    "max_query_cost": 10**18,
    "max_query_depth": 64,
    "max_tokens": 100_000,
    "max_input_list_length": 10_000,
    "max_aliases": 10_000,
}
# What a caller may be told instead of data: a role the field is not for.
ALLOWED_ERRORS = {"FORBIDDEN"}

WALKER = Walker(schema._schema, ROOT_ARGUMENTS)


def decode(global_id: str) -> tuple[str, int]:
    type_name, _, row_id = base64.b64decode(global_id).decode().partition(":")
    return type_name, int(row_id)


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every object of an answer, depth first (the walk selects ``__typename`` on all)."""
    if isinstance(value, dict):
        if "__typename" in value:
            yield value
        for inner in value.values():
            yield from objects(inner)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


@dataclass
class Tally:
    """What the walks checked, and every disagreement with the oracle."""

    objects: Counter[str] = field(default_factory=Counter)
    references: int = 0  # staff shown as a name and a role only
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, where: str, data: Any, seen: Visibility) -> None:
        for item in objects(data):
            if "id" not in item:
                continue
            type_name, row_id = decode(item["id"])
            assert type_name == item["__typename"], item
            self.objects[type_name] += 1
            at = f"{where}: {type_name} {row_id}"
            if type_name == "User":
                self._staff(at, item, row_id, seen)
            elif not seen.sees(type_name, row_id):
                self.failures.append(f"{at} is not visible to the caller")

    def _staff(self, at: str, item: dict[str, Any], row_id: int, seen: Visibility) -> None:
        if seen.knows_details_of(row_id):
            if field_of(item, "active") is None:
                self.failures.append(f"{at} is in scope but shown as a reference")
            return
        self.references += 1
        shown = {
            name: value
            for name in (*STAFF_DETAILS, "plants", "cluster", "state")
            if (value := field_of(item, name)) not in (None, [])
        }
        if shown:
            self.failures.append(f"{at} is outside the caller's scope but shows {shown}")


@dataclass
class Target:
    """An app the walks run against, and whether it compiles documents."""

    app: Starlette
    http: httpx.AsyncClient
    compiles: bool


@pytest.fixture(params=["as-it-runs", "standard-path"])
async def target(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Target]:
    update: dict[str, Any] = dict(UNLIMITED)
    compiles = request.param == "as-it-runs"
    if not compiles:
        update |= {"compiled_execution": False, "batched_execution": False}
    app = create_app(settings.model_copy(update=update))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://edges") as http:
            yield Target(app, http, compiles)


def compiled_field(type_name: str, field_name: str) -> bool:
    """Whether the compiled path reads this field (a narrowed walk stays on it)."""
    if type_name.endswith("Connection"):
        return field_name in ("edges", "nodes")
    if type_name.endswith("Edge"):
        return field_name == "node"
    source = SOURCES.get(type_name)
    return source is not None and field_name in source.fields


# The whole walks mostly meet a field the compiler leaves to the standard path; these stay
# on compiled fields, so that the compiled path's own visibility is walked too.
COMPILED_WALKER = Walker(schema._schema, ROOT_ARGUMENTS, compiled_field)


def test_the_walks_reach_every_edge_a_query_can() -> None:
    """Every object-valued field of every type a query reaches is walked from some root
    (none skipped for want of an argument), and every Node type has an oracle rule."""
    walked: set[tuple[str, str]] = set()
    for root in WALKER.walkable_roots():
        walk = WALKER.walk(root)
        assert not walk.skipped, f"{root}: no argument known for {walk.skipped}"
        walked |= walk.edges
    reachable = WALKER.reachable_from_query()
    assert {edge for edge in WALKER.all_edges() if edge[0] in reachable} - walked == set()
    assert set(WALKER.object_roots()) - set(WALKER.walkable_roots()) == set()
    node_types = WALKER.node_types()
    assert node_types <= set(VISIBLE), f"no oracle rule for {node_types - set(VISIBLE)}"


async def _variants(
    root: str, ids: dict[str, list[str]], db: async_sessionmaker[AsyncSession]
) -> list[dict[str, Any]]:
    """The variables each walk of ``root`` runs with."""
    if root == "node":  # the oldest and newest of each type
        return [{"id": values[i]} for values in ids.values() for i in {0, len(values) - 1}]
    if root == "nodes":
        return [{"ids": [global_id for values in ids.values() for global_id in values]}]
    if root == "schemeEnrollmentByCode":
        async with db() as session:
            codes = (
                await session.execute(sa.text("SELECT scheme_code FROM scheme_enrollments"))
            ).all()
        return [{"code": code} for (code,) in codes]
    return [{}]


async def test_every_object_on_every_edge_is_one_the_caller_may_see(
    target: Target,
    client: GraphQLClient,
    db: async_sessionmaker[AsyncSession],
    world: World,
) -> None:
    await fill_world(db, client, world)
    ids = await global_ids(db, leave_out_user=-1)
    roots = WALKER.walkable_roots()
    variants = {root: await _variants(root, ids, db) for root in roots}
    walks = [WALKER.walk(root) for root in roots]
    if target.compiles:
        compiled = target.app.state.compiled
        narrowed = [COMPILED_WALKER.walk(root) for root in roots]
        walks += [walk for walk in narrowed if compiled.operation(walk.document, None)]
        assert len(walks) - len(roots) >= 15, "the narrowed walks should compile"
        answered_before = compiled.answered
    tally = Tally()
    for caller in WORLD_USERS:
        user_id = world.users[caller].id
        assert user_id is not None
        async with db() as session:
            seen = await visibility(session, user_id)
        for walk in walks:
            for variables in variants[walk.root]:
                body = await _post(target.http, walk.document, variables, world.token(caller))
                tally.requests += 1
                where = f"{caller} via {walk.root}"
                codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
                if codes - ALLOWED_ERRORS:
                    tally.failures.append(f"{where} {variables}: errors {body['errors']}")
                tally.check(where, body.get("data"), seen)
                if walk.root == "nodes" and body.get("data"):
                    _check_each_id(tally, where, variables["ids"], body["data"]["nodes"], seen)
    for walk in walks:
        for variables in variants[walk.root][:1]:
            body = await _post(target.http, walk.document, variables, world.token(DEACTIVATED))
            refusals = [e.get("extensions", {}).get("code") for e in body["errors"]]
            assert refusals == ["UNAUTHENTICATED"], (walk.root, body["errors"])
            assert list(objects(body.get("data"))) == []
    assert not tally.failures, "\n".join(tally.failures[:40]) + f"\n({len(tally.failures)} in all)"
    # The world gives the walks something to find: every Node type, and staff the callers
    # may see only as references.
    assert set(tally.objects) == WALKER.node_types(), tally.objects
    assert tally.references > 0
    if target.compiles:
        assert compiled.answered - answered_before >= len(WORLD_USERS) * 10
    print(
        f"\n{'compiled where it compiles' if target.compiles else 'standard path'}:"
        f" edges: {len(WALKER.all_edges())}; walks: {len(walks)} from {len(roots)} roots;"
        f" callers: {len(WORLD_USERS)} + deactivated; requests: {tally.requests};"
        f" objects checked: {sum(tally.objects.values())} ({dict(tally.objects)});"
        f" staff shown as references: {tally.references}"
    )


def _check_each_id(
    tally: Tally, where: str, asked: list[str], answered: list[Any], seen: Visibility
) -> None:
    for global_id, item in zip(asked, answered, strict=True):
        type_name, row_id = decode(global_id)
        visible = seen.sees(type_name, row_id)
        if type_name == "User":
            visible = seen.knows_details_of(row_id)
        if visible != (item is not None):
            state = "missing" if visible else "shown"
            tally.failures.append(f"{where}: {type_name} {row_id} {state}")


async def _post(
    http: httpx.AsyncClient, document: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
