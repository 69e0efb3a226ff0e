"""Field-hour rules through the real service and database (CONTRACT 3)."""

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import NOW
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.itinerary import services
from tracker.itinerary.models import Trip

DAY = date(2026, 11, 2)  # a Monday before the pinned NOW (2026-11-20 10:00)


def save(engineer, **data):
    trip = services.save_trip(engineer, engineer, {"date": DAY, **data}, now=NOW)
    db.session.commit()
    return trip


@pytest.mark.parametrize("depart, ret, hours", [
    ("08:00", "08:20", "0.5"),   # 20 min
    ("08:00", "08:30", "0.5"),   # 30 min
    ("08:00", "08:31", "1.0"),   # 31 min
    ("08:00", "10:10", "2.5"),   # 2 h 10
    ("20:00", "24:00", "4.0"),   # to midnight
    ("00:00", "24:00", "24.0"),  # a whole day of travel counts 7.5 per day below
])
def test_trip_hours_are_stored_by_the_rules(team, depart, ret, hours):
    trip = save(team["eng1"], depart=depart, **{"return": ret})
    assert trip.hours == Decimal(hours)


def test_full_day_trip_counts_seven_and_a_half_hours(team):
    trip = save(team["eng1"], full_day=True)
    assert trip.hours == Decimal("7.5")
    assert services.day_field_hours(team["eng1"], DAY) == Decimal("7.5")


def test_day_field_hours_are_capped_over_several_trips(team):
    eng = team["eng1"]
    for depart, ret in [("06:00", "09:00"), ("09:00", "12:00"), ("13:00", "16:00")]:
        save(eng, depart=depart, **{"return": ret})
    save(eng, date=date(2026, 11, 3), depart="08:00", **{"return": "09:00"})
    assert services.day_field_hours(eng, DAY) == Decimal("7.5")
    view = services.month_view(eng, "2026-11")
    assert view["field_hours"] == Decimal("8.5")
    first, nxt = date(2026, 11, 1), date(2026, 12, 1)
    assert services.month_field_hours([eng.id], first, nxt) == {eng.id: Decimal("8.5")}


def test_month_field_hours_aggregate_every_engineer_in_one_query(team):
    save(team["eng1"], full_day=True)
    save(team["eng1"], depart="08:00", **{"return": "09:00"})
    save(team["eng2"], depart="08:00", **{"return": "08:10"})
    totals = services.month_field_hours([team["eng1"].id, team["eng2"].id, team["eng3"].id],
                                        date(2026, 11, 1), date(2026, 12, 1))
    assert totals == {team["eng1"].id: Decimal("7.5"), team["eng2"].id: Decimal("0.5")}


def test_overlapping_trips_are_refused_naming_the_other_trip(team):
    eng = team["eng1"]
    first = save(eng, depart="08:00", **{"return": "10:00"})
    with pytest.raises(Invalid) as caught:
        services.save_trip(eng, eng, {"date": DAY, "depart": "09:30", "return": "11:00"}, now=NOW)
    db.session.rollback()
    assert caught.value.extra["conflicting_trip"] == first.id
    assert "08:00–10:00" in caught.value.message and "#" not in caught.value.message  # times, not an id
    assert "depart" in caught.value.fields
    assert db.session.query(Trip).count() == 1


def test_touching_trips_do_not_overlap(team):
    eng = team["eng1"]
    save(eng, depart="08:00", **{"return": "10:00"})
    save(eng, depart="10:00", **{"return": "11:00"})
    assert services.day_field_hours(eng, DAY) == Decimal("3.0")


def test_full_day_trip_does_not_conflict_with_timed_trips(team):
    eng = team["eng1"]
    save(eng, depart="08:00", **{"return": "10:00"})
    save(eng, full_day=True)
    assert services.day_field_hours(eng, DAY) == Decimal("7.5")


def test_changing_a_trip_does_not_conflict_with_itself(team):
    eng = team["eng1"]
    trip = save(eng, depart="08:00", **{"return": "10:00"})
    services.save_trip(eng, eng, {"date": DAY, "depart": "08:30", "return": "10:30"}, trip=trip, now=NOW)
    db.session.commit()
    assert trip.hours == Decimal("2.0")


def test_trips_of_different_engineers_never_conflict(team):
    save(team["eng1"], depart="08:00", **{"return": "10:00"})
    save(team["eng2"], depart="08:00", **{"return": "10:00"})
    assert db.session.query(Trip).count() == 2


def test_a_future_date_is_refused(team):
    with pytest.raises(Invalid) as caught:
        services.save_trip(team["eng1"], team["eng1"], {"date": date(2026, 11, 21), "full_day": True}, now=NOW)
    assert "date" in caught.value.fields


def test_today_and_weekends_are_allowed(team):
    save(team["eng1"], date=date(2026, 11, 20), full_day=True)
    save(team["eng1"], date=date(2026, 11, 1), full_day=True)  # a Sunday
    assert db.session.query(Trip).count() == 2
