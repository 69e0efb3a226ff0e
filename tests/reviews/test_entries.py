"""What the records can't tell: incidents, metric entries and manual ratings, entered by whom the rules allow."""

import json
import re
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, login
from tests.reviews.conftest import MONTH
from tracker.extensions import db
from tracker.scores.models import KpiTemplate
from tracker.reviews import services
from tracker.reviews.models import Incident, MetricEntry, Rating
from tracker.scoring.presets import bundled_presets


def count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def incident(**changes):
    return {"engineer": "eng1", "date": "2026-11-18", "indicator": "work_performance", "category": "phone",
            "amount": 2, "note": "客户来电未接听"} | changes


@pytest.fixture
def deduction_form(team, use_template):
    """eng1 is scored with form 4 (售后服务岗位绩效考核表): incidents by category, some ranged."""
    return use_template(team["eng1"], "service_post_deduction")


@pytest.fixture
def technician(team, use_template):
    """eng1 is scored with form 7 (维修技工): fixed-amount incidents and plan/actual metrics."""
    return use_template(team["eng1"], "repair_technician_monthly")


# ---- incidents ------------------------------------------------------------------------------------

def test_manager_records_a_phone_not_answered_incident(api, deduction_form):
    response = api("POST", "/incidents", "mgr", json=incident())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["indicator"] == "work_performance" and body["category"] == "phone" and body["amount"] == 2
    row = db.session.get(Incident, body["id"])
    assert row.recorded_by_id is not None and row.note == "客户来电未接听"


@pytest.mark.parametrize("changes, field", [
    ({"amount": 4}, "amount"),  # phone: 1–3
    ({"amount": 0.5}, "amount"),
    ({"amount": -2}, "amount"),
    ({"amount": 2.555}, "amount"),
    ({"amount": None}, "amount"),  # a ranged category needs the amount chosen
    ({"amount": 1e308}, "amount"),
    ({"category": "sleeping"}, "category"),
    ({"category": None}, "category"),
    ({"indicator": "response"}, "indicator"),  # not an incident indicator of this template
    ({"date": "2026-11-21"}, "date"),  # after today
    ({"date": "2026-02-30"}, "date"),
    ({"note": "x" * 501}, "note"),
])
def test_incident_outside_the_template_is_refused(api, deduction_form, changes, field):
    response = api("POST", "/incidents", "mgr", json=incident(**changes))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"].get("fields", {}), response.get_json()
    assert count(Incident) == 0


def test_fixed_amount_category_takes_its_own_amount(api, technician):
    response = api("POST", "/incidents", "mgr", json=incident(indicator="safety", category="major", amount=None))
    assert response.status_code == 201
    assert response.get_json()["amount"] == 5
    response = api("POST", "/incidents", "mgr", json=incident(indicator="safety", category="major", amount=3))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["amount"] == "该类别每次固定扣 5 分，不必填写分数"  # not "5 到 5"
    response = api("POST", "/incidents", "mgr", json=incident(indicator="safety", category="major", amount=5))
    assert response.status_code == 201 and response.get_json()["amount"] == 5
    # a part of a sum (training: missed meetings) reads incidents under the indicator's own code
    response = api("POST", "/incidents", "mgr", json=incident(indicator="training", category="missed", amount=None))
    assert response.status_code == 201


@pytest.mark.parametrize("amount", [1e30, 10**30, -1e27])
def test_a_huge_amount_for_a_fixed_category_is_refused_on_its_field(api, technician, amount):
    """A fixed amount is only compared, never stored: a number past what two decimals can hold in the decimal
    context (10^26 and more) was a 500 there."""
    response = api("POST", "/incidents", "mgr", json=incident(indicator="safety", category="major", amount=amount))
    assert response.status_code == 422, response.get_json()
    assert "amount" in response.get_json()["error"]["fields"]
    assert count(Incident) == 0


def test_default_template_has_no_incident_indicator(api, team):
    response = api("POST", "/incidents", "mgr", json=incident(indicator="response", category=None, amount=None))
    assert response.status_code == 422
    assert count(Incident) == 0


@pytest.mark.parametrize("user, status", [("eng2", 403), ("eng1", 403), ("mgr2", 403), ("office", 403),
                                          ("admin", 403), ("gm.wang", 201)])
def test_only_a_manager_above_or_the_gm_records_incidents(api, deduction_form, user, status):
    assert api("POST", "/incidents", user, json=incident()).status_code == status


def test_an_incident_dated_with_spaces_is_a_field_error_not_a_500(client, deduction_form):
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/incidents", data={"day": " ", "item": "work_performance:phone"})
    assert response.status_code == 422 and "请填写日期" in response.get_data(as_text=True)
    assert count(Incident) == 0


def test_incident_can_be_deleted_by_a_leader_only(api, deduction_form):
    incident_id = api("POST", "/incidents", "mgr", json=incident()).get_json()["id"]
    assert api("DELETE", f"/incidents/{incident_id}", "eng1").status_code == 403
    assert api("DELETE", f"/incidents/{incident_id}", "mgr2").status_code == 403
    assert api("DELETE", f"/incidents/{incident_id}", "mgr").status_code == 204
    assert count(Incident) == 0
    assert api("DELETE", f"/incidents/{incident_id}", "mgr").status_code == 404


# ---- metric entries ---------------------------------------------------------------------------------

def test_metric_entry_is_upserted_by_engineer_month_and_key(api, technician):
    body = {"engineer": "eng1", "month": MONTH, "key": "labour_output", "plan": 100000, "actual": 95000.5}
    first = api("POST", "/metrics", "mgr", json=body)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["actual"] == 95000.5
    second = api("POST", "/metrics", "mgr", json=body | {"actual": 101000})
    assert second.get_json()["id"] == first.get_json()["id"]
    assert count(MetricEntry) == 1
    assert db.session.scalar(select(MetricEntry)).actual == 101000


@pytest.mark.parametrize("changes, field", [
    ({"key": "safety"}, "key"),  # an incident indicator, not a metric
    ({"key": "nonsense"}, "key"),
    ({"plan": 0}, "plan"),
    ({"plan": -5}, "plan"),
    ({"actual": -1}, "actual"),
    ({"actual": 1e20}, "actual"),
    ({"actual": 1.001}, "actual"),
    ({"month": "2026-12"}, "month"),
])
def test_bad_metric_entries_are_refused(api, technician, changes, field):
    body = {"engineer": "eng1", "month": MONTH, "key": "labour_output", "plan": 100, "actual": 90} | changes
    response = api("POST", "/metrics", "mgr", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count(MetricEntry) == 0


def test_a_future_month_is_named_before_what_its_entry_lacks(api, technician):
    """A completion rate without its plan for next month was told "plan required": the user filled in the plan and
    was then told the month could not be entered yet. The month is checked first, for every entry."""
    body = {"engineer": "eng1", "month": "2026-12", "key": "labour_output", "actual": 92.5}
    response = api("POST", "/metrics", "mgr", json=body)
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == ["month"]
    response = api("POST", "/metrics", "mgr", json=body | {"key": "nonsense", "actual": -1})
    assert list(response.get_json()["error"]["fields"]) == ["month"]
    assert count(MetricEntry) == 0


def test_a_count_takes_no_plan_that_would_turn_it_into_a_rate(api, technician):
    """technical_cases counts cases (at least 2 a month): with a plan it was scored as actual ÷ plan (2 of 2 read as
    1 case: 2.5 of 5 points). Refused, naming the plan; the count alone is taken."""
    body = {"engineer": "eng1", "month": MONTH, "key": "technical_cases", "actual": 2}
    refused = api("POST", "/metrics", "mgr", json=body | {"plan": 2})
    assert refused.status_code == 422 and "plan" in refused.get_json()["error"]["fields"]
    assert count(MetricEntry) == 0
    assert api("POST", "/metrics", "mgr", json=body).status_code == 201


def test_metric_entries_are_for_leaders_only(api, technician):
    body = {"engineer": "eng1", "month": MONTH, "key": "technical_cases", "actual": 3}
    assert api("POST", "/metrics", "eng1", json=body).status_code == 403
    assert api("POST", "/metrics", "mgr2", json=body).status_code == 403
    entry_id = api("POST", "/metrics", "mgr", json=body).get_json()["id"]
    assert api("DELETE", f"/metrics/{entry_id}", "eng1").status_code == 403
    assert api("DELETE", f"/metrics/{entry_id}", "gm.wang").status_code == 204


# ---- manual ratings --------------------------------------------------------------------------------

@pytest.mark.parametrize("user, group", [("mgr", "leader"), ("gm.wang", "leader"), ("eng1", "self"),
                                         ("eng2", "peer")])
def test_manual_rating_group_follows_from_the_rater(api, team, use_template, user, group):
    use_template(team["eng1"], "service_360")  # rated by self, colleagues and leader
    response = api("POST", "/ratings", user, json={"engineer": "eng1", "month": MONTH, "key": "service_attitude",
                                                    "level": "good"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["group"] == group


@pytest.mark.parametrize("user, status", [("mgr", 201), ("gm.wang", 201), ("eng1", 403), ("eng2", 403)])
def test_form_5_lines_are_rated_by_the_leader_alone(api, team, use_template, user, status):
    """Who rates is template data: form 5 has one assessor per line, so a self or peer rating is refused."""
    use_template(team["eng1"], "service_department_appraisal")
    response = api("POST", "/ratings", user, json={"engineer": "eng1", "month": MONTH, "key": "customer_satisfaction",
                                                    "points": 18})
    assert response.status_code == status, response.get_json()


@pytest.mark.parametrize("user, status", [("eng1", 403), ("eng2", 403), ("mgr", 422), ("office", 403)])
def test_on_a_template_without_rated_lines_an_engineer_may_not_rate(api, team, user, status):
    """CONTRACT 10: hand entries are the manager's; an engineer rates only the lines of a template rated by self or
    colleagues (the 360 form). The default template has none: an engineer's rating was refused as an unknown key
    (422), as if they could rate another one."""
    response = api("POST", "/ratings", user, json={"engineer": "eng1", "month": MONTH, "key": "service_attitude",
                                                    "level": "good"})
    assert response.status_code == status, response.get_json()
    assert count(Rating) == 0


@pytest.mark.parametrize("body, field", [
    ({"key": "customer_satisfaction", "points": 21}, "points"),  # 0–20
    ({"key": "customer_satisfaction", "points": -1}, "points"),
    ({"key": "customer_satisfaction"}, "points"),
    ({"key": "customer_satisfaction", "points": 15, "level": "excellent"}, "level"),
    ({"key": "no_such_indicator", "points": 15}, "key"),
])
def test_bad_manual_ratings_are_refused(api, team, use_template, body, field):
    use_template(team["eng1"], "service_department_appraisal")
    response = api("POST", "/ratings", "mgr", json={"engineer": "eng1", "month": MONTH} | body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count(Rating) == 0


def test_scale_rating_takes_a_level_of_the_scale(api, team, use_template):
    use_template(team["eng1"], "service_360")
    body = {"engineer": "eng1", "month": MONTH, "key": "service_attitude"}
    refused = api("POST", "/ratings", "mgr", json=body | {"level": "良好"})
    assert refused.status_code == 422  # the levels are named as the pages name them beside their codes
    assert "good（良好）" in refused.get_json()["error"]["fields"]["level"], refused.get_json()
    assert api("POST", "/ratings", "mgr", json=body | {"level": "superb"}).status_code == 422
    assert api("POST", "/ratings", "mgr", json=body | {"points": 5}).status_code == 422
    response = api("POST", "/ratings", "mgr", json=body | {"level": "good"})
    assert response.status_code == 201 and response.get_json()["level"] == "good"
    again = api("POST", "/ratings", "mgr", json=body | {"level": "excellent"})
    assert again.get_json()["id"] == response.get_json()["id"]
    assert count(Rating) == 1


def test_backoffice_and_other_teams_manager_may_not_rate(api, team, use_template):
    use_template(team["eng1"], "service_360")
    body = {"engineer": "eng1", "month": MONTH, "key": "service_attitude", "level": "good"}
    assert api("POST", "/ratings", "office", json=body).status_code == 403
    assert api("POST", "/ratings", "mgr2", json=body).status_code == 403
    rating_id = api("POST", "/ratings", "eng2", json=body).get_json()["id"]
    refused = api("DELETE", f"/ratings/{rating_id}", "eng3")
    assert refused.status_code == 403 and "删除" in refused.get_json()["error"]["message"]  # it spoke of entering
    assert api("DELETE", f"/ratings/{rating_id}", "eng2").status_code == 204


# ---- an approved month is final -------------------------------------------------------------------

def test_approved_month_refuses_every_entry(api, team, technician, make_score):
    mgr_body = {"engineer": "eng1", "month": MONTH, "key": "technical_cases", "actual": 3}
    entry_id = api("POST", "/metrics", "mgr", json=mgr_body).get_json()["id"]
    incident_id = api("POST", "/incidents", "mgr", json=incident(indicator="safety", category="minor",
                                                                  amount=None)).get_json()["id"]
    make_score(team["eng1"], status="approved")
    assert api("POST", "/incidents", "mgr", json=incident(indicator="safety", category="minor",
                                                           amount=None)).status_code == 409
    assert api("POST", "/metrics", "mgr", json=mgr_body | {"actual": 1}).status_code == 409
    assert api("DELETE", f"/metrics/{entry_id}", "mgr").status_code == 409
    assert api("DELETE", f"/incidents/{incident_id}", "mgr").status_code == 409
    assert count(Incident) == 1 and db.session.get(MetricEntry, entry_id).actual == 3


# ---- which template ---------------------------------------------------------------------------------

def test_the_stored_template_in_force_is_used_before_the_bundled_one(app, team):
    data = dict(bundled_presets()["engineer_monthly"])
    data["indicators"] = data["indicators"] + [{
        "code": "phone", "name": "电话接听", "max": 5, "source": "incidents", "rule": "deduction",
        "params": {"per": 1, "floor": 0}}]
    db.session.add(KpiTemplate(code="engineer_monthly", version=1, effective_from="2026-01", name="售后工程师月度考核",
                               role="engineer", body=json.dumps(data, ensure_ascii=False),
                               loaded_at=datetime(2026, 1, 1)))
    db.session.commit()
    specs = services.specs_for(team["eng1"], MONTH)
    assert list(specs.incidents) == ["phone"] and specs.incidents["phone"].per == 1
    row = services.record_incident(team["mgr"], team["eng1"], datetime(2026, 11, 3).date(), "phone",
                                   now=datetime(2026, 11, 20, 10, 0))
    assert row.amount == 1 and row.category is None


# ---- the 录入 page ----------------------------------------------------------------------------------

def test_entries_page_lists_what_the_template_needs(client, technician):
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    for text in ("工时产值", "精品产值", "技术案例", "重大安全事故", "不服从安排或未准时完成", "计划", "实际"):
        assert text in page


def test_the_score_page_offers_entries_only_when_the_template_takes_them(client, team, use_template):
    """The default template takes no hand entry: its score page linked to a page saying so, the engineer's too."""
    from tracker.scores import templates_store

    templates_store.sync_presets(NOW)  # as init-db stores them
    db.session.commit()
    link = f'href="/scores/{MONTH}/eng1/entries"'
    for username in ("eng1", "mgr"):
        login(client, username)
        assert link not in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
        client.post("/logout")
    login(client, "mgr")  # nor the month's list
    assert link not in client.get(f"/scores/{MONTH}").get_data(as_text=True)
    client.post("/logout")
    use_template(team["eng1"], "repair_technician_monthly")
    for username in ("eng1", "mgr"):
        login(client, username)
        assert link in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
        client.post("/logout")
    login(client, "mgr")
    listed = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert link in listed and f'href="/scores/{MONTH}/eng2/entries"' not in listed


def test_entries_page_records_an_incident_and_refuses_an_out_of_range_amount(client, deduction_form):
    login(client, "mgr")
    data = {"day": "2026-11-18", "item": "work_performance:phone", "amount": "5", "note": "未接电话"}
    response = client.post(f"/scores/{MONTH}/eng1/incidents", data=data)
    assert response.status_code == 422
    assert "须在 1 到 3 之间" in response.get_data(as_text=True)
    assert count(Incident) == 0
    response = client.post(f"/scores/{MONTH}/eng1/incidents", data=data | {"amount": "2"})
    assert response.status_code == 302
    page = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    assert "不接听电话或用语不当" in page and "未接电话" in page and "−2" in page


def test_entries_page_says_a_date_to_come_on_the_date_field(client, deduction_form):
    """The service's "date" refusal (日期不能晚于今天) stood only in the alert above the page: the field is "day"."""
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/incidents",
                           data={"day": "2026-11-21", "item": "work_performance:phone", "amount": "2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*name="day"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field, field
    assert page.count("日期不能晚于今天") == 1 and 'role="alert">日期不能晚于今天' not in page
    assert count(Incident) == 0


def test_entries_page_saves_a_metric(client, technician):
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/metrics/labour_output",
                           data={"m-labour_output-plan": "100", "m-labour_output-actual": "92.5"})
    assert response.status_code == 302
    entry = db.session.scalar(select(MetricEntry))
    assert (entry.key, entry.plan, entry.actual) == ("labour_output", 100, 92.5)


def test_entries_page_is_closed_to_backoffice_and_other_teams(client, technician):
    login(client, "office")
    assert client.get(f"/scores/{MONTH}/eng1/entries").status_code == 403
    client.post("/logout")
    login(client, "mgr2")
    assert client.get(f"/scores/{MONTH}/eng1/entries").status_code == 403
    assert client.post(f"/scores/{MONTH}/eng1/incidents", data={"day": "2026-11-18",
                                                                "item": "safety:minor"}).status_code == 403
    assert count(Incident) == 0


def test_peer_sees_only_the_rating_part_of_the_entries_page(client, team, use_template):
    use_template(team["eng1"], "service_360")
    # through the service: an API call in the same app context would leave its bearer user in `g`
    leaders = services.save_rating(team["mgr"], team["eng1"], MONTH, "service_attitude", "poor",
                                   now=datetime(2026, 11, 20, 10, 0)).id
    db.session.commit()
    login(client, "eng2")
    page = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    assert "服务态度" in page
    assert f'id="rating-{leaders}"' not in page  # the leader's rating is not shown to a peer
    assert "二次开发" not in page  # metric entries are for leaders
    response = client.post(f"/scores/{MONTH}/eng1/ratings/service_attitude", data={"r-service_attitude-level": "good"})
    assert response.status_code == 302
    assert db.session.scalar(select(Rating).where(Rating.group == "peer")).level == "good"


@pytest.mark.parametrize("changes", [{"amount": "NaN"}, {"amount": "Infinity"}, {"amount": "1e400"},
                                     {"item": "nonsense"}, {"item": ":"}, {"item": "work_performance:"},
                                     {"day": "2026-10-31"}, {"day": "garbage"}, {"note": "x" * 501}])
def test_entries_form_refuses_nonsense_with_422(client, deduction_form, changes):
    login(client, "mgr")
    data = {"day": "2026-11-18", "item": "work_performance:phone", "amount": "2"} | changes
    assert client.post(f"/scores/{MONTH}/eng1/incidents", data=data).status_code == 422
    assert count(Incident) == 0


@pytest.mark.parametrize("plan, actual", [("NaN", "1"), ("0", "1"), ("1", "Infinity"), ("1", ""), ("1", "-3")])
def test_metric_form_refuses_nonsense_with_422(client, technician, plan, actual):
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/metrics/labour_output",
                           data={"m-labour_output-plan": plan, "m-labour_output-actual": actual})
    assert response.status_code == 422
    assert count(MetricEntry) == 0


def test_entries_page_deletes_an_incident_for_a_leader_only(client, deduction_form):
    row = services.record_incident(deduction_form.supervisor, deduction_form, datetime(2026, 11, 18).date(),
                                   "work_performance", "phone", 2, now=datetime(2026, 11, 20, 10, 0))
    db.session.commit()
    login(client, "mgr2")
    assert client.post(f"/entries/incidents/{row.id}/delete").status_code == 403
    client.post("/logout")
    login(client, "mgr")
    response = client.post(f"/entries/incidents/{row.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/scores/{MONTH}/eng1/entries")
    assert count(Incident) == 0


def test_a_share_is_entered_and_shown_as_a_percentage_and_a_count_as_a_count(client, team, use_template):
    """Form 6 (项目工程师): 工单响应时间 is a share its range reads (90%–98%), typed as people write it (85 for 85%,
    scored in the band below 90%); 工单误操作率 is a count (3 errors), shown as 3 beside a metric with a plan."""
    use_template(team["eng1"], "project_engineer_kpi")
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    assert "实际（不填计划时为百分比）" in page and 'name="m-ticket_response-plan"' in page
    response = client.post(f"/scores/{MONTH}/eng1/metrics/ticket_response", data={"m-ticket_response-actual": "85"})
    assert response.status_code == 302
    assert db.session.scalar(select(MetricEntry.actual).where(MetricEntry.key == "ticket_response")) == Decimal("0.85")
    response = client.post(f"/scores/{MONTH}/eng1/metrics/ticket_response", data={"m-ticket_response-actual": "85.5"})
    assert response.status_code == 422 and "整数百分比" in response.get_data(as_text=True)
    assert client.post(f"/scores/{MONTH}/eng1/metrics/ticket_errors",
                       data={"m-ticket_errors-actual": "3"}).status_code == 302
    services.save_metric(team["mgr"], team["eng1"], MONTH, "wedo", 8, 10, now=datetime(2026, 11, 20, 10, 0))
    db.session.commit()
    page = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    assert "实际 85%" in page and 'value="85"' in page  # the saved share, as a percentage, in the list and the field
    body = client.get(f"/api/v1/scores/{MONTH}/eng1").get_json()
    lines = {line["code"]: line for line in body["indicators"]}
    assert lines["ticket_response"]["points"] == 60  # 85%: one started 5% step below 90% → 70 − 10
    sheet = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    assert ">85%<" in sheet and ">3<" in sheet and "300%" not in sheet


def test_a_share_above_100_percent_is_refused_on_the_form_and_the_api(client, api, team, use_template):
    """A share the rule reads itself (satisfaction, answered in time) cannot pass 100%: 1.5 was stored and shown as
    "满意度 150%" (its band capped the points, the page and the sheet said 150%). 100% is taken."""
    use_template(team["eng1"], "project_engineer_kpi")
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/metrics/ticket_response", data={"m-ticket_response-actual": "120"})
    assert response.status_code == 422 and "比率不能超过 100%" in response.get_data(as_text=True)
    refused = api("POST", "/metrics", "mgr", json={"engineer": "eng1", "month": MONTH, "key": "ticket_response",
                                                  "actual": 1.2})
    assert refused.status_code == 422 and "actual" in refused.get_json()["error"]["fields"]
    assert count(MetricEntry) == 0
    assert api("POST", "/metrics", "mgr", json={"engineer": "eng1", "month": MONTH, "key": "ticket_response",
                                                "actual": 1}).status_code == 201


def test_a_completion_rate_whose_range_runs_past_100_percent_is_taken_above_it(client, api, team, use_template):
    """We.Do completions are scored in a range of 90%–110% with points above it: 120% typed without a plan was
    refused with "比率不能超过 100%", and the API's 1.2 too, so the points above the range could not be earned
    without inventing a plan."""
    use_template(team["eng1"], "project_engineer_kpi")
    login(client, "mgr")
    assert client.post(f"/scores/{MONTH}/eng1/metrics/wedo", data={"m-wedo-actual": "120"}).status_code == 302
    assert db.session.scalar(select(MetricEntry.actual).where(MetricEntry.key == "wedo")) == Decimal("1.2")
    assert api("POST", "/metrics", "mgr", json={"engineer": "eng1", "month": MONTH, "key": "rma",
                                                "actual": 1.2}).status_code == 201
    lines = {line["code"]: line for line in client.get(f"/api/v1/scores/{MONTH}/eng1").get_json()["indicators"]}
    assert lines["wedo"]["points"] == 80  # 120%: one 10% step above 110% → 70 + 10
    slip = client.post(f"/scores/{MONTH}/eng1/metrics/wedo", data={"m-wedo-actual": "12000"})  # 12000%: a slip
    assert slip.status_code == 422 and "完成率不能超过 1000%" in slip.get_data(as_text=True)
    assert api("POST", "/metrics", "mgr", json={"engineer": "eng1", "month": MONTH, "key": "rma",
                                                "actual": 120}).status_code == 422
    assert client.post(f"/scores/{MONTH}/eng1/metrics/ticket_response",
                       data={"m-ticket_response-actual": "100"}).status_code == 302


def test_a_share_entered_with_a_plan_is_the_count_it_says(client, team, use_template):
    """Form 6's 短板要求 is a completion rate (actual ÷ plan): entered as plan 1, actual 1 (the preset's month without
    one) it is 100% and scores 70, as the same entry through the API does; an entry with a plan shows its counts,
    not a percentage (17 of 20 was shown as 1700 and stored so when saved again)."""
    use_template(team["eng1"], "project_engineer_kpi")
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/metrics/short_board",
                           data={"m-short_board-plan": "1", "m-short_board-actual": "1"})
    assert response.status_code == 302
    assert client.post(f"/scores/{MONTH}/eng1/metrics/wedo",
                       data={"m-wedo-plan": "20", "m-wedo-actual": "17"}).status_code == 302
    entries = {e.key: (e.plan, e.actual) for e in db.session.scalars(select(MetricEntry))}
    assert entries == {"short_board": (1, 1), "wedo": (20, 17)}
    page = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    assert "计划 20 · 实际 17" in page and 'value="17.00"' in page and "1700" not in page
    lines = {line["code"]: line for line in client.get(f"/api/v1/scores/{MONTH}/eng1").get_json()["indicators"]}
    assert lines["short_board"]["points"] == 70


def test_a_completion_rate_needs_its_plan(api, client, technician):
    """Form 7's 工时产值 scores actual ÷ plan: an actual alone (92.5) would read as 9,250% and score full marks."""
    body = {"engineer": "eng1", "month": MONTH, "key": "labour_output", "actual": 92.5}
    response = api("POST", "/metrics", "mgr", json=body)
    assert response.status_code == 422 and "plan" in response.get_json()["error"]["fields"]
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/metrics/labour_output", data={"m-labour_output-actual": "92.5"})
    assert response.status_code == 422 and "须填写计划" in response.get_data(as_text=True)
    assert count(MetricEntry) == 0


def test_an_optional_metric_not_entered_reads_optional_not_missing(client, technician):
    """The training score (required: false) read "未录入" like the required entries, though nothing was missing and
    it blocked nothing."""
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    card = page[page.index("training_score"):]
    card = card[:card.index("</div>")]
    assert "选填" in card and "未录入" not in card
    assert "未录入" in page  # the required ones still say so


def test_a_quarterly_line_is_entered_in_quarter_end_months_only(client, api, team, use_template):
    """Form 6's 检查服务器状态 counts in March, June, September and December: an entry for October was stored (201)
    and never counted, and the page offered its form every month."""
    use_template(team["eng1"], "project_engineer_kpi")
    body = {"engineer": "eng1", "month": "2026-10", "key": "server_checks", "actual": 9, "plan": 10}
    refused = api("POST", "/metrics", "mgr", json=body)
    assert refused.status_code == 422, refused.get_json()
    assert "季度指标" in refused.get_json()["error"]["fields"]["key"] and count(MetricEntry) == 0
    login(client, "mgr")
    assert 'name="m-server_checks-actual"' not in client.get("/scores/2026-10/eng1/entries").get_data(as_text=True)
    response = client.post("/scores/2026-10/eng1/metrics/server_checks",
                           data={"m-server_checks-plan": "10", "m-server_checks-actual": "9"})
    assert response.status_code in (404, 422) and count(MetricEntry) == 0
    assert 'name="m-server_checks-actual"' in client.get("/scores/2026-09/eng1/entries").get_data(as_text=True)
    assert api("POST", "/metrics", "mgr", json={**body, "month": "2026-09"}).status_code == 201


@pytest.mark.parametrize("user, group", [("eng2", "peer"), ("eng1", "self"), ("mgr", "leader")])
def test_the_reviews_list_leads_each_rater_of_form_9_to_the_lines_to_rate(client, team, use_template, user, group):
    """Form 9 has no overall review but lines rated by self, colleagues and leader: the list told a colleague
    该考核模板不需要此项评价 with nothing to click, so the peer group was never filled from the web."""
    use_template(team["eng1"], "service_360")
    login(client, user)
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    row = re.search(r'data-username="eng1">(.*?)</li>', page, re.S).group(1)
    assert "该考核模板不需要此项评价" not in row
    link = re.search(r'class="btn btn-sm btn-outline-primary rate-lines" href="([^"]+)"', row).group(1)
    assert link == f"/scores/{MONTH}/eng1/entries"
    entries = client.get(link)
    assert entries.status_code == 200 and "service_attitude" in entries.get_data(as_text=True)


def test_two_parts_of_one_line_say_what_each_one_reads(client, team, use_template):
    """Form 3's 月度重点工作推进与实效 and 工作数量与质量 each showed two boxes of the same title, told apart only by
    their codes: a completion rate (plan and actual) and the superior's satisfaction (a percentage)."""
    use_template(team["eng1"], "service_supervisor_monthly")
    login(client, "mgr")
    html = client.get(f"/scores/{MONTH}/eng1/entries").get_data(as_text=True)
    titles = re.findall(r'<strong class="me-auto">([^<]*)</strong>', html)
    assert "月度重点工作推进与实效 · 完成率（实际 ÷ 计划）（key_work_progress）" in titles, titles
    assert "月度重点工作推进与实效 · 百分比（key_work_effect）" in titles
    assert "工作数量与质量 · 完成率（实际 ÷ 计划）（work_quantity）" in titles
    assert "工作数量与质量 · 百分比（work_quality）" in titles
