"""The itinerary web pages: home, month page, trip and expense forms, and who may see or change what."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from tests.conftest import NOW
from tracker.extensions import db
from tracker.itinerary import services
from tracker.itinerary.models import Expense, MonthSubmission, Trip

MONTH = "2026-11"


@pytest.fixture
def filled(team, customers, work_order):
    """eng1: a timed trip with customer and work order, a full-day trip, an expense; eng2: one trip."""
    eng1, eng2 = team["eng1"], team["eng2"]
    rows = {
        "trip": services.save_trip(eng1, eng1, {"date": date(2026, 11, 2), "depart": "08:00", "return": "10:10",
                                                "customer": "旗滨玻璃", "work_order": "WO-1001",
                                                "purpose": "1号机常规保养", "note": "带备件"}, now=NOW),
        "full": services.save_trip(eng1, eng1, {"date": date(2026, 11, 3), "full_day": True, "purpose": "安装调试"},
                                   now=NOW),
        "expense": services.save_expense(eng1, eng1, {"date": date(2026, 11, 2), "category": "transport",
                                                      "amount": "120.50", "work_order": "WO-1001", "note": "高铁"}, now=NOW),
        "other": services.save_trip(eng2, eng2, {"date": date(2026, 11, 2), "full_day": True}, now=NOW),
    }
    services.set_attendance(team["office"], eng1, date(2026, 11, 4), "late", now=NOW)
    db.session.commit()
    return rows


def counts():
    db.session.expire_all()
    return db.session.query(Trip).count(), db.session.query(Expense).count()


# ---- home ----------------------------------------------------------------------------------------

def test_engineer_home_redirects_to_the_current_month(team, web):
    response = web("eng1").get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/itinerary/eng1/{MONTH}")


def test_manager_home_lists_the_team_with_hours_and_state(app, filled, team, web):
    app.config["NOW"] = datetime(2026, 11, 30, 17, 0)  # November's last workday: it can be submitted
    services.submit_month(team["eng2"], team["eng2"], MONTH, now=app.config["NOW"])
    db.session.commit()
    html = web("mgr").get("/").get_data(as_text=True)
    assert 'data-username="eng1"' in html and 'data-username="eng2"' in html
    assert 'data-username="eng3"' not in html  # mgr2's engineer
    assert f"/itinerary/eng1/{MONTH}" in html
    assert "10.0" in html  # eng1: 2.5 + 7.5
    assert "已提交" in html and "未提交" in html
    assert "工程师行程" in html  # the menu entry


@pytest.mark.parametrize("username", ["gm.wang", "office", "admin"])
def test_gm_backoffice_and_admin_see_every_engineer(team, web, username):
    html = web(username).get("/").get_data(as_text=True)
    for engineer in ("eng1", "eng2", "eng3"):
        assert f'data-username="{engineer}"' in html


def test_home_runs_a_fixed_number_of_queries_whatever_the_team_size(filled, team, web, make_user):
    client = web("gm.wang")

    def queries():
        db.session.expire_all()  # the test shares the session with the requests: start each count cold
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = queries()
    for n in range(5):
        engineer = make_user(f"extra{n}", supervisor="mgr")
        services.save_trip(engineer, engineer, {"date": date(2026, 11, 2), "full_day": True}, now=NOW)
    db.session.commit()
    assert queries() == before


def test_the_months_of_an_engineer_made_back_office_stay_readable_and_are_no_longer_changed(filled, team, web,
                                                                                           api):
    """Made back-office, eng1 was still listed for November (he worked it) and his trips were linked from the
    lists and work orders, but his month, workbook and API month answered 404. They are read-only now."""
    assert api("PATCH", "/users/eng1", "admin", json={"role": "backoffice"}).status_code == 200
    for user in ("gm.wang", "office", "mgr"):
        page = web(user).get(f"/itinerary/eng1/{MONTH}")
        assert page.status_code == 200, user
        html = page.get_data(as_text=True)
        assert "1号机常规保养" in html and "添加行程" not in html and "/trips/new" not in html
    assert 'data-username="eng1"' in web("gm.wang").get(f"/?month={MONTH}").get_data(as_text=True)
    assert web("gm.wang").get("/itinerary/eng1/2026.xlsx").status_code == 200
    answer = api("GET", f"/itineraries/eng1/{MONTH}", "gm.wang")
    assert answer.status_code == 200 and answer.get_json()["field_hours"] > 0
    assert api("GET", f"/itineraries/eng1/{MONTH}", "eng2").status_code == 403
    before = counts()
    refused = api("POST", "/trips", "office", json={"engineer": "eng1", "date": "2026-11-05", "full_day": True})
    assert refused.status_code in (403, 422) and counts() == before
    assert api("GET", f"/itineraries/mgr/{MONTH}", "gm.wang").status_code == 404  # never an engineer, no records
    assert web("gm.wang").get(f"/itinerary/mgr/{MONTH}").status_code == 404


def test_home_lists_a_month_for_whom_it_was_worked_not_for_who_is_active_today(team, web, make_user):
    """An engineer who left after October was missing from October's list although she worked it (every other list
    keeps her), and one hired in November was listed for October as 未提交."""
    from tracker.auth.models import User

    left = make_user("left", display_name="离职者", supervisor="mgr")
    services.save_trip(left, left, {"date": date(2026, 10, 12), "full_day": True}, now=NOW)
    left.active = False
    idle = make_user("idle", display_name="闲置者", supervisor="mgr")
    idle.active = False  # left, with nothing in October: not listed
    make_user("newcomer", display_name="新人", supervisor="mgr", hire_date=date(2026, 11, 5))
    db.session.commit()
    october = web("mgr").get("/?month=2026-10").get_data(as_text=True)
    assert 'data-username="left"' in october and "7.5" in october
    assert 'data-username="newcomer"' not in october and 'data-username="idle"' not in october
    november = web("mgr").get("/?month=2026-11").get_data(as_text=True)
    assert 'data-username="newcomer"' in november and 'data-username="left"' not in november
    assert 'data-username="left"' not in web("mgr2").get("/?month=2026-10").get_data(as_text=True)  # not his
    assert db.session.get(User, left.id).active is False


def test_home_takes_another_month(team, web):
    html = web("mgr").get("/?month=2026-10").get_data(as_text=True)
    assert "2026-10" in html and "/itinerary/eng1/2026-10" in html
    assert web("mgr").get("/?month=2026-13").status_code == 422


# ---- the month page ------------------------------------------------------------------------------

def test_month_page_shows_days_trips_expenses_and_totals(filled, web):
    response = web("eng1").get(f"/itinerary/eng1/{MONTH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="day-row kind-') == 30
    for text in ("11月2日", "周一", "工作日", "周末", "出勤", "迟到", "08:00–10:10", "2.5 h", "旗滨玻璃",
                 "WO-1001", "1号机常规保养", "带备件", "全天", "7.5 h", "交通", "¥120.50", "高铁",
                 'id="month-hours">10.0<', 'id="month-expenses">¥120.50<', "未提交", "2026-11-30"):
        assert text in html, text
    assert "/itinerary/eng1/2026-10" in html and "/itinerary/eng1/2026-12" in html
    assert f"/itinerary/trips/{filled['trip'].id}/edit" in html


def test_days_after_today_have_no_attendance_yet_and_a_month_after_today_no_entry_buttons(team, web):
    """December (the clock is at 2026-11-20) offered 添加行程 opening a form dated today, in November, and called
    every workday of it present."""
    client = web("eng1")
    december = client.get("/itinerary/eng1/2026-12").get_data(as_text=True)
    assert "添加行程" not in december and "添加费用" not in december and "att-present" not in december
    november = client.get("/itinerary/eng1/2026-11").get_data(as_text=True)
    assert "添加行程" in november and "添加费用" in november
    day = lambda html, iso: html.split(f'id="d-{iso}"')[1].split('class="day-items"')[0]  # noqa: E731
    assert "att-present" in day(november, "2026-11-20") and "att-present" not in day(november, "2026-11-23")


def test_month_page_marks_official_holidays(team, web):
    html = web("eng1").get("/itinerary/eng1/2026-10").get_data(as_text=True)
    assert "国庆节" in html


def test_a_day_an_admin_changed_shows_the_admins_note(team, web):
    """A weekday an admin made a rest day read 节假日, a Saturday made a workday 调休上班, without the note that
    says why (公司年会, 补班)."""
    from tracker.itinerary import calendar

    calendar.set_day(date(2026, 11, 18), False, "公司年会")
    calendar.set_day(date(2026, 11, 21), True, "<补班>")
    calendar.set_day(date(2026, 11, 28), True)
    db.session.commit()
    html = web("eng1").get("/itinerary/eng1/2026-11").get_data(as_text=True)
    day = re.search(r'id="d-2026-11-18".*?calendar-note">[^<]*<', html, re.S).group(0)
    assert "节假日" in day and day.endswith('calendar-note">公司年会<') and 'id="d-2026-11-19"' not in day
    day = re.search(r'id="d-2026-11-21".*?calendar-note">[^<]*<', html, re.S).group(0)
    assert "调休上班" in day and "&lt;补班&gt;" in day and 'id="d-2026-11-22"' not in day  # escaped, as every text
    assert html.count("calendar-note") == 2


@pytest.mark.parametrize("username", ["mgr", "office", "gm.wang", "admin"])
def test_managers_and_back_office_open_itineraries_in_their_scope(filled, web, username):
    assert web(username).get(f"/itinerary/eng1/{MONTH}").status_code == 200


@pytest.mark.parametrize("username", ["gm.wang", "admin"])
def test_viewers_who_cannot_edit_see_no_edit_buttons(filled, web, username):
    html = web(username).get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    assert "/edit" not in html and "/trips/new" not in html and 'id="submit-month"' not in html


@pytest.mark.parametrize("username, path", [
    ("eng2", f"/itinerary/eng1/{MONTH}"),
    ("eng2", "/itinerary/eng1/2026"),
    ("eng2", "/itinerary/eng1/2026.xlsx"),
    ("eng2", "/itinerary/eng1/trips/new"),
    ("eng2", "/itinerary/eng1/expenses/new"),
    ("mgr2", f"/itinerary/eng1/{MONTH}"),
    ("mgr2", "/itinerary/eng1/2026.xlsx"),
])
def test_others_get_403_on_pages_of_an_itinerary(filled, web, username, path):
    assert web(username).get(path).status_code == 403


def test_an_engineer_cannot_change_or_delete_another_engineers_records(filled, web):
    client = web("eng2")
    trip, expense = filled["trip"], filled["expense"]
    before = counts()
    assert client.get(f"/itinerary/trips/{trip.id}/edit").status_code == 403
    assert client.post(f"/itinerary/trips/{trip.id}/edit",
                       data={"date": "2026-11-05", "full_day": "y"}).status_code == 403
    assert client.post(f"/itinerary/trips/{trip.id}/delete").status_code == 403
    assert client.get(f"/itinerary/expenses/{expense.id}/edit").status_code == 403
    assert client.post(f"/itinerary/expenses/{expense.id}/delete").status_code == 403
    assert client.post("/itinerary/eng1/trips/new", data={"date": "2026-11-05", "full_day": "y"}).status_code == 403
    assert client.post("/itinerary/eng1/expenses/new",
                       data={"date": "2026-11-05", "category": "meals", "amount": "1"}).status_code == 403
    assert client.post("/itinerary/eng1/2026/import", data={}).status_code == 403
    assert counts() == before
    db.session.expire_all()
    assert db.session.get(Trip, trip.id).day == date(2026, 11, 2)


def test_unknown_engineer_and_records_are_404(team, web):
    client = web("mgr")
    assert client.get(f"/itinerary/nobody/{MONTH}").status_code == 404
    assert client.get(f"/itinerary/mgr/{MONTH}").status_code == 404  # not an engineer
    assert client.get("/itinerary/trips/999/edit").status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "abc", "1999-12"])
def test_a_malformed_month_is_refused(team, web, month):
    assert web("eng1").get(f"/itinerary/eng1/{month}").status_code == 422


def test_pages_need_a_login(client, team):
    response = client.get(f"/itinerary/eng1/{MONTH}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- forms: success ------------------------------------------------------------------------------

def test_add_trip_form_is_phone_friendly(team, customers, web):
    html = web("eng1").get("/itinerary/eng1/trips/new?date=2026-11-05").get_data(as_text=True)
    assert 'type="date"' in html and 'value="2026-11-05"' in html
    assert html.count('type="time"') == 2
    assert "form-control-lg" in html
    assert '<option value="旗滨玻璃">' in html


def test_engineer_adds_a_trip_through_the_form(team, customers, work_order, web):
    response = web("eng1").post("/itinerary/eng1/trips/new", data={
        "date": "2026-11-05", "depart": "08:00", "return_time": "10:10", "customer": "旗滨玻璃",
        "work_order": "WO-1001", "purpose": " 维修 ", "note": ""})
    assert response.status_code == 302
    trip = db.session.scalar(select(Trip))
    assert response.headers["Location"].endswith(f"/itinerary/eng1/2026-11#trip-{trip.id}")  # the entry, marked
    assert (trip.hours, trip.customer.name, trip.work_order.number, trip.purpose, trip.note) == (
        Decimal("2.5"), "旗滨玻璃", "WO-1001", " 维修 ", None)  # multi-line text kept as typed


def test_a_line_break_sent_as_cr_lf_counts_once_and_is_stored_as_the_api_stores_it(team, web):
    """Browsers send a textarea's line breaks as CR LF: 401 characters and 99 line breaks are 500 characters, as
    the API counts them (not 599), stored with LF."""
    note = "\r\n".join(["四个字"] * 100) + "x" * 101  # 300 + 101 + 99 line breaks = 500
    response = web("eng1").post("/itinerary/eng1/trips/new", data={"date": "2026-11-05", "full_day": "y",
                                                                    "note": note})
    assert response.status_code == 302
    assert db.session.scalar(select(Trip)).note == note.replace("\r\n", "\n")


def test_a_return_at_00_00_means_midnight(team, web):
    response = web("eng1").post("/itinerary/eng1/trips/new",
                                data={"date": "2026-11-05", "depart": "20:00", "return_time": "00:00"})
    assert response.status_code == 302
    trip = db.session.scalar(select(Trip))
    assert (trip.return_min, trip.hours) == (1440, Decimal("4.0"))


def test_a_whole_day_of_00_00_to_24_00_is_entered_shown_and_saved_again_on_the_form(team, web):
    """The form said a return of 00:00 means 24:00, yet 00:00 to 00:00 was refused, and a trip of 00:00 to 24:00
    stored through the API could not be saved again from its edit page (it shows 00:00 to 00:00)."""
    client = web("eng1")
    response = client.post("/itinerary/eng1/trips/new", data={"date": "2026-11-05", "depart": "00:00",
                                                               "return_time": "00:00"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    trip = db.session.scalar(select(Trip))
    assert (trip.depart_min, trip.return_min) == (0, 1440)
    page = client.get(f"/itinerary/trips/{trip.id}/edit").get_data(as_text=True)
    assert page.count('value="00:00"') == 2
    saved = client.post(f"/itinerary/trips/{trip.id}/edit", data={"date": "2026-11-05", "depart": "00:00",
                                                                   "return_time": "00:00", "note": "夜里抢修"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert (db.session.get(Trip, trip.id).return_min, db.session.get(Trip, trip.id).note) == (1440, "夜里抢修")


def test_work_order_alone_gives_the_customer(team, work_order, web):
    web("eng1").post("/itinerary/eng1/trips/new", data={"date": "2026-11-05", "full_day": "y",
                                                        "work_order": "WO-1001"})
    assert db.session.scalar(select(Trip)).customer.name == "旗滨玻璃"


def test_back_office_and_manager_add_records_for_an_engineer(team, web):
    assert web("office").post("/itinerary/eng1/expenses/new", data={
        "date": "2026-11-05", "category": "lodging", "amount": "300"}).status_code == 302
    assert web("mgr").post("/itinerary/eng1/trips/new", data={
        "date": "2026-11-06", "full_day": "y"}).status_code == 302
    assert counts() == (1, 1)


def test_engineer_edits_and_deletes_a_trip(filled, web):
    client = web("eng1")
    trip = filled["trip"]
    form = client.get(f"/itinerary/trips/{trip.id}/edit").get_data(as_text=True)
    assert 'value="08:00"' in form and 'value="10:10"' in form and "1号机常规保养" in form
    response = client.post(f"/itinerary/trips/{trip.id}/edit", data={
        "date": "2026-11-02", "depart": "08:00", "return_time": "08:31", "customer": "福耀玻璃"})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Trip, trip.id)
    assert (changed.hours, changed.customer.name, changed.work_order) == (Decimal("1.0"), "福耀玻璃", None)
    assert client.post(f"/itinerary/trips/{trip.id}/delete").status_code == 302
    assert counts() == (2, 1)


def test_engineer_edits_and_deletes_an_expense(filled, web):
    client = web("eng1")
    expense = filled["expense"]
    assert 'value="120.50"' in client.get(f"/itinerary/expenses/{expense.id}/edit").get_data(as_text=True)
    assert client.post(f"/itinerary/expenses/{expense.id}/edit", data={
        "date": "2026-11-03", "category": "meals", "amount": "45"}).status_code == 302
    db.session.expire_all()
    assert (db.session.get(Expense, expense.id).amount, db.session.get(Expense, expense.id).category) == (
        Decimal("45.00"), "meals")
    assert client.post(f"/itinerary/expenses/{expense.id}/delete").status_code == 302
    assert counts() == (3, 0)


# ---- forms: bad input answers 4xx and stores nothing ---------------------------------------------

GOOD_TRIP = {"date": "2026-11-05", "depart": "08:00", "return_time": "10:00", "customer": "", "work_order": "",
             "purpose": "", "note": ""}
GOOD_EXPENSE = {"date": "2026-11-05", "category": "meals", "amount": "25.50", "work_order": "", "note": ""}


@pytest.mark.parametrize("change, field", [
    ({"date": ""}, "date"),
    ({"date": "2026-02-30"}, "date"),
    ({"date": "20261105"}, "date"),
    ({"date": "05/11/2026"}, "date"),
    ({"date": "abc"}, "date"),
    ({"date": "2026-11-21"}, "date"),  # tomorrow
    ({"depart": "25:00"}, "depart"),
    ({"depart": "08:61"}, "depart"),
    ({"depart": "ab"}, "depart"),
    ({"depart": "8"}, "depart"),
    ({"depart": ""}, "depart"),
    ({"return_time": ""}, "return_time"),
    ({"return_time": "24:01"}, "return_time"),
    ({"return_time": "07:00"}, "return_time"),  # before departure
    ({"return_time": "08:00"}, "return_time"),  # zero length
    ({"purpose": "事" * 501}, "purpose"),
    ({"note": "x" * 501}, "note"),
    ({"customer": "没有这个客户"}, "customer"),
    ({"work_order": "WO-9999"}, "work_order"),
])
def test_trip_form_refuses_bad_input_and_stores_nothing(team, customers, web, change, field):
    response = web("eng1").post("/itinerary/eng1/trips/new", data={**GOOD_TRIP, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}"' in html and "is-invalid" in html
    assert counts() == (0, 0)


@pytest.mark.parametrize("change, field", [
    ({"amount": "-1"}, "amount"),
    ({"amount": "100000.01"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "1.234"}, "amount"),
    ({"amount": ""}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "Infinity"}, "amount"),
    ({"category": "bogus"}, "category"),
    ({"date": "2026-13-01"}, "date"),
    ({"date": "2027-01-01"}, "date"),
    ({"work_order": "WO-9999"}, "work_order"),
    ({"note": "x" * 501}, "note"),
])
def test_expense_form_refuses_bad_input_and_stores_nothing(team, web, change, field):
    response = web("eng1").post("/itinerary/eng1/expenses/new", data={**GOOD_EXPENSE, **change})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert counts() == (0, 0)


@pytest.mark.parametrize("amount", ["0", "100000", "100000.00", "0.01"])
def test_expense_amounts_at_the_limits_are_accepted(team, web, amount):
    assert web("eng1").post("/itinerary/eng1/expenses/new",
                            data={**GOOD_EXPENSE, "amount": amount}).status_code == 302


def test_overlapping_trip_in_the_form_names_the_other_trip(filled, web):
    response = web("eng1").post("/itinerary/eng1/trips/new",
                                data={**GOOD_TRIP, "date": "2026-11-02", "depart": "09:00", "return_time": "11:00"})
    assert response.status_code == 422
    assert "08:00–10:10" in response.get_data(as_text=True)
    assert counts() == (3, 1)


def test_editing_with_bad_input_leaves_the_trip_unchanged(filled, web):
    trip = filled["trip"]
    response = web("eng1").post(f"/itinerary/trips/{trip.id}/edit",
                                data={**GOOD_TRIP, "date": "2026-11-02", "depart": "12:00", "return_time": "11:00"})
    assert response.status_code == 422
    db.session.expire_all()
    assert (db.session.get(Trip, trip.id).depart_min, db.session.get(Trip, trip.id).return_min) == (480, 610)


def test_forms_carry_a_csrf_token_when_protection_is_on(app_factory, team):
    app = app_factory(WTF_CSRF_ENABLED=True, NOW=datetime(2026, 11, 30, 17, 0))  # November's last workday
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"username": "eng1", "password": "secret-pass-1",
                                       "csrf_token": token}).status_code == 302
    form = client.get("/itinerary/eng1/trips/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    data = {"date": "2026-11-05", "full_day": "y"}
    assert client.post("/itinerary/eng1/trips/new", data=data).status_code == 400
    assert client.post("/itinerary/eng1/trips/new", data={**data, "csrf_token": token}).status_code == 302
    month = client.get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    submit_token = re.search(r'action="/itinerary/eng1/2026-11/submit"[^>]*>\s*<input type="hidden" '
                             r'name="csrf_token" value="([^"]+)"', month).group(1)
    assert client.post(f"/itinerary/eng1/{MONTH}/submit", data={"csrf_token": submit_token}).status_code == 302


def test_a_stale_form_says_so_in_the_users_language_and_a_lost_session_leads_back_to_login(app_factory, team):
    app = app_factory(WTF_CSRF_ENABLED=True, NOW=datetime(2026, 11, 30, 17, 0))
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "eng1", "password": "secret-pass-1", "csrf_token": token})
    form = client.get("/itinerary/eng1/trips/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    data = {"date": "2026-11-05", "full_day": "y"}
    stale = client.post("/itinerary/eng1/trips/new", data={**data, "csrf_token": token + "x"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 400 and "页面已过期" in page and "CSRF" not in page
    client.post("/lang/en", data={"csrf_token": token})
    assert "The page has expired" in client.post("/itinerary/eng1/trips/new",
                                                 data={**data, "csrf_token": "x"}).get_data(as_text=True)
    # the session behind the page has ended (another browser, or logged out elsewhere): log in again, then back
    gone = app.test_client().post("/itinerary/eng1/trips/new", data={**data, "csrf_token": token},
                                  headers={"Referer": "http://localhost/itinerary/eng1/trips/new"})
    assert gone.status_code == 302
    assert gone.headers["Location"].endswith("/login?next=/itinerary/eng1/trips/new")
    assert db.session.scalar(select(func.count()).select_from(Trip)) == 0
    # a form on a refused form's page, shown at its POST-only address: that address is no page to return to (405)
    gone = app.test_client().post("/itinerary/trips/7/delete", data={"csrf_token": token},
                                  headers={"Referer": "http://localhost/itinerary/trips/7/delete"})
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/login")
    # a stale login page (or its language switch) is no lost login: 400, the login form again, no session
    for path, sent in (("/login", {"username": "eng1", "password": "secret-pass-1"}), ("/lang/en", {})):
        fresh = app.test_client()
        refused = fresh.post(path, data={**sent, "csrf_token": "x"})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400 and "页面已过期" in text and "登录已失效" not in text
        assert 'name="password"' in text
        assert fresh.get("/itinerary/eng1/2026-11").status_code == 302  # not logged in


def test_a_month_is_reopened_without_a_reason_on_the_page_as_in_the_api(web, team):
    """The page refused a reopening without a reason ("请填写退回原因") that the API made (CONTRACT 10: no body)."""
    assert web("eng1").post("/itinerary/eng1/2026-10/submit").status_code == 302
    page = web("mgr").get("/itinerary/eng1/2026-10").get_data(as_text=True)
    reason = page.split('id="reason"')[0].rsplit("<textarea", 1)[1] + page.split('id="reason"')[1].split(">", 1)[0]
    assert "required" not in reason  # the browser asked for one before the form was sent
    assert web("mgr").post("/itinerary/eng1/2026-10/reopen", data={"reason": "  "}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MonthSubmission)) == 0


def test_a_reopening_reason_too_long_marks_the_field(web, team):
    assert web("eng1").post("/itinerary/eng1/2026-10/submit").status_code == 302
    page = web("mgr").post("/itinerary/eng1/2026-10/reopen", data={"reason": "理" * 501})
    assert page.status_code == 422 and "请检查标出的栏目" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MonthSubmission)) == 1


@pytest.mark.parametrize("path", ["/itinerary/eng1/9999", "/itinerary/eng1/1999.xlsx", "/itinerary/eng1/2100"])
def test_a_year_page_outside_2000_to_2099_is_422_as_every_year_of_a_path(filled, web, path):
    """/itinerary/eng1/9999 answered 404 ("the year must be between 2000 and 2099") where every other year or
    month of a path out of range is 422."""
    response = web("eng1").get(path)
    assert response.status_code == 422 and "2000–2099" in response.get_data(as_text=True)


def test_the_trip_form_marks_every_field_the_service_refuses_at_once(team, customers, web):
    """A bad customer and an unknown work order: the page marked the customer, and the work order only on the next
    round (the work-order and user forms named every field at once)."""
    html = web("eng1").post("/itinerary/eng1/trips/new", data={
        **GOOD_TRIP, "customer": "没有这个客户", "work_order": "WO-9999"}).get_data(as_text=True)
    assert html.count("is-invalid") == 2 and "没有这个客户" in html and "WO-9999" in html
    assert 'id="customer"' in html.split("is-invalid")[1] or 'id="customer"' in html.split("is-invalid")[0][-300:]
    assert counts() == (0, 0)


def test_the_import_warns_that_records_entered_after_the_download_go(team, web):
    """The import replaces a month by the file's rows: what was entered after the download was deleted without the
    page or its confirmation saying so."""
    html = web("eng1").get("/itinerary/eng1/2026").get_data(as_text=True)
    assert "下载之后在系统中新录入的行程和费用不在文件里，导入会删除它们" in html
    assert 'data-confirm="用文件内容替换未提交月份的行程和费用？下载之后在系统中新录入、文件里没有的记录将被删除。"' in html


@pytest.mark.parametrize("path, data, messages", [
    ("/itinerary/eng1/expenses/new", {**GOOD_EXPENSE, "date": "", "amount": "-5", "work_order": "WO-9999"},
     ("请填写日期", "须在 0 到 100,000 之间", "WO-9999")),
    ("/itinerary/eng1/trips/new", {**GOOD_TRIP, "date": "", "customer": "没有这个客户"}, ("请填写日期", "没有这个客户")),
])
def test_a_field_the_form_refuses_does_not_hide_what_the_service_refuses(team, customers, web, path, data, messages):
    """No date and an amount of -5: the page said the date, and the amount only on the next round (the work-order
    forms name every field at once). Nothing is stored."""
    response = web("eng1").post(path, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in messages:
        assert message in html, message
    assert html.count("is-invalid") == len(messages)
    assert counts() == (0, 0)


def test_a_fields_hint_is_read_with_it_and_stays_beside_its_error(team, customers, web):
    """The hints under a field (返回 00:00 表示当晚 24:00) were named by no aria-describedby, so a screen reader never
    read them, and an error took the hint's place on the screen, just when it was needed."""
    from tests.test_unique_ids import missing_references

    client = web("eng1")
    html = client.get("/itinerary/eng1/trips/new").get_data(as_text=True)
    assert 'aria-describedby="return_time-help"' in html and 'id="return_time-help"' in html
    html = client.post("/itinerary/eng1/trips/new", data={**GOOD_TRIP, "return_time": "25:00"}).get_data(as_text=True)
    assert 'aria-describedby="return_time-error return_time-help"' in html
    assert 'id="return_time-error"' in html and "返回 00:00 表示当晚 24:00" in html
    assert missing_references(html) == []
