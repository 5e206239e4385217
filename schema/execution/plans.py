"""Plans of selections: what each field of a document's object selections reads, decided once.

graphql-core completes a value field by field: for every field of every object it builds a
resolve info, converts arguments, calls a resolver wrapper, checks for awaitables and
completes the result, about 8 microseconds a field; a page of 50 requests has over a
thousand fields. A plan decides all of that once per selection of a parsed document (and
parsed documents are remembered, see ``schema.execution.document_cache``), so that
``schema.execution.batched`` only reads attributes, calls the few field functions that
load something, and coerces leaves.

A selection is planned only where nothing can differ from standard execution: no
directives in the operation (``@skip``/``@include`` would make it depend on variables), no
arguments on the planned fields, no permission classes or field extensions, and field
functions that take at most ``self``/``root`` and ``info``. Anything else raises
:class:`NotPlannable` and that selection runs the standard way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum, auto
from types import MethodType
from typing import Any

from graphql import (
    FieldNode,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Visitor,
    VisitorAction,
    is_leaf_type,
    visit,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetails, FragmentDetails
from graphql.language import Node, OperationDefinitionNode
from strawberry import relay
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

DEFINITION_BACKREF = "strawberry-definition"
TYPENAME = "__typename"

FieldDetailsList = list[FieldDetails]
CollectSubfields = Callable[[GraphQLObjectType, FieldDetailsList], CollectedFields]


class NotPlannable(Exception):
    """This selection runs through standard execution."""


# What a field's value becomes: leaves are coerced, objects follow their plan, lists and
# non-null wrap another completion.
@dataclass(frozen=True, slots=True)
class Leaf:
    type: GraphQLLeafType


@dataclass(frozen=True, slots=True)
class ObjectOf:
    plan: ObjectPlan


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Completion


@dataclass(frozen=True, slots=True)
class NonNull:
    inner: Completion


Completion = Leaf | ObjectOf | ListOf | NonNull


class FieldKind(Enum):
    ATTRIBUTE = auto()  # a plain attribute of the source object
    LEAF_ATTRIBUTE = auto()  # the same, of a scalar or enum type (the commonest: inlined)
    TYPENAME = auto()  # __typename: the object type's name
    GLOBAL_ID = auto()  # a relay Node's id: its type name and id attribute, encoded
    FUNCTION = auto()  # a field function, called with the source (and info)


@dataclass(frozen=True, slots=True)
class FieldPlan:
    key: str  # the response key (the alias, or the field's name)
    kind: FieldKind
    completion: Completion | None  # None for TYPENAME
    attribute: str = ""  # ATTRIBUTE and GLOBAL_ID: the attribute to read
    field: StrawberryField | None = None  # FUNCTION
    resolver: Callable[..., Any] | None = None  # FUNCTION
    pass_source: bool = False  # FUNCTION: the source as the first positional argument
    source_keyword: str | None = None  # FUNCTION: the source as this keyword (root, parent)
    info_keyword: str | None = None  # FUNCTION: info as this keyword
    leaf: GraphQLLeafType | None = None  # LEAF_ATTRIBUTE: the type coercing the value
    non_null: bool = False  # LEAF_ATTRIBUTE: whether null is refused


@dataclass(frozen=True, slots=True)
class ObjectPlan:
    type: GraphQLObjectType
    fields: tuple[FieldPlan, ...]


def completion_for(
    return_type: GraphQLOutputType, details: FieldDetailsList, collect: CollectSubfields
) -> Completion:
    """How to complete a value of ``return_type`` selected by ``details``."""
    if isinstance(return_type, GraphQLNonNull):
        return NonNull(completion_for(return_type.of_type, details, collect))
    if isinstance(return_type, GraphQLList):
        return ListOf(completion_for(return_type.of_type, details, collect))
    if is_leaf_type(return_type):
        return Leaf(return_type)
    if isinstance(return_type, GraphQLObjectType):
        return ObjectOf(plan_object(return_type, details, collect))
    raise NotPlannable(f"{return_type} is abstract")  # the runtime type decides the plan


def plan_object(
    object_type: GraphQLObjectType, details: FieldDetailsList, collect: CollectSubfields
) -> ObjectPlan:
    """The plan of the sub-selections of ``details`` on ``object_type``."""
    collected = collect(object_type, details)
    if collected.new_defer_usages or collected.forbidden_directive_instances:
        raise NotPlannable("incremental delivery")
    fields = tuple(
        _plan_field(object_type, key, field_details, collect)
        for key, field_details in collected.grouped_field_set.items()
    )
    return ObjectPlan(object_type, fields)


def _plan_field(
    parent: GraphQLObjectType, key: str, details: FieldDetailsList, collect: CollectSubfields
) -> FieldPlan:
    nodes: list[FieldNode] = [detail.node for detail in details]
    name = nodes[0].name.value
    if name == TYPENAME:
        return FieldPlan(key, FieldKind.TYPENAME, None)
    if any(node.arguments for node in nodes) or any(
        detail.fragment_variable_values for detail in details
    ):
        raise NotPlannable(f"{parent.name}.{name} has arguments")
    graphql_field = parent.fields.get(name)
    field = graphql_field.extensions.get(DEFINITION_BACKREF) if graphql_field else None
    if graphql_field is None or not isinstance(field, StrawberryField):
        raise NotPlannable(f"{parent.name}.{name} is not a Strawberry field")
    if field.extensions or field.permission_classes:
        raise NotPlannable(f"{parent.name}.{name} has extensions or permissions")
    completion = completion_for(graphql_field.type, details, collect)
    resolver = field.base_resolver
    if resolver is None:
        leaf = completion.inner if isinstance(completion, NonNull) else completion
        if isinstance(leaf, Leaf):
            return FieldPlan(
                key,
                FieldKind.LEAF_ATTRIBUTE,
                completion,
                attribute=field.python_name,
                leaf=leaf.type,
                non_null=leaf is not completion,
            )
        return FieldPlan(key, FieldKind.ATTRIBUTE, completion, attribute=field.python_name)
    id_attribute = _default_node_id(parent, resolver)
    if id_attribute is not None:
        return FieldPlan(key, FieldKind.GLOBAL_ID, completion, attribute=id_attribute)
    if resolver.arguments or isinstance(
        resolver.wrapped_func, (staticmethod, classmethod, MethodType)
    ):
        raise NotPlannable(f"{parent.name}.{name}: resolver takes arguments")
    source_parameter = resolver.root_parameter or resolver.parent_parameter
    info_parameter = resolver.info_parameter
    return FieldPlan(
        key,
        FieldKind.FUNCTION,
        completion,
        field=field,
        resolver=resolver.wrapped_func,
        pass_source=resolver.self_parameter is not None,
        source_keyword=source_parameter.name if source_parameter else None,
        info_keyword=info_parameter.name if info_parameter else None,
    )


def _default_node_id(parent: GraphQLObjectType, resolver: StrawberryResolver[Any]) -> str | None:
    """The id attribute, when ``resolver`` is relay's ``Node.id`` and ``parent`` keeps the
    default id and type name (``getattr(self, <NodeID attribute>)``, the GraphQL name)."""
    definition = parent.extensions.get(DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        return None
    function = getattr(resolver.wrapped_func, "__func__", None)
    if getattr(function, "__qualname__", None) != "Node._id":
        return None
    default_id = relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
    default_typename = relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
    if (
        origin.resolve_id.__func__ is not default_id  # type: ignore[attr-defined]
        or origin.resolve_typename.__func__ is not default_typename  # type: ignore[attr-defined]
    ):
        return None
    return origin.resolve_id_attr()


class _DirectiveFinder(Visitor):
    found = False

    def enter_directive(self, *_: object) -> VisitorAction:
        self.found = True
        return self.BREAK


def uses_directives(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDetails]
) -> bool:
    """Whether the operation, or any fragment it may spread, carries a directive."""
    nodes: list[Node] = [operation, *(fragment.definition for fragment in fragments.values())]
    for node in nodes:
        finder = _DirectiveFinder()
        visit(node, finder)
        if finder.found:
            return True
    return False
