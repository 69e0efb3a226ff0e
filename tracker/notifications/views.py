"""The notification list (marking read), the unread count behind the navbar bell, the outbox and the group-chat
robots (admins)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from tracker import clock, mail, nav
from tracker.auth.access import roles
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.notifications import outbox, robots, services
from tracker.notifications.forms import RobotForm
from tracker.notifications.models import Notification
from tracker.validation import page_arg, put_errors

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
CHANNELS = {"email": _l("邮件"), **robots.PLATFORMS}

nav.add("notifications.outbox_list", _l("待发消息"), roles=("admin",), order=86)
nav.add("notifications.robot_list", _l("群机器人"), roles=("admin",), order=87)


@bp.app_context_processor
def bell():
    """`unread_notifications()` for the navbar; counted only when a page actually shows the bell."""
    def unread_notifications():
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}


@bp.route("")
@roles()
def index():
    page = page_arg(request.args.get("page"), maximum=services.PAGE_MAX)
    unread = request.args.get("unread") == "1"
    rows, more = services.for_user(current_user, unread_only=unread, page=page)
    return render_template("notifications/list.html", rows=rows, message=services.message, target=services.target,
                           page=page, more=more, unread=unread)


@bp.route("/read", methods=["POST"])
@roles()
def mark_read():
    """Mark one notification (id in the form) or, without an id, all of them read; opening one goes to what it is
    about. An id that is no number is refused (it marked every notification read)."""
    raw = request.form.get("id", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise Invalid.field("id", _("通知编号须为数字"))
    ids = [int(raw)] if raw else None
    services.mark_read(current_user, clock.now(), ids)
    db.session.commit()
    if ids:
        row = db.session.get(Notification, ids[0])
        target = services.target(row) if row is not None and row.user_id == current_user.id else None
        if target:
            return redirect(target)
    return redirect(url_for("notifications.index", unread=1 if request.form.get("unread") == "1" else None))


@bp.route("/outbox")
@roles("admin")
def outbox_list():
    """The outbox: what waits to be sent, what was sent, what failed and why (sent by the scheduler)."""
    return _render_outbox(page=page_arg(request.args.get("page"), maximum=outbox.PAGE_MAX))


def _render_outbox(status=200, page=1):
    rows, more = outbox.recent(page)
    return render_template("notifications/outbox.html", rows=rows, channels=CHANNELS, page=page, more=more,
                           overdue=mail.overdue(clock.now())), status


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@roles("admin")
def outbox_retry(message_id):
    """Send a given-up message again; a message still waiting (or sent) is refused with 409, never sent twice. The
    page it was on is shown again (`page`)."""
    page = page_arg(request.args.get("page"), maximum=outbox.PAGE_MAX)
    try:
        outbox.retry(message_id, clock.now())
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _render_outbox(status=error.status, page=page)
    db.session.commit()
    flash(_("已安排重新发送，调度进程将在一分钟内发出"), "success")
    return redirect(url_for("notifications.outbox_list", page=page if page > 1 else None))


# ---- group-chat robots (企业微信, 钉钉) ------------------------------------------------------------------

def _robot_form(robot=None):
    """The form; never filled from the robot's URL or secret, which pages show masked only."""
    form = RobotForm()
    form.platform.choices = [SelectChoice(code, label) for code, label in robots.PLATFORMS.items()]
    form.team.choices = [SelectChoice("", _("（请选择）"))] + [
        SelectChoice(u.username, f"{u.display_name} ({u.username})" + ("" if u.active else " " + _("已停用")))
        for u in robots.managers()]
    form.kinds.choices = [SelectChoice(code, label) for code, label in robots.KIND_LABELS.items()]
    if robot is not None and request.method == "GET":
        form.name.data, form.platform.data, form.active.data = robot.name, robot.platform, robot.active
        form.team.data = robot.team.username if robot.team else ""
        form.kinds.data = robot.kind_list
    if robot is None and request.method == "GET":
        form.kinds.data = ["scan_stored", "month_submitted"]
    keep = _("留空表示不修改")
    form.webhook_url.render_kw = {**form.webhook_url.render_kw,
                                  "placeholder": keep if robot else "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"}
    if robot is not None and robot.secret:
        form.secret.render_kw = {**form.secret.render_kw, "placeholder": keep}
    return form


def _render_robot(form, robot, error=None, status=200):
    return render_template("notifications/robot_form.html", form=form, robot=robot, error=error), status


@bp.route("/robots")
@roles("admin")
def robot_list():
    """The group-chat robots: each team's WeCom / DingTalk groups and the notifications they hear."""
    return render_template("notifications/robots.html", robots=robots.robots(), platforms=robots.PLATFORMS,
                           kind_labels=robots.KIND_LABELS)


@bp.route("/robots/new", methods=["GET", "POST"])
@bp.route("/robots/<int:robot_id>", methods=["GET", "POST"])
@roles("admin")
def robot_edit(robot_id=None):
    robot = robots.get_robot(robot_id) if robot_id is not None else None
    form = _robot_form(robot)
    if request.method == "GET":
        return _render_robot(form, robot)
    # The service checks every field, so it runs even when the form's own shape checks failed: one submit shows
    # all the errors (a name with a control character no longer hides a missing team or a bad URL).
    shaped = form.validate_on_submit()
    if "csrf_token" in form.errors:
        abort(400)
    data = {"name": form.name.data, "platform": form.platform.data, "team": form.team.data,
            "webhook_url": form.webhook_url.data, "secret": form.secret.data, "clear_secret": form.clear_secret.data,
            "kinds": form.kinds.data, "active": form.active.data}
    try:
        saved = robots.save(robot, data, clock.now())
    except Invalid as exc:
        db.session.rollback()
        return _render_robot(form, robot, put_errors(form, exc), 422)
    if not shaped:  # what only the form refuses (e.g. a control character that strip() took off the name)
        db.session.rollback()
        return _render_robot(form, robot, status=422)
    db.session.commit()
    flash(_("已保存群机器人 %(name)s", name=saved.name), "success")
    return redirect(url_for("notifications.robot_list"))


@bp.route("/robots/<int:robot_id>/delete", methods=["POST"])
@roles("admin")
def robot_delete(robot_id):
    robot = robots.get_robot(robot_id)
    name = robot.name
    robots.delete(robot)
    db.session.commit()
    flash(_("已删除群机器人 %(name)s", name=name), "success")
    return redirect(url_for("notifications.robot_list"))


@bp.route("/robots/<int:robot_id>/test", methods=["POST"])
@roles("admin")
def robot_test(robot_id):
    """Queue a test message to the robot's group; the outbox shows when it is sent, or why not."""
    robot = robots.get_robot(robot_id)
    robots.queue_test(robot, current_user, clock.now())
    db.session.commit()
    flash(_("测试消息已放入待发队列，调度进程将在一分钟内发到“%(name)s”，结果见下方的发送记录", name=robot.name), "success")
    return redirect(url_for("notifications.outbox_list"))
