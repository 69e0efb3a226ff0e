"""indexes behind two facts: the month's rework orders found by (rework, reported_at), a few percent of the month's
orders, instead of reading every order reported in the month; the orders completed in the month read from a covering
index on completed_at (engineer, status and id in it: PostgreSQL answers from the index alone) instead of the whole
work-order table, which PostgreSQL scanned for both at 100,000 orders a month

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
    op.create_index('ix_work_orders_completed', 'work_orders', ['completed_at', 'engineer_id', 'status', 'id'])


def downgrade():
    op.drop_index('ix_work_orders_completed', table_name='work_orders')
    op.drop_index('ix_work_orders_rework_reported', table_name='work_orders')
