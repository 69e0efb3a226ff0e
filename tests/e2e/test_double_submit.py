"""A form clicked twice on a slow link is posted once (static/tracker.js): the second click stored a second
expense, complaint or work order, and each counted in the month's score."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.e2e.support import sign_in
from tracker.extensions import db
from tracker.itinerary.models import Expense

pytestmark = pytest.mark.e2e


def _expenses(engineer):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Expense).where(Expense.engineer_id == engineer.id))


def test_a_second_click_while_the_answer_is_on_its_way_posts_nothing(live_server, phone, team):
    page = phone
    sign_in(page, live_server, "eng1", PASSWORD)
    page.goto(live_server + "/itinerary/eng1/expenses/new?date=" + date(2026, 11, 18).isoformat())
    page.fill("#amount", "120")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {"offline": False, "latency": 1500, "downloadThroughput": -1,
                                                     "uploadThroughput": -1})
    page.locator("#submit").scroll_into_view_if_needed()
    box = page.locator("#submit").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_navigation(timeout=15000):
        page.mouse.click(x, y)  # the mouse, not a locator: a locator waits for the navigation the first started
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
    page.wait_for_load_state()
    assert _expenses(team["eng1"]) == 1
    assert "/itinerary/eng1/" in page.url

    # back on the form from the history, it may be sent again (a second expense on purpose)
    network.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                     "uploadThroughput": -1})
    page.goto(live_server + "/itinerary/eng1/expenses/new?date=" + date(2026, 11, 18).isoformat())
    page.fill("#amount", "80")
    with page.expect_navigation():
        page.click("#submit")
    assert _expenses(team["eng1"]) == 2
