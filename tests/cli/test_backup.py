"""backup PATH / restore PATH: a consistent copy of database and files, restorable into an empty database."""

import os

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.workorders.models import Customer


def _fill(app, make_user):
    make_user("eng1", display_name="张三")
    db.session.add(Customer(name="旗滨玻璃"))
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
    with open(os.path.join(app.instance_path, "archive", "旗滨玻璃", "20261015旗滨玻璃1号机常规保养.pdf"), "rb") as f:
        assert f.read() == b"%PDF-1.4 scan"
    # New rows after a restore get fresh ids (sequences follow the restored rows on PostgreSQL).
    make_user("eng2")
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_restore_refuses_a_database_with_data_unless_replace(app, runner, make_user, tmp_path):
    _fill(app, make_user)
    target = str(tmp_path / "b.tar.gz")
    runner.invoke(args=["backup", target])
    result = runner.invoke(args=["restore", target])
    assert result.exit_code != 0 and "not empty" in result.output
    result = runner.invoke(args=["restore", target, "--replace"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not a tar")
    result = runner.invoke(args=["restore", str(bogus)])
    assert result.exit_code != 0 and "not a Tracker backup" in result.output
