"""The current time in the configured zone; tests pin it with the NOW setting.

Only the callers read it: views and API handlers, commands, jobs. Whoever opens a unit of work also stamps its
time on the database session (`stamp`: once per request, by each command and each job run), and what acts at flush
or commit time (the audit hooks, the live drafts) takes that time from the session (`of`), never from the clock.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from tracker.extensions import db

NOW_KEY = "tracker.now"


def zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def now():
    """Local naive datetime (times are stored as local wall time in TRACKER_TIMEZONE)."""
    fixed = current_app.config.get("NOW")
    if fixed is not None:
        return fixed
    return datetime.now(zone()).replace(tzinfo=None, microsecond=0)


def today():
    return now().date()


def to_local(value):
    """An aware datetime converted to naive local time; a naive one is taken as local already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone()).replace(tzinfo=None)


def stamp(session, moment):
    """The caller names the time of the session's unit of work (what its hooks take as now); returns it."""
    session.info[NOW_KEY] = moment
    return moment


def of(session):
    """The time the caller stamped on this session's unit of work, or None when no caller did."""
    return session.info.get(NOW_KEY)


def init_app(app):
    """Each request stamps its unit of work with the time it starts (before any other handler of the request)."""
    @app.before_request
    def stamp_request():
        stamp(db.session(), now())
