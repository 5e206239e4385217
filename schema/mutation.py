"""The one way to write a mutation: ``@payload_mutation`` under ``@strawberry.mutation``.

    @strawberry.mutation(description=requirement("Create a state.", Role.ADMIN),
                         permission_classes=[IsAuthenticated])
    @payload_mutation(guard=admin_only(resolvers.MANAGE_GEOGRAPHY))
    async def create_state(self, info: Info, input: CreateStateInput) -> StatePayload:
        new = resolvers.NewState(code=input.code, name=input.name)
        return StatePayload(state=State.from_model(await resolvers.create_state(info.context, new)))

The function decodes its input, calls one resolver and returns the payload of a success.
The decorator runs it so that:

- the ``guard`` (the role check) runs first, before the input is read, so that another
  role gets FORBIDDEN whatever it sends; the resolver checks role and scope again for
  callers that are not GraphQL;
- a ``DomainError`` raised anywhere (the guard, decoding an id, the resolver) becomes the
  payload's ``errors`` (the payload type is the function's return annotation), except
  UNAUTHENTICATED, which the user cannot fix in a form and so stays a GraphQL error
  (``extensions.code``), as the API contract says.

The write session and the event are the resolver's: it validates before opening the
transaction (``core.db.write_session``), writes the outbox event inside it, and drops
cached actors after the commit. The admin command line and the tests call resolvers
directly and get the same transaction and events, so they stay below GraphQL.

Every payload type has ``errors: list[UserError]`` defaulting to empty.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar, cast

from core.operation_tally import record_user_error
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode
from schema.context import Info
from schema.errors import UserError

P = ParamSpec("P")
PayloadT = TypeVar("PayloadT")

Guard = Callable[[RequestContext], object]
"""Raises a ``DomainError`` (FORBIDDEN, UNAUTHENTICATED) when the caller may not try."""

Mutation = Callable[P, Awaitable[PayloadT]]


def payload_mutation(
    *, guard: Guard | None = None
) -> Callable[[Mutation[P, PayloadT]], Mutation[P, PayloadT]]:
    """Run the mutation behind ``guard``; domain errors become the payload's ``errors``."""

    def decorate(function: Mutation[P, PayloadT]) -> Mutation[P, PayloadT]:
        @functools.cache
        def payload_type() -> Callable[..., PayloadT]:
            # Resolved on first use: the payload class may be defined after the mutation.
            hint: Callable[..., PayloadT] = typing.get_type_hints(function)["return"]
            return hint

        # Strawberry reads the signature (through ``__wrapped__``) and the annotations of
        # the function itself, and passes ``info`` by keyword; the method's ``info`` is its
        # second parameter.
        @functools.wraps(function)
        async def run(*args: P.args, **kwargs: P.kwargs) -> PayloadT:
            try:
                if guard is not None:
                    info = cast(Info, kwargs["info"] if "info" in kwargs else args[1])
                    guard(info.context)
                return await function(*args, **kwargs)
            except DomainError as error:
                if error.code is ErrorCode.UNAUTHENTICATED:
                    raise
                record_user_error(error.code.value)
                return payload_type()(errors=[UserError.from_domain(error)])

        return run

    return decorate
