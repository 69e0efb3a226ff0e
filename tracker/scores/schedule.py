"""The scheduled jobs of scores and reminders (CONTRACT 9); importing this module registers them.

Times are in TRACKER_TIMEZONE (jobs.build_scheduler gives every trigger that zone). Each job's key names the
period it covers, so a period runs once per claim; the work itself upserts, so running it again changes nothing.
"""

from tracker import jobs, mail
from tracker.scores import live, services
from tracker.scoring.month import Month


def _summary(result):
    return (f"{result['month']}: {result['computed']} computed ({result['eligible']} eligible, "
            f"{result['ineligible']} not eligible, {result['pending']} pending), {result['approved']} approved kept")


def recompute_current_month(now):
    """Nightly: the current month's drafts, as known now."""
    return _summary(services.compute_month(Month.of(now.date()), now))


def close_previous_month(now):
    """On the 1st: the previous month's drafts once more, judged at its end (as_of caps at the month's end)."""
    return _summary(services.compute_month(jobs.previous_month_key(now), now))


def mid_year(now):
    """Daily from 1 July: January to June of this year (before July, of last year) stored as final for each
    engineer whose every eligible month of it is approved (a reopened month cleared it; it is stored again)."""
    year = now.year if now.month >= 7 else now.year - 1
    results = services.period_scores(year, "mid_year", now, final=True)
    return f"{year} mid-year: {len(results)} stored"


def annual(now):
    """Daily: last year's annual score stored as final for each engineer whose every eligible month is approved."""
    results = services.period_scores(now.year - 1, "annual", now, final=True)
    return f"{now.year - 1} annual: {len(results)} stored"


def remind(now):
    """On the 3rd: remind the engineers who have not submitted the previous month."""
    month = jobs.previous_month_key(now)
    return f"{month}: {services.remind_unsubmitted(month, now)} reminded"


def stale_drafts(now):
    """Every minute: recompute the drafts a company-wide change (calendar, template) marked stale."""
    done = live.recompute_stale(now)
    return f"recomputed {', '.join(done)}" if done else None


jobs.register("scores_nightly", {"hour": 2, "minute": 0}, jobs.day_key, recompute_current_month)
jobs.register("scores_close_month", {"day": 1, "hour": 3, "minute": 0}, jobs.previous_month_key,
              close_previous_month)
jobs.register("scores_mid_year", {"hour": 4, "minute": 0}, jobs.day_key, mid_year)
jobs.register("scores_annual", {"hour": 4, "minute": 10}, jobs.day_key, annual)
jobs.register("submission_reminders", {"day": 3, "hour": 9, "minute": 0}, jobs.previous_month_key, remind)
jobs.register_frequent("stale_scores", 60, stale_drafts)
jobs.register_frequent("outbox", 30, mail.send_outbox)
