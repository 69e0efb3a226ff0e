"""The navigation bar: each feature adds its entries with the roles that see them."""

from flask import current_app, request, url_for
from flask_login import current_user

from flask_babel import lazy_pgettext

_ENTRIES = []

# entries from this order on set the product up (users, customers, calendar, templates, imports, jobs, the outbox,
# robots, the audit log): a user who sees more than two of them finds them under one menu, so an admin's bar fits
# one line
SETTINGS_FROM = 80
SETTINGS_LABEL = lazy_pgettext("nav", "设置")


def add(endpoint, label, roles=None, order=50, section=None):
    """Register a menu entry; `label` is a lazy_gettext string, `roles` None for everyone logged in; `section` the
    path its pages lie under when not under its own address (the itinerary's home is /, its pages /itinerary/…)."""
    _ENTRIES.append((order, endpoint, label, tuple(roles) if roles else None, section))


def links_for():
    """The entries the current user may see, in order, as (endpoint, label, order, section)."""
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    return [(endpoint, label, order, section or url_for(endpoint))
            for order, endpoint, label, roles, section in sorted(_ENTRIES, key=lambda e: e[0])
            if endpoint in endpoints and (roles is None or current_user.role in roles)]


def _under(path, section):
    if section == "/":
        return path == "/"
    return path == section or path.startswith(section if section.endswith("/") else section + "/")


def menu_for():
    """(the bar's own entries, the settings menu's entries) as (endpoint, label, current); the second is empty when
    the user sees at most two settings entries (they stay on the bar). The current entry is the one whose section
    holds this page most closely (a work order's page is under 工单, a score page under 月度考核; only the entry a
    redirect left was marked, or none)."""
    links = links_for()
    path = request.path
    current = max((section for _endpoint, _label, _order, section in links if _under(path, section)),
                  key=len, default=None)
    entries = [(endpoint, label, section == current, order) for endpoint, label, order, section in links]
    settings = [entry[:3] for entry in entries if entry[3] >= SETTINGS_FROM]
    if len(settings) <= 2:
        return [entry[:3] for entry in entries], []
    return [entry[:3] for entry in entries if entry[3] < SETTINGS_FROM], settings
