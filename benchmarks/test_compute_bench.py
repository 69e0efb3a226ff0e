"""How long computing a month takes for a department of ~500 engineers with a realistic month of records.

Run with `make bench` (pytest-benchmark); `make test` does not collect this folder.
"""

import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from tests.conftest import NOW
from tracker.auth.models import User
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary.models import Attendance, Expense, Trip
from tracker.scores import services, templates_store
from tracker.scores.models import Adjustment, Score
from tracker.reviews.models import CRITERIA, Review
from tracker.workorders.models import Complaint, Survey, WorkOrder
from tracker.customers.models import Customer

ENGINEERS = 500
MONTH = "2026-11"
SEED = 20261120


def _department():
    """ENGINEERS engineers under 10 managers, each with the trips, expenses, orders and surveys of a busy month."""
    rng = random.Random(SEED)
    templates_store.sync_presets(NOW)
    db.session.add(Customer(id=1, name="旗滨玻璃"))
    people = [{"id": 1, "username": "gm.boss", "role": "gm", "supervisor_id": None}]
    people += [{"id": 2 + m, "username": f"mgr{m}", "role": "manager", "supervisor_id": 1} for m in range(10)]
    people += [{"id": 100 + n, "username": f"eng{n:03d}", "role": "engineer", "supervisor_id": 2 + n % 10}
               for n in range(ENGINEERS)]
    db.session.execute(insert(User), [dict(p, password_hash="x", display_name=p["username"],
                                           hire_date=date(2020, 1, 1) if p["id"] % 37 else date(2026, 9, 1),
                                           bonus_base=Decimal(3000), active=True) for p in people])
    workdays = [d for d, work in calendar.workdays_between(date(2026, 11, 1), date(2026, 11, 20)).items() if work]
    trips, expenses, attendance, orders, surveys, complaints, reviews, adjustments = ([] for _ in range(8))
    order_id = 0
    for n in range(ENGINEERS):
        engineer = 100 + n
        for day in rng.sample(workdays, 10):
            depart = rng.choice((480, 540, 600))
            trips.append({"engineer_id": engineer, "day": day, "full_day": False, "depart_min": depart,
                          "return_min": depart + 240, "hours": Decimal(4)})
            expenses.append({"engineer_id": engineer, "day": day, "category": "transport",
                             "amount": Decimal(rng.randint(50, 400))})
        for day in rng.sample(workdays, 2):
            attendance.append({"engineer_id": engineer, "day": day,
                               "status": rng.choice(("late", "personal_leave", "sick_leave", "annual_leave"))})
        for _ in range(12):
            order_id += 1
            reported = datetime.combine(rng.choice(workdays), datetime.min.time()) + timedelta(hours=8)
            responded = reported + timedelta(minutes=rng.choice((30, 60, 90, 150)))
            completed = responded + timedelta(hours=rng.randint(2, 40)) if rng.random() < 0.85 else None
            rework = rng.choice(("none",) * 30 + ("internal", "external"))
            orders.append({"id": order_id, "number": f"B{order_id:06d}", "customer_id": 1, "service_type": "维修",
                           "equipment": "", "reported_at": reported, "responded_at": responded,
                           "completed_at": completed, "deadline_at": reported + timedelta(hours=24)
                           if rng.random() < 0.5 else None, "engineer_id": engineer,
                           "status": "completed" if completed else rng.choice(("open",) * 9 + ("cancelled",)),
                           "rework": rework, "rework_of_id": rng.randint(1, order_id - 1)
                           if rework != "none" and order_id > 1 else None})
            if completed and rng.random() < 0.6:
                surveys.append({"work_order_id": order_id, "score": rng.choice((5, 5, 5, 4, 4, 3)),
                                "method": "phone", "recorded_at": NOW})
        if rng.random() < 0.1:
            complaints.append({"engineer_id": engineer, "day": rng.choice(workdays), "upheld": rng.random() < 0.5,
                               "resolution_satisfied": True, "recorded_at": NOW})
        for rater, group in ((engineer, "self"), (2 + n % 10, "leader")):
            reviews.append({"engineer_id": engineer, "month": MONTH, "rater_id": rater, "group": group,
                            "ratings": json.dumps({c: rng.randint(3, 5) for c in CRITERIA}), "updated_at": NOW})
        if rng.random() < 0.2:
            adjustments.append({"engineer_id": engineer, "month": MONTH, "points": Decimal(rng.choice((-3, 2, 5))),
                                "reason": "bench", "status": "approved", "proposed_at": NOW})
    for model, rows in ((Trip, trips), (Expense, expenses), (Attendance, attendance), (WorkOrder, orders),
                        (Survey, surveys), (Complaint, complaints), (Review, reviews), (Adjustment, adjustments)):
        db.session.execute(insert(model), rows)
    db.session.commit()


def test_computing_a_month_for_500_engineers(app, benchmark):
    _department()

    def compute():
        db.session.expunge_all()
        summary = services.compute_month(MONTH, NOW)
        db.session.commit()
        return summary

    summary = benchmark.pedantic(compute, rounds=3, iterations=1, warmup_rounds=1)
    assert summary["computed"] == ENGINEERS
    assert db.session.query(Score).filter(Score.month == MONTH, Score.total.isnot(None)).count() > ENGINEERS * 0.9
