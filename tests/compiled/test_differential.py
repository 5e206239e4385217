"""The gate of compiled execution: every read document of ``queries/``, for every caller,
with generated variables, answers byte for byte what standard execution answers.

Two apps on the same database: the app as it runs (compiled documents, bulk completion,
remembered actors) and one with all of that turned off. Each request is sent to both with
the same request id (an internal error quotes it), and status and body must be equal.
Errors included: a compiled document hands every error case to standard execution, and
this test holds it to that. Each document must be answered compiled at least once, so
that a document quietly falling back every time fails here.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from graphql import OperationDefinitionNode, OperationType, parse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.settings import Settings
from server.app import create_app
from tests.compiled.variables import bind, cursors_in, samples
from tests.conftest import QUERIES_DIR
from tests.factories import World
from tests.fuzz.world import fill_world, global_ids

FUZZ_SEED = int(os.environ.get("GRIDLINE_FUZZ_SEED", "20260701")) + 15
SAMPLES = int(os.environ.get("GRIDLINE_COMPILED_SAMPLES", "10"))
APOLLO_SAMPLES = max(1, SAMPLES // 3)
CALLERS = ("admin", "state1", "cluster1", "csa1", "tech1", "operator1", "state2", "inactive")
READ_DOCUMENTS = sorted(
    path.name
    for path in QUERIES_DIR.glob("*.graphql")
    if all(
        definition.operation is OperationType.QUERY
        for definition in parse(path.read_text()).definitions
        if isinstance(definition, OperationDefinitionNode)
    )
)


async def _client(app: Starlette, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http


@pytest.fixture
async def compiled_app(settings: Settings) -> Starlette:
    return create_app(settings.model_copy(update={"actor_cache_seconds": 5.0}))


@pytest.fixture
async def compiled(compiled_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(compiled_app, "http://compiled"):
        yield http


@pytest.fixture
async def standard(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    off = {"compiled_execution": False, "batched_execution": False}
    async for http in _client(create_app(settings.model_copy(update=off)), "http://standard"):
        yield http


async def _send(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None, rid: str
) -> tuple[int, bytes]:
    headers = {"x-request-id": rid}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.status_code, response.content


@dataclass
class Gate:
    """Both apps, on the database of ``world``, ready to be asked the same questions."""

    compiled_app: Starlette
    compiled: httpx.AsyncClient
    standard: httpx.AsyncClient
    db: async_sessionmaker[AsyncSession]
    world: World

    @property
    def documents(self) -> Any:
        """The compiled app's compiled documents (and how many it answered)."""
        return self.compiled_app.state.compiled

    async def answers_agree(
        self, source: str, sent: str, count: int, *, rid_prefix: str, label: str
    ) -> int:
        """Send ``sent`` to both apps with ``count`` variable sets generated from
        ``source``, as every caller and anonymously; every status and body must be equal.
        Returns how many requests the compiled app answered compiled meanwhile."""
        import orjson

        from tests.conftest import GraphQLClient

        await fill_world(self.db, GraphQLClient(self.compiled), self.world)
        ids = await global_ids(self.db, leave_out_user=-1)
        before: int = self.documents.answered
        cursors: list[str] = []
        for number, template in enumerate(samples(source, count, FUZZ_SEED)):
            for caller in (*CALLERS, None):
                variables = bind(template, ids, cursors)
                token = self.world.token(caller) if caller is not None else None
                rid = f"{rid_prefix}-{number}-{caller}"
                fast = await _send(self.compiled, sent, variables, token, rid)
                slow = await _send(self.standard, sent, variables, token, rid)
                assert fast == slow, f"{label} as {caller} with {variables}"
                if fast[0] == 200:
                    cursors_in(orjson.loads(fast[1]).get("data"), cursors)
        answered: int = self.documents.answered - before
        return answered


@pytest.fixture
async def gate(
    compiled_app: Starlette,
    compiled: httpx.AsyncClient,
    standard: httpx.AsyncClient,
    db: async_sessionmaker[AsyncSession],
    world: World,
) -> Gate:
    return Gate(compiled_app, compiled, standard, db, world)


@pytest.mark.parametrize("name", READ_DOCUMENTS)
async def test_compiled_answers_are_the_standard_answers(gate: Gate, name: str) -> None:
    query = (QUERIES_DIR / name).read_text()
    answered = await gate.answers_agree(query, query, SAMPLES, rid_prefix="gate", label=name)
    report = gate.documents.report()[name.removesuffix(".graphql")]
    if all(reason == "compiled" for reason in report.values()):
        assert answered > 0, f"{name} is compiled but never answered compiled"


@pytest.mark.parametrize("name", READ_DOCUMENTS)
async def test_compiled_answers_to_apollo_clients_are_the_standard_answers(
    gate: Gate, name: str
) -> None:
    """The same gate for the text Apollo Client sends (``__typename`` in every selection
    set, #17): trusted, it may be answered compiled, and must answer the same."""
    from server.client_documents import apollo_text

    source = (QUERIES_DIR / name).read_text()
    query = apollo_text(source)
    answered = await gate.answers_agree(
        source, query, APOLLO_SAMPLES, rid_prefix="apollo", label=f"{name} (Apollo's text)"
    )
    if gate.documents.operation(query, None) is not None:
        assert answered > 0, f"{name}: compiled but never answered compiled"
