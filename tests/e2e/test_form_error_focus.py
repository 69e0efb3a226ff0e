"""A form sent back with errors: the first bad field has the focus, is marked invalid and is described by its
message, in a real browser (the script that moves the focus is static/tracker.js, deferred, under the CSP)."""

import os

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_the_first_bad_field_takes_the_focus(live_server, phone, team, screenshot_dir):
    page = phone
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")

    page.goto(live_server + "/admin/users/new")
    page.fill("#username", "newbie")
    page.fill("#display_name", "新\x07人")  # a control character: refused by the text rule
    page.fill("#department", "售后\x07服务部")
    page.fill("#password", "long-enough-1")
    with page.expect_navigation():
        page.click("#submit")

    name = page.locator("#display_name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    message = page.locator("#" + name.get_attribute("aria-describedby").split()[-1])
    expect(message).to_be_visible()
    assert message.inner_text().strip()
    # the later bad field is marked too, without the focus; a good one is not marked
    expect(page.locator("#department")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#username")).not_to_have_attribute("aria-invalid", "true")
    page.screenshot(path=os.path.join(screenshot_dir, "form-errors-phone.png"), full_page=True)
