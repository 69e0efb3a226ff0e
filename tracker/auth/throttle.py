"""Login throttling kept in the database, so every worker process counts the same failures (CONTRACT 11).

Failed logins (web and API alike, known and unknown usernames alike) are stored as LoginAttempt rows. Within the
window (15 minutes by default) 5 failures for one username from one address, 20 for one username from anywhere, or
100 from one address refuse further attempts, even with the right password, until enough failures have aged out.
An attempt is counted before its password is checked (`reserve`, pending), then forgotten when it succeeds
(`release`) or kept as a failure (`settle`). Each is a unit of work of its own (`engine.begin()`), not the caller's:
it must be visible to the other workers at once, whatever the caller then commits or rolls back.
"""

import math
import random
import time
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from tracker.auth.models import LoginAttempt
from tracker.errors import DomainError
from tracker.extensions import db


# How long an attempt over a limit only because others are being checked waits for them before it is refused (a
# check takes well under a second; one whose worker died meanwhile stays counted, as a failure, for the window).
WAIT_SECONDS = 10


class Throttled(DomainError):
    """Too many failed logins: 429 with Retry-After (seconds)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after, retry_at):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(_("登录失败次数过多，请在 %(time)s 之后（约 %(minutes)s 分钟后）再试",
                           time=retry_at.strftime("%H:%M"), minutes=minutes), retry_after=retry_after)
        self.retry_after = retry_after
        self.retry_at = retry_at


def normalise(username):
    """The username as counted and logged: trimmed, lower case, at most 64 characters, unprintables as "?"."""
    text = (username if isinstance(username, str) else "").strip().lower()[:64]
    return "".join(ch if ch.isprintable() and not "\ud800" <= ch <= "\udfff" else "?" for ch in text)


def _limits(config):
    return (config["LOGIN_MAX_PER_USER_ADDRESS"], config["LOGIN_MAX_PER_USER"], config["LOGIN_MAX_PER_ADDRESS"])


def _check(username, address, now, config, scalars, settled=False):
    """Raise Throttled when this username/address may not try to log in now; the attempt being made is among the
    rows already (reserve), so a limit of 5 lets 5 failures and this one through, no more. `settled`: count only
    the failures whose password was checked (the attempt being made is not among them). `scalars` runs the
    queries."""
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    since = now - window
    username, address = normalise(username), (address or "")[:45]
    recent = (LoginAttempt.at > since, LoginAttempt.pending.is_(False)) if settled else (LoginAttempt.at > since,)
    rules = ((limit if settled else limit + 1, where) for limit, where in zip(_limits(config), (
        (LoginAttempt.username == username, LoginAttempt.address == address),
        (LoginAttempt.username == username,),
        (LoginAttempt.address == address,))))
    free_at = None
    for limit, where in rules:
        # One statement: a count and then a second look could disagree while other workers release attempts.
        latest = scalars(select(LoginAttempt.at).where(*recent, *where)
                         .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(limit)).all()
        if len(latest) < limit:
            continue
        # Attempts become possible again once the limit-th most recent failure leaves the window.
        candidate = latest[-1] + window
        free_at = candidate if free_at is None or candidate > free_at else free_at
    if free_at is not None:
        retry_after = max(1, math.ceil((free_at - now).total_seconds()))
        raise Throttled(retry_after, now + timedelta(seconds=retry_after))


def reserve(username, address, now, config, wait=WAIT_SECONDS):
    """Count this attempt as a failure before its password is checked (pending), in a unit of work of its own
    committed at once, then check the limits counting it: attempts sent at the same moment see each other, so a
    burst gets no more password checks than the limits allow (each was checked before any was counted). Returns the
    attempt's id: `release` it when the password was right, `settle` it when it was not. A refused attempt is not
    counted. Raises Throttled.

    Attempts still being checked count too, so one may be over a limit only because others are in flight (twelve
    right passwords at once, or two after four failures): then it withdraws its count and tries again a moment
    later, for up to `wait` seconds, until those have been released (right) or settled (wrong). It is refused at
    once only when the failures already checked reach a limit without it."""
    row = {"at": now, "username": normalise(username), "address": (address or "")[:45], "pending": True}
    deadline = time.monotonic() + wait
    while True:
        with db.engine.begin() as connection:
            attempt_id = connection.execute(insert(LoginAttempt).values(row).returning(LoginAttempt.id)).scalar_one()
        try:
            with db.engine.connect() as connection:  # sees every attempt committed so far, this one included
                _check(username, address, now, config, connection.scalars)
            return attempt_id
        except Throttled:
            with db.engine.begin() as connection:
                connection.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
            with db.engine.connect() as connection:
                _check(username, address, now, config, connection.scalars, settled=True)  # failures alone: refused
            if time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0.05, 0.2))  # apart from the others waiting, so that one of them goes first


def release(attempt_id):
    """The password was right: the attempt is no failure (committed at once, whatever the request does next)."""
    with db.engine.begin() as connection:
        connection.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))


def settle(attempt_id):
    """The password was wrong: the attempt stays counted, as a failure checked (committed at once)."""
    with db.engine.begin() as connection:
        connection.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(pending=False))
