"""Pages of a month's scores: the engineers in scope (optionally one manager's subtree), a page at a time.

A page costs a fixed number of queries whatever the size of the company: one count of the engineers in scope,
one page of (engineer, score) rows, and one query of the page's indicator lines.
"""

import json
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from tracker.auth.access import (ALL_SEEING, can_see_score, is_above, listed_engineer, named, scope_filter,
                                 team_filter)
from tracker.auth.models import User
from tracker.codepoint import by_code_point
from tracker.errors import Forbidden, Invalid
from tracker.extensions import db
from tracker.scores.models import Score, ScoreLine, explanation
from tracker.scoring.month import Month
from tracker.workorders.models import Complaint
from tracker.values import month_arg

PER_PAGE_DEFAULT = 100
PER_PAGE_MAX = 200
SLIM_COLUMNS = ("score_id", "code", "name", "name_en", "applies", "missing", "value", "points", "max_points")
EXPLAINED_COLUMNS = SLIM_COLUMNS + ("message", "explanation", "explanation_en", "record_ids")


@dataclass(frozen=True)
class ScorePage:
    """One page of a month's scores: rows of (engineer, Score or None) and the page's arithmetic."""

    month: str
    rows: list
    total: int
    page: int
    per_page: int
    team: object = None

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))


def team_of(viewer, username):
    """The manager whose subtree `team` names; 422 when there is none, 403 when outside the viewer's scope."""
    if not username:
        return None
    manager = named(username)
    if manager is None or manager.role not in ("manager", "gm"):
        raise Invalid.field("team", _("没有该主管"))
    if viewer.role not in ALL_SEEING and manager.id != viewer.id and not is_above(viewer, manager):
        raise Forbidden(_("无权查看该团队的考核"))
    return manager


def teams_in_scope(viewer):
    """The managers whose teams the viewer may pick on the month page (the viewer first when a manager)."""
    query = select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.display_name,
                                                                                        User.username)
    if viewer.role not in ALL_SEEING:
        query = query.where(scope_filter(viewer, User.id))
    return db.session.scalars(query).all()


def month_page(viewer, month, *, team=None, page=1, per_page=PER_PAGE_DEFAULT, order="username"):
    """The page of the month's scores the viewer may see; one who left, or is no longer an engineer, only when scored
    for the month."""
    month = month_arg(month)
    scope = [scope_filter(viewer, User.id)]
    if team is not None:
        scope.append(team_filter(User.id, team))
    joined = and_(Score.engineer_id == User.id, Score.month == month)
    shown = listed_engineer(Score.id.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(User).outerjoin(Score, joined)
                              .where(*scope, shown))
    ordering = (by_code_point(User.username),) if order == "username" else (User.display_name, User.username)
    rows = db.session.execute(select(User, Score).outerjoin(Score, joined).where(*scope, shown)
                              .order_by(*ordering).limit(per_page).offset((page - 1) * per_page)).all()
    return ScorePage(month, [(engineer, score) for engineer, score in rows], int(total or 0), page, per_page, team)


def page_lines(page, explained=False):
    """{score_id: [line dict, ...]} of the page's scores, in position order (one query)."""
    ids = [score.id for _engineer, score in page.rows if score is not None]
    lines = {score_id: [] for score_id in ids}
    if not ids:
        return lines
    columns = EXPLAINED_COLUMNS if explained else SLIM_COLUMNS
    table = ScoreLine.__table__
    for row in db.session.execute(select(*(table.c[name] for name in columns))
                                  .where(table.c.score_id.in_(ids))
                                  .order_by(table.c.score_id, table.c.position)).mappings():
        lines[row["score_id"]].append(dict(row))
    return lines


def line_value(text):
    """A stored measured value (numbers as floats: they are shown as stored, not rounded again)."""
    return None if text is None else json.loads(text)


def line_explanation(line, lang):
    """The explanation of a line dict of EXPLAINED_COLUMNS in lang, rendered from its message (or its old text)."""
    return explanation(line["message"], line["explanation"], line["explanation_en"], lang)


def line_records(text):
    return json.loads(text) if text else {}


def citing(viewer, order):
    """The indicator lines whose records name this work order (a late response, a late completion, a rework charged
    to the engineer of the order it redoes) or one of its surveys or complaints (a low survey, an upheld complaint),
    in the scores the viewer may see: (score, line) pairs by month."""
    complaints = db.session.execute(select(Complaint.id, Complaint.engineer_id, Complaint.day)
                                    .where(Complaint.work_order_id == order.id)).all()
    mine = {"work_orders": {order.id}, "surveys": {survey.id for survey in order.surveys},
            "complaints": {row.id for row in complaints}}
    people = {order.engineer_id, order.rework_of.engineer_id if order.rework_of is not None else None,
              *(row.engineer_id for row in complaints)} - {None}
    months = {Month.of(at) for at in (order.reported_at, order.deadline_at, order.completed_at,
                                      *(row.day for row in complaints)) if at is not None}
    if not people or not months:
        return []
    cited, visible = [], {}  # whether the viewer may see each engineer's scores, asked once per engineer
    for score, line, engineer in db.session.execute(
            select(Score, ScoreLine, User).join(ScoreLine, ScoreLine.score_id == Score.id)
            .join(User, User.id == Score.engineer_id)
            .where(Score.engineer_id.in_(people), Score.month.in_(months), ScoreLine.record_ids.is_not(None))
            .order_by(Score.month, Score.engineer_id, ScoreLine.position)):
        records = line_records(line.record_ids)
        if not any(mine[table] & set(records.get(table, ())) for table in mine):
            continue
        if engineer.id not in visible:
            visible[engineer.id] = can_see_score(viewer, engineer)
        if visible[engineer.id]:
            cited.append((score, line))
    return cited
