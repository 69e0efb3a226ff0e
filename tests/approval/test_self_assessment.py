"""Form 7's self assessment (自评 column, 综合绩效考核自评分 beside 综合绩效考核最终评分): the technician scores each
line himself, through the API and his score page; his leaders see it, the printed sheet prints it; it changes no
score; nobody else may enter it, and never once the month is approved."""

import json
from datetime import date

import pytest

from tests.approval.conftest import MONTH
from tests.conftest import NOW, login
from tracker.extensions import db
from tracker.scores import services as reports

MAXIMA = {"work_task": 10, "labour_output": 10, "boutique_output": 10, "rework_external": 5, "rework_internal": 5,
          "on_time_delivery": 10, "safety": 5, "technical_cases": 5, "training": 5, "satisfaction": 25,
          "cooperation": 10}
OWN = {"work_task": 8, "labour_output": 9.5, "boutique_output": 10, "rework_external": 5, "rework_internal": 5,
       "on_time_delivery": 9, "safety": 5, "technical_cases": 2.5, "training": 5, "satisfaction": 20,
       "cooperation": 10}  # 89 in all


@pytest.fixture
def form7(team, records):
    """eng1 on form 7 (repair_technician_monthly), November computed; eng2 on the default template."""
    team["eng1"].kpi_template = "repair_technician_monthly"
    db.session.commit()
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    return team


def put(api, user, points, username="eng1"):
    return api("PUT", f"/scores/{MONTH}/{username}/self-assessment", user, json={"points": points})


def _score_row():
    return db.session.execute(db.text("SELECT quantitative, total, computed_at FROM scores s JOIN users u ON "
                                      "u.id = s.engineer_id WHERE u.username = 'eng1' AND s.month = :m"),
                              {"m": MONTH}).one()


def test_the_technician_scores_each_line_himself_and_the_score_answer_shows_it_beside_the_final(form7, api):
    before = api("GET", f"/scores/{MONTH}/eng1", "eng1").get_json()
    assert before["self_assessment"] == {"points": {code: None for code in MAXIMA}, "total": None,
                                         "recorded_at": None}
    stored = _score_row()
    answer = put(api, "eng1", OWN)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["points"] == OWN and body["total"] == 89 and body["username"] == "eng1" and body["recorded_at"]
    assert _score_row() == stored  # it changes no score
    seen = api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()["self_assessment"]
    assert seen["points"] == OWN and seen["total"] == 89
    again = put(api, "eng1", OWN | {"cooperation": 0})  # changed while the month is open
    assert again.status_code == 200 and again.get_json()["total"] == 79
    assert api("GET", f"/scores/{MONTH}/eng2", "mgr").get_json()["self_assessment"] is None  # default template


@pytest.mark.parametrize("user", ["eng2", "mgr", "gm.wang", "office", "admin"])
def test_nobody_else_scores_it(form7, api, user):
    assert put(api, user, OWN).status_code == 403
    assert db.session.execute(db.text("SELECT count(*) FROM self_assessments")).scalar() == 0


@pytest.mark.parametrize("points, field", [
    ({**OWN, "work_task": 10.5}, "work_task"),  # above the line's maximum
    ({**OWN, "safety": -1}, "safety"),
    ({**OWN, "training": 1.234}, "training"),  # more than two decimals
    ({**OWN, "training": "5"}, "training"),  # numbers are JSON numbers
    ({code: value for code, value in OWN.items() if code != "satisfaction"}, "satisfaction"),  # a line missing
    ({**OWN, "responsibility": 5}, "responsibility"),  # no such line
])
def test_a_wrong_point_is_refused_on_its_line_and_nothing_is_stored(form7, api, points, field):
    answer = put(api, "eng1", points)
    assert answer.status_code == 422, answer.get_json()
    assert f"points.{field}" in answer.get_json()["error"]["fields"]
    assert db.session.execute(db.text("SELECT count(*) FROM self_assessments")).scalar() == 0


def test_a_template_without_one_and_an_approved_month_refuse_it(form7, api):
    assert put(api, "eng2", {"attendance": 15}, username="eng2").status_code == 422
    assert put(api, "eng1", OWN).status_code == 200
    db.session.execute(db.text("UPDATE scores SET status = 'approved' WHERE month = :m"), {"m": MONTH})
    db.session.commit()
    assert put(api, "eng1", OWN | {"work_task": 0}).status_code == 409
    row = db.session.execute(db.text("SELECT points FROM self_assessments")).scalar()
    assert json.loads(row)["work_task"] == "8.00"


def test_the_score_page_takes_it_from_the_technician_and_the_sheet_prints_it(form7, client):
    login(client, "eng1")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert 'id="self-assessment-form"' in page and 'name="points-work_task"' in page
    refused = client.post(f"/scores/{MONTH}/eng1/self-assessment",
                          data={f"points-{code}": str(value) for code, value in OWN.items()} | {"points-safety": "6"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="points-safety-error"' in text and 'value="9.5"' in text
    saved = client.post(f"/scores/{MONTH}/eng1/self-assessment",
                        data={f"points-{code}": str(value) for code, value in OWN.items()})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert '<strong class="self-total">89.00</strong>' in page
    client.post("/logout")
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert '<strong class="self-total">89.00</strong>' in page and 'id="self-assessment-form"' not in page
    sheet = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    assert "综合绩效考核自评分" in sheet and '<strong class="self-total">89.00</strong>' in sheet
    assert '<td class="num self">9.50</td>' in sheet
    assert "综合绩效考核自评分" not in client.get(f"/sheets/{MONTH}/eng2").get_data(as_text=True)
    client.post("/logout")


def test_the_history_names_the_event_and_each_line(form7, api, client):
    assert put(api, "eng1", OWN).status_code == 200
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "score.self_assessment" not in page and "work_task=" not in page
    assert "工作任务 8、" in page
    client.post("/logout")


def test_a_month_he_is_not_assessed_in_shows_none(form7, api, client):
    form7["eng1"].hire_date = date(2026, 8, 1)
    db.session.commit()
    assert api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()["self_assessment"] is None
    assert put(api, "eng1", OWN).status_code == 409
    login(client, "eng1")
    assert 'id="self-assessment"' not in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    client.post("/logout")


def test_points_a_later_version_no_longer_allows_are_to_be_given_again(form7, api):
    assert put(api, "eng1", OWN).status_code == 200
    row = db.session.execute(db.text("SELECT id, points FROM self_assessments")).one()
    stored = json.loads(row.points) | {"cooperation": "12.00"}  # above the line's 10, as after a lowered maximum
    db.session.execute(db.text("UPDATE self_assessments SET points = :p"), {"p": json.dumps(stored)})
    db.session.commit()
    shown = api("GET", f"/scores/{MONTH}/eng1", "eng1").get_json()["self_assessment"]
    assert shown["points"]["cooperation"] is None and shown["total"] is None and shown["recorded_at"]


def test_a_flood_of_unknown_lines_is_answered_briefly(form7, api):
    answer = put(api, "eng1", OWN | {f"k{n}": 1 for n in range(5000)})
    assert answer.status_code == 422 and len(answer.get_json()["error"]["fields"]) == 20


def test_the_editor_refuses_a_self_assessment_that_is_not_true_or_false(app):
    from tracker.scoring import monotone
    from tracker.scoring.errors import TemplateError
    from tracker.scoring.presets import bundled_presets
    from tracker.scoring.template import load_template

    data = dict(bundled_presets()["repair_technician_monthly"]) | {"self_assessment": 1}
    assert load_template(data).self_assessment is False  # a version stored before the check still loads
    with monotone.storing(), pytest.raises(TemplateError) as refused:
        load_template(data)
    assert "self_assessment" in refused.value.errors


def test_what_was_typed_stays_in_its_field_with_its_error(form7, client):
    """A number field emptied itself of 'abc' or full-width digits, leaving the error under an empty box."""
    login(client, "eng1")
    typed = {f"points-{code}": str(value) for code, value in OWN.items()} | {"points-work_task": "abc",
                                                                              "points-safety": "１２"}
    page = client.post(f"/scores/{MONTH}/eng1/self-assessment", data=typed).get_data(as_text=True)
    assert 'type="number"' not in page.split('id="self-assessment-form"')[1].split("</form>")[0]
    assert 'value="abc"' in page and 'value="１２"' in page and "满分 10）" in page
    client.post("/logout")
