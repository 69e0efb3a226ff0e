"""Fixtures: an app on a real database (SQLite file, or PostgreSQL with TRACKER_TEST_DATABASE_URL)."""

import contextvars
from contextlib import contextmanager
import os
import shutil
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import has_app_context, has_request_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tracker import clock, config, create_app
from tracker.auth import services as auth_services
from tracker.extensions import db

NOW = datetime(2026, 11, 20, 10, 0)
PASSWORD = "secret-pass-1"
STRICT = os.environ.get("TRACKER_TEST_STRICT") == "1"


def skip_or_fail(reason):
    """Skip on a plain machine; in CI (TRACKER_TEST_STRICT=1) a missing part is a failure."""
    if STRICT:
        pytest.fail("required in CI: " + reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TRACKER_TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db"))


TESTS_STAMP = "tests.now"


@event.listens_for(Session, "after_transaction_create")
def _stamp_the_tests_own_writes(session, transaction):
    """The test is the caller of what it writes outside a request: each of its transactions starts at the NOW
    setting (as a command or a job stamps its unit of work), unless something it runs (a job) stamped its own."""
    if transaction.parent is not None or not has_app_context() or has_request_context():
        return
    stamped = clock.of(session)
    if stamped is None or stamped is session.info.get(TESTS_STAMP):
        session.info[TESTS_STAMP] = clock.stamp(session, clock.now())


class RequestClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as in production: its own `g`, its own
    database session and Flask-Login user, none of them shared with the test or with the previous request.

    The test's own session is expired afterwards, so what the test reads next is what the request stored."""

    def run_wsgi_app(self, environ, buffered=False):
        # An empty context: no app context is active, so the request pushes one of its own (contexts a
        # `with client:` block preserves are pushed again afterwards by FlaskClient.open, in the test's context).
        return contextvars.Context().run(super().run_wsgi_app, environ, buffered)

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@contextmanager
def scratch_postgres_app(suffix, instance, creation=""):
    """An app on a scratch PostgreSQL database named after TRACKER_TEST_POSTGRES_URL's plus `suffix`, on that server,
    (made with `creation`'s options of CREATE DATABASE, a collation say) with every table created; inside its app
    context; the database is dropped afterwards. Skips (fails when strict) without TRACKER_TEST_POSTGRES_URL."""
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TRACKER_TEST_POSTGRES_URL is not set")
    base, _, name = url.replace("postgresql://", "postgresql+psycopg://", 1).rpartition("/")
    scratch = name + suffix
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch}" {creation}'))
    app = make_app(f"{base}/{scratch}", instance)
    try:
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def make_app(database_url, instance, **overrides):
    settings = {"TESTING": True, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "NOW": NOW, "MAIL_SERVER": None,
                "PASSWORD_METHOD": "pbkdf2:sha256:1000"}
    settings.update(overrides)
    app = create_app(settings)
    app.test_client_class = RequestClient
    return app


@pytest.fixture(scope="session")
def _shared_app(database_url, tmp_path_factory):
    """The one app of the session (building an app compiles every URL rule; its templates stay compiled)."""
    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # A test database need not survive a power cut: no fsync on each of the suite's thousands of commits.
            event.listen(db.engine, "connect", _no_fsync)
            db.engine.dispose()
        db.drop_all()
        db.create_all()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _no_fsync(dbapi_connection, connection_record):
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _wipe(app):
    """Empty every table that has rows (and restart the ids), in one transaction."""
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        probe = text(" UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables))
        with db.engine.begin() as conn:
            used = set(conn.scalars(probe))
            for table in tables:
                if table.name in used:
                    conn.execute(table.delete())
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
                                  "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
            elif conn.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")):
                conn.execute(text("DELETE FROM sqlite_sequence"))  # the counters of the AUTOINCREMENT tables


def _empty_folder(path):
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.remove(entry.path)


# Settings that create_app reads once; overriding them needs an app of its own.
BUILD_SETTINGS = {"DATABASE_URL", "INSTANCE_PATH", "TRUSTED_PROXIES", "BABEL_DEFAULT_LOCALE", "LANGUAGES"}


@pytest.fixture
def app_factory(_shared_app, database_url, monkeypatch, tmp_path_factory):
    """app_factory(**settings) -> the app with those settings for this test (a separate app only when a setting
    needs one, see BUILD_SETTINGS); everything goes back after the test, the database is emptied."""
    built = []

    def build(**overrides):
        if set(overrides) & BUILD_SETTINGS:
            app = make_app(database_url, tmp_path_factory.mktemp("instance"), **overrides)
            built.append(app)
            return app
        for name, value in overrides.items():
            monkeypatch.setitem(_shared_app.config, name, value)
        for name, value in config.derived(_shared_app.config, _shared_app.instance_path).items():
            monkeypatch.setitem(_shared_app.config, name, value)
        return _shared_app

    settings = dict(_shared_app.config)
    yield build
    _shared_app.config.clear()  # also what a test set by hand
    _shared_app.config.update(settings)
    for app in built:
        with app.app_context():
            db.engine.dispose()
    _wipe(_shared_app)
    _empty_folder(_shared_app.instance_path)


@pytest.fixture
def app(app_factory):
    """The shared app (default test settings) in an app context held for the whole test; an empty database."""
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create and commit a user: make_user("zhang", role="engineer", supervisor="li")."""

    def make(username, role="engineer", display_name=None, supervisor=None, hire_date=date(2020, 1, 1), **extra):
        user = auth_services.create_user({"username": username, "password": PASSWORD, "role": role,
                                          "display_name": display_name or username, "supervisor": supervisor,
                                          "hire_date": hire_date, "bonus_base": extra.pop("bonus_base", Decimal("1000")),
                                          **extra})
        db.session.commit()
        return user

    return make


@pytest.fixture
def team(make_user):
    """gm (gm.wang) > manager mgr > engineers eng1, eng2; a second manager mgr2 > eng3; backoffice and admin."""
    users = {
        "gm": make_user("gm.wang", role="gm", display_name="王总"),
        "admin": make_user("admin", role="admin", display_name="管理员"),
        "office": make_user("office", role="backoffice", display_name="内勤小李"),
    }
    users["mgr"] = make_user("mgr", role="manager", display_name="刘主管", supervisor="gm.wang")
    users["mgr2"] = make_user("mgr2", role="manager", display_name="陈主管", supervisor="gm.wang")
    users["eng1"] = make_user("eng1", display_name="张三", supervisor="mgr")
    users["eng2"] = make_user("eng2", display_name="李四", supervisor="mgr")
    users["eng3"] = make_user("eng3", display_name="王五", supervisor="mgr2")
    return users


def login(client, username, password=PASSWORD):
    """Log a test client in through the real login form."""
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def token(client):
    """token("eng1") -> headers with a fresh bearer token for that user."""

    def get(username, password=PASSWORD):
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": "Bearer " + response.get_json()["token"]}

    return get


@pytest.fixture
def api(client, token):
    """api("POST", "/trips", "eng1", json={...}): a call to /api/v1 with that user's bearer token (None: anonymous)."""
    tokens = {}

    def call(method, path, user=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            if user not in tokens:
                tokens[user] = token(user)
            headers.update(tokens[user])
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    return call


# ---- a live server and headless Chromium (Debian's, driven by Playwright) for end-to-end tests ----
CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    """A page the size of a phone screen (375 × 812), Chinese locale."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir():
    """Where end-to-end tests leave their screenshots for people to look at (git-ignored)."""
    path = os.environ.get("TRACKER_SCREENSHOTS") or os.path.join(os.path.dirname(__file__), "..", "..", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path
