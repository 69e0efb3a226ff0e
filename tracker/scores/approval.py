"""Approving a month's score: adjustments (加减分), veto (一票否决), performance interview (绩效面谈), approval, reopening.

CONTRACT.md section 7 (last paragraphs) and section 10. A manager above the engineer proposes adjustments and
records the interview; a manager above or the gm vetoes; only the gm decides adjustments, approves and reopens.
Every decision is written to the audit log.

Services take plain data, raise domain errors, add and flush; the caller (view or API handler) commits. Those that
change what the score counts (deciding an adjustment, a veto, approving, reopening) also recompute the engineer's
draft score at once (tracker.scores.live), so the caller commits the decision together with the recomputed score,
or rolls both back. Each step tells the people it concerns (tracker.notifications).
"""

import json
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tracker import audit, language, locking, validation
from tracker.auth.access import acts_as_manager, is_leader
from tracker.auth.models import User
from tracker.errors import Conflict, Forbidden, Invalid, NotFound
from tracker.extensions import db
from tracker.notifications import services as notifications
from tracker.scores import live, services, templates_store, yearly
from tracker.scores.models import Adjustment, Interview, Outcome, Score, ScoreLine, Veto
from tracker.reviews import services as reviews
from tracker.reviews.models import Review
from tracker.scoring.errors import TemplateError
from tracker.scoring.messages import render_data
from tracker.scoring.template import load_template
from tracker.scoring.totals import rates
from tracker.scoring.month import Month
from tracker.validation import INT_MAX, check_number
from tracker.values import month_arg

POINTS_LIMIT = Decimal(100)
REASON_MAX = 500
NOTES_MAX = 2000
OUTCOME_DETAIL_MAX = 200


# ---- who may do what -----------------------------------------------------------------------------

def require_manager_above(actor, engineer):
    """A manager above the engineer (the gm for one without: auth.access.acts_as_manager), else 403."""
    if not acts_as_manager(actor, engineer):
        raise Forbidden(_("只有该工程师的上级主管可以办理"))


def require_leader(actor, engineer):
    if not is_leader(actor, engineer):
        raise Forbidden(_("只有该工程师的上级主管或总经理可以办理"))


def require_gm(actor):
    if actor.role != "gm":
        raise Forbidden(_("只有总经理可以审批"))


# ---- plain values ----------------------------------------------------------------------------------

# ---- reads -----------------------------------------------------------------------------------------

def score_of(engineer, month):
    return db.session.scalar(select(Score).where(Score.engineer_id == engineer.id, Score.month == month))


def _started(month, now):
    """422 on `month` for a month that has not begun: nothing of it can be decided yet."""
    if month > Month.of(now):
        raise Invalid.field("month", _("不能为尚未开始的月份办理"))


def require_open_month(engineer, month, now):
    """The month is assessable now (require_assessable) and a version of the engineer's template is in force."""
    month = month_arg(month)
    require_assessable(engineer, month, now)
    templates_store.template_for(engineer, month)  # 409 for a month no template version is in force: never scored


def require_assessable(engineer, month, now):
    """The month is assessable now: not in the future, the engineer assessed in it, the score not approved yet."""
    month = month_arg(month)
    _started(month, now)
    services.ensure_not_approved(engineer, month)
    if not engineer.active and score_of(engineer, month) is None:  # left before the month was ever scored
        raise Conflict(_("%(name)s 已停用，%(month)s 没有考核", name=engineer.display_name, month=month), month=month)
    if not services.is_eligible(engineer, month):
        raise Conflict(_("%(name)s 在 %(month)s 不参加考核", name=engineer.display_name, month=month), month=month)


def has_leader_review(engineer, month, template=None):
    """A leader review of the month that counts (counts_as_leader_review)."""
    given = db.session.scalars(select(Review.ratings).where(Review.engineer_id == engineer.id, Review.month == month,
                                                            Review.group == "leader")).all()
    return counts_as_leader_review(given, template)


def counts_as_leader_review(given, template):
    """Whether one of the leader reviews `given` (their stored ratings) counts: one that rates the criteria of
    `template` (its qualitative part) on its scale; any leader review without a template to check it against."""
    spec = template.qualitative if template is not None else None
    if spec is None:
        return bool(given)
    criteria = [code for code, _name in spec.criteria]
    return any(rates(json.loads(ratings), criteria, spec.scale_max) for ratings in given)


def latest_interview(engineer, month):
    return db.session.scalar(select(Interview).where(Interview.engineer_id == engineer.id, Interview.month == month)
                             .order_by(Interview.held_at.desc(), Interview.id.desc()).limit(1))


def veto_of(engineer, month):
    return db.session.scalar(select(Veto).where(Veto.engineer_id == engineer.id, Veto.month == month))


def adjustments_of(engineer, month):
    return db.session.scalars(select(Adjustment).where(Adjustment.engineer_id == engineer.id,
                                                       Adjustment.month == month)
                              .order_by(Adjustment.proposed_at, Adjustment.id)).all()


def pending_adjustments():
    """Proposed adjustments awaiting the gm, oldest first, with the engineer and the proposer (one query)."""
    proposer = aliased(User)
    rows = db.session.execute(
        select(Adjustment, User, proposer).join(User, User.id == Adjustment.engineer_id)
        .outerjoin(proposer, proposer.id == Adjustment.proposed_by_id)
        .where(Adjustment.status == "proposed").order_by(Adjustment.month, Adjustment.proposed_at, Adjustment.id))
    return rows.all()


def approval_gaps(engineer, month, score=None):
    """What still stands in the way of approving the month's score, as sentences (empty: it can be approved)."""
    score = score if score is not None else score_of(engineer, month)
    if not services.assessed(engineer, month, score):
        return [_("该工程师本月不参加考核")]
    if score is not None and score.status == "approved":
        return [_("已审批")]
    unscorable = no_version_in_force(engineer, month) if score is None else None
    if unscorable:
        return [unscorable]
    # a month never computed says so, and what else it waits for (the template in force then: what it will use)
    template = score_template(score) if score is not None else reviews.current_template(engineer, month)
    pending = db.session.scalar(select(Adjustment.id).where(Adjustment.engineer_id == engineer.id,
                                                            Adjustment.month == month,
                                                            Adjustment.status == "proposed").limit(1))
    gaps = blockers(template, leader_review=has_leader_review(engineer, month, template),
                    missing=[name for _code, name in missing_entries(score)] if score is not None else [],
                    interviewed=latest_interview(engineer, month) is not None, pending=pending is not None)
    return gaps if score is not None else [_("本月考核尚未计算")] + gaps


def no_version_in_force(engineer, month, forces=None):
    """Why a month before any version of the engineer's template can have no score (nothing to compute, review or
    interview with: each is refused, so it is the one blocker to say), or None. `forces`: the month's
    templates_store.TemplatesInForce, read once for many engineers."""
    try:
        (forces or templates_store.TemplatesInForce(month)).row_for(engineer)
    except Conflict as error:
        return error.message
    return None


def blockers(template, *, leader_review, missing, interviewed, pending):
    """What stands in the way of approving a computed draft (CONTRACT 7), as sentences: the one rule of the score
    page, the approval itself and the closing pages (tracker.scores.queue, which reads the same facts for many
    engineers at once). `leader_review`: one that counts (counts_as_leader_review); `missing`: the names of the
    hand entries not made; `pending`: an adjustment not decided yet. A veto is not a blocker."""
    gaps = []
    if (template is None or template.needs_leader_review) and not leader_review:
        gaps.append(_("缺少领导评价"))
    if missing:
        gaps.append(_("缺少手工录入：%(items)s", items=_("、").join(missing)))
    if not interviewed:
        gaps.append(_("尚未记录绩效面谈"))
    if pending:
        gaps.append(_("还有待审批的加减分"))
    return gaps


def score_template(score):
    """The parsed template a score was computed with (None when it has none or it no longer loads)."""
    return template_of_row(score.template if score is not None else None)


def template_of_row(row):
    """A stored template version parsed (None for no row, or one that no longer loads)."""
    if row is None:
        return None
    try:
        return load_template(json.loads(row.body))
    except (TemplateError, ValueError):
        return None


def needs_leader_review(score):
    """A leader review blocks approval only when the score's template has a qualitative part that needs one."""
    template = score_template(score)
    return template is None or template.needs_leader_review


def missing_entries(score):
    """[(code, name in the reader's language)] of the score's lines whose hand entry is missing, in the template's
    order."""
    if score is None:
        return []
    return [(line.code, line_name(line.name, line.name_en)) for line in score.lines if line.missing]


def line_name(name, name_en):
    """An indicator line's name in the reader's language (the Chinese one where it has no English)."""
    return name_en if name_en and language.current() == "en" else name


def recompute(engineer, month, now):
    """Recompute the engineer's draft now, in this transaction (the caller commits); the decisions written with a
    Core UPDATE name their draft here, the live recompute (tracker.scores.live) would not see them."""
    live.touch(engineer.id, month)
    live.settle(now, strict=True)


# ---- adjustments -----------------------------------------------------------------------------------

def propose_adjustment(actor, engineer, month, points, reason, *, now):
    """A manager above proposes bonus or penalty points; they count once the gm approves them. The caller commits."""
    require_manager_above(actor, engineer)
    points = check_number(points, "points", -POINTS_LIMIT, POINTS_LIMIT, nonzero=True)
    reason = validation.clean_text(reason, "reason", REASON_MAX)
    require_open_month(engineer, month, now)
    adjustment = Adjustment(engineer_id=engineer.id, month=month, points=points, reason=reason, status="proposed",
                            proposed_by_id=actor.id, proposed_at=now)
    db.session.add(adjustment)
    db.session.flush()
    audit.record(actor, "adjustment.propose", audit.month_subject(engineer, month), f"#{adjustment.id} {points:+} {reason}",
                 at=now)
    db.session.flush()
    notifications.notify("adjustment_proposed", notifications.gms(), actor, now, engineer=engineer, month=month,
                         detail=f"{points:+}")
    return adjustment


def adjustment_by_id(adjustment_id):
    """The adjustment with this id; ids beyond the integer column's range simply do not exist (404)."""
    adjustment = db.session.get(Adjustment, adjustment_id) if 0 < adjustment_id <= INT_MAX else None
    if adjustment is None:
        raise NotFound(_("找不到这条加减分"))
    return adjustment


def decide_adjustment(actor, adjustment, approve, *, now, reason=None):
    """The gm approves or rejects a proposed adjustment; the draft score is recomputed. The caller commits.

    Rejecting needs a reason (422 without one), kept with the decision and told to the proposer.
    """
    require_gm(actor)
    reason = None if approve else validation.clean_text(reason, "reason", REASON_MAX)
    engineer = db.session.get(User, adjustment.engineer_id)
    month = adjustment.month
    if approve:  # counted only in a month the engineer is assessed in (proposed, it may no longer be: 409)
        require_open_month(engineer, month, now)
    else:  # a proposal that cannot count any more may still be turned down
        services.ensure_not_approved(engineer, month)
    status = "approved" if approve else "rejected"
    # Only a proposal can be decided, once: the condition in the UPDATE settles two gms clicking at the same time.
    decided = db.session.execute(
        update(Adjustment).where(Adjustment.id == adjustment.id, Adjustment.status == "proposed")
        .values(status=status, decided_by_id=actor.id, decided_at=now, decision_reason=reason)
        .execution_options(synchronize_session=False))
    if decided.rowcount != 1:  # decided meanwhile: say how, as stored now
        status = db.session.scalar(select(Adjustment.status).where(Adjustment.id == adjustment.id))
        if status is None:  # withdrawn meanwhile: there is nothing to decide (as when asked after the withdrawal)
            raise NotFound(_("找不到这条加减分"))
        raise Conflict(_("这条加减分已经审批过了"), status=status)
    audit.record(actor, f"adjustment.{'approve' if approve else 'reject'}", audit.month_subject(engineer, month),
                 f"#{adjustment.id} {Decimal(adjustment.points):+}" + (f" {reason}" if reason else ""), at=now)
    db.session.flush()
    recompute(engineer, month, now)
    db.session.refresh(adjustment)
    _settle_proposals(engineer, month, now)
    proposer = db.session.get(User, adjustment.proposed_by_id) if adjustment.proposed_by_id else None
    if proposer is None or not acts_as_manager(proposer, engineer):  # moved off the team meanwhile: who manages now
        proposer = engineer.supervisor
    notifications.notify("adjustment_decided", [proposer], actor, now, engineer=engineer,
                         month=month, detail=f"{Decimal(adjustment.points):+} {status} {reason or ''}".strip())
    return adjustment


def withdraw_adjustment(actor, adjustment, *, now):
    """A manager above the engineer withdraws a proposal the gm has not decided (proposed by mistake): it is removed,
    the audit log keeps it, the draft is recomputed. 409 once decided. The caller commits."""
    engineer = db.session.get(User, adjustment.engineer_id)
    require_manager_above(actor, engineer)
    month, points, reason = adjustment.month, Decimal(adjustment.points), adjustment.reason
    services.ensure_not_approved(engineer, month)
    # the condition in the DELETE settles a withdrawal and a decision at the same time
    removed = db.session.execute(delete(Adjustment).where(Adjustment.id == adjustment.id,
                                                          Adjustment.status == "proposed")
                                 .execution_options(synchronize_session=False))
    if removed.rowcount != 1:
        status = db.session.scalar(select(Adjustment.status).where(Adjustment.id == adjustment.id))
        if status is None:
            raise NotFound(_("找不到这条加减分"))
        raise Conflict(_("这条加减分已经审批过了"), status=status)
    db.session.expunge(adjustment)
    audit.record(actor, "adjustment.withdraw", audit.month_subject(engineer, month), f"#{adjustment.id} {points:+} {reason}",
                 at=now)
    db.session.flush()
    recompute(engineer, month, now)
    # the gms were told of the proposal: they are told it is gone
    _settle_proposals(engineer, month, now)
    notifications.notify("adjustment_withdrawn", notifications.gms(), actor, now, engineer=engineer, month=month,
                         detail=f"{points:+}")


def _settle_proposals(engineer, month, now):
    """Once no proposal of the engineer's month awaits a decision, the gms' notices of its proposals are read."""
    waiting = db.session.scalar(select(Adjustment.id).where(Adjustment.engineer_id == engineer.id,
                                                            Adjustment.month == month,
                                                            Adjustment.status == "proposed").limit(1))
    if waiting is None:
        notifications.settle("adjustment_proposed", engineer, month, now)


# ---- veto and interview ----------------------------------------------------------------------------

def veto(actor, engineer, month, reason, *, now):
    """一票否决 by a manager above or the gm: the month's total is 0, review or not (recomputed). The caller commits."""
    require_leader(actor, engineer)
    reason = validation.clean_text(reason, "reason", REASON_MAX)
    require_open_month(engineer, month, now)
    if veto_of(engineer, month) is not None:
        raise Conflict(_("%(month)s 已经一票否决", month=month), month=month)
    row = Veto(engineer_id=engineer.id, month=month, reason=reason, recorded_by_id=actor.id, recorded_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # vetoed at the same moment by someone else
        raise Conflict(_("%(month)s 已经一票否决", month=month), month=month) from None
    audit.record(actor, "score.veto", audit.month_subject(engineer, month), reason, at=now)
    db.session.flush()
    recompute(engineer, month, now)
    notifications.notify("score_vetoed", [engineer, engineer.supervisor], actor, now, engineer=engineer, month=month)
    return veto_of(engineer, month)


def withdraw_veto(actor, engineer, month, *, now):
    """A manager above or the gm lifts a veto recorded by mistake, before the month is approved: the row is removed
    (the audit log keeps who vetoed, why, and who lifted it), the draft recomputed, the engineer told. 404 without a
    veto, 409 once approved; the engineer and the supervisor are told, as of the veto. The caller commits."""
    require_leader(actor, engineer)
    require_open_month(engineer, month, now)
    row = veto_of(engineer, month)
    if row is None:
        raise NotFound(_("%(month)s 没有一票否决", month=month), month=month)
    reason = row.reason
    db.session.delete(row)
    audit.record(actor, "score.veto_withdraw", audit.month_subject(engineer, month), reason, at=now)
    db.session.flush()
    recompute(engineer, month, now)
    notifications.notify("veto_withdrawn", [engineer, engineer.supervisor], actor, now, engineer=engineer,
                         month=month)


def record_interview(actor, engineer, month, notes, *, now):
    """A manager above records the performance interview (绩效面谈) of the month. The caller commits."""
    require_manager_above(actor, engineer)
    notes = validation.clean_text(notes, "notes", NOTES_MAX)
    require_open_month(engineer, month, now)
    interview = Interview(engineer_id=engineer.id, month=month, notes=notes, held_by_id=actor.id, held_at=now)
    db.session.add(interview)
    db.session.flush()
    audit.record(actor, "score.interview", audit.month_subject(engineer, month), f"#{interview.id}", at=now)
    db.session.flush()
    return interview


def outcome_of(engineer, month):
    return db.session.scalar(select(Outcome).where(Outcome.engineer_id == engineer.id, Outcome.month == month))


def month_template(engineer, month):
    """The parsed template of the engineer's month: the one the score used, else the one in force; None without."""
    score = score_of(engineer, month)
    if score is not None and score.template is not None:
        return score_template(score)
    try:
        return template_of_row(templates_store.template_for(engineer, month))
    except Conflict:
        return None


def outcomes_offered(engineer, month):
    """The decisions the engineer's template of the month offers from its appraisal (form 9: 转正, 续签劳动合同,
    升职, 降职, 提薪/降薪, 辞退); () for the others."""
    template = month_template(engineer, month)
    return template.outcomes if template is not None else ()


def record_outcome(actor, engineer, month, decision, detail, *, now):
    """A leader (a manager above, the gm) records what is decided from the month's appraisal, one of the outcomes
    its template offers, with its particulars (升职至 — 任 主管); `decision` None clears it. 422 for a decision the
    template does not offer, 409 once the month is approved (reopen it first). Flushes; the caller commits."""
    require_leader(actor, engineer)
    require_open_month(engineer, month, now)
    row = outcome_of(engineer, month)
    if decision is None:
        if row is not None:
            audit.record(actor, "score.outcome_clear", audit.month_subject(engineer, month), row.decision, at=now)
            db.session.delete(row)
            db.session.flush()
        return None
    offered = outcomes_offered(engineer, month)
    if not offered:
        raise Invalid.field("decision", _("本月的考核模板没有考核结果运用（如转正、续签）"))
    if decision not in offered:
        raise Invalid.field("decision", _("须为 %(v)s 之一", v=_("、").join(offered)))
    detail = validation.clean_text(detail, "detail", OUTCOME_DETAIL_MAX, required=False)
    if row is None:
        row = Outcome(engineer_id=engineer.id, month=month)
        db.session.add(row)
    row.decision, row.detail, row.recorded_by_id, row.recorded_at = decision, detail, actor.id, now
    audit.record(actor, "score.outcome", audit.month_subject(engineer, month), f"{decision} {detail or ''}".strip(), at=now)
    db.session.flush()
    return row


# ---- approving and reopening -----------------------------------------------------------------------

def _approved_already(engineer, month):
    """409 for approving a score approved already: a state, not a blocker to remove (it read "不能审批：已审批")."""
    return Conflict(_("%(name)s 的 %(month)s 考核结果已经审批过了", name=engineer.display_name, month=month),
                    month=month)


def approve_score(actor, engineer, month, *, now):
    """The gm approves the month's score: recomputed one last time, then fixed. The caller commits.

    409 when the score is not computed, the engineer is not assessed, it is approved already, or a leader review
    (when the template has a qualitative part), the interview, a hand entry the template needs, or a decision on a
    proposed adjustment is missing; the answer lists every blocker (`gaps`) and the missing entries' codes.
    """
    require_gm(actor)
    month = month_arg(month)
    _started(month, now)
    locking.lock_month(month)  # a change of the month at the same moment waits, or is waited for (tracker.locking)
    score = score_of(engineer, month)
    if score is not None and score.status == "draft":
        recompute(engineer, month, now)  # one last time, so that the blockers are those of the records as they are
        score = score_of(engineer, month)
        db.session.refresh(score)
    if score is not None and score.status == "approved":
        raise _approved_already(engineer, month)
    gaps = approval_gaps(engineer, month, score)
    if gaps:
        raise Conflict(_("不能审批：%(gaps)s", gaps=_("；").join(gaps)), gaps=gaps,
                       missing=[code for code, _name in missing_entries(score)])
    if score.total is None:
        raise Conflict(_("不能审批：总分待定"))
    approved = db.session.execute(
        update(Score).where(Score.id == score.id, Score.status == "draft")
        .values(status="approved", approved_at=now, approved_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if approved.rowcount != 1:
        raise _approved_already(engineer, month)
    _freeze_explanations(score.id)
    audit.record(actor, "score.approve", audit.month_subject(engineer, month), f"T={score.total}", at=now)
    db.session.flush()
    db.session.refresh(score)
    notifications.notify("score_approved", [engineer, engineer.supervisor], actor, now, engineer=engineer,
                         month=month, detail=str(score.total))
    return score


def _freeze_explanations(score_id):
    """An approved score's explanations are kept as they read when it was approved, in both languages: rendered
    when read, a later release's wording would change an approved month's text (逾期完工 1 单 read 逾期 1 单)."""
    lines = db.session.execute(select(ScoreLine.id, ScoreLine.message).where(
        ScoreLine.score_id == score_id, ScoreLine.message.is_not(None))).all()
    if lines:
        db.session.execute(update(ScoreLine), [
            {"id": line_id, "message": None, "explanation": render_data(message, "zh"),
             "explanation_en": render_data(message, "en")} for line_id, message in lines])


def reopen_score(actor, engineer, month, reason, *, now):
    """The gm reopens an approved score: back to draft (logged) and recomputed from the records. The caller commits."""
    require_gm(actor)
    month = month_arg(month)
    reason = validation.clean_text(reason, "reason", REASON_MAX)
    locking.lock_month(month)
    score = score_of(engineer, month)
    if score is None or score.status != "approved":
        raise Conflict(_("%(month)s 的考核结果尚未审批", month=month), month=month)
    reopened = db.session.execute(
        update(Score).where(Score.id == score.id, Score.status == "approved")
        .values(status="draft", approved_at=None, approved_by_id=None).execution_options(synchronize_session=False))
    if reopened.rowcount != 1:
        raise Conflict(_("%(month)s 的考核结果尚未审批", month=month), month=month)
    audit.record(actor, "score.reopen", audit.month_subject(engineer, month), reason, at=now)
    yearly.clear_final_periods(engineer.id, month)
    db.session.flush()
    recompute(engineer, month, now)
    notifications.notify("score_reopened", [engineer, engineer.supervisor], actor, now, engineer=engineer,
                         month=month, detail=reason)  # why: what the engineer and the manager look at again
    score = score_of(engineer, month)
    db.session.refresh(score)
    return score
