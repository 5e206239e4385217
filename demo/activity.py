"""Recent package activity, so that any fortnight of the last months has something to show.

Requests are otherwise spread thinly over the months since go-live: a small plant can
go weeks without one, and a fortnight picked in the activity summary or the Completed
tab comes back empty. So in each of the last ``RECENT_WEEKS`` weeks every plant has one
request made and closed within that week. At the showcase plants (where the named CSA
and technician work) those requests are completed bans and reconnections, one of each
every week, so the summary's newly banned and reconnected columns move in any fortnight.
And every plant has a request waiting in each open stage; at the showcase plants one of
those waiting to be assigned is a banned consumer's reconnection. Lastly, in the last
two days the named staff worked on a few requests there, so that tech@, cluster@ and
csa@ find unread notifications in the bell.
"""

from __future__ import annotations

import random
from collections import defaultdict

from demo.bulk import Clock
from demo.consumers import ConsumerBook, ConsumerDraft
from demo.events import READ_AFTER_DAYS
from demo.requests import (
    CLOSED_STAGE_WEIGHTS,
    MIN_DAYS_CONNECTED,
    OPEN_REQUEST_MAX_AGE_DAYS,
    RequestMaker,
)
from demo.world import PlantInfo, World
from models import ConsumerStatus, RequestStage, ServiceType
from models.packages import OPEN_STAGES

RECENT_WEEKS = 18  # about four months
DAYS_PER_WEEK = 7
# At the showcase plants each week: a ban at one plant, a reconnection at the next.
SHOWCASE_SERVICES = (ServiceType.DISCONNECTION, ServiceType.RECONNECTION)
# Tries at random before walking every consumer of a plant.
RANDOM_PICKS = 60
# Recent work of the named staff, each leaving someone an unread notification: an
# assignment (tech@), a request to review (cluster@), a completion (csa@ asked for it).
LATEST_WORK_STAGES = (RequestStage.IN_PROCESS, RequestStage.REVIEW, RequestStage.COMPLETED)


def recent_request_count(world: World) -> int:
    """How many requests :func:`add_recent_activity` makes week by week."""
    return len(world.plants) * RECENT_WEEKS


class _Picker:
    """Finds a consumer of a plant who can take a new request on a given day."""

    def __init__(self, rng: random.Random, clock: Clock, book: ConsumerBook, maker: RequestMaker):
        self.rng, self.clock, self.maker = rng, clock, maker
        self.by_plant: dict[int, list[ConsumerDraft]] = defaultdict(list)
        for consumer in book.consumers:
            self.by_plant[consumer.plant.id].append(consumer)

    def pick(
        self, plant: PlantInfo, day: int, status: ConsumerStatus | None
    ) -> ConsumerDraft | None:
        """A consumer of ``plant`` (with ``status``, if given) free from ``day`` on."""
        consumers = self.by_plant[plant.id]
        starts = self.clock.instant(day, 0)
        newest = day - MIN_DAYS_CONNECTED

        def fits(consumer: ConsumerDraft) -> bool:
            return (
                (status is None or consumer.status is status)
                and consumer.connected_day <= newest
                and self.maker.is_free(consumer, starts)
            )

        for _ in range(RANDOM_PICKS):
            consumer = consumers[self.rng.randrange(len(consumers))]
            if fits(consumer):
                return consumer
        return next(filter(fits, consumers), None)


def _status_for(service: ServiceType | None) -> ConsumerStatus | None:
    if service is None:
        return None
    return ConsumerStatus.BANNED if service is ServiceType.RECONNECTION else ConsumerStatus.ACTIVE


def add_recent_activity(
    rng: random.Random, clock: Clock, world: World, book: ConsumerBook, maker: RequestMaker
) -> None:
    """Weekly requests at every plant, then open requests where a stage has none."""
    picker = _Picker(rng, clock, book, maker)
    showcase = world.showcase_plant_ids
    stages, weights = list(CLOSED_STAGE_WEIGHTS), list(CLOSED_STAGE_WEIGHTS.values())
    for weeks_ago in range(RECENT_WEEKS, 0, -1):  # oldest week first
        first_day = clock.day(weeks_ago * DAYS_PER_WEEK)
        last_day = first_day + DAYS_PER_WEEK - 1
        for plant in world.plants:
            service: ServiceType | None = None
            stage = rng.choices(stages, weights=weights)[0]
            if plant.id in showcase:
                turn = weeks_ago + showcase.index(plant.id)
                service = SHOWCASE_SERVICES[turn % len(SHOWCASE_SERVICES)]
                stage = RequestStage.COMPLETED
            day = rng.randint(first_day, last_day)
            consumer = picker.pick(plant, day, _status_for(service))
            if consumer is not None:
                maker.make_one(consumer, stage, day, last_day, service=service)
    _fill_open_stages(rng, clock, world, picker, maker)
    _add_latest_work(clock, world, picker, maker)


def _fill_open_stages(
    rng: random.Random, clock: Clock, world: World, picker: _Picker, maker: RequestMaker
) -> None:
    """A request in each open stage at every plant (a reconnection at the showcase's)."""
    waiting = {(r.consumer.plant.id, r.stage) for r in maker.requests if r.stage in OPEN_STAGES}
    banned_waiting = {
        r.consumer.plant.id
        for r in maker.requests
        if r.stage is RequestStage.REQUESTED and r.consumer.status is ConsumerStatus.BANNED
    }
    wanted: list[tuple[PlantInfo, RequestStage, ServiceType | None]] = [
        (plant, stage, None)
        for plant in world.plants
        for stage in sorted(OPEN_STAGES)
        if (plant.id, stage) not in waiting
    ]
    wanted += [
        (plant, RequestStage.REQUESTED, ServiceType.RECONNECTION)
        for plant in world.showcase_plants()
        if plant.id not in banned_waiting
    ]
    yesterday = clock.day(1)
    for plant, stage, service in wanted:
        day = clock.day(rng.randint(1, OPEN_REQUEST_MAX_AGE_DAYS))
        consumer = picker.pick(plant, day, _status_for(service))
        if consumer is not None:
            maker.make_one(consumer, stage, day, yesterday, service=service)


def _add_latest_work(clock: Clock, world: World, picker: _Picker, maker: RequestMaker) -> None:
    """Requests the named staff worked on in the last days, not yet read about."""
    plants = world.showcase_plants()
    first_day, last_day = clock.day(READ_AFTER_DAYS), clock.day(1)
    for index, stage in enumerate(LATEST_WORK_STAGES):
        plant = plants[index % len(plants)]
        consumer = picker.pick(plant, first_day, None)
        if consumer is not None:
            maker.make_one(consumer, stage, first_day, last_day, by_named_staff=True)
