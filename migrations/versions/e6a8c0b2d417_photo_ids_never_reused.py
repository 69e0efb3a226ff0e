"""photo ids never handed out again on SQLite (AUTOINCREMENT), as a3c5e7f9b218 did for the other deletable rows

Revision ID: e6a8c0b2d417
Revises: d7f1a3c5e926
Create Date: 2026-12-06 07:20:00

A photo may be deleted by its id (DELETE /work-orders/{id}/photos/{photo_id}); on SQLite deleting the newest gave its
id to the next upload, so a retried DELETE removed that one, and the deleted file kept under .deleted/ by its id
blocked the next deletion of the id. The table is rebuilt as a3c5e7f9b218 rebuilt the others (every row, id, index
and constraint kept), its counter past the largest id in use and every id the audit log records as deleted.
PostgreSQL's sequences never hand an id out twice: nothing to do there.
"""
from alembic import op
from sqlalchemy import text


revision = 'e6a8c0b2d417'
down_revision = 'd7f1a3c5e926'
branch_labels = None
depends_on = None


def _rebuild(autoincrement):
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("photos", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}) as batch_op:
        batch_op.alter_column("id", autoincrement=True)  # the copy keeps every column as it is


def upgrade():
    _rebuild(True)
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    deleted = bind.execute(text(
        "SELECT max(CAST(record_id AS INTEGER)) FROM audit_events WHERE record_type = 'photos' AND kind = 'delete'"
    )).scalar()
    if deleted and not bind.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = 'photos'"),
                                    {"n": deleted}).rowcount:
        bind.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('photos', :n)"), {"n": deleted})


def downgrade():
    _rebuild(False)
