"""review_requests: peer reviews a manager asks of engineers

Revision ID: a10f1e5c0002
Revises: a10f1e5c0001
Create Date: 2026-12-01 14:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a10f1e5c0002'
down_revision = 'a10f1e5c0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_review_requests_engineer_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_review_requests_rater_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                            name=op.f('fk_review_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_requests')),
    sa.UniqueConstraint('engineer_id', 'month', 'rater_id', name=op.f('uq_review_requests_engineer_id_month_rater_id'))
    )
    with op.batch_alter_table('review_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_requests_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_requests_rater_id'), ['rater_id'], unique=False)


def downgrade():
    op.drop_table('review_requests')
