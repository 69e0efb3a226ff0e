"""Users and tokens: the rules, used by the web forms, the API and the CLI alike."""

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import audit, locking, mail, validation
from tracker.auth import sessions, throttle
from tracker.auth.access import acts_as_manager, named
from tracker.auth.models import ROLES, ApiToken, User
from tracker.errors import Forbidden, Invalid
from tracker.extensions import db
from tracker.scoring import periods
from tracker.scoring.month import Month
from tracker.values import month_arg

USERNAME_RE = re.compile(r"^[a-z0-9_.\-]{3,32}$")
SUPERVISOR_ROLES = ("manager", "gm")
BONUS_MAX = Decimal("1000000")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s.][^@\s]*\Z")  # one @ between a name and a domain (x@ was taken)
EDITABLE = ("password", "display_name", "role", "hire_date", "supervisor", "department", "bonus_base", "email",
            "active", "early_confirmation_month")


def get_by_username(username):
    return named(username)


DISPLAY_NAME_MAX = 40  # characters, counted after NFC (CONTRACT 2)
DISPLAY_NAME_MAX_SENT = 4 * DISPLAY_NAME_MAX  # as sent: NFC may compose up to four code points into one character


def _check_display_name(value):
    """1–40 characters once NFC-normalised (an accent typed as its own mark is one character with its letter),
    stored so, trimmed."""
    value = unicodedata.normalize("NFC", validation.check_text(value or "", "display_name")).strip()
    if not 1 <= len(value) <= DISPLAY_NAME_MAX:
        raise Invalid.field("display_name", _("显示名称须为 1–40 个字符"))
    return value


def _check_password(value):
    if not isinstance(value, str) or not 8 <= len(value) <= 128:
        raise Invalid.field("password", _("密码须为 8–128 个字符"))
    return validation.check_text(value, "password")  # no control characters: no login could ever send one


def resolve_supervisor(username, user=None):
    if username in (None, ""):
        return None
    supervisor = get_by_username(username)
    if supervisor is None:
        raise Invalid.field("supervisor", _("没有用户名为 %(name)s 的用户", name=username))
    changed = user is None or user.supervisor_id != supervisor.id
    role, active = supervisor.role, supervisor.active
    if changed:  # the supervisor's role, state and chain as stored now, once no other change of them can meanwhile
        locking.lock_supervisor_links()
        role, active = db.session.execute(select(User.role, User.active).where(User.id == supervisor.id)).one()
    if role not in SUPERVISOR_ROLES:
        raise Invalid.field("supervisor", _("直属上级须为主管或总经理"))
    if changed and not active:  # reviews, interviews and notices would go to someone who cannot log in
        raise Invalid.field("supervisor", _("%(name)s 已停用，不能作为直属上级", name=supervisor.username))
    if changed and user is not None and user.id is not None:  # a loop (himself included), as stored now
        seen, current = set(), supervisor.id
        while current is not None and current not in seen:
            if current == user.id:
                raise Invalid.field("supervisor", _("上级关系不能形成循环"))
            seen.add(current)
            current = db.session.scalar(select(User.supervisor_id).where(User.id == current))
    return supervisor


def _apply(user, data):
    """Validate and set the editable fields present in data; every field at fault is named at once (422)."""
    fields = validation.FieldErrors()
    was_role = user.role
    with fields.check():
        if "username" in data and data["username"] != user.username:
            username = data["username"] or ""
            if not USERNAME_RE.match(username):
                raise Invalid.field("username", _("用户名须为 3–32 个字符，仅限 a-z 0-9 _ . -"))
            locking.lock_usernames()
            if get_by_username(username) is not None:
                raise Invalid.field("username", _("用户名 %(name)s 已被使用", name=username))
            user.username = username
    with fields.check():
        if "display_name" in data:
            user.display_name = _check_display_name(data["display_name"])
    with fields.check():
        if "password" in data:
            user.set_password(_check_password(data["password"]))
    with fields.check():
        if "role" in data:
            if data["role"] not in ROLES:
                raise Invalid.field("role", _("角色须为 %(v)s 之一", v=_("、").join(ROLES)))
            if data["role"] not in SUPERVISOR_ROLES and user.id is not None:
                # a supervisor is a manager or the gm (as resolve_supervisor says of a new one): counted once no
                # one can be put under this user meanwhile
                locking.lock_supervisor_links()
                reports = db.session.scalar(select(func.count()).select_from(User).where(User.supervisor_id == user.id))
                if reports:
                    raise Invalid.field("role", _("该用户仍是 %(n)s 人的直属上级，请先为他们指定新的上级", n=reports))
            user.role = data["role"]
    with fields.check():
        if "hire_date" in data:
            user.hire_date = data["hire_date"]
    with fields.check():
        if "supervisor" in data:
            supervisor = resolve_supervisor(data["supervisor"], user)
            user.supervisor_id = supervisor.id if supervisor else None
    with fields.check():
        if "department" in data:
            department = validation.check_text(data["department"] or "", "department").strip() or None
            if department and len(department) > 40:
                raise Invalid.field("department", _("部门名称最多 40 个字符"))
            user.department = department
    with fields.check():
        if "email" in data:
            email = (data["email"] or "").strip() or None
            if email and (not EMAIL_RE.match(email) or mail.smtp_address(email) is None):
                raise Invalid.field("email", _("电子邮箱格式不正确：@ 前只能用英文字母、数字和 . _ - + 等符号，@ 后为域名"))
            user.email = email
    with fields.check():
        if "bonus_base" in data:
            # money: 0 to 1,000,000 with at most 2 decimals; anything else is refused, never rounded (CONTRACT 2)
            base = validation.check_number(data["bonus_base"], "bonus_base", Decimal(0), BONUS_MAX, required=False,
                                           text=True, label=_("绩效奖金基数"))
            user.bonus_base = Decimal(0) if base is None else base
    with fields.check():
        if "active" in data:
            if user.active and not data["active"] and user.id is not None:
                # the people they supervise would be left with a supervisor who can no longer review, interview or
                # hear of their scans (as a role change is refused)
                locking.lock_supervisor_links()
                reports = db.session.scalar(select(func.count()).select_from(User).where(
                    User.supervisor_id == user.id, User.active.is_(True)))
                if reports:
                    raise Invalid.field("active", _("该用户仍是 %(n)s 人的直属上级，请先为他们指定新的上级",
                                                    n=reports))
            user.active = bool(data["active"])
    with fields.check():
        if "early_confirmation_month" in data:
            given = data["early_confirmation_month"]
            if given is not None and user.role != "engineer" and str(given) != str(user.early_confirmation_month):
                # only engineers are assessed: the gm and a manager were refused this (403), an admin not (one kept
                # from the user's time as an engineer stays, so the user form still saves)
                raise Invalid.field("early_confirmation_month", _("提前转正只适用于工程师"))
            user.early_confirmation_month = check_early_confirmation(user, data["early_confirmation_month"])
        elif "hire_date" in data and user.role == "engineer":
            # a later hire date must still leave three months before the early confirmation (one kept from a
            # manager's time as an engineer no longer counts)
            check_early_confirmation(user, user.early_confirmation_month)
    with fields.check():
        if user.id is not None and was_role != "engineer" and user.role == "engineer" and user.hire_date is None \
                and "hire_date" not in fields.errors:
            # made an engineer: assessed from the hire date on (CONTRACT 7), as the user form requires it (an
            # engineer made by `create-user`, which takes no hire date, is given one when edited)
            raise Invalid.field("hire_date", _("工程师须填写入职日期（入职满六个月起参加考核）"))
    fields.raise_any()


def earliest_confirmation(user):
    """The first month an early confirmation (提前转正) of the user may start (None without a hire date)."""
    if user.hire_date is None:
        return None
    return Month.of(periods.add_months(user.hire_date, periods.EARLY_CONFIRMATION_MONTHS))


def check_early_confirmation(user, month):
    """提前转正 from `month` needs three months of service by its last day (seed form 2: 满三个月); 422 otherwise.

    CONTRACT.md section 7: hire date + 3 months ≤ the last day of that month (a month-end hire date moves to the
    target month's last day). Only None clears it (the admin form's emptied field, the API's null): anything else,
    an empty text included, must be a month.
    """
    if month is None:
        return None
    month = month_arg(month, "early_confirmation_month")
    if user.hire_date is None:
        raise Invalid.field("early_confirmation_month", _("提前转正须先填写入职日期"))
    earliest = earliest_confirmation(user)
    if month < earliest:
        raise Invalid.field("early_confirmation_month", _(
            "提前转正须入职满三个月：入职 %(hired)s，最早可从 %(month)s 起转正", hired=user.hire_date.isoformat(),
            month=earliest))
    return month


def change_user(actor, user, data):
    """Change a user as `actor` (the web forms and the API alike): an admin any field, but never deactivate or demote
    themselves; who does a manager's part of the user's months (auth.access.acts_as_manager: a manager above, the gm
    for one with no manager above) only the early confirmation month (提前转正). 403 otherwise. The row-change hook
    audits it; the caller commits."""
    if actor.role == "manager" or (actor.role == "gm" and set(data) == {"early_confirmation_month"}):
        if set(data) - {"early_confirmation_month"}:
            raise Forbidden(_("主管只能设置提前转正月份"))
        if not acts_as_manager(actor, user):
            raise Forbidden(_("只能为自己团队的成员设置提前转正") if actor.role == "manager"
                            else _("提前转正由该工程师的上级主管记录"))
        if user.role != "engineer":  # only engineers are assessed (the score page offers it for them alone)
            raise Forbidden(_("提前转正只适用于工程师"))
    elif actor.role != "admin":
        raise Forbidden(_("只有管理员可以修改用户"))
    if user.id == actor.id:  # an admin cannot lock themselves out
        message = _("不能停用自己或取消自己的管理员角色")
        if "active" in data and not data["active"]:
            raise Invalid.field("active", message)
        if user.role == "admin" and data.get("role", user.role) != "admin":
            raise Invalid.field("role", message)
    return update_user(user, data, actor=actor)


def create_user(data, password_required=True):
    """Create a user from plain data (username, password, display_name, role, ...); the caller commits.

    Without `password_required` a user may come without a password (an import of a staff list): none matches
    until an administrator sets one, and none was hashed (a random one, hashed for each new user, took a tenth of a
    second a row and held the import's write lock meanwhile)."""
    username = data.get("username") or ""
    fields = validation.FieldErrors()
    with fields.check():
        if not USERNAME_RE.match(username):
            raise Invalid.field("username", _("用户名须为 3–32 个字符，仅限 a-z 0-9 _ . -"))
        locking.lock_usernames()  # one username sent twice at once: the second is told it is taken (422)
        if get_by_username(username) is not None:
            raise Invalid.field("username", _("用户名 %(name)s 已被使用", name=username))
    for required in ("password", "display_name", "role") if password_required else ("display_name", "role"):
        if data.get(required) in (None, ""):
            fields.errors[required] = _("必填")
    user = User(username=username, active=True, bonus_base=Decimal(0), password_hash=User.NO_PASSWORD)
    with fields.check():
        _apply(user, {k: v for k, v in data.items() if k in EDITABLE and not (k == "password" and v in (None, ""))})
    fields.raise_any()
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user, data, actor=None):
    """Change the given fields of a user (as `actor`, named in the audit log); the caller commits.

    A new password, a new role or deactivation ends every session and API token of that user (CONTRACT 11).
    """
    before = (user.password_hash, user.role, user.active)
    renamed = "username" in data and data["username"] != user.username
    old_username = user.username
    _apply(user, {k: v for k, v in data.items() if k in EDITABLE + ("username",)})
    db.session.flush()
    if renamed:  # the photos of the user's orders are kept under their username, their months' events too
        from tracker.workorders import uploads  # work orders read this module

        uploads.follow_engineer(user)
        audit.follow_rename(old_username, user.username)
    if user.password_hash != before[0] or user.role != before[1] or (before[2] and not user.active):
        end_all_sessions(user, actor, "password, role or active state changed")
    return user


def change_own_password(user, current, new, address, now):
    """A user's own new password, given the current one (422 on "current" otherwise: a session left open on a shared
    computer does not let another person take the account). The current one is checked as a login is (login: the
    throttle, 429 after too many failures, and a failure counted and audited), so such a session cannot guess it
    either; the caller commits a refusal on "current" too. Like any new password it ends every session and API
    token of the user (CONTRACT 11), this one too. The caller commits."""
    _check_password(new)  # before an attempt is spent on the current one
    if isinstance(current, str) and unicodedata.normalize("NFC", new) == unicodedata.normalize("NFC", current):
        raise Invalid.field("password", _("新密码不能与当前密码相同"))  # café as typed or decomposed reads the same
    checked = login(user.username, current, address, now, via="password change")
    if checked is None or checked.id != user.id:  # wrong, or changed meanwhile by another request
        raise Invalid.field("current", _("当前密码不正确"))
    return update_user(user, {"password": new}, actor=user)


def end_all_sessions(user, actor, reason):
    """Log a user out everywhere: every web session and API token ends; the caller commits."""
    sessions.end_all(user)
    audit.record(actor, "sessions.end_all", user.username, reason, kind="sessions_ended", record_type="users",
                 record_id=user.id)


_DUMMY_HASHES = {}


def _dummy_hash():
    """A hash of a random password made like real ones, so an unknown username costs a full verification."""
    method = current_app.config["PASSWORD_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method)
    return _DUMMY_HASHES[method]


def authenticate(username, password):
    """The active user with these credentials, or None; every refusal costs one password verification."""
    storable = isinstance(username, str) and len(username) <= 64 and username.isprintable()
    user = get_by_username(username) if storable else None  # (NUL cannot even be looked up on PostgreSQL)
    if user is None or not user.has_password:  # as long to refuse as a wrong password
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


def login(username, password, address, now, via=None):
    """Throttle, then check the credentials; a failure is counted and audited. The caller commits either way.

    Raises throttle.Throttled (429) when this username or address has failed too often, even for the right password.
    The username is taken as the throttle counts it, trimmed and in lower case (usernames are lower case), on the
    web and through /auth/token alike: a failure is counted against the name that was tried. `via`: where the
    password was asked when not at a login (the audit entry says so).
    """
    config = current_app.config
    if isinstance(username, str):
        username = username.strip().lower()
    attempt = throttle.reserve(username, address, now, config)  # counted before the password is checked
    user = authenticate(username, password)
    # at once, in a unit of work of its own as the count was: a request that fails later (a busy database, a 500)
    # left its attempt counted as being checked, which refused the user's right password with 429 for 15 minutes
    (throttle.release if user is not None else throttle.settle)(attempt)
    if user is not None:
        # a password change (role change, deactivation) at this moment either waits for this login and ends its
        # session with the others, or went first: then the password checked is no longer the user's. A login that
        # checked the old password kept a working token after the change that was made to shut it out.
        verified = user.password_hash
        locking.lock_person(user)
        locking.reread(user)
        if user.password_hash != verified or not user.active:
            user = None
    if user is None:
        audit.record(None, "login.failed", throttle.normalise(username), via, kind="login_failed", address=address,
                     at=now)
    return user


def open_session(user, remember, address, now):
    """A web login: a new server-side session (its token goes into the cookies); the caller commits."""
    config = current_app.config
    token = sessions.start(user, remember, address, now, config["SESSION_HOURS"], config["REMEMBER_DAYS"])
    audit.record(user, "login", user.username, "web", kind="login", address=address, at=now)
    return token


def close_session(user, token, now):
    """Log out of this browser only; the caller commits."""
    sessions.end(token)
    audit.record(user, "logout", user.username, kind="logout", at=now)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, hours, *, now):
    """A new bearer token (the plain value is returned once, only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=hours)
    db.session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))  # housekeeping
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash(token), expires_at=expires_at))
    audit.record(user, "login", user.username, "api token", kind="login", at=now)
    return token, expires_at


def user_for_token(token, *, now):
    """The active user owning an unexpired token, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.expires_at <= now or not row.user.active:
        return None
    return row.user


def revoke_token(token, user, now=None):
    """End the API token given (DELETE /auth/token); the caller commits."""
    db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _hash(token)))
    audit.record(user, "logout", user.username, "api token", kind="logout", at=now)
