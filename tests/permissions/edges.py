"""Documents that walk the schema: from each root field through every object-valued field.

Each root field gets one document. Its selection tree is grown breadth first: every object
level selects ``__typename`` and ``id`` (when the type has one), a staff member also the
fields a reference hides, and each edge (a type's object-valued field) is expanded at the
first, shallowest place the walk meets its type, once per document. A field that returns an
object is walked without anyone listing it; one that cannot be (a required argument this
module does not know how to give) is named in ``Walk.skipped``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)


def field_of(item: dict[str, Any], name: str) -> Any:
    """A field of an answered object, whether or not the walk aliased it."""
    return item.get(name, item.get(f"{item.get('__typename')}__{name}"))


# What a staff member outside the caller's visibility must not show (DESIGN: at most a
# name and a role); selected on every User so the check sees them.
STAFF_DETAILS = ("email", "phone", "active")

Edge = tuple[str, str]  # (type name, field name)


@dataclass
class Level:
    """One object level of a document: a type and the levels under its edges."""

    type_name: str
    children: dict[str, Level] = field(default_factory=dict)  # field -> level
    arguments: dict[str, str] = field(default_factory=dict)  # field -> "(first: 5)"
    fragments: dict[str, Level] = field(default_factory=dict)  # for interfaces and unions


@dataclass
class Walk:
    """One root field's document and the edges it expands."""

    root: str
    document: str
    edges: set[Edge]
    skipped: set[Edge]


def _object_valued(definition: GraphQLField) -> GraphQLNamedType | None:
    named = get_named_type(definition.type)
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        return named
    return None


def _required_arguments(definition: GraphQLField) -> list[str]:
    return [
        name
        for name, argument in definition.args.items()
        if isinstance(argument.type, GraphQLNonNull) and argument.default_value is None
    ]


class Walker:
    """Grows the selection trees of a schema's root fields."""

    def __init__(
        self,
        schema: GraphQLSchema,
        root_arguments: Mapping[str, tuple[str, str]],
        keep: Callable[[str, str], bool] = lambda _type, _field: True,
    ) -> None:
        """``root_arguments``: for a root field, its arguments and the variables they use;
        ``keep``: whether to walk a type's field (all, unless a walk is narrowed)."""
        self.schema = schema
        self.root_arguments = root_arguments
        self.keep = keep

    def all_edges(self) -> set[Edge]:
        """Every object-valued field of every object type but the root types."""
        edges: set[Edge] = set()
        for type_name, named in self.schema.type_map.items():
            if type_name.startswith("__") or not isinstance(named, GraphQLObjectType):
                continue
            roots = (
                self.schema.query_type,
                self.schema.mutation_type,
                self.schema.subscription_type,
            )
            if named in roots:
                continue
            for field_name, definition in named.fields.items():
                if _object_valued(definition) is not None:
                    edges.add((type_name, field_name))
        return edges

    def _root_types(self) -> tuple[GraphQLObjectType | None, ...]:
        return (self.schema.query_type, self.schema.mutation_type, self.schema.subscription_type)

    def walk(self, root: str, operation: str = "query") -> Walk:
        """The walk from ``root``, a field of the Query type (or of Subscription)."""
        root_type = (
            self.schema.subscription_type if operation == "subscription" else self.schema.query_type
        )
        assert root_type is not None
        definition = root_type.fields[root]
        named = _object_valued(definition)
        assert named is not None, root
        top = Level(named.name)
        expanded: set[Edge] = set()
        skipped: set[Edge] = set()
        queue: deque[Level] = deque([top])
        while queue:
            level = queue.popleft()
            for concrete in self._concrete(level.type_name):
                holder = level if concrete == level.type_name else self._fragment(level, concrete)
                object_type = self.schema.type_map[concrete]
                assert isinstance(object_type, GraphQLObjectType)
                for field_name, field_definition in object_type.fields.items():
                    target = _object_valued(field_definition)
                    edge = (concrete, field_name)
                    if target is None or edge in expanded or not self.keep(*edge):
                        continue
                    if _required_arguments(field_definition):
                        skipped.add(edge)
                        continue
                    expanded.add(edge)
                    child = Level(target.name)
                    holder.children[field_name] = child
                    queue.append(child)
        arguments, variables = self.root_arguments.get(root, ("", ""))
        body = self._render(top, indent=1)
        document = f"{operation} Walk_{root}{variables} {{\n  {root}{arguments} {body}\n}}\n"
        return Walk(root, document, expanded, skipped)

    def _concrete(self, type_name: str) -> list[str]:
        named = self.schema.type_map[type_name]
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return sorted(t.name for t in self.schema.get_possible_types(named))
        return [type_name]

    @staticmethod
    def _fragment(level: Level, concrete: str) -> Level:
        if concrete not in level.fragments:
            level.fragments[concrete] = Level(concrete)
        return level.fragments[concrete]

    def _scalars(self, type_name: str) -> list[str]:
        named = self.schema.type_map[type_name]
        selected = ["__typename"]
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and "id" in named.fields:
            selected.append("id")
        if type_name == "User":
            selected.extend(STAFF_DETAILS)
        return selected

    def _render(self, level: Level, indent: int, alias: bool = False) -> str:
        """The selection set of ``level``. Inside a fragment on one of several types, fields
        are aliased ``Type__field``: two types' fields of one name may differ in type."""
        pad = "  " * (indent + 1)

        def key(name: str) -> str:
            return f"{level.type_name}__{name}: {name}" if alias else name

        lines = [
            pad + (name if name in ("__typename", "id") else key(name))
            for name in self._scalars(level.type_name)
        ]
        for field_name, child in level.children.items():
            lines.append(f"{pad}{key(field_name)} {self._render(child, indent + 1)}")
        for concrete, fragment in sorted(level.fragments.items()):
            inner = self._render(fragment, indent + 1, alias=True)
            lines.append(f"{pad}... on {concrete} {inner}")
        return "{\n" + "\n".join(lines) + "\n" + "  " * indent + "}"

    def reachable_from_query(self) -> set[str]:
        """The names of the types a query can reach."""
        query_type = self.schema.query_type
        assert query_type is not None
        seen: set[str] = set()
        stack = [query_type.name]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            named = self.schema.type_map[name]
            if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                stack.extend(t.name for t in self.schema.get_possible_types(named))
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                stack.extend(get_named_type(f.type).name for f in named.fields.values())
        return seen

    def walkable_roots(self) -> list[str]:
        """Query fields that return objects and whose required arguments are known."""
        query_type = self.schema.query_type
        assert query_type is not None
        return [
            name
            for name in self.object_roots()
            if name in self.root_arguments or not _required_arguments(query_type.fields[name])
        ]

    def node_types(self) -> set[str]:
        """The types implementing Node."""
        node = self.schema.type_map["Node"]
        assert isinstance(node, GraphQLInterfaceType)
        return {t.name for t in self.schema.get_possible_types(node)}

    def object_roots(self) -> list[str]:
        """Query fields that return objects."""
        query_type = self.schema.query_type
        assert query_type is not None
        return [
            name
            for name, definition in query_type.fields.items()
            if _object_valued(definition) is not None
        ]
