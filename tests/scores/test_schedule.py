"""The scheduled jobs (CONTRACT 9), the admin page of job runs, and the compute command."""

import re
import threading
import time
from datetime import datetime, timedelta

import pytest
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, update

from tests.conftest import NOW, PASSWORD, login
from tests.scores.support import NOV, OCT, D, at, lines_of, score_of
from tracker import jobs, locking
from tracker.extensions import db
from tracker.notifications import services as notifications
from tracker.notifications.models import Notification
from tracker.scores import yearly
from tracker.scores.models import PeriodScore, Score
from tracker.scoring.month import Month


def said(row):
    """A run's summary as the jobs page words it in the product's first language."""
    return jobs.summary_text(row.summary)


def run(app, name, now, force=False):
    jobs.run_named(app, name, now=now, force=force)
    db.session.rollback()  # the job ran in a session of its own
    return db.session.scalar(select(jobs.JobRun).where(jobs.JobRun.job == name).order_by(jobs.JobRun.id.desc()))


def test_the_jobs_are_registered_at_their_times(app):
    assert {name: entry["cron"] for name, entry in jobs.SCHEDULE.items() if name.startswith(("scores", "submi"))} == {
        "scores_nightly": {"hour": 2, "minute": 0},
        "scores_close_month": {"day": 1, "hour": 3, "minute": 0},
        "scores_mid_year": {"hour": 4, "minute": 0},
        "scores_annual": {"hour": 4, "minute": 10},
        "submission_reminders": {"day": 3, "hour": 9, "minute": 0},
    }
    scheduler = jobs.build_scheduler(app)
    assert str(scheduler.get_job("scores_nightly").trigger.timezone) == "Asia/Shanghai"


def test_a_scheduler_started_after_a_job_s_time_catches_up_the_periods_that_have_not_run(app, records, team):
    """A scheduler (re)started at 04:30 on 20 November has missed that night's 02:00 compute, the day's 04:00/04:10
    period checks, and (never having run this month) the close of October due on the 1st and the reminders of the
    3rd: it runs them, each claimed, so a second start runs nothing again. At 01:00 the next day the last compute
    was of the 20th, a period a run now would not be of: nothing is due until 02:00."""
    assert jobs.missed(app, datetime(2026, 11, 20, 4, 30)) == [
        "scores_nightly", "scores_close_month", "scores_mid_year", "scores_annual", "submission_reminders"]
    caught = jobs.catch_up(app, datetime(2026, 11, 20, 4, 30))
    assert [(name, row.key, row.outcome) for name, row in caught] == [
        ("scores_nightly", "2026-11-20", "ok"), ("scores_close_month", "2026-10", "ok"),
        ("scores_mid_year", "2026-11-20", "ok"), ("scores_annual", "2026-11-20", "ok"),
        ("submission_reminders", "2026-10", "ok")]
    assert score_of(team["eng1"], NOV) is not None and score_of(team["eng1"], OCT) is not None
    assert jobs.missed(app, datetime(2026, 11, 20, 10, 15)) == []
    assert jobs.catch_up(app, datetime(2026, 11, 20, 4, 40)) == []
    assert jobs.missed(app, datetime(2026, 11, 21, 1, 0)) == []
    assert jobs.missed(app, datetime(2026, 11, 21, 2, 30)) == ["scores_nightly"]


def test_a_running_scheduler_catches_up_a_period_that_failed_or_died_or_never_ran(app, records, team):
    """A job that fired while the database could not be reached recorded nothing and was not tried again until the
    scheduler restarted (a month later, for the close and the reminders); one cut off mid-run stayed "running".
    The scheduler looks every ten minutes: a period with no run, a failed run, or one running past ABANDONED is run
    again, up to MAX_ATTEMPTS runs in all (then it waits for an admin's 立即运行)."""
    scheduler = jobs.build_scheduler(app)
    entry = scheduler.get_job("catch_up")
    assert entry.func is jobs.catch_up and entry.trigger.interval == timedelta(minutes=jobs.CATCH_UP_MINUTES)
    night, close = datetime(2026, 11, 20, 2), datetime(2026, 11, 1, 3)
    db.session.add_all([
        jobs.JobRun(job="scores_nightly", key="2026-11-20", started_at=night, outcome="error", error="OperationalError"),
        jobs.JobRun(job="scores_close_month", key="2026-10", started_at=close, outcome="running"),
        jobs.JobRun(job="submission_reminders", key="2026-10", started_at=close, outcome="error", attempts=3),
        jobs.JobRun(job="scores_mid_year", key="2026-11-20", started_at=night, outcome="ok"),
        jobs.JobRun(job="scores_annual", key="2026-11-20", started_at=datetime(2026, 11, 20, 4, 20),
                    outcome="running")])
    db.session.commit()
    assert jobs.missed(app, datetime(2026, 11, 20, 4, 30)) == ["scores_nightly", "scores_close_month"]
    caught = jobs.catch_up(app, datetime(2026, 11, 20, 4, 30))
    assert [(name, row.key, row.outcome, row.attempts) for name, row in caught] == [
        ("scores_nightly", "2026-11-20", "ok", 2), ("scores_close_month", "2026-10", "ok", 2)]
    assert score_of(team["eng1"], NOV) is not None and score_of(team["eng1"], OCT) is not None
    assert jobs.missed(app, datetime(2026, 11, 20, 4, 40)) == []
    assert jobs.missed(app, datetime(2026, 11, 20, 6, 30)) == ["scores_annual"]  # abandoned by now


def test_a_named_run_is_readable_after_its_own_session_has_ended(app, records, team):
    row = jobs.run_named(app, "scores_nightly", now=datetime(2026, 11, 20, 2))
    assert (row.job, row.key, row.outcome) == ("scores_nightly", "2026-11-20", "ok")


def test_the_nightly_job_computes_the_current_month_once_per_night(app, records, team):
    row = run(app, "scores_nightly", datetime(2026, 11, 20, 2))
    assert (row.key, row.outcome) == ("2026-11-20", "ok") and "计算 3 人" in said(row)
    assert score_of(team["eng1"], NOV) is not None
    assert jobs.run_named(app, "scores_nightly", now=datetime(2026, 11, 20, 2, 5)) is None  # claimed already


def test_closing_a_month_judges_it_at_its_end_and_running_it_twice_changes_nothing(app, records, team):
    eng = team["eng1"]
    records.order(eng, at(D(2026, 10, 31), 20))  # unanswered: overdue at the month's end (22:00 < 24:00)
    run(app, "scores_nightly", datetime(2026, 10, 31, 2))
    assert lines_of(eng, OCT)["response"].applies is False
    row = run(app, "scores_close_month", datetime(2026, 11, 1, 3))
    assert (row.key, row.outcome) == (OCT, "ok")
    first = lines_of(eng, OCT)["response"]
    assert (first.applies, first.points) == (True, 0)
    before = [(s.engineer_id, s.total, s.quantitative) for s in db.session.scalars(select(Score).order_by(Score.id))]
    again = run(app, "scores_close_month", datetime(2026, 11, 1, 3, 30), force=True)
    assert again.attempts == 2
    assert [(s.engineer_id, s.total, s.quantitative) for s in db.session.scalars(select(Score).order_by(Score.id))] \
        == before


def _approve_all(engineer, months):
    db.session.execute(update(Score).where(Score.engineer_id == engineer.id, Score.month.in_(months))
                       .values(status="approved", approved_at=datetime(2027, 1, 1)))
    db.session.commit()


def _finals():
    return {(r.engineer_id, r.year, r.period): (r.score, r.months) for r in db.session.scalars(select(PeriodScore))}


YEAR_2026 = [f"2026-{number:02d}" for number in range(1, 13)]


def _close_year(app, records, team, reviewed=("2026-05", "2026-06", "2026-09")):
    """Every month of 2026 closed by the scheduler; eng1 has a leader review (so a total) in `reviewed`."""
    for month in YEAR_2026:
        if month in reviewed:
            records.review(team["eng1"], month, team["mgr"], "leader")
        number = int(month[-2:])
        run(app, "scores_close_month", datetime(2026 + number // 12, number % 12 + 1, 1, 3))


def test_period_finals_are_stored_once_every_eligible_month_is_approved(app, records, team):
    eng1, eng2 = team["eng1"], team["eng2"]
    _close_year(app, records, team)
    # 1 July: nothing approved yet, nothing stored; the daily check tries again
    assert said(run(app, "scores_mid_year", datetime(2026, 7, 1, 4))) == "2026 年年中：存入 0 人，共 0 人已有最终分"
    assert _finals() == {}
    # the months with a total approved, January to April not: every eligible month counts, not only those with a total
    _approve_all(eng1, ["2026-05", "2026-06"])
    assert said(run(app, "scores_mid_year", datetime(2026, 7, 2, 4))) == "2026 年年中：存入 0 人，共 0 人已有最终分"
    _approve_all(eng1, YEAR_2026[:4])
    mid = run(app, "scores_mid_year", datetime(2026, 7, 3, 4))
    assert (mid.key, said(mid)) == ("2026-07-03", "2026 年年中：存入 1 人，共 1 人已有最终分")
    mean = (score_of(eng1, "2026-05").total + score_of(eng1, "2026-06").total) / 2
    assert _finals() == {(eng1.id, 2026, "mid_year"): (mean.quantize(Decimal("0.01"), ROUND_HALF_UP), 2)}
    # the annual score of eng1 waits for July to December; eng2's months all wait for approval too
    assert said(run(app, "scores_annual", datetime(2027, 1, 1, 4))) == "2026 年年度：存入 0 人，共 0 人已有最终分"
    _approve_all(eng1, YEAR_2026[6:])
    _approve_all(eng2, YEAR_2026)
    run(app, "scores_annual", datetime(2027, 1, 2, 4))
    finals = _finals()
    assert finals[(eng1.id, 2026, "annual")][1] == 3 and finals[(eng2.id, 2026, "annual")][1] == 0
    assert (team["eng3"].id, 2026, "annual") not in finals  # eng3's months are still drafts
    again = run(app, "scores_annual", datetime(2027, 1, 2, 5), force=True)  # running again changes nothing
    assert _finals() == finals
    # and says both have one (it said "存入 0 人" alone, read as nobody having a final)
    assert said(again) == "2026 年年度：存入 0 人，共 2 人已有最终分"


def test_an_engineer_who_left_gets_the_final_of_a_period_whose_months_are_all_approved(app, records, team):
    """The finals were stored for active engineers only: one who left after the period never got one."""
    eng1 = team["eng1"]
    _close_year(app, records, team)
    _approve_all(eng1, YEAR_2026[:6])
    eng1.active = False
    db.session.commit()
    assert said(run(app, "scores_mid_year", datetime(2026, 7, 1, 4))) == "2026 年年中：存入 1 人，共 1 人已有最终分"
    assert (eng1.id, 2026, "mid_year") in _finals()
    assert (team["eng2"].id, 2026, "mid_year") not in _finals()  # active, months still drafts


def test_an_engineer_who_left_during_the_period_gets_the_final_of_the_months_they_were_scored_in(app, records, team):
    """Months after one left are never scored, so they held the final back for ever (mid-year and annual)."""
    eng1 = team["eng1"]
    for month in YEAR_2026[:4]:  # January to April scored, then eng1 left
        number = int(month[-2:])
        run(app, "scores_close_month", datetime(2026, number + 1, 1, 3))
    eng1.active = False
    db.session.commit()
    for month in YEAR_2026[4:]:
        number = int(month[-2:])
        run(app, "scores_close_month", datetime(2026 + number // 12, number % 12 + 1, 1, 3))
    assert score_of(eng1, "2026-05") is None
    # April a draft
    assert said(run(app, "scores_mid_year", datetime(2026, 7, 1, 4))) == "2026 年年中：存入 0 人，共 0 人已有最终分"
    _approve_all(eng1, YEAR_2026[:4])
    assert said(run(app, "scores_mid_year", datetime(2026, 7, 2, 4))) == "2026 年年中：存入 1 人，共 1 人已有最终分"
    run(app, "scores_annual", datetime(2027, 1, 1, 4))
    assert {key for key in _finals() if key[0] == eng1.id} == {(eng1.id, 2026, "mid_year"), (eng1.id, 2026, "annual")}


def test_an_eligible_month_never_computed_holds_the_final_back(app, records, team, make_user):
    """An engineer added with an earlier hire date has no score rows for the months before: none is a draft, yet
    they are not approved, so the year's score is not final until they are computed and approved."""
    _close_year(app, records, team, reviewed=())
    late = make_user("late", supervisor="mgr", hire_date=datetime(2025, 12, 1).date())  # assessed from June 2026
    _approve_all(late, YEAR_2026)  # nothing to approve: no rows
    assert said(run(app, "scores_annual", datetime(2027, 1, 1, 4))) == "2026 年年度：存入 0 人，共 0 人已有最终分"
    from tracker.scores import services

    for month in YEAR_2026[5:]:
        services.compute_month(month, datetime(2027, 1, 1, 5), engineer_ids=[late.id])
    db.session.commit()
    _approve_all(late, YEAR_2026[5:])
    assert said(run(app, "scores_annual", datetime(2027, 1, 2, 4))) == "2026 年年度：存入 1 人，共 1 人已有最终分"
    assert _finals() == {(late.id, 2026, "annual"): (None, 0)}  # no leader review: no month has a total


def test_no_final_is_stored_for_a_period_the_engineer_was_assessed_in_no_month_of(app, records, team, make_user):
    """Hired in September 2026: not assessed in any month of 2026's first half, nor of 2025. "Every eligible month
    approved" held vacuously, so a final with no score was stored, and the annual sheet read 最终 over twelve
    months never computed."""
    _close_year(app, records, team)
    late = make_user("late", supervisor="mgr", hire_date=datetime(2026, 9, 10).date())
    for engineer in (team["eng1"], team["eng2"], team["eng3"]):
        _approve_all(engineer, YEAR_2026[:6])
    assert said(run(app, "scores_mid_year", datetime(2026, 7, 3, 4))) == "2026 年年中：存入 3 人，共 3 人已有最终分"
    run(app, "scores_annual", datetime(2026, 12, 3, 4))  # the annual check of 2025 (run every day until stored)
    assert not any(engineer_id == late.id for engineer_id, _year, _period in _finals())


def test_a_hire_date_that_makes_more_months_assessed_clears_the_final_until_they_are_approved(
        app, api, records, team, make_user):
    """The annual final of an engineer assessed from June stands only while every eligible month is approved: an
    earlier hire date makes January to May assessed drafts, so the final is cleared and stored again once they are
    approved (CONTRACT 7)."""
    late = make_user("late", supervisor="mgr", hire_date=datetime(2025, 12, 1).date())  # assessed from June 2026
    _close_year(app, records, team, reviewed=())
    _approve_all(late, YEAR_2026[5:])
    run(app, "scores_annual", datetime(2027, 1, 1, 4))
    assert (late.id, 2026, "annual") in _finals()
    response = api("PATCH", "/users/late", "admin", json={"hire_date": "2025-05-20"})  # assessed from November 2025
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert [(s.eligible, s.status) for s in (score_of(late, m) for m in YEAR_2026[:5])] == [(True, "draft")] * 5
    assert (late.id, 2026, "annual") not in _finals()
    assert {r["username"]: r["final"] for r in api("GET", "/scores/2026/annual", "gm.wang").get_json()["scores"]
            }["late"] is False
    _approve_all(late, YEAR_2026[:5])
    run(app, "scores_annual", datetime(2027, 1, 2, 4))
    assert (late.id, 2026, "annual") in _finals()
    # a change that leaves every assessed month approved keeps the final
    response = api("PATCH", "/users/late", "admin", json={"hire_date": "2025-04-01"})
    assert response.status_code == 200 and (late.id, 2026, "annual") in _finals()


def test_an_earlier_hire_date_computes_no_month_before_the_first_one_scored(app, api, records, team, make_user):
    """A hire date corrected ten years back makes every month since assessed, but the company was not assessing
    before its first scored month: no draft is made for those months."""
    late = make_user("late", supervisor="mgr", hire_date=datetime(2026, 6, 1).date())
    run(app, "scores_close_month", datetime(2026, 10, 1, 3))  # September is the first month scored
    response = api("PATCH", "/users/late", "admin", json={"hire_date": "2016-06-01"})
    assert response.status_code == 200, response.get_json()
    months = db.session.scalars(select(Score.month).where(Score.engineer_id == late.id)).all()
    assert min(str(m) for m in months) == "2026-09" and all(s.eligible for s in db.session.scalars(
        select(Score).where(Score.engineer_id == late.id)))


def test_reopening_a_month_clears_the_finals_it_was_part_of(app, api, records, team):
    eng1 = team["eng1"]
    _close_year(app, records, team, reviewed=("2026-05", "2026-09"))
    _approve_all(eng1, YEAR_2026)
    run(app, "scores_mid_year", datetime(2026, 7, 1, 4))
    run(app, "scores_annual", datetime(2027, 1, 1, 4))
    assert {k for k in _finals() if k[0] == eng1.id} == {(eng1.id, 2026, "mid_year"), (eng1.id, 2026, "annual")}
    response = api("POST", "/scores/2026-09/eng1/reopen", "gm.wang", json={"reason": "复核"})
    assert response.status_code == 200, response.get_json()
    assert {k for k in _finals() if k[0] == eng1.id} == {(eng1.id, 2026, "mid_year")}  # September is not in H1
    body = api("GET", "/scores/2026/annual", "gm.wang").get_json()
    assert {r["username"]: r["final"] for r in body["scores"]}["eng1"] is False
    response = api("POST", "/scores/2026-05/eng1/reopen", "gm.wang", json={"reason": "复核"})
    assert response.status_code == 200 and {k for k in _finals() if k[0] == eng1.id} == set()


def test_a_period_whose_months_are_approved_after_its_own_year_gets_its_final_at_the_next_daily_check(
        app, api, records, team):
    """The daily checks looked at the latest period only (mid-year: this year's from July, annual: last year's): a
    month reopened and approved again later left its period without a final for good."""
    eng1 = team["eng1"]
    _close_year(app, records, team, reviewed=("2026-05", "2026-09"))
    _approve_all(eng1, YEAR_2026)
    run(app, "scores_mid_year", datetime(2026, 7, 1, 4))
    run(app, "scores_annual", datetime(2027, 1, 1, 4))
    stored = {k: v for k, v in _finals().items() if k[0] == eng1.id}
    assert set(stored) == {(eng1.id, 2026, "mid_year"), (eng1.id, 2026, "annual")}
    assert api("POST", "/scores/2026-05/eng1/reopen", "gm.wang", json={"reason": "复核"}).status_code == 200
    assert {k for k in _finals() if k[0] == eng1.id} == set()
    # the latest periods now are 2027's mid-year and 2027's annual (from 2028): nothing of 2026 until May is approved
    assert said(run(app, "scores_mid_year", datetime(2027, 7, 5, 4))) == "2027 年年中：存入 0 人，共 0 人已有最终分"
    _approve_all(eng1, ["2026-05"])
    assert said(run(app, "scores_mid_year", datetime(2027, 7, 6, 4))) == \
        "2027 年年中：存入 0 人，共 0 人已有最终分；更早年份的年中补存 1 人"
    assert said(run(app, "scores_annual", datetime(2028, 1, 2, 4))) == \
        "2027 年年度：存入 0 人，共 0 人已有最终分；更早年份的年度补存 1 人"
    assert {k: v for k, v in _finals().items() if k[0] == eng1.id} == stored  # as before the reopen
    # stored once: the next checks store nothing more
    assert said(run(app, "scores_mid_year", datetime(2027, 7, 7, 4))) == "2027 年年中：存入 0 人，共 0 人已有最终分"
    assert said(run(app, "scores_annual", datetime(2028, 1, 3, 4))) == "2027 年年度：存入 0 人，共 0 人已有最终分"


def test_running_the_check_again_keeps_a_stored_final_as_it_is(app, records, team):
    """CONTRACT 9: a job run twice stores what it stores once. Every daily check wrote the final again with a new
    computed_at (a final of January read as stored on every later day) and said it stored it again."""
    eng1 = team["eng1"]
    _close_year(app, records, team, reviewed=("2026-05",))
    _approve_all(eng1, YEAR_2026)
    assert said(run(app, "scores_annual", datetime(2027, 1, 1, 4))) == "2026 年年度：存入 1 人，共 1 人已有最终分"
    stored_at = db.session.scalar(select(PeriodScore.computed_at).where(PeriodScore.engineer_id == eng1.id))
    assert stored_at == datetime(2027, 1, 1, 4)
    finals = _finals()
    assert said(run(app, "scores_annual", datetime(2027, 1, 2, 4))) == "2026 年年度：存入 0 人，共 1 人已有最终分"
    run(app, "scores_annual", datetime(2027, 1, 2, 5), force=True)
    assert _finals() == finals
    assert db.session.scalar(select(PeriodScore.computed_at).where(PeriodScore.engineer_id == eng1.id)) == stored_at


def test_the_check_clears_a_final_whose_months_are_no_longer_all_approved(app, api, records, team):
    """A final left standing over a month that is a draft again (what a reopen racing the check left) was kept for
    good, shown as final though the month's total changed: the check now clears it."""
    eng1 = team["eng1"]
    _close_year(app, records, team, reviewed=("2026-05",))
    _approve_all(eng1, YEAR_2026[:6])
    run(app, "scores_mid_year", datetime(2026, 7, 1, 4))
    assert (eng1.id, 2026, "mid_year") in _finals()
    db.session.execute(update(Score).where(Score.engineer_id == eng1.id, Score.month == "2026-03")
                       .values(status="draft", approved_at=None))
    db.session.commit()
    assert said(run(app, "scores_mid_year", datetime(2026, 7, 2, 4))) == "2026 年年中：存入 0 人，共 0 人已有最终分"
    assert (eng1.id, 2026, "mid_year") not in _finals()
    body = api("GET", "/scores/2026/mid-year", "gm.wang").get_json()
    assert {r["username"]: r["final"] for r in body["scores"]}["eng1"] is False


def test_the_check_waits_for_a_reopen_in_progress_and_stores_no_final_over_its_month(app, records, team):
    """A reopen commits while the daily check runs: the check read every month approved before the reopen committed
    and stored its final after the reopen had cleared the finals, so a final stood over a draft month (PostgreSQL).
    The check now takes the period's months' locks, which a reopen holds, before it reads."""
    eng1 = team["eng1"]
    _close_year(app, records, team, reviewed=("2026-05",))
    _approve_all(eng1, YEAR_2026[:6])
    holding = threading.Event()

    def reopen():  # what reopen_score does, slowly: the month's lock, the month back to draft, the finals cleared
        with app.app_context():
            locking.lock_month(Month("2026-03"))
            db.session.execute(update(Score).where(Score.engineer_id == eng1.id, Score.month == "2026-03")
                               .values(status="draft", approved_at=None))
            holding.set()
            time.sleep(1.5)
            yearly.clear_final_periods(eng1.id, "2026-03")
            db.session.commit()

    thread = threading.Thread(target=reopen)
    thread.start()
    assert holding.wait(20)
    row = run(app, "scores_mid_year", datetime(2026, 7, 1, 4))
    thread.join(30)
    assert said(row) == "2026 年年中：存入 0 人，共 0 人已有最终分"
    assert (eng1.id, 2026, "mid_year") not in _finals()


def test_engineers_who_have_not_submitted_last_month_are_reminded_once(app, records, team, make_user):
    records.submission(team["eng1"], OCT)
    make_user("joined", supervisor="mgr", hire_date=datetime(2026, 11, 2).date())  # not employed in October
    # without a hire date, the account's creation says when they joined: one made in November is not reminded
    make_user("unknown", supervisor="mgr", hire_date=None).created_at = datetime(2026, 11, 2, 9)
    db.session.commit()
    row = run(app, "submission_reminders", datetime(2026, 11, 3, 9))
    assert (row.key, said(row)) == (OCT, "2026-10：提醒 2 人")
    reminded = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [n.user_id for n in reminded] == [team["eng2"].id, team["eng3"].id]
    assert notifications.message(reminded[0]) == "2026-10 的工作行程表尚未提交，请尽快提交"
    run(app, "submission_reminders", datetime(2026, 11, 3, 10), force=True)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


def test_the_reminder_is_read_once_the_month_is_submitted(app, api, records, team):
    """It stayed unread, still saying the month was not submitted, and the bell kept counting it."""
    from tracker.itinerary import services as itinerary

    run(app, "submission_reminders", datetime(2026, 11, 3, 9))
    reminder = db.session.scalar(select(Notification).where(Notification.user_id == team["eng1"].id))
    assert reminder.read_at is None and notifications.unread_count(team["eng1"]) == 1
    itinerary.submit_month(team["eng1"], team["eng1"], OCT, now=datetime(2026, 11, 3, 10))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Notification, reminder.id).read_at == datetime(2026, 11, 3, 10)
    assert notifications.unread_count(team["eng1"]) == 0
    other = db.session.scalar(select(Notification).where(Notification.user_id == team["eng2"].id))
    assert other.read_at is None  # another engineer's reminder stays


def test_a_failing_job_is_recorded_with_its_error(app, records, team):
    from tracker.scores.models import KpiTemplate

    db.session.execute(update(KpiTemplate).values(body='{"code": "broken"}'))  # no stored version loads
    db.session.commit()
    row = run(app, "scores_nightly", datetime(2026, 11, 20, 2))
    assert row.outcome == "error" and "无法使用" in row.error
    assert db.session.scalar(select(func.count()).select_from(Score)) == 0


@pytest.mark.parametrize("job, at, month", [("scores_nightly", datetime(2026, 11, 20, 2), "2026-11"),
                                            ("scores_close_month", datetime(2026, 12, 1, 3), "2026-11")])
def test_an_engineer_who_cannot_be_computed_holds_nobody_back_in_the_nightly_run_or_the_close(app, records, team,
                                                                                             job, at, month):
    """eng1's template has no version in force (or an entry gives points no column holds): the whole month's
    compute was refused, the run failed, and nobody's draft moved (the close on the 1st neither)."""
    team["eng1"].kpi_template = "gone"
    db.session.commit()
    row = run(app, job, at)
    assert row.outcome == "ok", row.error
    assert "1 人无法计算" in said(row) and "eng1" in said(row)
    computed = set(db.session.scalars(select(Score.engineer_id).where(Score.month == month)))
    assert {team["eng2"].id, team["eng3"].id} <= computed and team["eng1"].id not in computed


# ---- the admin page ----------------------------------------------------------------------------------

def _as(client, username):
    client.post("/logout")
    assert login(client, username).status_code == 302


def test_admins_see_the_jobs_and_their_recent_runs(app, client, records, team):
    run(app, "scores_nightly", datetime(2026, 11, 20, 2))
    _as(client, "admin")
    page = client.get("/reports/jobs").get_data(as_text=True)
    assert "scores_close_month" in page and "2026-11-20" in page and "立即运行" in page


def test_a_runs_summary_is_worded_in_the_readers_language(app, client, records, team):
    """The summary is stored as data: the same run reads in Chinese and, on an English page, in English (it was
    stored as Chinese text and shown so on the English page)."""
    run(app, "scores_nightly", datetime(2026, 11, 20, 2))
    run(app, "submission_reminders", datetime(2026, 11, 3, 9))
    _as(client, "admin")
    page = client.get("/reports/jobs").get_data(as_text=True)
    assert "2026-11：计算 3 人" in page and "2026-10：提醒" in page
    page = client.get("/reports/jobs?lang=en").get_data(as_text=True)
    assert "计算" not in page and "提醒" not in page
    assert re.search(r"2026-11: 3 computed", page) and re.search(r"2026-10: \d+ reminded", page), page
    # a run stored as text by an earlier release reads as it was stored
    db.session.add(jobs.JobRun(job="scores_nightly", key="2026-11-19", started_at=datetime(2026, 11, 19, 2),
                               finished_at=datetime(2026, 11, 19, 2, 1), outcome="ok", summary="旧的摘要"))
    db.session.commit()
    assert "旧的摘要" in client.get("/reports/jobs?lang=en").get_data(as_text=True)


def test_the_jobs_page_says_a_runs_period_who_started_it_and_what_a_failed_run_did(app, client, records, team):
    """A frequent run's period read as its claim key (2027-01-02T10:03:00#2), a failed outbox run showed its error
    without its counts (已发送 0 条，失败 14 条), and a run an admin started looked like the scheduler's."""
    db.session.add(jobs.JobRun(job="outbox", key="2026-11-20T10:03:00#2", started_at=datetime(2026, 11, 20, 10, 3),
                               finished_at=datetime(2026, 11, 20, 10, 3, 5), outcome="error",
                               summary="已发送 0 条，失败 14 条", error="ConnectionRefusedError: [Errno 111]"))
    db.session.add(jobs.JobRun(job="scores_nightly", key="2026-11-20", started_at=datetime(2026, 11, 20, 9),
                               finished_at=datetime(2026, 11, 20, 9, 1), outcome="ok", summary="旧的摘要",
                               triggered_by_id=team["admin"].id))
    db.session.commit()
    _as(client, "admin")
    page = client.get("/reports/jobs").get_data(as_text=True)
    assert "#2" not in page and "T10:03:00" not in page and "2026-11-20</span><wbr><span class=\"text-nowrap\">10:03" in page
    assert "已发送 0 条，失败 14 条" in page and "ConnectionRefusedError" in page
    assert f"由 {team['admin'].display_name} 手动运行" in page


@pytest.mark.parametrize("user", ["mgr", "gm.wang", "eng1", "office"])
def test_only_admins_reach_the_jobs_page(app, client, records, team, user):
    _as(client, user)
    assert client.get("/reports/jobs").status_code == 403
    assert client.post("/reports/jobs/scores_nightly/run").status_code == 403


def test_run_now_runs_the_job_again_and_records_who_asked(app, client, records, team):
    run(app, "scores_nightly", app.config["NOW"])
    _as(client, "admin")
    response = client.post("/reports/jobs/scores_nightly/run", follow_redirects=True)
    assert response.status_code == 200 and "计算 3 人" in response.get_data(as_text=True)
    row = db.session.scalar(select(jobs.JobRun).where(jobs.JobRun.job == "scores_nightly"))
    assert (row.attempts, row.triggered_by_id) == (2, team["admin"].id)
    # the scheduler's own run stays on the page beside the admin's
    page = client.get("/reports/jobs").get_data(as_text=True)
    assert page.count("计算 3 人") == 2
    assert client.post("/reports/jobs/nope/run").status_code == 404
    from tracker.audit import AuditEvent  # an admin's run is in the audit log with the admin (it was in none)

    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.run")).all()
    assert [(event.actor_id, event.subject) for event in logged] == [(team["admin"].id, "scores_nightly")]


def test_a_compute_asked_through_the_api_is_in_the_audit_log(api, records, team):
    from tracker.audit import AuditEvent

    assert api("POST", "/scores/2026-11/compute", "gm.wang").status_code == 200
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "scores.compute")).all()
    assert [(event.actor_id, event.subject) for event in logged] == [(team["gm"].id, "2026-11")]


def test_run_now_needs_the_form_token(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("root", role="admin")
        client = app.test_client()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
        assert client.post("/login", data={"username": "root", "password": PASSWORD,
                                           "csrf_token": token.group(1)}).status_code == 302
        page = client.get("/reports/jobs").get_data(as_text=True)
        assert client.post("/reports/jobs/scores_nightly/run").status_code == 400
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post("/reports/jobs/scores_nightly/run", data={"csrf_token": token}).status_code == 302


# ---- the compute command -----------------------------------------------------------------------------

def test_the_compute_command_shows_progress_and_a_summary(app, records, team):
    result = app.test_cli_runner().invoke(args=["compute", NOV])
    assert result.exit_code == 0, result.output
    assert "2026-11：计算 3 人（参加考核 3 人，未满考核条件 0 人" in result.output, result.output
    assert score_of(team["eng3"], NOV) is not None


def test_compute_reports_progress_out_of_the_engineers_it_scores(app, records, team):
    """The command's bar was as long as the active engineers, while compute also scores those who left with a
    draft and skips approved scores: it ended at 19/18, or stopped at 17/18."""
    from tracker.scores import services as scores

    scores.compute_month(NOV, NOW)
    db.session.commit()
    score = score_of(team["eng1"], NOV)
    score.status = "approved"
    team["eng2"].active = False  # left, with a draft
    db.session.commit()
    reports = []
    scores.compute_month(NOV, NOW, progress=lambda done, total: reports.append((done, total)))
    db.session.rollback()
    assert reports == [(1, 2), (2, 2)]  # eng2's draft and eng3; eng1's approved score is left alone


def test_the_compute_command_refuses_a_future_month_as_the_api_does(app, api, records, team):
    """One rule for both doors (the clock stands in November 2026)."""
    result = app.test_cli_runner().invoke(args=["compute", "2027-05"])
    assert result.exit_code == 1 and "不能计算未来月份的得分" in result.output
    assert result.output.startswith("Error:")  # no progress bar's label before it (it printed 2027-05)
    assert api("POST", "/scores/2027-05/compute", "gm.wang").status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Score).where(Score.month == "2027-05")) == 0


@pytest.mark.parametrize("month", ["2026-13", "November"])
def test_the_compute_command_refuses_a_malformed_month(app, month):
    result = app.test_cli_runner().invoke(args=["compute", month])
    assert result.exit_code == 2 and "YYYY-MM" in result.output


def test_every_run_is_on_some_page_of_the_list(app, client, team):
    """The list showed the latest 100 runs only: the outbox's frequent runs pushed the monthly ones off it."""
    start = datetime(2026, 11, 1, 2, 0)
    db.session.add_all(jobs.JobRun(job="outbox", key=f"k{n:03d}", started_at=start + timedelta(minutes=n),
                                   finished_at=start + timedelta(minutes=n), outcome="ok", summary=f"run {n}")
                       for n in range(150))
    db.session.commit()
    _as(client, "admin")
    first = client.get("/reports/jobs").get_data(as_text=True)
    assert "run 149" in first and "run 49<" not in first and 'rel="next"' in first
    second = client.get("/reports/jobs?page=2").get_data(as_text=True)
    assert "run 0<" in second and "run 49<" in second and "run 50<" not in second and 'rel="prev"' in second
    assert client.get("/reports/jobs?page=3").status_code == 422
