"""CONTRACT 11: logout, password and role changes, deactivation and "log out everywhere" end sessions and tokens."""

import pytest
from sqlalchemy import select

from tests.api.support import count
from tests.conftest import PASSWORD
from tests.security.support import signed_session_cookie
from tracker.audit import AuditEvent
from tracker.auth.models import ApiToken, AuthSession, User
from tracker.extensions import db

PAGE = "/itinerary/eng1/2026-11"


def browser_login(app, username="eng1", remember=True):
    """A fresh browser (test client) logged in through the form; returns it and copies of its cookies."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "remember": "y" if remember else ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    cookies = {"session": client.get_cookie("session").value}
    if remember:
        cookies["remember_token"] = client.get_cookie("remember_token").value
    return client, cookies


def with_cookies(app, **cookies):
    """Another browser carrying copied cookies."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def is_logged_in(client, path=PAGE):
    response = client.get(path)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


def bearer(client, username="eng1", password=PASSWORD):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def token_works(client, headers):
    status = client.get("/api/v1/users/eng1", headers=headers).status_code
    assert status in (200, 401), status
    return status == 200


def assert_all_ended(app, cookies, headers):
    assert not is_logged_in(with_cookies(app, session=cookies["session"]))
    assert not is_logged_in(with_cookies(app, remember_token=cookies["remember_token"]))
    assert not is_logged_in(with_cookies(app, **cookies))
    assert not token_works(app.test_client(), headers)


def test_copied_session_and_remember_cookies_work_before_logout(app, team):
    _client, cookies = browser_login(app)
    assert is_logged_in(with_cookies(app, session=cookies["session"]))
    assert is_logged_in(with_cookies(app, remember_token=cookies["remember_token"]))


def test_logout_ends_that_session_even_for_copied_cookies(app, team):
    client, cookies = browser_login(app)
    other_browser, other_cookies = browser_login(app)
    assert client.post("/logout").status_code == 302
    assert not is_logged_in(client)
    assert not is_logged_in(with_cookies(app, session=cookies["session"]))
    assert not is_logged_in(with_cookies(app, remember_token=cookies["remember_token"]))
    assert not is_logged_in(with_cookies(app, **cookies))
    # Only that session ended: the same person's other browser is still logged in.
    assert is_logged_in(other_browser) and is_logged_in(with_cookies(app, **other_cookies))


def test_cookie_signed_with_the_right_key_but_naming_a_user_id_is_refused(app, team):
    forged = signed_session_cookie(app.secret_key, {"_user_id": str(team["admin"].id), "_fresh": True})
    assert not is_logged_in(with_cookies(app, session=forged), "/admin/users")


@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json"])
@pytest.mark.parametrize("cookie", ["abc|é", "é|é", "é"])
def test_a_remember_cookie_that_is_not_ascii_is_no_login_and_no_error(app, team, path, cookie):
    """One whose digest was not ASCII made every request a 500, the login page included (Flask-Login compared it
    with hmac.compare_digest, which raises on such text)."""
    browser = app.test_client(use_cookies=False)  # the header as sent (a cookie jar would replace it)
    response = browser.get(path, headers={"Cookie": f"remember_token={cookie}"})
    assert response.status_code == 200, response.status_code
    response = browser.get("/admin/users", headers={"Cookie": f"remember_token={cookie}"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _change_password(app, admin_client, user, via):
    new = "another-pass-2"
    if via == "web":
        form = {"display_name": user.display_name, "role": user.role, "supervisor": "mgr",
                "hire_date": "2020-01-01", "bonus_base": "1000", "active": "y", "password": new}
        response = admin_client.post(f"/admin/users/{user.id}", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)
    else:
        response = admin_client.patch("/api/v1/users/eng1", json={"password": new},
                                      headers=bearer(admin_client, "admin"))
        assert response.status_code == 200, response.get_json()


def _deactivate(app, admin_client, user, via):
    if via == "web":
        form = {"display_name": user.display_name, "role": user.role, "supervisor": "mgr",
                "hire_date": "2020-01-01", "bonus_base": "1000"}  # the active box left unticked
        response = admin_client.post(f"/admin/users/{user.id}", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)
    else:
        response = admin_client.patch("/api/v1/users/eng1", json={"active": False},
                                      headers=bearer(admin_client, "admin"))
        assert response.status_code == 200, response.get_json()


def _change_role(app, admin_client, user, via):
    if via == "web":
        form = {"display_name": user.display_name, "role": "backoffice", "supervisor": "mgr",
                "hire_date": "2020-01-01", "bonus_base": "1000", "active": "y"}
        response = admin_client.post(f"/admin/users/{user.id}", data=form)
        assert response.status_code == 302, response.get_data(as_text=True)
    else:
        response = admin_client.patch("/api/v1/users/eng1", json={"role": "backoffice"},
                                      headers=bearer(admin_client, "admin"))
        assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("via", ["web", "api"])
@pytest.mark.parametrize("change", [_change_password, _deactivate, _change_role],
                         ids=["password", "deactivation", "role"])
def test_change_ends_every_session_and_token_of_the_user(app, team, change, via):
    _client, cookies = browser_login(app)
    _second, second_cookies = browser_login(app)
    headers = bearer(app.test_client())
    admin_client, _admin_cookies = browser_login(app, "admin")
    assert is_logged_in(with_cookies(app, **cookies)) and token_works(app.test_client(), headers)
    change(app, admin_client, team["eng1"], via)
    db.session.rollback()
    assert_all_ended(app, cookies, headers)
    assert_all_ended(app, second_cookies, headers)
    eng1 = db.session.scalar(select(User).where(User.username == "eng1"))
    assert count(AuthSession) == 1  # the admin's own session is untouched
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == eng1.id)) is None
    assert is_logged_in(admin_client, "/admin/users")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "sessions_ended"))
    assert event is not None and event.subject == "eng1"


def test_changing_other_fields_keeps_the_sessions(app, team):
    _client, cookies = browser_login(app)
    headers = bearer(app.test_client())
    admin = app.test_client()
    response = admin.patch("/api/v1/users/eng1", json={"display_name": "张三丰"}, headers=bearer(admin, "admin"))
    assert response.status_code == 200
    assert is_logged_in(with_cookies(app, **cookies)) and token_works(app.test_client(), headers)


def test_log_out_everywhere_ends_every_session_and_token(app, team):
    client, cookies = browser_login(app)
    _other, other_cookies = browser_login(app)
    headers = bearer(app.test_client())
    response = client.post("/logout/everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert_all_ended(app, cookies, headers)
    assert_all_ended(app, other_cookies, headers)


def test_admin_ends_the_sessions_of_a_user(app, team):
    _client, cookies = browser_login(app)
    headers = bearer(app.test_client())
    admin_client, _ = browser_login(app, "admin")
    response = admin_client.post(f"/admin/users/{team['eng1'].id}/sessions/end")
    assert response.status_code == 302
    assert_all_ended(app, cookies, headers)
    assert is_logged_in(admin_client, "/admin/users")


def test_delete_auth_token_revokes_only_the_token_it_is_called_with(app, client, team):
    first, second = bearer(client), bearer(client)
    response = client.delete("/api/v1/auth/token", headers=first)
    assert response.status_code == 204 and response.get_data() == b""
    assert not token_works(client, first)
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 401
    assert token_works(client, second)


def test_delete_auth_token_without_a_token_is_401(client, team):
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


# ---- PATCH /api/v1/users and the admin page share one service (lock-out rule, audit) -------------------------

@pytest.mark.parametrize("body, field", [({"active": False}, "active"), ({"role": "gm"}, "role")])
def test_admin_cannot_lock_themselves_out_through_the_api(app, client, team, body, field):
    response = client.patch("/api/v1/users/admin", json=body, headers=bearer(client, "admin"))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    db.session.rollback()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    assert admin.active and admin.role == "admin"


def test_api_user_change_is_audited_with_before_and_after_but_no_password(app, client, team):
    response = client.patch("/api/v1/users/eng1", json={"display_name": "张三丰", "password": "another-pass-2"},
                            headers=bearer(client, "admin"))
    assert response.status_code == 200
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "users",
                                                       AuditEvent.kind == "update"))
    assert event.actor.username == "admin"
    assert event.before_values()["display_name"] == "张三" and event.after_values()["display_name"] == "张三丰"
    assert event.after_values()["password_hash"] == "***"
    everything = " ".join(f"{e.subject} {e.detail} {e.before} {e.after}" for e in db.session.scalars(select(AuditEvent)))
    assert "another-pass-2" not in everything and "pbkdf2" not in everything and "scrypt" not in everything


def test_openapi_documents_token_revocation_and_the_login_refusals(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    token = paths["/auth/token"]
    assert "204" in token["delete"]["responses"] and "401" in token["delete"]["responses"]
    assert {"200", "401", "415", "429"} <= set(token["post"]["responses"])
    assert "Retry-After" in token["post"]["responses"]["429"]["headers"]


def test_the_pages_session_reaches_the_api_only_while_it_lives(app, team):
    client, cookies = browser_login(app)
    copy = with_cookies(app, **cookies)
    assert copy.get("/api/v1/users/eng1").status_code == 200
    assert client.delete("/api/v1/auth/token").status_code == 401  # no bearer token to revoke; nothing breaks
    client.post("/logout")
    assert copy.get("/api/v1/users/eng1").status_code == 401
    assert with_cookies(app, remember_token=cookies["remember_token"]).get("/api/v1/users/eng1").status_code == 401


@pytest.mark.parametrize("target", ["/%09x", "/work-orders/%0d%0aSet-Cookie:x=1", "/a%00b"])
def test_a_return_address_with_a_control_character_still_signs_in_and_leads_home(client, team, target):
    """A login link whose next a mail client mangled (a tab, a line break) was refused whole (422), the form too:
    the user could not sign in from it."""
    assert client.get(f"/login?next={target}").status_code == 200
    response = client.post(f"/login?next={target}", data={"username": "eng1", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/login?next=/x&lang=%00").status_code == 422  # the other values are checked as before


@pytest.mark.parametrize("referrer, back_to", [
    ("http://localhost/work-orders/?status=open", "/login?next=/work-orders/?status%3Dopen"),
    ("http://elsewhere.example/work-orders/", "/login"), (None, "/login"),
    # a refused form shown at its POST-only address: that address is no page to return to (405)
    ("http://localhost/itinerary/trips/7/delete", "/login"), ("http://localhost/no-such-page", "/login"),
    ("http://localhost/work-orders", "/login?next=/work-orders")])
def test_a_form_posted_after_the_session_ended_leads_back_to_its_page_once_signed_in(app, team, referrer, back_to):
    """The login led on to the POST-only address the form was sent to (logging out, say): a 405 page said
    "bad request" right after signing in."""
    headers = {"Referer": referrer} if referrer else {}
    gone = app.test_client().post("/logout", headers=headers)
    assert gone.status_code == 302 and gone.headers["Location"] == back_to


NEW_PASSWORD = "a-new-secret-9"


def test_a_user_changes_their_own_password_and_every_session_and_token_ends(app, client, team, token):
    """There was no way for a user to change their own password (only an admin could set it)."""
    other, cookies = browser_login(app)
    bearer = token("eng1")
    page, _cookies = browser_login(app, remember=False)
    assert page.get("/account/password").status_code == 200
    response = page.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                     "repeat": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not is_logged_in(page) and not is_logged_in(other) and not is_logged_in(with_cookies(app, **cookies))
    assert client.get("/api/v1/users/eng1", headers=bearer).status_code == 401
    assert client.post("/login", data={"username": "eng1", "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"username": "eng1", "password": NEW_PASSWORD}).status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions.end_all")) is not None


@pytest.mark.parametrize("form, field, message", [
    ({"current": "wrong-one-1", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}, "current", "当前密码不正确"),
    ({"current": PASSWORD, "new": "short", "repeat": "short"}, "new", "密码须为 8–128 个字符"),
    ({"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD + "x"}, "repeat", "两次输入的新密码不一致"),
    ({"current": "", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}, "current", "请填写当前密码"),
    ({"current": PASSWORD, "new": PASSWORD, "repeat": PASSWORD}, "new", "新密码不能与当前密码相同"),
    ({"current": "café-12345", "new": "cafe\u0301-12345", "repeat": "cafe\u0301-12345"}, "new",
     "新密码不能与当前密码相同")])  # the same to read, decomposed
def test_a_refused_password_change_says_why_on_its_field_and_changes_nothing(app, team, form, field, message):
    page, _cookies = browser_login(app, remember=False)
    before = db.session.scalar(select(User.password_hash).where(User.username == "eng1"))
    response = page.post("/account/password", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html, html
    assert f'id="{field}"' in html and f'id="{field}-error"' in html
    db.session.expire_all()
    assert db.session.scalar(select(User.password_hash).where(User.username == "eng1")) == before
    assert is_logged_in(page)


def test_the_password_page_is_for_signed_in_users_and_linked_from_every_page(app, client, team):
    assert client.get("/account/password").status_code == 302
    page, _cookies = browser_login(app, username="office", remember=False)
    assert 'href="/account/password"' in page.get("/work-orders/").get_data(as_text=True)


def test_guessing_the_current_password_is_throttled_and_audited_as_logins_are(app, team):
    """Wrong current passwords on the password page were neither counted nor logged: a session left open could
    guess the password without limit, then change it and lock its owner out."""
    page, _cookies = browser_login(app, remember=False)
    for _attempt in range(5):
        response = page.post("/account/password", data={"current": "a-wrong-guess", "new": NEW_PASSWORD,
                                                         "repeat": NEW_PASSWORD})
        assert response.status_code == 422
    refused = page.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "eng1")).check_password(PASSWORD)
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failures) == 5 and {event.detail for event in failures} == {"password change"}  # not a sign-in
