"""Fixtures of the notification tests: everyone with an e-mail address, a real SMTP server (aiosmtpd)."""

import pytest

from tests.workorders.conftest import Inbox, free_port
from tracker.auth import services as auth_services
from tracker.extensions import db


@pytest.fixture
def emails(team):
    for user in team.values():
        auth_services.update_user(user, {"email": f"{user.username}@example.com"})
    db.session.commit()


def start_smtp(port):
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return inbox, controller


@pytest.fixture
def mail_port(app):
    """A free local port the app sends mail to (nothing listens there until a test starts a server)."""
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="tracker@example.com", MAIL_TIMEOUT=2)
    return port
