"""Request errors (GraphQL spec, "Request Errors"): the document cannot run as sent.

``OperationChoice`` refuses a document of several operations sent without an
``operationName`` (graphql-core would otherwise run the first), and :func:`request_error_code`
names the errors raised before execution that carry no code of their own, so every error a
client sees has ``extensions.code``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

PARSE_FAILED_CODE = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED_CODE = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT_CODE = "BAD_USER_INPUT"
BAD_REQUEST_CODE = "BAD_REQUEST"

# graphql-core's messages for variable values that do not coerce (coerce_variable_values);
# the limits that read variables may report them among the validation errors.
_COERCION = re.compile(r"Variable '\$\w+' (has invalid value|got invalid value|of required type)")

SEVERAL_OPERATIONS = "Must provide operation name if query contains multiple operations."


class OperationChoice(SchemaExtension):
    """A document of several operations needs ``operationName``: without one it is refused
    before validation, as a request error (``BAD_REQUEST``)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # operation_name falls back to the first operation's name: read what was sent.
        sent_name = getattr(context, "_provided_operation_name", None)
        if document is not None and sent_name is None:
            operations = sum(
                isinstance(definition, OperationDefinitionNode)
                for definition in document.definitions
            )
            if operations > 1:
                error = GraphQLError(SEVERAL_OPERATIONS, extensions={"code": BAD_REQUEST_CODE})
                context.pre_execution_errors = [error]
        yield


def request_error_code(error: GraphQLError, validation_errors: list[GraphQLError]) -> str | None:
    """The code of an uncoded error raised before execution; None for any other error."""
    if error.path is not None or (error.extensions or {}).get("code"):
        return None
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        return None  # a domain error or a bug: presented by its own rules
    if isinstance(error, GraphQLSyntaxError) or isinstance(
        error.original_error, GraphQLSyntaxError
    ):
        return PARSE_FAILED_CODE
    if _COERCION.match(error.message):
        return BAD_USER_INPUT_CODE  # variables that do not coerce to their types
    if any(error is known for known in validation_errors):
        return VALIDATION_FAILED_CODE
    return BAD_USER_INPUT_CODE
