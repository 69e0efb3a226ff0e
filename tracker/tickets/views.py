"""The printed service ticket (服务单) of a work order: an A5 or A4 print page and the same page as PDF."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from tracker.auth.access import roles
from tracker.downloads import disposition
from tracker.security import Response
from tracker.sheets.pdf import render_pdf
from tracker.tickets import qr
from tracker.workorders import services

bp = Blueprint("tickets", __name__, url_prefix="/work-orders")

SIZES = ("a5", "a4")
SATISFACTION = (_l("非常满意"), _l("满意"), _l("一般"), _l("不满意"), _l("非常不满意"))


def _size():
    size = (request.args.get("size") or "a5").lower()
    return size if size in SIZES else "a5"


@bp.route("/<int:order_id>/ticket")
@bp.route("/<int:order_id>/ticket.pdf", endpoint="ticket_pdf", defaults={"as_pdf": True})
@roles()
def ticket(order_id, as_pdf=False):
    """The service ticket with the order's number, customer, equipment, times to fill in, boxes and QR code."""
    order = services.get_visible(current_user, order_id)
    size = _size()
    code = Markup(qr.svg(order.number, current_app.config["SECRET_KEY"], order.id))  # segno's own markup, no user text
    html = render_template("tickets/ticket.html", order=order, size=size, qr=code, pdf=as_pdf,
                           satisfaction=SATISFACTION,
                           pdf_url=url_for("tickets.ticket_pdf", order_id=order.id, size=size),
                           other_size_url=url_for("tickets.ticket", order_id=order.id,
                                                  size="a4" if size == "a5" else "a5"),
                           back_url=url_for("workorders.detail", order_id=order.id))
    if not as_pdf:
        return html
    response = Response(render_pdf(html, request.url_root), mimetype="application/pdf")
    filename = f"{order.number}服务单.pdf"
    response.headers["Content-Disposition"] = disposition(filename, f"{order.number}-ticket.pdf", attachment=False)
    return response
