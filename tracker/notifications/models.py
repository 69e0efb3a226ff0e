"""A notification for one user; the text is rendered when shown, in the reader's language."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

KINDS = ("scan_stored", "month_reminder", "month_submitted", "month_reopened", "review_requested",
         "adjustment_proposed", "adjustment_withdrawn", "adjustment_decided", "score_approved", "score_reopened",
         "score_vetoed", "veto_withdrawn")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[str | None] = mapped_column(String(255))
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # whose month
    month: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    actor = relationship("User", foreign_keys=[actor_id])
    engineer = relationship("User", foreign_keys=[engineer_id])
    work_order = relationship("WorkOrder")
