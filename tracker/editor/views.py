"""Admin pages of the template editor: edit as a new version, preview over a past month, diff, assignment."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField

from tracker import clock, language
from tracker.auth.access import roles
from tracker.auth.models import User
from tracker.editor import services, yaml_text
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker.scores.models import KpiTemplate
from tracker.validation import Form, page_arg
from tracker.scoring.month import Month
from tracker.values import month_arg

bp = Blueprint("editor", __name__, url_prefix="/admin/templates")


class EditForm(Form):
    body = TextAreaField()
    effective_from = StringField()
    preview_month = StringField()


class CopyForm(Form):
    new_code = StringField()
    new_name = StringField()


# the page's fields by their labels ("month": the preview month, as the preview service names it)
FIELD_LABELS = {"body": _l("模板内容"), "effective_from": _l("生效月份"), "preview_month": _l("预览月份"),
                "month": _l("预览月份")}
BESIDE = {"effective_from": ("effective_from", "body.effective_from"), "preview_month": ("preview_month", "month")}


def _field_label(path, data):
    """A field of the page by its label; 'indicators[2].params.bands[1]' with the indicator's name in front, so an
    admin sees which line it is."""
    if path in FIELD_LABELS:
        return str(FIELD_LABELS[path])
    if path.startswith("body.indicators["):
        index = path[len("body.indicators["):].split("]", 1)[0]
        if index.isdigit() and int(index) < len(data.get("indicators") or []):
            item = data["indicators"][int(index)]
            if isinstance(item, dict):  # its name in the reader's language, as the page says it
                name = (item.get("name_en") or item.get("name", "")) if language.current() == "en" else item.get("name", "")
                return _("%(name)s（%(path)s）", name=name, path=path[len("body."):])
    return path[len("body."):] if path.startswith("body.") else path


@bp.route("/<code>/edit", methods=["GET", "POST"])
@roles("admin")
def edit(code):
    """The latest version as YAML; save it changed as a new version from a chosen month, or preview it first."""
    latest = services.latest_version(code)
    now = clock.now()
    form = EditForm()
    if request.method == "GET":
        _as_stored(form, code, latest, now)
    errors, preview, data, yaml_line = {}, None, {}, None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            if "csrf_token" in form.errors:
                errors, status = {"": _("请求已过期，请刷新页面后重试")}, 400
            else:  # a field's own check (a control character in the text): said on that field
                errors, status = {name: messages[0] for name, messages in form.errors.items()}, 422
        else:
            try:
                data = yaml_text.parse_text(form.body.data)
                if request.form.get("action") == "preview":
                    month = (form.preview_month.data or "").strip()
                    month = month_arg(month, field="preview_month")
                    rows, totals = services.what_if(code, data, month, now)
                    preview = {"month": month, "rows": rows, "totals": totals}
                else:
                    row = services.create_version(code, data, (form.effective_from.data or "").strip(), now)
                    db.session.commit()
                    services.recompute_if_started(row, now)
                    db.session.commit()
                    flash(_("已保存第 %(version)s 版，自 %(month)s 起生效", version=row.version,
                            month=row.effective_from), "success")
                    return redirect(url_for("editor.diff", code=code, version=row.version))
            except (Invalid, Conflict) as error:
                db.session.rollback()
                errors = dict(error.fields) if error.fields else {"": error.message}
                status = error.status
                yaml_line = error.extra.get("line")
    # each fault of the text with the line it is on, and the caret put there (a path alone, in a text of 200 lines
    # wrapped on a phone, could not be found)
    lines = {path: yaml_line if path == "body" else yaml_text.line_of(form.body.data or "", path)
             for path in errors if path.startswith("body")}
    # (a YAML fault's message names its line already: 第 40 行第 1 列)
    shown = [(_field_label(path, data), message, lines.get(path) if path != "body" else None)
             for path, message in errors.items()]
    # the two month fields sit below the long text: each also says its own error where it is typed
    beside = {name: message for path, message in errors.items() for name, paths in BESIDE.items() if path in paths}
    # a fault of the text itself: the text box is marked, described by the list above and focused (the focus was on
    # the page, the box not marked at all)
    months = {path for paths in BESIDE.values() for path in paths}
    in_text = any(path not in months for path in errors)
    return _edit_page(code, latest, now, form=form, errors=shown, preview=preview, beside=beside,
                      text_at_fault=in_text and status == 422,
                      error_line=next((line for line in lines.values() if line), None)), status


def _as_stored(form, code, latest, now):
    """The edit form as it opens: the latest version's text, from this month (or its own start), a month to preview."""
    form.body.data = yaml_text.as_text(services.body_of(latest))
    form.effective_from.data = max(Month.of(now.date()), latest.effective_from)
    form.preview_month.data = services.preview_month(code, now)
    return form


def _edit_page(code, latest, now, form, copy_form=None, copy_errors=None, **shown):
    return render_template("editor/edit.html", code=code, latest=latest, form=form, copy_form=copy_form or CopyForm(),
                           copy_errors=copy_errors or {},
                           withdrawable=latest.version > 1 and latest.effective_from > Month.of(now.date()), **shown)


@bp.route("/<code>/copy", methods=["POST"])
@roles("admin")
def copy(code):
    """Save the latest version of a template as the first version of a new one (a variant for some engineers, e.g.
    the default with response times in business hours), then edit that."""
    latest = services.latest_version(code)
    now = clock.now()
    form = CopyForm()
    try:
        if not form.validate_on_submit():
            if "csrf_token" in form.errors:
                flash(_("请求已过期，请刷新页面后重试"), "error")
                return redirect(url_for("editor.edit", code=code))
            # a field's own check (a control character): said on that field
            raise Invalid(_("请检查标出的栏目"), {name: messages[0] for name, messages in form.errors.items()})
        row = services.copy_template(code, form.new_code.data, form.new_name.data, now)
    except Invalid as error:
        db.session.rollback()
        return _edit_page(code, latest, now, form=_as_stored(EditForm(formdata=None), code, latest, now),
                          copy_form=form, copy_errors=dict(error.fields), errors=[], preview=None,
                          beside={}), error.status
    db.session.commit()
    flash(_("已将 %(code)s 另存为新模板 %(new)s（第 1 版，自 %(month)s 起）：可在此修改后保存，"
            "再到「考核模板分配」中分配给工程师", code=code, new=row.code, month=row.effective_from), "success")
    return redirect(url_for("editor.edit", code=row.code))


@bp.route("/<code>/versions/<int:version>/withdraw", methods=["POST"])
@roles("admin")
def withdraw(code, version):
    """Withdraw the latest version while it is not in force yet (editor.services.withdraw_version)."""
    if not FlaskForm().validate_on_submit():
        flash(_("请求已过期，请刷新页面后重试"), "error")
        return redirect(url_for("editor.edit", code=code))
    try:
        services.withdraw_version(code, version, clock.now())
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("editor.edit", code=code))
    db.session.commit()
    flash(_("已撤回第 %(version)s 版", version=version), "success")
    return redirect(url_for("editor.edit", code=code))


@bp.route("/<code>/diff")
@roles("admin")
def diff(code):
    """What a version changed against the one before it."""
    version = page_arg(request.args.get("version"), "version", None) or services.latest_version(code).version
    row = services.version_of(code, version)
    previous = db.session.scalar(select(KpiTemplate).where(KpiTemplate.code == code, KpiTemplate.version < version)
                                 .order_by(KpiTemplate.version.desc()).limit(1))
    changes = services.diff(services.body_of(previous), services.body_of(row)) if previous else []
    return render_template("editor/diff.html", code=code, row=row, previous=previous, changes=changes)


@bp.app_template_global()
def hidden_template_codes():
    return services.hidden_codes()


@bp.route("/<code>/hide", methods=["POST"], defaults={"hidden": True})
@bp.route("/<code>/show", methods=["POST"], endpoint="show", defaults={"hidden": False})
@roles("admin")
def hide(code, hidden):
    """Hide a template (a preset that does not fit the company) from the lists, or show it again."""
    if not FlaskForm().validate_on_submit():
        flash(_("请求已过期，请刷新页面后重试"), "error")
    else:
        services.set_hidden(current_user, code, hidden, clock.now())
        db.session.commit()
        flash(_("已隐藏 %(code)s", code=code) if hidden else _("已恢复显示 %(code)s", code=code), "success")
    return redirect(url_for("reviews.templates_admin", all=1 if not hidden else None))


@bp.route("/assign", methods=["GET", "POST"])
@roles("admin")
def assign():
    """Which template each engineer is scored with, from a month on: their own, or (empty) the one of their role.
    Only the rows changed on the page are assigned (editor.services.assign_templates); the months before keep theirs.
    The rows show the current month, or, before an assignment from a month already begun, that month."""
    now = clock.now()
    english = language.current() == "en"
    names = {code: (name_en or name) if english else name  # each template by its latest version's name
             for code, name, name_en in db.session.execute(select(KpiTemplate.code, KpiTemplate.name,
                                                                  KpiTemplate.name_en).order_by(KpiTemplate.version))}
    codes = sorted(names)
    engineers = db.session.scalars(select(User).where(User.role == "engineer", User.active.is_(True))
                                   .order_by(User.display_name, User.username)).all()
    current = Month.of(now.date())
    # the month whose assignments the rows show: the current one, or a month already begun the admin chose (a row
    # is changed when it differs from what it showed, so a past month's rows must show that month)
    month = _shown_month(request.values.get("shown_month") or request.args.get("month"), current)
    from_month = (request.form.get("from_month") or "").strip() if request.method == "POST" else str(month)
    errors, status = {}, 200
    wanted = _shown_month(from_month, current)  # the rows a save from from_month is compared with
    if request.method == "POST" and _month_or_none(from_month) is not None and wanted != month:
        month = wanted  # show those rows first: nothing is saved from the rows of another month
        flash(_("尚未保存：下表已换为 %(month)s 的分配，请在此基础上重新选择各人的模板，再保存", month=month), "warning")
    elif request.method == "POST":
        assigned, _later = services.assigned_in(engineers, month)
        if not FlaskForm().validate_on_submit():
            flash(_("请求已过期，请刷新页面后重试"), "error")
            return redirect(url_for("editor.assign"))
        # each row as posted (a row not in the form keeps what it has; empty: the role's template)
        posted = {person.id: (request.form.get(f"template-{person.username}", assigned[person.id] or "") or None)
                  for person in engineers}
        changes = {person: posted[person.id] for person in engineers if posted[person.id] != assigned[person.id]}
        try:
            month_arg(from_month, field="from_month")  # a month, even when no row changed
            changed = services.assign_templates(current_user, changes, from_month, now) if changes else 0
        except Invalid as error:
            db.session.rollback()
            errors, status = dict(error.fields), error.status
        else:
            db.session.commit()
            if changed and Month(from_month) <= current:  # their drafts from that month on followed at once
                flash(_("已保存 %(n)s 人的考核模板分配，自 %(month)s 起生效：%(month)s 至本月的草稿分数已按新模板重算；"
                        "已审批的月份和之前的月份不变", n=changed, month=from_month), "success")
            elif changed:
                flash(_("已保存 %(n)s 人的考核模板分配，自 %(month)s 起生效；之前的月份不变", n=changed, month=from_month),
                      "success")
            else:
                flash(_("没有改动"), "info")
            return redirect(url_for("editor.assign"))
    assigned, later = services.assigned_in(engineers, month)
    hidden = services.hidden_codes()
    in_use = set(assigned.values()) | {code for plans in later.values() for _month, code in plans}
    shown = [c for c in codes if c not in hidden or c in in_use]
    if errors:  # the page again with the choices made, not the stored ones
        assigned = {person.id: request.form.get(f"template-{person.username}") or None for person in engineers}
    return render_template("editor/assign.html", engineers=engineers, codes=shown, names=names, form=FlaskForm(),
                           assigned=assigned, later=later, from_month=from_month, shown_month=month,
                           current=current, errors=errors), status


def _shown_month(text, current):
    """The month the page's rows show: a month already begun that was asked for, else the current one."""
    month = _month_or_none(text)
    return month if month is not None and month < current else current


def _month_or_none(text):
    try:
        return Month.parse((text or "").strip())
    except ValueError:
        return None
