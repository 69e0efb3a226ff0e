"""The pure field-hour rules of CONTRACT 3 (tracker/scoring/fieldhours.py)."""

from decimal import Decimal

import pytest

from tracker.scoring import fieldhours


@pytest.mark.parametrize("text, minutes", [
    ("00:00", 0), ("08:30", 510), ("23:59", 1439), ("24:00", 1440),
])
def test_parse_hhmm_accepts_times_from_midnight_to_midnight(text, minutes):
    assert fieldhours.parse_hhmm(text) == minutes


@pytest.mark.parametrize("text", ["24:01", "25:00", "8:30", "08:60", "ab:cd", "0830", "", None, "08:30:00", " 8:30"])
def test_parse_hhmm_refuses_anything_else(text):
    with pytest.raises(ValueError):
        fieldhours.parse_hhmm(text)


@pytest.mark.parametrize("minutes, hours", [
    (1, "0.5"), (20, "0.5"), (30, "0.5"), (31, "1.0"), (60, "1.0"), (61, "1.5"), (130, "2.5"), (450, "7.5"),
    (600, "10.0"),
])
def test_trip_hours_round_up_to_the_next_half_hour(minutes, hours):
    assert fieldhours.trip_hours(480, 480 + minutes) == Decimal(hours)


def test_full_day_trip_counts_seven_and_a_half_hours():
    assert fieldhours.trip_hours(None, None, full_day=True) == Decimal("7.5")


@pytest.mark.parametrize("depart, ret", [(600, 600), (600, 540)])
def test_trip_hours_need_return_after_depart(depart, ret):
    with pytest.raises(ValueError):
        fieldhours.trip_hours(depart, ret)


@pytest.mark.parametrize("trips, hours", [
    ([], "0"),
    ([(Decimal("2.5"), False), (Decimal("1"), False)], "3.5"),
    ([(Decimal("4"), False), (Decimal("4"), False)], "7.5"),
    ([(Decimal("3"), False), (Decimal("3"), False), (Decimal("3"), False)], "7.5"),
    ([(Decimal("0.5"), False), (Decimal("7.5"), True)], "7.5"),
])
def test_day_hours_are_capped_at_seven_and_a_half(trips, hours):
    assert fieldhours.day_hours(trips) == Decimal(hours)


@pytest.mark.parametrize("a, b, expected", [
    ((480, 600), (600, 720), False),   # touching end to start
    ((600, 720), (480, 600), False),
    ((480, 601), (600, 720), True),
    ((480, 720), (540, 600), True),    # contained
    ((480, 540), (600, 660), False),
])
def test_trips_overlap_only_when_they_share_time(a, b, expected):
    assert fieldhours.overlaps(*a, *b) is expected
