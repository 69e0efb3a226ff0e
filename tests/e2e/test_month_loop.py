"""The monthly loop end to end at 375 px in Chinese: the engineer submits on the month's last workday, the manager
hears of it, writes the leader review (the total appears on the score page), records the interview and proposes +3;
the gm approves the adjustment and the score from the queue; the engineer sees the approved score and is told.
Screenshots of each step go to the screenshot folder."""

import os
from datetime import datetime

import pytest

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.scores import templates_store

pytestmark = pytest.mark.e2e
MONTH = "2026-11"
LAST_WORKDAY = datetime(2026, 11, 30, 17, 0)


def log_in(browser, base, username):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", device_scale_factor=1,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    return context, page


def shot(page, folder, name):
    page.screenshot(path=os.path.join(folder, f"loop-{name}.png"), full_page=True)


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1


def test_a_month_closes_from_the_queues_at_phone_width(app, live_server, browser, team, screenshot_dir):
    app.config["NOW"] = LAST_WORKDAY
    templates_store.sync_presets(LAST_WORKDAY)
    db.session.commit()

    # 1. the engineer submits November on its last workday
    context, page = log_in(browser, live_server, "eng1")
    page.goto(f"{live_server}/itinerary/eng1/trips/new?date=2026-11-27")
    page.check("input[name=full_day]")
    page.fill("textarea[name=purpose]", "1号机常规保养")
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    with page.expect_navigation():
        page.click("#submit-month")
    assert page.locator("#lock-banner").is_visible()
    assert no_sideways_scroll(page)
    shot(page, screenshot_dir, "1-engineer-submitted")
    context.close()

    # 2. the manager sees the notification, writes the leader review: the total is no longer pending
    context, page = log_in(browser, live_server, "mgr")
    assert page.locator("[data-unread]").inner_text() == "1"
    page.goto(live_server + "/notifications")
    assert "张三 提交了 2026-11 的工作行程表" in page.content()
    shot(page, screenshot_dir, "2-manager-notified")
    page.goto(f"{live_server}/scores/{MONTH}/eng1")
    assert page.inner_text(".total") == "待定"
    page.goto(f"{live_server}/reviews/{MONTH}/eng1")
    for code in ("responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement"):
        page.click(f"label[for={code}-4]")  # 4 points each
    shot(page, screenshot_dir, "3-leader-review")
    with page.expect_navigation():
        page.click("#submit")
    page.goto(f"{live_server}/scores/{MONTH}/eng1")
    total_after_review = page.inner_text(".total")
    assert total_after_review != "待定"

    # 3. the interview and +3 proposed on the score page
    page.click("#interview summary")
    page.fill("#interview-notes", "谈了本月的外勤和响应")
    with page.expect_navigation():
        page.click("#interview-form [type=submit]")
    page.click("#propose-adjustment summary")
    page.fill("#adj-points", "3")
    page.fill("#adj-reason", "客户书面表扬")
    with page.expect_navigation():
        page.click("#adjustment-form [type=submit]")
    assert "待审批" in page.content()
    shot(page, screenshot_dir, "4-manager-proposed")
    context.close()

    # 4. the gm approves the adjustment, then the score, from the queue
    context, page = log_in(browser, live_server, "gm.wang")
    page.goto(f"{live_server}/approvals?month={MONTH}")
    row = page.locator("#row-eng1")
    assert "还有待审批的加减分" in row.inner_text()
    shot(page, screenshot_dir, "5-gm-queue")
    with page.expect_navigation():
        row.locator(".pending-adjustment button.btn-success").click()
    row = page.locator("#row-eng1")
    assert "可审批" in row.inner_text()
    assert no_sideways_scroll(page)
    with page.expect_navigation():
        page.click("#approve-selected")
    assert "已审批 1 人" in page.content()
    shot(page, screenshot_dir, "6-gm-approved")
    context.close()

    # 5. the engineer sees the approved score and the notification
    context, page = log_in(browser, live_server, "eng1")
    page.goto(f"{live_server}/scores/{MONTH}/eng1")
    assert "已审批" in page.content()
    approved_total = float(page.inner_text(".total"))
    assert approved_total == pytest.approx(float(total_after_review) + 3, abs=0.011)
    shot(page, screenshot_dir, "7-engineer-approved")
    page.goto(live_server + "/notifications")
    assert "审批了 张三 的 2026-11 考核结果" in page.content()
    shot(page, screenshot_dir, "8-engineer-notified")
    context.close()
