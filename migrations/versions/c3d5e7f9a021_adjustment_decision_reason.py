"""adjustments.decision_reason: why the gm rejected a proposed adjustment

Revision ID: c3d5e7f9a021
Revises: b7e2c9d4f150
Create Date: 2026-12-01 16:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d5e7f9a021'
down_revision = 'b7e2c9d4f150'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.drop_column('decision_reason')
