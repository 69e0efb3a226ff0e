"""Pages are light: text answers are compressed for a client that accepts gzip, and no page holds a script that
blocks rendering (every script tag is deferred or a module)."""

import gzip
import os
import re

import pytest

from tests.conftest import login

PAGES = {
    "eng1": ["/", "/itinerary/eng1/2026-11", "/itinerary/eng1/trips/new?date=2026-11-05",
             "/itinerary/eng1/expenses/new", "/itinerary/eng1/2026", "/itinerary/offline/"],
    "office": ["/work-orders/", "/work-orders/new", "/attendance/2026-11"],
    "mgr": ["/team?month=2026-11", "/reviews/2026-11/eng1", "/scores/2026-11/eng1"],
    "gm.wang": ["/approvals", "/scores/2026-11"],
    "admin": ["/admin/users", "/admin/users/new", "/admin/customers", "/imports/", "/audit/"],
}


@pytest.mark.parametrize("path, mimetype", [
    ("/login", "text/html"),
    ("/static/tracker.css", "text/css"),
    ("/static/offline.js", "text/javascript"),
    ("/bootstrap/static/js/bootstrap.min.js", "text/javascript"),
])
def test_text_answers_are_gzipped_for_a_client_that_accepts_it(client, path, mimetype):
    plain = client.get(path)
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200
    assert packed.mimetype == mimetype
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers.get("Vary", "")
    body = gzip.decompress(packed.get_data())
    assert body == plain.get_data()
    assert len(packed.get_data()) < len(body)


def test_a_logged_in_page_is_gzipped(client, team):
    login(client, "eng1")
    response = client.get("/itinerary/eng1/2026-11", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] in ("gzip", "br")
    response = client.get("/itinerary/eng1/2026-11", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "张三".encode() in gzip.decompress(response.get_data()) or b"eng1" in gzip.decompress(response.get_data())


SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def scripts_that_block(html):
    return [tag for tag in SCRIPT.findall(html)
            if not re.search(r"\sdefer\b", tag) and not re.search(r"""type=["']?module""", tag)]


def test_no_page_holds_a_blocking_script(client, team):
    seen = 0
    html = client.get("/login").get_data(as_text=True)
    assert SCRIPT.search(html)
    assert scripts_that_block(html) == [], "/login"
    for user, paths in PAGES.items():
        client.post("/logout")
        login(client, user)
        for path in paths:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, (user, path, response.status_code)
            html = response.get_data(as_text=True)
            seen += len(SCRIPT.findall(html))
            assert scripts_that_block(html) == [], (user, path)
    assert seen > 20


def test_no_template_holds_a_blocking_script():
    root = os.path.join(os.path.dirname(__file__), "..", "templates")
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            if SCRIPT.search(text):
                found[name] = scripts_that_block(text)
    assert "base.html" in found and len(found) > 5
    assert {name: tags for name, tags in found.items() if tags} == {}
