"""Months as 'YYYY-MM' strings: parsing and bounds."""

import re
from datetime import date

from flask_babel import gettext as _

from tracker.errors import Invalid

MONTH_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")  # ASCII digits only: months are stored as text


def parse(text, field="month"):
    """'YYYY-MM' -> (year, month); 422 otherwise."""
    match = MONTH_RE.match(text or "")
    if not match or not 2000 <= int(match.group(1)) <= 2099:
        raise Invalid.field(field, _("月份格式须为 YYYY-MM"))
    return int(match.group(1)), int(match.group(2))


def bounds(text):
    """First day of the month and first day of the next."""
    year, month = parse(text)
    return date(year, month, 1), next_first(year, month)


def next_first(year, month):
    return date(year + month // 12, month % 12 + 1, 1)


def of(day):
    return f"{day.year:04d}-{day.month:02d}"


def previous(text):
    year, month = parse(text)
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"
