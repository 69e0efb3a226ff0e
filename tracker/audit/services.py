"""Reading the audit log: filters (person, record, kind, dates) and pages, for the audit page."""

import math
import re
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from tracker.audit import KINDS, NOT_AUDITED, AuditEvent
from tracker.auth.models import User
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.validation import date_arg

PER_PAGE = 50
RECORD_RE = re.compile(r"^([a-z_]{1,40})(?:#([0-9A-Za-z_./-]{1,40}))?$")
KIND_LABELS = {
    "create": _l("新增"), "update": _l("修改"), "delete": _l("删除"), "action": _l("操作"),
    "denied": _l("拒绝访问"), "login": _l("登录"), "login_failed": _l("登录失败"), "logout": _l("退出登录"),
    "sessions_ended": _l("结束全部会话"),
}
# details stored as fixed English words (what a login came through, why sessions ended), shown in the reader's language
DETAIL_LABELS = {"web": _l("网页"), "api token": _l("API 令牌"), "log out everywhere": _l("本人在所有设备上退出登录"),
                 "ended by an admin": _l("管理员结束了全部会话"),
                 "password, role or active state changed": _l("密码、角色或启用状态已更改"),
                 "workday": _l("工作日"), "day off": _l("休息日")}
RECORD_LABELS = {
    "users": _l("用户"), "customers": _l("客户"), "calendar_days": _l("工作日历"), "attendance": _l("考勤"),
    "trips": _l("行程"), "expenses": _l("费用"), "month_submissions": _l("月度提交"), "work_orders": _l("工单"),
    "scans": _l("扫描件"), "photos": _l("照片"), "surveys": _l("回访"), "complaints": _l("投诉"),
    "reviews": _l("评价"), "incidents": _l("事件记录"), "metric_entries": _l("指标录入"), "ratings": _l("评分"),
    "adjustments": _l("加减分"), "vetoes": _l("一票否决"), "interviews": _l("绩效面谈"),
    "kpi_templates": _l("考核模板"), "score_outcomes": _l("考核结果运用"),
    "self_assessments": lazy_pgettext("self assessment", "自评"), "chat_robots": _l("群机器人"),
    "deleted_entries": _l("已删除的离线记录"),
    "equipment": _l("设备"), "hidden_templates": _l("隐藏的模板"), "template_assignments": _l("考核模板分配"),
    "job_run_history": _l("定时任务的早先运行"),
    "outbox": _l("待发消息"), "review_requests": _l("评价邀请"),
}


def record_types():
    """The tables whose row changes are logged, as (name, label), by label."""
    names = sorted(name for name in db.metadata.tables if name not in NOT_AUDITED)
    return [(name, RECORD_LABELS.get(name, name)) for name in names]


def parse_filters(args):
    """Plain filters from query arguments; Invalid (with field messages) for values that cannot be filters."""
    person = (args.get("person") or "").strip().lower()[:32]
    record = (args.get("record") or "").strip()
    kind = args.get("kind") or ""
    errors = {}
    if record and not RECORD_RE.match(record):
        errors["record"] = _("记录的格式为 表名 或 表名#编号，如 trips#12")
    if kind and kind not in KINDS:
        errors["kind"] = _("未知的类别")
    start = end = None
    for field in ("start", "end"):
        try:
            value = date_arg(args.get(field), field)
        except Invalid as error:
            errors.update(error.fields)
            continue
        if field == "start":
            start = value
        else:
            end = value
    if start and end and end < start:
        errors["end"] = _("结束日期不能早于开始日期")
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    return {"person": person, "record": record, "kind": kind, "start": start, "end": end}


def _where(filters):
    clauses = []
    if filters["person"]:
        user_id = db.session.scalar(select(User.id).where(User.username == filters["person"]))
        about_them = [AuditEvent.subject == filters["person"]]
        if user_id is not None:
            about_them += [AuditEvent.actor_id == user_id,
                           and_(AuditEvent.record_type == "users", AuditEvent.record_id == str(user_id))]
        clauses.append(or_(*about_them))
    if filters["record"]:
        table, _sep, record_id = filters["record"].partition("#")
        clauses.append(AuditEvent.record_type == table)
        if record_id:
            clauses.append(AuditEvent.record_id == record_id)
    if filters["kind"]:
        clauses.append(AuditEvent.kind == filters["kind"])
    if filters["start"]:
        clauses.append(AuditEvent.at >= filters["start"])
    if filters["end"]:
        clauses.append(AuditEvent.at < filters["end"] + timedelta(days=1))
    return clauses


def search(filters, page=1, per_page=PER_PAGE):
    """One page of matching events, newest first, with the total and the number of pages."""
    where = _where(filters)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    events = db.session.scalars(select(AuditEvent).options(selectinload(AuditEvent.actor)).where(*where)
                                .order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)).all()
    return {"events": events, "total": total, "page": page, "pages": pages}


def changes(event):
    """The changed fields of an event as (field, before, after) rows."""
    before, after = event.before_values(), event.after_values()
    return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))]
