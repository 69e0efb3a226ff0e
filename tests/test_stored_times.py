"""CONTRACT 2: every stored time without an offset is local time in TRACKER_TIMEZONE, creation stamps included (the
audit log shows them beside its own local times)."""

from datetime import date

from tests.conftest import NOW
from tracker.customers.models import Customer
from tracker.extensions import db
from tracker.itinerary.models import Trip


def test_records_are_stamped_with_the_local_time_of_their_creation(api, team):
    assert api("POST", "/customers", "office", json={"name": "旗滨玻璃"}).status_code == 201
    response = api("POST", "/trips", "eng1", json={"date": "2026-11-18", "depart": "09:00", "return": "10:00"})
    assert response.status_code == 201, response.get_json()
    assert db.session.scalar(db.select(Customer.created_at)) == NOW
    assert db.session.scalar(db.select(Trip.created_at).where(Trip.day == date(2026, 11, 18))) == NOW
    assert team["eng1"].created_at is not None
