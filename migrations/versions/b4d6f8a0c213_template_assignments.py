"""template assignments from a month on: a change of an engineer's template no longer rescores the months before it
(users.kpi_template stays: it is what held for every month before an engineer's first assignment)

Revision ID: b4d6f8a0c213
Revises: a9c3e5f7b102
Create Date: 2026-12-04 02:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b4d6f8a0c213'
down_revision = 'a9c3e5f7b102'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'template_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engineer_id', sa.Integer(), nullable=False),
        sa.Column('from_month', sa.String(length=7), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=True),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['engineer_id'], ['users.id'],
                                name=op.f('fk_template_assignments_engineer_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                                name=op.f('fk_template_assignments_assigned_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_template_assignments')),
        sa.UniqueConstraint('engineer_id', 'from_month', name=op.f('uq_template_assignments_engineer_id_from_month')),
    )


def downgrade():
    op.drop_table('template_assignments')
