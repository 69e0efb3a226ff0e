"""GET /scores/{month} a page at a time (CONTRACT 10), the one-engineer detail, and the gm's month page by team."""

from datetime import date

import pytest
from sqlalchemy import insert

from tests.conftest import NOW, login
from tests.querycount import counted
from tests.scores.support import NOV, D, at
from tracker.auth.models import User
from tracker.extensions import db
from tracker.scores import services
from tracker.scores.models import Adjustment


def usernames(answer):
    """The usernames of an answer (a response or its parsed body), in order."""
    body = answer if isinstance(answer, dict) else answer.get_json()
    return [row["username"] for row in body["scores"]]


def _engineers(count, supervisor_id, prefix="bulk"):
    """`count` more engineers under one supervisor, inserted in one statement."""
    db.session.execute(insert(User), [
        {"username": f"{prefix}{n:04d}", "display_name": f"{prefix}{n:04d}", "role": "engineer",
         "password_hash": "x", "supervisor_id": supervisor_id, "hire_date": date(2020, 1, 1), "active": True,
         "bonus_base": 1000} for n in range(count)])
    db.session.commit()


def test_the_month_is_answered_a_page_at_a_time_by_username(api, records, team):
    _engineers(7, team["mgr"].id)
    services.compute_month(NOV, NOW)
    db.session.commit()
    first = api("GET", f"/scores/{NOV}?per_page=4", "gm.wang").get_json()
    assert (first["month"], first["page"], first["pages"], first["total"]) == (NOV, 1, 3, 10)
    assert usernames(first) == ["bulk0000", "bulk0001", "bulk0002", "bulk0003"]
    last = api("GET", f"/scores/{NOV}?per_page=4&page=3", "gm.wang").get_json()
    assert usernames(last) == ["eng2", "eng3"]
    beyond = api("GET", f"/scores/{NOV}?per_page=4&page=9", "gm.wang").get_json()
    assert (beyond["scores"], beyond["total"], beyond["pages"]) == ([], 10, 3)
    assert api("GET", f"/scores/{NOV}", "gm.wang").get_json()["pages"] == 1


@pytest.mark.parametrize("query, field", [
    ("per_page=0", "per_page"), ("per_page=201", "per_page"), ("per_page=x", "per_page"), ("per_page=-5", "per_page"),
    ("page=0", "page"), ("page=abc", "page"), ("page=١", "page"), ("explain=yes", "explain"), ("team=nobody", "team"),
    ("team=eng1", "team"),
])
def test_bad_paging_and_filters_get_422(api, records, team, query, field):
    response = api("GET", f"/scores/{NOV}?{query}", "gm.wang")
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_per_page_of_200_is_accepted(api, records, team):
    assert api("GET", f"/scores/{NOV}?per_page=200", "gm.wang").status_code == 200


def test_team_covers_a_managers_whole_subtree(api, records, team, make_user):
    make_user("mgr.sub", role="manager", display_name="下级主管", supervisor="mgr")
    make_user("eng4", display_name="赵六", supervisor="mgr.sub")
    assert usernames(api("GET", f"/scores/{NOV}?team=mgr", "gm.wang")) == ["eng1", "eng2", "eng4"]
    assert usernames(api("GET", f"/scores/{NOV}?team=mgr.sub", "mgr")) == ["eng4"]
    assert usernames(api("GET", f"/scores/{NOV}?team=mgr2", "admin")) == ["eng3"]
    assert api("GET", f"/scores/{NOV}?team=mgr2", "mgr").status_code == 403


def test_a_manager_picks_their_own_team_or_one_below_on_the_month_page(client, records, team, make_user):
    """The team picker offers the manager's own name first: choosing it was a 500 (the charts' query held the
    viewer's scope and the picked team as two CTEs of one name)."""
    make_user("mgr.sub", role="manager", display_name="下级主管", supervisor="mgr")
    make_user("eng4", display_name="赵六", supervisor="mgr.sub")
    services.compute_month(NOV, NOW)
    db.session.commit()
    login(client, "mgr")
    for team_name, shown, hidden in (("mgr", ("张三", "李四", "赵六"), ("王五",)), ("mgr.sub", ("赵六",), ("张三",))):
        page = client.get(f"/scores/{NOV}?team={team_name}")
        assert page.status_code == 200, team_name
        html = page.get_data(as_text=True)
        assert all(name in html for name in shown) and not any(name in html for name in hidden), team_name


@pytest.mark.parametrize("query, at_field", [("team=nobody", True), ("team=eng1", True), ("page=abc", False)])
def test_a_team_or_page_that_cannot_be_is_said_on_the_month_page(client, records, team, query, at_field):
    """The month page answered ?team=nobody with a bare error page in place of the page and its team picker."""
    services.compute_month(NOV, NOW)
    db.session.commit()
    login(client, "gm.wang")
    response = client.get(f"/scores/{NOV}?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="team"' in html  # the picker, to choose again
    assert 'id="filter-errors"' in html and ('id="team-error"' in html) is at_field
    assert "张三" not in html  # nobody listed


def test_a_team_and_a_page_that_cannot_be_are_said_at_once(client, records, team):
    login(client, "gm.wang")
    html = client.get(f"/scores/{NOV}?team=nobody&page=abc").get_data(as_text=True)
    assert 'id="team-error"' in html and "页码须为 1–999999999 的整数" in html


def test_rows_are_slim_unless_explain_is_asked(api, records, team):
    eng = team["eng1"]
    order = records.order(eng, at(D(2026, 11, 3), 8), responded=at(D(2026, 11, 3), 12))
    services.compute_month(NOV, NOW)
    db.session.commit()
    slim = api("GET", f"/scores/{NOV}?team=mgr", "mgr").get_json()["scores"][0]
    assert slim["status"] == "draft" and len(slim["indicators"]) == 8
    assert all(set(item) == {"code", "name", "applies", "state", "missing", "value", "points", "max_points"}
               for item in slim["indicators"])
    full = api("GET", f"/scores/{NOV}?team=mgr&explain=1", "mgr").get_json()["scores"][0]
    response = {item["code"]: item for item in full["indicators"]}["response"]
    assert response["records"] == {"work_orders": [order.id]} and response["explanation"].startswith("响应及时率")


def test_ineligible_and_never_computed_engineers_have_rows(api, records, team, make_user):
    make_user("rookie", supervisor="mgr", hire_date=date(2026, 8, 1))
    rows = {row["username"]: row for row in api("GET", f"/scores/{NOV}", "mgr").get_json()["scores"]}
    assert (rows["rookie"]["eligible"], rows["rookie"]["status"], rows["rookie"]["total"]) == (False, "pending", None)
    services.compute_month(NOV, NOW)
    db.session.commit()
    rows = {row["username"]: row for row in api("GET", f"/scores/{NOV}", "mgr").get_json()["scores"]}
    assert (rows["rookie"]["eligible"], rows["rookie"]["status"], rows["rookie"]["total"]) == (False, "draft", None)


def test_one_engineers_detail_carries_explanations_reviews_adjustments_and_history(api, records, team):
    eng = team["eng1"]
    records.review(eng, NOV, team["mgr"], "leader")
    services.compute_month(NOV, NOW)
    db.session.commit()
    assert api("POST", f"/scores/{NOV}/eng1/adjustments", "mgr",
               json={"points": 3, "reason": "表现突出"}).status_code == 201
    body = api("GET", f"/scores/{NOV}/eng1", "mgr").get_json()
    assert body["username"] == "eng1" and all("explanation" in item and "records" in item
                                              for item in body["indicators"])
    assert body["reviews"] == [{"group": "leader", "score": 100, "raters": 1}]
    assert [(a["points"], a["status"]) for a in body["adjustment_list"]] == [(3, "proposed")]
    assert [event["action"] for event in body["history"]] == ["adjustment.propose"]
    assert body["veto"] is None and body["interview"] is None
    assert db.session.query(Adjustment).count() == 1


@pytest.mark.parametrize("user, status", [("eng1", 200), ("eng2", 403), ("mgr", 200), ("mgr2", 403),
                                          ("gm.wang", 200), ("admin", 200), ("office", 403)])
def test_who_may_read_one_engineers_detail(api, records, team, user, status):
    assert api("GET", f"/scores/{NOV}/eng1", user).status_code == status


def test_an_unknown_engineer_is_404(api, records, team):
    assert api("GET", f"/scores/{NOV}/nobody", "gm.wang").status_code == 404


def test_a_page_costs_the_same_queries_for_3_or_110_engineers(api, records, team):
    manager_id = team["mgr"].id
    services.compute_month(NOV, NOW)
    db.session.commit()
    api("GET", f"/scores/{NOV}", "gm.wang")  # the token
    db.session.remove()
    with counted() as few:
        assert api("GET", f"/scores/{NOV}?explain=1", "gm.wang").status_code == 200
    _engineers(107, manager_id)
    services.compute_month(NOV, NOW)
    db.session.commit()
    db.session.remove()
    with counted() as many:
        body = api("GET", f"/scores/{NOV}?per_page=200&explain=1", "gm.wang").get_json()
    assert body["total"] == 110 and len(body["scores"]) == 110
    assert len(many) == len(few), "\n---\n".join(s[:150] for s in many)


def test_the_month_page_shows_one_team_a_page_at_a_time(client, records, team):
    _engineers(60, team["mgr"].id)
    services.compute_month(NOV, NOW)
    db.session.commit()
    login(client, "gm.wang")
    first = client.get(f"/scores/{NOV}?team=mgr").get_data(as_text=True)
    assert "1 / 2" in first and "bulk0000" in first and "王五" not in first
    assert 'href="/scores/2026-10?team=mgr" rel="prev"' in first  # the month arrows keep the team chosen
    second = client.get(f"/scores/{NOV}?team=mgr&page=2").get_data(as_text=True)
    assert "2 / 2" in second and "bulk0000" not in second
    past = client.get(f"/scores/{NOV}?team=mgr&page=3").get_data(as_text=True)  # said the scope was empty
    assert "您的范围内没有工程师" not in past and "没有第 3 页（共 2 页）" in past
    assert 'href="/scores/2026-11?page=2&amp;team=mgr">最后一页</a>' in past
    db.session.remove()
    with counted() as few:
        client.get(f"/scores/{NOV}?team=mgr2")
    db.session.remove()
    with counted() as many:
        client.get(f"/scores/{NOV}?team=mgr")
    assert len(many) == len(few), "\n---\n".join(s[:150] for s in many)
    assert client.get(f"/scores/{NOV}?team=nobody").status_code == 422


def test_rows_come_in_code_point_order_of_username_whatever_the_databases_collation(tmp_path):
    """On a PostgreSQL database created with an ICU en-US collation, "t_a" came before "t-m" in GET /scores/{month}
    and GET /users, while SQLite and the mid-year and annual lists (sorted by the app) put it after: one deployment
    answered two orders for "ordered by username", and the pages split the rows elsewhere."""
    from tests.conftest import scratch_postgres_app
    from tracker.auth import services as auth
    from tracker.scores import listing

    names = ["t-m", "t.a", "t.z", "t00", "t_a", "t_b", "taa", "tbb"]
    with scratch_postgres_app("_collation", tmp_path / "instance",
                              "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'") as app:
        gm = auth.create_user({"username": "gm.wang", "password": "long-enough-1", "display_name": "王总",
                               "role": "gm", "hire_date": date(2020, 1, 1)})
        for name in reversed(names):
            auth.create_user({"username": name, "password": "long-enough-1", "display_name": name,
                              "role": "engineer", "hire_date": date(2020, 1, 1)})
        db.session.commit()
        collated = db.session.scalars(db.text("SELECT username FROM users ORDER BY username")).all()
        assert collated != sorted(collated), "the database's collation orders as code points: nothing tried"
        page = listing.month_page(gm, NOV, per_page=4)
        assert [engineer.username for engineer, _score in page.rows] == sorted(names)[:4]
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "gm.wang", "password": "long-enough-1"})
        users = client.get("/api/v1/users", headers={"Authorization": f"Bearer {token.get_json()['token']}"})
        assert [user["username"] for user in users.get_json()["users"]] == sorted(names + ["gm.wang"])
