"""Customers and service work orders (服务工单)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

STATUSES = ("open", "completed", "cancelled")
REWORK = ("none", "internal", "external")


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)


class WorkOrder(db.Model):
    __tablename__ = "work_orders"
    __table_args__ = (
        CheckConstraint("status IN ('open','completed','cancelled')", name="status"),
        CheckConstraint("rework IN ('none','internal','external')", name="rework"),
        Index("ix_work_orders_engineer_reported", "engineer_id", "reported_at"),
        Index("ix_work_orders_engineer_completed", "engineer_id", "completed_at"),
        Index("ix_work_orders_engineer_deadline", "engineer_id", "deadline_at"),
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
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)

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
        return self.service_date.strftime("%Y%m%d") + self.customer.name + (self.equipment or "") + self.service_type
