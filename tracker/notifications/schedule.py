"""The outbox's delivery loop, run by the scheduler process: a job, so it commits each message's outcome itself
(a message sent must be recorded as sent even when the next one fails)."""

import logging
from collections import namedtuple
import time
from datetime import timedelta

from sqlalchemy import select, update

from tracker.extensions import db
from tracker.notifications.outbox import BATCH, LEASE, MAX_ATTEMPTS, SENDERS, OutboxMessage, Withdrawn, backoff

log = logging.getLogger("tracker.notifications.outbox")


def _claim(row, now):
    """Lease the message to this process (two schedulers never send it twice); commits."""
    taken = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.status == "pending",
                                    OutboxMessage.attempts == row.attempts,
                                    OutboxMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False))
    db.session.commit()
    return taken.rowcount == 1


Sent = namedtuple("Sent", "sent failed last_error")


def send_due(config, now, limit=BATCH, channels=None):
    """Send the messages that are due (of `channels`, default every channel with a sender); each outcome committed
    on its own. Returns Sent(sent, failed, last_error)."""
    channels = list(SENDERS) if channels is None else list(channels)
    if not channels:
        return Sent(0, 0, None)
    due = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending",
                                                         OutboxMessage.channel.in_(channels),
                                                         OutboxMessage.next_attempt_at <= now)
                             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
    sent = failed = 0
    last_error = None
    started = time.monotonic()

    def moment():
        """The batch's `now` moved on by the time sending has taken: a lease counts from its claim and a back-off
        from its failure (a slow mail server made a batch outlive the leases it took at its start, and a second
        scheduler then sent the same message again)."""
        return now + timedelta(seconds=int(time.monotonic() - started))  # whole seconds, as times are kept

    for row in due:
        sender = SENDERS.get(row.channel)
        if sender is None or not _claim(row, moment()):
            continue
        try:
            sender(config, row)
        except Withdrawn as error:  # nobody to send it to any more: given up now, with the reason (the outbox's
            row.attempts += 1         # page says it; no failure of the run: nothing is wrong with the way out)
            row.status, row.last_error = "failed", str(error)[:2000]
            log.info("outbox message %s to %s withdrawn: %s", row.id, row.recipient, row.last_error)
        except Exception as error:  # the receiver is down or refused: try again later, and say why
            failed += 1
            row.attempts += 1
            row.last_error = last_error = f"{type(error).__name__}: {error}"[:2000]
            row.next_attempt_at = moment() + backoff(row.attempts)
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            log.warning("outbox message %s to %s failed (attempt %s): %s", row.id, row.recipient, row.attempts,
                        row.last_error)
        else:
            sent += 1
            row.attempts += 1
            row.status, row.sent_at, row.last_error = "sent", moment(), None
        db.session.commit()
    return Sent(sent, failed, last_error)
