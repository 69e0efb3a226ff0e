"""Outgoing e-mail over SMTP, through the outbox (tracker.notifications.outbox).

Services call queue(); each message is stored in the outbox in the same transaction, so a rollback drops it and
no mail ever announces something that was not stored. The scheduler process sends the outbox (`send_outbox`),
retrying with back-off while the mail server is down; no web request waits for a mail server.
"""

import contextlib
import logging
import re
import smtplib
import socket
import threading
import unicodedata
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import formatdate, make_msgid, parseaddr

import idna
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import jobs
from tracker.auth.models import User
from tracker.extensions import db
from tracker.notifications import outbox, schedule

log = logging.getLogger(__name__)


jobs.wording("outbox_sent", _l("已发送 %(sent)s 条，失败 %(failed)s 条"))


def send_outbox(now):
    """The scheduler's sender: every due message of the outbox (e-mail only while SMTP is configured; the group-chat
    robots' too), with the current settings."""
    config = {key: value for key, value in current_app.config.items() if key.startswith(("MAIL_", "ROBOT_"))}
    sent, failed, last_error = schedule.send_due(config, now, channels=sending_channels(config))
    if not (sent or failed):
        return None
    summary = jobs.said("outbox_sent", sent=sent, failed=failed)
    return summary if sent or not failed else jobs.Failed(summary, last_error)  # nothing got through: an error


def sending_channels(config=None):
    """The outbox's channels the scheduler sends now: e-mail only while SMTP is configured, the robots' always."""
    return [channel for channel in outbox.SENDERS if channel != "email" or configured(config)]


def overdue(now):
    """outbox.overdue of the channels sent now, unless the outbox was sent from within that time (a scheduler busy
    with a burst, 50 messages a round, is running): shown to the admins when no scheduler process sends it."""
    late = outbox.overdue(now, sending_channels())
    if late is None:
        return None
    running = db.session.scalar(select(jobs.JobRun.started_at).where(
        jobs.JobRun.job == "outbox", jobs.JobRun.started_at > now - outbox.OVERDUE).limit(1))
    return None if running is not None else late


def configured(config=None):
    """True when an SMTP server is set (MAIL_SERVER)."""
    return bool((config or current_app.config).get("MAIL_SERVER"))


# what SMTP carries without extensions: a local part of ASCII (RFC 5322 dot-atom) and a host name, which may be written
# in Chinese (例子.中国, sent in IDNA as xn--fsqu00a.xn--fiqs8s)
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\Z")


def smtp_address(address):
    """The address as it is sent (the host in IDNA), or None when no mail can be sent to it: every address a user is
    given is checked by it, so that no notification ever fails on one (陈立新@例子.中国 was stored, then every action
    that told its owner anything answered 500)."""
    local, at, host = (address or "").rpartition("@")
    if not at or len(address) > 254 or len(local) > 64 or not _LOCAL_PART.match(local):  # RFC 5321's limits
        return None
    if any(unicodedata.category(character) == "Cf" for character in host):  # a zero-width space: unseen, refused
        return None
    try:  # IDNA 2008 with UTS 46's mapping, as browsers do (München.de, a decomposed café); Python's own codec is
        # IDNA 2003: straße.de went to strasse.de, another domain
        host = idna.encode(unicodedata.normalize("NFC", host), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    sent = f"{local}@{host}"
    return sent if _HOST.match(host) and len(sent) <= 254 else None  # the limit of the address as sent (IDNA)


def header_text(text):
    """User text (a reason, a name) for a header, kept as text: the header parser decodes an RFC 2047 encoded word
    it finds in a value (=?utf-8?q?=0D=0AReply-To:...?= became a header line of its own, =?unknown-8bit?q?=FF?=
    failed the action that sent the mail), so "=?" is written with an invisible word joiner between."""
    return text.replace("=?", "=\u2060?")


class _Policy(policy.EmailPolicy):
    """policy.default, but a subject in Chinese is folded as email.header folds it (the whole text in encoded words,
    its spaces inside them): Python's folder (before gh-144156) could fold at a space between two encoded words,
    where a reader ignores it, and 张三 提交了 arrived as 张三提交了."""

    def _subject(self, name, value):
        text = str(value)
        if name.lower() != "subject" or text.isascii():
            return None
        encoded = Header(text, "utf-8", header_name=name).encode(linesep=self.linesep, maxlinelen=self.max_line_length)
        return f"{name}: {encoded}{self.linesep}"

    def fold(self, name, value):
        return self._subject(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        folded = self._subject(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)


POLICY = _Policy()


def build(config, to, subject, text, attachments=()):
    """An EmailMessage; attachments are (file name, bytes, MIME type) and keep non-ASCII names (RFC 2231)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = config["MAIL_SENDER"]
    # each name as a name: one holding "<x@evil.com>" was read back as the address (and the mail went there)
    message["To"] = [Address(display_name=header_text(name or ""), addr_spec=smtp_address(address) or address)
                     for name, address in to]
    # a header is one line: a reason or a name with a line break (LF, U+2028) in the subject made the action that
    # sends the mail fail; the body keeps the text as written
    message["Subject"] = header_text(" ".join(subject.split()))
    # RFC 5322: a message carries its date, and providers refuse one without a Message-ID; the domain is the
    # sender's (getfqdn() can wait on DNS on a LAN)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(config["MAIL_SENDER"])[1].rpartition("@")[2] or "tracker.local")
    message.set_content(text)
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


CONVERSATION_READS = 4  # a whole conversation with the server may take this many MAIL_TIMEOUTs


def _cut(smtp):
    """End a conversation past its time: the read it waits in returns, and the send fails (to be retried)."""
    sock = smtp.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def send(config, message, to_addrs=None):
    """Deliver one message through the configured SMTP server (to `to_addrs`, else the addresses of its headers).
    MAIL_TIMEOUT bounds each read, and CONVERSATION_READS of it the whole conversation: a server that answers a
    line every few seconds held the outbox (and the group-chat robots behind it) for as long as it liked."""
    timeout = config.get("MAIL_TIMEOUT", 15)
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    smtp = smtp_class(timeout=timeout)  # connected below, under the deadline
    smtp._host = config["MAIL_SERVER"]  # as SMTP(host) sets it: the name STARTTLS and SMTPS verify the server by
    deadline = threading.Timer(CONVERSATION_READS * timeout, _cut, (smtp,))
    deadline.daemon = True
    deadline.start()
    try:
        smtp.connect(config["MAIL_SERVER"], int(config["MAIL_PORT"]))
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message, to_addrs=to_addrs)
    finally:
        # once the server has taken the message it is sent: an error answering QUIT (as the `with` block raised it)
        # sent it again on every retry of the outbox
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
        deadline.cancel()


def queue(to, subject, text, attachments=(), kind="mail", *, now, user=None):
    """Queue one message per recipient in the outbox of this transaction, stamped `now`; the scheduler sends it after
    commit. `user`: the person the message is for (one recipient): not sent once they are deactivated.

    Nothing is queued when SMTP is not configured. Returns the outbox rows.
    """
    # an address stored before addresses were checked for it (陈立新@例子.中国) gets no mail, and fails nothing
    to = [(name, address) for name, address in to if address and smtp_address(address)]
    if not to or not configured():
        return []
    config = {key: value for key, value in current_app.config.items() if key.startswith("MAIL_")}
    rows = []
    for name, address in to:
        message = build(config, [(name, address)], subject, text, attachments)
        rows.append(outbox.add("email", kind, address, subject, message.as_bytes(), now,
                               user_id=user.id if user is not None else None))
    return rows


def _send_outbox_email(config, row):
    """The outbox's sender of the "email" channel: the stored message, as it was built, to its recipient (not to one
    deactivated since it was queued: the people notified are the active ones), at the address the recipient has
    now: one removed since takes none (a scan's mail carries a customer's ticket), one changed the new one."""
    recipient = row.recipient
    if row.user_id is not None:
        person = db.session.execute(select(User.active, User.email).where(User.id == row.user_id)).first()
        if person is None or not person.active:
            raise outbox.Withdrawn(_l("收件人已停用，邮件不再发送"))
        if not person.email or not smtp_address(person.email):
            raise outbox.Withdrawn(_l("收件人的邮箱已删除，邮件不再发送"))
        recipient = person.email
    message = message_from_bytes(row.payload, policy=policy.default)
    del message["From"]
    message["From"] = config["MAIL_SENDER"]
    if recipient != row.recipient:  # the outbox page shows where it went
        name = message["To"].addresses[0].display_name if message["To"] and message["To"].addresses else ""
        del message["To"]
        message["To"] = [Address(display_name=name, addr_spec=smtp_address(recipient))]
        row.recipient = recipient
    send(config, message, to_addrs=[smtp_address(recipient) or recipient])  # the row's (or now the user's), not a header's


outbox.register_sender("email", _send_outbox_email)
