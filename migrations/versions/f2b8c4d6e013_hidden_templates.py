"""templates an administrator hid from the lists

Revision ID: f2b8c4d6e013
Revises: e4a7b9c2d611
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f2b8c4d6e013'
down_revision = 'e4a7b9c2d611'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hidden_templates',
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('hidden_by_id', sa.Integer(), nullable=True),
        sa.Column('hidden_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_hidden_templates_hidden_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_hidden_templates')),
    )


def downgrade():
    op.drop_table('hidden_templates')
