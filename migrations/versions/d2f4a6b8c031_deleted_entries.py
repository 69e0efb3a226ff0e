"""deleted_entries: trips and expenses sent with a client_id and deleted since, so a repeat stores nothing

Revision ID: d2f4a6b8c031
Revises: c7d9e1f3a520
Create Date: 2026-12-02 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd2f4a6b8c031'
down_revision = 'c7d9e1f3a520'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deleted_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_deleted_entries_engineer_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deleted_entries')),
    sa.UniqueConstraint('kind', 'engineer_id', 'client_id', name=op.f('uq_deleted_entries_kind_engineer_id_client_id'))
    )


def downgrade():
    op.drop_table('deleted_entries')
