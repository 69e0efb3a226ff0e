"""Delivery through a real SMTP server (aiosmtpd): what counts as sent."""

import smtplib
import socket
import threading
import time

import pytest
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


def test_a_server_that_answers_a_line_every_few_seconds_cannot_hold_the_outbox(app):
    """MAIL_TIMEOUT bounded each read only: a server sending its greeting a line at a time, each before the timeout,
    held the send (and the outbox, and the group-chat robots behind it) for as long as it went on."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def tarpit():
        connection, _address = listener.accept()
        with connection:
            while not stop.is_set():
                try:
                    connection.sendall(b"220-still here\r\n")
                except OSError:
                    return
                time.sleep(0.3)

    threading.Thread(target=tarpit, daemon=True).start()
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": listener.getsockname()[1], "MAIL_SENDER": "tracker@example.com",
              "MAIL_TIMEOUT": 1}
    with app.app_context():
        message = mail.build(config, [("张三", "eng1@example.com")], "主题", "正文")
    started = time.monotonic()
    try:
        with pytest.raises((smtplib.SMTPException, OSError)):
            mail.send(config, message)
        assert time.monotonic() - started < mail.CONVERSATION_READS * 1 + 3
    finally:
        stop.set()
        listener.close()


def test_starttls_is_asked_of_the_server_by_its_name(app):
    """Connecting after making the client (so the whole conversation is bounded) left it without the server's name,
    and STARTTLS then failed before its handshake (check_hostname requires server_hostname): a server that speaks
    STARTTLS is sent a TLS hello (answered here by a close: no certificate is needed to see it start)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    hello = []

    def server():
        connection, _address = listener.accept()
        with connection:
            reader = connection.makefile("rb")
            connection.sendall(b"220 test ESMTP\r\n")
            reader.readline()  # EHLO
            connection.sendall(b"250-test\r\n250 STARTTLS\r\n")
            reader.readline()  # STARTTLS
            connection.sendall(b"220 go ahead\r\n")
            hello.append(connection.recv(1))  # the client's TLS hello begins with a handshake record (0x16)

    thread = threading.Thread(target=server, daemon=True)
    thread.start()
    config = {"MAIL_SERVER": "localhost", "MAIL_PORT": listener.getsockname()[1], "MAIL_SENDER": "tracker@example.com",
              "MAIL_TIMEOUT": 2, "MAIL_USE_TLS": True}
    with app.app_context():
        message = mail.build(config, [("张三", "eng1@example.com")], "主题", "正文")
    try:
        with pytest.raises(OSError):  # the handshake, cut by the server; not a ValueError before it
            mail.send(config, message)
        thread.join(5)
        assert hello == [b"\x16"]
    finally:
        listener.close()


def _subjects(count):
    """Subjects of Chinese words, letters and signs between spaces, of every length a reason can give one."""
    import random

    draw = random.Random(20261207)
    signs = "张三李四工单电子档上传旗滨玻璃号机常规保养退回补录abcWO-0123：，=?"
    return [" ".join("".join(draw.choice(signs) for _ in range(draw.randint(1, 12)))
                     for _ in range(draw.randint(1, 40))) for _ in range(count)]


def test_a_subject_arrives_with_every_space_it_was_written_with(app):
    """Python's header folder could fold at a space between two encoded words, where the reader ignores it: one
    subject in ten of Chinese words lost a space (张三 提交了 arrived as 张三提交了). Each subject is read back as
    queued (the outbox's bytes) and as received by a real server."""
    from email import message_from_bytes, policy

    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_SENDER": "tracker@example.com", "MAIL_TIMEOUT": 2}
    with app.app_context():
        queued = [(subject, mail.build(config, [("张三", "eng1@example.com")], subject, "正文").as_bytes())
                  for subject in _subjects(400)]
    lost = [subject for subject, payload in queued
            if message_from_bytes(payload, policy=policy.default)["Subject"].replace("\u2060", "") != subject]
    assert not lost, lost[:3]
    assert all(len(line) <= 78 for _subject, payload in queued for line in payload.split(b"\n"))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for _subject, payload in queued[:40]:  # as the outbox sends them: parsed from its bytes
            mail.send({**config, "MAIL_PORT": port}, message_from_bytes(payload, policy=policy.default))
        received = inbox.wait_for(40)
        assert [message["Subject"].replace("\u2060", "") for _recipients, message in received] == [
            subject for subject, _payload in queued[:40]]  # (=? is sent with a word joiner: mail.header_text)
    finally:
        controller.stop()
