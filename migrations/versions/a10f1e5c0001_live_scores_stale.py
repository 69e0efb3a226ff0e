"""live drafts and the notification outbox: scores.stale, notifications.engineer_id/month, outbox table

Revision ID: a10f1e5c0001
Revises: fdfce20839a7
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a10f1e5c0001'
down_revision = 'fdfce20839a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stale', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('engineer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('month', sa.String(length=7), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_engineer_id_users'), 'users', ['engineer_id'],
                                    ['id'], ondelete='CASCADE')
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_status_due', 'outbox', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    op.drop_index('ix_outbox_status_due', table_name='outbox')
    op.drop_table('outbox')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_engineer_id_users'), type_='foreignkey')
        batch_op.drop_column('month')
        batch_op.drop_column('engineer_id')
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_column('stale')
