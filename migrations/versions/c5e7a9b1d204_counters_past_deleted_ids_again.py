"""the SQLite counters past the ids deleted before, for databases that missed it: revision a3c5e7f9b218 was first
released setting each rebuilt table's counter from its largest id only, and a database upgraded then counts as past
it, so the revision's later text (which also puts it past the ids the audit log records as deleted) never ran
there, and a deleted trip's id could be handed out again. Done here on SQLite (a counter only ever goes up, so
running it where the later text ran changes nothing); nothing to do on PostgreSQL, whose sequences never go back

Revision ID: c5e7a9b1d204
Revises: f1b3d5e7a902
Create Date: 2026-12-06 18:20:00

"""
from alembic import op
from sqlalchemy import text


revision = 'c5e7a9b1d204'
down_revision = 'f1b3d5e7a902'
branch_labels = None
depends_on = None

TABLES = ("trips", "expenses", "incidents", "metric_entries", "ratings", "surveys", "complaints", "adjustments",
          "chat_robots", "photos")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in TABLES:
        deleted = bind.execute(text(
            "SELECT max(CAST(record_id AS INTEGER)) FROM audit_events WHERE record_type = :t AND kind = 'delete'"),
            {"t": table}).scalar()
        if not deleted:
            continue
        if not bind.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = :t"),
                            {"n": deleted, "t": table}).rowcount:
            bind.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"), {"t": table, "n": deleted})


def downgrade():
    pass  # a counter past a deleted id is what every later release keeps: it stays
