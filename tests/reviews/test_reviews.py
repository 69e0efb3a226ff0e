"""Qualitative reviews: the group follows from who the rater is, ratings are exact, approved months are final."""

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.reviews.conftest import MONTH, ratings
from tracker.extensions import db
from tracker.reviews.models import Review


def stored_reviews():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Review))


@pytest.mark.parametrize("rater, engineer, group", [
    ("eng1", "eng1", "self"),
    ("eng2", "eng1", "peer"),
    ("eng3", "eng1", "peer"),  # an engineer of another team is still a peer
    ("mgr", "eng1", "leader"),
    ("gm.wang", "eng3", "leader"),
])
def test_group_follows_from_who_the_rater_is(api, team, rater, engineer, group):
    response = api("PUT", f"/reviews/{MONTH}/{engineer}", rater, json={"ratings": ratings(5)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"group": group, "score": 100}
    review = db.session.scalar(select(Review))
    assert review.group == group


@pytest.mark.parametrize("rater", ["mgr2", "office", "admin"])
def test_manager_of_another_team_backoffice_and_admin_may_not_review(api, team, rater):
    response = api("PUT", f"/reviews/{MONTH}/eng1", rater, json={"ratings": ratings()})
    assert response.status_code == 403
    assert stored_reviews() == 0


def test_request_cannot_choose_the_group(api, team):
    response = api("PUT", f"/reviews/{MONTH}/eng1", "eng2", json={"ratings": ratings(), "group": "leader"})
    assert response.status_code == 422
    assert stored_reviews() == 0
    response = api("PUT", f"/reviews/{MONTH}/eng1", "eng2", json={"ratings": ratings()})
    assert response.get_json()["group"] == "peer"


@pytest.mark.parametrize("bad", [
    {k: v for k, v in ratings().items() if k != "loyalty"},  # a criterion missing
    ratings(loyalty=6),
    ratings(loyalty=-1),
    ratings(loyalty="5"),
    ratings(loyalty=2.5),
    ratings(loyalty=True),
    ratings(loyalty=None),
    ratings(punctuality=3),  # an unknown criterion
    {},
])
def test_bad_ratings_are_refused_and_nothing_is_stored(api, team, bad):
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": bad})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid"
    assert stored_reviews() == 0


def test_rater_score_is_100_times_sum_over_35(api, team):
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings(3, loyalty=5)})
    assert response.get_json()["score"] == 65.71  # 100 × (6 × 3 + 5) / 35 = 65.714…


def test_one_review_per_rater_engineer_and_month(api, team):
    api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings(2)})
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings(4), "comment": "进步明显"})
    assert response.status_code == 200
    assert stored_reviews() == 1
    review = db.session.scalar(select(Review))
    assert json.loads(review.ratings)["loyalty"] == 4
    assert review.comment == "进步明显"


def test_approved_month_refuses_reviews(api, team, make_score):
    make_score(team["eng1"], status="approved")
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings()})
    assert response.status_code == 409
    assert stored_reviews() == 0


def test_future_month_and_bad_paths_are_refused(api, team):
    assert api("PUT", "/reviews/2026-12/eng1", "mgr", json={"ratings": ratings()}).status_code == 422
    assert api("PUT", "/reviews/2026-13/eng1", "mgr", json={"ratings": ratings()}).status_code == 422
    assert api("PUT", f"/reviews/{MONTH}/nobody", "mgr", json={"ratings": ratings()}).status_code == 404
    assert api("PUT", f"/reviews/{MONTH}/mgr2", "gm.wang", json={"ratings": ratings()}).status_code == 404
    assert stored_reviews() == 0


def test_a_month_not_begun_is_said_so_before_anything_is_rated(client, team):
    """The list of 2026-12 offered 去评价 and the form opened as any other: the refusal came after all seven
    criteria were rated."""
    login(client, "mgr")
    listing = client.get("/reviews?month=2026-12").get_data(as_text=True)
    assert "该月尚未开始，还不能评价" in listing and "/reviews/2026-12/eng1" not in listing
    form = client.get("/reviews/2026-12/eng1").get_data(as_text=True)
    assert "该月尚未开始，还不能评价" in form and 'type="submit"' not in form
    current = client.get(f"/reviews/{MONTH}/eng1").get_data(as_text=True)
    assert "该月尚未开始" not in current and 'type="submit"' in current


def test_reading_reviews_is_scoped(api, team):
    api("PUT", f"/reviews/{MONTH}/eng1", "eng2", json={"ratings": ratings(3)})
    api("PUT", f"/reviews/{MONTH}/eng1", "eng3", json={"ratings": ratings(4)})
    api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings(5)})
    everyone = api("GET", f"/reviews/{MONTH}/eng1", "mgr").get_json()["reviews"]
    assert sorted(r["rater"] for r in everyone) == ["eng2", "eng3", "mgr"]
    own = api("GET", f"/reviews/{MONTH}/eng1", "eng2").get_json()["reviews"]
    assert [(r["rater"], r["group"]) for r in own] == [("eng2", "peer")]
    assert api("GET", f"/reviews/{MONTH}/eng1", "eng1").get_json()["reviews"] == []
    assert sorted(r["rater"] for r in api("GET", f"/reviews/{MONTH}/eng1", "admin").get_json()["reviews"]) == [
        "eng2", "eng3", "mgr"]


@pytest.mark.parametrize("viewer", ["mgr2", "office"])
def test_who_may_neither_read_nor_write_a_review_is_refused_as_on_the_page(api, team, viewer):
    api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings(5)})
    response = api("GET", f"/reviews/{MONTH}/eng1", viewer)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


# ---- the web form ---------------------------------------------------------------------------------

def form_data(value=4, **changes):
    return {code: str(v) for code, v in ratings(value, **changes).items()}


def test_review_form_shows_the_seven_criteria_in_chinese(client, team):
    login(client, "mgr")
    page = client.get(f"/reviews/{MONTH}/eng1").get_data(as_text=True)
    for label in ("责任心", "纪律性", "主动性与执行力", "忠诚度", "团队配合", "创新能力", "理解与分析判断"):
        assert label in page
    assert "优秀 5 分，合格 2–4 分，不合格 0–1 分" in page
    assert "领导评" in page
    assert 'name="viewport"' in page


def test_review_form_saves_and_the_list_shows_it(client, team):
    login(client, "eng2")
    response = client.post(f"/reviews/{MONTH}/eng1", data=form_data(5, judgement=3))
    assert response.status_code == 302
    review = db.session.scalar(select(Review))
    assert review.group == "peer" and json.loads(review.ratings)["judgement"] == 3
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    assert "已评" in page and "94.29" in page  # 100 × 33 / 35


@pytest.mark.parametrize("changes", [{"loyalty": "6"}, {"loyalty": ""}, {"loyalty": "x"}])
def test_review_form_refuses_bad_values_with_422(client, team, changes):
    login(client, "mgr")
    data = form_data() | changes
    response = client.post(f"/reviews/{MONTH}/eng1", data=data)
    assert response.status_code == 422
    assert stored_reviews() == 0


def test_review_form_missing_criterion_is_422(client, team):
    login(client, "mgr")
    data = form_data()
    del data["teamwork"]
    assert client.post(f"/reviews/{MONTH}/eng1", data=data).status_code == 422
    assert stored_reviews() == 0


def test_review_form_refused_for_backoffice_and_other_teams_manager(client, team):
    login(client, "mgr2")
    assert client.get(f"/reviews/{MONTH}/eng1").status_code == 403
    assert client.post(f"/reviews/{MONTH}/eng1", data=form_data()).status_code == 403
    client.post("/logout")
    login(client, "office")
    assert client.get(f"/reviews/{MONTH}/eng1").status_code == 403
    assert stored_reviews() == 0


def test_review_form_on_approved_month_is_409(client, team, make_score):
    make_score(team["eng1"], status="approved")
    login(client, "mgr")
    assert "已审批" in client.get(f"/reviews/{MONTH}/eng1").get_data(as_text=True)
    assert client.post(f"/reviews/{MONTH}/eng1", data=form_data()).status_code == 409
    assert stored_reviews() == 0


def test_the_review_list_offers_no_edit_of_a_review_of_an_approved_month(client, api, team, make_score):
    """修改 led to a read-only form whose POST answered 409."""
    assert api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings(4)}).status_code == 200
    make_score(team["eng1"], status="approved")
    login(client, "mgr")
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    row = page[page.index('data-username="eng1"'):page.index('data-username="eng2"')]
    assert "已评" in row and "修改" not in row and "本月考核结果已审批，不能再评价" in row


def test_review_list_offers_self_and_peers_to_engineers_and_the_team_to_managers(client, team):
    login(client, "eng1")
    page = client.get("/reviews").get_data(as_text=True)
    assert page.index('data-username="eng1"') < page.index('data-username="eng2"')
    assert "自评" in page and "同事评" in page
    client.post("/logout")
    login(client, "mgr")
    page = client.get("/reviews").get_data(as_text=True)
    assert 'data-username="eng1"' in page and 'data-username="eng2"' in page
    assert 'data-username="eng3"' not in page


@pytest.mark.parametrize("rater, status", [("mgr", 200), ("eng1", 403), ("eng2", 403)])
def test_a_template_that_counts_the_leader_alone_refuses_self_and_peer_reviews(api, team, rater, status):
    """Form 5: 标准分值 实际得分 考核人, one assessor per line; who reviews is the template's."""
    team["eng1"].kpi_template = "service_department_appraisal"
    db.session.commit()
    response = api("PUT", f"/reviews/{MONTH}/eng1", rater, json={"ratings": ratings(4)})
    assert response.status_code == status, response.get_json()


def test_ratings_written_with_a_zero_fraction_are_integers(api, team):
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": ratings(4, loyalty=5.0)})
    assert response.status_code == 200, response.get_json()
    assert json.loads(db.session.scalar(select(Review.ratings)))["loyalty"] == 5


def test_a_peer_is_not_shown_a_colleague_not_assessed_this_month(client, team):
    """An engineer's review list showed every colleague with 本月不参加考核 where it applied: their hire date or early
    confirmation, which is none of a peer's business, and nothing to review. Their manager still sees it."""
    team["eng2"].hire_date = date(2026, 8, 1)  # four months: not assessed in November
    db.session.commit()
    login(client, "eng1")
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    assert 'data-username="eng2"' not in page and "本月不参加考核" not in page
    assert 'data-username="eng3"' in page  # assessed colleagues are listed as before
    client.post("/logout")
    login(client, "mgr")
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    row = page[page.index('data-username="eng2"'):]
    assert "本月不参加考核" in row[:row.index("</li>")]
