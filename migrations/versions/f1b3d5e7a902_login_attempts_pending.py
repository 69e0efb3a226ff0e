"""login_attempts.pending: an attempt whose password is still being checked, told apart from a failure

Revision ID: f1b3d5e7a902
Revises: e6a8c0b2d417
Create Date: 2026-12-06 07:10:00

The throttle counts an attempt before its password is checked. Right passwords sent at once for one user (more than
the limit) were refused with 429 for each other: an attempt over a limit only because others were still being
checked gave up after three short tries. Now such an attempt waits for them, and is refused at once only when the
failures already checked reach the limit; the rows stored before are failures (false).
"""
from alembic import op
import sqlalchemy as sa


revision = 'f1b3d5e7a902'
down_revision = 'e6a8c0b2d417'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_column('pending')
