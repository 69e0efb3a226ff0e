"""Calendar overrides, attendance, trips, expenses and month submissions."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from tracker import clock
from tracker.extensions import db, NEVER_REUSED
from tracker.scoring.month import Month
from tracker.values import MonthColumn

ATTENDANCE_STATUSES = ("present", "late", "early_leave", "absent", "personal_leave", "sick_leave",
                       "annual_leave", "business_trip")
EXPENSE_CATEGORIES = ("transport", "lodging", "meals", "other")


class CalendarDay(db.Model):
    """An admin override of one date: a workday or not, whatever the official calendar says."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(100))


class Attendance(db.Model):
    """An exception to `present` for one engineer on one workday."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("engineer_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None]


class Trip(db.Model):
    """A field trip; times are minutes after midnight (0..1440), or full_day."""

    __tablename__ = "trips"
    __table_args__ = (
        Index("ix_trips_engineer_day", "engineer_id", "day"),
        UniqueConstraint("engineer_id", "client_id"),
        CheckConstraint("full_day OR (depart_min IS NOT NULL AND return_min IS NOT NULL "
                        "AND depart_min >= 0 AND return_min <= 1440 AND return_min > depart_min)",
                        name="times"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    full_day: Mapped[bool] = mapped_column(default=False)
    depart_min: Mapped[int | None]
    return_min: Mapped[int | None]
    hours: Mapped[object] = mapped_column(Numeric(4, 1))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    purpose: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(500))
    # The UUID an offline client gave the entry, so that sending it again stores nothing (CONTRACT 10).
    client_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)  # local, as every stored time

    engineer = relationship("User")
    customer = relationship("Customer")
    # WorkOrder.trips (read-only) lets the work-order page list its trips without work orders importing this module.
    work_order = relationship("WorkOrder", backref=backref(
        "trips", viewonly=True, order_by=lambda: (Trip.day, Trip.depart_min, Trip.id)))


class Expense(db.Model):
    __tablename__ = "expenses"
    __table_args__ = (Index("ix_expenses_engineer_day", "engineer_id", "day"),
                      UniqueConstraint("engineer_id", "client_id"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    category: Mapped[str] = mapped_column(String(16))
    amount: Mapped[object] = mapped_column(Numeric(12, 2))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)  # local, as every stored time

    engineer = relationship("User")
    work_order = relationship("WorkOrder")


class MonthSubmission(db.Model):
    """An engineer's submitted month; its presence locks the month's trips and expenses."""

    __tablename__ = "month_submissions"
    __table_args__ = (UniqueConstraint("engineer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    submitted_at: Mapped[datetime]


class DeletedEntry(db.Model):
    """A trip or expense that was sent with a client_id and deleted since: a repeat of that send answers what the
    entry was and stores nothing (CONTRACT 10), rather than bringing a deleted entry back."""

    __tablename__ = "deleted_entries"
    __table_args__ = (UniqueConstraint("kind", "engineer_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # trip, expense
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    answer: Mapped[str] = mapped_column(Text)  # the entry's JSON answer when it was deleted
    deleted_at: Mapped[datetime]
