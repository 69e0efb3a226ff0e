"""POST /auth/token (log in) and DELETE /auth/token (revoke the token the call carries)."""

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.api import core
from tracker.api.core import bp
from tracker.auth import services as auth_services
from tracker.auth.access import public, roles


@bp.route("/auth/token", methods=["POST"])
@public
@core.answers(200, core.obj({"token": {"type": "string"}, "expires_at": core.DATETIME}, ["token", "expires_at"]),
              errors=(401, 429))
@core.body(core.obj({"username": {"type": "string", "maxLength": 64},
                     "password": {"type": "string", "maxLength": 256}}, ["username", "password"]))
def issue_token(data):
    """Exchange a username and password for a bearer token (429 with Retry-After after too many failures)."""
    now = clock.now()
    user = auth_services.login(data["username"], data["password"], request.remote_addr, now)
    if user is None:
        core.commit()  # the failure counts towards the throttle and stays in the audit log
        raise core.Unauthorized(_("用户名或密码错误"))
    token, expires_at = auth_services.issue_token(user, current_app.config["TOKEN_HOURS"], now=now)
    core.commit()
    return core.reply({"token": token, "expires_at": expires_at})


@bp.route("/auth/token", methods=["DELETE"])
@roles()
@core.answers(204, description="The token this call carried is revoked")
def revoke_token():
    """Revoke the bearer token this call carries (log out of the API)."""
    token = g.get("api_token")
    if token is None:  # one of the app's own pages, calling with its session: there is no token to revoke
        raise core.Unauthorized(_("只有携带登录令牌的请求才能注销它"))
    auth_services.revoke_token(token, current_user._get_current_object(), clock.now())
    core.commit()
    return "", 204
