"""The ticket's QR code: the work order's number and a check value only this Tracker can compute.

Payload: ``TRACKER-WO:<number>:<check>``, where check is the first 8 characters of the Base32 HMAC-SHA256 of the
number under the instance's secret key. A stray QR code (a machine's label, another system's ticket) or a number
typed into a QR generator by hand does not carry a valid check, so it never names a work order.
"""

import base64
import hashlib
import hmac

import segno

PREFIX = "TRACKER-WO:"
CHECK_LENGTH = 8


def check_value(number, secret):
    digest = hmac.new(secret.encode("utf-8"), b"ticket:" + number.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:CHECK_LENGTH]


def payload(number, secret):
    """The text the ticket's QR code carries for a work order number."""
    return f"{PREFIX}{number}:{check_value(number, secret)}"


def number_in(text, secret):
    """The work order number a decoded QR text names, or None when it is not a Tracker ticket or its check fails."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        return None
    number, sep, check = text[len(PREFIX):].rpartition(":")
    if not sep or not number or not hmac.compare_digest(check, check_value(number, secret)):
        return None
    return number


def svg(number, secret, scale=4):
    """The QR code as an inline <svg> element (no script, no external reference), quiet zone included."""
    code = segno.make(payload(number, secret), error="q", micro=False)
    return code.svg_inline(scale=scale, title=number, svgclass="ticket-qr", lineclass=None, omitsize=True)
