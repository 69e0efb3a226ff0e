"""Text ordered by code point on every database, as Python's sorted() orders it.

SQLite compares text byte by byte (BINARY); PostgreSQL by the database's collation, which an installation may have
created as en_US or an ICU locale: "t_a" then sorted before "t-m", so a list "ordered by username" came back in
another order than on SQLite and than the lists the app sorts itself, and its pages split the rows elsewhere.
"""

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class by_code_point(FunctionElement):  # noqa: N801 (used as a function in a query)
    """`by_code_point(User.username)`: the column as a sort key in code-point order."""

    type = String()
    name = "by_code_point"
    inherit_cache = True


@compiles(by_code_point)
def _plain(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(by_code_point, "postgresql")
def _c_collation(element, compiler, **kw):  # "C" compares the UTF-8 bytes: code-point order
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'
