"""the engineer's own points for each line of a month (form 7's 自评 column and 综合绩效考核自评分)

Revision ID: d9f1b3c5e702
Revises: c5e7a9b1d204
Create Date: 2026-12-07 16:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd9f1b3c5e702'
down_revision = 'c5e7a9b1d204'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'self_assessments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engineer_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('points', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_self_assessments_engineer_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessments')),
        sa.UniqueConstraint('engineer_id', 'month', name=op.f('uq_self_assessments_engineer_id_month')),
    )


def downgrade():
    op.drop_table('self_assessments')
