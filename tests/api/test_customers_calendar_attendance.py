"""POST/GET /customers, PUT/GET/DELETE /calendar, PUT /attendance."""

from datetime import date

import pytest

from tests.api.support import assert_error, count, documented
from tracker.audit import AuditEvent
from tracker.itinerary.models import Attendance, CalendarDay
from tracker.customers.models import Customer

# ---- customers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["admin", "office"])
def test_admin_and_backoffice_add_customers(app, api, team, user):
    body = documented(app, api("POST", "/customers", user, json={"name": "旗滨玻璃"}))
    assert body == {"id": body["id"], "name": "旗滨玻璃"}
    assert isinstance(body["id"], int)


def test_customer_names_are_stored_nfc(app, api, team):
    body = documented(app, api("POST", "/customers", "office", json={"name": "Cafe\u0301"}))
    assert body["name"] == "Caf\u00e9"


@pytest.mark.parametrize("user", ["eng1", "mgr", "gm.wang"])
def test_others_may_not_add_customers(api, team, user):
    assert_error(api("POST", "/customers", user, json={"name": "旗滨玻璃"}), 403)
    assert count(Customer) == 0


@pytest.mark.parametrize("body", [
    {"name": ""}, {"name": "a/b"}, {"name": "a:b"}, {"name": "长" * 41}, {"name": " 旗滨"}, {"name": "旗滨."},
    {"name": "bad\u0000"}, {"name": "tab\there"}, {"name": 123}, {"name": None}, {}, {"name": "x", "city": "y"},
])
def test_bad_customer_name_is_422_and_stores_nothing(api, team, body):
    assert_error(api("POST", "/customers", "office", json=body), 422)
    assert count(Customer) == 0


def test_duplicate_customer_is_422(api, team, customer):
    assert_error(api("POST", "/customers", "office", json={"name": "旗滨玻璃"}), 422, "name")
    assert count(Customer) == 1


def test_everyone_logged_in_lists_customers_by_name(app, api, team):
    for name in ("中联重科", "三一重工", "Acme"):
        api("POST", "/customers", "office", json={"name": name})
    body = documented(app, api("GET", "/customers", "eng1"))
    assert sorted(c["name"] for c in body["customers"]) == [c["name"] for c in body["customers"]]
    assert {c["name"] for c in body["customers"]} == {"中联重科", "三一重工", "Acme"}
    assert_error(api("GET", "/customers"), 401)


# ---- calendar ------------------------------------------------------------------------------------


def test_month_calendar_applies_official_holidays_and_make_up_days(app, api, team):
    body = documented(app, api("GET", "/calendar/2026-10", "eng1"))
    days = {d["date"]: d for d in body["days"]}
    assert body["month"] == "2026-10" and body["holidays_known"] is True and len(days) == 31
    assert days["2026-10-01"]["workday"] is False      # National Day
    assert days["2026-10-10"]["workday"] is True       # a Saturday made a workday
    assert days["2026-10-12"] == {"date": "2026-10-12", "workday": True, "official_workday": True,
                                  "override": False, "note": None}


def test_year_without_holiday_data_is_plain_monday_to_friday_and_flagged(app, api, team):
    body = documented(app, api("GET", "/calendar/2099-01", "admin"))
    assert body["holidays_known"] is False
    assert [d["workday"] for d in body["days"][:7]] == [True, True, False, False, True, True, True]  # 1 Jan 2099: Thu


def test_admin_overrides_a_day(app, api, team):
    body = documented(app, api("PUT", "/calendar/2026-11-21", "admin", json={"workday": True, "note": "补班"}))
    assert body == {"date": "2026-11-21", "workday": True, "official_workday": False, "override": True,
                    "note": "补班"}
    day = {d["date"]: d for d in api("GET", "/calendar/2026-11", "eng1").get_json()["days"]}["2026-11-21"]
    assert day["workday"] is True and day["override"] is True
    assert count(AuditEvent, AuditEvent.kind == "action") == 1


def test_override_can_be_changed_and_removed(app, api, team):
    api("PUT", "/calendar/2026-11-20", "admin", json={"workday": False})
    body = documented(app, api("PUT", "/calendar/2026-11-20", "admin", json={"workday": True}))
    assert body["workday"] is True and count(CalendarDay) == 1
    documented(app, api("DELETE", "/calendar/2026-11-20", "admin"))
    assert count(CalendarDay) == 0


@pytest.mark.parametrize("user", ["eng1", "office", "mgr", "gm.wang"])
def test_only_admin_changes_the_calendar(api, team, user):
    assert_error(api("PUT", "/calendar/2026-11-21", user, json={"workday": True}), 403)
    assert_error(api("DELETE", "/calendar/2026-11-21", user), 403)
    assert count(CalendarDay) == 0


@pytest.mark.parametrize("path, body, status", [
    ("/calendar/2026-02-30", {"workday": True}, 422),
    ("/calendar/2026-13-01", {"workday": True}, 422),
    ("/calendar/20261121", {"workday": True}, 422),
    ("/calendar/2026-11-21", {"workday": "yes"}, 422),
    ("/calendar/2026-11-21", {"workday": 1}, 422),
    ("/calendar/2026-11-21", {}, 422),
    ("/calendar/2026-11-21", {"workday": True, "holiday": "x"}, 422),
    ("/calendar/2026-11-21", {"workday": True, "note": "长" * 101}, 422),
])
def test_bad_calendar_change_is_refused_and_stores_nothing(api, team, path, body, status):
    assert_error(api("PUT", path, "admin", json=body), status)
    assert count(CalendarDay) == 0 and count(AuditEvent, AuditEvent.kind == "action") == 0


@pytest.mark.parametrize("path", ["/calendar/2026-13", "/calendar/2026-1", "/calendar/1999-01", "/calendar/x"])
def test_bad_month_calendar_is_422(api, team, path):
    assert_error(api("GET", path, "eng1"), 422)


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
def test_dates_outside_2000_to_2099_are_refused_by_the_calendar(app, api, team, day):
    assert assert_error(api("PUT", f"/calendar/{day}", "admin", json={"workday": True}), 422, "date")["message"] \
        == "年份须在 2000 到 2099 之间"
    assert count(CalendarDay) == 0


# ---- attendance ----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["office", "mgr", "admin"])
def test_attendance_is_recorded_by_backoffice_manager_above_or_admin(app, api, team, user):
    body = documented(app, api("PUT", "/attendance/eng1/2026-11-19", user, json={"status": "late"}))
    assert {key: body[key] for key in ("username", "date", "status")} == {"username": "eng1", "date": "2026-11-19",
                                                                       "status": "late"} and body["id"]
    day = {d["date"]: d for d in api("GET", "/itineraries/eng1/2026-11", "eng1").get_json()["days"]}["2026-11-19"]
    assert day["attendance"] == "late"


def test_present_clears_the_record(app, api, team):
    api("PUT", "/attendance/eng1/2026-11-19", "office", json={"status": "sick_leave"})
    assert count(Attendance) == 1
    assert documented(app, api("PUT", "/attendance/eng1/2026-11-19", "office",
                               json={"status": "present"}))["status"] == "present"
    assert count(Attendance) == 0


def test_attendance_status_can_be_changed(api, team):
    api("PUT", "/attendance/eng1/2026-11-19", "office", json={"status": "late"})
    api("PUT", "/attendance/eng1/2026-11-19", "office", json={"status": "annual_leave"})
    assert count(Attendance) == 1
    days = api("GET", "/itineraries/eng1/2026-11", "office").get_json()["days"]
    assert {d["date"]: d["attendance"] for d in days}["2026-11-19"] == "annual_leave"


@pytest.mark.parametrize("user", ["eng1", "eng2", "gm.wang", "mgr2"])
def test_others_may_not_record_attendance(api, team, user):
    assert_error(api("PUT", "/attendance/eng1/2026-11-19", user, json={"status": "absent"}), 403)
    assert count(Attendance) == 0


@pytest.mark.parametrize("path, body, status", [
    ("/attendance/eng1/2026-11-21", {"status": "late"}, 422),            # Saturday
    ("/attendance/eng1/2026-10-01", {"status": "late"}, 422),            # National Day
    ("/attendance/eng1/2026-02-30", {"status": "late"}, 422),
    ("/attendance/eng1/2026-13-01", {"status": "late"}, 422),
    ("/attendance/eng1/2026-11-19", {"status": "asleep"}, 422),
    ("/attendance/eng1/2026-11-19", {"status": 1}, 422),
    ("/attendance/eng1/2026-11-19", {"status": "late", "minutes": 5}, 422),
    ("/attendance/eng1/2026-11-19", {}, 422),
    ("/attendance/EN/2026-11-19", {"status": "late"}, 422),
    ("/attendance/nobody/2026-11-19", {"status": "late"}, 404),
    ("/attendance/mgr/2026-11-19", {"status": "late"}, 404),
])
def test_bad_attendance_is_refused_and_stores_nothing(api, team, path, body, status):
    assert_error(api("PUT", path, "office", json=body), status)
    assert count(Attendance) == 0


def test_attendance_on_a_day_made_a_workday(api, team):
    api("PUT", "/calendar/2026-11-14", "admin", json={"workday": True})
    assert api("PUT", "/attendance/eng1/2026-11-14", "office", json={"status": "absent"}).status_code == 200
    assert count(Attendance) == 1
    assert date(2026, 11, 14).weekday() == 5


@pytest.mark.parametrize("status", ["late", "early_leave", "absent"])
def test_what_only_happens_cannot_be_recorded_on_a_future_day(api, team, status):
    """The test clock is 2026-11-20: a late day, an early leave or an absence on the 23rd has not happened."""
    answer = api("PUT", "/attendance/eng1/2026-11-23", "office", json={"status": status})
    assert_error(answer, 422)
    assert "date" in answer.get_json()["error"]["fields"]
    assert count(Attendance) == 0
    assert api("PUT", "/attendance/eng1/2026-11-20", "office", json={"status": status}).status_code == 200


@pytest.mark.parametrize("status", ["annual_leave", "personal_leave", "sick_leave", "business_trip", "present"])
def test_leave_and_trips_may_be_planned_ahead(api, team, status):
    assert api("PUT", "/attendance/eng1/2026-11-23", "office", json={"status": status}).status_code == 200
