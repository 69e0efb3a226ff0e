"""job_run_history: the runs of a period that a later run replaced (a retry, an admin's run now)

Revision ID: c7d9e1f3a520
Revises: b6c8d0e2f415
Create Date: 2026-12-02 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7d9e1f3a520'
down_revision = 'b6c8d0e2f415'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('triggered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['triggered_by_id'], ['users.id'], name=op.f('fk_job_run_history_triggered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run_history'))
    )
    with op.batch_alter_table('job_run_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_history_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('job_run_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_history_started_at'))
    op.drop_table('job_run_history')
