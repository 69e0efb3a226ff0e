"""The commands of CONTRACT 1 on bad input: a one-line message naming the cause and a non-zero exit, never a
traceback; a password follows the text rule of every other way in (CONTRACT 2)."""

import contextlib
import os
import stat
import subprocess
import sys
import time

import pytest

from tests.cli.test_backup import _instance
from tests.conftest import skip_or_fail
from tracker.auth.models import User
from tracker.cli import MIGRATING
from tracker.extensions import db


@pytest.fixture
def fresh(tmp_path):
    """A new instance whose database `init-db` has not made yet (SQLite: nothing to set up)."""
    app, cli = _instance("sqlite:///" + str(tmp_path / "new.db"), tmp_path / "instance")
    return app, cli


@pytest.mark.parametrize("args", [
    ["create-user", "boss", "--role", "admin", "--display-name", "Boss", "--password", "abcdefgh1"],
    ["compute", "2026-11"],
    ["run-job", "scores_nightly"],
    ["demo"],
])
def test_a_command_before_init_db_says_to_run_it(fresh, args):
    _app, cli = fresh
    result = cli.invoke(args=args)
    assert result.exit_code == 1, result.output
    assert "init-db" in result.output and "Traceback" not in result.output


def test_backup_into_a_folder_that_does_not_exist_names_it(fresh, tmp_path):
    _app, cli = fresh
    assert cli.invoke(args=["init-db"]).exit_code == 0
    result = cli.invoke(args=["backup", str(tmp_path / "nowhere" / "b.tar.gz")])
    assert result.exit_code == 2 and "no folder" in result.output and str(tmp_path / "nowhere") in result.output
    assert not os.path.exists(tmp_path / "nowhere")


def test_create_user_refuses_a_password_with_a_control_character(fresh):
    app, cli = fresh
    assert cli.invoke(args=["init-db"]).exit_code == 0
    result = cli.invoke(args=["create-user", "cli8", "--role", "engineer", "--display-name", "x",
                              "--password", "abcdefgh1\x01"])
    assert result.exit_code == 1 and "U+0001" in result.output
    with app.app_context():
        assert db.session.query(User).filter_by(username="cli8").count() == 0


@pytest.mark.parametrize("args, said", [
    (["cli9", "--display-name", ""], "Error: --display-name: 必填"),
    (["c", "--display-name", "x"], "Error: USERNAME: 用户名须为"),
    (["cli9", "--display-name", "x", "--supervisor", "nobody"], "Error: --supervisor: "),
    (["cli9", "--display-name", "x", "--hire-date", "2026-13-01"], "Error: --hire-date: "),
])
def test_create_user_names_the_option_at_fault(fresh, args, said):
    """It said only "Error: 必填", naming no option."""
    app, cli = fresh
    assert cli.invoke(args=["init-db"]).exit_code == 0
    result = cli.invoke(args=["create-user", *args, "--role", "engineer", "--password", "abcdefgh1"])
    assert result.exit_code == 1 and said in result.output, result.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_create_user_checks_the_rest_before_asking_for_the_password(fresh):
    """Without --password it asked for it twice before saying the username was taken or malformed."""
    app, cli = fresh
    assert cli.invoke(args=["init-db"]).exit_code == 0
    for username, said in (("c", "Error: USERNAME: 用户名须为"), ("ok.user", None)):
        result = cli.invoke(args=["create-user", username, "--role", "engineer", "--display-name", "x"],
                            input="abcdefgh1\nabcdefgh1\n")
        if said:
            assert result.exit_code == 1 and said in result.output and "密码" not in result.output, result.output
        else:
            assert result.exit_code == 0 and "密码" in result.output and "created ok.user" in result.output
    result = cli.invoke(args=["create-user", "ok.user", "--role", "engineer", "--display-name", "x"],
                        input="abcdefgh1\nabcdefgh1\n")
    assert result.exit_code == 1 and "已被使用" in result.output and "密码" not in result.output, result.output
    result = cli.invoke(args=["create-user", "two.pw", "--role", "engineer", "--display-name", "x"],
                        input="abcdefgh1\nabcdefgh2\n")  # asked and told in Chinese, as its other messages
    assert result.exit_code == 1 and "密码" in result.output and "两次输入的密码不一致" in result.output, result.output
    result = cli.invoke(args=["create-user", "short.pw", "--role", "engineer", "--display-name", "x"],
                        input="abc\nabc\n")  # the password's own rule, once asked
    assert result.exit_code == 1 and "--password" in result.output, result.output
    with app.app_context():
        assert [u.username for u in db.session.query(User)] == ["ok.user"]
        assert db.session.query(User).one().check_password("abcdefgh1")


@pytest.mark.parametrize("setting, value, said", [
    ("TRACKER_TOKEN_HOURS", "abc", "TRACKER_TOKEN_HOURS='abc' is not a whole number"),
    ("TRACKER_TIMEZONE", "Mars/Base", "TRACKER_TIMEZONE='Mars/Base' is not a time zone"),
    ("TRACKER_UPLOAD_NETWORKS", "10.0.0.0/8,office", "TRACKER_UPLOAD_NETWORKS='10.0.0.0/8,office' is not a comma-separated"),
    # an empty list refused every scan, photo and import without a word at start
    ("TRACKER_UPLOAD_NETWORKS", "", "TRACKER_UPLOAD_NETWORKS='' names no network; leave it unset for the default"),
    ("TRACKER_UPLOAD_NETWORKS", " , ", "TRACKER_UPLOAD_NETWORKS=' , ' names no network"),
    ("TRACKER_TRUSTED_PROXIES", "-1", "TRACKER_TRUSTED_PROXIES='-1' is not a whole number of at least 0"),
    # a typo no longer turns the cookies' Secure flag off without a word
    ("TRACKER_COOKIE_SECURE", "ture", "TRACKER_COOKIE_SECURE='ture' is neither true nor false"),
    ("TRACKER_TOKEN_HOURS", "-5", "TRACKER_TOKEN_HOURS='-5' is not a whole number of at least 1"),
    ("TRACKER_BASE_URL", "https://tracker.lan/?a=1", "TRACKER_BASE_URL='https://tracker.lan/?a=1' is not an http(s)"),
    ("TRACKER_BASE_URL", "tracker.lan:8000", "TRACKER_BASE_URL='tracker.lan:8000' is not an http(s) address"),
    ("TRACKER_DATABASE_URL", "garbage", "TRACKER_DATABASE_URL='garbage' is not a SQLite or PostgreSQL address"),
    ("TRACKER_DATABASE_URL", "mysql://root@localhost/t", "TRACKER_DATABASE_URL='mysql://root@localhost/t' is not a SQLite"),
    # a duration of centuries passed, then overflowed: a traceback, or a 500 on every login
    ("TRACKER_REMEMBER_DAYS", "99999999999999999999", "TRACKER_REMEMBER_DAYS=99999999999999999999 is not a whole "
                                                      "number from 1 to 3650"),
    ("TRACKER_TOKEN_HOURS", "100000000", "TRACKER_TOKEN_HOURS=100000000 is not a whole number from 1 to 87600"),
    ("TRACKER_MAIL_PORT", "70000", "TRACKER_MAIL_PORT=70000 is not a whole number from 1 to 65535"),
    ("TRACKER_PREFERRED_URL_SCHEME", "ftp", "TRACKER_PREFERRED_URL_SCHEME='ftp' is neither http nor https"),
])
def test_a_setting_that_cannot_be_used_is_named(tmp_path, setting, value, said):
    environment = {**os.environ, setting: value, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and f"Error: {said}" in result.stderr
    assert "Traceback" not in result.stderr  # the message alone, as every other command error
    assert not os.path.exists(tmp_path / "tracker.db")


@pytest.mark.parametrize("line, said", [
    # each passed at start, then every login (a limit), every upload (a size) or the start itself failed: a traceback
    ("LOGIN_MAX_PER_USER = 0", "LOGIN_MAX_PER_USER=0 is not a whole number of at least 1"),
    ("LOGIN_MAX_PER_USER = 'five'", "LOGIN_MAX_PER_USER='five' is not a whole number of at least 1"),
    ("SCAN_MAX_BYTES = '200k'", "SCAN_MAX_BYTES='200k' is not a whole number of at least 1"),
    ("TIMEZONE = 5", "TIMEZONE=5 is not a time zone"),
    ("DATABASE_URL = 5", "DATABASE_URL=5 is not a SQLite or PostgreSQL address"),
    ("TOKEN_HOURS = 12.5", "TOKEN_HOURS=12.5 is not a whole number of at least 1"),
    # a value equal to the default, of another kind, was named as an environment variable nobody had set
    ("TRUSTED_PROXIES = False", "TRUSTED_PROXIES=False is not a whole number of at least 0"),
    ("MAIL_USE_TLS = 'maybe'", "MAIL_USE_TLS='maybe' is neither true nor false"),
    ("PASSWORD_METHOD = 'bogus'", "PASSWORD_METHOD='bogus' is not a password hash method"),
    # refused by the checks the environment's values go through: named in the file, not as an unset variable
    ("TRUSTED_PROXIES = -1", "TRUSTED_PROXIES=-1 is not a whole number of at least 0"),
    ("TIMEZONE = 'Mars/Base'", "TIMEZONE='Mars/Base' is not a time zone"),
    ("TIMEZONE = ", "cannot be read: SyntaxError"),
])
def test_a_setting_of_instance_config_that_cannot_be_used_is_named_in_its_file(tmp_path, line, said):
    (tmp_path / "config.py").write_text(line + "\n")
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and f"Error: {tmp_path / 'config.py'}: {said}" in result.stderr \
        or f"Error: {tmp_path / 'config.py'} {said}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "TRACKER_" not in result.stderr
    assert not os.path.exists(tmp_path / "tracker.db")


def test_numbers_and_yes_no_of_instance_config_written_as_text_are_read_as_from_the_environment(tmp_path):
    (tmp_path / "config.py").write_text("MAIL_PORT = '587'\nMAIL_USE_TLS = 'true'\nLOGIN_MAX_PER_USER = 30\n"
                                        "SECRET_KEY = b'0123456789abcdef0123456789abcdef'\n")
    from tracker import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert (app.config["MAIL_PORT"], app.config["MAIL_USE_TLS"], app.config["LOGIN_MAX_PER_USER"]) == (587, True, 30)
    # each of these started before instance/config.py was checked, and still does
    (tmp_path / "config.py").write_text(
        "COOKIE_SECURE = 1\nMAIL_USE_TLS = 1\nMAX_CONTENT_LENGTH = None\nSCAN_MAX_BYTES = 300_000.0\n"
        "PHOTO_MAX_PIXELS = 3e7\nLOGIN_MAX_PER_USER = 5.0\nUPLOAD_NETWORKS = {'10.0.0.0/8', '127.0.0.0/8'}\n"
        "SECRET_KEY = bytearray(b'0123456789abcdef0123456789abcdef')\nMAIL_SENDER = None\n")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert (app.config["SCAN_MAX_BYTES"], app.config["PHOTO_MAX_PIXELS"], app.config["LOGIN_MAX_PER_USER"]) == \
        (300_000, 30_000_000, 5)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["MAX_CONTENT_LENGTH"] is None


def test_a_password_method_werkzeug_does_not_know_stops_the_start(tmp_path):
    """A typo was noticed at the first login with an unknown name (a 500) or the first password set (a traceback)."""
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path), "TRACKER_PASSWORD_METHOD": "bogus"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Error: TRACKER_PASSWORD_METHOD='bogus' is not a password hash method" \
        in result.stderr, result.stderr


def test_create_user_takes_a_hire_date_so_an_engineer_is_assessed(fresh):
    app, cli = fresh
    assert cli.invoke(args=["init-db"]).exit_code == 0
    assert cli.invoke(args=["create-user", "boss", "--role", "manager", "--display-name", "老板",
                            "--password", "abcdefgh1"]).exit_code == 0
    result = cli.invoke(args=["create-user", "new.eng", "--role", "engineer", "--display-name", "新工程师",
                              "--password", "abcdefgh1", "--supervisor", "boss", "--hire-date", "2025-03-01"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        engineer = db.session.query(User).filter_by(username="new.eng").one()
        assert engineer.hire_date.isoformat() == "2025-03-01" and engineer.supervisor.username == "boss"
    refused = cli.invoke(args=["create-user", "new.eng2", "--role", "engineer", "--display-name", "x",
                               "--password", "abcdefgh1", "--hire-date", "1999-13-01"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output


def test_the_default_database_is_readable_by_its_owner_only(tmp_path):
    """The SQLite file holds everyone's pay and password hashes: made with mode 0600 whatever the umask (it was
    0644), and SQLite gives its -wal file the same mode; a database made before keeps its own mode."""
    environment = {key: value for key, value in os.environ.items() if key != "TRACKER_DATABASE_URL"}
    environment["TRACKER_INSTANCE_PATH"] = str(tmp_path)
    result = subprocess.run(["sh", "-c", f"umask 022 && exec {sys.executable} -m flask --app tracker init-db"],
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for name in ("tracker.db", "tracker.db-wal"):
        if name == "tracker.db" or os.path.exists(tmp_path / name):
            assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name
    other = tmp_path / "older"
    other.mkdir()
    (other / "tracker.db").touch(mode=0o640)
    os.chmod(other / "tracker.db", 0o640)
    environment["TRACKER_INSTANCE_PATH"] = str(other)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(other / "tracker.db").st_mode) == 0o640


@pytest.mark.parametrize("content", ["", "short\n"])
def test_an_unusable_secret_key_file_is_named_in_one_line(tmp_path, content):
    (tmp_path / "secret_key").write_text(content)
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    environment.pop("TRACKER_SECRET_KEY", None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "holds no usable secret key; delete it" in result.stderr, result.stderr
    assert "Error: " in result.stderr and "Traceback" not in result.stderr


def test_init_db_creates_a_postgresql_database_that_does_not_exist_yet(tmp_path):
    """As SQLite's file is made: a PostgreSQL URL naming a database not created yet gave a traceback of 60 lines."""
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TRACKER_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text

    base = url.rpartition("/")[0]
    name = f'tracker_new"{os.getpid()}'  # a name that needs quoting
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                          isolation_level="AUTOCOMMIT")
    drop = text('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(name.replace('"', '""')))
    with admin.connect() as connection:
        connection.execute(drop)
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path),
                   "TRACKER_DATABASE_URL": f"{base}/{name}"}
    try:
        for _ in range(2):  # the second run finds it made and upgrades nothing
            result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
            assert "database ready" in result.stdout
        with admin.connect() as connection:
            assert connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) == 1
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


@pytest.mark.parametrize("url, said", [
    ("postgresql://postgres@127.0.0.1:9/tracker", "cannot connect to the database: "),  # nothing listens on 9
    # the client's default database is the server's own: Tracker's tables were made in "postgres"
    ("postgresql://postgres@127.0.0.1:9/", "the database URL names no database"),
])
def test_init_db_names_a_database_it_cannot_use_in_one_line(tmp_path, url, said):
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path), "TRACKER_DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and f"Error: {said}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["compute", "2026-11"], ["backup", "{tmp}/x.tar.gz"], ["scheduler"],
                                     ["create-user", "someone", "--role", "admin", "--display-name", "某人",
                                      "--password", "secret-pass-1"]])
def test_every_command_names_a_database_it_cannot_reach_in_one_line(tmp_path, command):
    """Only init-db did: the others printed the driver's traceback."""
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"),
                   "TRACKER_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/tracker"}  # nothing listens on 9
    command = [part.format(tmp=tmp_path) for part in command]  # a backup outside the instance folder
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", *command], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Error: cannot connect to the database: " in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("target", ["/dev/null", "link"])
def test_a_backup_never_replaces_a_device(tmp_path, target):
    """As root, `backup /dev/full` turned the device into a gzip file."""
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path / "instance")}
    flask = [sys.executable, "-m", "flask", "--app", "tracker"]
    subprocess.run([*flask, "init-db"], env=environment, capture_output=True, text=True, timeout=120, check=True)
    if target == "link":
        (tmp_path / "link").symlink_to("/dev/null")
        target = str(tmp_path / "link")
    result = subprocess.run([*flask, "backup", target], env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "is not a file a backup may replace" in result.stderr, result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and os.path.islink(target) == target.endswith("link")


def test_a_backup_to_a_place_that_takes_no_file_is_said_in_one_line(tmp_path):
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    flask = [sys.executable, "-m", "flask", "--app", "tracker"]
    subprocess.run([*flask, "init-db"], env=environment, capture_output=True, text=True, timeout=120, check=True)
    result = subprocess.run([*flask, "backup", "/proc/tracker-backup.tar.gz"], env=environment, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1 and "Error: cannot write /proc/tracker-backup.tar.gz: " in result.stderr, \
        result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("existing", [False, True])
def test_two_init_db_at_once_on_a_postgresql_database_both_succeed(tmp_path, existing):
    """Two servers started together each run init-db (make run does): the second's migration failed on
    alembic_version with a traceback; on a database that existed empty, the second loading the bundled templates
    while the first did failed on their unique key (one time in four). They create the database once, and migrate
    and load one after the other."""
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TRACKER_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text

    base = url.rpartition("/")[0]
    name = f"tracker_twice_{os.getpid()}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                          isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as connection:
        connection.execute(drop)
        if existing:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = create_engine(f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    held = target.connect() if existing else None
    try:
        if held is not None:  # both wait at init-db's lock, started up, and go on together once it is free
            held.execute(text(f"SELECT pg_advisory_lock({MIGRATING})"))
        runs = []
        for n in range(2):
            (tmp_path / str(n)).mkdir()
            environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path / str(n)),
                           "TRACKER_DATABASE_URL": f"{base}/{name}"}
            runs.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "tracker", "init-db"],
                                         env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        if held is not None:
            waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND NOT granted")
            for _ in range(600):
                if held.scalar(waiting, {"key": MIGRATING}) == 2:
                    break
                time.sleep(0.1)
            held.execute(text(f"SELECT pg_advisory_unlock({MIGRATING})"))
            held.close()
            held = None
        _both_ready(runs)
    finally:
        if held is not None:
            held.close()
        target.dispose()
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


def test_init_db_lets_go_of_its_lock_once_the_bundled_templates_are_loaded(tmp_path):
    """A second init-db waiting at the lock went on while the first was loading the bundled templates, and one of
    the two failed on their unique key (one time in four)."""
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TRACKER_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text

    base = url.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"tracker_lock_{os.getpid()}"
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as connection:
        connection.execute(drop)
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = create_engine(f"{base}/{name}", isolation_level="AUTOCOMMIT")
    try:
        environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path),
                       "TRACKER_DATABASE_URL": url.rpartition("/")[0] + "/" + name}
        run = subprocess.Popen([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with target.connect() as connection:
            held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND granted")
            for _ in range(1200):  # init-db holds it
                if connection.scalar(held, {"key": MIGRATING}) or run.poll() is not None:
                    break
                time.sleep(0.05)
            connection.execute(text(f"SELECT pg_advisory_lock({MIGRATING})"))  # waits until it lets go
            loaded = connection.scalar(text("SELECT count(*) FROM kpi_templates"))
            connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATING})"))
        _both_ready([run])
        assert loaded > 0
    finally:
        target.dispose()
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


def test_two_init_db_at_once_on_sqlite_wait_for_each_other_and_both_succeed(tmp_path):
    """On SQLite the lock was PostgreSQL's alone: two init-db at once failed seven times in eight ("table ...
    already exists", alembic_version), once leaving a migration's copy table behind. They wait at a lock on a file
    beside the database (held here: neither migrates while it is), then run one after the other."""
    import fcntl
    import sqlite3

    database = tmp_path / "tracker.db"
    holder = os.open(str(database) + ".init-lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    runs = []
    try:
        environment = {key: value for key, value in os.environ.items() if key != "TRACKER_DATABASE_URL"}
        environment["TRACKER_INSTANCE_PATH"] = str(tmp_path)
        for _n in range(3):
            runs.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "tracker", "init-db"],
                                         env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:  # started, connected, and waiting: no table is made meanwhile
            assert all(run.poll() is None for run in runs), [run.communicate() for run in runs if run.poll() is not None]
            if database.exists():
                with contextlib.closing(sqlite3.connect(database)) as connection:
                    assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
            time.sleep(0.2)
    finally:
        os.close(holder)
    _both_ready(runs)
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE '_alembic_tmp%'").fetchone()[0] == 0
    assert stat.S_IMODE(os.stat(str(database) + ".init-lock").st_mode) == 0o600


def _both_ready(runs):
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0 and "Traceback" not in err, err
        assert "database ready" in out


@pytest.mark.parametrize("text, said", [
    # read as nothing: the token lifetime stayed 12 hours without a word
    ("TRACKER_TOKEN_HOURS = 1\n", "TRACKER_TOKEN_HOURS is the environment's name; in this file the setting is "
                                  "written without TRACKER_ (TOKEN_HOURS = ...)"),
    # STARTTLS was tried on an SMTPS connection at every send
    ("MAIL_USE_TLS = True\nMAIL_USE_SSL = True\n", "MAIL_USE_TLS=True with MAIL_USE_SSL on too"),
])
def test_an_instance_config_that_would_be_read_otherwise_than_meant_is_named(tmp_path, text, said):
    (tmp_path / "config.py").write_text(text)
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "init-db"], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and f"Error: {tmp_path / 'config.py'}: " in result.stderr, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
