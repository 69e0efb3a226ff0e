"""POST/GET/PATCH/DELETE /expenses."""

import pytest

from tests.api.support import assert_error, count, documented
from tracker.itinerary.models import Expense

EXPENSE = {"date": "2026-11-19", "category": "transport", "amount": 128.5, "note": "高铁"}


def test_engineer_records_own_expense(app, api, team):
    body = documented(app, api("POST", "/expenses", "eng1", json=EXPENSE))
    assert body == {"id": body["id"], "engineer": "eng1", "date": "2026-11-19", "category": "transport",
                    "amount": 128.5, "work_order": None, "note": "高铁"}
    assert count(Expense) == 1


@pytest.mark.parametrize("amount", [0, 0.01, 99999.99, 100000, 12])
def test_amounts_within_bounds_are_kept_exactly(app, api, team, amount):
    body = documented(app, api("POST", "/expenses", "eng1", json={**EXPENSE, "amount": amount}))
    assert body["amount"] == amount


def test_expense_links_a_work_order(app, api, team, work_order):
    body = documented(app, api("POST", "/expenses", "eng1", json={**EXPENSE, "work_order": "WO-1"}))
    assert body["work_order"] == "WO-1"


@pytest.mark.parametrize("category", ["transport", "lodging", "meals", "other"])
def test_every_category_is_accepted(api, team, category):
    assert api("POST", "/expenses", "eng1", json={**EXPENSE, "category": category}).status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"amount": -1}, "amount"),
    ({"amount": 100000.01}, "amount"),
    ({"amount": 1.234}, "amount"),
    ({"amount": "12.50"}, "amount"),
    ({"amount": None}, "amount"),
    ({"amount": True}, "amount"),
    ({"category": "fuel"}, "category"),
    ({"category": None}, "category"),
    ({"date": "2026-02-30"}, "date"),
    ({"date": "2026-13-01"}, "date"),
    ({"date": "2026-11-21"}, "date"),
    ({"note": "x" * 501}, "note"),
    ({"work_order": "WO-404"}, "work_order"),
    ({"engineer": "AB"}, "engineer"),
    ({"engineer": "nobody"}, "engineer"),
    ({"currency": "CNY"}, "currency"),
])
def test_invalid_expense_is_422_and_stores_nothing(api, team, change, field):
    assert_error(api("POST", "/expenses", "eng1", json={**EXPENSE, **change}), 422, field)
    assert count(Expense) == 0


@pytest.mark.parametrize("amount", [b"1e400", b"-0.001", b"100000.000000001", b"0.0000000001"])
def test_out_of_range_or_too_precise_json_numbers_are_422(api, team, amount):
    raw = b'{"date": "2026-11-19", "category": "meals", "amount": ' + amount + b"}"
    assert_error(api("POST", "/expenses", "eng1", data=raw, content_type="application/json"), 422, "amount")
    assert count(Expense) == 0


def test_exponent_notation_is_a_number(app, api, team):
    raw = b'{"date": "2026-11-19", "category": "meals", "amount": 1E+5}'
    body = documented(app, api("POST", "/expenses", "eng1", data=raw, content_type="application/json"))
    assert body["amount"] == 100000


@pytest.mark.parametrize("missing", ["date", "category", "amount"])
def test_missing_expense_field_is_422(api, team, missing):
    body = {k: v for k, v in EXPENSE.items() if k != missing}
    assert_error(api("POST", "/expenses", "eng1", json=body), 422, missing)
    assert count(Expense) == 0


@pytest.mark.parametrize("user, engineer, status", [
    ("office", "eng1", 201), ("mgr", "eng2", 201), ("eng1", "eng2", 403), ("mgr2", "eng1", 403),
    ("gm.wang", "eng1", 403), ("admin", "eng1", 403),
])
def test_who_records_expenses_for_whom(api, team, user, engineer, status):
    response = api("POST", "/expenses", user, json={**EXPENSE, "engineer": engineer})
    assert response.status_code == status
    assert count(Expense) == (1 if status == 201 else 0)


def _expense(api, user="eng1", **change):
    response = api("POST", "/expenses", user, json={**EXPENSE, **change})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_expense_is_changed(app, api, team):
    expense_id = _expense(api)
    body = documented(app, api("PATCH", f"/expenses/{expense_id}", "office", json={"amount": 99, "category": "meals"}))
    assert (body["amount"], body["category"], body["note"], body["date"]) == (99, "meals", "高铁", "2026-11-19")


@pytest.mark.parametrize("user, change, status", [
    ("eng1", {"amount": -5}, 422), ("eng1", {"amount": 1.001}, 422), ("eng1", {"date": "2026-12-01"}, 422),
    ("eng1", {"engineer": "eng2"}, 422), ("eng2", {"amount": 5}, 403), ("mgr2", {"amount": 5}, 403),
])
def test_bad_expense_change_is_refused_and_changes_nothing(api, team, user, change, status):
    expense_id = _expense(api)
    assert_error(api("PATCH", f"/expenses/{expense_id}", user, json=change), status)
    body = api("GET", f"/expenses/{expense_id}", "eng1").get_json()
    assert (body["amount"], body["date"]) == (128.5, "2026-11-19")


def test_expense_is_read_by_those_who_see_the_itinerary(app, api, team):
    expense_id = _expense(api)
    for user in ("eng1", "office", "mgr", "gm.wang", "admin"):
        assert documented(app, api("GET", f"/expenses/{expense_id}", user))["id"] == expense_id
    for user in ("eng2", "mgr2"):
        assert_error(api("GET", f"/expenses/{expense_id}", user), 403)


@pytest.mark.parametrize("user, status", [
    ("eng1", 204), ("office", 204), ("mgr", 204), ("eng2", 403), ("mgr2", 403), ("gm.wang", 403),
])
def test_who_deletes_an_expense(app, api, team, user, status):
    expense_id = _expense(api)
    response = api("DELETE", f"/expenses/{expense_id}", user)
    if status == 204:
        documented(app, response)
    else:
        assert_error(response, status)
    assert count(Expense) == (0 if status == 204 else 1)


@pytest.mark.parametrize("path", ["/expenses/999", "/expenses/2147483648"])
def test_unknown_expense_is_404(api, team, path):
    assert_error(api("GET", path, "eng1"), 404)
    assert_error(api("DELETE", path, "eng1"), 404)
    assert_error(api("PATCH", path, "eng1", json={"amount": 1}), 404)


def test_every_field_at_fault_is_named_at_once(api, team):
    error = assert_error(api("POST", "/expenses", "eng1", json={
        **EXPENSE, "date": "2026-11-21", "work_order": "WO-9999"}), 422)  # after today; no such order
    assert {"date", "work_order"} <= set(error["fields"]), error
    assert count(Expense) == 0
