"""Serialising the read-check-write rules of one person's records (CONTRACT 3: overlap, daily cap, month lock).

Two requests that both check "no overlapping trip" and then both insert would store two overlapping trips. The
check and the write of one engineer's itinerary therefore run one at a time, on both databases:

- PostgreSQL: `SELECT ... FOR UPDATE` on the engineer's row in `users`; the second request waits there until the
  first commits, and its checks (READ COMMITTED: each statement sees what is committed) then see the first's rows.
- SQLite: one writer at a time is the database's own rule, but Python's driver starts the transaction only at the
  first INSERT, after the checks have read. `BEGIN IMMEDIATE` takes the write lock before the checks instead (it
  waits up to the busy timeout). A connection already inside a transaction has written, so it holds that lock.
"""

from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db


def lock_person(user):
    """Hold the lock of `user`'s records until the caller's transaction ends (commit or rollback)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    connection.execute(select(User.id).where(User.id == user.id).with_for_update())
