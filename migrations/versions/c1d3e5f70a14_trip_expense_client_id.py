"""trips and expenses carry the client_id of an offline client

Revision ID: c1d3e5f70a14
Revises: dff4d0d850b1
Create Date: 2026-12-01 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c1d3e5f70a14'
down_revision = 'dff4d0d850b1'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows keep a NULL client_id; NULLs never collide in a unique constraint.
    for table in ('trips', 'expenses'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_engineer_id_client_id'),
                                              ['engineer_id', 'client_id'])


def downgrade():
    for table in ('trips', 'expenses'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_engineer_id_client_id'), type_='unique')
            batch_op.drop_column('client_id')
