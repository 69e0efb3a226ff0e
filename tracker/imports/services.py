"""Importing a file of users, customers, work orders, attendance or calendar overrides: all rows or none.

Every row goes through the service the API and the web forms use (so the same rules, in the user's language).
Each row is tried inside a savepoint: a bad row is rolled back alone and reported with its row number and column,
and the others are still checked, so one dry run lists every bad row. The caller commits only when the report has
no errors and it is not a dry run; otherwise it rolls back, and nothing is stored.

The drafts an import changes are recomputed by the database session's live-scores hook when the caller commits
(calendar overrides mark their months stale instead), as for any other write.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from tracker.errors import DomainError, Forbidden, NotFound
from tracker.extensions import db
from tracker.imports import files
from tracker.imports.kinds import EVERYTHING, KINDS, SECOND_PASS, STORE, stored

# Who keeps which records: admins the people and the calendar, back-office the work orders and attendance
# (as on their pages and in the API), both the customers.
WHO_MAY = {"users": ("admin",), "customers": ("admin", "backoffice"), "work_orders": ("backoffice",),
           "attendance": ("backoffice",), "calendar": ("admin",)}


@dataclass
class Report:
    kind: str
    rows: int = 0
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def as_dict(self, dry_run):
        return {"kind": self.kind, "dry_run": dry_run, "stored": not dry_run and self.ok, "rows": self.rows,
                "created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "changes": sorted(self.created + self.updated, key=lambda change: change["row"]),
                "errors": self.errors}


def kind_of(name):
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(_("未知的导入类型：%(name)s", name=name))
    return kind


def may_import(actor, name):
    return actor.role in WHO_MAY.get(name, ())


def require_import(actor, name):
    if not may_import(actor, name):
        raise Forbidden(_("无权导入%(kind)s", kind=kind_of(name).title))


def template(name):
    """The empty template with its example rows, as .xlsx bytes."""
    kind = kind_of(name)
    return files.workbook(kind, kind.examples)


def export(name):
    """Everything stored of a kind, in the template's format (import it elsewhere to copy it), as .xlsx bytes."""
    kind = kind_of(name)
    return files.workbook(kind, EVERYTHING[name]())


def _column_label(kind, key):
    for column in kind.columns:
        if column.key == key:
            return column.zh
    return key


def _error(report, kind, number, error, present):
    fields = error.fields or {"": error.message}
    for key, message in fields.items():
        column = key if key in present else ""
        report.errors.append({"row": number, "column": _column_label(kind, column) if column else "",
                              "field": column or None, "message": message})


def _try(report, kind, number, row, present, action, isolate=True):
    """Run one row's action, in a savepoint when `isolate`; a refusal rolls back that row alone and is reported.

    A new record needs no savepoint: the services add it to the session only once every check has passed, and
    whatever a refused row left behind (a customer it named) goes with the whole import, which a refusal rolls
    back. A change to a stored record does: a refused change must not stay half applied.
    """
    try:
        if isolate:
            with db.session.begin_nested():
                action()
        else:
            action()
    except DomainError as error:
        _error(report, kind, number, error, present)
        return False
    return True


def _begin():
    """Open the transaction now: Python's SQLite driver would start it only at the first INSERT, so the first
    row's savepoint would be the outermost transaction and its RELEASE would commit it."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def run_import(actor, name, filename, data, now, progress=None):
    """Check and apply every row of an import file; returns the Report. The caller commits or rolls back."""
    require_import(actor, name)
    kind = kind_of(name)
    rows, present = files.read_rows(kind, filename, data)
    _begin()
    report = Report(kind=name, rows=len(rows))
    key = lambda row: tuple(row.get(column) or "" for column in kind.key)  # noqa: E731
    before = stored(kind, [row for _, row in rows])
    accepted, seen = [], set(before)
    for done, (number, row) in enumerate(rows, start=1):
        new = key(row) not in seen
        seen.add(key(row))
        if _try(report, kind, number, row, present, lambda row=row: STORE[name](actor, row, now), isolate=not new):
            accepted.append((number, row))
        if progress:
            progress(done, len(rows))
    link = SECOND_PASS.get(name)
    if link is not None:
        column = kind.second_pass[0]
        for number, row in accepted:
            if row.get(column):
                _try(report, kind, number, row, present, lambda row=row: link(actor, row, now))
    db.session.flush()
    failed = {error["row"] for error in report.errors}
    after = stored(kind, [row for _, row in rows])
    for number, row in rows:
        if number in failed:
            continue
        old, new = before.get(key(row)), after.get(key(row)) or {}
        change = {"row": number, "key": " ".join(key(row)).strip()}
        if old is None:
            report.created.append({**change, "action": "create"})
        else:
            changed = [column.zh for column in kind.columns if column.key in present and column.key != "password"
                       and old.get(column.key) != new.get(column.key)]
            if changed:
                report.updated.append({**change, "action": "update", "columns": changed})
            else:
                report.unchanged.append(change)
    return report
