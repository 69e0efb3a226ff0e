"""Reviews, incidents, metric entries and manual ratings (CONTRACT 7 and 10)."""

import json

from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from tracker import clock, language
from tracker.api import core
from tracker.api.core import bp
from tracker.api.people import MONTH, row_or_404, text, username_in_path
from tracker.auth.access import engineer_by_username, roles
from tracker.errors import Invalid, NotFound
from tracker.reviews import services
from tracker.reviews.models import Incident, MetricEntry, Rating
from tracker.scoring.decimals import round2

GROUP = {"type": "string", "enum": ["self", "leader", "peer"]}
KEY = core.ruled(r"^[a-z][a-z0-9_]*$", _l("代码须以小写字母开头，只含 a-z、0-9 和 _"), minLength=1, maxLength=60)
NUMBER = {"type": "number"}

RATINGS = {"type": "object", "description": "every criterion code of the engineer's template in force -> an integer "
           "from 0 to its top rating (GET /reviews/{month}/{username} lists them as `criteria` and `scale_max`; the "
           "default template: responsibility, discipline, initiative, loyalty, teamwork, innovation, judgement, "
           "each 0..5)", "additionalProperties": {"type": "integer"}}
CRITERION = core.obj({"code": {"type": "string"},
                      "name": {"type": "string", "description": "in the call's language (as an indicator's name)"},
                      "name_en": {"type": "string"}},
                     ["code", "name", "name_en"])
REVIEW_BODY = core.obj({"ratings": RATINGS, "comment": text(500)}, ["ratings"])
REVIEW_SAVED = core.obj({"group": GROUP, "score": NUMBER}, ["group", "score"])
REVIEW = core.obj({"rater": {"type": "string"}, "group": GROUP, "ratings": RATINGS,
                   "score": {"type": ["number", "null"], "description": "null: the review counts for nothing (its "
                             "group is not counted, or it rates criteria the template no longer has)"},
                   "comment": {"type": ["string", "null"]}, "updated_at": core.DATETIME},
                  ["rater", "group", "ratings", "score", "comment", "updated_at"])
REVIEWS = core.obj({"month": {"type": "string"}, "username": {"type": "string"},
                    "criteria": {"type": "array", "items": CRITERION,
                                 "description": "what a review rates under the template in force (empty: it takes "
                                                "no review)"},
                    "scale_max": {"type": ["integer", "null"]}, "groups": {"type": "array", "items": GROUP},
                    "reviews": {"type": "array", "items": REVIEW}},
                   ["month", "username", "criteria", "scale_max", "groups", "reviews"])

INCIDENT_BODY = core.obj({"engineer": core.USERNAME, "date": core.DATE, "indicator": KEY,
                          "category": {"type": ["string", "null"], "maxLength": 60},
                          "amount": {"type": ["number", "null"]}, "note": text(500)}, ["engineer", "date", "indicator"])
INCIDENT = core.obj({"id": {"type": "integer"}, "engineer": {"type": "string"}, "date": core.DATE,
                     "indicator": {"type": "string"}, "category": {"type": ["string", "null"]},
                     "amount": {"type": ["number", "null"]}, "note": {"type": ["string", "null"]}},
                    ["id", "engineer", "date", "indicator", "category", "amount", "note"])
METRIC_BODY = core.obj({"engineer": core.USERNAME, "month": MONTH, "key": KEY, "actual": NUMBER,
                        "plan": {"type": ["number", "null"]}, "note": text(500)},
                       ["engineer", "month", "key", "actual"])
METRIC = core.obj({"id": {"type": "integer"}, "engineer": {"type": "string"}, "month": {"type": "string"},
                   "key": {"type": "string"}, "plan": {"type": ["number", "null"]}, "actual": NUMBER,
                   "note": {"type": ["string", "null"]}},
                  ["id", "engineer", "month", "key", "plan", "actual", "note"])
RATING_BODY = core.obj({"engineer": core.USERNAME, "month": MONTH, "key": KEY,
                        "level": {"type": ["string", "null"], "maxLength": 16},
                        "points": {"type": ["number", "null"]}}, ["engineer", "month", "key"])
RATING = core.obj({"id": {"type": "integer"}, "engineer": {"type": "string"}, "month": {"type": "string"},
                   "key": {"type": "string"}, "group": GROUP, "level": {"type": ["string", "null"]},
                   "points": {"type": ["number", "null"]}},
                  ["id", "engineer", "month", "key", "group", "level", "points"])


def _engineer(username):
    return engineer_by_username(username_in_path(username))


def _engineer_in_body(username):
    """The engineer a body names: a name that is no engineer is a bad value (422 on `engineer`), as for trips,
    expenses and complaints; a name in the path is 404."""
    try:
        return engineer_by_username(username)
    except NotFound as error:
        raise Invalid.field("engineer", error.message) from None


# ---- reviews ---------------------------------------------------------------------------------------

@bp.route("/reviews/<month:month>/<username>", methods=["PUT"])
@roles("engineer", "manager", "gm")
@core.answers(200, REVIEW_SAVED)
@core.body(REVIEW_BODY)
def put_review(month, username, data):
    """Review an engineer for a month: every criterion of the template in force (default: seven, 0–5); the group
    follows from who the caller is; 403 when the template takes no review from that group."""
    engineer = _engineer(username)
    review = services.save_review(current_user, engineer, month, data["ratings"], data.get("comment"),
                                  now=clock.now())
    core.commit()
    spec = services.review_spec(engineer, month)
    return core.reply({"group": review.group, "score": round2(services.counted_score(review, spec))})


@bp.route("/reviews/<month:month>/<username>", methods=["GET"])
@roles()
@core.answers(200, REVIEWS)
def get_reviews(month, username):
    """The month's reviews of an engineer (all of them for a leader or admin, otherwise only the caller's own), and
    what a review rates under the template in force: its criteria, top rating and the groups that count; 403 for
    anyone who may neither read nor write a review of this engineer (the back office, another team's manager)."""
    engineer = _engineer(username)
    rows = services.visible_reviews(current_user, engineer, month)
    spec = services.review_spec(engineer, month)
    return core.reply({
        "month": month, "username": engineer.username,
        "criteria": [{"code": code, "name": name.get(language.current()), "name_en": name.en}
                     for code, name in spec.criteria]
        if spec is not None else [],
        "scale_max": spec.scale_max if spec is not None else None,
        "groups": list(spec.raters.groups) if spec is not None else [],
        "reviews": [{"rater": rater.username, "group": review.group, "ratings": json.loads(review.ratings),
                     "score": round2(services.counted_score(review, spec)),
                     "comment": review.comment, "updated_at": review.updated_at} for review, rater in rows]})


# ---- incidents -------------------------------------------------------------------------------------

def _incident_dict(incident, engineer):
    return {"id": incident.id, "engineer": engineer.username, "date": incident.day, "indicator": incident.indicator,
            "category": incident.category, "amount": incident.amount, "note": incident.note}


@bp.route("/incidents", methods=["POST"])
@roles("manager", "gm")
@core.answers(201, INCIDENT)
@core.body(INCIDENT_BODY)
def post_incident(data):
    """Record an incident (e.g. phone not answered, −2) against an incident indicator of the engineer's template."""
    engineer = _engineer_in_body(data["engineer"])
    incident = services.record_incident(current_user, engineer, core.parse_date(data["date"]), data["indicator"],
                                        data.get("category"), data.get("amount"), data.get("note"),
                                        now=clock.now())
    core.commit()
    return core.reply(_incident_dict(incident, engineer), 201)


@bp.route("/incidents/<int:incident_id>", methods=["DELETE"])
@roles("manager", "gm")
@core.answers(204)
def delete_incident(incident_id):
    """Remove an incident (manager above, gm; not once the month is approved)."""
    services.delete_incident(current_user, row_or_404(Incident, incident_id, _("事件记录")))
    core.commit()
    return "", 204


# ---- metric entries --------------------------------------------------------------------------------

@bp.route("/metrics", methods=["POST"])
@roles("manager", "gm")
@core.answers(201, METRIC)
@core.body(METRIC_BODY)
def post_metric(data):
    """Enter a month's metric (plan and actual); one entry per engineer, month and key (replaced when sent
    again); 201 either way (CONTRACT 10)."""
    engineer = _engineer_in_body(data["engineer"])
    entry = services.save_metric(current_user, engineer, data["month"], data["key"], data["actual"],
                                 data.get("plan"), data.get("note"), now=clock.now())
    core.commit()
    return core.reply({"id": entry.id, "engineer": engineer.username, "month": entry.month, "key": entry.key,
                       "plan": entry.plan, "actual": entry.actual, "note": entry.note}, 201)


@bp.route("/metrics/<int:entry_id>", methods=["DELETE"])
@roles("manager", "gm")
@core.answers(204)
def delete_metric(entry_id):
    """Remove a metric entry (manager above, gm; not once the month is approved)."""
    services.delete_metric(current_user, row_or_404(MetricEntry, entry_id, _("录入记录")))
    core.commit()
    return "", 204


# ---- manual ratings --------------------------------------------------------------------------------

@bp.route("/ratings", methods=["POST"])
@roles("engineer", "manager", "gm")
@core.answers(201, RATING)
@core.body(RATING_BODY)
def post_rating(data):
    """Rate an indicator: a scale level (rating) or points in range (manual); the group follows from the caller."""
    engineer = _engineer_in_body(data["engineer"])
    rating = services.save_rating(current_user, engineer, data["month"], data["key"], data.get("level"),
                                  data.get("points"), now=clock.now())
    core.commit()
    return core.reply({"id": rating.id, "engineer": engineer.username, "month": rating.month, "key": rating.key,
                       "group": rating.group, "level": rating.level, "points": rating.points}, 201)


@bp.route("/ratings/<int:rating_id>", methods=["DELETE"])
@roles("engineer", "manager", "gm")
@core.answers(204)
def delete_rating(rating_id):
    """Remove a rating (its rater, or a manager above / gm; not once the month is approved)."""
    services.delete_rating(current_user, row_or_404(Rating, rating_id, _("评分")))
    core.commit()
    return "", 204
