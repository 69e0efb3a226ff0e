"""A calendar month as a value: "YYYY-MM" checked once, with its days and neighbours (standard library only)."""

import calendar
import re
from datetime import date

PATTERN = r"[0-9]{4}-(?:0[1-9]|1[0-2])"  # ASCII digits only: months are stored and compared as this text
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the months a person may ask for (parse); neighbours of those may lie outside
_SHAPE = re.compile(PATTERN)


class Month(str):
    """A valid month, immutable. It is its text "YYYY-MM" (a str), so it compares, sorts, is stored, put in URLs and
    serialised exactly as that text; only a well-formed one can be made: Month("2026-13") raises ValueError.

    Month.parse(text): a month someone asked for, also within FIRST_YEAR..LAST_YEAR (ValueError otherwise);
    Month.of(day), Month.from_parts(year, number);
    .year, .number, .first (date), .last (date), .bounds() -> (first day, first day of the next month),
    .next(), .previous().
    """

    __slots__ = ()

    def __new__(cls, text):
        if type(text) is cls:
            return text
        if not isinstance(text, str) or not _SHAPE.fullmatch(text):
            raise ValueError(f"not a month YYYY-MM: {text!r}")
        return super().__new__(cls, text)

    @classmethod
    def parse(cls, text):
        """'YYYY-MM' from FIRST_YEAR to LAST_YEAR -> Month; ValueError otherwise."""
        month = cls(text)
        if not FIRST_YEAR <= month.year <= LAST_YEAR:
            raise ValueError(f"not a month from {FIRST_YEAR} to {LAST_YEAR}: {text!r}")
        return month

    @classmethod
    def of(cls, day):
        """The month a date (or datetime) falls in."""
        return cls.from_parts(day.year, day.month)

    @classmethod
    def from_parts(cls, year, number):
        return cls(f"{year:04d}-{number:02d}")

    def __repr__(self):
        return f"Month({str(self)!r})"

    def __reduce__(self):
        return (Month, (str(self),))

    @property
    def year(self):
        return int(self[:4])

    @property
    def number(self):
        """1 (January) to 12."""
        return int(self[5:])

    @property
    def first(self):
        return date(self.year, self.number, 1)

    @property
    def last(self):
        return date(self.year, self.number, calendar.monthrange(self.year, self.number)[1])

    def bounds(self):
        """(first day, first day of the next month): the month is first <= day < next first."""
        return self.first, self.next().first

    def next(self):
        return Month.from_parts(self.year + self.number // 12, self.number % 12 + 1)

    def previous(self):
        return Month.from_parts(self.year - 1, 12) if self.number == 1 else Month.from_parts(self.year, self.number - 1)

    def plus(self, count):
        """The month `count` months later (earlier when negative)."""
        index = self.year * 12 + self.number - 1 + count
        return Month.from_parts(index // 12, index % 12 + 1)
