"""Package requests in every stage, each with the history of how it got there.

A consumer's requests follow one another in time; only the last may still be open, so
a consumer never has two open requests. Each request's events are played through the
workflow table (``models.packages.TRANSITIONS``) by plausible actors: a CSA of the
plant creates it, the cluster in-charge assigns it to a technician of the plant, the
technician processes it, the cluster in-charge completes (or sends back, or rejects)
it. Completing applies the effect to the consumer, recorded in their history.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from demo.bulk import WORKDAY_END_SECONDS, WORKDAY_START_SECONDS, Clock, Dataset, Row
from demo.catalog import (
    CANCEL_REASONS,
    PROCESS_NOTES,
    REJECT_REASONS,
    REQUEST_NOTES,
    SEND_BACK_REASONS,
)
from demo.consumers import GO_LIVE_DAYS_AGO, ConsumerBook, ConsumerDraft
from demo.world import PlantInfo, pick_staff
from models import (
    ConsumerStatus,
    PackageRequest,
    RequestAction,
    RequestEvent,
    RequestStage,
    ServiceType,
)
from models.packages import CLOSED_STAGES, TRANSITIONS

MIN_DAYS_CONNECTED = 60  # newer consumers have no requests yet
MAX_REQUESTS_PER_CONSUMER = 3
OPEN_REQUEST_MAX_AGE_DAYS = 21
LAST_REQUEST_OPEN_SHARE = 0.4
CLOSED_STAGE_WEIGHTS = {
    RequestStage.COMPLETED: 65,
    RequestStage.REJECTED: 20,
    RequestStage.CANCELLED: 15,
}
OPEN_STAGE_WEIGHTS = {
    RequestStage.REQUESTED: 10,
    RequestStage.IN_PROCESS: 12,
    RequestStage.REVIEW: 10,
}
ACTIVE_SERVICE_WEIGHTS = {
    ServiceType.UPGRADE: 45,
    ServiceType.DOWNGRADE: 20,
    ServiceType.DISCONNECTION: 35,
}
NEXT_PACKAGE_SHARE = 0.7  # upgrades mostly go one step up
# Days between one step of a request and the next.
STEP_DELAY_DAYS = (0, 0, 1, 1, 1, 2, 3, 5)
MIN_SECONDS_BETWEEN_EVENTS = 60
CLUSTER_INCHARGE_CREATES_SHARE = 0.1
STATE_INCHARGE_STEPS_IN_SHARE = 0.05
REASSIGN_SHARE = 0.15
SEND_BACK_SHARE = 0.2
REJECTED_BEFORE_ASSIGNMENT_SHARE = 0.5
TECHNICIAN_REJECTS_SHARE = 0.5
UUID_BITS = 128
# When a consumer whose last request is still open becomes free again: never.
NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(slots=True)
class EventDraft:
    """One step of a request; ``previous_assignee_id`` is who had it before a reassign."""

    action: RequestAction
    at: datetime
    actor_id: int
    from_stage: RequestStage | None
    to_stage: RequestStage
    assignee_id: int | None
    previous_assignee_id: int | None
    note: str | None
    id: int = 0


@dataclass(slots=True)
class RequestDraft:
    """A package request; ``id`` is given once all requests are in time order."""

    consumer: ConsumerDraft
    service: ServiceType
    current_package_id: int
    requested_package_id: int | None
    requested_by_id: int
    note: str
    idempotency_key: str
    events: list[EventDraft] = field(default_factory=list)
    id: int = 0

    @property
    def stage(self) -> RequestStage:
        return self.events[-1].to_stage

    @property
    def created_at(self) -> datetime:
        return self.events[0].at

    @property
    def updated_at(self) -> datetime:
        return self.events[-1].at

    @property
    def assignee_id(self) -> int | None:
        return self.events[-1].assignee_id


def _weighted(rng: random.Random, weights: dict[RequestStage, int]) -> RequestStage:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class RequestMaker:
    """Makes up the requests of consumers, each consumer's one after another in time."""

    def __init__(self, rng: random.Random, clock: Clock, book: ConsumerBook) -> None:
        self.rng, self.clock, self.book = rng, clock, book
        self.requests: list[RequestDraft] = []
        # consumer id -> the end of their last request (NEVER while it is open)
        self._busy_until: dict[int, datetime] = {}
        # While making a request by the plant's named staff (``make_one``'s by_named_staff)
        self._named_staff_only = False
        self._go_live_day = clock.day(GO_LIVE_DAYS_AGO)
        self._services = list(ACTIVE_SERVICE_WEIGHTS)
        self._service_weights = list(accumulate(ACTIVE_SERVICE_WEIGHTS.values()))

    def make_for(self, consumer: ConsumerDraft, count: int) -> None:
        """``count`` requests one after another; the last one is sometimes still open."""
        rng, clock = self.rng, self.clock
        window_start = max(consumer.connected_day + 1, self._go_live_day)
        yesterday = clock.day(1)
        open_last = rng.random() < LAST_REQUEST_OPEN_SHARE
        open_day = max(window_start, clock.day(rng.randint(1, OPEN_REQUEST_MAX_AGE_DAYS)))
        closed_until = open_day - 1 if open_last else yesterday
        closed = min(count - int(open_last), max(0, closed_until - window_start + 1))
        starts = sorted(rng.sample(range(window_start, closed_until + 1), closed))
        for index, start in enumerate(starts):
            end = starts[index + 1] - 1 if index + 1 < len(starts) else closed_until
            self.make_one(consumer, _weighted(rng, CLOSED_STAGE_WEIGHTS), start, end)
        if open_last:
            self.make_one(consumer, _weighted(rng, OPEN_STAGE_WEIGHTS), open_day, yesterday)

    def free_from(self, consumer: ConsumerDraft) -> datetime | None:
        """When ``consumer`` last changed or ended a request (a new request may start
        after it); None while one of their requests is open."""
        last_request = self._busy_until.get(consumer.id, consumer.updated_at)
        busy_until = max(last_request, consumer.updated_at)
        return None if busy_until == NEVER else busy_until

    def is_free(self, consumer: ConsumerDraft, at: datetime) -> bool:
        """Whether a new request of ``consumer`` may start at ``at``."""
        free_from = self.free_from(consumer)
        return free_from is not None and free_from < at

    def _service(
        self, consumer: ConsumerDraft, wanted: ServiceType | None
    ) -> tuple[ServiceType, int | None]:
        """The service asked for (``wanted``, else a plausible one) and its package."""
        banned = consumer.status is ConsumerStatus.BANNED
        if wanted is not None and banned != (wanted is ServiceType.RECONNECTION):
            raise AssertionError(f"seed cannot ask {wanted} for a {consumer.status} consumer")
        if banned:
            return ServiceType.RECONNECTION, None
        while True:
            service = (
                wanted or self.rng.choices(self._services, cum_weights=self._service_weights)[0]
            )
            if service is ServiceType.DISCONNECTION:
                return service, None
            higher = service is ServiceType.UPGRADE
            target = self._target_package(consumer.package_id, higher=higher)
            if target is not None:
                return service, target
            if wanted is not None:
                raise AssertionError(f"seed cannot {wanted} consumer {consumer.id}: no package")

    def _target_package(self, package_id: int, *, higher: bool) -> int | None:
        step = self.book.neighbour_package(package_id, higher=higher)
        if step is None or not higher or self.rng.random() < NEXT_PACKAGE_SHARE:
            return None if step is None else step.id
        load = self.book.packages_by_id[package_id].load_watts
        return self.rng.choice([p for p in self.book.active_packages if p.load_watts > load]).id

    def _actions(self, stage: RequestStage, plant: PlantInfo) -> list[RequestAction]:
        rng, a = self.rng, RequestAction
        work = [a.ASSIGN]
        if (
            len(plant.technician_ids) > 1
            and not self._named_staff_only
            and rng.random() < REASSIGN_SHARE
        ):
            work.append(a.REASSIGN)
        sent_back = rng.random() < SEND_BACK_SHARE
        review = [a.CREATE, *work, a.PROCESS] + ([a.SEND_BACK, a.PROCESS] if sent_back else [])
        if stage is RequestStage.REQUESTED:
            return [a.CREATE]
        if stage is RequestStage.CANCELLED:
            return [a.CREATE, a.CANCEL]
        if stage is RequestStage.REJECTED:
            if rng.random() < REJECTED_BEFORE_ASSIGNMENT_SHARE:
                return [a.CREATE, a.REJECT]
            return [a.CREATE, *work, a.REJECT]
        if stage is RequestStage.IN_PROCESS:
            return [a.CREATE, *work, a.PROCESS, a.SEND_BACK] if sent_back else [a.CREATE, *work]
        if stage is RequestStage.REVIEW:
            return review
        return [*review, a.COMPLETE]

    def _times(self, count: int, first_day: int, last_day: int) -> list[datetime]:
        """``count`` increasing instants in working hours, from ``first_day`` on."""
        rng, days, day = self.rng, [], first_day
        for index in range(count):
            if index:
                day = min(day + rng.choice(STEP_DELAY_DAYS), last_day)
            days.append(day)
        moments = sorted(
            (day, rng.randrange(WORKDAY_START_SECONDS, WORKDAY_END_SECONDS)) for day in days
        )
        times: list[datetime] = []
        for day, seconds in moments:
            at = self.clock.instant(day, seconds)
            if times and at <= times[-1]:
                at = times[-1] + timedelta(seconds=MIN_SECONDS_BETWEEN_EVENTS)
            times.append(at)
        return times

    def _pick(self, staff_ids: tuple[int, ...]) -> int:
        if self._named_staff_only:
            return staff_ids[0]
        return pick_staff(self.rng, staff_ids)

    def _reviewer(self, plant: PlantInfo) -> int:
        if not self._named_staff_only and self.rng.random() < STATE_INCHARGE_STEPS_IN_SHARE:
            return plant.state_incharge_id
        return plant.cluster_incharge_id

    def make_one(
        self,
        consumer: ConsumerDraft,
        stage: RequestStage,
        first_day: int,
        last_day: int,
        *,
        service: ServiceType | None = None,
        note: str | None = None,
        by_named_staff: bool = False,
    ) -> RequestDraft:
        """A request of ``consumer`` made on ``first_day`` that reached ``stage`` by
        ``last_day`` (date ordinals); its service is ``service`` or a plausible one.
        ``by_named_staff``: the plant's first CSA and technician and its cluster
        in-charge do every step (at the showcase plants, the named demo users)."""
        self._named_staff_only = by_named_staff
        try:
            return self._make_one(consumer, stage, first_day, last_day, service, note)
        finally:
            self._named_staff_only = False

    def _make_one(
        self,
        consumer: ConsumerDraft,
        stage: RequestStage,
        first_day: int,
        last_day: int,
        wanted: ServiceType | None,
        note: str | None,
    ) -> RequestDraft:
        rng, plant = self.rng, consumer.plant
        service, requested_package_id = self._service(consumer, wanted)
        requester = (
            plant.cluster_incharge_id
            if not self._named_staff_only and rng.random() < CLUSTER_INCHARGE_CREATES_SHARE
            else self._pick(plant.csa_ids)
        )
        draft = RequestDraft(
            consumer=consumer,
            service=service,
            current_package_id=consumer.package_id,
            requested_package_id=requested_package_id,
            requested_by_id=requester,
            note=note or rng.choice(REQUEST_NOTES[service.value]),
            idempotency_key=str(uuid.UUID(int=rng.getrandbits(UUID_BITS), version=4)),
        )
        actions = self._actions(stage, plant)
        for action, at in zip(actions, self._times(len(actions), first_day, last_day), strict=True):
            draft.events.append(self._event(draft, action, at))
        if draft.stage is not stage:
            raise AssertionError(f"seed workflow ended in {draft.stage}, meant {stage}")
        if stage is RequestStage.COMPLETED:
            self._apply(draft)
        self.requests.append(draft)
        self._busy_until[consumer.id] = draft.updated_at if stage in CLOSED_STAGES else NEVER
        return draft

    def _event(self, draft: RequestDraft, action: RequestAction, at: datetime) -> EventDraft:
        rng, plant = self.rng, draft.consumer.plant
        before = draft.events[-1] if draft.events else None
        from_stage = before.to_stage if before else None
        assignee = before.assignee_id if before else None
        previous, note, actor = assignee, None, self._reviewer(plant)
        if action is RequestAction.CREATE:
            actor, to_stage = draft.requested_by_id, RequestStage.REQUESTED
        else:
            allowed, to_stage = TRANSITIONS[action]
            if from_stage not in allowed:
                raise AssertionError(f"seed workflow cannot {action} from {from_stage}")
        if action is RequestAction.ASSIGN:
            assignee = self._pick(plant.technician_ids)
        elif action is RequestAction.REASSIGN:
            assignee = rng.choice([t for t in plant.technician_ids if t != assignee])
        elif action is RequestAction.PROCESS and assignee is not None:
            actor, note = assignee, PROCESS_NOTES[draft.service.value]
        elif action is RequestAction.SEND_BACK:
            note = rng.choice(SEND_BACK_REASONS)
        elif action is RequestAction.REJECT:
            note = rng.choice(REJECT_REASONS)
            if assignee is not None and rng.random() < TECHNICIAN_REJECTS_SHARE:
                actor = assignee
        elif action is RequestAction.CANCEL:
            actor, note = draft.requested_by_id, rng.choice(CANCEL_REASONS)
        return EventDraft(action, at, actor, from_stage, to_stage, assignee, previous, note)

    def _apply(self, draft: RequestDraft) -> None:
        """The effect of completing ``draft`` on its consumer."""
        done = draft.events[-1]
        consumer, book = draft.consumer, self.book
        if draft.service is ServiceType.DISCONNECTION:
            book.change_status(
                consumer, ConsumerStatus.BANNED, done.at, actor_id=done.actor_id, request=draft
            )
        elif draft.service is ServiceType.RECONNECTION:
            book.change_status(
                consumer, ConsumerStatus.ACTIVE, done.at, actor_id=done.actor_id, request=draft
            )
        elif draft.requested_package_id is not None:
            book.change_package(
                consumer,
                draft.requested_package_id,
                done.at,
                actor_id=done.actor_id,
                request=draft,
            )


def _requests_per_consumer(
    rng: random.Random, clock: Clock, book: ConsumerBook, total: int
) -> dict[int, int]:
    """How many requests each consumer gets: ``total`` in all, at most a few each."""
    newest = clock.day(MIN_DAYS_CONNECTED)
    eligible = [c.id for c in book.consumers if c.connected_day <= newest]
    capacity = len(eligible) * MAX_REQUESTS_PER_CONSUMER
    counts: dict[int, int] = {}
    placed = 0
    while placed < min(total, capacity):
        consumer_id = eligible[rng.randrange(len(eligible))]
        if counts.get(consumer_id, 0) < MAX_REQUESTS_PER_CONSUMER:
            counts[consumer_id] = counts.get(consumer_id, 0) + 1
            placed += 1
    return counts


@dataclass(frozen=True, slots=True)
class RequestLog:
    """The requests, numbered as they were made, and all their events in time order."""

    requests: list[RequestDraft]
    events: list[tuple[EventDraft, RequestDraft]]


def draft_requests(
    rng: random.Random, clock: Clock, book: ConsumerBook, total: int
) -> RequestMaker:
    """About ``total`` requests over the consumers; the maker can add more after."""
    maker = RequestMaker(rng, clock, book)
    counts = _requests_per_consumer(rng, clock, book, total)
    for consumer in book.consumers:
        count = counts.get(consumer.id, 0)
        if count:
            maker.make_for(consumer, count)
    return maker


def number_requests(requests: list[RequestDraft]) -> RequestLog:
    """Number the requests in the order they were made, and their events in time order."""
    requests = sorted(requests, key=lambda r: (r.created_at, r.consumer.id))
    for number, request in enumerate(requests, start=1):
        request.id = number
    events = sorted(
        ((event, request) for request in requests for event in request.events),
        key=lambda pair: (pair[0].at, pair[1].id),
    )
    for number, (event, _request) in enumerate(events, start=1):
        event.id = number
    return RequestLog(requests, events)


def emit_requests(data: Dataset, log: RequestLog) -> None:
    """Queue request rows and their event rows."""
    data.extend(PackageRequest, (_request_row(r) for r in log.requests))
    data.extend(
        RequestEvent,
        (
            {
                "id": e.id,
                "request_id": request.id,
                "at": e.at,
                "actor_id": e.actor_id,
                "action": e.action,
                "from_stage": e.from_stage,
                "to_stage": e.to_stage,
                "assignee_id": e.assignee_id,
                "note": e.note,
            }
            for e, request in log.events
        ),
    )


def _request_row(r: RequestDraft) -> Row:
    return {
        "id": r.id,
        "consumer_id": r.consumer.id,
        "plant_id": r.consumer.plant.id,
        "service": r.service,
        "stage": r.stage,
        "current_package_id": r.current_package_id,
        "requested_package_id": r.requested_package_id,
        "assignee_id": r.assignee_id,
        "requested_by_id": r.requested_by_id,
        "note": r.note,
        "version": len(r.events),  # one per transition, plus one
        "idempotency_key": r.idempotency_key,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "closed_at": r.updated_at if r.stage in CLOSED_STAGES else None,
    }
