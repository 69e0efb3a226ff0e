"""Routes with a <month:...> segment: a URL still reaches the route it reached with a plain segment."""

from werkzeug.routing import IntegerConverter

from tracker.values import MonthConverter


def _sample(rule, name):
    converter = rule._converters[name]
    if isinstance(converter, MonthConverter):
        return "2026-11"
    if isinstance(converter, IntegerConverter):
        return 7
    return "2026" if name == "year" else f"zz{name}"


def test_every_route_is_reached_by_its_own_urls(app):
    adapter = app.url_map.bind("localhost")
    months = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        values = {name: _sample(rule, name) for name in rule.arguments if name not in (rule.defaults or {})}
        url = adapter.build(rule.endpoint, values, method=method)
        endpoint, _args = adapter.match(url, method=method)
        assert endpoint == rule.endpoint, (rule.rule, url, endpoint)
        months += any(isinstance(c, MonthConverter) for c in rule._converters.values())
    assert months > 20


def test_a_year_is_not_taken_for_a_month(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/api/v1/scores/2026/annual")[0] == "api.annual_scores"
    assert adapter.match("/api/v1/scores/2026-11/eng1")[0] == "api.engineer_score"


def test_an_actions_address_opened_as_a_page_leads_to_its_page(client, team):
    """A refused form shows its errors at the address it was sent to, which takes POST only: switching the language
    there (or opening it again) answered 405 "请求有误"; it leads to the page the form belongs to now."""
    from tests.conftest import login

    login(client, "mgr")
    response = client.get("/scores/2026-11/eng1/early-confirmation")
    assert response.status_code == 303 and response.headers["Location"] == "/scores/2026-11/eng1"
    switched = client.post("/lang/en", headers={"Referer": "http://localhost/scores/2026-11/eng1/adjustments"},
                           follow_redirects=True)
    assert switched.status_code == 200 and switched.request.path == "/scores/2026-11/eng1"
    assert client.get("/adjustments/1/reject").status_code == 405  # no page above it: said as before
    assert client.get("/logout").status_code == 405
    api = client.get("/api/v1/scores/2026-11/eng1/approve")
    assert api.status_code == 405 and api.get_json()["error"]["code"] == "method_not_allowed"
