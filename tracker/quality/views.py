"""The data-quality panel: a month's gaps for a manager (the own team) or the gm and admin (everyone)."""

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import clock, nav
from tracker.auth.access import roles
from tracker.quality import services
from tracker.scoring.month import Month

bp = Blueprint("quality", __name__, url_prefix="/quality")

nav.add("quality.home", _l("数据检查"), roles=("manager", "gm", "admin"), order=44)

LABELS = {
    "itinerary_not_submitted": _l("行程表未提交"),
    "work_order_without_scan": _l("工单没有电子档"),
    "work_order_without_times": _l("已完工工单缺少时间"),
    "trip_without_work_order": _l("行程没有关联工单"),
    "work_order_without_trip": _l("工单没有对应行程"),
    "survey_missing": _l("已完工工单缺少满意度调查"),
    "hand_entry_missing": _l("考核指标未录入"),
    "leader_review_missing": _l("缺少领导评价"),
    "interview_missing": _l("缺少绩效面谈"),
    "adjustment_undecided": _l("加减分待总经理审批"),
    "bonus_base_missing": _l("绩效奖金基数为 0（奖金将为 0）"),
}


def fix_link(gap, month):
    """Where the record behind a gap is fixed."""
    if gap.work_order_id is not None:
        return gap.work_order, url_for("workorders.detail", order_id=gap.work_order_id)
    if gap.kind == "trip_without_work_order":
        return gap.day.isoformat(), url_for("itinerary.month", username=gap.username, month=month,
                                            _anchor=f"trip-{gap.trip_id}" if gap.trip_id else None)
    if gap.kind == "itinerary_not_submitted":
        return month, url_for("itinerary.month", username=gap.username, month=month)
    if gap.kind == "hand_entry_missing":
        return gap.indicator_name, url_for("reviews.entries", month=month, username=gap.username)
    if gap.kind == "adjustment_undecided" and current_user.role == "gm":  # the gm decides them on his list
        return month, url_for("scores.pending_adjustments")
    if gap.kind == "bonus_base_missing":  # set by an admin on the users page; the others see the score it makes
        if current_user.role == "admin":
            return _("设置"), url_for("admin.user_edit", user_id=gap.user_id)
        return month, url_for("scores.score_page", month=month, username=gap.username)
    if gap.kind == "leader_review_missing":  # an admin reviews nobody: the score page shows who has
        if current_user.role == "admin":
            return month, url_for("scores.score_page", month=month, username=gap.username)
        return month, url_for("reviews.review", month=month, username=gap.username)
    return month, url_for("scores.score_page", month=month, username=gap.username) + "#interview"


@bp.route("/")
@roles("manager", "gm", "admin")
def home():
    return month(Month.of(clock.today()).previous())


@bp.route("/<month:month>")
@roles("manager", "gm", "admin")
def month(month):
    """Each kind of gap with the records to fix; nothing listed means the month is ready to close."""
    gaps = services.month_gaps(current_user._get_current_object(), month, clock.now())
    following = month.next()
    return render_template("quality/month.html", month=month, gaps=gaps, labels=LABELS, fix_link=fix_link,
                           total=sum(len(v) for v in gaps.values()), previous=month.previous(),
                           anyone=services.checks_anyone(current_user._get_current_object(), month),
                           following=following if following <= Month.of(clock.today()) else None)
