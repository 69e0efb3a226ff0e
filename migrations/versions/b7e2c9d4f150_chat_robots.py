"""chat_robots: a team's WeCom / DingTalk group robots; outbox messages name the robot they go to

Revision ID: b7e2c9d4f150
Revises: a10f1e5c0002
Create Date: 2026-12-01 16:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e2c9d4f150'
down_revision = 'a10f1e5c0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_robots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=True),
    sa.Column('kinds', sa.String(length=400), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['users.id'], name=op.f('fk_chat_robots_team_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_robots'))
    )
    with op.batch_alter_table('chat_robots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_robots_team_id'), ['team_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('robot_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_robot_id_chat_robots'), 'chat_robots', ['robot_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_robot_id_chat_robots'), type_='foreignkey')
        batch_op.drop_column('robot_id')
    op.drop_table('chat_robots')
