"""The back-office attendance grid: engineers in scope × workdays, exceptions recorded through the service."""

import re
from datetime import date

import pytest
from sqlalchemy import event, select

from tests.conftest import login
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary.models import Attendance


def cell(username, day):
    return f"att:{username}:{day}"


def stored(username_to_id, username, day):
    db.session.expire_all()
    return db.session.scalar(select(Attendance.status).where(
        Attendance.engineer_id == username_to_id[username].id, Attendance.day == date.fromisoformat(day)))


def test_the_grid_renders_in_chinese_with_the_engineers_and_statuses(client, team):
    login(client, "office")
    response = client.get("/attendance/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "考勤" in page and "2026年11月" in page
    for text in ("张三", "李四", "王五", "迟到", "早退", "旷工", "事假", "病假", "年假", "出差", "请假"):
        assert text in page
    assert 'name="csrf_token"' in page


def test_the_grid_has_a_column_for_each_workday_only(client, team):
    login(client, "office")
    page = client.get("/attendance/2026-10").get_data(as_text=True)
    days = sorted(set(re.findall(r'name="att:eng1:(\d{4}-\d{2}-\d{2})"', page)))
    expected = [d.isoformat() for d, workday in calendar.workdays_between(date(2026, 10, 1), date(2026, 11, 1)).items()
                if workday]
    assert days == expected
    assert "2026-10-01" not in days and "2026-10-10" in days and "2026-10-11" not in days


def test_recording_an_exception_stores_it_and_counts_it_in_the_totals(client, team):
    login(client, "office")
    response = client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "late",
                                                        cell("eng1", "2026-11-04"): "present",
                                                        cell("eng2", "2026-11-05"): "sick_leave"})
    assert response.status_code == 302
    assert stored(team, "eng1", "2026-11-03") == "late"
    assert stored(team, "eng2", "2026-11-05") == "sick_leave"
    assert stored(team, "eng1", "2026-11-04") is None
    record = db.session.scalar(select(Attendance).where(Attendance.status == "late"))
    assert record.recorded_by_id == team["office"].id
    page = client.get("/attendance/2026-11").get_data(as_text=True)
    assert "已保存 2 项考勤记录" in page
    assert re.search(r'name="att:eng1:2026-11-03"[^>]*>\s*(<option[^>]*>[^<]*</option>\s*)*'
                     r'<option value="late" selected>迟到', page)


def test_the_leave_total_counts_the_leave_that_costs_points_and_annual_leave_its_own(client, team):
    """One sick day and one annual leave day read "请假 2" beside a score that deducted one day (annual leave costs
    nothing, CONTRACT 4)."""
    login(client, "office")
    client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "sick_leave",
                                             cell("eng1", "2026-11-04"): "annual_leave",
                                             cell("eng1", "2026-11-05"): "personal_leave"})
    page = client.get("/attendance/2026-11").get_data(as_text=True)
    row = re.search(r'<tr id="attendance-eng1">(.*?)</tr>', page, re.S).group(1)
    totals = [re.sub(r"<[^>]+>", "", cell_).strip() for cell_ in re.findall(r'<td class="tot num">.*?</td>', row)]
    assert totals == ["", "", "2", "1", ""]  # late, early, 请假 (sick + personal), 年假, absent
    assert "年假（不扣分）" in page


def test_setting_present_clears_an_exception(client, team):
    login(client, "office")
    client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "absent"})
    assert stored(team, "eng1", "2026-11-03") == "absent"
    client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "present"})
    assert stored(team, "eng1", "2026-11-03") is None


@pytest.mark.parametrize("day", ["2026-11-21", "2026-11-22", "2026-10-01", "2026-10-07"])
def test_attendance_on_a_weekend_or_official_holiday_is_refused_with_422(client, team, day):
    login(client, "office")
    workday = "2026-11-03" if day.startswith("2026-11") else "2026-10-12"  # a valid cell of the same month
    response = client.post(f"/attendance/{day[:7]}", data={cell("eng1", workday): "late", cell("eng1", day): "late"})
    assert response.status_code == 422
    assert "不是工作日" in response.get_data(as_text=True)
    assert db.session.scalar(select(Attendance.id)) is None  # nothing stored, not even the valid cell


def test_attendance_on_a_day_an_override_made_a_workday_is_accepted(client, team):
    calendar.set_day(date(2026, 11, 14), True, "加班日")
    db.session.commit()
    login(client, "office")
    assert "att:eng1:2026-11-14" in client.get("/attendance/2026-11").get_data(as_text=True)
    assert client.post("/attendance/2026-11", data={cell("eng1", "2026-11-14"): "late"}).status_code == 302
    assert stored(team, "eng1", "2026-11-14") == "late"


def test_attendance_on_a_day_an_override_made_a_day_off_is_refused(client, team):
    calendar.set_day(date(2026, 11, 23), False, "厂休")
    db.session.commit()
    login(client, "office")
    assert client.post("/attendance/2026-11", data={cell("eng1", "2026-11-23"): "late"}).status_code == 422


@pytest.mark.parametrize("key, value, status", [
    (cell("eng1", "2026-11-03"), "sleeping", 422),
    (cell("eng1", "2026-11-31"), "late", 422),
    ("att:eng1", "late", 422),
    (cell("nobody", "2026-11-03"), "late", 404),
    (cell("mgr", "2026-11-03"), "late", 404),  # not an engineer
    (cell("e\x01ng1", "2026-11-03"), "late", 422),  # said as such, never echoed into the page
])
def test_a_malformed_cell_is_refused_and_nothing_stored(client, team, key, value, status):
    login(client, "office")
    response = client.post("/attendance/2026-11", data={key: value})
    assert response.status_code == status
    assert "\x01" not in response.get_data(as_text=True)
    assert db.session.scalar(select(Attendance.id)) is None


@pytest.mark.parametrize("day, message", [
    ("9999-12-31", "年份须在 2000 到 2099 之间"), ("0001-01-01", "年份须在 2000 到 2099 之间"),
    ("2026-12-01", "2026-12-01 不在 2026-11 内"), ("2026-10-30", "2026-10-30 不在 2026-11 内"),
    ("٢٠٢٦-١١-٠٣", "日期格式须为 YYYY-MM-DD"),
])
def test_a_day_outside_the_grids_month_is_refused_and_nothing_stored(client, team, day, message):
    login(client, "office")
    response = client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "late", cell("eng1", day): "late"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Attendance.id)) is None  # not even the valid cell


def test_a_manager_sees_and_records_only_their_own_engineers(client, team):
    login(client, "mgr")
    page = client.get("/attendance/2026-11").get_data(as_text=True)
    assert "张三" in page and "李四" in page and "王五" not in page
    assert client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "late"}).status_code == 302
    assert client.post("/attendance/2026-11", data={cell("eng3", "2026-11-03"): "late"}).status_code == 403
    assert stored(team, "eng3", "2026-11-03") is None


def test_the_grid_is_forbidden_to_engineers(client, team):
    login(client, "eng1")
    assert client.get("/attendance/").status_code == 403
    assert client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "late"}).status_code == 403


def test_the_gm_sees_everyones_grid_but_records_nothing_in_it(client, team):
    """CONTRACT 2: the gm sees all; recording attendance is back-office's, a manager's and the admin's (§10)."""
    login(client, "office")
    client.post("/attendance/2026-11", data={cell("eng3", "2026-11-04"): "sick_leave"})
    client.post("/logout")
    login(client, "gm.wang")
    page = client.get("/attendance/2026-11").get_data(as_text=True)
    assert "张三" in page and "王五" in page  # both managers' teams
    assert "<select" not in page and "保存" not in page
    assert 'title="病假">病假</td>' in page
    assert 'href="/attendance/"' in client.get("/itinerary/").get_data(as_text=True)  # in the gm's menu
    assert client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "late"}).status_code == 403
    assert stored(team, "eng1", "2026-11-03") is None


def test_the_grid_sends_anonymous_visitors_to_the_login_page(client, team):
    response = client.get("/attendance/2026-11")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "nonsense"])
def test_a_malformed_month_answers_422(client, team, month):
    login(client, "admin")
    assert client.get(f"/attendance/{month}").status_code == 422


def test_the_grid_reads_attendance_with_one_query_whatever_the_number_of_engineers(client, team, make_user):
    for number in range(6):
        make_user(f"extra{number}", supervisor="mgr")
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    login(client, "office")
    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert client.get("/attendance/2026-11").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len([s for s in statements if re.search(r"FROM attendance\b", s)]) == 1


def test_the_grid_form_needs_a_csrf_token(app_factory, team):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": "office", "password": "secret-pass-1", "csrf_token": token})
    page = client.get("/attendance/2026-11").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "late"}).status_code == 400
    assert client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "late",
                                                    "csrf_token": token}).status_code == 302
    assert stored(team, "eng1", "2026-11-03") == "late"


def test_english_cells_are_short_enough_to_read_and_a_legend_spells_them_out(client, team):
    login(client, "office")
    chinese = client.get("/attendance/2026-11").get_data(as_text=True)
    assert ">事假</option>" in chinese and 'id="cell-legend"' not in chinese  # two characters fit
    english = client.get("/attendance/2026-11?lang=en").get_data(as_text=True)
    assert ">Pers.</option>" in english and ">Personal leave</option>" not in english
    assert "Pers. = Personal leave" in english and "Ann. = Annual leave" in english


def _form_of(page):
    """What the browser posts for the grid as loaded: every cell's selected status and the hidden fields."""
    import html

    data = {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="(csrf_token|shown)" value="([^"]*)"', page)}
    for name, options in re.findall(r'<select name="(att:[^"]+)"[^>]*>(.*?)</select>', page, re.S):
        data[name] = re.search(r'<option value="([a-z_]+)" selected', options).group(1) \
            if " selected" in options else "present"
    return data


def test_saving_a_grid_loaded_before_anothers_change_keeps_that_change(client, api, team):
    """The grid posts every cell: saved stale, it set back a sick leave a manager had recorded meanwhile, without a
    word. Only the cells changed on the page are written; one changed on both sides is refused (409)."""
    login(client, "office")
    loaded = _form_of(client.get("/attendance/2026-11").get_data(as_text=True))
    assert api("PUT", "/attendance/eng1/2026-11-02", "mgr", json={"status": "sick_leave"}).status_code == 200
    posted = dict(loaded, **{cell("eng2", "2026-11-03"): "late"})
    assert client.post("/attendance/2026-11", data=posted).status_code == 302
    assert stored(team, "eng1", "2026-11-02") == "sick_leave" and stored(team, "eng2", "2026-11-03") == "late"
    assert "已保存 1 项考勤记录" in client.get("/attendance/2026-11").get_data(as_text=True)
    clash = dict(loaded, **{cell("eng1", "2026-11-02"): "absent", cell("eng2", "2026-11-04"): "late"})
    response = client.post("/attendance/2026-11", data=clash)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "张三 2026-11-02" in page and "已被他人修改" in page
    assert stored(team, "eng1", "2026-11-02") == "sick_leave" and stored(team, "eng2", "2026-11-04") is None
    again = _form_of(page)  # the grid as stored now, the user's own changes kept: saved again, they apply
    assert again[cell("eng1", "2026-11-02")] == "absent" and again[cell("eng2", "2026-11-04")] == "late"
    assert client.post("/attendance/2026-11", data=again).status_code == 302
    assert stored(team, "eng1", "2026-11-02") == "absent" and stored(team, "eng2", "2026-11-04") == "late"


def test_an_unknown_status_is_refused_naming_the_statuses_as_the_api_does(client, api, team):
    """The page said "未知的考勤状态" where the API listed the statuses it takes."""
    login(client, "office")
    response = client.post("/attendance/2026-11", data={cell("eng1", "2026-11-03"): "Late"})
    said = api("PUT", "/attendance/eng1/2026-11-03", "office", json={"status": "Late"}).get_json()["error"]
    assert response.status_code == 422 and said["fields"]["status"] in response.get_data(as_text=True)
    assert db.session.scalar(select(Attendance.id)) is None


def test_the_api_answers_the_id_of_the_exception_it_recorded(api, team):
    """A score names the attendance records that cost points by id, but PUT answered none: a client could not tie a
    deduction to the day it had just recorded."""
    body = api("PUT", "/attendance/eng1/2026-11-02", "office", json={"status": "absent"}).get_json()
    row = db.session.scalar(select(Attendance).where(Attendance.day == date(2026, 11, 2)))
    assert body == {"username": "eng1", "date": "2026-11-02", "status": "absent", "id": row.id}
    assert api("PUT", "/attendance/eng1/2026-11-02", "office", json={"status": "late"}).get_json()["id"] == row.id
    assert api("PUT", "/attendance/eng1/2026-11-02", "office", json={"status": "present"}).get_json()["id"] is None


def test_a_future_days_cell_does_not_offer_what_can_only_have_happened(client, team):
    """The grid offered 迟到/早退/旷工 on days to come: one chosen refused the whole save (the other changes too).
    Leave and business trips may be planned and stay offered."""
    login(client, "office")
    page = client.get("/attendance/2026-11").get_data(as_text=True)  # today is 2026-11-20

    def options(day):
        found = re.search(rf'<select name="{re.escape(cell("eng1", day))}"[^>]*>(.*?)</select>', page, re.S).group(1)
        return {code: "disabled" in attrs for code, attrs in re.findall(r'<option value="([a-z_]+)"([^>]*)>', found)}

    future, past = options("2026-11-23"), options("2026-11-19")
    assert {code for code, off in future.items() if off} == {"late", "early_leave", "absent"}
    assert not any(past.values())


def test_a_record_left_on_a_day_made_a_rest_day_again_can_still_be_cleared(api, team):
    """An override undone leaves the day's record unseen; `present` clears it (it was refused as "not a workday",
    and the record came back were the day made a workday again); any other status there is still refused."""
    calendar.set_day(date(2026, 11, 14), True, "加班日")
    db.session.commit()
    assert api("PUT", "/attendance/eng1/2026-11-14", "office", json={"status": "late"}).status_code == 200
    calendar.clear_day(date(2026, 11, 14))
    db.session.commit()
    assert api("PUT", "/attendance/eng1/2026-11-14", "office", json={"status": "absent"}).status_code == 422
    assert stored(team, "eng1", "2026-11-14") == "late"
    cleared = api("PUT", "/attendance/eng1/2026-11-14", "office", json={"status": "present"})
    assert cleared.status_code == 200, cleared.get_json()
    assert stored(team, "eng1", "2026-11-14") is None
    assert api("PUT", "/attendance/eng1/2026-11-14", "office", json={"status": "present"}).status_code == 422
