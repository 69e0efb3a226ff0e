"""POST/GET/PATCH/DELETE /trips: hours by the rules, who may act for whom, refused input stores nothing."""

import pytest

from tests.api.support import assert_error, count, documented
from tracker.itinerary.models import Trip

TRIP = {"date": "2026-11-19", "depart": "09:00", "return": "11:10", "customer": "旗滨玻璃", "purpose": "保养",
        "note": "带备件"}


def test_engineer_records_own_trip(app, api, team, customer):
    body = documented(app, api("POST", "/trips", "eng1", json=TRIP))
    assert body == {"id": body["id"], "engineer": "eng1", "date": "2026-11-19", "full_day": False,
                    "depart": "09:00", "return": "11:10", "hours": 2.5, "customer": "旗滨玻璃", "work_order": None,
                    "purpose": "保养", "note": "带备件", "day_hours": 2.5}
    assert count(Trip) == 1


@pytest.mark.parametrize("depart, ret, hours", [
    ("09:00", "09:20", 0.5), ("09:00", "09:30", 0.5), ("09:00", "09:31", 1), ("00:00", "24:00", 24),
    ("23:59", "24:00", 0.5),
])
def test_trip_hours_round_up_to_half_hours(app, api, team, depart, ret, hours):
    body = documented(app, api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": depart,
                                                               "return": ret}))
    assert body["hours"] == hours
    assert body["day_hours"] == min(hours, 7.5)


def test_day_hours_add_up_to_at_most_seven_and_a_half(api, team):
    first = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "12:00"})
    assert first.get_json()["day_hours"] == 4
    second = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "12:00", "return": "16:10"})
    assert second.get_json()["hours"] == 4.5 and second.get_json()["day_hours"] == 7.5


def test_full_day_trip_counts_seven_and_a_half_and_ignores_other_trips(app, api, team):
    api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "09:00"})
    body = documented(app, api("POST", "/trips", "eng1", json={"date": "2026-11-19", "full_day": True}))
    assert body["hours"] == 7.5 and body["day_hours"] == 7.5 and body["depart"] is None and body["return"] is None


def test_trips_on_weekends_and_today_are_allowed(api, team):
    assert api("POST", "/trips", "eng1", json={"date": "2026-11-15", "full_day": True}).status_code == 201
    assert api("POST", "/trips", "eng1", json={"date": "2026-11-20", "depart": "08:00",
                                               "return": "09:00"}).status_code == 201


def test_trips_touching_end_to_start_do_not_overlap(api, team):
    api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "10:00"})
    assert api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "10:00",
                                               "return": "11:00"}).status_code == 201


def test_overlapping_trip_is_refused_naming_the_other(api, team):
    first = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "10:00"})
    error = assert_error(api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "09:59",
                                                             "return": "11:00"}), 422, "depart")
    assert error["conflicting_trip"] == first.get_json()["id"]
    assert error["message"] == "与同日 08:00–10:00 的行程时间重叠"  # by its times, not an internal id
    assert count(Trip) == 1


def test_the_overlap_message_names_the_other_trip_by_times_and_customer(api, team):
    api("POST", "/customers", "admin", json={"name": "旗滨玻璃"})
    api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "10:00",
                                        "customer": "旗滨玻璃"})
    error = assert_error(api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "09:00",
                                                             "return": "11:00"}), 422, "depart")
    assert error["message"] == "与同日 08:00–10:00 去 旗滨玻璃 的行程时间重叠" and "#" not in error["message"]


def test_other_engineers_trips_do_not_overlap_mine(api, team):
    api("POST", "/trips", "eng2", json={"date": "2026-11-19", "depart": "08:00", "return": "10:00"})
    assert api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00",
                                               "return": "10:00"}).status_code == 201


@pytest.mark.parametrize("blank", ["  ", "\u3000"])
def test_a_blank_customer_is_no_customer(app, api, team, blank):
    """As the form, which strips it: the API said "no customer named   " with the blank between the words."""
    body = documented(app, api("POST", "/trips", "eng1", json={**TRIP, "customer": blank}))
    assert body["customer"] is None


def test_an_unknown_customer_is_refused_saying_what_to_do(api, team):
    """An engineer cannot add customers: the refusal only said there was none of that name."""
    response = api("POST", "/trips", "eng1", json={**TRIP, "customer": "未登记客户"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["customer"] == (
        "没有名为 未登记客户 的客户：请从列表中选择，或留空（新客户由内勤或管理员添加）")


def test_work_order_number_links_the_trip_and_its_customer(app, api, team, work_order):
    body = documented(app, api("POST", "/trips", "eng1", json={"date": "2026-11-19", "full_day": True,
                                                               "work_order": "WO-1"}))
    assert body["work_order"] == "WO-1" and body["customer"] == "旗滨玻璃"


@pytest.mark.parametrize("user, body", [
    ("office", {"engineer": "eng1"}),
    ("mgr", {"engineer": "eng1"}),
    ("eng1", {"engineer": "eng1"}),
    ("eng1", {}),
])
def test_engineer_backoffice_and_manager_above_record_trips(app, api, team, user, body):
    answer = documented(app, api("POST", "/trips", user, json={**TRIP, "customer": None, **body}))
    assert answer["engineer"] == "eng1"


@pytest.mark.parametrize("user, body, status", [
    ("eng1", {"engineer": "eng2"}, 403),
    ("mgr2", {"engineer": "eng1"}, 403),
    ("gm.wang", {"engineer": "eng1"}, 403),
    ("admin", {"engineer": "eng1"}, 403),
    ("office", {}, 422),
    ("mgr", {}, 422),
    ("office", {"engineer": "nobody"}, 422),
    ("office", {"engineer": "mgr"}, 422),
    ("office", {"engineer": None}, 422),
])
def test_trip_for_someone_out_of_reach_is_refused(api, team, user, body, status):
    assert_error(api("POST", "/trips", user, json={**TRIP, "customer": None, **body}), status)
    assert count(Trip) == 0


@pytest.mark.parametrize("change, field", [
    ({"date": "2026-02-30"}, "date"),
    ({"date": "2026-13-01"}, "date"),
    ({"date": "2026-11-21"}, "date"),                 # after today
    ({"date": "19.11.2026"}, "date"),
    ({"date": 20261119}, "date"),
    ({"depart": "25:00"}, "depart"),
    ({"depart": "9:00"}, "depart"),
    ({"depart": "09:60"}, "depart"),
    ({"return": "24:01"}, "return"),
    ({"return": "08:59"}, "return"),                  # before depart
    ({"return": "09:00"}, "return"),                  # equal to depart
    ({"return": None}, "return"),
    ({"depart": 9}, "depart"),
    ({"full_day": "yes"}, "full_day"),
    ({"purpose": "x" * 501}, "purpose"),
    ({"note": "x" * 501}, "note"),
    ({"note": "nul\u0000"}, "note"),
    ({"customer": "没有这家"}, "customer"),
    ({"customer": 5}, "customer"),
    ({"work_order": "WO-404"}, "work_order"),
    ({"work_order": 1}, "work_order"),
    ({"engineer": "AB"}, "engineer"),
    ({"engineer": "a" * 33}, "engineer"),
    ({"engineer": "e ng"}, "engineer"),
    ({"hours": 3}, "hours"),
    ({"id": 7}, "id"),
])
def test_invalid_trip_is_422_and_stores_nothing(api, team, customer, change, field):
    body = {**TRIP, **change}
    assert_error(api("POST", "/trips", "eng1", json=body), 422, field)
    assert count(Trip) == 0


@pytest.mark.parametrize("times, field", [
    ({"depart": "25:00"}, "depart"), ({"return": "99:99"}, "return"), ({"depart": "０８:００"}, "depart"),
    ({"depart": "10:00", "return": "09:00"}, "return"),
])
def test_full_day_trip_with_a_bad_time_is_422_not_silently_dropped(api, team, times, field):
    assert_error(api("POST", "/trips", "eng1", json={"date": "2026-11-19", "full_day": True, **times}), 422, field)
    assert count(Trip) == 0
    trip = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "full_day": True}).get_json()
    assert_error(api("PATCH", f"/trips/{trip['id']}", "eng1", json=times), 422, field)


@pytest.mark.parametrize("user, engineer", [("eng2", "eng2"), ("mgr2", "eng3")])
def test_a_trip_or_expense_names_only_a_work_order_the_caller_may_see(app, api, team, work_order, user, engineer):
    """WO-1 is eng1's: another engineer, or a manager of another team, gets the answer of an unknown number (so
    the answer reveals neither the order nor its customer)."""
    body = {"date": "2026-11-19", "full_day": True, "work_order": "WO-1"}
    answer = api("POST", "/trips", user, json={**body, "engineer": engineer})
    assert_error(answer, 422, "work_order")
    assert "旗滨玻璃" not in answer.get_data(as_text=True)
    assert_error(api("POST", "/expenses", user, json={"engineer": engineer, "date": "2026-11-19",
                                                      "category": "meals", "amount": 10, "work_order": "WO-1"}),
                 422, "work_order")
    assert count(Trip) == 0
    assert api("POST", "/trips", "eng1", json=body).status_code == 201  # its own engineer may
    assert api("POST", "/trips", "mgr", json={**body, "engineer": "eng2"}).status_code == 201  # eng1's manager may


def test_a_trip_keeps_the_work_order_it_names_when_its_engineer_changes_something_else(api, team, work_order):
    """Back-office linked eng2's trip to eng1's WO-1; eng2 (who may not see WO-1) can still change the note."""
    trip = api("POST", "/trips", "office", json={"engineer": "eng2", "date": "2026-11-19", "full_day": True,
                                                 "work_order": "WO-1"}).get_json()
    answer = api("PATCH", f"/trips/{trip['id']}", "eng2", json={"note": "带备件"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["work_order"] == "WO-1"


def test_missing_times_without_full_day_is_422(api, team):
    assert_error(api("POST", "/trips", "eng1", json={"date": "2026-11-19"}), 422, "depart")
    assert_error(api("POST", "/trips", "eng1", json={"depart": "08:00", "return": "09:00"}), 422, "date")
    assert count(Trip) == 0


@pytest.mark.parametrize("raw, status", [
    (b"{", 400), (b"[]", 422), (b"5", 422), (b"null", 422), (b"", 400),
    (b'{"date": "2026-11-19", "full_day": true, "x": NaN}', 400),
])
def test_malformed_trip_body_is_400_and_json_that_is_no_object_422(api, team, raw, status):
    assert_error(api("POST", "/trips", "eng1", data=raw, content_type="application/json"), status)
    assert count(Trip) == 0


def _trip(api, user="eng1", **change):
    response = api("POST", "/trips", user, json={"date": "2026-11-19", "depart": "08:00", "return": "09:00",
                                                  **change})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_trip_is_read_by_those_who_see_the_itinerary(app, api, team):
    trip_id = _trip(api)
    for user in ("eng1", "office", "mgr", "gm.wang", "admin"):
        assert documented(app, api("GET", f"/trips/{trip_id}", user))["id"] == trip_id
    for user in ("eng2", "mgr2"):
        assert_error(api("GET", f"/trips/{trip_id}", user), 403)


def test_trip_is_changed(app, api, team, customer):
    trip_id = _trip(api)
    body = documented(app, api("PATCH", f"/trips/{trip_id}", "eng1", json={"return": "10:01", "customer": "旗滨玻璃"}))
    assert body["depart"] == "08:00" and body["return"] == "10:01" and body["hours"] == 2.5
    assert body["customer"] == "旗滨玻璃" and body["day_hours"] == 2.5
    body = documented(app, api("PATCH", f"/trips/{trip_id}", "mgr", json={"full_day": True, "date": "2026-11-18"}))
    assert body["full_day"] is True and body["date"] == "2026-11-18" and body["customer"] == "旗滨玻璃"
    # times given to a full-day trip make it a trip of those times (they were dropped: 200, nothing changed)
    body = documented(app, api("PATCH", f"/trips/{trip_id}", "eng1", json={"depart": "09:00", "return": "11:00"}))
    assert (body["full_day"], body["depart"], body["return"], body["hours"]) == (False, "09:00", "11:00", 2.0)
    body = documented(app, api("PATCH", f"/trips/{trip_id}", "eng1", json={"full_day": True, "depart": "09:00"}))
    assert body["full_day"] is True and body["depart"] is None  # full_day said: a full day, as when created


@pytest.mark.parametrize("user, change, status", [
    ("eng1", {"return": "07:00"}, 422),
    ("eng1", {"date": "2026-11-21"}, 422),
    ("eng1", {"engineer": "eng2"}, 422),
    ("eng1", {"depart": "8:00"}, 422),
    ("eng2", {"return": "10:00"}, 403),
    ("mgr2", {"return": "10:00"}, 403),
    ("gm.wang", {"return": "10:00"}, 403),
])
def test_bad_trip_change_is_refused_and_changes_nothing(api, team, user, change, status):
    trip_id = _trip(api)
    assert_error(api("PATCH", f"/trips/{trip_id}", user, json=change), status)
    body = api("GET", f"/trips/{trip_id}", "eng1").get_json()
    assert (body["date"], body["depart"], body["return"]) == ("2026-11-19", "08:00", "09:00")


def test_changed_trip_may_not_overlap_another(api, team):
    _trip(api)
    second = _trip(api, depart="10:00", **{"return": "11:00"})
    assert_error(api("PATCH", f"/trips/{second}", "eng1", json={"depart": "08:30"}), 422, "depart")


@pytest.mark.parametrize("user", ["eng1", "office", "mgr"])
def test_owner_backoffice_and_manager_above_delete_a_trip(app, api, team, user):
    trip_id = _trip(api)
    documented(app, api("DELETE", f"/trips/{trip_id}", user))
    assert count(Trip) == 0


@pytest.mark.parametrize("user", ["eng2", "mgr2", "gm.wang", "admin"])
def test_others_may_not_delete_a_trip(api, team, user):
    trip_id = _trip(api)
    assert_error(api("DELETE", f"/trips/{trip_id}", user), 403)
    assert count(Trip) == 1


@pytest.mark.parametrize("path", ["/trips/999", "/trips/0", "/trips/99999999999999999999999"])
def test_unknown_trip_is_404(api, team, path):
    assert_error(api("GET", path, "eng1"), 404)
    assert_error(api("DELETE", path, "eng1"), 404)
    assert_error(api("PATCH", path, "eng1", json={"note": "x"}), 404)


def test_trip_calls_need_a_token(api, team):
    trip_id = _trip(api)
    assert_error(api("POST", "/trips", None, json=TRIP), 401)
    assert_error(api("DELETE", f"/trips/{trip_id}"), 401)
    assert count(Trip) == 1


def test_every_field_at_fault_is_named_at_once(api, team):
    error = assert_error(api("POST", "/trips", "eng1", json={
        **TRIP, "customer": "没有这个客户", "work_order": "WO-9999", "return": "08:00"}), 422)
    assert {"customer", "work_order", "return"} <= set(error["fields"]), error
    assert count(Trip) == 0


@pytest.mark.parametrize("day", ["2026-11-31", "2026-02-29"])
def test_a_day_that_does_not_exist_is_said_to_be_no_valid_date(api, team, day):
    """2026-11-31 is written as YYYY-MM-DD: it was told that the format was wrong."""
    error = assert_error(api("POST", "/trips", "eng1", json={**TRIP, "date": day}), 422, "date")
    assert error["fields"]["date"] == "日期须为 YYYY-MM-DD 格式的有效日期"
