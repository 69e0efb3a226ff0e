"""The data-quality list of a month: every gap in the caller's scope, by kind."""

from flask_login import current_user

from tracker import clock
from tracker.api import core
from tracker.api.core import bp
from tracker.auth.access import roles
from tracker.quality import services

GAP = core.obj({"kind": {"type": "string", "enum": list(services.KINDS)}, "username": {"type": "string"},
                "work_order": {"type": ["string", "null"], "description": "number of the work order to fix"},
                "work_order_id": {"type": ["integer", "null"]},
                "trip_id": {"type": ["integer", "null"]}, "date": {"type": ["string", "null"], "format": "date"},
                "indicator": {"type": ["string", "null"],
                              "description": "hand_entry_missing: the code of the indicator without its entry"}},
               ["kind", "username", "work_order", "work_order_id", "trip_id", "date", "indicator"])
GAPS = core.obj({"month": {"type": "string"}, "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                 "gaps": {"type": "array", "items": GAP}}, ["month", "counts", "gaps"])


@bp.route("/quality/<month:month>", methods=["GET"])
@roles("manager", "gm", "admin")
@core.answers(200, GAPS)
def quality_gaps(month):
    """What is missing in a month before it closes: a manager sees the own team, gm and admin everyone."""
    gaps = services.month_gaps(current_user, month, clock.now())
    return core.reply({"month": month, "counts": {kind: len(items) for kind, items in gaps.items()},
                       "gaps": [{"kind": gap.kind, "username": gap.username, "work_order": gap.work_order,
                                 "work_order_id": gap.work_order_id, "trip_id": gap.trip_id,
                                 "date": gap.day.isoformat() if gap.day else None, "indicator": gap.indicator}
                                for items in gaps.values() for gap in items]})
