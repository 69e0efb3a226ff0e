"""Form 9's outcome record (晋升意见: 依据本次评价，特决定该员工 转正 / 续签劳动合同 / 升职 / 降职 / 提薪/降薪 / 辞退):
recorded by a leader through the API and the score page, shown on the page, in the score's API answer and on the
printed sheet; only the outcomes the template offers, and never once the month is approved."""

import re

import pytest

from tests.approval.conftest import MONTH
from tests.conftest import NOW, login
from tracker.extensions import db
from tracker.scores import services as reports

OUTCOMES = ["转正", "续签劳动合同", "升职", "降职", "提薪/降薪", "辞退"]


@pytest.fixture
def form9(team, records):
    """eng1 on form 9 (service_360), November computed; eng2 on the default template."""
    team["eng1"].kpi_template = "service_360"
    db.session.commit()
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    return team


def put(api, user, body, username="eng1"):
    return api("PUT", f"/scores/{MONTH}/{username}/outcome", user, json=body)


def test_a_leader_records_an_outcome_the_template_offers_and_the_score_answer_carries_it(form9, api):
    answer = put(api, "mgr", {"decision": "升职", "detail": "升职至售后主管"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() | {"recorded_at": None} == {
        "username": "eng1", "month": MONTH, "decision": "升职", "detail": "升职至售后主管", "recorded_by": "mgr",
        "recorded_at": None}
    detail = api("GET", f"/scores/{MONTH}/eng1", "eng1").get_json()
    assert detail["outcome"]["decision"] == "升职" and detail["outcome"]["detail"] == "升职至售后主管"
    changed = put(api, "gm.wang", {"decision": "续签劳动合同", "detail": None})  # the gm decides otherwise
    assert changed.status_code == 200 and changed.get_json()["decision"] == "续签劳动合同"
    cleared = put(api, "mgr", {"decision": None})
    assert cleared.status_code == 200 and cleared.get_json()["decision"] is None
    assert api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()["outcome"] is None


@pytest.mark.parametrize("user, status", [("eng1", 403), ("eng2", 403), ("office", 403), ("mgr2", 403),
                                          ("admin", 403), ("mgr", 200), ("gm.wang", 200)])
def test_only_a_leader_records_an_outcome(form9, api, user, status):
    assert put(api, user, {"decision": "转正"}).status_code == status


def test_an_outcome_the_template_does_not_offer_is_refused_and_so_is_one_after_approval(form9, api, records):
    refused = put(api, "mgr", {"decision": "开除"})
    assert refused.status_code == 422 and "decision" in refused.get_json()["error"]["fields"]
    default = put(api, "mgr", {"decision": "转正"}, username="eng2")  # the default template offers no outcome
    assert default.status_code == 422, default.get_json()
    assert db.session.execute(db.text("SELECT count(*) FROM score_outcomes")).scalar() == 0
    assert put(api, "mgr", {"decision": "转正"}).status_code == 200
    db.session.execute(db.text("UPDATE scores SET status = 'approved' WHERE month = :m"), {"m": MONTH})
    db.session.commit()
    locked = put(api, "mgr", {"decision": "辞退"})
    assert locked.status_code == 409, locked.get_json()
    assert api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()["outcome"]["decision"] == "转正"


def test_the_score_page_offers_the_templates_outcomes_to_a_leader_and_the_sheet_prints_them(form9, client):
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert 'id="outcome-form"' in page
    assert [option for option in re.findall(r'<option value="([^"]*)"', page) if option in OUTCOMES] == OUTCOMES
    saved = client.post(f"/scores/{MONTH}/eng1/outcome", data={"outcome-decision": "转正",
                                                              "outcome-detail": "自 2026-12 起转正"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert 'id="outcome-recorded"' in page and "自 2026-12 起转正" in page
    sheet = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    assert "依据本次评价，特决定该员工" in sheet and "■ 转正" in sheet and "□ 辞退" in sheet
    assert "自 2026-12 起转正" in sheet
    assert 'id="outcome-form"' not in client.get(f"/scores/{MONTH}/eng2").get_data(as_text=True)
    client.post("/logout")
    login(client, "eng1")
    own = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert 'id="outcome-form"' not in own and "自 2026-12 起转正" in own  # the engineer reads the decision


def test_the_outcomes_read_in_english_on_english_pages_and_sheets_and_are_recorded_by_their_chinese_name(
        form9, client, api):
    assert put(api, "mgr", {"decision": "提薪/降薪"}).status_code == 200
    login(client, "mgr")
    client.post("/lang/en", data={"next": "/"})
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    options = dict(re.findall(r'<option(?: selected)? value="([^"]*)"(?: selected)?>([^<]*)</option>', page))
    assert options["转正"] == "Confirmation" and options["辞退"] == "Dismissal", options
    assert re.search(r'id="outcome-recorded">[^\n]*<strong>Pay rise / cut</strong>', page)
    history = re.sub(r"<[^>]+>", "", page[page.index('id="history"'):])
    assert "Outcome recorded: Pay rise / cut" in history and "提薪" not in history  # the history too
    sheet = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    assert "■ Pay rise / cut" in sheet and "□ Contract renewal" in sheet and "转正" not in sheet
    client.post("/lang/zh", data={"next": "/"})
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert re.search(r'id="outcome-recorded">[^\n]*<strong>提薪/降薪</strong>', page)
    client.post("/logout")


@pytest.mark.parametrize("english, field", [(["Confirmation"], "outcomes_en"), ([""] * 6, "outcomes_en[0]")])
def test_english_outcome_names_name_each_outcome(english, field):
    from tracker.scoring.errors import TemplateError
    from tracker.scoring.presets import bundled_presets
    from tracker.scoring.template import load_template
    data = dict(bundled_presets()["service_360"], outcomes_en=english)
    with pytest.raises(TemplateError) as refused:
        load_template(data)
    assert field in refused.value.errors
