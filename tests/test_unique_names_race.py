"""One username, customer name or work-order number sent twice at the same moment: the second is told the value is
taken (422 on its field), as anyone later is; it lost at the unique index with 409 "retry" (then 422 on the retry)."""

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.customers.models import Customer
from tracker.extensions import db
from tracker.workorders.models import WorkOrder

CREATOR = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import datetime
    from sqlalchemy import select
    from tracker import clock, create_app
    from tracker.auth import services as auth_services
    from tracker.auth.models import User
    from tracker.customers import services as customers
    from tracker.errors import Invalid
    from tracker.extensions import db
    from tracker.workorders import services as orders
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier, kind, first = pathlib.Path(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
    now = datetime(2026, 11, 20, 10)

    def wait_for(name):
        deadline = time.time() + 60
        while not (barrier / name).exists() and time.time() < deadline:
            time.sleep(0.01)

    with app.test_request_context():
        clock.stamp(db.session(), now)
        office = db.session.scalar(select(User).where(User.username == "office"))
        if not first:
            wait_for("created")
            (barrier / "second").touch()
        try:
            if kind == "user":
                auth_services.create_user({"username": "twin", "password": "abcdefgh12", "display_name": "双胞胎",
                                           "role": "backoffice"})
            elif kind == "customer":
                customers.create_customer("竞速客户")
            else:
                orders.create_order(office, {"number": "RACE-0001", "customer": "旗滨玻璃", "service_type": "维修",
                                             "reported_at": datetime(2026, 11, 2, 9)}, now)
            db.session.flush()
            if first:
                (barrier / "created").touch()
                wait_for("second")
                time.sleep(1.0)  # the second request is under way meanwhile
            db.session.commit()
            print("created", flush=True)
        except Invalid as error:
            db.session.rollback()
            print("422", sorted(error.fields), flush=True)
""")


@pytest.mark.parametrize("kind, model, count_where", [
    ("user", User, User.username == "twin"),
    ("customer", Customer, Customer.name == "竞速客户"),
    ("order", WorkOrder, WorkOrder.number == "RACE-0001"),
])
def test_a_value_sent_twice_at_once_is_stored_once_and_the_second_told_it_is_taken(app, team, tmp_path, kind, model,
                                                                                    count_where):
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", CREATOR, app.config["DATABASE_URL"], str(tmp_path / f"i{n}"),
                               str(barrier), kind, "1" if n == 0 else "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    field = {"user": "username", "customer": "name", "order": "number"}[kind]
    assert [out.strip() for out, _err in outputs] == ["created", f"422 ['{field}']"], outputs
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(model).where(count_where)) == 1
