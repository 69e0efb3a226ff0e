"""The engineer's itinerary pages (工作行程表): team list, month page, trip and expense forms, yearly workbook."""

from datetime import date, timedelta
from decimal import Decimal

import chinese_calendar
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy import func, or_, select

from tracker import clock, nav
from tracker.auth.access import (can_edit_itinerary, can_reopen, engineer_by_username, itinerary_owner,
                                 month_engineers, roles)
from tracker.auth.models import User
from tracker.errors import DomainError, Forbidden, Invalid, NotFound
from tracker.extensions import db
from tracker.itinerary import calendar, services, workbook
from tracker.itinerary.forms import CATEGORY_LABELS, ExpenseForm, ImportForm, ReopenForm, TripForm
from tracker.itinerary.labels import ATTENDANCE_LABELS
from tracker.itinerary.models import EXPENSE_CATEGORIES, Expense, MonthSubmission, Trip
from tracker.reviews import requests
from tracker.scores.models import Score
from tracker.scoring import fieldhours
from tracker.customers import services as customer_services
from tracker.workorders import network
from tracker.workorders import services as workorders
from tracker.scoring.month import Month
from tracker.values import BadYear, month_arg
from tracker.validation import date_arg, put_errors, say_the_rest

bp = Blueprint("itinerary", __name__)

nav.add("itinerary.home", _l("我的行程"), roles=("engineer",), order=10, section="/itinerary/")
nav.add("itinerary.home", lazy_pgettext("nav", "工程师行程"), roles=("manager", "backoffice", "gm", "admin"), order=10,
        section="/itinerary/")

WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))
HOLIDAY_NAMES = {"New Year's Day": _l("元旦"), "Spring Festival": _l("春节"), "Tomb-sweeping Day": _l("清明节"),
                 "Labour Day": _l("劳动节"), "Dragon Boat Festival": _l("端午节"), "National Day": _l("国庆节"),
                 "Mid-autumn Festival": _l("中秋节")}
YEARS = range(2000, 2100)


# ---- small helpers -------------------------------------------------------------------------------

def fmt_hours(value):
    return f"{Decimal(value or 0):.1f}"


def fmt_money(value):
    return f"{Decimal(value or 0):,.2f}"


def fmt_span(trip):
    if trip.full_day:
        return _("全天")
    return f"{fieldhours.format_hhmm(trip.depart_min)}–{fieldhours.format_hhmm(trip.return_min)}"


def _helpers():
    return {"fmt_hours": fmt_hours, "fmt_money": fmt_money, "fmt_span": fmt_span, "weekdays": WEEKDAYS,
            "attendance_labels": ATTENDANCE_LABELS, "category_labels": CATEGORY_LABELS}


def _require_edit(engineer):
    if not can_edit_itinerary(current_user, engineer):
        raise Forbidden(_("无权修改该工程师的行程和费用"))


def _engineer_to_view(username):
    engineer = itinerary_owner(username)
    services.require_view(current_user, engineer)
    return engineer


def _check_year(year):
    if year not in YEARS:  # 422 on `year`, as every year and month of a path outside 2000–2099 (it was 404)
        raise BadYear()


def _day_kind(day, workday):
    """(css class, label) of a date: workday, make-up workday, weekend or holiday (with its name)."""
    if workday:
        return ("workday", _("工作日")) if day.weekday() < 5 else ("makeup", _("调休上班"))
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        is_holiday, name = False, None
    if is_holiday and name in HOLIDAY_NAMES:
        return "holiday", str(HOLIDAY_NAMES[name])
    return ("weekend", _("周末")) if day.weekday() >= 5 else ("holiday", _("节假日"))


def _month_url(engineer, day_or_month, anchor=True):
    month = day_or_month if isinstance(day_or_month, str) else Month.of(day_or_month)
    url = url_for("itinerary.month", username=engineer.username, month=month)
    if anchor and not isinstance(day_or_month, str):
        url += f"#d-{day_or_month.isoformat()}"
    return url


# ---- home ----------------------------------------------------------------------------------------

@bp.route("/")
@roles()
def home():
    """Engineers go to their month; everyone else sees the engineers in their scope."""
    today_month = Month.of(clock.today())
    if current_user.role == "engineer":
        return redirect(url_for("itinerary.month", username=current_user.username, month=today_month))
    month = month_arg(request.args.get("month") or today_month)
    first, nxt = month.bounds()
    worked = or_(select(Trip.id).where(Trip.engineer_id == User.id, Trip.day >= first, Trip.day < nxt).exists(),
                 select(Expense.id).where(Expense.engineer_id == User.id, Expense.day >= first, Expense.day < nxt)
                 .exists(),
                 select(MonthSubmission.id).where(MonthSubmission.engineer_id == User.id,
                                                  MonthSubmission.month == month).exists())
    engineers = db.session.scalars(month_engineers(current_user, month, worked)).all()
    ids = [engineer.id for engineer in engineers]
    hours = services.month_field_hours(ids, first, nxt) if ids else {}
    submitted = dict(db.session.execute(select(MonthSubmission.engineer_id, MonthSubmission.submitted_at).where(
        MonthSubmission.engineer_id.in_(ids), MonthSubmission.month == month)).all()) if ids else {}
    spent = dict(db.session.execute(select(Expense.engineer_id, func.sum(Expense.amount)).where(
        Expense.engineer_id.in_(ids), Expense.day >= first, Expense.day < nxt)
        .group_by(Expense.engineer_id)).all()) if ids else {}
    rows = [{"engineer": e, "hours": hours.get(e.id, Decimal(0)), "expenses": spent.get(e.id) or Decimal(0),
             "submitted_at": submitted.get(e.id)} for e in engineers]
    return render_template("itinerary/home.html", rows=rows, month=month, prev_month=month.previous(),
                           next_month=Month.of(nxt), today_month=today_month, **_helpers())


# ---- the month page ------------------------------------------------------------------------------

def _render_month(engineer, month, alert=None, status=200, reopen_form=None):
    view = services.month_view(engineer, month)
    first, nxt = month.bounds()
    today = clock.today()
    notes = calendar.notes_between(first, nxt)  # why an admin made a day a workday or a rest day
    for day in view["days"]:
        day["kind"], day["kind_label"] = _day_kind(day["date"], day["workday"])
        day["calendar_note"] = notes.get(day["date"])
    totals = {code: Decimal(0) for code in EXPENSE_CATEGORIES}
    for day in view["days"]:
        for expense in day["expenses"]:
            totals[expense.category] += expense.amount
    submitted = view["submitted"]
    first_submit = services.first_submit_day(month)
    context = {
        "view": view, "engineer": engineer, "month": month, "year": first.year, "month_number": first.month,
        "today": today, "prev_month": month.previous(), "next_month": month.next(),
        "category_totals": totals, "alert": alert,
        "default_day": None if first > today else min(today, nxt - timedelta(days=1)),
        "can_edit": can_edit_itinerary(current_user, engineer) and not submitted,
        "can_submit": current_user.id == engineer.id and engineer.role == "engineer" and not submitted
        and first_submit <= today,
        "first_submit": first_submit,
        "owed": requests.owed_by(current_user, today) if current_user.id == engineer.id else [],
        "can_reopen": submitted and can_reopen(current_user, engineer),
        "sent_back": None if submitted else services.sent_back(engineer, month),
        "reopen_form": reopen_form or ReopenForm(formdata=None),
        "calendar_warnings": calendar.admin_notes(current_user, first.year, clock.today()),
        "score_approved_at": db.session.scalar(select(Score.approved_at).where(
            Score.engineer_id == engineer.id, Score.month == month, Score.status == "approved")),
    }
    return render_template("itinerary/month.html", **context, **_helpers()), status


@bp.route("/itinerary/<username>/<month:month>")
@roles()
def month(username, month):
    engineer = _engineer_to_view(username)
    return _render_month(engineer, month)


@bp.route("/itinerary/<username>/<month:month>/submit", methods=["POST"])
@roles()
def submit(username, month):
    engineer = _engineer_to_view(username)
    try:
        services.submit_month(current_user, engineer, month, now=clock.now())
    except Forbidden:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        return _render_month(engineer, month, alert=error.message, status=error.status)
    db.session.commit()
    flash(_("%(month)s 的工作行程表已提交", month=month), "success")
    return redirect(_month_url(engineer, month))


@bp.route("/itinerary/<username>/<month:month>/reopen", methods=["POST"])
@roles("manager", "gm")
def reopen(username, month):
    engineer = _engineer_to_view(username)
    if not can_reopen(current_user, engineer):
        raise Forbidden(_("只有该工程师的上级主管（各级）或总经理可以退回行程表"))
    form = ReopenForm()
    if not form.validate_on_submit():
        return _render_month(engineer, month, alert=_("请检查标出的栏目"), status=422, reopen_form=form)
    try:
        services.reopen_month(current_user, engineer, month, form.reason.data, now=clock.now())
    except Forbidden:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        return _render_month(engineer, month, alert=error.message, status=error.status, reopen_form=form)
    db.session.commit()
    flash(_("已退回 %(name)s 的 %(month)s，工程师可以修改后重新提交", name=engineer.display_name, month=month),
          "success")
    return redirect(_month_url(engineer, month))


# ---- trips and expenses --------------------------------------------------------------------------

def _choices(engineer):
    """Customer names and the engineer's recent work orders, for the inputs' suggestion lists."""
    return customer_services.names(), workorders.recent_numbers(engineer)


def _form_page(kind, form, engineer, item=None, alert=None, status=200):
    customers, orders = _choices(engineer)
    # the entry's own month submitted: no form that would only fail. A new entry sent with a date in a submitted
    # month (a typo) keeps its form and what was typed, the refusal said above it, to correct the date
    day = item.day if item is not None else form.date.data if request.method == "GET" else None
    locked = day is not None and services.submission(engineer, Month.of(day)) is not None
    if locked and request.method == "GET":
        status = 409  # the month is submitted: no form that would only fail
    title = {("trip", False): _("添加行程"), ("trip", True): _("修改行程"),
             ("expense", False): _("添加费用"), ("expense", True): _("修改费用")}[(kind, item is not None)]
    back = _month_url(engineer, item.day if item is not None else (form.date.data or clock.today()))
    return render_template("itinerary/form.html", kind=kind, form=form, engineer=engineer, item=item, title=title,
                           alert=alert, locked=locked, customers=customers, orders=orders, back=back,
                           today=clock.today(), **_helpers()), status


def _save_from_form(kind, form, engineer, save, item=None):
    """Validate, call the service, commit; a refusal re-renders the form with a 4xx and stores nothing."""
    if request.method == "POST":
        if not form.validate():
            say_the_rest(form, lambda: save(form.to_data()) and {})  # saved: nothing to say (and rolled back)
            return _form_page(kind, form, engineer, item, alert=_("请检查标出的栏目"), status=422)
        try:
            saved = save(form.to_data())
        except Forbidden:
            db.session.rollback()
            raise
        except DomainError as error:
            db.session.rollback()
            return _form_page(kind, form, engineer, item, alert=put_errors(form, error) or _("请检查标出的栏目"),
                              status=error.status)
        day, anchor = saved.day, f"#{kind}-{saved.id}"
        db.session.commit()
        flash(_("已保存行程") if kind == "trip" else _("已保存费用"), "success")
        # to the entry itself, which the page marks (the day's anchor scrolled the saved message out of view and
        # showed nothing of what was saved)
        return redirect(_month_url(engineer, day, anchor=False) + anchor)
    return _form_page(kind, form, engineer, item)


def _date_arg():
    """The day a new entry's form starts on (?date=, a prefill only: a bad one is ignored)."""
    try:
        return date_arg(request.args.get("date"), "date")
    except Invalid:
        return None


def _get(model, item_id):
    item = db.session.get(model, item_id)
    if item is None:
        raise NotFound(_("找不到该记录"))
    return item


@bp.route("/itinerary/<username>/trips/new", methods=["GET", "POST"])
@roles()
def new_trip(username):
    engineer = engineer_by_username(username)
    _require_edit(engineer)
    form = TripForm()
    if request.method == "GET":
        form.date.data = min(_date_arg() or clock.today(), clock.today())
    return _save_from_form("trip", form, engineer,
                           lambda data: services.save_trip(current_user, engineer, data, now=clock.now()))


@bp.route("/itinerary/trips/<int:trip_id>/edit", methods=["GET", "POST"])
@roles()
def edit_trip(trip_id):
    trip = _get(Trip, trip_id)
    engineer = trip.engineer
    _require_edit(engineer)
    form = TripForm()
    if request.method == "GET":
        form.fill_from(trip)
    return _save_from_form("trip", form, engineer,
                           lambda data: services.save_trip(current_user, engineer, data, trip=trip, now=clock.now()),
                           item=trip)


@bp.route("/itinerary/<username>/expenses/new", methods=["GET", "POST"])
@roles()
def new_expense(username):
    engineer = engineer_by_username(username)
    _require_edit(engineer)
    form = ExpenseForm()
    if request.method == "GET":
        form.date.data = min(_date_arg() or clock.today(), clock.today())
    return _save_from_form("expense", form, engineer,
                           lambda data: services.save_expense(current_user, engineer, data, now=clock.now()))


@bp.route("/itinerary/expenses/<int:expense_id>/edit", methods=["GET", "POST"])
@roles()
def edit_expense(expense_id):
    expense = _get(Expense, expense_id)
    engineer = expense.engineer
    _require_edit(engineer)
    form = ExpenseForm()
    if request.method == "GET":
        form.fill_from(expense)
    return _save_from_form("expense", form, engineer,
                           lambda data: services.save_expense(current_user, engineer, data, expense=expense,
                                                              now=clock.now()),
                           item=expense)


def _delete(item, remove, done_message):
    engineer, day = item.engineer, item.day
    _require_edit(engineer)
    try:
        remove(current_user, item, now=clock.now())
    except Forbidden:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        return _render_month(engineer, Month.of(day), alert=error.message, status=error.status)
    db.session.commit()
    flash(done_message, "success")
    return redirect(_month_url(engineer, day))


@bp.route("/itinerary/trips/<int:trip_id>/delete", methods=["POST"])
@roles()
def delete_trip(trip_id):
    return _delete(_get(Trip, trip_id), services.delete_trip, _("已删除行程"))


@bp.route("/itinerary/expenses/<int:expense_id>/delete", methods=["POST"])
@roles()
def delete_expense(expense_id):
    return _delete(_get(Expense, expense_id), services.delete_expense, _("已删除费用"))


# ---- the year: summary, workbook export and import -----------------------------------------------

def _render_year(engineer, year, form=None, alert=None, expected=None, status=200, problems=None):
    first, nxt = date(year, 1, 1), date(year + 1, 1, 1)
    spent = dict(db.session.execute(
        select(func.extract("month", Expense.day), func.sum(Expense.amount))
        .where(Expense.engineer_id == engineer.id, Expense.day >= first, Expense.day < nxt)
        .group_by(func.extract("month", Expense.day))).all())
    spent = {int(month): total for month, total in spent.items()}
    submitted = dict(db.session.execute(select(MonthSubmission.month, MonthSubmission.submitted_at).where(
        MonthSubmission.engineer_id == engineer.id,
        MonthSubmission.month.between(Month.from_parts(year, 1), Month.from_parts(year, 12)))).all())
    rows = []
    for number in range(1, 13):
        month = Month.from_parts(year, number)
        start, end = month.bounds()
        hours = services.month_field_hours([engineer.id], start, end).get(engineer.id, Decimal(0))
        rows.append({"month": month, "number": number, "hours": hours, "expenses": spent.get(number) or Decimal(0),
                     "submitted_at": submitted.get(month)})
    can_edit = can_edit_itinerary(current_user, engineer)
    return render_template("itinerary/year.html", engineer=engineer, year=year, rows=rows, alert=alert,
                           expected=expected, form=form or ImportForm(formdata=None), can_edit=can_edit,
                           problems=problems or [],
                           filename=workbook.workbook_filename(engineer, year), upload_here=network.upload_allowed_here(),
                           today_month=Month.of(clock.today()), **_helpers()), status


@bp.route("/itinerary/<username>/<int(fixed_digits=4):year>")
@roles()
def year(username, year):
    engineer = _engineer_to_view(username)
    _check_year(year)
    return _render_year(engineer, year)


@bp.route("/itinerary/<username>/<int(fixed_digits=4):year>.xlsx")
@roles()
def export(username, year):
    engineer = _engineer_to_view(username)
    _check_year(year)
    return workbook.download(engineer, year, today=clock.today())


@bp.route("/itinerary/<username>/<int(fixed_digits=4):year>/import", methods=["POST"])
@roles()
@network.lan_only
def import_workbook(username, year):
    engineer = _engineer_to_view(username)
    _check_year(year)
    _require_edit(engineer)
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_year(engineer, year, form=form, alert=_("请选择要导入的 .xlsx 文件"), status=422)
    upload = form.file.data
    try:
        summary = workbook.import_workbook(current_user, engineer, year, upload.filename, upload.stream, now=clock.now())
    except Forbidden:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        problems = error.extra.get("rows")
        if problems:  # the rows listed under the form, one an item (they ran on as one paragraph)
            error.fields = {"file": _("%(n)s 行有误，未导入任何内容，各行如下", n=error.extra.get("rows_total"))}
        alert = put_errors(form, error)  # on the file box; not a second time above the form
        return _render_year(engineer, year, form=form, alert=alert, expected=error.extra.get("expected"),
                            status=error.status, problems=problems)
    db.session.commit()
    parts = []
    for item in summary["months"]:
        if item["status"] == "replaced":
            parts.append(_("%(month)s：行程 %(trips)s 条，费用 %(expenses)s 笔", **item))
        else:
            # a month that held what the file holds (submitted or not) keeps its records
            parts.append(_("%(month)s：行程和费用与系统中相同，未改动", month=item["month"]))
    flash(_("导入完成。") + _("；").join(parts), "success")
    return redirect(url_for("itinerary.year", username=engineer.username, year=year))
