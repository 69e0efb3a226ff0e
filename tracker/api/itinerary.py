"""Trips, expenses, the month itinerary, submit/reopen and the yearly workbook (CONTRACT 3, 8 and 10)."""

from datetime import date

from flask import request
from sqlalchemy.exc import IntegrityError
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from tracker import clock, xlsx
from tracker.api import core
from tracker.api.core import bp
from tracker.api.people import engineer_from_path, row_or_404, text, username_in_path
from tracker.auth.access import engineer_by_username, itinerary_owner, roles
from tracker.errors import Invalid, NotFound, Unsupported
from tracker.extensions import db
from tracker.itinerary import services, workbook
from tracker.itinerary.models import EXPENSE_CATEGORIES, Expense, Trip
from tracker.locking import lock_person
from tracker.workorders import network

HHMM = core.HHMM
HOURS = {"type": "number", "minimum": 0}
NULLABLE_TEXT = {"type": ["string", "null"]}
CLIENT_ID = core.ruled("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                       _l("须为 UUID（如 123e4567-e89b-12d3-a456-426614174000）"),
                       description="A UUID chosen by the client; sending it again for the same engineer answers the "
                                   "first result with 200 and stores nothing")

TRIP_FIELDS = {
    "date": core.DATE, "customer": text(40), "work_order": text(32), "depart": HHMM, "return": HHMM,
    "full_day": {"type": "boolean"}, "purpose": text(500), "note": text(500),
}
EXPENSE_FIELDS = {
    "date": core.DATE, "category": {"type": "string", "enum": list(EXPENSE_CATEGORIES)},
    "amount": {**core.MONEY, "description": "CNY, at most 2 decimals"}, "work_order": text(32), "note": text(500),
}

TRIP_PROPERTIES = {
    "id": {"type": "integer"}, "engineer": {"type": "string"}, "date": core.DATE, "full_day": {"type": "boolean"},
    "depart": NULLABLE_TEXT, "return": NULLABLE_TEXT, "hours": HOURS, "customer": NULLABLE_TEXT,
    "work_order": NULLABLE_TEXT, "purpose": NULLABLE_TEXT, "note": NULLABLE_TEXT,
}
TRIP = core.obj(TRIP_PROPERTIES, list(TRIP_PROPERTIES))
SAVED_TRIP = core.obj({**TRIP_PROPERTIES, "day_hours": HOURS}, [*TRIP_PROPERTIES, "day_hours"])
EXPENSE_PROPERTIES = {
    "id": {"type": "integer"}, "engineer": {"type": "string"}, "date": core.DATE,
    "category": {"type": "string", "enum": list(EXPENSE_CATEGORIES)}, "amount": {"type": "number"},
    "work_order": NULLABLE_TEXT, "note": NULLABLE_TEXT,
}
EXPENSE = core.obj(EXPENSE_PROPERTIES, list(EXPENSE_PROPERTIES))
DAY = core.obj({"date": core.DATE, "workday": {"type": "boolean"},
                "attendance": {"type": ["string", "null"], "description": "null on a day that is not a workday"},
                "trips": {"type": "array", "items": TRIP}, "field_hours": HOURS,
                "expenses": {"type": "array", "items": EXPENSE}},
               ["date", "workday", "attendance", "trips", "field_hours", "expenses"])
ITINERARY = core.obj({"username": {"type": "string"}, "month": {"type": "string"}, "submitted": {"type": "boolean"},
                      "field_hours": HOURS, "expenses_total": {"type": "number"},
                      "days": {"type": "array", "items": DAY}},
                     ["username", "month", "submitted", "field_hours", "expenses_total", "days"])
IMPORT_SUMMARY = core.obj({
    "file": {"type": "string"},
    "months": {"type": "array", "items": core.obj({
        "month": {"type": "string"}, "status": {"type": "string", "enum": ["replaced", "unchanged"],
                                                "description": "unchanged: the file holds the month exactly as "
                                                               "stored (its records and their ids are kept)"},
        "trips": {"type": "integer"}, "expenses": {"type": "integer"}}, ["month", "status", "trips", "expenses"])},
}, ["file", "months"])
WORKBOOK_UPLOAD = {"type": "object", "required": ["file"], "properties": {"file": {
    "type": "string", "format": "binary",
    "description": "The workbook, named <YYYY>年<display name>工作行程表.xlsx (a character of the display name no "
                   "file system holds, such as / or :, may be _, as the download names it)"}}}
SUBMISSION = core.obj({"username": {"type": "string"}, "month": {"type": "string"}, "submitted": {"type": "boolean"},
                       "submitted_at": {"type": ["string", "null"], "format": "date-time"}},
                      ["username", "month", "submitted", "submitted_at"])
REOPEN_BODY = core.obj({"reason": {**text(services.TEXT_MAX), "description": "optional, as on the web page"}})


def _actor():
    return current_user._get_current_object()


def _engineer_in_body(data):
    """The engineer a trip or expense is for: `engineer` when given, else the caller (who must be an engineer)."""
    username = data.get("engineer")
    if username is None:
        if current_user.role != "engineer":
            raise Invalid.field("engineer", _("请指定工程师"))
        return _actor()
    try:
        return engineer_by_username(username)
    except NotFound as error:
        raise Invalid.field("engineer", error.message) from None


def _with_date(data):
    data = dict(data)
    if "date" in data:
        data["date"] = core.parse_date(data["date"])
    return data


def _trip_reply(trip, status, engineer=None):
    """A trip's answer with its day's field hours now (`trip` a Trip, or the answer of one deleted since)."""
    if isinstance(trip, dict):
        answer = dict(trip)
        answer["day_hours"] = services.day_field_hours(engineer, date.fromisoformat(trip["date"]))
        return core.reply(answer, status)
    answer = services.trip_dict(trip)
    answer["day_hours"] = services.day_field_hours(trip.engineer, trip.day)
    return core.reply(answer, status)


def _save_once(model, engineer, data, save):
    """(row, created): the row stored earlier under the body's client_id (or, deleted since, its answer as a
    dict: the repeat must not bring it back), else what `save` stores and commits.

    Two sends of one entry racing each other both pass the lookup; the unique constraint lets one insert
    through and the other then answers the row that won.
    """
    client_id = data.get("client_id")
    if client_id is not None:
        lock_person(engineer)  # a repeat racing its first send waits for it here, then finds what it stored
    earlier = services.earlier_entry(_actor(), model, engineer, client_id)
    if earlier is None:
        earlier = services.deleted_entry(model, engineer, client_id)
    if earlier is not None:
        return earlier, False
    try:
        row = save()
        core.commit()
    except IntegrityError:
        db.session.rollback()
        earlier = services.earlier_entry(_actor(), model, engineer, client_id)
        if earlier is None:
            raise
        return earlier, False
    return row, True


# ---- trips ---------------------------------------------------------------------------------------

@bp.route("/trips", methods=["POST"])
@roles("engineer", "backoffice", "manager")
@core.answers(201, SAVED_TRIP, also={200: "client_id sent before: the first result; nothing stored"})
@core.body(core.obj({"engineer": core.USERNAME, **TRIP_FIELDS, "client_id": CLIENT_ID}, ["date"]))
def create_trip(data):
    """Record a field trip (depart and return HH:MM, or full_day); day_hours is the day's field hours after it."""
    engineer = _engineer_in_body(data)
    trip, created = _save_once(Trip, engineer, data,
                               lambda: services.save_trip(_actor(), engineer, _with_date(data), now=clock.now()))
    return _trip_reply(trip, 201 if created else 200, engineer)


@bp.route("/trips/<int:trip_id>", methods=["GET"])
@roles()
@core.answers(200, TRIP)
def get_trip(trip_id):
    """One trip, for those who may see its engineer's itinerary."""
    trip = row_or_404(Trip, trip_id, _("行程"))
    services.require_view(current_user, trip.engineer)
    return core.reply(services.trip_dict(trip))


@bp.route("/trips/<int:trip_id>", methods=["PATCH"])
@roles("engineer", "backoffice", "manager")
@core.answers(200, SAVED_TRIP)
@core.body(core.obj(TRIP_FIELDS))
def update_trip(trip_id, data):
    """Change the given fields of a trip (its month must not be submitted). Times given without `full_day` make a
    full-day trip one of those times (they were dropped: 200, nothing changed)."""
    trip = row_or_404(Trip, trip_id, _("行程"))
    if "full_day" not in data and any(data.get(name) is not None for name in ("depart", "return")):
        data = {**data, "full_day": False}
    trip = services.save_trip(_actor(), trip.engineer, lambda current: _with_date({**current, **data}), trip,
                              now=clock.now())
    core.commit()
    return _trip_reply(trip, 200)


@bp.route("/trips/<int:trip_id>", methods=["DELETE"])
@roles("engineer", "backoffice", "manager")
@core.answers(204, description="Deleted")
def delete_trip(trip_id):
    """Delete a trip (its month must not be submitted)."""
    trip = row_or_404(Trip, trip_id, _("行程"))
    services.delete_trip(_actor(), trip, now=clock.now())
    core.commit()
    return "", 204


# ---- expenses ------------------------------------------------------------------------------------

@bp.route("/expenses", methods=["POST"])
@roles("engineer", "backoffice", "manager")
@core.answers(201, EXPENSE, also={200: "client_id sent before: the first result; nothing stored"})
@core.body(core.obj({"engineer": core.USERNAME, **EXPENSE_FIELDS, "client_id": CLIENT_ID},
                    ["date", "category", "amount"]))
def create_expense(data):
    """Record an expense (CNY, 0 to 100,000, at most 2 decimals)."""
    engineer = _engineer_in_body(data)
    expense, created = _save_once(Expense, engineer, data,
                                  lambda: services.save_expense(_actor(), engineer, _with_date(data), now=clock.now()))
    answer = expense if isinstance(expense, dict) else services.expense_dict(expense)
    return core.reply(answer, 201 if created else 200)


@bp.route("/expenses/<int:expense_id>", methods=["GET"])
@roles()
@core.answers(200, EXPENSE)
def get_expense(expense_id):
    """One expense, for those who may see its engineer's itinerary."""
    expense = row_or_404(Expense, expense_id, _("费用"))
    services.require_view(current_user, expense.engineer)
    return core.reply(services.expense_dict(expense))


@bp.route("/expenses/<int:expense_id>", methods=["PATCH"])
@roles("engineer", "backoffice", "manager")
@core.answers(200, EXPENSE)
@core.body(core.obj(EXPENSE_FIELDS))
def update_expense(expense_id, data):
    """Change the given fields of an expense (its month must not be submitted)."""
    expense = row_or_404(Expense, expense_id, _("费用"))
    expense = services.save_expense(_actor(), expense.engineer, lambda current: _with_date({**current, **data}),
                                    expense, now=clock.now())
    core.commit()
    return core.reply(services.expense_dict(expense))


@bp.route("/expenses/<int:expense_id>", methods=["DELETE"])
@roles("engineer", "backoffice", "manager")
@core.answers(204, description="Deleted")
def delete_expense(expense_id):
    """Delete an expense (its month must not be submitted)."""
    expense = row_or_404(Expense, expense_id, _("费用"))
    services.delete_expense(_actor(), expense, now=clock.now())
    core.commit()
    return "", 204


# ---- the month -----------------------------------------------------------------------------------

@bp.route("/itineraries/<username>/<month:month>", methods=["GET"])
@roles()
@core.answers(200, ITINERARY)
def get_itinerary(username, month):
    """An engineer's month: a row per day with attendance, trips, field hours and expenses, and the totals (also of
    someone made a manager or back-office since, who kept records)."""
    engineer = itinerary_owner(username_in_path(username))
    services.require_view(current_user, engineer)
    return core.reply(services.month_view_dict(services.month_view(engineer, month)))


def _submission_reply(engineer, month):
    row = services.submission(engineer, month)
    return core.reply({"username": engineer.username, "month": month, "submitted": row is not None,
                       "submitted_at": row.submitted_at if row else None})


@bp.route("/itineraries/<username>/<month:month>/submit", methods=["POST"])
@roles("engineer")
@core.answers(200, SUBMISSION)
def submit_itinerary(username, month):
    """The engineer submits their month; its trips and expenses are then locked (409) until reopened."""
    engineer = engineer_from_path(username)
    services.submit_month(_actor(), engineer, month, now=clock.now())
    core.commit()
    return _submission_reply(engineer, month)


@bp.route("/itineraries/<username>/<month:month>/reopen", methods=["POST"])
@roles("manager", "gm")
@core.answers(200, SUBMISSION)
@core.body(REOPEN_BODY, optional=True)
def reopen_itinerary(username, month, data):
    """A manager above or the gm reopens a submitted month (logged; the optional reason, as on the web page, goes
    to the audit log and the engineer's notification)."""
    engineer = engineer_from_path(username)
    services.reopen_month(_actor(), engineer, month, data.get("reason"), now=clock.now())
    core.commit()
    return _submission_reply(engineer, month)


# ---- the yearly workbook -------------------------------------------------------------------------
# `<year:year>.xlsx` and `<month>` share a segment position; Werkzeug prefers the rule with the static ".xlsx"
# part, and a month path never ends in ".xlsx" (tests cover both). The year converter answers 422 for a year that
# is not four digits within 2000–2099 (02026 too), as every year in a path does.

@bp.route("/itineraries/<username>/<year:year>.xlsx", methods=["GET"])
@roles()
@core.answers(200, {"type": "string", "format": "binary"}, content=xlsx.XLSX_MIME,
              description="The workbook; Content-Disposition carries the file name as RFC 5987 filename*")
def download_workbook(username, year):
    """The engineer's itinerary workbook of a year, a sheet per month (as GET of a month, whose it may be)."""
    engineer = itinerary_owner(username_in_path(username))
    services.require_view(current_user, engineer)
    return workbook.download(engineer, year, today=clock.today())


@bp.route("/itineraries/<username>/<year:year>.xlsx", methods=["POST"])
@roles("engineer", "backoffice", "manager")
@network.lan_only
@core.answers(200, IMPORT_SUMMARY)
@core.uploads(WORKBOOK_UPLOAD)
def import_workbook(username, year):
    """Replace the open months' trips and expenses by those of an uploaded workbook (same format as the download);
    accepted only from the upload networks (TRACKER_UPLOAD_NETWORKS), else 403. Malformed cells, and then rows the
    trip and expense rules refuse, are refused all at once: 422 with `sheet` and `row` of the first, `rows`
    ({sheet, row, message}) of up to 1,000 and `rows_total`."""
    engineer = engineer_from_path(username)
    if request.mimetype and request.mimetype != "multipart/form-data":
        raise Unsupported(_("请求须为 multipart/form-data"))
    upload = request.files.get("file")
    if upload is None:
        raise Invalid.field("file", _("请上传文件（表单字段 file）"))
    summary = workbook.import_workbook(_actor(), engineer, year, upload.filename, upload.stream, now=clock.now())
    core.commit()
    return core.reply(summary)
