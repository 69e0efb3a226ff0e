"""Eligibility after six months' service, and mid-year / annual means (months are tracker.scoring.month.Month)."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tracker.scoring.decimals import mean
from tracker.scoring.month import Month

PERIODS = {"mid_year": range(1, 7), "annual": range(1, 13)}
SERVICE_MONTHS = 6
EARLY_CONFIRMATION_MONTHS = 3  # seed form 2: 工作特别突出的，且满三个月的，可提前转正


def last_day(year, month):
    """The last date of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day, months):
    """day + months; a month-end day (or one the target month lacks) lands on the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    end = last_day(year, month + 1)
    if day == last_day(day.year, day.month) or day.day > end.day:
        return end
    return date(year, month + 1, day.day)


def first_assessed(hire_date, early_confirmation_month=None):
    """The first month an engineer is assessed in (CONTRACT 7), None when never: the month hire date + 6 months
    falls in, or an earlier early confirmation month. Every question of eligibility is answered from this."""
    starts = [Month(str(early_confirmation_month))] if early_confirmation_month is not None else []
    if hire_date is not None:
        starts.append(Month.of(add_months(hire_date, SERVICE_MONTHS)))
    return min(starts, default=None)


def eligible(hire_date, month, early_confirmation_month=None):
    """Assessed in month when hire date + 6 months <= its last day, or an early confirmation month <= it."""
    first = first_assessed(hire_date, early_confirmation_month)
    return first is not None and first <= Month(month)


@dataclass(frozen=True)
class PeriodScore:
    """A mid-year or annual score: the exact mean (None when no month has a total) and the months averaged."""

    score: Decimal | None
    months: tuple


def period_mean(totals, year, period):
    """Mean of the monthly totals of `period` ("mid_year" Jan–Jun, "annual" Jan–Dec) in year.

    totals maps "YYYY-MM" to the stored (rounded) total, or None when the month has none; pass eligible months
    only — an ineligible month has no total either way.
    """
    wanted = {Month.from_parts(year, m) for m in PERIODS[period]}
    months = tuple(sorted(m for m, total in totals.items() if m in wanted and total is not None))
    return PeriodScore(mean(Decimal(totals[m]) for m in months), months)
