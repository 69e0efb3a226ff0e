"""The menu bar: an admin's settings under one menu (the English bar took three lines at 1280 px), one's account
under one's name."""

import re

import pytest

from tests.conftest import login


def bar(client):
    page = client.get("/work-orders/").get_data(as_text=True)
    nav = page[page.index("<nav"):page.index("</nav>")]
    own = re.findall(r'<li class="nav-item"><a class="nav-link[^"]*"\s+href="([^"]+)"', nav)
    menu = re.search(r'<ul class="dropdown-menu">(.*?)</ul>', nav, re.S)
    settings = re.findall(r'class="dropdown-item[^"]*"\s+href="([^"]+)"', menu.group(1)) if menu else []
    return own, settings, nav


def test_an_admin_finds_the_settings_under_one_menu_and_the_rest_on_the_bar(client, team):
    login(client, "admin")
    own, settings, nav = bar(client)
    assert settings == ["/admin/users", "/admin/customers", "/admin/calendar", "/admin/templates", "/imports/",
                        "/reports/jobs", "/notifications/outbox", "/notifications/robots", "/audit/"]
    assert not set(own) & set(settings) and "/work-orders/" in own
    assert ">设置</button>" in nav


def test_two_settings_entries_stay_on_the_bar(client, team):
    login(client, "office")
    own, settings, nav = bar(client)
    assert settings == [] and {"/admin/customers", "/imports/"} <= set(own)
    assert "dropdown-toggle" in nav  # one's own name only


def test_ones_name_opens_the_password_page_and_logging_out_everywhere(client, team):
    login(client, "eng1")
    _own, _settings, nav = bar(client)
    account = nav[nav.index('data-bs-toggle="dropdown"'):]
    assert 'href="/account/password"' in account and 'action="/logout/everywhere"' in account


def test_the_bell_is_outside_the_collapsed_menu_so_a_phone_shows_it(client, team):
    """On a phone the unread count was inside the collapsed menu: nobody saw it without opening the menu."""
    login(client, "eng1")
    _own, _settings, nav = bar(client)
    collapse = nav[nav.index('id="nav"'):nav.index('class="order-1 order-lg-3')]
    assert 'href="/notifications"' not in collapse and 'href="/notifications"' in nav


@pytest.mark.parametrize("user, path, marked", [
    ("eng1", "/itinerary/eng1/2026-11", "/"),  # 我的行程 leads there through a redirect
    ("eng1", "/itinerary/offline/", "/itinerary/offline/"),
    ("office", "/work-orders/complaints", "/work-orders/complaints"),
    ("mgr", "/scores/2026-11/eng1", "/scores"),
    ("admin", "/admin/users/new", "/admin/users"),
])
def test_the_entry_a_page_lies_under_is_marked_current(client, team, user, path, marked):
    """Only a page reached at an entry's own address was marked: none after 我的行程's redirect, none on a work order
    or a score page."""
    login(client, user)
    page = client.get(path).get_data(as_text=True)
    nav = page[page.index("<nav"):page.index("</nav>")]
    assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == [marked]
    assert ('nav-link dropdown-toggle active' in nav) is (user == "admin")  # the Settings menu holds the page
