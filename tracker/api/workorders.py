"""Work orders, scans, photos, surveys, complaints and notifications (CONTRACT 5, 6 and 10)."""

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock, naming
from tracker.api import core
from tracker.api.core import bp
from tracker.api.people import text
from tracker.auth.access import roles
from tracker.errors import Invalid, Unsupported
from tracker.notifications import services as notifications
from tracker.workorders import feedback, network, services, uploads
from tracker.workorders.models import REWORK, STATUSES, SURVEY_METHODS, Photo
from tracker.validation import page_arg

NUMBER = core.ruled(services.NUMBER_RE.pattern, services.NUMBER_RULE, description="letters, digits, - and _")
NULLABLE_NUMBER = {"type": ["string", "null"], "maxLength": 32, "pattern": r"^[^\x00]*$"}
NULLABLE_USERNAME = {"type": ["string", "null"], "pattern": core.USERNAME["pattern"]}
NULLABLE_TEXT = {"type": ["string", "null"]}
PART = {"type": "string", "maxLength": naming.PART_MAX_SENT, core.SHOWN_MAX: naming.PART_MAX,
        "description": "becomes part of file names: at most 40 characters after NFC normalisation; no \\ / : * ? \" < > |, "
                       "no leading or trailing dot or space"}

FIELDS = {
    "number": NUMBER, "customer": {**PART, "minLength": 1}, "equipment": {**PART, "type": ["string", "null"]},
    "service_type": {**PART, "minLength": 1}, "description": text(services.DESCRIPTION_MAX),
    "reported_at": core.DATETIME, "deadline_at": core.NULLABLE_DATETIME, "engineer": NULLABLE_USERNAME,
    "submitter": NULLABLE_USERNAME, "responded_at": core.NULLABLE_DATETIME, "arrived_at": core.NULLABLE_DATETIME,
    "completed_at": core.NULLABLE_DATETIME, "status": {"type": "string", "enum": list(STATUSES)},
    "rework": {"type": "string", "enum": list(REWORK)},
    "rework_of": {**NULLABLE_NUMBER, "description": "the number of an order the caller may see (422 otherwise, as for "
                                                    "an unknown number)"},
}
NEW_WORK_ORDER = core.obj(FIELDS, ["customer", "service_type", "reported_at"])
WORK_ORDER_CHANGES = {**core.obj(FIELDS), "minProperties": 1}

STORED_FILE = core.obj({"name": {"type": "string"}, "size": {"type": "integer"},
                        "path": {"type": "string", "description": "relative to the instance folder"}},
                       ["name", "size", "path"])
SCAN = core.obj({**STORED_FILE["properties"], "version": {"type": "integer"}, "uploaded_at": core.DATETIME},
                ["name", "size", "path", "version", "uploaded_at"])
ORDER_PROPERTIES = {
    "id": {"type": "integer"}, "number": {"type": "string"}, "customer": {"type": "string"},
    "equipment": {"type": "string"}, "service_type": {"type": "string"}, "description": NULLABLE_TEXT,
    "reported_at": core.DATETIME, "deadline_at": core.NULLABLE_DATETIME, "engineer": NULLABLE_TEXT,
    "submitter": NULLABLE_TEXT, "responded_at": core.NULLABLE_DATETIME, "arrived_at": core.NULLABLE_DATETIME,
    "completed_at": core.NULLABLE_DATETIME, "status": {"type": "string", "enum": list(STATUSES)},
    "rework": {"type": "string", "enum": list(REWORK)}, "rework_of": NULLABLE_TEXT,
    "canonical_name": {"type": "string", "description": "YYYYMMDD of the service date + customer + equipment + "
                                                        "service type"},
    "service_date": core.DATE,
}
ORDER_SUMMARY = core.obj(ORDER_PROPERTIES, list(ORDER_PROPERTIES))
SURVEY = core.obj({"id": {"type": "integer"}, "work_order": {"type": "string"}, "score": {"type": "integer"},
                   "method": {"type": "string"}, "comment": NULLABLE_TEXT, "recorded_at": core.DATETIME},
                  ["id", "work_order", "score", "method", "comment", "recorded_at"])
WORK_ORDER = core.obj({
    **ORDER_PROPERTIES, "scan": {"anyOf": [SCAN, {"type": "null"}]},
    "photos": {"type": "array", "items": core.obj(
        {"id": {"type": "integer", "description": "DELETE /work-orders/{id}/photos/{photo_id} removes it"},
         **STORED_FILE["properties"]}, ["id", "name", "size", "path"])},
    "rework_suggestions": {"type": "array", "items": {"type": "string"},
                           "description": "numbers of completed orders in the caller's scope this repair may be a "
                                          "rework of"},
    "surveys": {"type": "array", "items": SURVEY, "description": "its customer surveys, oldest first"},
}, [*ORDER_PROPERTIES, "scan", "photos", "rework_suggestions", "surveys"])
CURSOR = {"type": ["string", "null"], "description": "pass as after (next) or before (previous); null: no such page"}
WORK_ORDER_LIST = core.obj({"total": {"type": ["integer", "null"], "description": "only with count=1"},
                            "page": {"type": ["integer", "null"],
                                     "description": "the numbered page shown; null for a page reached by a cursor"},
                            "next": CURSOR, "previous": CURSOR,
                            "work_orders": {"type": "array", "items": ORDER_SUMMARY}},
                           ["total", "page", "next", "previous", "work_orders"])
LIST_QUERY = [{"name": name, "schema": {"type": "string"}} for name in ("month", "customer")] + [
    {"name": "status", "schema": {"type": "string", "enum": list(STATUSES)}},
    {"name": "engineer", "schema": {"type": "string"}, "description": "a username, or a display name"},
    {"name": "no_scan", "schema": {"type": "string", "enum": ["0", "1"]}},
    {"name": "after", "schema": {"type": "string"}, "description": "the next cursor of the previous answer"},
    {"name": "before", "schema": {"type": "string"}, "description": "the previous cursor of the previous answer"},
    {"name": "page", "schema": {"type": "integer", "minimum": 1, "maximum": services.PAGE_MAX},
     "description": "a numbered page (its first order found on the index, then read by keyset)"},
    {"name": "count", "schema": {"type": "string", "enum": ["0", "1"]}, "description": "1: answer the total"}]
PHOTOS = core.obj({"photos": {"type": "array", "items": STORED_FILE}}, ["photos"])

SURVEY_FIELDS = {"score": {"type": "integer", "minimum": 1, "maximum": 5},
                 "method": {"type": "string", "enum": list(SURVEY_METHODS), "default": "phone",
                            "description": "how the customer was asked (回访方式); phone when not given"},
                 "comment": text(feedback.NOTE_MAX)}
COMPLAINT_FIELDS = {"engineer": core.USERNAME, "work_order": NULLABLE_NUMBER, "date": core.DATE,
                    "upheld": {"type": "boolean"}, "resolution_satisfied": {"type": ["boolean", "null"]},
                    "note": text(feedback.NOTE_MAX)}
COMPLAINT = core.obj({"id": {"type": "integer"}, "engineer": {"type": "string"}, "work_order": NULLABLE_TEXT,
                      "date": core.DATE, "upheld": {"type": "boolean"},
                      "resolution_satisfied": {"type": ["boolean", "null"]}, "note": NULLABLE_TEXT},
                     ["id", "engineer", "work_order", "date", "upheld", "resolution_satisfied", "note"])
COMPLAINT_LIST = core.obj({"month": {"type": "string"}, "complaints": {"type": "array", "items": COMPLAINT}},
                          ["month", "complaints"])
NOTIFICATION = core.obj({"id": {"type": "integer"}, "kind": {"type": "string"}, "message": {"type": "string"},
                         "work_order": NULLABLE_TEXT, "work_order_id": {"type": ["integer", "null"]},
                         "created_at": core.DATETIME, "read": {"type": "boolean"}},
                        ["id", "kind", "message", "work_order", "work_order_id", "created_at", "read"])
NOTIFICATION_LIST = core.obj({"unread": {"type": "integer"}, "page": {"type": "integer"}, "more": {
    "type": "boolean", "description": "an older page follows (ask for page + 1)"},
                              "notifications": {"type": "array", "items": NOTIFICATION}},
                             ["unread", "page", "more", "notifications"])
MARK_READ = core.obj({"ids": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": services.INT_MAX},
                              "maxItems": 1000,
                              "description": "omit to mark all read"}})
SCAN_UPLOAD = {"type": "object", "required": ["file"], "properties": {"file": {
    "type": "string", "format": "binary",
    "description": "PDF, JPEG or PNG of 1 to 204,800 bytes named <canonical name>.<ext>"}}}
PHOTO_UPLOAD = {"type": "object", "required": ["files"], "properties": {"files": {
    "type": "array", "items": {"type": "string", "format": "binary"},
    "description": "JPEG, PNG or WebP photos, each at most 10 MiB and 40 megapixels"}}}

DATETIMES = ("reported_at", "deadline_at", "responded_at", "arrived_at", "completed_at")


def _actor():
    return current_user._get_current_object()


def _parsed(data):
    """Body values as the services take them: local datetimes; equipment null means none."""
    data = dict(data)
    for name in DATETIMES:
        if name in data:
            data[name] = core.parse_datetime(data[name], name)
    if "equipment" in data and data["equipment"] is None:
        data["equipment"] = ""
    return data


def _multipart_files(field):
    if not request.mimetype or request.mimetype != "multipart/form-data":
        raise Unsupported(_("请求须为 multipart/form-data"))
    chosen = [f for f in request.files.getlist(field) if f is not None and f.filename]
    if not chosen:
        raise core.MalformedBody(_("缺少文件字段 %(field)s", field=field), {field: _("必填")})
    return chosen


# ---- work orders ----------------------------------------------------------------------------------

@bp.route("/work-orders", methods=["POST"])
@roles("backoffice", "manager", "admin")
@core.answers(201, WORK_ORDER)
@core.body(NEW_WORK_ORDER)
def create_work_order(data):
    """Create a work order (number generated when not given)."""
    order = services.create_order(_actor(), _parsed(data), clock.now())
    core.commit()
    return core.reply(order_dict(order, _actor()), 201)


@bp.route("/work-orders/<int:order_id>", methods=["PATCH"])
@roles("backoffice", "manager", "engineer")
@core.answers(200, WORK_ORDER)
@core.body(WORK_ORDER_CHANGES)
def update_work_order(order_id, data):
    """Change a work order; the assigned engineer may change only responded_at, arrived_at, completed_at, and may not
    clear one already recorded (403: back office or a manager does), nor log one on a cancelled order (409)."""
    order = services.get_visible(_actor(), order_id)
    services.update_order(_actor(), order, _parsed(data), clock.now())
    core.commit()
    return core.reply(order_dict(order, _actor()))


@bp.route("/work-orders/<int:order_id>")
@roles()
@core.answers(200, WORK_ORDER)
def get_work_order(order_id):
    """A work order with its canonical name, current scan and photos."""
    return core.reply(order_dict(services.get_visible(_actor(), order_id), _actor()))


@bp.route("/work-orders")
@roles()
@core.answers(200, WORK_ORDER_LIST)
@core.query(LIST_QUERY)
def list_work_orders():
    """Work orders in the caller's scope, newest first; filters: month, customer, engineer, status, no_scan=1;
    pages by cursor (after/before: the answer's next/previous) or page; count=1 adds the total."""
    page = page_arg(request.args.get("page"), maximum=services.PAGE_MAX)
    filters = {name: request.args.get(name) or None for name in ("month", "customer", "engineer", "status")}
    filters["no_scan"] = request.args.get("no_scan") in ("1", "true")
    result = services.order_page(_actor(), filters, after=request.args.get("after") or None,
                                 before=request.args.get("before") or None, page=page)
    total = services.count_orders(_actor(), filters) if request.args.get("count") in ("1", "true") else None
    by_cursor = request.args.get("after") or request.args.get("before")
    return core.reply({"total": total, "page": None if by_cursor else page, "next": result.next,
                       "previous": result.previous,
                       "work_orders": [order_dict(o, _actor(), with_files=False) for o in result.orders]})


# ---- scan and photos ----------------------------------------------------------------------------

@bp.route("/work-orders/<int:order_id>/scan", methods=["POST"])
@roles("backoffice", "manager")
@network.lan_only
@core.answers(201, STORED_FILE)
@core.uploads(SCAN_UPLOAD)
def upload_scan(order_id):
    """Archive the scanned ticket (multipart field `file`, named after the work order's canonical name)."""
    order = services.get_visible(_actor(), order_id)
    upload, *more = _multipart_files("file")
    if more:  # one scanned ticket per work order: a second part was dropped without a word
        raise Invalid.field("file", _("一次只能上传一个扫描件（收到 %(n)s 个文件）", n=1 + len(more)))
    scan = uploads.store_scan(_actor(), order, upload.filename, upload.stream, clock.now())
    core.commit()
    return core.reply(file_dict(scan), 201)


@bp.route("/work-orders/<int:order_id>/photos", methods=["POST"])
@roles("backoffice", "manager", "engineer")
@network.lan_only
@core.answers(201, PHOTOS)
@core.uploads(PHOTO_UPLOAD)
def upload_photos(order_id):
    """Store site photos (multipart field `files`, one or more); they are renamed after the work order."""
    order = services.get_visible(_actor(), order_id)
    chosen = _multipart_files("files")
    rows = uploads.store_photos(_actor(), order, [(f.filename, f.stream) for f in chosen], clock.now())
    core.commit()
    return core.reply({"photos": [file_dict(row) for row in rows]}, 201)


@bp.route("/work-orders/<int:order_id>/photos/<int:photo_id>", methods=["DELETE"])
@roles("backoffice", "manager", "engineer")
@core.answers(204)
def remove_photo(order_id, photo_id):
    """Remove a site photo uploaded by mistake: back-office, a manager above the order's engineer, or whoever
    uploaded it (the assigned engineer). Its file is kept aside under .deleted/ and never served again."""
    uploads.remove_photo(_actor(), services.file_of(_actor(), Photo, order_id, photo_id))
    core.commit()
    return "", 204


# ---- feedback ------------------------------------------------------------------------------------

@bp.route("/work-orders/<int:order_id>/surveys", methods=["POST"])
@roles("backoffice", "manager")
@core.answers(201, SURVEY)
@core.body(core.obj(SURVEY_FIELDS, ["score"]))
def add_survey(order_id, data):
    """Record a customer survey (score 1-5) of a completed work order."""
    order = services.get_visible(_actor(), order_id)
    survey = feedback.add_survey(_actor(), order, data, clock.now())
    core.commit()
    return core.reply(survey_dict(survey), 201)


@bp.route("/surveys/<int:survey_id>", methods=["DELETE"])
@roles("backoffice", "manager")
@core.answers(204)
def delete_survey(survey_id):
    """Remove a survey recorded by mistake (who may record it; 409 once the score it counts in is approved)."""
    feedback.delete_survey(_actor(), feedback.survey_of(_actor(), survey_id))
    core.commit()
    return "", 204


@bp.route("/complaints", methods=["POST"])
@roles("backoffice", "manager")
@core.answers(201, COMPLAINT)
@core.body(core.obj(COMPLAINT_FIELDS, ["engineer", "date", "upheld"]))
def add_complaint(data):
    """Record a customer complaint against an engineer."""
    data = {**data, "date": core.parse_date(data["date"])}
    complaint = feedback.add_complaint(_actor(), data, clock.now())
    core.commit()
    return core.reply(feedback.complaint_dict(complaint), 201)


@bp.route("/complaints")
@roles()
@core.answers(200, COMPLAINT_LIST)
@core.query([{"name": "month", "schema": core.MONTH,
              "description": "YYYY-MM (default: the current month)"},
             {"name": "engineer", "schema": {"type": "string"}, "description": "a username: that engineer's only"}])
def list_complaints():
    """Complaints of a month (`month`, default the current one), optionally of one `engineer`."""
    month = request.args.get("month") or clock.today().strftime("%Y-%m")
    rows = feedback.complaints(_actor(), month, request.args.get("engineer") or None)
    return core.reply({"month": month, "complaints": [feedback.complaint_dict(row) for row in rows]})


@bp.route("/complaints/<int:complaint_id>", methods=["DELETE"])
@roles("backoffice", "manager")
@core.answers(204)
def delete_complaint(complaint_id):
    """Remove a complaint recorded by mistake (back-office, a manager above its engineer; 409 once that engineer's
    score of its month is approved)."""
    feedback.delete_complaint(_actor(), feedback.complaint_of(complaint_id))
    core.commit()
    return "", 204


# ---- notifications ---------------------------------------------------------------------------------

@bp.route("/notifications")
@roles()
@core.answers(200, NOTIFICATION_LIST)
@core.query([{"name": "unread", "schema": {"type": "string", "enum": ["0", "1", "true", "false"]},
              "description": "1 or true: unread only"},
             {"name": "page", "schema": {"type": "integer", "minimum": 1, "maximum": notifications.PAGE_MAX},
              "description": "from 1 (50 a page)"}])
def list_notifications():
    """The caller's notifications, newest first, 50 a page (`unread=1`: unread only; `page`: from 1, `more` says an
    older page follows) and the unread count."""
    page = page_arg(request.args.get("page"), maximum=notifications.PAGE_MAX)
    rows, more = notifications.for_user(_actor(), unread_only=request.args.get("unread") in ("1", "true"), page=page)
    return core.reply({"unread": notifications.unread_count(_actor()), "page": page, "more": more,
                       "notifications": [notifications.as_dict(row) for row in rows]})


@bp.route("/notifications/read", methods=["POST"])
@roles()
@core.answers(200, core.obj({"unread": {"type": "integer"}}, ["unread"]))
@core.body(MARK_READ)
def read_notifications(data):
    """Mark the caller's notifications read (those in `ids`, or all)."""
    notifications.mark_read(_actor(), clock.now(), data.get("ids"))
    core.commit()
    return core.reply({"unread": notifications.unread_count(_actor())})


# ---- answers -----------------------------------------------------------------------------------------

def order_dict(order, viewer, scan=None, with_files=True):
    """The API shape of a work order (people by username, related orders by number) as `viewer` is answered."""
    body = {
        "id": order.id, "number": order.number, "customer": order.customer.name, "equipment": order.equipment or "",
        "service_type": order.service_type, "description": order.description,
        "reported_at": order.reported_at, "deadline_at": order.deadline_at,
        "engineer": order.engineer.username if order.engineer else None,
        "submitter": order.submitter.username if order.submitter else None,
        "responded_at": order.responded_at, "arrived_at": order.arrived_at, "completed_at": order.completed_at,
        "status": order.status, "rework": order.rework,
        "rework_of": order.rework_of.number if order.rework_of else None,
        "canonical_name": order.canonical_name, "service_date": order.service_date,
    }
    if with_files:
        scan = scan or services.current_scan(order)
        body["scan"] = file_dict(scan, version=True) if scan else None
        body["photos"] = [{"id": photo.id, **file_dict(photo)} for photo in order.photos]  # the id: to remove one
        body["rework_suggestions"] = [o.number for o in services.rework_candidates(order, viewer)]
        body["surveys"] = [survey_dict(survey) for survey in order.surveys]
    return body


def survey_dict(survey):
    return {"id": survey.id, "work_order": survey.work_order.number, "score": survey.score, "method": survey.method,
            "comment": survey.comment, "recorded_at": survey.recorded_at}


def file_dict(row, version=False):
    body = {"name": row.name, "size": row.size, "path": row.path}
    if version:
        body.update(version=row.version, uploaded_at=row.uploaded_at)
    return body
