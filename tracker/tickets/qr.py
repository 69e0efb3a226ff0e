"""The ticket's QR code: the work order it was printed for and a check value only this Tracker can compute.

Payload: ``TRACKER-WO:<number>#<id>:<check>``, where check is the first 8 characters of the Base32 HMAC-SHA256 of
``<number>#<id>`` under the instance's secret key. The order is named by its id, which never changes: a ticket
printed before the order was renumbered still names it, and never the order that later took its old number. The
number is there for people reading the text. Tickets printed by earlier releases carry ``TRACKER-WO:<number>:<check>``
(the number alone) and still name the order holding that number. A stray QR code (a machine's label, another
system's ticket) or a number typed into a QR generator by hand does not carry a valid check, so it never names a
work order.
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


def payload(number, secret, order_id=None):
    """The text the ticket's QR code carries for a work order (without its id: as earlier releases printed it)."""
    named = number if order_id is None else f"{number}#{int(order_id)}"
    return f"{PREFIX}{named}:{check_value(named, secret)}"


def reference_in(text, secret):
    """(number printed, order id or None) a decoded QR text names, or None when it is not a Tracker ticket or its
    check fails."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        return None
    named, sep, check = text[len(PREFIX):].rpartition(":")
    if not sep or not named or not hmac.compare_digest(check, check_value(named, secret)):
        return None
    number, mark, order_id = named.partition("#")
    if not mark:
        return number, None
    if not (number and order_id.isascii() and order_id.isdigit() and len(order_id) <= 18):
        return None
    return number, int(order_id)


def number_in(text, secret):
    """The work order number a decoded QR text carries (as printed), or None."""
    reference = reference_in(text, secret)
    return None if reference is None else reference[0]


def svg(number, secret, order_id=None, scale=4):
    """The QR code as an inline <svg> element (no script, no external reference), quiet zone included."""
    code = segno.make(payload(number, secret, order_id), error="q", micro=False)
    return code.svg_inline(scale=scale, title=number, svgclass="ticket-qr", lineclass=None, omitsize=True)
