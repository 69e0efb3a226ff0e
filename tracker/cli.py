"""Flask commands (thin: they call services)."""

import contextlib
import fcntl
import os

import click
from flask import current_app
from flask_babel import gettext as _
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from tracker import backup as backups
from tracker import clock, jobs, validation
from tracker import demo as demo_data
from tracker.auth import services as auth_services
from tracker.auth.models import ROLES, User
from tracker.errors import DomainError
from tracker.imports import kinds as import_kinds
from tracker.imports import services as imports
from tracker.extensions import db
from tracker.scores import schedule  # noqa: F401  (registers the scores and reminder jobs)
from tracker.scores import services as scores, templates_store
from tracker.values import month_arg


MIGRATING = 7_412_001  # the PostgreSQL advisory lock init-db holds while it migrates and loads the presets


def init_schema():
    """Create or upgrade the schema through the migrations; never drops data."""
    os.makedirs(current_app.instance_path, exist_ok=True)
    upgrade()


@contextlib.contextmanager
def _one_init_at_a_time():
    """One init-db at a time (servers started together each run it): the next waits, then finds the schema up to
    date and the bundled templates loaded (loading them at once, one failed on their unique key; migrating at once
    on SQLite, one failed half-way and could leave a table of a migration's copy behind). PostgreSQL: an advisory
    lock; SQLite: a lock on a file beside the database (`<database>.init-lock`, mode 0600)."""
    if db.engine.dialect.name != "postgresql":
        with _file_lock(db.engine.url.database):
            yield
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATING})")
        connection.commit()
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATING})")
            connection.commit()


def _ask_password():
    """A new password typed twice, hidden, asked in Chinese as the command's other messages are."""
    first = click.prompt(_("密码"), hide_input=True)
    if click.prompt(_("再次输入密码"), hide_input=True) != first:
        raise click.ClickException(_("两次输入的密码不一致"))
    return first


def _computed(summary):
    """A month's compute summary in one line, as `compute` and `demo` print it: the words of the nightly job's run
    (it was English beside the commands' Chinese messages and the job's Chinese summary of the same figures)."""
    return jobs.summary_text(schedule.computed_summary(summary))


@contextlib.contextmanager
def _file_lock(database):
    """An exclusive lock on `<database>.init-lock`, waited for; none for a database in memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
    descriptor = os.open(database + ".init-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _ensure_database():
    """PostgreSQL: create the database the URL names when it does not exist yet, as SQLite's file is created (with
    the URL's role, which needs CREATEDB); a database that cannot be reached is said in one line, not a traceback."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql" and not url.database:  # the client's default: the server's own one
        raise click.ClickException("the database URL names no database (postgresql://user@host:5432/NAME)")
    for attempt in range(2):  # again once the database is made (here, or by another init-db meanwhile)
        try:
            with db.engine.connect():
                return
        except OperationalError as error:
            reason = str(error.orig or error).strip().splitlines()[0]
            if attempt or url.get_backend_name() != "postgresql" or not _create_postgres_database(url):
                raise click.ClickException(f"cannot connect to the database: {reason}") from None


def _create_postgres_database(url):
    """Create the database `url` names through the server's maintenance database "postgres" unless it exists:
    whether it exists now (False: the server cannot be reached that way either; the first refusal says why)."""
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}):
                return True  # made by another init-db since this one could not connect (or refused for another reason)
            connection.exec_driver_sql(
                "CREATE DATABASE " + maintenance.dialect.identifier_preparer.quote_identifier(url.database))
        click.echo(f'database "{url.database}" created')
        return True
    except OperationalError:
        return False
    except (IntegrityError, ProgrammingError) as error:
        if getattr(error.orig, "sqlstate", None) in ("42P04", "23505"):  # created meanwhile by another init-db
            return True
        reason = str(error.orig).strip().splitlines()[0]
        raise click.ClickException(f'the database "{url.database}" does not exist and could not be created '
                                   f"({reason}): create it (createdb) and run init-db again") from None
    finally:
        maintenance.dispose()


def _begin():
    """A command's unit of work starts now: the time is stamped on the session, where its hooks find it."""
    return clock.stamp(db.session(), clock.now())


def _require_schema():
    """Stop a command that needs the database before `init-db` has made it, or that cannot reach it (a clear message,
    not a traceback)."""
    try:
        made = inspect(db.engine).has_table("users")
    except OperationalError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        raise click.ClickException(f"cannot connect to the database: {reason}") from None
    if not made:
        raise click.ClickException("the database has no tables yet: run `flask --app tracker init-db` first")


def register(app):
    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the database schema (migrations); never drops data. A PostgreSQL database the URL
        names that does not exist yet is created first."""
        _ensure_database()
        held = []
        with _one_init_at_a_time():
            init_schema()
            added = templates_store.sync_presets(_begin(), held=held)
            db.session.commit()
        if added:
            click.echo("KPI templates loaded: " + ", ".join(added))
        if held:
            click.echo("KPI templates kept as an administrator last set them (this release's change to the bundled "
                       "preset was not applied): " + ", ".join(held))
        click.echo("database ready: " + db.engine.url.render_as_string(hide_password=True))

    @app.cli.command("demo")
    def demo():
        """Load the demo data set (refuses when the database already has work data)."""
        _require_schema()
        now = _begin()
        try:
            summary = demo_data.load(now)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(summary)
        for month in demo_data.demo_months(now):
            result = scores.compute_month(month, now)
            db.session.commit()
            click.echo(_computed(result))  # as `compute` says it (a Python dict with Month('2026-09') in it before)

    USER_OPTIONS = {"username": "USERNAME", "role": "--role", "display_name": "--display-name",
                    "password": "--password", "supervisor": "--supervisor", "hire_date": "--hire-date"}

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--display-name", required=True)
    @click.option("--password", default=None, help="asked for (twice, hidden) when not given")
    @click.option("--supervisor", default=None, help="the supervisor's username")
    @click.option("--hire-date", default=None, help="YYYY-MM-DD; an engineer without one is not assessed")
    def create_user(username, role, display_name, password, supervisor, hire_date):
        """Create a user."""
        _require_schema()
        _begin()
        try:
            data = {"username": username, "role": role, "display_name": display_name, "supervisor": supervisor}
            if hire_date is not None:
                data["hire_date"] = validation.parse_date(hire_date, "hire_date")
            if password is None:  # the rest checked first: a taken username was said after the password, twice
                auth_services.create_user(dict(data), password_required=False)
                db.session.rollback()  # not kept while someone types (it holds the usernames' lock)
                password = _ask_password()
                _begin()
            user = auth_services.create_user(data | {"password": password})
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(_naming_options(error, USER_OPTIONS)) from None
        db.session.commit()
        click.echo(f"created {user.username} ({user.role})")

    @app.cli.command("is-empty", hidden=True)
    def is_empty():
        """Exit 0 when the database has no users (used by make run to decide on demo data)."""
        if "users" not in inspect(db.engine).get_table_names() or db.session.scalar(select(User.id).limit(1)) is None:
            return
        raise SystemExit(1)

    @app.cli.command("scheduler")
    def scheduler():
        """Run the job scheduler in the foreground (exactly one per deployment)."""
        _require_schema()
        runner = jobs.build_scheduler(app)
        for job in runner.get_jobs():
            click.echo(f"{job.name}: {job.trigger}")
        for name, row in jobs.catch_up(app):  # the runs of the last hours a stopped scheduler missed
            click.echo(f"caught up {name}: " + (f"{row.outcome} {jobs.summary_text(row.summary)}".strip() if row is not None
                                                 else "already done or running"))
        click.echo("scheduler running; Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            runner.start()

    @app.cli.command("run-job")
    @click.argument("name")
    @click.option("--force", is_flag=True, help="run again even when this period already ran")
    def run_job(name, force):
        """Run one scheduled job now (claimed like a scheduled run)."""
        _require_schema()
        if name not in jobs.SCHEDULE:
            raise click.ClickException("unknown job; one of: " + ", ".join(sorted(jobs.SCHEDULE)))
        row = jobs.run_named(app, name, force=force)
        if row is None and force:  # another run of the period holds it: forcing again would run it twice
            click.echo(f"{name}: running for this period elsewhere right now; its run is on the jobs page")
        elif row is None:
            click.echo(f"{name}: already done or running for this period (use --force)")
        else:
            click.echo(f"{name} [{row.key}]: {row.outcome} {row.error or jobs.summary_text(row.summary)}")

    @app.cli.command("compute")
    @click.argument("month")
    def compute(month):
        """Recompute the draft scores of MONTH (YYYY-MM) for every active engineer; approved ones stay."""
        try:
            month = month_arg(month)
        except DomainError as error:
            raise click.BadParameter(error.message, param_hint="MONTH") from None
        _require_schema()
        try:
            with _ProgressBar(str(month)) as progress:
                summary = scores.compute_asked(month, _begin(), progress=progress)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        click.echo(_computed(summary))

    @app.cli.command("import")
    @click.argument("kind", type=click.Choice(sorted(import_kinds.KINDS)))
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row and store nothing.")
    @click.option("--as", "actor_name", default=None,
                  help="Import as this user (default: the first active user whose role may import KIND).")
    def import_file(kind, path, dry_run, actor_name):
        """Import an .xlsx or .csv of KIND (users, customers, work_orders, attendance, calendar): all rows or none."""
        _require_schema()
        query = select(User).where(User.active.is_(True)).order_by(User.id)
        actor = db.session.scalar(query.where(User.username == actor_name) if actor_name else
                                  query.where(User.role.in_(imports.WHO_MAY[kind])))
        if actor is None:
            raise click.ClickException(f"no active user {actor_name}" if actor_name else
                                       f"no active {' or '.join(imports.WHO_MAY[kind])} to import as")
        with open(path, "rb") as f:
            data = f.read()
        try:
            with _ProgressBar(os.path.basename(path)) as progress:
                report = imports.run_import(actor, kind, os.path.basename(path), data, _begin(), progress=progress,
                                            dry_run=dry_run)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        for error in report.errors:
            click.echo(f"row {error['row']}" + (f", {error['column']}" if error["column"] else "")
                       + f": {error['message']}", err=True)
        click.echo(f"{report.rows} rows: {len(report.created)} new, {len(report.updated)} changed, "
                   f"{len(report.unchanged)} unchanged, {len(report.errors)} errors")
        if dry_run or not report.ok:
            db.session.rollback()
            if not report.ok:
                raise click.ClickException("nothing was imported")
            click.echo("dry run: nothing was stored")
            return
        db.session.commit()
        click.echo("imported")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup(path):
        """Write a consistent copy of the database and the archive and photo folders to PATH (.tar.gz); a file
        already at PATH is replaced."""
        if not path.strip() or path.endswith(("/", os.sep)):  # "" was the working folder; "new/" a file named new
            raise click.BadParameter(f"{path!r} names no file (e.g. tracker-backup.tar.gz)", param_hint="PATH")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise click.BadParameter(f"no folder {folder}", param_hint="PATH")
        if os.path.lexists(path) and not os.path.isfile(path):  # /dev/full was replaced by the backup (as root)
            raise click.BadParameter(f"{path} is not a file a backup may replace (a device, a folder or a link to "
                                     "one)", param_hint="PATH")
        _outside_instance(path, "backup")
        _require_schema()
        existed = os.path.exists(path)
        try:
            counts = backups.backup(os.path.abspath(path), app.instance_path, clock.now(), app.config["SECRET_KEY"])
        except DomainError as error:
            raise click.ClickException(error.message) from None
        except OSError as error:  # a folder that takes no file (/proc), a full disk: said in one line
            raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from None
        replaced = " (the file there before was replaced)" if existed else ""
        click.echo(f"backup written to {path}{replaced}: {sum(counts.values())} rows in {len(counts)} tables")
        _say_missing(backups.files_missing(app.instance_path), "it holds none of them")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--replace", is_flag=True, help="replace a database that already has data, and the instance's "
                  "archive/ and photos/ folders (files stored since the backup are gone afterwards)")
    def restore(path, replace):
        """Restore a backup made by `backup` into this (migrated) database and instance folder."""
        _outside_instance(path, "restore")
        _require_schema()
        _begin()
        try:
            with backups.opened(path) as archive, backups.staged_folders(archive, app.instance_path) as staged:
                counts = backups.restore_rows(archive, replace=replace, instance_path=app.instance_path)
                db.session.commit()  # the files are staged and the rows in; only then are the folders swapped
                backups.swap_folders(staged, app.instance_path)
                key_message = backups.restore_key(archive, app.instance_path, app.config["SECRET_KEY"])
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        except OperationalError as error:  # PostgreSQL: a deadlock with a server's request taking the tables
            db.session.rollback()
            reason = str(error.orig or error).strip().splitlines()[0]
            raise click.ClickException(f"the database is busy ({reason}); nothing was restored: stop the web servers "
                                       "and the scheduler, then run restore again") from None
        click.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables from {path}; "
                   "every login was ended: everyone signs in again")
        _say_missing(backups.files_missing(app.instance_path), "the backup held none of them")
        if key_message:
            click.echo(key_message)


def _say_missing(paths, held):
    """Warn of the scans and photos whose rows name a file the instance folder lacks (deleted by hand)."""
    if paths:
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        click.echo(f"warning: {len(paths)} file(s) that scans or photos name are missing from the instance folder "
                   f"({held}): {shown}", err=True)


def _outside_instance(path, command):
    """A backup is written, and read, outside the instance folder (and its archive and photo folders, wherever they
    are linked to): `backup <instance>/tracker.db` replaced the live database with the backup, one under archive/
    went into each next backup, and a restore from there removed its own file with the folder it replaced."""
    target = os.path.realpath(os.path.abspath(path))
    instance = current_app.instance_path
    for root in {os.path.realpath(os.path.join(instance, part)) for part in ("", "archive", "photos")}:
        if os.path.commonpath([root, target]) == root:
            raise click.BadParameter(f"{path} lies inside the instance folder ({root}): {command} a file outside it "
                                     "(a backup belongs on another disk)", param_hint="PATH")


class _ProgressBar:
    """A command's progress bar, given to a service as `progress(done, total)`: opened at the first report, so a
    task refused before it starts prints nothing, and as long as the task says (the active engineers were counted,
    while compute also scores those who left with a draft and skips approved scores: 19/18, or 17/18 at the end)."""

    def __init__(self, label):
        self.label, self.bar = label, None

    def __enter__(self):
        return self

    def __call__(self, done, total):
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _naming_options(error, options):
    """A domain error said on the command line: each field's message after the option it came from
    ("--display-name: 必填"), as click names its own; an error of no field as it is."""
    said = [f"{options[field]}: {message}" for field, message in error.fields.items() if field in options]
    return "; ".join(said) if said else error.message
