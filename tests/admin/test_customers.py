"""Customers: names that can become file-name parts, checked once in tracker.customers."""

import unicodedata

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tracker.customers import services as customers
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.customers.models import Customer

BAD_NAMES = [pytest.param("旗滨" + ch + "玻璃", id=f"forbidden {ch}") for ch in '\\/:*?"<>|'] + [
    pytest.param("旗滨\x07玻璃", id="control char"),
    pytest.param("旗滨\t玻璃", id="tab"),
    pytest.param("旗滨\u200b玻璃", id="zero-width space"),
    pytest.param(".旗滨玻璃", id="leading dot"),
    pytest.param("旗滨玻璃.", id="trailing dot"),
    pytest.param(" 旗滨玻璃", id="leading space"),
    pytest.param("旗滨玻璃 ", id="trailing space"),
    pytest.param("玻" * 41, id="41 chars"),
    pytest.param("", id="empty"),
]


def customer_count():
    return db.session.scalar(select(func.count()).select_from(Customer))


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_customer_name_is_refused_with_422_and_nothing_stored(client, team, name):
    login(client, "admin")
    response = client.post("/admin/customers", data={"name": name})
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert customer_count() == 0


@pytest.mark.parametrize("name, message", [
    ("旗滨\u200d玻璃", "不能包含看不见的格式字符（U+200D）"),  # a zero-width joiner was told "no \\ / : * ..."
    ("旗滨\x07玻璃", "不能包含控制字符（U+0007）"),
    ("旗滨/玻璃", "不能包含 \\ / : * ? \" < > | 这些字符"),
])
def test_a_bad_customer_name_is_told_the_character_at_fault(app, name, message):
    from tracker.naming import clean_part

    with pytest.raises(Invalid) as refused:
        clean_part(name, "customer")
    assert refused.value.fields == {"customer": message}


@pytest.mark.parametrize("name", ["旗滨玻璃", "玻" * 40, "A.B 玻璃-1号(华东)", "中建材凯盛"])
def test_a_good_customer_name_is_stored(client, team, name):
    login(client, "office")
    assert client.post("/admin/customers", data={"name": name}).status_code == 302
    assert db.session.scalar(select(Customer.name)) == name


def test_an_nfd_name_is_stored_nfc_normalised(client, team):
    login(client, "admin")
    decomposed = unicodedata.normalize("NFD", "Café 玻璃")
    assert decomposed != "Café 玻璃"
    assert client.post("/admin/customers", data={"name": decomposed}).status_code == 302
    assert db.session.scalar(select(Customer.name)) == "Café 玻璃"


@pytest.mark.parametrize("second", ["旗滨玻璃", pytest.param("Cafe\u0301", id="same name in NFD")])
def test_a_duplicate_customer_name_is_refused(client, team, second):
    customers.create_customer("旗滨玻璃")
    customers.create_customer("Café")
    db.session.commit()
    login(client, "admin")
    response = client.post("/admin/customers", data={"name": second})
    assert response.status_code == 422
    assert "已存在" in response.get_data(as_text=True)
    assert customer_count() == 2


def test_create_customer_adds_without_committing(app):
    customer = customers.create_customer("南玻集团")
    assert isinstance(customer, Customer) and customer.id is not None
    db.session.rollback()
    assert customer_count() == 0


def test_create_customer_raises_invalid_on_the_name_field(app):
    with pytest.raises(Invalid) as caught:
        customers.create_customer("a/b")
    assert caught.value.status == 422 and "name" in caught.value.fields


@pytest.mark.parametrize("username, status", [("eng1", 403), ("mgr", 403), ("gm.wang", 403), ("office", 200),
                                              ("admin", 200)])
def test_customer_pages_are_for_admin_and_backoffice(client, team, username, status):
    login(client, username)
    assert client.get("/admin/customers").status_code == status
    assert client.post("/admin/customers", data={"name": "信义玻璃"}).status_code in (status, 302)
    assert customer_count() == (1 if status == 200 else 0)


def test_customers_are_renamed_and_checked_like_new_ones(client, team):
    glass = customers.create_customer("福耀玻璃")
    customers.create_customer("南玻集团")
    db.session.commit()
    login(client, "office")
    url = f"/admin/customers/{glass.id}"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"name": "南玻集团"}).status_code == 422
    assert client.post(url, data={"name": "福耀/玻璃"}).status_code == 422
    assert client.post(url, data={"name": "福耀玻璃"}).status_code == 302  # its own name is fine
    assert client.post(url, data={"name": "福耀玻璃集团"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, glass.id).name == "福耀玻璃集团"


def test_a_customers_name_in_the_list_leads_to_its_page(client, team):
    """The customer's page (its machines, each with its service history) was reached only by a button labelled
    改名 (rename)."""
    glass = customers.create_customer("福耀玻璃")
    db.session.commit()
    login(client, "office")
    assert f'<a href="/admin/customers/{glass.id}">福耀玻璃</a>' in client.get("/admin/customers").get_data(as_text=True)
    page = client.get(f"/admin/customers/{glass.id}").get_data(as_text=True)
    assert "<title>福耀玻璃" in page and 'id="equipment"' in page


def test_renaming_an_unknown_customer_is_not_found(client, team):
    login(client, "admin")
    assert client.get("/admin/customers/4242").status_code == 404


def test_customer_search_filters_the_list(client, team):
    for name in ("旗滨玻璃", "南玻集团", "海螺水泥", "100%_纯"):
        customers.create_customer(name)
    db.session.commit()
    login(client, "office")
    page = client.get("/admin/customers?q=玻").get_data(as_text=True)
    assert "旗滨玻璃" in page and "南玻集团" in page and "海螺水泥" not in page
    assert [c.name for c in customers.list_customers("%_")] == ["100%_纯"]
