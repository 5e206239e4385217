"""What the administration mutations share: the ADMIN guard, and reading update inputs.

In update inputs a field left out keeps its value. Strawberry gives ``UNSET`` for a
field the client left out and ``None`` for an explicit null; resolvers receive
``UNCHANGED`` for the first. Null clears a field only where the field may be empty;
elsewhere it is refused, because silently ignoring it would hide a client bug.
"""

from __future__ import annotations

from typing import TypeVar

import strawberry

from resolvers.admin import UNCHANGED, Unchanged, require_admin
from resolvers.context import RequestContext
from resolvers.validation import input_field, invalid
from schema.mutation import Guard
from schema.relay import decode_id

ValueT = TypeVar("ValueT")

CODE_DESCRIPTION = "1 to 16 letters, digits or '-'; stored in upper case; unique."
NAME_DESCRIPTION = "Up to 120 characters."
PHONE_DESCRIPTION = "E.164, e.g. +919812345678 (spaces and dashes are dropped)."
ERRORS_DESCRIPTION = "Why nothing was saved; empty when the mutation succeeded."


def is_unset(value: object) -> bool:
    return value is strawberry.UNSET


def required_change(value: ValueT | None, name: str) -> ValueT | Unchanged:
    """A field that cannot be empty: left out is UNCHANGED, null is a VALIDATION error."""
    if is_unset(value):
        return UNCHANGED
    if value is None:
        raise invalid(f"`{name}` cannot be null; leave it out to keep it.", input_field(name))
    return value


def optional_change(value: ValueT | None) -> ValueT | Unchanged | None:
    """A field that may be empty: left out is UNCHANGED, null clears it."""
    return UNCHANGED if is_unset(value) else value


def id_change(value: strawberry.ID | None, type_name: str, name: str) -> int | Unchanged:
    """A required reference (global id of ``type_name``) that may be left out."""
    given = required_change(value, name)
    if given is UNCHANGED:
        return UNCHANGED
    return decode_id(given, type_name, input_field(name))


def optional_id_change(
    value: strawberry.ID | None, type_name: str, name: str
) -> int | Unchanged | None:
    """A reference that may be left out (UNCHANGED) or cleared (null)."""
    given = optional_change(value)
    if given is UNCHANGED or given is None:
        return given
    return decode_id(given, type_name, input_field(name))


def optional_id(value: strawberry.ID | None, type_name: str, name: str) -> int | None:
    """A reference of a create input that may be null."""
    return None if value is None else decode_id(value, type_name, input_field(name))


def admin_only(action: str) -> Guard:
    """The guard of an administration mutation: ADMIN, checked before the input is read."""

    def guard(ctx: RequestContext) -> None:
        require_admin(ctx, action)

    return guard
