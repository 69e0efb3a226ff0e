"""Delivery through a real SMTP server (aiosmtpd): what counts as sent."""

from aiosmtpd.controller import Controller

from tests.workorders.conftest import Inbox, free_port
from tracker import mail


class QuitFails(Inbox):
    """A server that takes the message, then answers QUIT with an error (some do when busy closing)."""

    async def handle_QUIT(self, server, session, envelope):
        return "451 4.3.0 try again later"


def test_a_message_the_server_took_is_sent_even_when_its_quit_fails(app):
    """The error of the QUIT after the message was taken failed the send, and the outbox sent it again, up to eight
    times."""
    inbox, port = QuitFails(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SENDER": "tracker@example.com",
                  "MAIL_TIMEOUT": 2}
        with app.app_context():
            message = mail.build(config, [("张三", "eng1@example.com")], "主题", "正文")
        mail.send(config, message)  # no error: it was delivered
        assert len(inbox.wait_for(1)) == 1
    finally:
        controller.stop()
