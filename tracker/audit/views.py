"""The audit page: who did what and when, before and after, for admins and the gm."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker import audit, nav
from tracker.audit import KINDS, services
from tracker.auth.access import roles
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.validation import filter_errors, page_arg

bp = Blueprint("audit", __name__, url_prefix="/audit")

nav.add("audit.index", _l("审计日志"), roles=("admin", "gm"), order=90)


@bp.route("/")
@roles("admin", "gm")
def index():
    errors, status = {}, 200
    try:
        filters = services.parse_filters(request.args)
        result = services.search(filters, page_arg(request.args.get("page")))
    except Invalid as refused:  # said at the fields, the filters kept as sent, nothing listed under them
        errors, status = filter_errors(refused), 422
        result = {"events": [], "total": 0, "page": 1, "pages": 1}

    def page_url(number):
        return url_for("audit.index", **{**request.args.to_dict(), "page": number})

    return render_template("audit/index.html", result=result, args=request.args, errors=errors,
                           kinds=[(k, services.KIND_LABELS[k]) for k in KINDS],
                           record_types=services.record_types(), kind_labels=services.KIND_LABELS,
                           record_labels=services.RECORD_LABELS, detail_labels=services.DETAIL_LABELS,
                           changes=services.changes, page_url=page_url), status


def log_refusal():
    """Record a refused access (403) in its own transaction; called by the app's error handlers."""
    try:
        audit.denied(current_user._get_current_object() if current_user.is_authenticated else None)
        db.session.commit()
    except Exception:  # the log must never turn a refusal into a server error
        db.session.rollback()
        current_app.logger.exception("could not record a refused access")
