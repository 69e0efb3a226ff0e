"""Writing many result rows at once, the fastest way each database offers.

PostgreSQL: COPY into a temporary staging table, then one INSERT ... SELECT ... ON CONFLICT (the statement is the
same whatever the number of rows, and COPY streams the values without binding thousands of parameters); plain
inserts are a COPY straight into the table. SQLite: one prepared INSERT ... ON CONFLICT run for every row
(executemany), with RETURNING.
"""

from sqlalchemy.dialects import sqlite

from tracker.extensions import db


def _postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def _cursor():
    """A cursor on the session's own connection (same transaction)."""
    return db.session.connection().connection.driver_connection.cursor()


def _copy(cursor, table_name, columns, rows):
    """COPY rows (tuples of `columns`) into a table."""
    with cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def upsert(table, rows, keys, updated, draft_only=False):
    """INSERT rows ON CONFLICT (keys) DO UPDATE the `updated` columns (only rows still 'draft' with draft_only);
    returns [(keys..., id)] of the rows written."""
    if not rows:
        return []
    columns = list(rows[0])
    if not _postgresql():
        statement = sqlite.insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys], set_={c: statement.excluded[c] for c in updated},
            where=(table.c.status == "draft") if draft_only else None)
        return db.session.execute(statement.returning(*(table.c[k] for k in keys), table.c.id), rows).all()
    cursor = _cursor()
    stage = f"staging_{table.name}"
    cursor.execute(f"DROP TABLE IF EXISTS {stage}")
    cursor.execute(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "
                   f"SELECT {', '.join(columns)} FROM {table.name} WITH NO DATA")
    _copy(cursor, stage, columns, [tuple(row[c] for c in columns) for row in rows])
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
    condition = f" WHERE {table.name}.status = 'draft'" if draft_only else ""
    cursor.execute(f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {stage} "
                   f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {assignments}{condition} "
                   f"RETURNING {', '.join(keys)}, id")
    written = cursor.fetchall()
    cursor.execute(f"DROP TABLE {stage}")
    return written


def converter(table, columns):
    """A function turning a tuple of values of `columns` into what the driver takes: on SQLite, each column type's
    bind processor (what SQLAlchemy would send: a Decimal as a float, a bool as 0/1); on PostgreSQL the values as
    they are (COPY adapts them itself)."""
    if _postgresql():
        return tuple
    dialect = db.session.connection().dialect
    processors = [(n, p) for n, p in enumerate(table.c[c].type._cached_bind_processor(dialect) for c in columns)
                  if p is not None]
    if not processors:
        return tuple
    return lambda values: _processed(values, processors)


def insert_rows(table, columns, rows):
    """INSERT plain rows (tuples of `columns`, their values as converter() gives them): COPY on PostgreSQL; on
    SQLite the driver's executemany of one prepared INSERT (what SQLAlchemy would send, without its per-row work)."""
    if not rows:
        return
    if _postgresql():
        _copy(_cursor(), table.name, columns, rows)
        return
    db.session.connection().exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) "
                                            f"VALUES ({', '.join('?' for _ in columns)})", rows)


def _processed(row, processors):
    row = list(row)
    for n, process in processors:
        if row[n] is not None:
            row[n] = process(row[n])
    return tuple(row)
