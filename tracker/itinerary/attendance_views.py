"""The back-office attendance grid: engineers in scope × the month's workdays, exceptions recorded per cell."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from tracker import clock, nav
from tracker.auth.access import (ATTENDANCE_RECORDERS, ATTENDANCE_VIEWERS, engineer_by_username, roles,
                                 visible_engineers)
from tracker.auth.models import User
from tracker.errors import DomainError, Forbidden, Invalid
from tracker.extensions import db
from tracker.itinerary import calendar, services
from tracker.itinerary.labels import ATTENDANCE_LABELS
from tracker.scoring.month import Month
from tracker.validation import parse_date

bp = Blueprint("attendance", __name__, url_prefix="/attendance")

nav.add("attendance.grid", _l("考勤"), roles=ATTENDANCE_VIEWERS, order=30)

STATUS_LABELS = ATTENDANCE_LABELS
# what a cell of the grid shows (a cell is two characters wide: "Sick leave" was cut to "Sick l…"); a legend below
# the grid spells out each one that differs from its full name
CELL_LABELS = {
    "present": lazy_pgettext("attendance cell", "出勤"),
    "late": lazy_pgettext("attendance cell", "迟到"),
    "early_leave": lazy_pgettext("attendance cell", "早退"),
    "absent": lazy_pgettext("attendance cell", "旷工"),
    "personal_leave": lazy_pgettext("attendance cell", "事假"),
    "sick_leave": lazy_pgettext("attendance cell", "病假"),
    "annual_leave": lazy_pgettext("attendance cell", "年假"),
    "business_trip": lazy_pgettext("attendance cell", "出差"),
}
LEAVE = ("personal_leave", "sick_leave", "annual_leave")
WEEKDAYS = (_l("一"), _l("二"), _l("三"), _l("四"), _l("五"), _l("六"), _l("日"))
FIELD_PREFIX = "att:"


def cell_name(engineer, day):
    """The form field of one cell: att:<username>:<YYYY-MM-DD>."""
    return f"{FIELD_PREFIX}{engineer.username}:{day.isoformat()}"


def _totals(statuses):
    values = list(statuses.values())
    return {"late": values.count("late"), "early_leave": values.count("early_leave"),
            "leave": sum(values.count(s) for s in LEAVE), "absent": values.count("absent")}


def _grid(viewer, month):
    """Engineers in scope, the month's workdays and each engineer's recorded exceptions on them (two queries)."""
    first, nxt = month.bounds()
    engineers = db.session.scalars(visible_engineers(viewer).where(User.active.is_(True))).all()
    workdays = [day for day, workday in calendar.workdays_between(first, nxt).items() if workday]
    recorded = services.attendance_grid([e.id for e in engineers], month)
    rows = []
    for engineer in engineers:
        statuses = {day: recorded.get(engineer.id, {}).get(day, "present") for day in workdays}
        rows.append({"engineer": engineer, "statuses": statuses, "totals": _totals(statuses)})
    return rows, workdays


def _legend():
    """(cell label, full name) of each status whose cell shows it shortened in the reader's language."""
    return [(str(CELL_LABELS[code]), str(label)) for code, label in STATUS_LABELS.items()
            if code != "present" and str(CELL_LABELS[code]) != str(label)]


def _render(month, error=None, submitted=None, status=200):
    rows, workdays = _grid(current_user, month)
    year, number = month.year, month.number
    first, nxt = month.bounds()
    days = calendar.workdays_between(first, nxt)  # every day of the month: rest days are shown, not editable
    return render_template(
        "attendance/grid.html", month=month, year=year, number=number, rows=rows, workdays=workdays, days=days,
        labels=STATUS_LABELS, cell_labels=CELL_LABELS, legend=_legend(), weekdays=WEEKDAYS, cell_name=cell_name,
        read_only=current_user.role not in ATTENDANCE_RECORDERS,
        submitted=submitted or {},
        error=error, today=clock.today(), previous=month.previous(),
        following=month.next()), status


def _parse_cell(key, month):
    """att:<username>:<date> -> (username, date), a day of the grid's month; 422 otherwise."""
    username, _sep, iso = key[len(FIELD_PREFIX):].partition(":")
    day = parse_date(iso, "date")
    if not month.first <= day <= month.last:
        raise Invalid.field("date", _("%(day)s 不在 %(month)s 内，不能在此记录考勤", day=iso, month=month))
    return username, day


def _save(actor, month):
    """Record every cell whose submitted status differs from the stored one; the count of changes."""
    rows, _workdays = _grid(actor, month)
    known = {row["engineer"].username: row for row in rows}
    changed = 0
    for key, status in request.form.items():
        if not key.startswith(FIELD_PREFIX):
            continue
        username, day = _parse_cell(key, month)
        row = known.get(username)
        if row is not None and row["statuses"].get(day) == status:
            continue
        engineer = row["engineer"] if row is not None else engineer_by_username(username)
        services.set_attendance(actor, engineer, day, status, now=clock.now())
        changed += 1
    return changed


@bp.route("/", defaults={"month": None}, methods=["GET", "POST"])
@bp.route("/<month:month>", methods=["GET", "POST"])
@roles(*ATTENDANCE_VIEWERS)
def grid(month):
    month = month or Month.of(clock.today())
    if request.method == "GET":
        return _render(month)
    if current_user.role not in ATTENDANCE_RECORDERS:
        raise Forbidden(_("无权记录考勤"))
    actor = current_user._get_current_object()
    try:
        changed = _save(actor, month)
    except Invalid as error:
        db.session.rollback()
        submitted = {k: v for k, v in request.form.items() if k.startswith(FIELD_PREFIX)}
        return _render(month, error.message, submitted, 422)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    if changed:
        flash(_("已保存 %(n)s 项考勤记录", n=changed), "success")
    else:
        flash(_("没有改动"), "info")
    return redirect(url_for("attendance.grid", month=month))
