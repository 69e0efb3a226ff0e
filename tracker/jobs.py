"""The scheduler (CONTRACT 9): its own process, jobs claimed in the database, every run recorded.

A job is a function `work(now) -> str` (a one-line summary, made by `said`) plus a key naming the period it
covers. A run claims its (job, key) row first: a unique constraint makes sure two schedulers, or a retry, never
both do the same period's work; a run that failed may be claimed again. The work itself is idempotent (upserts) as well.
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.extensions import db
from tracker.scoring.month import Month

MISFIRE_GRACE_HOURS = 6
CATCH_UP_MINUTES = 10  # how often a running scheduler looks for a period that did not run (the database was away)
MAX_ATTEMPTS = 3  # a period's run that failed or died is tried again by the catch-up until it has had this many
ABANDONED = timedelta(hours=2)  # no job runs this long: a run still "running" after it died
ABANDONED_ERROR = "abandoned: no end was recorded (the process stopped, or its outcome could not be written)"


class _Run:
    """What a run records: job_runs holds the latest run of each (job, key), job_run_history the ones it replaced."""

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16))  # running, ok, error
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1)
    triggered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class JobRun(_Run, db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "key"),)


class EarlierRun(_Run, db.Model):
    """A run of (job, key) that a later run of the same period replaced in job_runs (a retry after an error, or an
    admin's run now): kept as it was, so every run stays on record (CONTRACT 9)."""

    __tablename__ = "job_run_history"


RECORDED = ("started_at", "finished_at", "outcome", "summary", "error", "attempts", "triggered_by_id")


def claim(job, key, now, force=False, by=None):
    """The run row if this process may do (job, key) now, else None. Commits the claim, naming `by` (the id of the
    admin who started it by hand) with it; the run it replaces (an error retried, or any finished run when forced)
    goes to job_run_history first, in the same transaction."""
    row = JobRun(job=job, key=key, started_at=now, outcome="running", triggered_by_id=by)
    db.session.add(row)
    try:
        db.session.commit()
        return row
    except IntegrityError:
        db.session.rollback()
    retry = ["error", "ok"] if force else ["error"]
    # a run still "running" long after it started died without recording its end (the process was killed, or its
    # outcome could not be written): it may be claimed again, or its period could never run
    replaceable = JobRun.outcome.in_(retry) | ((JobRun.outcome == "running") & (JobRun.started_at < now - ABANDONED))
    before = db.session.execute(select(JobRun.id, *(getattr(JobRun, name) for name in RECORDED))
                                .where(JobRun.job == job, JobRun.key == key, replaceable)).first()
    if before is None:
        db.session.rollback()
        return None
    # only the run read above is replaced: a process that claimed it meanwhile changed its attempts
    result = db.session.execute(
        update(JobRun).where(JobRun.id == before.id, JobRun.attempts == before.attempts, replaceable)
        .values(outcome="running", started_at=now, finished_at=None, error=None, summary=None, triggered_by_id=by,
                attempts=JobRun.attempts + 1))
    if result.rowcount != 1:
        db.session.rollback()
        return None
    earlier = {name: getattr(before, name) for name in RECORDED}
    if earlier["outcome"] == "running":
        earlier.update(outcome="error", error=ABANDONED_ERROR)
    db.session.add(EarlierRun(job=job, key=key, **earlier))
    db.session.commit()
    return db.session.get(JobRun, before.id)


def run(job, key, work, now=None, force=False, by=None):
    """Claim (job, key), do the work, record the outcome; returns the run row or None when someone else has it.
    The run's time is stamped on the session (what its hooks take as now)."""
    now = clock.stamp(db.session(), now or clock.now())
    row = claim(job, key, now, force, by)
    if row is None:
        return None
    row_id = row.id
    try:
        summary = work(now)
        db.session.commit()
        outcome, error = "ok", None
    except Exception as exc:  # a job's failure is recorded, never lost
        db.session.rollback()
        summary, outcome, error = None, "error", f"{type(exc).__name__}: {exc}"
    row = db.session.get(JobRun, row_id)
    row.outcome, row.summary, row.error, row.finished_at = outcome, summary, error, clock.now()
    db.session.commit()
    return row


# ---- summaries --------------------------------------------------------------------------------------
# A run's summary is stored as data, the key of a wording and its parameters, and worded when it is read, in the
# reader's language (an admin's English jobs page, the command line in the product's first language). A summary
# stored as text by an earlier release is shown as it is.

WORDINGS = {}


def wording(key, text):
    """Register the wording of a summary: a lazy_gettext text with %(name)s parameters."""
    WORDINGS[key] = text


def said(key, **params):
    """A summary as stored: a registered wording's key and its parameters (text, numbers; a list is joined)."""
    if key not in WORDINGS:
        raise KeyError(key)
    return json.dumps({"said": key, "params": params}, ensure_ascii=False, sort_keys=True)


def summary_text(summary):
    """A stored summary in the current language ("" for none)."""
    if not summary:
        return ""
    try:
        data = json.loads(summary)
    except ValueError:
        return summary
    if not isinstance(data, dict) or data.get("said") not in WORDINGS or not isinstance(data.get("params"), dict):
        return summary
    params = {name: _("、").join(map(str, value)) if isinstance(value, list) else value
              for name, value in data["params"].items()}
    try:
        return str(WORDINGS[data["said"]]) % params
    except (KeyError, TypeError, ValueError):  # a wording changed since the run was stored
        return summary


# ---- the schedule ----------------------------------------------------------------------------------
# Each entry: name, cron fields, key(now) naming the period, and the work. The work functions are
# registered by the features that own them (scores, reminders) through `register`.

SCHEDULE = {}


def register(name, cron, key, work):
    """Add a job: cron = dict of CronTrigger fields; key(now) -> str; work(now) -> summary."""
    SCHEDULE[name] = {"cron": cron, "key": key, "work": work}


def run_named(app, name, now=None, force=False, by=None):
    """Run one registered job inside an app context (used by the scheduler and by admins: `by`, the admin's id);
    the run's row, or None when another process had it."""
    with app.app_context():
        entry = SCHEDULE[name]
        now = now or clock.now()
        row = run(name, entry["key"](now), entry["work"], now, force, by)
        if row is not None:  # loaded and detached: readable after this context (and its session) ends
            db.session.refresh(row)
            db.session.expunge(row)
        return row


# Frequent work (every few seconds to minutes): the outbox, stale drafts. A run is recorded only when it did
# something or failed, so the list of runs stays readable.
FREQUENT = {}


class Failed(str):
    """What frequent work returns when it did its work (kept: committed) but all of it failed: its summary, with
    the error the run is recorded with (outcome "error"). The outbox, when no message could be sent."""

    def __new__(cls, summary, error):
        text = super().__new__(cls, summary)
        text.error = error
        return text


def register_frequent(name, seconds, work):
    """Add frequent work: work(now) -> a summary (Failed: one with an error), or None when there was nothing to do."""
    FREQUENT[name] = {"seconds": seconds, "work": work}


def run_frequent(app, name, now=None):
    """Run one frequent task inside an app context; record a run when it did something or failed."""
    with app.app_context():
        now = clock.stamp(db.session(), now or clock.now())
        try:
            summary = FREQUENT[name]["work"](now)
            db.session.commit()
            outcome, error = ("error", summary.error) if isinstance(summary, Failed) else ("ok", None)
        except Exception as exc:  # recorded for the admins; the next run tries again
            db.session.rollback()
            summary, outcome, error = None, "error", f"{type(exc).__name__}: {exc}"
        if summary is None and error is None:
            return None
        _record_frequent(name, now, outcome, summary, error)
        return summary_text(summary) or error


def _record_frequent(name, now, outcome, summary, error):
    """Record a frequent run under its start to the second; a second run of that second (two schedulers at once)
    is recorded beside it as <second>#2, ..., never dropped (CONTRACT 9: every run is recorded)."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S")
    for attempt in range(1, 10):
        try:
            with db.session.begin_nested():
                db.session.add(JobRun(job=name, key=stamp if attempt == 1 else f"{stamp}#{attempt}", started_at=now,
                                      finished_at=clock.now(), outcome=outcome, summary=summary, error=error))
            db.session.commit()
            return
        except IntegrityError:
            continue
    db.session.rollback()


def build_scheduler(app):
    """A blocking APScheduler with every registered job, in the configured time zone."""
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"])
    for name, entry in FREQUENT.items():
        scheduler.add_job(run_frequent, IntervalTrigger(seconds=entry["seconds"]), args=(app, name), id=name,
                          name=name, replace_existing=True, coalesce=True, max_instances=1)
    for name, entry in SCHEDULE.items():
        scheduler.add_job(run_named, CronTrigger(timezone=app.config["TIMEZONE"], **entry["cron"]),
                          args=(app, name), id=name, name=name, replace_existing=True, coalesce=True,
                          max_instances=1, misfire_grace_time=MISFIRE_GRACE_HOURS * 3600)
    # a job that fired while the database could not be reached left no run (its claim failed), and one cut off
    # mid-run stays "running": both would wait for the next period (a month, for the close) or a restart
    scheduler.add_job(catch_up, IntervalTrigger(minutes=CATCH_UP_MINUTES), args=(app,), id="catch_up",
                      name="catch_up", replace_existing=True, coalesce=True, max_instances=1)
    return scheduler


def missed(app, now):
    """The scheduled jobs whose latest time up to `now` (local, naive) has passed without a run of its period (or
    with one that failed or died, fewer than MAX_ATTEMPTS times), where a run now would still be of that period:
    the day's compute after 02:00, the month's close at any time of the month once the 1st's 03:00 has passed. A
    scheduler started after such a time (a restart, a deploy) has not fired it, and APScheduler keeps no record of
    times before it started; one that fired it while the database was away recorded nothing."""
    zone = ZoneInfo(app.config["TIMEZONE"])
    names = []
    with app.app_context():
        for name, entry in SCHEDULE.items():
            last = _last_fire(CronTrigger(timezone=app.config["TIMEZONE"], **entry["cron"]), now, zone)
            if last is None or entry["key"](last) != entry["key"](now):
                continue
            ran = db.session.execute(select(JobRun.outcome, JobRun.started_at, JobRun.attempts).where(
                JobRun.job == name, JobRun.key == str(entry["key"](now)))).first()
            if ran is None or (ran.attempts < MAX_ATTEMPTS and (ran.outcome == "error" or (
                    ran.outcome == "running" and ran.started_at < now - ABANDONED))):
                names.append(name)
    return names


def _last_fire(trigger, now, zone):
    """The trigger's latest time at or before `now` within the last 32 days (naive local), or None."""
    fire, last = trigger.get_next_fire_time(None, (now - timedelta(days=32)).replace(tzinfo=zone)), None
    while fire is not None and fire.replace(tzinfo=None) <= now:
        last = fire.replace(tzinfo=None)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


def catch_up(app, now=None):
    """Run the jobs a scheduler starting now has missed (`missed`), each claimed like a scheduled run, so one that
    ran already (another scheduler, an admin) is not run again. Returns [(name, run row or None)]."""
    if now is None:
        with app.app_context():
            now = clock.now()
    return [(name, run_named(app, name, now=now)) for name in missed(app, now)]


SHOWN = ("job", "key") + RECORDED


def recent_runs(limit=100, page=1):
    """A page of the runs, newest first: the current run of each period and the earlier runs it replaced, every one
    of them on some page (CONTRACT 9: every run is visible to admins). Rows with the attributes of SHOWN."""
    runs = union_all(select(*(getattr(JobRun, name) for name in SHOWN)),
                     select(*(getattr(EarlierRun, name) for name in SHOWN))).subquery()
    return db.session.execute(select(runs).order_by(runs.c.started_at.desc(), runs.c.job, runs.c.key)
                              .limit(limit).offset((page - 1) * limit)).all()


def run_count():
    return (db.session.scalar(select(func.count()).select_from(JobRun))
            + db.session.scalar(select(func.count()).select_from(EarlierRun)))


def day_key(now):
    return now.date().isoformat()


def previous_month_key(now):
    return Month.of(now).previous()
