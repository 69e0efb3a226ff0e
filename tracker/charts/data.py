"""The numbers behind the charts, aggregated in SQL: a team's grades and totals, an engineer's year, the
department's teams side by side."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, cast, exists, func, literal, select
from sqlalchemy.orm import aliased

from tracker.auth.access import scope_filter, team_filter
from tracker.auth.models import User
from tracker.extensions import db
from tracker.scores.models import Score, ScoreLine
from tracker.scoring.decimals import fmt, round2
from tracker.scoring.month import Month
from tracker.scoring.totals import GRADES
from tracker.values import month_arg

BINS = (("<50", None, 50), ("50–60", 50, 60), ("60–70", 60, 70), ("70–80", 70, 80), ("80–90", 80, 90),
        ("90–100", 90, 100), ("≥100", 100, None))


@dataclass(frozen=True)
class Distribution:
    grades: list  # [(grade, count)]
    histogram: list  # [(bin label, count)]
    count: int
    mean: Decimal | None


def _in_team(column, team):
    return literal(True) if team is None else team_filter(column, team)


def team_distribution(viewer, month, team=None):
    """Grade counts and a histogram of the month's totals over the viewer's engineers (or one manager's team)."""
    month = month_arg(month)
    where = (Score.month == month, Score.eligible.is_(True), Score.total.is_not(None),
             scope_filter(viewer, Score.engineer_id), _in_team(Score.engineer_id, team))
    by_grade = dict(db.session.execute(select(Score.grade, func.count()).where(*where).group_by(Score.grade)).all())
    bucket = case(*[((Score.total < hi) if lo is None else (Score.total >= lo) if hi is None else
                     ((Score.total >= lo) & (Score.total < hi)), label) for label, lo, hi in BINS])
    by_bin = dict(db.session.execute(select(bucket.label("bin"), func.count()).where(*where)
                                     .group_by(bucket)).all())
    count, cents = db.session.execute(select(func.count(Score.total), _cents(Score.total)).where(*where)).one()
    return Distribution([(g, by_grade.get(g, 0)) for g in GRADES], [(b[0], by_bin.get(b[0], 0)) for b in BINS],
                        count, _mean(cents, count))


def trend(engineer, month, span=12):
    """The engineer's Q, L and T of the `span` months up to `month`: [(month, Q, L, T)] (None where missing)."""
    wanted = [month]
    for _step in range(span - 1):
        wanted.insert(0, Month(wanted[0]).previous())
    rows = {m: (q, l, t) for m, q, l, t in db.session.execute(
        select(Score.month, Score.quantitative, Score.qualitative, Score.total)
        .where(Score.engineer_id == engineer.id, Score.month.in_(wanted), Score.eligible.is_(True)))}
    return [(m, *rows.get(m, (None, None, None))) for m in wanted]


@dataclass(frozen=True)
class TeamColumn:
    manager: str
    username: str
    engineers: int
    mean_total: Decimal | None
    with_total: int = 0  # the engineers the mean is of (a total pending a review is in none)
    provisional: int = 0  # of those, the totals that count a hand entry nobody made as 0 (provisional)


def department(month, lang="zh"):
    """Teams (engineers grouped by their direct supervisor) side by side: each indicator's mean points and max,
    and each team's mean total. Returns (teams, indicators: [(code, name in `lang`, max, {username: mean
    points})])."""
    month = month_arg(month)
    boss = aliased(User)
    engineer = aliased(User)
    # an engineer with no supervisor (it is optional) is a column of its own, last: left out, the page said nothing
    base = (select(Score).join(engineer, engineer.id == Score.engineer_id)
            .outerjoin(boss, boss.id == engineer.supervisor_id)
            .where(Score.month == month, Score.eligible.is_(True)))
    unentered = exists().where(ScoreLine.score_id == Score.id, ScoreLine.applies.is_(True),
                               ScoreLine.missing.is_(True))
    teams = [TeamColumn(_("无直接主管") if username is None else name, username, n, _mean(cents, totals), totals,
                        int(provisional or 0))
             for name, username, n, totals, cents, provisional in db.session.execute(
                 base.with_only_columns(boss.display_name, boss.username, func.count(Score.id),
                                        func.count(Score.total), _cents(Score.total),
                                        func.sum(case((and_(Score.total.is_not(None), unentered), 1), else_=0)))
                 .group_by(boss.id, boss.display_name, boss.username)
                 .order_by(boss.id.is_(None), boss.display_name, boss.username))]
    # an indicator is its code, its maximum and its name: templates that share a code on another scale (attendance
    # of 15 and of 100), or under another name (安全与规范 and 车间安全, both `safety` of 20), are not averaged
    # together; a hand entry nobody made is no 0 (its points are provisional): it is counted apart, and said
    entered = case((ScoreLine.missing.is_(False), ScoreLine.points))
    lines = db.session.execute(
        base.join(ScoreLine, ScoreLine.score_id == Score.id)
        .where(ScoreLine.applies.is_(True))
        .with_only_columns(boss.username, ScoreLine.code, ScoreLine.max_points, ScoreLine.name,
                           func.min(ScoreLine.name_en), func.min(ScoreLine.position), func.count(entered),
                           _cents(entered), func.sum(case((ScoreLine.missing.is_(True), 1), else_=0)))
        .group_by(boss.username, ScoreLine.code, ScoreLine.max_points, ScoreLine.name)).all()
    indicators = {}
    for username, code, maximum, name, name_en, position, n, cents, missing in lines:
        shown = name_en if lang == "en" and name_en else name
        entry = indicators.setdefault((code, maximum, name), {"code": code, "name": shown, "position": position,
                                                              "max": maximum, "means": {}, "unentered": {}})
        entry["position"] = min(entry["position"], position)
        entry["means"][username] = _mean(cents, n)
        if missing:
            entry["unentered"][username] = int(missing)
    ordered = sorted(indicators.values(), key=lambda e: (e["position"], e["code"], e["max"]))
    names = [entry["name"] for entry in ordered]
    for entry in ordered:  # one name on several scales (three templates' 客户满意度): each says its max
        if names.count(entry["name"]) > 1:
            entry["name"] = _("%(name)s（满分 %(max)s）", name=entry["name"], max=fmt(entry["max"]))
    return teams, ordered


def _cents(column):
    """The sum of a 2-decimal column in whole cents, an integer on every database (SQLite's avg is a float: a mean
    of 24.235 came out as 24.23)."""
    return func.sum(cast(func.round(column * 100), Integer))


def _mean(cents, count):
    """The exact mean of `count` values summing to `cents` cents, rounded half up to 2 places; None without any."""
    return round2(Decimal(int(cents)) / 100 / count) if count else None
