"""a draft score keeps a digest of what it was computed from (the engineer's facts, the template version, the bonus
base, the scoring code): a recompute that finds it unchanged writes nothing but computed_at. It replaces the digest
of the lines, which told only whether the lines changed; every draft is computed in full once after the upgrade

Revision ID: e3b9d2f7a104
Revises: d7f1a3c5e820
Create Date: 2026-12-01 23:00:00

"""
from alembic import op


revision = 'e3b9d2f7a104'
down_revision = 'd7f1a3c5e820'
branch_labels = None
depends_on = None


def upgrade():
    # a rename in place (PostgreSQL, SQLite 3.25+): rebuilding the table, as a dropped column would on SQLite,
    # would cascade to its lines; the old digest described lines, not inputs, so it is cleared
    op.execute("ALTER TABLE scores RENAME COLUMN lines_digest TO inputs_digest")
    op.execute("UPDATE scores SET inputs_digest = NULL")


def downgrade():
    op.execute("UPDATE scores SET inputs_digest = NULL")
    op.execute("ALTER TABLE scores RENAME COLUMN inputs_digest TO lines_digest")
