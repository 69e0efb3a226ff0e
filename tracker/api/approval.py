"""Approving monthly scores: adjustments, veto, interview, approval and reopening (CONTRACT 7 and 10)."""

from flask_login import current_user

from tracker import clock
from tracker.api import core
from tracker.api.core import bp
from tracker.api.people import text, username_in_path
from tracker.auth.access import engineer_by_username, roles
from tracker.auth.models import User
from tracker.extensions import db
from tracker.scores import approval, selfscore

NUMBER_OR_NULL = {"type": ["number", "null"]}
STATUS = {"type": "string", "enum": ["proposed", "approved", "rejected"]}

ADJUSTMENT_BODY = core.obj({"points": {"type": "number", "description": "not 0, −100 to 100, at most 2 decimals"},
                            "reason": text(approval.REASON_MAX, 1, nullable=False)}, ["points", "reason"])
ADJUSTMENT = core.obj({"id": {"type": "integer"}, "username": {"type": "string"}, "month": {"type": "string"},
                       "points": {"type": "number"}, "reason": {"type": "string"}, "status": STATUS,
                       "proposed_by": {"type": ["string", "null"]}, "decided_by": {"type": ["string", "null"]},
                       "decided_at": core.NULLABLE_DATETIME,
                       "decision_reason": {"type": ["string", "null"], "description": "why the gm rejected it"}},
                      ["id", "username", "month", "points", "reason", "status", "proposed_by", "decided_by",
                       "decided_at", "decision_reason"])
REASON_BODY = core.obj({"reason": text(approval.REASON_MAX, 1, nullable=False)}, ["reason"])
INTERVIEW_BODY = core.obj({"notes": text(approval.NOTES_MAX, 1, nullable=False)}, ["notes"])
INTERVIEW = core.obj({"id": {"type": "integer"}, "username": {"type": "string"}, "month": {"type": "string"},
                      "held_by": {"type": "string"}, "held_at": core.DATETIME},
                     ["id", "username", "month", "held_by", "held_at"])
OUTCOME_BODY = core.obj({"decision": text(40, 1), "detail": text(approval.OUTCOME_DETAIL_MAX)}, ["decision"])
OUTCOME = core.obj({"username": {"type": "string"}, "month": {"type": "string"},
                    "decision": {"type": ["string", "null"]}, "detail": {"type": ["string", "null"]},
                    "recorded_by": {"type": ["string", "null"]}, "recorded_at": core.NULLABLE_DATETIME},
                   ["username", "month", "decision", "detail", "recorded_by", "recorded_at"])
SELF_POINTS = {"type": "object", "description": "every line (indicator code) of the engineer's template in the month "
               "-> his own points, 0 to the line's maximum, at most 2 decimals",
               "additionalProperties": {"type": "number"}}
SELF_BODY = core.obj({"points": SELF_POINTS}, ["points"])
SELF_ASSESSMENT = core.obj({"username": {"type": "string"}, "month": {"type": "string"}, "points": SELF_POINTS,
                            "total": {"type": "number", "description": "what the points give, as Q is formed"},
                            "recorded_at": core.DATETIME},
                           ["username", "month", "points", "total", "recorded_at"])
SCORE_STATE = core.obj({
    "username": {"type": "string"}, "month": {"type": "string"}, "status": {"type": "string",
                                                                            "enum": ["draft", "approved"]},
    "quantitative": NUMBER_OR_NULL, "qualitative": NUMBER_OR_NULL, "adjustments": NUMBER_OR_NULL,
    "vetoed": {"type": "boolean"}, "total": NUMBER_OR_NULL, "grade": {"type": ["string", "null"]},
    "bonus": NUMBER_OR_NULL, "computed_at": core.DATETIME, "stale": {"type": "boolean"},
    "approved_at": core.NULLABLE_DATETIME, "approved_by": {"type": ["string", "null"]},
}, ["username", "month", "status", "quantitative", "qualitative", "adjustments", "vetoed", "total", "grade", "bonus",
    "computed_at", "stale", "approved_at", "approved_by"])


def _engineer(username):
    return engineer_by_username(username_in_path(username))


def _username(user_id):
    return db.session.get(User, user_id).username if user_id is not None else None


def _adjustment(adjustment, engineer):
    return {"id": adjustment.id, "username": engineer.username, "month": adjustment.month,
            "points": adjustment.points, "reason": adjustment.reason, "status": adjustment.status,
            "proposed_by": _username(adjustment.proposed_by_id), "decided_by": _username(adjustment.decided_by_id),
            "decided_at": adjustment.decided_at, "decision_reason": adjustment.decision_reason}


def _score_state(engineer, month):
    score = approval.score_of(engineer, month)
    return {"username": engineer.username, "month": month, "status": score.status,
            "quantitative": score.quantitative, "qualitative": score.qualitative, "adjustments": score.adjustments,
            "vetoed": score.vetoed, "total": score.total, "grade": score.grade, "bonus": score.bonus,
            "computed_at": score.computed_at, "stale": score.stale, "approved_at": score.approved_at,
            "approved_by": _username(score.approved_by_id)}


@bp.route("/scores/<month:month>/<username>/adjustments", methods=["POST"])
@roles("manager", "gm")
@core.answers(201, ADJUSTMENT)
@core.body(ADJUSTMENT_BODY)
def propose_adjustment(month, username, data):
    """Propose bonus or penalty points (a manager above the engineer; the gm for one without); they count once the
    gm approves them."""
    engineer = _engineer(username)
    adjustment = approval.propose_adjustment(current_user, engineer, month, data["points"], data["reason"],
                                             now=clock.now())
    core.commit()
    return core.reply(_adjustment(adjustment, engineer), 201)


def _decide(adjustment_id, approve, reason=None):
    adjustment = approval.adjustment_by_id(adjustment_id)
    adjustment = approval.decide_adjustment(current_user, adjustment, approve, now=clock.now(), reason=reason)
    core.commit()
    return core.reply(_adjustment(adjustment, db.session.get(User, adjustment.engineer_id)))


@bp.route("/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@roles("gm")
@core.answers(200, ADJUSTMENT)
def approve_adjustment(adjustment_id):
    """Approve a proposed adjustment (gm); the engineer's draft score is recomputed with it."""
    return _decide(adjustment_id, True)


@bp.route("/adjustments/<int:adjustment_id>/reject", methods=["POST"])
@roles("gm")
@core.answers(200, ADJUSTMENT)
@core.body(REASON_BODY)
def reject_adjustment(adjustment_id, data):
    """Reject a proposed adjustment (gm) with a reason, told to the proposer; it never counts."""
    return _decide(adjustment_id, False, data["reason"])


@bp.route("/adjustments/<int:adjustment_id>", methods=["DELETE"])
@roles("manager", "gm")
@core.answers(204)
def withdraw_adjustment(adjustment_id):
    """Withdraw a proposal the gm has not decided yet (a manager above the engineer; 409 once decided)."""
    approval.withdraw_adjustment(current_user, approval.adjustment_by_id(adjustment_id), now=clock.now())
    core.commit()
    return "", 204


@bp.route("/scores/<month:month>/<username>/veto", methods=["POST"])
@roles("manager", "gm")
@core.answers(200, SCORE_STATE)
@core.body(REASON_BODY)
def veto(month, username, data):
    """一票否决 (a manager above, the gm): the month's total becomes 0, with or without a review."""
    engineer = _engineer(username)
    approval.veto(current_user, engineer, month, data["reason"], now=clock.now())
    core.commit()
    return core.reply(_score_state(engineer, month))


@bp.route("/scores/<month:month>/<username>/veto", methods=["DELETE"])
@roles("manager", "gm")
@core.answers(200, SCORE_STATE)
def withdraw_veto(month, username):
    """Lift a veto recorded by mistake (a manager above, the gm) before the month is approved: the total counts
    again; 404 without a veto, 409 once approved."""
    engineer = _engineer(username)
    approval.withdraw_veto(current_user, engineer, month, now=clock.now())
    core.commit()
    return core.reply(_score_state(engineer, month))


@bp.route("/scores/<month:month>/<username>/interview", methods=["POST"])
@roles("manager", "gm")
@core.answers(201, INTERVIEW)
@core.body(INTERVIEW_BODY)
def interview(month, username, data):
    """Record the month's performance interview (绩效面谈; a manager above the engineer; the gm for one without)."""
    engineer = _engineer(username)
    row = approval.record_interview(current_user, engineer, month, data["notes"], now=clock.now())
    core.commit()
    return core.reply({"id": row.id, "username": engineer.username, "month": month,
                       "held_by": current_user.username, "held_at": row.held_at}, 201)


@bp.route("/scores/<month:month>/<username>/outcome", methods=["PUT"])
@roles("manager", "gm")
@core.answers(200, OUTCOME)
@core.body(OUTCOME_BODY)
def outcome(month, username, data):
    """Record what is decided from the month's appraisal (a manager above, the gm): one of the outcomes the
    engineer's template offers (form 9: 转正, 续签劳动合同, 升职, 降职, 提薪/降薪, 辞退) with its particulars in
    `detail`; `decision: null` clears it. 422 for a decision the template does not offer, 409 once approved."""
    engineer = _engineer(username)
    row = approval.record_outcome(current_user, engineer, month, data["decision"], data.get("detail"),
                                  now=clock.now())
    core.commit()
    return core.reply({"username": engineer.username, "month": month,
                       "decision": row.decision if row else None, "detail": row.detail if row else None,
                       "recorded_by": current_user.username if row else None,
                       "recorded_at": row.recorded_at if row else None})


@bp.route("/scores/<month:month>/<username>/self-assessment", methods=["PUT"])
@roles("engineer")
@core.answers(200, SELF_ASSESSMENT)
@core.body(SELF_BODY)
def self_assessment(month, username, data):
    """自评 (templates with a self assessment, form 7): the engineer's own points for every line of his month, shown
    beside the final score; it changes no score. 403 for anyone but the engineer, 422 for a template without one
    or a line missing, unknown or out of range, 409 once the month is approved."""
    engineer = _engineer(username)
    selfscore.record(current_user, engineer, month, data["points"], now=clock.now())
    core.commit()
    shown = selfscore.view(approval.month_template(engineer, month), engineer, month)
    return core.reply({"username": engineer.username, "month": month, "points": shown.points, "total": shown.total,
                       "recorded_at": shown.recorded_at})


@bp.route("/scores/<month:month>/<username>/approve", methods=["POST"])
@roles("gm")
@core.answers(200, SCORE_STATE)
def approve_score(month, username):
    """Approve the month's score (gm): recomputed one last time, then fixed. 409 without a leader review, without
    an interview, with adjustments still proposed, or when the score is not computed or the engineer not assessed."""
    engineer = _engineer(username)
    approval.approve_score(current_user, engineer, month, now=clock.now())
    core.commit()
    return core.reply(_score_state(engineer, month))


@bp.route("/scores/<month:month>/<username>/reopen", methods=["POST"])
@roles("gm")
@core.answers(200, SCORE_STATE)
@core.body(REASON_BODY)
def reopen_score(month, username, data):
    """Reopen an approved score (gm; logged with the reason): back to draft, recomputed from the records."""
    engineer = _engineer(username)
    approval.reopen_score(current_user, engineer, month, data["reason"], now=clock.now())
    core.commit()
    return core.reply(_score_state(engineer, month))
