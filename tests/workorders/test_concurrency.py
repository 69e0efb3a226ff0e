"""Work orders created at the same moment (real threads against a served app): racing for a generated number or a
new customer's name, the losers get a 409 to send again, never a 500, and nothing half-stored."""

from sqlalchemy import func, select

from tests.itinerary.test_concurrency import _all_at_once, _post
from tracker.customers.models import Customer
from tracker.extensions import db
from tracker.workorders.models import WorkOrder

CALLERS = 8


def test_orders_created_at_once_are_stored_or_refused_with_409(live_server, team, token):
    headers = token("office")
    url = live_server + "/api/v1/work-orders"
    results = _all_at_once(CALLERS, lambda n: _post(url, headers, {
        "customer": "同时新建的客户", "service_type": "维修", "reported_at": "2026-11-19T09:00"}))
    statuses = [status for status, _body in results]
    assert set(statuses) <= {201, 409}, results
    assert statuses.count(201) >= 1
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict" and "重试" in body["error"]["message"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == statuses.count(201)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
    retried = [_post(url, headers, {"customer": "同时新建的客户", "service_type": "维修",
                                    "reported_at": "2026-11-19T09:00"}) for status in statuses if status == 409]
    assert all(status == 201 for status, _body in retried)  # sent again, each is stored
