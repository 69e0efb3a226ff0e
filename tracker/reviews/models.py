"""What the records can't tell: reviews, incidents, metric entries, manual ratings (the approval's own records,
adjustments, vetoes and interviews, are in tracker/scores/models.py)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db, NEVER_REUSED
from tracker.scoring.month import Month
from tracker.values import MonthColumn

CRITERIA = ("responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement")
GROUPS = ("self", "leader", "peer")


class Review(db.Model):
    """One rater's qualitative review of an engineer for a month; the group follows from who the rater is."""

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("engineer_id", "month", "rater_id"), Index("ix_reviews_month", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(8))
    ratings: Mapped[str] = mapped_column(Text)  # JSON {criterion: 0..5}
    comment: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime]

    rater = relationship("User", foreign_keys=[rater_id])


class Incident(db.Model):
    """An event a manager records against an indicator (e.g. phone not answered, −2)."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_engineer_day", "engineer_id", "day"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    indicator: Mapped[str] = mapped_column(String(60))
    category: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[object | None] = mapped_column(Numeric(8, 2))
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class MetricEntry(db.Model):
    """A monthly measured quantity: actual, with plan when it is a completion rate."""

    __tablename__ = "metric_entries"
    __table_args__ = (UniqueConstraint("engineer_id", "month", "key"), Index("ix_metric_entries_month", "month"),
                      NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    key: Mapped[str] = mapped_column(String(60))
    plan: Mapped[object | None] = mapped_column(Numeric(14, 2))
    actual: Mapped[object] = mapped_column(Numeric(14, 2))
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class Rating(db.Model):
    """A manual rating of one indicator by one rater: a scale level or points."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("engineer_id", "month", "key", "rater_id"), Index("ix_ratings_month", "month"),
                      NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    key: Mapped[str] = mapped_column(String(60))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(8))
    level: Mapped[str | None] = mapped_column(String(16))
    points: Mapped[object | None] = mapped_column(Numeric(8, 2))
    recorded_at: Mapped[datetime]
