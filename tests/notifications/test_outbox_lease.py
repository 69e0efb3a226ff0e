"""The outbox's lease counts from each message's claim: a batch slowed by its mail server never holds a lease it
took at its start, which a second scheduler would then find expired and send the same message again."""

import asyncio
from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.conftest import NOW
from tests.notifications.conftest import free_port
from tracker import mail
from tracker.extensions import db
from tracker.notifications.outbox import LEASE, OutboxMessage
from tracker.notifications.schedule import send_due


class SlowInbox:
    """An SMTP server that takes a little over a second for each message."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(1.2)
        self.received.append(envelope.rcpt_tos)
        return "250 OK"


def test_each_lease_and_sending_time_counts_from_its_own_message(app, team):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="tracker@example.com", MAIL_TIMEOUT=5)
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail.queue([("甲", "a@example.com"), ("乙", "b@example.com"), ("丙", "c@example.com")], "主题", "正文", now=NOW)
        db.session.commit()
        config = {key: value for key, value in app.config.items() if key.startswith("MAIL_")}
        assert send_due(config, NOW) == (3, 0, None)
    finally:
        controller.stop()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    leases = [row.next_attempt_at for row in rows]  # left as the claim set them: a sent message keeps its lease
    assert leases[0] == NOW + LEASE
    assert leases[2] >= NOW + LEASE + timedelta(seconds=2)  # claimed after two slow sends: its lease starts then
    assert rows[2].sent_at >= NOW + timedelta(seconds=2)
    assert len(inbox.received) == 3
