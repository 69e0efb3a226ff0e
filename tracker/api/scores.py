"""Monthly scores, their computation, and the mid-year and annual scores (CONTRACT 7 and 10).

Reading never computes: an engineer in scope whose month has not been computed yet is listed with
status "pending" and null scores (eligible as the hire date says), until the nightly job, the `compute`
command or POST /scores/{month}/compute has run.
"""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock, language, validation
from tracker.api import core
from tracker.api.core import bp
from tracker.api.people import username_in_path
from tracker.auth.access import engineer_for_scores, is_leader, roles
from tracker.errors import Invalid
from tracker.scores import approval, listing, selfscore, services, yearly
from tracker.reviews import services as reviews
from tracker.sheets import summaries
from tracker.validation import page_arg

NUMBER_OR_NULL = {"type": ["number", "null"]}
SLIM_INDICATOR = {
    "code": {"type": "string"}, "name": {"type": "string"}, "applies": {"type": "boolean"},
    "state": {"type": "string", "enum": ["applies", "not_applicable", "missing"],
              "description": "missing: a hand entry the template needs is not made (points count 0, or the "
                             "template's stand-in, until it is; approval answers 409 meanwhile)"},
    "missing": {"type": "boolean", "description": "true when state is missing"},
    "value": {"description": "the measured input: a number, counts by kind, or null"},
    "points": NUMBER_OR_NULL, "max_points": {"type": "number"},
}
EXPLAINED = {
    "explanation": {"type": "string", "description": "one sentence: how the points followed from the value"},
    "records": {"type": "object", "description": "ids of the records behind the value, by kind (work_orders, "
                "attendance_days, surveys, complaints, trips, expenses, metric_entries, incidents, ratings)",
                "additionalProperties": {"type": "array", "items": {"type": "integer"}}},
}
INDICATOR = core.obj({**SLIM_INDICATOR, **EXPLAINED}, [*SLIM_INDICATOR, "explanation", "records"])
ROW = {
    "username": {"type": "string"}, "display_name": {"type": "string"}, "eligible": {"type": "boolean"},
    "quantitative": NUMBER_OR_NULL, "qualitative": NUMBER_OR_NULL, "adjustments": NUMBER_OR_NULL,
    "vetoed": {"type": "boolean"}, "total": NUMBER_OR_NULL, "grade": {"type": ["string", "null"]},
    "bonus": NUMBER_OR_NULL,
    "status": {"type": "string", "enum": ["pending", "draft", "approved"],
               "description": "pending: not computed yet; draft: recomputed with every change; approved: fixed"},
    "computed_at": {"type": ["string", "null"], "format": "date-time",
                    "description": "when the figures were computed; the as_of instant of a current month"},
    "stale": {"type": "boolean", "description": "a company-wide change awaits the scheduler's recompute (minutes)"},
}
SCORE = core.obj({**ROW, "indicators": {"type": "array", "items": {
    "type": "object", "properties": {**SLIM_INDICATOR, **EXPLAINED}, "required": list(SLIM_INDICATOR),
    "additionalProperties": False,
    "description": "explanation and records only with explain=1"}}}, [*ROW, "indicators"])
DETAIL = core.obj({
    **ROW, "indicators": {"type": "array", "items": INDICATOR},
    "reviews": {"type": "array", "items": core.obj({
        "group": {"type": "string", "enum": ["leader", "peer", "self"]}, "score": {"type": "number"},
        "raters": {"type": "integer"}}, ["group", "score", "raters"])},
    "adjustment_list": {"type": "array", "items": core.obj({
        "id": {"type": "integer"}, "points": {"type": "number"}, "reason": {"type": "string"},
        "status": {"type": "string", "enum": ["proposed", "approved", "rejected"]},
        "proposed_at": {"type": "string", "format": "date-time"}},
        ["id", "points", "reason", "status", "proposed_at"])},
    "veto": {"oneOf": [{"type": "null"}, core.obj({"reason": {"type": "string"},
                                                   "recorded_at": {"type": "string", "format": "date-time"}},
                                                  ["reason", "recorded_at"])]},
    "interview": {"oneOf": [{"type": "null"}, core.obj({"held_at": {"type": "string", "format": "date-time"},
                                                        "notes": {"type": ["string", "null"]}},
                                                       ["held_at", "notes"])]},
    "outcome": {"oneOf": [{"type": "null"}, core.obj({
        "decision": {"type": "string"}, "detail": {"type": ["string", "null"]},
        "recorded_at": {"type": "string", "format": "date-time"}}, ["decision", "detail", "recorded_at"])],
        "description": "what a leader decided from the appraisal (templates with outcomes, form 9: 转正, 续签劳动合同 ...)"},
    "self_assessment": {"oneOf": [{"type": "null"}, core.obj({
        "points": {"type": "object", "additionalProperties": {"type": ["number", "null"]}},
        "total": NUMBER_OR_NULL, "recorded_at": core.NULLABLE_DATETIME}, ["points", "total", "recorded_at"])],
        "description": "自评 (templates with a self assessment, form 7): the engineer's own points per line (null: not "
                       "given) and what they give; null for other templates"},
    "history": {"type": "array", "items": core.obj({
        "at": {"type": "string", "format": "date-time"}, "action": {"type": "string"},
        "actor": {"type": ["string", "null"]}, "detail": {"type": ["string", "null"]}},
        ["at", "action", "actor", "detail"])},
}, [*ROW, "indicators", "reviews", "adjustment_list", "veto", "interview", "outcome", "self_assessment", "history"])
MONTH_SCORES = core.obj({"month": {"type": "string"}, "page": {"type": "integer", "minimum": 1},
                         "pages": {"type": "integer", "minimum": 1},
                         "total": {"type": "integer", "description": "engineers in scope (all pages)"},
                         "scores": {"type": "array", "items": SCORE}},
                        ["month", "page", "pages", "total", "scores"])
TEAM_QUERY = [{"name": "team", "schema": {"type": "string"},
               "description": "a manager's username: that manager's subtree"}]
PAGE_QUERY = [
    {"name": "page", "schema": {"type": "integer", "minimum": 1, "maximum": validation.QUERY_NUMBER_MAX, "default": 1}},
    {"name": "per_page", "schema": {"type": "integer", "minimum": 1, "maximum": listing.PER_PAGE_MAX,
                                    "default": listing.PER_PAGE_DEFAULT}},
    *TEAM_QUERY,
    {"name": "explain", "schema": {"type": "string", "enum": ["0", "1"]},
     "description": "1: each indicator with its explanation and records"},
]
COMPUTED = core.obj({"month": {"type": "string"}, "computed": {"type": "integer"}}, ["month", "computed"])
PERIOD_SCORE = core.obj({"username": {"type": "string"}, "display_name": {"type": "string"},
                         "score": NUMBER_OR_NULL, "months": {"type": "integer", "description": "months averaged"},
                         "final": {"type": "boolean"},
                         "computed_at": {"type": ["string", "null"], "format": "date-time",
                                         "description": "when the final was stored; for a current value, the "
                                                        "latest computation of its months (null: none computed)"},
                         "stale": {"type": "boolean", "description": "a month of the current value awaits the "
                                                                     "scheduler's recompute (minutes) after a "
                                                                     "company-wide change"}},
                        ["username", "display_name", "score", "months", "final", "computed_at", "stale"])
PERIOD_SCORES = core.obj({"year": {"type": "integer"}, "period": {"type": "string", "enum": ["mid-year", "annual"]},
                          "final": {"type": "boolean",
                                    "description": "every engineer assessed in a month of the period has the stored "
                                                   "final score (one assessed in none has nothing to settle)"},
                          "scores": {"type": "array", "items": PERIOD_SCORE}},
                         ["year", "period", "final", "scores"])


def _english():
    """English names and explanations in an English request (?lang=en, the client's Accept-Language, the user's
    setting: tracker.select_locale), as its messages are."""
    return language.current() == "en"


def _indicator(line, english, explained):
    """An indicator line (a dict of ScoreLine columns) as the API shows it."""
    state = "missing" if line["missing"] else ("applies" if line["applies"] else "not_applicable")
    item = {"code": line["code"], "name": (line["name_en"] or line["name"]) if english else line["name"],
            "applies": line["applies"], "state": state, "missing": line["missing"],
            "value": listing.line_value(line["value"]), "points": line["points"], "max_points": line["max_points"]}
    if explained:
        item["explanation"] = listing.line_explanation(line, "en" if english else "zh")
        item["records"] = listing.line_records(line["record_ids"])
    return item


def _score(person, score, month, lines, english, explained):
    row = {"username": person.username, "display_name": person.display_name, "eligible": None,
           "quantitative": None, "qualitative": None, "adjustments": None, "vetoed": False, "total": None,
           "grade": None, "bonus": None, "status": "pending", "computed_at": None, "stale": False,
           "indicators": []}
    if score is None:
        row["eligible"] = services.is_eligible(person, month)
        return row
    row.update(eligible=score.eligible, quantitative=score.quantitative, qualitative=score.qualitative,
               adjustments=score.adjustments, vetoed=score.vetoed, total=score.total, grade=score.grade,
               bonus=score.bonus, status=score.status, computed_at=score.computed_at, stale=score.stale,
               indicators=[_indicator(line, english, explained) for line in lines.get(score.id, [])])
    return row


def _flag(name):
    value = request.args.get(name) or "0"  # left empty: not given (api/core.query)
    if value not in ("0", "1"):
        raise Invalid.field(name, _("须为 0 或 1"))
    return value == "1"


@bp.route("/scores/<month:month>/compute", methods=["POST"])
@roles("manager", "gm", "admin")
@core.answers(200, COMPUTED)
def compute_scores(month):
    """Recompute the month's draft scores now (a manager: the own team; gm and admin: everyone)."""
    summary = services.compute_asked(month, clock.now(), actor=current_user)
    core.commit()
    return core.reply({"month": month, "computed": summary["computed"]})


@bp.route("/scores/<month:month>", methods=["GET"])
@roles("engineer", "manager", "gm", "admin")
@core.answers(200, MONTH_SCORES)
@core.query(PAGE_QUERY)
def month_scores(month):
    """A page of the month's scores of the engineers in scope, by username (explain=1: with explanations)."""
    page = page_arg(request.args.get("page"))
    per_page = page_arg(request.args.get("per_page"), "per_page", listing.PER_PAGE_DEFAULT, listing.PER_PAGE_MAX)
    explained = _flag("explain")
    team = listing.team_of(current_user, request.args.get("team"))
    result = listing.month_page(current_user, month, team=team, page=page, per_page=per_page)
    lines = listing.page_lines(result, explained)
    english = _english()
    return core.reply({"month": month, "page": result.page, "pages": result.pages, "total": result.total,
                       "scores": [_score(person, score, month, lines, english, explained)
                                  for person, score in result.rows]})


@bp.route("/scores/<month:month>/<username>", methods=["GET"])
@roles("engineer", "manager", "gm", "admin")
@core.answers(200, DETAIL)
def engineer_score(month, username):
    """One engineer's month: every indicator with its explanation and records, reviews, adjustments, history."""
    engineer = engineer_for_scores(current_user, username_in_path(username))
    score = services.stored_scores([engineer.id], month).get(engineer.id)
    lines = {}
    if score is not None:
        lines[score.id] = [{name: getattr(line, name) for name in listing.EXPLAINED_COLUMNS}
                           for line in score.lines]
    row = _score(engineer, score, month, lines, _english(), True)
    groups = {}
    spec = reviews.review_spec(engineer, month)
    for review, _rater in reviews.reviews_of(engineer, month):
        score = reviews.counted_score(review, spec)
        if score is not None:  # a review that counts for nothing is in no group's mean
            groups.setdefault(review.group, []).append(score)
    row["reviews"] = [{"group": group, "score": sum(scores) / len(scores), "raters": len(scores)}
                      for group, scores in sorted(groups.items())]
    row["adjustment_list"] = [{"id": a.id, "points": a.points, "reason": a.reason, "status": a.status,
                               "proposed_at": a.proposed_at} for a in approval.adjustments_of(engineer, month)]
    veto = approval.veto_of(engineer, month)
    row["veto"] = None if veto is None else {"reason": veto.reason, "recorded_at": veto.recorded_at}
    interview = approval.latest_interview(engineer, month)
    notes_visible = current_user.role == "admin" or is_leader(current_user, engineer)
    row["interview"] = None if interview is None else {
        "held_at": interview.held_at, "notes": interview.notes if notes_visible else None}
    outcome = approval.outcome_of(engineer, month)
    row["outcome"] = None if outcome is None else {"decision": outcome.decision, "detail": outcome.detail,
                                                   "recorded_at": outcome.recorded_at}
    shown = selfscore.view(approval.month_template(engineer, month), engineer, month)
    row["self_assessment"] = None if shown is None else {"points": shown.points, "total": shown.total,
                                                         "recorded_at": shown.recorded_at}
    row["history"] = [{"at": event.at, "action": event.action, "actor": actor.username if actor else None,
                       "detail": event.detail}
                      for event, actor in services.score_history(engineer, month)]
    return core.reply(row)


def _period(year, period):
    # in scope, and under the manager `team` names as the month's list and the summaries take it (it was ignored)
    people = summaries.people(current_user, summaries.period_months(year, period), request.args.get("team") or None)
    results = yearly.period_view([person.id for person in people], year, period)
    rows = [{"username": person.username, "display_name": person.display_name,
             "score": results[person.id].score, "months": results[person.id].months,
             "final": results[person.id].final, "computed_at": results[person.id].computed_at,
             "stale": results[person.id].stale}
            for person in sorted(people, key=lambda person: person.username)]  # as the monthly list
    return core.reply({"year": year, "period": period, "final": yearly.all_final(people, results, year, period),
                       "scores": rows})


@bp.route("/scores/<year:year>/mid-year", methods=["GET"])
@roles("engineer", "manager", "gm", "admin")
@core.answers(200, PERIOD_SCORES)
@core.query(TEAM_QUERY)
def mid_year_scores(year):
    """Mid-year scores: the mean of January to June's totals of the eligible months (final once stored in July)."""
    return _period(year, "mid-year")


@bp.route("/scores/<year:year>/annual", methods=["GET"])
@roles("engineer", "manager", "gm", "admin")
@core.answers(200, PERIOD_SCORES)
@core.query(TEAM_QUERY)
def annual_scores(year):
    """Annual scores: the mean of the year's monthly totals of the eligible months (final once stored in January)."""
    return _period(year, "annual")
