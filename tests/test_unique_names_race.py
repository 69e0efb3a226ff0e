"""One username, customer name or work-order number sent twice at the same moment: the second is told the value is
taken (422 on its field), as anyone later is; it lost at the unique index with 409 "retry" (then 422 on the retry)."""

import pytest
from sqlalchemy import func, select

from tests.twice import run_twice
from tracker.auth.models import User
from tracker.customers.models import Customer
from tracker.extensions import db
from tracker.workorders.models import WorkOrder


@pytest.mark.parametrize("kind, model, count_where", [
    ("user", User, User.username == "twin"),
    ("customer", Customer, Customer.name == "竞速客户"),
    ("order", WorkOrder, WorkOrder.number == "RACE-0001"),
])
def test_a_value_sent_twice_at_once_is_stored_once_and_the_second_told_it_is_taken(app, team, tmp_path, kind, model,
                                                                                    count_where):
    answers = run_twice(app, tmp_path, args=(kind,), refusal="Invalid", answer='"422", sorted(error.fields)',
                        imports="""
        from tracker.auth import services as auth_services
        from tracker.customers import services as customers
        from tracker.errors import Invalid
        from tracker.workorders import services as orders
        """, action="""
        if args[0] == "user":
            auth_services.create_user({"username": "twin", "password": "abcdefgh12", "display_name": "双胞胎",
                                       "role": "backoffice"})
        elif args[0] == "customer":
            customers.create_customer("竞速客户")
        else:
            orders.create_order(office, {"number": "RACE-0001", "customer": "旗滨玻璃", "service_type": "维修",
                                         "reported_at": datetime(2026, 11, 2, 9)}, now)
        """)
    field = {"user": "username", "customer": "name", "order": "number"}[kind]
    assert answers == ["done", f"422 ['{field}']"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(model).where(count_where)) == 1
