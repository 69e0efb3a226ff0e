"""Team summaries of a month, the mid-year and the year: the data behind the workbooks and the summaries API."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from tracker.auth.access import subordinates_cte
from tracker.extensions import db
from tracker.scores import listing, services as scores, yearly
from tracker.scores.models import KpiTemplate, Score, ScoreLine
from tracker.scoring import periods
from tracker.scoring.decimals import fmt
from tracker.values import month_arg
from tracker.scoring.month import Month


@dataclass
class MonthSummary:
    month: str
    indicators: list = field(default_factory=list)  # [Column] in the order first met
    rows: list = field(default_factory=list)
    missing: set = field(default_factory=set)  # {(username, column key)}: a hand entry the template needs, not made


@dataclass(frozen=True)
class Column:
    """One indicator column of a month summary. Templates may share a code for different indicators (attendance of
    15 points on one, of 100 on another): each (code, name, maximum) is its own column, keyed by the code, then
    code/2, code/3 for the others; `label` and `label_en` add the maximum where names alone would not tell."""

    key: str
    code: str
    max_points: object
    label: str
    label_en: str


@dataclass
class PeriodSummary:
    year: int
    period: str  # "mid-year" or "annual"
    months: list = field(default_factory=list)
    rows: list = field(default_factory=list)


def people(viewer, month_list, team=None):
    """The engineers in the viewer's scope (and under the manager named `team`), by name."""
    found = scores.engineers_in_scope(viewer, month_list)
    manager = listing.team_of(viewer, team)  # 422 for no such manager, 403 outside the viewer's scope
    if manager is not None:
        below = set(db.session.scalars(select(subordinates_cte(manager.id).c.id)))
        found = [person for person in found if person.id in below]
    return found


def status_of(score, eligible):
    """pending (never computed), ineligible (whether computed or not: a month never computed of an engineer not
    assessed in it read "not computed", as though something were outstanding), draft or approved."""
    if not eligible:
        return "ineligible"
    if score is None:
        return "pending"
    return score.status


def month_summary(viewer, month, team=None):
    """One row per engineer: every indicator's points, Q, L, A, T, grade, bonus, state and template (three queries)."""
    month = month_arg(month)
    engineers = people(viewer, [month], team)
    stored = scores.stored_scores([person.id for person in engineers], month)
    summary = MonthSummary(month)
    keys, variants, seen = month_keys(month), {}, set()  # code -> its variants in the order met
    templates = _templates({score.template_id for score in stored.values()} - {None})
    for person in engineers:
        score = stored.get(person.id)
        points, missing = {}, []
        for line in (score.lines if score is not None else []):
            variant = (line.code, line.name, line.max_points)
            key = keys.get(variant)
            if key is None:  # a line stored after the keys were read (a recompute committed meanwhile)
                key = keys[variant] = f"{line.code}/{sum(1 for known in keys if known[0] == line.code) + 1}"
            if variant not in seen:
                seen.add(variant)
                variants.setdefault(line.code, []).append((key, line.name, line.name_en or line.name, line.max_points))
            points[key] = line.points if line.applies and not line.missing else None
            if line.missing:  # a hand entry the template needs, not made: no points yet, never a 0
                summary.missing.add((person.username, key))
                missing.append(key)
        eligible = scores.assessed(person, month, score)
        summary.rows.append({
            "username": person.username, "display_name": person.display_name, "eligible": eligible,
            "indicators": points, "missing": missing,
            "quantitative": score.quantitative if score else None, "qualitative": score.qualitative if score else None,
            "adjustments": score.adjustments if score else None, "vetoed": bool(score and score.vetoed),
            "total": score.total if score else None, "grade": score.grade if score else None,
            "bonus": score.bonus if score else None, "status": status_of(score, eligible),
            "computed_at": score.computed_at if score else None, "stale": bool(score and score.stale),
            "template": templates.get(score.template_id) if score else None})
    summary.indicators = _columns(variants)
    return summary


def _templates(ids):
    """{template id: {code, version, name, name_en}} of the scores' template versions (one query)."""
    if not ids:
        return {}
    return {row.id: {"code": row.code, "version": row.version, "name": row.name, "name_en": row.name_en}
            for row in db.session.execute(select(KpiTemplate.id, KpiTemplate.code, KpiTemplate.version,
                                                 KpiTemplate.name, KpiTemplate.name_en)
                                          .where(KpiTemplate.id.in_(sorted(ids))))}


def month_keys(month):
    """{(code, name, maximum): key} of every indicator scored in the month, whoever asks: the code, and code/2,
    code/3 for other indicators that share it: the engineers' default template's first (so that assigning another
    template to someone does not move its keys), then in the order of their templates (the first stored first) and
    of their position there. A key depends on the month alone, not on the caller's scope or team (it did: the first
    template met in the caller's rows took the bare code)."""
    default = func.max(case((KpiTemplate.role == "engineer", 1), else_=0))  # the engineers' default template's
    rows = db.session.execute(
        select(ScoreLine.code, ScoreLine.name, ScoreLine.max_points, default, func.min(Score.template_id),
               func.min(ScoreLine.position))
        .join(Score, Score.id == ScoreLine.score_id).outerjoin(KpiTemplate, KpiTemplate.id == Score.template_id)
        .where(Score.month == month)
        .group_by(ScoreLine.code, ScoreLine.name, ScoreLine.max_points)).all()
    keys, taken = {}, Counter()
    for code, name, maximum, _default, _template, _position in sorted(rows, key=lambda row: (
            row[0], -(row[3] or 0), row[4] or 0, row[5] or 0, row[1], row[2] is None, row[2] or 0)):
        taken[code] += 1
        keys[(code, name, maximum)] = code if taken[code] == 1 else f"{code}/{taken[code]}"
    return keys


def _columns(variants):
    """The columns in the order their codes were met. A heading shared by two columns (two variants of a code, or
    two templates' indicators of one name: 准时交车 of forms 7 and 8) shows its maximum, and its code where that
    is shared too; the Chinese and the English headings each on their own (Knowledge and skills in English only)."""
    met = [(key, code, maximum, name, name_en) for code, found in variants.items()
           for key, name, name_en, maximum in found]
    zh = _distinct([row[3] for row in met], met, "（满分 {}）", "（{}）")
    en = _distinct([row[4] for row in met], met, " (max {})", " ({})")
    return [Column(key, code, maximum, zh[i], en[i]) for i, (key, code, maximum, _name, _en) in enumerate(met)]


def _distinct(names, met, by_maximum, by_code):
    """The headings made distinct: a shared one gets its column's maximum, and then, still shared, its code."""
    for suffix, part in ((by_maximum, lambda row: fmt(row[2]) if row[2] is not None else "—"),
                         (by_code, lambda row: row[1])):
        shared = Counter(names)
        names = [f"{name}{suffix.format(part(row))}" if shared[name] > 1 else name for name, row in zip(names, met)]
    return names


def period_months(year, period):
    """The months of a period ('mid-year', 'annual'): whose people its lists show (one rule for the summary, its
    workbook and the API's period scores, which took the whole year's and listed one who left before July)."""
    return [Month.from_parts(year, m) for m in periods.PERIODS[yearly.period_key(period)]]


def period_summary(viewer, year, period, team=None):
    """One row per engineer: each month's total and the period score (the stored final one once there is one)."""
    key, month_list = yearly.period_key(period), period_months(year, period)
    engineers = people(viewer, month_list, team)
    ids = [person.id for person in engineers]
    totals = {}
    if ids:
        for engineer_id, month, total, eligible in db.session.execute(
                select(Score.engineer_id, Score.month, Score.total, Score.eligible)
                .where(Score.engineer_id.in_(ids), Score.month.in_(month_list))):
            totals[(engineer_id, month)] = total if eligible else None
    results = yearly.period_view(ids, year, key)
    summary = PeriodSummary(year, "mid-year" if key == "mid_year" else "annual", month_list)
    for person in engineers:
        result = results[person.id]
        summary.rows.append({"username": person.username, "display_name": person.display_name,
                             "months": {m: totals.get((person.id, m)) for m in month_list},
                             "score": result.score, "months_counted": result.months, "final": result.final,
                             "computed_at": result.computed_at, "stale": result.stale})
    return summary
