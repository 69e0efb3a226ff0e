"""Helpers of the score tests: a writer of hand-made records and readers of the stored scores."""

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from tests.conftest import NOW
from tracker.extensions import db
from tracker.itinerary.models import Attendance, CalendarDay, Expense, MonthSubmission, Trip
from tracker.scores.models import Adjustment, Score, Veto
from tracker.reviews.models import CRITERIA, Incident, Review
from tracker.workorders.models import Complaint, Survey, WorkOrder
from tracker.customers.models import Customer


class Records:
    """Adds rows straight to the database, committed one by one, as the other features would have stored them."""

    def __init__(self):
        self.customer = db.session.scalar(select(Customer).where(Customer.name == "旗滨玻璃"))
        if self.customer is None:
            self.customer = self._add(Customer(name="旗滨玻璃"))
        self.count = db.session.scalar(select(func.count()).select_from(WorkOrder))

    def _add(self, row):
        db.session.add(row)
        db.session.commit()
        return row

    def order(self, engineer, reported, *, responded=None, completed=None, deadline=None, status=None,
              rework="none", rework_of=None):
        self.count += 1
        if status is None:
            status = "completed" if completed else "open"
        return self._add(WorkOrder(
            number=f"T-{self.count:05d}", customer_id=self.customer.id, service_type="维修", reported_at=reported,
            responded_at=responded, completed_at=completed, deadline_at=deadline, engineer_id=engineer.id,
            status=status, rework=rework, rework_of_id=rework_of.id if rework_of else None))

    def survey(self, order, score):
        return self._add(Survey(work_order_id=order.id, score=score, recorded_at=NOW))

    def complaint(self, engineer, day, upheld=True, order=None, satisfied=None):
        return self._add(Complaint(engineer_id=engineer.id, day=day, upheld=upheld, resolution_satisfied=satisfied,
                                   work_order_id=order.id if order else None, recorded_at=NOW))

    def attendance(self, engineer, day, status):
        return self._add(Attendance(engineer_id=engineer.id, day=day, status=status))

    def calendar(self, day, workday):
        return self._add(CalendarDay(day=day, workday=workday))

    def trip(self, engineer, day, hours=None, full_day=False):
        """A trip from 08:00 lasting `hours` (a multiple of 0.5), or a full day."""
        if full_day:
            return self._add(Trip(engineer_id=engineer.id, day=day, full_day=True, hours=Decimal("7.5")))
        hours = Decimal(str(hours))
        return self._add(Trip(engineer_id=engineer.id, day=day, depart_min=480, return_min=480 + int(hours * 60),
                              hours=hours))

    def expense(self, engineer, day, amount):
        return self._add(Expense(engineer_id=engineer.id, day=day, category="transport", amount=Decimal(amount)))

    def review(self, engineer, month, rater, group, *values):
        ratings = dict(zip(CRITERIA, values or [5] * 7))
        return self._add(Review(engineer_id=engineer.id, month=month, rater_id=rater.id, group=group,
                                ratings=json.dumps(ratings), updated_at=NOW))

    def adjustment(self, engineer, month, points, status="approved"):
        return self._add(Adjustment(engineer_id=engineer.id, month=month, points=Decimal(points), reason="r",
                                    status=status, proposed_at=NOW))

    def veto(self, engineer, month):
        return self._add(Veto(engineer_id=engineer.id, month=month, reason="安全事故", recorded_at=NOW))

    def incident(self, engineer, day, indicator, category=None, amount=None):
        return self._add(Incident(engineer_id=engineer.id, day=day, indicator=indicator, category=category,
                                  amount=amount, recorded_at=NOW))

    def submission(self, engineer, month):
        return self._add(MonthSubmission(engineer_id=engineer.id, month=month, submitted_at=NOW))


def score_of(engineer, month):
    """The stored score row, read afresh."""
    db.session.expire_all()
    return db.session.scalar(select(Score).where(Score.engineer_id == engineer.id, Score.month == month))


def lines_of(engineer, month):
    """{code: ScoreLine} of the stored score."""
    score = score_of(engineer, month)
    return {line.code: line for line in score.lines}


def snapshot(month):
    """Every stored row of a month, without ids and computation times: what 'the same result' means."""
    db.session.expire_all()
    rows = []
    for score in db.session.scalars(select(Score).where(Score.month == month).order_by(Score.engineer_id)):
        head = {c: getattr(score, c) for c in ("engineer_id", "month", "template_id", "eligible", "quantitative",
                                               "qualitative", "adjustments", "vetoed", "total", "grade", "bonus",
                                               "status")}
        lines = [{c: getattr(line, c) for c in ("position", "code", "name", "name_en", "applies", "missing", "value",
                                                 "points",
                                                 "max_points", "weight", "message", "explanation", "explanation_en",
                                                 "record_ids")} for line in score.lines]
        rows.append((head, lines))
    return rows


def at(day, hour=9, minute=0, second=0):
    """A local datetime on a date."""
    return datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute, second=second)


NOV = "2026-11"
OCT = "2026-10"
D = date
