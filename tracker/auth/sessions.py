"""Server-side web sessions and their ending (CONTRACT 11).

A login opens an AuthSession row; the session cookie and the remember cookie carry only its random token. Every
request looks the token up, so deleting the row (logout) ends both cookies, even copies of them. Ending every
session of a user also deletes their API tokens.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from tracker.auth.models import ApiToken, AuthSession, User
from tracker.extensions import db

PREFIX = "s."


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(user, remember, address, now, session_hours, remember_days):
    """Open a session for user and return its token (set as user.session_token for Flask-Login); caller commits."""
    db.session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))  # housekeeping
    token = PREFIX + secrets.token_urlsafe(32)
    lifetime = timedelta(days=remember_days) if remember else timedelta(hours=session_hours)
    db.session.add(AuthSession(user_id=user.id, token_hash=_hash(token), created_at=now, expires_at=now + lifetime,
                               remember=bool(remember), address=(address or "")[:45] or None))
    db.session.flush()
    user.session_token = token
    return token


def resolve(token, now):
    """The active user of a live session token, or None."""
    if not isinstance(token, str) or not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.session.execute(
        select(AuthSession, User).join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == _hash(token))).first()
    if row is None:
        return None
    auth_session, user = row
    if auth_session.expires_at <= now or not user.active:
        return None
    user.session_token = token
    return user


def end(token):
    """End one session (logout); the caller commits."""
    if isinstance(token, str) and token.startswith(PREFIX):
        db.session.execute(delete(AuthSession).where(AuthSession.token_hash == _hash(token)))


def end_all(user):
    """End every web session and API token of user (password or role change, deactivation, log out everywhere)."""
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    user.session_token = None


def count(user):
    """How many live web sessions and API tokens a user has (for the admin page)."""
    sessions = db.session.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user.id))
    tokens = db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id))
    return (sessions or 0) + (tokens or 0)
