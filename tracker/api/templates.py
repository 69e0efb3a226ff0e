"""KPI template versions: list, get (with the diff against the previous version), create, and the what-if preview."""

from flask import request
from sqlalchemy import select

from tracker import clock, language
from tracker.api import core
from tracker.api.core import bp
from tracker.api.scores import NUMBER_OR_NULL
from tracker.auth.access import roles
from tracker.editor import services
from tracker.extensions import db
from tracker.scores.models import KpiTemplate
from tracker.reviews.services import latest_templates

MONTH = core.MONTH
TEMPLATE_BODY = {"type": "object", "description": "the template as data (the same keys as the YAML presets)"}
SUMMARY = core.obj({"code": {"type": "string"},
                    "name": {"type": "string", "description": "in the reader's language (as the scores' names)"},
                    "name_en": {"type": ["string", "null"]}, "version": {"type": "integer"},
                    "effective_from": {"type": "string"}, "role": {"type": ["string", "null"]}},
                   ["code", "name", "name_en", "version", "effective_from", "role"])
VERSION = core.obj({
    "code": {"type": "string"}, "version": {"type": "integer"}, "effective_from": {"type": "string"},
    "body": TEMPLATE_BODY,
    "changes": {"type": "array", "description": "what differs from the previous version",
                "items": core.obj({"path": {"type": "string"}, "old": {}, "new": {}}, ["path", "old", "new"])},
}, ["code", "version", "effective_from", "body", "changes"])
VERSIONS = core.obj({"code": {"type": "string"}, "versions": {"type": "array", "items": core.obj(
    {"version": {"type": "integer"}, "effective_from": {"type": "string"}}, ["version", "effective_from"])}},
    ["code", "versions"])
SIDE = core.obj({"quantitative": NUMBER_OR_NULL, "total": NUMBER_OR_NULL, "grade": {"type": ["string", "null"]},
                 "bonus": NUMBER_OR_NULL}, ["quantitative", "total", "grade", "bonus"])
TOTAL_SIDE = core.obj({"engineers": {"type": "integer"}, "mean_total": NUMBER_OR_NULL, "bonus": {"type": "number"}},
                      ["engineers", "mean_total", "bonus"])
WHAT_IF = core.obj({
    "month": {"type": "string"},
    "rows": {"type": "array", "items": core.obj({"username": {"type": "string"}, "old": SIDE, "new": SIDE},
                                                ["username", "old", "new"])},
    "totals": core.obj({"old": TOTAL_SIDE, "new": TOTAL_SIDE, "difference": core.obj(
        {"mean_total": NUMBER_OR_NULL, "bonus": {"type": "number"}}, ["mean_total", "bonus"])},
        ["old", "new", "difference"])}, ["month", "rows", "totals"])


@bp.route("/templates", methods=["GET"])
@roles("admin")
@core.answers(200, {"type": "object", "properties": {"templates": {"type": "array", "items": SUMMARY}}})
@core.query([{"name": "hidden", "schema": {"type": "string", "enum": ["0", "1"]},
              "description": "1: also the templates hidden from the lists"}])
def list_templates():
    """The latest version of every template (query hidden=1: also the ones hidden from the lists)."""
    hidden = set() if request.args.get("hidden") == "1" else services.hidden_codes()
    english = language.current() == "en"
    return core.reply({"templates": [{"code": t["code"], "name": (t["name_en"] or t["name"]) if english else t["name"],
                                      "name_en": t["name_en"], "version": t["version"],
                                      "effective_from": t["effective_from"], "role": t["role"]}
                                     for t in latest_templates() if t["code"] not in hidden]})


@bp.route("/templates/<code>", methods=["GET"])
@roles("admin")
@core.answers(200, VERSIONS)
def template_versions(code):
    """The versions of a template and the month each starts at."""
    services.latest_version(code)
    rows = db.session.execute(select(KpiTemplate.version, KpiTemplate.effective_from)
                              .where(KpiTemplate.code == code).order_by(KpiTemplate.version)).all()
    return core.reply({"code": code, "versions": [{"version": v, "effective_from": m} for v, m in rows]})


@bp.route("/templates/<code>/versions/<int:version>", methods=["GET"])
@roles("admin")
@core.answers(200, VERSION)
def template_version(code, version):
    """One version's body and what it changed against the version before it."""
    row = services.version_of(code, version)
    previous = db.session.scalar(select(KpiTemplate).where(KpiTemplate.code == code, KpiTemplate.version < version)
                                 .order_by(KpiTemplate.version.desc()).limit(1))
    changes = services.diff(services.body_of(previous), services.body_of(row)) if previous else []
    return core.reply({"code": code, "version": row.version, "effective_from": row.effective_from,
                       "body": services.body_of(row),
                       "changes": [{"path": p, "old": old, "new": new} for p, old, new in changes]})


@bp.route("/templates/<code>/versions", methods=["POST"])
@roles("admin")
@core.body(core.obj({"body": TEMPLATE_BODY, "effective_from": MONTH}, ["body", "effective_from"]))
@core.answers(201, VERSION)
def create_template_version(code, data):
    """A new version, checked by the presets' loader (422 with a message per field), from a month not in the past."""
    row = services.create_version(code, data["body"], data["effective_from"], clock.now())
    core.commit()
    services.recompute_if_started(row, clock.now())
    core.commit()
    body = template_version(code, row.version)
    return body[0], 201


@bp.route("/templates/<code>/versions/<int:version>", methods=["DELETE"])
@roles("admin")
@core.answers(204)
def withdraw_template_version(code, version):
    """Withdraw the latest version while it is not in force yet (it starts after the current month); 409 for any
    other: a version saved for the wrong month held back every new version before it."""
    services.withdraw_version(code, version, clock.now())
    core.commit()
    return "", 204


@bp.route("/templates/<code>/what-if", methods=["POST"])
@roles("admin")
@core.body(core.obj({"body": TEMPLATE_BODY, "month": MONTH}, ["body", "month"]))
@core.answers(200, WHAT_IF)
def template_what_if(code, data):
    """A changed template over a past month: each engineer's old and new Q, T, grade and bonus; nothing stored."""
    services.latest_version(code)
    rows, totals = services.what_if(code, data["body"], data["month"], clock.now())
    return core.reply({"month": data["month"], "totals": totals,
                       "rows": [{"username": r.username, "old": r.old, "new": r.new} for r in rows]})
