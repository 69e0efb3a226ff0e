"""A template's own qualitative part: its criteria and top rating are what the review form, the API, the rater's
score and the engine take (contract section 7: "a template may define its own criteria and which groups count")."""

import copy
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, login
from tests.reviews.conftest import MONTH, ratings
from tracker.extensions import db
from tracker.reviews.models import Review
from tracker.scores import approval, templates_store
from tracker.scores import services as scores
from tracker.scoring.errors import TemplateError
from tracker.scoring.presets import bundled_presets
from tracker.scoring.template import load_template

CRITERIA = [{"code": "quality", "name": "服务质量", "name_en": "Quality of service"},
            {"code": "speed", "name": "处理速度", "name_en": "Speed"},
            {"code": "attitude", "name": "服务态度", "name_en": "Attitude"}]
GOOD = {"quality": 10, "speed": 7, "attitude": 4}  # 21 of 30: 70


def own_criteria_template():
    data = copy.deepcopy(bundled_presets()[templates_store.DEFAULT_CODE])
    data.update(code="own_criteria", name="自定标准考核", name_en="Own criteria")
    data.pop("role")  # for the engineers named, not every engineer
    data["qualitative"] = {"criteria": CRITERIA, "scale_max": 10,
                           "raters": {"groups": ["self", "leader"], "required": ["leader"]}}
    return data


@pytest.fixture
def own(app, team):
    templates_store.ensure_presets(NOW)  # as the app does: the others are scored with the default template
    templates_store.store_template(own_criteria_template(), NOW)
    team["eng1"].kpi_template = "own_criteria"
    db.session.commit()
    return team


@pytest.fixture
def wide(app, team):
    """eng1 scored with a template whose criteria are rated 0 to 100."""
    data = own_criteria_template()
    data["qualitative"]["scale_max"] = 100
    templates_store.store_template(data, NOW)
    team["eng1"].kpi_template = "own_criteria"
    db.session.commit()
    return team


def stored_reviews():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Review))


def test_the_api_says_what_a_review_rates(api, own):
    body = api("GET", f"/reviews/{MONTH}/eng1", "mgr").get_json()
    assert body["criteria"] == CRITERIA
    assert (body["scale_max"], body["groups"]) == (10, ["self", "leader"])
    default = api("GET", f"/reviews/{MONTH}/eng2", "mgr").get_json()
    assert [c["code"] for c in default["criteria"]] == list(ratings())
    assert (default["scale_max"], default["groups"]) == (5, ["self", "peer", "leader"])
    # names in the call's language, as an indicator's are (责任心 stayed Chinese under Accept-Language: en)
    english = api("GET", f"/reviews/{MONTH}/eng1", "mgr", headers={"Accept-Language": "en"}).get_json()["criteria"]
    assert english == [dict(criterion, name=criterion["name_en"]) for criterion in CRITERIA]


def test_a_review_takes_the_templates_criteria_and_top_rating(api, own):
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": GOOD, "comment": "好"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"group": "leader", "score": 70}  # 100 × 21 / (10 × 3)
    listed = api("GET", f"/reviews/{MONTH}/eng1", "mgr").get_json()["reviews"]
    assert [(r["rater"], r["ratings"], r["score"]) for r in listed] == [("mgr", GOOD, 70)]
    # the draft is live: L is the leader's 70 (self reviews count too, none given)
    score = api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()
    assert score["qualitative"] == 70
    assert [(g["group"], g["score"]) for g in score["reviews"]] == [("leader", 70)]


@pytest.mark.parametrize("bad", [
    ratings(5),  # the default seven are not this template's
    GOOD | {"speed": 11},  # above the top rating
    GOOD | {"speed": -1},
    {"quality": 10, "speed": 7},  # a criterion missing
    GOOD | {"loyalty": 3},  # one criterion too many
])
def test_other_criteria_or_ratings_above_the_top_are_refused(api, own, bad):
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": bad})
    assert response.status_code == 422, response.get_json()
    assert stored_reviews() == 0


def test_a_group_the_template_does_not_count_may_not_review(api, own):
    response = api("PUT", f"/reviews/{MONTH}/eng1", "eng2", json={"ratings": GOOD})
    assert response.status_code == 403
    assert stored_reviews() == 0
    assert api("PUT", f"/reviews/{MONTH}/eng1", "eng1", json={"ratings": GOOD}).status_code == 200


def test_an_engineer_not_assessed_on_a_template_without_reviews_reads_not_assessed(api, client, team, use_template):
    """The template's answer came first: an engineer not assessed this month read 该考核模板不需要此项评价, where
    one on the default template read 本月不参加考核."""
    use_template(team["eng1"], "after_sales_kpi")
    team["eng1"].hire_date = date(2026, 8, 1)
    db.session.commit()
    login(client, "mgr")
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    row = re.search(r'data-username="eng1">(.*?)</li>', page, re.S).group(1)
    assert "本月不参加考核" in row and "该考核模板不需要此项评价" not in row


def test_a_template_without_a_qualitative_part_takes_no_review(api, client, team, use_template):
    login(client, "mgr")
    assert f'href="/reviews/{MONTH}/eng1"' in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    client.post("/logout")
    use_template(team["eng1"], "after_sales_kpi")
    for rater in ("mgr", "eng1", "eng2"):
        response = api("PUT", f"/reviews/{MONTH}/eng1", rater, json={"ratings": ratings()})
        assert response.status_code == 403, (rater, response.get_json())
    assert stored_reviews() == 0
    body = api("GET", f"/reviews/{MONTH}/eng1", "mgr").get_json()
    assert (body["criteria"], body["scale_max"], body["groups"]) == ([], None, [])
    login(client, "mgr")
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    row = re.search(r'data-username="eng1">(.*?)</li>', page, re.S).group(1)
    # no review; the lines its leader rates by hand are on the entries page
    assert "/reviews/" not in row and f'href="/scores/{MONTH}/eng1/entries"' in row
    assert client.get(f"/reviews/{MONTH}/eng1").status_code == 403
    score_page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert f'href="/reviews/{MONTH}/eng1"' not in score_page  # its Review button led to that 403


def test_the_review_form_shows_the_templates_criteria_and_saves_them(client, own):
    login(client, "mgr")
    page = client.get(f"/reviews/{MONTH}/eng1").get_data(as_text=True)
    assert "服务态度" in page and "责任心" not in page
    assert len(re.findall(r'name="speed" id="speed-\d+" value="\d+"', page)) == 11  # 0..10
    assert "每项 0 到 10 分" in page and "优秀 5 分" not in page
    response = client.post(f"/reviews/{MONTH}/eng1", data=GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)
    review = db.session.scalar(select(Review))
    assert json.loads(review.ratings) == GOOD
    client.post("/lang/en")
    page = client.get(f"/reviews/{MONTH}/eng1").get_data(as_text=True)
    assert "Quality of service" in page and "服务质量" not in page


def test_the_review_form_refuses_a_missing_or_out_of_range_rating(client, own):
    login(client, "mgr")
    for data in ({"quality": 10, "speed": 7}, GOOD | {"speed": 11}, ratings(5)):
        response = client.post(f"/reviews/{MONTH}/eng1", data=data)
        assert response.status_code == 422
        assert 'class="invalid-feedback' in response.get_data(as_text=True)
    assert stored_reviews() == 0


def test_a_wide_scale_is_entered_as_a_number(client, wide):
    login(client, "mgr")
    page = client.get(f"/reviews/{MONTH}/eng1").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="speed"[^>]*max="100"', page)
    response = client.post(f"/reviews/{MONTH}/eng1", data={"quality": "90", "speed": "60", "attitude": "90"})
    assert response.status_code == 302
    assert json.loads(db.session.scalar(select(Review)).ratings) == {"quality": 90, "speed": 60, "attitude": 90}


@pytest.mark.parametrize("code, message", [("quality", "listed twice"), ("comment", "reserved")])
def test_the_loader_refuses_a_criterion_twice_or_one_named_like_the_forms_fields(code, message):
    data = own_criteria_template()
    data["qualitative"]["criteria"] = CRITERIA + [{"code": code, "name": "又一项"}]
    with pytest.raises(TemplateError, match=message):
        load_template(data)


def test_reviews_given_before_the_criteria_changed_count_for_nothing_and_stop_no_compute(api, own):
    """A new version with other criteria takes effect in a month that already has reviews: those reviews no longer
    rate what the template asks. The month still computes for everyone (it was a 409 naming the engineer), the
    engineer's L waits for a review of the new criteria, and approval lists the leader review as missing."""
    assert api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": GOOD}).status_code == 200
    changed = own_criteria_template()
    changed["qualitative"]["criteria"] = CRITERIA[:2]
    changed["qualitative"]["scale_max"] = 5
    row = templates_store.store_template(changed, NOW)
    db.session.commit()
    assert (row.version, row.effective_from) == (2, MONTH)
    scores.compute_month(MONTH, NOW)  # raised Conflict ("review 1: needs exactly the criteria ...")
    db.session.commit()
    score = api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()
    assert score["qualitative"] is None and score["total"] is None
    assert "缺少领导评价" in approval.approval_gaps(own["eng1"], MONTH)
    assert api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": {"quality": 5, "speed": 3}}).status_code == 200
    assert api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()["qualitative"] == 80
    assert "缺少领导评价" not in approval.approval_gaps(own["eng1"], MONTH)


def test_a_review_that_counts_for_nothing_shows_no_score(api, client, own):
    """Rescored on the new scale it showed 160.00 (a review on 0–10 read as 0–5) or a peer's 40 in a group the
    template no longer counts."""
    assert api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": GOOD}).status_code == 200
    changed = own_criteria_template()
    changed["qualitative"]["scale_max"] = 5
    templates_store.store_template(changed, NOW)
    db.session.commit()
    listed = api("GET", f"/reviews/{MONTH}/eng1", "mgr").get_json()["reviews"]
    assert [(r["rater"], r["score"]) for r in listed] == [("mgr", None)]
    assert api("GET", f"/scores/{MONTH}/eng1", "mgr").get_json()["reviews"] == []
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "不计入" in page and "140.00" not in page
    index = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    assert "已评 不计入" in index


def test_a_rating_out_of_range_is_named_by_its_criterion_on_the_form(client, wide):
    login(client, "mgr")
    response = client.post(f"/reviews/{MONTH}/eng1", data={"quality": "101", "speed": "60", "attitude": "90"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page.split('id="quality-error"')[1].split("</")[0]
    assert "须为 0 到 100 的整数" in error and "quality:" not in page and "服务质量" in page
    assert stored_reviews() == 0
