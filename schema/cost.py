"""Refuse expensive documents before execution: estimated cost and input list lengths.

The estimate walks the operation with fragments and variables resolved. Each field costs
1; a field returning a connection multiplies what it selects by its page size (``first``
or ``last``, else the default page size); other lists multiply by ``ASSUMED_LIST_SIZE``,
except ``nodes(ids:)``, which multiplies by the number of ids. Introspection fields cost 1
and are not descended into, so GraphiQL keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from server.settings import Settings

ASSUMED_LIST_SIZE = 20
"""What a list that is not a connection is assumed to hold (states, a consumer's requests)."""

COST_ERROR_CODE = "QUERY_TOO_COSTLY"
VALIDATION_ERROR_CODE = "VALIDATION"


class _CostEstimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        page_size_default: int,
        page_size_max: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.page_size_default = page_size_default
        self.page_size_max = page_size_max

    def selection_set(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                named = self.schema.get_type(condition.name.value) if condition else None
                total += self.selection_set(selection.selection_set, named or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                named = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selection_set(fragment.selection_set, named or parent, seen | {name})
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType, seen: frozenset[str]) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 1
        definition = parent.fields.get(name)
        if definition is None:
            return 1
        named = get_named_type(definition.type)
        inner = self.selection_set(node.selection_set, named, seen)
        if inner == 0:
            return 1
        arguments = self.arguments(node)
        if named.name.endswith("Connection"):
            multiplier = self.page_size(arguments)
        elif isinstance(get_nullable_type(definition.type), GraphQLList):
            ids = arguments.get("ids")
            if name == "nodes" and isinstance(ids, list):
                multiplier = len(ids)
            elif parent.name.endswith("Connection"):
                multiplier = 1  # edges and nodes of a page: the page size is already counted
            else:
                multiplier = ASSUMED_LIST_SIZE
        else:
            multiplier = 1
        return 1 + multiplier * inner

    def arguments(self, node: FieldNode) -> dict[str, Any]:
        return {
            argument.name.value: value_from_ast_untyped(argument.value, self.variables)
            for argument in node.arguments or ()
        }

    def page_size(self, arguments: Mapping[str, Any]) -> int:
        for key in ("first", "last"):
            value = arguments.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, self.page_size_max))
        return self.page_size_default


def _fragments(document: Any) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def _operation(document: Any, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == operation_name), None)


def _root_type(
    schema: GraphQLSchema, operation: OperationDefinitionNode
) -> GraphQLObjectType | None:
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]


def estimate_cost(
    schema: GraphQLSchema,
    document: Any,
    variables: dict[str, Any] | None,
    settings: Settings,
    operation_name: str | None = None,
) -> int:
    """The estimated cost of the operation of a valid ``document`` (0 when none is chosen)."""
    operation = _operation(document, operation_name)
    root = _root_type(schema, operation) if operation is not None else None
    if operation is None or root is None:
        return 0
    estimator = _CostEstimator(
        schema,
        _fragments(document),
        variables or {},
        settings.page_size_default,
        settings.page_size_max,
    )
    return estimator.selection_set(operation.selection_set, root, frozenset())


def _long_lists(value: Any, path: str, limit: int) -> Iterator[tuple[str, int]]:
    if isinstance(value, list):
        if len(value) > limit:
            yield path, len(value)
        for item in value:
            yield from _long_lists(item, path, limit)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _long_lists(item, f"{path}.{key}", limit)


def input_list_errors(
    document: Any, variables: dict[str, Any] | None, limit: int
) -> list[GraphQLError]:
    """One error per argument (or input field) given a list longer than ``limit``."""
    errors: list[GraphQLError] = []
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
        if not isinstance(node, FieldNode):
            continue
        for argument in node.arguments or ():
            value = value_from_ast_untyped(argument.value, variables or {})
            for path, length in _long_lists(value, argument.name.value, limit):
                errors.append(
                    GraphQLError(
                        f"Argument '{path}' of '{node.name.value}' has {length} items;"
                        f" at most {limit} are allowed.",
                        nodes=[argument],
                        extensions={"code": VALIDATION_ERROR_CODE, "field": path.split(".")},
                    )
                )
    return errors


class QueryLimits(SchemaExtension):
    """Validates the document, then refuses it if its lists are too long or it costs too much.

    Running validation here (rather than as a validation rule) gives us the variables;
    Strawberry skips its own validation when an extension has already filled
    ``pre_execution_errors``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema = context.schema._schema
            errors = list(validate_document(schema, document, context.validation_rules))
            if not errors:
                errors = self._limit_errors(schema, document)
            context.pre_execution_errors = errors
        yield

    def _limit_errors(self, schema: GraphQLSchema, document: Any) -> list[GraphQLError]:
        context = self.execution_context
        errors = input_list_errors(document, context.variables, self.settings.max_input_list_length)
        if errors:
            return errors
        cost = estimate_cost(
            schema, document, context.variables, self.settings, context.operation_name
        )
        limit = self.settings.max_query_cost
        if cost <= limit:
            return []
        return [
            GraphQLError(
                f"Query cost {cost} exceeds the limit of {limit}: ask for smaller pages"
                " (first/last) or fewer nested lists.",
                extensions={"code": COST_ERROR_CODE, "cost": cost, "maxCost": limit},
            )
        ]
