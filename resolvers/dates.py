"""Calendar days of the company (its time zone) as UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from resolvers.errors import DomainError, ErrorCode

# A range longer than this is almost certainly a typo (year 2206 for 2026).
MAX_RANGE_DAYS = 3 * 366


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


def check_range(first: date, last: date, field: list[str]) -> DayRange:
    if last < first:
        raise DomainError(ErrorCode.VALIDATION, "`to` is before `from`.", field)
    if (last - first).days > MAX_RANGE_DAYS:
        raise DomainError(
            ErrorCode.VALIDATION, f"A range spans at most {MAX_RANGE_DAYS} days.", field
        )
    return DayRange(first, last)
