"""Refuse expensive documents before execution: size, depth, aliases, cost, input lists.

Every refusal has a code: ``QUERY_TOO_COMPLEX`` for too many tokens, too deep or too many
aliases (``extensions.limit`` says which, ``extensions.max`` the allowed number),
``QUERY_TOO_COSTLY`` for the estimated cost, ``VALIDATION`` for a too long input list or
input text holding U+0000.

The estimate walks the operation with fragments and variables resolved. Each field costs
1; a field returning a connection multiplies what it selects by its page size (``first``
or ``last``, else the default page size); other lists multiply by ``ASSUMED_LIST_SIZE``,
except ``nodes(ids:)``, which multiplies by the number of ids. Introspection fields cost 1
and are not descended into, so GraphiQL keeps working.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    ArgumentNode,
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
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import validate_document

from core.settings import Settings

ASSUMED_LIST_SIZE = 20
"""What a list that is not a connection is assumed to hold (states, a consumer's requests)."""

COST_ERROR_CODE = "QUERY_TOO_COSTLY"
COMPLEXITY_ERROR_CODE = "QUERY_TOO_COMPLEX"
VALIDATION_ERROR_CODE = "VALIDATION"

# graphql-core's parser stops with this GraphQLSyntaxError past parse(max_tokens=...).
_TOO_MANY_TOKENS = re.compile(r"Syntax Error: Document contains more than \d+ tokens\.")


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


def _argument_values(
    document: Any, variables: dict[str, Any] | None
) -> Iterator[tuple[FieldNode, ArgumentNode, Any]]:
    """Every argument of every field in ``document``, with its value (variables resolved)."""
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
        if not isinstance(node, FieldNode):
            continue
        for argument in node.arguments or ():
            yield node, argument, value_from_ast_untyped(argument.value, variables or {})


def input_list_errors(
    document: Any, variables: dict[str, Any] | None, limit: int
) -> list[GraphQLError]:
    """One error per argument (or input field) given a list longer than ``limit``."""
    errors: list[GraphQLError] = []
    for node, argument, value in _argument_values(document, variables):
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


def _texts_with_nul(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, list):
        for item in value:
            yield from _texts_with_nul(item, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts_with_nul(item, f"{path}.{key}")


def nul_text_errors(document: Any, variables: dict[str, Any] | None) -> list[GraphQLError]:
    """One error per argument (or input field) whose text holds U+0000. PostgreSQL cannot
    store it (nor compare with it), so it would fail as a server error there; SQLite
    refuses it too, so that both behave alike."""
    return [
        GraphQLError(
            f"Argument '{path}' of '{node.name.value}' contains the NUL character (U+0000).",
            nodes=[argument],
            extensions={"code": VALIDATION_ERROR_CODE, "field": path.split(".")},
        )
        for node, argument, value in _argument_values(document, variables)
        for path in dict.fromkeys(_texts_with_nul(value, argument.name.value))
    ]


@lru_cache(maxsize=8)
def _complexity_rules(max_aliases: int, max_depth: int) -> tuple[type[ASTValidationRule], ...]:
    """Strawberry's alias and depth rules, made once per limit (each call makes a class)."""
    return aliases_rule(max_aliases), depth_rule(max_depth, should_ignore=None)


def _too_complex(error: GraphQLError, limit: str, maximum: int) -> GraphQLError:
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        extensions={"code": COMPLEXITY_ERROR_CODE, "limit": limit, "max": maximum},
    )


def complexity_errors(
    schema: GraphQLSchema, document: Any, settings: Settings
) -> list[GraphQLError]:
    """The document's errors against the alias and depth limits (they need no variables)."""
    max_aliases, max_depth = settings.max_aliases, settings.max_query_depth
    aliases, depth = _complexity_rules(max_aliases, max_depth)
    errors = [
        _too_complex(error, "aliases", max_aliases)
        for error in validate_document(schema, document, (aliases,))
    ]
    errors += [
        _too_complex(error, "depth", max_depth)
        for error in validate_document(schema, document, (depth,))
    ]
    return errors


class QueryLimits(SchemaExtension):
    """Applies ``settings``' limits that read the variables; every refusal carries an
    ``extensions.code``.

    The token limit is a parser option (its syntax error is given a code after parsing).
    The limits that need no variables (depth, aliases) run with validation, once per
    document, in ``schema.execution.document_cache.RememberedDocuments``, which is listed
    before this extension; here, on every request, input lists, NUL characters and cost.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.settings.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if _TOO_MANY_TOKENS.match(error.message):
                # The same object is already in the result: give it its code in place.
                error.extensions = {
                    "code": COMPLEXITY_ERROR_CODE,
                    "limit": "tokens",
                    "max": self.settings.max_tokens,
                }

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors == []:
            context.pre_execution_errors = self._limit_errors(context.schema._schema, document)
        yield

    def _limit_errors(self, schema: GraphQLSchema, document: Any) -> list[GraphQLError]:
        context = self.execution_context
        errors = input_list_errors(document, context.variables, self.settings.max_input_list_length)
        errors += nul_text_errors(document, context.variables)
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
