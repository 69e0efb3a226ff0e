"""Trip and expense entry that survives a dead signal: a small progressive web app for engineers.

The page, its stylesheets and scripts are cached by a service worker (static/offline-sw.js, served here so that
its scope is this folder); entries are kept on the phone and sent through the API with a client_id when the
server answers again, so a repeat stores nothing (CONTRACT 10). Service workers need a secure origin (HTTPS, or
the machine itself): over plain HTTP on a LAN the page says offline entry is unavailable (README, docs/deployment.md).
"""

import mimetypes

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from tracker import clock, nav
from tracker.auth.access import public, roles
from tracker.customers import services as customer_services
from tracker.itinerary.forms import CATEGORY_LABELS
from tracker.scoring.month import Month

bp = Blueprint("offline", __name__, url_prefix="/itinerary/offline")

mimetypes.add_type("application/manifest+json", ".webmanifest")  # static/offline.webmanifest

nav.add("offline.page", _l("离线录入"), roles=("engineer",), order=12)


@bp.route("/")
@roles("engineer")
def page():
    """The offline entry page: a trip or an expense saved on the phone, sent when the server answers."""
    return render_template("itinerary/offline.html", categories=CATEGORY_LABELS,
                           customers=customer_services.names(),  # as the trip form suggests them, kept with the page
                           month_url=url_for("itinerary.month", username=current_user.username,
                                             month=Month.of(clock.today())))


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker script (a file in static/), served from this folder so that it may control it."""
    response = send_from_directory(current_app.static_folder, "offline-sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/session")
@roles("engineer")
def session_state():
    """Who is logged in and a fresh CSRF token for the API writes; never cached, so it also tells "online"."""
    response = jsonify(username=current_user.username, csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response
