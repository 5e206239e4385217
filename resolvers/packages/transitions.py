"""The workflow transitions of a package request, each one guarded transaction.

Like Saleor's OrderConfirm: load in scope, check who may act and the stage, apply
with a guarded UPDATE (so that of two people pressing buttons at once exactly one
wins), record the event, write the outbox, notify.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from core.db import write_session
from models.base import utcnow
from models.consumers import Consumer, ConsumerHistoryEntry, ConsumerHistoryKind, ConsumerStatus
from models.events import EventTopic, NotificationKind
from models.geography import Plant
from models.packages import (
    CLOSED_STAGES,
    TRANSITIONS,
    PackageRequest,
    RequestAction,
    RequestEvent,
    ServiceType,
)
from models.staff import Role, User, UserPlant
from resolvers.context import RequestContext
from resolvers.errors import DomainError, ErrorCode, forbidden, not_found
from resolvers.events.notifications import notify, record_event
from resolvers.packages.requests import SUBJECT, clean_note, request_number
from resolvers.packages.rules import ACTORS, ASSIGNED_ONLY, VERBS
from resolvers.validation import input_field, shortened

# Actions whose note is a reason the other side must read.
REASON_REQUIRED = frozenset({RequestAction.REJECT, RequestAction.CANCEL, RequestAction.SEND_BACK})
# consumer_history.note: the request's history keeps the whole note.
CONSUMER_HISTORY_NOTE_MAX_LENGTH = 500


@dataclass(frozen=True, slots=True)
class TransitionInput:
    request_id: int
    note: str | None = None
    expected_version: int | None = None
    assignee_id: int | None = None


def stale() -> DomainError:
    return DomainError(
        ErrorCode.CONFLICT,
        "Someone else changed this request meanwhile; reload it and try again.",
        input_field("expectedVersion"),
    )


async def _load_in_scope(session: AsyncSession, actor: Actor, request_id: int) -> PackageRequest:
    statement = sa.select(PackageRequest).where(
        col(PackageRequest.id) == request_id, actor.scope.restrict(col(PackageRequest.plant_id))
    )
    request = (await session.execute(statement)).scalar_one_or_none()
    if request is None:
        raise not_found("Package request", input_field("requestId"))
    return request


def _check_actor(actor: Actor, action: RequestAction, request: PackageRequest) -> None:
    if actor.role in ASSIGNED_ONLY and request.assignee_id != actor.user_id:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            f"Only the technician assigned to {request_number(request.id or 0)} may "
            f"{VERBS[action]} it.",
        )


def _check_stage(action: RequestAction, request: PackageRequest) -> None:
    allowed, _ = TRANSITIONS[action]
    if request.stage not in allowed:
        from_stages = " or ".join(sorted(stage.value for stage in allowed))
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Cannot {VERBS[action]} {request_number(request.id or 0)}: it is "
            f"{request.stage.value}, and only a request in {from_stages} can be.",
        )


async def _check_assignee(
    session: AsyncSession, request: PackageRequest, assignee_id: int | None
) -> int:
    field = input_field("assigneeId")
    if assignee_id is None:
        raise DomainError(ErrorCode.VALIDATION, "Choose a technician.", field)
    works_here = sa.select(col(UserPlant.user_id)).where(
        col(UserPlant.plant_id) == request.plant_id
    )
    statement = sa.select(col(User.id)).where(
        col(User.id) == assignee_id,
        col(User.role) == Role.TECHNICIAN,
        col(User.active).is_(True),
        col(User.id).in_(works_here),
    )
    if (await session.execute(statement)).scalar_one_or_none() is None:
        raise DomainError(
            ErrorCode.VALIDATION,
            "The assignee must be an active technician of the request's plant.",
            field,
        )
    if assignee_id == request.assignee_id:
        raise DomainError(ErrorCode.VALIDATION, "The request is already assigned to them.", field)
    return assignee_id


async def _apply_to_consumer(
    session: AsyncSession, actor: Actor, request: PackageRequest, note: str | None
) -> None:
    """What completing the request does to the consumer, guarded against a changed consumer."""
    now = utcnow()
    consumer = await session.get(Consumer, request.consumer_id)
    assert consumer is not None  # noqa: S101 - a foreign key guarantees it
    assert consumer.id is not None  # noqa: S101
    entry = ConsumerHistoryEntry(
        consumer_id=consumer.id,
        changed_at=now,
        actor_id=actor.user_id,
        request_id=request.id,
        note=shortened(note, CONSUMER_HISTORY_NOTE_MAX_LENGTH) if note else None,
        kind=ConsumerHistoryKind.STATUS,
    )
    guard = [col(Consumer.id) == consumer.id]
    if request.service in (ServiceType.UPGRADE, ServiceType.DOWNGRADE):
        guard.append(col(Consumer.package_id) == request.current_package_id)
        guard.append(col(Consumer.status) == ConsumerStatus.ACTIVE)
        values: dict[str, object] = {"package_id": request.requested_package_id}
        entry.kind = ConsumerHistoryKind.PACKAGE
        entry.from_package_id = request.current_package_id
        entry.to_package_id = request.requested_package_id
        changed = "the consumer's package or status changed since the request was made"
    else:
        before, after = (
            (ConsumerStatus.ACTIVE, ConsumerStatus.BANNED)
            if request.service is ServiceType.DISCONNECTION
            else (ConsumerStatus.BANNED, ConsumerStatus.ACTIVE)
        )
        guard.append(col(Consumer.status) == before)
        values = {"status": after}
        entry.from_status, entry.to_status = before, after
        changed = f"the consumer is no longer {before.value}"
    result = await session.execute(
        sa.update(Consumer).where(*guard).values(**values, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError(
            ErrorCode.CONFLICT, f"Cannot complete: {changed}. Reject it and raise a new one."
        )
    session.add(entry)


async def _reviewers(session: AsyncSession, plant_id: int) -> list[int]:
    """Cluster in-charges of the plant's cluster: who reviews processed work."""
    cluster = sa.select(col(Plant.cluster_id)).where(col(Plant.id) == plant_id)
    statement = sa.select(col(User.id)).where(
        col(User.role) == Role.CLUSTER_INCHARGE,
        col(User.active).is_(True),
        col(User.cluster_id).in_(cluster),
    )
    return [user_id for user_id in (await session.execute(statement)).scalars() if user_id]


_NOTICES: dict[RequestAction, tuple[NotificationKind, str]] = {
    RequestAction.ASSIGN: (NotificationKind.REQUEST_ASSIGNED, "{number} assigned to you"),
    RequestAction.REASSIGN: (NotificationKind.REQUEST_ASSIGNED, "{number} assigned to you"),
    RequestAction.PROCESS: (NotificationKind.REQUEST_PROCESSED, "{number} is ready for review"),
    RequestAction.SEND_BACK: (NotificationKind.REQUEST_SENT_BACK, "{number} was sent back to you"),
    RequestAction.COMPLETE: (NotificationKind.REQUEST_COMPLETED, "{number} is completed"),
    RequestAction.REJECT: (NotificationKind.REQUEST_REJECTED, "{number} was rejected"),
    RequestAction.CANCEL: (NotificationKind.REQUEST_CANCELLED, "{number} was cancelled"),
}


async def _recipients(
    session: AsyncSession, action: RequestAction, request: PackageRequest
) -> list[int | None]:
    """Who hears of this transition (DESIGN.md, Package activity)."""
    if action in (RequestAction.ASSIGN, RequestAction.REASSIGN, RequestAction.SEND_BACK):
        return [request.assignee_id]
    if action is RequestAction.PROCESS:
        return list(await _reviewers(session, request.plant_id))
    if action in (RequestAction.REJECT, RequestAction.CANCEL):
        # The assignee too, so that they do not travel for a closed job (#19).
        return [request.requested_by_id, request.assignee_id]
    return [request.requested_by_id]


def authorize(ctx: RequestContext, action: RequestAction) -> Actor:
    """The actor, if their role may take ``action`` at all (checked before the input)."""
    actor = ctx.require_actor()
    if actor.role not in ACTORS[action]:
        raise forbidden(f"{VERBS[action]} package requests")
    return actor


async def transition(
    ctx: RequestContext, action: RequestAction, given: TransitionInput
) -> PackageRequest:
    """Move a request along the workflow by ``action``, or refuse with nothing changed."""
    actor = authorize(ctx, action)
    note = clean_note(
        given.note,
        input_field("reason" if action in REASON_REQUIRED else "note"),
        required=action in REASON_REQUIRED,
    )
    async with write_session(ctx.sessions) as session:
        request = await _load_in_scope(session, actor, given.request_id)
        _check_actor(actor, action, request)
        # A stale view is a conflict whatever the stage now is: the actor decided on
        # something that is no longer there.
        if given.expected_version is not None and given.expected_version != request.version:
            raise stale()
        _check_stage(action, request)
        previous_assignee = request.assignee_id
        assignee = request.assignee_id
        if action in (RequestAction.ASSIGN, RequestAction.REASSIGN):
            assignee = await _check_assignee(session, request, given.assignee_id)
        from_stage, (_, to_stage) = request.stage, TRANSITIONS[action]
        now = utcnow()
        # The guard: still the stage and version we read. A concurrent winner bumped them.
        result = await session.execute(
            sa.update(PackageRequest)
            .where(
                col(PackageRequest.id) == request.id,
                col(PackageRequest.stage) == from_stage,
                col(PackageRequest.version) == request.version,
            )
            .values(
                stage=to_stage,
                version=request.version + 1,
                assignee_id=assignee,
                updated_at=now,
                closed_at=now if to_stage in CLOSED_STAGES else None,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise stale()
        if action is RequestAction.COMPLETE:
            await _apply_to_consumer(session, actor, request, note)
        assert request.id is not None  # noqa: S101
        session.add(
            RequestEvent(
                request_id=request.id,
                at=now,
                actor_id=actor.user_id,
                action=action,
                from_stage=from_stage,
                to_stage=to_stage,
                assignee_id=assignee,
                note=note,
            )
        )
        await session.refresh(request)
        event = await record_event(
            session,
            topic=EventTopic.PACKAGE_REQUEST,
            subject_type=SUBJECT,
            subject_id=request.id,
            plant_id=request.plant_id,
            actor_id=actor.user_id,
            payload={
                "action": action.value,
                "fromStage": from_stage.value,
                "toStage": to_stage.value,
                "assigneeId": assignee,
                "previousAssigneeId": previous_assignee,
            },
        )
        kind, title = _NOTICES[action]
        number = request_number(request.id)
        body = f"{actor.name}: {note}" if note else f"By {actor.name}."
        await notify(
            session,
            recipients=await _recipients(session, action, request),
            kind=kind,
            title=title.format(number=number),
            body=body,
            actor_id=actor.user_id,
            event=event,
            request_id=request.id,
        )
        if action is RequestAction.REASSIGN and previous_assignee != assignee:
            await notify(
                session,
                recipients=[previous_assignee],
                kind=NotificationKind.REQUEST_UNASSIGNED,
                title=f"{number} was reassigned to a colleague",
                body=body,
                actor_id=actor.user_id,
                event=event,
                request_id=request.id,
            )
        return request
