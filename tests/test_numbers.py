"""Points and amounts have one rule (tracker.validation.check_number), whichever door they come through: the
adjustment and the hand-entry services, the expense service (web form, API, yearly workbook)."""

from decimal import Decimal

import pytest

from tracker.errors import Invalid
from tracker.validation import check_number, shown_number

D = Decimal


@pytest.mark.parametrize("value, options, expected", [
    (5, {}, D("5.00")),
    (-2.5, {"lo": D(-100), "hi": D(100)}, D("-2.50")),
    (0.1, {}, D("0.10")),                       # a float is read as written, not as its binary value
    (D("99.99"), {"hi": D(100)}, D("99.99")),
    (" 12.5 ", {"text": True}, D("12.50")),     # a workbook's cell
    (None, {"required": False}, None),
    ("", {"required": False}, None),
])
def test_a_number_within_its_rules_comes_back_as_two_places(app, value, options, expected):
    assert check_number(value, "points", **options) == expected


@pytest.mark.parametrize("value, options, message", [
    (None, {}, "必填"),
    ("", {}, "必填"),
    ("5", {}, "须为数字"),                        # text only where a cell is read
    (True, {}, "须为数字"),
    ("abc", {"text": True}, "须为数字"),
    ("NaN", {"text": True}, "须为数字"),
    (float("inf"), {}, "须为数字"),
    (D("100.01"), {"lo": D(-100), "hi": D(100)}, "须在 -100 到 100 之间"),
    (D("-1"), {"lo": D(0), "hi": D(100000)}, "须在 0 到 100,000 之间"),
    (0, {"nonzero": True}, "不能为 0"),
    (1.234, {}, "最多两位小数"),                    # never rounded
    ("x", {"text": True, "label": "金额"}, "金额须为数字"),
    (D("100000.01"), {"hi": D(100000), "label": "金额"}, "金额须在 … 到 100,000 之间"),
    (D("1.001"), {"label": "金额"}, "金额最多两位小数"),
])
def test_anything_else_is_422_on_the_field(app, value, options, message):
    with pytest.raises(Invalid) as refused:
        check_number(value, "amount", **options)
    assert refused.value.fields == {"amount": message}


def test_bounds_are_written_plainly():
    assert [shown_number(n) for n in (D(100), D("-2.50"), D(100000), D("0.5"))] == ["100", "-2.5", "100,000", "0.5"]


@pytest.mark.parametrize("method, path, user, body, field", [
    ("POST", "/scores/2026-11/eng1/adjustments", "mgr", {"points": 1.234, "reason": "r"}, "points"),
    ("POST", "/expenses", "eng1", {"date": "2026-11-18", "category": "meals", "amount": 1.234}, "amount"),
])
def test_every_door_refuses_a_third_decimal_the_same_way(app, api, team, method, path, user, body, field):
    response = api(method, path, user, json=body)
    assert response.status_code == 422
    assert "两位小数" in response.get_json()["error"]["fields"][field]


@pytest.mark.parametrize("text", ["1_000", "１０００", "١٢", "1e3", "12.5.1"])
def test_a_cell_or_form_number_is_written_as_the_api_writes_it(app, text):
    """Decimal() took 1_000 (a typo 1_00 stored as 100), full-width and other scripts' digits, and exponents."""
    with pytest.raises(Invalid):
        check_number(text, "amount", text=True)


@pytest.mark.parametrize("path, user, data, field", [
    ("/itinerary/eng1/expenses/new", "eng1", {"date": "2026-11-05", "category": "meals", "amount": "1_000"}, "amount"),
    ("/itinerary/eng1/expenses/new", "eng1", {"date": "2026-11-05", "category": "meals", "amount": "１２"}, "amount"),
    ("/admin/users/new", "admin", {"username": "newbie", "display_name": "新人", "role": "engineer",
                                   "password": "abcdefgh1", "bonus_base": "1_000"}, "bonus_base"),
    ("/scores/2026-11/eng1/adjustments", "mgr", {"adj-points": "١", "adj-reason": "r"}, "adj-points"),
])
def test_web_forms_refuse_numbers_the_api_refuses(app, client, team, path, user, data, field):
    from tests.conftest import login

    login(client, user)
    response = client.post(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422) and 'id="' + field + '-error"' in page and "须为数字" in page, page[:500]
