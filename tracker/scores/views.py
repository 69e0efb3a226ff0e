"""Score pages (考核): the month's scores, one engineer's month, and the approval actions posted from them
(adjustments, veto, interview, approve, reopen; the gm's list of proposed adjustments)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from tracker import clock, language, nav
from tracker.auth.access import acts_as_manager, engineer_for_scores, is_leader, may_self_assess, roles
from tracker.auth import services as auth_services
from tracker.auth.models import User
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.reviews import services as reviews
from tracker.reviews.specs import entry_specs
from tracker.scores.forms import (AdjustmentForm, ConfirmForm, EarlyConfirmationForm, InterviewForm, OutcomeForm,
                                  ReopenForm,
                                  VetoForm)
from tracker.scores import approval, listing, presenter, queue, queue_views, selfscore
from tracker.scores.presenter import ADJUSTMENT_LABELS
from tracker.scores.templates_store import TemplatesInForce
from tracker.scoring.decimals import fmt
from tracker.scoring.totals import POSITIVE_CAP
from tracker.scores.services import assessed, compute_asked, is_eligible, score_history, scoring_began
from tracker.scoring.month import Month
from tracker.values import month_arg
from tracker.validation import FieldErrors, filter_errors, page_arg, put_errors

bp = Blueprint("scores", __name__)

REVIEWERS = ("engineer", "manager", "gm")
SCORE_VIEWERS = ("engineer", "manager", "gm", "admin")
MONTH_PAGE_SIZE = 50  # engineers per page of the month's scores

nav.add("scores.scores_home", _l("我的考核"), roles=("engineer",), order=40)
nav.add("scores.scores_home", lazy_pgettext("nav", "月度考核"), roles=("manager", "gm", "admin"), order=40)
nav.add("scores.pending_adjustments", lazy_pgettext("nav", "加减分审批"), roles=("gm",), order=42)

bp.add_app_template_global(presenter.score_num, "score_num")
bp.add_app_template_global(fmt, "plain_num")


def _me():
    return current_user._get_current_object()


def _neighbours(month):
    return month.previous(), month.next()


@bp.route("/scores")
@roles(*SCORE_VIEWERS)
def scores_home():
    month = request.args.get("month") or Month.of(clock.today())
    if current_user.role == "engineer":
        return redirect(url_for("scores.score_page", month=month_arg(month), username=current_user.username))
    return redirect(url_for("scores.month_page", month=month_arg(month)))


@bp.route("/scores/<month:month>")
@roles(*SCORE_VIEWERS)
def month_page(month):
    """The team's scores for a month (gm and admin: everyone); an engineer goes to their own page."""
    if current_user.role == "engineer":
        return redirect(url_for("scores.score_page", month=month, username=current_user.username))
    me = _me()
    errors, status, team, number = {}, 200, None, 1
    try:
        fields = FieldErrors()  # a team and a page that cannot be: both said at once
        with fields.check():
            team = listing.team_of(me, request.args.get("team"))
        with fields.check():
            number = page_arg(request.args.get("page"))
        fields.raise_any()
        page = listing.month_page(me, month, team=team, page=number, per_page=MONTH_PAGE_SIZE, order="name")
    except Invalid as error:  # a team or page that cannot be: said at the team's field, nobody listed
        errors, status = filter_errors(error), 422
        team, page = None, listing.ScorePage(month, [], 0, 1, MONTH_PAGE_SIZE)
    previous, following = _neighbours(month)
    today_month = Month.of(clock.today())
    # an engineer whose month was never computed (added after it was closed): the way forward is on the page
    uncomputed = _computable(month, today_month) and any(score is None and is_eligible(engineer, month)
                                            for engineer, score in page.rows)
    return render_template("scores/month.html", rows=page.rows, page=page, month=month, previous=previous,
                           errors=errors, uncomputed=uncomputed,
                           # a month never computed of someone too new to be assessed says so, as a draft would
                           not_assessed=lambda engineer: not is_eligible(engineer, month),
                           following=following, teams=listing.teams_in_scope(me), team=team,
                           status_text=presenter.status_text, today_month=today_month,
                           can_enter=current_user.role in ("manager", "gm"), takes_entries=_takes_entries(month)), status


@bp.route("/scores/<month:month>/compute", methods=["POST"])
@roles("manager", "gm", "admin")
def compute_month(month):
    """Compute the month's drafts now, as the API's compute does (a manager: the own team), from the first month
    Tracker assessed anyone in, as the page offers it (the API computes any month it is asked)."""
    began = scoring_began(Month.of(clock.today()))
    try:
        if month < began:
            raise Invalid.field("month", _("%(month)s 早于开始考核的月份（%(first)s），不计算", month=month, first=began))
        summary = compute_asked(month, clock.now(), actor=_me())
    except (Invalid, Conflict) as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("已计算 %(n)s 人的 %(month)s 草稿分数", n=summary["computed"], month=month), "success")
    return redirect(url_for("scores.month_page", month=month, team=request.form.get("team") or None))


def _takes_entries(month):
    """engineer -> whether the template in force for them in `month` takes hand entries (录入: the default one takes
    none), each template read once; one that cannot be read offers the page, which says why."""
    in_force, known = TemplatesInForce(month), {}

    def takes(engineer):
        try:
            row = in_force.row_for(engineer)
            if row.id not in known:
                known[row.id] = bool(entry_specs(in_force.parsed(row), month))
            return known[row.id]
        except Conflict:
            return True
    return takes


def _visible_engineer(username):
    return engineer_for_scores(_me(), username)


@bp.route("/scores/<month:month>/<username>")
@roles(*SCORE_VIEWERS)
def score_page(month, username):
    """One engineer's month: every indicator with value, points, explanation and the records behind it."""
    return _render_score(_visible_engineer(username), month)


def _render_score(engineer, month, forms=None, alert=None, status=200, refused=None, self_given=None):
    """The score page, with the approval forms the viewer may use (`forms` keeps submitted ones, by prefix; a refused
    self assessment's texts and errors come as `self_given`: ({code: text}, {field: message}))."""
    me = _me()
    score = reviews.month_score(engineer, month)
    template, template_name, template_version = presenter.template_of(score, engineer, month)
    lines = presenter.score_lines(score, template, reviews.metrics_of(engineer, month))
    presenter.add_record_links(lines, me, engineer, month)
    veto = approval.veto_of(engineer, month)
    adjustments = approval.adjustments_of(engineer, month)
    outcome = approval.outcome_of(engineer, month) if template is not None and template.outcomes else None
    context = _approval_context(me, engineer, month, score, veto, forms or {}, template, outcome)
    if alert is None:  # a refused form the page does not show (e.g. the month is assessed by now) says why up top
        alert = _("；").join(str(message) for prefix, form in (forms or {}).items() if prefix not in context["forms"]
                            for messages in form.errors.values() for message in messages) or None
    previous, following = _neighbours(month)
    own = selfscore.view(template, engineer, month)
    is_open = context["assessable"] and (score is None or score.status != "approved")
    return render_template(
        "scores/score.html", engineer=engineer, month=month, score=score, lines=lines,
        template_name=template_name, template_version=template_version,
        groups=presenter.qualitative(me, engineer, month), adjustments=adjustments,
        template_has_reviews=template is None or template.qualitative is not None,
        adjustment_formula=presenter.adjustment_formula(adjustments, template),
        total_formula=presenter.total_formula(score, template, engineer),
        quantitative_formula=presenter.quantitative_formula(score, template),
        veto=veto, interview=approval.latest_interview(engineer, month),
        outcome=outcome, outcome_label=template.outcome_label(outcome.decision, language.current()) if outcome else None,
        status_text=presenter.status_text, adjustment_labels=ADJUSTMENT_LABELS, previous=previous, following=following,
        # 录入 only when the month's template takes hand entries (the default one takes none: the button led to a page
        # saying so)
        can_enter=(is_leader(me, engineer) or me.role == "admin" or me.id == engineer.id)
        and (template is None or bool(entry_specs(template, month))),
        can_review=me.role in REVIEWERS and reviews.may_review(me, engineer, month), is_leader=is_leader(me, engineer),
        approval=context, alert=alert, refused=refused, computable=_computable(month), own=own, lang=language.current(),
        self_form=own is not None and is_open and may_self_assess(me, engineer), self_given=self_given or ({}, {}),
        history=presenter.history_rows(score_history(engineer, month), template)), status


def _computable(month, today_month=None):
    """Whether the viewer may compute the month's drafts from its page (立即计算): a manager, the gm or an admin,
    a month from the first Tracker assessed anyone in to the current one."""
    today_month = today_month or Month.of(clock.today())
    return current_user.role in ("manager", "gm", "admin") and scoring_began(today_month) <= month <= today_month


# ---- approval (审批): adjustments, veto, interview, approve, reopen ---------------------------------

APPROVAL_FORMS = {"adj": AdjustmentForm, "veto": VetoForm, "interview": InterviewForm, "reopen": ReopenForm,
                  "early": EarlyConfirmationForm, "outcome": OutcomeForm}


def _approval_context(me, engineer, month, score, veto, forms, template=None, outcome=None):
    """Which approval forms the viewer sees on the score page, and what still blocks approving the score."""
    current_or_past = month <= Month.of(clock.today())
    assessable = current_or_past and assessed(engineer, month, score)
    is_open = assessable and (score is None or score.status != "approved")
    manager_above = acts_as_manager(me, engineer)
    gm = me.role == "gm"
    offered = template.outcomes if template is not None else ()
    shown = {"adj": is_open and manager_above, "veto": is_open and veto is None and (manager_above or gm),
             "interview": is_open and manager_above, "reopen": gm and score is not None and score.status == "approved",
             "early": manager_above and current_or_past and not assessable,
             "outcome": is_open and bool(offered) and is_leader(me, engineer)}
    built = {prefix: forms.get(prefix) or APPROVAL_FORMS[prefix](formdata=None, prefix=prefix)
             for prefix, visible in shown.items() if visible}
    if "outcome" in built:
        built["outcome"].decision.choices = [("", _("不作决定"))] + [
            (name, template.outcome_label(name, language.current())) for name in offered]
        if outcome is not None and "outcome" not in forms:  # the recorded one, unless a refused form is shown
            built["outcome"].decision.data, built["outcome"].detail.data = outcome.decision, outcome.detail
    cap = template.positive_cap if template is not None else POSITIVE_CAP
    if "adj" in built and cap is not None:  # a proposal above the cap says so before the gm approves it
        built["adj"].points.description = _("加分填正数，减分填负数，如 5 或 -3；总经理批准后计入，当月加分合计最多计 "
                                            "%(cap)s 分", cap=fmt(cap))
    if "early" in built and built["early"].from_month.data is None:
        # the month on screen is the likely start, or the first the rule allows (three months of service)
        built["early"].from_month.data = str(max(month, auth_services.earliest_confirmation(engineer) or month))
    return {"forms": built, "gm": gm, "decide": gm and is_open, "assessable": assessable,
            "current_or_past": current_or_past,
            "lift_veto": is_open and veto is not None and (manager_above or gm),
            "approve": gm and score is not None and score.status == "draft" and score.eligible,
            "gaps": approval.approval_gaps(engineer, month, score) if gm and score is not None else [],
            "interview_notes": is_leader(me, engineer) or me.role == "admin"}


def _score_action(month, username, prefix, authorise, act, done):
    """Run an approval action posted from the score page: 422 with the form's messages, 409 as an alert."""
    engineer = _visible_engineer(username)
    authorise(_me(), engineer)
    form = APPROVAL_FORMS[prefix](prefix=prefix) if prefix else ConfirmForm()
    if not form.validate_on_submit():
        return _render_score(engineer, month, forms={prefix: form} if prefix else None,
                             alert=_("请求已过期，请刷新页面后重试") if not prefix else None, status=422)
    try:
        act(engineer, form)
    except (Invalid, Conflict) as error:
        db.session.rollback()
        alert = put_errors(form, error) if isinstance(error, Invalid) else error.message
        return _render_score(engineer, month, forms={prefix: form} if prefix else None, alert=alert,
                             status=error.status)
    db.session.commit()
    flash(done(engineer) if callable(done) else done, "success")
    return redirect(url_for("scores.score_page", month=month, username=engineer.username))


@bp.route("/scores/<month:month>/<username>/adjustments", methods=["POST"])
@roles("manager", "gm")
def propose_adjustment(month, username):
    """A manager above proposes bonus or penalty points (they count once the gm approves them)."""
    return _score_action(month, username, "adj", approval.require_manager_above,
                         lambda engineer, form: approval.propose_adjustment(
                             _me(), engineer, month, form.points.data, form.reason.data, now=clock.now()),
                         _("已提交加减分，等待总经理审批"))


@bp.route("/scores/<month:month>/<username>/veto", methods=["POST"])
@roles("manager", "gm")
def veto_score(month, username):
    """一票否决 by a manager above or the gm."""
    return _score_action(month, username, "veto", approval.require_leader,
                         lambda engineer, form: approval.veto(_me(), engineer, month, form.reason.data,
                                                              now=clock.now()),
                         _("已一票否决，本月总分为 0"))


@bp.route("/scores/<month:month>/<username>/veto/withdraw", methods=["POST"])
@roles("manager", "gm")
def withdraw_veto(month, username):
    """A manager above or the gm lifts a veto recorded by mistake."""
    return _score_action(month, username, None, approval.require_leader,
                         lambda engineer, form: approval.withdraw_veto(_me(), engineer, month, now=clock.now()),
                         _("已撤回一票否决，总分按数据重新计算"))


@bp.route("/scores/<month:month>/<username>/interview", methods=["POST"])
@roles("manager", "gm")
def record_interview(month, username):
    """A manager above records the month's performance interview."""
    return _score_action(month, username, "interview", approval.require_manager_above,
                         lambda engineer, form: approval.record_interview(_me(), engineer, month, form.notes.data,
                                                                          now=clock.now()),
                         _("已记录绩效面谈"))


@bp.route("/scores/<month:month>/<username>/outcome", methods=["POST"])
@roles("manager", "gm")
def record_outcome(month, username):
    """A leader records what is decided from the month's appraisal (templates with outcomes, form 9)."""
    return _score_action(month, username, "outcome", approval.require_leader,
                         lambda engineer, form: approval.record_outcome(
                             _me(), engineer, month, form.decision.data or None, form.detail.data, now=clock.now()),
                         _("已记录考核结果运用"))


@bp.route("/scores/<month:month>/<username>/self-assessment", methods=["POST"])
@roles("engineer")
def self_assessment(month, username):
    """自评 (form 7): the engineer's own points for each line, posted from his score page (fields `points-<code>`)."""
    engineer = _visible_engineer(username)
    given = {key[len("points-"):]: value for key, value in request.form.items() if key.startswith("points-")}
    try:
        selfscore.record(_me(), engineer, month, given, now=clock.now(), text=True)
    except (Invalid, Conflict) as error:
        db.session.rollback()
        errors = {field.removeprefix("points."): message for field, message in getattr(error, "fields", {}).items()}
        return _render_score(engineer, month, alert=error.message, status=error.status, self_given=(given, errors))
    db.session.commit()
    flash(_("已保存自评"), "success")
    return redirect(url_for("scores.score_page", month=month, username=engineer.username) + "#self-assessment")


@bp.route("/scores/<month:month>/<username>/early-confirmation", methods=["POST"])
@roles("manager", "gm")
def early_confirmation(month, username):
    """提前转正: a manager above records that the engineer is assessed from a month on, through the same user service
    as the API (which checks the month and the three months of service); clearing it is the admin's user form."""
    return _score_action(month, username, "early", approval.require_manager_above,
                         lambda engineer, form: auth_services.change_user(
                             _me(), engineer, {"early_confirmation_month": form.from_month.data.strip()}),
                         lambda engineer: _("已记录 %(name)s 自 %(month)s 起提前转正", name=engineer.display_name,
                                            month=engineer.early_confirmation_month))


@bp.route("/scores/<month:month>/<username>/approve", methods=["POST"])
@roles("gm")
def approve_score(month, username):
    """The gm approves the month's score: recomputed one last time, then fixed."""
    return _score_action(month, username, None, lambda me, engineer: approval.require_gm(me),
                         lambda engineer, form: _approve_shown(engineer, month),
                         lambda engineer: _("考核结果已审批：总分 %(total)s（按审批时的数据重新计算）",
                                            total=presenter.score_num(approval.score_of(engineer, month).total)))


def _approve_shown(engineer, month):
    """Approve the total the page showed (when it says so); a refusal keeps what was recomputed of a stale draft,
    so that the page then shows its new total (rolled back, every later try was refused the same way)."""
    shown = queue.shown_total(request.form["seen"]) if "seen" in request.form else queue.UNSEEN
    try:
        return queue.approve_seen(_me(), engineer, month, clock.now(), shown)
    except Conflict:
        db.session.commit()  # the approval itself went with its savepoint
        raise


@bp.route("/scores/<month:month>/<username>/reopen", methods=["POST"])
@roles("gm")
def reopen_score(month, username):
    """The gm reopens an approved score (logged with the reason)."""
    return _score_action(month, username, "reopen", lambda me, engineer: approval.require_gm(me),
                         lambda engineer, form: approval.reopen_score(_me(), engineer, month, form.reason.data,
                                                                      now=clock.now()),
                         _("已重新打开，考核结果恢复为草稿"))


def _render_pending(alert=None, status=200, refused=None):
    return render_template("scores/adjustments.html", rows=approval.pending_adjustments(), alert=alert,
                           refused=refused, is_eligible=is_eligible), status


@bp.route("/scores/adjustments")
@roles("gm")
def pending_adjustments():
    """The gm's list of proposed adjustments awaiting a decision."""
    return _render_pending()


def _decide(adjustment_id, approve):
    adjustment = approval.adjustment_by_id(adjustment_id)
    engineer = db.session.get(User, adjustment.engineer_id)
    month = adjustment.month
    from_list = request.form.get("back") == "list"
    if not ConfirmForm().validate_on_submit():
        raise Invalid(_("请求已过期，请刷新页面后重试"))
    try:
        approval.decide_adjustment(_me(), adjustment, approve, now=clock.now(), reason=request.form.get("reason"))
    except (Conflict, Invalid) as error:
        db.session.rollback()
        alert, refused = error.message, None
        if "reason" in error.fields:  # the reason comes back as typed, its message under it
            alert = _("驳回理由：%(problem)s", problem=error.message)
            refused = {"id": adjustment.id, "reason": request.form.get("reason") or "", "message": error.message}
        if from_list:
            return _render_pending(alert, error.status, refused)
        if request.form.get("back") == "queue":
            if refused:  # the queue again, the reason as typed at its row
                return queue_views.render_queue(month, alert, error.status, refused)
            flash(alert, "error")  # said on the queue, at the engineer's row, as a success is
            return redirect(url_for("queue.approvals", month=month) + f"#row-{engineer.username}")
        return _render_score(engineer, month, alert=alert, status=error.status, refused=refused)
    db.session.commit()
    flash(_("已批准加减分") if approve else _("已驳回加减分"), "success")
    if request.form.get("back") == "queue":
        return redirect(url_for("queue.approvals", month=month) + f"#row-{engineer.username}")
    if from_list:
        return redirect(url_for("scores.pending_adjustments"))
    return redirect(url_for("scores.score_page", month=month, username=engineer.username))


@bp.route("/adjustments/<int:adjustment_id>/withdraw", methods=["POST"])
@roles("manager", "gm")
def withdraw_adjustment(adjustment_id):
    """A manager above withdraws a proposal the gm has not decided yet."""
    adjustment = approval.adjustment_by_id(adjustment_id)
    engineer = db.session.get(User, adjustment.engineer_id)
    month = adjustment.month
    return _score_action(month, engineer.username, None, approval.require_manager_above,
                         lambda engineer, form: approval.withdraw_adjustment(_me(), adjustment, now=clock.now()),
                         _("已撤回加减分"))


@bp.route("/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@roles("gm")
def approve_adjustment(adjustment_id):
    return _decide(adjustment_id, True)


@bp.route("/adjustments/<int:adjustment_id>/reject", methods=["POST"])
@roles("gm")
def reject_adjustment(adjustment_id):
    return _decide(adjustment_id, False)
