"""Outgoing e-mail over SMTP, sent only once the database transaction that caused it has committed.

Services call queue(); the messages wait in the session's outbox and go out after a commit (a rollback drops
them), so no mail ever announces something that was not stored.
"""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.extensions import db

log = logging.getLogger(__name__)
OUTBOX = "tracker.outbox"


def configured(config=None):
    """True when an SMTP server is set (MAIL_SERVER)."""
    return bool((config or current_app.config).get("MAIL_SERVER"))


def build(config, to, subject, text, attachments=()):
    """An EmailMessage; attachments are (file name, bytes, MIME type) and keep non-ASCII names (RFC 2231)."""
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = ", ".join(formataddr((name or "", address)) for name, address in to)
    message["Subject"] = subject
    message.set_content(text)
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def send(config, message):
    """Deliver one message through the configured SMTP server."""
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config.get("MAIL_TIMEOUT", 15)) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def queue(to, subject, text, attachments=()):
    """Send a message after the current transaction commits; nothing happens when SMTP is not configured."""
    to = [(name, address) for name, address in to if address]
    if not to or not configured():
        return None
    config = {key: value for key, value in current_app.config.items() if key.startswith("MAIL_")}
    message = build(config, to, subject, text, attachments)
    db.session().info.setdefault(OUTBOX, []).append((config, message))
    return message


@event.listens_for(Session, "after_commit")
def _deliver(session):
    outbox = session.info.pop(OUTBOX, None)
    for config, message in outbox or ():
        try:
            send(config, message)
        except (OSError, smtplib.SMTPException):
            # The data is stored; a mail server being down must not undo that. Logged for the admin.
            log.exception("could not send mail %r to %s", message["Subject"], message["To"])


@event.listens_for(Session, "after_soft_rollback")
def _drop(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(OUTBOX, None)
