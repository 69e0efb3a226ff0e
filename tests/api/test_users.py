"""POST/PATCH/GET /users: who may call them, the user JSON, and refused input that stores nothing."""

import os

import pytest
from sqlalchemy import select

from tests.api.support import assert_error, count, documented
from tests.conftest import PASSWORD
from tests.workorders.conftest import image_bytes, upload
from tracker.auth.models import User
from tracker.extensions import db
from tracker.workorders.models import Photo

NEW = {"username": "zhao.liu", "password": "long-enough-1", "display_name": "赵六", "role": "engineer",
       "hire_date": "2025-03-01", "supervisor": "mgr", "department": "售后一部", "bonus_base": 3000.5}


def test_admin_creates_a_user(app, api, team):
    body = documented(app, api("POST", "/users", "admin", json=NEW))
    assert body == {"username": "zhao.liu", "display_name": "赵六", "role": "engineer", "supervisor": "mgr",
                    "department": "售后一部", "hire_date": "2025-03-01", "bonus_base": 3000.5, "email": None,
                    "active": True, "early_confirmation_month": None}


def test_created_user_can_get_a_token_with_the_password(api, team, client):
    api("POST", "/users", "admin", json=NEW)
    response = client.post("/api/v1/auth/token", json={"username": "zhao.liu", "password": "long-enough-1"})
    assert response.status_code == 200


def test_only_required_fields_give_defaults(app, api, team):
    body = documented(app, api("POST", "/users", "admin", json={
        "username": "ab1", "password": "long-enough-1", "display_name": "A", "role": "backoffice",
        "hire_date": "2024-01-01"}))
    assert body["supervisor"] is None and body["department"] is None and body["bonus_base"] == 0


@pytest.mark.parametrize("user", ["eng1", "office", "mgr", "gm.wang"])
def test_only_admin_creates_users(api, team, user):
    before = count(User)
    assert_error(api("POST", "/users", user, json=NEW), 403)
    assert count(User) == before


def test_anonymous_call_is_401(api, team):
    assert_error(api("POST", "/users", None, json=NEW), 401)
    assert_error(api("GET", "/users"), 401)


@pytest.mark.parametrize("change, field", [
    ({"username": "ab"}, "username"),
    ({"username": "a" * 33}, "username"),
    ({"username": "Zhao"}, "username"),
    ({"username": "zhao liu"}, "username"),
    ({"username": "张三丰"}, "username"),
    ({"username": "eng1"}, "username"),
    ({"password": "short"}, "password"),
    ({"display_name": ""}, "display_name"),
    ({"display_name": "长" * 41}, "display_name"),
    ({"display_name": "bad\u0000name"}, "display_name"),
    ({"role": "boss"}, "role"),
    ({"hire_date": "2026-02-30"}, "hire_date"),
    ({"hire_date": "2026-13-01"}, "hire_date"),
    ({"hire_date": "01/03/2025"}, "hire_date"),
    ({"supervisor": "nobody"}, "supervisor"),
    ({"supervisor": "eng2"}, "supervisor"),
    ({"bonus_base": "3000"}, "bonus_base"),
    ({"bonus_base": -1}, "bonus_base"),
    ({"bonus_base": 1000000.01}, "bonus_base"),
    ({"bonus_base": 5000.005}, "bonus_base"),           # money has 2 decimals: refused, never rounded
    ({"bonus_base": 0.004}, "bonus_base"),
    ({"bonus_base": True}, "bonus_base"),
    ({"department": "部" * 41}, "department"),
    ({"admin": True}, "admin"),
    ({"active": False}, "active"),
])
def test_invalid_new_user_is_422_and_stores_nothing(api, team, change, field):
    before = count(User)
    assert_error(api("POST", "/users", "admin", json={**NEW, **change}), 422, field)
    assert count(User) == before


@pytest.mark.parametrize("missing", ["username", "password", "display_name", "role", "hire_date"])
def test_missing_required_field_is_422(api, team, missing):
    before = count(User)
    body = {k: v for k, v in NEW.items() if k != missing}
    assert_error(api("POST", "/users", "admin", json=body), 422, missing)
    assert count(User) == before


def test_bonus_base_bounds_are_accepted(app, api, team):
    assert documented(app, api("POST", "/users", "admin", json={**NEW, "bonus_base": 1000000}))["bonus_base"] == 1000000
    body = documented(app, api("POST", "/users", "admin", json={**NEW, "username": "zero", "bonus_base": 0}))
    assert body["bonus_base"] == 0


def test_admin_changes_a_user(app, api, team):
    body = documented(app, api("PATCH", "/users/eng1", "admin", json={
        "display_name": "张三（新）", "supervisor": "mgr2", "bonus_base": 5000, "active": False,
        "email": "zhang@example.com", "early_confirmation_month": "2026-03"}))
    assert body == {"username": "eng1", "display_name": "张三（新）", "role": "engineer", "supervisor": "mgr2",
                    "department": None, "hire_date": "2020-01-01", "bonus_base": 5000, "email": "zhang@example.com",
                    "active": False, "early_confirmation_month": "2026-03"}


def test_admin_changes_a_password(api, team, client):
    api("PATCH", "/users/eng1", "admin", json={"password": "another-pass-2"})
    assert client.post("/api/v1/auth/token", json={"username": "eng1", "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "eng1", "password": "another-pass-2"}).status_code == 200


@pytest.mark.parametrize("change, field", [
    ({"supervisor": "eng1"}, "supervisor"),
    ({"bonus_base": "1"}, "bonus_base"),
    ({"early_confirmation_month": "2026-13"}, "early_confirmation_month"),
    ({"early_confirmation_month": "2026-1"}, "early_confirmation_month"),
    ({"username": "eng2"}, "username"),  # taken (a free one renames the user: see below)
    ({"hire_date": None}, "hire_date"),
    ({"active": "no"}, "active"),
])
def test_invalid_change_is_422_and_changes_nothing(api, team, change, field):
    assert_error(api("PATCH", "/users/eng1", "admin", json=change), 422, field)
    assert api("GET", "/users/eng1", "admin").get_json()["supervisor"] == "mgr"


def test_supervisor_loop_is_refused(api, team):
    assert_error(api("PATCH", "/users/gm.wang", "admin", json={"supervisor": "mgr"}), 422, "supervisor")


def test_manager_above_sets_early_confirmation(app, api, team):
    body = documented(app, api("PATCH", "/users/eng1", "mgr", json={"early_confirmation_month": "2026-05"}))
    assert body["early_confirmation_month"] == "2026-05"
    assert documented(app, api("PATCH", "/users/eng1", "mgr",
                               json={"early_confirmation_month": None}))["early_confirmation_month"] is None


@pytest.mark.parametrize("user, path, change", [
    ("mgr", "/users/eng1", {"bonus_base": 9999}),
    ("mgr", "/users/eng1", {"early_confirmation_month": "2026-05", "active": False}),
    ("mgr2", "/users/eng1", {"early_confirmation_month": "2026-05"}),
    ("mgr", "/users/mgr2", {"early_confirmation_month": "2026-05"}),
    ("eng1", "/users/eng1", {"early_confirmation_month": "2026-05"}),
    ("gm.wang", "/users/eng1", {"display_name": "x"}),
    ("office", "/users/eng1", {"display_name": "x"}),
])
def test_others_may_not_change_users(api, team, user, path, change):
    assert_error(api("PATCH", path, user, json=change), 403)
    body = api("GET", path, "admin").get_json()
    assert body["early_confirmation_month"] is None and body["active"] is True
    assert body["bonus_base"] == 1000


@pytest.mark.parametrize("path, status", [
    ("/users/nobody", 404), ("/users/AB", 422), ("/users/x", 422), ("/users/" + "a" * 33, 422),
])
def test_bad_or_unknown_username_in_path(api, team, path, status):
    assert_error(api("PATCH", path, "admin", json={"display_name": "x"}), status)
    assert_error(api("GET", path, "admin"), status)


@pytest.mark.parametrize("user, visible", [
    ("eng1", ["eng1"]),
    ("mgr", ["eng1", "eng2", "mgr"]),
    ("mgr2", ["eng3", "mgr2"]),
    ("gm.wang", ["admin", "eng1", "eng2", "eng3", "gm.wang", "mgr", "mgr2", "office"]),
    ("admin", ["admin", "eng1", "eng2", "eng3", "gm.wang", "mgr", "mgr2", "office"]),
    ("office", ["admin", "eng1", "eng2", "eng3", "gm.wang", "mgr", "mgr2", "office"]),
])
def test_user_list_is_limited_to_the_callers_scope(app, api, team, user, visible):
    body = documented(app, api("GET", "/users", user))
    assert [u["username"] for u in body["users"]] == visible
    assert all("password" not in u and "password_hash" not in u for u in body["users"])


@pytest.mark.parametrize("user, path, status", [
    ("eng1", "/users/eng1", 200), ("eng1", "/users/eng2", 403), ("mgr", "/users/eng2", 200),
    ("mgr2", "/users/eng2", 403), ("office", "/users/eng3", 200), ("gm.wang", "/users/mgr", 200),
])
def test_reading_one_user_follows_the_scope(app, api, team, user, path, status):
    response = api("GET", path, user)
    if status == 200:
        assert documented(app, response)["username"] == path.rsplit("/", 1)[1]
    else:
        assert_error(response, status)


def test_a_supervisor_with_reports_keeps_a_role_that_may_supervise(api, team):
    """Demoted, mgr would stay the supervisor of eng1 and eng2 as an engineer (whose reviews became peer reviews,
    and whom no manager could reopen); a new user with an engineer as supervisor is refused the same way."""
    assert_error(api("PATCH", "/users/mgr", "admin", json={"role": "engineer"}), 422, "role")
    assert db.session.get(User, team["mgr"].id).role == "manager"
    assert api("PATCH", "/users/mgr", "admin", json={"role": "gm"}).status_code == 200  # still supervises
    for engineer in ("eng1", "eng2"):
        assert api("PATCH", f"/users/{engineer}", "admin", json={"supervisor": "mgr2"}).status_code == 200
    assert api("PATCH", "/users/mgr", "admin", json={"role": "engineer"}).status_code == 200


def test_an_admin_renames_a_user_and_their_photos_follow(app, api, client, team):
    """CONTRACT 10: PATCH takes any field of POST /users, the username too (it was refused as unknown)."""
    order = api("POST", "/work-orders", "office", json={"customer": "旗滨玻璃", "service_type": "维修",
                                                        "reported_at": "2026-11-19T09:00", "engineer": "eng1"})
    order = order.get_json()
    assert api("POST", f"/work-orders/{order['id']}/photos", "eng1", data={"files": [upload("a.jpg", image_bytes())]},
               content_type="multipart/form-data").status_code == 201
    assert_error(api("PATCH", "/users/eng1", "admin", json={"username": "eng2"}), 422, "username")  # taken
    assert_error(api("PATCH", "/users/eng1", "admin", json={"username": "Zhang San"}), 422, "username")
    assert api("PATCH", "/users/eng1", "mgr", json={"username": "zhang.san"}).status_code == 403
    renamed = api("PATCH", "/users/eng1", "admin", json={"username": "zhang.san"})
    assert renamed.status_code == 200 and renamed.get_json()["username"] == "zhang.san"
    assert api("GET", "/users/eng1", "admin").status_code == 404
    assert api("GET", "/users/zhang.san", "admin").get_json()["display_name"] == "张三"
    assert client.post("/api/v1/auth/token", json={"username": "zhang.san", "password": PASSWORD}).status_code == 200
    photo = db.session.scalar(select(Photo))
    assert photo.path.startswith("photos/zhang.san/")
    assert os.path.exists(os.path.join(app.instance_path, photo.path))
    assert not os.path.exists(os.path.join(app.instance_path, "photos", "eng1", order["canonical_name"],
                                           photo.name))


def test_a_renamed_engineers_month_history_follows_them_and_not_whoever_takes_the_old_name(app, api, team):
    """The history of a month is kept by "username/month": a new user given the old name read the previous holder's
    vetoes and reasons as their own, and the renamed engineer's history was empty."""
    assert api("POST", "/itineraries/eng1/2026-10/submit", "eng1").status_code == 200
    assert api("POST", "/itineraries/eng1/2026-10/reopen", "mgr", json={"reason": "补录行程"}).status_code == 200
    assert api("PATCH", "/users/eng1", "admin", json={"username": "zhang.san"}).status_code == 200
    assert api("POST", "/users", "admin", json={"username": "eng1", "password": "long-enough-1",
                                                "display_name": "新张三", "role": "engineer",
                                                "hire_date": "2020-01-01", "supervisor": "mgr"}).status_code == 201
    moved = api("GET", "/scores/2026-10/zhang.san", "gm.wang").get_json()["history"]
    assert [(event["action"], event["detail"]) for event in moved] == [("itinerary.submit", None),
                                                                        ("itinerary.reopen", "补录行程")]
    assert api("GET", "/scores/2026-10/eng1", "gm.wang").get_json()["history"] == []


def test_a_display_name_counts_characters_once_nfc_normalised_and_is_stored_so(app, api, team):
    """40 characters typed with separate accents (60 code points) are 40 characters (CONTRACT 2); 41 are refused."""
    name = "e\u0301" * 20 + "a" * 20
    created = api("POST", "/users", "admin", json={**NEW, "username": "accents", "display_name": name})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["display_name"] == "\u00e9" * 20 + "a" * 20
    assert db.session.scalar(select(User.display_name).where(User.username == "accents")) == "\u00e9" * 20 + "a" * 20
    assert_error(api("POST", "/users", "admin", json={**NEW, "username": "accents2", "display_name": name + "b"}),
                 422, "display_name")
    assert_error(api("PATCH", "/users/accents", "admin", json={"display_name": "b" * 41}), 422, "display_name")


def test_pay_is_shown_only_to_those_who_see_it(api, team):
    """The bonus base the bonus is computed from: the person, a manager above, the gm and the admin; back-office
    (which lists everyone for its pickers) and other engineers read null."""
    def bases(user, path="/users"):
        body = api("GET", path, user).get_json()
        return {row["username"]: row["bonus_base"] for row in body.get("users", [body])}

    everyone = bases("office")
    assert everyone["office"] is not None and all(base is None for name, base in everyone.items() if name != "office")
    assert all(base is not None for base in bases("gm.wang").values())
    assert all(base is not None for base in bases("admin").values())
    team_view = bases("mgr")
    assert set(team_view) == {"mgr", "eng1", "eng2"} and all(base is not None for base in team_view.values())
    assert bases("eng1", "/users/eng1") == {"eng1": 1000}
    assert bases("mgr", "/users/eng2")["eng2"] is not None
    assert bases("office", "/users/eng1") == {"eng1": None}


def test_a_deactivated_manager_cannot_become_a_supervisor_but_one_kept_does_not_block_other_changes(app, api, team):
    """The engineer's reviews, interviews and notices then went to someone who cannot log in, and the approval
    queue waited on them."""
    make = api("POST", "/users", "admin", json={"username": "mgr.old", "password": "abcdefgh12", "display_name": "老主管",
                                                "role": "manager", "hire_date": "2020-01-01"})
    assert make.status_code == 201
    assert api("PATCH", "/users/eng3", "admin", json={"supervisor": "mgr.old"}).status_code == 200
    assert api("PATCH", "/users/eng1", "admin", json={"supervisor": None}).status_code == 200
    db.session.execute(User.__table__.update().where(User.username == "mgr.old").values(active=False))
    db.session.commit()
    response = api("PATCH", "/users/eng1", "admin", json={"supervisor": "mgr.old"})
    assert_error(response, 422, "supervisor")
    assert api("PATCH", "/users/eng3", "admin", json={"display_name": "王五五", "supervisor": "mgr.old"}).status_code == 200


def test_two_supervisor_changes_at_once_never_store_a_loop(live_server, api, team, token):
    """c under d and d under c, sent at the same moment: each found no loop and both were stored (PostgreSQL),
    which took both out of their team and made each "above" the other. One is refused now."""
    from tests.itinerary.test_concurrency import _all_at_once, _send

    headers = token("admin")
    for round_ in range(4):
        names = [f"mgr.c{round_}", f"mgr.d{round_}"]
        for name in names:
            assert api("POST", "/users", "admin", json={"username": name, "password": "abcdefgh12",
                                                        "display_name": name, "role": "manager",
                                                        "hire_date": "2020-01-01", "supervisor": "gm.wang"}
                       ).status_code == 201
        results = _all_at_once(2, lambda n, names=names: _send(
            "PATCH", f"{live_server}/api/v1/users/{names[n]}", headers, {"supervisor": names[1 - n]}))
        assert sorted(status for status, _body in results) == [200, 422], (round_, results)
        db.session.rollback()
        chain = {name: db.session.scalar(select(User.supervisor_id).where(User.username == name)) for name in names}
        ids = {name: db.session.scalar(select(User.id).where(User.username == name)) for name in names}
        assert not (chain[names[0]] == ids[names[1]] and chain[names[1]] == ids[names[0]]), round_


def test_a_manager_sets_an_early_confirmation_for_engineers_below_only(api, team):
    """He could set or clear it for a manager below him too, whom nobody assesses (the score page offers it for
    engineers alone)."""
    made = api("POST", "/users", "admin", json={"username": "mgr.sub", "password": "abcdefgh12", "display_name": "下级主管",
                                                "role": "manager", "hire_date": "2026-05-01", "supervisor": "mgr"})
    assert made.status_code == 201
    assert_error(api("PATCH", "/users/mgr.sub", "mgr", json={"early_confirmation_month": "2026-10"}), 403)
    assert db.session.scalar(select(User.early_confirmation_month).where(User.username == "mgr.sub")) is None


def test_an_admin_is_refused_an_early_confirmation_for_someone_not_an_engineer_too(api, team):
    """The gm and a manager were refused it (403: nobody assesses a manager); an admin's was stored."""
    assert_error(api("PATCH", "/users/mgr", "admin", json={"early_confirmation_month": "2026-10"}), 422,
                 "early_confirmation_month")
    assert db.session.scalar(select(User.early_confirmation_month).where(User.username == "mgr")) is None
    assert api("PATCH", "/users/mgr", "admin", json={"early_confirmation_month": None}).status_code == 200


def test_making_someone_without_a_hire_date_an_engineer_asks_for_the_hire_date(app, api, team):
    """The user form refused an engineer without a hire date; the API made one (never assessed) of a user that
    create-user had made without one."""
    from tracker.auth import services

    services.create_user({"username": "clerk2", "password": "abcdefgh12", "display_name": "文员",
                          "role": "backoffice"})
    db.session.commit()
    assert_error(api("PATCH", "/users/clerk2", "admin", json={"role": "engineer"}), 422, "hire_date")
    assert db.session.scalar(select(User.role).where(User.username == "clerk2")) == "backoffice"
    done = api("PATCH", "/users/clerk2", "admin", json={"role": "engineer", "hire_date": "2026-01-05"})
    assert done.status_code == 200 and done.get_json()["role"] == "engineer"


def test_a_former_engineers_early_confirmation_and_an_engineers_unchanged_role_do_not_stop_a_save(api, team):
    """Both rules above refuse a change only: the user form sends every field, so an engineer made a manager with
    an early confirmation kept, or an engineer create-user made without a hire date, could not be saved at all."""
    from tracker.auth import services

    assert api("PATCH", "/users/eng1", "admin", json={"early_confirmation_month": "2020-06"}).status_code == 200
    assert api("PATCH", "/users/eng1", "admin", json={"role": "manager"}).status_code == 200
    kept = api("PATCH", "/users/eng1", "admin", json={"display_name": "张三丰", "early_confirmation_month": "2020-06"})
    assert kept.status_code == 200, kept.get_json()
    later = api("PATCH", "/users/eng1", "admin", json={"hire_date": "2020-05-01"})  # no longer counts: no check
    assert later.status_code == 200, later.get_json()
    services.create_user({"username": "eng9", "password": "abcdefgh12", "display_name": "新人", "role": "engineer"})
    db.session.commit()
    same = api("PATCH", "/users/eng9", "admin", json={"role": "engineer", "display_name": "新人甲"})
    assert same.status_code == 200, same.get_json()


def test_a_manager_demoted_while_someone_is_put_under_him_at_once_never_leaves_an_engineer_under_an_engineer(
        live_server, api, team, token):
    """Each check alone holds (a supervisor is a manager or the gm; a manager with people under him keeps his
    role); sent at the same moment both went through."""
    from tests.itinerary.test_concurrency import _all_at_once, _send

    headers = token("admin")
    for round_ in range(4):
        name = f"mgr.y{round_}"
        assert api("POST", "/users", "admin", json={"username": name, "password": "abcdefgh12", "display_name": name,
                                                    "role": "manager", "hire_date": "2020-01-01"}).status_code == 201
        sends = [("eng3", {"supervisor": name}), (name, {"role": "engineer"})]
        results = _all_at_once(2, lambda n, sends=sends: _send(
            "PATCH", f"{live_server}/api/v1/users/{sends[n][0]}", headers, sends[n][1]))
        assert sorted(status for status, _body in results) == [200, 422], (round_, results)
        db.session.rollback()
        boss = db.session.scalar(select(User).where(User.username == "eng3")).supervisor
        assert boss is None or boss.role in ("manager", "gm"), round_
        api("PATCH", "/users/eng3", "admin", json={"supervisor": "mgr2"})


@pytest.mark.parametrize("path", ["/scores/2026-11/Eng1", "/itineraries/Eng1/2026-11", "/reviews/2026-11/Eng1",
                                  "/users/Eng1"])
def test_a_path_segment_that_cannot_be_a_username_is_422_on_every_call(api, team, path):
    """GET /scores/{month}/{username} alone answered 404 "no such engineer" where every other call says 422 with the
    username rule."""
    response = api("GET", path, "gm.wang" if not path.startswith("/users") else "admin")
    assert_error(response, 422)
    assert "username" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("field, value, rule", [
    ("username", "pa", "用户名须为 3–32 个字符"), ("hire_date", "2025/03/01", "日期格式须为 YYYY-MM-DD")])
def test_a_value_refused_by_its_pattern_is_told_the_rule(api, team, field, value, rule):
    """The body check said only "格式不正确" (Invalid format) of a two-letter username, while the same name in a path
    was told the rule."""
    error = assert_error(api("POST", "/users", "admin", json={**NEW, field: value}), 422, field)
    assert error["fields"][field].startswith(rule), error
    assert db.session.scalar(select(User).where(User.display_name == "赵六")) is None


def test_a_month_refused_by_its_pattern_is_told_the_rule(api, team):
    error = assert_error(api("PATCH", "/users/eng1", "mgr", json={"early_confirmation_month": "2026-13"}), 422,
                         "early_confirmation_month")
    assert error["fields"]["early_confirmation_month"].startswith("月份须为 YYYY-MM"), error


def test_the_pattern_rule_is_said_in_english(api, team):
    error = assert_error(api("POST", "/users", "admin", json={**NEW, "username": "pa"},
                             headers={"Accept-Language": "en"}), 422, "username")
    assert error["fields"]["username"] == "Usernames must be 3–32 characters of a-z 0-9 _ . - only"
