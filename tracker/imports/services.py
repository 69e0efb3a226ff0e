"""Importing a file of users, customers, work orders, attendance or calendar overrides: all rows or none.

Every row goes through the service the API and the web forms use (so the same rules, in the user's language). A bad
row is refused alone (it changes nothing: the work-order service checks a row before it sets anything, the other
kinds' changes run in a savepoint) and reported with its row number and column, and the others are still checked,
so one dry run lists every bad row. Work orders, the big files, find the records they name in a few queries for the
whole file and are written by a flush every few thousand rows (rows.OrderRows). The caller commits only when the
report has no errors and it is not a dry run; otherwise it rolls back, and nothing is stored.

The drafts an import changes are recomputed by the database session's live-scores hook when the caller commits
(calendar overrides mark their months stale instead), as for any other write.
"""

import contextlib
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from tracker import validation
from tracker.errors import DomainError, Forbidden, Invalid, NotFound
from tracker.extensions import db
from tracker.imports import files
from tracker.imports.kinds import EVERYTHING, KINDS
from tracker.imports.rows import hold, rows_class, rows_of
from tracker.memory import no_cycle_collection

# Who keeps which records: admins the people and the calendar, back-office the work orders, both the customers
# and the attendance (as on their pages and in the API: PUT /attendance takes both).
WHO_MAY = {"users": ("admin",), "customers": ("admin", "backoffice"), "work_orders": ("backoffice", "admin"),
           "attendance": ("backoffice", "admin"), "calendar": ("admin",)}


@dataclass
class Report:
    kind: str
    rows: int = 0
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)  # headings of the file's columns that are none of the kind's
    new_customers: list = field(default_factory=list)  # customers the rows name that the import creates (work orders)
    kept_passwords: list = field(default_factory=list)  # existing users whose row gives 初始密码: it is not imported

    @property
    def ok(self):
        return not self.errors

    def as_dict(self, dry_run):
        return {"kind": self.kind, "dry_run": dry_run, "stored": not dry_run and self.ok, "rows": self.rows,
                "created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "changes": sorted(self.created + self.updated, key=lambda change: change["row"]),
                "errors": self.errors, "ignored_columns": self.ignored_columns, "new_customers": self.new_customers,
                "kept_passwords": self.kept_passwords}


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
    """A column by the header its reader finds it under: the template's Chinese row, or its English row."""
    for column in kind.columns:
        if column.key == key:
            return column.header()
    return key


def _error(report, kind, number, error, present):
    fields = error.fields or {"": error.message}
    for key, message in fields.items():
        column = key if key in present else ""
        report.errors.append({"row": number, "column": _column_label(kind, column) if column else "",
                              "field": column or None, "message": message})


def _try(report, kind, number, present, action, isolate):
    """Run one row's action, in a savepoint when `isolate`; a refusal is reported with the row's number.

    A refused row must leave nothing behind that the next rows would see: the work-order service checks everything
    before it sets anything, and a new record of the other kinds is added only once every check has passed
    (whatever else a refused row left, a customer it named, goes with the whole import, which a refusal rolls back);
    a change to a stored user, machine or day runs in a savepoint so that it does not stay half applied.
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


def run_import(actor, name, filename, data, now, progress=None, dry_run=False):
    """Check and apply every row of an import file; returns the Report. The caller commits or rolls back (always
    after a dry run).

    The import holds SQLite's write lock (BEGIN IMMEDIATE), on PostgreSQL the locks of its kind (rows.HOLD), from
    the first lookup to the caller's commit. A dry run of work orders writes nothing and takes no lock: its rows are
    checked and compared in the session alone.
    """
    with no_cycle_collection():
        return _run(actor, name, filename, data, now, progress, dry_run)


def _run(actor, name, filename, data, now, progress, dry_run):
    require_import(actor, name)
    kind = kind_of(name)
    rows, present, ignored, refused = files.read_rows(kind, filename, data)
    report = Report(kind=name, rows=len(rows) + len(refused), ignored_columns=ignored)
    for number, error in refused:
        _error(report, kind, number, error, present)
    key = kind.key_of
    writes = not (dry_run and rows_class(kind).checks_in_session)
    if writes:
        _begin()
        hold(kind)
    rows = _text_checked(report, kind, present, rows)  # before any lookup: PostgreSQL's text takes no NUL
    rows = _without_examples(report, kind, present, rows)
    with contextlib.nullcontext() if writes else db.session.no_autoflush:
        batch = rows_of(kind, rows)
        before = batch.stored(rows)
        accepted, seen, first_row = [], set(before), {}
        for done, (number, row) in enumerate(rows, start=1):
            new = key(row) not in seen
            seen.add(key(row))
            earlier = first_row.setdefault(_same(key(row)), number)
            if earlier != number:  # one record twice in a file: which row would be meant?
                _error(report, kind, number, Invalid.field(kind.key[0], _(
                    "与第 %(row)s 行重复（%(key)s）", row=earlier, key=" ".join(key(row)).strip())), present)
            elif _try(report, kind, number, present, lambda row=row: batch.store(actor, row, now),
                      batch.isolate(new)):
                accepted.append((number, row))
            if writes and batch.flush_every and done % batch.flush_every == 0:
                db.session.flush()
            if progress:
                progress(done, len(rows))
        _second_pass(report, kind, present, batch, rows, before, accepted, actor, now)
        if writes:
            db.session.flush()
        after = batch.stored(rows)
    _compare(report, kind, present, rows, before, after, key)
    report.new_customers = getattr(batch, "new_customers", [])
    return report


def _same(key):
    """A row's key as the stored record's would be (names are stored NFC: two spellings of one name are one)."""
    return tuple(unicodedata.normalize("NFC", part) for part in key)


def _text_checked(report, kind, present, rows):
    """The rows whose every cell follows the text rule of its column, as a JSON body's strings do in the API
    (control characters, line breaks in one-line fields, bidirectional controls in names); the others reported."""
    checked = []
    for number, row in rows:
        bad = validation.first_bad_text(row)
        if bad is None:
            checked.append((number, row))
        else:
            _error(report, kind, number, Invalid.field(*bad), present)
    return checked


def _without_examples(report, kind, present, rows):
    """The rows, less the template's example rows when the file still holds every one of them as the template gave
    them (its example block left in: those rows are reported). Their numbers and usernames are real-looking
    (WO20261015-001, zhangsan): imported, they updated whatever record of the instance had that number or name. A
    file holding only some of them (a real row that happens to read like one) is imported as it is."""
    def cell(value):
        return "" if value is None else str(value).strip()

    examples = [{key: cell(value) for key, value in example.items()} for example in kind.examples]

    def example_of(row):
        return next((n for n, example in enumerate(examples)
                     if all(cell(row.get(key)) == value for key, value in example.items())), None)

    matched = {number: example_of(row) for number, row in rows}
    if not examples or {n for n in matched.values() if n is not None} != set(range(len(examples))):
        return rows
    for number, _row in rows:
        if matched[number] is not None:
            _error(report, kind, number, Invalid(_("这是模板的示例行：导入前请删除或改成真实的记录")), present)
    return [(number, row) for number, row in rows if matched[number] is None]


def _second_pass(report, kind, present, batch, rows, stored, accepted, actor, now):
    """Links to other rows of the file (supervisors, redone work orders), once every row is stored. A link to a row
    of the file that was refused names that row (it said "no order numbered …", as of a mistyped number)."""
    if batch.link is None:
        return
    column = kind.second_pass[0]
    failed = {error["row"] for error in report.errors}
    there = {_same(key) for key in stored} | {_same(kind.key_of(row)) for _number, row in accepted}
    refused = {}
    for number, row in rows:  # a row refused whose record is neither stored nor made by another row
        if number in failed and _same(kind.key_of(row)) not in there:
            refused.setdefault(_same(kind.key_of(row)), number)
    for number, row in accepted:
        if not row.get(column):
            continue
        other = refused.get(_same((row[column],)))
        if other is not None:
            _error(report, kind, number, Invalid.field(column, _("第 %(row)s 行（%(key)s）有误，改正该行后本行再检查",
                                                                 row=other, key=row[column])), present)
            continue
        _try(report, kind, number, present, lambda row=row: batch.link(actor, row, now), batch.isolate(False))


def _compare(report, kind, present, rows, before, after, key):
    """Each good row as created, updated (with the columns that changed) or unchanged; errors by row."""
    report.errors.sort(key=lambda error: error["row"])
    failed = {error["row"] for error in report.errors}
    for number, row in rows:
        if number in failed:
            continue
        old, new = before.get(key(row)), after.get(key(row)) or {}
        change = {"row": number, "key": " ".join(key(row)).strip()}
        if old is None and key(row) not in after:  # a row that stores nothing (出勤: a workday with no record)
            report.unchanged.append(change)
        elif old is None:
            report.created.append({**change, "action": "create"})
        else:
            if row.get("password"):  # an import never changes an existing user's password: said, not done quietly
                report.kept_passwords.append(change["key"])
            changed = [column.header() for column in kind.columns if column.key in present and column.key != "password"
                       and old.get(column.key) != new.get(column.key)]
            if changed:
                report.updated.append({**change, "action": "update", "columns": changed})
            else:
                report.unchanged.append(change)
