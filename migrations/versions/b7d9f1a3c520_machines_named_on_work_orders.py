"""machines named on work orders since the equipment records began become records

Revision ID: b7d9f1a3c520
Revises: a3c5e7f9b218
Create Date: 2026-12-05 01:00:00

The equipment migration made a record of every machine the work orders named then; orders created afterwards
through a page or the API named machines that only an import would have recorded. From this release every work
order naming a machine records it (tracker.equipment); this makes the records of the orders stored before.
"""
from alembic import op


revision = 'b7d9f1a3c520'
down_revision = 'a3c5e7f9b218'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO equipment (customer_id, name, created_at) "
               "SELECT customer_id, equipment, MIN(created_at) FROM work_orders w WHERE equipment <> '' "
               "AND NOT EXISTS (SELECT 1 FROM equipment e WHERE e.customer_id = w.customer_id AND e.name = w.equipment) "
               "GROUP BY customer_id, equipment")


def downgrade():
    pass  # the records stay: a machine recorded is kept as an import would have kept it
