"""The pickers that search as you type (static/pickers.js), in Chromium: the engineer field's suggestions come from
the API, and a search the API refuses leaves no suggestion of an earlier one behind."""

import pytest

from tests.e2e.support import log_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}


def _suggested(page):
    return page.eval_on_selector_all("#engineer-names option", "options => options.map(o => o.value)")


def test_a_refused_search_leaves_no_earlier_suggestion(live_server, browser, demo_data):
    context, page = log_in(browser, live_server, "office", PHONE)
    page.goto(live_server + "/work-orders/")
    field = page.locator("#f-engineer")
    with page.expect_response(lambda r: "/api/v1/users" in r.url and "q=zh" in r.url):
        field.fill("zh")
    page.wait_for_function("document.querySelectorAll('#engineer-names option').length > 0")
    assert "zhangsan" in _suggested(page)
    with page.expect_response(lambda r: "/api/v1/users" in r.url and r.status == 422):
        field.fill("z" * 41)  # longer than a search may be (422)
    page.wait_for_function("document.querySelectorAll('#engineer-names option').length === 0", timeout=5000)
    assert _suggested(page) == []
    context.close()
