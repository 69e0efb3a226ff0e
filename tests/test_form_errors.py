"""Form errors are tied to their fields (WCAG 3.3.1, 1.3.1): a bad field carries aria-invalid="true" and
aria-describedby naming the element that holds its message, on every kind of form page (the shared field macro
of templates/bootstrap5/form.html, hand-laid fields, radio groups)."""

from html.parser import HTMLParser

import pytest

from tests.conftest import login


class Elements(HTMLParser):
    """Every element with an id: its attributes, and the text inside it."""

    def __init__(self, html):
        super().__init__()
        self.by_id, self.text, self.open = {}, {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.by_id.setdefault(attrs["id"], attrs)
            self.text.setdefault(attrs["id"], "")
        if tag not in ("input", "br", "img", "meta", "link", "hr", "source"):
            self.open.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if self.open and tag not in ("input", "br", "img", "meta", "link", "hr", "source"):
            self.open.pop()

    def handle_data(self, data):
        for element_id in self.open:
            if element_id in self.text:
                self.text[element_id] += data


def bad_fields(html):
    page = Elements(html)
    return page, {key: attrs for key, attrs in page.by_id.items() if attrs.get("aria-invalid") == "true"}


GOOD_TRIP = {"date": "2026-11-05", "depart": "08:00", "return_time": "10:00", "customer": "", "work_order": "",
             "purpose": "", "note": ""}
GOOD_USER = {"username": "newbie", "display_name": "新人", "role": "engineer", "supervisor": "mgr",
             "department": "售后服务部", "hire_date": "2026-01-05", "bonus_base": "1000", "active": "y",
             "email": "newbie@example.com", "password": "long-enough-1"}

CASES = [
    pytest.param("eng1", "/itinerary/eng1/trips/new", {**GOOD_TRIP, "depart": "25:00"}, "depart", id="trip form"),
    pytest.param("eng1", "/itinerary/eng1/expenses/new",
                 {"date": "2026-11-05", "category": "meals", "amount": "-1", "work_order": "", "note": ""},
                 "amount", id="expense form"),
    pytest.param("admin", "/admin/users/new", {**GOOD_USER, "email": "not-an-email"}, "email", id="user form"),
    pytest.param("admin", "/admin/customers", {"name": "旗滨/玻璃"}, "name", id="customer list form"),
    pytest.param("mgr", "/reviews/2026-11/eng1", {"comment": "x"}, "responsibility", id="leader review radios"),
]


@pytest.mark.parametrize("user, path, data, field", CASES)
def test_a_bad_field_is_marked_invalid_and_described_by_its_message(client, team, user, path, data, field):
    login(client, user)
    response = client.post(path, data=data)
    assert response.status_code == 422, response.status_code
    page, bad = bad_fields(response.get_data(as_text=True))
    assert field in bad, sorted(bad)
    described = bad[field].get("aria-describedby", "").split()
    assert f"{field}-error" in described
    for element_id in described:
        assert element_id in page.by_id, f"aria-describedby names {element_id!r}, which is not on the page"
    assert page.text[f"{field}-error"].strip(), "the error element holds the message"


def test_a_good_form_has_no_field_marked_invalid(client, team):
    login(client, "eng1")
    page, bad = bad_fields(client.get("/itinerary/eng1/trips/new?date=2026-11-05").get_data(as_text=True))
    assert bad == {}
    assert not [key for key in page.by_id if key.endswith("-error")]
