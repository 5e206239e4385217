"""Calendar days of the company (its time zone) as UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from resolvers.errors import DomainError, ErrorCode

# A range longer than this is almost certainly a typo (year 2206 for 2026).
MAX_RANGE_DAYS = 3 * 366
# The first and last days whose midnights, and the midnight after, Python can represent as
# UTC instants in any time zone (offsets stay within a day): beyond them the conversion
# overflows.
EARLIEST_DAY = date.min + timedelta(days=1)
LATEST_DAY = date.max - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DayRange:
    """Inclusive calendar days, read in the company's time zone."""

    first: date
    last: date

    def instants(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end): local midnight of the first day to local midnight after the last."""
        return local_midnight(self.first, zone), local_midnight(self.last + timedelta(days=1), zone)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()


def check_instant(value: datetime, field: list[str]) -> datetime:
    """``value`` if it has an offset and falls where UTC can represent it; VALIDATION
    otherwise (a naive time is ambiguous, and storing either would be a server error)."""
    if value.tzinfo is None:
        raise DomainError(ErrorCode.VALIDATION, "Give the time with its offset.", field)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise DomainError(ErrorCode.VALIDATION, "That time is out of range.", field) from None
    return value


def check_range(first: date, last: date, field: list[str]) -> DayRange:
    if last < first:
        raise DomainError(ErrorCode.VALIDATION, "`to` is before `from`.", field)
    if first < EARLIEST_DAY or last > LATEST_DAY:
        raise DomainError(
            ErrorCode.VALIDATION, f"Days run from {EARLIEST_DAY} to {LATEST_DAY}.", field
        )
    if (last - first).days > MAX_RANGE_DAYS:
        raise DomainError(
            ErrorCode.VALIDATION, f"A range spans at most {MAX_RANGE_DAYS} days.", field
        )
    return DayRange(first, last)
