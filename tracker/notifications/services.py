"""Notifications: who hears about what, the unread count, and marking read.

Every step of the monthly loop tells the people it concerns, never the person who acted: in the app, and by
e-mail (through the outbox, sent by the scheduler) when SMTP is configured and the person has an address. A team's
group-chat robots (robots.py) post the kinds chosen for them that concern an engineer of the team.
"""

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from tracker import mail
from tracker.auth.models import User
from tracker.extensions import db
from tracker.notifications import robots
from tracker.notifications.models import Notification

PAGE = 50
DETAIL = 255  # the length of Notification.detail
MIME = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def _unique(people, actor=None):
    """Active people, each once, without the one who acted."""
    unique = {}
    for person in people:
        if person is not None and person.active and (actor is None or person.id != actor.id):
            unique.setdefault(person.id, person)
    return list(unique.values())


def notify(kind, recipients, actor, now, *, engineer=None, month=None, detail=None, work_order=None):
    """Tell each recipient (never the actor) in the app, and by mail when SMTP is set; and the group-chat robots of
    the team of the engineer concerned (`engineer`, or the recipients themselves when none is named). The caller
    commits."""
    people = _unique(recipients, actor)
    if detail is not None and len(detail) > DETAIL:  # a long reason: cut, and marked so (the whole one is kept in history)
        detail = detail[:DETAIL - 1] + "…"
    rows = []
    for person in people:
        row = Notification(user_id=person.id, kind=kind, actor_id=actor.id if actor else None,
                           engineer_id=engineer.id if engineer else None, month=month, detail=detail,
                           work_order_id=work_order.id if work_order else None, created_at=now)
        row.user, row.actor, row.engineer, row.work_order = person, actor, engineer, work_order
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    for person, row in zip(people, rows):
        if person.email:
            with force_locale(person.locale or "zh"):
                text = message(row)
                link = target(row, external=True)
                mail.queue([(person.display_name, person.email)], _("【Tracker】%(text)s", text=text),
                           text + ("\n\n" + link if link else ""), kind=kind, now=now, user=person)
    robots.post(kind, actor, now, engineers=[engineer] if engineer is not None else people, month=month,
                detail=detail, work_order=work_order, raters=people if kind == "review_requested" else ())
    return people


def supervisor_of(engineer):
    return engineer.supervisor if engineer is not None else None


def gms():
    return db.session.scalars(select(User).where(User.role == "gm", User.active.is_(True)).order_by(User.id)).all()


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
    """Tell the engineer's supervisor and the submitter (not the uploader) in the app; returns them."""
    recipients = _unique(scan_recipients(order), actor)
    for person in recipients:
        db.session.add(Notification(user_id=person.id, kind="scan_stored", work_order_id=order.id,
                                    actor_id=actor.id if actor else None, detail=scan.name, created_at=now))
    db.session.flush()
    robots.post("scan_stored", actor, now, engineers=[order.engineer], detail=scan.name, work_order=order)
    return recipients


def mail_scan(actor, order, scan, data, recipients, now):
    """E-mail the recipients the scan as an attachment, each in their own language with a link to the work order,
    once the transaction commits (when SMTP is configured); returns the outbox rows."""
    rows = []
    for person in recipients:
        with force_locale(person.locale or "zh"):
            subject = _("【Tracker】%(text)s", text=_("工单 %(number)s 的电子档已上传：%(name)s",
                                                     number=order.number, name=scan.name))
            text = _("工单 %(number)s（%(canonical)s）的电子档 %(name)s 已由 %(actor)s 于 %(at)s 上传，见附件。",
                     number=order.number, canonical=order.canonical_name, name=scan.name,
                     actor=actor.display_name if actor else "-", at=now.strftime("%Y-%m-%d %H:%M"))
            link = external_url(lambda: url_for("workorders.detail", order_id=order.id))
            if link:
                text += "\n\n" + link
            rows += mail.queue([(person.display_name, person.email)], subject, text,
                               [(scan.name, data, MIME[scan.kind])], kind="scan_stored", now=now, user=person)
    return rows


def _name(user):
    return user.display_name if user is not None else "-"


def message(notification):
    """The notification's sentence in the reader's language."""
    n = notification
    actor, engineer, month = _name(n.actor), _name(n.engineer), n.month or ""
    if n.kind == "scan_stored":
        order = n.work_order
        return _("%(actor)s 上传了工单 %(number)s 的电子档 %(name)s",
                 actor=actor, number=order.number if order else "-", name=n.detail or "")
    if n.kind == "month_reminder":
        return _("%(month)s 的工作行程表尚未提交，请尽快提交", month=n.detail or month)
    if n.kind == "month_submitted":
        return _("%(engineer)s 提交了 %(month)s 的工作行程表", engineer=engineer, month=month)
    if n.kind == "month_reopened":
        if n.detail:  # the reason the manager gave: what to fix
            return _("%(actor)s 退回了你 %(month)s 的工作行程表（原因：%(reason)s），可以修改后重新提交", actor=actor,
                     month=month, reason=n.detail)
        return _("%(actor)s 退回了你 %(month)s 的工作行程表，可以修改后重新提交", actor=actor, month=month)
    if n.kind == "review_requested":
        return _("%(actor)s 请你评价 %(engineer)s 在 %(month)s 的表现", actor=actor, engineer=engineer, month=month)
    if n.kind == "adjustment_proposed":
        return _("%(actor)s 为 %(engineer)s 的 %(month)s 考核提议加减分 %(points)s，等待审批", actor=actor,
                 engineer=engineer, month=month, points=n.detail or "")
    if n.kind == "adjustment_withdrawn":
        return _("%(actor)s 撤回了为 %(engineer)s 的 %(month)s 考核提议的加减分 %(points)s", actor=actor,
                 engineer=engineer, month=month, points=n.detail or "")
    if n.kind == "adjustment_decided":
        points, _sep, rest = (n.detail or "").partition(" ")
        decision, _sep, reason = rest.partition(" ")
        if decision == "approved":
            return _("%(actor)s 批准了 %(engineer)s 的 %(month)s 加减分 %(points)s", actor=actor, engineer=engineer,
                     month=month, points=points)
        if reason:
            return _("%(actor)s 驳回了 %(engineer)s 的 %(month)s 加减分 %(points)s：%(reason)s", actor=actor,
                     engineer=engineer, month=month, points=points, reason=reason)
        return _("%(actor)s 驳回了 %(engineer)s 的 %(month)s 加减分 %(points)s", actor=actor, engineer=engineer,
                 month=month, points=points)
    if n.kind == "score_approved":
        return _("%(actor)s 审批了 %(engineer)s 的 %(month)s 考核结果：%(total)s 分", actor=actor, engineer=engineer,
                 month=month, total=n.detail or "")
    if n.kind == "score_reopened":
        if n.detail:
            return _("%(actor)s 重新打开了 %(engineer)s 的 %(month)s 考核结果（原因：%(reason)s）", actor=actor,
                     engineer=engineer, month=month, reason=n.detail)
        return _("%(actor)s 重新打开了 %(engineer)s 的 %(month)s 考核结果", actor=actor, engineer=engineer, month=month)
    if n.kind == "score_vetoed":
        return _("%(actor)s 对 %(engineer)s 的 %(month)s 考核一票否决", actor=actor, engineer=engineer, month=month)
    if n.kind == "veto_withdrawn":
        return _("%(actor)s 撤回了 %(engineer)s 的 %(month)s 考核的一票否决", actor=actor, engineer=engineer,
                 month=month)
    return n.detail or n.kind


def target(notification, external=False):
    """Where opening the notification leads (None: nowhere in particular); `external`: a full link for a mail (see
    external_url)."""
    if external:
        return external_url(lambda: target(notification))
    if not has_request_context():
        return None
    n = notification
    engineer = n.engineer if n.engineer is not None or n.kind != "month_reminder" else n.user  # one's own month
    if n.work_order_id:
        return url_for("workorders.detail", order_id=n.work_order_id, _external=external)
    if n.kind in ("month_submitted", "month_reopened", "month_reminder") and engineer is not None and n.month:
        return url_for("itinerary.month", username=engineer.username, month=n.month, _external=external)
    if n.kind == "review_requested" and engineer is not None and n.month:
        return url_for("reviews.review", month=n.month, username=engineer.username, _external=external)
    if engineer is not None and n.month:
        return url_for("scores.score_page", month=n.month, username=engineer.username, _external=external)
    return None


def external_url(path):
    """The full link of path() (a function giving a URL path) for a mail at BASE_URL, the address users open the app
    at; None without it. Never at the Host a request named: any signed-in user could send one naming another
    server, and the mail their action sends a colleague would link there."""
    base = current_app.config.get("BASE_URL")
    if not base:
        return None
    with current_app.test_request_context(base_url=base):
        link = path()
        return None if link is None else request.host_url.rstrip("/") + link


def unread_count(user):
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


PAGE_MAX = 100_000  # pages of PAGE: far past what anyone keeps


def for_user(user, unread_only=False, limit=PAGE, page=1):
    """(the user's notifications of page `page`, newest first, whether an older page follows): every one can be
    reached (only the newest 50 could, while the bell counted them all)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                              .offset((page - 1) * limit).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit


def settle(kind, engineer, month, now):
    """Everyone's unread notices of `kind` about the engineer's month are read: what they asked for is done (the
    gm's bell kept counting adjustment proposals the queue had decided, each still saying it awaits approval).
    The caller commits."""
    db.session.execute(update(Notification).where(
        Notification.kind == kind, Notification.engineer_id == engineer.id, Notification.month == month,
        Notification.read_at.is_(None)).values(read_at=now))


def settle_own(user, kinds, month, now):
    """The user's own unread notices of these kinds about `month` are read: the engineer has submitted it (the
    reminder still said it was not submitted, the notice of its sending back that it waited). The caller commits."""
    db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.kind.in_(kinds), Notification.month == str(month),
        Notification.read_at.is_(None)).values(read_at=now))


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
