"""Saying that a change reached a month whose score is approved: the record is kept, the approved score is not
changed until the gm reopens that month (CONTRACT 7). One hook for every door: a page's next view flashes it, an
API answer carries it in the `X-Approved-Scores-Unchanged` header (username/YYYY-MM, comma separated)."""

from flask import flash, request
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.scores import live

HEADER = "X-Approved-Scores-Unchanged"


def tell(response):
    """after_request: the approved months this request's committed changes left as they were, said once."""
    held = live.take_held()
    if not held or response.status_code >= 400:
        return response
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_({e for e, _m in held})))}
    if request.path.startswith("/api/"):
        response.headers[HEADER] = ", ".join(f"{people[e].username}/{m}" for e, m in held if e in people)
        return response
    by_month = {}
    for engineer_id, month in held:
        if engineer_id in people:
            by_month.setdefault(str(month), []).append(people[engineer_id].display_name)
    for month, names in by_month.items():
        flash(_("%(names)s %(month)s 的考核结果已审批：这次修改已保存，但不改变已审批的得分；总经理重新打开该月后才计入",
                names="、".join(names), month=month), "warning")
    return response
