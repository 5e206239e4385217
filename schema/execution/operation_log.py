"""One log line and one set of metrics per GraphQL operation.

The line says who (request id, user id), what (operation name and type), how long, how it
ended and how many SQL statements it cost. It never holds variables, documents or error
messages, which can carry passwords, tokens or personal data: only error codes.

Outcomes: ``ok``; ``user_error`` (a domain error, as a GraphQL error or in a mutation
payload's ``errors``); ``refused`` (the document was not run: syntax, validation, limits,
trusted documents); ``internal_error`` (a bug, logged with its traceback by
``schema.errors``); ``cancelled`` (the request timed out or went away).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from core.metrics import observe_operation
from core.operation_tally import tallying

logger = logging.getLogger("gridline.request")

INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR"
# The database could not be reached before execution (a read tried twice): try again.
SERVICE_UNAVAILABLE_CODE = "SERVICE_UNAVAILABLE"
REQUEST_REFUSALS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
_NAME_LIMIT = 100  # operation names are the client's: a long one is cut in the log


def _codes(errors: list[GraphQLError]) -> list[str]:
    codes = []
    for error in errors:
        code = (error.extensions or {}).get("code")
        if isinstance(code, str):
            codes.append(code)
    return codes


def classify(errors: list[GraphQLError], user_error_codes: list[str]) -> tuple[str, list[str]]:
    """The outcome of an operation that answered, and its error codes (each once, in order)."""
    codes = list(dict.fromkeys([*_codes(errors), *user_error_codes]))
    if INTERNAL_ERROR_CODE in codes:
        return "internal_error", codes
    if errors and all(not error.path for error in errors):
        return "refused", codes  # no error has a path: nothing was executed
    if errors or user_error_codes:
        return "user_error", codes
    return "ok", codes


def log_operation(
    context: Any,
    name: str | None,
    operation_type: str,
    outcome: str,
    codes: list[str],
    duration: float,
    statements: int | None,
) -> None:
    """Write the operation's line and count it in the metrics."""
    actor = getattr(context, "actor", None)
    request_id = getattr(context, "request_id", None)
    shown = name[:_NAME_LIMIT] if name else None
    latency = None if operation_type == OperationType.SUBSCRIPTION.value else duration
    observe_operation(shown, operation_type, outcome, latency)
    logger.info(
        "%s %s: %s%s in %.1f ms",
        operation_type,
        shown or "(anonymous)",
        outcome,
        f" {','.join(codes)}" if codes else "",
        duration * 1000,
        extra={
            "request_id": request_id,
            "user_id": actor.user_id if actor is not None else None,
            "operation": shown,
            "operation_type": operation_type,
            "duration_ms": round(duration * 1000, 1),
            "outcome": outcome,
            "error_codes": codes,
            "sql_statements": statements,
        },
    )


def log_refused(context: Any, operation_name: str | None, error: GraphQLError) -> None:
    """An operation refused before it reached the schema (trusted documents, introspection)."""
    log_operation(context, operation_name, "unknown", "refused", _codes([error]), 0.0, 0)


class OperationLog(SchemaExtension):
    """Logs and measures each operation; listed first, so it sees the presented errors."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        outcome: str | None = None
        codes: list[str] = []
        with tallying() as tally:
            try:
                yield
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            except REQUEST_REFUSALS as refusal:
                # No query, no such operation, a mutation over GET: the view answers a
                # request error; nothing failed here.
                outcome = "refused"
                codes = [
                    "METHOD_NOT_ALLOWED"
                    if isinstance(refusal, InvalidOperationTypeError)
                    else "BAD_REQUEST"
                ]
                raise
            except Exception:
                logger.exception("the operation failed outside its resolvers")
                outcome, codes = "internal_error", [INTERNAL_ERROR_CODE]
                raise
            finally:
                context = self.execution_context
                if outcome is None:
                    errors = getattr(context.result, "errors", None) or []
                    outcome, codes = classify(errors, tally.user_error_codes)
                log_operation(
                    context.context,
                    context.operation_name,
                    _operation_type(context),
                    outcome,
                    codes,
                    time.perf_counter() - started,
                    tally.statements,
                )


def _operation_type(context: Any) -> str:
    try:
        operation_type: OperationType = context.operation_type
    except RuntimeError:  # no document: it did not parse
        return "unknown"
    return operation_type.value
