"""Fixtures of the work-order tests: orders, sample files, API calls and a real local SMTP server."""

import socket
import time
from datetime import datetime
from email import message_from_bytes, policy
from io import BytesIO

import pytest
from PIL import Image

from tests.conftest import NOW
from tracker.extensions import db
from tracker.workorders import services

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CANONICAL = "20261015旗滨玻璃1号机常规保养"


def image_bytes(kind="JPEG", size=(64, 48), color=(200, 30, 30), **save):
    out = BytesIO()
    Image.new("RGB", size, color).save(out, format=kind, **save)
    return out.getvalue()


def padded_pdf(size):
    """A PDF-looking file of exactly `size` bytes."""
    assert size >= len(PDF)
    return PDF + b"%" * (size - len(PDF))


@pytest.fixture
def make_order(app, team):
    """make_order(**fields) -> a committed work order of 旗滨玻璃 1号机 常规保养, arrived 2026-10-15, for eng1."""

    def make(actor="office", **fields):
        data = {"customer": "旗滨玻璃", "equipment": "1号机", "service_type": "常规保养",
                "reported_at": datetime(2026, 10, 15, 8, 0), "arrived_at": datetime(2026, 10, 15, 10, 0),
                "engineer": "eng1"}
        data.update(fields)
        order = services.create_order(team[actor], data, NOW)
        db.session.commit()
        return order

    return make



def upload(name, data):
    """A multipart file part for the test client."""
    return (BytesIO(data), name)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def wait_for(self, count, seconds=5):
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server (aiosmtpd) on a free local port; the app is configured to send through it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SENDER": "tracker@example.com"}.items():
        monkeypatch.setitem(app.config, name, value)
    yield inbox
    controller.stop()
