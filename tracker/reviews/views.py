"""Reviews (评价): whom the current user can review this month, and the review form of the template's criteria.
Hand entries are in entry_views, KPI template pages in template_views (the same blueprint); score pages in
tracker/scores/views.py."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from tracker import language
from tracker import clock, nav
from tracker.auth.access import engineer_by_username, roles
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.reviews import requests, services
from tracker.reviews.levels import levels_of
from tracker.reviews.forms import GROUP_LABELS, review_form, scale_hint
from tracker.scores import approval
from tracker.scoring.decimals import fmt
from tracker.scoring.month import Month
from tracker.values import month_arg
from tracker.validation import put_errors

bp = Blueprint("reviews", __name__)

REVIEWERS = ("engineer", "manager", "gm")

nav.add("reviews.index", _l("评价"), roles=REVIEWERS, order=41)
nav.add("reviews.templates_admin", lazy_pgettext("nav", "考核模板"), roles=("admin",), order=83)


def _me():
    return current_user._get_current_object()


def _neighbours(month):
    return month.previous(), month.next()


bp.add_app_template_global(levels_of, "criterion_levels")


# ---- reviews (评价) ---------------------------------------------------------------------------------

@bp.route("/reviews")
@roles(*REVIEWERS)
def index():
    """Whom the current user can review this month: self, the team (managers, gm), peers (engineers)."""
    month = month_arg(request.args.get("month") or Month.of(clock.today()))
    me = _me()
    template_for = services.templates_of(month)
    rows = []
    reviewable = services.reviewable(me, month)
    statuses = services.month_statuses([engineer for engineer, _review in reviewable], month)
    asked = requests.asked_of(me, month)
    leaders = services.leader_reviews([engineer for engineer, _review in reviewable], month)
    for engineer, review in reviewable:
        group = "self" if engineer.id == me.id else "leader" if me.role in ("manager", "gm") else "peer"
        if group == "peer" and statuses[engineer.id] == "not_assessed" and review is None:
            continue  # nothing to review, and a colleague's hire date or confirmation is none of a peer's business
        template = template_for(engineer)
        spec = services.review_spec_of(template)
        score = services.counted_score(review, spec) if review is not None else None
        # another leader's review that counts, by the rule the approval waits on (its 缺少领导评价)
        led_by_another = approval.counts_as_leader_review(
            [other.ratings for other in leaders.get(engineer.id, ()) if other.rater_id != me.id], template)
        rows.append({"engineer": engineer, "group": group, "review": review, "score": score,
                     "open": services.takes_review(spec, group), "status": statuses[engineer.id],
                     # the template's lines this rater rates by hand (form 9), on the entries page
                     "rates_lines": services.rates_lines(template, group),
                     # owed: one's own, a leader's while no other leader's counts (one is enough: the gm and a
                     # manager above a sub-manager saw every engineer 待评), or a peer review a manager asked for
                     "led": group == "leader" and led_by_another,
                     "owed": group == "self" or (group == "leader" and not led_by_another) or engineer.id in asked})
    previous, following = _neighbours(month)
    return render_template("reviews/index.html", rows=rows, month=month, previous=previous, following=following,
                           group_labels=GROUP_LABELS, today_month=Month.of(clock.today()),
                           not_begun=month > Month.of(clock.today()))


def _render_review(form, engineer, month, group, spec, review=None, alert=None, status=200):
    locked = _locked(engineer, month)
    score = services.counted_score(review, spec) if review is not None else None
    return render_template("reviews/form.html", form=form, engineer=engineer, month=month, group=group,
                           group_label=GROUP_LABELS[group], review=review, alert=alert, locked=locked,
                           not_begun=month_arg(month) > Month.of(clock.today()),  # said before anything is rated
                           hint=scale_hint(spec), levels_shown=spec.scale_max == 5, score=score), status


def _locked(engineer, month):
    score = services.month_score(engineer, month)
    return score is not None and score.status == "approved"


@bp.route("/reviews/<month:month>/<username>", methods=["GET", "POST"])
@roles(*REVIEWERS)
def review(month, username):
    """The review form of the template's criteria; the group (self, leader, peer) follows from who is rating; 403
    when the engineer's template takes no review from that group."""
    engineer = engineer_by_username(username)
    me = _me()
    group, spec = services.review_terms(me, engineer, month)
    existing = next((r for r, rater in services.reviews_of(engineer, month) if rater.id == me.id), None)
    form = review_form(spec, language.current())
    if request.method == "GET":
        if existing is not None:
            for code, value in services.review_ratings(existing).items():
                if code in form.codes:
                    form[code].data = value
            form.comment.data = existing.comment
        return _render_review(form, engineer, month, group, spec, existing)
    if not form.validate_on_submit():  # said above the form too, as every form of the app does
        return _render_review(form, engineer, month, group, spec, existing, _("请检查标出的栏目"), status=422)
    try:
        saved = services.save_review(me, engineer, month, form.ratings(), form.comment.data, now=clock.now())
    except Invalid as error:
        db.session.rollback()
        return _render_review(form, engineer, month, group, spec, existing, put_errors(form, error), 422)
    except Conflict as error:
        db.session.rollback()
        return _render_review(form, engineer, month, group, spec, existing, error.message, 409)
    db.session.commit()
    flash(_("已保存对 %(name)s 的%(group)s：%(score)s 分", name=engineer.display_name,
            group=GROUP_LABELS[saved.group],
            score=fmt(services.counted_score(saved, spec))), "success")
    return redirect(url_for("reviews.index", month=month))
