"""Counting the SQL statements a block of code sends (for tests that fail when queries grow with rows)."""

from contextlib import contextmanager

from sqlalchemy import event

from tracker.extensions import db


@contextmanager
def counted():
    """with counted() as statements: ... ; len(statements) is how many statements were executed."""
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
