"""The itinerary rules (CONTRACT 3 and 4): trips, expenses, attendance, month submission."""

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from tracker import audit, validation
from tracker.auth.access import can_edit_itinerary, can_record_attendance, can_reopen, can_view
from tracker.errors import Conflict, Forbidden, Invalid
from tracker.extensions import db
from tracker.idlist import among
from tracker.itinerary import calendar
from tracker.itinerary.models import (ATTENDANCE_STATUSES, EXPENSE_CATEGORIES, Attendance, DeletedEntry, Expense,
                                      MonthSubmission, Trip)
from tracker.locking import lock_person, reread
from tracker.notifications import services as notifications
from tracker.scores import live
from tracker.scoring import fieldhours
from tracker.customers import services as customers
from tracker.workorders import services as workorders
from tracker.scoring.month import Month
from tracker.values import month_arg

TEXT_MAX = 500
AMOUNT_MAX = Decimal("100000")


# ---- lookups -------------------------------------------------------------------------------------

def require_view(actor, engineer):
    if not can_view(actor, engineer):
        raise Forbidden(_("无权查看该工程师的记录"))


def _customer(name):
    return customers.by_name(name)


def _work_order(number, actor, entry=None, keep=frozenset()):
    """The work order a trip or expense names: one the actor may see (any other number is answered like one that
    does not exist, so the answer reveals nothing of it), or the one the entry already names (`keep`: the numbers
    the entries a workbook import replaces named, though the order went to another engineer since)."""
    if number in (None, ""):
        return None
    kept = number in keep or (entry is not None and entry.work_order is not None and entry.work_order.number == number)
    return workorders.by_number(number, viewer=None if kept else actor)


def _text(data, name):
    value = data.get(name)
    return None if value is None else validation.clean_text(str(value), name, TEXT_MAX, required=False)


def _past_or_today(day, now):
    if day is None:
        raise Invalid.field("date", _("请填写日期"))
    validation.check_year(day, "date")
    if day > now.date():
        raise Invalid.field("date", _("不能记录未来的日期"))
    return day


# ---- month lock ----------------------------------------------------------------------------------

def submission(engineer, month):
    return db.session.scalar(select(MonthSubmission).where(
        MonthSubmission.engineer_id == engineer.id, MonthSubmission.month == month))


def ensure_open(engineer, day, field=None):
    """409 when the month of `day` has been submitted; on `field` (the form's date) when the day was given."""
    if submission(engineer, Month.of(day)) is not None:
        message = _("%(month)s 已提交，需主管退回后才能修改", month=Month.of(day))
        raise Conflict(message, {field: message} if field else None, month=Month.of(day))


def first_submit_day(month):
    """The first day a month can be submitted: its last workday (CONTRACT 3)."""
    month = month_arg(month)
    year, number = month.year, month.number
    return calendar.last_workday(year, number)


def submit_month(actor, engineer, month, *, now):
    """The engineer submits a month, from its last workday on (local date); it is then locked."""
    month = month_arg(month)
    if actor.id != engineer.id or engineer.role != "engineer":
        raise Forbidden(_("只有工程师本人可以提交行程表"))
    lock_person(engineer)
    first_day = first_submit_day(month)
    if now.date() < first_day:
        raise Conflict(_("%(month)s 要到 %(day)s（该月最后一个工作日）起才能提交", month=month,
                         day=first_day.isoformat()), first_day=first_day.isoformat())
    if submission(engineer, month) is not None:
        raise Conflict(_("%(month)s 已经提交", month=month))
    row = MonthSubmission(engineer_id=engineer.id, month=month, submitted_at=now)
    db.session.add(row)
    audit.record(actor, "itinerary.submit", audit.month_subject(engineer, month), at=now)
    db.session.flush()
    notifications.notify("month_submitted", [engineer.supervisor], actor, row.submitted_at, engineer=engineer,
                         month=month)
    notifications.settle_own(engineer, ("month_reminder", "month_reopened"), month, now)
    return row


def reopen_month(actor, engineer, month, reason=None, *, now):
    """A manager above (or the gm) reopens a submitted month, with an optional reason; logged."""
    month = month_arg(month)
    reason = validation.clean_text(reason, "reason", TEXT_MAX, required=False)
    if not can_reopen(actor, engineer):
        raise Forbidden(_("只有该工程师的上级主管（各级）或总经理可以退回行程表"))
    lock_person(engineer)
    row = submission(engineer, month)
    if row is None:
        raise Conflict(_("%(month)s 尚未提交", month=month))
    db.session.delete(row)
    audit.record(actor, "itinerary.reopen", audit.month_subject(engineer, month), reason, at=now)
    db.session.flush()
    notifications.notify("month_reopened", [engineer], actor, now, engineer=engineer, month=month,
                         detail=reason or None)


def sent_back(engineer, month):
    """(who, when, reason) of the latest return of the engineer's month, or None; asked while the month is not
    submitted (its page said only 未提交, the reason was in the bell alone)."""
    subject = audit.month_subject(engineer, month)
    event = audit.latest("itinerary.reopen", [subject]).get(subject)
    return (event.actor, event.at, event.detail) if event is not None else None


# ---- entries sent again by an offline client (CONTRACT 10) -------------------------------------

KINDS = {Trip: "trip", Expense: "expense"}


def earlier_entry(actor, model, engineer, client_id):
    """The trip or expense (`model`) already stored for this engineer under `client_id`, or None."""
    if client_id is None:
        return None
    if not can_edit_itinerary(actor, engineer):  # a trip or an expense: said of both
        raise Forbidden(_("无权修改该工程师的行程和费用"))
    return db.session.scalar(select(model).where(model.engineer_id == engineer.id,
                                                 model.client_id == client_id.lower()))


def deleted_entry(model, engineer, client_id):
    """The answer (a dict) of a trip or expense sent under `client_id` and deleted since, or None."""
    if client_id is None:
        return None
    text = db.session.scalar(select(DeletedEntry.answer).where(
        DeletedEntry.kind == KINDS[model], DeletedEntry.engineer_id == engineer.id,
        DeletedEntry.client_id == client_id.lower()))
    return None if text is None else json.loads(text, parse_float=Decimal)


def _plain(value):
    """A dict answer's values as JSON (amounts and hours as numbers, read back as Decimal)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _remember_deleted(rows, answer, now):
    """Keep the answer of each row sent with a client_id, before the rows are deleted."""
    for row in rows:
        if row.client_id is not None:
            db.session.add(DeletedEntry(kind=KINDS[type(row)], engineer_id=row.engineer_id, client_id=row.client_id,
                                        answer=json.dumps(answer(row), default=_plain, ensure_ascii=False),
                                        deleted_at=now))


def _client_id(data):
    value = data.get("client_id")
    return value.lower() if value else None


# ---- trips ---------------------------------------------------------------------------------------

def _times(data):
    """(full_day, depart_min, return_min) from plain data; 422 on anything malformed. Times given with a full day
    are checked the same (a full day keeps none of them), so a bad time is never silently dropped."""
    full_day = bool(data.get("full_day"))
    parsed = {}
    for name in ("depart", "return"):  # a malformed time is said on its field before a missing one
        value = data.get(name)
        if value not in (None, ""):
            try:
                parsed[name] = fieldhours.parse_hhmm(value)
            except ValueError:
                raise Invalid.field(name, _("时间格式须为 HH:MM（00:00–24:00）")) from None
    for name in ("depart", "return"):
        if name not in parsed and not full_day:
            raise Invalid.field(name, _("请填写出发和返回时间，或选择全天"))
    if len(parsed) == 2 and parsed["return"] <= parsed["depart"]:
        raise Invalid.field("return", _("返回时间须晚于出发时间"))
    if full_day:
        return True, None, None
    return False, parsed["depart"], parsed["return"]


def _check_overlap(engineer, day, depart, ret, exclude_id):
    query = select(Trip).where(Trip.engineer_id == engineer.id, Trip.day == day, Trip.full_day.is_(False))
    if exclude_id is not None:
        query = query.where(Trip.id != exclude_id)
    for other in db.session.scalars(query):
        if fieldhours.overlaps(depart, ret, other.depart_min, other.return_min):
            span = f"{fieldhours.format_hhmm(other.depart_min)}–{fieldhours.format_hhmm(other.return_min)}"
            if other.customer is not None:
                message = _("与同日 %(span)s 去 %(customer)s 的行程时间重叠", span=span, customer=other.customer.name)
            else:
                message = _("与同日 %(span)s 的行程时间重叠", span=span)
            raise Invalid(message, {"depart": message}, conflicting_trip=other.id)


def _current(row, data, as_dict):
    """After the engineer's lock: the row as stored now (another request may have changed it since it was read),
    and the data to save: `data`, or for a change of some fields `data(current dict)` merging them into it."""
    if row is not None:
        reread(row)
    if callable(data):
        data = data(as_dict(row))
    return data


def save_trip(actor, engineer, data, trip=None, *, now, keep=frozenset()):
    """Create (trip=None) or change a trip from plain data (or, for a change of some fields, a function of the
    trip's current data read under the lock); the caller commits."""
    if not can_edit_itinerary(actor, engineer):
        raise Forbidden(_("无权修改该工程师的行程"))
    lock_person(engineer)  # the overlap and month-lock checks below hold under concurrency
    data = _current(trip, data, trip_dict)
    if trip is not None:
        ensure_open(engineer, trip.day)
    fields, day = validation.FieldErrors(), None  # every field at fault at once (the page marked one a round)
    with fields.check():
        day = _past_or_today(data.get("date"), now)
    if day is not None:
        ensure_open(engineer, day, "date")
    with fields.check():
        full_day, depart, ret = _times(data)
    with fields.check():
        customer = _customer(data.get("customer"))
    with fields.check():
        order = _work_order(data.get("work_order"), actor, trip, keep)
    with fields.check():
        purpose = _text(data, "purpose")
    with fields.check():
        note = _text(data, "note")
    fields.raise_any()
    if not full_day:
        _check_overlap(engineer, day, depart, ret, trip.id if trip else None)
    if customer is None and order is not None:
        customer = order.customer
    if trip is None:
        trip = Trip(engineer_id=engineer.id, client_id=_client_id(data))
        db.session.add(trip)
    trip.day, trip.full_day, trip.depart_min, trip.return_min = day, full_day, depart, ret
    trip.hours = fieldhours.trip_hours(depart, ret, full_day)
    trip.customer_id = customer.id if customer else None
    trip.work_order_id = order.id if order else None
    trip.purpose, trip.note = purpose, note
    db.session.flush()
    return trip


def delete_trip(actor, trip, *, now):
    if not can_edit_itinerary(actor, trip.engineer):
        raise Forbidden(_("无权删除该工程师的行程"))
    lock_person(trip.engineer)
    reread(trip)
    ensure_open(trip.engineer, trip.day)
    _remember_deleted([trip], trip_dict, now)
    db.session.delete(trip)
    db.session.flush()


def day_field_hours(engineer, day):
    """Field hours of one day, by the rules."""
    rows = db.session.execute(select(Trip.hours, Trip.full_day).where(
        Trip.engineer_id == engineer.id, Trip.day == day)).all()
    return fieldhours.day_hours(rows)


def trip_dict(trip):
    return {
        "id": trip.id, "engineer": trip.engineer.username, "date": trip.day.isoformat(),
        "full_day": trip.full_day,
        "depart": fieldhours.format_hhmm(trip.depart_min) if trip.depart_min is not None else None,
        "return": fieldhours.format_hhmm(trip.return_min) if trip.return_min is not None else None,
        "hours": trip.hours, "customer": trip.customer.name if trip.customer else None,
        "work_order": trip.work_order.number if trip.work_order else None,
        "purpose": trip.purpose, "note": trip.note,
    }


# ---- expenses ------------------------------------------------------------------------------------

def save_expense(actor, engineer, data, expense=None, *, now, keep=frozenset()):
    """Create or change an expense from plain data (or a function of its current data, as save_trip); the caller
    commits."""
    if not can_edit_itinerary(actor, engineer):
        raise Forbidden(_("无权修改该工程师的费用"))
    lock_person(engineer)
    data = _current(expense, data, expense_dict)
    if expense is not None:
        ensure_open(engineer, expense.day)
    fields, day = validation.FieldErrors(), None  # every field at fault at once, as for a trip
    with fields.check():
        day = _past_or_today(data.get("date"), now)
    if day is not None:
        ensure_open(engineer, day, "date")
    with fields.check():
        if data.get("category") not in EXPENSE_CATEGORIES:
            raise Invalid.field("category", _("类别须为交通、住宿、餐费或其他"))
    with fields.check():
        amount = validation.check_number(data.get("amount"), "amount", Decimal(0), AMOUNT_MAX, text=True)
    with fields.check():
        order = _work_order(data.get("work_order"), actor, expense, keep)
    with fields.check():
        note = _text(data, "note")
    fields.raise_any()
    if expense is None:
        expense = Expense(engineer_id=engineer.id, client_id=_client_id(data))
        db.session.add(expense)
    expense.day, expense.category, expense.amount = day, data["category"], amount
    expense.work_order_id = order.id if order else None
    expense.note = note
    db.session.flush()
    return expense


def delete_expense(actor, expense, *, now):
    if not can_edit_itinerary(actor, expense.engineer):
        raise Forbidden(_("无权删除该工程师的费用"))
    lock_person(expense.engineer)
    reread(expense)
    ensure_open(expense.engineer, expense.day)
    _remember_deleted([expense], expense_dict, now)
    db.session.delete(expense)
    db.session.flush()


def expense_dict(expense):
    return {"id": expense.id, "engineer": expense.engineer.username, "date": expense.day.isoformat(),
            "category": expense.category, "amount": expense.amount,
            "work_order": expense.work_order.number if expense.work_order else None, "note": expense.note}


# ---- attendance ----------------------------------------------------------------------------------

HAPPENED_ONLY = ("late", "early_leave", "absent")  # statuses that say what happened, never what is planned


def set_attendance(actor, engineer, day, status, *, now):
    """Record one engineer's status on a workday; `present` clears the exception. The stored Attendance (None for
    present). The caller commits."""
    if not can_record_attendance(actor, engineer):
        raise Forbidden(_("无权记录该工程师的考勤"))
    if status not in ATTENDANCE_STATUSES:
        raise Invalid.field("status", _("须为 %(v)s 之一", v=", ".join(ATTENDANCE_STATUSES)))  # as the API's body check
    if day is None:
        raise Invalid.field("date", _("请填写日期"))
    validation.check_year(day, "date")
    lock_person(engineer)  # two records of one day at the same moment: the second replaces the first
    row = db.session.scalar(select(Attendance).where(Attendance.engineer_id == engineer.id, Attendance.day == day))
    # a record kept from when the day was a workday (an override since undone) may still be cleared: it would
    # come back, unseen, were the day made a workday again
    if not calendar.is_workday(day) and not (status == "present" and row is not None):
        raise Invalid.field("date", _("%(day)s 不是工作日，不能记录考勤", day=day.isoformat()))
    if status in HAPPENED_ONLY and day > now.date():  # leave and trips may be planned; a late day cannot
        raise Invalid.field("date", _("迟到、早退和旷工不能记录在未来的日期（%(day)s）", day=day.isoformat()))
    if status == "present":
        if row is not None:
            db.session.delete(row)
    else:
        if row is None:
            row = Attendance(engineer_id=engineer.id, day=day)
            db.session.add(row)
        row.status, row.recorded_by_id, row.recorded_at = status, actor.id, now
    db.session.flush()
    return row if status != "present" else None


def attendance_grid(engineer_ids, month):
    """{engineer_id: {date: status}} of the recorded exceptions in a month (one query)."""
    first, nxt = month_arg(month).bounds()
    grid = defaultdict(dict)
    rows = db.session.execute(select(Attendance.engineer_id, Attendance.day, Attendance.status).where(
        Attendance.engineer_id.in_(engineer_ids), Attendance.day >= first, Attendance.day < nxt))
    for engineer_id, day, status in rows:
        grid[engineer_id][day] = status
    return grid


# ---- the month -----------------------------------------------------------------------------------

def month_view(engineer, month):
    """A row per day (attendance, trips, day field hours, expenses) and the month totals; four queries."""
    first, nxt = month_arg(month).bounds()
    workdays = calendar.workdays_between(first, nxt)
    trips = db.session.scalars(select(Trip).where(Trip.engineer_id == engineer.id, Trip.day >= first, Trip.day < nxt)
                               .options(selectinload(Trip.customer), selectinload(Trip.work_order))
                               .order_by(Trip.day, Trip.full_day.desc(), Trip.depart_min, Trip.id)).all()
    expenses = db.session.scalars(select(Expense).where(
        Expense.engineer_id == engineer.id, Expense.day >= first, Expense.day < nxt)
        .options(selectinload(Expense.work_order)).order_by(Expense.day, Expense.id)).all()
    attendance = attendance_grid([engineer.id], month).get(engineer.id, {})
    by_day_trips, by_day_expenses = defaultdict(list), defaultdict(list)
    for trip in trips:
        by_day_trips[trip.day].append(trip)
    for expense in expenses:
        by_day_expenses[expense.day].append(expense)
    days, hours_total, expense_total = [], Decimal(0), Decimal(0)
    for day, workday in workdays.items():
        day_trips = by_day_trips.get(day, [])
        hours = fieldhours.day_hours((t.hours, t.full_day) for t in day_trips)
        spent = sum((e.amount for e in by_day_expenses.get(day, [])), Decimal(0))
        hours_total += hours
        expense_total += spent
        days.append({
            "date": day, "workday": workday,
            "attendance": attendance.get(day, "present") if workday else None,
            "trips": day_trips, "field_hours": hours, "expenses": by_day_expenses.get(day, []),
            "expenses_total": spent,
        })
    row = submission(engineer, month)
    return {"engineer": engineer, "month": month, "submitted": row is not None,
            "submitted_at": row.submitted_at if row else None, "field_hours": hours_total,
            "expenses_total": expense_total, "days": days}


def month_view_dict(view):
    """The API shape of month_view."""
    return {
        "username": view["engineer"].username, "month": view["month"], "submitted": view["submitted"],
        "field_hours": view["field_hours"], "expenses_total": view["expenses_total"],
        "days": [{"date": d["date"].isoformat(), "workday": d["workday"], "attendance": d["attendance"],
                  "trips": [trip_dict(t) for t in d["trips"]], "field_hours": d["field_hours"],
                  "expenses": [expense_dict(e) for e in d["expenses"]]} for d in view["days"]],
    }


def month_field_hours(engineer_ids, first, nxt):
    """{engineer_id: month field hours} aggregated in SQL: per day min(7.5, sum) or 7.5 with a full-day trip."""
    per_day = (select(Trip.engineer_id.label("engineer_id"), Trip.day.label("day"),
                      func.sum(Trip.hours).label("hours"),
                      func.max(db.case((Trip.full_day, 1), else_=0)).label("full"))
               .where(among(Trip.engineer_id, engineer_ids), Trip.day >= first, Trip.day < nxt)
               .group_by(Trip.engineer_id, Trip.day).subquery())
    day_hours = db.case((per_day.c.full == 1, fieldhours.FULL_DAY),
                        (per_day.c.hours > fieldhours.FULL_DAY, fieldhours.FULL_DAY), else_=per_day.c.hours)
    rows = db.session.execute(select(per_day.c.engineer_id, func.sum(day_hours)).group_by(per_day.c.engineer_id))
    return {engineer_id: Decimal(str(total)) for engineer_id, total in rows}


def delete_month_data(engineer, month, *, now):
    """Remove a month's trips and expenses (used by workbook import into an open month); the numbers of the work
    orders they named."""
    first, nxt = month_arg(month).bounds()
    lock_person(engineer)
    ensure_open(engineer, first)
    named = set()
    for model in (Trip, Expense):
        named |= {entry.work_order.number for entry in db.session.scalars(
            select(model).options(selectinload(model.work_order))
            .where(model.engineer_id == engineer.id, model.day >= first, model.day < nxt,
                   model.work_order_id.is_not(None)))}
    for model, answer in ((Trip, trip_dict), (Expense, expense_dict)):
        _remember_deleted(db.session.scalars(select(model).where(
            model.engineer_id == engineer.id, model.day >= first, model.day < nxt,
            model.client_id.is_not(None))).all(), answer, now)
    db.session.execute(delete(Trip).where(Trip.engineer_id == engineer.id, Trip.day >= first, Trip.day < nxt))
    db.session.execute(delete(Expense).where(Expense.engineer_id == engineer.id, Expense.day >= first,
                                             Expense.day < nxt))
    live.touch(engineer.id, Month.of(first))  # bulk deletes bypass the session's live-scores hook
    return frozenset(named)
