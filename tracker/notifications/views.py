"""The notification list (marking read) and the unread count behind the navbar bell."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import clock
from tracker.auth.access import roles
from tracker.extensions import db
from tracker.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


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
    return render_template("notifications/list.html", rows=rows, message=services.message)


@bp.route("/read", methods=["POST"])
@roles()
def mark_read():
    """Mark one notification (id in the form) or all of them read; opening one goes to its work order."""
    raw = request.form.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    services.mark_read(current_user, clock.now(), ids)
    db.session.commit()
    target = request.form.get("work_order_id", "")
    if ids and target.isdigit():
        return redirect(url_for("workorders.detail", order_id=int(target)))
    return redirect(url_for("notifications.index"))
