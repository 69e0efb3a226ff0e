"""score lines store their explanation as a message (rendered when read); the old text columns stay for lines
computed before, and may be empty

Revision ID: c5e8a1f3b920
Revises: c3d5e7f9a021
Create Date: 2026-12-01 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c5e8a1f3b920'
down_revision = 'c3d5e7f9a021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('score_lines') as batch:
        batch.add_column(sa.Column('message', sa.Text(), nullable=True))
        batch.alter_column('explanation', existing_type=sa.Text(), nullable=True)


def downgrade():
    # lines computed since keep only their message: render it into the text columns the old code reads
    from tracker.scoring.messages import render_data

    connection = op.get_bind()
    table = sa.table('score_lines', sa.column('id', sa.Integer), sa.column('message', sa.Text),
                     sa.column('explanation', sa.Text), sa.column('explanation_en', sa.Text))
    for line_id, message in connection.execute(sa.select(table.c.id, table.c.message)
                                               .where(table.c.message.is_not(None))).all():
        connection.execute(table.update().where(table.c.id == line_id).values(
            explanation=render_data(message, 'zh'), explanation_en=render_data(message, 'en')))
    with op.batch_alter_table('score_lines') as batch:
        batch.alter_column('explanation', existing_type=sa.Text(), nullable=False)
        batch.drop_column('message')
