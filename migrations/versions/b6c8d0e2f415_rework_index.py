"""an index behind the rework fact: the month's rework orders found by (rework, reported_at), a few percent of the
month's orders, instead of reading every order reported in the month (a whole-table scan on PostgreSQL at 100,000
orders a month)

Revision ID: b6c8d0e2f415
Revises: e3b9d2f7a104
Create Date: 2026-12-02 01:45:00

"""
from alembic import op


revision = 'b6c8d0e2f415'
down_revision = 'e3b9d2f7a104'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_work_orders_rework_reported', 'work_orders', ['rework', 'reported_at'])


def downgrade():
    op.drop_index('ix_work_orders_rework_reported', table_name='work_orders')
