"""How failures reach clients: ``UserError`` in payloads, clean GraphQL errors otherwise.

Domain errors become API errors here (``present_error``) and, in mutations, in
``schema.mutation`` (the payload's ``errors``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError

from resolvers.errors import DomainError
from schema.enums import ErrorCode
from schema.execution.operation_log import INTERNAL_ERROR_CODE as INTERNAL_ERROR_CODE
from schema.execution.request_errors import BAD_REQUEST_CODE, request_error_code

logger = logging.getLogger("gridline.errors")


@strawberry.type(description="An expected failure of a mutation, for the user to act on.")
class UserError:
    code: ErrorCode
    message: str
    field: list[str] | None = strawberry.field(
        default=None, description="Path to the input field at fault, when there is one."
    )
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="With TOO_MANY_ATTEMPTS: seconds to wait before trying again.",
    )

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(
            code=error.code,
            message=error.message,
            field=error.field,
            retry_after_seconds=error.retry_after_seconds,
        )


def present_error(
    error: GraphQLError, request_id: str, validation_errors: list[GraphQLError] | None = None
) -> GraphQLError:
    """The client's view of one error: domain errors keep their code, bugs are masked, and
    request errors (syntax, validation, variables) are given theirs."""
    if isinstance(error.original_error, CannotGetOperationTypeError):  # on websockets
        reason = error.original_error.as_http_error_reason()
        return GraphQLError(reason, extensions={"code": BAD_REQUEST_CODE})
    code = request_error_code(error, validation_errors or [])
    if code is not None:
        return GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            original_error=error.original_error,
            extensions={**(error.extensions or {}), "code": code},
        )
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error  # permission, limits: already meant for clients, with their code
    if isinstance(original, DomainError):
        extensions: dict[str, Any] = {"code": original.code.value}
        if original.field:
            extensions["field"] = original.field
        return GraphQLError(
            original.message, nodes=error.nodes, path=error.path, extensions=extensions
        )
    path = ".".join(str(p) for p in error.path or ())
    logger.error(
        "unexpected error in %s (request %s)",
        path,
        request_id,
        exc_info=original,
        extra={"request_id": request_id, "graphql_path": path},
    )
    return GraphQLError(
        f"Internal server error. Quote this reference to support: {request_id}.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": INTERNAL_ERROR_CODE, "requestId": request_id},
    )


class ErrorPresenter(SchemaExtension):
    """Rewrites the result's errors with :func:`present_error` (no traces, no SQL)."""

    def on_operation(self) -> Iterator[None]:
        yield
        self._present(self.execution_context.result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription, too (present_error leaves presented ones be)."""
        self._present(result)
        yield

    def _present(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if not errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", "unknown")
        validation = self.execution_context.pre_execution_errors or []
        result.errors = [present_error(e, request_id, validation) for e in errors]
