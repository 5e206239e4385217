"""The one error type resolvers raise for expected failures."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why an operation was refused; clients branch on these, so never rename one."""

    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    CONFLICT = "CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    DUPLICATE = "DUPLICATE"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    # A live subscription ended by the server; the client resubscribes with its cursor.
    SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW"
    EVENTS_UNAVAILABLE = "EVENTS_UNAVAILABLE"
    SERVER_SHUTTING_DOWN = "SERVER_SHUTTING_DOWN"


class DomainError(Exception):
    """An expected failure: becomes a ``UserError`` in a payload, or a GraphQL error."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        field: list[str] | None = None,
        *,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        # Set when trying again later can succeed (TOO_MANY_ATTEMPTS): how much later.
        self.retry_after_seconds = retry_after_seconds

    def __repr__(self) -> str:
        return f"DomainError({self.code}, {self.message!r}, field={self.field!r})"


def not_found(what: str, field: list[str] | None = None) -> DomainError:
    """The same answer for "does not exist" and "outside your scope": existence never leaks."""
    return DomainError(ErrorCode.NOT_FOUND, f"{what} not found.", field)


def forbidden(action: str) -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, f"Your role may not {action}.")


def unauthenticated() -> DomainError:
    return DomainError(
        ErrorCode.UNAUTHENTICATED, "Sign in first: send Authorization: Bearer <token>."
    )
