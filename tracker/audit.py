"""An append-only log of sensitive actions (reopen, approve, overrides)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(120), index=True)
    detail: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")


def record(actor, action, subject, detail=None, at=None):
    """Add an audit event to the session (the caller commits)."""
    event = AuditEvent(at=at or clock.now(), actor_id=actor.id if actor else None, action=action,
                       subject=subject, detail=detail)
    db.session.add(event)
    return event
