"""Closing a month: what each engineer's month still lacks, for the manager's team page and the gm's queue.

Everything is read with one query per kind of fact for all engineers at once (never one query per engineer).
The blockers of approval are those of CONTRACT 7 (leader review, interview, undecided adjustments; a veto does not
block); the manager's page also shows what the engineer owes (itinerary submitted, self review).
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.auth.models import User
from tracker.errors import Conflict
from tracker.extensions import db
from tracker.itinerary.models import MonthSubmission
from tracker.scores.models import Adjustment, Interview, Score, Veto
from tracker.scores.services import engineers_in_scope, is_eligible
from tracker.scores import approval
from tracker.reviews.models import Review
from tracker.scoring.month import Month
from tracker.values import month_arg


@dataclass
class MonthState:
    """One engineer's month as the closing pages show it."""

    engineer: User
    score: Score | None
    eligible: bool
    submitted: bool = False
    self_review: bool = False
    leader_review: bool = False
    interview: bool = False
    vetoed: bool = False
    pending: list = field(default_factory=list)  # proposed adjustments, oldest first

    @property
    def approved(self):
        return self.score is not None and self.score.status == "approved"

    @property
    def blockers(self):
        """What stands in the way of approval (CONTRACT 7), as sentences; a veto is not one."""
        if not self.eligible or self.approved:
            return []
        if self.score is None:
            return [_("本月考核尚未计算")]
        gaps = []
        if not self.leader_review:
            gaps.append(_("缺少领导评价"))
        if not self.interview:
            gaps.append(_("尚未记录绩效面谈"))
        if self.pending:
            gaps.append(_("还有待审批的加减分"))
        return gaps

    @property
    def missing(self):
        """What the manager still has to chase for this month (the engineer's part included)."""
        if not self.eligible or self.approved:
            return []
        items = []
        if not self.submitted:
            items.append(_("行程表未提交"))
        if not self.self_review:
            items.append(_("缺少自评"))
        return items + self.blockers

    @property
    def ready(self):
        return self.eligible and not self.approved and not self.blockers


def last_closed_month(today):
    """The month before today's: the one a gm closes at the start of a month."""
    return Month.of(today).previous()


def month_states(viewer, month):
    """[MonthState] of the engineers the viewer sees, by name; a fixed number of queries."""
    month = month_arg(month)
    people = engineers_in_scope(viewer, [month])
    ids = [person.id for person in people]
    if not ids:
        return []
    scores = {s.engineer_id: s for s in db.session.scalars(
        select(Score).where(Score.month == month, Score.engineer_id.in_(ids)))}
    submitted = set(db.session.scalars(select(MonthSubmission.engineer_id).where(
        MonthSubmission.month == month, MonthSubmission.engineer_id.in_(ids))))
    groups = {}
    for engineer_id, group in db.session.execute(select(Review.engineer_id, Review.group).where(
            Review.month == month, Review.engineer_id.in_(ids)).distinct()):
        groups.setdefault(engineer_id, set()).add(group)
    interviewed = set(db.session.scalars(select(Interview.engineer_id).where(
        Interview.month == month, Interview.engineer_id.in_(ids))))
    vetoed = set(db.session.scalars(select(Veto.engineer_id).where(Veto.month == month, Veto.engineer_id.in_(ids))))
    pending = {}
    for adjustment in db.session.scalars(select(Adjustment).where(
            Adjustment.month == month, Adjustment.engineer_id.in_(ids), Adjustment.status == "proposed")
            .order_by(Adjustment.proposed_at, Adjustment.id)):
        pending.setdefault(adjustment.engineer_id, []).append(adjustment)
    states = []
    for person in people:
        score = scores.get(person.id)
        eligible = score.eligible if score is not None else is_eligible(person, month)
        states.append(MonthState(
            engineer=person, score=score, eligible=eligible, submitted=person.id in submitted,
            self_review="self" in groups.get(person.id, ()), leader_review="leader" in groups.get(person.id, ()),
            interview=person.id in interviewed, vetoed=person.id in vetoed, pending=pending.get(person.id, [])))
    return states


def approve_many(actor, engineers, month, now):
    """Approve each engineer's month, each checked on its own (a savepoint each); the caller commits.

    Returns (approved engineers, [(engineer, message)] refused).
    """
    done, refused = [], []
    for engineer in engineers:
        try:
            with db.session.begin_nested():
                approval.approve_score(actor, engineer, month, now=now)
            done.append(engineer)
        except Conflict as error:
            refused.append((engineer, error.message))
    return done, refused
