"""Work orders created at the same moment (real threads against a served app): racing for a generated number or a
new customer's name, the losers get a 409 to send again, never a 500, and nothing half-stored."""

from datetime import datetime

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


def test_orders_of_a_known_customer_created_at_once_each_get_the_next_number(live_server, team, token, make_order):
    """Twelve clerks' tickets at the same moment, numbers generated: each is stored with its own number of the day
    (11 of 20 were asked to retry when two generated the same number)."""
    make_order()  # 旗滨玻璃 exists
    headers = token("office")
    url = live_server + "/api/v1/work-orders"
    results = _all_at_once(12, lambda n: _post(url, headers, {
        "customer": "旗滨玻璃", "service_type": "维修", "reported_at": "2026-11-19T09:00"}))
    assert [status for status, _body in results] == [201] * 12, results
    numbers = [body["number"] for _status, body in results]
    assert len(set(numbers)) == 12


def test_orders_with_and_without_a_number_for_new_customers_created_at_once_are_all_stored(live_server, team,
                                                                                            token):
    """A number given by hand took the numbers' lock before the new customer's, a generated one after it: on
    PostgreSQL the two kinds deadlocked and most of twenty were asked to retry (409). Every create takes the numbers'
    lock first."""
    headers = token("office")
    url = live_server + "/api/v1/work-orders"

    def create(n):
        body = {"customer": f"并发新客户{n}", "service_type": "维修", "reported_at": "2026-11-19T09:00"}
        return _post(url, headers, {**body, "number": f"HAND-{n}"} if n % 2 else body)

    results = _all_at_once(12, create)
    assert [status for status, _body in results] == [201] * 12, results


def _patch(url, headers, body):
    from tests.itinerary.test_concurrency import _send

    return _send("PATCH", url, headers, body)


def test_two_changes_of_one_order_at_once_are_checked_together(live_server, team, token, make_order):
    """Each change alone keeps reported ≤ responded ≤ arrived; both together would not (responded 09:30 after an
    arrival moved to 09:00). The second is checked on the order as the first left it: one is refused (422), and
    the stored order keeps its times in order (responded 11:00 was stored after arrived 10:00)."""
    headers = token("office")
    for round_ in range(4):
        order = make_order()
        url = f"{live_server}/api/v1/work-orders/{order.id}"
        changes = [{"responded_at": "2026-10-15T09:30"}, {"arrived_at": "2026-10-15T09:00"}]
        results = _all_at_once(2, lambda n, url=url, changes=changes: _patch(url, headers, changes[n]))
        assert sorted(status for status, _body in results) == [200, 422], (round_, results)
        db.session.rollback()
        stored = db.session.get(WorkOrder, order.id)
        assert stored.responded_at is None or stored.responded_at <= stored.arrived_at, round_


def test_two_orders_linked_to_each_other_at_once_never_store_a_loop(live_server, team, token, make_order):
    """A redoes B and B redoes A, sent at the same moment by two clerks: each found no loop and both were stored
    (on PostgreSQL), after which every change of either order was refused. One of them is refused now."""
    headers = token("office")
    for round_ in range(4):
        first, second = (make_order(completed_at=datetime(2026, 10, 15, 12, 0)) for _ in range(2))
        changes = [(first.id, second.number), (second.id, first.number)]
        results = _all_at_once(2, lambda n, changes=changes: _patch(
            f"{live_server}/api/v1/work-orders/{changes[n][0]}", headers,
            {"rework": "internal", "rework_of": changes[n][1]}))
        assert sorted(status for status, _body in results) == [200, 422], (round_, results)
        db.session.rollback()
        linked = {order.id: order.rework_of_id for order in (db.session.get(WorkOrder, first.id),
                                                               db.session.get(WorkOrder, second.id))}
        assert sorted(value is None for value in linked.values()) == [False, True], (round_, linked)


def test_a_link_to_an_order_moved_past_it_at_once_never_stands(live_server, team, token, make_order):
    """A linked to redo B while B's report time moved past A's, at the same moment: both were stored (the lock of
    links covered the loop alone), after which every change of A was refused."""
    headers = token("office")
    for round_ in range(4):
        original = make_order(reported_at=datetime(2026, 10, 15, 10, 0), arrived_at=None)
        redo = make_order(reported_at=datetime(2026, 10, 15, 12, 0), arrived_at=None)
        sends = [(redo.id, {"rework": "internal", "rework_of": original.number}),
                 (original.id, {"reported_at": "2026-10-15T14:00"})]
        results = _all_at_once(2, lambda n, sends=sends: _patch(
            f"{live_server}/api/v1/work-orders/{sends[n][0]}", headers, sends[n][1]))
        assert sorted(status for status, _body in results) == [200, 422], (round_, results)
        db.session.rollback()
        linked = db.session.get(WorkOrder, redo.id).rework_of
        assert linked is None or linked.reported_at <= db.session.get(WorkOrder, redo.id).reported_at, round_


def test_scans_of_one_order_sent_at_once_are_each_archived_as_a_version(live_server, team, token, make_order):
    """Six scans of one order at the same moment: each is stored as the next version, the latest current, every
    file on disk as its row says (10 of 15 were a 500, the 409 meant for them crashing)."""
    import hashlib
    import os

    import requests

    from tests.workorders.conftest import CANONICAL, padded_pdf
    from tracker.workorders.models import Scan
    from tracker.workorders.uploads import root

    headers = token("office")
    order = make_order()
    url = f"{live_server}/api/v1/work-orders/{order.id}/scan"
    bodies = [padded_pdf(400 + n) for n in range(6)]
    results = _all_at_once(6, lambda n: requests.post(url, headers=headers, timeout=120, files={
        "file": (CANONICAL + ".pdf", bodies[n], "application/pdf")}).status_code)
    assert set(results) <= {201, 409} and results.count(201) >= 1, results
    db.session.rollback()
    scans = db.session.scalars(select(Scan).where(Scan.work_order_id == order.id).order_by(Scan.version)).all()
    assert len(scans) == results.count(201) and [s.version for s in scans] == list(range(1, len(scans) + 1))
    assert [s.current for s in scans] == [False] * (len(scans) - 1) + [True]
    for scan in scans:
        with open(os.path.join(root(), scan.path), "rb") as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == scan.sha256, scan.path


def test_scans_of_orders_sharing_a_canonical_name_sent_at_once_are_each_archived(live_server, team, token,
                                                                                 make_order):
    """Three tickets of one customer, machine and service on one day, scanned at the same moment: one takes the
    canonical name, the others <canonical>-<number> (on PostgreSQL most were refused with 409: each checked the
    name before the other's scan was committed, then found the file on disk)."""
    import requests

    from tests.workorders.conftest import CANONICAL, padded_pdf
    from tracker.workorders.models import Scan

    headers = token("office")
    for round_ in range(3):
        orders = [make_order() for _n in range(3)]
        ids, numbers = [o.id for o in orders], [o.number for o in orders]
        bodies = [padded_pdf(400 + n) for n in range(3)]
        results = _all_at_once(3, lambda n, ids=ids, bodies=bodies: requests.post(
            f"{live_server}/api/v1/work-orders/{ids[n]}/scan", headers=headers, timeout=120,
            files={"file": (CANONICAL + ".pdf", bodies[n], "application/pdf")}))
        assert [r.status_code for r in results] == [201] * 3, (round_, [r.text for r in results])
        db.session.rollback()
        names = sorted(db.session.scalars(select(Scan.name).where(Scan.work_order_id.in_(ids))))
        canonical = [n for n in names if n == CANONICAL + ".pdf"]
        suffixed = {f"{CANONICAL}-{number}.pdf" for number in numbers} & set(names)
        assert (len(canonical), len(suffixed)) == (0 if round_ else 1, 3 if round_ else 2), (round_, names)


def test_a_scan_sent_while_its_customer_is_renamed_is_never_filed_under_the_old_name(live_server, team, token,
                                                                                     make_order):
    """The upload read the customer's name before the rename committed and filed the scan under the old name, in a
    folder of a customer that no longer exists (PostgreSQL). It waits for the rename (then its file name is the old
    canonical name: 422 naming the new), or the rename waits for it and moves the scan with the others."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    from tests.workorders.conftest import PDF
    from tracker.workorders.models import Scan

    office = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    office.open(live_server + "/login", urllib.parse.urlencode({"username": "office",
                                                                 "password": "secret-pass-1"}).encode())
    headers = token("office")
    names = ["南玻股份", "南玻集团"]
    customer_id = make_order(customer="南玻集团", equipment="备用泵").customer_id
    for round_ in range(6):
        db.session.rollback()
        order = make_order(customer=db.session.get(Customer, customer_id).name, equipment=f"{round_}号泵")
        canonical, order_id = order.canonical_name, order.id

        def upload(canonical=canonical, order_id=order_id):
            boundary = "x-boundary"
            body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{canonical}.pdf"\r\n'
                    f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + f"\r\n--{boundary}--\r\n".encode()
            kind = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            request = urllib.request.Request(f"{live_server}/api/v1/work-orders/{order_id}/scan", data=body,
                                             method="POST", headers={**headers, **kind})
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        def rename(name=names[round_ % 2], customer_id=customer_id):
            data = urllib.parse.urlencode({"name": name}).encode()
            with office.open(f"{live_server}/admin/customers/{customer_id}", data) as response:
                return response.status

        uploaded, renamed = _all_at_once(2, lambda n, calls=(upload, rename): calls[n]())
        assert uploaded in (201, 422) and renamed == 200, (uploaded, renamed)
        db.session.rollback()
        customer = db.session.get(Customer, customer_id).name
        for scan in db.session.scalars(select(Scan).where(Scan.current.is_(True))):
            assert scan.path.split("/")[1] == customer, (scan.path, customer)
