"""People, roles and API tokens."""

from datetime import datetime, time

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, and_, false, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import clock
from tracker.extensions import db
from tracker.scoring.month import Month
from tracker.values import MonthColumn

ROLES = ("engineer", "backoffice", "manager", "gm", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('engineer','backoffice','manager','gm','admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(40), index=True)  # lists by name
    role: Mapped[str] = mapped_column(String(16), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    department: Mapped[str | None] = mapped_column(String(40))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    hire_date: Mapped[datetime | None] = mapped_column(db.Date)
    bonus_base: Mapped[object] = mapped_column(Numeric(12, 2), default=0)
    early_confirmation_month: Mapped[Month | None] = mapped_column(MonthColumn)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    kpi_template: Mapped[str | None] = mapped_column(String(60))  # template code; None: the default for the role
    created_at: Mapped[datetime] = mapped_column(default=clock.now)  # local, as every stored time

    supervisor = relationship("User", remote_side=[id])

    NO_PASSWORD = "!"  # the hash of a user made without a password (an import): no password matches it

    def set_password(self, password):
        self.password_hash = generate_password_hash(password, current_app.config["PASSWORD_METHOD"])

    @property
    def has_password(self):
        return not self.password_hash.startswith(self.NO_PASSWORD)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    # Flask-Login keeps get_id() in the session cookie and the remember cookie. It is the id of a server-side
    # session (AuthSession), never the user's id, so ending that session row ends both cookies (CONTRACT 11).
    session_token = None

    def get_id(self):
        if not self.session_token:
            raise RuntimeError("log users in through tracker.auth.sessions.start(), which opens a session")
        return self.session_token

    @property
    def is_active(self):
        return self.active

    def __repr__(self):
        return f"<User {self.username}>"

    @classmethod
    def employed_in(cls, month):
        """SQL: employed in `month` (a Month): hired before its end, or, without a hire date, an account made before
        its end. Who is asked to submit a month, and whose missing submission is a gap, follow this one rule."""
        _first, nxt = month.bounds()
        return or_(cls.hire_date < nxt, and_(cls.hire_date.is_(None), cls.created_at < datetime.combine(nxt, time())))


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)  # local, as every stored time

    user = relationship(User)


class AuthSession(db.Model):
    """A web login (one browser): the cookies carry its random token; only its SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    remember: Mapped[bool] = mapped_column(default=False)
    address: Mapped[str | None] = mapped_column(String(45))

    user = relationship(User)


class LoginAttempt(db.Model):
    """A failed login (web or API), counted by the throttle in every worker process; `pending` while its password is
    still being checked (it counts then too, and is deleted when the password was right)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(45))
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
