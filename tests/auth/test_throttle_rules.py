"""The throttle's pure rules: free failures, doubling delays, the cap, the longer wait wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.throttle import (
    NO_FAILURES,
    Attempt,
    FailureStreak,
    ThrottleRule,
    WindowRule,
    account_rule,
    address_rule,
    delay_after,
    required_wait,
    stranger_rule,
    wait_for,
    whole_seconds,
    window_wait,
)
from core.settings import Settings

RULE = ThrottleRule(
    free_failures=3, base_delay=timedelta(seconds=2), max_delay=timedelta(seconds=60)
)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def test_free_failures_cost_nothing_then_delays_double_up_to_the_cap() -> None:
    delays = [delay_after(failures, RULE).total_seconds() for failures in range(10)]
    assert delays == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]


def test_a_huge_streak_stays_at_the_cap() -> None:
    assert delay_after(10_000, RULE) == RULE.max_delay


def test_the_wait_counts_from_the_latest_failure() -> None:
    streak = FailureStreak(count=4, last_failure_at=NOW - seconds(1))  # delay 4 s
    assert wait_for(streak, RULE, NOW) == seconds(3)
    assert wait_for(streak, RULE, NOW + seconds(3)) == timedelta(0)
    assert wait_for(streak, RULE, NOW + seconds(100)) == timedelta(0)


def test_no_failures_or_free_ones_mean_no_wait() -> None:
    assert wait_for(NO_FAILURES, RULE, NOW) == timedelta(0)
    assert wait_for(FailureStreak(count=2, last_failure_at=NOW), RULE, NOW) == timedelta(0)


# Account streaks: 3 free failures, then 2 s doubling; addresses: 10 free; strangers: at
# most 3 failures per 15 minutes.
SETTINGS = Settings(
    signin_free_failures_per_account=3,
    signin_free_failures_per_address=10,
    signin_delay_base_seconds=2,
    signin_delay_max_seconds=60,
    signin_stranger_failures_per_window=3,
    signin_stranger_window_seconds=900,
)


def test_the_longest_wait_that_applies_wins() -> None:
    def wait(account: FailureStreak, address: FailureStreak) -> timedelta:
        return required_wait(Attempt(False, account, [], address), SETTINGS, NOW)

    three = FailureStreak(count=3, last_failure_at=NOW)  # 2 s for an account, free for an address
    thirteen = FailureStreak(count=13, last_failure_at=NOW)  # 16 s for an address
    assert wait(three, thirteen) == seconds(16)
    assert wait(three, NO_FAILURES) == seconds(2)
    assert wait(NO_FAILURES, thirteen) == seconds(16)
    assert wait(NO_FAILURES, three) == timedelta(0)  # the address's higher threshold


def test_the_strangers_window_binds_strangers_only() -> None:
    window_full = [NOW - seconds(10), NOW - seconds(20), NOW - seconds(60)]
    stranger = Attempt(False, NO_FAILURES, window_full, NO_FAILURES)
    assert required_wait(stranger, SETTINGS, NOW) == timedelta(minutes=15) - seconds(60)
    # From a trusted address the account's own streak alone applies.
    trusted = Attempt(True, NO_FAILURES, window_full, NO_FAILURES)
    assert required_wait(trusted, SETTINGS, NOW) == timedelta(0)
    own_streak = FailureStreak(count=4, last_failure_at=NOW)
    assert required_wait(Attempt(True, own_streak, [], NO_FAILURES), SETTINGS, NOW) == seconds(4)


def test_waits_are_shown_in_whole_seconds_rounded_up() -> None:
    assert whole_seconds(seconds(0.01)) == 1
    assert whole_seconds(seconds(2)) == 2
    assert whole_seconds(seconds(2.001)) == 3


def test_the_rules_come_from_settings_with_more_room_per_address() -> None:
    settings = Settings(signin_delay_base_seconds=3, signin_delay_max_seconds=90)
    account, address = account_rule(settings), address_rule(settings)
    assert address.free_failures > account.free_failures
    assert account.base_delay == address.base_delay == seconds(3)
    assert account.max_delay == address.max_delay == seconds(90)


def test_a_free_attempt_never_waits_even_after_a_failure_recorded_later() -> None:
    # Another process (or clock) may have recorded a failure a moment after our "now".
    just_after = FailureStreak(count=2, last_failure_at=NOW + seconds(0.5))
    assert wait_for(just_after, RULE, NOW) == timedelta(0)


WINDOW = WindowRule(limit=3, window=timedelta(minutes=15))


def test_a_window_admits_its_limit_then_waits_for_the_oldest_counted_failure() -> None:
    assert window_wait([], WINDOW, NOW) == timedelta(0)
    two = [NOW - seconds(10), NOW - seconds(20)]
    assert window_wait(two, WINDOW, NOW) == timedelta(0)
    three = [*two, NOW - seconds(60)]
    assert window_wait(three, WINDOW, NOW) == timedelta(minutes=15) - seconds(60)
    # Once the oldest counted failure has left the window, one more guess is allowed.
    assert window_wait(three, WINDOW, NOW + timedelta(minutes=14)) == timedelta(0)


def test_the_strangers_window_comes_from_settings() -> None:
    rule = stranger_rule(
        Settings(signin_stranger_failures_per_window=4, signin_stranger_window_seconds=600)
    )
    assert rule == WindowRule(limit=4, window=seconds(600))
