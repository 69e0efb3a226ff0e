"""Working time between two instants: office hours on the workdays of a calendar given as data.

Pure: the calendar comes in as a mapping {date: is_workday} (the app reads it from the work calendar of
CONTRACT 4, holidays and make-up days applied); a date the mapping lacks counts as a workday from Monday to Friday.
Times are naive local datetimes, as recorded.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

HOURS_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")
DEFAULT_OFFICE_HOURS = "08:30-17:30"


@dataclass(frozen=True)
class OfficeHours:
    """Opening and closing time of a workday, in minutes after midnight (start < end <= 1440)."""

    start: int
    end: int

    def __str__(self):
        return f"{self.start // 60:02d}:{self.start % 60:02d}–{self.end // 60:02d}:{self.end % 60:02d}"


def parse_office_hours(text=DEFAULT_OFFICE_HOURS):
    """ "HH:MM-HH:MM" -> OfficeHours; ValueError when malformed or not opening before closing."""
    match = HOURS_RE.match(text or "")
    if not match:
        raise ValueError(f"office hours must look like 08:30-17:30, got {text!r}")
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    if end > 1440 or end <= start:
        raise ValueError(f"office hours must open before they close, got {text!r}")
    return OfficeHours(start, end)


def is_workday(day, workdays):
    value = workdays.get(day)
    return day.weekday() < 5 if value is None else bool(value)


def working_seconds(start, end, office, workdays):
    """Seconds of office time on workdays between two instants (0 when end is not after start)."""
    if end <= start:
        return 0
    total = 0
    day = start.date()
    while day <= end.date():
        if is_workday(day, workdays):
            opens = datetime.combine(day, time()) + timedelta(minutes=office.start)
            closes = datetime.combine(day, time()) + timedelta(minutes=office.end)
            lo, hi = max(start, opens), min(end, closes)
            if hi > lo:
                total += int((hi - lo).total_seconds())
        day += timedelta(days=1)
    return total


def days_spanned(*instants):
    """(first date, day after the last) covering the given instants (None ignored), for reading a calendar."""
    dates = [value.date() if isinstance(value, datetime) else value for value in instants if value is not None]
    if not dates:
        return None
    return min(dates), max(dates) + timedelta(days=1)

