"""A deep page of the work-order list starts reading the (reported_at, id) index at its cursor (PostgreSQL plans).

Without the plain bound on reported_at beside the keyset's OR, PostgreSQL walks the index from the newest order and
filters out every row up to the cursor: half a table read for a page half-way down (0.3 s at 500,000 orders).
"""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, text

from tests.conftest import NOW, PASSWORD, scratch_postgres_app
from tracker.auth import services as auth_services
from tracker.customers.models import Customer
from tracker.extensions import db
from tracker.workorders import services
from tracker.workorders.models import WorkOrder

ORDERS = 20000


@pytest.fixture
def postgres_orders(tmp_path):
    """A scratch PostgreSQL database (TRACKER_TEST_POSTGRES_URL's server) with ORDERS work orders, analysed."""
    with scratch_postgres_app("_list_plans", tmp_path / "instance") as app:
        office = auth_services.create_user({"username": "office", "password": PASSWORD, "role": "backoffice",
                                            "display_name": "内勤", "hire_date": date(2020, 1, 1)})
        engineer = auth_services.create_user({"username": "eng1", "password": PASSWORD, "role": "engineer",
                                              "display_name": "张三", "hire_date": date(2020, 1, 1)})
        db.session.add(Customer(name="旗滨玻璃"))
        db.session.flush()
        customer_id = db.session.scalar(db.select(Customer.id))
        start = datetime(2026, 1, 1, 8, 0)
        db.session.execute(insert(WorkOrder), [
            {"number": f"P{n:06d}", "customer_id": customer_id, "service_type": "维修", "equipment": "",
             "reported_at": start + timedelta(minutes=10 * (n // 2)), "engineer_id": engineer.id,
             "status": "open", "rework": "none", "created_at": NOW} for n in range(ORDERS)])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        yield app, office


def _rows_read_for_the_page(app, call):
    """Run call() (one order_page), then EXPLAIN ANALYZE its statement on work_orders: the rows the scan read and
    threw away, and the page."""
    sent = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        with app.test_request_context():
            page = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    statement, parameters = next((s, p) for s, p in sent if "FROM work_orders" in s)
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + statement, parameters)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    return removed, plan, page


def test_a_deep_page_by_cursor_reads_only_its_rows(postgres_orders):
    app, office = postgres_orders
    middle = db.session.scalars(db.select(WorkOrder).order_by(WorkOrder.reported_at.desc(), WorkOrder.id.desc())
                                .offset(ORDERS // 2).limit(1)).one()
    cursor = services.cursor_of(middle)

    removed, plan, older = _rows_read_for_the_page(app, lambda: services.order_page(office, {}, after=cursor))
    assert removed <= 2 * services.PAGE, plan
    assert older.orders[0].number == f"P{ORDERS // 2 - 2:06d}"  # the next older one (same minute: lower id)

    removed, plan, newer = _rows_read_for_the_page(app, lambda: services.order_page(office, {}, before=cursor))
    assert removed <= 2 * services.PAGE, plan
    assert newer.orders[-1].number == f"P{ORDERS // 2:06d}" and len(newer.orders) == services.PAGE
