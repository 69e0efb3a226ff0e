"""POST /auth/token."""

from flask import current_app

from tracker.api import core
from tracker.api.core import bp
from tracker.auth import services as auth_services
from tracker.auth.access import public


@bp.route("/auth/token", methods=["POST"])
@public
@core.answers(200, core.obj({"token": {"type": "string"}, "expires_at": core.DATETIME}))
@core.body(core.obj({"username": {"type": "string", "maxLength": 64},
                     "password": {"type": "string", "maxLength": 256}}, ["username", "password"]))
def issue_token(data):
    """Exchange a username and password for a bearer token."""
    user = auth_services.authenticate(data["username"], data["password"])
    if user is None:
        raise core.Unauthorized("username or password is wrong")
    token, expires_at = auth_services.issue_token(user, current_app.config["TOKEN_HOURS"])
    core.commit()
    return core.reply({"token": token, "expires_at": expires_at})
