"""How long a sign-in must wait after failed attempts: pure rules, no database.

Two streaks are kept: the account's (the normalised login tried) and the client address's.
A streak is the failures since that key's last success, within a window. Each streak gets a
few free failures; after those, the next attempt must wait a delay that doubles with every
further failure, up to a cap, counted from the streak's latest failure. The caller must wait
for the longer of the two.

Refused (throttled) attempts are not failures: hammering during a wait neither lengthens it
nor costs a password check. Locking a real user out is therefore bounded: a delay never
exceeds the cap after the latest real guess; the user is told when the wait ends, and the
right password then signs in and resets the account's streak; sessions already signed in
(refresh tokens) are not affected at all. To keep an account waiting an attacker must spend
a real, recorded guess each time a wait ends (about a hundred a day at the default cap),
which is both visible in the audit and far too slow to guess a password.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.settings import Settings


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """Free failures, then ``base_delay * 2**k`` after the (free + k)-th, at most ``max_delay``."""

    free_failures: int
    base_delay: timedelta
    max_delay: timedelta


@dataclass(frozen=True, slots=True)
class FailureStreak:
    """Consecutive failures of one key (since its last success, within the window)."""

    count: int = 0
    last_failure_at: datetime | None = None


NO_FAILURES = FailureStreak()

# Beyond this the doubling has long passed any sensible cap; avoids huge powers of two.
_MAX_DOUBLINGS = 32


def delay_after(failures: int, rule: ThrottleRule) -> timedelta:
    """The wait imposed after ``failures`` consecutive failures (zero while some are free)."""
    if failures < rule.free_failures:
        return timedelta(0)
    doublings = min(failures - rule.free_failures, _MAX_DOUBLINGS)
    return min(rule.base_delay * (1 << doublings), rule.max_delay)


def wait_for(streak: FailureStreak, rule: ThrottleRule, now: datetime) -> timedelta:
    """How long from ``now`` until this key may try again (zero: it may try now)."""
    delay = delay_after(streak.count, rule)
    if streak.last_failure_at is None or not delay:
        # Checked first: a failure recorded a moment "after" now (another process's clock,
        # or one that took its time earlier) must not turn a free attempt into a wait.
        return timedelta(0)
    retry_at = streak.last_failure_at + delay
    return max(retry_at - now, timedelta(0))


def required_wait(
    account: FailureStreak,
    address: FailureStreak,
    *,
    account_rule: ThrottleRule,
    address_rule: ThrottleRule,
    now: datetime,
) -> timedelta:
    """The wait before this attempt may be checked: the longer of the two keys' waits."""
    return max(wait_for(account, account_rule, now), wait_for(address, address_rule, now))


def whole_seconds(wait: timedelta) -> int:
    """A wait as clients see it: whole seconds, rounded up, so retrying then succeeds."""
    return max(1, math.ceil(wait.total_seconds()))


def account_rule(settings: Settings) -> ThrottleRule:
    return ThrottleRule(
        free_failures=settings.signin_free_failures_per_account,
        base_delay=timedelta(seconds=settings.signin_delay_base_seconds),
        max_delay=timedelta(seconds=settings.signin_delay_max_seconds),
    )


def address_rule(settings: Settings) -> ThrottleRule:
    return ThrottleRule(
        free_failures=settings.signin_free_failures_per_address,
        base_delay=timedelta(seconds=settings.signin_delay_base_seconds),
        max_delay=timedelta(seconds=settings.signin_delay_max_seconds),
    )
