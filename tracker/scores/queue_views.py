"""Closing a month: the gm's approval queue and the manager's team month (what is missing per engineer)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from tracker import clock, nav
from tracker.auth.access import LEADER_ROLES, engineer_by_username, is_manager_above, roles
from tracker.auth.models import User
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.reviews import requests, services as reviews
from tracker.scores import queue
from tracker.scores.forms import ConfirmForm
from tracker.scoring.month import Month
from tracker.values import month_arg

bp = Blueprint("queue", __name__)

nav.add("queue.approvals", lazy_pgettext("nav", "审批队列"), roles=("gm",), order=39)
nav.add("queue.team_month", _l("本月进度"), roles=("manager",), order=39)


def _chosen_month():
    month = request.args.get("month") or queue.last_closed_month(clock.today())
    month = month_arg(month)
    return month


def _around(month):
    month = month_arg(month)
    return month.previous(), month.next()


@bp.route("/approvals")
@roles("gm")
def approvals():
    """Every score in scope awaiting approval in the chosen month (default: the last closed one)."""
    return render_queue(_chosen_month())


def render_queue(month, alert=None, status=200, refused=None):
    """The approval queue of month; `refused`: a rejection refused for its reason, shown at its row as typed."""
    states = [state for state in queue.month_states(current_user, month) if state.eligible]
    waiting = [state for state in states if not state.approved]
    approved = [state for state in states if state.approved]
    previous, following = _around(month)
    return render_template("scores/queue.html", month=month, waiting=waiting, approved=approved,
                           previous=previous, following=following, form=ConfirmForm(), alert=alert,
                           refused=refused, today_month=Month.of(clock.today())), status


@bp.route("/approvals/<month:month>/approve", methods=["POST"])
@roles("gm")
def approve_many(month):
    """Approve the ticked scores, each checked on its own; those refused are named with their blockers."""
    month = month_arg(month)
    if not ConfirmForm().validate_on_submit():
        raise Invalid(_("请求已过期，请刷新页面后重试"))
    chosen = set(request.form.getlist("engineer"))
    states = {state.engineer.username: state for state in queue.month_states(current_user, month)}
    engineers = [states[name].engineer for name in sorted(chosen) if name in states]
    if not engineers:
        flash(_("请先勾选要审批的考核"), "warning")
        return redirect(url_for("queue.approvals", month=month))
    seen = {engineer.id: queue.shown_total(request.form.get(f"seen-{engineer.username}")) for engineer in engineers
            if f"seen-{engineer.username}" in request.form}
    done, refused = queue.approve_many(current_user, engineers, month, clock.now(), seen)
    db.session.commit()
    if done:
        flash(_("已审批 %(n)s 人：%(names)s", n=len(done), names=_("、").join(
            f"{engineer.display_name} {total}" for engineer, total in done)), "success")
    for engineer, message in refused:
        flash(_("%(name)s 未审批：%(why)s", name=engineer.display_name, why=message), "error")
    return redirect(url_for("queue.approvals", month=month))


@bp.route("/team")
@roles("manager", "gm", "admin")
def team_month():
    """The team's month for its manager: per engineer what is still missing before the gm can approve."""
    month = _chosen_month()
    states = queue.month_states(current_user, month)
    previous, following = _around(month)
    spec_of = reviews.review_specs(month)
    # the requests a review can answer: "待评价" stayed for good under a template that stopped counting peers
    taking = [state for state in states if requests.takes_peers(spec_of(state.engineer)) and state.eligible]
    peers = requests.peers_of([state.engineer.id for state in taking], month)
    can_assign = {state.engineer.id for state in taking if is_manager_above(current_user, state.engineer)}
    return render_template("scores/team_month.html", month=month, states=states, previous=previous,
                           following=following, peers=peers, can_assign=can_assign, form=ConfirmForm(),
                           # everyone listed is in scope: a manager is above
                           leads=current_user.role in LEADER_ROLES, defaulted=not request.args.get("month"))


@bp.route("/team/<month:month>/<username>/peers", methods=["POST"])
@roles("manager")
def assign_peer(month, username):
    """A manager above asks another engineer for a peer review of this engineer's month."""
    month = month_arg(month)
    if not ConfirmForm().validate_on_submit():
        raise Invalid(_("请求已过期，请刷新页面后重试"))
    engineer = engineer_by_username(username)
    try:
        row = requests.assign_peer(current_user, engineer, month, request.form.get("rater", ""), clock.now())
    except (Invalid, Conflict) as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("queue.team_month", month=month) + f"#row-{engineer.username}")
    db.session.commit()
    rater = db.session.get(User, row.rater_id)
    flash(_("已请 %(rater)s 评价 %(name)s", rater=rater.display_name, name=engineer.display_name), "success")
    return redirect(url_for("queue.team_month", month=month) + f"#row-{engineer.username}")
