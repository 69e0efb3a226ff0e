"""The back-office attendance grid: engineers in scope × the month's workdays, exceptions recorded per cell."""

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from tracker import clock, nav
from tracker.auth.access import (ATTENDANCE_RECORDERS, ATTENDANCE_VIEWERS, engineer_by_username, roles,
                                 visible_engineers)
from tracker.auth.models import User
from tracker.errors import Conflict, DomainError, Forbidden, Invalid
from tracker.extensions import db
from tracker.itinerary import calendar, services
from tracker.itinerary.labels import ATTENDANCE_LABELS
from tracker.scoring.month import Month
from tracker.validation import check_text, parse_date

bp = Blueprint("attendance", __name__, url_prefix="/attendance")

nav.add("attendance.grid", _l("考勤"), roles=ATTENDANCE_VIEWERS, order=30)

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
# the leave column counts what costs points (CONTRACT 7); annual leave has its own (it read as charged beside the score)
DEDUCTED_LEAVE = ("personal_leave", "sick_leave")
WEEKDAYS = (_l("一"), _l("二"), _l("三"), _l("四"), _l("五"), _l("六"), _l("日"))
FIELD_PREFIX = "att:"


def cell_name(engineer, day):
    """The form field of one cell: att:<username>:<YYYY-MM-DD>."""
    return f"{FIELD_PREFIX}{engineer.username}:{day.isoformat()}"


def _totals(statuses):
    values = list(statuses.values())
    return {"late": values.count("late"), "early_leave": values.count("early_leave"),
            "leave": sum(values.count(s) for s in DEDUCTED_LEAVE), "annual_leave": values.count("annual_leave"),
            "absent": values.count("absent")}


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
    return [(str(CELL_LABELS[code]), str(label)) for code, label in ATTENDANCE_LABELS.items()
            if code != "present" and str(CELL_LABELS[code]) != str(label)]


def _render(month, error=None, submitted=None, status=200):
    rows, workdays = _grid(current_user, month)
    year, number = month.year, month.number
    first, nxt = month.bounds()
    days = calendar.workdays_between(first, nxt)  # every day of the month: rest days are shown, not editable
    return render_template(
        "attendance/grid.html", month=month, year=year, number=number, rows=rows, workdays=workdays, days=days,
        labels=ATTENDANCE_LABELS, cell_labels=CELL_LABELS, legend=_legend(), weekdays=WEEKDAYS, cell_name=cell_name,
        shown=_shown(rows),
        read_only=current_user.role not in ATTENDANCE_RECORDERS,
        submitted=submitted or {},
        error=error, today=clock.today(), previous=month.previous(), happened_only=services.HAPPENED_ONLY,
        following=month.next(), calendar_warnings=calendar.admin_notes(current_user, year, clock.today())), status


def _parse_cell(key, month):
    """att:<username>:<date> -> (username, date), a day of the grid's month; 422 otherwise."""
    username, _sep, iso = key[len(FIELD_PREFIX):].partition(":")
    check_text(username, "engineer", "name")  # no username holds a control character: not echoed into the page
    day = parse_date(iso, "date")
    if not month.first <= day <= month.last:
        raise Invalid.field("date", _("%(day)s 不在 %(month)s 内，不能在此记录考勤", day=iso, month=month))
    return username, day


def _shown(rows):
    """The grid's statuses as the page shows them, in one hidden field: {cell: status} of the cells not present."""
    return json.dumps({cell_name(row["engineer"], day): status for row in rows
                       for day, status in row["statuses"].items() if status != "present"}, separators=(",", ":"))


def _as_shown():
    """{cell: status} the page showed when it was loaded (None from a page without it: compared with the stored)."""
    try:
        shown = json.loads(request.form["shown"])
    except (KeyError, ValueError):
        return None
    return shown if isinstance(shown, dict) else None


class ChangedMeanwhile(Conflict):
    """Cells the user changed that someone else changed too since the page was loaded: nothing is saved."""

    def __init__(self, cells, changes):
        super().__init__(_("%(cells)s 的考勤在您打开本页后已被他人修改：本次没有保存，请核对后重新保存",
                           cells=_("、").join(cells)))
        self.changes = changes


def _save(actor, month):
    """Record every cell the user changed from what the page showed (a record someone else made meanwhile in a cell
    left alone stays: the whole grid is posted, and saving a stale one reverted it); the count of changes. A cell
    changed on both sides is refused (ChangedMeanwhile), and so is the whole save."""
    rows, _workdays = _grid(actor, month)
    known = {row["engineer"].username: row for row in rows}
    shown = _as_shown()
    changes, clashes = [], []
    for key, status in request.form.items():
        if not key.startswith(FIELD_PREFIX):
            continue
        username, day = _parse_cell(key, month)
        row = known.get(username)
        stored = row["statuses"].get(day) if row is not None else None
        before = stored if shown is None else shown.get(key, "present")
        if status in (before, stored):
            continue
        if stored is not None and stored != before:
            clashes.append(f"{row['engineer'].display_name} {day.isoformat()}")
        changes.append((row["engineer"] if row is not None else engineer_by_username(username), day, status, key))
    if clashes:
        raise ChangedMeanwhile(clashes, {key: status for *_rest, status, key in changes})
    for engineer, day, status, _key in changes:
        services.set_attendance(actor, engineer, day, status, now=clock.now())
    return len(changes)


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
    except ChangedMeanwhile as error:  # the grid as stored now, with the user's own changes kept to save again
        db.session.rollback()
        return _render(month, error.message, error.changes, 409)
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
