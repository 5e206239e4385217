"""Relay plumbing: global ids, the ``Node`` lookups, and connections over keyset pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from resolvers.errors import DomainError, ErrorCode
from resolvers.pagination import Page, PageArgs
from schema.context import Info

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")


def decode_id(value: str, type_name: str, field: list[str]) -> int:
    """The database id inside a global id of ``type_name``; VALIDATION otherwise."""
    try:
        global_id = relay.GlobalID.from_id(value)
    except GlobalIDValueError as error:
        raise DomainError(ErrorCode.VALIDATION, f"`{value}` is not a valid ID.", field) from error
    if global_id.type_name != type_name:
        raise DomainError(
            ErrorCode.VALIDATION,
            f"Expected the ID of a {type_name}, got the ID of a {global_id.type_name}.",
            field,
        )
    node_id = parse_node_id(global_id.node_id)
    if node_id is None:
        raise DomainError(ErrorCode.VALIDATION, f"`{value}` is not a valid ID.", field)
    return node_id


def decode_ids(values: Iterable[str] | None, type_name: str, field: list[str]) -> list[int] | None:
    if values is None:
        return None
    return [decode_id(value, type_name, field) for value in values]


def parse_node_id(node_id: str) -> int | None:
    return int(node_id) if node_id.isascii() and node_id.isdigit() and len(node_id) < 19 else None


def encode_id(type_name: str, node_id: int) -> str:
    return str(relay.GlobalID(type_name, str(node_id)))


class ModelNode(relay.Node, Generic[RowT]):
    """A Relay node over rows fetched by database id: ``resolve_nodes`` once, for all.

    A type says how to load its rows (``load_rows``: in the order asked, None where a row
    is missing or outside the caller's scope) and, when ``from_model(row)`` is not enough,
    how to make a node of one (``from_row``). Malformed ids resolve to None.
    """

    if TYPE_CHECKING:

        @classmethod
        def from_model(cls, row: RowT, /, *args: Any, **kwargs: Any) -> Self: ...

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[RowT | None]:
        raise NotImplementedError

    @classmethod
    def from_row(cls, info: Info, row: RowT) -> Self:
        return cls.from_model(row)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # Node declares it by overloads
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        parsed = [parse_node_id(node_id) for node_id in node_ids]
        valid = [node_id for node_id in parsed if node_id is not None]
        loaded = dict(zip(valid, await cls.load_rows(info, valid), strict=True)) if valid else {}
        rows = [loaded.get(node_id) if node_id is not None else None for node_id in parsed]
        return [cls.from_row(info, row) if row is not None else None for row in rows]


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A node of a list with the cursor to continue from it.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list (Relay connection), keyset-paginated.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list has (computed only when asked).")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="The nodes of this page, without cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


ConnectionT = TypeVar("ConnectionT", bound=Connection[Any])


def connection_from_page(
    connection_type: type[ConnectionT], page: Page[Any], convert: Callable[[Any], Any]
) -> ConnectionT:
    """A connection of ``connection_type`` (a concrete ``Connection[X]``) over ``page``."""
    edges = [
        Edge(cursor=cursor, node=convert(row))
        for row, cursor in zip(page.rows, page.cursors, strict=True)
    ]
    return connection_type(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=page.count,
    )


def empty_page() -> Page[Any]:
    async def zero() -> int:
        return 0

    return Page(rows=[], cursors=[], has_next_page=False, has_previous_page=False, count=zero)


def page_args(
    first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> PageArgs:
    return PageArgs(first=first, after=after, last=last, before=before)
