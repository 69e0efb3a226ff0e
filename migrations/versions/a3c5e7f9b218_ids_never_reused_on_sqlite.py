"""ids never handed out again on SQLite for the rows clients name by id and may delete (AUTOINCREMENT)

Revision ID: a3c5e7f9b218
Revises: c8e0a2b4d617
Create Date: 2026-12-04 15:30:00

On SQLite a table without AUTOINCREMENT gives a new row the largest id in use plus one, so deleting the newest trip
gave its id to the next trip, and a DELETE retried by a client whose first answer was lost removed that one.
SQLite cannot add AUTOINCREMENT to a table: each is rebuilt (batch mode: copy, drop, rename; the foreign keys are
off while migrating, see env.py) with every row, id, index and constraint; the copy sets the table's counter to its
largest id, and past the ids of rows deleted before (the audit log records every deletion with its id), which would
be handed out again otherwise. PostgreSQL's sequences never hand an id out twice: nothing to do there.
"""
from alembic import op
from sqlalchemy import text


revision = 'a3c5e7f9b218'
down_revision = 'c8e0a2b4d617'
branch_labels = None
depends_on = None

TABLES = ("trips", "expenses", "incidents", "metric_entries", "ratings", "surveys", "complaints", "adjustments",
          "chat_robots")


def _rebuild(autoincrement):
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}) as batch_op:
            batch_op.alter_column("id", autoincrement=True)  # the copy keeps every column as it is


def _past_deleted_ids():
    bind = op.get_bind()
    for table in TABLES:
        deleted = bind.execute(text(
            "SELECT max(CAST(record_id AS INTEGER)) FROM audit_events WHERE record_type = :t AND kind = 'delete'"),
            {"t": table}).scalar()
        if not deleted:
            continue
        if not bind.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = :t"),
                            {"n": deleted, "t": table}).rowcount:
            bind.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"), {"t": table, "n": deleted})


def upgrade():
    _rebuild(True)
    if op.get_bind().dialect.name == "sqlite":
        _past_deleted_ids()


def downgrade():
    _rebuild(False)
