"""Through the database and the API (SQLite, and PostgreSQL with TRACKER_TEST_DATABASE_URL): scores that never reward
a bad event, hand entries shown as missing and blocking approval, and a leader review needed only by a template
with a qualitative part."""

from datetime import date
from decimal import Decimal

from tests.approval.conftest import MONTH
from tests.conftest import NOW, login
from tests.scores.support import at, lines_of, score_of
from tracker.extensions import db
from tracker.scores import services as reports


def compute():
    reports.compute_month(MONTH, NOW)
    db.session.commit()


def test_an_upheld_complaint_and_a_late_order_lower_q_through_the_database(api, team, records):
    """The issue's engineer, from records: 3 field hours, 150 CNY, one order answered late → Q 65.6 (the old rule
    gave 42.67); an upheld complaint → 62.6 (old: 50.13); a late, late-answered, late-completed order → 61.6."""
    eng = team["eng1"]
    records.trip(eng, date(2026, 11, 2), 3)
    records.expense(eng, date(2026, 11, 2), "150")
    records.order(eng, at(date(2026, 11, 3), 8), responded=at(date(2026, 11, 3), 11))
    compute()
    first = score_of(eng, MONTH).quantitative
    records.complaint(eng, date(2026, 11, 5), upheld=True)
    compute()
    second = score_of(eng, MONTH).quantitative
    records.order(eng, at(date(2026, 11, 9), 8), responded=at(date(2026, 11, 9), 12),
                  deadline=at(date(2026, 11, 10), 17), completed=at(date(2026, 11, 11), 17))
    compute()
    third = score_of(eng, MONTH).quantitative
    assert (first, second, third) == (Decimal("65.60"), Decimal("62.60"), Decimal("61.60"))
    row = api("GET", f"/scores/{MONTH}", "eng1").get_json()["scores"][0]
    states = {item["code"]: item["state"] for item in row["indicators"]}
    assert states == {"attendance": "applies", "field_hours": "applies", "response": "applies", "on_time": "applies",
                      "rework_external": "applies", "rework_internal": "applies", "satisfaction": "applies",
                      "expense": "applies"}


def technician(team, records, api):
    """eng1 on form 7 (no qualitative part; needs an interview), November computed, the interview held."""
    eng = team["eng1"]
    eng.kpi_template = "repair_technician_monthly"
    db.session.commit()
    response = api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "谈了技术案例"})
    assert response.status_code == 201, response.get_json()
    compute()
    return eng


def metric(api, key, actual, plan=None):
    body = {"engineer": "eng1", "month": MONTH, "key": key, "actual": actual}
    if plan is not None:
        body["plan"] = plan
    response = api("POST", "/metrics", "mgr", json=body)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["id"]


def test_missing_hand_entries_show_as_missing_and_block_approval_until_entered(api, team, records):
    eng = technician(team, records, api)
    lines = lines_of(eng, MONTH)
    assert sorted(code for code, line in lines.items() if line.missing) == [
        "boutique_output", "labour_output", "technical_cases"]
    assert (lines["technical_cases"].points, lines["labour_output"].points) == (0, 0)
    row = api("GET", f"/scores/{MONTH}?explain=1", "mgr").get_json()["scores"][0]
    missing = {item["code"]: item for item in row["indicators"] if item["state"] == "missing"}
    assert set(missing) == {"labour_output", "boutique_output", "technical_cases"}
    assert all(item["missing"] is True and item["applies"] is True for item in missing.values())
    assert missing["labour_output"]["explanation"].startswith("工时产值：未录入")

    refused = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["gaps"] == ["缺少手工录入：工时产值、精品产值、技术案例"]   # and no leader review: no qualitative part
    assert error["missing"] == ["labour_output", "boutique_output", "technical_cases"]
    assert score_of(eng, MONTH).status == "draft"

    gaps = api("GET", f"/quality/{MONTH}", "mgr").get_json()
    assert [(g["username"], g["indicator"]) for g in gaps["gaps"] if g["kind"] == "hand_entry_missing"] == [
        ("eng1", "labour_output"), ("eng1", "boutique_output"), ("eng1", "technical_cases")]
    assert not [g for g in gaps["gaps"] if g["kind"] == "leader_review_missing" and g["username"] == "eng1"]

    metric(api, "labour_output", 900, 1000)
    metric(api, "boutique_output", 500, 500)
    metric(api, "technical_cases", 2)
    approved = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert approved.status_code == 200, approved.get_json()
    score = score_of(eng, MONTH)
    assert score.status == "approved" and not any(line.missing for line in score.lines)
    # 10 + 9 + 10 + 5 + 5 + 10 + 5 + 5 + 5 + 25 + 10 = 99
    assert score.total == Decimal("99.00")


def test_an_entry_deleted_after_the_last_computation_still_blocks_approval(api, team, records):
    eng = technician(team, records, api)
    ids = {key: metric(api, key, 1, plan) for key, plan in (("labour_output", 1), ("boutique_output", 1),
                                                            ("technical_cases", None))}  # a count: no plan
    compute()
    assert not any(line.missing for line in lines_of(eng, MONTH).values())
    assert api("DELETE", f"/metrics/{ids['technical_cases']}", "mgr").status_code == 204
    refused = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["missing"] == ["technical_cases"]
    assert score_of(eng, MONTH).status == "draft"


def test_the_default_template_still_needs_the_leader_review(api, team, records, computed):
    response = api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"})
    assert response.status_code == 201
    refused = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["gaps"] == ["缺少领导评价"]
    assert refused.get_json()["error"]["missing"] == []


def test_the_score_page_marks_a_missing_line(client, api, team, records):
    technician(team, records, api)
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert page.count('data-state="missing"') == 3
    assert "未录入" in page and "录入前不能审批" in page


def _row(page, username):
    """The text of one engineer's row on the queue or team page."""
    start = page.index(f'id="row-{username}"')
    return page[start:page.index("</li>\n", start)]


def test_the_closing_pages_list_what_the_approval_itself_waits_for(client, api, team, records):
    """The gm's queue and the manager's team page name the approval's own blockers (one rule): hand entries not
    made block (the row was ticked "可审批" and the approval then refused), and a template without a review part
    waits for no leader or self review (the row asked for them, and offered no tick although approval passed)."""
    technician(team, records, api)
    login(client, "gm.wang")
    row = _row(client.get(f"/approvals?month={MONTH}").get_data(as_text=True), "eng1")
    assert "缺少手工录入：工时产值、精品产值、技术案例" in row and "可审批" not in row and "pick-eng1\" checked" not in row
    assert "缺少领导评价" not in row
    manager = client.application.test_client()
    login(manager, "mgr")
    row = _row(manager.get(f"/team?month={MONTH}").get_data(as_text=True), "eng1")
    assert "缺少手工录入" in row and "缺少自评" not in row and "缺少领导评价" not in row and "写领导评价" not in row
    english = manager.get(f"/team?month={MONTH}&lang=en").get_data(as_text=True)
    assert "Labour-hour output" in _row(english, "eng1") and "工时产值" not in english  # in the reader's language
    check = manager.get(f"/quality/{MONTH}").get_data(as_text=True)  # the data check reads the same rule
    assert "Labour-hour output" in check and "工时产值" not in check
    metric(api, "labour_output", 900, 1000)
    metric(api, "boutique_output", 500, 500)
    metric(api, "technical_cases", 2)
    row = _row(client.get(f"/approvals?month={MONTH}").get_data(as_text=True), "eng1")
    assert "可审批" in row and 'id="pick-eng1"' in row
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
