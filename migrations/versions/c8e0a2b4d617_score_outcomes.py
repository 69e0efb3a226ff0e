"""what a leader decided from a month's appraisal (form 9's outcome record: 转正, 续签劳动合同, 升职, ...)

Revision ID: c8e0a2b4d617
Revises: b4d6f8a0c213
Create Date: 2026-12-04 02:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c8e0a2b4d617'
down_revision = 'b4d6f8a0c213'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'score_outcomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engineer_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('decision', sa.String(length=40), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_score_outcomes_engineer_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_score_outcomes_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_score_outcomes')),
        sa.UniqueConstraint('engineer_id', 'month', name=op.f('uq_score_outcomes_engineer_id_month')),
    )


def downgrade():
    op.drop_table('score_outcomes')
