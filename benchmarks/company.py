"""A synthetic after-sales company, written in bulk: teams of engineers with months of realistic records.

Ratios per month (from the issue that asked for the benchmark): 5% of work orders cancelled, 3% rework, 30%
surveyed, trips 0.42 and expenses 0.5 per work order, a few attendance records and complaints per engineer,
self and leader reviews, a fifth of the engineers with an adjustment. Every run with the same sizes and seed
writes the same rows.
"""

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal


from tracker.scoring.month import Month
from tracker.auth.models import User
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary.models import Attendance, Expense, Trip
from tracker.scores import templates_store
from tracker.reviews.models import CRITERIA, Review
from tracker.scores.models import Adjustment
from tracker.workorders.models import Complaint, Survey, WorkOrder
from tracker.customers.models import Customer

BATCH = 5000  # rows per executemany: bounded memory whatever the size
TEAM_SIZE = 20
CUSTOMERS = 300


@dataclass(frozen=True)
class Sizes:
    engineers: int = 2000
    orders: int = 100_000  # work orders a month
    months: int = 3  # the month measured and the ones before it
    month: str = "2026-10"
    seed: int = 20261120


def _write(model, rows):
    for start in range(0, len(rows), BATCH):
        db.session.execute(model.__table__.insert(), rows[start:start + BATCH])


def _month_list(sizes):
    names, current = [], sizes.month
    for _ in range(sizes.months):
        names.append(current)
        current = Month(current).previous()
    return list(reversed(names))


def build(sizes, now):
    """Write the company; returns {"engineers": [...ids], "managers": [...usernames], "month": ...}."""
    rng = random.Random(sizes.seed)
    templates_store.sync_presets(now)
    teams = max(1, sizes.engineers // TEAM_SIZE)
    _write(Customer, [{"id": n + 1, "name": f"客户{n + 1:04d}"} for n in range(CUSTOMERS)])
    people = [{"id": 1, "username": "gm.bench", "role": "gm", "supervisor_id": None, "display_name": "总经理"},
              {"id": 2, "username": "office.bench", "role": "backoffice", "supervisor_id": None,
               "display_name": "内勤"}]
    people += [{"id": 10 + t, "username": f"mgr{t:03d}", "role": "manager", "supervisor_id": 1,
                "display_name": f"主管{t:03d}"} for t in range(teams)]
    first_engineer = 10 + teams + 10
    engineers = list(range(first_engineer, first_engineer + sizes.engineers))
    people += [{"id": e, "username": f"eng{n:05d}", "role": "engineer", "supervisor_id": 10 + n % teams,
                "display_name": f"工程师{n:05d}"} for n, e in enumerate(engineers)]
    _write(User, [dict(p, password_hash="x", active=True, bonus_base=Decimal(3000),
                       hire_date=date(2020, 1, 1) if p["id"] % 41 else date(2026, 8, 1)) for p in people])
    order_id = survey_id = 0
    for month in _month_list(sizes):
        order_id, survey_id = _month(rng, sizes, month, engineers, order_id, survey_id, now)
    db.session.commit()
    return {"engineers": engineers, "managers": [f"mgr{t:03d}" for t in range(teams)], "month": sizes.month,
            "teams": teams}


def _month(rng, sizes, month, engineers, order_id, survey_id, now):
    first, nxt = Month(month).bounds()
    workdays = [d for d, work in calendar.workdays_between(first, nxt).items() if work]
    per_engineer = sizes.orders / len(engineers)
    orders, surveys, trips, expenses, attendance, complaints, reviews, adjustments = ([] for _ in range(8))
    start_id = order_id
    for n, engineer in enumerate(engineers):
        count = int(per_engineer) + (1 if rng.random() < per_engineer % 1 else 0)
        for _ in range(count):
            order_id += 1
            day = rng.choice(workdays)
            reported = datetime.combine(day, time(8)) + timedelta(minutes=rng.randrange(600))
            responded = reported + timedelta(minutes=rng.choice((20, 45, 90, 110, 150, 200)))
            completed = responded + timedelta(hours=rng.randint(1, 30)) if rng.random() < 0.88 else None
            cancelled = rng.random() < 0.05
            rework = "none"
            if rng.random() < 0.03 and order_id - start_id > 10:
                rework = rng.choice(("internal", "external"))
            orders.append({
                "id": order_id, "number": f"B{order_id:08d}", "customer_id": rng.randint(1, CUSTOMERS),
                "equipment": f"{rng.randint(1, 9)}号机", "service_type": rng.choice(("维修", "常规保养", "安装")),
                "reported_at": reported, "responded_at": None if cancelled else responded,
                "arrived_at": None, "completed_at": None if cancelled else completed,
                "deadline_at": reported + timedelta(hours=24) if rng.random() < 0.5 else None,
                "engineer_id": engineer, "status": "cancelled" if cancelled else ("completed" if completed else "open"),
                "rework": rework, "rework_of_id": rng.randint(start_id + 1, order_id - 1) if rework != "none" else None,
                "created_at": now})
            if completed and not cancelled and rng.random() < 0.34:
                survey_id += 1
                surveys.append({"id": survey_id, "work_order_id": order_id, "score": rng.choice((5, 5, 5, 4, 4, 3, 2)),
                                "method": "phone", "recorded_at": now})
        trip_days = rng.sample(workdays, min(len(workdays), max(1, round(count * 0.42))))
        for day in trip_days:
            depart = rng.choice((480, 540, 600, 780))
            trips.append({"engineer_id": engineer, "day": day, "full_day": rng.random() < 0.1, "depart_min": depart,
                          "return_min": depart + 240, "hours": Decimal(4), "created_at": now})
        for _ in range(round(count * 0.5)):
            expenses.append({"engineer_id": engineer, "day": rng.choice(workdays), "category": "transport",
                             "amount": Decimal(rng.randint(20, 400)), "created_at": now})
        for day in rng.sample(workdays, 2):
            attendance.append({"engineer_id": engineer, "day": day,
                               "status": rng.choice(("late", "personal_leave", "sick_leave", "annual_leave",
                                                     "business_trip", "early_leave"))})
        if rng.random() < 0.1:
            complaints.append({"engineer_id": engineer, "day": rng.choice(workdays), "upheld": rng.random() < 0.5,
                               "resolution_satisfied": rng.random() < 0.7, "recorded_at": now})
        leader = 10 + n % max(1, len(engineers) // TEAM_SIZE)
        for rater, group in ((engineer, "self"), (leader, "leader")):
            reviews.append({"engineer_id": engineer, "month": month, "rater_id": rater, "group": group,
                            "ratings": json.dumps({c: rng.randint(3, 5) for c in CRITERIA}), "updated_at": now})
        if rng.random() < 0.2:
            adjustments.append({"engineer_id": engineer, "month": month, "points": Decimal(rng.choice((-3, 2, 5))),
                                "reason": "bench", "status": "approved", "proposed_at": now})
    for model, rows in ((WorkOrder, orders), (Survey, surveys), (Trip, trips), (Expense, expenses),
                        (Attendance, attendance), (Complaint, complaints), (Review, reviews),
                        (Adjustment, adjustments)):
        _write(model, rows)
    db.session.commit()
    return order_id, survey_id
