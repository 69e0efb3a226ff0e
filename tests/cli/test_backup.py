"""backup PATH / restore PATH: a consistent copy of database and files, restorable into an empty database."""

import gzip
import io
import json
from contextlib import contextmanager
import os
import re
import stat
import tarfile
from datetime import datetime
from zoneinfo import ZoneInfo
import zlib

import pytest
from sqlalchemy import create_engine, func, select, text

from tracker import create_app
from tracker.auth.models import User
from tracker.extensions import db
from tracker.customers.models import Customer
from tracker.notifications import outbox
from tracker.notifications.outbox import OutboxMessage
from tracker.scores.models import KpiTemplate
from tracker.tickets import qr
from tests.workorders.conftest import make_order  # noqa: F401  (the work-order fixture)

MESSAGE = "Subject: 测试\r\n\r\n正文\r\n".encode() + bytes(range(256))  # an outbox message as built: bytes


def _fill(app, make_user):
    make_user("eng1", display_name="张三")
    db.session.add(Customer(name="旗滨玻璃"))
    outbox.add("email", "mail", "eng1@example.com", "【Tracker】测试", MESSAGE, datetime(2026, 11, 20, 10))
    db.session.commit()
    folder = os.path.join(app.instance_path, "archive", "旗滨玻璃")
    os.makedirs(folder)
    with open(os.path.join(folder, "20261015旗滨玻璃1号机常规保养.pdf"), "wb") as handle:
        handle.write(b"%PDF-1.4 scan")


def test_backup_then_restore_into_an_empty_database_gives_the_same_rows_and_files(app, runner, make_user, tmp_path):
    _fill(app, make_user)
    target = str(tmp_path / "tracker-backup.tar.gz")
    result = runner.invoke(args=["backup", target])
    assert result.exit_code == 0, result.output
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    os.remove(os.path.join(app.instance_path, "archive", "旗滨玻璃", "20261015旗滨玻璃1号机常规保养.pdf"))

    result = runner.invoke(args=["restore", target])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.display_name).where(User.username == "eng1")) == "张三"
    assert db.session.scalar(select(Customer.name)) == "旗滨玻璃"
    assert db.session.scalar(select(OutboxMessage.payload)) == MESSAGE  # binary columns come back byte for byte
    with open(os.path.join(app.instance_path, "archive", "旗滨玻璃", "20261015旗滨玻璃1号机常规保养.pdf"), "rb") as f:
        assert f.read() == b"%PDF-1.4 scan"
    # New rows after a restore get fresh ids (sequences follow the restored rows on PostgreSQL).
    make_user("eng2")
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


@pytest.mark.parametrize("replace", [False, True])
def test_a_restore_leaves_the_scan_and_photo_folders_private(app, runner, make_user, tmp_path, replace):
    """The backup holds the folders as 0700; extracted with the "data" filter they came back 0777 less the umask
    (0755), and uploads then went into folders anyone on the machine could list."""
    import shutil
    import stat

    _fill(app, make_user)
    os.makedirs(os.path.join(app.instance_path, "photos", "eng1", "20261015旗滨玻璃1号机常规保养"))
    target = str(tmp_path / "tracker-backup.tar.gz")
    assert runner.invoke(args=["backup", target]).exit_code == 0
    if not replace:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        for folder in ("archive", "photos"):
            shutil.rmtree(os.path.join(app.instance_path, folder))
    previous = os.umask(0o022)
    try:
        result = runner.invoke(args=["restore", target, *(["--replace"] if replace else [])])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    modes = {folder: stat.S_IMODE(os.stat(folder).st_mode)
             for top in ("archive", "photos") for folder, _folders, _files in os.walk(os.path.join(app.instance_path, top))}
    assert len(modes) >= 5 and set(modes.values()) == {0o700}, modes


def test_links_to_later_rows_of_the_same_table_are_restored(app, runner, make_user, make_order,  # noqa: F811
                                                             tmp_path):
    """An engineer whose manager was created after them (a users file may list the manager later), and a work order
    linked to a later one: the backup was refused as damaged, every copy of it."""
    make_user("eng0")
    boss = make_user("boss0", role="manager")
    first, second = make_order(number="WO-A"), make_order(number="WO-B")
    db.session.get(User, db.session.scalar(select(User.id).where(User.username == "eng0"))).supervisor_id = boss.id
    first.rework, first.rework_of_id = "internal", second.id  # stored so by hand: only the id order matters here
    db.session.commit()
    expected = {name: db.session.execute(select(table.c.id, table.c[column]).order_by(table.c.id)).all()
                for name, table, column in (("users", User.__table__, "supervisor_id"),
                                            ("orders", first.__table__, "rework_of_id"))}
    target = str(tmp_path / "b.tar.gz")
    assert runner.invoke(args=["backup", target]).exit_code == 0
    result = runner.invoke(args=["restore", target, "--replace"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert {name: db.session.execute(select(table.c.id, table.c[column]).order_by(table.c.id)).all()
            for name, table, column in (("users", User.__table__, "supervisor_id"),
                                        ("orders", first.__table__, "rework_of_id"))} == expected
    assert boss.id in [supervisor for _id, supervisor in expected["users"]]


def test_restore_refuses_a_database_with_data_unless_replace(app, runner, make_user, tmp_path):
    _fill(app, make_user)
    target = str(tmp_path / "b.tar.gz")
    runner.invoke(args=["backup", target])
    result = runner.invoke(args=["restore", target])
    assert result.exit_code != 0 and "not empty" in result.output
    result = runner.invoke(args=["restore", target, "--replace"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_restore_into_an_empty_database_keeps_files_already_in_the_instance_unless_replace(app, runner, make_user,
                                                                                           tmp_path):
    """The database was checked, the folders not: a restore without --replace into an empty database deleted the
    archive and photos already in the instance folder (a database re-created beside the production folder)."""
    _fill(app, make_user)
    target = str(tmp_path / "b.tar.gz")
    assert runner.invoke(args=["backup", target]).exit_code == 0
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    kept = os.path.join(app.instance_path, "photos", "张三", "现场.jpg")
    os.makedirs(os.path.dirname(kept))
    with open(kept, "wb") as handle:
        handle.write(b"photo")
    result = runner.invoke(args=["restore", target])
    assert result.exit_code != 0 and "--replace" in result.output and "photos/" in result.output, result.output
    with open(kept, "rb") as handle:
        assert handle.read() == b"photo"
    assert db.session.scalar(select(func.count()).select_from(User)) == 0  # nothing restored either
    result = runner.invoke(args=["restore", target, "--replace"])
    assert result.exit_code == 0, result.output
    assert not os.path.exists(kept) and db.session.scalar(select(func.count()).select_from(User)) == 1


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not a tar")
    result = runner.invoke(args=["restore", str(bogus)])
    assert result.exit_code != 0 and "not a Tracker backup" in result.output


def _rewritten(source, target, member, data):
    """A copy of the backup at `source` with `member` holding `data`."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for info in old.getmembers():
            content = old.extractfile(info).read() if info.isfile() else None
            if info.name == member:
                content, info.size = data, len(data)
            new.addfile(info, io.BytesIO(content) if content is not None else None)


def test_a_damaged_backup_is_said_to_be_damaged_in_one_line_and_changes_nothing(app, runner, make_user, tmp_path):
    """A copy cut short printed click's "Aborted!" (the EOFError of gzip), a table that is not JSON a traceback."""
    _fill(app, make_user)
    target = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    truncated = tmp_path / "cut.tar.gz"
    truncated.write_bytes(target.read_bytes()[: target.stat().st_size * 2 // 3])
    broken = tmp_path / "broken.tar.gz"
    _rewritten(target, broken, "tables/customers.json", b"[{\"id\": 1, \"name\": ")
    cut_early = tmp_path / "cut50.tar.gz"  # within the first blocks: tarfile.open itself met the end
    cut_early.write_bytes(target.read_bytes()[:50])
    lacking = tmp_path / "lacking.tar.gz"  # a table's file taken out by hand: it restored that table empty
    with tarfile.open(target, "r:gz") as old, tarfile.open(lacking, "w:gz") as new:
        for info in old.getmembers():
            if info.name != "tables/customers.json":
                new.addfile(info, old.extractfile(info) if info.isfile() else None)
    for copy in (truncated, broken, cut_early, lacking):
        result = runner.invoke(args=["restore", str(copy), "--replace"])
        assert result.exit_code == 1 and "damaged or incomplete" in result.output, result.output
        assert "Aborted" not in result.output and "Traceback" not in result.output
        assert db.session.scalar(select(Customer.name)) == "旗滨玻璃"  # nothing restored, nothing lost


def _recompressed_with_the_old_checksum(source, target, member, data):
    """The backup at `source` with `member`'s bytes changed (same length), compressed again but with the original
    gzip trailer: a copy damaged so that it still inflates and parses, which only the checksum tells."""
    with gzip.open(source, "rb") as stream:
        plain = stream.read()
    with tarfile.open(source, "r:gz") as tar:
        info = tar.getmember(member)
        start = info.offset_data
    assert len(data) == info.size
    changed = plain[:start] + data + plain[start + len(data):]
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = packer.compress(changed) + packer.flush()
    original = source.read_bytes()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no flags
    target.write_bytes(header + deflated + original[-8:])  # the new stream, the old CRC-32 and length


def test_a_copy_with_a_changed_byte_is_refused_by_its_checksum(app, runner, make_user, tmp_path):
    """A copy whose gzip checksum fails (one flipped bit that still inflated) restored changed rows with exit 0."""
    _fill(app, make_user)
    target = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    with tarfile.open(target, "r:gz") as tar:
        rows = tar.extractfile("tables/customers.json").read()
    assert "旗滨玻璃".encode() in rows
    bad = tmp_path / "bad.tar.gz"
    _recompressed_with_the_old_checksum(target, bad, "tables/customers.json",
                                        rows.replace("旗滨玻璃".encode(), "旗滨玻瑞".encode()))
    with tarfile.open(bad, "r:gz") as tar:  # tarfile alone reads it without a word
        assert "旗滨玻瑞".encode() in tar.extractfile("tables/customers.json").read()
    db.session.execute(Customer.__table__.update().values(name="新名"))
    db.session.commit()
    result = runner.invoke(args=["restore", str(bad), "--replace"])
    assert result.exit_code == 1 and "damaged or incomplete" in result.output and "Traceback" not in result.output
    db.session.rollback()
    assert db.session.scalar(select(Customer.name)) == "新名"  # nothing restored


def test_a_row_without_a_column_or_a_value_that_does_not_decode_is_damage_in_one_line(app, runner, make_user,
                                                                                   tmp_path):
    """A row lacking a key printed two tracebacks with every row of its table (42 KB)."""
    _fill(app, make_user)
    target = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    with tarfile.open(target, "r:gz") as tar:
        users = json.load(tar.extractfile("tables/users.json"))
    lacking = [{k: v for k, v in row.items() if k != "display_name"} for row in users]
    undecodable = [{**row, "created_at": "昨天"} for row in users]
    unknown = [{**row, "nickname": "x"} for row in users]
    for number, rows in enumerate((lacking, undecodable, unknown, {"rows": users}, [1, 2])):
        copy = tmp_path / f"damaged{number}.tar.gz"
        _rewritten(target, copy, "tables/users.json", json.dumps(rows).encode())
        result = runner.invoke(args=["restore", str(copy), "--replace"])
        assert result.exit_code == 1, result.output
        assert "tables/users.json does not hold the rows of its table" in result.output
        assert "Traceback" not in result.output and len(result.output) < 300
        db.session.rollback()
        assert db.session.scalar(select(User.display_name).where(User.username == "eng1")) == "张三"


def _scanned(api, make_order):  # noqa: F811
    """A work order with its scan uploaded; the scan's path in the instance folder."""
    from tests.workorders.conftest import CANONICAL, PDF, upload

    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
                   content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["path"]


def test_a_scan_file_that_is_not_the_one_its_row_describes_is_refused(app, api, runner, make_order,  # noqa: F811
                                                                      tmp_path):
    """A backup re-packed with another PDF under a scan's name restored it silently."""
    from tests.workorders.conftest import PDF

    path = _scanned(api, make_order)
    target = tmp_path / "b.tar.gz"
    _run(runner, "backup", str(target))
    swapped = tmp_path / "swapped.tar.gz"
    _rewritten(target, swapped, path, PDF + b"% not the scan")
    result = runner.invoke(args=["restore", str(swapped), "--replace"])
    assert result.exit_code == 1 and f"{path} is not the file its row describes" in result.output, result.output
    with open(os.path.join(app.instance_path, path), "rb") as handle:
        assert handle.read() == PDF  # the live file stays
    assert runner.invoke(args=["restore", str(target), "--replace"]).exit_code == 0  # the true copy restores


def test_a_restore_carries_the_id_counters_so_a_deleted_id_is_not_handed_out_again(app, api, token, runner, team,
                                                                                    tmp_path):
    """Counters were set from the largest id present: the ids of the newest rows deleted before the backup were
    handed out again after a restore (a DELETE retried by a client then removed another row)."""
    trips = [api("POST", "/trips", "eng1", json={"date": "2026-11-18", "depart": f"{hour:02d}:00",
                                                 "return": f"{hour:02d}:30"}).get_json()["id"] for hour in (9, 10, 11)]
    for trip_id in trips[1:]:
        assert api("DELETE", f"/trips/{trip_id}", "eng1").status_code == 204
    target = tmp_path / "b.tar.gz"
    _run(runner, "backup", str(target))
    with tarfile.open(target, "r:gz") as tar:
        assert json.load(tar.extractfile("manifest.json"))["counters"]["trips"] == trips[-1]
    _run(runner, "restore", str(target), "--replace")
    again = app.test_client().post("/api/v1/trips", json={"date": "2026-11-18", "depart": "12:00", "return": "12:30"},
                                   headers=token("eng1"))
    assert again.status_code == 201 and again.get_json()["id"] > trips[-1]


def test_the_members_of_a_backup_carry_the_instant_it_was_made(app, runner, make_user, tmp_path):
    """They were stamped with the local wall time read as UTC: 8 hours in the future in Shanghai (tar warned)."""
    _fill(app, make_user)
    target = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    made = app.config["NOW"].replace(tzinfo=ZoneInfo(app.config["TIMEZONE"])).timestamp()
    with tarfile.open(target, "r:gz") as tar:
        assert tar.getmember("manifest.json").mtime == int(made)


# ---- README: on a fresh instance, `init-db` then `restore PATH` ------------------------------------

def _scratch_url(tmp_path, name):
    """A database nobody has used yet: a new SQLite file, or a new PostgreSQL database in CI."""
    url = os.environ.get("TRACKER_TEST_DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        return "sqlite:///" + str(tmp_path / f"{name}.db"), None
    base, _, dbname = url.replace("postgresql://", "postgresql+psycopg://", 1).rpartition("/")
    scratch = f"{dbname}_{name}"
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    return f"{base}/{scratch}", (admin, scratch)


def _drop(handle):
    if handle is not None:
        admin, scratch = handle
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def _instance(url, folder, made=None, **config):
    """An app (and its command runner) on `url` with its instance folder; kept in `made` to be closed after."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(folder),
                      "PASSWORD_METHOD": "pbkdf2:sha256:1000", **config})
    if made is not None:
        made.append(app)
    return app, app.test_cli_runner()


@contextmanager
def _scratch(tmp_path, *names):
    """(urls of fresh databases, one per name; the list of apps to close): afterwards every app's connections are
    closed and every database dropped."""
    databases, made = [_scratch_url(tmp_path, name) for name in names], []
    try:
        yield [url for url, _handle in databases], made
    finally:
        for app in made:
            with app.app_context():
                db.engine.dispose()
        for _url, handle in databases:
            _drop(handle)


def _run(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init_db_then_restore_into_a_fresh_instance_as_the_readme_says(tmp_path):
    with _scratch(tmp_path, "source", "target") as ((source_url, target_url), made):
        source, source_cli = _instance(source_url, tmp_path / "source", made)
        _run(source_cli, "init-db")
        _run(source_cli, "create-user", "eng1", "--role", "engineer", "--display-name", "张三",
             "--password", "secret-pass-1")
        with source.app_context():
            db.session.add(Customer(name="旗滨玻璃"))
            db.session.commit()
        folder = tmp_path / "source" / "archive" / "旗滨玻璃"
        folder.mkdir(parents=True)
        (folder / "20261015旗滨玻璃1号机常规保养.pdf").write_bytes(b"%PDF-1.4 scan")
        backup_file = str(tmp_path / "tracker-backup.tar.gz")
        _run(source_cli, "backup", backup_file)

        target, target_cli = _instance(target_url, tmp_path / "target", made)
        early = target_cli.invoke(args=["restore", backup_file])  # said "differs from this database's None"
        assert early.exit_code == 1 and "run `flask --app tracker init-db` first" in early.output, early.output
        assert "KPI templates loaded" in _run(target_cli, "init-db")  # init-db loads the templates ...
        assert "restored" in _run(target_cli, "restore", backup_file)  # ... and restore still takes the backup
        with target.app_context():
            assert db.session.scalar(select(User.display_name).where(User.username == "eng1")) == "张三"
            assert db.session.scalar(select(Customer.name)) == "旗滨玻璃"
            with source.app_context():
                source_templates = db.session.scalar(select(func.count()).select_from(KpiTemplate))
            assert db.session.scalar(select(func.count()).select_from(KpiTemplate)) == source_templates
            db.engine.dispose()
        assert (tmp_path / "target" / "archive" / "旗滨玻璃" / "20261015旗滨玻璃1号机常规保养.pdf").read_bytes() \
            == b"%PDF-1.4 scan"


def test_restore_still_refuses_a_fresh_instance_whose_templates_an_administrator_changed(tmp_path):
    with _scratch(tmp_path, "changed") as ((url,), made):
        app, cli = _instance(url, tmp_path / "changed", made)
        _run(cli, "init-db")
        backup_file = str(tmp_path / "b.tar.gz")
        _run(cli, "backup", backup_file)
        with app.app_context():
            row = db.session.scalars(select(KpiTemplate)).first()
            row.body = json.dumps({**json.loads(row.body), "edited_by": "admin"})  # not what init-db loads
            db.session.commit()
            db.engine.dispose()
        result = cli.invoke(args=["restore", backup_file])
        assert result.exit_code != 0 and "not empty" in result.output


# ---- logins and the secret key ------------------------------------------------------------------------

def test_a_restore_brings_back_no_login_ended_after_the_backup(app, runner, make_user, tmp_path):
    """CONTRACT 11: a session or token ended stays ended; a restore ends every login and copies none."""
    from tracker.auth import services as auth_services, sessions
    from tracker.auth.models import ApiToken, AuthSession, LoginAttempt

    user = make_user("eng1")
    now = datetime(2026, 11, 20, 10)
    token, _expires = auth_services.issue_token(user, 8, now=now)
    session_token = sessions.start(user, True, "127.0.0.1", now, 8, 30)
    db.session.add(LoginAttempt(at=now, username="eng1", address="127.0.0.1"))
    db.session.commit()
    target = str(tmp_path / "b.tar.gz")
    _run(runner, "backup", target)
    with tarfile.open(target) as tar:
        assert not {"tables/auth_sessions.json", "tables/api_tokens.json", "tables/login_attempts.json"} \
            & set(tar.getnames())
    auth_services.revoke_token(token, user, now)
    sessions.end(session_token)
    db.session.commit()

    output = _run(runner, "restore", "--replace", target)
    assert "signs in again" in output
    for model in (ApiToken, AuthSession, LoginAttempt):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert auth_services.user_for_token(token, now=now) is None
    assert sessions.resolve(session_token, now) is None
    assert db.session.scalar(select(User.username)) == "eng1"  # the user is back


def test_a_backup_carries_the_instance_key_and_a_restore_elsewhere_puts_it_back(tmp_path):
    """Printed tickets' QR codes are signed with the instance's key: after restoring on a new machine they are
    still recognised, and the operator is told to restart."""
    with _scratch(tmp_path, "keysource", "keytarget") as ((source_url, target_url), made):
        source, source_cli = _instance(source_url, tmp_path / "source", made)
        _run(source_cli, "init-db")
        printed = qr.payload("WO20261015-001", source.config["SECRET_KEY"])
        backup_file = str(tmp_path / "b.tar.gz")
        old_umask = os.umask(0o022)
        try:
            _run(source_cli, "backup", backup_file)
        finally:
            os.umask(old_umask)
        assert stat.S_IMODE(os.stat(backup_file).st_mode) == 0o600  # the file holds the key: it was 0644
        with tarfile.open(backup_file) as tar:
            member = tar.getmember("secret_key")
            assert member.mode == 0o600
            assert tar.extractfile(member).read().decode() == source.config["SECRET_KEY"]

        target, target_cli = _instance(target_url, tmp_path / "target", made)
        _run(target_cli, "init-db")
        assert qr.number_in(printed, target.config["SECRET_KEY"]) is None  # a new instance has a key of its own
        assert "restart" in _run(target_cli, "restore", backup_file)
        key_file = tmp_path / "target" / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        restarted, _cli = _instance(target_url, tmp_path / "target", made)
        assert qr.number_in(printed, restarted.config["SECRET_KEY"]) == "WO20261015-001"


def test_a_key_given_by_the_environment_is_neither_copied_nor_overwritten_but_a_difference_is_told(tmp_path):
    with _scratch(tmp_path, "envkey") as ((url,), made):
        _app, cli = _instance(url, tmp_path / "env", made, SECRET_KEY="k" * 40)
        _run(cli, "init-db")
        backup_file = str(tmp_path / "b.tar.gz")
        _run(cli, "backup", backup_file)
        with tarfile.open(backup_file) as tar:
            assert "secret_key" not in tar.getnames()
        assert "secret key" not in _run(cli, "restore", "--replace", backup_file)  # the same key: nothing to say
        _other, other_cli = _instance(url, tmp_path / "env", made, SECRET_KEY="z" * 40)
        output = _run(other_cli, "restore", "--replace", backup_file)
        assert "TRACKER_SECRET_KEY" in output and "warning" in output
        assert not (tmp_path / "env" / "secret_key").exists()


# ---- folders on another disk, and a backup whose files cannot be restored -------------------------------------

def test_a_photo_folder_linked_from_another_disk_is_backed_up_and_restored_through_the_link(app, runner, make_user,
                                                                                           tmp_path):
    """Moving photos/ to a bigger disk and linking it back is ordinary practice: the backup held the bare link and
    none of the photos, and its restore stopped half-way."""
    _fill(app, make_user)
    elsewhere = tmp_path / "bigdisk" / "photos"
    (elsewhere / "eng1" / "20261015旗滨玻璃1号机常规保养").mkdir(parents=True)
    (elsewhere / "eng1" / "20261015旗滨玻璃1号机常规保养" / "x-01.jpg").write_bytes(b"\xff\xd8 photo")
    os.symlink(elsewhere, os.path.join(app.instance_path, "photos"))
    target = str(tmp_path / "b.tar.gz")
    _run(runner, "backup", target)
    with tarfile.open(target) as tar:
        assert "photos/eng1/20261015旗滨玻璃1号机常规保养/x-01.jpg" in tar.getnames()
    (elsewhere / "eng1" / "20261015旗滨玻璃1号机常规保养" / "x-01.jpg").unlink()
    (elsewhere / "stray.jpg").write_bytes(b"not in the backup")
    _run(runner, "restore", "--replace", target)
    assert os.path.islink(os.path.join(app.instance_path, "photos"))  # the link is kept, the files are back there
    assert (elsewhere / "eng1" / "20261015旗滨玻璃1号机常规保养" / "x-01.jpg").read_bytes() == b"\xff\xd8 photo"
    assert not (elsewhere / "stray.jpg").exists()


def test_a_backup_whose_files_cannot_be_restored_changes_nothing(app, runner, make_user, tmp_path):
    _fill(app, make_user)
    target = str(tmp_path / "b.tar.gz")
    _run(runner, "backup", target)
    hostile = str(tmp_path / "hostile.tar.gz")
    with tarfile.open(target) as good, tarfile.open(hostile, "w:gz") as bad:
        for member in good.getmembers():
            bad.addfile(member, good.extractfile(member) if member.isfile() else None)
        link = tarfile.TarInfo("photos/escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc"
        bad.addfile(link)
    make_user("eng2", display_name="李四")
    db.session.commit()
    result = runner.invoke(args=["restore", "--replace", hostile])
    assert result.exit_code != 0 and "unsafe entry" in result.output
    db.session.rollback()
    assert db.session.scalar(select(User.display_name).where(User.username == "eng2")) == "李四"  # rows untouched
    assert os.path.exists(os.path.join(app.instance_path, "archive", "旗滨玻璃", "20261015旗滨玻璃1号机常规保养.pdf"))


def test_a_backup_whose_scan_files_are_not_the_snapshots_is_made_again_and_else_refused(
        app, api, runner, make_order, tmp_path):  # noqa: F811
    """An upload while the backup ran moved the current scan aside and wrote the next one under its name: the copy
    held version 2's bytes under version 1's row. The copy is checked against the rows (SHA-256) and never kept so."""
    from tests.workorders.conftest import CANONICAL, PDF, upload

    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
                   content_type="multipart/form-data")
    assert response.status_code == 201
    stored = os.path.join(app.instance_path, response.get_json()["path"])
    target = str(tmp_path / "b.tar.gz")
    _run(runner, "backup", target)  # the files are the rows': written
    os.remove(target)
    with open(stored, "wb") as handle:  # what the next upload leaves under the name, not yet in the snapshot
        handle.write(PDF + b"% the next version")
    result = runner.invoke(args=["backup", target])
    assert result.exit_code != 0 and "run it again" in result.output
    assert not os.path.exists(target) and not os.path.exists(target + ".partial")


def _backup_with(runner, tmp_path, meanwhile):
    """Run `backup`, calling meanwhile(attempt number) as each attempt's snapshot copies a table (while it is read);
    (the names in the backup file, the number of attempts)."""
    from sqlalchemy import event

    attempts = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if "FROM customers ORDER BY customers.id" in statement:  # once an attempt
            attempts.append(statement)
            meanwhile(len(attempts))

    event.listen(db.engine, "before_cursor_execute", listener)
    target = str(tmp_path / "b.tar.gz")
    try:
        _run(runner, "backup", target)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    with tarfile.open(target) as tar:
        return set(tar.getnames()), len(attempts)


def test_a_file_an_upload_wrote_after_the_snapshot_is_left_out_and_one_put_there_by_hand_kept(
        app, api, runner, make_order, tmp_path):  # noqa: F811
    """A scan uploaded while the backup ran: its file was copied, its row (committed after the snapshot) was not.
    Restored, the file without a row took the order's canonical name, and the order's first real scan was stored
    as …-<number>.pdf though no other order held the name. A file no row names that was written just before the
    began is left out; one there before (put there by hand) is copied as before."""
    from tests.workorders.conftest import CANONICAL, PDF, upload

    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
                   content_type="multipart/form-data")
    assert response.status_code == 201
    folder = os.path.join(app.instance_path, "archive", "旗滨玻璃")
    with open(os.path.join(folder, "老扫描件.pdf"), "wb") as handle:
        handle.write(PDF)

    def upload_meanwhile(attempt):  # the snapshot is read: an upload's file lands, its row later
        with open(os.path.join(folder, "20261119旗滨玻璃3号机巡检.pdf"), "wb") as handle:
            handle.write(PDF)

    names, _attempts = _backup_with(runner, tmp_path, upload_meanwhile)
    assert response.get_json()["path"] in names and "archive/旗滨玻璃/老扫描件.pdf" in names
    assert "archive/旗滨玻璃/20261119旗滨玻璃3号机巡检.pdf" not in names


def test_a_file_that_came_during_an_attempt_made_again_is_still_left_out(app, api, runner, make_order,  # noqa: F811
                                                                          tmp_path):
    """A backup made again (its copy of a scan differed from its rows) took the files there when each attempt began:
    an upload's file that came during the first attempt was "there before" the second, copied without its row."""
    from tests.workorders.conftest import CANONICAL, PDF, upload

    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
                   content_type="multipart/form-data")
    scan = os.path.join(app.instance_path, response.get_json()["path"])
    late = os.path.join(os.path.dirname(scan), "20261119旗滨玻璃3号机巡检.pdf")

    def meanwhile(attempt):
        if attempt == 1:  # the first attempt: an upload's file lands, and the scan is being replaced
            with open(late, "wb") as handle:
                handle.write(PDF)
            with open(scan, "wb") as handle:
                handle.write(PDF + b"% the next version")
        else:  # the second: the scan is as its row says again
            with open(scan, "wb") as handle:
                handle.write(PDF)

    names, attempts = _backup_with(runner, tmp_path, meanwhile)
    assert attempts >= 2
    assert response.get_json()["path"] in names and os.path.relpath(late, app.instance_path) not in names


def test_a_scan_moved_while_the_backup_copied_the_folders_makes_it_again(app, api, make_order, tmp_path):  # noqa: F811
    """A customer renamed during the backup moved its scans: the copy held them under the old name while the rows
    named the new one (restored, the scans were lost to the app), and was written as a success. A file the
    snapshot names but the copy lacks counts as a difference when it moved; not when it was deleted by hand."""
    import io

    from tests.workorders.conftest import CANONICAL, PDF, upload
    from tracker import backup
    from tracker.workorders.models import Scan

    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
                   content_type="multipart/form-data")
    assert response.status_code == 201
    scan = db.session.scalar(select(Scan))
    empty = str(tmp_path / "empty.tar.gz")
    with tarfile.open(empty, "w:gz") as tar:  # a copy that has none of the snapshot's files
        info = tarfile.TarInfo("manifest.json")
        tar.addfile(info, io.BytesIO(b""))
    moved = {"scans": [{"id": scan.id, "path": "archive/旧名称/" + os.path.basename(scan.path), "sha256": scan.sha256}]}
    assert backup._differing(empty, moved, app.instance_path)  # the row names another path now: it moved
    current = {"scans": [{"id": scan.id, "path": scan.path, "sha256": scan.sha256}]}
    assert backup._differing(empty, current, app.instance_path)  # the file is where the row says: not in the copy
    os.remove(os.path.join(app.instance_path, scan.path))
    assert not backup._differing(empty, current, app.instance_path)  # deleted by hand: not a race


def test_a_backup_over_an_existing_file_says_it_replaced_it(app, runner, make_user, tmp_path):
    _fill(app, make_user)
    target = str(tmp_path / "nightly.tar.gz")
    first = runner.invoke(args=["backup", target])
    assert first.exit_code == 0 and "replaced" not in first.output, first.output
    again = runner.invoke(args=["backup", target])
    assert again.exit_code == 0 and "(the file there before was replaced)" in again.output, again.output


def test_the_restore_counts_the_tables_and_rows_the_backup_counted(app, runner, make_user, tmp_path):
    """The backup said 35 tables and its restore 38: the login tables, never copied, were counted emptied."""
    _fill(app, make_user)
    target = str(tmp_path / "b.tar.gz")
    made = runner.invoke(args=["backup", target]).output
    restored = runner.invoke(args=["restore", target, "--replace"]).output
    summary = re.search(r": (\d+ rows in \d+ tables)", made).group(1)
    assert f"restored {summary} from" in restored, (made, restored)


@pytest.mark.parametrize("target", ["", "  ", "newdir/"])
def test_a_backup_path_naming_no_file_is_refused(app, runner, tmp_path, monkeypatch, target):
    """`backup ""` wrote the whole backup beside the working folder, then failed with a traceback; `backup newdir/`
    wrote a file named newdir."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = runner.invoke(args=["backup", target])
    assert result.exit_code == 2 and "names no file" in result.output, result.output
    assert os.listdir(work) == [] and not os.path.exists(str(work) + ".partial")


def test_a_restore_on_postgresql_waits_for_a_request_writing_meanwhile_instead_of_failing(tmp_path):
    """A server left running wrote an audit row for a user while the restore emptied the tables: the restore's
    deletion of the users failed on its foreign key, with a traceback. It now takes every table first, so the
    request's transaction finishes, then the restore runs."""
    import threading

    from sqlalchemy.orm import Session

    from tests.conftest import scratch_postgres_app
    from tracker.audit import AuditEvent
    from tracker.auth import services as auth_services

    with scratch_postgres_app("_restore_lock", tmp_path / "instance") as app:
        user = auth_services.create_user({"username": "eng1", "password": "secret-pass-1", "role": "engineer",
                                          "display_name": "张三", "hire_date": None})
        db.session.commit()
        target = str(tmp_path / "b.tar.gz")
        runner = app.test_cli_runner()
        _run(runner, "backup", target)
        writer = Session(db.engine)
        writer.add(AuditEvent(at=datetime(2026, 11, 20, 10), actor_id=user.id, action="test", subject="meanwhile"))
        writer.flush()  # the request's transaction is open, holding its locks
        later = threading.Timer(1.0, writer.commit)
        later.start()
        try:
            result = runner.invoke(args=["restore", target, "--replace"])
        finally:
            later.join()
            writer.close()
        assert result.exit_code == 0, result.output
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.subject == "meanwhile")) == 0  # it came before the restore, which replaced it
        assert db.session.scalar(select(User.display_name)) == "张三"


@pytest.mark.parametrize("linked", [False, True], ids=["folder", "linked-from-another-disk"])
def test_folders_written_to_during_the_swap_are_replaced_with_the_backups_files(tmp_path, linked):
    """A restore run beside a server storing photos deleted the live photos/ in place: a photo written meanwhile
    made the deletion fail half-way ("Directory not empty"), after the rows were in, and the backup's own photos
    were lost with the staging folder; in a photos/ linked from another disk, an engineer's folder made meanwhile
    got the backup's folder moved inside it. What is replaced is moved aside, never deleted in place, and what
    comes in is renamed into place, never merged."""
    import threading

    from tracker import backup as backups

    instance = tmp_path / "instance"
    if linked:
        (tmp_path / "bigdisk" / "photos").mkdir(parents=True)
        instance.mkdir()
        os.symlink(tmp_path / "bigdisk" / "photos", instance / "photos")
    stop = threading.Event()

    def write_photos():  # as a server storing photos into the live folder would, a few thousand a second at most:
        n = 0  # unpaced, it made more while a round removed the last one's than that round had, and ran for ever
        while not stop.wait(0.0002):
            n += 1
            try:
                folder = instance / "photos" / f"e{n % 5}" / f"new{n}"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "x-01.jpg").write_bytes(b"meanwhile")
            except OSError:
                pass  # its folder was moved away under it: that upload is lost, as README says

    writer = threading.Thread(target=write_photos)
    writer.start()
    try:
        for round_ in range(15):
            staging = tmp_path / f"staging{round_}"
            for n in range(150):
                folder = staging / "photos" / f"e{n % 5}" / f"order{n}"
                folder.mkdir(parents=True)
                (folder / "x-01.jpg").write_bytes(b"backup")
            backups.swap_folders(str(staging), str(instance))
            for n in range(150):
                assert (instance / "photos" / f"e{n % 5}" / f"order{n}" / "x-01.jpg").read_bytes() == b"backup"
            assert not any((instance / "photos" / f"e{n}" / f"e{n}").exists() for n in range(5))  # nothing nested
    finally:
        stop.set()
        writer.join()
    assert os.path.islink(instance / "photos") == linked
    assert not [name for name in os.listdir(instance / "photos") if name.startswith(".restore-")]


def _bytes(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("inside", ["tracker.db", "secret_key", "archive/b.tar.gz", "photos/b.tar.gz", "b.tar.gz"])
def test_a_backup_inside_the_instance_folder_is_refused_and_replaces_nothing(app, runner, make_user, inside):
    """`backup <instance>/tracker.db` replaced the live database with the backup (every command then failed with a
    traceback); one under archive/ went into each next backup, and a restore from there removed its own file."""
    _fill(app, make_user)
    os.makedirs(os.path.join(app.instance_path, "archive"), exist_ok=True)
    os.makedirs(os.path.join(app.instance_path, "photos"), exist_ok=True)
    target = os.path.join(app.instance_path, inside)
    before = _bytes(target)
    result = runner.invoke(args=["backup", target])
    assert result.exit_code == 2 and "inside the instance folder" in result.output, result.output
    assert _bytes(target) == before
    with open(target + ".copy", "wb") as handle:  # a backup put there by hand is not restored from there either
        handle.write(b"x")
    result = runner.invoke(args=["restore", target + ".copy", "--replace"])
    assert result.exit_code == 2 and "inside the instance folder" in result.output, result.output
    os.remove(target + ".copy")


def test_a_scan_file_deleted_by_hand_is_named_by_backup_and_restore(app, api, runner, make_order,  # noqa: F811
                                                                      tmp_path):
    """Its row went into the backup and the file could not: both commands said everything went well."""
    stored = _scanned(api, make_order)
    target = str(tmp_path / "b.tar.gz")
    assert "warning" not in _run(runner, "backup", target)
    os.remove(target)
    os.remove(os.path.join(app.instance_path, stored))
    made = runner.invoke(args=["backup", target])
    assert made.exit_code == 0 and "warning: 1 file(s)" in made.output and stored in made.output, made.output
    restored = runner.invoke(args=["restore", target, "--replace"])
    assert restored.exit_code == 0 and stored in restored.output, restored.output


def test_a_backup_of_another_release_says_how_to_bring_it_over(tmp_path):
    """It named two revision hashes and "run init-db with the matching version first"; it says what to do: an
    earlier release's backup goes through that release and this one's init-db, a later or unknown one cannot."""
    with _scratch(tmp_path, "releases") as ((url,), made):
        app, cli = _instance(url, tmp_path / "releases", made)
        _run(cli, "init-db")
        _run(cli, "create-user", "eng1", "--role", "engineer", "--display-name", "张三", "--password", "secret-pass-1")
        made_file = str(tmp_path / "made.tar.gz")
        _run(cli, "backup", made_file)
        for revision, said in (("dff4d0d850b1", "made by an earlier release of Tracker (schema dff4d0d850b1"),
                               ("ffffffffffff", "made by a later or unknown release of Tracker (schema ffffffffffff")):
            other = str(tmp_path / f"{revision}.tar.gz")
            with tarfile.open(made_file, "r:gz") as source, tarfile.open(other, "w:gz") as target:
                for member in source.getmembers():
                    data = source.extractfile(member).read() if member.isfile() else None
                    if member.name == "manifest.json":
                        data = json.dumps(json.loads(data) | {"revision": revision}).encode()
                        member.size = len(data)
                    target.addfile(member, io.BytesIO(data) if data is not None else None)
            result = cli.invoke(args=["restore", other, "--replace"])
            assert result.exit_code != 0 and said in result.output, result.output
            assert ("then run this release's init-db" in result.output) == revision.startswith("dff")
        with app.app_context():
            assert db.session.scalar(select(User.display_name).where(User.username == "eng1")) == "张三"


def test_a_backup_of_a_later_or_unknown_release_is_not_sent_to_init_db(tmp_path):
    """This release's init-db cannot upgrade a schema it does not know (Can't locate revision)."""
    from tracker.backup import _earlier_revision

    assert _earlier_revision("dff4d0d850b1", _head())
    assert not _earlier_revision("ffffffffffff", _head()) and not _earlier_revision(_head(), "dff4d0d850b1")
    assert not _earlier_revision(None, _head())


def _head():
    from alembic.script import ScriptDirectory
    return ScriptDirectory(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                        "migrations")).get_current_head()
