"""The import pages: templates and exports to download, then upload → dry-run report → import."""

import time

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import HiddenField, SubmitField

from tracker import clock, nav
from tracker.auth.access import roles
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.imports import files, services, stash
from tracker.imports.kinds import KINDS
from tracker.validation import Form
from tracker.workorders import network
from tracker.xlsx import send_workbook

bp = Blueprint("imports", __name__, url_prefix="/imports")
nav.add("imports.index", _l("数据导入"), roles=("admin", "backoffice"), order=84)



class UploadForm(Form):
    file = FileField(_l("文件（.xlsx，或同样列的 .csv：UTF-8、GB18030 或 UTF-16）"))
    submit = SubmitField(_l("检查（不保存）"))


class ConfirmForm(Form):
    token = HiddenField()
    submit = SubmitField(_l("导入"))


def _stashed(token):
    path = stash.path_of(current_user.id, token)
    if path is None:
        abort(404)
    return path


def _kinds():
    return [kind for kind in KINDS.values() if services.may_import(current_user, kind.name)]


def _kind(name):
    kind = services.kind_of(name)
    services.require_import(current_user, kind.name)
    return kind


@bp.route("/")
@roles("admin", "backoffice")
def index():
    return render_template("imports/index.html", kinds=_kinds(), form=UploadForm(),
                           upload_here=network.upload_allowed_here())


@bp.route("/<kind>/template.xlsx")
@roles("admin", "backoffice")
def template(kind):
    data = services.template(_kind(kind).name)  # of a kind the user may import, as its export (403 otherwise)
    return send_workbook(data, _("%(title)s导入模板", title=KINDS[kind].title) + ".xlsx", f"{kind}-template.xlsx")


@bp.route("/<kind>/export.xlsx")
@roles("admin", "backoffice")
def export(kind):
    data = services.export(_kind(kind).name)
    return send_workbook(data, f"{KINDS[kind].title}.xlsx", f"{kind}.xlsx")


def _report_page(kind, report, dry_run, token=None, status=200, error=None):
    confirm = (ConfirmForm(token=token) if token and report is not None and report.ok and report.rows and dry_run
               else None)  # a file without data rows has nothing to import
    return render_template("imports/report.html", kind=kind, report=report.as_dict(dry_run) if report else None,
                           confirm=confirm, error=error), status


@bp.route("/<kind>/check", methods=["POST"])
@roles("admin", "backoffice")
@network.lan_only
def check(kind):
    kind = _kind(kind)
    form = UploadForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _report_page(kind, None, True, status=422, error=_("请选择文件"))
    data = upload.read(files.MAX_BYTES + 1)
    try:
        report = services.run_import(current_user, kind.name, upload.filename, data, clock.now(), dry_run=True)
    except DomainError as error:
        db.session.rollback()
        return _report_page(kind, None, True, status=error.status, error=error.message)
    db.session.rollback()  # a dry run stores nothing
    stash.sweep(time.time() - stash.STASH_SECONDS)  # on the way: the files' own clock, not the app's
    token = stash.keep(current_user.id, upload.filename, data) if report.ok else None
    return _report_page(kind, report, True, token=token, status=200 if report.ok else 422)


@bp.route("/<kind>/run", methods=["POST"])
@roles("admin", "backoffice")
@network.lan_only
def run(kind):
    kind = _kind(kind)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = _stashed(form.token.data)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:  # imported and removed by a request sent just before this one (a double click)
        abort(404)
    try:
        report = services.run_import(current_user, kind.name, path, data, clock.now())
    except DomainError as error:
        db.session.rollback()
        return _report_page(kind, None, False, status=error.status, error=error.message)
    if not report.ok:
        db.session.rollback()
        return _report_page(kind, report, False, status=422)
    db.session.commit()
    stash.remove(path)
    return _report_page(kind, report, False)
