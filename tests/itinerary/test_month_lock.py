"""Submitting a month locks it; only a manager above or the gm reopens it, and that is logged (CONTRACT 3)."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import NOW
from tracker.audit import AuditEvent
from tracker.errors import Conflict, Forbidden
from tracker.extensions import db
from tracker.itinerary import services
from tracker.itinerary.models import Expense, MonthSubmission, Trip

MONTH = "2026-11"
LAST_WORKDAY = datetime(2026, 11, 30, 17, 0)  # a Monday: November can be submitted from this day on


@pytest.fixture(autouse=True)
def on_the_last_workday(app):
    app.config["NOW"] = LAST_WORKDAY


@pytest.fixture
def trip(team):
    eng = team["eng1"]
    trip = services.save_trip(eng, eng, {"date": date(2026, 11, 2), "depart": "08:00", "return": "10:00"}, now=NOW)
    services.save_expense(eng, eng, {"date": date(2026, 11, 2), "category": "meals", "amount": "30"}, now=NOW)
    db.session.commit()
    return trip


@pytest.fixture
def submitted(team, trip, web):
    client = web("eng1")
    response = client.post(f"/itinerary/eng1/{MONTH}/submit")
    assert response.status_code == 302
    assert services.submission(team["eng1"], MONTH) is not None
    return client


def test_owner_submits_and_the_page_shows_it(submitted):
    page = submitted.get(f"/itinerary/eng1/{MONTH}")
    html = page.get_data(as_text=True)
    assert "已提交" in html
    assert 'id="submit-month"' not in html
    assert "/trips/new" not in html  # no add buttons on a locked month


@pytest.mark.parametrize("method, url, data", [
    ("post", "/itinerary/eng1/trips/new", {"date": "2026-11-03", "depart": "08:00", "return_time": "09:00"}),
    ("post", "/itinerary/eng1/expenses/new", {"date": "2026-11-03", "category": "meals", "amount": "10"}),
])
def test_adding_to_a_submitted_month_is_refused_with_409(submitted, method, url, data):
    before = (db.session.query(Trip).count(), db.session.query(Expense).count())
    response = getattr(submitted, method)(url, data=data)
    assert response.status_code == 409
    assert "已提交" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.query(Trip).count(), db.session.query(Expense).count()) == before


@pytest.mark.parametrize("url, data, typed", [
    ("/itinerary/eng1/trips/new", {"date": "2026-11-03", "depart": "16:00", "return_time": "17:30",
                                   "purpose": "更换主轴轴承"}, '更换主轴轴承</textarea>'),
    ("/itinerary/eng1/expenses/new", {"date": "2026-11-03", "category": "meals", "amount": "88.50",
                                      "note": "午餐"}, 'value="88.50"'),
])
def test_a_new_entry_dated_in_a_submitted_month_keeps_its_form_and_what_was_typed(submitted, url, data, typed):
    """A date mistyped into a submitted month showed the refusal with no form: the times, customer and purpose were
    lost, where every other refusal keeps them to correct."""
    response = submitted.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "已提交" in html
    assert 'name="date"' in html and 'value="2026-11-03"' in html and typed in html
    assert 'id="date-error"' in html  # the date is what to change: the refusal is marked on it, as any other


def test_changing_a_trip_of_a_submitted_month_is_refused_with_409(submitted, trip):
    response = submitted.post(f"/itinerary/trips/{trip.id}/edit",
                              data={"date": "2026-11-02", "depart": "08:00", "return_time": "12:00"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Trip, trip.id).return_min == 600


def test_moving_a_trip_into_a_submitted_month_is_refused(team, web):
    eng = team["eng1"]
    october = services.save_trip(eng, eng, {"date": date(2026, 10, 5), "full_day": True}, now=NOW)
    db.session.commit()
    client = web("eng1")
    assert client.post(f"/itinerary/eng1/{MONTH}/submit").status_code == 302
    response = client.post(f"/itinerary/trips/{october.id}/edit", data={"date": "2026-11-05", "full_day": "y"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Trip, october.id).day == date(2026, 10, 5)


def test_deleting_from_a_submitted_month_is_refused_with_409(submitted, trip):
    expense = db.session.scalar(select(Expense))
    assert submitted.post(f"/itinerary/trips/{trip.id}/delete").status_code == 409
    assert submitted.post(f"/itinerary/expenses/{expense.id}/delete").status_code == 409
    db.session.expire_all()
    assert db.session.get(Trip, trip.id) is not None and db.session.get(Expense, expense.id) is not None


def test_submitting_twice_is_a_conflict(submitted):
    assert submitted.post(f"/itinerary/eng1/{MONTH}/submit").status_code == 409


def test_a_month_not_yet_begun_cannot_be_submitted(team, web):
    assert web("eng1").post("/itinerary/eng1/2026-12/submit").status_code == 409
    assert db.session.query(MonthSubmission).count() == 0


@pytest.mark.parametrize("username", ["mgr", "office", "gm.wang", "eng2"])
def test_only_the_engineer_submits_their_month(team, trip, web, username):
    response = web(username).post(f"/itinerary/eng1/{MONTH}/submit")
    assert response.status_code == 403
    assert db.session.query(MonthSubmission).count() == 0


def test_submit_by_someone_else_is_forbidden_in_the_service(team):
    with pytest.raises(Forbidden):
        services.submit_month(team["mgr"], team["eng1"], MONTH, now=NOW)


@pytest.mark.parametrize("username", ["mgr", "gm.wang"])
def test_manager_above_or_gm_reopens_and_it_is_logged(submitted, team, web, username):
    submitted.post("/logout")
    client = web(username)
    page = client.get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    assert "退回该月" in page
    response = client.post(f"/itinerary/eng1/{MONTH}/reopen", data={"reason": "11月3日行程漏填"})
    assert response.status_code == 302
    db.session.expire_all()
    assert services.submission(team["eng1"], MONTH) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "itinerary.reopen"))
    assert event.actor.username == username
    assert event.subject == f"eng1/{MONTH}" and event.detail == "11月3日行程漏填"
    client.post("/logout")
    engineer = web("eng1")
    # the month's page says who sent it back and why (only the bell did; the page read 未提交)
    page = engineer.get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    who = "刘主管" if username == "mgr" else "王总"
    assert 'id="sent-back"' in page and f"被 {who} 退回" in page and "原因：11月3日行程漏填" in page
    again = engineer.post("/itinerary/eng1/trips/new",
                          data={"date": "2026-11-03", "depart": "08:00", "return_time": "09:00"})
    assert again.status_code == 302
    assert engineer.post(f"/itinerary/eng1/{MONTH}/submit").status_code == 302
    assert 'id="sent-back"' not in engineer.get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)  # submitted again


@pytest.mark.parametrize("username", ["mgr2", "office", "eng1", "eng2", "admin"])
def test_others_cannot_reopen(submitted, team, web, username):
    submitted.post("/logout")
    client = web(username)
    response = client.post(f"/itinerary/eng1/{MONTH}/reopen", data={"reason": "x"})
    assert response.status_code == 403
    assert services.submission(team["eng1"], MONTH) is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "itinerary.reopen")) is None


def test_reopen_by_another_manager_is_forbidden_in_the_service(submitted, team):
    with pytest.raises(Forbidden):
        services.reopen_month(team["mgr2"], team["eng1"], MONTH, "x", now=NOW)


def test_reopen_takes_no_reason_as_the_api_does(submitted, team, web):
    submitted.post("/logout")
    response = web("mgr").post(f"/itinerary/eng1/{MONTH}/reopen", data={"reason": "  "})
    assert response.status_code == 302
    assert services.submission(team["eng1"], MONTH) is None


def test_reopening_an_open_month_is_a_conflict(team, trip, web):
    assert web("mgr").post(f"/itinerary/eng1/{MONTH}/reopen", data={"reason": "x"}).status_code == 409


def test_service_refuses_changes_to_a_submitted_month(team, trip):
    services.submit_month(team["eng1"], team["eng1"], MONTH, now=LAST_WORKDAY)
    db.session.commit()
    with pytest.raises(Conflict):
        services.delete_trip(team["eng1"], trip, now=NOW)
    with pytest.raises(Conflict):
        services.save_expense(team["office"], team["eng1"], {"date": date(2026, 11, 4), "category": "other",
                                                             "amount": "1"}, now=NOW)


# ---- the submit window: from the month's last workday on (CONTRACT 3) ----------------------------------

@pytest.mark.parametrize("now, status", [
    (datetime(2026, 11, 27, 23, 59), 409),  # Friday before: too early
    (datetime(2026, 11, 30, 0, 0), 200),    # the last workday, from its first minute
    (datetime(2026, 12, 1, 9, 0), 200),     # after the month
])
def test_api_submit_opens_on_the_last_workday(app, api, team, now, status):
    app.config["NOW"] = now
    response = api("POST", f"/itineraries/eng1/{MONTH}/submit", "eng1")
    assert response.status_code == status, response.get_json()
    if status == 409:
        error = response.get_json()["error"]
        assert "2026-11-30" in error["message"] and error["first_day"] == "2026-11-30"
        assert db.session.query(MonthSubmission).count() == 0


def test_a_holiday_at_the_month_end_moves_the_first_day_earlier(app, api, team):
    from tracker.itinerary import calendar
    calendar.set_day(date(2026, 11, 30), False)
    db.session.commit()
    app.config["NOW"] = datetime(2026, 11, 27, 10, 0)  # now the month's last workday
    assert api("POST", f"/itineraries/eng1/{MONTH}/submit", "eng1").status_code == 200


def test_before_the_last_workday_the_page_has_no_submit_button_and_names_the_day(app, team, web):
    app.config["NOW"] = datetime(2026, 11, 20, 10, 0)
    html = web("eng1").get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    assert 'id="submit-month"' not in html and "2026-11-30" in html
    app.config["NOW"] = LAST_WORKDAY
    html = web("eng1").get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    assert 'id="submit-month"' in html


def test_a_submitted_month_shows_the_lock_banner_and_no_entry_forms(submitted, trip):
    html = submitted.get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    assert 'id="lock-banner"' in html
    assert "/trips/new" not in html and "/expenses/new" not in html and 'id="submit-month"' not in html


@pytest.mark.parametrize("url", ["/itinerary/eng1/trips/new?date=2026-11-05",
                                 "/itinerary/eng1/expenses/new?date=2026-11-05"])
def test_the_add_url_of_a_locked_month_says_it_is_locked(submitted, url):
    response = submitted.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "lock-banner" in html and "已提交并锁定" in html
    assert 'id="trip-form"' not in html and 'id="expense-form"' not in html


def test_a_month_whose_score_is_approved_says_later_changes_do_not_count(team, trip, web):
    """The itinerary of a month whose score the gm approved tells whoever edits it that trips, expenses and
    attendance changed now are not in the approved result (it said nothing: 97.5 h beside an approved 91.5 h)."""
    from tracker.scores import services as scores
    from tracker.scores.models import Score

    scores.compute_month(MONTH, LAST_WORKDAY)
    db.session.execute(Score.__table__.update().where(Score.__table__.c.engineer_id == team["eng1"].id)
                       .values(status="approved", approved_at=datetime(2026, 11, 30, 18, 0)))
    db.session.commit()
    html = web("eng1").get(f"/itinerary/eng1/{MONTH}").get_data(as_text=True)
    assert 'id="score-approved"' in html and "2026-11-30 18:00" in html and "不计入考核结果" in html
    assert 'id="score-approved"' not in web("eng2").get(f"/itinerary/eng2/{MONTH}").get_data(as_text=True)
