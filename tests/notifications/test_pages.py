"""The page furniture around notifications: the favicon, the skip link, and the outbox page for admins."""

from tests.conftest import login


def test_favicon_is_served_and_linked(client, team):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"].endswith("/static/favicon.svg")
    assert client.get("/static/favicon.svg").status_code == 200
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_every_page_starts_with_a_skip_link_to_the_content(client, team):
    login(client, "eng1")
    html = client.get("/notifications").get_data(as_text=True)
    assert 'class="visually-hidden-focusable skip-link" href="#main"' in html and 'id="main"' in html


def test_only_admins_see_the_outbox(client, team):
    login(client, "mgr")
    assert client.get("/notifications/outbox").status_code == 403
    client.post("/logout")
    login(client, "admin")
    assert "待发消息" in client.get("/notifications/outbox").get_data(as_text=True)
