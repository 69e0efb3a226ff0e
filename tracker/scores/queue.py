"""Closing a month: what each engineer's month still lacks, for the manager's team page and the gm's queue.

Everything is read with one query per kind of fact for all engineers at once (never one query per engineer).
The blockers of approval are those of CONTRACT 7, named by the approval's own rule (approval.blockers: the leader
review where the template takes one, hand entries, the interview, undecided adjustments; a veto does not block);
the manager's page also shows what the engineer owes (itinerary submitted, a self review where the template takes
one).
"""


from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import audit, locking
from tracker.auth.models import User
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.itinerary.models import MonthSubmission
from tracker.scores.models import Adjustment, Interview, KpiTemplate, Score, ScoreLine, Veto
from tracker.scores.services import assessed, engineers_in_scope
from tracker.scores import approval, templates_store
from tracker.reviews import services as reviews
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
    proposers: dict = field(default_factory=dict)  # adjustment id -> the display name of who proposed it
    gaps: list = field(default_factory=list)  # approval.blockers (of the template in force, for a month never computed)
    wants_self_review: bool = True  # the template rates by the engineer too
    wants_leader_review: bool = True  # the template's approval waits for a leader review
    unscorable: str | None = None  # never computed, and no version of the template in force to compute it with
    reopened: str | None = None  # a draft the gm reopened after approving it: the reason given ("" for none)

    @property
    def approved(self):
        return self.score is not None and self.score.status == "approved"

    @property
    def blockers(self):
        """What stands in the way of approval (CONTRACT 7), as sentences; a veto is not one."""
        if not self.eligible or self.approved:
            return []
        if self.score is None:  # never computed: why it cannot be, or what else it waits for
            return [self.unscorable] if self.unscorable else [_("本月考核尚未计算")] + self.gaps
        return self.gaps

    @property
    def open_items(self):
        """What the engineer's part still lacks without blocking approval (the itinerary, the self review)."""
        if not self.eligible or self.approved:
            return []
        items = []
        if not self.submitted:
            items.append(_("行程表未提交"))
        if self.wants_self_review and not self.self_review:
            items.append(_("缺少自评"))
        return items

    @property
    def missing(self):
        """What the manager still has to chase for this month (the engineer's part included)."""
        return self.open_items + self.blockers

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
    groups, leader_ratings = {}, {}
    for engineer_id, group, ratings in db.session.execute(select(Review.engineer_id, Review.group, Review.ratings)
                                                          .where(Review.month == month, Review.engineer_id.in_(ids))):
        groups.setdefault(engineer_id, set()).add(group)
        if group == "leader":
            leader_ratings.setdefault(engineer_id, []).append(ratings)
    templates = _templates({score.template_id for score in scores.values()})
    missing = {}
    for score_id, name, name_en in db.session.execute(
            select(ScoreLine.score_id, ScoreLine.name, ScoreLine.name_en)
            .where(ScoreLine.score_id.in_([score.id for score in scores.values()]), ScoreLine.missing.is_(True))
            .order_by(ScoreLine.score_id, ScoreLine.position)):
        missing.setdefault(score_id, []).append(approval.line_name(name, name_en))
    interviewed = set(db.session.scalars(select(Interview.engineer_id).where(
        Interview.month == month, Interview.engineer_id.in_(ids))))
    vetoed = set(db.session.scalars(select(Veto.engineer_id).where(Veto.month == month, Veto.engineer_id.in_(ids))))
    pending, proposers = {}, {}
    for adjustment, proposer in db.session.execute(
            select(Adjustment, User.display_name).outerjoin(User, User.id == Adjustment.proposed_by_id).where(
                Adjustment.month == month, Adjustment.engineer_id.in_(ids), Adjustment.status == "proposed")
            .order_by(Adjustment.proposed_at, Adjustment.id)):
        pending.setdefault(adjustment.engineer_id, []).append(adjustment)
        proposers[adjustment.id] = proposer
    reopened = _reopened([person for person in people if person.id in scores
                          and scores[person.id].status == "draft"], month)
    forces = None  # the versions in force, read once when someone was never computed
    states = []
    for person in people:
        score = scores.get(person.id)
        eligible = assessed(person, month, score)
        if score is None and eligible and forces is None:
            forces = templates_store.TemplatesInForce(month)
        # a month never computed waits for what the template in force will ask too (approval.approval_gaps);
        # drafts are live, so that is a new engineer's month at most: looked up one by one
        template = templates.get(score.template_id) if score is not None else (
            reviews.current_template(person, month) if eligible else None)
        leader_review = approval.counts_as_leader_review(leader_ratings.get(person.id, []), template)
        gaps = approval.blockers(template, leader_review=leader_review,
                                 missing=missing.get(score.id, []) if score is not None else [],
                                 interviewed=person.id in interviewed, pending=bool(pending.get(person.id)))
        qualitative = template.qualitative if template is not None else None
        states.append(MonthState(
            engineer=person, score=score, eligible=eligible, submitted=person.id in submitted,
            self_review="self" in groups.get(person.id, ()), leader_review=leader_review,
            interview=person.id in interviewed, vetoed=person.id in vetoed, pending=pending.get(person.id, []),
            proposers=proposers, gaps=gaps, wants_self_review=template is None or (qualitative is not None
                                                             and "self" in qualitative.raters.groups),
            wants_leader_review=template is None or template.needs_leader_review, reopened=reopened.get(person.id),
            unscorable=approval.no_version_in_force(person, month, forces) if score is None and eligible else None))
    return states


def _reopened(people, month):
    """{engineer id: the reason of the latest reopening} of the given engineers' drafts of `month` that a gm
    approved and reopened (the queue showed such a draft as any other, 可审批, without a word of why); one query."""
    by_subject = {audit.month_subject(person, month): person.id for person in people}
    return {by_subject[subject]: event.detail or ""
            for subject, event in audit.latest("score.reopen", by_subject).items()}


def _templates(ids):
    """{template row id: parsed template} of the given rows (one query; a row that no longer loads: None)."""
    ids = [template_id for template_id in ids if template_id is not None]
    if not ids:
        return {}
    return {row.id: approval.template_of_row(row)
            for row in db.session.scalars(select(KpiTemplate).where(KpiTemplate.id.in_(ids)))}


UNSEEN = object()  # approve_seen without a total shown: approved as it stands (the API)


def shown_total(text):
    """The total a page showed (as its hidden field carries it), None for a pending one or a field tampered with
    (which then matches no stored total and is refused; NaN, which no comparison takes, was a 500)."""
    if not text or len(text) > 20:  # no total is longer: a field stuffed with digits is not echoed back whole
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def approve_seen(actor, engineer, month, now, shown=UNSEEN):
    """Approve the engineer's month in a savepoint, unless its total is by now another than the `shown` one (a record
    changed while the page was open: nobody approves a total they never saw); 409 then, and nothing of it stays.
    The queue's rows and the score page's button both ask it. Returns the approved total; the caller commits.

    A draft is recomputed before the savepoint, so that a refusal keeps it as the data gives it now: a draft marked
    stale (a calendar change) kept its old total on the queue, which each approval refused and rolled back."""
    if shown is not UNSEEN:
        locking.lock_month(month_arg(month))
        score = approval.score_of(engineer, month)
        if score is not None and score.status == "draft" and score.stale:
            approval.recompute(engineer, month, now)
    with db.session.begin_nested():
        approval.approve_score(actor, engineer, month, now=now)
        total = approval.score_of(engineer, month).total
        if shown is not UNSEEN and shown != total:
            raise Conflict(_("总分已变为 %(total)s（页面上是 %(shown)s），请查看后再审批", total=total,
                             shown=shown if shown is not None else _("待定")))
    return total


def approve_many(actor, engineers, month, now, seen=None):
    """Approve each engineer's month, each checked on its own (approve_seen: a savepoint each); the caller commits.

    `seen`: {engineer id: the total the approver was shown}; a score whose total is another by now is not approved.
    Returns ([(approved engineer, total)], [(engineer, message)] refused).
    """
    done, refused = [], []
    for engineer in engineers:
        try:
            done.append((engineer, approve_seen(actor, engineer, month, now, (seen or {}).get(engineer.id, UNSEEN))))
        except (Conflict, Invalid) as error:  # a blocker, or a month not begun
            refused.append((engineer, error.message))
    return done, refused
