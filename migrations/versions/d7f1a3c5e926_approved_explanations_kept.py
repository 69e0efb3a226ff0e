"""approved scores' explanations kept as the instance showed them, for scores approved before approval kept them

Revision ID: d7f1a3c5e926
Revises: c1e3a5b7d924
Create Date: 2026-12-05 14:30:00

From c5e8a1f3b920 on, a score line stores its explanation as a message, rendered when read; only since 351bf7e does
approval write the text it read then into explanation / explanation_en. Lines of a score approved in between were
rendered with each release's wording, so an upgrade changed an approved month's text (准时完工：逾期完工 6 单 read
逾期 6 单 after the release of 2026-12-03 15:37 UTC, 70fccd0). This revision writes their text as the release the
instance ran until this upgrade showed it, and leaves no approved line rendered when read: in the wording of the
releases up to this revision (THEN_WORDING for the keys a later release reworded: English plurals), except the one
wording a release changed since messages were stored (on_time's 逾期完工), for an instance that ran a release from
before that change (its database at d2f4a6b8c031 or earlier, the last revision before it).
"""
import json

from alembic import context, op
from alembic.script import ScriptDirectory
import sqlalchemy as sa


revision = 'd7f1a3c5e926'
down_revision = 'c1e3a5b7d924'
branch_labels = None
depends_on = None

# key -> (Chinese, English) as they read before 70fccd0, the only change of a stored key's wording since
# c5e8a1f3b920; a database at LAST_OLD_WORDING or earlier ran a release that read them so
LAST_OLD_WORDING = 'd2f4a6b8c031'
OLD_WORDING = {
    "on_time": ("逾期完工 {late} 单", "{late} late order(s)"),
    "on_time.business": ("按工作时间（{hours}，按工作日历）逾期完工 {late} 单",
                         "{late} order(s) late in business hours ({hours} on workdays of the work calendar)"),
}
# key -> (Chinese, English) as every release up to this revision read them, for the keys a later release reworded
# (English plurals: "1 late order" where these read "1 late order(s)"): this revision writes the text the instance
# showed, not the wording of the release that runs it
THEN_WORDING = {
    "on_time": ("逾期 {late} 单", "{late} late order(s)"),
    "on_time.business": ("按工作时间（{hours}，按工作日历）逾期 {late} 单",
                         "{late} order(s) late in business hours ({hours} on workdays of the work calendar)"),
    "rework": ("返修 {units} 单，当月完工 {completed} 单", "{units} rework order(s), {completed} completed"),
    "range.below": ("{value} 低于下限 {lo}，{steps} 档，每档 {per} 分", "{value} below {lo}: {steps} step(s) at {per}"),
    "range.above": ("{value} 高于上限 {hi}，{steps} 档，每档 {per} 分", "{value} above {hi}: {steps} step(s) at {per}"),
}
LANGUAGES = ("zh", "en")


def _ran_old_wording():
    """Whether the database was at LAST_OLD_WORDING or earlier when this upgrade began (migrations/env.py)."""
    starting = set(context.config.attributes.get("starting_heads") or ())
    if not starting:
        return False
    script = ScriptDirectory.from_config(context.config)
    return bool(starting & {rev.revision for rev in script.iterate_revisions(LAST_OLD_WORDING, "base")})


def _as_then(data, render_data, old_wording):
    """The stored message with each part whose wording changed since written out as it read then (a text part)."""
    if isinstance(data, list):
        return [_as_then(item, render_data, old_wording) for item in data]
    if not isinstance(data, dict) or "k" not in data:
        return data
    params = {name: _as_then(item, render_data, old_wording) for name, item in (data.get("p") or {}).items()}
    wording = OLD_WORDING.get(data["k"]) if old_wording else None
    wording = wording or THEN_WORDING.get(data["k"])
    if wording is None:
        return {**data, "p": params} if "p" in data else data
    return {"t": [wording[index].format(**{name: render_data([item], lang) for name, item in params.items()})
                  for index, lang in enumerate(LANGUAGES)]}


def upgrade():
    from tracker.scoring.messages import render_data

    old_wording = _ran_old_wording()
    scores = sa.table('scores', sa.column('id', sa.Integer), sa.column('status', sa.String))
    lines = sa.table('score_lines', sa.column('id', sa.Integer), sa.column('score_id', sa.Integer),
                     sa.column('message', sa.Text), sa.column('explanation', sa.Text),
                     sa.column('explanation_en', sa.Text))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(lines.c.id, lines.c.message).join(scores, scores.c.id == lines.c.score_id)
        .where(scores.c.status == 'approved', lines.c.message.is_not(None))).all()
    for line_id, message in rows:
        data = _as_then(json.loads(message), render_data, old_wording)
        connection.execute(lines.update().where(lines.c.id == line_id).values(
            message=None, explanation=render_data(data, 'zh'), explanation_en=render_data(data, 'en')))


def downgrade():
    pass  # the text is what the earlier releases show of a line without a message
