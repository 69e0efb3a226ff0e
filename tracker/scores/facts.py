"""Facts from records: the plain dicts of tracker/scoring/facts.py for every engineer of a month, read in SQL.

Each kind of fact is one grouped query over all the engineers asked for, its record ids aggregated in the same
query (an array on PostgreSQL, a comma list on SQLite: one row per engineer, not one per record; attendance, a few
exceptions per engineer, is read as plain rows), so the number of queries does not grow with the number of
engineers or records. Statements run on the session's connection as
plain rows (no ORM entities). Cancelled work orders count nowhere. Times are compared as recorded (naive local
datetimes). CONTRACT.md section 7.
"""

import json
import sqlite3
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Integer, and_, case, func, or_, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from tracker.extensions import db
from tracker.idlist import among
from tracker.itinerary import calendar
from tracker.itinerary.models import Attendance, Expense, Trip
from tracker.itinerary.services import month_field_hours
from tracker.reviews.models import Incident, MetricEntry, Rating, Review
from tracker.scores.models import Adjustment, Veto
from tracker.scoring.business_hours import days_spanned
from tracker.scoring.decimals import ZERO, round2
from tracker.workorders.models import Complaint, Survey, WorkOrder
from tracker.values import month_arg

RESPONSE_LIMIT = timedelta(hours=2)
GOOD_SURVEY = 4  # a survey scoring 4 or 5 (of 1-5) is a satisfied customer
REWORK_FACTS = {"external": "rework_external", "internal": "rework_internal"}


UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)


class seconds_between(FunctionElement):
    """seconds_between(start, end): whole seconds from one datetime column to another, on SQLite and PostgreSQL."""

    type = Integer()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    # SQLite keeps datetimes as ISO text; unixepoch (3.38+) and strftime('%s') read them (any fraction) as the same
    # whole epoch seconds; unixepoch returns the integer itself, without formatting and parsing text (about half
    # the time per row)
    if UNIXEPOCH:
        return f"(unixepoch({end}) - unixepoch({start}))"
    return f"(CAST(strftime('%s', {end}) AS INTEGER) - CAST(strftime('%s', {start}) AS INTEGER))"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _rows(statement):
    """The statement's rows as plain tuples, on the session's connection (no ORM loading)."""
    return db.session.connection().execute(statement)


def _postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def _id_list(column, condition):
    """An aggregate: the ids (column) of the group's rows meeting condition, read back by _ids."""
    if _postgresql():
        return func.array_agg(aggregate_order_by(column, column)).filter(condition)
    return func.group_concat(case((condition, column)))


def _ids(value):
    """An _id_list result as a list of ids in ascending order."""
    if not value:
        return []
    if isinstance(value, str):
        return sorted(map(int, value.split(",")))
    return list(value)


def month_facts(engineer_ids, month, as_of, business_hours=True):
    """{engineer_id: facts dict} for month "YYYY-MM" as known at `as_of` (see tracker/scoring/facts.py)."""
    ids = sorted(set(engineer_ids))
    month = month_arg(month)
    facts = {engineer_id: _empty() | {"month": str(month)} for engineer_id in ids}
    if not ids:
        return facts
    first, nxt = month.bounds()
    window = (datetime.combine(first, time()), datetime.combine(nxt, time()))
    _attendance(facts, ids, first, nxt, as_of)
    for engineer_id, hours in month_field_hours(ids, first, nxt).items():
        facts[engineer_id]["field_hours"] = hours
    _trips(facts, ids, first, nxt)
    _expenses(facts, ids, first, nxt)
    _response(facts, ids, window, as_of)
    _on_time(facts, ids, window, as_of)
    if business_hours:  # every order's times and the calendar: only for a template measuring business hours
        _business_time(facts, ids, window, as_of)
    _rework(facts, ids, window)
    _satisfaction(facts, ids, window)
    _complaints(facts, ids, first, nxt)
    _entered(facts, ids, month, first, nxt)
    return facts


def _empty():
    return {
        "attendance": {"counts": {}, "day_ids": []},
        "field_hours": ZERO,
        "trip_ids": [],
        "expenses": ZERO,
        "expense_ids": [],
        "response": {"within": 0, "outside": 0, "pending": 0, "outside_ids": [],
                     "limit_seconds": int(RESPONSE_LIMIT.total_seconds()), "orders": []},
        "on_time": {"late_ids": [], "has_deadline": False, "orders": []},
        "rework_external": {"unit_ids": [], "completed": 0},
        "rework_internal": {"unit_ids": [], "completed": 0},
        "satisfaction": {"surveys": 0, "good": 0, "low_ids": [], "upheld_complaint_ids": []},
        "complaints": {"total": 0, "satisfied": 0, "unsatisfied_ids": []},
        "incidents": [],
        "metrics": {},
        "ratings": {},
        "reviews": [],
        "adjustments": [],
        "veto": False,
    }


def _attendance(facts, ids, first, nxt, as_of):
    """Workdays per status; a workday without a record (up to as_of) is present. Records off workdays are ignored."""
    workdays = sorted(day for day, workday in calendar.workdays_between(first, nxt).items() if workday)
    elapsed = sum(1 for day in workdays if datetime.combine(day, time()) < as_of)
    counts = {}
    for engineer_id, status, record_id in _rows(
            select(Attendance.engineer_id, Attendance.status, Attendance.id)
            .where(among(Attendance.engineer_id, ids), Attendance.day.in_(workdays), Attendance.status != "present")
            .order_by(Attendance.day, Attendance.id)):  # a few records per engineer: one plain query for both
        own = counts.setdefault(engineer_id, {})
        own[status] = own.get(status, 0) + 1
        facts[engineer_id]["attendance"]["day_ids"].append(record_id)
    for engineer_id in ids:
        own = counts.get(engineer_id, {})
        facts[engineer_id]["attendance"]["counts"] = {"present": max(0, elapsed - sum(own.values())),
                                                      **dict(sorted(own.items()))}


def _trips(facts, ids, first, nxt):
    """The month's trips, by id: the records behind the field hours (month_field_hours sums them by day)."""
    for engineer_id, trip_ids in _rows(
            select(Trip.engineer_id, _id_list(Trip.id, true()))
            .where(among(Trip.engineer_id, ids), Trip.day >= first, Trip.day < nxt)
            .group_by(Trip.engineer_id)):
        facts[engineer_id]["trip_ids"] = _ids(trip_ids)


def _expenses(facts, ids, first, nxt):
    for engineer_id, total, expense_ids in _rows(
            select(Expense.engineer_id, func.sum(Expense.amount), _id_list(Expense.id, true()))
            .where(among(Expense.engineer_id, ids), Expense.day >= first, Expense.day < nxt)
            .group_by(Expense.engineer_id)):
        facts[engineer_id]["expenses"] = round2(Decimal(str(total)))
        facts[engineer_id]["expense_ids"] = _ids(expense_ids)


def _live_orders(ids, column, window):
    """Not cancelled, of these engineers, with `column` in the month."""
    return and_(among(WorkOrder.engineer_id, ids), column >= window[0], column < window[1],
                WorkOrder.status != "cancelled")


def _response(facts, ids, window, as_of):
    """Orders reported in the month: answered within 2 h, outside (late, or unanswered and overdue), pending."""
    if _postgresql():  # an interval against an interval: no epoch arithmetic in numeric per row
        waited, limit = WorkOrder.responded_at - WorkOrder.reported_at, RESPONSE_LIMIT
    else:
        waited, limit = seconds_between(WorkOrder.reported_at, WorkOrder.responded_at), RESPONSE_LIMIT.total_seconds()
    due_before = as_of - RESPONSE_LIMIT  # reported_at + 2 h < as_of, with the arithmetic on the parameter
    answered = WorkOrder.responded_at.isnot(None)
    unanswered = WorkOrder.responded_at.is_(None)
    outside = or_(and_(answered, waited > limit),
                  and_(unanswered, WorkOrder.reported_at < due_before))
    assigned = _live_orders(ids, WorkOrder.reported_at, window)
    for engineer_id, within, late, pending, outside_ids in _rows(
            select(WorkOrder.engineer_id,
                   _count_if(and_(answered, waited <= limit)),
                   _count_if(outside),
                   _count_if(and_(unanswered, WorkOrder.reported_at >= due_before)),
                   _id_list(WorkOrder.id, outside))
            .where(assigned).group_by(WorkOrder.engineer_id)):
        facts[engineer_id]["response"].update(within=int(within), outside=int(late), pending=int(pending),
                                              outside_ids=_ids(outside_ids))


def _on_time(facts, ids, window, as_of):
    """Orders with a deadline in the month; late = completed after it, or not completed and the deadline passed."""
    due = _live_orders(ids, WorkOrder.deadline_at, window)
    late = or_(and_(WorkOrder.completed_at.isnot(None), WorkOrder.completed_at > WorkOrder.deadline_at),
               and_(WorkOrder.completed_at.is_(None), WorkOrder.deadline_at < as_of))
    for engineer_id, n, late_ids in _rows(select(WorkOrder.engineer_id, func.count(), _id_list(WorkOrder.id, late))
                                          .where(due).group_by(WorkOrder.engineer_id)):
        facts[engineer_id]["on_time"].update(has_deadline=n > 0, late_ids=_ids(late_ids))


def _business_time(facts, ids, window, as_of):
    """The orders' times and the work calendar around them, for a template that measures in business hours.

    Two queries over all engineers plus one for the calendar; the rules in tracker/scoring do the arithmetic.
    """
    instants = [window[0], as_of]
    for engineer_id, order_id, reported, responded in db.session.execute(
            select(WorkOrder.engineer_id, WorkOrder.id, WorkOrder.reported_at, WorkOrder.responded_at)
            .where(_live_orders(ids, WorkOrder.reported_at, window)).order_by(WorkOrder.id)):
        facts[engineer_id]["response"]["orders"].append(
            {"id": order_id, "reported_at": reported, "responded_at": responded})
        instants += [reported, responded]
    for engineer_id, order_id, deadline, completed in db.session.execute(
            select(WorkOrder.engineer_id, WorkOrder.id, WorkOrder.deadline_at, WorkOrder.completed_at)
            .where(_live_orders(ids, WorkOrder.deadline_at, window)).order_by(WorkOrder.id)):
        facts[engineer_id]["on_time"]["orders"].append(
            {"id": order_id, "deadline_at": deadline, "completed_at": completed})
        instants += [deadline, completed]
    first, end = days_spanned(*instants)
    workdays = calendar.workdays_between(first, end)
    for engineer_id in ids:
        facts[engineer_id]["as_of"] = as_of
        facts[engineer_id]["workdays"] = workdays


def _rework(facts, ids, window):
    """Rework orders reported in the month, charged to the engineer of the order they redo; orders completed."""
    for engineer_id, n in _rows(
            select(WorkOrder.engineer_id, func.count()).where(_live_orders(ids, WorkOrder.completed_at, window))
            .group_by(WorkOrder.engineer_id)):
        for fact in REWORK_FACTS.values():
            facts[engineer_id][fact]["completed"] = int(n)
    redone = aliased(WorkOrder)
    charged = func.coalesce(redone.engineer_id, WorkOrder.engineer_id)
    kinds = tuple(REWORK_FACTS)
    rows = _rows(
        select(charged, *(_id_list(WorkOrder.id, WorkOrder.rework == kind) for kind in kinds))
        .outerjoin(redone, WorkOrder.rework_of_id == redone.id)
        .where(WorkOrder.rework.in_(kinds), WorkOrder.reported_at >= window[0],
               WorkOrder.reported_at < window[1], WorkOrder.status != "cancelled", among(charged, ids))
        .group_by(charged))
    for engineer_id, *unit_ids in rows:
        for kind, listed in zip(kinds, unit_ids):
            facts[engineer_id][REWORK_FACTS[kind]]["unit_ids"] = _ids(listed)


def _satisfaction(facts, ids, window):
    """Surveys of the orders completed in the month (a survey joins its one order, so each counts once)."""
    completed = _live_orders(ids, WorkOrder.completed_at, window)
    for engineer_id, n, good, low_ids in _rows(
            select(WorkOrder.engineer_id, func.count(Survey.id), _count_if(Survey.score >= GOOD_SURVEY),
                   _id_list(Survey.id, Survey.score < GOOD_SURVEY))
            .join(WorkOrder, Survey.work_order_id == WorkOrder.id).where(completed)
            .group_by(WorkOrder.engineer_id)):
        facts[engineer_id]["satisfaction"].update(surveys=int(n), good=int(good), low_ids=_ids(low_ids))


def _complaints(facts, ids, first, nxt):
    """Complaints against the engineer dated in the month (not about a cancelled order): upheld, handled well."""
    about = aliased(WorkOrder)
    dated = (select(Complaint.engineer_id).outerjoin(about, Complaint.work_order_id == about.id)
             .where(among(Complaint.engineer_id, ids), Complaint.day >= first, Complaint.day < nxt,
                    or_(about.id.is_(None), about.status != "cancelled")))
    satisfied = Complaint.resolution_satisfied.is_(True)
    for engineer_id, n, happy, upheld_ids, unsatisfied_ids in _rows(
            dated.add_columns(func.count(Complaint.id), _count_if(satisfied),
                              _id_list(Complaint.id, Complaint.upheld.is_(True)), _id_list(Complaint.id, ~satisfied))
            .group_by(Complaint.engineer_id)):
        facts[engineer_id]["complaints"].update(total=int(n), satisfied=int(happy),
                                                unsatisfied_ids=_ids(unsatisfied_ids))
        facts[engineer_id]["satisfaction"]["upheld_complaint_ids"] = _ids(upheld_ids)


def _entered(facts, ids, month, first, nxt):
    """What people entered for the month: incidents, metrics, manual ratings, reviews, adjustments, vetoes."""
    for incident_id, engineer_id, indicator, category, day, amount, note in _rows(
            select(Incident.id, Incident.engineer_id, Incident.indicator, Incident.category, Incident.day,
                   Incident.amount, Incident.note)
            .where(among(Incident.engineer_id, ids), Incident.day >= first, Incident.day < nxt)
            .order_by(Incident.day, Incident.id)):
        facts[engineer_id]["incidents"].append(
            {"id": incident_id, "indicator": indicator, "category": category, "date": day.isoformat(),
             "amount": None if amount is None else Decimal(amount), "note": note or ""})
    for metric_id, engineer_id, key, actual, plan in _rows(
            select(MetricEntry.id, MetricEntry.engineer_id, MetricEntry.key, MetricEntry.actual, MetricEntry.plan)
            .where(among(MetricEntry.engineer_id, ids), MetricEntry.month == month)):
        facts[engineer_id]["metrics"][key] = {
            "id": metric_id, "actual": Decimal(actual), "plan": None if plan is None else Decimal(plan)}
    for rating_id, engineer_id, key, group, level, points in _rows(
            select(Rating.id, Rating.engineer_id, Rating.key, Rating.group, Rating.level, Rating.points)
            .where(among(Rating.engineer_id, ids), Rating.month == month).order_by(Rating.id)):
        entry = {"id": rating_id, "group": group}
        if level is not None:
            entry["level"] = level
        if points is not None:
            entry["points"] = Decimal(points)
        facts[engineer_id]["ratings"].setdefault(key, []).append(entry)
    for review_id, engineer_id, group, ratings in _rows(
            select(Review.id, Review.engineer_id, Review.group, Review.ratings)
            .where(among(Review.engineer_id, ids), Review.month == month).order_by(Review.id)):
        facts[engineer_id]["reviews"].append({"id": review_id, "group": group, "ratings": json.loads(ratings)})
    for adjustment_id, engineer_id, points, status in _rows(
            select(Adjustment.id, Adjustment.engineer_id, Adjustment.points, Adjustment.status)
            .where(among(Adjustment.engineer_id, ids), Adjustment.month == month,
                   Adjustment.status.in_(("proposed", "approved"))).order_by(Adjustment.id)):
        facts[engineer_id]["adjustments"].append({"id": adjustment_id, "points": Decimal(points),
                                                  "approved": status == "approved"})
    for engineer_id, in _rows(select(Veto.engineer_id).where(among(Veto.engineer_id, ids), Veto.month == month)):
        facts[engineer_id]["veto"] = True
