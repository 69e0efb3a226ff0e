"""WCAG 2.1 AA on the main pages of each role, audited with axe-core in Chromium at phone width (375 px, the menu
open) and at 1280 px, on the demo data set: no serious or critical violation.

axe-core is vendored in tests/e2e/fixtures (axe.min.js with its licence files, from the npm package); the app never
serves it. Screenshots of every audited page go to the screenshot folder."""

import json
import os

import pytest

from tests.e2e.support import log_in

pytestmark = pytest.mark.e2e
AXE = os.path.join(os.path.dirname(__file__), "fixtures", "axe.min.js")
OPEN, CLOSED = "2026-11", "2026-10"  # NOW is 20 November 2026: October is submitted in the demo data

# role: (demo login, [(name, path)])
PAGES = {
    "engineer": ("zhangsan", [
        ("home", "/"),
        ("month", f"/itinerary/zhangsan/{CLOSED}"),
        ("trip-form", "/itinerary/zhangsan/trips/new?date=2026-11-18"),
        ("expense-form", "/itinerary/zhangsan/expenses/new?date=2026-11-18"),
    ]),
    "backoffice": ("office", [
        ("work-orders", "/work-orders/"),
        ("work-order-form", "/work-orders/new"),
        ("attendance", f"/attendance/{CLOSED}"),
        ("scan", "/work-orders/1/scan"),  # the expected names to copy, in code on the info box
    ]),
    "manager": ("mgr.liu", [
        ("team-month", f"/team?month={CLOSED}"),
        ("score", f"/scores/{CLOSED}/zhangsan"),
        ("leader-review", f"/reviews/{CLOSED}/zhangsan"),
    ]),
    "gm": ("gm.wang", [
        ("approvals", f"/approvals?month={CLOSED}"),
        ("month", f"/scores/{CLOSED}"),
    ]),
    "admin": ("admin", [
        ("users", "/admin/users"),
        ("outbox", "/notifications/outbox"),
        ("calendar", "/admin/calendar?month=2026-11"),  # rest days' numbers on their grey
        ("template-editor", "/admin/templates/engineer_monthly/edit"),
        ("settings", "/admin/settings"),  # a wide <pre> scrolls sideways on a phone: it takes focus to be read
    ]),
    "everyone": ("zhangsan", [
        ("notifications", "/notifications"),
        ("not-found", "/work-orders/999999"),
    ]),
}
WIDTHS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 6).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "")
                                                   .replace(/\\s+/g, " ").slice(0, 300))}));
}"""


def open_menu(page):
    """At phone width the navigation is collapsed: open it as a user would, and wait until it has opened."""
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.locator("#nav.show").wait_for(state="visible")
    page.wait_for_timeout(400)  # Bootstrap's collapse transition (.35 s)
    assert page.locator("#nav .nav-link").first.is_visible()


def audit(page):
    with open(AXE, encoding="utf-8") as handle:
        page.evaluate(handle.read() + "\n;undefined")
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_of_every_role_have_no_serious_accessibility_violation(app, live_server, browser, demo_data,
                                                                         screenshot_dir, width):
    assert os.path.getsize(AXE) < 2_000_000
    # every audited user has an unread notice: the bell's count is visible text its label must hold
    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.notifications import services as notices

    people = db.session.query(User).filter(User.username.in_({name for name, _pages in PAGES.values()})).all()
    notices.notify("month_submitted", people, None, app.config["NOW"], month="2026-10")
    db.session.commit()
    found = {}
    audited = 0
    for role, (username, pages) in PAGES.items():
        context, page = log_in(browser, live_server, username, WIDTHS[width])
        for name, path in pages:
            response = page.goto(live_server + path)
            assert response.status == (404 if name == "not-found" else 200), (role, path, response.status)
            if width == "phone":
                open_menu(page)
            page.screenshot(path=os.path.join(screenshot_dir, f"axe-{width}-{role}-{name}.png"), full_page=True)
            violations = audit(page)
            audited += 1
            if violations:
                found[f"{role} {path} at {width}"] = violations
        context.close()
    assert audited == sum(len(pages) for _, pages in PAGES.values())

    # before logging in: the login page (no menu)
    context = browser.new_context(viewport=WIDTHS[width], locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.screenshot(path=os.path.join(screenshot_dir, f"axe-{width}-login.png"), full_page=True)
    violations = audit(page)
    if violations:
        found[f"/login at {width}"] = violations
    context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_landmarks_of_a_page_have_names_of_their_own(app, live_server, browser, demo_data):
    """Two scrolling tables of the month page were regions named after the page title, and the breadcrumb and the
    main menu two unnamed navigation landmarks (axe landmark-unique): a landmark list of look-alikes."""
    named = "els => els.map(e => e.getAttribute('aria-label'))"
    context, page = log_in(browser, live_server, "mgr.liu", WIDTHS["phone"])
    page.goto(f"{live_server}/scores/{CLOSED}")
    regions = page.eval_on_selector_all("[role=region]", named)
    assert len(regions) >= 2 and len(set(regions)) == len(regions) and all(regions), regions
    context.close()
    context, page = log_in(browser, live_server, "admin", WIDTHS["desktop"])
    for path in ("/admin/settings", "/admin/users/new"):
        page.goto(live_server + path)
        navs = page.eval_on_selector_all("nav", named)
        assert len(navs) >= 2 and all(navs) and len(set(navs)) == len(navs), (path, navs)
    context.close()
