"""The scheduled jobs of scores and reminders (CONTRACT 9); importing this module registers them.

Times are in TRACKER_TIMEZONE (jobs.build_scheduler gives every trigger that zone). Each job's key names the
period it covers, so a period runs once per claim; the work itself upserts, so running it again changes nothing.
"""

from flask_babel import lazy_gettext as _l

from tracker import jobs, mail
from tracker.scores import live, services, yearly
from tracker.scoring.month import Month


# A run's summary is stored as data and worded in its reader's language (jobs.said).
jobs.wording("scores_computed", _l("%(month)s：计算 %(computed)s 人（参加考核 %(eligible)s 人，未满考核条件 "
                                   "%(ineligible)s 人，待定 %(pending)s 人），已审批的 %(approved)s 人保持不变"))
jobs.wording("scores_computed_but", _l("%(month)s：计算 %(computed)s 人（参加考核 %(eligible)s 人，未满考核条件 "
                                       "%(ineligible)s 人，待定 %(pending)s 人），已审批的 %(approved)s 人保持不变；"
                                       "%(failed)s 人无法计算，草稿标为待重算：%(reasons)s"))
jobs.wording("mid_year_stored", _l("%(year)s 年年中：存入 %(n)s 人"))
jobs.wording("annual_stored", _l("%(year)s 年年度：存入 %(n)s 人"))
jobs.wording("mid_year_stored_and_earlier", _l("%(year)s 年年中：存入 %(n)s 人；更早年份的年中补存 %(earlier)s 人"))
jobs.wording("annual_stored_and_earlier", _l("%(year)s 年年度：存入 %(n)s 人；更早年份的年度补存 %(earlier)s 人"))
# since: how many have a final in all beside how many this run stored (a second run said "存入 0 人" alone, read as
# nobody having one); the wordings above stay for the runs recorded before
jobs.wording("mid_year_finals", _l("%(year)s 年年中：存入 %(n)s 人，共 %(total)s 人已有最终分"))
jobs.wording("annual_finals", _l("%(year)s 年年度：存入 %(n)s 人，共 %(total)s 人已有最终分"))
jobs.wording("mid_year_finals_and_earlier", _l("%(year)s 年年中：存入 %(n)s 人，共 %(total)s 人已有最终分；"
                                               "更早年份的年中补存 %(earlier)s 人"))
jobs.wording("annual_finals_and_earlier", _l("%(year)s 年年度：存入 %(n)s 人，共 %(total)s 人已有最终分；"
                                             "更早年份的年度补存 %(earlier)s 人"))
jobs.wording("reminded", _l("%(month)s：提醒 %(n)s 人"))
jobs.wording("recomputed", _l("重新计算 %(months)s"))


def computed_summary(result, reasons=()):
    """A month's compute result as a stored summary (jobs.said): the jobs page words it, and so do the commands."""
    figures = {name: result[name] for name in ("month", "computed", "eligible", "ineligible", "pending", "approved")}
    if reasons:
        return jobs.said("scores_computed_but", failed=len(reasons), reasons="；".join(reasons), **figures)
    return jobs.said("scores_computed", **figures)


def recompute_current_month(now):
    """Nightly: the current month's drafts, as known now (an engineer who cannot be computed holds nobody back)."""
    return computed_summary(*services.compute_month_sparing(Month.of(now.date()), now))


def close_previous_month(now):
    """On the 1st: the previous month's drafts once more, judged at its end (as_of caps at the month's end)."""
    return computed_summary(*services.compute_month_sparing(jobs.previous_month_key(now), now))


def mid_year(now):
    """Daily from 1 July: January to June of this year (before July, of last year) stored as final for each
    engineer whose every eligible month of it is approved (a reopened month cleared it; it is stored again); and
    of an earlier year, for whoever has an approved month there and no final (approved late, or again after a
    reopen), which the check of the latest period alone never stored."""
    year = now.year if now.month >= 7 else now.year - 1
    earlier = yearly.store_earlier_finals("mid_year", year, now)  # earlier years first: months locked in order
    return _stored("mid_year", year, len(yearly.period_scores(year, "mid_year", now, final=True)), earlier)


def annual(now):
    """Daily: last year's annual score stored as final for each engineer whose every eligible month is approved
    (and an earlier year's, when its months were approved since: see mid_year)."""
    year = now.year - 1
    earlier = yearly.store_earlier_finals("annual", year, now)  # earlier years first: months locked in order
    return _stored("annual", year, len(yearly.period_scores(year, "annual", now, final=True)), earlier)


def _stored(period, year, n, earlier):
    total = yearly.finals_of(year, period)
    if earlier:
        return jobs.said(period + "_finals_and_earlier", year=year, n=n, total=total, earlier=earlier)
    return jobs.said(period + "_finals", year=year, n=n, total=total)


def remind(now):
    """On the 3rd: remind the engineers who have not submitted the previous month."""
    month = jobs.previous_month_key(now)
    reminded = services.remind_unsubmitted(month, now)
    return jobs.said("reminded", month=month, n=reminded)


def stale_drafts(now):
    """Every minute: recompute the drafts a company-wide change (calendar, template) marked stale."""
    done = live.recompute_stale(now)
    if not done:
        return None
    return jobs.said("recomputed", months=[str(month) for month in done])


jobs.register("scores_nightly", {"hour": 2, "minute": 0}, jobs.day_key, recompute_current_month)
jobs.register("scores_close_month", {"day": 1, "hour": 3, "minute": 0}, jobs.previous_month_key,
              close_previous_month)
jobs.register("scores_mid_year", {"hour": 4, "minute": 0}, jobs.day_key, mid_year)
jobs.register("scores_annual", {"hour": 4, "minute": 10}, jobs.day_key, annual)
jobs.register("submission_reminders", {"day": 3, "hour": 9, "minute": 0}, jobs.previous_month_key, remind)
jobs.register_frequent("stale_scores", 60, stale_drafts)
jobs.register_frequent("outbox", 30, mail.send_outbox)
