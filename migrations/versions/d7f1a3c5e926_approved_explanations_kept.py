"""approved scores' explanations kept as they read when approved, for scores approved before approval kept them

Revision ID: d7f1a3c5e926
Revises: c1e3a5b7d924
Create Date: 2026-12-05 14:30:00

From c5e8a1f3b920 on, a score line stores its explanation as a message, rendered when read; only since 351bf7e does
approval write the text it read then into explanation / explanation_en. Lines of a score approved in between were
still rendered with each release's wording, so an upgrade changed an approved month's text (准时完工：逾期完工 6 单
read 逾期 6 单 after the release of 2026-12-03 15:37 UTC). This revision writes their text as it read when they were
approved: in today's wording, except the one wording a release changed since messages were stored (on_time's
逾期完工, for a score approved before that release), and leaves no approved line rendered when read.
"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = 'd7f1a3c5e926'
down_revision = 'c1e3a5b7d924'
branch_labels = None
depends_on = None

# key -> (Chinese, English) as they read before 70fccd0 (2026-12-03 15:37:31 UTC), the only change of a stored key's
# wording since c5e8a1f3b920
WORDING_BEFORE = datetime(2026, 12, 3, 15, 37, 31, tzinfo=timezone.utc)
OLD_WORDING = {
    "on_time": ("逾期完工 {late} 单", "{late} late order(s)"),
    "on_time.business": ("按工作时间（{hours}，按工作日历）逾期完工 {late} 单",
                         "{late} order(s) late in business hours ({hours} on workdays of the work calendar)"),
}
LANGUAGES = ("zh", "en")


def _as_then(data, render_data):
    """The stored message with each part whose wording changed since written out as it read then (a text part)."""
    if isinstance(data, list):
        return [_as_then(item, render_data) for item in data]
    if not isinstance(data, dict) or "k" not in data:
        return data
    params = {name: _as_then(item, render_data) for name, item in (data.get("p") or {}).items()}
    if data["k"] not in OLD_WORDING:
        return {**data, "p": params} if "p" in data else data
    return {"t": [OLD_WORDING[data["k"]][index].format(**{name: render_data([item], lang)
                                                             for name, item in params.items()})
                  for index, lang in enumerate(LANGUAGES)]}


def upgrade():
    from tracker import clock
    from tracker.scoring.messages import render_data

    cutoff = WORDING_BEFORE.astimezone(clock.zone()).replace(tzinfo=None)  # approved_at is local wall time
    scores = sa.table('scores', sa.column('id', sa.Integer), sa.column('status', sa.String),
                      sa.column('approved_at', sa.DateTime))
    lines = sa.table('score_lines', sa.column('id', sa.Integer), sa.column('score_id', sa.Integer),
                     sa.column('message', sa.Text), sa.column('explanation', sa.Text),
                     sa.column('explanation_en', sa.Text))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(lines.c.id, lines.c.message, scores.c.approved_at)
        .join(scores, scores.c.id == lines.c.score_id)
        .where(scores.c.status == 'approved', lines.c.message.is_not(None))).all()
    for line_id, message, approved_at in rows:
        data = json.loads(message)
        if approved_at is None or approved_at < cutoff:
            data = _as_then(data, render_data)
        connection.execute(lines.update().where(lines.c.id == line_id).values(
            message=None, explanation=render_data(data, 'zh'), explanation_en=render_data(data, 'en')))


def downgrade():
    pass  # the text is what the earlier releases show of a line without a message
