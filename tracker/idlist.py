"""A column among a set of ids, bound as ONE parameter: an integer array on PostgreSQL (`= ANY(:ids)`), a JSON
list read by json_each on SQLite (`IN (SELECT value FROM json_each(:ids))`).

A literal IN-list of thousands of ids makes every statement huge and different (nothing is cached, the planner
re-parses it each time); one parameter keeps the statement small and the same for any number of engineers, and
both forms still use the column's index.
"""

import json

from sqlalchemy import Integer, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY

from tracker.extensions import db


def among(column, ids):
    """A WHERE clause: `column` is one of `ids` (integers)."""
    ids = [int(i) for i in ids]
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer), unique=True))
    listed = select(literal_column("value")).select_from(func.json_each(bindparam("ids", json.dumps(ids),
                                                                                    unique=True)))
    return column.in_(listed.scalar_subquery())
