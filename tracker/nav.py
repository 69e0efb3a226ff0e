"""The navigation bar: each feature adds its entries with the roles that see them."""

from flask import current_app
from flask_login import current_user

_ENTRIES = []


def add(endpoint, label, roles=None, order=50):
    """Register a menu entry; `label` is a lazy_gettext string, `roles` None for everyone logged in."""
    _ENTRIES.append((order, endpoint, label, tuple(roles) if roles else None))


def links_for():
    """The entries the current user may see, as (endpoint, label, True)."""
    if not current_user.is_authenticated:
        return []
    endpoints = current_app.view_functions
    return [(endpoint, label, True) for order, endpoint, label, roles in sorted(_ENTRIES, key=lambda e: e[0])
            if endpoint in endpoints and (roles is None or current_user.role in roles)]
