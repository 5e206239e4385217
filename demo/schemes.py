"""Scheme enrolments with their schedules, payments and the units issued for them.

Each enrolment is of a consumer ACTIVE since before it, in a scheme valid that day and
offered in their state. It takes one unit from a warehouse of that state, pays the
down payment, and fixes its schedule (``models.schemes.schedules.build_schedule``). Then the
customer pays according to a profile: on track, behind, more than 90 days behind,
paid off early, or the enrolment is cancelled and the unit comes back. The showcase
plants get one of each status and scheme type first. Some customers in arrears are
disconnected later on (``demo.arrears``): enrolled while ACTIVE, BANNED now.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from demo.bulk import (
    DEMO_ZONE,
    WORKDAY_END_SECONDS,
    WORKDAY_START_SECONDS,
    Clock,
    Dataset,
    Row,
)
from demo.catalog import PAISE_PER_RUPEE
from demo.consumers import ConsumerBook, ConsumerDraft
from demo.inventory import MovementDraft, StockLedger
from demo.world import SchemeInfo, World, pick_staff
from models import (
    ConsumerStatus,
    EnrollmentStatus,
    MovementKind,
    PaymentKind,
    SchemeEnrollment,
    SchemeInstallment,
    SchemePayment,
    SchemeType,
)
from models.schemes.codes import ALPHABET, generate_code
from models.schemes.schedules import ScheduledInstallment, build_schedule

ENROLMENT_SPAN_DAYS = 365
DEFAULT_AFTER_DAYS = 90  # in arrears longer than this is DEFAULTED
EARLY_PAYMENT_MAX_DAYS = 3
MAX_MISSED_INSTALMENTS = 3
AHEAD_SHARE = 0.2
PARTIAL_PAYMENT_SHARE = 0.3
CANCEL_AFTER_DAYS = (7, 45)
CANCEL_REASONS = ("Appliance returned: customer moved away.", "Appliance returned unused.")


class Profile(StrEnum):
    """How a customer pays (the repayment status the app will derive)."""

    ON_TRACK = "ON_TRACK"
    BEHIND = "BEHIND"
    DEFAULTED = "DEFAULTED"
    PAID_OFF = "PAID_OFF"
    CANCELLED = "CANCELLED"


# Short weekly schemes end soon, so many "on track" customers have paid off by today too.
PROFILE_WEIGHTS = {
    Profile.ON_TRACK: 50,
    Profile.BEHIND: 22,
    Profile.DEFAULTED: 16,
    Profile.PAID_OFF: 8,
    Profile.CANCELLED: 3,
}
# At the showcase plants, whatever the dice say: every repayment status and scheme type,
# and a customer behind and one defaulted who can be disconnected (``demo.arrears``).
SHOWCASE: tuple[tuple[Profile, SchemeType], ...] = (
    (Profile.ON_TRACK, SchemeType.STANDARD),
    (Profile.PAID_OFF, SchemeType.SUBSIDISED),
    (Profile.CANCELLED, SchemeType.FESTIVE),
    (Profile.BEHIND, SchemeType.PRODUCTIVE_USE),
    (Profile.BEHIND, SchemeType.SUBSIDISED),
    (Profile.DEFAULTED, SchemeType.STANDARD),
)
SHOWCASE_TRIES = 200  # consumers and days tried for each, before giving up on it


@dataclass(slots=True)
class EnrollmentDraft:
    consumer: ConsumerDraft
    scheme: SchemeInfo
    code: str
    warehouse_id: int
    enrolled_at: datetime
    enrolled_by_id: int
    schedule: list[ScheduledInstallment]
    payments: list[tuple[datetime, PaymentKind, int]] = field(default_factory=list)
    cancelled_at: datetime | None = None
    cancelled_by_id: int | None = None
    cancel_reason: str | None = None
    id: int = 0

    @property
    def total_minor(self) -> int:
        return self.scheme.spec.total_price_rupees * PAISE_PER_RUPEE

    @property
    def down_minor(self) -> int:
        return self.scheme.spec.down_payment_rupees * PAISE_PER_RUPEE


class EnrollmentMaker:
    """Enrols consumers and plays their payments up to yesterday."""

    def __init__(self, rng: random.Random, clock: Clock, world: World, ledger: StockLedger):
        self.rng, self.clock, self.world, self.ledger = rng, clock, world, ledger
        self.enrollments: list[EnrollmentDraft] = []
        self._enrolled: set[int] = set()
        self._codes: set[str] = set()
        self._yesterday = clock.day(1)
        self._first_day = clock.day(ENROLMENT_SPAN_DAYS)

    def enrol_showcase(
        self, book: ConsumerBook, can_disconnect: Callable[[EnrollmentDraft], bool]
    ) -> None:
        """At the showcase plants, one enrolment of each ``SHOWCASE`` kind, where one fits.

        Those in arrears are ones that ``can_disconnect`` (there is time for a
        disconnection between their arrears and today), so the showcase plants have a
        banned customer behind and one defaulted, as well as every other status.
        """
        plants = set(self.world.showcase_plant_ids)
        consumers = [
            c for c in book.consumers if c.plant.id in plants and c.status is ConsumerStatus.ACTIVE
        ]
        for profile, scheme_type in SHOWCASE:
            for _ in range(SHOWCASE_TRIES):
                consumer = consumers[self.rng.randrange(len(consumers))]
                offer = (
                    None if consumer.id in self._enrolled else self._offer(consumer, scheme_type)
                )
                if offer is None:
                    continue
                draft = self._draft(consumer, *offer, profile)
                status, _ = repayment_of(draft, self.clock.today_ordinal)
                in_arrears = status in (Profile.BEHIND, Profile.DEFAULTED)
                if status is profile and (not in_arrears or can_disconnect(draft)):
                    self._commit(draft)
                    break

    def enrol(self, book: ConsumerBook, count: int) -> None:
        """Enrolments of distinct consumers up to ``count`` in all, numbered in time order."""
        active = [c for c in book.consumers if c.status is ConsumerStatus.ACTIVE]
        self.rng.shuffle(active)
        profiles, weights = list(PROFILE_WEIGHTS), list(PROFILE_WEIGHTS.values())
        for consumer in active:
            if len(self.enrollments) >= count:
                break
            offer = None if consumer.id in self._enrolled else self._offer(consumer)
            if offer is not None:
                profile = self.rng.choices(profiles, weights)[0]
                self._commit(self._draft(consumer, *offer, profile))
        self.enrollments.sort(key=lambda e: (e.enrolled_at, e.consumer.id))
        for number, enrollment in enumerate(self.enrollments, start=1):
            enrollment.id = number

    def _window(self, consumer: ConsumerDraft, scheme: SchemeInfo) -> tuple[int, int]:
        since = consumer.active_since.astimezone(DEMO_ZONE).date().toordinal() + 1
        start = max(since, scheme.valid_from.toordinal(), self._first_day)
        end = self._yesterday
        if scheme.valid_to is not None:
            end = min(end, scheme.valid_to.toordinal())
        return start, end

    def _offer(
        self, consumer: ConsumerDraft, scheme_type: SchemeType | None = None
    ) -> tuple[SchemeInfo, int] | None:
        """A scheme (of ``scheme_type``, if given) offered in the consumer's state and a
        day it was valid, or None."""
        offers = [
            (scheme, window)
            for scheme in self.world.schemes
            if consumer.plant.state_id in scheme.state_ids
            and scheme_type in (None, scheme.spec.scheme_type)
            for window in [self._window(consumer, scheme)]
            if window[0] <= window[1]
        ]
        if not offers:
            return None
        weights = [scheme.spec.weight for scheme, _ in offers]
        scheme, (start, end) = self.rng.choices(offers, weights=weights)[0]
        return scheme, self.rng.randint(start, end)

    def _draft(
        self, consumer: ConsumerDraft, scheme: SchemeInfo, day: int, profile: Profile
    ) -> EnrollmentDraft:
        """The enrolment of ``consumer`` on ``day``, and its payments since by ``profile``."""
        plant = consumer.plant
        main, nearest = plant.warehouse_ids
        product = self.world.products[scheme.spec.product_sku]
        draft = EnrollmentDraft(
            consumer=consumer,
            scheme=scheme,
            code=self._new_code(),
            warehouse_id=main if product.spec.main_warehouse_only else nearest,
            enrolled_at=self._instant(day),
            enrolled_by_id=pick_staff(self.rng, plant.csa_ids),
            schedule=[],
        )
        spec = scheme.spec
        draft.schedule = build_schedule(
            start=date.fromordinal(day),
            frequency=spec.frequency,
            count=spec.installment_count,
            total_price_minor=draft.total_minor,
            down_payment_minor=draft.down_minor,
        )
        if draft.down_minor:
            draft.payments.append((draft.enrolled_at, PaymentKind.DOWN_PAYMENT, draft.down_minor))
        self._pay(draft, day, profile)
        return draft

    def _commit(self, draft: EnrollmentDraft) -> None:
        """Keep ``draft``: the unit issued for it, and returned if it was cancelled."""
        product_id = self.world.products[draft.scheme.spec.product_sku].id
        self.ledger.record(
            MovementDraft(
                product_id,
                draft.warehouse_id,
                MovementKind.ISSUE,
                -1,
                draft.enrolled_at,
                draft.enrolled_by_id,
                "Issued for a scheme enrolment",
                draft.code,
                enrollment=draft,
            )
        )
        if draft.cancelled_at is not None:
            self.ledger.record(
                MovementDraft(
                    product_id,
                    draft.warehouse_id,
                    MovementKind.ADJUSTMENT,
                    1,
                    draft.cancelled_at,
                    draft.cancelled_by_id,
                    "Returned on cancellation",
                    draft.code,
                    enrollment=draft,
                )
            )
        self.enrollments.append(draft)
        self._enrolled.add(draft.consumer.id)

    def _new_code(self) -> str:
        while True:
            code = generate_code(random_symbol=lambda: self.rng.choice(ALPHABET))
            if code not in self._codes:
                self._codes.add(code)
                return code

    def _instant(self, day: int) -> datetime:
        seconds = self.rng.randrange(WORKDAY_START_SECONDS, WORKDAY_END_SECONDS)
        return self.clock.instant(day, seconds)

    def _pay(self, draft: EnrollmentDraft, day: int, profile: Profile) -> None:
        """Instalment payments after the enrolment day, up to yesterday, by ``profile``."""
        first_payable = day + 1
        if first_payable > self._yesterday:
            return
        if profile is Profile.CANCELLED:
            self._cancel(draft, day)
            return
        schedule = draft.schedule
        due = sum(1 for i in schedule if i.due_date.toordinal() <= self._yesterday)
        paid = self._instalments_paid(schedule, due, profile)
        last = self._pay_instalments(draft, min(paid, due), first_payable)
        if paid > due:  # ahead of the schedule, or paying it off early: one lump sum
            lump = sum(i.amount_minor for i in schedule[due:paid])
            self._record(draft, self.rng.randint(last, self._yesterday), lump)
        partial = profile in (Profile.BEHIND, Profile.DEFAULTED) and paid < len(schedule)
        if partial and self.rng.random() < PARTIAL_PAYMENT_SHARE:
            half = schedule[paid].amount_minor // 2
            self._record(draft, self.rng.randint(last, self._yesterday), half)

    def _instalments_paid(
        self, schedule: list[ScheduledInstallment], due: int, profile: Profile
    ) -> int:
        """How many instalments the customer has paid in full."""
        rng = self.rng
        default_line = self.clock.day(DEFAULT_AFTER_DAYS)
        long_overdue = sum(1 for i in schedule[:due] if i.due_date.toordinal() < default_line)
        if profile is Profile.PAID_OFF:
            return len(schedule)
        if profile is Profile.DEFAULTED and long_overdue:
            return rng.randrange(long_overdue)  # the first unpaid fell due > 90 days ago
        if profile in (Profile.BEHIND, Profile.DEFAULTED) and due > long_overdue:
            return due - rng.randint(1, min(MAX_MISSED_INSTALMENTS, due - long_overdue))
        ahead = due < len(schedule) and rng.random() < AHEAD_SHARE
        return due + int(ahead)

    def _pay_instalments(self, draft: EnrollmentDraft, count: int, first_payable: int) -> int:
        """Pay the first ``count`` instalments around their due dates; the last payment day."""
        last = first_payable
        for instalment in draft.schedule[:count]:
            early = self.rng.randint(0, EARLY_PAYMENT_MAX_DAYS)
            pay_day = max(last, instalment.due_date.toordinal() - early)
            last = min(pay_day, self._yesterday)
            self._record(draft, last, instalment.amount_minor)
        return last

    def _record(self, draft: EnrollmentDraft, day: int, amount: int) -> None:
        if amount > 0:
            draft.payments.append((self._instant(day), PaymentKind.INSTALLMENT, amount))

    def _cancel(self, draft: EnrollmentDraft, day: int) -> None:
        """Cancelled a few weeks in: instalments due by then are paid; the unit returns."""
        cancel_day = min(day + self.rng.randint(*CANCEL_AFTER_DAYS), self._yesterday)
        due = sum(1 for i in draft.schedule if i.due_date.toordinal() < cancel_day)
        self._pay_instalments(draft, due, day + 1)
        # Every payment fell due, and was paid, before the cancellation day.
        draft.cancelled_at = self._instant(cancel_day)
        draft.cancelled_by_id = draft.consumer.plant.cluster_incharge_id
        draft.cancel_reason = self.rng.choice(CANCEL_REASONS)


def repayment_of(draft: EnrollmentDraft, today: int) -> tuple[Profile, int | None]:
    """The repayment status the API reports for ``draft`` on ``today`` (a date ordinal),
    and the day its arrears began (None when not in arrears).

    As ``resolvers.schemes.repayment`` reads it: payments cover instalments in order;
    the oldest instalment due by today and not covered is where arrears begin.
    """
    paid = sum(amount for _, _, amount in draft.payments)
    if draft.cancelled_at is not None:
        return Profile.CANCELLED, None
    if paid >= draft.total_minor:
        return Profile.PAID_OFF, None
    start = next(
        (
            i.due_date.toordinal()
            for i in draft.schedule
            if i.cumulative_due_minor > paid and i.due_date.toordinal() <= today
        ),
        None,
    )
    if start is None or start == today:
        return Profile.ON_TRACK, None
    if today - start > DEFAULT_AFTER_DAYS:
        return Profile.DEFAULTED, start
    return Profile.BEHIND, start


def emit_enrollments(data: Dataset, enrollments: list[EnrollmentDraft]) -> None:
    """Queue enrolments, their instalments, and their payments in time order."""
    data.extend(SchemeEnrollment, (_enrollment_row(e) for e in enrollments))
    data.extend(
        SchemeInstallment,
        (
            {
                "id": number,
                "enrollment_id": enrollment_id,
                "sequence": i.sequence,
                "due_date": i.due_date,
                "amount_minor": i.amount_minor,
                "cumulative_due_minor": i.cumulative_due_minor,
            }
            for number, (enrollment_id, i) in enumerate(
                ((e.id, i) for e in enrollments for i in e.schedule), start=1
            )
        ),
    )
    payments = sorted(
        (
            (paid_at, e.id, sequence, kind, amount, e)
            for e in enrollments
            for sequence, (paid_at, kind, amount) in enumerate(e.payments)
        ),
        key=lambda p: (p[0], p[1], p[2]),
    )
    data.extend(
        SchemePayment,
        (
            {
                "id": number,
                "enrollment_id": enrollment_id,
                "kind": kind,
                "amount_minor": amount,
                "paid_at": paid_at,
                "reference": _reference(e, sequence, kind),
                "recorded_by_id": e.enrolled_by_id,
                "created_at": paid_at,
            }
            for number, (paid_at, enrollment_id, sequence, kind, amount, e) in enumerate(
                payments, start=1
            )
        ),
    )


def _reference(enrollment: EnrollmentDraft, sequence: int, kind: PaymentKind) -> str:
    """Unique within the enrolment: the scheme code and the payment's number."""
    if kind is PaymentKind.DOWN_PAYMENT:
        return f"DP-{enrollment.code}"
    return f"RCPT-{enrollment.code}-{sequence:02d}"


def _enrollment_row(e: EnrollmentDraft) -> Row:
    return {
        "id": e.id,
        "scheme_code": e.code,
        "consumer_id": e.consumer.id,
        "scheme_id": e.scheme.id,
        "product_id": e.scheme.product_id,
        "warehouse_id": e.warehouse_id,
        "plant_id": e.consumer.plant.id,
        "status": EnrollmentStatus.ACTIVE if e.cancelled_at is None else EnrollmentStatus.CANCELLED,
        "total_price_minor": e.total_minor,
        "down_payment_minor": e.down_minor,
        "amount_paid_minor": sum(amount for _, _, amount in e.payments),
        "enrolled_at": e.enrolled_at,
        "enrolled_by_id": e.enrolled_by_id,
        "idempotency_key": None,
        "cancelled_at": e.cancelled_at,
        "cancelled_by_id": e.cancelled_by_id,
        "cancel_reason": e.cancel_reason,
    }
