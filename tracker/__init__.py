"""Tracker: field work, work orders and KPI scores for after-sales service departments."""

import contextlib
import ipaddress
import os

from flask import (Flask, current_app, flash, g, has_request_context, jsonify, redirect, render_template, request,
                   session, url_for)
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_bootstrap import Bootstrap5
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import clock, config, language, nav, security, validation
from tracker.audit.views import log_refusal
from tracker.errors import Busy, Conflict, DomainError, Invalid
from tracker.extensions import babel, compress, csrf, db, login, migrate
from tracker.values import MONTH_MESSAGE, YEAR_MESSAGE, BadMonth, BadYear, MonthConverter, YearConverter, askable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The API's answer where Werkzeug would send its stock English sentence (a role refused, no such path, ...).
STOCK_MESSAGES = {
    400: _l("请求格式不正确"), 401: _l("需要有效的登录令牌"), 403: _l("您没有权限执行此操作"),
    404: _l("没有找到请求的资源"), 405: _l("该地址不支持此请求方法"), 409: _l("与当前状态冲突"),
    413: _l("请求体过大"), 415: _l("不支持的内容类型"),
}
bootstrap = Bootstrap5()


def _request_too_large():
    """A request past its size limit: for files sent in a form (several photos at once, say), the limits that
    apply to them; else the plain sentence (a JSON body past 1 MiB)."""
    if request.mimetype != "multipart/form-data":
        return str(STOCK_MESSAGES[413])
    config = current_app.config
    if request.content_length is not None and request.content_length <= config["MAX_CONTENT_LENGTH"]:
        # within the request's limit: the form parser refused a text field (a part without a file name) past
        # MAX_FORM_MEMORY_SIZE, or more parts than MAX_FORM_PARTS
        return _("表单的文字字段合计不能超过 %(size)s KB，字段不能超过 %(parts)s 个（文件须作为文件上传）",
                 size=int(config["MAX_FORM_MEMORY_SIZE"]) // 1024, parts=config["MAX_FORM_PARTS"])
    return _("一次上传的文件合计不能超过 %(total)s MB（每张照片最多 %(photo)s MB，扫描件最多 %(scan)s KB），"
             "请分几次上传", total=_mb(config["MAX_CONTENT_LENGTH"]), photo=_mb(config["PHOTO_MAX_BYTES"]),
             scan=f"{int(config['SCAN_MAX_BYTES']) / 1024:g}")


def _mb(size):
    return f"{int(size) / (1024 * 1024):g}"


class Utf8JSONProvider(DefaultJSONProvider):
    """JSON with Chinese as UTF-8 rather than \\u escapes (escapes only where text cannot be UTF-8 encoded)."""

    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        text = super().dumps(obj, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, e.g. in a test client's request body
            text = super().dumps(obj, **{**kwargs, "ensure_ascii": True})
        return text


def select_locale():
    """The language chosen in the session (or by ?lang=), else, for an API client, the one its Accept-Language
    prefers of the two, else the user's setting, else the default (Chinese). Pages, and the API calls they make with
    their session, ignore Accept-Language: they are Chinese until someone chooses English."""
    if not has_request_context():  # CLI, scheduler and service tests: messages in the default language
        return "zh"
    api = request.path.startswith("/api/")
    asked = request.args.get("lang")
    if api and asked in ("zh", "en"):  # this call only: an API call's ?lang is not kept in the session
        return asked
    chosen = session.get("lang")
    if chosen in ("zh", "en"):
        return chosen
    page_call = "Authorization" not in request.headers and "_user_id" in session
    if api and not page_call:
        preferred = request.accept_languages.best_match(["zh", "en"])
        if preferred is not None:
            return preferred
    if current_user and current_user.is_authenticated and current_user.locale in ("zh", "en"):
        return current_user.locale
    return "zh"


def _addresses_only(wsgi_app):
    """Believe a forwarded client address only when it is an IP address: X-Forwarded-For is text a client may write
    (past a proxy that appends to it, or with more proxies trusted than stand in front), and 100 characters of it
    failed every login with a 500 on PostgreSQL (the columns that keep an address hold 45). Otherwise the peer's
    address stands, as without the header."""
    def checked(environ, start_response):
        address = environ.get("REMOTE_ADDR") or ""
        try:
            ipaddress.ip_address(address)
            believed = len(address) <= 45
        except ValueError:
            believed = False
        if not believed:
            environ["REMOTE_ADDR"] = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
        return wsgi_app(environ, start_response)
    return checked


def _raw_bytes_read_once(wsgi_app):
    """The development server (`make run`) decodes a request line's raw bytes twice: a client that sends Chinese in
    a URL unencoded (curl "…?customer=旗滨"; a browser percent-encodes it) had it read as mojibake, refused as a
    control character. Its own record of the line (REQUEST_URI) shows where raw bytes were sent: that part, the path
    or the query, is read once when the bytes are UTF-8 (gunicorn refuses such a line with 400 Bad Request). The
    server itself cuts a line at the bytes 0x85 and 0xA0 (it takes them for spaces): a character holding one, 光
    say, is answered by it with 400 before this app sees the request; percent-encoded, as browsers send it, it is
    read as any other."""
    def read_once(environ, start_response):
        if environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug/"):
            path, _mark, query = environ.get("REQUEST_URI", "").partition("?")
            for key in [key for key, sent in (("PATH_INFO", path), ("QUERY_STRING", query)) if not sent.isascii()]:
                try:
                    once = environ[key].encode("latin-1").decode("utf-8")
                    once.encode("latin-1").decode("utf-8")  # the bytes sent are UTF-8 (else left as they were)
                except (KeyError, UnicodeError):
                    continue
                environ[key] = once
        return wsgi_app(environ, start_response)
    return read_once


PLAIN_500 = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>服务器出错了</title>"
             "<h1>服务器出错了 · Server error</h1><p><a href=\"/\">返回 · Back</a></p></html>")


def create_app(test_config=None):
    """Build the application: settings, extensions, blueprints and commands; no other side effects."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("TRACKER_INSTANCE_PATH")
    app = Flask(__name__, instance_path=os.path.abspath(instance_path) if instance_path else os.path.join(ROOT, "instance"),
                instance_relative_config=True, template_folder=os.path.join(ROOT, "templates"),
                static_folder=os.path.join(ROOT, "static"))
    config.load(app, test_config)
    app.json = Utf8JSONProvider(app)
    app.url_map.converters["month"] = MonthConverter
    app.url_map.converters["year"] = YearConverter
    app.add_template_test(askable, "askable")
    app.config["BOOTSTRAP_SERVE_LOCAL"] = True
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = os.path.join(ROOT, "tracker", "translations")
    app.wsgi_app = _raw_bytes_read_once(app.wsgi_app)
    if app.config["TRUSTED_PROXIES"]:
        # the client's address and scheme as the proxies vouch for them; not X-Forwarded-Host, which a proxy passes
        # on from the client unless told otherwise (a link in a notification mail pointed at the host a client named)
        app.wsgi_app = ProxyFix(_addresses_only(app.wsgi_app), x_for=app.config["TRUSTED_PROXIES"], x_proto=1,
                                x_host=0)

    db.init_app(app)
    clock.init_app(app)  # first: every request's unit of work knows its time before anything else runs
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    login.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    _compile_catalogues(app)
    bootstrap.init_app(app)
    _compression(app)
    security.init_app(app)
    validation.init_app(app)

    from tracker import models  # noqa: F401  (register every table with the metadata)
    from tracker.scores import live  # noqa: F401  (draft scores recomputed before each commit)
    from tracker.admin.jobs_views import bp as jobs_bp
    from tracker.admin.views import bp as admin_bp
    from tracker.audit.views import bp as audit_bp
    from tracker.api import bp as api_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.charts.views import bp as charts_bp
    from tracker.cli import register as register_cli
    from tracker.editor.views import bp as editor_bp
    from tracker.itinerary.attendance_views import bp as attendance_bp
    from tracker.imports.views import bp as imports_bp
    from tracker.itinerary.offline import bp as offline_bp
    from tracker.itinerary.views import bp as itinerary_bp
    from tracker.notifications.views import bp as notifications_bp
    from tracker.quality.views import bp as quality_bp
    from tracker.reviews import entry_views, template_views  # noqa: F401  (their routes join the reviews blueprint)
    from tracker.reviews.views import bp as reviews_bp
    from tracker.scores.queue_views import bp as queue_bp
    from tracker.scores.views import bp as scores_bp
    from tracker.sheets.views import bp as sheets_bp
    from tracker.tickets.views import bp as tickets_bp
    from tracker.workorders.views import bp as workorders_bp

    for blueprint in (auth_bp, itinerary_bp, attendance_bp, admin_bp, workorders_bp, notifications_bp, reviews_bp,
                      scores_bp, queue_bp, jobs_bp, sheets_bp, charts_bp, quality_bp, editor_bp, tickets_bp, imports_bp,
                      audit_bp, api_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(offline_bp)
    csrf.exempt(api_bp)
    register_cli(app)
    _register_errors(app)

    @app.context_processor
    def inject():
        return {"current_locale": str(get_locale()), "nav_menu": nav.menu_for, "nav_settings_label": nav.SETTINGS_LABEL,
                "month_title": language.month_title, "month_of_year": language.month_of_year,
                "month_day": language.month_day}

    from tracker.scores import held
    app.after_request(held.tell)

    @app.before_request
    def remember_language():
        lang = request.args.get("lang")
        if lang in ("zh", "en") and not request.path.startswith("/api/"):  # a page's choice is kept, a call's not
            session["lang"] = lang
        g.lang = lang

    return app


def _compression(app):
    """Text answers (pages, CSS, JS, JSON, SVG) compressed for clients that accept it, static files included."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "deflate"])
    # Static files are streamed: gzip too for them (Flask-Compress leaves it out of streams by default).
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_STREAMING_ENDPOINT_CONDITIONAL", ["static", "bootstrap.static"])
    compress.init_app(app)


TRANSLATIONS = os.path.join(ROOT, "tracker", "translations")


def _compile_catalogues(app, folder=TRANSLATIONS):
    """Compile each translation catalogue (.po) whose .mo is missing or older: the .mo files are built, not kept in
    git, and a server started from a checkout without `make` (gunicorn, `flask run`) showed every page in Chinese
    with English chosen, without a word. Written atomically (workers start together); a read-only tree is logged."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for code in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        source = os.path.join(folder, code, "LC_MESSAGES", "messages.po")
        compiled = os.path.splitext(source)[0] + ".mo"
        if not os.path.exists(source) or (os.path.exists(compiled)
                                          and os.path.getmtime(compiled) >= os.path.getmtime(source)):
            continue
        partial = f"{compiled}.{os.getpid()}.tmp"
        try:
            with open(source, "rb") as po, open(partial, "wb") as mo:
                write_mo(mo, read_po(po, locale=code))
            os.replace(partial, compiled)
        except OSError as error:
            app.logger.warning("the %s translations are not compiled (%s): run `make translations`", code, error)
            with contextlib.suppress(OSError):
                os.remove(partial)


def _page_above(path):
    """The nearest page above an action's address (/scores/2026-11/zhangsan for …/early-confirmation), or None.

    A form refused shows its errors at the address it was sent to, which takes POST only: switching the language
    there, or opening it again, answered 405 "请求有误" instead of the page the form belongs to."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    path = path.rstrip("/")
    while path.count("/") > 1:
        path = path.rsplit("/", 1)[0]
        try:
            adapter.match(path, method="GET")
            return path
        except RequestRedirect as moved:
            return moved.new_url
        except HTTPException:
            continue
    return None


def _wants_json():
    return request.path.startswith("/api/")


def _api_caller():
    """Before an API error is said: the bearer token's user, when routing failed before the API's own before_request
    read it (no such path, a method not allowed, a malformed month in the path), so that the message is in that
    user's language as every other error of theirs."""
    if _wants_json() and "_login_user" not in g and request.headers.get("Authorization"):
        from tracker.api.core import authenticate_request

        authenticate_request()


def _register_errors(app):
    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        if error.status == 403:
            log_refusal()
        headers = {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else {}
        if _wants_json():
            return jsonify(error=error.to_dict()), error.status, headers
        return render_template("error.html", status=error.status, message=error.message), error.status, headers

    @app.errorhandler(OperationalError)
    def database_busy(error):
        # SQLite lets one writer in at a time; a long import or month compute can make others wait past the
        # busy timeout. Say so and when to try again, rather than answer 500.
        if getattr(error.orig, "sqlstate", None) in ("40P01", "40001"):
            # PostgreSQL chose this transaction to end a deadlock (or a serialisation failure): nothing of it is
            # stored, and sent again it goes through; a 409 that says so, never a 500
            app.logger.warning("a transaction was ended by the database to let another through: %s", error.orig)
            db.session.rollback()
            return domain_error(Conflict(_("与同时进行的另一项修改冲突，未保存，请重试")))
        if "database is locked" not in str(error.orig):
            return unexpected(error)
        db.session.rollback()  # before anything reads the session (the message's language reads the user)
        return domain_error(Busy(_("系统正忙（另一项写入尚未完成），请稍后重试")))

    @app.errorhandler(IntegrityError)
    def concurrent_write(error):
        # Two requests racing for one unique value (a generated work-order number, a new customer's name): the
        # second finds it taken at its commit. Nothing of it is stored; it may simply be sent again.
        app.logger.warning("a write lost a race for a unique value: %s", error.orig)
        db.session.rollback()  # before anything reads the session (the message's language reads the user)
        return domain_error(Conflict(_("与同时进行的另一项修改冲突，未保存，请重试")))

    @app.errorhandler(BadMonth)
    def bad_month(error):
        _api_caller()
        return domain_error(Invalid.field("month", str(MONTH_MESSAGE)))

    @app.errorhandler(BadYear)
    def bad_year(error):
        _api_caller()
        return domain_error(Invalid.field("year", str(YEAR_MESSAGE)))

    @app.errorhandler(CSRFError)
    def stale_form(error):
        """A form sent without its page's token: the session behind the page has ended (log in again, back on that
        page), or the page is not this session's (load it again). Said in the user's language, not Flask-WTF's."""
        if _wants_json():
            return http_error(error)
        db.session.rollback()
        if current_app.config.get("COOKIE_SECURE") and not request.is_secure:
            # the session cookie is sent over HTTPS only, so a page opened by http:// never gets its token back
            return render_template("error.html", status=400, message=_(
                "本服务器的登录 Cookie 只经 HTTPS 发送（TRACKER_COOKIE_SECURE 已开启）：请用 https:// 地址打开；若已在 "
                "HTTPS 反向代理之后，请按部署说明设置 TRACKER_TRUSTED_PROXIES。")), 400
        if not current_user.is_authenticated and request.endpoint in ("auth.login_page", "auth.set_language"):
            # the login page itself was stale (open for long, or its cookie cleared): nobody's login had ended
            from tracker.auth.forms import LoginForm

            flash(_("页面已过期（表单的安全令牌无效），请重新登录"), "error")
            return render_template("auth/login.html", form=LoginForm()), 400
        if not current_user.is_authenticated:
            from tracker.auth.views import back_to

            flash(_("登录已失效，请重新登录后再提交"), "error")
            return redirect(url_for("auth.login_page", next=back_to()))
        return render_template("error.html", status=400, message=_(
            "页面已过期（表单的安全令牌无效），所填内容没有保存。请刷新页面后重新提交。")), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        db.session.rollback()
        _api_caller()
        if error.code == 403:
            log_refusal()
        if _wants_json():
            code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 409: "conflict", 413: "too_large",
                    415: "unsupported_media_type"}.get(error.code, "error")
            message = error.description
            if message == type(error).description:  # Werkzeug's stock English: said in the user's language
                message = _request_too_large() if error.code == 413 else str(STOCK_MESSAGES.get(error.code, message))
            allow = [(name, value) for name, value in error.get_headers() if name.lower() == "allow"]  # 405
            return jsonify(error={"code": code, "message": message}), error.code, allow
        if error.code == 405 and request.method in ("GET", "HEAD"):
            page = _page_above(request.path)
            if page is not None:  # an action's address opened as a page (a reload, the language switch): its page
                return redirect(page if "://" in page else request.script_root + page, 303)
        # Werkzeug's stock English sentences add nothing to the page's own (translated) heading; the request's size
        # limit (413 before any file was read) is said with the limits of each kind of file.
        message = error.description
        if message == type(error).description:
            message = _request_too_large() if error.code == 413 else ""
        return render_template("error.html", status=error.code, message=message), error.code

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        if _wants_json():
            return jsonify(error={"code": "internal", "message": _("系统内部错误")}), 500
        try:
            return render_template("error.html", status=500, message=""), 500
        except Exception:  # the page itself failed, on what failed first (the user, the menu): a plain page instead
            app.logger.exception("the error page failed")
            return PLAIN_500, 500, {"Content-Type": "text/html; charset=utf-8"}
