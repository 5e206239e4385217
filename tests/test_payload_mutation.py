"""``@payload_mutation``: the guard before the input, domain errors into the payload.

The API tests exercise it through every mutation; these pin its rules on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest

from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from schema.context import Info
from schema.errors import UserError
from schema.mutation import payload_mutation


@dataclass
class Payload:
    value: int | None = None
    errors: list[UserError] = field(default_factory=list)


CONTEXT = cast(RequestContext, object())
INFO = cast(Info, SimpleNamespace(context=CONTEXT))


def refuse(code: ErrorCode) -> Any:
    def guard(ctx: RequestContext) -> None:
        raise DomainError(code, f"refused: {code.value}")

    return guard


async def test_a_success_is_the_functions_payload_with_no_errors() -> None:
    @payload_mutation()
    async def mutate(self: object, info: Info, value: int) -> Payload:
        return Payload(value=value * 2)

    assert await mutate(None, info=INFO, value=21) == Payload(value=42, errors=[])


async def test_a_domain_error_becomes_the_payloads_errors_and_nothing_else() -> None:
    @payload_mutation()
    async def mutate(self: object, info: Info) -> Payload:
        raise DomainError(ErrorCode.VALIDATION, "Too long.", ["input", "name"])

    payload = await mutate(None, info=INFO)
    assert payload.value is None
    [error] = payload.errors
    assert (error.code, error.message, error.field) == (
        ErrorCode.VALIDATION,
        "Too long.",
        ["input", "name"],
    )


async def test_the_guard_sees_the_context_and_runs_before_the_input_is_read() -> None:
    seen: list[object] = []
    ran: list[bool] = []

    def guard(ctx: RequestContext) -> None:
        seen.append(ctx)
        raise DomainError(ErrorCode.FORBIDDEN, "Not yours.")

    @payload_mutation(guard=guard)
    async def mutate(self: object, info: Info) -> Payload:
        ran.append(True)  # decoding the input would happen here: a VALIDATION error
        raise DomainError(ErrorCode.VALIDATION, "Bad id.")

    payload = await mutate(None, info=INFO)
    assert [error.code for error in payload.errors] == [ErrorCode.FORBIDDEN]
    assert seen == [CONTEXT]
    assert ran == []


async def test_info_given_by_position_reaches_the_guard_too() -> None:
    seen: list[object] = []

    @payload_mutation(guard=seen.append)
    async def mutate(self: object, info: Info) -> Payload:
        return Payload(value=1)

    assert await mutate(None, INFO) == Payload(value=1)
    assert seen == [CONTEXT]


@pytest.mark.parametrize("where", ["guard", "body"])
async def test_not_being_signed_in_stays_a_graphql_error(where: str) -> None:
    @payload_mutation(guard=refuse(ErrorCode.UNAUTHENTICATED) if where == "guard" else None)
    async def mutate(self: object, info: Info) -> Payload:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Sign in.")

    with pytest.raises(DomainError) as raised:
        await mutate(None, info=INFO)
    assert raised.value.code is ErrorCode.UNAUTHENTICATED


async def test_other_exceptions_are_not_swallowed() -> None:
    @payload_mutation()
    async def mutate(self: object, info: Info) -> Payload:
        raise LookupError("a bug")

    with pytest.raises(LookupError):
        await mutate(None, info=INFO)
