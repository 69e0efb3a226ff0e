"""GET /itineraries/{username}/{YYYY-MM}, submit and reopen, and the lock on a submitted month."""

from datetime import datetime

import pytest

from tests.api.support import assert_error, count, documented
from tracker.audit import AuditEvent
from tracker.itinerary.models import Expense, MonthSubmission, Trip


def test_month_itinerary_has_a_row_per_day_and_the_totals(app, api, team, customer):
    api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "12:10",
                                        "customer": "旗滨玻璃"})
    api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "13:00", "return": "17:00"})
    api("POST", "/trips", "eng1", json={"date": "2026-11-15", "full_day": True})
    api("POST", "/expenses", "eng1", json={"date": "2026-11-19", "category": "meals", "amount": 30.5})
    api("POST", "/expenses", "eng1", json={"date": "2026-11-02", "category": "lodging", "amount": 200})
    api("PUT", "/attendance/eng1/2026-11-18", "office", json={"status": "late"})

    body = documented(app, api("GET", "/itineraries/eng1/2026-11", "eng1"))
    assert (body["username"], body["month"], body["submitted"]) == ("eng1", "2026-11", False)
    assert body["field_hours"] == 15 and body["expenses_total"] == 230.5
    assert [d["date"] for d in body["days"]] == [f"2026-11-{n:02d}" for n in range(1, 31)]
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-11-19"]["field_hours"] == 7.5
    assert [t["depart"] for t in days["2026-11-19"]["trips"]] == ["08:00", "13:00"]
    assert days["2026-11-19"]["trips"][0]["customer"] == "旗滨玻璃"
    assert days["2026-11-19"]["expenses"][0]["amount"] == 30.5
    assert days["2026-11-15"] == {"date": "2026-11-15", "workday": False, "attendance": None,
                                  "trips": days["2026-11-15"]["trips"], "field_hours": 7.5, "expenses": []}
    assert days["2026-11-18"]["attendance"] == "late"
    assert days["2026-11-17"]["attendance"] == "present"
    assert days["2026-11-02"]["expenses"][0]["category"] == "lodging"


def test_empty_month_has_zero_totals(app, api, team):
    body = documented(app, api("GET", "/itineraries/eng1/2026-02", "eng1"))
    assert body["field_hours"] == 0 and body["expenses_total"] == 0 and len(body["days"]) == 28


@pytest.mark.parametrize("user, status", [
    ("eng1", 200), ("office", 200), ("mgr", 200), ("gm.wang", 200), ("admin", 200),
    ("eng2", 403), ("eng3", 403), ("mgr2", 403),
])
def test_who_sees_an_itinerary(app, api, team, user, status):
    response = api("GET", "/itineraries/eng1/2026-11", user)
    if status == 200:
        assert documented(app, response)["username"] == "eng1"
    else:
        assert_error(response, status)


@pytest.mark.parametrize("path, status", [
    ("/itineraries/eng1/2026-13", 422),
    ("/itineraries/eng1/2026-1", 422),
    ("/itineraries/eng1/2026-00", 422),
    ("/itineraries/eng1/1999-12", 422),
    ("/itineraries/eng1/november", 422),
    ("/itineraries/EN/2026-11", 422),
    ("/itineraries/nobody/2026-11", 404),
    ("/itineraries/mgr/2026-11", 404),
])
def test_bad_itinerary_paths_are_4xx(api, team, path, status):
    assert_error(api("GET", path, "admin"), status)


def test_itinerary_needs_a_token(api, team):
    assert_error(api("GET", "/itineraries/eng1/2026-11"), 401)


# ---- submit and reopen ---------------------------------------------------------------------------


def test_engineer_submits_own_month(app, api, team):
    body = documented(app, api("POST", "/itineraries/eng1/2026-10/submit", "eng1"))
    assert body == {"username": "eng1", "month": "2026-10", "submitted": True,
                    "submitted_at": "2026-11-20T10:00:00+08:00"}
    assert api("GET", "/itineraries/eng1/2026-10", "mgr").get_json()["submitted"] is True
    assert count(MonthSubmission) == 1


@pytest.mark.parametrize("user, path, status", [
    ("eng2", "/itineraries/eng1/2026-10/submit", 403),
    ("mgr", "/itineraries/eng1/2026-10/submit", 403),
    ("office", "/itineraries/eng1/2026-10/submit", 403),
    ("eng1", "/itineraries/eng1/2026-12/submit", 409),     # not started yet: from its last workday on
    ("eng1", "/itineraries/eng1/2026-13/submit", 422),
    ("eng1", "/itineraries/eng1/٢٠٢٦-10/submit", 422),      # digits other than ASCII
    ("eng1", "/itineraries/nobody/2026-10/submit", 404),
    (None, "/itineraries/eng1/2026-10/submit", 401),
])
def test_submit_refused(api, team, user, path, status):
    assert_error(api("POST", path, user), status)
    assert count(MonthSubmission) == 0


def test_submitting_twice_is_409(api, team):
    api("POST", "/itineraries/eng1/2026-10/submit", "eng1")
    assert_error(api("POST", "/itineraries/eng1/2026-10/submit", "eng1"), 409)
    assert count(MonthSubmission) == 1


@pytest.fixture
def locked(app, api, team):
    """eng1 has a trip and an expense on 2026-11-19 and has submitted November (on its last workday, the 30th)."""
    app.config["NOW"] = datetime(2026, 11, 30, 17, 0)
    trip = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "09:00"})
    expense = api("POST", "/expenses", "eng1", json={"date": "2026-11-19", "category": "meals", "amount": 20})
    assert api("POST", "/itineraries/eng1/2026-11/submit", "eng1").status_code == 200
    return {"trip": trip.get_json()["id"], "expense": expense.get_json()["id"]}


@pytest.mark.parametrize("user", ["eng1", "office", "mgr"])
def test_submitted_month_refuses_changes_with_409(api, locked, user):
    calls = [
        ("POST", "/trips", {"engineer": "eng1", "date": "2026-11-18", "full_day": True}),
        ("PATCH", f"/trips/{locked['trip']}", {"note": "x"}),
        ("DELETE", f"/trips/{locked['trip']}", None),
        ("POST", "/expenses", {"engineer": "eng1", "date": "2026-11-18", "category": "meals", "amount": 1}),
        ("PATCH", f"/expenses/{locked['expense']}", {"amount": 1}),
        ("DELETE", f"/expenses/{locked['expense']}", None),
    ]
    for method, path, body in calls:
        assert_error(api(method, path, user, json=body), 409)
    assert count(Trip) == 1 and count(Expense) == 1


def test_trip_may_not_move_into_or_out_of_a_submitted_month(api, locked):
    october = api("POST", "/trips", "eng1", json={"date": "2026-10-19", "full_day": True}).get_json()["id"]
    assert_error(api("PATCH", f"/trips/{october}", "eng1", json={"date": "2026-11-18"}), 409)
    assert_error(api("PATCH", f"/trips/{locked['trip']}", "eng1", json={"date": "2026-10-18"}), 409)


def test_other_months_stay_open(api, locked):
    assert api("POST", "/trips", "eng1", json={"date": "2026-10-19", "full_day": True}).status_code == 201


@pytest.mark.parametrize("user", ["mgr", "gm.wang"])
def test_manager_above_or_gm_reopens_and_changes_work_again(app, api, locked, user):
    body = documented(app, api("POST", "/itineraries/eng1/2026-11/reopen", user))
    assert body == {"username": "eng1", "month": "2026-11", "submitted": False, "submitted_at": None}
    assert count(AuditEvent, AuditEvent.kind == "action") == 2      # submit and reopen are logged
    assert api("DELETE", f"/trips/{locked['trip']}", "eng1").status_code == 204
    assert api("DELETE", f"/expenses/{locked['expense']}", "eng1").status_code == 204
    assert api("POST", "/trips", "eng1", json={"date": "2026-11-18", "full_day": True}).status_code == 201


@pytest.mark.parametrize("user, path, status", [
    ("mgr2", "/itineraries/eng1/2026-11/reopen", 403),
    ("eng1", "/itineraries/eng1/2026-11/reopen", 403),
    ("office", "/itineraries/eng1/2026-11/reopen", 403),
    ("admin", "/itineraries/eng1/2026-11/reopen", 403),
    ("mgr", "/itineraries/eng1/2026-10/reopen", 409),       # not submitted
    ("mgr", "/itineraries/eng1/2026-13/reopen", 422),
    ("mgr", "/itineraries/eng9/2026-11/reopen", 404),
])
def test_reopen_refused(api, locked, user, path, status):
    assert_error(api("POST", path, user), status)
    assert count(MonthSubmission) == 1
