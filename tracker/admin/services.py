"""Behind the admin pages: the user list and changes, supervisors, the calendar month."""

import chinese_calendar
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from tracker.auth import services as auth_services
from tracker.auth.models import ROLES, User
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary.models import CalendarDay

HOLIDAY_NAMES = {
    "new_years_day": _l("元旦"),
    "spring_festival": _l("春节"),
    "tomb_sweeping_day": _l("清明节"),
    "labour_day": _l("劳动节"),
    "dragon_boat_festival": _l("端午节"),
    "national_day": _l("国庆节"),
    "mid_autumn_festival": _l("中秋节"),
    "anti_fascist_70th_day": _l("抗战胜利纪念日"),
}
RANK = ("gm", "manager", "engineer", "backoffice", "admin")
_HOLIDAY_BY_VALUE = {holiday.value: holiday.name for holiday in chinese_calendar.Holiday}


def users(role=None, active=None):
    """Users ordered by rank (gm first) and name, optionally of one role and/or active state; supervisors preloaded."""
    rank = case({code: number for number, code in enumerate(RANK)}, value=User.role, else_=len(RANK))
    query = select(User).options(selectinload(User.supervisor)).order_by(rank, User.display_name, User.username)
    if role in ROLES:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    return db.session.scalars(query).all()


def supervisors():
    """Everyone who may be a direct supervisor: the gm, then the managers."""
    return db.session.scalars(select(User).where(User.role.in_(("manager", "gm")))
                              .order_by(User.role, User.display_name)).all()


def holiday_name(day):
    """The official holiday a date belongs to (a day off or a make-up workday), as a label; None otherwise."""
    try:
        _is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    key = _HOLIDAY_BY_VALUE.get(name)
    return HOLIDAY_NAMES.get(key, name) if name else None


def calendar_month(year, month):
    """Weeks (Monday first) of day cells: official and effective workday, holiday name, the override if any."""
    days = calendar.month_days(year, month)
    overrides = {row.day: row for row in db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= days[0], CalendarDay.day <= days[-1]))}
    cells = []
    for day in days:
        official = calendar.official_workday(day)
        override = overrides.get(day)
        cells.append({"date": day, "official": official, "override": override,
                      "workday": override.workday if override is not None else official,
                      "holiday": holiday_name(day)})
    weeks, lead = [], [None] * days[0].weekday()
    padded = lead + cells
    padded += [None] * (-len(padded) % 7)
    for start in range(0, len(padded), 7):
        weeks.append(padded[start:start + 7])
    return weeks


def update_user(actor, user, data):
    """Change a user from the admin page: the same service as PATCH /api/v1/users/{username} (lock-out rule,
    audit, sessions ended on a new password, role or deactivation). The caller commits."""
    auth_services.change_user(actor, user, data)
    return user
