"""Charts on the team month page and the score page, and the gm's department view."""

from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_pgettext
from flask_login import current_user

from tracker import clock, nav
from tracker.auth.access import roles
from tracker.charts import data, svg
from tracker.scoring.month import Month

bp = Blueprint("charts", __name__, url_prefix="/charts")

nav.add("charts.department_home", lazy_pgettext("nav", "部门概览"), roles=("gm", "admin"), order=43)


@bp.app_template_global()
def team_charts(month, team=None):
    """The grade distribution and the histogram of totals of the viewer's engineers (or `team`) in a month."""
    found = data.team_distribution(current_user._get_current_object(), month, team)
    return {"data": found,
            "grades": svg.vbars(found.grades, _("等级分布")),
            "histogram": svg.vbars(found.histogram, _("总分分布"))}


@bp.app_template_global()
def engineer_charts(engineer, month, lines):
    """The indicators (points against max) of a month and the 12-month trend of Q, L and T."""
    # a hand entry nobody made yet has provisional points: no bar and "—", not a 0 the engineer never got
    applied = [(line["name"], None if line.get("missing") else line["points"], line["max_points"])
               for line in lines if line["applies"]]
    series = data.trend(engineer, month)
    labels = [m for m, *_rest in series]  # 2025-11 (25-11 read as the 25th of November)
    return {"indicators": svg.hbars(applied, _("各指标得分与满分")) if applied else None, "applied": applied,
            "trend": svg.lines(labels, [("Q", [r[1] for r in series]), ("L", [r[2] for r in series]),
                                        ("T", [r[3] for r in series])], _("近 12 个月 Q、L、T")),
            "series": series}


@bp.route("/department")
@roles("gm", "admin")
def department_home():
    return department(Month.of(clock.today()))


@bp.route("/department/<month:month>")
@roles("gm", "admin")
def department(month):
    """Teams side by side: each indicator's mean points per team, and each team's mean total."""
    teams, indicators = data.department(month, "en" if str(get_locale()).startswith("en") else "zh")
    charts = []
    for indicator in indicators:
        rows = [(team.manager, indicator["means"].get(team.username), indicator["max"]) for team in teams
                if indicator["means"].get(team.username) is not None]  # a team whose entries nobody made: no bar
        if rows:  # entered by no team yet: the table says 未录入, and there is nothing to draw
            charts.append((indicator, svg.hbars(rows, indicator["name"], scale_max=indicator["max"])))
    means = [(team.manager, team.mean_total, None) for team in teams if team.mean_total is not None]
    totals = svg.hbars(means, _("各团队平均总分"), scale_max=100) if means else None  # none yet: the page says so
    return render_template("charts/department.html", month=month, teams=teams, indicators=indicators,
                           charts=charts, totals=totals, previous=month.previous(), following=month.next())
