"""The gaps of a month in the viewer's scope, one SQL query per kind (never a row per record).

Kinds: itinerary not submitted; completed work orders without a scan, without their times, without a trip or
without a survey; trips without a work order; hand entries a draft score's template needs and nobody made (the lines
stored as missing); eligible engineers without a leader review (where their template has a qualitative part) or an
interview.
A month's work orders are the ones reported or completed in it (cancelled ones count nowhere).
"""

from dataclasses import dataclass
from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from tracker.auth.access import listed_engineer, scope_filter
from tracker.auth.models import User
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.itinerary.models import MonthSubmission, Trip
from tracker.scores import approval, queue
from tracker.scores.models import Score, ScoreLine
from tracker.workorders.models import Scan, Survey, WorkOrder
from tracker.scoring.month import Month
from tracker.values import month_arg

KINDS = ("itinerary_not_submitted", "work_order_without_scan", "work_order_without_times", "trip_without_work_order",
         "work_order_without_trip", "survey_missing", "hand_entry_missing", "leader_review_missing",
         "interview_missing", "adjustment_undecided", "bonus_base_missing")


@dataclass(frozen=True)
class Gap:
    """One thing to fix: its kind, whose it is, and the record (work order or trip) when there is one."""

    kind: str
    username: str
    display_name: str
    work_order_id: int | None = None
    work_order: str | None = None
    trip_id: int | None = None
    day: object = None
    indicator: str | None = None
    indicator_name: str | None = None
    user_id: int | None = None  # bonus_base_missing: whose base to set (the users page is by id)


def _engineers(viewer, month):
    """The engineers whose month is checked: the active ones, and those who left (or are no longer engineers) with a
    draft of the month still to approve (scored, approved and paid for it: their gaps still hold the month's close)."""
    draft = aliased(Score)  # not the Score a query joins already
    left_with_a_draft = exists().where(draft.engineer_id == User.id, draft.month == month, draft.status == "draft")
    return (listed_engineer(left_with_a_draft), scope_filter(viewer, User.id))


def checks_anyone(viewer, month):
    """Whether the month has an engineer of the viewer's to check (none: nothing is complete, there is nobody)."""
    return db.session.scalar(select(exists().where(*_engineers(viewer, month_arg(month)))))


def _orders_of_month(first, nxt):
    start, end = datetime.combine(first, time()), datetime.combine(nxt, time())
    return and_(WorkOrder.status == "completed",
                or_(and_(WorkOrder.completed_at >= start, WorkOrder.completed_at < end),
                    and_(WorkOrder.completed_at.is_(None), WorkOrder.reported_at >= start,
                         WorkOrder.reported_at < end)))


def _order_gaps(kind, viewer, month, where, first, nxt):
    query = (select(WorkOrder.id, WorkOrder.number, User.username, User.display_name)
             .join(User, User.id == WorkOrder.engineer_id)
             .where(*_engineers(viewer, month), _orders_of_month(first, nxt), where)
             .order_by(User.display_name, WorkOrder.number))
    return [Gap(kind, username, name, order_id, number) for order_id, number, username, name in
            db.session.execute(query)]


def month_gaps(viewer, month, now):
    """Every gap of `month` among the engineers the viewer may see, grouped by kind (in KINDS order); a month
    that has not started has nothing to fix yet (422)."""
    month = month_arg(month)
    if month > Month.of(now.date()):
        raise Invalid.field("month", _("只能检查已开始的月份"))
    first, nxt = month.bounds()
    gaps = {kind: [] for kind in KINDS}
    unsubmitted = ~exists().where(MonthSubmission.engineer_id == User.id, MonthSubmission.month == month)
    for username, name in db.session.execute(select(User.username, User.display_name)
                                             .where(*_engineers(viewer, month), User.employed_in(month), unsubmitted)
                                             .order_by(User.display_name)):
        gaps["itinerary_not_submitted"].append(Gap("itinerary_not_submitted", username, name))
    gaps["work_order_without_scan"] = _order_gaps(
        "work_order_without_scan", viewer, month, ~exists().where(Scan.work_order_id == WorkOrder.id), first, nxt)
    gaps["work_order_without_times"] = _order_gaps(
        "work_order_without_times", viewer, month,
        or_(WorkOrder.responded_at.is_(None), WorkOrder.arrived_at.is_(None), WorkOrder.completed_at.is_(None)),
        first, nxt)
    gaps["work_order_without_trip"] = _order_gaps(
        "work_order_without_trip", viewer, month, ~exists().where(Trip.work_order_id == WorkOrder.id), first, nxt)
    gaps["survey_missing"] = _order_gaps(
        "survey_missing", viewer, month, ~exists().where(Survey.work_order_id == WorkOrder.id), first, nxt)
    for trip_id, day, username, name in db.session.execute(
            select(Trip.id, Trip.day, User.username, User.display_name).join(User, User.id == Trip.engineer_id)
            .where(*_engineers(viewer, month), Trip.day >= first, Trip.day < nxt, Trip.work_order_id.is_(None))
            .order_by(User.display_name, Trip.day, Trip.id)):
        gaps["trip_without_work_order"].append(Gap("trip_without_work_order", username, name, trip_id=trip_id,
                                                   day=day))
    for code, name, name_en, username, display_name in db.session.execute(
            select(ScoreLine.code, ScoreLine.name, ScoreLine.name_en, User.username, User.display_name)
            .join(Score, Score.id == ScoreLine.score_id).join(User, User.id == Score.engineer_id)
            .where(*_engineers(viewer, month), Score.month == month, Score.status == "draft", ScoreLine.missing.is_(True))
            .order_by(User.display_name, ScoreLine.position)):
        gaps["hand_entry_missing"].append(Gap("hand_entry_missing", username, display_name, indicator=code,
                                              indicator_name=approval.line_name(name, name_en)))
    # what approval waits for, by its own rule (approval.blockers, read for many engineers as the closing pages
    # read it): a leader review where the template wants one and that counts, the interview
    for state in queue.month_states(viewer, month):
        person = state.engineer
        if (not person.active and state.score is None) or not state.eligible or state.approved:
            continue  # one who left is checked while a draft of the month waits for approval
        if state.wants_leader_review and not state.leader_review:
            gaps["leader_review_missing"].append(Gap("leader_review_missing", person.username, person.display_name))
        if not state.interview:
            gaps["interview_missing"].append(Gap("interview_missing", person.username, person.display_name))
        if state.pending:  # a proposal the gm has not decided holds the approval too (approval.blockers)
            gaps["adjustment_undecided"].append(Gap("adjustment_undecided", person.username, person.display_name))
        if not person.bonus_base:  # no base: the bonus is 0 whatever the total (the users page's field left empty)
            gaps["bonus_base_missing"].append(Gap("bonus_base_missing", person.username, person.display_name,
                                                  user_id=person.id))
    return gaps
