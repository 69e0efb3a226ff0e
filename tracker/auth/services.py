"""Users and tokens: the rules, used by the web forms, the API and the CLI alike."""

import hashlib
import re
import secrets
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import clock, validation
from tracker.auth.access import chain_ids, is_above
from tracker.auth.models import ROLES, ApiToken, User
from tracker.errors import Forbidden, Invalid
from tracker.extensions import db
from tracker.scoring import periods

USERNAME_RE = re.compile(r"^[a-z0-9_.\-]{3,32}$")
MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
BONUS_MAX = Decimal("1000000")
EDITABLE = ("password", "display_name", "role", "hire_date", "supervisor", "department", "bonus_base", "email",
            "active", "early_confirmation_month")


def get_by_username(username):
    return db.session.scalar(select(User).where(User.username == username))


def _check_display_name(value):
    value = validation.check_text(value or "", "display_name").strip()
    if not 1 <= len(value) <= 40:
        raise Invalid.field("display_name", _("显示名称须为 1–40 个字符"))
    return value


def _check_password(value):
    if not isinstance(value, str) or not 8 <= len(value) <= 128:
        raise Invalid.field("password", _("密码须为 8–128 个字符"))
    return value


def _resolve_supervisor(username, user=None):
    if username in (None, ""):
        return None
    supervisor = get_by_username(username)
    if supervisor is None:
        raise Invalid.field("supervisor", _("没有用户名为 %(name)s 的用户", name=username))
    if supervisor.role not in ("manager", "gm"):
        raise Invalid.field("supervisor", _("直属上级须为主管或总经理"))
    if user is not None and user.id is not None and (supervisor.id == user.id or user.id in chain_ids(supervisor.id)):
        raise Invalid.field("supervisor", _("上级关系不能形成循环"))
    return supervisor


def _apply(user, data):
    """Validate and set the editable fields present in data."""
    if "display_name" in data:
        user.display_name = _check_display_name(data["display_name"])
    if "password" in data:
        user.set_password(_check_password(data["password"]))
    if "role" in data:
        if data["role"] not in ROLES:
            raise Invalid.field("role", _("角色须为 %(v)s 之一", v=_("、").join(ROLES)))
        user.role = data["role"]
    if "hire_date" in data:
        user.hire_date = data["hire_date"]
    if "supervisor" in data:
        supervisor = _resolve_supervisor(data["supervisor"], user)
        user.supervisor_id = supervisor.id if supervisor else None
    if "department" in data:
        department = (data["department"] or "").strip() or None
        if department and len(department) > 40:
            raise Invalid.field("department", _("部门名称最多 40 个字符"))
        user.department = department
    if "email" in data:
        email = (data["email"] or "").strip() or None
        if email and (len(email) > 254 or "@" not in email):
            raise Invalid.field("email", _("电子邮箱格式不正确"))
        user.email = email
    if "bonus_base" in data:
        try:
            base = Decimal(str(data["bonus_base"] if data["bonus_base"] is not None else 0))
        except ArithmeticError:
            base = Decimal("NaN")
        if not base.is_finite() or not Decimal(0) <= base <= BONUS_MAX:
            raise Invalid.field("bonus_base", _("绩效奖金基数须在 0 到 1,000,000 之间"))
        user.bonus_base = base.quantize(Decimal("0.01"))
    if "active" in data:
        user.active = bool(data["active"])
    if "early_confirmation_month" in data:
        user.early_confirmation_month = check_early_confirmation(user, data["early_confirmation_month"] or None)
    elif "hire_date" in data:  # a later hire date must still leave three months before the early confirmation
        check_early_confirmation(user, user.early_confirmation_month)


def check_early_confirmation(user, month):
    """提前转正 from `month` needs three months of service by its last day (seed form 2: 满三个月); 422 otherwise.

    CONTRACT.md section 7: hire date + 3 months ≤ the last day of that month (a month-end hire date moves to the
    target month's last day). None clears it.
    """
    if month is None:
        return None
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise Invalid.field("early_confirmation_month", _("月份格式须为 YYYY-MM"))
    if user.hire_date is None:
        raise Invalid.field("early_confirmation_month", _("提前转正须先填写入职日期"))
    served = periods.add_months(user.hire_date, periods.EARLY_CONFIRMATION_MONTHS)
    if served > periods.last_day(*periods.parse_month(month)):
        raise Invalid.field("early_confirmation_month", _(
            "提前转正须入职满三个月：入职 %(hired)s，最早可从 %(month)s 起转正", hired=user.hire_date.isoformat(),
            month=f"{served.year:04d}-{served.month:02d}"))
    return month


def change_user(actor, user, data):
    """Change a user as `actor` (the web forms and the API alike): an admin any field; a manager above the user
    only the early confirmation month (提前转正). 403 otherwise; the caller commits."""
    if actor.role == "manager":
        if set(data) - {"early_confirmation_month"}:
            raise Forbidden(_("主管只能设置提前转正月份"))
        if not is_above(actor, user):
            raise Forbidden(_("只能为自己团队的成员设置提前转正"))
    elif actor.role != "admin":
        raise Forbidden(_("只有管理员可以修改用户"))
    return update_user(user, data)


def create_user(data):
    """Create a user from plain data (username, password, display_name, role, ...); the caller commits."""
    username = data.get("username") or ""
    if not USERNAME_RE.match(username):
        raise Invalid.field("username", _("用户名须为 3–32 个字符，仅限 a-z 0-9 _ . -"))
    if get_by_username(username) is not None:
        raise Invalid.field("username", _("用户名 %(name)s 已被使用", name=username))
    for required in ("password", "display_name", "role"):
        if data.get(required) in (None, ""):
            raise Invalid.field(required, _("必填"))
    user = User(username=username, active=True, bonus_base=Decimal(0))
    _apply(user, {k: v for k, v in data.items() if k in EDITABLE})
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user, data):
    """Change the given fields of a user; the caller commits."""
    _apply(user, {k: v for k, v in data.items() if k in EDITABLE})
    db.session.flush()
    return user


def authenticate(username, password):
    """The active user with these credentials, or None."""
    user = get_by_username(username or "")
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, hours):
    """A new bearer token (the plain value is returned once, only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    expires_at = clock.now() + timedelta(hours=hours)
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash(token), expires_at=expires_at))
    return token, expires_at


def user_for_token(token):
    """The active user owning an unexpired token, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.expires_at <= clock.now() or not row.user.active:
        return None
    return row.user
