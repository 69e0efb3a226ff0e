"""Job runs are claimed in the database: once per period, failures recorded and retried."""

import subprocess
import sys
import textwrap
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import NOW
from tracker import jobs
from tracker.extensions import db


def test_a_run_records_start_end_and_outcome(app):
    row = jobs.run("demo", "2026-11-20", lambda now: "did it", now=NOW)
    assert (row.outcome, row.summary, row.started_at) == ("ok", "did it", NOW)
    assert row.finished_at is not None


def test_the_same_period_runs_once(app):
    calls = []
    jobs.run("demo", "k", lambda now: calls.append(now) or "1", now=NOW)
    assert jobs.run("demo", "k", lambda now: calls.append(now) or "2", now=NOW) is None
    assert len(calls) == 1
    assert db.session.scalar(select(func.count()).select_from(jobs.JobRun)) == 1


def test_a_failure_is_recorded_and_may_be_retried(app):
    def boom(now):
        raise RuntimeError("database went away")

    failed = jobs.run("demo", "k", boom, now=NOW)
    assert failed.outcome == "error" and "database went away" in failed.error
    retried = jobs.run("demo", "k", lambda now: "fine", now=NOW)
    assert (retried.outcome, retried.attempts) == ("ok", 2)


def test_who_started_a_run_is_named_with_its_claim(app, team):
    """An admin's run was credited afterwards by looking its period up again: a run another process made in
    between (a forced run, the scheduler) was credited to the admin, and the admin's own run to nobody."""
    seen = []

    def work(now):
        with db.engine.connect() as other:  # as another process reads it while the run is going
            seen.append(other.execute(select(jobs.JobRun.triggered_by_id)).scalar())
        return "1"

    admin = team["admin"].id
    assert jobs.run("demo", "k", work, now=NOW, by=admin).triggered_by_id == admin
    again = jobs.run("demo", "k", work, now=NOW, force=True)  # a scheduled run names nobody
    assert seen == [admin, None] and again.triggered_by_id is None


def test_force_runs_a_finished_period_again(app):
    jobs.run("demo", "k", lambda now: "1", now=NOW)
    assert jobs.run("demo", "k", lambda now: "2", now=NOW, force=True).summary == "2"


def test_every_run_stays_on_record_when_its_period_runs_again(app):
    """CONTRACT 9: every run is recorded. A retry or a forced run replaced the period's row: the first run of the
    reminders ("1 reminded") was gone once an admin ran them again ("0 reminded")."""
    def boom(now):
        raise RuntimeError("mail server down")

    later = NOW + timedelta(hours=1)
    jobs.run("demo", "k", boom, now=NOW)
    jobs.run("demo", "k", lambda now: "1 reminded", now=NOW + timedelta(minutes=30))
    jobs.run("demo", "k", lambda now: "0 reminded", now=later, force=True)
    runs = [(run.started_at, run.outcome, run.summary or run.error, run.attempts) for run in jobs.recent_runs()]
    assert runs == [(later, "ok", "0 reminded", 3), (NOW + timedelta(minutes=30), "ok", "1 reminded", 2),
                    (NOW, "error", "RuntimeError: mail server down", 1)]
    assert jobs.run("demo", "k", lambda now: "again", now=later) is None  # finished: not run again unforced
    assert len(jobs.recent_runs()) == 3


def test_scheduler_has_explicit_zone_coalescing_and_grace(app):
    jobs.register("probe", {"hour": 2, "minute": 0}, jobs.day_key, lambda now: "x")
    try:
        scheduler = jobs.build_scheduler(app)
        job = scheduler.get_job("probe")
        assert str(job.trigger.timezone) == "Asia/Shanghai"
        assert job.coalesce is True and job.misfire_grace_time == jobs.MISFIRE_GRACE_HOURS * 3600
    finally:
        jobs.SCHEDULE.pop("probe")


CLAIMER = textwrap.dedent("""
    import sys, time
    from datetime import datetime
    from tracker import create_app, jobs
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    with app.app_context():
        row = jobs.run("race", "2026-11", lambda now: time.sleep(0.5) or "done", now=datetime(2026, 11, 20))
        print("ran" if row else "skipped")
""")


def test_two_processes_claiming_one_period_run_it_once(app, tmp_path):
    url = app.config["DATABASE_URL"]
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, url, str(tmp_path / f"i{n}")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    results = sorted(out.strip().splitlines()[-1] for out, err in outputs)
    assert results == ["ran", "skipped"], outputs


def test_a_run_that_died_without_an_end_may_be_claimed_again_once_it_is_clearly_abandoned(app):
    """Killed mid-run, a run stayed "running" for good: not even a forced run could do its period again."""
    db.session.add(jobs.JobRun(job="demo", key="k", started_at=NOW, outcome="running"))
    db.session.commit()
    assert jobs.run("demo", "k", lambda now: "again", now=NOW + timedelta(minutes=30), force=True) is None  # may live
    rerun = jobs.run("demo", "k", lambda now: "again", now=NOW + timedelta(hours=3))
    assert (rerun.outcome, rerun.summary, rerun.attempts) == ("ok", "again", 2)
    earlier = db.session.scalar(select(jobs.EarlierRun))
    assert (earlier.started_at, earlier.outcome) == (NOW, "error") and "abandoned" in earlier.error


def test_two_frequent_runs_in_one_second_are_both_recorded(app):
    """Two schedulers at once: each did its part (3 mails, then 1); the second's record was dropped as a duplicate
    of (job, second), so the admins read "sent 1" where 4 had gone."""
    jobs.register_frequent("probe_frequent", 30, lambda now: f"did {now:%S}")
    try:
        assert jobs.run_frequent(app, "probe_frequent", now=NOW) == "did 00"
        assert jobs.run_frequent(app, "probe_frequent", now=NOW) == "did 00"
        db.session.rollback()
        keys = db.session.scalars(select(jobs.JobRun.key).where(jobs.JobRun.job == "probe_frequent")
                                  .order_by(jobs.JobRun.id)).all()
        assert keys == [NOW.strftime("%Y-%m-%dT%H:%M:%S"), NOW.strftime("%Y-%m-%dT%H:%M:%S") + "#2"]
    finally:
        jobs.FREQUENT.pop("probe_frequent")


def test_every_job_has_a_name_on_the_jobs_page(app):
    """The hourly import sweep was listed by its code, import_stash, in both languages."""
    from tracker.admin.jobs_views import JOB_LABELS

    assert set(jobs.SCHEDULE) | set(jobs.FREQUENT) <= set(JOB_LABELS)


def test_a_forced_run_job_that_finds_the_period_running_says_so_not_to_use_force(app, runner):
    """Two hosts forcing one job at once: the one that lost was told "(use --force)", which it had given."""
    from tracker import clock

    key = jobs.SCHEDULE["scores_nightly"]["key"](clock.now())
    db.session.add(jobs.JobRun(job="scores_nightly", key=key, started_at=clock.now(), outcome="running"))
    db.session.commit()
    said = runner.invoke(args=["run-job", "scores_nightly", "--force"]).output
    assert "running for this period elsewhere" in said and "--force" not in said, said
