"""Web login, logout and the language switch."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tracker import clock, validation
from tracker.auth import services, sessions
from tracker.auth.access import public, roles
from tracker.auth.forms import LoginForm, PasswordChangeForm
from tracker.auth.throttle import Throttled
from tracker.errors import Invalid
from tracker.extensions import db, login

bp = Blueprint("auth", __name__)


@login.user_loader
def load_user(session_token):
    """The user of a live server-side session; the cookies carry only that session's token (CONTRACT 11)."""
    return sessions.resolve(session_token, clock.now())


@login.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        if g.get("cross_site"):  # the session's cookie sent along by another site's page
            return jsonify(error={"code": "unauthorized", "message": _(
                "不接受其他网站页面以您的登录身份发出的修改：请在本系统的页面中操作")}), 401
        if g.get("csrf_refused"):  # a page's write: signed in, but without the page's X-CSRFToken
            return jsonify(error={"code": "unauthorized", "message": _(
                "页面的安全令牌（X-CSRFToken）缺失或无效：本次修改未保存，请刷新页面后重试")}), 401
        return jsonify(error={"code": "unauthorized", "message": _("需要有效的登录令牌")}), 401
    return redirect(url_for("auth.login_page", next=back_to()))


def back_to():
    """Where to go once signed in again: the page asked for; for a form posted after the session ended (a POST-only
    address: it answered 405 after the login), the page the form was on, when the browser says it is ours and that
    address is a page other than the login's (a refused form shown at its own POST-only address is not). The login
    for an ended session and for a form whose token went with it (tracker.stale_form) both ask here."""
    if request.method in ("GET", "HEAD"):
        return request.full_path
    page = urlsplit(request.referrer or "")
    if (page.netloc == request.host and page.path and page.path != url_for("auth.login_page")
            and _answers_get(page.path)):
        return page.path + (f"?{page.query}" if page.query else "")
    return None


def _answers_get(path):
    try:
        current_app.url_map.bind(request.host, script_name=request.script_root or None).match(path, method="GET")
    except RequestRedirect:  # a slash added: a page too
        return True
    except HTTPException:  # NotFound, MethodNotAllowed
        return False
    return True


def _safe_next(target):
    """Only same-site relative paths are followed (after login, after a language switch): never one a browser would
    read as another site's (//x, /\\x) nor one with a control character (a line break was a 500 in the redirect)."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or validation.text_problem(target) is not None or urlsplit(target).netloc):
        return url_for("itinerary.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login_page():
    if current_user.is_authenticated:
        return redirect(url_for("itinerary.home"))
    form = LoginForm()
    if form.validate_on_submit():
        now, address = clock.now(), request.remote_addr
        try:
            user = services.login(form.username.data, form.password.data, address, now)
        except Throttled as refused:
            db.session.rollback()
            page = render_template("auth/login.html", form=form, throttled=refused)
            return page, 429, {"Retry-After": str(refused.retry_after)}
        if user is None:
            db.session.commit()  # the failure counts towards the throttle and stays in the audit log
            form.password.errors.append(_("用户名或密码不正确"))
        else:
            lang = session.get("lang")
            session.clear()  # a new login never inherits the anonymous session (fixation)
            if lang:
                session["lang"] = lang
            services.open_session(user, form.remember.data, address, now)
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or not form.errors else 422


@bp.route("/logout", methods=["POST"])
@roles()
def logout():
    """Log out of this browser: its server-side session ends, so copies of its cookies stop working too."""
    services.close_session(current_user, current_user.session_token, clock.now())
    db.session.commit()
    _log_out_keeping_language()
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login_page"))


@bp.route("/logout/everywhere", methods=["POST"])
@roles()
def logout_everywhere():
    """Log out on every device: all web sessions and API tokens of the user end."""
    services.end_all_sessions(current_user, current_user, "log out everywhere")
    db.session.commit()
    _log_out_keeping_language()
    flash(_("已在所有设备上退出登录"), "info")
    return redirect(url_for("auth.login_page"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles()
def change_password():
    """Change one's own password; every session ends with it (CONTRACT 11), so the user signs in again with it."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data, form.new.data, request.remote_addr,
                                         clock.now())
        except Throttled as refused:
            db.session.rollback()
            page = render_template("auth/password.html", form=form, error=refused.message)
            return page, 429, {"Retry-After": str(refused.retry_after)}
        except Invalid as error:
            if "current" in (error.fields or {}):
                db.session.commit()  # a wrong current password counts towards the login throttle, and is audited
            else:
                db.session.rollback()
            alert = validation.put_errors(form, error)
            return render_template("auth/password.html", form=form, error=alert), 422
        db.session.commit()
        _log_out_keeping_language()
        flash(_("密码已修改，所有设备均已退出登录。请用新密码登录。"), "info")
        return redirect(url_for("auth.login_page"))
    return render_template("auth/password.html", form=form), 200 if request.method == "GET" else 422


def _log_out_keeping_language():
    """Log out; the login page that follows stays in the language the user read (English from their setting gave a
    Chinese login page)."""
    if session.get("lang") not in ("zh", "en") and current_user.locale in ("zh", "en"):
        session["lang"] = current_user.locale
    logout_user()


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code):
    if code in ("zh", "en"):
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next") or request.referrer and urlsplit(request.referrer).path
    return redirect(_without_lang(_safe_next(target)))


def _without_lang(target):
    """The page to go back to without its ?lang= (a page opened with ?lang=en went back to English at once)."""
    if not target or "lang=" not in target:
        return target
    parts = urlsplit(target)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"])
    return urlunsplit(("", "", parts.path, query, parts.fragment))


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the same icon as the pages link."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
