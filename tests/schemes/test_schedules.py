"""Instalment schedules: weekly and monthly, month ends, amounts that add up."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.schemes.schedules import add_months, build_schedule
from models.schemes.tables import InstallmentFrequency


def test_weekly_instalments_fall_every_seven_days() -> None:
    schedule = build_schedule(
        start=date(2026, 12, 29),
        frequency=InstallmentFrequency.WEEKLY,
        count=3,
        total_price_minor=10_000,
        down_payment_minor=1_000,
    )
    assert [i.due_date for i in schedule] == [
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 19),
    ]
    assert [i.amount_minor for i in schedule] == [3_000, 3_000, 3_000]
    assert [i.cumulative_due_minor for i in schedule] == [4_000, 7_000, 10_000]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2027, 1, 29), [date(2027, 2, 28), date(2027, 3, 29), date(2027, 4, 29)]),
        (date(2027, 1, 30), [date(2027, 2, 28), date(2027, 3, 30), date(2027, 4, 30)]),
        (date(2027, 1, 31), [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]),
        (date(2027, 12, 31), [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]),
        (date(2028, 1, 29), [date(2028, 2, 29), date(2028, 3, 29), date(2028, 4, 29)]),
    ],
)
def test_monthly_instalments_keep_the_day_clamped_to_month_ends(
    start: date, expected: list[date]
) -> None:
    schedule = build_schedule(
        start=start,
        frequency=InstallmentFrequency.MONTHLY,
        count=3,
        total_price_minor=300,
        down_payment_minor=0,
    )
    assert [i.due_date for i in schedule] == expected


def test_remainder_goes_to_the_earliest_instalments() -> None:
    schedule = build_schedule(
        start=date(2027, 1, 1),
        frequency=InstallmentFrequency.MONTHLY,
        count=3,
        total_price_minor=1_002,
        down_payment_minor=0,
    )
    assert [i.amount_minor for i in schedule] == [334, 334, 334]
    schedule = build_schedule(
        start=date(2027, 1, 1),
        frequency=InstallmentFrequency.MONTHLY,
        count=4,
        total_price_minor=1_002,
        down_payment_minor=0,
    )
    assert [i.amount_minor for i in schedule] == [251, 251, 250, 250]


def test_bad_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="count"):
        build_schedule(
            start=date(2027, 1, 1),
            frequency=InstallmentFrequency.WEEKLY,
            count=0,
            total_price_minor=100,
            down_payment_minor=0,
        )
    with pytest.raises(ValueError, match="down payment"):
        build_schedule(
            start=date(2027, 1, 1),
            frequency=InstallmentFrequency.WEEKLY,
            count=2,
            total_price_minor=100,
            down_payment_minor=101,
        )


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    frequency=st.sampled_from(list(InstallmentFrequency)),
    count=st.integers(min_value=1, max_value=60),
    total=st.integers(min_value=1, max_value=10_000_000),
    down_share=st.floats(min_value=0, max_value=1),
)
def test_schedules_add_up_and_move_forward(
    start: date, frequency: InstallmentFrequency, count: int, total: int, down_share: float
) -> None:
    down = int(total * down_share)
    schedule = build_schedule(
        start=start,
        frequency=frequency,
        count=count,
        total_price_minor=total,
        down_payment_minor=down,
    )
    assert down + sum(i.amount_minor for i in schedule) == total
    if schedule:
        assert schedule[-1].cumulative_due_minor == total
    amounts = [i.amount_minor for i in schedule]
    assert not amounts or max(amounts) - min(amounts) <= 1
    dates = [start, *(i.due_date for i in schedule)]
    assert all(a < b for a, b in itertools.pairwise(dates))
    assert [i.sequence for i in schedule] == list(range(1, len(schedule) + 1))
    if frequency is InstallmentFrequency.WEEKLY and schedule:
        assert schedule[0].due_date - start == timedelta(weeks=1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 120))
def test_add_months_never_overshoots_the_month(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year - start.year) * 12 + result.month - start.month == months
    assert result.day == start.day or result.day < start.day
