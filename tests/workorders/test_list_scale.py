"""The work-order list at scale: keyset pages on the (reported_at, id) index, no count per page, a fixed number of
queries whatever the number of rows, and pickers that search through the API instead of shipping every name."""

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from tests.conftest import login
from tests.querycount import counted
from tracker.extensions import db
from tracker.workorders.models import WorkOrder
from tracker.customers.models import Customer


def _orders(count, engineer_id, start=0):
    """`count` more work orders, one a minute from 2026-10-01 08:00, inserted in one statement."""
    customer_id = db.session.scalar(select(Customer.id).where(Customer.name == "旗滨玻璃"))
    if customer_id is None:
        db.session.add(Customer(name="旗滨玻璃"))
        db.session.flush()
        customer_id = db.session.scalar(select(Customer.id).where(Customer.name == "旗滨玻璃"))
    base = datetime(2026, 10, 1, 8, 0)
    db.session.execute(insert(WorkOrder), [
        {"number": f"L{start + n:06d}", "customer_id": customer_id, "service_type": "维修", "equipment": "",
         "reported_at": base + timedelta(minutes=(start + n) // 2), "engineer_id": engineer_id, "status": "open",
         "rework": "none"} for n in range(count)])
    db.session.commit()


def _numbers(page):
    return [line.split("</a>")[0].rsplit(">", 1)[1] for line in page.split('href="/work-orders/')[1:]
            if line.split('"')[0].isdigit()]


def test_keyset_pages_walk_the_whole_list_newest_first_and_back(client, team):
    _orders(23, team["eng1"].id)  # two orders share each minute: the id breaks the tie
    login(client, "office")
    expected = [f"L{n:06d}" for n in range(22, -1, -1)]
    seen, url, pages = [], "/work-orders/", []
    while url:
        page = client.get(url).get_data(as_text=True)
        pages.append(url)
        seen += _numbers(page)
        url = page.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&") if 'rel="next"' in page else None
    assert len(seen) == 23 and seen[:5] == expected[:5]
    assert sorted(seen, reverse=True) == expected == seen


def test_a_page_past_the_last_says_so_and_leads_back_to_the_first(client, team):
    """?page=13 of 12 said "没有符合条件的工单", as if no order matched, and offered no way back."""
    _orders(3, team["eng1"].id)
    login(client, "office")
    past = client.get("/work-orders/?page=9&status=open").get_data(as_text=True)
    assert "已超出最后一页" in past and "没有符合条件的工单" not in past
    assert 'href="/work-orders/?status=open" id="back-to-first"' in past
    assert "没有符合条件的工单" in client.get("/work-orders/?status=cancelled").get_data(as_text=True)
    for refused in ("page=0", "after=nonsense", "page=2&status=nonsense"):  # said at its field, not as past the end
        response = client.get(f"/work-orders/?{refused}")
        assert response.status_code == 422 and "已超出最后一页" not in response.get_data(as_text=True), refused


def test_previous_goes_back_one_page(client, team, app):
    from tracker.workorders import services
    _orders(120, team["eng1"].id)
    with app.test_request_context():
        first = services.order_page(team["office"], {}, per_page=50)
        second = services.order_page(team["office"], {}, after=first.next, per_page=50)
        third = services.order_page(team["office"], {}, after=second.next, per_page=50)
        back = services.order_page(team["office"], {}, before=third.previous, per_page=50)
    assert [o.id for o in back.orders] == [o.id for o in second.orders]
    assert len(third.orders) == 20 and third.next is None and first.previous is None
    assert back.next == second.next


def test_an_old_page_link_shows_the_page_the_keyset_walk_shows(client, team, app):
    """page=N (old links, the API's page=) finds its first order's key and pages by keyset from it: the same orders,
    ties on reported_at included, as walking the cursors; past the end, an empty page."""
    from tracker.workorders import services
    _orders(47, team["eng1"].id)  # two orders a minute: pages of 10 split minutes
    with app.test_request_context():
        walked, page = [], services.order_page(team["office"], {}, per_page=10)
        walked.append(page)
        while page.next:
            page = services.order_page(team["office"], {}, after=page.next, per_page=10)
            walked.append(page)
        by_number = [services.order_page(team["office"], {}, page=n, per_page=10) for n in range(1, 7)]
    assert len(walked) == 5
    for n, (walk, numbered) in enumerate(zip(walked, by_number), start=1):
        assert [o.id for o in numbered.orders] == [o.id for o in walk.orders], n
        assert numbered.next == walk.next and (numbered.previous is None) == (n == 1)
    assert by_number[5].orders == [] and by_number[5].next is None


def test_a_list_page_costs_the_same_queries_for_60_or_600_orders_and_never_counts(client, team):
    engineer_id = team["eng1"].id
    _orders(60, engineer_id)
    login(client, "office")
    client.get("/work-orders/")
    db.session.remove()
    with counted() as few:
        first = client.get("/work-orders/").get_data(as_text=True)
    _orders(540, engineer_id, start=60)
    db.session.remove()
    with counted() as many:
        page = client.get("/work-orders/").get_data(as_text=True)
    deep = page.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    db.session.remove()
    with counted() as deeper:
        client.get(deep)
    assert len(few) == len(many) == len(deeper)
    counts = [s for s in many + deeper if "count(" in s.lower()]
    assert not any("work_orders" in s for s in counts), counts
    assert 'rel="next"' in first


def test_the_list_ships_no_list_of_engineers_or_customers(client, team, make_user):
    for n in range(30):
        make_user(f"extra{n:02d}", display_name=f"工程师{n:02d}", supervisor="mgr")
    login(client, "office")
    page = client.get("/work-orders/").get_data(as_text=True)
    assert "工程师07" not in page and 'data-picker="engineers"' in page and 'data-picker="customers"' in page
    assert "pickers.js" in page and "<script>" not in page


def test_a_bad_cursor_is_422(client, team):
    login(client, "office")
    assert client.get("/work-orders/?after=nonsense").status_code == 422
    assert client.get("/work-orders/?before=2026.1").status_code == 422
    # an id past the integer column: PostgreSQL refused the query (a 500 for anyone signed in), SQLite answered 200
    for cursor in ("20261015083000000000.2147483648", "20261015083000000000.99999999999999999"):
        assert client.get(f"/work-orders/?after={cursor}").status_code == 422
        assert client.get(f"/api/v1/work-orders?before={cursor}").status_code == 422
    assert client.get("/work-orders/?after=20261015083000000000.2147483647").status_code == 200


def test_the_engineer_picker_searches_the_users_in_scope(client, team, make_user):
    make_user("zhang.wei", display_name="张伟", supervisor="mgr")
    make_user("zhang.min", display_name="张敏", supervisor="mgr2")
    login(client, "mgr")
    body = client.get("/api/v1/users?role=engineer&q=张&limit=20").get_json()
    assert [u["username"] for u in body["users"]] == ["eng1", "zhang.wei"]  # 张三 and 张伟; 张敏 is mgr2's
    assert client.get("/api/v1/users?limit=0").status_code == 422
    assert client.get("/api/v1/users?q=" + "x" * 41).status_code == 422
    assert client.get("/api/v1/users?role=king").status_code == 422


def test_the_customer_picker_searches_by_part_of_the_name(client, team):
    for name in ("旗滨玻璃", "信义玻璃", "南玻集团", "100%_纯"):
        db.session.add(Customer(name=name))
    db.session.commit()
    login(client, "office")
    names = [c["name"] for c in client.get("/api/v1/customers?q=玻璃&limit=1").get_json()["customers"]]
    assert names == ["信义玻璃"] or names == ["旗滨玻璃"]
    assert [c["name"] for c in client.get("/api/v1/customers?q=%_").get_json()["customers"]] == ["100%_纯"]
    assert len(client.get("/api/v1/customers").get_json()["customers"]) == 4


def test_the_list_orders_use_an_index(app):
    from sqlalchemy import inspect
    indexes = {tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("work_orders")}
    assert ("reported_at", "id") in indexes
