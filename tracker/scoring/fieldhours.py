"""Field-hour rules of CONTRACT section 3, over plain values."""

from decimal import Decimal

FULL_DAY = Decimal("7.5")
STEP_MINUTES = 30
MINUTES_PER_DAY = 1440


def parse_hhmm(text):
    """'HH:MM' (00:00..24:00) -> minutes after midnight; ValueError when malformed."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise ValueError("not HH:MM")
    hours, minutes = text[:2], text[3:]
    if not (text.isascii() and hours.isdigit() and minutes.isdigit()):
        raise ValueError("not HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > MINUTES_PER_DAY:
        raise ValueError("out of range")
    return total


def format_hhmm(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def trip_hours(depart_min, return_min, full_day=False):
    """Duration rounded up to the next half hour, at least 0.5 h; a full day is 7.5 h."""
    if full_day:
        return FULL_DAY
    duration = return_min - depart_min
    if duration <= 0:
        raise ValueError("return must be after depart")
    steps = max(1, -(-duration // STEP_MINUTES))
    return Decimal(steps) / 2


def day_hours(trips):
    """Trips as (hours, full_day) pairs -> min(7.5, sum), or 7.5 when any is full-day."""
    total = Decimal(0)
    for hours, full_day in trips:
        if full_day:
            return FULL_DAY
        total += Decimal(hours)
    return min(FULL_DAY, total)


def overlaps(a_start, a_end, b_start, b_end):
    """Half-open intervals: trips touching end to start do not overlap."""
    return a_start < b_end and b_start < a_end
