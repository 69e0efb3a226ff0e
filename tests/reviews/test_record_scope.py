"""Every page and action about one engineer's month checks the record's scope on the server (CONTRACT 2): an engineer
sees only their own, a manager only the engineers below them. Walks the URL map, so a new such route is covered."""

import pytest

from tests.conftest import login
from tests.reviews.conftest import MONTH

PREFIXES = ("/scores/", "/reviews/", "/sheets/", "/team/", "/itinerary/")
VALUES = {"month": MONTH, "username": "eng1", "key": "service_attitude", "year": "2026"}

# Deliberately open to another engineer: the peer review form (CONTRACT 7: any other engineer reviews as a peer).
PEER_REVIEW = {"reviews.review"}


def engineer_routes(app):
    """(endpoint, method, url) of every web route about one engineer, filled in for eng1."""
    found = []
    for rule in app.url_map.iter_rules():
        if "username" not in rule.arguments or not rule.rule.startswith(PREFIXES):
            continue
        given = rule.arguments - set(rule.defaults or ())  # as_pdf, period: fixed by the rule itself
        url = rule.build({name: VALUES[name] for name in given}, append_unknown=False)[1]
        found += [(rule.endpoint, method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_the_walk_covers_the_score_entry_and_review_routes(app):
    endpoints = {endpoint for endpoint, _method, _url in engineer_routes(app)}
    assert {"scores.score_page", "reviews.entries", "reviews.save_rating", "reviews.save_metric",
            "reviews.add_incident", "reviews.review", "scores.early_confirmation", "sheets.month_sheet"} <= endpoints


@pytest.mark.parametrize("viewer", ["eng2", "mgr2"])
def test_another_engineer_and_another_teams_manager_are_refused_on_every_route(app, client, team, viewer):
    login(client, viewer)
    wrong = []
    for endpoint, method, url in engineer_routes(app):
        response = client.open(url, method=method, data={})
        if viewer == "eng2" and endpoint in PEER_REVIEW:  # let in; an empty review is a 422
            unexpected = response.status_code == 403 or response.status_code >= 500
        else:
            unexpected = response.status_code != 403
        if unexpected:
            wrong.append((method, url, response.status_code))
    assert not wrong


def test_an_engineer_does_not_see_anothers_entries_page(client, team):
    login(client, "eng2")
    response = client.get(f"/scores/{MONTH}/eng1/entries")
    assert response.status_code == 403
    assert "张三" not in response.get_data(as_text=True)
