"""The audit log: who did what and when, with the values before and after (CONTRACT 11, ASVS V7).

One service writes it, fed from three places rather than from every view:
- every change of a model row made while serving a request (web or API) is recorded by a SQLAlchemy flush hook
  (`kind` create / update / delete, the changed columns before and after);
- refused accesses (403) by the error handlers, failed and successful logins and logouts by the auth services;
- workflow acts that are more than a row change (approve, reopen, submit ...) by `record()` in their services.
Secrets never reach it: password and token hashes and signing secrets show as "***", a webhook URL with the values
of its query (the robot's key or access token) masked.
"""

import json
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from flask import g, has_request_context, request
from sqlalchemy import ForeignKey, Index, String, Text, event, func, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tracker import clock
from tracker.extensions import db

KINDS = ("create", "update", "delete", "action", "denied", "login", "login_failed", "logout", "sessions_ended")
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "secret"})
URL_COLUMNS = frozenset({"webhook_url"})  # a chat robot's URL carries its key in the query
MASK = "***"
# Tables whose rows are derived, housekeeping or the log itself: recording them would bury the people's acts.
NOT_AUDITED = frozenset({"audit_events", "auth_sessions", "login_attempts", "api_tokens", "job_runs",
                         "notifications", "scores", "score_lines", "period_scores"})


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True, default="action", server_default="action")
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(120), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)  # JSON object of the changed columns
    after: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(45))

    actor = relationship("User")

    def before_values(self):
        return json.loads(self.before) if self.before else {}

    def after_values(self):
        return json.loads(self.after) if self.after else {}


def _dumps(values):
    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True) if values else None


def _request_address():
    return (request.remote_addr or "")[:45] or None if has_request_context() else None


def _now(session):
    """The time the caller (request, command, job) stamped on this unit of work (tracker.clock.stamp)."""
    moment = clock.of(session)
    if moment is None:
        raise RuntimeError("no time stamped on this unit of work: its caller stamps it with clock.stamp")
    return moment


def record(actor, action, subject, detail=None, at=None, kind="action", address=None, record_type=None,
           record_id=None, before=None, after=None):
    """Add an audit event to the session (the caller commits); `at` defaults to the unit of work's time."""
    actor_id = getattr(actor, "id", None) if actor is not None else None
    event_row = AuditEvent(at=at or _now(db.session()), actor_id=actor_id, kind=kind, action=action[:40],
                           subject=(subject or "")[:120], detail=detail, address=address or _request_address(),
                           record_type=record_type, record_id=None if record_id is None else str(record_id)[:40],
                           before=_dumps(before), after=_dumps(after))
    db.session.add(event_row)
    return event_row


def month_subject(engineer, month):
    """How an engineer's month is named as an event's subject (its itinerary and its score alike)."""
    return f"{engineer.username}/{month}"


def follow_rename(old, new):
    """A renamed user's months keep their events: the subjects `old/YYYY-MM` become `new/YYYY-MM` (a user given the
    old name later read the previous holder's history, vetoes and reasons included, as their own). The caller
    commits."""
    prefix = old + "/"
    db.session.execute(
        update(AuditEvent)
        .where(func.substr(AuditEvent.subject, 1, len(prefix)) == prefix,
               func.length(AuditEvent.subject) == len(prefix) + len("YYYY-MM"))
        .values(subject=new + "/" + func.substr(AuditEvent.subject, len(prefix) + 1))
        .execution_options(synchronize_session=False))


def latest(action, subjects):
    """{subject: AuditEvent} of the latest `action` recorded of each subject that has one (one query)."""
    if not subjects:
        return {}
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.subject.in_(list(subjects)))
                              .order_by(AuditEvent.at, AuditEvent.id))
    return {event.subject: event for event in rows}  # the latest of each wins


def denied(actor):
    """A refused access (403) to the current request's path; the caller commits."""
    path = "".join(ch if ch.isprintable() and not "\ud800" <= ch <= "\udfff" else "?" for ch in request.path)
    return record(actor, "access.denied", f"{request.method} {path}"[:120], kind="denied")


# ---- the flush hook: every row change made while serving a request ---------------------------------------------

def _actor_id():
    user = g.get("_login_user")
    return user.__dict__.get("id") if user is not None and getattr(user, "is_authenticated", False) else None


def mask_secret(value):
    """A secret as pages may show it: its first 4 characters when it is long enough to keep the rest hidden."""
    return (value[:4] + MASK) if value and len(value) >= 16 else MASK


TOKEN_SEGMENT = 16  # a path segment this long is taken for a token (a hook's id in its path), never a word


def mask_url(url):
    """The URL with each query value, each path segment long enough to be a token (…/hook/<token>) and any
    user:password masked, e.g. ...send?key=693a***."""
    parts = urlsplit(url or "")
    query = "&".join(f"{name}={mask_secret(value)}" if value else name
                     for name, value in parse_qsl(parts.query, keep_blank_values=True))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    path = "/".join(mask_secret(segment) if len(segment) >= TOKEN_SEGMENT else segment
                    for segment in parts.path.split("/"))
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _value(key, value):
    if key in SECRET_COLUMNS and value is not None:
        return MASK
    if key in URL_COLUMNS and value is not None:
        return mask_url(value)
    if isinstance(value, (bytes, bytearray, memoryview)):  # an outbox payload: its text, not b'\xe3\x80...'
        return bytes(value).decode("utf-8", "replace")
    return value


def _label(state):
    values = state.dict
    for key in ("username", "number", "name"):
        if values.get(key):
            return str(values[key])
    return None


def _changes(state, kind):
    """(before, after) of the columns a flush wrote for one row."""
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if kind == "create":
            value = state.dict.get(key)
            if value is not None:
                after[key] = _value(key, value)
        elif kind == "delete":
            if key in state.dict:
                before[key] = _value(key, state.dict[key])
        else:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before[key] = _value(key, history.deleted[0] if history.deleted else None)
            after[key] = _value(key, history.added[0] if history.added else None)
    return before, after


@event.listens_for(Session, "after_flush")
def _record_row_changes(session, flush_context):
    if not has_request_context():  # CLI commands and scheduler jobs are not audited row by row
        return
    rows, now, actor_id, address = [], None, None, None
    for kind, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in NOT_AUDITED:
                continue
            if kind == "update" and not session.is_modified(obj, include_collections=False):
                continue
            state = inspect(obj)
            before, after = _changes(state, kind)
            if kind == "update" and not after:
                continue
            if now is None:
                now, actor_id, address = _now(session), _actor_id(), _request_address()
            identity = state.identity or state.mapper.primary_key_from_instance(obj)
            record_id = "/".join(str(part) for part in identity) if identity else None
            label = _label(state)
            rows.append({"at": now, "actor_id": actor_id, "kind": kind, "action": f"{table}.{kind}",
                         "subject": (f"{table}#{record_id}" + (f" {label}" if label else ""))[:120],
                         "detail": None, "record_type": table, "record_id": (record_id or "")[:40] or None,
                         "before": _dumps(before), "after": _dumps(after), "address": address})
    if rows:
        session.connection().execute(AuditEvent.__table__.insert(), rows)


@event.listens_for(Session, "do_orm_execute")
def _record_bulk_deletes(orm_state):
    """A DELETE statement (e.g. a workbook import replacing a month) records each row it removes."""
    if not orm_state.is_delete or not has_request_context():
        return
    statement = orm_state.statement
    table = getattr(statement, "table", None)
    if table is None or getattr(table, "name", None) in NOT_AUDITED or table.name not in db.metadata.tables:
        return
    table = db.metadata.tables[table.name]
    query = table.select()
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    doomed = orm_state.session.execute(query, orm_state.parameters or {}).mappings().all()
    if not doomed:
        return
    now, actor_id, address = _now(orm_state.session), _actor_id(), _request_address()
    key = [column.name for column in table.primary_key.columns]
    rows = []
    for values in doomed:
        record_id = "/".join(str(values[name]) for name in key)
        rows.append({"at": now, "actor_id": actor_id, "kind": "delete", "action": f"{table.name}.delete",
                     "subject": f"{table.name}#{record_id}"[:120], "detail": None, "record_type": table.name,
                     "record_id": record_id[:40],
                     "before": _dumps({k: _value(k, v) for k, v in values.items() if v is not None}),
                     "after": None, "address": address})
    orm_state.session.connection().execute(AuditEvent.__table__.insert(), rows)
