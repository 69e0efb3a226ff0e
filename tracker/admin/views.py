"""Admin pages: users, customers, calendar."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
