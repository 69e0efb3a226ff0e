"""Admin user pages: who may open them, and every bad input refused with nothing stored."""

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login
from tracker.audit import AuditEvent
from tracker.auth import services as auth_services
from tracker.auth.models import User
from tracker.extensions import db

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/users/new", "/admin/calendar", "/admin/calendar/2026-10",
               "/admin/settings"]
VALID = {"username": "newbie", "display_name": "新人", "role": "engineer", "supervisor": "mgr",
         "department": "售后服务部", "hire_date": "2026-01-05", "bonus_base": "1000", "email": "newbie@example.com",
         "active": "y", "password": "long-enough-1"}


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("username", ["eng1", "office", "mgr", "gm.wang"])
def test_admin_pages_are_forbidden_to_everyone_but_admins(client, team, url, username):
    login(client, username)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES + ["/admin/customers"])
def test_admin_pages_send_anonymous_visitors_to_the_login_page(client, team, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_opens_every_admin_page(client, team, url):
    login(client, "admin")
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200
    assert "Tracker" in response.get_data(as_text=True)


def test_posting_a_user_as_non_admin_is_forbidden_and_stores_nothing(client, team):
    login(client, "mgr")
    before = user_count()
    assert client.post("/admin/users/new", data=VALID).status_code == 403
    assert user_count() == before


def test_admin_creates_a_user_with_every_field(client, team):
    login(client, "admin")
    response = client.post("/admin/users/new", data=dict(VALID, early_confirmation_month="2026-04"))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert (user.display_name, user.role, user.supervisor.username) == ("新人", "engineer", "mgr")
    assert user.bonus_base == Decimal("1000.00") and user.hire_date.isoformat() == "2026-01-05"
    assert user.early_confirmation_month == "2026-04" and user.active and user.check_password("long-enough-1")


@pytest.mark.parametrize("field, value", [
    ("username", "ab"),
    ("username", "Bad Name"),
    ("username", "a" * 33),
    ("username", ""),
    ("username", "mgr"),  # taken
    ("display_name", ""),
    ("display_name", "名" * 41),
    ("bonus_base", "-1"),
    ("bonus_base", "1000000.01"),
    ("bonus_base", "abc"),
    ("bonus_base", "NaN"),
    ("bonus_base", "Infinity"),
    ("supervisor", "nobody"),
    ("supervisor", "eng1"),
    ("supervisor", "office"),
    ("role", "king"),
    ("role", ""),
    ("hire_date", "2026-02-30"),
    ("email", "not-an-email"),
    ("password", "short"),
    ("password", ""),
    ("early_confirmation_month", "2026-13"),
    ("early_confirmation_month", "March"),
])
def test_creating_a_user_with_bad_input_answers_422_and_stores_nothing(client, team, field, value):
    login(client, "admin")
    before = user_count()
    response = client.post("/admin/users/new", data=dict(VALID, **{field: value}))
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True) or "alert-danger" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user_count() == before


@pytest.mark.parametrize("field", ["username", "display_name", "role", "supervisor", "department", "hire_date",
                                   "bonus_base", "email", "password", "early_confirmation_month"])
@pytest.mark.parametrize("char", ["\x00", "\x85"])
def test_a_control_character_in_any_field_of_the_user_forms_is_refused_on_its_field(client, team, field, char):
    """As the API refuses it (CONTRACT 2), on both forms: a NUL the form refused was still handed to the service,
    which stored it, and PostgreSQL refused the write with a 500."""
    login(client, "admin")
    before = user_count()
    response = client.post("/admin/users/new", data=dict(VALID, **{field: f"a{char}b"}))
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user_count() == before
    if field == "username":
        return  # not on the edit form
    engineer = team["eng1"]
    edit = {**VALID, field: f"a{char}b"}
    del edit["username"]
    response = client.post(f"/admin/users/{engineer.id}", data=edit)
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, engineer.id).department is None


@pytest.mark.parametrize("field, value", [
    ("username", "a" * 32),
    ("username", "a.b-c_9"),
    ("display_name", "名" * 40),
    ("bonus_base", "0"),
    ("bonus_base", "1000000"),
    ("supervisor", ""),
    ("supervisor", "gm.wang"),
])
def test_creating_a_user_at_the_limits_is_accepted(client, team, field, value):
    login(client, "admin")
    data = dict(VALID, **{field: value})
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert db.session.scalar(select(User).where(User.username == data["username"])) is not None


def test_an_engineer_needs_a_hire_date_on_the_page_as_in_the_api(client, team):
    """Without one the engineer would never be assessed; a back-office user or a manager may go without."""
    login(client, "admin")
    before = user_count()
    response = client.post("/admin/users/new", data=dict(VALID, role="engineer", hire_date=""))
    assert response.status_code == 422 and "工程师须填写入职日期" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user_count() == before
    assert client.post("/admin/users/new", data=dict(VALID, role="backoffice", hire_date="")).status_code == 302


def test_an_engineer_create_user_made_without_a_hire_date_can_still_be_saved_and_deactivated(client, team):
    """The page asked every save for the hire date, so such an engineer could not even be deactivated; it is asked
    of a new engineer and of a user made one."""
    from tracker.auth import services

    made = services.create_user({"username": "nodate", "password": "abcdefgh12", "display_name": "无日期",
                                 "role": "engineer"})
    clerk = services.create_user({"username": "clerk2", "password": "abcdefgh12", "display_name": "文员",
                                  "role": "backoffice"})
    db.session.commit()
    login(client, "admin")
    data = {"display_name": "无日期", "role": "engineer", "supervisor": "", "hire_date": ""}  # not active
    assert client.post(f"/admin/users/{made.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, made.id).active is False
    to_engineer = {"display_name": "文员", "role": "engineer", "supervisor": "", "hire_date": "", "active": "y"}
    response = client.post(f"/admin/users/{clerk.id}", data=to_engineer)
    assert response.status_code == 422 and "工程师须填写入职日期" in response.get_data(as_text=True)


def test_a_supervisor_cycle_is_refused(client, team):
    login(client, "admin")
    gm = team["gm"]
    data = {"display_name": gm.display_name, "role": "gm", "supervisor": "mgr", "active": "y"}
    response = client.post(f"/admin/users/{gm.id}", data=data)
    assert response.status_code == 422
    assert "循环" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, gm.id).supervisor_id is None


def test_admin_edits_a_user_and_resets_the_password(client, team):
    login(client, "admin")
    eng = team["eng1"]
    data = {"display_name": "张三丰", "role": "engineer", "supervisor": "mgr2", "department": "二组",
            "hire_date": "2026-06-30", "bonus_base": "2500.5", "email": "", "active": "y",
            "early_confirmation_month": "2026-10", "password": "brand-new-pass"}
    assert client.post(f"/admin/users/{eng.id}", data=data).status_code == 302
    db.session.expire_all()
    eng = db.session.get(User, eng.id)
    assert (eng.display_name, eng.supervisor.username, eng.early_confirmation_month) == ("张三丰", "mgr2", "2026-10")
    assert eng.bonus_base == Decimal("2500.50") and eng.email is None
    assert eng.check_password("brand-new-pass")


def test_an_empty_password_on_the_edit_form_keeps_the_old_one(client, team):
    login(client, "admin")
    eng = team["eng1"]
    data = {"display_name": "张三", "role": "engineer", "supervisor": "mgr", "active": "y", "password": ""}
    assert client.post(f"/admin/users/{eng.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, eng.id).check_password(PASSWORD)


def test_admin_deactivates_a_user_who_then_cannot_log_in(client, team):
    login(client, "admin")
    eng = team["eng2"]
    data = {"display_name": eng.display_name, "role": "engineer", "supervisor": "mgr"}  # "active" unchecked
    assert client.post(f"/admin/users/{eng.id}", data=data).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, eng.id).active
    assert auth_services.authenticate("eng2", PASSWORD) is None


def test_deactivating_names_the_admin_as_who_ended_the_sessions(client, team):
    login(client, "admin")
    eng = team["eng2"]
    client.post(f"/admin/users/{eng.id}", data={"display_name": eng.display_name, "role": "engineer",
                                                 "supervisor": "mgr"})
    ended = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions.end_all"))
    assert ended.subject == "eng2" and ended.actor_id == team["admin"].id  # was "system or anonymous"


def test_a_supervisor_of_active_people_is_not_deactivated_until_they_have_another(client, api, team):
    """As a role change is refused: the engineers would keep a supervisor who can no longer review them."""
    refused = api("PATCH", "/users/mgr", "admin", json={"active": False})
    assert refused.status_code == 422 and "active" in refused.get_json()["error"]["fields"]
    assert db.session.get(User, team["mgr"].id).active
    for engineer in ("eng1", "eng2"):
        assert api("PATCH", f"/users/{engineer}", "admin", json={"supervisor": "mgr2"}).status_code == 200
    assert api("PATCH", "/users/mgr", "admin", json={"active": False}).status_code == 200


def test_the_settings_page_hides_the_database_password(client, team, app, monkeypatch):
    monkeypatch.setitem(app.config, "DATABASE_URL", "postgresql://tracker:S3cretPw@db.internal/tracker")
    login(client, "admin")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "S3cretPw" not in page and "postgresql://tracker:***@db.internal/tracker" in page
    # libpq takes the password as a query parameter too: it showed in clear
    monkeypatch.setitem(app.config, "DATABASE_URL", "postgresql://tracker@db.internal/tracker?password=S3cretPw")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "S3cretPw" not in page and "postgresql://tracker@db.internal/tracker?password=***" in page


def test_the_settings_page_names_the_config_file_this_instance_reads(client, team, app):
    """It said to edit instance/config.py while TRACKER_INSTANCE_PATH put the instance elsewhere (an edit there did
    nothing)."""
    import html
    import os

    login(client, "admin")
    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    assert f"修改请编辑 {os.path.join(app.instance_path, 'config.py')} 或" in page


def test_the_settings_page_shows_values_as_json_has_them_not_as_python_writes_them(client, team, app, monkeypatch):
    """"MAIL_SERVER": "None", "COOKIE_SECURE": "False" and "LANGUAGES": "['zh', 'en']" were Python's words."""
    import json

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    login(client, "admin")
    page = client.get("/admin/settings").get_data(as_text=True)
    shown = json.loads(html.unescape(re.search(r"<pre[^>]*>(.*?)</pre>", page, re.S).group(1)))
    assert shown["MAIL_SERVER"] is None and shown["LANGUAGES"] == ["zh", "en"]
    assert shown["COOKIE_SECURE"] is app.config["COOKIE_SECURE"] and shown["SECRET_KEY"] == "***"


@pytest.mark.parametrize("data", [
    {"display_name": "管理员", "role": "engineer", "active": "y"},
    {"display_name": "管理员", "role": "admin"},
])
def test_an_admin_cannot_lock_themselves_out(client, team, data):
    login(client, "admin")
    assert client.post(f"/admin/users/{team['admin'].id}", data=data).status_code == 422
    db.session.expire_all()
    admin = db.session.get(User, team["admin"].id)
    assert admin.role == "admin" and admin.active


def test_editing_an_unknown_user_is_not_found(client, team):
    login(client, "admin")
    assert client.get("/admin/users/99999").status_code == 404


def test_user_list_filters_by_role_and_active_state(client, team, make_user):
    make_user("gone", display_name="离职员工", supervisor="mgr", active=False)
    login(client, "admin")
    managers = client.get("/admin/users?role=manager").get_data(as_text=True)
    assert "刘主管" in managers and "陈主管" in managers and "张三" not in managers
    inactive = client.get("/admin/users?active=0").get_data(as_text=True)
    assert "离职员工" in inactive and "张三" not in inactive
    active = client.get("/admin/users?active=1").get_data(as_text=True)
    assert "离职员工" not in active and "张三" in active


def test_every_field_at_fault_is_named_at_once(client, api, team):
    """A new user with four faults was refused four times in turn, one field each time."""
    login(client, "admin")
    before = user_count()
    bad = dict(VALID, username="AB", display_name="", password="1", bonus_base="-5")
    page = client.post("/admin/users/new", data=bad).get_data(as_text=True)
    for message in ("用户名须为 3–32 个字符", "必填", "密码须为 8–128 个字符", "绩效奖金基数须在 0 到"):
        assert message in page, message
    answer = api("POST", "/users", "admin", json={"username": "AB", "password": "1", "display_name": "",
                                                  "role": "engineer", "hire_date": "2026-01-05", "bonus_base": -5})
    assert answer.status_code == 422
    assert {"username", "password", "display_name", "bonus_base"} <= set(answer.get_json()["error"]["fields"])
    db.session.expire_all()
    assert user_count() == before


@pytest.mark.parametrize("shape", [dict(hire_date=""), dict(bonus_base="abc"), dict(hire_date="2026-13-45")])
def test_a_field_the_form_refuses_does_not_hide_the_others(client, team, shape):
    """Everything empty marked the hire date only (or a bonus base of abc, the bonus base only): the username,
    display name and password were said once that was fixed. The form's own fault is said once."""
    login(client, "admin")
    before = user_count()
    bad = dict(VALID, username="AB", display_name="", password="1", **shape)
    page = client.post("/admin/users/new", data=bad)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    for message in ("用户名须为 3–32 个字符", "必填", "密码须为 8–128 个字符"):
        assert message in html, message
    if "hire_date" in shape:
        assert html.count("工程师须填写入职日期") + html.count("日期须为 YYYY-MM-DD 格式的有效日期") == 1
    else:
        assert html.count("不是有效的小数") + html.count("须为数字") == 1
    db.session.expire_all()
    assert user_count() == before


@pytest.mark.parametrize("email, status", [("x@", 422), ("@example.com", 422), ("a b@example.com", 422),
                                           ("a@@example.com", 422), ("zhang@example.com", 200), ("ops@tracker", 200),
                                           ("陈立新@例子.中国", 422), ("a,b@example.com", 422), ("a@-x.com", 422),
                                           ("chen@例子.中国", 200), ("a@straße.de", 200), ("a@exa\u200bmple.com", 422),
                                           ("a" * 65 + "@example.com", 422), ("info@München.de", 200),
                                           ("x@CAFÉ.fr", 200), ("x@cafe\u0301.fr", 200)])
def test_an_email_address_has_a_name_an_at_and_a_domain(api, team, email, status):
    """Only an @ was looked for: x@ was stored, and mail to it failed for ever in the outbox."""
    response = api("PATCH", "/users/eng1", "admin", json={"email": email})
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert "email" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("field, value", [("department", "组\u202e"), ("email", "a@b.c\u202e"),
                                          ("department", "d\u2066evil")])
def test_a_department_and_an_email_refuse_bidirectional_overrides_as_names_do(api, team, field, value):
    """Shown beside the person on sheets, lists and the audit log, they reversed the text after them."""
    response = api("PATCH", "/users/eng1", "admin", json={field: value})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
