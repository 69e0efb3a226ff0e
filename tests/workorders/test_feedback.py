"""Customer feedback: phone surveys per work order and complaints per engineer and month."""

import re
from datetime import datetime

import pytest

from tests.api.support import assert_error, count, documented
from tests.conftest import login
from tracker.extensions import db
from tracker.workorders.models import Complaint, Survey


@pytest.fixture
def done(make_order):
    return make_order(number="D-1", completed_at=datetime(2026, 10, 15, 16, 0))


def test_survey_of_a_completed_order(app, api, done):
    response = api("POST", f"/work-orders/{done.id}/surveys", "office",
                   json={"score": 4, "method": "phone", "comment": "师傅很专业"})
    body = documented(app, response)
    assert body["score"] == 4 and body["work_order"] == "D-1" and body["method"] == "phone"
    assert body["recorded_at"] == "2026-11-20T10:00:00+08:00"


@pytest.mark.parametrize("body, field", [
    ({"score": 0}, "score"), ({"score": 6}, "score"), ({"score": 4.5}, "score"), ({"score": "5"}, "score"),
    ({"score": True}, "score"), ({}, "score"), ({"score": 5, "method": "fax"}, "method"),
    ({"score": 5, "comment": "c" * 501}, "comment"), ({"score": 5, "extra": 1}, "extra"),
])
def test_bad_survey_is_422_and_nothing_stored(api, done, body, field):
    assert_error(api("POST", f"/work-orders/{done.id}/surveys", "office", json=body), 422, field)
    assert count(Survey) == 0


def test_a_score_written_with_a_zero_fraction_is_the_integer(api, done):
    """4.0 is the integer 4 in JSON Schema (the OpenAPI document accepts it): it was refused as not an integer."""
    response = api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 4.0})
    assert response.status_code == 201 and response.get_json()["score"] == 4


def test_survey_of_an_open_order_is_409(api, make_order):
    order = make_order()
    assert_error(api("POST", f"/work-orders/{order.id}/surveys", "office", json={"score": 5}), 409)


@pytest.mark.parametrize("user, status", [("office", 201), ("mgr", 201), ("mgr2", 403), ("eng1", 403),
                                          ("gm.wang", 403)])
def test_who_may_record_surveys(api, done, user, status):
    assert api("POST", f"/work-orders/{done.id}/surveys", user, json={"score": 5}).status_code == status


def test_survey_form_on_the_work_order_page(client, done):
    login(client, "office")
    assert "满意度评分" in client.get(f"/work-orders/{done.id}").get_data(as_text=True)
    response = client.post(f"/work-orders/{done.id}/surveys", data={"score": "2", "method": "visit",
                                                                    "comment": "等了很久"})
    assert response.status_code == 302
    assert db.session.query(Survey.score, Survey.method).all() == [(2, "visit")]
    assert client.post(f"/work-orders/{done.id}/surveys", data={"score": "9", "method": "phone"}).status_code == 422
    none = client.post(f"/work-orders/{done.id}/surveys", data={"method": "phone"})
    assert none.status_code == 422 and "请选择满意度评分" in none.get_data(as_text=True)  # was 该字段是必填字段。
    assert count(Survey) == 1


COMPLAINT = {"engineer": "eng1", "date": "2026-11-03", "upheld": True, "resolution_satisfied": False,
             "note": "未按约定时间到场"}


def test_complaint_with_and_without_a_work_order(app, api, done):
    body = documented(app, api("POST", "/complaints", "office", json={**COMPLAINT, "work_order": "D-1"}))
    assert body["work_order"] == "D-1" and body["upheld"] is True and body["resolution_satisfied"] is False
    body = documented(app, api("POST", "/complaints", "mgr", json={"engineer": "eng2", "date": "2026-11-04",
                                                                   "upheld": False}))
    assert body["work_order"] is None and body["resolution_satisfied"] is None


@pytest.mark.parametrize("change, status, field", [
    ({"engineer": "office"}, 422, "engineer"), ({"engineer": "ghost"}, 422, "engineer"),
    ({"date": "2026-11-21"}, 422, "date"), ({"date": "2026-02-30"}, 422, "date"), ({"date": "3.11."}, 422, "date"),
    ({"upheld": "yes"}, 422, "upheld"), ({"work_order": "NOPE"}, 422, "work_order"),
    ({"note": "n" * 501}, 422, "note"), ({"resolution_satisfied": 1}, 422, "resolution_satisfied"),
])
def test_bad_complaint_is_4xx_and_nothing_stored(api, done, change, status, field):
    assert_error(api("POST", "/complaints", "office", json={**COMPLAINT, **change}), status, field)
    assert count(Complaint) == 0


def test_a_complaint_names_every_field_at_fault_at_once(api, done):
    """A complaint was refused at its first bad field: one with three took three rounds."""
    error = assert_error(api("POST", "/complaints", "office", json={**COMPLAINT, "date": "2026-11-21",
                                                                    "engineer": "office", "work_order": "NOPE"}), 422)
    assert sorted(error["fields"]) == ["date", "engineer", "work_order"]
    assert error["fields"]["date"] == "不能记录未来的日期"
    one = assert_error(api("POST", "/complaints", "office", json={**COMPLAINT, "work_order": "NOPE"}), 422)
    assert one["message"] == one["fields"]["work_order"]  # one fault: the message says it
    assert count(Complaint) == 0


@pytest.mark.parametrize("user, engineer, status", [("office", "eng3", 201), ("mgr", "eng1", 201),
                                                    ("mgr", "eng3", 403), ("eng1", "eng1", 403),
                                                    ("gm.wang", "eng1", 403)])
def test_who_may_record_complaints(api, team, user, engineer, status):
    assert api("POST", "/complaints", user, json={**COMPLAINT, "engineer": engineer}).status_code == status


def test_complaints_are_listed_per_engineer_and_month_in_scope(app, api, client, team):
    for engineer, day in (("eng1", "2026-11-03"), ("eng1", "2026-11-05"), ("eng2", "2026-11-06"),
                          ("eng3", "2026-11-07"), ("eng1", "2026-10-30")):
        api("POST", "/complaints", "office", json={**COMPLAINT, "engineer": engineer, "date": day})

    def listed(user, query):
        return [(c["engineer"], c["date"]) for c in documented(app, api("GET", "/complaints" + query, user))[
            "complaints"]]

    assert listed("mgr", "?month=2026-11") == [("eng1", "2026-11-03"), ("eng1", "2026-11-05"),
                                               ("eng2", "2026-11-06")]
    assert listed("eng1", "") == [("eng1", "2026-11-03"), ("eng1", "2026-11-05")]
    assert listed("office", "?month=2026-11&engineer=eng3") == [("eng3", "2026-11-07")]
    assert listed("office", "?month=2026-10") == [("eng1", "2026-10-30")]
    assert_error(api("GET", "/complaints?month=2026-13", "office"), 422)
    login(client, "mgr")
    page = client.get("/work-orders/complaints?month=2026-11").get_data(as_text=True)
    assert "张三" in page and "李四" in page and "王五" not in page


def test_a_month_that_cannot_be_is_said_at_the_complaint_lists_field(api, client, team):
    """/work-orders/complaints?month=2026-13 (typed in a browser showing the month field as text) was a bare error
    page in place of the list and its filters."""
    api("POST", "/complaints", "office", json={**COMPLAINT, "engineer": "eng1", "date": "2026-11-03"})
    login(client, "mgr")
    response = client.get("/work-orders/complaints?month=2026-13")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'is-invalid" aria-invalid="true" aria-describedby="c-month-error"' in html and 'id="c-month-error"' in html
    assert 'value="2026-13"' in html  # as typed, to correct
    assert 'id="complaint-' not in html  # nothing listed under it


def test_complaint_form(client, team):
    login(client, "office")
    assert client.get("/work-orders/complaints/new").status_code == 200
    response = client.post("/work-orders/complaints/new", data={"engineer": "eng1", "date": "2026-11-02",
                                                                "upheld": "yes", "resolution_satisfied": "yes"})
    assert response.status_code == 302
    assert db.session.query(Complaint.upheld, Complaint.resolution_satisfied).all() == [(True, True)]
    bad = client.post("/work-orders/complaints/new", data={"engineer": "eng1", "date": "2026-12-02",
                                                           "upheld": "yes"})
    assert bad.status_code == 422 and "不能记录未来的日期" in bad.get_data(as_text=True)
    assert client.post("/work-orders/complaints/new", data={"engineer": "eng1"}).status_code == 422
    # every field at fault in one round, each in its own words (upheld said "该字段是必填字段。", then the date,
    # then the work order, one save each)
    three = client.post("/work-orders/complaints/new", data={"engineer": "eng1", "date": "2026-12-02",
                                                             "work_order": "WO-X"})
    html = three.get_data(as_text=True)
    assert three.status_code == 422
    for field, words in (("upheld", "请选择投诉是否属实"), ("date", "不能记录未来的日期"),
                         ("work_order", "没有编号为 WO-X 的工单")):
        assert f'id="{field}-error"' in html and words in html, field
    assert "该字段是必填字段" not in html
    assert count(Complaint) == 1


# ---- correcting a survey or complaint recorded by mistake ---------------------------------------------

def _satisfaction(api, user="mgr", engineer="eng1", month="2026-10"):
    """The satisfaction line of the engineer's draft, as the API answers it."""
    row = api("GET", f"/scores/{month}/{engineer}", user).get_json()
    return next(line for line in row["indicators"] if line["code"] == "satisfaction")


def _approve(engineer, month):
    from tracker.scores.models import Score

    db.session.execute(Score.__table__.update().where(Score.engineer_id == engineer.id, Score.month == month)
                       .values(status="approved"))
    db.session.commit()


def test_a_survey_recorded_by_mistake_is_removed_and_the_draft_follows(app, api, done):
    survey = api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 1}).get_json()
    line = _satisfaction(api)
    assert line["points"] == 0 and line["records"]["surveys"] == [survey["id"]]
    response = api("DELETE", f"/surveys/{survey['id']}", "office")
    assert response.status_code == 204 and response.get_data() == b""
    assert count(Survey) == 0
    line = _satisfaction(api)
    assert line["points"] == 15 and not line["records"].get("surveys")
    assert_error(api("DELETE", f"/surveys/{survey['id']}", "office"), 404)
    assert_error(api("DELETE", "/surveys/99999999999", "office"), 404)


@pytest.mark.parametrize("user, status", [("office", 204), ("mgr", 204), ("mgr2", 403), ("eng1", 403),
                                          ("gm.wang", 403), ("admin", 403)])
def test_who_may_remove_a_survey(api, done, user, status):
    survey = api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 2}).get_json()
    assert api("DELETE", f"/surveys/{survey['id']}", user).status_code == status
    assert count(Survey) == (0 if status == 204 else 1)


def test_a_survey_an_approved_score_counts_stays(api, team, done):
    survey = api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 1}).get_json()
    _approve(team["eng1"], "2026-10")
    assert_error(api("DELETE", f"/surveys/{survey['id']}", "office"), 409)
    assert count(Survey) == 1


def test_a_complaint_recorded_by_mistake_is_removed_and_the_draft_follows(api, team):
    complaint = api("POST", "/complaints", "office", json={**COMPLAINT, "date": "2026-10-20"}).get_json()
    assert _satisfaction(api)["points"] == 12  # no surveys: 15, less 3 for the upheld complaint
    assert api("DELETE", f"/complaints/{complaint['id']}", "mgr").status_code == 204
    assert count(Complaint) == 0 and _satisfaction(api)["points"] == 15
    assert_error(api("DELETE", f"/complaints/{complaint['id']}", "mgr"), 404)


@pytest.mark.parametrize("user, status", [("office", 204), ("mgr", 204), ("mgr2", 403), ("eng1", 403),
                                          ("gm.wang", 403)])
def test_who_may_remove_a_complaint(api, team, user, status):
    complaint = api("POST", "/complaints", "office", json=COMPLAINT).get_json()
    assert api("DELETE", f"/complaints/{complaint['id']}", user).status_code == status
    assert count(Complaint) == (0 if status == 204 else 1)


def test_a_complaint_of_an_approved_month_stays(api, team):
    complaint = api("POST", "/complaints", "office", json={**COMPLAINT, "date": "2026-10-20"}).get_json()
    _approve(team["eng1"], "2026-10")
    assert_error(api("DELETE", f"/complaints/{complaint['id']}", "office"), 409)
    assert count(Complaint) == 1


def test_surveys_and_complaints_are_removed_on_their_pages(app, client, api, team, done):
    survey = api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 3}).get_json()
    complaint = api("POST", "/complaints", "office", json=COMPLAINT).get_json()
    gm, other = app.test_client(), app.test_client()
    login(gm, "gm.wang")  # sees every complaint, records none: no delete buttons
    listing = gm.get("/work-orders/complaints?month=2026-11").get_data(as_text=True)
    assert "张三" in listing and f"/complaints/{complaint['id']}/delete" not in listing
    assert gm.post(f"/work-orders/complaints/{complaint['id']}/delete").status_code == 403
    login(other, "mgr2")  # a manager of another team may not remove it
    assert other.post(f"/work-orders/complaints/{complaint['id']}/delete").status_code == 403
    assert other.post(f"/work-orders/{done.id}/surveys/{survey['id']}/delete").status_code == 403
    login(client, "office")
    page = client.get(f"/work-orders/{done.id}").get_data(as_text=True)
    action = f"/work-orders/{done.id}/surveys/{survey['id']}/delete"
    assert action in page
    assert client.post(f"/work-orders/{done.id + 1}/surveys/{survey['id']}/delete").status_code == 404
    response = client.post(action, follow_redirects=True)
    assert response.status_code == 200 and "已删除回访" in response.get_data(as_text=True)
    assert count(Survey) == 0
    listing = client.get("/work-orders/complaints?month=2026-11").get_data(as_text=True)
    assert f"/work-orders/complaints/{complaint['id']}/delete" in listing
    response = client.post(f"/work-orders/complaints/{complaint['id']}/delete", follow_redirects=True)
    assert response.status_code == 200 and "已删除投诉" in response.get_data(as_text=True)
    assert count(Complaint) == 0


def test_removing_on_the_page_of_an_approved_month_says_why(client, api, team):
    complaint = api("POST", "/complaints", "office", json={**COMPLAINT, "date": "2026-10-20"}).get_json()
    _approve(team["eng1"], "2026-10")
    login(client, "office")
    response = client.post(f"/work-orders/complaints/{complaint['id']}/delete", follow_redirects=True)
    assert response.status_code == 200 and "已审批" in response.get_data(as_text=True)
    assert count(Complaint) == 1


def test_the_score_page_links_a_low_survey_to_the_survey_itself(api, client, done):
    survey = api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 2}).get_json()
    login(client, "mgr")
    page = client.get("/scores/2026-10/eng1").get_data(as_text=True)
    assert f'href="/work-orders/{done.id}#survey-{survey["id"]}"' in page
    assert f"回访 {done.number}" in page  # as the work order's page names it (客户回访), not 调查
    assert f'id="survey-{survey["id"]}"' in client.get(f"/work-orders/{done.id}").get_data(as_text=True)


def test_recording_into_an_approved_month_says_the_approved_score_stays(client, api, team, done):
    login(client, "office")
    response = client.post(f"/work-orders/{done.id}/surveys", data={"score": "2", "method": "phone"},
                           follow_redirects=True)
    assert "已保存回访" in response.get_data(as_text=True)
    assert "不改变已审批的得分" not in response.get_data(as_text=True)  # a draft month: it counts at once
    _approve(team["eng1"], "2026-10")
    response = client.post(f"/work-orders/{done.id}/surveys", data={"score": "1", "method": "phone"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已保存回访" in page and "张三 2026-10 的考核结果已审批：这次修改已保存，但不改变已审批的得分" in page
    response = client.post("/work-orders/complaints/new", data={"engineer": "eng1", "date": "2026-10-20",
                                                                "upheld": "yes"}, follow_redirects=True)
    assert "已保存投诉" in response.get_data(as_text=True)
    assert "2026-10 的考核结果已审批" in response.get_data(as_text=True)
    assert count(Survey) == 2 and count(Complaint) == 1
    response = client.post("/work-orders/complaints/new", data={"engineer": "eng1", "date": "2026-11-02",
                                                                "upheld": "yes"}, follow_redirects=True)
    assert "已审批" not in response.get_data(as_text=True)  # November is a draft


def test_a_work_order_lists_its_surveys_with_the_ids_to_remove_them_by(app, api, done):
    first = api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 2, "comment": "慢"}).get_json()
    api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 5, "method": "visit"})
    body = documented(app, api("GET", f"/work-orders/{done.id}", "eng1"))  # as the web page, to whoever sees it
    assert [(s["score"], s["method"], s["comment"]) for s in body["surveys"]] == [(2, "phone", "慢"),
                                                                                   (5, "visit", None)]
    assert body["surveys"][0] == first
    assert api("DELETE", f"/surveys/{body['surveys'][0]['id']}", "office").status_code == 204
    assert [s["score"] for s in api("GET", f"/work-orders/{done.id}", "office").get_json()["surveys"]] == [5]


def test_a_multi_line_comment_and_note_keep_their_lines_on_the_pages(api, client, done, team):
    """CONTRACT 2: comments and notes are multi-line fields; the pages showed them run together on one line."""
    api("POST", f"/work-orders/{done.id}/surveys", "office", json={"score": 2, "comment": "差\n很差"})
    api("POST", "/complaints", "office", json={**COMPLAINT, "engineer": "eng1", "note": "第一行\n第二行"})
    login(client, "office")
    assert '<span class="pre-line">差\n很差</span>' in client.get(f"/work-orders/{done.id}").get_data(as_text=True)
    page = client.get("/work-orders/complaints?month=2026-11").get_data(as_text=True)
    assert '<td class="text-break pre-line">第一行\n第二行</td>' in page
    assert ".pre-line, .purpose, .note { white-space: pre-line; }" in client.get("/static/tracker.css").get_data(
        as_text=True)


def test_the_english_pages_call_a_survey_a_survey_throughout(client, api, team, done):
    """The form said "Save follow-up" and "Follow-up saved", its delete button "Delete this survey?", the score page
    "Survey, order …": one record under two names."""
    login(client, "office")
    client.get("/?lang=en")
    response = client.post(f"/work-orders/{done.id}/surveys", data={"score": "4", "method": "phone"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Survey saved" in page and "Save survey" in page and "Delete this survey?" in page
    assert "follow-up" not in page.lower()


def test_the_complaints_list_says_a_complaint_about_a_cancelled_order_costs_no_points(client, api, team, make_order):
    """Cancelled work orders count nowhere (CONTRACT 7), a complaint about one neither; the list showed it as 属实
    like any other while the score left it out, and nothing said why."""
    cancelled = make_order(status="cancelled")
    kept = make_order()
    for order in (cancelled, kept):
        assert api("POST", "/complaints", "office", json={"engineer": "eng1", "date": "2026-10-20", "upheld": True,
                                                          "work_order": order.number}).status_code == 201
    login(client, "mgr")
    page = client.get("/work-orders/complaints?month=2026-10").get_data(as_text=True)
    rows = {number: page[page.index(f">{number}</a>"):].split("</tr>")[0] for number in (cancelled.number, kept.number)}
    assert "工单已取消，不计入考核" in rows[cancelled.number]
    assert "工单已取消" not in rows[kept.number]
    totals = page[page.index("<tbody>"):].split("</tbody>")[0]  # per engineer: complaints, upheld as counted
    assert re.search(r'张三</td><td class="num">2</td><td class="num">1</td>', totals), totals
