"""The navigation bar: each feature adds its entries with the roles that see them."""

from flask import current_app
from flask_login import current_user

from flask_babel import lazy_pgettext

_ENTRIES = []

# entries from this order on set the product up (users, customers, calendar, templates, imports, jobs, the outbox,
# robots, the audit log): a user who sees more than two of them finds them under one menu, so an admin's bar fits
# one line
SETTINGS_FROM = 80
SETTINGS_LABEL = lazy_pgettext("nav", "设置")


def add(endpoint, label, roles=None, order=50):
    """Register a menu entry; `label` is a lazy_gettext string, `roles` None for everyone logged in."""
    _ENTRIES.append((order, endpoint, label, tuple(roles) if roles else None))


def links_for():
    """The entries the current user may see, in order, as (endpoint, label, order)."""
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    return [(endpoint, label, order) for order, endpoint, label, roles in sorted(_ENTRIES, key=lambda e: e[0])
            if endpoint in endpoints and (roles is None or current_user.role in roles)]


def menu_for():
    """(the bar's own entries, the settings menu's entries) as (endpoint, label) pairs; the second is empty when
    the user sees at most two settings entries (they stay on the bar)."""
    links = links_for()
    settings = [(endpoint, label) for endpoint, label, order in links if order >= SETTINGS_FROM]
    if len(settings) <= 2:
        return [(endpoint, label) for endpoint, label, _order in links], []
    return [(endpoint, label) for endpoint, label, order in links if order < SETTINGS_FROM], settings
