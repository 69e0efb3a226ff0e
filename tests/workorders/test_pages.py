"""The work-order pages: create, edit, the engineer's times, list filters, detail with timeline and trips."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.conftest import login
from tests.workorders.conftest import CANONICAL
from tracker.extensions import db
from tracker.itinerary.models import Trip
from tracker.workorders.models import WorkOrder
from tracker.customers.models import Customer

FORM = {"customer": "旗滨玻璃", "equipment": "1号机", "service_type": "常规保养", "reported_at": "2026-10-15T08:00",
        "arrived_at": "2026-10-15T10:00", "engineer": "eng1", "submitter": "office", "status": "open",
        "rework": "none"}


def test_create_page_stores_the_order_and_shows_its_canonical_name(client, team):
    login(client, "office")
    assert client.get("/work-orders/new").status_code == 200
    response = client.post("/work-orders/new", data=FORM)
    assert response.status_code == 302
    order = db.session.query(WorkOrder).one()
    assert order.number == "WO20261120-001" and order.submitter.username == "office"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert CANONICAL in page and 'id="timeline"' in page


@pytest.mark.parametrize("change, message", [
    ({"customer": "旗滨/玻璃"}, "不能包含"),
    ({"customer": ""}, "请填写客户"),  # each required field asks for itself (all said 该字段是必填字段)
    ({"reported_at": ""}, "请填写报修时间"),
    ({"arrived_at": "2026-10-15T07:00"}, "到达时间不能早于报修时间"),
    ({"reported_at": "not a time"}, "不是有效的日期与时间值"),
    ({"engineer": "ghost"}, "不是有效的选择"),
    ({"status": "done"}, "不是有效的选择"),
    ({"rework_of": "NOPE", "rework": "internal"}, "没有编号为 NOPE 的工单"),
    ({"number": "两个字"}, "工单编号"),
    ({"customer": " 旗滨玻璃"}, "开头和结尾不能是点或空格"),      # refused as the API refuses it, never trimmed
    ({"equipment": "1号机 "}, "开头和结尾不能是点或空格"),
    ({"service_type": "常规保养\u3000"}, "开头和结尾不能是点或空格"),
    ({"customer": "客" * 41}, "最多 40 个字符"),
    ({"customer": "客" * 40, "equipment": "机" * 40}, "作为文件名最多 200 字节"),
])
def test_bad_create_form_is_422_with_the_reason_on_the_field(client, team, change, message):
    login(client, "office")
    response = client.post("/work-orders/new", data={**FORM, **change})
    assert response.status_code == 422
    assert re.search(r'class="invalid-feedback[^"]*"[^>]*>\s*[^<]*' + re.escape(message), response.get_data(as_text=True))
    assert db.session.query(WorkOrder).count() == 0 and db.session.query(Customer).count() == 0


def test_one_round_names_every_mistake_of_a_ticket(client, team):
    """A ticket with several mistakes took four rounds: the required service type first, then the names and the
    original order, then the times' order."""
    login(client, "office")
    response = client.post("/work-orders/new", data={
        **FORM, "customer": "新客户/甲", "equipment": "1号机.", "service_type": "", "responded_at": "2026-10-15T07:00",
        "rework": "external", "rework_of": "WO-NONE"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field, message in (("service_type", "请填写服务类型"), ("customer", "不能包含"),
                           ("equipment", "开头和结尾不能是点或空格"), ("rework_of", "没有编号为 WO-NONE 的工单"),
                           ("responded_at", "响应时间不能早于报修时间")):
        assert re.search(rf'id="{field}"[^>]*>(?:(?!</div>).)*?invalid-feedback[^>]*>\s*[^<]*{re.escape(message)}',
                         html, re.S), field
    assert db.session.query(WorkOrder).count() == 0 and db.session.query(Customer).count() == 0


@pytest.mark.parametrize("change, field, message", [
    ({"equipment": "1号机.", "status": "completed", "completed_at": ""}, "completed_at", "已完工的工单须填写完工时间"),
    ({"customer": "客" * 40, "service_type": "维" * 40}, "customer", "作为文件名最多 200 字节"),
])
def test_the_rules_of_the_order_as_a_whole_are_said_with_a_fields_mistake(client, team, change, field, message):
    """A field's mistake was said first, the order's completion (or its name's length) only in the next round."""
    login(client, "office")
    response = client.post("/work-orders/new", data={**FORM, "rework": "external", "rework_of": "WO-NONE", **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name, text in (("rework_of", "没有编号为 WO-NONE 的工单"), (field, message)):
        assert re.search(rf'id="{name}"[^>]*>(?:(?!</div>).)*?invalid-feedback[^>]*>\s*[^<]*{re.escape(text)}',
                         html, re.S), name
    assert db.session.query(WorkOrder).count() == 0


def test_a_name_of_40_characters_after_nfc_is_taken_by_the_form_and_the_api(client, api, team):
    """39 × 客 + e + U+0301 is 41 code points as sent and 40 characters once NFC-normalised (é), as stored."""
    name = "客" * 39 + "e\u0301"
    login(client, "office")
    assert client.post("/work-orders/new", data={**FORM, "customer": name}).status_code == 302
    assert db.session.query(Customer).one().name == "客" * 39 + "\u00e9"
    body = {"customer": name, "service_type": "常规保养", "reported_at": "2026-10-15T08:00"}
    assert api("POST", "/work-orders", "office", json=body).status_code == 201
    assert api("POST", "/customers", "office", json={"name": "厂" * 39 + "e\u0301"}).status_code == 201


def test_manager_form_offers_only_the_own_team(client, team):
    login(client, "mgr")
    page = client.get("/work-orders/new").get_data(as_text=True)
    engineers = page.split('name="engineer"', 1)[1].split("</select>", 1)[0]
    assert 'value="eng1"' in engineers and 'value="eng3"' not in engineers
    assert client.post("/work-orders/new", data={**FORM, "engineer": "eng3"}).status_code == 422


def test_engineer_edit_page_offers_only_the_times(client, make_order):
    order = make_order(arrived_at=None)
    login(client, "eng1")
    page = client.get(f"/work-orders/{order.id}/edit").get_data(as_text=True)
    assert 'name="responded_at"' in page and 'name="customer"' not in page
    # the page is what the button said (填写时间), without the rules for names the engineer does not enter
    assert f"填写时间 {order.number}" in page and "编辑工单" not in page and "40 个字符" not in page
    response = client.post(f"/work-orders/{order.id}/edit", data={"responded_at": "2026-10-15T08:15",
                                                                  "arrived_at": "2026-10-15T09:00"})
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.responded_at == datetime(2026, 10, 15, 8, 15) and order.arrived_at == datetime(2026, 10, 15, 9, 0)
    bad = client.post(f"/work-orders/{order.id}/edit", data={"responded_at": "2026-10-15T07:00",
                                                             "arrived_at": "2026-10-15T09:00"})
    assert bad.status_code == 422 and "响应时间不能早于报修时间" in bad.get_data(as_text=True)


def test_the_back_office_edit_page_is_the_whole_order_with_the_rules_for_names(client, make_order):
    order = make_order(arrived_at=None)
    login(client, "office")
    page = client.get(f"/work-orders/{order.id}/edit").get_data(as_text=True)
    assert f"编辑工单 {order.number}" in page and "40 个字符" in page and "填写时间" not in page


def test_the_form_keeps_seconds_shows_them_and_takes_times_with_or_without_them(client, team):
    login(client, "office")
    response = client.post("/work-orders/new", data={**FORM, "reported_at": "2026-10-15T08:00:59",
                                                     "responded_at": "2026-10-15T10:00:01",
                                                     "arrived_at": "2026-10-15 10:30:30"})
    assert response.status_code == 302
    order = db.session.query(WorkOrder).one()
    assert (order.reported_at, order.responded_at, order.arrived_at) == (
        datetime(2026, 10, 15, 8, 0, 59), datetime(2026, 10, 15, 10, 0, 1), datetime(2026, 10, 15, 10, 30, 30))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026-10-15 08:00:59" in page and "(+1:59:02)" in page and "(+2:29:31)" in page
    edit = client.get(f"/work-orders/{order.id}/edit").get_data(as_text=True)
    reported = re.search(r'<input[^>]*name="reported_at"[^>]*>', edit).group(0)
    assert 'value="2026-10-15T08:00:59"' in reported and 'step="1"' in reported  # a browser accepts the seconds
    as_shown = {"number": order.number, "reported_at": "2026-10-15T08:00:59", "responded_at": "2026-10-15T10:00:01"}
    client.post(f"/work-orders/{order.id}/edit", data={**FORM, **as_shown, "arrived_at": "2026-10-15T10:31"})
    db.session.refresh(order)
    assert (order.reported_at, order.arrived_at) == (datetime(2026, 10, 15, 8, 0, 59), datetime(2026, 10, 15, 10, 31))
    edit = client.get(f"/work-orders/{order.id}/edit").get_data(as_text=True)
    arrived = re.search(r'<input[^>]*name="arrived_at"[^>]*>', edit).group(0)
    assert 'value="2026-10-15T10:31"' in arrived and "step" not in arrived
    bad = client.post("/work-orders/new", data={**FORM, "reported_at": "2026-10-15T08:00:59",
                                                "responded_at": "2026-10-15T08:00:01"})
    assert bad.status_code == 422 and "响应时间不能早于报修时间" in bad.get_data(as_text=True)


def test_other_engineer_cannot_open_or_edit_the_order(app, make_order):
    order = make_order()
    client = app.test_client()
    login(client, "eng2")
    assert client.get(f"/work-orders/{order.id}").status_code == 403
    assert client.get(f"/work-orders/{order.id}/edit").status_code == 403
    assert client.post(f"/work-orders/{order.id}/edit", data={"responded_at": "2026-10-15T08:15"}).status_code == 403


def test_manager_edits_every_field(client, make_order):
    order = make_order()
    login(client, "mgr")
    page = client.get(f"/work-orders/{order.id}/edit").get_data(as_text=True)
    assert 'value="旗滨玻璃"' in page
    response = client.post(f"/work-orders/{order.id}/edit", data={**FORM, "number": order.number,
                                                                   "equipment": "2号机", "engineer": "eng2"})
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.equipment == "2号机" and order.engineer.username == "eng2"


def _form_as_shown(client, url):
    """What a browser posts back from the edit page unchanged: every input, select and text area as shown."""
    import html as markup

    page = client.get(url).get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and 'type="submit"' not in tag:
            fields[name.group(1)] = markup.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|<option value="([^"]*)"[^>]*selected', body)
        fields[name] = (chosen.group(1) or chosen.group(2)) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        text = markup.unescape(body)  # a browser drops the first line break, and sends lines ending in CR LF
        text = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text
        fields[name] = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return fields


def test_a_form_opened_before_anothers_save_sends_only_what_its_user_changed(app, client, make_order):
    """Two clerks: the one who saved an older form brought back every field as he had opened it, the other's new
    description and arrival time gone without a word; an engineer's older times form brought back the response
    time the office had corrected (a better response score). Each form sends the fields its user changed; the
    page says what someone else changed meanwhile and was kept."""
    order = make_order(description="原描述\n第二行", responded_at=datetime(2026, 10, 15, 8, 10))
    url = f"/work-orders/{order.id}/edit"
    login(client, "office")
    stale = _form_as_shown(client, url)
    assert stale["seen"] and stale["description"] == "原描述\r\n第二行"
    engineer = app.test_client()
    login(engineer, "eng1")
    times = _form_as_shown(engineer, url)
    other = app.test_client()
    login(other, "mgr")
    fresh = _form_as_shown(other, url)
    saved = other.post(url, data={**fresh, "description": "新描述", "arrived_at": "2026-10-15T10:20",
                                  "responded_at": "2026-10-15T09:05"})
    assert saved.status_code == 302
    response = client.post(url, data={**stale, "equipment": "2号机"}, follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(order)
    assert (order.equipment, order.description, order.arrived_at) == ("2号机", "新描述", datetime(2026, 10, 15, 10, 20))
    page = response.get_data(as_text=True)
    assert "其他人修改了" in page and "问题描述" in page and "到达现场时间" in page
    response = engineer.post(url, data={**times, "completed_at": "2026-10-15T15:00"})
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.responded_at == datetime(2026, 10, 15, 9, 5) and order.completed_at == datetime(2026, 10, 15, 15)
    # both changed one field: the later save is taken, and its user told so
    again = _form_as_shown(client, url)
    assert other.post(url, data={**_form_as_shown(other, url), "equipment": "3号机"}).status_code == 302
    page = client.post(url, data={**again, "equipment": "4号机"}, follow_redirects=True).get_data(as_text=True)
    db.session.refresh(order)
    assert order.equipment == "4号机" and "也修改了设备" in page


def test_a_completion_time_completes_an_open_order_on_the_form_as_in_the_api(client, make_order):
    """The status select is sent with every form: left as it was, it does not refuse a completion time (the
    order is completed, as PATCH completed_at does); chosen, it is taken as chosen."""
    login(client, "office")
    created = client.post("/work-orders/new", data={**FORM, "completed_at": "2026-10-15T12:00"})
    assert created.status_code == 302
    assert db.session.query(WorkOrder).one().status == "completed"
    order = make_order(number="WO-OPEN")
    edited = client.post(f"/work-orders/{order.id}/edit", data={**FORM, "number": order.number,
                                                                 "completed_at": "2026-10-15T15:00"})
    assert edited.status_code == 302
    db.session.refresh(order)
    assert order.status == "completed" and order.completed_at == datetime(2026, 10, 15, 15)
    reopened = client.post(f"/work-orders/{order.id}/edit", data={**FORM, "number": order.number,
                                                                   "status": "completed", "completed_at": ""})
    assert reopened.status_code == 302  # the completion time cleared, the status left as shown: reopened
    db.session.refresh(order)
    assert order.status == "open" and order.completed_at is None
    refused = client.post(f"/work-orders/{order.id}/edit", data={**FORM, "number": order.number,
                                                                  "status": "cancelled", "completed_at": "2026-10-15T15:00"})
    assert refused.status_code == 302  # a chosen status is kept: a cancelled order may carry a completion time
    db.session.refresh(order)
    assert order.status == "cancelled"


def test_list_page_filters(client, make_order):
    make_order(number="N1")
    make_order(number="N2", customer="信义玻璃", engineer="eng2")
    login(client, "office")
    page = client.get("/work-orders/?customer=信义玻璃").get_data(as_text=True)
    assert "N2" in page and ">N1<" not in page
    page = client.get("/work-orders/?engineer=eng1&no_scan=1&month=2026-10&status=open").get_data(as_text=True)
    assert ">N1<" in page and ">N2<" not in page
    assert client.get("/work-orders/?month=2026-99").status_code == 422
    # the field asks for a name or a username: 李四 as the pages show him (an empty list, without a word, before)
    page = client.get("/work-orders/?engineer=李四").get_data(as_text=True)
    assert ">N2<" in page and ">N1<" not in page
    # a username typed with capitals is that user (usernames are lower case): it found nobody, without a word
    page = client.get("/work-orders/?engineer=Eng2").get_data(as_text=True)
    assert ">N2<" in page and ">N1<" not in page


def test_engineer_list_shows_only_the_own_orders(client, make_order):
    make_order(number="N1")
    make_order(number="N2", engineer="eng2")
    login(client, "eng1")
    page = client.get("/work-orders/").get_data(as_text=True)
    assert ">N1<" in page and ">N2<" not in page


def test_detail_shows_timeline_deadline_and_trips(client, make_order, team):
    order = make_order(responded_at=datetime(2026, 10, 15, 8, 30), completed_at=datetime(2026, 10, 16, 12, 0),
                       deadline_at=datetime(2026, 10, 16, 9, 0))
    db.session.add(Trip(engineer_id=team["eng1"].id, day=date(2026, 10, 15), depart_min=480, return_min=1020,
                        hours=Decimal("9.0"), work_order_id=order.id, purpose="保养"))
    db.session.commit()
    login(client, "eng1")
    page = client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    for text in ("2026-10-15 08:30", "2026-10-16 12:00", "2026-10-16 09:00", "超时完工", "08:00–17:00", CANONICAL):
        assert text in page


def test_detail_lists_only_the_trips_the_reader_may_see(client, make_order, team):
    """A trip is its engineer's itinerary: an order's reader who may not see that engineer's itinerary (another
    engineer, a manager of another team who only submitted the order) does not see the trip on the order's page."""
    order = make_order(submitter="mgr2")
    db.session.add_all([
        Trip(engineer_id=team["eng1"].id, day=date(2026, 10, 15), depart_min=480, return_min=600,
             hours=Decimal("2.0"), work_order_id=order.id, purpose="一号机保养"),
        Trip(engineer_id=team["eng3"].id, day=date(2026, 10, 16), depart_min=480, return_min=600,
             hours=Decimal("2.0"), work_order_id=order.id, purpose="私人行程说明")])
    db.session.commit()
    seen = {}
    for username in ("eng1", "eng3", "mgr", "mgr2", "office", "gm.wang"):
        login(client, username)
        page = client.get(f"/work-orders/{order.id}").get_data(as_text=True)
        seen[username] = ("一号机保养" in page, "私人行程说明" in page)
        client.post("/logout")
    assert seen == {"eng1": (True, False), "eng3": (False, False), "mgr": (True, False), "mgr2": (False, True),
                    "office": (True, True), "gm.wang": (True, True)}


def test_new_repair_suggests_the_rework_link_on_the_page(client, make_order):
    make_order(number="OLD-1", completed_at=datetime(2026, 10, 15, 16, 0))
    login(client, "office")
    response = client.post("/work-orders/new", data={**FORM, "service_type": "维修",
                                                     "reported_at": "2026-11-01T09:00", "arrived_at": ""})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="rework-suggestion"' in page and "OLD-1" in page
    assert "不是返修则无需操作" in page  # nothing says what to do when it is no rework
    order = db.session.query(WorkOrder).filter_by(service_type="维修").one()
    linked = client.post(f"/work-orders/{order.id}/rework", data={"rework": "internal", "rework_of": "OLD-1"})
    assert linked.status_code == 302
    db.session.refresh(order)
    assert order.rework == "internal" and order.rework_of.number == "OLD-1"
    assert 'id="rework-suggestion"' not in client.get(f"/work-orders/{order.id}").get_data(as_text=True)


def test_the_form_refuses_a_rework_of_outside_the_managers_scope_as_an_unknown_number(client, make_order):
    make_order(number="THEIRS", engineer="eng3", completed_at=datetime(2026, 10, 15, 16, 0))  # mgr2's team
    login(client, "mgr")
    repair = {**FORM, "service_type": "维修", "reported_at": "2026-11-01T09:00", "arrived_at": ""}
    response = client.post("/work-orders/new", data={**repair, "rework": "external", "rework_of": "THEIRS"})
    assert response.status_code == 422 and "没有编号为 THEIRS 的工单" in response.get_data(as_text=True)
    assert db.session.query(WorkOrder).count() == 1
    created = client.post("/work-orders/new", data=repair)
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert 'id="rework-suggestion"' not in page and "THEIRS" not in page


@pytest.mark.parametrize("path", ["/work-orders/999", "/work-orders/99999999999", "/work-orders/1/scans/5",
                                  "/work-orders/1/photos/5"])
def test_unknown_records_are_404(client, make_order, path):
    make_order()
    login(client, "office")
    assert client.get(path).status_code == 404


def test_engineer_cannot_reach_the_create_page(client, team):
    login(client, "eng1")
    assert client.get("/work-orders/new").status_code == 403


def test_reopening_a_surveyed_order_says_its_surveys_no_longer_count(client, api, make_order):
    """A survey counts in the month its order was completed: clearing the completion takes it out of the
    satisfaction line until the order is completed again, which the page now says."""
    order = make_order(number="WO-DONE", completed_at=datetime(2026, 10, 15, 12), status="completed")
    assert api("POST", f"/work-orders/{order.id}/surveys", "office", json={"score": 2}).status_code == 201
    login(client, "office")
    saved = client.post(f"/work-orders/{order.id}/edit", data={**FORM, "number": order.number, "status": "completed",
                                                                "completed_at": "2026-10-15T15:00"},
                        follow_redirects=True).get_data(as_text=True)
    assert "回访在再次完工前不计入" not in saved  # still completed: nothing to say
    reopened = client.post(f"/work-orders/{order.id}/edit", data={**FORM, "number": order.number, "status": "open",
                                                                   "completed_at": ""}, follow_redirects=True)
    assert "该工单已不再完工：它的 1 条回访在再次完工前不计入客户满意度" in reopened.get_data(as_text=True)


@pytest.mark.parametrize("query, field", [("month=2026-13", "month"), ("status=zzz", "status"),
                                          ("customer=" + "长" * 41, "customer"), ("page=x", None)])
def test_a_filter_that_cannot_be_is_said_at_its_field_with_the_filters_kept(client, make_order, query, field):
    """/work-orders/?month=2026-13 replaced the list and its filters with a bare error page: the user could not
    correct the field in place."""
    make_order()
    login(client, "office")
    assert CANONICAL[8:12] in client.get("/work-orders/?engineer=eng1").get_data(as_text=True)  # listed when it can be
    response = client.get(f"/work-orders/?{query}&engineer=eng1")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-month"' in html and 'value="eng1"' in html  # the filters, as sent
    assert CANONICAL[8:12] not in html.split('id="f-month"')[1]  # no order listed under filters that cannot be
    if field:
        assert f'is-invalid" aria-invalid="true" aria-describedby="f-{field}-error"' in html
        assert f'id="f-{field}-error"' in html
    else:
        assert 'id="filter-errors"' in html


def test_every_filter_that_cannot_be_is_said_at_once(client, make_order):
    """?month=2026-13&status=zz marked the month only: the status was said one round later."""
    login(client, "office")
    html = client.get("/work-orders/?month=2026-13&status=zz&customer=a/b").get_data(as_text=True)
    assert all(f'id="f-{field}-error"' in html for field in ("month", "status", "customer"))
