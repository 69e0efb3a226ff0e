"""the index on the orders completed in a month, for databases that missed it: revision b6c8d0e2f415 was first
released creating only the rework index, and a database made then counts as past it, so the revision's later text
(which adds ix_work_orders_completed) never ran there. Created here when missing; nothing else changes

Revision ID: a9c3e5f7b102
Revises: d2f4a6b8c031
Create Date: 2026-12-03 18:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'a9c3e5f7b102'
down_revision = 'd2f4a6b8c031'
branch_labels = None
depends_on = None

INDEX = 'ix_work_orders_completed'


def upgrade():
    names = {index['name'] for index in sa.inspect(op.get_bind()).get_indexes('work_orders')}
    if INDEX not in names:
        op.create_index(INDEX, 'work_orders', ['completed_at', 'engineer_id', 'status', 'id'])


def downgrade():
    pass  # the index belongs to revision b6c8d0e2f415 on every other database: it stays
