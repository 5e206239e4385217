"""Instalment schedules: when each instalment falls due and how much it is."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from models.schemes.tables import InstallmentFrequency


@dataclass(frozen=True, slots=True)
class ScheduledInstallment:
    sequence: int
    due_date: date
    amount_minor: int
    cumulative_due_minor: int


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def due_date(start: date, frequency: InstallmentFrequency, sequence: int) -> date:
    """Instalment ``sequence`` (1-based) falls one period after the previous one."""
    if frequency is InstallmentFrequency.WEEKLY:
        return start + timedelta(weeks=sequence)
    # Counted from the start each time, so 31 Jan -> 28 Feb -> 31 Mar, not 28 Mar.
    return add_months(start, sequence)


def build_schedule(
    *,
    start: date,
    frequency: InstallmentFrequency,
    count: int,
    total_price_minor: int,
    down_payment_minor: int,
) -> list[ScheduledInstallment]:
    """Split what remains after the down payment into ``count`` instalments.

    The amounts differ by at most one minor unit; the earlier instalments carry the
    remainder, so the customer is never asked for more at the end.
    """
    if count <= 0:
        raise ValueError("count must be positive")
    if not 0 <= down_payment_minor <= total_price_minor:
        raise ValueError("down payment must be between zero and the total price")
    remaining = total_price_minor - down_payment_minor
    base, extra = divmod(remaining, count)
    schedule: list[ScheduledInstallment] = []
    cumulative = down_payment_minor
    for sequence in range(1, count + 1):
        amount = base + (1 if sequence <= extra else 0)
        if amount == 0:
            continue
        cumulative += amount
        schedule.append(
            ScheduledInstallment(
                sequence=len(schedule) + 1,
                due_date=due_date(start, frequency, sequence),
                amount_minor=amount,
                cumulative_due_minor=cumulative,
            )
        )
    return schedule
