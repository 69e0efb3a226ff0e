"""In Chromium: another site cannot frame Tracker's pages, and no page trips the Content-Security-Policy."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_a_foreign_page_cannot_frame_the_login_or_approval_pages(live_server, browser, team):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "gm.wang")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    # The attacker's page lives on another origin (localhost vs 127.0.0.1) and frames ours.
    foreign = live_server.replace("127.0.0.1", "localhost")
    for path in ("/login", "/scores/2026-10"):
        page.goto(foreign + "/static/tracker.css")  # any page of the other origin will do as the host
        page.set_content(f'<iframe id="victim" src="{live_server}{path}" width="600" height="400"></iframe>')
        page.wait_for_timeout(1500)
        frames = [frame for frame in page.frames if frame != page.main_frame]
        assert frames, "no iframe at all"
        for frame in frames:
            try:
                text = frame.inner_text("body", timeout=1000)
            except Exception:  # the blocked frame has no document of ours
                text = ""
            assert "Tracker" not in text and "登录" not in text, (path, text[:200])
    context.close()


PAGES = ["/itinerary/eng1/2026-11", "/itinerary/eng1/2026", "/attendance/2026-11", "/admin/calendar/2026-11",
         "/admin/users", "/work-orders/", "/scores/2026-10", "/no-such-page"]


def _pages_without_arguments(app):
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/static"))
                  and "logout" not in rule.rule)


def test_no_page_trips_the_content_security_policy(app, live_server, browser, team):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(page.url + ": " + message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    for path in PAGES + _pages_without_arguments(app):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
    assert not violations, violations
    context.close()


def test_the_audit_page_fits_a_phone(live_server, phone, team, client, screenshot_dir):
    import os
    client.post("/api/v1/auth/token", json={"username": "eng1", "password": "wrong"})  # a failed login to show
    page = phone
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "gm.wang")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    page.goto(live_server + "/audit/")
    assert "审计日志" in page.inner_text("h1")
    assert page.locator("[data-kind=login_failed]").count() == 1
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    page.screenshot(path=os.path.join(screenshot_dir, "audit-phone.png"), full_page=True)
