"""Fixtures of the ticket tests: two work orders of 旗滨玻璃 and QR images made without a printer."""

from datetime import datetime
from io import BytesIO

import pytest
import segno

from tests.workorders.conftest import make_order  # noqa: F401  (the shared work-order fixture)
from tracker.tickets import qr

SECRET = "test-secret"  # the SECRET_KEY of the test app


def qr_png(text, scale=8):
    """A PNG holding just a QR code with `text` (a phone photo of a ticket's corner, say)."""
    out = BytesIO()
    segno.make(text, error="q", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def ticket_qr_png(number):
    return qr_png(qr.payload(number, SECRET))


@pytest.fixture
def orders(make_order):  # noqa: F811
    """WO-A (1号机 常规保养, 2026-10-15) and WO-B (2号机 维修, 2026-10-16), both of eng1."""
    first = make_order(number="WO-A")
    second = make_order(number="WO-B", equipment="2号机", service_type="维修",
                        arrived_at=datetime(2026, 10, 16, 9, 0))
    return first, second
