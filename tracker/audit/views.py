"""The audit page: who did what and when, before and after, for admins and the gm."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import audit, nav
from tracker.audit import KINDS, services
from tracker.auth.access import roles
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.validation import page_arg

bp = Blueprint("audit", __name__, url_prefix="/audit")

nav.add("audit.index", _l("审计日志"), roles=("admin", "gm"), order=90)


@bp.route("/")
@roles("admin", "gm")
def index():
    status, error, fields = 200, None, {}
    try:
        filters = services.parse_filters(request.args)
    except Invalid as refused:
        status, error, fields = 422, refused.message, refused.fields
        filters = {"person": "", "record": "", "kind": "", "start": None, "end": None}
    try:
        page = page_arg(request.args.get("page"))
    except Invalid as refused:
        status, error, fields, page = 422, refused.message, {**fields, **refused.fields}, 1
    result = services.search(filters, page)

    def page_url(number):
        return url_for("audit.index", **{**request.args.to_dict(), "page": number})

    return render_template("audit/index.html", result=result, filters=filters, args=request.args, error=error,
                           fields=fields, kinds=[(k, services.KIND_LABELS[k]) for k in KINDS],
                           record_types=services.record_types(), kind_labels=services.KIND_LABELS,
                           record_labels=services.RECORD_LABELS, detail_labels=services.DETAIL_LABELS,
                           changes=services.changes,
                           page_url=page_url), status


def log_refusal():
    """Record a refused access (403) in its own transaction; called by the app's error handlers."""
    try:
        audit.denied(current_user._get_current_object() if current_user.is_authenticated else None)
        db.session.commit()
    except Exception:  # the log must never turn a refusal into a server error
        db.session.rollback()
        current_app.logger.exception("could not record a refused access")
