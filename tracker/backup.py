"""Backup and restore: one .tar.gz with every table's rows (JSON), the archive and photo folders, and the instance's
secret key when it is kept in `<instance>/secret_key` (printed tickets' QR codes are signed with it).

Logins are not copied: web sessions, API tokens and failed-login counts are left out, and a restore ends every
session and token of the database it replaces, so nobody is logged in by a restore (a session or token ended after
the backup stays ended) and everyone signs in again.

The rows are read in one transaction (REPEATABLE READ on PostgreSQL, a single read transaction on SQLite), so
the copy is consistent; it is portable between SQLite and PostgreSQL. A restore goes into an empty database of
the same schema revision (run init-db first), or replaces everything with `replace=True`.
"""

import base64
import errno
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
import contextlib
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Date, DateTime, Integer, LargeBinary, Numeric, bindparam, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from tracker import clock
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.scores import templates_store
from tracker.scores.models import KpiTemplate

FOLDERS = ("archive", "photos")
FORMAT = 1
LOGINS = frozenset({"auth_sessions", "api_tokens", "login_attempts"})  # never copied (module docstring)
KEY_MEMBER = "secret_key"


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):  # binary columns (an outbox message as built): base64 text
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decode(column, value):
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Numeric):
        return Decimal(value)
    return value


def _revision(connection):
    return MigrationContext.configure(connection).get_current_revision()


def _earlier_revision(made, current):
    """Whether schema `made` is one this release's migrations upgrade to `current` (a backup's, to say how)."""
    if not isinstance(made, str) or not isinstance(current, str):
        return False
    script = ScriptDirectory(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations"))
    try:
        return any(step.revision == made for step in script.iterate_revisions(current, "base"))
    except CommandError:
        return False


def _serial(table):
    """The table's integer key column when it is its whole primary key (the ids a counter hands out), else None."""
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 and isinstance(columns[0].type, Integer) else None


def _counters(connection, tables):
    """{table: the highest id it ever handed out}, where that is kept apart from the rows (a PostgreSQL sequence, a
    SQLite AUTOINCREMENT table's counter): a restore carries it, so that the ids of rows deleted before the backup
    are not handed out again after it."""
    if connection.dialect.name == "sqlite":
        if connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first() is None:
            return {}
        names = {table.name for table in tables}
        return {name: int(seq) for name, seq in connection.exec_driver_sql("SELECT name, seq FROM sqlite_sequence")
                if name in names}
    counters = {}
    for table in tables:
        column = _serial(table)
        sequence = column is not None and connection.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}).scalar()
        if sequence:
            last, called = connection.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            counters[table.name] = int(last) if called else int(last) - 1
    return counters


def _carry_counters(counters):
    """After the rows are in: each counter at least the backup's (and past the restored rows, as inserting them with
    their ids leaves it on SQLite); on PostgreSQL every sequence past its rows."""
    counters = counters if isinstance(counters, dict) else {}
    bind = db.session.get_bind()
    for table in db.metadata.sorted_tables:
        column = _serial(table)
        if column is None:
            continue
        carried = counters.get(table.name)
        carried = carried if isinstance(carried, int) and not isinstance(carried, bool) and carried >= 0 else 0
        if bind.dialect.name == "postgresql":
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                f"GREATEST(COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0), :carried) + 1, false)"),
                {"carried": carried})
        elif table.dialect_kwargs.get("sqlite_autoincrement") and carried:
            updated = db.session.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :n) WHERE name = :t"),
                                         {"n": carried, "t": table.name}).rowcount
            if not updated:
                db.session.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"),
                                   {"t": table.name, "n": carried})


def key_fingerprint(key):
    """A digest that tells two secret keys apart without showing either."""
    return hashlib.blake2b(key.encode(), digest_size=16, person=b"tracker-key").hexdigest()


def _instance_key(instance_path, key):
    """The key when it is the one kept in <instance>/secret_key (not one given by TRACKER_SECRET_KEY), else None."""
    path = os.path.join(instance_path, KEY_MEMBER)
    with contextlib.suppress(OSError), open(path) as handle:
        if handle.read().strip() == key:
            return key
    return None


ATTEMPTS = 3  # a backup whose files changed under it (an upload meanwhile) is made again, at most this often


def backup(path, instance_path, now, secret_key):
    """Write the backup file, made at `now` by an app using `secret_key`; returns {table: row count}.

    The rows are one snapshot; the folders are copied after it, while the app may go on storing scans. A scan
    uploaded meanwhile moves the current file aside and writes the new one under its name, so the copy is checked
    against the snapshot (every scan's file by its SHA-256, every photo's by its size) and made again when they
    differ; 409 when they still differ after ATTEMPTS tries."""
    tmp = path + ".partial"
    try:
        # the files there before the first attempt began: an upload's that came during a failed attempt is no
        # older for the next one (its row may still be missing from that one's snapshot)
        there_before = {name for folder, source in _folders(instance_path) for _path, name, is_file in
                        _walk(source, folder) if is_file}
        for _attempt in range(ATTEMPTS):
            counts, files = _write(tmp, instance_path, now, secret_key, there_before)
            if not _differing(tmp, files, instance_path):
                os.replace(tmp, path)
                return counts
        raise Conflict("scans and photos were being stored or moved while the backup ran and its files kept changing; "
                       "run it again")
    finally:
        with contextlib.suppress(FileNotFoundError):  # no half-written or inconsistent file is left behind
            os.unlink(tmp)


def _private(path):
    """Make `path` an empty file only its owner may read (mode 0600 whatever the umask): a backup holds the secret
    key, everyone's pay and the password hashes."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)  # a file left by an interrupted run keeps its mode through O_CREAT


def _write(tmp, instance_path, now, secret_key, there_before):
    """One try at the backup file: ({table: row count}, the rows of the scans and photos tables). A file of the
    folders that no row of the snapshot names is copied when it was there before the backup began (put there by
    hand), not when it came since: an upload's whose row the snapshot does not see (restored without a row, it took
    the canonical name of the order's next scan)."""
    counts, files = {}, {}
    tables = [t for t in db.metadata.sorted_tables if t.name not in LOGINS]
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if connection.dialect.name == "sqlite":
                connection.execute(text("SELECT 1 FROM sqlite_master LIMIT 1"))  # opens the read transaction
            manifest = {"format": FORMAT, "revision": _revision(connection), "created": now.isoformat(),
                        "tables": [t.name for t in tables], "key_fingerprint": key_fingerprint(secret_key),
                        "counters": _counters(connection, tables)}
            _private(tmp)
            with tarfile.open(tmp, "w:gz") as tar:
                for table in tables:
                    rows = [{k: _encode(v) for k, v in row._mapping.items()}
                            for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
                    counts[table.name] = len(rows)
                    if table.name in ("scans", "photos"):
                        files[table.name] = rows
                    _add_bytes(tar, f"tables/{table.name}.json", json.dumps(rows, ensure_ascii=False).encode(), now)
                named = {path for rows in files.values() for row in rows for path in _files_of(row)}
                for folder, source in _folders(instance_path):
                    for path, name, is_file in _walk(source, folder):
                        if not is_file or name in named or name in there_before:
                            with contextlib.suppress(FileNotFoundError):  # moved away meanwhile: see _walk
                                tar.add(path, arcname=name, recursive=False)
                own_key = _instance_key(instance_path, secret_key)
                if own_key is not None:
                    _add_bytes(tar, KEY_MEMBER, own_key.encode(), now, mode=0o600)
                _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode(), now)
    return counts, files


def _folders(instance_path):
    """(name, real path) of the instance's file folders that exist: one moved to another disk and linked back is
    read through the link."""
    return [(folder, os.path.realpath(os.path.join(instance_path, folder))) for folder in FOLDERS
            if os.path.isdir(os.path.join(instance_path, folder))]


def _walk(source, arcname):
    """(path, name in the archive, whether a file) of a folder and everything in it, the folders before their
    files. A file moved away meanwhile (a customer renamed, its scans following) is left out of the copy instead of
    ending the backup with a traceback; the check after finds its row's file missing and makes the backup again."""
    for root, _dirs, names in os.walk(source):
        relative = os.path.relpath(root, source)
        base = arcname if relative == "." else f"{arcname}/{relative}"
        yield root, base, False
        for name in sorted(names):
            yield os.path.join(root, name), f"{base}/{name}", True


def _differing(tmp, files, instance_path):
    """Whether the copy does not match the snapshot's rows: a file copied with other content than its row says
    (SHA-256 of a scan, size of a photo), or a row's file missing from the copy because it moved meanwhile (a rename:
    the row names another path now, or the file is back where the snapshot said). A file missing from the folder
    altogether while its row still names it (deleted by hand) is not a race and does not count. Reads the archive
    once, front to back."""
    sha256 = {row["path"]: row["sha256"] for row in files.get("scans", [])}
    sizes = {row["path"]: row["size"] for row in files.get("photos", [])}
    copied = set()
    with tarfile.open(tmp, "r|gz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            copied.add(member.name)
            if member.name in sizes and member.size != sizes[member.name]:
                return True
            if member.name in sha256 and hashlib.sha256(tar.extractfile(member).read()).hexdigest() != \
                    sha256[member.name]:
                return True
    missing = {table: {row["id"]: _files_of(row) for row in files.get(table, [])
                       if not set(_files_of(row)) <= copied} for table in ("scans", "photos")}
    if any(os.path.exists(os.path.join(instance_path, path))
           for rows in missing.values() for paths in rows.values() for path in paths if path not in copied):
        return True
    with db.engine.connect() as connection:  # the rows as they stand now, not as the snapshot read them
        for name, rows in missing.items():
            table = db.metadata.tables[name]
            columns = [table.c.path] + ([table.c.thumb_path] if "thumb_path" in table.c else [])
            ids = sorted(rows)
            for chunk in (ids[start:start + 500] for start in range(0, len(ids), 500)):
                now = {row_id: _files_of(dict(zip(("path", "thumb_path"), paths))) for row_id, *paths in
                       connection.execute(select(table.c.id, *columns).where(table.c.id.in_(chunk)))}
                if any(now.get(row_id) != rows[row_id] for row_id in chunk):
                    return True
    return False


def _files_of(row):
    """The files a scan's or photo's row names: its file, and a photo's thumbnail."""
    return tuple(path for path in (row["path"], row.get("thumb_path")) if path)


def files_missing(instance_path):
    """The files that rows of scans and photos name and that the instance's folders do not hold (deleted by hand):
    a backup has none of them to copy, and a restore none to give back; the commands name them."""
    missing = []
    for name in ("scans", "photos"):
        table = db.metadata.tables[name]
        columns = [table.c.path] + ([table.c.thumb_path] if "thumb_path" in table.c else [])
        for row in db.session.execute(select(*columns).order_by(table.c.id)):
            missing += [path for path in _files_of(dict(zip(("path", "thumb_path"), row)))
                        if not os.path.isfile(os.path.join(instance_path, path))]
    return missing


def _add_bytes(tar, name, data, now, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(now.replace(tzinfo=clock.zone()).timestamp())  # now is local wall time: the instant it names
    tar.addfile(info, io.BytesIO(data))


def _lock_tables():
    """On PostgreSQL, every table to this transaction until it commits: a request writing meanwhile (a server left
    running) waits for the restore and then reads its rows, where its row failed the restore's deletions (a foreign
    key violation, a traceback). SQLite's one writer serialises them already."""
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        db.session.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))


def _holds_files(instance_path):
    """Whether a file is stored in the instance's archive or photo folder (followed where it is a link)."""
    for folder in FOLDERS:
        for _root, _dirs, files in os.walk(os.path.join(instance_path, folder), followlinks=True):
            if files:
                return True
    return False


def _has_rows():
    """Whether the database holds data of its own: the KPI templates that `init-db` loads into a fresh database
    do not count (README: `init-db`, then `restore PATH`), a template an administrator changed does."""
    if any(db.session.scalar(select(func.count()).select_from(t))
           for t in db.metadata.sorted_tables if t.name != KpiTemplate.__tablename__):
        return True
    return not templates_store.only_presets()


DAMAGED = "the backup is damaged or incomplete ({what}); nothing was restored: use another copy"


@contextmanager
def opened(path):
    """The backup at path, open for reading (a tarfile); 422 when it is not one of ours, or when reading it fails
    part way (a truncated or corrupted copy: gzip and tar say so only once they reach the damage)."""
    try:
        tar = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by the `with tar` below, once it is known to open)
    except EOFError:  # cut off within its first blocks
        raise _damaged("it ends early") from None
    except (OSError, tarfile.TarError):
        raise Invalid.field("path", "not a Tracker backup (.tar.gz)") from None
    with tar:
        try:
            _read_through(path)
            yield tar
        except (EOFError, gzip.BadGzipFile, tarfile.TarError, zlib.error) as error:
            raise Invalid.field("path", DAMAGED.format(what=str(error) or type(error).__name__)) from None


def _read_through(path):
    """Read the whole compressed stream once, so that its checksum is checked before anything is restored: tarfile
    reads only as far as the members it is asked for and never reaches the gzip trailer, so a copy with a changed
    byte restored changed rows without a word."""
    with gzip.open(path, "rb") as stream:
        while stream.read(1 << 20):
            pass


def _damaged(what):
    return Invalid.field("path", DAMAGED.format(what=what))


def restore_rows(tar, replace=False, instance_path=None):
    """Replace every table's rows with the backup's (flushed; the caller commits, then restores the folders).

    409 when the backup's schema is not this database's, or, unless replace is set, the database has data or the
    instance's archive/ or photos/ folder holds files (they were deleted for the backup's without a word).
    Returns {table: row count}.
    """
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError):
        raise Invalid.field("path", "the backup has no readable manifest: not a Tracker backup, or damaged") from None
    revision = _revision(db.session.connection())
    if manifest.get("format") != FORMAT or manifest.get("revision") != revision:
        made = manifest.get("revision")
        if not _earlier_revision(made, revision):
            raise Conflict(f"this backup was made by a later or unknown release of Tracker (schema {made}; this "
                           f"database: {revision}): this release cannot take it; restore it with that release")
        raise Conflict(f"this backup was made by an earlier release of Tracker (schema {made}; this "
                       f"database: {revision}): restore it with that release, then run this release's init-db on that "
                       "instance, which upgrades it with nothing lost")
    _lock_tables()
    if _has_rows() and not replace:
        raise Conflict("the database is not empty (use --replace to overwrite it)")
    if instance_path is not None and not replace and _holds_files(instance_path):
        raise Conflict(f"the instance folder is not empty: {' or '.join(f'{f}/' for f in FOLDERS)} in "
                       f"{instance_path} hold files (use --replace to replace them with the backup's)")
    names = set(tar.getnames())
    # a table the manifest lists without its file (an archive changed by hand) would be restored empty: with
    # --replace, that table's rows deleted without a word
    missing = [name for name in manifest.get("tables") or () if f"tables/{name}.json" not in names]
    if missing:
        raise _damaged("it lacks the rows of " + ", ".join(missing))
    tables = db.metadata.sorted_tables
    for table in reversed(tables):
        db.session.execute(table.delete())
    counts = {}
    for table in tables:
        member = f"tables/{table.name}.json"
        # logins are never restored, also from a backup made before they were left out (module docstring)
        try:
            rows = json.load(tar.extractfile(member)) if member in names and table.name not in LOGINS else []
        except ValueError:  # not JSON, or not UTF-8
            raise _damaged(f"{member} is unreadable") from None
        decoded = _decoded(table, rows, member)
        if decoded:
            try:
                _insert(table, decoded)
            except SQLAlchemyError:  # a value its column or a constraint refuses
                raise _damaged(f"{member} does not fit its table") from None
        if table.name not in LOGINS:  # counted as the backup counted them (logins are neither copied nor restored)
            counts[table.name] = len(decoded)
    _carry_counters(manifest.get("counters"))
    db.session.flush()
    return counts


def _insert(table, rows):
    """Insert a table's rows; a link to a row of the same table (a supervisor, the order a rework redoes) is set once
    every row is in, since it may point to a later row (an engineer imported before their manager: such a backup
    was refused as damaged)."""
    links = [column.name for column in table.columns
             if any(key.column.table is table for key in column.foreign_keys)]
    if not links:
        db.session.execute(table.insert(), rows)
        return
    db.session.execute(table.insert(), [{**row, **dict.fromkeys(links)} for row in rows])
    keys = [column.name for column in table.primary_key]
    linked = [{**{f"key_{name}": row[name] for name in keys}, **{f"link_{name}": row[name] for name in links}}
              for row in rows if any(row[name] is not None for name in links)]
    if linked:
        where = [table.c[name] == bindparam(f"key_{name}") for name in keys]
        db.session.execute(table.update().where(*where).values({name: bindparam(f"link_{name}") for name in links}),
                           linked)


def _decoded(table, rows, member):
    """The rows of one table as the backup wrote them (every column of this schema revision, each value in its
    column's form), decoded for insertion; a row with a column missing or unknown, or a value that does not decode,
    is damage."""
    columns = {column.name: column for column in table.columns}
    try:
        if not isinstance(rows, list) or any(not isinstance(row, dict) or row.keys() != columns.keys() for row in rows):
            raise ValueError
        return [{name: _decode(column, row[name]) for name, column in columns.items()} for row in rows]
    except (ValueError, TypeError, ArithmeticError):
        raise _damaged(f"{member} does not hold the rows of its table") from None


def restore_key(tar, instance_path, secret_key):
    """Put the backup's secret key back where this instance keeps its own (<instance>/secret_key), so that the QR
    codes of the tickets printed before are still recognised; returns a message for the operator, or None when nothing
    needs saying. A key given by TRACKER_SECRET_KEY is never overwritten: when it is not the backup's, the message
    says so."""
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError):
        return None
    fingerprint = manifest.get("key_fingerprint")
    if fingerprint is None or fingerprint == key_fingerprint(secret_key):
        return None
    kept = KEY_MEMBER in tar.getnames() and tar.extractfile(KEY_MEMBER).read().decode().strip()
    if kept and key_fingerprint(kept) == fingerprint and _instance_key(instance_path, secret_key) is not None:
        _write_key(os.path.join(instance_path, KEY_MEMBER), kept)
        return ("the backup's secret key was restored to <instance>/secret_key: restart the web servers and the "
                "scheduler so that they use it (printed tickets' QR codes are signed with it)")
    return ("warning: this instance's secret key is not the one the backup was made with (set TRACKER_SECRET_KEY "
            "to that one): the QR codes of tickets printed before the backup will not be recognised")


def _write_key(path, key):
    fd, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=os.path.dirname(path))  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextmanager
def staged_folders(tar, instance_path):
    """The backup's archive and photo folders extracted beside the live ones (a staging folder, removed after), so
    that a backup whose files cannot be restored (an unsafe entry, a full disk) is refused before any row changes;
    swap_folders then puts them in place. Never writes outside the instance folder."""
    os.makedirs(instance_path, exist_ok=True)
    staging = tempfile.mkdtemp(dir=instance_path, prefix=".restore-")
    try:
        root = os.path.realpath(staging)
        members = []
        for member in tar.getmembers():
            if member.name.split("/")[0] not in FOLDERS:
                continue
            target = os.path.realpath(os.path.join(root, member.name))
            if os.path.commonpath([root, target]) != root or not (member.isfile() or member.isdir()):
                raise Invalid.field("path", f"unsafe entry in backup: {member.name!r}")
            members.append(member)
        tar.extractall(staging, members=members, filter="data")
        for folder, _folders, _files in os.walk(staging):  # the "data" filter gives a folder 0777 less the umask:
            os.chmod(folder, 0o700)  # private again, as uploads make them (their names say customers, engineers)
        _check_staged(tar, root)
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_staged(tar, root):
    """The staged files are the ones the backup's rows describe (a scan by its SHA-256, a photo by its size), as the
    backup checked when it was made; a file its row names but the backup does not hold (deleted by hand before the
    backup) is not damage."""
    for table, field in (("scans", "sha256"), ("photos", "size")):
        member = f"tables/{table}.json"
        if member not in tar.getnames():
            continue
        try:
            rows = json.load(tar.extractfile(member))
            described = {row["path"]: row[field] for row in rows}
        except (ValueError, TypeError, KeyError):
            raise _damaged(f"{member} is unreadable") from None
        for path, expected in described.items():
            target = os.path.realpath(os.path.join(root, str(path)))
            if os.path.commonpath([root, target]) != root or not os.path.isfile(target):
                continue
            if field == "size":
                found = os.path.getsize(target)
            else:
                with open(target, "rb") as handle:
                    found = hashlib.file_digest(handle, "sha256").hexdigest()
            if found != expected:
                raise _damaged(f"{path} is not the file its row describes")


def swap_folders(staging, instance_path):
    """Replace the live archive and photo folders with the staged ones (the backup's; none where it had none).

    What is replaced is first moved aside (into the staging folder, removed after; on a linked folder's own disk
    under a hidden name), never deleted in place, and what comes in is put in place by a rename that never merges
    into a folder made meanwhile: a file stored during the swap lands in what was moved aside instead of failing a
    deletion halfway (which lost the backup's own files after its rows were in) or nesting the backup's folder."""
    for folder in FOLDERS:
        live, staged = os.path.join(instance_path, folder), os.path.join(staging, folder)
        if os.path.islink(live) and os.path.isdir(live):
            # the folder lives on another disk, linked back: its contents are replaced there, the link kept; the
            # backup's are copied onto that disk first, so nothing is replaced before they are all there
            real = os.path.realpath(live)
            aside = tempfile.mkdtemp(dir=real, prefix=".restore-old-")
            incoming = tempfile.mkdtemp(dir=real, prefix=".restore-new-")
            try:
                for entry in (os.listdir(staged) if os.path.isdir(staged) else []):
                    shutil.move(os.path.join(staged, entry), os.path.join(incoming, entry))
                for entry in os.listdir(real):
                    if os.path.join(real, entry) not in (aside, incoming):
                        os.replace(os.path.join(real, entry), os.path.join(aside, entry))
                for entry in os.listdir(incoming):
                    _put_in_place(os.path.join(incoming, entry), os.path.join(real, entry), aside)
            finally:
                shutil.rmtree(aside, ignore_errors=True)
                shutil.rmtree(incoming, ignore_errors=True)
            continue
        if os.path.isdir(staged):
            _put_in_place(staged, live, staging)
        elif os.path.lexists(live):
            os.replace(live, os.path.join(tempfile.mkdtemp(dir=staging, prefix="old-"), folder))


def _put_in_place(source, target, aside):
    """Rename `source` to `target` on one disk, moving whatever is at `target` into the folder `aside` first, again
    when a write makes it anew in between (a rename never merges into a folder, nor nests in one)."""
    for _ in range(10):
        if os.path.lexists(target):
            os.replace(target, os.path.join(tempfile.mkdtemp(dir=aside, prefix="old-"), os.path.basename(target)))
        try:
            os.replace(source, target)
            return
        except OSError as error:  # made again between the two renames: once more
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise
    raise OSError(errno.EBUSY, f"{target} kept being written to during the restore")
