"""The scheduler's page for admins (at /reports/jobs): every scheduled job, its recent runs, a "run now" button per job."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from tracker import audit, clock, jobs, mail, nav
from tracker.auth.access import roles
from tracker.auth.models import User
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.validation import page_arg
from tracker.scores import schedule  # noqa: F401  (the jobs this page lists)

bp = Blueprint("jobs", __name__, url_prefix="/reports")

nav.add("jobs.job_list", _l("定时任务"), roles=("admin",), order=85)

JOB_LABELS = {
    "scores_nightly": _l("重算本月草稿得分"),
    "scores_close_month": _l("结算上月得分"),
    "scores_mid_year": _l("年中得分（定稿）"),
    "scores_annual": _l("年度得分（定稿）"),
    "submission_reminders": _l("提醒未提交上月行程表的工程师"),
    "stale_scores": _l("重算待更新的草稿得分"),
    "outbox": _l("发送待发消息：邮件、群机器人"),
    "import_stash": _l("删除超过一天未导入的待导入文件"),
}
RUNS_PER_PAGE = 100
OUTCOMES = {"running": ("secondary", _l("运行中")), "ok": ("success", _l("成功")), "error": ("danger", _l("失败"))}


def _when(cron):
    """A cron dict as a short phrase: 每天 02:00, 每月 1 日 03:00, 每年 7 月 1 日 04:00."""
    at = f"{int(cron.get('hour', 0)):02d}:{int(cron.get('minute', 0)):02d}"
    if "month" in cron:
        return _("每年 %(month)s 月 %(day)s 日 %(at)s", month=cron["month"], day=cron.get("day", 1), at=at)
    if "day" in cron:
        return _("每月 %(day)s 日 %(at)s", day=cron["day"], at=at)
    return _("每天 %(at)s", at=at)


@bp.route("/jobs")
@roles("admin")
def job_list():
    scheduled = [{"name": name, "label": JOB_LABELS.get(name, name), "when": _when(entry["cron"])}
                 for name, entry in sorted(jobs.SCHEDULE.items())]
    frequent = [{"name": name, "label": JOB_LABELS.get(name, name), "when": _every(entry["seconds"])}
                for name, entry in sorted(jobs.FREQUENT.items(), key=lambda item: item[1]["seconds"])]
    pages = max(1, -(-jobs.run_count() // RUNS_PER_PAGE))
    page = page_arg(request.args.get("page"), maximum=pages)
    runs = jobs.recent_runs(RUNS_PER_PAGE, page)
    started = {run.triggered_by_id for run in runs if run.triggered_by_id}  # an admin's 立即运行: by whom
    starters = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(started))).all()) \
        if started else {}
    return render_template("admin/jobs.html", scheduled=scheduled, frequent=frequent, starters=starters,
                           runs=runs, page=page, pages=pages, labels=JOB_LABELS,
                           outcomes=OUTCOMES, said=jobs.summary_text, zone=current_app.config["TIMEZONE"],
                           overdue=mail.overdue(clock.now()))


def _every(seconds):
    """An interval as a short phrase: 每 30 秒, 每分钟, 每小时."""
    if seconds == 3600:
        return _("每小时")
    if seconds % 3600 == 0:
        return _("每 %(n)s 小时", n=seconds // 3600)
    if seconds == 60:
        return _("每分钟")
    if seconds % 60 == 0:
        return _("每 %(n)s 分钟", n=seconds // 60)
    return _("每 %(n)s 秒", n=seconds)


@bp.route("/jobs/<name>/run", methods=["POST"])
@roles("admin")
def run_job(name):
    """Run a job now for its current period, even when that period already ran (recorded like a scheduled run)."""
    if name not in jobs.SCHEDULE:
        raise NotFound(_("没有这个定时任务：%(name)s", name=name))
    now = clock.now()
    key = jobs.SCHEDULE[name]["key"](now)
    # this admin's own run, named with its claim (read back by job and period afterwards, another process's run
    # that replaced it meanwhile was credited to whoever clicked last)
    row = jobs.run_named(current_app._get_current_object(), name, now=now, force=True, by=current_user.id)
    db.session.rollback()  # the run used a session of its own
    label = JOB_LABELS.get(name, name)
    audit.record(current_user, "job.run", name, key if row is None else f"{key} {row.outcome}", at=now)
    running = row is None or row.outcome == "running"
    db.session.commit()  # an admin's run is in the audit log, whatever became of it
    if running:
        flash(_("%(job)s 正在运行中，请稍后再看", job=label), "warning")
    elif row.outcome == "ok":
        flash(_("%(job)s 已完成：%(summary)s", job=label, summary=jobs.summary_text(row.summary)), "success")
    else:
        flash(_("%(job)s 失败：%(error)s", job=label, error=row.error or ""), "error")
    return redirect(url_for("jobs.job_list"))
