"""score lines say whether a hand entry the template needs is missing

Revision ID: 8a1c0e5b7d42
Revises: e4a7b9c2d013
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8a1c0e5b7d42'
down_revision = 'e4a7b9c2d013'
branch_labels = None
depends_on = None


def upgrade():
    # Lines stored before were computed without the notion: none of them is missing.
    with op.batch_alter_table('score_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('score_lines', schema=None) as batch_op:
        batch_op.drop_column('missing')
