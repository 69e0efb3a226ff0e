"""draft scores are recomputed once, so their field-hours and expense lines name their records

Revision ID: c1e3a5b7d924
Revises: b7d9f1a3c520
Create Date: 2026-12-05 01:30:00

From this release the field-hours and expense lines name the month's trips and expenses behind them. A draft is
recomputed when something it reads changes, and the nightly job recomputes only the current month: the drafts of
earlier months not yet approved would keep empty records. Every draft is marked stale, so the scheduler recomputes
it within minutes (CONTRACT 7); approved scores never change.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1e3a5b7d924'
down_revision = 'b7d9f1a3c520'
branch_labels = None
depends_on = None


def upgrade():
    scores = sa.table('scores', sa.column('status', sa.String), sa.column('stale', sa.Boolean))
    op.execute(scores.update().where(scores.c.status == 'draft').values(stale=True))


def downgrade():
    pass  # a stale mark only asks for a recompute
