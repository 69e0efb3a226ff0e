"""An engineer on a phone: log in, add a trip, see the hours by the rules, in Chinese."""

import os

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_engineer_logs_a_trip_on_a_phone_in_chinese(live_server, phone, team, screenshot_dir):
    page = phone
    page.goto(live_server + "/login")
    assert "登录" in page.content()
    page.fill("input[name=username]", "eng1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/itinerary/eng1/2026-11**")
    assert "张三" in page.content()

    page.goto(live_server + "/itinerary/eng1/trips/new?date=2026-11-18")
    page.fill("input[name=date]", "2026-11-18")
    page.fill("input[name=depart]", "09:00")
    page.fill("input[name=return_time]", "11:10")
    page.fill("textarea[name=purpose]", "1号机常规保养")
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/itinerary/eng1/2026-11**")

    day = page.inner_text("#d-2026-11-18")
    assert "1号机常规保养" in day
    assert "2.5" in day  # 2 h 10 min rounds up to 2.5 h
    assert page.inner_text("#d-2026-11-18 .weekday") == "周三"  # 18 November 2026 is a Wednesday
    # Nothing sticks out sideways at phone width, apart from deliberately scrolling tables.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    page.screenshot(path=os.path.join(screenshot_dir, "itinerary-phone.png"), full_page=True)


def _log_in(page, live_server):
    """eng1 through the login form, on its way to the itinerary."""
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "eng1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/itinerary/**")


def test_overlapping_trip_is_explained_on_the_form(live_server, phone, team):
    page = phone
    _log_in(page, live_server)
    for depart, ret in (("09:00", "11:00"), ("10:30", "12:00")):
        page.goto(live_server + "/itinerary/eng1/trips/new")
        page.fill("input[name=date]", "2026-11-18")
        page.fill("input[name=depart]", depart)
        page.fill("input[name=return_time]", ret)
        with page.expect_navigation():
            page.click("input[type=submit], button[type=submit]")
    assert "重叠" in page.inner_text("body")


def test_a_holiday_worked_fits_the_phone_in_english(live_server, phone, team, screenshot_dir):
    """A make-up workday with an attendance badge and a five-figure day total ran 3–32 px past a phone's screen in
    English (its badges could not wrap): the Delete buttons and the day's money were cut off."""
    from datetime import date

    from tests.conftest import NOW
    from tracker.extensions import db
    from tracker.itinerary import services

    eng = team["eng1"]
    services.save_trip(eng, eng, {"date": date(2026, 10, 10), "depart": "08:00", "return": "18:00",
                                  "customer": None, "purpose": "抢修"}, now=NOW)
    services.save_expense(eng, eng, {"date": date(2026, 10, 10), "category": "lodging", "amount": "12345.67"},
                          now=NOW)
    services.set_attendance(team["office"], eng, date(2026, 10, 10), "early_leave", now=NOW)
    db.session.commit()
    page = phone
    _log_in(page, live_server)
    page.goto(live_server + "/itinerary/eng1/2026-10?lang=en")
    assert "Make-up workday" in page.inner_text("#d-2026-10-10")
    page.locator("#d-2026-10-10").screenshot(path=os.path.join(screenshot_dir, "itinerary-phone-holiday-en.png"))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
