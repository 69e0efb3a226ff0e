"""a customer's machines (equipment) as records

Revision ID: e4a7b9c2d013
Revises: f2b8c4d6e013
Create Date: 2026-12-01 13:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e4a7b9c2d013'
down_revision = 'f2b8c4d6e013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'equipment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('model', sa.String(length=60), nullable=True),
        sa.Column('serial', sa.String(length=60), nullable=True),
        sa.Column('installed_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_equipment_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment')),
        sa.UniqueConstraint('customer_id', 'name', name=op.f('uq_equipment_customer_id_name')),
    )
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_customer_id'), ['customer_id'], unique=False)
    # Machines already named on work orders become records, so their history pages exist from the start.
    op.execute("INSERT INTO equipment (customer_id, name, created_at) "
               "SELECT DISTINCT customer_id, equipment, CURRENT_TIMESTAMP FROM work_orders WHERE equipment <> ''")


def downgrade():
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_customer_id'))
    op.drop_table('equipment')
