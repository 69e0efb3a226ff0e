"""The app's own pages call the API with their session cookie; writes carry the page's CSRF token (CONTRACT 10)."""

import re
import uuid

import pytest

from tests.conftest import PASSWORD

TRIP = {"date": "2026-11-19", "depart": "09:00", "return": "10:00"}


@pytest.fixture
def page_client(app_factory, team):
    """A browser-like client with CSRF protection on, logged in as eng1 through the login form."""
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    response = client.post("/login", data={"username": "eng1", "password": PASSWORD, "csrf_token": csrf.group(1)})
    assert response.status_code == 302
    return client


def _token(client):
    return client.get("/itinerary/offline/session").get_json()["csrf_token"]


def test_a_page_reads_the_api_with_its_session(page_client):
    assert page_client.get("/api/v1/itineraries/eng1/2026-11").status_code == 200


def test_a_page_writes_with_its_csrf_token(page_client):
    body = {**TRIP, "client_id": str(uuid.uuid4())}
    response = page_client.post("/api/v1/trips", json=body, headers={"X-CSRFToken": _token(page_client)})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("headers", [{}, {"X-CSRFToken": "forged"}])
def test_a_session_write_without_the_pages_csrf_token_is_refused(page_client, headers):
    response = page_client.post("/api/v1/trips", json=TRIP, headers=headers)
    assert response.status_code == 401
    assert "X-CSRFToken" in response.get_json()["error"]["message"]  # it read "needs a valid login token"
    assert page_client.get("/api/v1/itineraries/eng1/2026-11").get_json()["days"][18]["trips"] == []


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none"])
def test_a_session_write_sent_by_another_sites_page_is_refused_even_with_the_token(page_client, site):
    """Same origin only (CONTRACT 10): a write carrying the session's cookie and a valid token but sent, as the
    browser says, from another site's page was accepted."""
    headers = {"X-CSRFToken": _token(page_client), "Sec-Fetch-Site": site, "Origin": "http://evil.example"}
    response = page_client.post("/api/v1/trips", json=TRIP, headers=headers)
    assert response.status_code == 401
    assert "其他网站" in response.get_json()["error"]["message"]
    assert page_client.get("/api/v1/itineraries/eng1/2026-11").get_json()["days"][18]["trips"] == []
    same = page_client.post("/api/v1/trips", json=TRIP, headers={**headers, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 201, same.get_json()


def test_the_session_endpoint_gives_the_user_and_a_token_and_is_never_cached(page_client):
    response = page_client.get("/itinerary/offline/session")
    assert response.get_json()["username"] == "eng1" and response.get_json()["csrf_token"]
    assert response.headers["Cache-Control"] == "no-store"
