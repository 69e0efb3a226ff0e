"""Team summaries of a month, the mid-year and the year, as JSON or as the workbooks handed to HR."""

from flask import request
from flask_login import current_user

from tracker import language
from tracker.api import core
from tracker.api.core import bp
from tracker.api.scores import NUMBER_OR_NULL
from tracker.auth.access import roles
from tracker.sheets import summaries, workbooks
from tracker.xlsx import XLSX_MIME

XLSX = {"type": "string", "format": "binary"}
XLSX_NOTE = "The workbook: Chinese headers, frozen header row, printed landscape fitted to the page width"
MONTH_ROW = core.obj({
    "username": {"type": "string"}, "display_name": {"type": "string"}, "eligible": {"type": "boolean"},
    "indicators": {"type": "object", "additionalProperties": NUMBER_OR_NULL,
                   "description": "points by indicator key (null: does not apply, or a hand entry not made, see "
                                  "missing): the code, or code/2, code/3 for other indicators that share it "
                                  "(another template's, on another scale)"},
    "missing": {"type": "array", "items": {"type": "string"},
                "description": "the keys of the hand entries the template needs that nobody made (未录入): no points "
                               "yet, and the month cannot be approved until they are made"},
    "quantitative": NUMBER_OR_NULL, "qualitative": NUMBER_OR_NULL, "adjustments": NUMBER_OR_NULL,
    "vetoed": {"type": "boolean"}, "total": NUMBER_OR_NULL, "grade": {"type": ["string", "null"]},
    "bonus": NUMBER_OR_NULL, "status": {"type": "string", "enum": ["pending", "ineligible", "draft", "approved"]},
    "computed_at": {"type": ["string", "null"], "format": "date-time", "description": "null: not computed yet"},
    "stale": {"type": "boolean", "description": "a company-wide change awaits the scheduler's recompute (minutes): "
                                               "the total is the one before it"},
    "template": {"type": ["object", "null"], "description": "the template version the score was computed on (which "
                                                            "indicators the row has); null: not computed",
                 "properties": {"code": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
                                "name_en": {"type": ["string", "null"]}},
                 "required": ["code", "version", "name", "name_en"], "additionalProperties": False},
}, ["username", "display_name", "eligible", "indicators", "missing", "quantitative", "qualitative", "adjustments",
    "vetoed", "total", "grade", "bonus", "status", "computed_at", "stale", "template"])
MONTH_SUMMARY = core.obj({
    "month": {"type": "string"},
    "indicators": {"type": "array", "items": core.obj({
        "key": {"type": "string", "description": "the key of the rows' indicators: the code, unless several "
                                                "indicators scored in the month share it (code/2, code/3 for the "
                                                "others, in the order of their templates); the same whoever asks"},
        "code": {"type": "string"}, "name": {"type": "string", "description": "with the maximum when names match"},
        "max_points": NUMBER_OR_NULL}, ["key", "code", "name", "max_points"])},
    "rows": {"type": "array", "items": MONTH_ROW}}, ["month", "indicators", "rows"])
PERIOD_SUMMARY = core.obj({
    "year": {"type": "integer"}, "period": {"type": "string", "enum": ["mid-year", "annual"]},
    "months": {"type": "array", "items": {"type": "string"}},
    "rows": {"type": "array", "items": core.obj({
        "username": {"type": "string"}, "display_name": {"type": "string"},
        "months": {"type": "object", "additionalProperties": NUMBER_OR_NULL, "description": "total by month"},
        "score": NUMBER_OR_NULL, "months_counted": {"type": "integer"}, "final": {"type": "boolean"},
        "computed_at": {"type": ["string", "null"], "format": "date-time",
                        "description": "when the final was stored, or the latest computation of its months"},
        "stale": {"type": "boolean", "description": "a month of the current value awaits the scheduler's recompute "
                                                   "(minutes) after a company-wide change"}},
        ["username", "display_name", "months", "score", "months_counted", "final", "computed_at", "stale"])}},
    ["year", "period", "months", "rows"])


TEAM = [{"name": "team", "schema": {"type": "string"}, "description": "a manager's username: that manager's subtree"}]

def _team():
    return request.args.get("team") or None


def _english():
    return language.current() == "en"  # ?lang=en, Accept-Language, the user's setting (tracker.select_locale)


def _month_summary(month):
    return summaries.month_summary(current_user, month, _team())


@bp.route("/summaries/<month:month>", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, MONTH_SUMMARY)
@core.query(TEAM)
def month_summary(month):
    """The month's summary: one row per engineer in scope (query team: a manager's subtree)."""
    summary = _month_summary(month)
    english = _english()
    return core.reply({"month": summary.month,
                       "indicators": [{"key": column.key, "code": column.code,
                                       "name": column.label_en if english else column.label,
                                       "max_points": column.max_points} for column in summary.indicators],
                       "rows": summary.rows})


@bp.route("/summaries/<month:month>.xlsx", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, XLSX, content=XLSX_MIME, description=XLSX_NOTE)
@core.query(TEAM)
def month_summary_workbook(month):
    """The month's summary as a workbook: every indicator's points, Q, L, A, T, grade, bonus, state."""
    summary = _month_summary(month)
    return workbooks.month_download(summary)


def _period(year, period):
    return summaries.period_summary(current_user, year, period, _team())


def _period_reply(summary):
    return core.reply({"year": summary.year, "period": summary.period, "months": summary.months,
                       "rows": summary.rows})


@bp.route("/summaries/<year:year>/mid-year", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, PERIOD_SUMMARY)
@core.query(TEAM)
def mid_year_summary(year):
    """January to June: each month's total and the mid-year score per engineer."""
    return _period_reply(_period(year, "mid-year"))


@bp.route("/summaries/<year:year>/annual", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, PERIOD_SUMMARY)
@core.query(TEAM)
def annual_summary(year):
    """The year: each month's total and the annual score per engineer."""
    return _period_reply(_period(year, "annual"))


@bp.route("/summaries/<year:year>/mid-year.xlsx", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, XLSX, content=XLSX_MIME, description=XLSX_NOTE)
@core.query(TEAM)
def mid_year_summary_workbook(year):
    """The mid-year summary as a workbook."""
    summary = _period(year, "mid-year")
    return workbooks.period_download(summary)


@bp.route("/summaries/<year:year>/annual.xlsx", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, XLSX, content=XLSX_MIME, description=XLSX_NOTE)
@core.query(TEAM)
def annual_summary_workbook(year):
    """The annual summary as a workbook."""
    summary = _period(year, "annual")
    return workbooks.period_download(summary)
