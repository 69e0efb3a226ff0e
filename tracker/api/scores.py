"""Monthly scores, their computation, and the mid-year and annual scores (CONTRACT 7 and 10).

Reading never computes: an engineer in scope whose month has not been computed yet is listed with
status "pending" and null scores (eligible as the hire date says), until the nightly job, the `compute`
command or POST /scores/{month}/compute has run.
"""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock, months
from tracker.api import core
from tracker.api.core import bp
from tracker.auth.access import roles
from tracker.errors import Invalid
from tracker.reports import services

YEAR_MIN, YEAR_MAX = 2000, 2100
NUMBER_OR_NULL = {"type": ["number", "null"]}
INDICATOR = core.obj({
    "code": {"type": "string"}, "name": {"type": "string"}, "applies": {"type": "boolean"},
    "value": {"description": "the measured input: a number, counts by kind, or null"},
    "points": NUMBER_OR_NULL, "max_points": {"type": "number"},
    "explanation": {"type": "string", "description": "one sentence: how the points followed from the value"},
    "record_ids": {"type": "object", "description": "ids of the records behind the value, by kind",
                   "additionalProperties": {"type": "array", "items": {"type": "integer"}}},
}, ["code", "name", "applies", "value", "points", "max_points", "explanation", "record_ids"])
SCORE = core.obj({
    "username": {"type": "string"}, "display_name": {"type": "string"}, "eligible": {"type": "boolean"},
    "quantitative": NUMBER_OR_NULL, "qualitative": NUMBER_OR_NULL, "adjustments": NUMBER_OR_NULL,
    "vetoed": {"type": "boolean"}, "total": NUMBER_OR_NULL, "grade": {"type": ["string", "null"]},
    "bonus": NUMBER_OR_NULL,
    "status": {"type": "string", "enum": ["pending", "draft", "approved"],
               "description": "pending: not computed yet; draft: recomputed by the scheduler; approved: fixed"},
    "computed_at": {"type": ["string", "null"], "format": "date-time"},
    "indicators": {"type": "array", "items": INDICATOR},
}, ["username", "display_name", "eligible", "quantitative", "qualitative", "adjustments", "vetoed", "total",
    "grade", "bonus", "status", "computed_at", "indicators"])
MONTH_SCORES = core.obj({"month": {"type": "string"}, "scores": {"type": "array", "items": SCORE}},
                        ["month", "scores"])
COMPUTED = core.obj({"month": {"type": "string"}, "computed": {"type": "integer"}}, ["month", "computed"])
PERIOD_SCORE = core.obj({"username": {"type": "string"}, "display_name": {"type": "string"},
                         "score": NUMBER_OR_NULL, "months": {"type": "integer", "description": "months averaged"},
                         "final": {"type": "boolean"}},
                        ["username", "display_name", "score", "months", "final"])
PERIOD_SCORES = core.obj({"year": {"type": "integer"}, "period": {"type": "string", "enum": ["mid-year", "annual"]},
                          "final": {"type": "boolean", "description": "every row is the stored final score"},
                          "scores": {"type": "array", "items": PERIOD_SCORE}},
                         ["year", "period", "final", "scores"])


def _month(text):
    months.parse(text)
    return text


def _year(text):
    if not (len(text) == 4 and text.isascii() and text.isdigit() and YEAR_MIN <= int(text) <= YEAR_MAX):
        raise Invalid.field("year", _("年份须为 2000–2100 的四位数字"))
    return int(text)


def _english():
    """English explanations when ?lang=en, or when the client prefers English to Chinese."""
    lang = request.args.get("lang")
    if lang in ("zh", "en"):
        return lang == "en"
    return request.accept_languages.best_match(["zh", "en"], default="zh") == "en"


def _indicator(line, english):
    return {"code": line.code, "name": (line.name_en or line.name) if english else line.name,
            "applies": line.applies, "value": services.line_value(line), "points": line.points,
            "max_points": line.max_points,
            "explanation": (line.explanation_en or line.explanation) if english else line.explanation,
            "record_ids": services.line_record_ids(line)}


def _score(person, score, month, english):
    row = {"username": person.username, "display_name": person.display_name, "eligible": None,
           "quantitative": None, "qualitative": None, "adjustments": None, "vetoed": False, "total": None,
           "grade": None, "bonus": None, "status": "pending", "computed_at": None, "indicators": []}
    if score is None:
        row["eligible"] = services.is_eligible(person, month)
        return row
    row.update(eligible=score.eligible, quantitative=score.quantitative, qualitative=score.qualitative,
               adjustments=score.adjustments, vetoed=score.vetoed, total=score.total, grade=score.grade,
               bonus=score.bonus, status=score.status, computed_at=score.computed_at,
               indicators=[_indicator(line, english) for line in score.lines])
    return row


@bp.route("/scores/<month>/compute", methods=["POST"])
@roles("manager", "gm", "admin")
@core.answers(200, COMPUTED)
def compute_scores(month):
    """Recompute the month's draft scores now (a manager: the own team; gm and admin: everyone)."""
    month = _month(month)
    if month > months.of(clock.today()):
        raise Invalid.field("month", _("不能计算未来月份的得分"))
    ids = None
    if current_user.role == "manager":
        ids = [person.id for person in services.engineers_in_scope(current_user)]
    summary = services.compute_month(month, clock.now(), engineer_ids=ids)  # commits (one transaction)
    return core.reply({"month": month, "computed": summary["computed"]})


@bp.route("/scores/<month>", methods=["GET"])
@roles("engineer", "manager", "gm", "admin")
@core.answers(200, MONTH_SCORES)
def month_scores(month):
    """The month's scores of the engineers in scope, each indicator with its value, points and explanation."""
    month = _month(month)
    people = services.engineers_in_scope(current_user, [month])
    stored = services.stored_scores([person.id for person in people], month)
    english = _english()
    return core.reply({"month": month,
                       "scores": [_score(person, stored.get(person.id), month, english) for person in people]})


def _period(year, period):
    year = _year(year)
    people = services.engineers_in_scope(current_user, [f"{year:04d}-{m:02d}" for m in range(1, 13)])
    results = services.period_view([person.id for person in people], year, period)
    rows = [{"username": person.username, "display_name": person.display_name,
             "score": results[person.id].score, "months": results[person.id].months,
             "final": results[person.id].final} for person in people]
    return core.reply({"year": year, "period": period, "final": bool(rows) and all(r["final"] for r in rows),
                       "scores": rows})


@bp.route("/scores/<year>/mid-year", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, PERIOD_SCORES)
def mid_year_scores(year):
    """Mid-year scores: the mean of January to June's totals of the eligible months (final once stored in July)."""
    return _period(year, "mid-year")


@bp.route("/scores/<year>/annual", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, PERIOD_SCORES)
def annual_scores(year):
    """Annual scores: the mean of the year's monthly totals of the eligible months (final once stored in January)."""
    return _period(year, "annual")
