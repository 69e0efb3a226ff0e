"""Customer feedback: phone surveys of work orders (回访) and complaints against engineers (投诉)."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from tracker import locking, validation
from tracker.auth.access import scope_filter
from tracker.auth.models import User
from tracker.errors import Conflict, Forbidden, Invalid, NotFound
from tracker.extensions import db
from tracker.workorders.models import SURVEY_METHODS, Complaint, Survey, WorkOrder
from tracker.auth.access import can_manage_order, can_record_complaint
from tracker.workorders.services import by_number, get_row, get_visible, user_by_username
from tracker.scores import live, services as scores
from tracker.scoring.month import Month
from tracker.values import month_arg

NOTE_MAX = 500
RECORDERS = ("backoffice", "manager")


def add_survey(actor, order, data, now):
    """Record a survey of a completed work order: score 1-5, method, comment. The caller commits."""
    if not can_manage_order(actor, order):
        raise Forbidden(_("只有内勤或该工单的主管可以录入回访"))
    unknown = sorted(set(data) - {"score", "method", "comment"})
    if unknown:
        raise Invalid(_("不接受未知字段：%(names)s", names=", ".join(unknown)))
    score = validation.whole_number(data.get("score"))
    if score is None or not 1 <= score <= 5:
        raise Invalid.field("score", _("评分须为 1 到 5 的整数"))
    method = data.get("method") or "phone"
    if method not in SURVEY_METHODS:
        raise Invalid.field("method", _("回访方式须为 %(v)s 之一", v=", ".join(SURVEY_METHODS)))
    if order.status != "completed":
        raise Conflict(_("工单完工后才能录入回访"))
    live.hold_order_months(order)  # as a removal does
    survey = Survey(work_order_id=order.id, score=score, method=method,
                    comment=validation.clean_text(data.get("comment"), "comment", NOTE_MAX, required=False),
                    recorded_by_id=actor.id,
                    recorded_at=now)
    db.session.add(survey)
    db.session.flush()
    return survey


def counted_in(record):
    """(engineer, month) whose score a survey or complaint counts in: the order's engineer in the month it was
    completed, the complaint's engineer in the month of its date; None for a survey of an order without an engineer
    or not completed (it counts nowhere)."""
    if isinstance(record, Complaint):
        return record.engineer, Month.of(record.day)
    order = record.work_order
    if order.engineer is None or order.completed_at is None:
        return None
    return order.engineer, Month.of(order.completed_at)


def survey_of(viewer, survey_id):
    """The survey, 404 when missing; its work order's visibility as get_visible answers it (403)."""
    survey = get_row(Survey, survey_id)
    if survey is None:
        raise NotFound(_("找不到该回访"))
    get_visible(viewer, survey.work_order_id)
    return survey


def complaint_of(complaint_id):
    """The complaint, 404 when missing."""
    complaint = get_row(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_("找不到该投诉"))
    return complaint


def delete_survey(actor, survey):
    """Remove a survey recorded by mistake (who may record it; not once the score it counts in is approved: the
    month of the order's completion, 409). Its engineer's draft follows (live scores); the caller commits."""
    if not can_manage_order(actor, survey.work_order):
        raise Forbidden(_("只有内勤或该工单的主管可以删除回访"))
    locking.lock_row(survey)  # removed by another request meanwhile: 404, not a second removal (and audit entry)
    live.hold_order_months(survey.work_order)  # the months it recomputes, in order, before the one it counts in
    counted = counted_in(survey)
    if counted is not None:
        scores.ensure_not_approved(*counted)
    db.session.delete(survey)
    db.session.flush()


def add_complaint(actor, data, now):
    """Record a complaint against an engineer (engineer by username, work order by number); every field at fault
    is named at once (Invalid). The caller commits."""
    if actor.role not in RECORDERS:
        raise Forbidden(_("只有内勤和主管可以录入投诉"))
    unknown = sorted(set(data) - set(COMPLAINT_FIELDS))
    if unknown:
        raise Invalid(_("不接受未知字段：%(names)s", names=", ".join(unknown)))
    values, faults = _complaint_values(actor, {name: data.get(name) for name in COMPLAINT_FIELDS}, now)
    if faults:
        raise Invalid(next(iter(faults.values())) if len(faults) == 1 else _("请检查标出的栏目"), faults)
    order = values["work_order"]
    complaint = Complaint(engineer_id=values["engineer"].id, work_order_id=order.id if order else None,
                          day=values["date"], upheld=values["upheld"],
                          resolution_satisfied=values["resolution_satisfied"], note=values["note"],
                          recorded_by_id=actor.id, recorded_at=now)
    db.session.add(complaint)
    db.session.flush()
    return complaint


def complaint_refusals(actor, data, now):
    """{field: message} for the fields of `data` a complaint would be refused on (a form whose own checks refused
    some fields has the others checked in the same round)."""
    return _complaint_values(actor, data, now)[1]


COMPLAINT_FIELDS = ("engineer", "work_order", "date", "upheld", "resolution_satisfied", "note")


def _complaint_values(actor, data, now):
    """(values as stored, {field: message}) for the fields present in `data`; Forbidden for an engineer outside the
    actor's reach."""
    values, faults = {}, {}
    if "engineer" in data:
        engineer = user_by_username(data["engineer"])
        if engineer is None or engineer.role != "engineer":
            faults["engineer"] = _("没有这位工程师：%(name)s", name=data["engineer"])
        elif not can_record_complaint(actor, engineer):
            raise Forbidden(_("只能录入自己团队工程师的投诉"))
        values["engineer"] = engineer
    if "date" in data:
        day = values["date"] = data["date"]
        if not isinstance(day, date):
            faults["date"] = _("请填写日期")
        elif day > now.date():
            faults["date"] = _("不能记录未来的日期")
    if "upheld" in data:
        values["upheld"] = data["upheld"]
        if not isinstance(data["upheld"], bool):
            faults["upheld"] = _("请选择投诉是否属实")
    if "resolution_satisfied" in data:
        values["resolution_satisfied"] = data["resolution_satisfied"]
        if data["resolution_satisfied"] is not None and not isinstance(data["resolution_satisfied"], bool):
            faults["resolution_satisfied"] = _("须为是或否")
    checks = {"work_order": lambda: by_number(data["work_order"], viewer=actor) if data["work_order"] else None,
              "note": lambda: validation.clean_text(data["note"], "note", NOTE_MAX, required=False)}
    for name, check in checks.items():
        if name in data:
            try:
                values[name] = check()
            except Invalid as error:
                faults.update(error.fields or {name: error.message})
    return values, faults


def delete_complaint(actor, complaint):
    """Remove a complaint recorded by mistake (back-office, or a manager above its engineer; not once that
    engineer's score of its month is approved, 409). The draft follows (live scores); the caller commits."""
    if not can_record_complaint(actor, complaint.engineer):
        raise Forbidden(_("只有内勤或该工程师的主管可以删除投诉"))
    locking.lock_row(complaint)  # as a survey's
    scores.ensure_not_approved(*counted_in(complaint))
    db.session.delete(complaint)
    db.session.flush()


def complaint_dict(complaint):
    return {"id": complaint.id, "engineer": complaint.engineer.username,
            "work_order": complaint.work_order.number if complaint.work_order else None,
            "date": complaint.day, "upheld": complaint.upheld,
            "resolution_satisfied": complaint.resolution_satisfied, "note": complaint.note}


def complaints(viewer, month, engineer=None):
    """The complaints of a month against the engineers the viewer may see (optionally one engineer)."""
    first, nxt = month_arg(month).bounds()
    query = (select(Complaint).join(User, Complaint.engineer_id == User.id)
             .where(Complaint.day >= first, Complaint.day < nxt, scope_filter(viewer, Complaint.engineer_id)))
    if engineer:
        person = user_by_username(engineer)
        query = query.where(Complaint.engineer_id == (person.id if person else None))
    return db.session.scalars(query.order_by(User.display_name, Complaint.day, Complaint.id)).all()


def complaint_totals(viewer, month):
    """Per engineer in scope: (user, complaints, upheld) for the month, counted in SQL; upheld as the score counts
    them, not those about a cancelled order (cancelled orders count nowhere: CONTRACT 7)."""
    first, nxt = month_arg(month).bounds()
    about = aliased(WorkOrder)
    counted = and_(Complaint.upheld.is_(True), or_(about.id.is_(None), about.status != "cancelled"))
    upheld = func.sum(db.case((counted, 1), else_=0))
    rows = db.session.execute(
        select(User, func.count(Complaint.id), upheld).join(Complaint, Complaint.engineer_id == User.id)
        .outerjoin(about, Complaint.work_order_id == about.id)
        .where(Complaint.day >= first, Complaint.day < nxt, scope_filter(viewer, User.id))
        .group_by(User.id).order_by(User.display_name)).all()
    return [(user, total, int(up or 0)) for user, total, up in rows]
