"""The demo data set: loads into a database without work data only, quickly, and obeys every rule."""

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from tests.conftest import NOW, _wipe
from tracker import demo as demo_data
from tracker.auth import services as auth_services
from tracker.auth.models import User
from tracker.equipment import Equipment
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary.models import Attendance, Expense, MonthSubmission, Trip
from tracker.scoring.fieldhours import overlaps, trip_hours
from tracker.scoring.month import Month
from tracker.workorders.models import Complaint, WorkOrder
from tracker.customers.models import Customer

LOGINS = ("gm.wang", "admin", "office", "mgr.liu", "mgr.chen")


@pytest.fixture
def demo(runner):
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        result = runner.invoke(args=["demo"])
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result, len(statements)


def test_demo_loads_an_empty_database_in_batches_and_a_second_run_refuses(runner, demo):
    result, statements = demo
    assert "demo1234" in result.output
    # each month's compute said as `compute` says it, not as a Python dict ({'month': Month('2026-09'), ...})
    assert "Month(" not in result.output and "{" not in result.output
    # in Chinese, as the nightly job words the same figures (it was English beside the commands' Chinese)
    assert re.search(r"^2026-11：计算 \d+ 人（参加考核 \d+ 人", result.output, re.M), result.output
    # Hundreds of trips, expenses and work orders and four computed months (about 3,100 statements today): rows go
    # in by the batch and facts are aggregated in SQL; a query per row would take tens of thousands.
    assert statements < 5000
    users = db.session.scalar(select(func.count()).select_from(User))
    trips = db.session.scalar(select(func.count()).select_from(Trip))
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    assert "已有业务数据" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert db.session.scalar(select(func.count()).select_from(Trip)) == trips


def test_demo_loads_beside_users_made_first_and_keeps_them(runner):
    """CONTRACT 1: demo refuses a database with work data; an administrator created first (create-user) is not (it
    was refused). A demo staff login already there with its role is kept as it is, password too."""
    for username, role in (("admin", "admin"), ("boss1", "gm")):
        assert runner.invoke(args=["create-user", username, "--role", role, "--display-name", "先建",
                                   "--password", "own-password-1"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "kept with their own password: admin" in result.output
    db.session.expire_all()
    assert auth_services.authenticate("admin", "own-password-1") is not None
    assert auth_services.authenticate("admin", "demo1234") is None
    assert auth_services.authenticate("zhangsan", "demo1234") is not None
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "admin")) == 1
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) > 0


@pytest.mark.parametrize("username, role", [("zhangsan", "engineer"), ("mgr.liu", "engineer"), ("office", "gm")])
def test_demo_refuses_a_demo_login_taken_by_someone_else(runner, username, role):
    args = ["create-user", username, "--role", role, "--display-name", "先建", "--password", "own-password-1"]
    if role == "engineer":
        args += ["--hire-date", "2020-01-01"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and username in result.output, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_demo_refuses_a_database_with_work_data(runner, make_user):
    db.session.add(Customer(name="旗滨玻璃"))
    db.session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "业务数据" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_any_record_is_work_data_a_complaint_too(runner, make_user):
    """The check named customers, trips, orders and a few more: a database with a complaint (or an adjustment, an
    interview) took the demo beside it."""
    engineer = make_user("eng9")
    db.session.add(Complaint(engineer_id=engineer.id, day=date(2026, 11, 2), upheld=True, recorded_at=NOW))
    db.session.commit()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "业务数据" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_refuses_a_deactivated_demo_login_it_would_list(runner, make_user):
    make_user("admin", role="admin", hire_date=None, active=False)
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "admin" in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_demo_people_form_a_department_with_the_documented_logins(demo):
    people = {u.username: u for u in db.session.scalars(select(User))}
    for username in LOGINS:
        assert auth_services.authenticate(username, "demo1234") is not None
    assert people["gm.wang"].role == "gm" and people["admin"].role == "admin" and people["office"].role == "backoffice"
    assert {people["mgr.liu"].supervisor.username, people["mgr.chen"].supervisor.username} == {"gm.wang"}
    engineers = [u for u in people.values() if u.role == "engineer"]
    assert 7 <= len(engineers) <= 10
    assert {e.supervisor.username for e in engineers} == {"mgr.liu", "mgr.chen"}
    assert all(e.bonus_base > 0 and e.department for e in engineers)
    assert len({u.password_hash for u in people.values()}) == 1  # every demo login has the same password
    # one engineer too recently hired to be assessed in any demo month, one hired on a month's last day
    assert any(e.hire_date + timedelta(days=184) > NOW.date() for e in engineers)
    assert any((e.hire_date + timedelta(days=1)).day == 1 for e in engineers)
    assert db.session.scalar(select(func.count()).select_from(Customer)) >= 12


def test_demo_trips_obey_the_rules(demo):
    trips = db.session.scalars(select(Trip)).all()
    assert len(trips) > 300
    by_day = defaultdict(list)
    for trip in trips:
        assert trip.day < NOW.date()
        assert trip.day >= trip.engineer.hire_date
        assert trip.hours == trip_hours(trip.depart_min, trip.return_min, trip.full_day)
        if not trip.full_day:
            assert 0 <= trip.depart_min < trip.return_min <= 1440
            by_day[(trip.engineer_id, trip.day)].append(trip)
    for day_trips in by_day.values():
        for i, a in enumerate(day_trips):
            for b in day_trips[i + 1:]:
                assert not overlaps(a.depart_min, a.return_min, b.depart_min, b.return_min)
    assert any(trip.full_day for trip in trips)
    assert any(not calendar.official_workday(trip.day) for trip in trips)  # some weekend trips
    assert len({Month.of(trip.day) for trip in trips}) == 4  # three past months and the current one


def test_demo_work_orders_have_times_in_order_and_in_the_past(demo):
    orders = db.session.scalars(select(WorkOrder)).all()
    numbers = [o.number for o in orders]
    assert len(numbers) == len(set(numbers))
    for order in orders:
        times = [t for t in (order.reported_at, order.responded_at, order.arrived_at, order.completed_at) if t]
        assert times == sorted(times) and times[-1] <= NOW
        assert order.number.startswith("WO" + order.reported_at.strftime("%Y%m%d") + "-")
        assert order.customer and order.service_type in ("常规保养", "维修", "安装", "调试", "巡检")
        assert (order.status == "completed") == (order.completed_at is not None)
        if order.rework_of is not None:
            assert order.rework in ("internal", "external")
            assert order.rework_of.completed_at < order.reported_at
    late = [o for o in orders if o.deadline_at and o.completed_at and o.completed_at > o.deadline_at]
    slow = [o for o in orders if o.responded_at and o.responded_at - o.reported_at > timedelta(hours=2)]
    assert late and slow
    assert any(o.rework == "external" for o in orders) and any(o.rework == "internal" for o in orders)
    assert any(o.status == "open" for o in orders)


def test_demo_expenses_attendance_and_submissions_obey_the_rules(demo):
    expenses = db.session.scalars(select(Expense)).all()
    assert {e.category for e in expenses} >= {"transport", "lodging", "meals"}
    assert all(e.day < NOW.date() and 0 < e.amount <= 100000 for e in expenses)
    records = db.session.scalars(select(Attendance)).all()
    assert len({r.status for r in records}) >= 4
    for record in records:
        assert calendar.is_workday(record.day) and record.day < NOW.date()
    current = Month.of(NOW.date())
    submitted = db.session.execute(select(MonthSubmission.month, func.count()).group_by(MonthSubmission.month)).all()
    months_submitted = dict(submitted)
    assert current not in months_submitted
    assert set(months_submitted) == {"2026-08", "2026-09", "2026-10"}
    assert all(row.submitted_at <= NOW for row in db.session.scalars(select(MonthSubmission)))


def test_demo_is_reproducible(app, demo):
    first = db.session.execute(select(Trip.day, Trip.depart_min, Trip.hours).order_by(Trip.id)).all()
    db.session.remove()  # end this session's transaction before the tables are emptied
    _wipe(app)
    demo_data.load(NOW)
    db.session.commit()
    assert db.session.execute(select(Trip.day, Trip.depart_min, Trip.hours).order_by(Trip.id)).all() == first
    assert date(2026, 8, 1) <= first[0].day


def test_demo_machines_are_records_of_their_customers(demo):
    """The work orders name machines: each is a record of its customer (suggested on the form, with a history)."""
    named = {(order.customer_id, order.equipment) for order in db.session.scalars(select(WorkOrder))
             if order.equipment}
    machines = {(m.customer_id, m.name) for m in db.session.scalars(select(Equipment))}
    assert named and machines == named
    assert all(m.model and m.serial and m.installed_on for m in db.session.scalars(select(Equipment)))
