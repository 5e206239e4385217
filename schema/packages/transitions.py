"""Mutations of the package request workflow: create, then each transition."""

from __future__ import annotations

from typing import Any

import strawberry

from models.packages import RequestAction
from resolvers.context import RequestContext
from resolvers.packages import requests as requests_resolvers
from resolvers.packages import transitions as resolvers
from resolvers.packages.rules import ACTORS, CREATORS
from schema.context import Info
from schema.enums import ServiceType
from schema.errors import UserError
from schema.mutation import Guard, payload_mutation
from schema.packages.requests import PackageRequest
from schema.permissions import IsAuthenticated, requirement
from schema.relay import decode_id

EXPECTED_VERSION = (
    "The request's version as you saw it: if it changed meanwhile, CONFLICT and nothing changes."
)


@strawberry.type(description="The request after the change, or why it did not happen.")
class PackageRequestPayload:
    request: PackageRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="A request to register for a consumer: the service asked for.")
class CreatePackageRequestInput:
    consumer_id: strawberry.ID
    service: ServiceType
    requested_package_id: strawberry.ID | None = strawberry.field(
        default=None, description="The package to move to: UPGRADE and DOWNGRADE only."
    )
    note: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string per attempt (a UUID). Retrying with the same key "
        "returns the first result and creates nothing twice.",
    )


@strawberry.input(
    description="The request to assign (or reassign) and the technician to give it to."
)
class AssignPackageRequestInput:
    request_id: strawberry.ID
    assignee_id: strawberry.ID = strawberry.field(
        description="An active technician of the request's plant (see assignableTechnicians)."
    )
    note: str | None = None
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input(
    description="A step with an optional note (processPackageRequest, completePackageRequest)."
)
class NoteTransitionInput:
    request_id: strawberry.ID
    note: str | None = None
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input(
    description="A step that needs a reason (rejectPackageRequest, cancelPackageRequest, "
    "sendBackPackageRequest)."
)
class ReasonTransitionInput:
    request_id: strawberry.ID
    reason: str = strawberry.field(description="Why; the people concerned are told.")
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


def _request_id(value: strawberry.ID) -> int:
    return decode_id(value, "PackageRequest", ["input", "requestId"])


def _roles(action: RequestAction) -> list[Any]:
    return sorted(ACTORS[action])


def _may(action: RequestAction) -> Guard:
    """The guard of a transition: the role first, so that another role gets FORBIDDEN,
    not VALIDATION, whatever it sends."""

    def guard(ctx: RequestContext) -> None:
        resolvers.authorize(ctx, action)

    return guard


@strawberry.type
class PackageRequestsMutation:
    @strawberry.mutation(
        description=requirement(
            "Register a request for a consumer in your scope. A consumer has at most one open "
            "request (DUPLICATE names it).",
            *sorted(CREATORS),
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=requests_resolvers.authorize_create)
    async def create_package_request(
        self, info: Info, input: CreatePackageRequestInput
    ) -> PackageRequestPayload:
        new = requests_resolvers.NewPackageRequest(
            consumer_id=decode_id(input.consumer_id, "Consumer", ["input", "consumerId"]),
            service=input.service,
            requested_package_id=decode_id(
                input.requested_package_id, "Package", ["input", "requestedPackageId"]
            )
            if input.requested_package_id is not None
            else None,
            note=input.note,
            idempotency_key=input.idempotency_key,
        )
        row = await requests_resolvers.create_request(info.context, new)
        return PackageRequestPayload(request=PackageRequest.from_model(row))

    @strawberry.mutation(
        description=requirement(
            "REQUESTED -> IN_PROCESS: give the request to a technician of its plant.",
            *_roles(RequestAction.ASSIGN),
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=_may(RequestAction.ASSIGN))
    async def assign_package_request(
        self, info: Info, input: AssignPackageRequestInput
    ) -> PackageRequestPayload:
        return await _transition(info, RequestAction.ASSIGN, _assigned(input))

    @strawberry.mutation(
        description=requirement(
            "IN_PROCESS: give the request to another technician of its plant.",
            *_roles(RequestAction.REASSIGN),
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=_may(RequestAction.REASSIGN))
    async def reassign_package_request(
        self, info: Info, input: AssignPackageRequestInput
    ) -> PackageRequestPayload:
        return await _transition(info, RequestAction.REASSIGN, _assigned(input))

    @strawberry.mutation(
        description=requirement(
            "REQUESTED or IN_PROCESS -> REJECTED, with a reason. A technician may reject only "
            "their own assignments.",
            *_roles(RequestAction.REJECT),
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=_may(RequestAction.REJECT))
    async def reject_package_request(
        self, info: Info, input: ReasonTransitionInput
    ) -> PackageRequestPayload:
        return await _transition(info, RequestAction.REJECT, _reasoned(input))

    @strawberry.mutation(
        description=requirement(
            "REQUESTED -> CANCELLED, with a reason.", *_roles(RequestAction.CANCEL)
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=_may(RequestAction.CANCEL))
    async def cancel_package_request(
        self, info: Info, input: ReasonTransitionInput
    ) -> PackageRequestPayload:
        return await _transition(info, RequestAction.CANCEL, _reasoned(input))

    @strawberry.mutation(
        description=requirement(
            "IN_PROCESS -> REVIEW: the assigned technician has done the work.",
            *_roles(RequestAction.PROCESS),
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=_may(RequestAction.PROCESS))
    async def process_package_request(
        self, info: Info, input: NoteTransitionInput
    ) -> PackageRequestPayload:
        return await _transition(info, RequestAction.PROCESS, _noted(input))

    @strawberry.mutation(
        description=requirement(
            "REVIEW -> COMPLETED: approve the work. The consumer's package or status changes "
            "in the same transaction (CONFLICT if the consumer changed since the request).",
            *_roles(RequestAction.COMPLETE),
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=_may(RequestAction.COMPLETE))
    async def complete_package_request(
        self, info: Info, input: NoteTransitionInput
    ) -> PackageRequestPayload:
        return await _transition(info, RequestAction.COMPLETE, _noted(input))

    @strawberry.mutation(
        description=requirement(
            "REVIEW -> IN_PROCESS: not approved; back to the technician with a reason.",
            *_roles(RequestAction.SEND_BACK),
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=_may(RequestAction.SEND_BACK))
    async def send_back_package_request(
        self, info: Info, input: ReasonTransitionInput
    ) -> PackageRequestPayload:
        return await _transition(info, RequestAction.SEND_BACK, _reasoned(input))


def _assigned(input: AssignPackageRequestInput) -> resolvers.TransitionInput:
    return resolvers.TransitionInput(
        request_id=_request_id(input.request_id),
        assignee_id=decode_id(input.assignee_id, "User", ["input", "assigneeId"]),
        note=input.note,
        expected_version=input.expected_version,
    )


def _noted(input: NoteTransitionInput) -> resolvers.TransitionInput:
    return resolvers.TransitionInput(
        request_id=_request_id(input.request_id),
        note=input.note,
        expected_version=input.expected_version,
    )


def _reasoned(input: ReasonTransitionInput) -> resolvers.TransitionInput:
    return resolvers.TransitionInput(
        request_id=_request_id(input.request_id),
        note=input.reason,
        expected_version=input.expected_version,
    )


async def _transition(
    info: Info, action: RequestAction, given: resolvers.TransitionInput
) -> PackageRequestPayload:
    row = await resolvers.transition(info.context, action, given)
    return PackageRequestPayload(request=PackageRequest.from_model(row))
