"""Names and texts of the longest the rules allow, at phone width in Chromium: they wrap, the page never grows
wider than the screen (a 40-character customer on the work-order page, a link in a trip note, a display name of
40 letters without a space on the team page, the appraisal sheet and the score page)."""

from datetime import date, datetime

import pytest

from tests.e2e.support import log_in
from tracker.auth import services as auth
from tracker.auth.models import User
from tracker.extensions import db
from tracker.itinerary import services as itinerary
from tracker.workorders import services as workorders

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}
CUSTOMER = "中国建材国际工程集团有限公司蚌埠玻璃工业设计研究院华东分院第三事业部玻璃熔窑工段"  # 40 characters


def test_the_longest_names_and_notes_wrap_inside_a_phone_screen(app, live_server, browser, demo_data):
    now = app.config["NOW"]
    office = db.session.query(User).filter_by(username="office").one()
    zhangsan = db.session.query(User).filter_by(username="zhangsan").one()
    assert len(CUSTOMER) == 40
    order = workorders.create_order(office, {"customer": CUSTOMER, "equipment": "1号机", "service_type": "维修",
                                             "reported_at": datetime(2026, 11, 18, 9), "engineer": "zhangsan"}, now)
    itinerary.save_trip(office, zhangsan, {
        "date": date(2026, 11, 18), "depart": "18:00", "return": "19:00", "purpose": "现场调试",
        "note": "资料见 https://docs.example.com/projects/2026/bengbu/annealing-lehr/commissioning-report-v3.pdf"},
        now=now)
    auth.create_user({"username": "long.name", "password": "long-name-1234", "display_name": "W" * 40,
                      "role": "engineer", "hire_date": date(2020, 1, 1), "supervisor": "mgr.liu"})
    db.session.commit()
    pages = {"office": [f"/work-orders/{order.id}", f"/work-orders/{order.id}/ticket",
                        "/itinerary/zhangsan/2026-11"],
             "mgr.liu": ["/team?month=2026-11", "/sheets/2026-11/long.name", "/scores/2026-11/long.name",
                         "/itinerary/long.name/2026",
                         # a line's record links: a long attendance label beside short work-order numbers
                         *(f"/scores/{month}/{who}" for month in ("2026-09", "2026-10")
                           for who in ("zhangsan", "lisi", "wangqiang", "zhaomin"))]}
    wide = {}
    for username, paths in pages.items():
        context, page = log_in(browser, live_server, username, PHONE)
        for path in paths:
            assert page.goto(live_server + path).status == 200, path
            excess = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if excess > 1:
                wide[path] = excess
        context.close()
    assert not wide, wide


def test_a_long_name_wraps_in_the_team_month_table_so_every_figure_shows_on_a_desktop(app, live_server, browser,
                                                                                       demo_data):
    """A 40-character Chinese name stayed on one line (~570 px): the team month page's last columns were reachable
    only by scrolling the table sideways, at 1280 px."""
    auth.create_user({"username": "long.cn", "password": "long-name-1234", "display_name": "欧阳" + "长" * 38,
                      "role": "engineer", "hire_date": date(2020, 1, 1), "supervisor": "mgr.liu"})
    db.session.commit()
    context, page = log_in(browser, live_server, "mgr.liu", {"width": 1280, "height": 900})
    assert page.goto(live_server + "/scores/2026-11").status == 200
    hidden = page.evaluate("""() => [...document.querySelectorAll('.table-responsive')].map(
        box => box.scrollWidth - box.clientWidth)""")
    context.close()
    assert hidden and max(hidden) <= 1, hidden


def test_a_holidays_name_shows_whole_in_the_english_calendar_on_a_phone(live_server, browser, demo_data):
    """The day cells cut every tag to one line: "National Day" read "Na…" at phone width in English."""
    context, page = log_in(browser, live_server, "admin", PHONE)
    assert page.goto(f"{live_server}/admin/calendar/2026-10?lang=en").status == 200
    names = page.eval_on_selector_all(".cal .tag", """tags => tags.map(tag => [
        tag.textContent.trim(), tag.scrollWidth <= tag.clientWidth && tag.scrollHeight <= tag.clientHeight + 1])""")
    excess = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert "National Day" in [name for name, _whole in names]
    assert all(whole for _name, whole in names), [name for name, whole in names if not whole]
    assert excess <= 1
