"""Reviews people are asked for: a manager assigns peer reviewers per engineer and month, and every engineer
sees the reviews they owe (their own self review of the closing month, and the peer reviews asked of them)
until they are done. The group of a review is still decided by who the rater is (CONTRACT 7)."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, UniqueConstraint, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, aliased, mapped_column

from tracker.auth.access import engineer_called
from tracker.auth.models import User
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.notifications import services as notifications
from tracker.scores.models import Score
from tracker.scores.services import is_approved, is_eligible
from tracker.scores import approval
from tracker.reviews.models import Review
from tracker.reviews.services import review_spec, takes_review
from tracker.scoring.month import Month
from tracker.values import month_arg


class ReviewRequest(db.Model):
    """A peer review asked of `rater` about `engineer`'s month."""

    __tablename__ = "review_requests"
    __table_args__ = (UniqueConstraint("engineer_id", "month", "rater_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime]


def may_rate_peer(rater, engineer):
    """Whether `rater` may be asked for a peer review of `engineer`: another engineer still employed."""
    return rater.role == "engineer" and rater.active and rater.id != engineer.id


def assign_peer(actor, engineer, month, rater_name, now):
    """A manager above the engineer asks another engineer (`rater_name`: a username, or a display name one active
    engineer bears) for a peer review; the rater is told. The caller commits."""
    approval.require_manager_above(actor, engineer)
    month = month_arg(month)
    # a month not begun, approved or not assessed: the rater would be asked and told, then refused the review
    approval.require_assessable(engineer, month, now)
    rater = engineer_called(rater_name, "rater")
    if rater is None or not may_rate_peer(rater, engineer):
        raise Invalid.field("rater", _("同事评价须由另一位在职工程师填写"))
    if not takes_peers(review_spec(engineer, month)):  # the rater would be asked for a review then refused (403)
        raise Invalid.field("rater", _("该工程师本月的考核模板不含同事评价"))
    row = ReviewRequest(engineer_id=engineer.id, month=month, rater_id=rater.id, requested_by_id=actor.id,
                        requested_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(_("已经请 %(name)s 评价过了", name=rater.display_name)) from None
    notifications.notify("review_requested", [rater], actor, now, engineer=engineer, month=month)
    return row


def takes_peers(spec):
    """Whether a template's qualitative part `spec` counts peer reviews (a manager may ask for one)."""
    return takes_review(spec, "peer")


def peers_of(engineer_ids, month):
    """{engineer_id: [(rater, done)]} of the month's requests (one query)."""
    if not engineer_ids:
        return {}
    rater = aliased(User)
    done = exists().where(Review.engineer_id == ReviewRequest.engineer_id, Review.month == ReviewRequest.month,
                          Review.rater_id == ReviewRequest.rater_id)
    result = {}
    for request, person, finished in db.session.execute(
            select(ReviewRequest, rater, done).join(rater, rater.id == ReviewRequest.rater_id)
            .where(ReviewRequest.month == month, ReviewRequest.engineer_id.in_(list(engineer_ids)))
            .order_by(rater.display_name)):
        result.setdefault(request.engineer_id, []).append((person, finished))
    return result


def asked_of(rater, month):
    """The ids of the engineers whose month a manager asked `rater` to review (one query)."""
    return set(db.session.scalars(select(ReviewRequest.engineer_id).where(ReviewRequest.rater_id == rater.id,
                                                                          ReviewRequest.month == month_arg(month))))


def owed_by(user, today):
    """[(engineer, month, group)] of the reviews the user still owes: peers asked of them, and their own self
    review of the month before today's (while that month's score is not approved); each only while the review would
    be taken (the engineer assessed that month, under a template that counts that group: one asked before the
    template stopped counting peers, or a self review under a template without one, was refused with 403)."""
    engineer = aliased(User)
    done = exists().where(Review.engineer_id == ReviewRequest.engineer_id, Review.month == ReviewRequest.month,
                          Review.rater_id == user.id)
    approved = exists().where(Score.engineer_id == ReviewRequest.engineer_id, Score.month == ReviewRequest.month,
                              Score.status == "approved")
    owed = [(person, request.month, "peer") for request, person in db.session.execute(
        select(ReviewRequest, engineer).join(engineer, engineer.id == ReviewRequest.engineer_id)
        .where(ReviewRequest.rater_id == user.id, ~done, ~approved, engineer.active.is_(True))
        .order_by(ReviewRequest.month, engineer.display_name))
        if is_eligible(person, request.month) and takes_peers(review_spec(person, request.month))]
    if user.role == "engineer":
        month = Month.of(today).previous()
        reviewed = db.session.scalar(select(Review.id).where(Review.engineer_id == user.id, Review.month == month,
                                                             Review.rater_id == user.id).limit(1))
        if reviewed is None and not is_approved(user, month) and is_eligible(user, month) and takes_review(
                review_spec(user, month), "self"):
            owed.insert(0, (user, month, "self"))
    return owed
