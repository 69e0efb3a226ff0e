"""The Month value: one parser, its days and neighbours; a str that is its own "YYYY-MM" text."""

import json
import pickle
from datetime import date, datetime

import pytest

from tracker.scoring.month import Month


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "", " 2026-01", "2026-01 ",
                                  "２０２６-01", "1999-12", "2101-01", None, 202601])
def test_parse_refuses_what_is_not_a_month_someone_may_ask_for(text):
    with pytest.raises(ValueError):
        Month.parse(text)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "", "x", None])
def test_only_well_formed_months_can_be_made(text):
    with pytest.raises(ValueError):
        Month(text)


def test_a_month_is_its_text_and_compares_sorts_and_serialises_as_it():
    month = Month.parse("2026-11")
    assert month == "2026-11" and str(month) == "2026-11" and f"{month}" == "2026-11"
    assert sorted([Month("2027-01"), Month("2026-12"), "2026-02"]) == ["2026-02", "2026-12", "2027-01"]
    assert json.dumps({"month": month}) == '{"month": "2026-11"}'
    assert pickle.loads(pickle.dumps(month)) == month and type(pickle.loads(pickle.dumps(month))) is Month
    assert Month(month) is month and repr(month) == "Month('2026-11')"
    with pytest.raises(AttributeError):
        month.extra = 1


def test_parts_days_and_bounds():
    month = Month("2024-02")
    assert (month.year, month.number) == (2024, 2)
    assert (month.first, month.last) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month.bounds() == (date(2024, 2, 1), date(2024, 3, 1))
    assert Month("2026-12").bounds() == (date(2026, 12, 1), date(2027, 1, 1))


@pytest.mark.parametrize("text, previous, following", [("2026-11", "2026-10", "2026-12"),
                                                       ("2026-01", "2025-12", "2026-02"),
                                                       ("2026-12", "2026-11", "2027-01"),
                                                       ("2000-01", "1999-12", "2000-02")])
def test_neighbours(text, previous, following):
    assert (Month(text).previous(), Month(text).next()) == (previous, following)


def test_of_a_day_from_parts_and_plus():
    assert Month.of(date(2026, 3, 31)) == "2026-03" and Month.of(datetime(2026, 1, 1, 0, 0)) == "2026-01"
    assert Month.from_parts(2026, 7) == "2026-07"
    assert Month("2026-11").plus(2) == "2027-01" and Month("2026-11").plus(-11) == "2025-12"
