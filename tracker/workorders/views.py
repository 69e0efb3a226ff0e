"""Work orders, scanned tickets, photos, surveys and complaints (web pages)."""

from flask import Blueprint

bp = Blueprint("workorders", __name__, url_prefix="/work-orders")
