"""Default settings; instance/config.py and TRACKER_* environment variables override them."""

import ipaddress
import json
import os

# Defaults. Anything here can be set in instance/config.py or as TRACKER_<NAME> in the environment.
SECRET_KEY = "dev-only-change-me"
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
BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
LANGUAGES = ["zh", "en"]
PREFERRED_URL_SCHEME = "http"

_DEFAULTS = {k: v for k, v in globals().items() if k.isupper()}


def _coerce(raw, default):
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def load(app, test_config=None):
    """Apply defaults, then instance/config.py, then TRACKER_* environment, then test_config."""
    app.config.update(_DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name, default in _DEFAULTS.items():
        raw = os.environ.get("TRACKER_" + name)
        if raw is not None:
            app.config[name] = _coerce(raw, default)
    if test_config:
        app.config.update(test_config)
    app.config.update(derived(app.config, app.instance_path))
    return app.config


def derived(settings, instance_path):
    """The settings computed from others: the SQLAlchemy URL, Babel's zone, the parsed upload networks."""
    url = settings["DATABASE_URL"] or "sqlite:///" + os.path.join(instance_path, "tracker.db")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    networks = settings["UPLOAD_NETWORKS"]
    if isinstance(networks, str):
        networks = [n.strip() for n in networks.split(",") if n.strip()]
    return {"SQLALCHEMY_DATABASE_URI": url, "BABEL_DEFAULT_TIMEZONE": settings["TIMEZONE"],
            "UPLOAD_NETWORKS_PARSED": [ipaddress.ip_network(n, strict=False) for n in networks],
            "JSON_SORT_KEYS": False}


def dumps_safe(config):
    """The settings as JSON for display, secrets hidden."""
    hidden = {"SECRET_KEY", "MAIL_PASSWORD"}
    return json.dumps({k: ("***" if k in hidden else str(v)) for k, v in config.items() if k in _DEFAULTS}, indent=2)
