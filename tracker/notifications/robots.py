"""Group-chat robots: a team's 企业微信 (WeCom) or 钉钉 (DingTalk) group hears the notification kinds chosen for it.

A team is a manager's group: everyone whose supervisor chain includes the manager. A robot posts each chosen kind
that concerns an engineer of its team, as a markdown message queued in the outbox (channel "wecom" or "dingtalk")
in the transaction of the change it announces; the scheduler sends it (robot_send.py) with the outbox's retries.

The webhook URL (its `key` / `access_token`) and DingTalk's signing secret are secrets: pages and the audit log show
them masked, the outbox stores neither (the sender reads them from the robot when it sends), logs never see them.
"""

import json
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.audit import mask_secret, mask_url
from tracker.auth.access import chain_ids
from tracker.auth.models import User
from tracker.errors import Invalid, NotFound
from tracker.extensions import db, NEVER_REUSED
from tracker.notifications import outbox
from tracker.notifications.models import KINDS
from tracker.validation import text_problem

PLATFORMS = {"wecom": _l("企业微信"), "dingtalk": _l("钉钉")}
REMOVED = "the robot was removed"  # the outbox error of a message whose robot was deleted
TEST_KIND = "robot_test"  # the outbox kind of an admin's test message (sent even while the robot is switched off)
KIND_LABELS = {
    "scan_stored": _l("工单电子档已上传"), "month_reminder": _l("行程表未提交提醒"),
    "month_submitted": _l("行程表已提交"), "month_reopened": _l("行程表被退回"),
    "review_requested": _l("请求评价"), "adjustment_proposed": _l("加减分提议"),
    "adjustment_withdrawn": _l("加减分提议撤回"),
    "adjustment_decided": _l("加减分审批"), "score_approved": _l("考核结果已审批"),
    "score_reopened": _l("考核结果重新打开"), "score_vetoed": _l("考核一票否决"),
    "veto_withdrawn": _l("一票否决撤回"),
}
assert set(KIND_LABELS) == set(KINDS)
# A team's group hears that a score or an adjustment moved, never its points, total or reasons: those are the
# engineer's own (CONTRACT 2), told to them and their managers in person (a reopening's reason is left out too).
MOVED_ONLY = {
    "adjustment_proposed": _l("%(actor)s 为 %(engineer)s 的 %(month)s 考核提议了加减分"),
    "adjustment_withdrawn": _l("%(actor)s 撤回了为 %(engineer)s 的 %(month)s 考核提议的加减分"),
    "adjustment_decided": _l("%(actor)s 审批了 %(engineer)s 的 %(month)s 加减分"),
    "score_approved": _l("%(actor)s 审批了 %(engineer)s 的 %(month)s 考核结果"),
}
URL_MAX, SECRET_MAX, NAME_MAX = 500, 200, 40


class ChatRobot(db.Model):
    __tablename__ = "chat_robots"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)  # the manager
    webhook_url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(200))  # DingTalk's signing secret ("加签")
    kinds: Mapped[str] = mapped_column(String(400), default="")  # notification kinds, comma-separated
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    team = relationship(User)

    @property
    def kind_list(self):
        return [kind for kind in (self.kinds or "").split(",") if kind]

    @property
    def masked_url(self):
        return mask_url(self.webhook_url)

    @property
    def masked_secret(self):
        return mask_secret(self.secret) if self.secret else ""


# ---- the admins' settings ----------------------------------------------------------------------------------

def robots():
    return db.session.scalars(select(ChatRobot).order_by(ChatRobot.name, ChatRobot.id)).all()


def get_robot(robot_id):
    robot = db.session.get(ChatRobot, robot_id)
    if robot is None:
        raise NotFound(_("没有这个群机器人"))
    return robot


def managers():
    """Whose teams a robot can serve: the managers (active or not, so a robot's team always shows)."""
    return db.session.scalars(select(User).where(User.role == "manager").order_by(User.display_name,
                                                                                   User.username)).all()


def url_problem(url):
    """The message for a webhook URL that is not http(s)://host/..., or None."""
    problem = text_problem(url, "line")
    if problem:
        return problem
    if len(url) > URL_MAX:
        return _("网址最多 %(n)s 个字符", n=URL_MAX)
    if any(ch.isspace() for ch in url):
        return _("网址不能包含空白字符")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a bad port raises)
    except ValueError:
        return _("不是有效的网址")
    if parts.scheme not in ("http", "https"):
        return _("网址须以 https:// 或 http:// 开头")
    if not parts.hostname:
        return _("网址须包含主机名")
    if "@" in parts.netloc:  # user:password@host: never sent (http.client reads it as a port), and it is a secret
        return _("网址不能包含用户名或密码")
    if not url.isascii():  # never sent (the request line is ASCII), and a bidi control scrambles the robots page
        return _("网址只能包含 ASCII 字符（中文等请先按网址编码写成 %XX）")
    if parts.fragment or url.endswith("#"):  # dropped when sent: DingTalk's signature added after it went with it
        return _("网址不能包含 # 及其后的部分")
    if any(not label or len(label) > 63 for label in parts.hostname.split(".")):
        return _("不是有效的主机名")
    return None


def save(robot, data, now):
    """Create (robot None) or change a robot from plain data; a blank URL or secret on a change keeps the stored
    one, `clear_secret` removes the secret. Raises Invalid naming every field in error at once (before changing
    anything); flushes; the caller commits."""
    errors = {}
    name = (data.get("name") or "").strip()
    problem = text_problem(name, "name") if name else _("请填写名称")
    if not problem and len(name) > NAME_MAX:
        problem = _("名称最多 %(n)s 个字符", n=NAME_MAX)
    if problem:
        errors["name"] = problem
    platform = data.get("platform")
    if platform not in PLATFORMS:
        errors["platform"] = _("请选择企业微信或钉钉")
    team_name = data.get("team") or ""
    # A name with a control character is nobody's (and PostgreSQL refuses a NUL in a query): no look-up.
    team = None if text_problem(team_name, "name") else db.session.scalar(
        select(User).where(User.username == team_name, User.role == "manager"))
    if team is None:
        errors["team"] = _("请选择一位主管（机器人发送其团队的通知）")
    url = (data.get("webhook_url") or "").strip()
    if url or robot is None:
        problem = url_problem(url) if url else _("请填写 Webhook 网址")
        if problem:
            errors["webhook_url"] = problem
    secret = (data.get("secret") or "").strip()
    if secret:
        problem = text_problem(secret, "line") or (
            _("密钥最多 %(n)s 个字符", n=SECRET_MAX) if len(secret) > SECRET_MAX else None)
        if problem:
            errors["secret"] = problem
        elif platform == "wecom":
            errors["secret"] = _("企业微信群机器人没有加签密钥，请留空")
    kinds = [kind for kind in data.get("kinds") or () if kind]
    if any(kind not in KINDS for kind in kinds):
        errors["kinds"] = _("未知的通知类型")
    elif not kinds:
        errors["kinds"] = _("请至少选择一种通知")
    if errors:
        raise Invalid(_("请更正标出的项目"), errors)
    if robot is None:
        robot = ChatRobot(created_at=now)
        db.session.add(robot)
    robot.name, robot.platform, robot.team = name, platform, team
    robot.kinds = ",".join(kind for kind in KINDS if kind in kinds)
    robot.active = bool(data.get("active", True))
    if url:
        robot.webhook_url = url
    if secret:
        robot.secret = secret
    elif data.get("clear_secret") or platform == "wecom":
        robot.secret = None
    db.session.flush()
    return robot


def delete(robot):
    """Remove a robot; its messages still waiting in the outbox fail at once (nobody is left to post them) rather
    than being retried until they give up."""
    db.session.execute(update(outbox.OutboxMessage)
                       .where(outbox.OutboxMessage.robot_id == robot.id, outbox.OutboxMessage.status == "pending")
                       .values(status="failed", last_error=REMOVED).execution_options(synchronize_session=False))
    db.session.delete(robot)
    db.session.flush()


def queue_test(robot, actor, now):
    """Queue a test message to the robot's group, sent by the scheduler like any other (even while the robot is
    switched off, so that it can be tried before it is switched on); the caller commits. Returns the outbox row."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh"):
        title = _("【Tracker】测试消息")
        text = _("这是 %(actor)s 发送的测试消息：群机器人“%(name)s”已接通，%(team)s 团队的所选通知将发到这个群。",
                 actor=actor.display_name.translate(_MARKUP), name=robot.name.translate(_MARKUP),
                 team=robot.team.display_name.translate(_MARKUP) if robot.team else "-")
        row = outbox.add(robot.platform, TEST_KIND, f"{PLATFORMS[robot.platform]} · {robot.name}", title,
                         _body(robot.platform, title, text), now)
    row.robot_id = robot.id
    db.session.flush()
    return row


# ---- what a robot posts ----------------------------------------------------------------------------------

def _teams_of(engineer):
    """Ids of the managers whose team the engineer is in."""
    return set(chain_ids(engineer.id)) if engineer is not None else set()


def _listening(kind):
    return db.session.scalars(select(ChatRobot).where(ChatRobot.active.is_(True), ChatRobot.kinds.contains(kind))
                              .order_by(ChatRobot.id)).all()


def group_sentence(kind, actor, engineers, month=None, detail=None, work_order=None, raters=()):
    """The notification as a group reads it (third person; the notification list speaks to its reader)."""
    from tracker.notifications.models import Notification
    from tracker.notifications.services import message

    names = _("、").join(person.display_name for person in engineers)
    actor_name = actor.display_name if actor is not None else "-"
    if kind == "month_reminder":
        return _("%(names)s 的 %(month)s 工作行程表尚未提交，请尽快提交", names=names, month=detail or month or "")
    if kind == "month_reopened":  # the reason (a reproach, often) stays with the engineer and the managers
        return _("%(actor)s 退回了 %(engineer)s 的 %(month)s 工作行程表，可以修改后重新提交", actor=actor_name,
                 engineer=names, month=month or "")
    if kind == "review_requested":
        return _("%(actor)s 请 %(raters)s 评价 %(engineer)s 在 %(month)s 的表现", actor=actor_name,
                 raters=_("、").join(person.display_name for person in raters), engineer=names, month=month or "")
    if kind in MOVED_ONLY:  # the fact, never its points, total or reasons
        return str(MOVED_ONLY[kind]) % {"actor": actor_name, "engineer": names, "month": month or ""}
    if kind == "score_reopened":
        detail = None  # the reason stays with the engineer and the managers
    row = Notification(kind=kind, month=month, detail=detail)
    row.actor, row.engineer, row.work_order = actor, engineers[0] if engineers else None, work_order
    return message(row)


# what the robots' Markdown reads as markup (links, emphasis, headings, WeCom's <font>) in a name or a work order's
# text, written as its full-width twin: a group reads the sentence as written, never a link or a heading it makes
_MARKUP = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "#": "＃", "`": "｀", "_": "＿",
                         "\\": "＼", "\n": " ", "\r": " "})


def markdown(platform, kind, text):
    """(title, the webhook's JSON body as bytes) of a notification kind's message."""
    title = _("【Tracker】%(kind)s", kind=KIND_LABELS[kind])
    return title, _body(platform, title, text.translate(_MARKUP))


def _body(platform, title, text):
    """The webhook's JSON body (bytes): WeCom {"msgtype":"markdown","markdown":{"content"}}, DingTalk with a title."""
    if platform == "wecom":
        body = {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}
    else:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n\n{text}"}}
    return json.dumps(body, ensure_ascii=False).encode()


def post(kind, actor, now, *, engineers, month=None, detail=None, work_order=None, raters=()):
    """Queue the notification for each active robot that chose its kind and whose team holds one of the engineers
    it concerns (in the current transaction; the caller commits). Returns the outbox rows."""
    engineers = [person for person in engineers if person is not None and person.role == "engineer"]
    if not engineers:
        return []
    listening = [robot for robot in _listening(kind) if kind in robot.kind_list]
    if not listening:
        return []
    teams = {person.id: _teams_of(person) for person in engineers}
    rows = []
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh"):
        for robot in listening:
            concerned = [person for person in engineers if robot.team_id in teams[person.id]]
            if not concerned:
                continue
            text = group_sentence(kind, actor, concerned, month, detail, work_order, raters)
            title, payload = markdown(robot.platform, kind, text)
            row = outbox.add(robot.platform, kind, f"{PLATFORMS[robot.platform]} · {robot.name}", title, payload,
                             now)
            row.robot_id = robot.id
            rows.append(row)
    return rows
