"""Web login, logout and the language switch."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from urllib.parse import urlsplit

from tracker.auth import services
from tracker.auth.access import public, roles
from tracker.auth.forms import LoginForm
from tracker.auth.models import User
from tracker.extensions import db, login

bp = Blueprint("auth", __name__)


@login.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
    return user if user is not None and user.active else None


@login.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error={"code": "unauthorized", "message": "a valid bearer token is required"}), 401
    return redirect(url_for("auth.login_page", next=request.full_path))


def _safe_next(target):
    """Only same-site relative paths are followed after login."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("itinerary.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login_page():
    if current_user.is_authenticated:
        return redirect(url_for("itinerary.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            form.password.errors.append(_("用户名或密码不正确"))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or not form.errors else 422


@bp.route("/logout", methods=["POST"])
@roles()
def logout():
    logout_user()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login_page"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code):
    if code in ("zh", "en"):
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))
