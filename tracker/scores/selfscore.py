"""自评 (form 7's 自评 column and 综合绩效考核自评分): the engineer's own points for each line of his month, kept beside
the final score (考核者评分) on the score page, in the API and on the printed sheet. It changes no score."""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import audit
from tracker.auth.access import may_self_assess
from tracker.errors import Forbidden, Invalid
from tracker.extensions import db
from tracker.scores import approval
from tracker.scores.models import SelfAssessment
from tracker.scores.services import assessed
from tracker.scoring.decimals import ZERO
from tracker.scoring.totals import quantitative
from tracker.validation import check_number


UNKNOWN_SAID = 20  # unknown line codes named in a refusal


@dataclass
class SelfView:
    """What a template with a self assessment shows of it: each line's own points (None: not scored), the total
    they give (as Q is formed from points, None until every line has them) and when they were recorded."""

    points: dict
    total: Decimal | None
    recorded_at: datetime | None
    lines: tuple = ()  # the Indicators scored, in the template's order


def lines(template, month):
    """The lines the engineer scores himself in `month` (a quarterly one only in its quarter's last month)."""
    return [indicator for indicator in template.indicators if indicator.counts_in(month)]


def of(engineer, month):
    return db.session.scalar(select(SelfAssessment).where(SelfAssessment.engineer_id == engineer.id,
                                                          SelfAssessment.month == month))


def view(template, engineer, month):
    """The self assessment of a template that has one (None for the others)."""
    if template is None or not template.self_assessment:
        return None
    if not assessed(engineer, month, approval.score_of(engineer, month)):
        return None  # nothing to give in a month he is not assessed in
    row = of(engineer, month)
    stored = {code: Decimal(text) for code, text in json.loads(row.points).items()} if row is not None else {}
    scored = lines(template, month)
    # a point a later version's maximum no longer allows is not counted: that line is to be given again
    points = {indicator.code: value if (value := stored.get(indicator.code)) is not None and value <= indicator.max
              else None for indicator in scored}
    total = None
    if scored and all(value is not None for value in points.values()):
        total = quantitative([(points[i.code], i.max, i.weight, i.group) for i in scored], template.method,
                             template.base, {section.code: section.weight for section in template.sections},
                             possible=template.possible)
    return SelfView(points, total, row.recorded_at if row is not None else None, tuple(scored))


def record(actor, engineer, month, points, *, now, text=False):
    """The engineer records his own points for every line of the month (0 to the line's maximum, two decimals at
    most; as text from a form with `text`), while the month is open; 403 for anyone else, 422 for a template
    without a self assessment or a line missing, unknown or out of range, 409 once the month is approved. Flushes;
    the caller commits."""
    if not may_self_assess(actor, engineer):
        raise Forbidden(_("自评只能由被考核人本人填写"))
    approval.require_open_month(engineer, month, now)
    template = approval.month_template(engineer, month)
    if template is None or not template.self_assessment:
        raise Invalid.field("points", _("本月的考核模板没有自评"))
    if not isinstance(points, dict):
        raise Invalid.field("points", _("须为各项目的自评分"))
    scored = lines(template, month)
    codes = {indicator.code for indicator in scored}
    unknown = [code for code in points if code not in codes][:UNKNOWN_SAID]  # not one message per key of a flood
    errors = {f"points.{code}": _("没有这个考核项目") for code in unknown}
    kept = {}
    for indicator in scored:
        try:
            kept[indicator.code] = check_number(points.get(indicator.code), f"points.{indicator.code}", ZERO,
                                                indicator.max, text=text)
        except Invalid as error:
            errors.update(error.fields)
    if errors:
        raise Invalid(_("请检查自评分"), errors)
    row = of(engineer, month)
    if row is None:
        row = SelfAssessment(engineer_id=engineer.id, month=month)
        db.session.add(row)
    row.points = json.dumps({code: str(value) for code, value in kept.items()})
    row.recorded_at = now
    audit.record(actor, "score.self_assessment", audit.month_subject(engineer, month),
                 " ".join(f"{code}={value}" for code, value in kept.items()), at=now)
    db.session.flush()
    return row
