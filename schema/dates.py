"""Calendar inputs shared by the areas."""

from __future__ import annotations

from datetime import date

import strawberry

from resolvers.dates import DayRange, check_range


@strawberry.input(
    description="Inclusive calendar days, read in the company's time zone (Asia/Kolkata)."
)
class DateRange:
    from_: date = strawberry.field(name="from")
    to: date

    def to_days(self, field: list[str]) -> DayRange:
        return check_range(self.from_, self.to, field)
