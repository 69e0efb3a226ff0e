"""Months at the app's edges: in URLs (a converter), in request values (a 422 with the field), in columns (a type);
years in URLs (a converter) alike.

The value itself, Month, is pure and lives in tracker/scoring/month.py.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import BaseConverter, UnicodeConverter

from tracker.errors import Invalid
from tracker.scoring.month import FIRST_YEAR, LAST_YEAR, Month

MONTH_MESSAGE = _l("月份须为 YYYY-MM，年份在 2000–2099 之间")
YEAR_MESSAGE = _l("年份须为 2000–2099 的四位数字")


def month_arg(text, field="month"):
    """A month someone sent (query string, form, JSON body, command line) -> Month; 422 on that field otherwise."""
    try:
        return Month.parse(text)
    except ValueError:
        raise Invalid.field(field, str(MONTH_MESSAGE)) from None


def askable(value):
    """Jinja test: a month (Month or "YYYY-MM") or a year (int) that a URL may name, so that a page links to its
    neighbours only where they answer (2099-12 has no next month to link to, 2000 no year before)."""
    year = value if isinstance(value, int) else int(str(value)[:4])
    return FIRST_YEAR <= year <= LAST_YEAR


class BadMonth(UnprocessableEntity):
    """A month in a URL that is not one; create_app answers it like month_arg's 422 (web page or API JSON)."""


class MonthConverter(BaseConverter):
    """<month:name> in a route: the view gets a Month. Pattern and weight are exactly the default converter's, so
    Werkzeug keeps such a segment in the same matching state as a plain <name> and a URL picks the same route as
    before (/scores/2026/annual stays the annual scores); a segment that is not a month answers 422, as the
    contract says of invalid values."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.regex = UnicodeConverter(url_map).regex

    def to_python(self, value):
        try:
            return Month.parse(value)
        except ValueError:
            raise BadMonth() from None

    def to_url(self, value):
        return super().to_url(str(value))


class BadYear(UnprocessableEntity):
    """A year in a URL outside 2000–2099 or not four ASCII digits; create_app answers it with a 422 on `year`."""


class YearConverter(BaseConverter):
    """<year:name> in a route: the view gets the year as an int, one a month may be asked for (2000–2099, four ASCII
    digits); anything else answers 422 like a bad month. Pattern and weight are the default converter's, as for
    MonthConverter, so a URL picks the same route as with a plain <name>."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.regex = UnicodeConverter(url_map).regex

    def to_python(self, value):
        if not (len(value) == 4 and value.isascii() and value.isdigit() and FIRST_YEAR <= int(value) <= LAST_YEAR):
            raise BadYear()
        return int(value)

    def to_url(self, value):
        return super().to_url(str(value))


class MonthColumn(TypeDecorator):
    """A month stored as its text "YYYY-MM" (VARCHAR(7)); read back as a Month. Storing or comparing with
    something that is not a month raises ValueError: check values where they come in (month_arg)."""

    impl = String(7)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(Month(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Month(value)
