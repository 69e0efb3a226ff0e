"""Service work orders (服务工单), their scans, photos, surveys and complaints (customers: tracker.customers)."""

import unicodedata
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from tracker import clock
from tracker.customers.models import Customer
from tracker.extensions import db, NEVER_REUSED

STATUSES = ("open", "completed", "cancelled")
REWORK = ("none", "internal", "external")
SURVEY_METHODS = ("phone", "visit", "online", "other")


class WorkOrder(db.Model):
    __tablename__ = "work_orders"
    __table_args__ = (
        CheckConstraint("status IN ('open','completed','cancelled')", name="status"),
        CheckConstraint("rework IN ('none','internal','external')", name="rework"),
        Index("ix_work_orders_engineer_reported", "engineer_id", "reported_at"),
        Index("ix_work_orders_engineer_completed", "engineer_id", "completed_at"),
        Index("ix_work_orders_engineer_deadline", "engineer_id", "deadline_at"),
        Index("ix_work_orders_reported", "reported_at", "id"),  # the list's order and its keyset pages
        Index("ix_work_orders_rework_reported", "rework", "reported_at"),  # the month's rework orders (facts)
        # the orders completed in a month (facts): covering, so PostgreSQL reads the index alone
        Index("ix_work_orders_completed", "completed_at", "engineer_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    equipment: Mapped[str] = mapped_column(String(40), default="")
    service_type: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    rework: Mapped[str] = mapped_column(String(16), default="none")
    rework_of_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)  # local, as every stored time

    customer = relationship(Customer)
    engineer = relationship("User", foreign_keys=[engineer_id])
    submitter = relationship("User", foreign_keys=[submitter_id])
    rework_of = relationship("WorkOrder", remote_side=[id])

    @property
    def service_date(self):
        """Date of arrival, else completion, else report (CONTRACT 5)."""
        return (self.arrived_at or self.completed_at or self.reported_at).date()

    @property
    def canonical_name(self):
        """Service date + customer + equipment + service type (CONTRACT 5), NFC as its parts are: parts joined may
        compose (an equipment starting with a combining mark), and a name is compared in NFC."""
        return unicodedata.normalize("NFC", self.service_date.strftime("%Y%m%d") + self.customer.name
                                     + (self.equipment or "") + self.service_type)


class Scan(db.Model):
    """One stored version of a work order's scanned ticket (电子档); the newest has `current` set."""

    __tablename__ = "scans"
    __table_args__ = (
        UniqueConstraint("work_order_id", "version"),
        Index("ix_scans_customer_stem", "customer_id", "stem", "current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    version: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True)
    stem: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(600))
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]

    # Not stored: set by the upload that created the row when the scan's QR code, not its file name, named it.
    named_by_qr = False

    work_order = relationship(WorkOrder, backref=backref("scans", order_by="Scan.version.desc()",
                                                         passive_deletes=True))
    uploaded_by = relationship("User")


class Photo(db.Model):
    """A site photo of a work order, stored under the engineer's folder with a numbered canonical name."""

    __tablename__ = "photos"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(600))
    thumb_path: Mapped[str] = mapped_column(String(600))
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]

    work_order = relationship(WorkOrder, backref=backref("photos", order_by="Photo.id", passive_deletes=True))
    uploaded_by = relationship("User")


class Survey(db.Model):
    """A customer satisfaction survey (回访) of a work order: score 1-5."""

    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]
    method: Mapped[str] = mapped_column(String(16), default="phone")
    comment: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    work_order = relationship(WorkOrder, backref=backref("surveys", order_by="Survey.id", passive_deletes=True))
    recorded_by = relationship("User")


class Complaint(db.Model):
    """A customer complaint against an engineer, optionally about one work order."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_engineer_day", "engineer_id", "day"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="SET NULL"), index=True)
    day: Mapped[date]
    upheld: Mapped[bool]
    resolution_satisfied: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    engineer = relationship("User", foreign_keys=[engineer_id])
    work_order = relationship(WorkOrder)
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
