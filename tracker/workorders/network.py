"""Uploads only from the office networks (CONTRACT 6: TRACKER_UPLOAD_NETWORKS); elsewhere 403."""

import ipaddress
from functools import wraps

from flask import current_app, request
from flask_babel import gettext as _

from tracker.errors import Forbidden


def address_allowed(address, networks):
    """True when the client address lies in one of the upload networks."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def lan_only(view):
    """Uploads are accepted only from TRACKER_UPLOAD_NETWORKS (request.remote_addr: ProxyFix sets it when
    TRUSTED_PROXIES is configured, and only then are forwarded addresses believed)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST" and not address_allowed(request.remote_addr,
                                                            current_app.config["UPLOAD_NETWORKS_PARSED"]):
            raise Forbidden(_("只能在公司内网上传文件（当前地址 %(addr)s 不在允许的网段内）",
                              addr=request.remote_addr or "?"), reason="upload_network")
        return view(*args, **kwargs)

    return wrapper


def upload_allowed_here():
    """For pages: whether the current client may upload (to warn before the user picks files)."""
    return address_allowed(request.remote_addr, current_app.config["UPLOAD_NETWORKS_PARSED"])
