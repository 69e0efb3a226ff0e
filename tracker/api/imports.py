"""Imports from the spreadsheets an office already has: templates, exports in the same format, dry run and import."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.api import core
from tracker.api.core import bp
from tracker.auth.access import roles
from tracker.errors import Invalid, Unsupported
from tracker.extensions import db
from tracker.imports import services
from tracker.workorders import network
from tracker.xlsx import XLSX_MIME, send_workbook

CHANGE = {"type": "object", "properties": {
    "row": {"type": "integer"}, "key": {"type": "string"}, "action": {"type": "string", "enum": ["create", "update"]},
    "columns": {"type": "array", "items": {"type": "string"}}}}
ROW_ERROR = {"type": "object", "required": ["row", "column", "message"], "properties": {
    "row": {"type": "integer"}, "column": {"type": "string"}, "field": {"type": ["string", "null"]},
    "message": {"type": "string"}}}
REPORT = core.obj({
    "kind": {"type": "string"}, "dry_run": {"type": "boolean"}, "stored": {"type": "boolean"},
    "rows": {"type": "integer"}, "created": {"type": "integer"}, "updated": {"type": "integer"},
    "unchanged": {"type": "integer"}, "changes": {"type": "array", "items": CHANGE},
    "errors": {"type": "array", "items": ROW_ERROR},
    "ignored_columns": {"type": "array", "items": {"type": "string"},
                        "description": "headings of the file's columns that are none of the template's (not read)"},
    "new_customers": {"type": "array", "items": {"type": "string"},
                      "description": "work orders: the customers the rows name that were not stored, which the import "
                                     "creates (a mistyped name would make a second customer)"},
    "kept_passwords": {"type": "array", "items": {"type": "string"},
                       "description": "users: the existing users whose row gives 初始密码, which an import never "
                                      "changes (an admin sets a password on the user's page)"},
}, ["kind", "dry_run", "stored", "rows", "created", "updated", "unchanged", "changes", "errors", "ignored_columns",
    "new_customers", "kept_passwords"])
IMPORT_UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary",
             "description": "the template's .xlsx, or the same columns as .csv (UTF-8, GB18030 or UTF-16)"},
    "dry_run": {"type": "string", "enum": ["0", "1", "true", "false"],
                "description": "1 (default): check every row and store nothing; 0: import, all rows or none"}}}
BINARY = {"type": "string", "format": "binary"}


def _kind(kind):
    services.require_import(current_user, services.kind_of(kind).name)
    return kind


@bp.route("/imports/<kind>/template.xlsx")
@roles("admin", "backoffice")
@core.answers(200, BINARY, content=XLSX_MIME, description="The import template with example rows")
def import_template(kind):
    """The empty import template of a kind (users, customers, work_orders, attendance, calendar), with examples; of
    a kind the caller may import (403 otherwise, as its export and import)."""
    return send_workbook(services.template(_kind(kind)), f"{kind}-template.xlsx", f"{kind}-template.xlsx")


@bp.route("/imports/<kind>/export.xlsx")
@roles("admin", "backoffice")
@core.answers(200, BINARY, content=XLSX_MIME, description="Every stored record of the kind, in the template format")
def import_export(kind):
    """Everything stored of a kind in the import format (to move it to another instance or edit and re-import)."""
    return send_workbook(services.export(_kind(kind)), f"{kind}.xlsx", f"{kind}.xlsx")


@bp.route("/imports/<kind>", methods=["POST"])
@roles("admin", "backoffice")
@network.lan_only
@core.answers(200, REPORT, description="The report; a refused import answers 422 with it as error.report")
@core.uploads(IMPORT_UPLOAD)
@core.query([{"name": "dry_run", "schema": {"type": "string", "enum": ["0", "1", "true", "false"]},
              "description": "as the form field dry_run, which wins when both are given"}])
def run_import(kind):
    """Check (dry_run=1, the default) or import (dry_run=0) a file; an import stores all rows or none."""
    _kind(kind)
    if request.mimetype and request.mimetype != "multipart/form-data":
        raise Unsupported(_("请求须为 multipart/form-data"))
    dry_run = request.form.get("dry_run", request.args.get("dry_run", "1")).lower()
    if dry_run not in ("0", "1", "true", "false"):
        raise Invalid.field("dry_run", _("须为 0 或 1"))
    dry_run = dry_run in ("1", "true")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise core.MalformedBody(_("缺少文件字段 %(field)s", field="file"), {"file": _("必填")})
    report = services.run_import(current_user, kind, upload.filename, upload.read(services.files.MAX_BYTES + 1),
                                 clock.now(), dry_run=dry_run)
    if not report.ok and not dry_run:
        raise Invalid(_("有 %(n)s 处错误，未导入任何数据", n=len(report.errors)), report=core.to_json(report.as_dict(False)))
    if dry_run:
        db.session.rollback()
    else:
        core.commit()
    return core.reply(report.as_dict(dry_run))
