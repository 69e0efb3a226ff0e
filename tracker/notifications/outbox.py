"""The outbox: messages to other systems, stored with the change that caused them and sent by the scheduler.

A web request never talks to a mail server: it adds an OutboxMessage in its own transaction (so a rollback drops
the message too), and the scheduler process sends what is due, retrying with back-off when the receiver is down.
Each message names its `channel` (how it travels: "email", or a group-chat robot's "wecom" / "dingtalk", each with
its sender) and its `kind` (what it announces: the notification kind). Admins see the queue at
/notifications/outbox. The delivery loop the scheduler runs is in `schedule.py`; it sends every channel with the
same back-off.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, and_, func, or_, select, update
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from tracker.errors import Conflict, NotFound
from tracker.extensions import db

STATUSES = ("pending", "sent", "failed")
MAX_ATTEMPTS = 8          # 1, 2, 4 ... 64 minutes apart, then given up (still listed for the admins)
LEASE = timedelta(minutes=5)  # a message being sent is not picked up by another scheduler meanwhile
BATCH = 50
SENDERS = {}  # channel -> send(config, message row); raises on failure


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # email: the whole RFC 5322 message; robots: the JSON body
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    robot_id: Mapped[int | None] = mapped_column(ForeignKey("chat_robots.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    @hybrid_property
    def resendable(self):
        """An admin may send it again: given up ("failed"), and with somewhere to go (a robot's message names its
        robot, and one whose robot was removed would only fail again). A pending message is retried by itself."""
        return self.status == "failed" and (self.channel == "email" or self.robot_id is not None)

    @resendable.inplace.expression
    @classmethod
    def _resendable_expression(cls):
        return and_(cls.status == "failed", or_(cls.channel == "email", cls.robot_id.is_not(None)))


class Withdrawn(Exception):
    """Raised by a sender for a message that has nobody to go to any more (its recipient was deactivated since it
    was queued): given up at once, not retried."""


def register_sender(channel, send):
    """Add a way to deliver messages of a channel: send(config, message) raises when it fails."""
    SENDERS[channel] = send


def add(channel, kind, recipient, subject, payload, now, user_id=None):
    """Queue one message in the current transaction (the caller commits)."""
    row = OutboxMessage(channel=channel, kind=kind, recipient=recipient[:254], subject=subject[:255],
                        payload=payload, user_id=user_id, status="pending", attempts=0, created_at=now,
                        next_attempt_at=now)
    db.session.add(row)
    return row


def backoff(attempts):
    """Minutes to wait after the n-th failed attempt: 1, 2, 4, ... 64."""
    return timedelta(minutes=2 ** min(attempts - 1, 6))


def retry(message_id, now):
    """An admin sends a given-up message again (the caller commits). Anything else is refused: a pending message
    (waiting for its next try, or being sent right now) sent again would reach its receiver twice. Raises NotFound
    or Conflict."""
    done = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.resendable)
                              .values(status="pending", attempts=0, next_attempt_at=now)
                              .execution_options(synchronize_session=False))
    if done.rowcount == 1:
        return
    row = db.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(_("待发消息中没有这条消息"))
    if row.status == "pending":
        raise Conflict(_("这条消息仍在等待发送，调度进程会按时重试，无需重新发送"))
    if row.status == "sent":
        raise Conflict(_("这条消息已经发出，不会重新发送"))
    raise Conflict(_("这条消息的群机器人已被删除，无法重新发送"))


PAGE = 200
PAGE_MAX = 100_000
OVERDUE = timedelta(minutes=5)  # the scheduler sends every 30 seconds: a message due this long has nobody sending it


def overdue(now, channels):
    """(how many, the earliest due time) of the messages of `channels` (those that can be sent now) due for longer
    than OVERDUE, or None: no scheduler process is sending them (one that is not running was seen nowhere)."""
    count, first = db.session.execute(
        select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.channel.in_(channels),
            OutboxMessage.next_attempt_at <= now - OVERDUE)).one()
    return (count, first) if count else None


def recent(page=1, limit=PAGE):
    """(the messages of page `page`, newest first, whether an older page follows): every message can be reached
    (only the newest 200 could)."""
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                              .offset((page - 1) * limit).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit
