"""Response headers every page and answer carries (CONTRACT 11): CSP without inline script, no framing, no sniffing;
and the flags of every cookie."""

from flask import Response as FlaskResponse
from flask import current_app, has_app_context, has_request_context, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Referrer-Policy": "same-origin",
}


def set_headers(response):
    """Add the security headers (a view that set its own keeps it). A 204 says no content type: it has no content
    (the API's deletions were labelled text/html). Pages and answers are not kept in the browser's cache (people's
    hours, scores and pay stayed readable there after logout on a shared computer); the static files are, and the
    downloads say their own (scans and photos: private, no-store)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not (has_request_context() and request.endpoint == "static"):
        response.headers.setdefault("Cache-Control", "no-store")
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    if response.status_code == 401:  # the API's (pages redirect to the login form): RFC 9110 asks the scheme
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="Tracker"')
    return response


class Response(FlaskResponse):
    """Every cookie the app sets or deletes is HttpOnly and SameSite=Lax, and Secure when COOKIE_SECURE is on, whoever
    sets it: Flask-Login deletes the remember cookie on logout with no flags at all (its _clear_cookie passes none of
    its REMEMBER_COOKIE_* settings), and a deletion is a Set-Cookie header like any other."""

    def set_cookie(self, key, value="", max_age=None, expires=None, path="/", domain=None, secure=False,
                   httponly=False, samesite=None, partitioned=False):
        secure = secure or (has_app_context() and bool(current_app.config.get("COOKIE_SECURE")))
        super().set_cookie(key, value, max_age=max_age, expires=expires, path=path, domain=domain, secure=secure,
                           httponly=True, samesite="Lax", partitioned=partitioned)


def init_app(app):
    app.response_class = Response
    app.after_request(set_headers)
