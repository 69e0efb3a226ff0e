"""Helpers of the security tests: an app built as production builds it (no test secret key)."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from tests.conftest import NOW
from tracker import create_app

OLD_DEFAULT_KEY = "dev-only-change-me"  # the key every installation shared before each instance had its own


def production_like_app(database_url, instance, **overrides):
    """create_app with the test database but without a SECRET_KEY: what `make run` and gunicorn do."""
    settings = {"TESTING": True, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance),
                "WTF_CSRF_ENABLED": False, "NOW": NOW, "MAIL_SERVER": None, "PASSWORD_METHOD": "pbkdf2:sha256:1000"}
    settings.update(overrides)
    return create_app(settings)


def signed_session_cookie(key, payload):
    """A Flask session cookie carrying `payload`, signed with `key` (what an attacker knowing the key can make)."""
    forger = Flask("forger")
    forger.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(payload)
