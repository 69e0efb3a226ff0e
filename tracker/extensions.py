"""Flask extensions, created unbound and set up by create_app()."""

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))

# The table argument of the tables whose rows clients name by id and may delete (trips, expenses, hand entries,
# surveys, complaints, adjustments, chat robots): on SQLite an id is never handed out again (AUTOINCREMENT), as
# PostgreSQL's sequences never do. Without it deleting the newest row gave its id to the next one, and a DELETE retried
# by a client whose first answer was lost removed that other row.
NEVER_REUSED = {"sqlite_autoincrement": True}
migrate = Migrate()


class _LoginManager(LoginManager):
    def _load_user_from_remember_cookie(self, cookie):
        """A remember cookie that is not ASCII is none of ours (Flask-Login's digest check raised TypeError on one, a
        500 on every page, the login page included, until the browser dropped it): no user from it."""
        if not cookie.isascii():
            return None
        return super()._load_user_from_remember_cookie(cookie)


login = _LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, a busy timeout and enforced foreign keys on every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
