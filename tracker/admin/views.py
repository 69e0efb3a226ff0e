"""Admin pages: users, customers, the work calendar and the settings in force."""

import os

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from wtforms import SelectChoice

from tracker import audit, clock, config, equipment, nav
from tracker.customers import services as customers
from tracker.admin import services
from tracker.admin.forms import ROLE_LABELS, CalendarDayForm, CustomerForm, UserForm
from tracker.auth import services as auth_services
from tracker.auth.access import roles
from tracker.auth.models import User
from tracker.errors import Invalid, NotFound
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary.attendance_views import WEEKDAYS
from tracker.scoring.month import Month
from tracker.values import month_arg
from tracker.validation import put_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")

nav.add("admin.users", _l("用户"), roles=("admin",), order=80)
nav.add("admin.customer_list", lazy_pgettext("nav", "客户"), roles=("admin", "backoffice"), order=81)
nav.add("admin.calendar_page", _l("工作日历"), roles=("admin",), order=82)

def _actor():
    return current_user._get_current_object()


# ---- users ---------------------------------------------------------------------------------------

@bp.route("/")
@roles("admin")
def index():
    return redirect(url_for("admin.users"))


@bp.route("/users")
@roles("admin")
def users():
    role = request.args.get("role") or None
    active = {"1": True, "0": False}.get(request.args.get("active", ""))
    return render_template("admin/users.html", users=services.users(role, active), role=role,
                           active=request.args.get("active", ""), role_labels=ROLE_LABELS,
                           calendar_warnings=calendar.years_to_warn(clock.today()))


def _user_form(user=None):
    form = UserForm(obj=user)
    form.was_role = user.role if user is not None else None  # the hire date is asked of one made an engineer
    form.supervisor.choices = [SelectChoice("", _("（无）"))] + [
        SelectChoice(u.username, f"{u.display_name} ({u.username})" + ("" if u.active else " " + _("已停用")))
        for u in services.supervisors()]
    if user is not None and request.method == "GET":
        form.supervisor.data = user.supervisor.username if user.supervisor else ""
    return form


def _user_data(form, creating):
    """Plain data for the user services from a submitted form (only the fields it carries)."""
    data = {
        "display_name": form.display_name.data, "role": form.role.data,
        "supervisor": form.supervisor.data or None, "department": form.department.data,
        "hire_date": form.hire_date.data, "email": form.email.data, "active": form.active.data,
        "early_confirmation_month": (form.early_confirmation_month.data or "").strip() or None,
    }
    if form.bonus_base.data is not None:
        data["bonus_base"] = form.bonus_base.data
    if creating:
        data["username"] = (form.username.data or "").strip()
        data["password"] = form.password.data
    elif form.password.data:
        data["password"] = form.password.data
    return data


def _valid_shape(form):
    """The form's own checks, plus a finite bonus base (Decimal accepts 'NaN' and 'Infinity')."""
    valid = form.validate_on_submit()
    if valid and form.bonus_base.data is not None and not form.bonus_base.data.is_finite():
        form.bonus_base.errors = list(form.bonus_base.errors) + [_("请输入数字")]
        valid = False
    return valid


def _checked(form, save):
    """(what `save` gave, None), or (None, (alert, 422)) with every field at fault marked in one answer: the form's
    own checks and the service's together (a missing hire date hid an empty username and password until it was
    filled). Nothing is kept of a refused save."""
    shaped = _valid_shape(form)
    if "csrf_token" in form.errors:
        return None, (None, 422)
    try:
        result = save()
    except Invalid as error:
        db.session.rollback()
        said = {name: message for name, message in (error.fields or {}).items()
                if not getattr(form._fields.get(name), "errors", None)}  # the form said it already, its own way
        return None, (put_errors(form, Invalid(error.message, said)) if said or not error.fields else None, 422)
    if not shaped:
        db.session.rollback()
        return None, (None, 422)
    return result, None


def _render_user_form(form, user, error=None, status=200):
    return render_template("admin/user_form.html", form=form, user=user, error=error), status


@bp.route("/users/new", methods=["GET", "POST"])
@roles("admin")
def user_new():
    form = _user_form()
    if request.method == "GET":
        return _render_user_form(form, None)
    user, refused = _checked(form, lambda: auth_services.create_user(_user_data(form, creating=True)))
    if refused:
        return _render_user_form(form, None, *refused)
    db.session.commit()
    flash(_("已创建用户 %(name)s", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles("admin")
def user_edit(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("找不到该用户"))
    form = _user_form(user)
    del form.username
    if request.method == "GET":
        form.password.data = ""
        return _render_user_form(form, user)
    _saved, refused = _checked(form, lambda: services.update_user(_actor(), user, _user_data(form, creating=False)))
    if refused:
        return _render_user_form(form, user, *refused)
    db.session.commit()
    flash(_("已保存用户 %(name)s", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@roles("admin")
def user_end_sessions(user_id):
    """Log a user out everywhere (every web session and API token), e.g. after a lost phone."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("找不到该用户"))
    auth_services.end_all_sessions(user, _actor(), "ended by an admin")
    db.session.commit()
    flash(_("已结束 %(name)s 的所有登录会话和 API 令牌", name=user.username), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# ---- customers -----------------------------------------------------------------------------------

def _render_customers(form, error=None, status=200):
    search = request.args.get("q", "")
    return render_template("admin/customers.html", form=form, customers=customers.list_customers(search),
                           search=search, error=error), status


@bp.route("/customers", methods=["GET", "POST"])
@roles("admin", "backoffice")
def customer_list():
    form = CustomerForm()
    if request.method == "GET":
        return _render_customers(form)
    if not form.validate_on_submit():
        return _render_customers(form, status=422)
    try:
        customer = customers.create_customer(form.name.data)
    except Invalid as error:
        db.session.rollback()
        return _render_customers(form, put_errors(form, error), 422)
    db.session.commit()
    flash(_("已添加客户 %(name)s", name=customer.name), "success")
    return redirect(url_for("admin.customer_list"))


@bp.route("/customers/<int:customer_id>", methods=["GET", "POST"])
@roles("admin", "backoffice")
def customer_edit(customer_id):
    customer = customers.get_customer(customer_id)
    old_name = customer.name
    form = CustomerForm(obj=customer)
    if request.method == "GET":
        return render_template("admin/customer_form.html", form=form, customer=customer,
                               machines=equipment.of_customer(customer.id))
    error = None
    if form.validate_on_submit():
        try:
            customers.rename_customer(customer, form.name.data)
            audit.record(_actor(), "customer.rename", customer.name, old_name)
        except Invalid as exc:
            db.session.rollback()
            error = put_errors(form, exc)
        else:
            db.session.commit()
            flash(_("客户已改名为 %(name)s", name=customer.name), "success")
            return redirect(url_for("admin.customer_list"))
    return render_template("admin/customer_form.html", form=form, customer=customer, error=error,
                           machines=equipment.of_customer(customer.id)), 422


# ---- calendar ------------------------------------------------------------------------------------

def _render_calendar(month, form, error=None, status=200):
    month = month_arg(month)
    year, number = month.year, month.number
    return render_template(
        "admin/calendar.html", form=form, month=month, year=year, number=number, error=error,
        weeks=services.calendar_month(year, number), weekdays=WEEKDAYS, today=clock.today(),
        previous=month.previous(), following=month.next(),
        calendar_warnings=calendar.year_notes(year, clock.today())), status


@bp.route("/calendar", methods=["GET", "POST"])
@bp.route("/calendar/<month:month>", methods=["GET", "POST"])
@roles("admin")
def calendar_page(month=None):
    month = month or request.args.get("month") or Month.of(clock.today())
    form = CalendarDayForm()
    if request.method == "GET":
        return _render_calendar(month, form)
    if not form.validate_on_submit():
        return _render_calendar(month, form, status=422)
    day = form.day.data
    if form.kind.data == "clear":
        calendar.clear_day(day)
        audit.record(_actor(), "calendar.clear", day.isoformat())
        flash(_("%(day)s 已恢复法定安排", day=day.isoformat()), "success")
    else:
        workday = form.kind.data == "workday"
        calendar.set_day(day, workday, form.note.data)
        audit.record(_actor(), "calendar.set", day.isoformat(), "workday" if workday else "day off")
        flash(_("%(day)s 已设为%(kind)s", day=day.isoformat(), kind=_("工作日") if workday else _("休息日")),
              "success")
    db.session.commit()
    # the drafts it reaches are marked stale, not recomputed in this request (scores.live)
    flash(_("%(month)s 及之前各月的考核草稿将在几分钟内重新计算；已审批的得分不变。", month=Month.of(day)), "info")
    return redirect(url_for("admin.calendar_page", month=Month.of(day)))


# ---- settings ------------------------------------------------------------------------------------

@bp.route("/settings")
@roles("admin")
def settings():
    return render_template("admin/settings.html", settings=config.dumps_safe(current_app.config),
                           covered=calendar.covered_years(),
                           config_path=os.path.join(current_app.config.root_path, "config.py"))  # the instance's
