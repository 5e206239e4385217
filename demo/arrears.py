"""Customers disconnected while in arrears on a scheme.

A customer who stops paying their instalments is disconnected after a notice period: a
DISCONNECTION request, completed, bans them, with its consumer history entry, as every
ban of the seed is made. Their enrolment stays, still in arrears, and no payment follows
the ban. In every plant one customer BEHIND and one DEFAULTED are disconnected, where
there has been time for it, so the scheme list filtered to banned customers (and to
those of them behind, or defaulted) has rows in every scope.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime

from demo.bulk import DEMO_ZONE, Clock
from demo.catalog import ARREARS_DISCONNECTION_NOTE
from demo.requests import RequestMaker
from demo.schemes import EnrollmentDraft, Profile, repayment_of
from models import ConsumerStatus, RequestStage, ServiceType

NOTICE_DAYS = 14  # in arrears at least this long before the disconnection request
DISCONNECTED_PER_PLANT = (Profile.BEHIND, Profile.DEFAULTED)


def _day_after(at: datetime) -> int:
    return at.astimezone(DEMO_ZONE).date().toordinal() + 1


def disconnection_window(
    draft: EnrollmentDraft, maker: RequestMaker, clock: Clock
) -> tuple[int, int] | None:
    """The first and last day (ordinals) on which a disconnection of ``draft``'s
    customer for its arrears could be requested and done by yesterday; None if none."""
    consumer = draft.consumer
    _, arrears_start = repayment_of(draft, clock.today_ordinal)
    free_from = maker.free_from(consumer)
    if arrears_start is None or free_from is None or consumer.status is ConsumerStatus.BANNED:
        return None
    last_paid = max(at for at, _, _ in draft.payments) if draft.payments else draft.enrolled_at
    first = max(arrears_start + NOTICE_DAYS, _day_after(free_from), _day_after(last_paid))
    last = clock.day(1)
    return (first, last) if first <= last else None


def disconnect_in_arrears(
    rng: random.Random, clock: Clock, maker: RequestMaker, enrollments: list[EnrollmentDraft]
) -> None:
    """In each plant, disconnect one customer behind and one defaulted, where one fits."""
    by_plant: dict[int, list[EnrollmentDraft]] = defaultdict(list)
    for draft in enrollments:
        by_plant[draft.consumer.plant.id].append(draft)
    for plant_id in sorted(by_plant):
        for wanted in DISCONNECTED_PER_PLANT:
            fitting = [
                (draft, window)
                for draft in by_plant[plant_id]
                if repayment_of(draft, clock.today_ordinal)[0] is wanted
                for window in [disconnection_window(draft, maker, clock)]
                if window is not None
            ]
            if not fitting:
                continue
            draft, (first, last) = rng.choice(fitting)
            maker.make_one(
                draft.consumer,
                RequestStage.COMPLETED,
                rng.randint(first, last),
                last,
                service=ServiceType.DISCONNECTION,
                note=ARREARS_DISCONNECTION_NOTE,
            )
