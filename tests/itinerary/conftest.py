"""Fixtures of the itinerary tests: customers, work orders and a logged-in web client."""

from datetime import datetime

import pytest

from tests.conftest import login
from tracker.extensions import db
from tracker.workorders.models import WorkOrder
from tracker.customers.models import Customer


@pytest.fixture
def customers(app):
    """Two customers, by name."""
    rows = {name: Customer(name=name) for name in ("旗滨玻璃", "福耀玻璃")}
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


@pytest.fixture
def work_order(app, team, customers):
    """Work order WO-1001 of eng1 for 旗滨玻璃."""
    order = WorkOrder(number="WO-1001", customer_id=customers["旗滨玻璃"].id, equipment="1号机",
                      service_type="常规保养", reported_at=datetime(2026, 11, 2, 8, 0),
                      engineer_id=team["eng1"].id, status="open", rework="none")
    db.session.add(order)
    db.session.commit()
    return order


@pytest.fixture
def web(client):
    """web("eng1") -> the test client, logged in as that user."""

    def as_user(username):
        client.post("/logout")  # whoever was logged in before
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return as_user
