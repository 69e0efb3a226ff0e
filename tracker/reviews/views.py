"""Reviews (评价), score pages (考核) and their approval actions; hand entries are in entry_views, template pages in
template_views (the same blueprint)."""

import json
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from tracker import clock, nav
from tracker.auth.access import engineer_by_username, engineer_for_scores, is_leader, is_manager_above, roles
from tracker.auth.models import User
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.reports import listing
from tracker.reports.models import KpiTemplate
from tracker.reports.services import is_eligible
from tracker.reviews import approval, services
from tracker.reviews.levels import levels_of
from tracker.reviews.forms import (GROUP_LABELS, SCALE_HINT, AdjustmentForm, ConfirmForm, InterviewForm, ReopenForm,
                                   ReviewForm, VetoForm)
from tracker.reviews.models import Adjustment, Interview, Veto
from tracker.scoring.decimals import fmt, fmt_pct, mean, round2
from tracker.scoring.errors import TemplateError
from tracker.scoring.template import load_template
from tracker.workorders.models import Complaint, Survey, WorkOrder
from tracker.scoring.month import Month
from tracker.values import month_arg
from tracker.validation import put_errors

bp = Blueprint("reviews", __name__)

REVIEWERS = ("engineer", "manager", "gm")
SCORE_VIEWERS = ("engineer", "manager", "gm", "admin")
ATTENDANCE_RECORDERS = ("backoffice", "manager", "admin")  # who may open the attendance grid
MONTH_PAGE_SIZE = 50  # engineers per page of the month's scores

nav.add("reviews.scores_home", _l("我的考核"), roles=("engineer",), order=40)
nav.add("reviews.scores_home", _l("月度考核"), roles=("manager", "gm", "admin"), order=40)
nav.add("reviews.index", _l("评价"), roles=REVIEWERS, order=41)
nav.add("reviews.templates_admin", _l("考核模板"), roles=("admin",), order=83)
nav.add("reviews.pending_adjustments", _l("加减分审批"), roles=("gm",), order=42)

STATUS_LABELS = {"draft": _l("草稿"), "approved": _l("已审批")}
ADJUSTMENT_LABELS = {"proposed": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回")}
ATTENDANCE_WORDS = {"late": (_l("迟到"), _l("次")), "early_leave": (_l("早退"), _l("次")),
                    "absent": (_l("旷工"), _l("天")), "personal_leave": (_l("事假"), _l("天")),
                    "sick_leave": (_l("病假"), _l("天")), "annual_leave": (_l("年假"), _l("天")),
                    "business_trip": (_l("出差"), _l("天")), "present": (_l("出勤"), _l("天"))}
SOURCE_LABELS = {"attendance": _l("考勤记录"), "field_hours": _l("行程表外勤工时"), "response": _l("工单响应时间"),
                 "on_time": _l("工单截止时间"), "rework": _l("返修工单"), "satisfaction": _l("满意度调查与投诉"),
                 "expense": _l("费用与外勤工时"), "complaints": _l("投诉处理结果"), "metric": _l("每月录入（计划/实际）"),
                 "incidents": _l("事件记录"), "rating": _l("人工评分")}
RULE_LABELS = {"band": _l("分档"), "linear": _l("按比例"), "deduction": _l("扣分"), "stepped": _l("按次数分段扣分"),
               "allowance": _l("允许范围内不扣分"), "range": _l("区间"), "rating": _l("等级评价"),
               "manual": _l("直接打分"), "sum": _l("分项合计")}


def _lang():
    return "en" if str(get_locale()).startswith("en") else "zh"


def _me():
    return current_user._get_current_object()


def _neighbours(month):
    return month.previous(), month.next()


def _num(value):
    """A stored score for a table cell: 2 decimals, or a dash."""
    return "—" if value is None else str(round2(Decimal(value)))


@bp.app_template_global()
def score_num(value):
    return _num(value)


bp.add_app_template_global(levels_of, "criterion_levels")


# ---- reviews (评价) ---------------------------------------------------------------------------------

@bp.route("/reviews")
@roles(*REVIEWERS)
def index():
    """Whom the current user can review this month: self, the team (managers, gm), peers (engineers)."""
    month = month_arg(request.args.get("month") or Month.of(clock.today()))
    me = _me()
    rows = []
    for engineer, review in services.reviewable(me, month):
        group = "self" if engineer.id == me.id else "leader" if me.role in ("manager", "gm") else "peer"
        score = services.rater_score(services.review_ratings(review)) if review is not None else None
        rows.append({"engineer": engineer, "group": group, "review": review, "score": score})
    previous, following = _neighbours(month)
    return render_template("reviews/index.html", rows=rows, month=month, previous=previous, following=following,
                           group_labels=GROUP_LABELS, today_month=Month.of(clock.today()))


def _render_review(form, engineer, month, group, review=None, alert=None, status=200):
    locked = _locked(engineer, month)
    return render_template("reviews/form.html", form=form, engineer=engineer, month=month, group=group,
                           group_label=GROUP_LABELS[group], review=review, alert=alert, locked=locked,
                           hint=SCALE_HINT, score=services.rater_score(services.review_ratings(review))
                           if review is not None else None), status


def _locked(engineer, month):
    score = services.month_score(engineer, month)
    return score is not None and score.status == "approved"


@bp.route("/reviews/<month:month>/<username>", methods=["GET", "POST"])
@roles(*REVIEWERS)
def review(month, username):
    """The seven-criteria review form; the group (self, leader, peer) follows from who is rating."""
    engineer = engineer_by_username(username)
    me = _me()
    group = services.rater_group(me, engineer)
    existing = next((r for r, rater in services.reviews_of(engineer, month) if rater.id == me.id), None)
    form = ReviewForm()
    if request.method == "GET":
        if existing is not None:
            for code, value in services.review_ratings(existing).items():
                if code in form:
                    form[code].data = value
            form.comment.data = existing.comment
        return _render_review(form, engineer, month, group, existing)
    if not form.validate_on_submit():
        return _render_review(form, engineer, month, group, existing, status=422)
    try:
        saved = services.save_review(me, engineer, month, form.ratings(), form.comment.data, now=clock.now())
    except Invalid as error:
        db.session.rollback()
        return _render_review(form, engineer, month, group, existing, put_errors(form, error), 422)
    except Conflict as error:
        db.session.rollback()
        return _render_review(form, engineer, month, group, existing, error.message, 409)
    db.session.commit()
    flash(_("已保存对 %(name)s 的%(group)s：%(score)s 分", name=engineer.display_name,
            group=GROUP_LABELS[saved.group], score=fmt(services.rater_score(services.review_ratings(saved)))),
          "success")
    return redirect(url_for("reviews.index", month=month))


# ---- scores (考核) ----------------------------------------------------------------------------------

@bp.route("/scores")
@roles(*SCORE_VIEWERS)
def scores_home():
    month = request.args.get("month") or Month.of(clock.today())
    if current_user.role == "engineer":
        return redirect(url_for("reviews.score_page", month=month_arg(month), username=current_user.username))
    return redirect(url_for("reviews.month_page", month=month_arg(month)))


@bp.route("/scores/<month:month>")
@roles(*SCORE_VIEWERS)
def month_page(month):
    """The team's scores for a month (gm and admin: everyone); an engineer goes to their own page."""
    if current_user.role == "engineer":
        return redirect(url_for("reviews.score_page", month=month, username=current_user.username))
    me = _me()
    team = listing.team_of(me, request.args.get("team"))
    page = listing.month_page(me, month, team=team, page=listing.page_number(request.args.get("page")),
                              per_page=MONTH_PAGE_SIZE, order="name")
    previous, following = _neighbours(month)
    return render_template("scores/month.html", rows=page.rows, page=page, month=month, previous=previous,
                           following=following, teams=services.teams_in_scope(me), team=team,
                           status_labels=STATUS_LABELS, today_month=Month.of(clock.today()),
                           can_enter=current_user.role in ("manager", "gm"))


def _visible_engineer(username):
    return engineer_for_scores(_me(), username)


def _template_of(score, engineer, month):
    """(Template or None, name, version) of the template a score used, else the one in force for the month."""
    data = None
    if score is not None and score.template_id is not None:
        row = db.session.get(KpiTemplate, score.template_id)
        if row is not None:
            data = json.loads(row.body)
    if data is None:
        data = services.current_template_dict(engineer, month)
    if data is None:
        return None, None, None
    try:
        template = load_template(data)
    except TemplateError:
        return None, data.get("name"), data.get("version")
    return template, template.name.get(_lang()), template.version


def _parse_value(text):
    if text is None:
        return None
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError:
        return text
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def _value_kind(template, code, value, metric_rows):
    """How to show an indicator's measured value: share, hours, counts, points, count or a plain number."""
    indicator = next((i for i in template.indicators if i.code == code), None) if template else None
    if indicator is not None and indicator.node.source is not None:
        kind, rule = indicator.node.source.kind, indicator.node.rule
        if kind in ("response", "satisfaction", "complaints", "expense"):
            return "share"
        if kind in ("field_hours", "attendance", "on_time", "rework", "incidents"):
            return {"field_hours": "hours", "attendance": "counts", "on_time": "late",
                    "rework": "units", "incidents": "events"}[kind]
        if kind == "rating":
            return "share" if rule == "rating" else "points"
        if kind == "metric":
            return "share" if any(row.plan is not None for row in metric_rows) else "number"
    if isinstance(value, dict):
        return "counts"
    return {"field_hours": "hours", "response": "share", "satisfaction": "share", "expense": "share",
            "on_time": "late", "rework_external": "units", "rework_internal": "units"}.get(code, "number")


def format_value(value, kind):
    """An indicator's value in words: 95%, 86.5 小时, 迟到 2 次、事假 1 天, 2 单逾期 …"""
    if value is None or value == "":
        return "—"
    if kind == "counts" and isinstance(value, dict):
        parts = []
        for status, count in value.items():
            if not count or status == "present":
                continue
            label, unit = ATTENDANCE_WORDS.get(status, (status, ""))
            parts.append(_("%(label)s %(n)s %(unit)s", label=label, n=count, unit=unit))
        return _("、").join(parts) if parts else _("全勤")
    if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
        return str(value)
    value = Decimal(value)
    if not value.is_finite():
        return "∞"
    if kind == "share":
        return f"{fmt_pct(value)}%"
    if kind == "hours":
        return _("%(h)s 小时", h=fmt(value))
    if kind == "late":
        return _("逾期 %(n)s 单", n=fmt(value))
    if kind == "units":
        return _("返修 %(n)s 单", n=fmt(value))
    if kind == "events":
        return _("%(n)s 次", n=fmt(value))
    if kind == "points":
        return _("%(n)s 分", n=fmt(value))
    return fmt(value)


def _record_links(lines, engineer, month):
    """Per line, links to the records behind it (work orders, attendance, surveys, complaints, entries).

    A fixed number of queries whatever the number of lines or records.
    """
    ids = {}
    for line in lines:
        for table, row_ids in (line["record_ids"] or {}).items():
            ids.setdefault(table, set()).update(i for i in row_ids if isinstance(i, int))
    surveys = dict(db.session.execute(select(Survey.id, Survey.work_order_id)
                                      .where(Survey.id.in_(ids["surveys"]))).all()) if ids.get("surveys") else {}
    complaints = dict(db.session.execute(select(Complaint.id, Complaint.work_order_id)
                                         .where(Complaint.id.in_(ids["complaints"]))).all()) \
        if ids.get("complaints") else {}
    order_ids = ids.get("work_orders", set()) | set(surveys.values()) | {i for i in complaints.values() if i}
    numbers = dict(db.session.execute(select(WorkOrder.id, WorkOrder.number)
                                      .where(WorkOrder.id.in_(order_ids))).all()) if order_ids else {}
    entries = url_for("reviews.entries", month=month, username=engineer.username)
    if current_user.role in ATTENDANCE_RECORDERS:
        attendance = url_for("attendance.grid", month=month)
    else:
        attendance = url_for("itinerary.month", username=engineer.username, month=month)
    for line in lines:
        links = []
        for table, row_ids in (line["record_ids"] or {}).items():
            for row_id in row_ids:
                if table == "work_orders" and row_id in numbers:
                    links.append((numbers[row_id], url_for("workorders.detail", order_id=row_id)))
                elif table == "surveys" and surveys.get(row_id) in numbers:
                    order = surveys[row_id]
                    links.append((_("调查 %(n)s", n=numbers[order]), url_for("workorders.detail", order_id=order)))
                elif table == "complaints":
                    order = complaints.get(row_id)
                    if order in numbers:
                        links.append((_("投诉 %(n)s", n=numbers[order]), url_for("workorders.detail",
                                                                                 order_id=order)))
                    elif current_user.role != "engineer":
                        links.append((_("投诉 #%(id)s", id=row_id), url_for("workorders.complaints")))
                elif table == "incidents":
                    links.append((_("事件 #%(id)s", id=row_id), f"{entries}#incident-{row_id}"))
                elif table == "metric_entries":
                    links.append((_("录入 #%(id)s", id=row_id), f"{entries}#metric-{row_id}"))
                elif table == "ratings":
                    links.append((_("评分 #%(id)s", id=row_id), f"{entries}#rating-{row_id}"))
            if table == "attendance_days" and row_ids:
                links.append((_("考勤记录（%(n)s 天）", n=len(row_ids)), attendance))
        line["links"] = links


def _qualitative(viewer, engineer, month):
    """Groups with their mean and raters; rater names only for a leader or admin (peers stay anonymous)."""
    named = viewer.role == "admin" or is_leader(viewer, engineer)
    groups = {}
    for review, rater in services.reviews_of(engineer, month):
        score = services.rater_score(services.review_ratings(review))
        groups.setdefault(review.group, []).append({
            "name": rater.display_name if named or rater.id == viewer.id else None, "score": score,
            "comment": review.comment if named or rater.id == viewer.id else None})
    return [{"group": group, "label": GROUP_LABELS[group], "raters": groups[group],
             "mean": mean(r["score"] for r in groups[group])}
            for group in ("leader", "peer", "self") if group in groups]


@bp.route("/scores/<month:month>/<username>")
@roles(*SCORE_VIEWERS)
def score_page(month, username):
    """One engineer's month: every indicator with value, points, explanation and the records behind it."""
    return _render_score(_visible_engineer(username), month)


def _render_score(engineer, month, forms=None, alert=None, status=200):
    """The score page, with the approval forms the viewer may use (`forms` keeps submitted ones, by prefix)."""
    score = services.month_score(engineer, month)
    template, template_name, template_version = _template_of(score, engineer, month)
    metric_rows = services.metrics_of(engineer, month)
    lang = _lang()
    lines = []
    for line in (score.lines if score is not None else []):
        value = _parse_value(line.value)
        record_ids = json.loads(line.record_ids) if line.record_ids else {}
        lines.append({
            "code": line.code, "name": (line.name_en or line.name) if lang == "en" else line.name,
            "applies": line.applies, "missing": line.missing,
            "value": format_value(value, _value_kind(template, line.code, value, metric_rows)),
            "points": line.points, "max_points": line.max_points,
            "explanation": (line.explanation_en or line.explanation) if lang == "en" else line.explanation,
            "record_ids": record_ids,
        })
    _record_links(lines, engineer, month)
    adjustments = db.session.scalars(select(Adjustment).where(Adjustment.engineer_id == engineer.id,
                                                              Adjustment.month == month)
                                     .order_by(Adjustment.proposed_at)).all()
    veto = db.session.scalar(select(Veto).where(Veto.engineer_id == engineer.id, Veto.month == month))
    interview = db.session.scalar(select(Interview).where(Interview.engineer_id == engineer.id,
                                                          Interview.month == month)
                                  .order_by(Interview.held_at.desc()).limit(1))
    me = _me()
    previous, following = _neighbours(month)
    return render_template(
        "scores/score.html", engineer=engineer, month=month, score=score, lines=lines,
        template_name=template_name, template_version=template_version,
        groups=_qualitative(me, engineer, month), adjustments=adjustments, veto=veto, interview=interview,
        status_labels=STATUS_LABELS, adjustment_labels=ADJUSTMENT_LABELS, previous=previous, following=following,
        can_enter=is_leader(me, engineer) or me.role == "admin" or me.id == engineer.id,
        can_review=me.role in REVIEWERS, is_leader=is_leader(me, engineer),
        approval=_approval_context(me, engineer, month, score, veto, forms or {}), alert=alert), status


# ---- approval (审批): adjustments, veto, interview, approve, reopen ---------------------------------

APPROVAL_FORMS = {"adj": AdjustmentForm, "veto": VetoForm, "interview": InterviewForm, "reopen": ReopenForm}


def _approval_context(me, engineer, month, score, veto, forms):
    """Which approval forms the viewer sees on the score page, and what still blocks approving the score."""
    assessable = month <= Month.of(clock.today()) and (score.eligible if score is not None
                                                        else is_eligible(engineer, month))
    is_open = assessable and (score is None or score.status != "approved")
    manager_above = is_manager_above(me, engineer)
    gm = me.role == "gm"
    shown = {"adj": is_open and manager_above, "veto": is_open and veto is None and (manager_above or gm),
             "interview": is_open and manager_above, "reopen": gm and score is not None and score.status == "approved"}
    built = {prefix: forms.get(prefix) or APPROVAL_FORMS[prefix](formdata=None, prefix=prefix)
             for prefix, visible in shown.items() if visible}
    return {"forms": built, "gm": gm, "decide": gm and is_open,
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
    flash(done, "success")
    return redirect(url_for("reviews.score_page", month=month, username=engineer.username))


@bp.route("/scores/<month:month>/<username>/adjustments", methods=["POST"])
@roles("manager")
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


@bp.route("/scores/<month:month>/<username>/interview", methods=["POST"])
@roles("manager")
def record_interview(month, username):
    """A manager above records the month's performance interview."""
    return _score_action(month, username, "interview", approval.require_manager_above,
                         lambda engineer, form: approval.record_interview(_me(), engineer, month, form.notes.data,
                                                                          now=clock.now()),
                         _("已记录绩效面谈"))


@bp.route("/scores/<month:month>/<username>/approve", methods=["POST"])
@roles("gm")
def approve_score(month, username):
    """The gm approves the month's score: recomputed one last time, then fixed."""
    return _score_action(month, username, None, lambda me, engineer: approval.require_gm(me),
                         lambda engineer, form: approval.approve_score(_me(), engineer, month, now=clock.now()),
                         _("考核结果已审批"))


@bp.route("/scores/<month:month>/<username>/reopen", methods=["POST"])
@roles("gm")
def reopen_score(month, username):
    """The gm reopens an approved score (logged with the reason)."""
    return _score_action(month, username, "reopen", lambda me, engineer: approval.require_gm(me),
                         lambda engineer, form: approval.reopen_score(_me(), engineer, month, form.reason.data,
                                                                      now=clock.now()),
                         _("已重新打开，考核结果恢复为草稿"))


def _render_pending(alert=None, status=200):
    return render_template("scores/adjustments.html", rows=approval.pending_adjustments(), alert=alert), status


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
        approval.decide_adjustment(_me(), adjustment, approve, now=clock.now())
    except Conflict as error:
        db.session.rollback()
        if from_list:
            return _render_pending(error.message, error.status)
        return _render_score(engineer, month, alert=error.message, status=error.status)
    db.session.commit()
    flash(_("已批准加减分") if approve else _("已驳回加减分"), "success")
    if request.form.get("back") == "queue":
        return redirect(url_for("queue.approvals", month=month) + f"#row-{engineer.username}")
    if from_list:
        return redirect(url_for("reviews.pending_adjustments"))
    return redirect(url_for("reviews.score_page", month=month, username=engineer.username))


@bp.route("/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@roles("gm")
def approve_adjustment(adjustment_id):
    return _decide(adjustment_id, True)


@bp.route("/adjustments/<int:adjustment_id>/reject", methods=["POST"])
@roles("gm")
def reject_adjustment(adjustment_id):
    return _decide(adjustment_id, False)
