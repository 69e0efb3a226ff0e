"""The current time in the configured zone; tests pin it with the NOW setting."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app


def zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def now():
    """Local naive datetime (times are stored as local wall time in TRACKER_TIMEZONE)."""
    fixed = current_app.config.get("NOW")
    if fixed is not None:
        return fixed
    return datetime.now(zone()).replace(tzinfo=None, microsecond=0)


def today():
    return now().date()


def to_local(value):
    """An aware datetime converted to naive local time; a naive one is taken as local already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone()).replace(tzinfo=None)
