"""Draft scores are live (CONTRACT 7): every change a draft reads shows in the next score answer, web and API alike.

Each row of the table changes one kind of record once through the API and once through the web form, then reads
the month's score answer (GET /api/v1/scores/{month}) and finds eng1's row changed, with no compute call between.
Company-wide changes (the calendar) mark the drafts stale for the scheduler instead. Approved scores never move.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import NOW, TESTS_STAMP, login
from tests.scores.support import Records
from tracker import clock
from tracker.extensions import db
from tracker.itinerary.models import Trip
from tracker.scores import live, services as reports, templates_store
from tracker.scores.models import Adjustment, Score
from tracker.reviews.models import CRITERIA

MONTH = "2026-11"
DAY = "2026-11-18"
FIGURES = ("eligible", "quantitative", "qualitative", "adjustments", "vetoed", "total", "grade", "bonus")


@pytest.fixture
def month(app, team):
    """eng1's November: a completed order, a leader review and a computed draft with a total."""
    templates_store.sync_presets(NOW)
    db.session.commit()
    records = Records()
    order = records.order(team["eng1"], datetime(2026, 11, 3, 9), responded=datetime(2026, 11, 3, 9, 30),
                          completed=datetime(2026, 11, 4, 12))
    records.review(team["eng1"], MONTH, team["mgr"], "leader", 4, 4, 4, 4, 4, 4, 4)
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    return {"records": records, "order": order}


def score_answer(client, token):
    """eng1's row of the month's score answer, read as the gm through the API."""
    response = client.get(f"/api/v1/scores/{MONTH}", headers=token("gm.wang"))
    assert response.status_code == 200
    row = next(r for r in response.get_json()["scores"] if r["username"] == "eng1")
    assert row["computed_at"] is not None
    return row


def figures(row):
    return {key: row[key] for key in FIGURES} | {"points": {i["code"]: i["points"] for i in row["indicators"]}}


def _json(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:400])
    return response.get_json() if response.is_json else None


# ---- each kind of change, by API and by web form ------------------------------------------------------
# api(call, ctx) / web(client, ctx); call(method, path, user, json=...) is an API call as that user.

def api_trip(call, ctx):
    _json(call("POST", "/trips", "eng1", json={"date": DAY, "full_day": True}), 201)


def web_trip(client, ctx):
    login(client, "eng1")
    _json(client.post("/itinerary/eng1/trips/new", data={"date": DAY, "full_day": "y"}), 302)


def api_expense(call, ctx):
    _json(call("POST", "/expenses", "eng1", json={"date": DAY, "category": "transport", "amount": 300}), 201)


def web_expense(client, ctx):
    login(client, "eng1")
    _json(client.post("/itinerary/eng1/expenses/new", data={"date": DAY, "category": "transport", "amount": "300"}),
          302)


def api_attendance(call, ctx):
    _json(call("PUT", f"/attendance/eng1/{DAY}", "office", json={"status": "absent"}), 200)


def web_attendance(client, ctx):
    login(client, "office")
    _json(client.post(f"/attendance/{MONTH}", data={f"att:eng1:{DAY}": "absent"}), 302)


ORDER = {"customer": "旗滨玻璃", "service_type": "维修", "reported_at": "2026-11-10T08:00",
         "deadline_at": "2026-11-12T08:00", "engineer": "eng1"}


def api_work_order(call, ctx):
    _json(call("POST", "/work-orders", "office", json=ORDER | {"responded_at": "2026-11-10T08:30"}), 201)


def web_work_order(client, ctx):
    login(client, "office")
    data = ORDER | {"responded_at": "2026-11-10T08:30", "status": "open", "rework": "none", "submitter": "office"}
    _json(client.post("/work-orders/new", data=data), 302)


def api_survey(call, ctx):
    _json(call("POST", f"/work-orders/{ctx['order'].id}/surveys", "office", json={"score": 1}), 201)


def web_survey(client, ctx):
    login(client, "office")
    _json(client.post(f"/work-orders/{ctx['order'].id}/surveys", data={"score": "1", "method": "phone"}), 302)


def api_complaint(call, ctx):
    _json(call("POST", "/complaints", "office", json={"engineer": "eng1", "date": DAY, "upheld": True}), 201)


def web_complaint(client, ctx):
    login(client, "office")
    _json(client.post("/work-orders/complaints/new", data={"engineer": "eng1", "date": DAY, "upheld": "yes",
                                                           "resolution_satisfied": ""}), 302)


def api_review(call, ctx):
    _json(call("PUT", f"/reviews/{MONTH}/eng1", "mgr", json={"ratings": {c: 1 for c in CRITERIA}}), 200)


def web_review(client, ctx):
    login(client, "mgr")
    _json(client.post(f"/reviews/{MONTH}/eng1", data={c: "1" for c in CRITERIA}), 302)


def api_adjustment(call, ctx):
    body = _json(call("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", json={"points": 3, "reason": "表现突出"}), 201)
    _json(call("POST", f"/adjustments/{body['id']}/approve", "gm.wang"), 200)


def web_adjustment(client, ctx):
    login(client, "mgr")
    _json(client.post(f"/scores/{MONTH}/eng1/adjustments", data={"adj-points": "3", "adj-reason": "表现突出"}), 302)
    client.post("/logout")
    login(client, "gm.wang")
    adjustment = db.session.scalar(select(Adjustment))
    _json(client.post(f"/adjustments/{adjustment.id}/approve", data={}), 302)


def api_veto(call, ctx):
    _json(call("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "重大安全事故"}), 200)


def web_veto(client, ctx):
    login(client, "mgr")
    _json(client.post(f"/scores/{MONTH}/eng1/veto", data={"veto-reason": "重大安全事故"}), 302)


def _user_form(**changes):
    return {"display_name": "张三", "role": "engineer", "supervisor": "mgr", "department": "", "hire_date": "2020-01-01",
            "bonus_base": "1000", "email": "", "active": "y", "early_confirmation_month": "", "password": ""} | changes


def web_user(client, ctx, **changes):
    login(client, "admin")
    _json(client.post(f"/admin/users/{ctx['team']['eng1'].id}", data=_user_form(**changes)), 302)


def api_bonus_base(call, ctx):
    _json(call("PATCH", "/users/eng1", "admin", json={"bonus_base": 5000}), 200)


def web_bonus_base(client, ctx):
    web_user(client, ctx, bonus_base="5000")


def api_hire_date(call, ctx):
    _json(call("PATCH", "/users/eng1", "admin", json={"hire_date": "2026-09-01"}), 200)


def web_hire_date(client, ctx):
    web_user(client, ctx, hire_date="2026-09-01")


def recent_hire(ctx):
    """eng1 hired in July: not assessed in November until an early confirmation."""
    ctx["team"]["eng1"].hire_date = date(2026, 7, 1)
    db.session.commit()


def api_early_confirmation(call, ctx):
    _json(call("PATCH", "/users/eng1", "mgr", json={"early_confirmation_month": MONTH}), 200)


def web_early_confirmation(client, ctx):
    web_user(client, ctx, hire_date="2026-07-01", early_confirmation_month=MONTH)


def use(code):
    def setup(ctx):
        ctx["team"]["eng1"].kpi_template = code
        db.session.commit()
    return setup


def api_incident(call, ctx):
    _json(call("POST", "/incidents", "mgr", json={"engineer": "eng1", "date": DAY, "indicator": "work_performance",
                                                   "category": "phone", "amount": 2}), 201)


def web_incident(client, ctx):
    login(client, "mgr")
    _json(client.post(f"/scores/{MONTH}/eng1/incidents",
                      data={"day": DAY, "item": "work_performance:phone", "amount": "2"}), 302)


def api_metric(call, ctx):
    _json(call("POST", "/metrics", "mgr", json={"engineer": "eng1", "month": MONTH, "key": "labour_output",
                                                 "plan": 100, "actual": 50}), 200, 201)


def web_metric(client, ctx):
    login(client, "mgr")
    _json(client.post(f"/scores/{MONTH}/eng1/metrics/labour_output",
                      data={"m-labour_output-plan": "100", "m-labour_output-actual": "50"}), 302)


def api_rating(call, ctx):
    _json(call("POST", "/ratings", "mgr", json={"engineer": "eng1", "month": MONTH, "key": "service_attitude",
                                                 "level": "poor"}), 200, 201)


def web_rating(client, ctx):
    login(client, "mgr")
    _json(client.post(f"/scores/{MONTH}/eng1/ratings/service_attitude",
                      data={"r-service_attitude-level": "poor"}), 302)


CHANGES = {  # kind: (setup or None, api, web)
    "trip": (None, api_trip, web_trip),
    "expense": (None, api_expense, web_expense),
    "attendance": (None, api_attendance, web_attendance),
    "work order": (None, api_work_order, web_work_order),
    "survey": (None, api_survey, web_survey),
    "complaint": (None, api_complaint, web_complaint),
    "review": (None, api_review, web_review),
    "adjustment decided": (None, api_adjustment, web_adjustment),
    "veto": (None, api_veto, web_veto),
    "bonus base": (None, api_bonus_base, web_bonus_base),
    "hire date": (None, api_hire_date, web_hire_date),
    "early confirmation": (recent_hire, api_early_confirmation, web_early_confirmation),
    "incident": (use("service_post_deduction"), api_incident, web_incident),
    "metric entry": (use("repair_technician_monthly"), api_metric, web_metric),
    "rating": (use("service_360"), api_rating, web_rating),
}


@pytest.mark.parametrize("door", ["api", "web"])
@pytest.mark.parametrize("kind", list(CHANGES))
def test_a_change_shows_in_the_score_answer_at_once(app, client, token, api, team, month, kind, door):
    setup, by_api, by_web = CHANGES[kind]
    ctx = month | {"team": team}
    if setup is not None:
        setup(ctx)
    before = figures(score_answer(client, token))
    if door == "api":
        by_api(api, ctx)
    else:
        by_web(client, ctx)
        client.post("/logout")
    after = score_answer(client, token)
    assert after["status"] == "draft" and after["stale"] is False
    assert figures(after) != before, f"{kind} by {door} did not reach the draft"


def test_an_approved_score_does_not_move(client, token, api, team, month):
    api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"})
    _json(api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang"), 200)
    before = score_answer(client, token)
    api_trip(api, month)
    api_attendance(api, month)
    api_complaint(api, month)
    api_bonus_base(api, month)
    after = score_answer(client, token)
    assert after == before and after["status"] == "approved"


HELD = ["trip", "expense", "attendance", "work order", "survey", "complaint"]


@pytest.mark.parametrize("kind", HELD)
def test_a_change_that_reaches_an_approved_month_says_the_approved_score_stays(client, token, api, team, month,
                                                                               kind):
    """The records of an approved month were taken (as they may: the gm may approve before the month is over) but
    the attendance grid and the work-order form said only 已保存 and the API nothing, while the approved score
    showed what the records no longer said: every door now says which approved score stays as it was."""
    _setup, by_api, by_web = CHANGES[kind]
    api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"})
    _json(api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang"), 200)
    before = score_answer(client, token)
    calls = []

    def call(*args, **kwargs):
        calls.append(api(*args, **kwargs))
        return calls[-1]

    by_web(client, month | {"team": team})
    page = client.get("/", follow_redirects=True).get_data(as_text=True)  # the flash shows on the next page
    assert f"张三 {MONTH} 的考核结果已审批：这次修改已保存，但不改变已审批的得分" in page, kind
    if kind == "attendance":  # the same status again would change nothing
        call("PUT", f"/attendance/eng1/{DAY}", "office", json={"status": "late"})
    else:
        by_api(call, month | {"team": team})
    assert calls[-1].headers.get("X-Approved-Scores-Unchanged") == f"eng1/{MONTH}", kind
    client.post("/logout")
    assert score_answer(client, token) == before
    # a change to a draft month says nothing of the kind
    assert "X-Approved-Scores-Unchanged" not in api("POST", "/trips", "eng2", json={
        "date": DAY, "full_day": True}).headers


def test_a_trip_moved_to_another_month_recomputes_both_months(client, token, api, team, month):
    trip_id = _json(api("POST", "/trips", "eng1", json={"date": DAY, "full_day": True}), 201)["id"]
    reports.compute_month("2026-10", NOW)
    db.session.commit()
    october = db.session.scalar(select(Score.quantitative).where(Score.month == "2026-10",
                                                                 Score.engineer_id == team["eng1"].id))
    _json(api("PATCH", f"/trips/{trip_id}", "eng1", json={"date": "2026-10-20"}), 200)
    db.session.expire_all()
    moved = db.session.scalar(select(Score.quantitative).where(Score.month == "2026-10",
                                                               Score.engineer_id == team["eng1"].id))
    assert moved > october
    assert score_answer(client, token)["indicators"][1]["value"] == 0  # November's field hours back to 0


def test_a_calendar_change_marks_the_drafts_stale_until_the_scheduler_recomputes(client, token, api, team, month):
    _json(api("PUT", f"/attendance/eng1/{DAY}", "office", json={"status": "absent"}), 200)
    absent = score_answer(client, token)
    _json(api("PUT", f"/calendar/{DAY}", "admin", json={"workday": False}), 200)
    row = score_answer(client, token)
    assert row["stale"] is True and figures(row) == figures(absent)
    assert _stale_in_lists(api) == {"summary": True, "summary_period": True, "period": True}
    assert live.recompute_stale(NOW) == [MONTH]
    db.session.commit()
    row = score_answer(client, token)
    assert row["stale"] is False
    assert row["quantitative"] > absent["quantitative"]  # the absence is on a day off now: no deduction
    assert _stale_in_lists(api) == {"summary": False, "summary_period": False, "period": False}


def _stale_in_lists(api):
    """eng1's `stale` in the month's summary and the annual lists, which showed the total from before a calendar
    change without saying it awaited the scheduler."""
    def eng1(rows):
        return next(row for row in rows if row["username"] == "eng1")["stale"]

    return {"summary": eng1(_json(api("GET", f"/summaries/{MONTH}", "gm.wang"), 200)["rows"]),
            "summary_period": eng1(_json(api("GET", "/summaries/2026/annual", "gm.wang"), 200)["rows"]),
            "period": eng1(_json(api("GET", "/scores/2026/annual", "gm.wang"), 200)["scores"])}


def test_a_user_no_longer_an_engineer_does_not_keep_the_scheduler_recomputing_for_ever(api, team, month):
    """eng1 made a manager keeps November's draft; a calendar change marks it stale, and the scheduler, whose compute
    covered engineers only, recomputed the whole month every minute (a run recorded each time) without clearing it.
    Their draft is recomputed with the month now, as a departed engineer's is (their month stays listed)."""
    _json(api("PATCH", "/users/eng1", "admin", json={"role": "manager"}), 200)
    _json(api("PUT", f"/calendar/{DAY}", "admin", json={"workday": False}), 200)
    assert live.recompute_stale(NOW) == [MONTH]
    db.session.commit()
    assert live.recompute_stale(NOW) == []  # and then nothing: it was November again, every minute
    db.session.commit()
    assert db.session.scalar(select(Score.stale).where(Score.engineer_id == team["eng1"].id)) is False


def test_a_rollback_forgets_what_it_touched(app, team, month):
    records = month["records"]
    before = db.session.scalar(select(Score.quantitative).where(Score.engineer_id == team["eng1"].id))
    db.session.add(Trip(engineer_id=team["eng1"].id, day=date(2026, 11, 18), full_day=True, hours=7.5))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(Score.quantitative).where(Score.engineer_id == team["eng1"].id)) == before
    assert records is not None


def _eng1_draft(team):
    db.session.expire_all()
    return db.session.scalar(select(Score).where(Score.engineer_id == team["eng1"].id, Score.month == MONTH))


def test_the_draft_is_computed_at_the_time_the_caller_stamped(app, team, month):
    later = datetime(2026, 11, 25, 16, 30)
    clock.stamp(db.session(), later)  # as a request, a command or a job stamps its unit of work
    db.session.add(Trip(engineer_id=team["eng1"].id, day=date(2026, 11, 18), full_day=True, hours=7.5))
    db.session.commit()
    assert _eng1_draft(team).computed_at == later != NOW


def test_a_unit_of_work_no_caller_stamped_leaves_its_drafts_stale_for_the_scheduler(app, team, month):
    before = _eng1_draft(team)
    figures_before = (before.quantitative, before.computed_at)
    db.session.info.pop(clock.NOW_KEY)  # a shell or a script: nobody said what time it is
    db.session.info.pop(TESTS_STAMP)
    db.session.add(Trip(engineer_id=team["eng1"].id, day=date(2026, 11, 18), full_day=True, hours=7.5))
    db.session.commit()
    draft = _eng1_draft(team)
    assert draft.stale is True and (draft.quantitative, draft.computed_at) == figures_before
    assert live.recompute_stale(NOW) == [MONTH]
    db.session.commit()
    assert _eng1_draft(team).stale is False and _eng1_draft(team).quantitative != figures_before[0]


def _rework_points(client, token):
    """() -> {username: points of rework_external} of eng1 and eng2 in MONTH, as the gm's scores API says them."""
    def points():
        rows = client.get(f"/api/v1/scores/{MONTH}", headers=token("gm.wang")).get_json()["scores"]
        return {row["username"]: next(i["points"] for i in row["indicators"] if i["code"] == "rework_external")
                for row in rows if row["username"] in ("eng1", "eng2")}
    return points


def test_a_new_engineer_on_a_redone_order_moves_the_rework_to_them_in_the_rework_month(client, token, api, team,
                                                                                         month):
    """A November rework of an October order counts against the October order's engineer. Changing that engineer
    recomputed October only: November kept the unit on the old engineer, not stale, until the nightly job."""
    rework_points = _rework_points(client, token)
    original = _json(api("POST", "/work-orders", "office", json={
        "customer": "旗滨玻璃", "service_type": "维修", "reported_at": "2026-10-05T09:00", "engineer": "eng1",
        "completed_at": "2026-10-06T12:00"}), 201)
    _json(api("POST", "/work-orders", "office", json={
        "customer": "旗滨玻璃", "service_type": "维修", "reported_at": "2026-11-10T09:00", "engineer": "eng2",
        "rework": "external", "rework_of": original["number"]}), 201)
    assert rework_points() == {"eng1": 4, "eng2": 5}
    _json(api("PATCH", f"/work-orders/{original['id']}", "office", json={"engineer": "eng2"}), 200)
    assert rework_points() == {"eng1": 5, "eng2": 4}


def test_an_engineer_given_to_a_redone_order_that_had_none_takes_the_rework_from_the_rework_s_own_engineer(
        client, token, api, team, month):
    """A rework of an order without an engineer counts against the rework order's own engineer (facts._rework).
    Giving the original an engineer moved the unit to them, but the rework's own engineer kept it in a draft not
    marked stale until a compute (and the same the other way when the engineer was taken off again)."""
    rework_points = _rework_points(client, token)
    original = _json(api("POST", "/work-orders", "office", json={
        "customer": "旗滨玻璃", "service_type": "维修", "reported_at": "2026-10-05T09:00",
        "completed_at": "2026-10-06T12:00"}), 201)
    _json(api("POST", "/work-orders", "office", json={
        "customer": "旗滨玻璃", "service_type": "维修", "reported_at": "2026-11-10T09:00", "engineer": "eng2",
        "rework": "external", "rework_of": original["number"]}), 201)
    assert rework_points() == {"eng1": 5, "eng2": 4}
    _json(api("PATCH", f"/work-orders/{original['id']}", "office", json={"engineer": "eng1"}), 200)
    assert rework_points() == {"eng1": 4, "eng2": 5}
    _json(api("PATCH", f"/work-orders/{original['id']}", "office", json={"engineer": None}), 200)
    assert rework_points() == {"eng1": 5, "eng2": 4}


def test_an_early_confirmation_computes_the_months_it_makes_assessed_even_without_a_draft(api, team, make_user):
    """A new engineer confirmed early from last month: that month had no draft (nobody computed it while they were
    not assessed) and is computed at once with this month, not left pending until a compute (CONTRACT 7)."""
    templates_store.sync_presets(NOW)
    reports.compute_month("2026-10", NOW)  # the others' October: the company is assessing
    db.session.commit()
    newbie = make_user("newbie", supervisor="mgr", hire_date=date(2026, 7, 15))  # six months only in January
    _json(api("PATCH", "/users/newbie", "mgr", json={"early_confirmation_month": "2026-10"}), 200)
    rows = {str(s.month): s for s in db.session.scalars(select(Score).where(Score.engineer_id == newbie.id))}
    assert set(rows) == {"2026-10", "2026-11"} and all(s.eligible and s.quantitative is not None
                                                         for s in rows.values())
    body = api("GET", "/scores/2026-10/newbie", "gm.wang").get_json()
    assert body["status"] == "draft" and body["eligible"] is True


def test_a_new_engineer_has_a_draft_of_the_current_month_at_once(api, team, month):
    """A new engineer's month read "not computed yet" until the night's compute, while everyone else's stood: it is
    computed when the user is created (here not yet assessed: hired less than six months ago), by the API and the
    admin's form alike; before anyone's month is scored, creating a user computes nothing."""
    body = {"username": "newbie", "display_name": "新人", "role": "engineer", "supervisor": "mgr",
            "password": "abcdefgh1", "hire_date": "2026-10-08", "bonus_base": 1000}
    _json(api("POST", "/users", "admin", json=body), 201)
    answer = _json(api("GET", f"/scores/{MONTH}/newbie", "gm.wang"), 200)
    assert answer["status"] == "draft" and answer["eligible"] is False and answer["computed_at"] is not None
    veteran = {**body, "username": "veteran", "hire_date": "2020-01-01"}
    _json(api("POST", "/users", "admin", json=veteran), 201)
    answer = _json(api("GET", f"/scores/{MONTH}/veteran", "gm.wang"), 200)
    assert answer["eligible"] is True and answer["quantitative"] is not None  # the total waits for a review
    assert db.session.scalar(select(Score.month).where(Score.engineer_id == team["eng1"].id)) == MONTH


def test_a_new_engineer_hired_long_ago_has_drafts_of_the_earlier_months_he_is_assessed_in(api, client, team, month):
    """Created with a hire date in March, the engineer had the current month's draft only: September and October
    stayed "never computed" (approval refused, no annual final) until someone ran a compute for each, though the
    same hire date set on an existing user computed them. Months before the first one anyone was scored in are
    left out (the company was not assessing then), by the API and the admin's form alike."""
    reports.compute_month("2026-09", NOW)
    reports.compute_month("2026-10", NOW)
    db.session.commit()
    body = {"username": "hired", "display_name": "老员工", "role": "engineer", "supervisor": "mgr",
            "password": "abcdefgh1", "hire_date": "2026-03-15", "bonus_base": 1000}
    _json(api("POST", "/users", "admin", json=body), 201)

    def months(username):
        db.session.expire_all()
        return {str(score.month): score.eligible for score in db.session.scalars(
            select(Score).join(Score.engineer).where(Score.engineer.has(username=username)))}

    assert months("hired") == {"2026-09": True, "2026-10": True, "2026-11": True}
    answer = _json(api("GET", "/scores/2026-09/hired", "gm.wang"), 200)
    assert answer["status"] == "draft" and answer["quantitative"] is not None
    login(client, "admin")
    response = client.post("/admin/users/new", data={
        "username": "formhire", "display_name": "表单老员工", "role": "engineer", "supervisor": "mgr",
        "password": "abcdefgh1", "hire_date": "2026-04-01", "bonus_base": "1000", "email": "", "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert months("formhire") == {"2026-10": True, "2026-11": True}  # assessed from October on
    # assessed first in 2100 (a month no path or field takes): nothing earlier to compute, and no 500
    late = {**body, "username": "late2099", "hire_date": "2099-12-31"}
    _json(api("POST", "/users", "admin", json=late), 201)
    assert months("late2099") == {"2026-11": False}


def test_before_any_month_is_scored_creating_an_engineer_computes_nothing(api, team):
    body = {"username": "first", "display_name": "第一", "role": "engineer", "supervisor": "mgr",
            "password": "abcdefgh1", "hire_date": "2020-01-01", "bonus_base": 1000}
    _json(api("POST", "/users", "admin", json=body), 201)
    assert db.session.scalar(select(Score.id)) is None


def test_cancelling_or_reinstating_an_order_moves_the_complaint_about_it_in_the_complaints_month(
        client, token, api, team, month):
    """A complaint counts while the order it is about is not cancelled (CONTRACT 7), in its own month: cancelling or
    reinstating an order of another month left the complaint's draft as it was, not stale, until the nightly job
    (a reinstated order's upheld complaint, a bad event, showed the higher total)."""
    def satisfaction():
        return next(i["points"] for i in score_answer(client, token)["indicators"] if i["code"] == "satisfaction")

    order = _json(api("POST", "/work-orders", "office", json={
        "customer": "旗滨玻璃", "service_type": "维修", "reported_at": "2026-10-05T09:00", "engineer": "eng2"}), 201)
    clean = satisfaction()
    _json(api("POST", "/complaints", "office", json={"engineer": "eng1", "work_order": order["number"],
                                                     "date": DAY, "upheld": True}), 201)
    complained = satisfaction()
    assert complained < clean
    _json(api("PATCH", f"/work-orders/{order['id']}", "office", json={"status": "cancelled"}), 200)
    assert satisfaction() == clean
    _json(api("PATCH", f"/work-orders/{order['id']}", "office", json={"status": "open"}), 200)
    row = score_answer(client, token)
    assert row["stale"] is False and satisfaction() == complained
