"""No request to the people and itinerary calls, however malformed, gets a 500 or stores anything.

The fuzzing runs as callers the route lets through (a 403 would test nothing but the role check)."""

import pytest
from werkzeug.exceptions import NotFound

from tests.api.support import count
from tracker.auth.models import User
from tracker.itinerary.models import Attendance, CalendarDay, Expense, MonthSubmission, Trip
from tracker.customers.models import Customer

TABLES = (User, Customer, CalendarDay, Attendance, Trip, Expense, MonthSubmission)

CALLS = [
    ("POST", "/users"), ("PATCH", "/users/eng1"), ("POST", "/customers"), ("PUT", "/calendar/2026-11-21"),
    ("PUT", "/attendance/eng1/2026-11-19"), ("POST", "/trips"), ("PATCH", "/trips/1"), ("POST", "/expenses"),
    ("PATCH", "/expenses/1"),
]
ITINERARY_WRITERS = ("eng1", "office", "mgr")
ALLOWED = {"/users": ("admin",), "/users/eng1": ("admin",), "/customers": ("admin", "office"),
           "/calendar/2026-11-21": ("admin",), "/attendance/eng1/2026-11-19": ("office", "mgr", "admin"),
           "/trips": ITINERARY_WRITERS, "/trips/1": ITINERARY_WRITERS, "/expenses": ITINERARY_WRITERS,
           "/expenses/1": ITINERARY_WRITERS}
ALLOWED_CALLS = [(method, path, user) for method, path in CALLS for user in ALLOWED[path]]
NASTY_VALUES = [None, True, 0, -1, 1e308, 10**30, "", " ", "\u0000", "\ud800", "a" * 5000, [], {}, [1, "x"],
                {"nested": {"deeper": [None]}}, "2026-02-30", "25:00", "٢٠٢٦-١١-١٩", "../../etc/passwd", "<script>"]
FIELDS = ["username", "password", "display_name", "role", "hire_date", "supervisor", "department", "bonus_base",
          "email", "active", "early_confirmation_month", "name", "workday", "note", "status", "engineer", "date",
          "customer", "work_order", "depart", "return", "full_day", "purpose", "category", "amount"]
RAW_BODIES = [b"null", b"0", b'"x"', b"{}", b'{"a":', b"\xff\xfe", b'{"date": "\\ud800"}', b"[" * 10000,
              b'{"amount": 1e999999}', b'{"amount": -0}', b'{"x": ' + b"9" * 5000 + b"}",
              # exponents past the decimal context's (999,999): well-formed JSON, read exactly, refused as values
              b'{"amount": 1e99999999999}', b'{"amount": -1e1000000}', b"[1e1000000]", b'{"amount": 1e30}']
BAD_PATHS = [
    "/users/%00", "/users/%ED%A0%80", "/users/" + "a" * 300, "/calendar/%00", "/calendar/2026-11-21%00",
    "/calendar/0000-01-01", "/calendar/10000-01-01", "/calendar/2026-02-29", "/attendance/eng1/%00",
    "/attendance/%00/2026-11-19", "/itineraries/eng1/%00", "/itineraries/eng1/٢٠٢٦-11", "/itineraries/eng1/0000-01",
    "/itineraries/eng1/2026-11/submit", "/itineraries/%00/2026-11/reopen", "/itineraries/eng1/0.xlsx",
    "/trips/2147483648", "/trips/-1", "/expenses/99999999999999999999999999",
]


@pytest.fixture
def baseline(api, team):
    """One trip and one expense (ids 1) so that the PATCH calls reach their bodies."""
    api("POST", "/trips", "eng1", json={"date": "2026-11-19", "full_day": True})
    api("POST", "/expenses", "eng1", json={"date": "2026-11-19", "category": "meals", "amount": 1})
    return {table: count(table) for table in TABLES}


def _unchanged(baseline):
    return {table: count(table) for table in TABLES} == baseline


@pytest.mark.parametrize("method, path, user", ALLOWED_CALLS)
def test_nasty_values_in_any_field_never_get_a_500(api, baseline, method, path, user):
    reached = 0
    for field in FIELDS:
        for value in NASTY_VALUES:
            response = api(method, path, user, json={field: value})
            assert response.status_code < 500, (field, value, response.get_data(as_text=True))
            assert response.status_code != 403, (field, value, response.get_data(as_text=True))
            if response.status_code >= 400:
                assert response.get_json()["error"]["code"]
            reached += response.status_code in (400, 409, 413, 422)
    assert reached  # the bodies were read and judged, not turned away at the door


@pytest.mark.parametrize("method, path", CALLS)
def test_raw_garbage_bodies_get_a_4xx(api, baseline, method, path):
    for raw in RAW_BODIES:
        response = api(method, path, ALLOWED[path][0], data=raw, content_type="application/json")
        if (raw == b"{}" and method == "PATCH") or (raw == b'{"amount": -0}' and path == "/expenses/1"):
            continue  # an empty change, and an amount of 0, are valid
        assert 400 <= response.status_code < 500 and response.status_code != 403, \
            (raw[:40], response.get_data(as_text=True))
        assert response.get_json()["error"]["code"]
    assert _unchanged(baseline)


@pytest.mark.parametrize("path", BAD_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_strange_paths_get_a_4xx(api, baseline, path, method):
    kwargs = {"json": {"status": "late"}} if method in ("PUT", "PATCH") else {}
    for user in ("admin", "mgr"):
        response = api(method, path, user, **kwargs)
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)
        assert response.get_json()["error"]["code"]
    assert _unchanged(baseline)


@pytest.mark.parametrize("digit", ["\uff11", "\u0661", "\u0967"])  # fullwidth, Arabic-Indic, Devanagari one
def test_an_id_of_non_ascii_digits_names_nothing(api, baseline, digit):
    assert api("GET", "/trips/1", "eng1").status_code == 200
    assert api("GET", f"/trips/{digit}", "eng1").status_code == 404
    assert api("DELETE", f"/expenses/{digit}", "eng1").status_code == 404
    assert _unchanged(baseline)


CONTROL_SEGMENTS = ["/api/v1/scores/2026-11/e%00g1", "/api/v1/scores/2026-11/eng1%00", "/api/v1/templates/a%00b",
                    "/api/v1/templates/a%01b/versions", "/itinerary/eng1%00/2026-11", "/itinerary/e%00g1/2026",
                    "/scores/2026-11/eng1%00", "/reviews/2026-11/e%00g1", "/pdf/2026-11/eng1%1b",
                    "/api/v1/itineraries/eng%c2%85/2026-11"]


@pytest.mark.parametrize("path", CONTROL_SEGMENTS)
def test_a_path_segment_with_a_control_character_names_nothing(app, client, token, team, path):
    """PostgreSQL's text cannot hold NUL: a query with one raised (500) where SQLite found no row. No route takes a
    control character in a segment, so every such path is 404 before any query (on both databases)."""
    response = client.get(path, headers=token("mgr"))
    assert response.status_code == 404, response.get_data(as_text=True)
    adapter = app.url_map.bind("localhost")
    with pytest.raises(NotFound):
        adapter.match(path.replace("%00", "\x00").replace("%01", "\x01").replace("%1b", "\x1b")
                      .replace("%c2%85", "\x85"))


@pytest.mark.parametrize("raw", [b'{"username": "x", "password": "y", "z": 1e1000000}', b"[1e99999999999]",
                                 b'{"username": 1e99999999999, "password": "y"}'])
def test_a_number_past_the_decimal_context_is_refused_even_before_signing_in(client, raw):
    response = client.post("/api/v1/auth/token", data=raw, content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.get_json()["error"]["code"]
