"""Notifications: who hears about what, the unread count, and marking read."""

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from tracker import mail
from tracker.extensions import db
from tracker.notifications.models import Notification

PAGE = 50
MIME = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def scan_recipients(order):
    """The engineer's supervisor and the work order's submitter (each once)."""
    people = []
    if order.engineer is not None and order.engineer.supervisor is not None:
        people.append(order.engineer.supervisor)
    if order.submitter is not None:
        people.append(order.submitter)
    unique = {}
    for person in people:
        if person.active:
            unique.setdefault(person.id, person)
    return list(unique.values())


def scan_stored(actor, order, scan, now):
    """Tell the engineer's supervisor and the submitter in the app; returns them. The caller commits."""
    recipients = scan_recipients(order)
    for person in recipients:
        db.session.add(Notification(user_id=person.id, kind="scan_stored", work_order_id=order.id,
                                    actor_id=actor.id if actor else None, detail=scan.name, created_at=now))
    db.session.flush()
    return recipients


def mail_scan(actor, order, scan, data, recipients, now):
    """E-mail the recipients the scan as an attachment, once the transaction commits (when SMTP is configured)."""
    subject = _("工单 %(number)s 的电子档已上传：%(name)s", number=order.number, name=scan.name)
    text = _("工单 %(number)s（%(canonical)s）的电子档 %(name)s 已由 %(actor)s 于 %(at)s 上传，见附件。",
             number=order.number, canonical=order.canonical_name, name=scan.name,
             actor=actor.display_name if actor else "-", at=now.strftime("%Y-%m-%d %H:%M"))
    return mail.queue([(person.display_name, person.email) for person in recipients], subject, text,
                      [(scan.name, data, MIME[scan.kind])])


def message(notification):
    """The notification's sentence in the reader's language."""
    if notification.kind == "scan_stored":
        order = notification.work_order
        return _("%(actor)s 上传了工单 %(number)s 的电子档 %(name)s",
                 actor=notification.actor.display_name if notification.actor else "-",
                 number=order.number if order else "-", name=notification.detail or "")
    if notification.kind == "month_reminder":
        return _("%(month)s 的工作行程表尚未提交，请尽快提交", month=notification.detail or "")
    return notification.detail or notification.kind


def unread_count(user):
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def for_user(user, unread_only=False, limit=PAGE):
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                              .limit(limit)).all()


def mark_read(user, now, ids=None):
    """Mark the user's notifications read (all of them, or those in ids); the caller commits."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    db.session.execute(statement.values(read_at=now))


def as_dict(notification):
    return {"id": notification.id, "kind": notification.kind, "message": message(notification),
            "work_order": notification.work_order.number if notification.work_order else None,
            "work_order_id": notification.work_order_id, "created_at": notification.created_at,
            "read": notification.read_at is not None}
