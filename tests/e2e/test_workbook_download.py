"""The itinerary workbook saved by a real browser imports again, whatever the engineer's display name holds."""

import os

import pytest

from tests.conftest import PASSWORD
from tests.e2e.support import sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("display_name", ["吴/磊:*?", "吴\u200b磊\u00ad\u200e"])
def test_the_workbook_the_browser_saves_imports_again(live_server, browser, make_user, team, tmp_path, display_name):
    """The browser saves `/ : * ?` and invisible (format) characters as "_"; the name the server gives is the name
    the file gets, and the import takes it back (CONTRACT 8)."""
    make_user("wulei", display_name=display_name, supervisor="mgr")
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "wulei", PASSWORD)
    page.goto(live_server + "/itinerary/wulei/2026")
    with page.expect_download() as caught:
        page.click("a[href$='/itinerary/wulei/2026.xlsx']")
    download = caught.value
    shown = page.inner_text("body")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename.startswith("2026年吴_磊") and download.suggested_filename in shown
    page.on("dialog", lambda dialog: dialog.accept())  # "replace the open months?"
    page.set_input_files("input[type=file][name=file]", str(saved))
    with page.expect_navigation():
        page.click("form[action$='/import'] [type=submit]")
    assert "导入完成" in page.inner_text("body"), page.inner_text("body")[:500]
    assert os.path.exists(saved)
    context.close()
