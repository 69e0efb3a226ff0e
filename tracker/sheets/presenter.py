"""The appraisal sheet (考核表) of one engineer and month, or of a mid-year/annual period, as plain data.

The print page and the PDF render the same data with the same template, so they never differ in content.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.scores import approval, selfscore, services as scores, yearly
from tracker.scores.models import Score
from tracker.reviews import services as reviews
from tracker.reviews.forms import GROUP_LABELS
from tracker.scores.presenter import (ADJUSTMENT_LABELS, adjustment_formula, format_value, quantitative_formula,
                                      section_headings, status_text, template_of, total_formula, value_kind)
from tracker.scoring import periods
from tracker.scoring.month import Month

PERIOD_TITLES = {"mid_year": "年中", "annual": "年度"}


@dataclass
class Sheet:
    """Everything one printed sheet shows."""

    engineer: User
    title: str
    period_label: str
    template_name: str | None = None
    template_version: int | None = None
    score: object = None
    eligible: bool = True  # assessed in the month (a month sheet), whether its score was computed or not
    lines: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    uncounted_reviews: int = 0  # reviews filed that count for nothing (not in any group's mean)
    qualitative: bool = True  # the template has a qualitative part (forms 4 and 7 have none: no review is owed)
    adjustments: list = field(default_factory=list)
    adjustment_formula: str | None = None  # how the approved ones make A (scores.presenter.adjustment_formula)
    total_formula: str | None = None  # how Q, L and A make T and the bonus (scores.presenter.total_formula)
    quantitative_formula: str | None = None  # how the lines make Q (scores.presenter.quantitative_formula)
    veto: object = None
    interview: object = None  # the month's latest performance interview (绩效面谈): its date is printed
    outcomes: list = field(default_factory=list)  # [(decision, chosen)] of a template with outcomes (form 9)
    outcome_detail: str | None = None
    own: object = None  # 自评 of a template with a self assessment (form 7): scores.selfscore.SelfView
    supervisor: str | None = None
    gm: str | None = None
    months: list = field(default_factory=list)  # period sheets: (month, total, grade, status)
    period_score: object = None
    period_final: bool = False
    period_months: int = 0


def _gm_name():
    return db.session.scalar(select(User.display_name).where(User.role == "gm", User.active.is_(True))
                             .order_by(User.id).limit(1))



def _value(text):
    if text is None:
        return None
    value = json.loads(text, parse_float=Decimal)
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _groups(engineer, month, lang):
    """Qualitative groups with their mean and number of raters (a filed sheet names no peer), and how many reviews
    count for nothing."""
    by_group, uncounted = {}, 0
    spec = reviews.review_spec(engineer, month)
    for review, _rater in reviews.reviews_of(engineer, month):
        score = reviews.counted_score(review, spec)
        if score is None:  # a review that counts for nothing is in no group's mean
            uncounted += 1
        else:
            by_group.setdefault(review.group, []).append(score)
    return [{"group": g, "label": str(GROUP_LABELS[g]), "raters": len(by_group[g]),
             "mean": sum(by_group[g], Decimal(0)) / len(by_group[g])}
            for g in ("leader", "peer", "self") if g in by_group], uncounted


def month_sheet(engineer, month, lang):
    """The sheet of one engineer's month."""
    score = approval.score_of(engineer, month)
    template = template_of(score, engineer, month)[0]
    metric_rows = reviews.metrics_of(engineer, month)
    section_of = section_headings(template, lang)
    lines = []
    for line in (score.lines if score is not None else []):
        value = _value(line.value)
        lines.append({"code": line.code, "name": (line.name_en or line.name) if lang == "en" else line.name,
                      "section": section_of.get(line.code),
                      "applies": line.applies, "missing": bool(getattr(line, "missing", False)),
                      "value": format_value(value, value_kind(template, line.code, value, metric_rows)),
                      "points": line.points, "max_points": line.max_points, "weight": line.weight,
                      "explanation": line.explain(lang)})
    rows = approval.adjustments_of(engineer, month)
    adjustments = [{"points": a.points, "reason": a.reason, "status": str(ADJUSTMENT_LABELS.get(a.status, a.status)),
                    "approved": a.status == "approved"} for a in rows]
    groups, uncounted = _groups(engineer, month, lang) if score is not None else ([], 0)
    outcome = approval.outcome_of(engineer, month) if template is not None and template.outcomes else None
    return Sheet(engineer=engineer, title=_("售后服务部月度绩效考核表"), period_label=month,
                 template_name=template.name.get(lang) if template else None,
                 template_version=template.version if template else None, score=score, lines=lines,
                 eligible=scores.assessed(engineer, month, score),
                 groups=groups, uncounted_reviews=uncounted, adjustments=adjustments,
                 qualitative=template is None or template.qualitative is not None,
                 adjustment_formula=adjustment_formula(rows, template),
                 total_formula=total_formula(score, template, engineer), veto=approval.veto_of(engineer, month),
                 quantitative_formula=quantitative_formula(score, template),
                 interview=approval.latest_interview(engineer, month),
                 outcomes=[(template.outcome_label(name, lang), outcome is not None and outcome.decision == name)
                           for name in (template.outcomes if template is not None else ())],
                 outcome_detail=outcome.detail if outcome is not None else None,
                 own=selfscore.view(template, engineer, month),
                 supervisor=engineer.supervisor.display_name if engineer.supervisor else None, gm=_gm_name())


def period_sheet(engineer, year, period):
    """The mid-year or annual sheet: the months' totals and their mean (the stored final score once there is one)."""
    period = yearly.period_key(period)
    month_list = [Month.from_parts(year, m) for m in periods.PERIODS[period]]
    stored = {row.month: row for row in db.session.scalars(select(Score).where(
        Score.engineer_id == engineer.id, Score.month.in_(month_list)))}
    rows = [(m, stored.get(m)) for m in month_list]
    result = yearly.period_view([engineer.id], year, period)[engineer.id]
    title = _("售后服务部年中绩效考核表") if period == "mid_year" else _("售后服务部年度绩效考核表")
    label = _("%(year)s 年 1–6 月", year=year) if period == "mid_year" else _("%(year)s 年", year=year)
    return Sheet(engineer=engineer, title=title, period_label=label, months=rows, period_score=result.score,
                 period_final=result.final, period_months=result.months,
                 supervisor=engineer.supervisor.display_name if engineer.supervisor else None, gm=_gm_name())


def status_label(score, engineer=None, month=None):
    """A month's state on a sheet; a month without a score is "not appraised" where the engineer is not assessed in
    it (before six months of service: it read "not computed yet", as though something were outstanding)."""
    if score is None and (engineer is None or month is None):
        return _("尚未计算")
    if not scores.assessed(engineer, month, score):
        return _("不参加考核")
    return _("尚未计算") if score is None else status_text(score)
