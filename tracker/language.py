"""The language a request's messages are in, as the scoring package names them ("zh" or "en")."""

from babel.dates import format_skeleton, get_month_names
from flask_babel import get_locale


def current():
    """ "en" when the request reads English (session, user setting), else "zh" (the default, also outside requests)."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def month_title(year, number):
    """A month as a heading in the request's language: 2027年1月, January 2027."""
    if current() == "en":
        return f"{get_month_names('wide', locale='en')[int(number)]} {year}"
    return f"{year}年{int(number)}月"


def month_of_year(number):
    """A month of no year in particular as a label: 1月, January."""
    return get_month_names("wide", locale="en")[int(number)] if current() == "en" else f"{int(number)}月"


def month_day(day):
    """A day of a month as a short label in the request's language: 11月9日, Nov 9 (11/9 read as 11 September)."""
    return format_skeleton("MMMd", day, locale="en" if current() == "en" else "zh")
