"""How long a sign-in must wait after failed attempts: pure rules, no database.

Failures are counted per account (the user, whichever of their identifiers was typed; an
unknown login is its own account, so that the throttle does not tell which logins exist)
and per client address:

- An address from which the account signed in recently is *trusted* for it. Its failures
  form their own streak, reset by its next success: a few free failures, then a delay that
  doubles with every further failure, up to a cap, counted from the latest failure.
- Every other address is a *stranger*. Strangers share one streak per account (the same
  doubling rule, reset by any success of the account) and, on top, a sliding window: at
  most a few failures per account in any window (five per 15 minutes by default), however
  many addresses the guesses come from.
- The address has its own streak across all the accounts tried from it (more free
  failures: phones share carrier NAT addresses), against password spraying.

The caller waits for the longest wait that applies. So an attacker who knows a login gets
at most five guesses per window in all and slows only strangers: the owner, from an
address they have signed in from before, keeps their own allowance; and sessions already
signed in (refresh tokens) are never affected.

Refused (throttled) attempts are not failures: hammering during a wait neither lengthens it
nor costs a password check.
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


@dataclass(frozen=True, slots=True)
class WindowRule:
    """At most ``limit`` failures in any sliding ``window``."""

    limit: int
    window: timedelta


def window_wait(recent_failures: list[datetime], rule: WindowRule, now: datetime) -> timedelta:
    """How long until the window holds fewer than ``limit`` failures.

    ``recent_failures``: the latest failures within the window, newest first, at most
    ``limit`` of them (more change nothing).
    """
    if len(recent_failures) < rule.limit:
        return timedelta(0)
    oldest_counted = recent_failures[rule.limit - 1]
    return max(oldest_counted + rule.window - now, timedelta(0))


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the recorded attempts say about one sign-in attempt's keys.

    ``account``: the account's streak from this address when the address is trusted for
    it, else the strangers' shared streak; ``stranger_failures``: the strangers' latest
    failures in the window, newest first (unused when trusted); ``address``: the address's
    streak across every account."""

    trusted: bool
    account: FailureStreak
    stranger_failures: list[datetime]
    address: FailureStreak


def required_wait(attempt: Attempt, settings: Settings, now: datetime) -> timedelta:
    """The wait before this attempt may be checked: the longest of the waits that apply
    (the module doc): the account's streak, the strangers' window unless the address is
    trusted, and the address's streak."""
    account_wait = wait_for(attempt.account, account_rule(settings), now)
    if not attempt.trusted:
        window = window_wait(attempt.stranger_failures, stranger_rule(settings), now)
        account_wait = max(account_wait, window)
    return max(account_wait, wait_for(attempt.address, address_rule(settings), now))


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


def stranger_rule(settings: Settings) -> WindowRule:
    return WindowRule(
        limit=settings.signin_stranger_failures_per_window,
        window=timedelta(seconds=settings.signin_stranger_window_seconds),
    )
