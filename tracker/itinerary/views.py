"""The engineer's month page, attendance grid and workbook download."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from tracker.auth.access import roles

bp = Blueprint("itinerary", __name__)


@bp.route("/")
@roles()
def home():
    return "home " + current_user.username
