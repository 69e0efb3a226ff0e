"""Mid-year (年中) and annual (年度) scores (CONTRACT 7): the current value of a period at any time, and the final one the
scheduler stores once every eligible month of it is approved (tracker/scores/schedule.py); reopening a month clears it.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Integer, cast, delete, exists, func, or_, select

from tracker import locking
from tracker.auth.models import User
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.scores import bulk
from tracker.scores.models import PeriodScore, Score
from tracker.scores.services import is_eligible, scored_engineers
from tracker.scoring import periods
from tracker.scoring.decimals import round2
from tracker.scoring.month import Month
from tracker.values import month_arg

PERIOD_NAMES = {"mid-year": "mid_year", "annual": "annual"}


@dataclass(frozen=True)
class PeriodResult:
    """An engineer's period score: rounded mean (None without any monthly total), how many months it averages;
    computed_at: when the final was stored, or for a current value the latest computation of its months (None
    without any)."""

    engineer_id: int
    score: Decimal | None
    months: int
    final: bool
    computed_at: datetime | None = None
    stale: bool = False  # a current value with a month whose draft awaits the scheduler's recompute


def period_key(period):
    """'mid-year' / 'annual' (or the stored names) -> the stored name; 422 otherwise."""
    if period in PERIOD_NAMES.values():
        return period
    if period not in PERIOD_NAMES:
        raise Invalid.field("period", _("期间须为 mid-year 或 annual"))
    return PERIOD_NAMES[period]


def _period_months(year, period):
    return [Month.from_parts(year, m) for m in periods.PERIODS[period]]


def current_period_scores(engineer_ids, year, period):
    """{engineer_id: PeriodResult} from the stored totals of the eligible months, computed now (not stored)."""
    period = period_key(period)
    totals = {engineer_id: {} for engineer_id in engineer_ids}
    computed, stale = {}, set()
    if engineer_ids:
        for engineer_id, month, total, computed_at, month_stale in db.session.execute(
                select(Score.engineer_id, Score.month, Score.total, Score.computed_at, Score.stale)
                .where(Score.engineer_id.in_(list(engineer_ids)), Score.month.in_(_period_months(year, period)),
                       Score.eligible.is_(True))):
            totals[engineer_id][month] = total
            computed[engineer_id] = max(computed.get(engineer_id, computed_at), computed_at)
            if month_stale:
                stale.add(engineer_id)
    results = {}
    for engineer_id, by_month in totals.items():
        mean = periods.period_mean(by_month, year, period)
        results[engineer_id] = PeriodResult(engineer_id, round2(mean.score), len(mean.months), False,
                                            computed.get(engineer_id), engineer_id in stale)
    return results


def _approved_months(people, months):
    """{(engineer id, 'YYYY-MM'): whether assessed} of the approved scores of `months`."""
    if not people:
        return {}
    return {(engineer_id, str(month)): eligible for engineer_id, month, eligible in db.session.execute(
        select(Score.engineer_id, Score.month, Score.eligible).where(
            Score.engineer_id.in_([person.id for person in people]), Score.month.in_(months),
            Score.status == "approved"))}


def assessed_months(people, year, period, approved=None):
    """{engineer id: the months of the period each of `people` is assessed in}: an approved month as it was
    approved, assessed or not, which the period's mean holds whatever the rule gives since (an early confirmation
    taken back after April's approval, or one set over months approved as not assessed, left a period that could
    never be final); any other as the rule gives it now (CONTRACT 7: hire date, early confirmation; for one who
    left, none after the last month they were computed for: no one's to approve)."""
    months = _period_months(year, period_key(period))
    approved = _approved_months(people, months) if approved is None else approved
    left = [person.id for person in people if not person.active]
    last = {engineer_id: str(month) for engineer_id, month in db.session.execute(
        select(Score.engineer_id, func.max(Score.month)).where(Score.engineer_id.in_(left), Score.month.in_(months))
        .group_by(Score.engineer_id))} if left else {}

    def assessed(person, month):
        decided = approved.get((person.id, str(month)))
        if decided is not None:
            return decided
        return is_eligible(person, month) and (person.active or str(month) <= last.get(person.id, ""))

    return {person.id: [month for month in months if assessed(person, month)] for person in people}


def _all_months_approved(people, year, period):
    """The ids of the engineers among `people` whose every eligible month of the period is approved (CONTRACT 7):
    a month the engineer is assessed in (hire date, early confirmation) that was never computed, or is a draft,
    holds the final back; one assessed in no month of the period has no final."""
    if not people:
        return set()
    approved = _approved_months(people, _period_months(year, period))
    assessed = assessed_months(people, year, period, approved)
    # no month assessed (hired too late, or only later): nothing to make final, not a final of nothing
    return {person.id for person in people
            if assessed[person.id] and all(approved.get((person.id, str(month))) for month in assessed[person.id])}


def all_final(people, results, year, period):
    """Whether the period is settled for `people` (results: period_view's): every one assessed in a month of it has
    its final. One assessed in none has nothing to settle (a hire of December held the gm's annual flag false for
    ever); False when no one has anything."""
    assessed = assessed_months(people, year, period)
    settling = [person.id for person in people if assessed[person.id] or results[person.id].final]
    return bool(settling) and all(results[engineer_id].final for engineer_id in settling)


def period_scores(year, period, now, final, engineer_ids=None):
    """The period's scores of the active engineers (current values); with final, of those who left too.

    With final, the period's months are locked first (a reopen or an approval of one of them waits, or is waited
    for: the check never reads "all approved" from before a reopen), the scores of the engineers whose every
    eligible month of the period is approved are stored as final, and a stored final whose months are no longer all
    approved is cleared. A final stored before with the same score is kept as it is (its computed_at too: running
    the check again changes nothing). Returns the finals this call stored or changed. The caller commits.
    """
    period = period_key(period)
    if final:
        for month in _period_months(year, period):  # in order, as every holder of several months takes them
            locking.lock_month(month)
    people = scored_engineers(engineer_ids)
    if final:  # and those who left since: their approved months make a final as anyone's do
        people += _departed_with_approved_months(engineer_ids, year, period)
    results = current_period_scores([person.id for person in people], year, period)
    if not final:
        return results
    ready = _all_months_approved(people, year, period)
    stored = {row.engineer_id: (row.score, row.months) for row in db.session.execute(
        select(PeriodScore.engineer_id, PeriodScore.score, PeriodScore.months).where(
            PeriodScore.engineer_id.in_([person.id for person in people]), PeriodScore.year == year,
            PeriodScore.period == period, PeriodScore.final.is_(True)))} if people else {}
    unsettled = sorted(set(stored) - ready)
    if unsettled:
        db.session.execute(delete(PeriodScore).where(
            PeriodScore.engineer_id.in_(unsettled), PeriodScore.year == year, PeriodScore.period == period))
    results = {k: PeriodResult(k, r.score, r.months, True, now) for k, r in results.items()
               if k in ready and stored.get(k) != (r.score, r.months)}
    if results:
        rows = [{"engineer_id": r.engineer_id, "year": year, "period": period, "score": r.score,
                 "months": r.months, "final": True, "computed_at": now}
                for r in sorted(results.values(), key=lambda r: r.engineer_id)]
        bulk.upsert(PeriodScore.__table__, rows, ("engineer_id", "year", "period"),
                    ("score", "months", "final", "computed_at"))
    return results


def finals_of(year, period):
    """How many engineers have the period's final stored."""
    return db.session.scalar(select(func.count()).select_from(PeriodScore).where(
        PeriodScore.year == year, PeriodScore.period == period_key(period), PeriodScore.final.is_(True)))


def store_earlier_finals(period, before_year, now):
    """The finals of the periods before `before_year` that the daily check no longer covers but are due: an engineer
    with an approved month there and no final of it (a month approved late, or approved again after a gm reopened
    it) gets it once every eligible month of it is approved, like in the period's own year. Returns how many were
    stored; the caller commits."""
    period = period_key(period)
    year = cast(func.substr(Score.month, 1, 4), Integer)
    final = exists().where(PeriodScore.engineer_id == Score.engineer_id, PeriodScore.year == year,
                           PeriodScore.period == period, PeriodScore.final.is_(True))
    due = {}
    for engineer_id, month in db.session.execute(select(Score.engineer_id, Score.month).distinct().where(
            Score.status == "approved", Score.eligible.is_(True), Score.month < Month.from_parts(before_year, 1),
            ~final)):
        if month.number in periods.PERIODS[period]:
            due.setdefault(month.year, set()).add(engineer_id)
    return sum(len(period_scores(year, period, now, final=True, engineer_ids=sorted(ids)))
               for year, ids in sorted(due.items()))


def _departed_with_approved_months(engineer_ids, year, period):
    """Those who left (or are no longer engineers) with an approved month in the period (their final is stored like
    anyone's)."""
    query = select(User).where(or_(User.role != "engineer", User.active.is_(False)), exists().where(
        Score.engineer_id == User.id, Score.month.in_(_period_months(year, period)), Score.status == "approved",
        Score.eligible.is_(True))).order_by(User.id)
    if engineer_ids is not None:
        query = query.where(User.id.in_(sorted(set(engineer_ids))))
    return list(db.session.scalars(query))


def clear_final_periods(engineer_id, month):
    """Reopening a month clears the stored final mid-year (January to June) and annual score it was part of."""
    month = month_arg(month)
    names = [name for name, months in periods.PERIODS.items() if month.number in months]
    db.session.execute(delete(PeriodScore).where(
        PeriodScore.engineer_id == engineer_id, PeriodScore.year == month.year, PeriodScore.period.in_(names)))


def clear_unsettled_finals(engineer_ids):
    """A stored final stands while every eligible month of its period is approved (CONTRACT 7): once a change of
    hire date or early confirmation makes a month assessed that is not approved, that final is cleared (the
    scheduler's daily check stores it again when the month is approved). The caller commits."""
    stored = db.session.execute(select(PeriodScore.engineer_id, PeriodScore.year, PeriodScore.period).where(
        PeriodScore.engineer_id.in_(sorted(engineer_ids)), PeriodScore.final.is_(True))).all()
    people = {person.id: person for person in db.session.scalars(
        select(User).where(User.id.in_(sorted({row.engineer_id for row in stored}))))} if stored else {}
    for engineer_id, year, period in stored:
        if engineer_id not in _all_months_approved([people[engineer_id]], year, period):
            db.session.execute(delete(PeriodScore).where(
                PeriodScore.engineer_id == engineer_id, PeriodScore.year == year, PeriodScore.period == period))


def period_view(engineer_ids, year, period):
    """{engineer_id: PeriodResult}: the stored final score where there is one, else the current value."""
    period = period_key(period)
    results = current_period_scores(engineer_ids, year, period)
    if engineer_ids:
        for row in db.session.scalars(select(PeriodScore).where(
                PeriodScore.engineer_id.in_(list(engineer_ids)), PeriodScore.year == year,
                PeriodScore.period == period, PeriodScore.final.is_(True))):
            results[row.engineer_id] = PeriodResult(row.engineer_id, row.score, row.months, True, row.computed_at)
    return results
