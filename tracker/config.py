"""Default settings; instance/config.py and TRACKER_* environment variables override them."""

import re
import contextlib
import ipaddress
import json
import os
import secrets
import tempfile
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Config
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

# Defaults. Anything here can be set in instance/config.py or as TRACKER_<NAME> in the environment.
SECRET_KEY = None  # None: a random key kept in <instance>/secret_key (written on the first start, mode 0600)
DATABASE_URL = None  # None: SQLite at <instance>/tracker.db
TIMEZONE = "Asia/Shanghai"
TOKEN_HOURS = 12
PASSWORD_METHOD = "scrypt"
UPLOAD_NETWORKS = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
TRUSTED_PROXIES = 0  # number of proxies in front whose X-Forwarded-For is trusted
SCAN_MAX_BYTES = 204800
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
MAX_CONTENT_LENGTH = 64 * 1024 * 1024
API_MAX_JSON_BYTES = 1024 * 1024
MAIL_SERVER = None
MAIL_PORT = 25
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_TIMEOUT = 15
MAIL_SENDER = "tracker@localhost"
ROBOT_TIMEOUT = 5  # seconds a group-chat robot's webhook (WeCom, DingTalk) may take to answer
BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
LANGUAGES = ["zh", "en"]
PREFERRED_URL_SCHEME = "http"
BASE_URL = None  # the address users open the app at (e.g. http://tracker.lan:8000): links in the scheduler's mails
COOKIE_SECURE = False  # true in production behind HTTPS: session and remember cookies only over HTTPS
SESSION_HOURS = 12  # a login without "remember me" ends after this many hours
REMEMBER_DAYS = 14  # a login with "remember me" ends after this many days
# Login throttling (CONTRACT 11): failed logins counted in the database over the window.
LOGIN_WINDOW_MINUTES = 15
LOGIN_MAX_PER_USER_ADDRESS = 5
LOGIN_MAX_PER_USER = 20
LOGIN_MAX_PER_ADDRESS = 100

_DEFAULTS = {k: v for k, v in globals().items() if k.isupper()}


TRUTHS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False,
          "": False}
AT_LEAST_ZERO = {"TRUSTED_PROXIES"}  # every other whole-number setting is a count, size or time of at least 1
# the most a setting may be: a duration of centuries overflowed the dates it is added to (500 on every login)
AT_MOST = {"TOKEN_HOURS": 87_600, "SESSION_HOURS": 87_600, "REMEMBER_DAYS": 3_650, "LOGIN_WINDOW_MINUTES": 525_600,
           "MAIL_PORT": 65_535, "MAIL_TIMEOUT": 3_600, "ROBOT_TIMEOUT": 3_600}


def _coerce(raw, default, name=None):
    """Turn an environment string into the type of its default; ValueError with what it should be otherwise."""
    if isinstance(default, bool):
        truth = TRUTHS.get(raw.strip().lower())
        if truth is None:  # a typo must not turn COOKIE_SECURE off silently
            raise ValueError("is neither true nor false (true, false, 1, 0, yes, no, on, off)")
        return truth
    if isinstance(default, int):
        least = 0 if name in AT_LEAST_ZERO else 1
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < least:
            raise ValueError(f"is not a whole number of at least {least}")
        return value
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def load(app, test_config=None):
    """Apply defaults, then instance/config.py, then TRACKER_* environment, then test_config. A setting that cannot
    be used stops the app with one line naming it where it was set (the environment, or instance/config.py)."""
    app.config.update(_DEFAULTS)
    path = os.path.join(app.config.root_path, "config.py")
    in_file = Config(app.config.root_path)
    try:
        in_file.from_pyfile("config.py", silent=True)
    except Exception as error:  # a syntax error, a name it does not define: one line, not a traceback
        raise SettingError(f"{path} cannot be read: {type(error).__name__}: {error}") from None
    prefixed = sorted(name for name in in_file if name.startswith("TRACKER_") and name[8:] in _DEFAULTS)
    if prefixed:  # read as nothing: the setting silently kept its default
        raise SettingError(f"{path}: {prefixed[0]} is the environment's name; in this file the setting is written "
                           f"without TRACKER_ ({prefixed[0][8:]} = ...)")
    app.config.update(in_file)
    in_file = set(in_file) & set(_DEFAULTS)
    for name, default in _DEFAULTS.items():
        raw = os.environ.get("TRACKER_" + name)
        if raw is not None:
            in_file.discard(name)
            try:
                app.config[name] = _coerce(raw, default, name)
            except ValueError as error:
                raise SettingError(f"TRACKER_{name}={raw!r} {error}") from None
    if test_config:
        app.config.update(test_config)
        in_file -= set(test_config)
    try:
        _check_kinds(app.config, in_file)
        if app.config["MAIL_USE_TLS"] and app.config["MAIL_USE_SSL"]:
            raise SettingError(f"TRACKER_MAIL_USE_TLS={app.config['MAIL_USE_TLS']!r} with MAIL_USE_SSL on too: STARTTLS "
                               "upgrades a plain connection, SMTPS (port 465) is encrypted from the start; set one")
        if not app.config["SECRET_KEY"]:
            app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
        app.config.update(derived(app.config, app.instance_path))
    except SettingError as error:
        named = re.match(r"TRACKER_(\w+)=", error.message)
        if named and named.group(1) in in_file:  # said of the file it was set in, not of an unset variable
            raise SettingError(f"{path}: {error.message[len('TRACKER_'):]}") from None
        raise
    return app.config


def _made(name, value, default):
    try:
        return _coerce(value, default, name)
    except ValueError as error:
        raise SettingError(f"TRACKER_{name}={value!r} {error}") from None


def _check_kinds(settings, in_file):
    """instance/config.py's numbers and yes/no settings, as the environment's are made: a number or yes/no written as
    text ("587", "false") is read as from the environment, a whole number written as a float (3e7) as that number;
    a count that is no whole number of at least 1 (a login limit of 0 or "five", a scan size of "200k") stops the
    start, where it passed and failed every login or upload after. MAX_CONTENT_LENGTH may be None (Flask's "no
    limit"); other kinds (text, lists, a key as bytes) are read by the checks that use them."""
    for name in sorted(in_file):
        value, default = settings[name], _DEFAULTS[name]
        if isinstance(default, bool):
            if isinstance(value, str):  # "false" was true
                settings[name] = _made(name, value, default)
            continue
        if not isinstance(default, int) or (value is None and name == "MAX_CONTENT_LENGTH"):
            continue
        if isinstance(value, str):
            value = _made(name, value, default)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        least = 0 if name in AT_LEAST_ZERO else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise SettingError(f"TRACKER_{name}={settings[name]!r} is not a whole number of at least {least}")
        settings[name] = value
    try:
        generate_password_hash("setting", method=settings["PASSWORD_METHOD"])
    except (TypeError, ValueError):  # refused at every password set, and every login with an unknown name
        raise SettingError(f"TRACKER_PASSWORD_METHOD={settings['PASSWORD_METHOD']!r} is not a password hash method "
                           "(e.g. scrypt, or pbkdf2:sha256:600000)") from None


class SettingError(click.ClickException):
    """A setting that cannot be used, named with its value (the app does not start). A command line prints it as
    "Error: ..." and exits 1, without a traceback; a server (gunicorn) logs it and stops."""


def derived(settings, instance_path):
    """The settings computed from others: the SQLAlchemy URL, Babel's zone, the parsed upload networks, cookie flags."""
    for name, most in AT_MOST.items():
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            raise SettingError(f"TRACKER_{name}={value!r} is not a whole number from 1 to {most}")
    if settings["PREFERRED_URL_SCHEME"] not in ("http", "https"):
        raise SettingError(f"TRACKER_PREFERRED_URL_SCHEME={settings['PREFERRED_URL_SCHEME']!r} is neither http nor "
                           "https")
    try:
        ZoneInfo(settings["TIMEZONE"])
    except (TypeError, ValueError, ZoneInfoNotFoundError):
        raise SettingError(f"TRACKER_TIMEZONE={settings['TIMEZONE']!r} is not a time zone (e.g. Asia/Shanghai)") from None
    url = settings["DATABASE_URL"] or "sqlite:///" + os.path.join(instance_path, "tracker.db")
    if not isinstance(url, str):
        raise SettingError(f"TRACKER_DATABASE_URL={url!r} is not a SQLite or PostgreSQL address (e.g. "
                           "postgresql://tracker@db/tracker)")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        backend = make_url(url).get_backend_name()
    except Exception:  # SQLAlchemy's ArgumentError, or a value that is no text at all
        backend = None
    if backend not in ("sqlite", "postgresql"):
        raise SettingError(f"TRACKER_DATABASE_URL={settings['DATABASE_URL']!r} is not a SQLite or PostgreSQL address (e.g. "
                           "postgresql://tracker@db/tracker)")
    networks = settings["UPLOAD_NETWORKS"]
    if isinstance(networks, str):
        networks = [n.strip() for n in networks.split(",") if n.strip()]
    try:
        parsed = [ipaddress.ip_network(n, strict=False) for n in networks]
    except (TypeError, ValueError):
        raise SettingError(f"TRACKER_UPLOAD_NETWORKS={settings['UPLOAD_NETWORKS']!r} is not a comma-separated list of "
                           "networks (e.g. 10.0.0.0/8,192.168.0.0/16)") from None
    if not parsed:  # an empty value would refuse every upload and import without a word at start
        raise SettingError(f"TRACKER_UPLOAD_NETWORKS={settings['UPLOAD_NETWORKS']!r} names no network; leave it unset "
                           f"for the default ({UPLOAD_NETWORKS})")
    proxies = settings["TRUSTED_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise SettingError(f"TRACKER_TRUSTED_PROXIES={proxies!r} is not a number of proxies (0, 1, 2, ...)")
    base = settings.get("BASE_URL")
    if base:
        parts = urlsplit(str(base))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise SettingError(f"TRACKER_BASE_URL={base!r} is not an http(s) address without a query (e.g. "
                               "http://tracker.lan:8000)")
    if not settings["DATABASE_URL"]:  # every setting is usable: the default database may be made
        _private_file(os.path.join(instance_path, "tracker.db"))
    return {"SQLALCHEMY_DATABASE_URI": url, "BABEL_DEFAULT_TIMEZONE": settings["TIMEZONE"],
            "UPLOAD_NETWORKS_PARSED": parsed,
            "JSON_SORT_KEYS": False,
            # a form's token lasts as long as the session it was made in (logging out, or the session's end, makes it
            # stale), not an hour: an itinerary or review page left open over lunch can still be sent
            "WTF_CSRF_TIME_LIMIT": None, **_cookie_settings(settings)}


def _cookie_settings(settings):
    """HttpOnly and SameSite=Lax always; Secure when COOKIE_SECURE is set (CONTRACT 11)."""
    secure = settings["COOKIE_SECURE"]
    try:
        secure = _coerce(secure, False) if isinstance(secure, str) else bool(secure)
    except ValueError as error:
        raise SettingError(f"TRACKER_COOKIE_SECURE={secure!r} {error}") from None
    return {"COOKIE_SECURE": secure, "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_HTTPONLY": True, "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": secure, "REMEMBER_COOKIE_DURATION": timedelta(days=int(settings["REMEMBER_DAYS"]))}


def _private_file(path):
    """Create the file (and its folder) readable by its owner only (mode 0600) when it does not exist yet: the
    default SQLite database holds everyone's pay and password hashes, and SQLite gives its -wal and -shm files the
    database's mode. An existing file keeps the mode it has."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def instance_secret_key(instance_path):
    """The key kept in <instance>/secret_key, written with a fresh random value (mode 0600) when missing.

    Several processes may start at once (gunicorn workers): the key is written to a private temporary file and
    linked into place, so exactly one key wins and everyone reads that one.
    """
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    if not os.path.exists(path):
        fd, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=instance_path)  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    with open(path) as handle:
        key = handle.read().strip()
    if len(key) < 32:
        raise SettingError(f"{path} holds no usable secret key; delete it to have a new one written")
    return key


_QUERY_PASSWORD = re.compile(r"(?i)([?&](?:password|sslpassword)=)[^&]*")


def _as_json(value):
    """A setting as JSON shows it (null, false, a list), or as text when JSON has no such value (a time span)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def dumps_safe(config):
    """The settings as JSON for display, secrets hidden (a database URL's password too); the database in use is
    shown where DATABASE_URL is not set (the SQLite file in the instance folder)."""
    hidden = {"SECRET_KEY", "MAIL_PASSWORD"}
    shown = {k: ("***" if k in hidden else _as_json(v)) for k, v in config.items() if k in _DEFAULTS}
    url = config.get("DATABASE_URL") or config.get("SQLALCHEMY_DATABASE_URI")
    if "DATABASE_URL" in shown and url:
        shown["DATABASE_URL"] = _QUERY_PASSWORD.sub(  # a password may also come in the query, as libpq takes it
            r"\1***", make_url(str(url)).render_as_string(hide_password=True))
    return json.dumps(shown, indent=2)
