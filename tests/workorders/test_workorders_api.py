"""Work orders through the API (CONTRACT 5 and 10): fields, validation, numbers, scope and the engineer's times."""

from datetime import datetime

import pytest

from tests.api.support import assert_error, count, documented
from tests.conftest import login
from tests.workorders.conftest import CANONICAL
from tracker.extensions import db
from tracker.scores.facts import month_facts
from tracker.scoring.month import Month
from tracker.workorders.models import WorkOrder
from tracker.customers.models import Customer

BODY = {"customer": "旗滨玻璃", "equipment": "1号机", "service_type": "常规保养", "reported_at": "2026-10-15T08:00",
        "engineer": "eng1"}


def test_create_answers_201_with_id_canonical_name_and_generated_number(app, api, team):
    response = api("POST", "/work-orders", "office", json={**BODY, "arrived_at": "2026-10-15T10:30:00+08:00",
                                                           "deadline_at": "2026-10-16T18:00"})
    body = documented(app, response)
    assert body["id"] > 0
    assert body["number"] == "WO20261120-001"
    assert body["canonical_name"] == CANONICAL
    assert body["submitter"] == "office" and body["engineer"] == "eng1"
    assert body["arrived_at"] == "2026-10-15T10:30:00+08:00"
    assert body["status"] == "open" and body["rework"] == "none" and body["scan"] is None and body["photos"] == []


def test_a_deactivated_engineer_is_refused_as_deactivated_not_as_unknown(api, team):
    team["eng1"].active = False
    db.session.commit()
    response = api("POST", "/work-orders", "office", json=BODY)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["engineer"] == "用户 eng1 已停用"  # it said there was no such user
    assert count(WorkOrder) == 0


def test_generated_numbers_are_unique(api, team):
    numbers = {api("POST", "/work-orders", "office", json=BODY).get_json()["number"] for _ in range(3)}
    assert numbers == {"WO20261120-001", "WO20261120-002", "WO20261120-003"}


def test_a_number_typed_too_high_to_follow_leaves_the_generated_numbers_valid(api, team):
    """One past WO20261120-999999999999999999999 (32 characters) would be 33 characters: a 500 on PostgreSQL for
    every order of the day, an unusable number on SQLite. The lowest free number of the day is given instead."""
    high = "WO20261120-" + "9" * 21
    assert api("POST", "/work-orders", "office", json={**BODY, "number": high}).status_code == 201
    assert api("POST", "/work-orders", "office", json={**BODY, "number": "WO20261120-001"}).status_code == 201
    numbers = [api("POST", "/work-orders", "office", json=BODY) for _ in range(2)]
    assert [response.status_code for response in numbers] == [201, 201]
    assert [response.get_json()["number"] for response in numbers] == ["WO20261120-002", "WO20261120-003"]
    assert api("GET", f"/work-orders/{numbers[0].get_json()['id']}", "office").status_code == 200


def test_given_number_is_kept_and_must_be_unique(api, team):
    assert api("POST", "/work-orders", "office", json={**BODY, "number": "SH-2026-001"}).status_code == 201
    assert_error(api("POST", "/work-orders", "office", json={**BODY, "number": "SH-2026-001"}), 422, "number")


@pytest.mark.parametrize("method, path", [("POST", "/work-orders"), ("PATCH", None)])
def test_a_number_of_other_characters_is_told_the_rule_as_the_page_says_it(app, api, team, method, path):
    """The body check said only "格式不正确" (Invalid format) of a number such as WO/529."""
    if path is None:
        path = f"/work-orders/{api('POST', '/work-orders', 'office', json=BODY).get_json()['id']}"
    error = assert_error(api(method, path, "office", json={**(BODY if method == "POST" else {}), "number": "WO/529"}),
                         422, "number")
    assert error["fields"]["number"] == "工单编号须为 1–32 个字母、数字、- 或 _，以字母或数字开头", error
    english = api(method, path, "office", json={**(BODY if method == "POST" else {}), "number": "WO/529"},
                  headers={"Accept-Language": "en"}).get_json()["error"]
    assert not english["fields"]["number"].startswith("Invalid format"), english


def test_new_customer_is_created_by_name_and_stored_nfc(api, team):
    response = api("POST", "/work-orders", "office", json={**BODY, "customer": "Cafe\u0301机械"})
    assert response.status_code == 201
    assert response.get_json()["customer"] == "Café机械"
    assert db.session.query(Customer.name).all() == [("Café机械",)]


def test_offset_datetimes_are_converted_to_local_time(api, team):
    response = api("POST", "/work-orders", "office", json={**BODY, "reported_at": "2026-10-15T00:30:00Z"})
    assert response.get_json()["reported_at"] == "2026-10-15T08:30:00+08:00"


@pytest.mark.parametrize("times, field", [
    ({"responded_at": "2026-10-15T07:59"}, "responded_at"),
    ({"responded_at": "2026-10-15T09:00", "arrived_at": "2026-10-15T08:30"}, "arrived_at"),
    ({"arrived_at": "2026-10-15T07:00"}, "arrived_at"),
    ({"responded_at": "2026-10-15T09:00", "completed_at": "2026-10-15T08:59"}, "completed_at"),
    ({"arrived_at": "2026-10-15T12:00", "completed_at": "2026-10-15T11:00"}, "completed_at"),
    ({"deadline_at": "2026-10-14T00:00"}, "deadline_at"),
])
def test_times_out_of_order_are_422(api, team, times, field):
    assert_error(api("POST", "/work-orders", "office", json={**BODY, **times}), 422, field)
    assert count(WorkOrder) == 0


@pytest.mark.parametrize("times, english", [
    ({"responded_at": "2026-10-15T07:59"}, "The response time cannot be earlier than the report time"),
    ({"responded_at": "2026-10-15T09:00", "arrived_at": "2026-10-15T08:30"},
     "The arrival time cannot be earlier than the response time"),
    ({"arrived_at": "2026-10-15T12:00", "completed_at": "2026-10-15T11:00"},
     "The completion time cannot be earlier than the arrival time"),
])
def test_the_times_order_is_said_in_a_sentence_in_english(api, team, times, english):
    """A column heading inside the sentence read "Response time cannot be earlier than Reported at"."""
    response = api("POST", "/work-orders", "office", json={**BODY, **times}, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and response.get_json()["error"]["message"] == english


def test_seconds_are_compared_as_given_a_response_a_second_before_the_report_is_422(api, team):
    body = {**BODY, "reported_at": "2026-11-10T08:00:59", "responded_at": "2026-11-10T08:00:01",
            "arrived_at": "2026-11-10T08:00:00"}
    assert_error(api("POST", "/work-orders", "office", json=body), 422, "responded_at")
    assert count(WorkOrder) == 0


def test_every_time_keeps_its_seconds(app, api, team):
    times = {"reported_at": "2026-11-10T08:00:59", "deadline_at": "2026-11-11T17:59:59",
             "responded_at": "2026-11-10T10:00:01+08:00", "arrived_at": "2026-11-10T02:30:30Z",
             "completed_at": "2026-11-10T16:45:07.900"}
    body = documented(app, api("POST", "/work-orders", "office", json={**BODY, **times}))
    assert [body[name] for name in times] == ["2026-11-10T08:00:59+08:00", "2026-11-11T17:59:59+08:00",
                                              "2026-11-10T10:00:01+08:00", "2026-11-10T10:30:30+08:00",
                                              "2026-11-10T16:45:07+08:00"]
    changed = api("PATCH", f"/work-orders/{body['id']}", "eng1", json={"completed_at": "2026-11-10T16:45:08"})
    assert changed.get_json()["completed_at"] == "2026-11-10T16:45:08+08:00"
    assert db.session.get(WorkOrder, body["id"]).responded_at == datetime(2026, 11, 10, 10, 0, 1)


def test_a_response_two_hours_and_59_seconds_after_the_report_is_outside_the_limit(api, team):
    body = {**BODY, "reported_at": "2026-11-10T08:00:00", "responded_at": "2026-11-10T10:00:59"}
    order_id = api("POST", "/work-orders", "office", json=body).get_json()["id"]
    response = month_facts([team["eng1"].id], Month("2026-11"), datetime(2026, 12, 1))[team["eng1"].id]["response"]
    assert (response["within"], response["outside"], response["outside_ids"]) == (0, 1, [order_id])


def test_equal_times_are_in_order(api, team):
    same = "2026-10-15T08:00"
    body = {**BODY, "responded_at": same, "arrived_at": same, "completed_at": same}
    response = api("POST", "/work-orders", "office", json=body)
    assert response.status_code == 201
    assert response.get_json()["status"] == "completed"


@pytest.mark.parametrize("body, status, field", [
    ({"equipment": "1号机"}, 422, "customer"),
    ({**BODY, "reported_at": "yesterday"}, 422, "reported_at"),
    ({**BODY, "reported_at": None}, 422, "reported_at"),
    ({**BODY, "engineer": "nobody"}, 422, "engineer"),
    ({**BODY, "engineer": "office"}, 422, "engineer"),
    ({**BODY, "submitter": "ghost"}, 422, "submitter"),
    ({**BODY, "status": "done"}, 422, "status"),
    ({**BODY, "rework": "maybe"}, 422, "rework"),
    ({**BODY, "rework_of": "NOPE"}, 422, "rework_of"),
    ({**BODY, "number": "bad number!"}, 422, "number"),
    ({**BODY, "number": "x" * 33}, 422, "number"),
    ({**BODY, "description": "d" * 2001}, 422, "description"),
    ({**BODY, "description": "nul\u0000"}, 422, "description"),
    ({**BODY, "colour": "red"}, 422, "colour"),
    ({**BODY, "customer": 12}, 422, "customer"),
    ({**BODY, "status": "completed"}, 422, "completed_at"),
])
def test_bad_input_is_a_clear_4xx_and_nothing_is_stored(api, team, body, status, field):
    assert_error(api("POST", "/work-orders", "office", json=body), status, field)
    assert count(WorkOrder) == 0 and count(Customer) == 0


@pytest.mark.parametrize("raw, status", [(b"{", 400), (b"", 400), (b"[]", 422), (b'"x"', 422), (b"null", 422)])
def test_malformed_body_is_400_and_json_that_is_no_object_422(api, team, raw, status):
    """400 for what is not JSON (or no body); 422 for valid JSON of the wrong kind (CONTRACT 10)."""
    response = api("POST", "/work-orders", "office", data=raw, content_type="application/json")
    assert_error(response, status)


@pytest.mark.parametrize("user, status", [("office", 201), ("mgr", 201), ("admin", 201), ("eng1", 403),
                                          ("gm.wang", 403), (None, 401)])
def test_who_may_create_work_orders(api, team, user, status):
    assert api("POST", "/work-orders", user, json=BODY).status_code == status


def test_a_manager_assigns_only_engineers_of_the_own_team(api, team):
    assert_error(api("POST", "/work-orders", "mgr2", json=BODY), 422, "engineer")


def test_assigned_engineer_logs_times_on_the_own_order(app, api, make_order):
    order = make_order(arrived_at=None)
    response = api("PATCH", f"/work-orders/{order.id}", "eng1",
                   json={"responded_at": "2026-10-15T08:20", "arrived_at": "2026-10-15T09:40",
                         "completed_at": "2026-10-15T15:00"})
    body = documented(app, response)
    assert body["status"] == "completed" and body["completed_at"] == "2026-10-15T15:00:00+08:00"


def test_the_assigned_engineer_cannot_take_back_a_recorded_time(app, api, make_order, client):
    """Clearing completed_at reopened the order and took its survey, a low one too, out of the month's score; the web
    form did it to every time left empty. Back office and managers still correct times."""
    order = make_order(completed_at=datetime(2026, 10, 15, 15, 0))
    response = api("PATCH", f"/work-orders/{order.id}", "eng1", json={"completed_at": None})
    assert_error(response, 403)
    assert response.get_json()["error"]["fields"] == {"completed_at": "不能清除"}
    db.session.rollback()
    assert db.session.get(WorkOrder, order.id).status == "completed"
    assert api("PATCH", f"/work-orders/{order.id}", "eng1",
               json={"completed_at": "2026-10-15T16:00"}).status_code == 200  # a correction is still theirs
    login(client, "eng1")
    page = client.post(f"/work-orders/{order.id}/edit", data={"responded_at": "", "arrived_at": "2026-10-15T10:00",
                                                                "completed_at": ""})
    assert page.status_code == 403
    html = page.get_data(as_text=True)  # the form again, the field's message under it and what was typed kept
    assert 'name="completed_at"' in html and "不能清除" in html and 'value="2026-10-15T10:00"' in html
    db.session.expire_all()
    assert db.session.get(WorkOrder, order.id).completed_at == datetime(2026, 10, 15, 16, 0)
    assert api("PATCH", f"/work-orders/{order.id}", "office", json={"completed_at": None}).get_json()["status"] == "open"


@pytest.mark.parametrize("field, value", [("status", "cancelled"), ("customer", "别家"), ("engineer", "eng2"),
                                          ("reported_at", "2026-10-14T08:00"), ("rework", "internal")])
def test_assigned_engineer_changing_any_other_field_is_403(api, make_order, field, value):
    order = make_order()
    response = api("PATCH", f"/work-orders/{order.id}", "eng1", json={"responded_at": "2026-10-15T08:10",
                                                                       field: value})
    assert_error(response, 403)
    db.session.rollback()
    assert db.session.get(WorkOrder, order.id).responded_at is None


@pytest.mark.parametrize("user, status", [("eng2", 403), ("mgr2", 403), ("gm.wang", 403), ("admin", 403),
                                          ("mgr", 200), ("office", 200)])
def test_who_may_patch_a_work_order(api, make_order, user, status):
    order = make_order()
    assert api("PATCH", f"/work-orders/{order.id}", user, json={"responded_at": "2026-10-15T08:10"}).status_code \
        == status


def test_patch_keeps_the_time_order(api, make_order):
    order = make_order()
    assert_error(api("PATCH", f"/work-orders/{order.id}", "eng1", json={"completed_at": "2026-10-15T09:00"}),
                 422, "completed_at")


def test_patch_without_fields_is_422_and_unknown_id_404(api, make_order):
    order = make_order()
    assert_error(api("PATCH", f"/work-orders/{order.id}", "office", json={}), 422)
    assert_error(api("PATCH", "/work-orders/999999", "office", json={"status": "open"}), 404)
    assert_error(api("GET", "/work-orders/99999999999999", "office"), 404)


@pytest.mark.parametrize("field", ["reported_at", "number", "customer", "status"])
def test_a_null_for_a_field_that_cannot_be_empty_says_so(api, make_order, field):
    """It said 类型不正确（应为 文字）, as if the type of a value were wrong where no value was given."""
    order = make_order()
    response = api("PATCH", f"/work-orders/{order.id}", "office", json={field: None})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {field: "不能为 null"}


@pytest.mark.parametrize("user, status", [("eng1", 200), ("eng2", 403), ("mgr", 200), ("mgr2", 403),
                                          ("office", 200), ("gm.wang", 200), ("admin", 200)])
def test_who_may_read_a_work_order(api, make_order, user, status):
    assert api("GET", f"/work-orders/{make_order().id}", user).status_code == status


def test_list_is_scoped_and_filtered(app, api, make_order):
    make_order(number="A1", engineer="eng1")
    make_order(number="A2", engineer="eng2", customer="信义玻璃")
    make_order(number="A3", engineer="eng3", reported_at=datetime(2026, 11, 2, 8), arrived_at=None)
    make_order(number="A4", engineer="eng1", status="cancelled")

    def numbers(user, query=""):
        body = documented(app, api("GET", "/work-orders" + query, user))
        return sorted(o["number"] for o in body["work_orders"])

    assert numbers("eng1") == ["A1", "A4"]
    assert numbers("mgr") == ["A1", "A2", "A4"]
    assert numbers("mgr2") == ["A3"]
    assert numbers("office") == ["A1", "A2", "A3", "A4"]
    assert numbers("office", "?month=2026-11") == ["A3"]
    assert numbers("office", "?customer=信义玻璃") == ["A2"]
    assert numbers("office", "?engineer=eng1&status=open") == ["A1"]
    assert numbers("office", "?no_scan=1") == ["A1", "A2", "A3", "A4"]
    assert numbers("office", "?customer=无此客户") == []


@pytest.mark.parametrize("query", ["?month=2026-13", "?status=done", "?page=0", "?page=x", "?customer=a/b"])
def test_bad_list_filters_are_422(api, team, query):
    assert_error(api("GET", "/work-orders" + query, "office"), 422)


@pytest.mark.parametrize("query, field", [("?after=00930122000000000000.1", "after"),
                                          ("?after=99991231235959000000.1", "after"),
                                          ("?before=19991231235959000000.1", "before"), ("?after=2026.1", "after")])
def test_a_cursor_whose_time_is_out_of_range_is_refused_like_a_malformed_one(api, client, team, query, field):
    response = api("GET", "/work-orders" + query, "office")
    assert_error(response, 422)
    assert response.get_json()["error"]["fields"] == {field: "分页位置无效"}
    login(client, "office")
    assert client.get("/work-orders/" + query).status_code == 422


def test_a_before_cursor_newer_than_every_order_answers_the_first_page(api, team, make_order):
    """It answered an empty page whose next cursor was the same one, a loop for a client walking the list."""
    make_order(number="WO-X")
    body = api("GET", "/work-orders?before=20991231235959000000.999", "office").get_json()
    assert [order["number"] for order in body["work_orders"]] == ["WO-X"]
    assert body["previous"] is None and body["next"] is None


@pytest.mark.parametrize("query", ["?after=20261015080000000000.1&before=20261015080000000000.2",
                                   "?after=20261015080000000000.1&page=3"])
def test_two_page_positions_at_once_are_refused(api, client, team, query):
    """after and before together answered some page; which one was meant cannot be told."""
    response = api("GET", "/work-orders" + query, "office")
    assert_error(response, 422)
    login(client, "office")
    assert client.get("/work-orders/" + query).status_code == 422


def test_repair_within_30_days_of_a_completed_order_suggests_rework(app, api, make_order):
    earlier = make_order(number="OLD-1", completed_at=datetime(2026, 10, 15, 16, 0))
    response = api("POST", "/work-orders", "office", json={**BODY, "service_type": "维修",
                                                           "reported_at": "2026-11-10T09:00"})
    body = response.get_json()
    assert body["rework_suggestions"] == ["OLD-1"]
    linked = api("PATCH", f"/work-orders/{body['id']}", "office", json={"rework": "external", "rework_of": "OLD-1"})
    assert linked.get_json()["rework_of"] == earlier.number and linked.get_json()["rework_suggestions"] == []


@pytest.mark.parametrize("change", [
    {"reported_at": "2026-11-16T09:00"},  # 31 days after the completion
    {"service_type": "常规保养"},
    {"equipment": "2号机"},
    {"customer": "信义玻璃"},
])
def test_no_rework_suggestion_outside_the_rule(api, make_order, change):
    make_order(number="OLD-1", completed_at=datetime(2026, 10, 15, 16, 0))
    body = {**BODY, "service_type": "维修", "reported_at": "2026-11-10T09:00", **change}
    assert api("POST", "/work-orders", "office", json=body).get_json()["rework_suggestions"] == []


@pytest.mark.parametrize("change, field", [
    ({"rework": "none", "rework_of": "OLD-1"}, "rework"),
    ({"rework": "internal", "rework_of": "NEW-1"}, "rework_of"),
])
def test_rework_link_must_make_sense(api, make_order, change, field):
    make_order(number="OLD-1", completed_at=datetime(2026, 10, 15, 16, 0))
    make_order(number="NEW-1", reported_at=datetime(2026, 11, 10, 9), arrived_at=None, service_type="维修")
    new = db.session.query(WorkOrder).filter_by(number="NEW-1").one()
    assert_error(api("PATCH", f"/work-orders/{new.id}", "office", json=change), 422, field)


REDO = {**BODY, "service_type": "维修", "reported_at": "2026-11-10T09:00", "rework": "external"}


def test_a_cancelled_order_cannot_be_named_as_the_one_a_rework_redoes(api, make_order):
    """A cancelled order counts nowhere (CONTRACT 7): named as rework_of, it cost its engineer a point."""
    original = make_order(number="OLD-1", arrived_at=None, completed_at=None, status="cancelled")
    response = api("POST", "/work-orders", "office", json=REDO | {"rework_of": "OLD-1"})
    assert_error(response, 422, "rework_of")
    assert "已取消" in response.get_json()["error"]["fields"]["rework_of"]
    assert db.session.query(WorkOrder).count() == 1
    # a rework linked before its original was cancelled keeps its link through other changes
    original.status = "open"
    db.session.commit()
    redo = api("POST", "/work-orders", "office", json=REDO | {"rework_of": "OLD-1"}).get_json()
    assert api("PATCH", f"/work-orders/{original.id}", "office", json={"status": "cancelled"}).status_code == 200
    assert api("PATCH", f"/work-orders/{redo['id']}", "office", json={"description": "再次异响"}).status_code == 200


def test_a_manager_may_not_name_an_order_of_another_team_as_rework_of_and_learns_nothing(api, make_order):
    make_order(number="THEIRS", engineer="eng3", completed_at=datetime(2026, 10, 15, 16, 0))  # mgr2's team
    unknown = assert_error(api("POST", "/work-orders", "mgr", json={**REDO, "rework_of": "GHOST"}), 422, "rework_of")
    hidden = assert_error(api("POST", "/work-orders", "mgr", json={**REDO, "rework_of": "THEIRS"}), 422, "rework_of")
    assert {k: str(v).replace("THEIRS", "GHOST") for k, v in hidden.items()} == {k: str(v) for k, v in unknown.items()}
    assert count(WorkOrder) == 1
    own = api("POST", "/work-orders", "mgr", json={**REDO, "rework": "none"}).get_json()
    assert own["rework_suggestions"] == []  # THEIRS is not offered either
    assert_error(api("PATCH", f"/work-orders/{own['id']}", "mgr", json={"rework": "external", "rework_of": "THEIRS"}),
                 422, "rework_of")
    assert db.session.get(WorkOrder, own["id"]).rework_of is None
    linked = api("POST", "/work-orders", "office", json={**REDO, "rework_of": "THEIRS"})  # back office sees all
    assert linked.status_code == 201 and linked.get_json()["rework_of"] == "THEIRS"


def test_an_edit_keeps_a_link_the_editor_could_not_have_made(api, make_order):
    make_order(number="THEIRS", engineer="eng3", completed_at=datetime(2026, 10, 15, 16, 0))
    order_id = api("POST", "/work-orders", "office", json={**REDO, "rework_of": "THEIRS"}).get_json()["id"]
    changed = api("PATCH", f"/work-orders/{order_id}", "mgr", json={"description": "主轴再次异响", "rework_of": "THEIRS"})
    assert changed.status_code == 200 and changed.get_json()["rework_of"] == "THEIRS"


def test_openapi_documents_the_upload_forms(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    scan = paths["/work-orders/{order_id}/scan"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert scan["required"] == ["file"]
    photos = paths["/work-orders/{order_id}/photos"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert photos["schema"]["properties"]["files"]["type"] == "array"


def test_an_open_order_has_no_completion_time_so_no_later_edit_completes_it_unasked(api, team):
    """status open with completed_at was stored, and the next PATCH of any other field turned it completed."""
    done = {**BODY, "completed_at": "2026-10-15T12:00"}
    assert_error(api("POST", "/work-orders", "office", json={**done, "status": "open"}), 422, "status")
    order = api("POST", "/work-orders", "office", json=done).get_json()
    assert order["status"] == "completed"
    path = f"/work-orders/{order['id']}"
    assert_error(api("PATCH", path, "office", json={"status": "open"}), 422, "status")
    reopened = api("PATCH", path, "office", json={"status": "open", "completed_at": None}).get_json()
    assert (reopened["status"], reopened["completed_at"]) == ("open", None)
    assert api("PATCH", path, "office", json={"description": "再看看"}).get_json()["status"] == "open"


# ---- a manager acts on their team's orders only (CONTRACT 2) ---------------------------------------------

@pytest.mark.parametrize("submitter, status", [("eng1", 422), ("mgr", 422), ("eng3", 201), ("mgr2", 201),
                                                ("office", 201)])
def test_a_manager_names_as_submitter_themself_their_team_or_the_back_office(api, team, submitter, status):
    """Any user could be named: an engineer of another team then read this team's order, its scan and photos, and was
    told of every scan stored."""
    response = api("POST", "/work-orders", "mgr2", json={**BODY, "engineer": "eng3", "submitter": submitter})
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert list(response.get_json()["error"]["fields"]) == ["submitter"]


def test_a_submitter_the_back_office_named_stays_when_the_manager_edits_the_order(api, team):
    created = api("POST", "/work-orders", "office", json={**BODY, "engineer": "eng3", "submitter": "eng1"}).get_json()
    response = api("PATCH", f"/work-orders/{created['id']}", "mgr2", json={"submitter": "eng1", "equipment": "2号机"})
    assert response.status_code == 200 and response.get_json()["submitter"] == "eng1"


def test_a_manager_named_as_submitter_of_another_teams_order_sees_it_but_cannot_change_it(api, make_order):
    """mgr2 is not above eng1: as submitter he is told of the scan and may look, but the order's times and
    surveys count in eng1's score, so he may not set them, cancel it, move it or file its scan."""
    order = make_order(submitter="mgr2", completed_at=datetime(2026, 10, 15, 16, 0))
    assert api("GET", f"/work-orders/{order.id}", "mgr2").status_code == 200
    for body in ({"responded_at": "2026-10-15T12:00"}, {"status": "cancelled"}, {"engineer": "eng3"}):
        assert api("PATCH", f"/work-orders/{order.id}", "mgr2", json=body).status_code == 403, body
    assert api("POST", f"/work-orders/{order.id}/surveys", "mgr2", json={"score": 1}).status_code == 403
    assert api("PATCH", f"/work-orders/{order.id}", "mgr", json={"responded_at": "2026-10-15T09:00"}).status_code == 200


def test_a_manager_who_created_an_order_reassigned_to_another_team_no_longer_manages_it(api, make_order):
    order = make_order(actor="mgr2", engineer="eng3")
    assert api("PATCH", f"/work-orders/{order.id}", "office", json={"engineer": "eng1"}).status_code == 200
    assert api("POST", f"/work-orders/{order.id}/surveys", "mgr2", json={"score": 1}).status_code == 403
    assert api("PATCH", f"/work-orders/{order.id}", "mgr2", json={"status": "cancelled"}).status_code == 403


def test_a_manager_manages_an_unassigned_order_they_created(api, make_order):
    order = make_order(actor="mgr2", engineer=None)
    assert api("PATCH", f"/work-orders/{order.id}", "mgr2", json={"description": "补充说明"}).status_code == 200
    assert api("PATCH", f"/work-orders/{order.id}", "mgr", json={"description": "别人的"}).status_code == 403


def test_every_field_at_fault_is_named_at_once(api, team):
    """A customer with a slash, equipment with a colon and an unknown engineer were refused one at a time."""
    answer = api("POST", "/work-orders", "office", json=dict(BODY, customer="a/b", equipment="1:2", engineer="nobody"))
    assert answer.status_code == 422
    assert {"customer", "equipment", "engineer"} <= set(answer.get_json()["error"]["fields"])


def test_two_orders_of_one_moment_cannot_each_be_the_rework_of_the_other(api, make_order):
    """The original must not be later than its rework; orders reported at the same minute could link both ways and
    count a rework against each other."""
    first = make_order(number="SAME-A", reported_at=datetime(2026, 11, 10, 9), arrived_at=None, service_type="维修")
    second = make_order(number="SAME-B", reported_at=datetime(2026, 11, 10, 9), arrived_at=None,
                        service_type="维修", rework="internal", rework_of="SAME-A")
    assert second.rework_of is first
    error = assert_error(api("PATCH", f"/work-orders/{first.id}", "office",
                             json={"rework": "external", "rework_of": "SAME-B"}), 422, "rework_of")
    assert "SAME-B" in error["message"]
    db.session.expire_all()
    assert first.rework_of is None and first.rework == "none"


# 8 bytes of date + 192 bytes of names (a Chinese character is 3 bytes): the longest canonical name a file takes
LONGEST = {"customer": "长" * 40, "equipment": "机" * 16, "service_type": "修" * 8}


def test_names_whose_canonical_name_cannot_be_a_file_name_are_refused(app, api, team):
    """Each part may have 40 characters, but a file name holds 255 bytes: the canonical name may have 200 (room for
    a scan's -<number>, an older version's .vN and the extension), else 422 naming the longest part given."""
    body = {**BODY, **LONGEST, "number": "WO-" + "9" * 29}
    created = api("POST", "/work-orders", "office", json=body)
    assert created.status_code == 201, created.get_json()
    assert len(created.get_json()["canonical_name"].encode()) == 200
    error = assert_error(api("POST", "/work-orders", "office", json={**BODY, **LONGEST, "equipment": "机" * 17}),
                         422, "customer")
    assert "203" in error["message"] and "200" in error["message"]
    assert_error(api("POST", "/work-orders", "office", json={**BODY, "customer": "长" * 40, "equipment": "机" * 40,
                                                             "service_type": "修" * 40}), 422, "customer")
    order_id = created.get_json()["id"]
    assert_error(api("PATCH", f"/work-orders/{order_id}", "office", json={"service_type": "修" * 9}), 422,
                 "service_type")
    assert db.session.get(WorkOrder, order_id).service_type == "修" * 8
    # what is not a name part changes as before
    assert api("PATCH", f"/work-orders/{order_id}", "office", json={"description": "更换密封件"}).status_code == 200


def test_a_rework_done_by_another_team_opens_for_those_who_see_the_deduction_it_causes(api, client, team):
    """eng3 (mgr2's team) redoes eng1's order: the rework counts against eng1, and it is the record the
    explanation of eng1's score links to, so eng1 and eng1's manager open it (both got 403), not eng2."""
    first = api("POST", "/work-orders", "office", json=BODY | {"engineer": "eng1"}).get_json()
    rework = api("POST", "/work-orders", "office", json=BODY | {
        "engineer": "eng3", "reported_at": "2026-10-20T08:00", "rework": "external", "rework_of": first["number"]})
    assert rework.status_code == 201, rework.get_json()
    rework_id = rework.get_json()["id"]
    for user, status in (("eng1", 200), ("mgr", 200), ("eng3", 200), ("mgr2", 200), ("eng2", 403)):
        assert api("GET", f"/work-orders/{rework_id}", user).status_code == status, user
    login(client, "mgr")
    assert client.get(f"/work-orders/{rework_id}").status_code == 200


def test_a_page_reached_by_a_cursor_has_no_page_number(app, api, team):
    """Every page reached by `after` or `before` said `"page": 1`."""
    from tracker.workorders import services

    for _ in range(services.PAGE + 1):
        assert api("POST", "/work-orders", "office", json=BODY).status_code == 201
    first = documented(app, api("GET", "/work-orders", "office"))
    assert first["page"] == 1 and first["next"]
    second = documented(app, api("GET", f"/work-orders?after={first['next']}", "office"))
    assert second["page"] is None and len(second["work_orders"]) == 1 and second["previous"]
    back = documented(app, api("GET", f"/work-orders?before={second['previous']}", "office"))
    assert back["page"] is None and back["work_orders"] == first["work_orders"]
    assert documented(app, api("GET", "/work-orders?page=2", "office"))["page"] == 2


def test_the_assigned_engineer_logs_no_time_on_a_cancelled_order(api, make_order, client):
    """A cancelled order counts nowhere; a time logged on it only renamed its files (arrived_at sets the name)."""
    order = make_order(arrived_at=None)
    assert api("PATCH", f"/work-orders/{order.id}", "office", json={"status": "cancelled"}).status_code == 200
    refused = api("PATCH", f"/work-orders/{order.id}", "eng1", json={"arrived_at": "2026-10-16T09:30"})
    assert_error(refused, 409)
    db.session.rollback()
    assert db.session.get(WorkOrder, order.id).arrived_at is None
    login(client, "eng1")
    assert "填写时间" not in client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    client.post("/logout")
    assert api("PATCH", f"/work-orders/{order.id}", "office",
               json={"arrived_at": "2026-10-16T09:30"}).status_code == 200  # back office still corrects it


def test_a_machine_named_on_an_order_becomes_its_customers_record(api, client, team):
    """Only an import made machine records: a machine typed on orders had no page, and the form never offered it."""
    def machines(customer):
        return [m["name"] for m in api("GET", f"/equipment?customer={customer}", "office").get_json()["equipment"]]

    first = api("POST", "/work-orders", "office", json=BODY).get_json()
    api("POST", "/work-orders", "office", json=BODY)  # the same machine again: one record
    api("POST", "/work-orders", "office", json={**BODY, "equipment": ""})  # no machine named: none
    assert machines("旗滨玻璃") == ["1号机"]
    assert api("PATCH", f"/work-orders/{first['id']}", "office", json={"equipment": "2号机"}).status_code == 200
    api("PATCH", f"/work-orders/{first['id']}", "office", json={"customer": "南玻集团"})
    assert machines("旗滨玻璃") == ["1号机", "2号机"] and machines("南玻集团") == ["2号机"]
    assert api("POST", "/work-orders", "office", json={**BODY, "equipment": "3/号机"}).status_code == 422
    assert machines("旗滨玻璃") == ["1号机", "2号机"]  # a refused order names nothing
    login(client, "office")
    page = client.get(f"/work-orders/{first['id']}").get_data(as_text=True)
    assert "/work-orders/equipment/" in page  # the order links to its machine's history
