"""Pages that step from month to month (or year to year) link only to months a URL may name: at 2099-12 or
2000-01 they linked to 2100-01 and 1999-12, which answer 422."""

import re

import pytest

from tests.conftest import login

PAGES = {
    "eng1": ["/itinerary/eng1/{month}", "/itinerary/eng1/{year}"],
    "office": ["/?month={month}", "/attendance/{month}"],
    "mgr": ["/team?month={month}", "/scores/{month}/eng1", "/scores/{month}", "/reviews?month={month}"],
    "gm.wang": ["/approvals?month={month}", "/charts/department/{month}"],
    "admin": ["/admin/calendar/{month}"],
}
CASES = [(user, page, month) for user, pages in PAGES.items() for page in pages for month in ("2099-12", "2000-01")]
CASES.append(("gm.wang", "/quality/{month}", "2000-01"))  # a month not begun has nothing to check: 422
HREF = re.compile(r'href="(/[^"]*)"')


@pytest.mark.parametrize("user, page, month", CASES)
def test_a_page_at_the_edge_of_the_years_links_to_no_month_beyond_them(client, team, user, page, month):
    login(client, user)
    response = client.get(page.format(month=month, year=month[:4]))
    assert response.status_code == 200, page
    links = HREF.findall(response.get_data(as_text=True))
    assert any(month[:4] in link for link in links)  # it does link to months of its own year
    beyond = [link for link in links if re.search(r"(?<!\d)(1999|2100)(?!\d)", link)]
    assert beyond == []
    for link in links:
        if re.search(r"(?<!\d)(2000|2099)-\d\d(?!\d)|/(2000|2099)(?!\d)", link):
            assert client.get(link).status_code != 422, link
