"""Fixtures of the API tests: calls as a user, a customer and a work order."""

from datetime import datetime

import pytest

from tracker.extensions import db
from tracker.workorders.models import WorkOrder
from tracker.customers.models import Customer



@pytest.fixture
def customer(app):
    """A committed customer 旗滨玻璃."""
    row = Customer(name="旗滨玻璃")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def work_order(app, customer, team):
    """A committed work order WO-1 of eng1 for 旗滨玻璃."""
    row = WorkOrder(number="WO-1", customer_id=customer.id, equipment="1号机", service_type="常规保养",
                    reported_at=datetime(2026, 11, 2, 8, 0), engineer_id=team["eng1"].id, status="open", rework="none")
    db.session.add(row)
    db.session.commit()
    return row
