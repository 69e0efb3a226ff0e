"""indexes behind the work-order list's order, people by name and a score's history

Revision ID: e4a7b9c2d611
Revises: c1d3e5f70a14
Create Date: 2026-12-01 13:40:00

"""
from alembic import op


revision = 'e4a7b9c2d611'
down_revision = 'c1d3e5f70a14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_work_orders_reported', 'work_orders', ['reported_at', 'id'])
    op.create_index(op.f('ix_users_display_name'), 'users', ['display_name'])
    op.create_index(op.f('ix_audit_events_subject'), 'audit_events', ['subject'])


def downgrade():
    op.drop_index(op.f('ix_audit_events_subject'), table_name='audit_events')
    op.drop_index(op.f('ix_users_display_name'), table_name='users')
    op.drop_index('ix_work_orders_reported', table_name='work_orders')
