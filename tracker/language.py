"""The language a request's messages are in, as the scoring package names them ("zh" or "en")."""

from flask_babel import get_locale


def current():
    """ "en" when the request reads English (session, user setting), else "zh" (the default, also outside requests)."""
    return "en" if str(get_locale()).startswith("en") else "zh"
