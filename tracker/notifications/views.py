"""The notification list (marking read) and the unread count behind the navbar bell."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock, nav
from tracker.auth.access import roles
from tracker.extensions import db
from tracker.notifications import outbox, services
from tracker.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

nav.add("notifications.outbox_list", _l("待发邮件"), roles=("admin",), order=86)


@bp.app_context_processor
def bell():
    """`unread_notifications()` for the navbar; counted only when a page actually shows the bell."""
    def unread_notifications():
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}


@bp.route("")
@roles()
def index():
    rows = services.for_user(current_user, unread_only=request.args.get("unread") == "1")
    return render_template("notifications/list.html", rows=rows, message=services.message, target=services.target)


@bp.route("/read", methods=["POST"])
@roles()
def mark_read():
    """Mark one notification (id in the form) or all of them read; opening one goes to what it is about."""
    raw = request.form.get("id", "")
    ids = [int(raw)] if raw.isdigit() and len(raw) < 10 else None
    services.mark_read(current_user, clock.now(), ids)
    db.session.commit()
    if ids:
        row = db.session.get(Notification, ids[0])
        target = services.target(row) if row is not None and row.user_id == current_user.id else None
        if target:
            return redirect(target)
    return redirect(url_for("notifications.index"))


@bp.route("/outbox")
@roles("admin")
def outbox_list():
    """The outbox: what waits to be sent, what was sent, what failed and why (sent by the scheduler)."""
    return render_template("notifications/outbox.html", rows=outbox.recent(), message=services.message)


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@roles("admin")
def outbox_retry(message_id):
    outbox.retry(message_id, clock.now())
    db.session.commit()
    flash(_("已安排重新发送，调度进程将在一分钟内发出"), "success")
    return redirect(url_for("notifications.outbox_list"))
