"""A live value into the bytes of a ``next`` message, and a domain error into the bytes
the standard way would send."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSchema, execute

from resolvers.context import RequestContext
from resolvers.errors import DomainError
from schema.errors import present_error
from schema.execution.live.documents import LiveDocument


async def execute_payload(
    schema: GraphQLSchema,
    execution_context_class: Any,
    document: LiveDocument,
    variables: dict[str, Any],
    context: RequestContext,
    value: Any,
) -> bytes:
    """The ``next`` payload of one value: the document's selection executed on it."""
    result = execute(
        schema,
        document.document,
        root_value=document.live.convert(value),
        context_value=context,
        variable_values=variables,
        operation_name=document.name,
        executor_class=execution_context_class,
    )
    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
        result = await result
    payload: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
    errors = result.errors  # type: ignore[union-attr]
    if errors:
        payload["errors"] = [present_error(e, context.request_id).formatted for e in errors]
    return orjson.dumps(payload)


def error_payload(document: LiveDocument, context: RequestContext, error: DomainError) -> bytes:
    """How the standard way ends a subscription with a domain error."""
    located = GraphQLError(
        error.message, nodes=[document.node], path=[document.key], original_error=error
    )
    formatted = present_error(located, context.request_id).formatted
    return orjson.dumps({"data": None, "errors": [formatted]})
