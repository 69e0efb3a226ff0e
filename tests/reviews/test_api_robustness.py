"""No request to the review and entry calls, however malformed, gets a 500 or stores anything."""

import pytest
from sqlalchemy import func, select

from tests.reviews.conftest import MONTH, ratings
from tracker.extensions import db
from tracker.reviews.models import Incident, MetricEntry, Rating, Review

TABLES = (Review, Incident, MetricEntry, Rating)
NASTY = [None, True, 0, -1, 1e308, 10**30, "", "\u0000", "\ud800", "a" * 5000, [], {}, {"x": [None]}, "2026-02-30",
         "٢٠٢٦-١١", "../../etc/passwd"]
CALLS = [("PUT", f"/reviews/{MONTH}/eng1", ["ratings", "comment", "group"]),
         ("POST", "/incidents", ["engineer", "date", "indicator", "category", "amount", "note"]),
         ("POST", "/metrics", ["engineer", "month", "key", "plan", "actual", "note"]),
         ("POST", "/ratings", ["engineer", "month", "key", "level", "points"])]
VALID = {"/incidents": {"engineer": "eng1", "date": "2026-11-18", "indicator": "work_performance",
                        "category": "phone", "amount": 2},
         "/metrics": {"engineer": "eng1", "month": MONTH, "key": "customer_satisfaction", "actual": 1},
         "/ratings": {"engineer": "eng1", "month": MONTH, "key": "customer_satisfaction", "points": 10}}


def counts():
    db.session.rollback()
    return [db.session.scalar(select(func.count()).select_from(table)) for table in TABLES]


@pytest.mark.parametrize("method, path, fields", CALLS)
def test_nasty_values_never_get_a_500(api, team, use_template, method, path, fields):
    use_template(team["eng1"], "service_department_appraisal")
    base = VALID.get(path, {"ratings": ratings()})
    for field in fields:
        for value in NASTY:
            response = api(method, path, "gm.wang", json=base | {field: value})
            assert response.status_code < 500, (field, value, response.get_data(as_text=True))
            if response.status_code >= 400:
                assert response.get_json()["error"]["code"]


@pytest.mark.parametrize("rater", ["eng1", "eng2", "mgr"])
def test_a_nasty_rating_is_always_refused(api, team, rater):
    for code in ratings():
        for value in [v for v in NASTY if v != 0]:
            response = api("PUT", f"/reviews/{MONTH}/eng1", rater, json={"ratings": ratings(**{code: value})})
            assert response.status_code == 422, (code, value)
    assert counts()[0] == 0


@pytest.mark.parametrize("path", ["/reviews/%00/eng1", "/reviews/2026-11/%00", "/reviews/0000-01/eng1",
                                  "/reviews/2026-11/" + "a" * 300, "/reviews/٢٠٢٦-١١/eng1"])
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_strange_review_paths_get_a_4xx(api, team, path, method):
    response = api(method, path, "mgr", json={"ratings": ratings()})
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"]


@pytest.mark.parametrize("path", ["/incidents/2147483648", "/metrics/-1", "/ratings/99999999999999999999999999",
                                  "/incidents/0"])
def test_strange_ids_get_a_4xx(api, team, path):
    response = api("DELETE", path, "mgr")
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]["code"]


def test_raw_garbage_bodies_get_a_4xx(api, team):
    for raw in (b"null", b"0", b'"x"', b'{"ratings":', b"\xff\xfe", b"[" * 10000,
                b'{"ratings": {"loyalty": 1e999999}}'):
        response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", data=raw, content_type="application/json")
        assert 400 <= response.status_code < 500, raw[:30]
    assert counts() == [0, 0, 0, 0]


@pytest.mark.parametrize("body", [ratings(judgement=4.5), ratings(judgement=6), ratings(judgement=-1),
                                  {code: 4 for code in ratings() if code != "judgement"}])
def test_a_bad_rating_is_named_by_its_path_whatever_is_wrong_with_it(api, team, body):
    """A wrong type read `ratings.judgement`, a value out of range `judgement` and `ratings`, a missing one the bare
    code: an API field is named by its path in the body (docs/api.md)."""
    response = api("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": body})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["ratings.judgement"], response.get_json()


@pytest.mark.parametrize("lang, said", [("zh", "ratings.judgement（理解与分析判断）: 须为 0 到 5 的整数"),
                                        ("en", "ratings.judgement (Understanding and judgement): Must be a whole "
                                               "number from 0 to 5")])
def test_a_rating_out_of_range_is_said_in_the_readers_language_brackets_included(api, team, lang, said):
    response = api("PUT", f"/reviews/{MONTH}/eng1?lang={lang}", "mgr", json={"ratings": ratings(judgement=6)})
    assert response.get_json()["error"]["message"] == said


@pytest.mark.parametrize("path", ["/incidents", "/metrics", "/ratings"])
@pytest.mark.parametrize("name", ["nobody", "mgr"])  # no such user; a user who is no engineer
def test_a_body_naming_no_engineer_is_422_on_engineer_as_for_trips_and_complaints(api, team, use_template, path,
                                                                                   name):
    use_template(team["eng1"], "service_department_appraisal")
    response = api("POST", path, "mgr", json=VALID[path] | {"engineer": name})
    assert response.status_code == 422, response.get_json()
    assert "engineer" in response.get_json()["error"]["fields"] and counts() == [0, 0, 0, 0]
