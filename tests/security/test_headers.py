"""CONTRACT 11: security headers on every page and answer, cookie flags, no inline script, framing refused."""

import os
import re

import pytest

from tests.conftest import PASSWORD, login

ROOT_TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "templates")

EXPECTED = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def assert_secure_headers(response, path):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name, response.headers.get(name))
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("frame-ancestors") == ["'none'"], (path, csp)
    script = directives.get("script-src", directives.get("default-src"))
    assert script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, (path, csp)
    assert directives.get("default-src") == ["'self'"], (path, csp)


def _plain_get_paths(app):
    """Every GET route of the app that needs no argument (pages, API lists, static-free)."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            paths.add(rule.rule)
    return sorted(paths)


@pytest.mark.parametrize("who", [None, "admin", "eng1", "gm.wang"])
def test_every_page_and_answer_carries_the_security_headers(app, client, team, who):
    if who:
        login(client, who)
    paths = _plain_get_paths(app) + ["/static/tracker.css", "/no-such-page", "/api/v1/no-such-thing",
                                     "/itinerary/eng1/2026-11", "/api/v1/openapi.json"]
    assert len(paths) > 20
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        assert_secure_headers(response, path)


def test_pages_and_answers_are_not_kept_in_the_browsers_cache_static_files_are(app, client, team):
    """A page of someone's hours, scores or pay stayed in the browser's cache after logout (no Cache-Control), for
    the next person at a shared computer to read with the back button or offline."""
    login(client, "eng1")
    token = client.post("/api/v1/auth/token", json={"username": "eng1", "password": PASSWORD}).get_json()["token"]
    for path in ("/", "/itinerary/eng1/2026-11", "/notifications", "/no-such-page"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    answer = client.get("/api/v1/itineraries/eng1/2026-11", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.headers.get("Cache-Control") == "no-store"
    assert "no-store" not in (client.get("/static/tracker.css").headers.get("Cache-Control") or "")


def test_error_and_refused_answers_carry_the_headers_too(client, team):
    login(client, "eng1")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert_secure_headers(response, "/admin/users")
    response = client.post("/api/v1/auth/token", data="{}", content_type="text/plain")
    assert response.status_code == 415
    assert_secure_headers(response, "/api/v1/auth/token")


def test_an_api_401_says_how_to_authenticate(app, client, team):
    """RFC 9110 11.6.1 / RFC 6750 3: a 401 carries WWW-Authenticate naming the scheme (generic HTTP clients and
    proxies read it); a page's redirect to the login form is no 401 and carries none."""
    for response in (client.get("/api/v1/scores/2026-10"),
                     client.get("/api/v1/scores/2026-10", headers={"Authorization": "Bearer not-a-token"}),
                     client.post("/api/v1/auth/token", json={"username": "eng1", "password": "wrong-password"})):
        assert response.status_code == 401
        assert response.headers.get("WWW-Authenticate") == 'Bearer realm="Tracker"'
    page = client.get("/scores/2026-10")
    assert page.status_code == 302 and "WWW-Authenticate" not in page.headers


def _cookies(response):
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.mark.parametrize("secure", [False, True])
def test_session_and_remember_cookies_are_httponly_samesite_lax_and_secure_when_configured(app_factory, team,
                                                                                          secure):
    served = app_factory(COOKIE_SECURE=secure)
    client = served.test_client()
    response = client.post("/login", data={"username": "eng1", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = _cookies(response)
    assert {"session", "remember_token"} <= set(cookies), cookies
    for name in ("session", "remember_token"):
        flags = [part.strip().lower() for part in cookies[name].split(";")]
        assert "httponly" in flags, cookies[name]
        assert "samesite=lax" in flags, cookies[name]
        assert ("secure" in flags) is secure, cookies[name]


@pytest.mark.parametrize("secure", [False, True])
def test_logout_deletes_its_cookies_with_the_same_flags(app_factory, team, secure):
    """Flask-Login deletes the remember cookie without flags of its own: the app's responses add them."""
    served = app_factory(COOKIE_SECURE=secure)
    client = served.test_client()
    client.post("/login", data={"username": "eng1", "password": PASSWORD, "remember": "y"})
    response = client.post("/logout")
    cookies = _cookies(response)
    assert "remember_token" in cookies, cookies
    for header in cookies.values():
        flags = [part.strip().lower() for part in header.split(";")]
        assert "httponly" in flags, header
        assert "samesite=lax" in flags, header
        assert ("secure" in flags) is secure, header


def test_cookie_secure_setting_is_read_from_the_environment(database_url, app, tmp_path, monkeypatch):
    from tests.security.support import production_like_app
    monkeypatch.setenv("TRACKER_COOKIE_SECURE", "true")
    served = production_like_app(database_url, tmp_path / "secure-instance")
    assert served.config["SESSION_COOKIE_SECURE"] is True and served.config["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setenv("TRACKER_COOKIE_SECURE", "false")
    served = production_like_app(database_url, tmp_path / "secure-instance")
    assert served.config["SESSION_COOKIE_SECURE"] is False


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\sstyle\s*=\s*[\"']", re.I), "inline style attribute"),
    (re.compile(r"<style\b", re.I), "inline <style> element"),
]


def test_templates_carry_no_inline_script_handlers_or_styles():
    found = []
    for folder, _dirs, files in os.walk(ROOT_TEMPLATES):
        for name in files:
            if not name.endswith(".html"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            for pattern, what in INLINE:
                for match in pattern.finditer(text):
                    found.append(f"{os.path.relpath(path, ROOT_TEMPLATES)}: {what}: {match.group(0)!r}")
    assert not found, "move these into static/ files (the CSP refuses them):\n" + "\n".join(found)


def test_the_error_page_that_fails_itself_gives_a_plain_page_with_the_headers(database_url, tmp_path):
    """The 500 page showed the user and the menu: when what failed was the user itself (a remember cookie Flask-Login
    could not read), the page failed too and the server answered its bare error without any of the headers."""
    from flask import g

    from tests.conftest import make_app

    app = make_app(database_url, tmp_path / "instance")

    @app.route("/fails-twice")
    def fails_twice():
        g._login_user = object()  # what the error page shows fails as well
        raise RuntimeError("the first failure")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/fails-twice")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "服务器出错了" in response.get_data(as_text=True)
    assert_secure_headers(response, "/fails-twice")


def test_secure_cookies_over_plain_http_say_why_a_login_fails(app_factory, team):
    """With TRACKER_COOKIE_SECURE on, a page opened by http:// never gets its session cookie back, so every login
    was refused as "页面已过期" (a stale form) with no word of the cause; over HTTPS the same login works."""
    served = app_factory(COOKIE_SECURE=True, WTF_CSRF_ENABLED=True)
    for base, status in (("http://localhost", 400), ("https://localhost", 302)):
        client = served.test_client()
        page = client.get("/login", base_url=base).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        if base.startswith("http:"):
            # a browser keeps no Secure cookie an http:// answer sets (the test client would send it back)
            client = served.test_client()
        response = client.post("/login", base_url=base, headers={"Referer": f"{base}/login"},  # HTTPS: checked
                               data={"username": "eng1", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == status, base
        if status == 400:
            text = response.get_data(as_text=True)
            assert "只经 HTTPS 发送" in text and "TRACKER_COOKIE_SECURE" in text
