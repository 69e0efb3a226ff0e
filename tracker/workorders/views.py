"""Work orders, scanned tickets, photos, surveys and complaints (web pages)."""

import functools
import json
import os

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from tracker import clock, equipment, nav
from tracker.auth import access
from tracker.auth.access import may_name_submitter, roles, visible_engineers
from tracker.auth.models import User
from tracker.downloads import disposition
from tracker.errors import Conflict, Forbidden, Invalid, TooLarge, Unsupported
from tracker.extensions import db
from tracker.notifications.services import MIME
from tracker.workorders import bulk_scans as bulk, feedback, network, services, uploads
from tracker.workorders.forms import (METHOD_LABELS, REWORK_LABELS, SERVICE_TYPES, STATUS_LABELS, BulkScanForm,
                                      ComplaintForm, PhotoForm, ReworkForm, ScanForm, SurveyForm, TimesForm,
                                      WorkOrderForm)
from tracker.workorders.models import Photo, Scan
from tracker.customers.models import Customer
from tracker.scoring.month import Month
from tracker.scores import listing as score_listing
from tracker.validation import filter_errors, page_arg, put_errors, say_the_rest

bp = Blueprint("workorders", __name__, url_prefix="/work-orders")

nav.add("workorders.index", lazy_pgettext("nav", "工单"), order=20)
nav.add("workorders.bulk_scans", lazy_pgettext("nav", "批量上传电子档"), roles=("backoffice", "manager"), order=21)
nav.add("workorders.complaints", _l("投诉"), roles=("backoffice", "manager", "gm", "admin"), order=22)

MANAGERS = ("backoffice", "manager")
# Refusals shown on the page with the form; Forbidden and NotFound go to the error page instead (but for the edit
# form, where a Forbidden names the field the person may not clear).
REFUSALS = (Invalid, Conflict, TooLarge, Unsupported)


@bp.app_context_processor
def labels():
    return {"status_labels": STATUS_LABELS, "rework_labels": REWORK_LABELS, "method_labels": METHOD_LABELS}


def _refuse_into(form, error):
    """Roll back, put a refused service call's messages onto the form's fields (others at the top); the status."""
    db.session.rollback()
    alert = put_errors(form, error)
    if alert:
        flash(alert, "danger")
    return error.status


def _text(value):
    value = (value or "").strip()
    return value or None


# ---- list and detail ---------------------------------------------------------------------------------

@bp.route("/")
@roles()
def index():
    filters = {"month": request.args.get("month") or None, "customer": request.args.get("customer") or None,
               "engineer": request.args.get("engineer") or None, "status": request.args.get("status") or None,
               "no_scan": request.args.get("no_scan") == "1"}
    errors, status = {}, 200
    try:
        page = services.order_page(current_user, filters, after=request.args.get("after") or None,
                                   before=request.args.get("before") or None,
                                   page=page_arg(request.args.get("page"), maximum=services.PAGE_MAX))
    except Invalid as error:  # a filter that cannot be: said at its field, the filters kept to correct (was a bare
        errors = filter_errors(error)  # error page in place of the list), no orders listed
        page, status = services.OrderPage([], None, None), 422
    query = {name: value for name, value in request.args.items() if name not in ("after", "before", "page")}
    return render_template("workorders/index.html", orders=page.orders, page=page, query=query, filters=filters,
                           scanned=services.scanned_ids([o.id for o in page.orders]), errors=errors,
                           pick_engineer=current_user.role != "engineer"), status


def _customer_names():
    return db.session.scalars(select(Customer.name).order_by(Customer.name)).all()


@bp.route("/<int:order_id>")
@roles()
def detail(order_id):
    order = services.get_visible(current_user, order_id)
    return _detail(order)


@bp.route("/equipment/<int:equipment_id>")
@roles()
def equipment_history(equipment_id):
    """A machine's service history: the work orders of its customer and name that the viewer may see."""
    machine = equipment.get_any(equipment_id)
    orders = equipment.history(machine, access.order_scope(current_user))
    return render_template("workorders/equipment.html", machine=machine, orders=orders)


def _detail(order, status=200, photo_form=None, survey_form=None):
    manage = access.can_manage_order(current_user, order)
    return render_template(
        "workorders/detail.html", order=order, manage=manage, timeline=services.timeline(order),
        cited=score_listing.citing(current_user, order),
        machine=equipment.find(order.customer, order.equipment) if order.equipment else None,
        trips=services.trips_of(order, current_user), scan=services.current_scan(order),
        rework_candidates=services.rework_candidates(order, current_user) if manage else [],
        can_photos=access.can_upload_photos(current_user, order),
        removable={photo.id for photo in order.photos if uploads.may_remove_photo(current_user, photo)},
        can_times=access.is_assigned(current_user, order) and order.status != "cancelled",
        photo_form=photo_form or PhotoForm(), survey_form=survey_form or SurveyForm(),
        upload_here=network.upload_allowed_here(),
    ), status


# ---- create and edit ---------------------------------------------------------------------------------

def _person_choice(user):
    return SelectChoice(user.username, f"{user.display_name} ({user.username})")


def _people_choices(form, order=None):
    engineers = db.session.scalars(visible_engineers(current_user).where(User.active.is_(True))).all()
    form.engineer.choices = [SelectChoice("", _("（暂不指派）"))] + [_person_choice(u) for u in engineers]
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name)).all()
    form.submitter.choices = [SelectChoice("", _("（无）"))] + [_person_choice(u) for u in users
                                                               if may_name_submitter(current_user, u)]
    # Keep the current values selectable even when outside today's lists (e.g. an engineer who left the team).
    for field, person in ((form.engineer, order.engineer if order else None),
                          (form.submitter, order.submitter if order else None)):
        if person is not None and person.username not in {choice.value for choice in field.choices}:
            field.choices.append(_person_choice(person))


def _order_data(form, order=None):
    """The form's fields as the service takes them; the status only when changed (on a new order: from open), so that
    entering a completion time completes an open order, as the API's PATCH does."""
    data = {
        # names become parts of file names: taken as typed, so a leading or trailing space is refused, as the API
        # refuses it (CONTRACT 5), never trimmed silently
        "number": _text(form.number.data), "customer": form.customer.data or "",
        "equipment": form.equipment.data or "", "service_type": form.service_type.data or "",
        "description": form.description.data, "reported_at": form.reported_at.data,
        "deadline_at": form.deadline_at.data, "engineer": form.engineer.data or None,
        "submitter": form.submitter.data or None, "responded_at": form.responded_at.data,
        "arrived_at": form.arrived_at.data, "completed_at": form.completed_at.data,
        "status": form.status.data, "rework": form.rework.data, "rework_of": _text(form.rework_of.data),
    }
    if form.status.data == (order.status if order is not None else "open"):
        del data["status"]
    return data


def _render_form(form, order=None, status=200):
    return render_template("workorders/form.html", form=form, order=order, customers=_customer_names(),
                           service_types=SERVICE_TYPES), status


@bp.route("/new", methods=["GET", "POST"])
@roles("backoffice", "manager", "admin")
def create():
    form = WorkOrderForm()
    _people_choices(form)
    if request.method == "GET":
        form.submitter.data = current_user.username
        form.reported_at.data = clock.now().replace(second=0)  # a proposal to the minute, as one types it
    if form.validate_on_submit():
        try:
            order = services.create_order(current_user, _order_data(form), clock.now())
            db.session.commit()
        except REFUSALS as error:
            return _render_form(form, status=_refuse_into(form, error))
        flash(_("已创建工单 %(number)s", number=order.number), "success")
        if services.rework_candidates(order, current_user):
            flash(_("该客户的同一设备 30 天内有已完工的工单，是否为返修？请在下方确认。"), "warning")
        return redirect(url_for("workorders.detail", order_id=order.id))
    _the_rest_checked(form, _order_data, lambda sent: services.refusals(current_user, sent, None))
    return _render_form(form, status=422 if form.errors else 200)


def _the_rest_checked(form, data, refusals):
    """The service's checks of the fields the form's own did not refuse (`refusals(sent)`, {field: message})."""
    say_the_rest(form, lambda: refusals({name: value for name, value in data(form).items()
                                         if not form._fields[name].errors}))


def _completed(order):
    return order.status == "completed" and order.completed_at is not None


@bp.route("/<int:order_id>/edit", methods=["GET", "POST"])
@roles("backoffice", "manager", "engineer")
def edit(order_id):
    order = services.get_visible(current_user, order_id)
    form, data = _edit_form(order, stored=request.method == "GET")
    if request.method == "GET":
        form.seen.data = json.dumps(_shown(form), ensure_ascii=False)
    if form.validate_on_submit():
        surveyed = len(order.surveys) if _completed(order) else 0
        sent, kept, overwritten = _since_seen(form, data, order)
        try:
            services.update_order(current_user, order, sent, clock.now())
            db.session.commit()
        except (*REFUSALS, Forbidden) as error:  # a time the engineer may not clear: said under the field (403)
            return _render_form(form, order, status=_refuse_into(form, error))
        flash(_("已保存"), "success")
        if kept:
            flash(_("你编辑期间，其他人修改了%(fields)s，这些修改已保留", fields=_("、").join(kept)), "info")
        if overwritten:
            flash(_("你编辑期间，其他人也修改了%(fields)s，已按你的填写保存", fields=_("、").join(overwritten)), "warning")
        if surveyed and not _completed(order):  # a survey counts in the month its order was completed
            flash(_("该工单已不再完工：它的 %(n)s 条回访在再次完工前不计入客户满意度", n=surveyed), "warning")
        return redirect(url_for("workorders.detail", order_id=order.id))
    if isinstance(form, WorkOrderForm):
        _the_rest_checked(form, data, lambda sent: services.refusals(current_user, sent, order))
    return _render_form(form, order, status=422 if form.errors else 200)


def _edit_form(order, stored=False, choices=True):
    """The viewer's edit form of the order (every field, or the assigned engineer's three times; 403 otherwise) and
    the function of it giving the service's data; `stored`: filled from the order as stored, not from the request;
    `choices=False`: without the people to pick (a form read for its values only)."""
    if access.can_manage_order(current_user, order):
        form = WorkOrderForm(formdata=None, obj=order) if stored else WorkOrderForm()
        if choices:
            _people_choices(form, order)
        if stored:
            form.customer.data = order.customer.name
            form.engineer.data = order.engineer.username if order.engineer else ""
            form.submitter.data = order.submitter.username if order.submitter else ""
            form.rework_of.data = order.rework_of.number if order.rework_of else ""
        return form, functools.partial(_order_data, order=order)
    if access.is_assigned(current_user, order):
        return (TimesForm(formdata=None, obj=order) if stored else TimesForm()), _times_data
    abort(403)


def _shown(form):
    """The form's fields as plain comparable values (a browser sends a text area's lines ending in CR LF)."""
    def plain(value):
        if value is None or value == "":
            return None
        return value.replace("\r\n", "\n") if isinstance(value, str) else str(value)
    return {name: plain(field.data) for name, field in form._fields.items() if name not in ("submit", "seen", "csrf_token")}


def _since_seen(form, data, order):
    """(the service's data of the fields this user changed since the form was shown, the labels of the fields someone
    else changed meanwhile and this user did not, those both changed). Two people editing one order each change
    their own fields: a form opened before another's save brought his old values back (a corrected response time
    too). Without a record of what was shown (a form of an earlier page), every field is sent, as before."""
    sent = data(form)
    try:
        seen = json.loads(form.seen.data or "")
    except ValueError:
        seen = None
    if not isinstance(seen, dict):
        return sent, [], []
    posted, stored = _shown(form), _shown(_edit_form(order, stored=True, choices=False)[0])
    mine = {name for name in posted if posted[name] != seen.get(name)}
    theirs = [name for name in stored if stored[name] != seen.get(name)]
    label = lambda name: str(form[name].label.text)  # noqa: E731
    return ({name: value for name, value in sent.items() if name in mine},
            [label(name) for name in theirs if name not in mine], [label(name) for name in theirs if name in mine])


def _times_data(form):
    return {name: getattr(form, name).data for name in services.TIMES}


@bp.route("/<int:order_id>/rework", methods=["POST"])
@roles(*MANAGERS)
def link_rework(order_id):
    order = services.get_visible(current_user, order_id)
    form = ReworkForm()
    if not form.validate_on_submit():
        flash(_("请选择内返或外返"), "danger")
        return _detail(order, status=422)
    try:
        services.update_order(current_user, order, {"rework": form.rework.data, "rework_of": form.rework_of.data},
                              clock.now())
        db.session.commit()
    except REFUSALS as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _detail(order, status=error.status)
    flash(_("已关联为返修"), "success")
    return redirect(url_for("workorders.detail", order_id=order.id))


# ---- scanned tickets -------------------------------------------------------------------------------

@bp.route("/<int:order_id>/scan", methods=["GET", "POST"])
@roles(*MANAGERS)
@network.lan_only
def scan(order_id):
    order = services.get_visible(current_user, order_id)
    if not access.can_manage_order(current_user, order):
        abort(403)
    form = ScanForm()
    refusal = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("请选择文件")]
            status = 422
        else:
            try:
                stored = uploads.store_scan(current_user, order, upload.filename, upload.stream, clock.now())
                db.session.commit()
            except REFUSALS as error:
                db.session.rollback()
                refusal, status = error, error.status
                form.file.errors = [error.message]  # on the field too: marked, described and focused (tracker.js)
            else:
                if stored.named_by_qr:
                    flash(_("按服务单二维码识别，电子档已存档为 %(name)s", name=stored.name), "success")
                else:
                    flash(_("电子档已存档为 %(name)s", name=stored.name), "success")
                return redirect(url_for("workorders.detail", order_id=order.id))
    return render_template("workorders/scan.html", order=order, form=form, refusal=refusal,
                           expected=uploads.expected_names(order), scan=services.current_scan(order),
                           limit=current_app.config["SCAN_MAX_BYTES"], upload_here=network.upload_allowed_here()), status


@bp.route("/scans", methods=["GET", "POST"])
@roles(*MANAGERS)
@network.lan_only
def bulk_scans():
    form = BulkScanForm()
    results = None
    status = 200
    if request.method == "POST":
        chosen = [f for f in request.files.getlist("files") if f and f.filename]
        if not chosen:
            form.files.errors = [_("请选择文件")]
            status = 422
        else:
            results = bulk.attach_scans(current_user, [(f.filename, f.stream) for f in chosen], clock.now())
            db.session.commit()
    return render_template("workorders/bulk.html", form=form, results=results,
                           limit=current_app.config["SCAN_MAX_BYTES"], upload_here=network.upload_allowed_here()), status


@bp.route("/<int:order_id>/scans/<int:scan_id>")
@roles()
def download_scan(order_id, scan_id):
    row = services.file_of(current_user, Scan, order_id, scan_id)
    return _send(row.path, row.name, MIME[row.kind], attachment=True,
                 fallback=f"{row.work_order.number}-scan-v{row.version}.{row.name.rsplit('.', 1)[-1]}")


def _send(relative_path, name, mimetype, attachment, fallback):
    """A stored file, after the caller's permission check; the name keeps its Chinese (RFC 5987 filename*) beside
    the ASCII `fallback` (downloads.disposition)."""
    path = uploads.stored(relative_path)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=mimetype, as_attachment=attachment, download_name=name, max_age=0)
    response.headers["Content-Disposition"] = disposition(name, fallback, attachment)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"  # not kept on a shared computer after logout
    return response


# ---- photos ---------------------------------------------------------------------------------------

@bp.route("/<int:order_id>/photos", methods=["POST"])
@roles("backoffice", "manager", "engineer")
@network.lan_only
def upload_photos(order_id):
    order = services.get_visible(current_user, order_id)
    if not access.can_upload_photos(current_user, order):
        abort(403)
    form = PhotoForm()
    chosen = [f for f in request.files.getlist("files") if f and f.filename]
    if not chosen:
        form.files.errors = [_("请选择照片")]
        return _detail(order, status=422, photo_form=form)
    try:
        stored = uploads.store_photos(current_user, order, [(f.filename, f.stream) for f in chosen], clock.now())
        db.session.commit()
    except REFUSALS as error:
        status = _refuse_into(form, error)
        return _detail(order, status=status, photo_form=form)
    flash(_("已上传 %(n)s 张照片", n=len(stored)), "success")
    return redirect(url_for("workorders.detail", order_id=order.id) + "#photos")


@bp.route("/<int:order_id>/photos/<int:photo_id>/delete", methods=["POST"])
@roles("backoffice", "manager", "engineer")
def remove_photo(order_id, photo_id):
    """Remove a site photo uploaded by mistake (its file is kept aside, never served again)."""
    row = services.file_of(current_user, Photo, order_id, photo_id)
    _removed(lambda: uploads.remove_photo(current_user, row), _("已删除照片"))
    return redirect(url_for("workorders.detail", order_id=order_id) + "#photos")


@bp.route("/<int:order_id>/photos/<int:photo_id>")
@roles()
def photo(order_id, photo_id):
    return _photo(order_id, photo_id, thumb=False)


@bp.route("/<int:order_id>/photos/<int:photo_id>/thumb")
@roles()
def photo_thumb(order_id, photo_id):
    return _photo(order_id, photo_id, thumb=True)


def _photo(order_id, photo_id, thumb):
    row = services.file_of(current_user, Photo, order_id, photo_id)
    stem, extension = row.name.rsplit(".", 1)
    plain = f"{row.work_order.number}-photo-{stem.rsplit('-', 1)[-1]}"  # the name's NN (<canonical name>-NN.<ext>)
    if thumb:
        return _send(row.thumb_path, stem + ".jpg", "image/jpeg", attachment=False, fallback=f"{plain}.jpg")
    return _send(row.path, row.name, MIME[row.kind], attachment=request.args.get("download") == "1",
                 fallback=f"{plain}.{extension}")


# ---- surveys and complaints ---------------------------------------------------------------------------

@bp.route("/<int:order_id>/surveys", methods=["POST"])
@roles(*MANAGERS)
def add_survey(order_id):
    order = services.get_visible(current_user, order_id)
    form = SurveyForm()
    if not form.validate_on_submit():
        return _detail(order, status=422, survey_form=form)
    try:
        feedback.add_survey(current_user, order, {"score": form.score.data, "method": form.method.data,
                                                  "comment": form.comment.data}, clock.now())
        db.session.commit()
    except REFUSALS as error:
        status = _refuse_into(form, error)
        return _detail(order, status=status, survey_form=form)
    flash(_("已保存回访"), "success")
    return redirect(url_for("workorders.detail", order_id=order.id) + "#surveys")


@bp.route("/<int:order_id>/surveys/<int:survey_id>/delete", methods=["POST"])
@roles(*MANAGERS)
def delete_survey(order_id, survey_id):
    survey = feedback.survey_of(current_user, survey_id)
    if survey.work_order_id != order_id:
        abort(404)
    back = url_for("workorders.detail", order_id=survey.work_order_id) + "#surveys"
    _removed(lambda: feedback.delete_survey(current_user, survey), _("已删除回访"))
    return redirect(back)


@bp.route("/complaints/<int:complaint_id>/delete", methods=["POST"])
@roles(*MANAGERS)
def delete_complaint(complaint_id):
    complaint = feedback.complaint_of(complaint_id)
    back = url_for("workorders.complaints", month=Month.of(complaint.day))
    _removed(lambda: feedback.delete_complaint(current_user, complaint), _("已删除投诉"))
    return redirect(back)


def _removed(remove, done):
    """Run a removal and commit, flashing what happened; a refusal (an approved month) is flashed instead."""
    try:
        remove()
        db.session.commit()
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "danger")
        return
    flash(done, "success")


@bp.route("/complaints")
@roles()
def complaints():
    month = request.args.get("month") or Month.of(clock.today())
    engineer = request.args.get("engineer") or None
    errors, status, rows, totals = {}, 200, [], []
    try:
        rows = feedback.complaints(current_user, month, engineer)
        totals = feedback.complaint_totals(current_user, month)
    except Invalid as error:  # a month that cannot be: said at its field as typed, nothing listed
        errors, status = filter_errors(error), 422
    engineers = db.session.scalars(visible_engineers(current_user)).all()
    return render_template("workorders/complaints.html", rows=rows, month=month, engineer=engineer,
                           engineers=engineers, totals=totals, errors=errors,
                           can_add=current_user.role in feedback.RECORDERS,
                           can_delete=lambda row: access.can_record_complaint(current_user, row.engineer)), status


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new_complaint():
    form = ComplaintForm()
    engineers = db.session.scalars(visible_engineers(current_user).where(User.active.is_(True))).all()
    form.engineer.choices = [_person_choice(u) for u in engineers]
    if request.method == "GET":
        form.date.data = clock.today()
        form.engineer.data = request.args.get("engineer")
        form.work_order.data = request.args.get("work_order")
    if form.validate_on_submit():
        try:
            complaint = feedback.add_complaint(current_user, _complaint_data(form), clock.now())
            db.session.commit()
        except REFUSALS as error:
            status = _refuse_into(form, error)
            return render_template("workorders/complaint_form.html", form=form), status
        flash(_("已保存投诉"), "success")
        return redirect(url_for("workorders.complaints", month=Month.of(complaint.day)))
    _the_rest_checked(form, _complaint_data, lambda sent: feedback.complaint_refusals(current_user, sent, clock.now()))
    return render_template("workorders/complaint_form.html", form=form), 422 if form.errors else 200


def _complaint_data(form):
    return {"engineer": form.engineer.data, "work_order": _text(form.work_order.data), "date": form.date.data,
            "upheld": {"yes": True, "no": False}.get(form.upheld.data),
            "resolution_satisfied": {"yes": True, "no": False}.get(form.resolution_satisfied.data),
            "note": form.note.data}
