"""One websocket protocol (#17): graphql-transport-ws alone, the legacy graphql-ws refused
at the handshake, and every error sent on the socket carries ``extensions.code``."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from tests.factories import World
from tests.realtime.ws import Closed, GraphQLWebSocket, connected


@pytest.mark.parametrize("protocol", ["graphql-ws", "", "graphql-transport-ws-v2"])
async def test_other_subprotocols_are_refused_at_the_handshake(
    app: Starlette, protocol: str
) -> None:
    socket = GraphQLWebSocket(app, protocol)
    with pytest.raises(Closed) as refused:
        await socket.open()  # never accepted: the server answers the handshake with 403
    assert refused.value.code == 1002
    assert "graphql-transport-ws" in refused.value.reason
    await socket.close()


async def _first_error(socket: GraphQLWebSocket, operation_id: str, **payload: Any) -> Any:
    await socket.send({"id": operation_id, "type": "subscribe", "payload": payload})
    message = await socket.receive()
    assert message["id"] == operation_id
    if message["type"] == "next":
        return message["payload"]["errors"]
    assert message["type"] == "error", message
    return message["payload"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"query": "subscription {"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "subscription { noSuchEvents { id } }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "{ __typename }", "operationName": "Missing"}, "BAD_REQUEST"),
        ({"query": "query A { __typename } query B { __typename }"}, "BAD_REQUEST"),
        (
            {"query": "query Q($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
            "BAD_USER_INPUT",
        ),
        ({"query": '{ node(id: "nonsense") { id } }'}, "VALIDATION"),
    ],
)
async def test_every_error_on_the_socket_has_a_code(
    app: Starlette, world: World, payload: dict[str, Any], code: str
) -> None:
    async with connected(app, world.token("tech1")) as socket:
        errors = await _first_error(socket, "1", **payload)
        assert [error["extensions"]["code"] for error in errors] == [code]
        # The connection stays usable: one bad operation does not close it.
        await socket.subscribe("2", "{ __typename }")
        message = await socket.receive()
        while message["id"] == "1" and message["type"] == "complete":
            message = await socket.receive()
        assert message == {"id": "2", "type": "next", "payload": {"data": {"__typename": "Query"}}}
