"""The gm on a phone: decide a proposed adjustment and approve the month's score, in Chinese, at 375 px."""

import os

import pytest

from tests.approval.conftest import MONTH
from tests.conftest import PASSWORD
from tests.scores.support import score_of

pytestmark = pytest.mark.e2e


def log_in(page, server, username):
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1


def test_manager_proposes_and_gm_approves_on_a_phone(live_server, phone, team, ready, screenshot_dir):
    page = phone
    log_in(page, live_server, "mgr")
    page.goto(f"{live_server}/scores/{MONTH}/eng1")
    page.click("#propose-adjustment summary")
    page.fill("input[name=adj-points]", "3")
    page.fill("textarea[name=adj-reason]", "主动加班抢修")
    page.click("#adjustment-form [type=submit]")
    page.wait_for_url(f"**/scores/{MONTH}/eng1")
    assert "已提交加减分，等待总经理审批" in page.inner_text("body")
    assert no_sideways_scroll(page)
    page.screenshot(path=os.path.join(screenshot_dir, "approval-manager-phone.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, live_server, "gm.wang")
    page.goto(f"{live_server}/scores/adjustments")
    assert "主动加班抢修" in page.inner_text("body") and no_sideways_scroll(page)
    page.screenshot(path=os.path.join(screenshot_dir, "approval-pending-phone.png"), full_page=True)
    page.click(".pending-adjustment button.btn-success")
    page.wait_for_url("**/scores/adjustments")
    assert "没有待审批的加减分" in page.inner_text("body")

    page.goto(f"{live_server}/scores/{MONTH}/eng1")
    asked = []  # the approval asks first, as the queue's does (only a gm's reopening undoes it)
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#approve-form button")
    page.wait_for_url(f"**/scores/{MONTH}/eng1")
    body = page.inner_text("body")
    assert asked == ["审批此考核结果？审批后不再随数据变化，只能由总经理重新打开。"]
    assert "考核结果已审批" in body and "84.33" in body
    assert no_sideways_scroll(page)
    page.screenshot(path=os.path.join(screenshot_dir, "approval-gm-phone.png"), full_page=True)
    assert score_of(team["eng1"], MONTH).status == "approved"
