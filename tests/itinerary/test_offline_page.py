"""The offline entry page (a small PWA): who gets it, its manifest and service worker, and its HTTP warning."""

import json

import pytest

from tests.conftest import login


def test_engineer_gets_the_offline_page_with_manifest_and_no_inline_script(client, team):
    login(client, "eng1")
    page = client.get("/itinerary/offline/").get_data(as_text=True)
    assert 'rel="manifest" href="/static/offline.webmanifest"' in page
    assert 'src="/static/offline.js"' in page
    assert "<script>" not in page and "onclick" not in page
    assert 'id="offline-unavailable" hidden' in page and "HTTPS" in page  # shown by the script over plain HTTP
    assert 'data-sw="/itinerary/offline/sw.js"' in page and 'data-scope="/itinerary/offline/"' in page


@pytest.mark.parametrize("user", ["office", "mgr", "admin"])
def test_only_engineers_enter_trips_offline(app, team, user):
    client = app.test_client()
    login(client, user)
    assert client.get("/itinerary/offline/").status_code == 403
    assert client.get("/itinerary/offline/session").status_code == 403


def test_the_menu_offers_offline_entry_to_engineers(client, team):
    login(client, "eng1")
    assert 'href="/itinerary/offline/"' in client.get("/itinerary/eng1/2026-11").get_data(as_text=True)


def test_the_service_worker_is_served_from_the_folder_it_controls_and_revalidated(client):
    response = client.get("/itinerary/offline/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"addEventListener(\"fetch\"" in response.data


def test_the_manifest_and_icons_are_served_locally(client):
    manifest = json.loads(client.get("/static/offline.webmanifest").data)
    assert manifest["start_url"] == manifest["scope"] == "/itinerary/offline/"
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/") and client.get(icon["src"]).status_code == 200


def test_the_session_check_needs_a_login(client):
    response = client.get("/itinerary/offline/session")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
