"""Draft scores are live (CONTRACT 7): one mechanism, in the database session, for the web, the API and the CLI.

Every flush is inspected: each new, changed or deleted row of something a draft reads names the (engineer, month)
pairs it touches, old values and new (a trip moved to another month touches both). Just before the transaction
commits, those engineers' drafts of those months are recomputed in the same transaction, so the answer that
follows the commit already shows the new figures; a rollback forgets the pairs. Writes that bypass the unit of
work (a Core UPDATE or DELETE) name their pairs with `touch`.

Changes that touch everyone at once (the calendar, a template version) do not recompute in the request: they mark
the drafts of the affected months `stale`, and the scheduler's `recompute_stale` catches up within minutes.
Approved scores never change here: the store writes drafts only.
"""

import contextlib
import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, has_app_context
from sqlalchemy import event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.auth.models import User
from tracker.errors import Conflict
from tracker.itinerary.models import Attendance, CalendarDay, Expense, Trip
from tracker.scores.models import Adjustment, Interview, KpiTemplate, Score, Veto
from tracker.reviews.models import Incident, MetricEntry, Rating, Review
from tracker.workorders.models import Complaint, Survey, WorkOrder
from tracker.scoring import periods
from tracker.scoring.month import Month

log = logging.getLogger(__name__)
PAIRS = "tracker.live.pairs"          # {(engineer_id, "YYYY-MM" or None: every draft month of that engineer)}
STALE = "tracker.live.stale"          # {"YYYY-MM", ">=YYYY-MM" (that month on) or "<=YYYY-MM" (up to it)}
FINALS = "tracker.live.finals"        # {engineer_id}: their months' eligibility changed
BUSY = "tracker.live.busy"
HELD = "tracker.live.held"            # {(engineer_id, Month)} touched whose month's score is approved: it stays
USER_FIELDS = ("bonus_base", "hire_date", "early_confirmation_month", "active", "role", "kpi_template")
ELIGIBILITY = ("hire_date", "early_confirmation_month")
BY_DAY = (Trip, Expense, Attendance, Incident, Complaint)
BY_MONTH = (Review, MetricEntry, Rating, Adjustment, Veto, Interview)
ORDER_TIMES = ("reported_at", "completed_at", "deadline_at")


def _values(obj, attr):
    """The attribute's current value and, for a changed row, the value it had: {non-None values}."""
    state = inspect(obj)
    history = state.attrs[attr].history
    values = set(history.added) | set(history.unchanged) | set(history.deleted)
    if not values and attr in state.dict:
        values = {state.dict[attr]}
    return {value for value in values if value is not None}


def _month_of(value):
    if isinstance(value, (date, datetime)):
        return Month.of(value)
    return value


def _order_pairs(session, order_rows):
    """Work orders: their engineers (and the engineer of the order a rework redoes) in the months of their times, and
    when an order is cancelled or reinstated, the complaints about it in theirs."""
    pairs = set()
    for order in order_rows:
        engineers = _values(order, "engineer_id")
        for redone_id in _values(order, "rework_of_id"):
            redone = session.get(WorkOrder, redone_id)
            if redone is not None and redone.engineer_id is not None:
                engineers.add(redone.engineer_id)
        stamps = set()
        for attr in ORDER_TIMES:
            stamps |= {_month_of(value) for value in _values(order, attr)}
        pairs |= {(engineer_id, month) for engineer_id in engineers for month in stamps}
        if order.id is not None and inspect(order).attrs.engineer_id.history.has_changes():
            # the rework orders that redo this one count against its engineer in the months they were reported,
            # and against their own engineer while this one has none (facts._rework)
            redoing = session.execute(select(WorkOrder.engineer_id, WorkOrder.reported_at)
                                      .where(WorkOrder.rework_of_id == order.id)).all()
            pairs |= {(engineer_id, _month_of(at)) for engineer_id in engineers for _own, at in redoing}
            pairs |= {(own, _month_of(at)) for own, at in redoing if own is not None}
        if order.id is not None and inspect(order).attrs.status.history.has_changes():
            # a complaint about the order counts while the order is not cancelled, in its own engineer and month
            about = session.execute(select(Complaint.engineer_id, Complaint.day)
                                    .where(Complaint.work_order_id == order.id)).all()
            pairs |= {(engineer_id, _month_of(day)) for engineer_id, day in about}
    return pairs


def hold_order_months(order):
    """Take the month locks that a change of this order's survey makes its live recompute take, in ascending order,
    before any one of them alone: a survey's removal checked its completion month first (December) and then
    recomputed the order's report month (November) at commit, while every other writer takes months in ascending
    order; the two deadlocked (a 500 for one of them)."""
    from tracker import locking

    for month in sorted({Month.of(value) for attr in ORDER_TIMES for value in [getattr(order, attr)] if value}):
        locking.lock_month(month)


def _eligibility_change(user):
    """The months whose eligibility a change of hire date or early confirmation may flip: from the earlier first
    assessed month (before or after the change) to the later one, or on when one of them is never."""
    state = inspect(user)

    def before_after(attr):
        history = state.attrs[attr].history
        now = state.dict.get(attr)
        return (history.deleted[0] if history.deleted else now), now

    (hire_old, hire_new), (early_old, early_new) = before_after("hire_date"), before_after("early_confirmation_month")
    starts = {periods.first_assessed(hire_old, early_old), periods.first_assessed(hire_new, early_new)}
    if len(starts) < 2:
        return None
    known = sorted(start for start in starts if start is not None)
    return Since(known[0], known[1] if len(known) == 2 else None)


def _pairs_of(session, rows):
    pairs, stale, orders = set(), set(), []
    for obj in rows:
        if isinstance(obj, BY_DAY):
            pairs |= {(e, _month_of(d)) for e in _values(obj, "engineer_id") for d in _values(obj, "day")}
        elif isinstance(obj, BY_MONTH):
            pairs |= {(e, m) for e in _values(obj, "engineer_id") for m in _values(obj, "month")}
        elif isinstance(obj, WorkOrder):
            orders.append(obj)
        elif isinstance(obj, Survey):
            for order_id in _values(obj, "work_order_id"):
                order = session.get(WorkOrder, order_id)
                if order is not None:
                    orders.append(order)
        elif isinstance(obj, User):
            if obj.role == "engineer" and obj in session.new:
                # a new engineer: the current month's draft at once, as everyone else's stands (assessed or not),
                # once the month is being scored at all; and the earlier months a past hire date makes assessed,
                # as a hire date set later computes them (they stayed "never computed", unapprovable)
                pairs.add((obj.id, CURRENT))
                with contextlib.suppress(ValueError, OverflowError):  # 9999-12-31, flushed before it is refused
                    first = periods.first_assessed(obj.hire_date, obj.early_confirmation_month)
                    if first is not None:
                        pairs.add((obj.id, Since(first)))
            if obj.role == "engineer" and inspect(obj).persistent and any(
                    inspect(obj).attrs[f].history.has_changes() for f in USER_FIELDS):
                pairs.add((obj.id, None))
                if any(inspect(obj).attrs[f].history.has_changes() for f in ELIGIBILITY):
                    # the months it makes assessed may have no draft yet, and a stored final may no longer hold
                    session.info.setdefault(FINALS, set()).add(obj.id)
                    changed = _eligibility_change(obj)
                    if changed is not None:
                        pairs.add((obj.id, changed))
        elif isinstance(obj, CalendarDay):
            # that month's workdays, and the business hours of earlier months' orders answered or done on the day
            # (reported on 31 December, answered on 4 January: 1 January made a holiday changes December)
            stale |= {"<=" + _month_of(day) for day in _values(obj, "day")}
        elif isinstance(obj, KpiTemplate):
            stale |= {">=" + m for m in _values(obj, "effective_from")}
    return pairs | _order_pairs(session, orders), stale


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):
    """Note what this flush changed (the session still knows the pre-flush state and every attribute's history)."""
    changed = list(session.new) + list(session.dirty) + list(session.deleted)
    if not changed:
        return
    pairs, stale = _pairs_of(session, changed)
    if pairs:
        session.info.setdefault(PAIRS, set()).update(pairs)
    if stale:
        session.info.setdefault(STALE, set()).update(stale)


def touch(engineer_id, month, session=None):
    """Name a draft to recompute before this transaction commits (for writes the session does not see)."""
    session = session or _session()
    session.info.setdefault(PAIRS, set()).add((engineer_id, month))


def _session():
    from tracker.extensions import db
    return db.session()


def settle(now=None, session=None, strict=False):
    """Flush, then recompute every draft this transaction has touched so far, in it (no commit), as of `now`:
    by default the time the caller (request, command, job) stamped on the session (tracker.clock.stamp).

    A draft that cannot be computed (its template has no version in force, say) must not undo the change that
    touched it: it is marked stale instead, and the scheduler's run reports the error to the admins. With
    `strict` (approval) the conflict is raised. A unit of work no caller stamped (a shell, a script) leaves the
    drafts it touched stale for the scheduler as well.
    """
    from tracker.scores import services, yearly  # services import the models this module watches

    session = session or _session()
    if session.info.get(BUSY):
        return
    session.info[BUSY] = True
    try:
        session.flush()
        pairs = session.info.pop(PAIRS, set())
        stale = session.info.pop(STALE, set())
        finals = session.info.pop(FINALS, set())
        if finals:
            yearly.clear_unsettled_finals(finals)
        if not pairs and not stale:
            return
        now = now or clock.of(session)
        if now is None:
            _leave_stale(pairs, session)
        else:
            _recompute(services, pairs, now, session, strict)
        if stale:
            mark_stale(stale, session)
    finally:
        session.info.pop(BUSY, None)


def _recompute(services, pairs, now, session, strict):
    """Recompute the touched drafts of the months up to now's, month by month."""
    current = Month.of(now.date())
    by_month = {}
    for engineer_id, month in _expand(session, pairs, current):
        if month <= current:
            by_month.setdefault(month, set()).add(engineer_id)
    for month in sorted(by_month):
        _compute(services, month, now, sorted(by_month[month]), session, strict)
        approved = session.scalars(select(Score.engineer_id).where(
            Score.month == month, Score.status == "approved", Score.engineer_id.in_(sorted(by_month[month]))))
        session.info.setdefault(HELD, set()).update((engineer_id, month) for engineer_id in approved)


def take_held(session=None):
    """[(engineer_id, Month)] whose approved score the changes this session committed would have changed: kept as
    approved until the gm reopens the month (CONTRACT 7), which whoever made the change is told. Taken once."""
    session = session or _session()
    return sorted(session.info.pop(HELD, ()), key=lambda pair: (str(pair[1]), pair[0]))


def _leave_stale(pairs, session):
    """Mark the touched drafts (an engineer's month, or all of an engineer's drafts) stale for the scheduler."""
    log.warning("no time stamped on this unit of work: %s draft(s) left stale for the scheduler", len(pairs))
    for engineer_id, month in sorted(pairs, key=str):
        touched = [Score.engineer_id == engineer_id, Score.status == "draft"]
        if month is not None and not isinstance(month, Since):
            touched.append(Score.month == month)
        session.execute(update(Score).where(*touched).values(stale=True)
                        .execution_options(synchronize_session=False))


def _compute(services, month, now, engineer_ids, session, strict):
    try:
        services.compute_month(month, now, engineer_ids=engineer_ids)
        return
    except Conflict:
        if strict:
            raise
    for engineer_id in engineer_ids:  # the others still get their figures; the one that fails waits, stale
        try:
            services.compute_month(month, now, engineer_ids=[engineer_id])
        except Conflict as error:
            log.warning("draft %s of engineer %s left stale: %s", month, engineer_id, error.message)
            session.execute(update(Score).where(Score.engineer_id == engineer_id, Score.month == month,
                                                Score.status == "draft").values(stale=True)
                            .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Since:
    """A pair's month that stands for every month from `month` to the current one, or to the one before `until`
    (never equal to a month itself). Months before the first month anyone was scored in are left out: the company
    was not assessing then."""

    month: Month
    until: Month | None = None


CURRENT = "current"  # a pair's month: the current month, when anyone has a score of it


def _expand(session, pairs, current):
    """(engineer, None) -> that engineer's draft months and the current month; (engineer, Since(M)) -> M to the
    current month; (engineer, CURRENT) -> the current month once anyone has a score of it."""
    for engineer_id, month in pairs:
        if month == CURRENT:
            if session.scalar(select(Score.id).where(Score.month == current).limit(1)) is not None:
                yield engineer_id, current
            continue
        if isinstance(month, Since):
            if str(month.month) > str(current):  # not begun (2100-01, of a hire date late in 2099): nothing yet
                continue
            end = min(current, month.until.previous()) if month.until is not None else current
            month = Month.parse(str(month.month))  # as assigned: a Month, or its text
            first = session.scalar(select(func.min(Score.month)))
            if first is None:  # no month scored yet: none to compute
                continue
            if month < first:
                month = Month.parse(str(first))
            while month <= end:
                yield engineer_id, month
                month = month.next()
            continue
        if month is not None:
            yield engineer_id, month
            continue
        yield engineer_id, current
        yield from ((engineer_id, m) for m in session.scalars(
            select(Score.month).where(Score.engineer_id == engineer_id, Score.status == "draft")))


def mark_stale(stale, session=None):
    """Mark the drafts of these months ("YYYY-MM"; ">=YYYY-MM": that month on; "<=YYYY-MM": that month and every
    one before) stale for the scheduler."""
    session = session or _session()
    exact = sorted(m for m in stale if m[:2] not in (">=", "<="))
    since = sorted(m[2:] for m in stale if m.startswith(">="))
    until = sorted(m[2:] for m in stale if m.startswith("<="))
    conditions = [Score.month.in_(exact)] if exact else []
    if since:
        conditions.append(Score.month >= since[0])
    if until:
        conditions.append(Score.month <= until[-1])
    session.execute(update(Score).where(or_(*conditions), Score.status == "draft").values(stale=True)
                    .execution_options(synchronize_session=False))


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    if not has_app_context() or current_app.config.get("LIVE_SCORES") is False:
        for key in (PAIRS, STALE, FINALS):
            session.info.pop(key, None)
        return
    if any(session.info.get(key) for key in (PAIRS, STALE, FINALS)) or session.new or session.dirty or session.deleted:
        settle(session=session)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if not previous_transaction.nested:
        for key in (PAIRS, STALE, FINALS, HELD):
            session.info.pop(key, None)


def recompute_stale(now):
    """The scheduler's catch-up: recompute the months that have stale drafts (all their engineers). The caller
    commits. Returns the months recomputed.

    A draft that cannot be computed (a template its records no longer fit) stays stale, logged, as in the live
    path; the other stale drafts of its month are recomputed all the same (one such draft held back every other
    one of the month, and failed the run every minute)."""
    from tracker.scores import services

    session = _session()
    done = []
    # a compute recomputes every draft of its month (one who left, or is no longer an engineer, with a draft is
    # scored for it, services.scored_engineers), so none is left stale to send the scheduler round every minute
    waiting = (Score.stale.is_(True), Score.status == "draft")
    for month in session.scalars(select(Score.month).where(*waiting).distinct().order_by(Score.month)).all():
        try:
            services.compute_month(month, now)
        except Conflict:
            stale = session.scalars(select(Score.engineer_id).where(Score.month == month, *waiting)).all()
            _compute(services, month, now, stale, session, strict=False)
        done.append(month)
    return done
