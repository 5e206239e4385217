"""``node`` and ``nodes``: fetch any object by global id, within your scope."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from resolvers.errors import DomainError, ErrorCode
from schema.context import Info
from schema.permissions import IsAuthenticated, requirement
from schema.relay import parse_node_id

MAX_NODES = 100


async def _resolve(info: Info, global_id: str) -> Any:
    try:
        parsed = relay.GlobalID.from_id(global_id)
    except GlobalIDValueError as error:
        raise DomainError(
            ErrorCode.VALIDATION, f"`{global_id}` is not a valid ID.", ["id"]
        ) from error
    if parse_node_id(parsed.node_id) is None:
        raise DomainError(ErrorCode.VALIDATION, f"`{global_id}` is not a valid ID.", ["id"])
    type_def = info.schema.get_type_by_name(parsed.type_name)
    origin = getattr(type_def, "origin", None)
    if origin is None or not issubclass(origin, relay.Node):
        return None  # a well-formed id of no known type: nothing there
    nodes = await origin.resolve_nodes(info=info, node_ids=[parsed.node_id], required=False)
    return next(iter(nodes), None)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description=requirement(
            "Any object by its ID; null when it does not exist or is outside your scope."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await _resolve(info, id)  # type: ignore[no-any-return]

    @strawberry.field(
        description=requirement(f"Objects by ID, in the order asked (at most {MAX_NODES})."),
        permission_classes=[IsAuthenticated],
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise DomainError(ErrorCode.VALIDATION, f"Ask for at most {MAX_NODES} ids.", ["ids"])
        return list(await asyncio.gather(*(_resolve(info, global_id) for global_id in ids)))
