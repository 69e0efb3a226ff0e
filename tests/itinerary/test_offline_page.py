"""The offline entry page (a small PWA): who gets it, its manifest and service worker, and its HTTP warning."""

import json
import re

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


def test_the_offline_page_suggests_the_customers_the_server_knows(client, team):
    """A customer name not stored comes back refused ("请从列表中选择") from a page that had no list: typed from memory."""
    from tracker.customers import services as customers
    from tracker.extensions import db

    customers.create_customer("旗滨玻璃")
    customers.create_customer("南玻集团")
    db.session.commit()
    login(client, "eng1")
    page = client.get("/itinerary/offline/").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="f-customer"[^>]*list="customer-names"', page), page
    listed = re.search(r'<datalist id="customer-names">(.*?)</datalist>', page, re.S).group(1)
    assert '<option value="旗滨玻璃">' in listed and '<option value="南玻集团">' in listed


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
