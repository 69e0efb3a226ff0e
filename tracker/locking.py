"""Serialising the read-check-write rules of one person's records (CONTRACT 3: overlap, daily cap, month lock).

Two requests that both check "no overlapping trip" and then both insert would store two overlapping trips. The
check and the write of one engineer's itinerary therefore run one at a time, on both databases:

- PostgreSQL: `SELECT ... FOR NO KEY UPDATE` on the engineer's row in `users`; the second request waits there until
  the first commits, and its checks (READ COMMITTED: each statement sees what is committed) then see the first's
  rows. (NO KEY UPDATE, not UPDATE: inserting a row that refers to the user, which takes KEY SHARE for its foreign
  key, does not wait; it would otherwise deadlock with a review holding the month's lock.)
- SQLite: one writer at a time is the database's own rule, but Python's driver starts the transaction only at the
  first INSERT, after the checks have read. `BEGIN IMMEDIATE` takes the write lock before the checks instead (it
  waits up to the busy timeout). A connection already inside a transaction has written, so it holds that lock.

The same holds for one month's scores (CONTRACT 7): computing a draft, approving it, and every change that is
refused once the month is approved (reviews, entries, adjustments, vetoes) take the month's lock before they read,
so a veto saved while the gm approves is either in the approved total or refused, and two changes recomputing one
draft at once both reach it. And for one work order: a change of its fields and its scans and photos (named after
it) run one at a time.
"""

from flask_babel import gettext as _
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError

from tracker.auth.models import User
from tracker.errors import NotFound
from tracker.extensions import db


MONTH_LOCKS = 0x5C0DE000000  # advisory lock keys of monthly scores: this + YYYYMM (PostgreSQL)
NUMBER_LOCK = 0x5C0DE100000  # the advisory lock of generated work-order numbers
TEMPLATE_LOCK = 0x5C0DE100001  # the advisory lock of template versions
REWORK_LOCK = 0x5C0DE100002  # the advisory lock of links between rework orders and the orders they redo
SUPERVISOR_LOCK = 0x5C0DE100003  # the advisory lock of supervisor links
CALENDAR_LOCK = 0x5C0DE100004  # the advisory lock of calendar overrides
USERNAMES_LOCK = 0x5C0DE100005  # the advisory lock of usernames taken
CUSTOMER_NAMES_LOCK = 0x5C0DE100006  # the advisory lock of customer names taken


def _sqlite_write_lock(connection):
    raw = connection.connection.dbapi_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(Engine, "savepoint")
def _savepoint_inside_a_transaction(connection, name):
    """On SQLite a SAVEPOINT outside a transaction begins one, and its RELEASE commits it: as the driver begins a
    transaction only at the first write, a savepoint taken before any (the queue's approval) was committed on its
    release, whatever the caller did next. The write lock is taken first, so the savepoint is inside a transaction
    the caller commits or rolls back; a savepoint is taken to write."""
    if connection.dialect.name == "sqlite":
        _sqlite_write_lock(connection)


def lock_person(user):
    """Hold the lock of `user`'s records until the caller's transaction ends (commit or rollback)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_write_lock(connection)
        return
    # NO KEY UPDATE: rows that merely refer to the user (a complaint, a review, a score) are still inserted meanwhile
    connection.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))


def lock_row(row):
    """Hold the lock of one stored row (a work order and its files) until the caller's transaction ends, and read
    it again as stored now: a change, a scan or photos of the same order sent at the same moment wait for each
    other and each applies to what the other left (its times, its canonical name)."""
    db.session.flush()  # what this transaction changed already is kept, not read over
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_write_lock(connection)
    else:
        table = type(row).__table__
        connection.execute(select(table.c.id).where(table.c.id == row.id).with_for_update(key_share=True))
    reread(row)


def reread(row):
    """Read a row again as stored now (after its lock is held); 404 when another request deleted it meanwhile."""
    try:
        db.session.refresh(row)
    except InvalidRequestError:
        raise NotFound(_("该记录已被删除")) from None


def _advisory(key):
    """Hold the lock `key` until the caller's transaction ends (on SQLite: the database's one write lock)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_write_lock(connection)
        return
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def lock_month(month):
    """Hold the lock of one month's scores (a Month) until the caller's transaction ends; taken again by the same
    transaction, it is held already. Months are taken in order where one transaction takes several (compute).
    The calendar and the template versions are held steady first (share_calendar_and_templates), by every holder
    of a month's lock alike, so that the locks are always taken in one order."""
    share_calendar_and_templates()
    _advisory(MONTH_LOCKS + month.year * 100 + month.number)


def share_calendar_and_templates():
    """Hold the calendar and the template versions steady until the caller's transaction ends (PostgreSQL: shared
    advisory locks; lock_calendar and lock_templates take them exclusively). A computation reads both, and a change
    of either marks the drafts stale instead of recomputing them: read before the change committed and stored
    after it, a draft overwrote the stale mark with a total the data no longer gave, for good (a past month is not
    recomputed at night). The change now waits for the computation, and marks its result stale; or the computation
    waits for the change, and reads it."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        _sqlite_write_lock(connection)
        return
    for key in (TEMPLATE_LOCK, CALENDAR_LOCK):
        connection.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": key})


def lock_numbers():
    """Hold the lock of generated work-order numbers until the caller's transaction ends: clerks entering tickets
    at the same moment get successive numbers (each asked to retry, 11 of 20, before)."""
    _advisory(NUMBER_LOCK)


def lock_usernames():
    """Hold the lock of usernames until the caller's transaction ends: two users created with one username at the
    same moment both found it free and the second lost at the unique index (409 "retry", then 422 on the retry);
    the second now waits and is told the name is taken (422), as anyone later is. Work-order numbers given by hand
    take the numbers' lock, and customer names lock_customer_names, for the same reason."""
    _advisory(USERNAMES_LOCK)


def lock_customer_names():
    """Hold the lock of customer names until the caller's transaction ends (see lock_usernames)."""
    _advisory(CUSTOMER_NAMES_LOCK)


def lock_templates():
    """Hold the lock of template versions until the caller's transaction ends: a version saved while the latest is
    withdrawn waits for it and follows the version left (both went through, leaving versions 1 and 3)."""
    _advisory(TEMPLATE_LOCK)


def lock_rework_links():
    """Hold the lock of rework links until the caller's transaction ends: two orders linked to each other at the
    same moment (A redoes B, B redoes A) each found no loop and both were stored; the second now waits and sees the
    first."""
    _advisory(REWORK_LOCK)


def lock_supervisor_links():
    """Hold the lock of supervisor links until the caller's transaction ends: two changes at the same moment (c
    under d, d under c) each found no loop and both were stored; the second now waits and sees the first."""
    _advisory(SUPERVISOR_LOCK)


def lock_calendar():
    """Hold the lock of calendar overrides until the caller's transaction ends: two admins setting one date at the
    same moment both found none and both inserted it (one got 409); the second now waits and changes the first's."""
    _advisory(CALENDAR_LOCK)
