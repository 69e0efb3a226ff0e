"""The calendar page: official workdays, admin overrides, and the warning for a year without holiday data."""

from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import login
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.itinerary import calendar

UNCOVERED = 2099  # far beyond any holiday data the chinese-calendar package will ship


@pytest.mark.parametrize("day, kind, expected", [
    (date(2026, 11, 21), "workday", True),   # a Saturday made a workday
    (date(2026, 11, 23), "restday", False),  # a Monday made a day off
    (date(2026, 10, 10), "restday", False),  # the official make-up Saturday after National Day
    (date(2026, 10, 1), "workday", True),    # National Day
])
def test_an_override_changes_is_workday_and_clearing_restores_the_official_day(client, team, day, kind, expected):
    official = calendar.is_workday(day)
    assert official is not expected
    login(client, "admin")
    response = client.post("/admin/calendar", data={"day": day.isoformat(), "kind": kind, "note": "厂庆"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/calendar/{day:%Y-%m}")
    db.session.expire_all()
    assert calendar.is_workday(day) is expected
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject == day.isoformat())) == "calendar.set"
    clear = {"day": day.isoformat(), "kind": "clear"}
    assert client.post(f"/admin/calendar/{day:%Y-%m}", data=clear).status_code == 302
    db.session.expire_all()
    assert calendar.is_workday(day) is official


def test_the_calendar_page_shows_holidays_make_up_days_and_overrides(client, team):
    calendar.set_day(date(2026, 10, 9), False, "厂庆")
    db.session.commit()
    login(client, "admin")
    page = client.get("/admin/calendar/2026-10").get_data(as_text=True)
    assert "2026年10月" in page and "国庆节" in page and "国庆节调休" in page
    assert "厂庆" in page and "override" in page
    # the exception on a line of its own: "Work · Exception" in one line was cut to "Wo…" in a phone's narrow cell
    assert '<span class="tag">休</span>\n            <span class="tag exception">例外</span>' in page
    assert 'id="calendar-warning"' not in page


def test_a_year_without_holiday_data_shows_the_warning(client, team):
    assert not calendar.year_is_covered(UNCOVERED)
    login(client, "admin")
    page = client.get(f"/admin/calendar/{UNCOVERED}-05").get_data(as_text=True)
    assert 'id="calendar-warning"' in page
    assert f"节假日数据未包含 {UNCOVERED} 年" in page and "录入" in page


def test_in_december_every_page_of_the_year_tells_the_admin_of_the_next_years_holidays(app, client, team,
                                                                                       monkeypatch):
    """README: admins are warned on the users, work calendar, attendance and itinerary pages, in December of the next
    year too; the users page alone said it."""
    from datetime import datetime

    monkeypatch.setitem(app.config, "NOW", datetime(UNCOVERED - 1, 12, 10, 10, 0))
    login(client, "admin")
    for path in ("/admin/users", f"/admin/calendar/{UNCOVERED - 1}-12", f"/attendance/{UNCOVERED - 1}-12",
                 f"/itinerary/eng1/{UNCOVERED - 1}-12"):
        page = client.get(path).get_data(as_text=True)
        assert f"节假日数据未包含 {UNCOVERED} 年" in page, path
    page = client.get(f"/admin/calendar/{UNCOVERED - 1}-11").get_data(as_text=True)
    assert f"节假日数据未包含 {UNCOVERED - 1} 年" in page  # a page of another month: its own year's, as every day


@pytest.mark.parametrize("data", [
    {"day": "", "kind": "workday"},
    {"day": "2026-02-30", "kind": "workday"},
    {"day": "2026-11-21", "kind": "sometimes"},
    {"day": "2026-11-21", "kind": "workday", "note": "长" * 101},
])
def test_a_bad_calendar_form_answers_422_and_changes_nothing(client, team, data):
    login(client, "admin")
    assert client.post("/admin/calendar", data=data).status_code == 422
    assert calendar.is_workday(date(2026, 11, 21)) is False


@pytest.mark.parametrize("month", ["2026-13", "26-01", "1999-12"])
def test_a_malformed_calendar_month_answers_422(client, team, month):
    login(client, "admin")
    assert client.get(f"/admin/calendar/{month}").status_code == 422


@pytest.mark.parametrize("username", ["office", "mgr", "gm.wang", "eng1"])
def test_only_admins_change_the_calendar(client, team, username):
    login(client, username)
    assert client.post("/admin/calendar", data={"day": "2026-11-21", "kind": "workday"}).status_code == 403
    assert calendar.is_workday(date(2026, 11, 21)) is False


def test_a_calendar_note_follows_one_rule_through_the_api_the_form_and_the_import(app, api, team):
    """The import took notes of 200 characters into a column of 100 (a 500 on PostgreSQL) and kept them as written
    while the API and the form trimmed them: the service checks it, whichever door it came through."""
    from tracker.errors import Invalid
    from tracker.imports import kinds

    answer = api("PUT", "/calendar/2026-10-10", "admin", json={"workday": True, "note": " 调休上班 "})
    assert answer.status_code == 200 and db.session.get(calendar.CalendarDay, date(2026, 10, 10)).note == " 调休上班 "
    assert api("PUT", "/calendar/2026-10-11", "admin", json={"workday": True, "note": "长" * 101}).status_code == 422
    with pytest.raises(Invalid) as refused:
        kinds.store_calendar(team["admin"], {"date": "2026-10-11", "workday": "是", "note": "长" * 150}, None)
    assert "note" in refused.value.fields
    db.session.rollback()
    assert db.session.get(calendar.CalendarDay, date(2026, 10, 11)) is None


def test_the_audit_log_says_a_calendar_change_in_the_readers_language(client, team):
    """Chinese pages showed "calendar.set 2026-11-23 — day off" and the changed field as a raw False."""
    login(client, "admin")
    client.post("/admin/calendar", data={"day": "2026-11-23", "kind": "restday", "note": "厂庆"})
    html = client.get("/audit/").get_data(as_text=True)
    event = html[html.index("calendar.set"):]
    event = event[:event.index("</table>")]
    assert "— 休息日" in event and "day off" not in event
    assert "<td class=\"text-break\">否</td>" in event and "False" not in event
    client.post("/lang/en")
    event = client.get("/audit/").get_data(as_text=True)
    event = event[event.index("calendar.set"):]
    assert "— Day off" in event[:400]


def test_the_exception_mark_is_short_enough_for_a_phones_day_cell_in_english(client, team):
    """"Exception" was cut to "Ex…" in a day cell of a phone; the page's legend names the mark."""
    calendar.set_day(date(2026, 10, 9), False, None)
    db.session.commit()
    login(client, "admin")
    client.post("/lang/en")
    page = client.get("/admin/calendar/2026-10").get_data(as_text=True)
    assert '<span class="tag exception">Set</span>' in page and "a yellow frame (“Set”) marks an exception" in page


def test_the_warning_turns_into_a_note_once_the_years_holidays_are_entered(client, team):
    """The warning stayed the same after the admin had entered the year's holidays; in December nothing told of the
    next year's; the attendance grid and the itinerary of that year said nothing to the admin."""
    from tests.conftest import NOW

    login(client, "admin")
    assert 'id="calendar-warning"' in client.get(f"/admin/calendar/{UNCOVERED}-05").get_data(as_text=True)
    assert 'id="calendar-warning"' in client.get(f"/attendance/{UNCOVERED}-05").get_data(as_text=True)
    calendar.set_day(date(UNCOVERED, 5, 4), False, "劳动节")  # a Monday made a day off: holidays are being entered
    db.session.commit()
    page = client.get(f"/admin/calendar/{UNCOVERED}-05").get_data(as_text=True)
    assert 'id="calendar-warning"' not in page and f'id="calendar-note-{UNCOVERED}"' in page
    assert "其中 1 个工作日设为休息日" in page
    assert calendar.years_to_warn(NOW.date()) == []  # November 2026: this year is covered
    december = calendar.years_to_warn(date(2026, 12, 1))  # 2027 is not covered either (until the package is)
    assert [note["year"] for note in december] == ([] if calendar.year_is_covered(2027) else [2027])
    assert [note["year"] for note in calendar.years_to_warn(date(UNCOVERED - 1, 12, 1))] == [UNCOVERED - 1, UNCOVERED]


@pytest.mark.parametrize("kind", ["restday", "clear"])
def test_a_calendar_change_says_the_drafts_are_recomputed_within_minutes_and_approved_scores_stay(client, team,
                                                                                                  kind):
    """A change of the calendar marks the drafts of its month and the months before stale for the scheduler; the
    page said only that the day was set, and the scores changed minutes later without a word."""
    login(client, "admin")
    client.post("/admin/calendar", data={"day": "2026-11-23", "kind": "restday"})
    response = client.post("/admin/calendar", data={"day": "2026-11-23", "kind": kind}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2026-11 及之前各月的考核草稿将在几分钟内重新计算；已审批的得分不变" in page
