"""scores remember a digest of the indicator lines compute last wrote for them, so that a recompute rewrites the
lines of the scores that changed only; empty for scores computed before (their lines are rewritten once)

Revision ID: d7f1a3c5e820
Revises: c5e8a1f3b920
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd7f1a3c5e820'
down_revision = 'c5e8a1f3b920'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scores') as batch:
        batch.add_column(sa.Column('lines_digest', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('scores') as batch:
        batch.drop_column('lines_digest')
