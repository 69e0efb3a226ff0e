"""Users, customers, the work calendar and attendance (CONTRACT 2, 4 and 10)."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tracker import audit, clock, naming
from tracker.validation import INT_MAX
from tracker.customers import services as customers
from tracker.api import core
from tracker.api.core import bp
from tracker.auth import services as auth_services
from tracker.auth.access import can_view, engineer_by_username, roles, scope_filter, sees_pay, user_by_username
from tracker.auth.models import ROLES, User
from tracker.codepoint import by_code_point
from tracker.errors import Forbidden, Invalid, NotFound
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary import services as itinerary
from tracker.itinerary.models import ATTENDANCE_STATUSES, CalendarDay
from tracker.values import month_arg



def text(max_length, min_length=0, nullable=True):
    """A string schema of bounded length; core.body() adds the text rule of its field (CONTRACT 2) as a pattern."""
    schema = {"type": ["string", "null"] if nullable else "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return schema


NULLABLE_USERNAME = {"type": ["string", "null"], "pattern": core.USERNAME["pattern"]}
MONTH = core.MONTH
BONUS = {"type": "number", "minimum": 0, "maximum": 1000000}

USER = core.obj({
    "username": {"type": "string"}, "display_name": {"type": "string"},
    "role": {"type": "string", "enum": list(ROLES)}, "supervisor": {"type": ["string", "null"]},
    "department": {"type": ["string", "null"]}, "hire_date": {"type": ["string", "null"], "format": "date"},
    "bonus_base": {"type": ["number", "null"],
                   "description": "null for a caller who does not see pay (back-office, another engineer)"},
    "email": {"type": ["string", "null"]}, "active": {"type": "boolean"},
    "early_confirmation_month": {"type": ["string", "null"]},
}, ["username", "display_name", "role", "supervisor", "department", "hire_date", "bonus_base", "email", "active",
    "early_confirmation_month"])

USER_FIELDS = {
    "password": text(128, 8, nullable=False),
    "display_name": {**text(auth_services.DISPLAY_NAME_MAX_SENT, 1, nullable=False),
                     core.SHOWN_MAX: auth_services.DISPLAY_NAME_MAX},
    "role": {"type": "string", "enum": list(ROLES)}, "hire_date": core.DATE, "supervisor": NULLABLE_USERNAME,
    "department": text(40), "bonus_base": BONUS, "email": text(254),
}
NEW_USER = core.obj({"username": core.USERNAME, **USER_FIELDS},
                    ["username", "password", "display_name", "role", "hire_date"])
USER_CHANGES = core.obj({"username": core.USERNAME, **USER_FIELDS, "active": {"type": "boolean"},
                         "early_confirmation_month": {"type": ["string", "null"], "pattern": MONTH["pattern"]}})

CUSTOMER = core.obj({"id": {"type": "integer"}, "name": {"type": "string"}}, ["id", "name"])
CALENDAR_DAY = core.obj({"date": core.DATE, "workday": {"type": "boolean"},
                         "official_workday": {"type": "boolean"}, "override": {"type": "boolean"},
                         "note": {"type": ["string", "null"]}},
                        ["date", "workday", "official_workday", "override", "note"])
ATTENDANCE = core.obj({"username": {"type": "string"}, "date": core.DATE,
                       "status": {"type": "string", "enum": list(ATTENDANCE_STATUSES)},
                       "id": {"type": ["integer", "null"],
                              "description": "the exception's record (as a score's records name it); null: present"}},
                      ["username", "date", "status", "id"])


# ---- shared helpers (also used by the itinerary routes) ----------------------------------------

def username_in_path(username):
    """422 for a path segment that cannot be a username at all."""
    if not auth_services.USERNAME_RE.match(username):
        raise Invalid.field("username", _("用户名须为 3–32 个字符，仅限 a-z 0-9 _ . -"))
    return username


def user_from_path(username):
    return user_by_username(username_in_path(username))


def engineer_from_path(username):
    return engineer_by_username(username_in_path(username))


def row_or_404(model, row_id, what):
    """The row with this id; ids beyond the integer column's range simply do not exist."""
    row = db.session.get(model, row_id) if 0 < row_id <= INT_MAX else None
    if row is None:
        raise NotFound(_("没有这条%(what)s：#%(id)s", what=what, id=row_id))
    return row


def user_dict(user, listed_in_scope=False):
    """A user as the API shows them to the caller: the bonus base only to those who see pay (null otherwise)."""
    pay = user.bonus_base if sees_pay(current_user, user, listed_in_scope) else None
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "supervisor": user.supervisor.username if user.supervisor else None, "department": user.department,
            "hire_date": user.hire_date, "bonus_base": pay, "email": user.email,
            "active": user.active, "early_confirmation_month": user.early_confirmation_month}


def _user_data(data):
    """The body with its date parsed, ready for the user services."""
    data = dict(data)
    if "hire_date" in data:
        data["hire_date"] = core.parse_date(data["hire_date"], "hire_date")
    return data


# ---- users ---------------------------------------------------------------------------------------

SEARCH_QUERY = [
    {"name": "q", "schema": {"type": "string", "maxLength": 40},
     "description": "only those whose name contains this text (case-insensitive)"},
    {"name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 200},
     "description": "at most this many (default: all)"},
]
USER_QUERY = SEARCH_QUERY + [{"name": "role", "schema": {"type": "string", "enum": list(ROLES)}},
                             {"name": "active", "schema": {"type": "string", "enum": ["0", "1"]}}]


def _search():
    """(text, limit) of a picker's search: q of at most 40 characters, limit 1-200 (422 otherwise)."""
    text = request.args.get("q", "")
    if len(text) > 40:
        raise Invalid.field("q", _("搜索文字最多 40 个字符"))
    limit = request.args.get("limit")
    if limit is not None and not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 200):
        raise Invalid.field("limit", _("须为 1–%(max)s 的整数", max=200))
    return text.strip(), None if limit is None else int(limit)


def _contains(column, text):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like("%" + escaped.lower() + "%", escape="\\")


@bp.route("/users", methods=["GET"])
@roles()
@core.answers(200, core.obj({"users": {"type": "array", "items": USER}}, ["users"]))
@core.query(USER_QUERY)
def list_users():
    """The users the caller may see (gm, admin and back-office: everyone; a manager: the team; others: self)."""
    text, limit = _search()
    query = select(User).where(scope_filter(current_user, User.id)).order_by(by_code_point(User.username)).limit(limit)
    if text:
        query = query.where(_contains(User.username, text) | _contains(User.display_name, text))
    role = request.args.get("role") or None  # left empty: not given (api/core.query)
    if role is not None:
        if role not in ROLES:
            raise Invalid.field("role", _("未知角色"))
        query = query.where(User.role == role)
    if request.args.get("active") in ("0", "1"):
        query = query.where(User.active.is_(request.args["active"] == "1"))
    return core.reply({"users": [user_dict(u, listed_in_scope=True) for u in db.session.scalars(query)]})


@bp.route("/users/<username>", methods=["GET"])
@roles()
@core.answers(200, USER)
def get_user(username):
    """One user, when the caller may see them."""
    user = user_from_path(username)
    if not can_view(current_user, user):
        raise Forbidden(_("无权查看该用户"))
    return core.reply(user_dict(user))


@bp.route("/users", methods=["POST"])
@roles("admin")
@core.answers(201, USER)
@core.body(NEW_USER)
def create_user(data):
    """Create a user (the password is never returned)."""
    user = auth_services.create_user(_user_data(data))
    core.commit()
    return core.reply(user_dict(user), 201)


@bp.route("/users/<username>", methods=["PATCH"])
@roles("admin", "manager", "gm")
@core.answers(200, USER)
@core.body(USER_CHANGES)
def update_user(username, data):
    """Change a user (an admin any field, the username too: the user's photo folder follows); a manager above may
    set only early_confirmation_month, as may the gm for an engineer with no manager above."""
    user = user_from_path(username)
    auth_services.change_user(current_user, user, _user_data(data))
    core.commit()
    return core.reply(user_dict(user))


# ---- customers -----------------------------------------------------------------------------------

@bp.route("/customers", methods=["GET"])
@roles()
@core.answers(200, core.obj({"customers": {"type": "array", "items": CUSTOMER}}, ["customers"]))
@core.query(SEARCH_QUERY)
def list_customers():
    """The customers by name (q: those whose name contains it; limit: at most that many)."""
    text, limit = _search()
    return core.reply({"customers": [customers.customer_dict(c) for c in customers.list_customers(text, limit)]})


@bp.route("/customers", methods=["POST"])
@roles("admin", "backoffice")
@core.answers(201, CUSTOMER)
@core.body(core.obj({"name": {**text(naming.PART_MAX_SENT, 1, nullable=False), core.SHOWN_MAX: naming.PART_MAX}},
                    ["name"]))
def create_customer(data):
    """Add a customer (the name becomes part of file names: 1–40 characters, no \\ / : * ? " < > |)."""
    customer = customers.create_customer(data["name"])
    core.commit()
    return core.reply(customers.customer_dict(customer), 201)


# ---- work calendar -------------------------------------------------------------------------------

def _calendar_day(day, workday, override, note=None):
    return {"date": day, "workday": workday, "official_workday": calendar.official_workday(day),
            "override": override, "note": note}


# One path for the month (GET, period = YYYY-MM) and the day (PUT, DELETE, period = YYYY-MM-DD): OpenAPI
# forbids two templated paths that differ only in the parameter name.
@bp.route("/calendar/<period>", methods=["GET"])
@roles()
@core.answers(200, core.obj({"month": MONTH, "holidays_known": {"type": "boolean"},
                             "days": {"type": "array", "items": CALENDAR_DAY}}, ["month", "holidays_known", "days"]))
def month_calendar(period):
    """The days of a month (period = YYYY-MM) with workday flags; holidays_known false: the year lacks holiday data."""
    month = month_arg(period)
    first, nxt = month.bounds()
    overrides = {row.day: row for row in db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day < nxt))}
    days = [_calendar_day(day, workday, day in overrides, overrides[day].note if day in overrides else None)
            for day, workday in calendar.workdays_between(first, nxt).items()]
    return core.reply({"month": month, "holidays_known": calendar.year_is_covered(first.year), "days": days})


@bp.route("/calendar/<period>", methods=["PUT"])
@roles("admin")
@core.answers(200, CALENDAR_DAY)
@core.body(core.obj({"workday": {"type": "boolean"}, "note": text(100)}, ["workday"]))
def set_calendar_day(period, data):
    """Override one date (period = YYYY-MM-DD) as a workday or not, whatever the official calendar says."""
    parsed = core.parse_date(period)
    row = calendar.set_day(parsed, data["workday"], data.get("note"))
    audit.record(current_user, "calendar.set", parsed.isoformat(), "workday" if row.workday else "day off")
    core.commit()
    return core.reply(_calendar_day(parsed, row.workday, True, row.note))


@bp.route("/calendar/<period>", methods=["DELETE"])
@roles("admin")
@core.answers(204, description="The date follows the official calendar again")
def clear_calendar_day(period):
    """Remove the override of one date (period = YYYY-MM-DD)."""
    parsed = core.parse_date(period)
    calendar.clear_day(parsed)
    audit.record(current_user, "calendar.clear", parsed.isoformat())
    core.commit()
    return "", 204


# ---- attendance ----------------------------------------------------------------------------------

@bp.route("/attendance/<username>/<day>", methods=["PUT"])
@roles("backoffice", "manager", "admin")
@core.answers(200, ATTENDANCE)
@core.body(core.obj({"status": {"type": "string", "enum": list(ATTENDANCE_STATUSES)}}, ["status"]))
def set_attendance(username, day, data):
    """Record an engineer's attendance on a workday (present clears an earlier record); late, early_leave and absent
    only on a day that has come (a future day: 422), leave and business trips also ahead."""
    engineer = engineer_from_path(username)
    parsed = core.parse_date(day)
    row = itinerary.set_attendance(current_user, engineer, parsed, data["status"], now=clock.now())
    core.commit()
    return core.reply({"username": engineer.username, "date": parsed, "status": data["status"],
                       "id": row.id if row is not None else None})
