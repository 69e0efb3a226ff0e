"""CONTRACT 10 seen from an outside caller: each table line's roles, with the status each role must get."""

import pytest

from tests.api.support import assert_error, documented

# (call, path, user, status, usernames expected in the answer's `scores`)
PERIOD_SCORES = [
    ("mid-year", "eng1", 200, ["eng1"]),
    ("annual", "eng1", 200, ["eng1"]),
    ("mid-year", "eng3", 200, ["eng3"]),
    ("mid-year", "mgr", 200, ["eng1", "eng2"]),
    ("annual", "mgr2", 200, ["eng3"]),
    ("mid-year", "gm.wang", 200, ["eng1", "eng2", "eng3"]),
    ("annual", "admin", 200, ["eng1", "eng2", "eng3"]),
    ("mid-year", "office", 403, None),
    ("annual", "office", 403, None),
    ("annual", None, 401, None),
]


@pytest.mark.parametrize("period, user, status, usernames", PERIOD_SCORES)
def test_period_scores_who_may_call(app, api, team, period, user, status, usernames):
    """GET /scores/{YYYY}/mid-year and /annual: engineer (own row), manager (own team), gm, admin."""
    response = api("GET", f"/scores/2026/{period}", user)
    if status != 200:
        assert_error(response, status)
        return
    body = documented(app, response)
    assert body["year"] == 2026 and body["period"] == period
    assert sorted(row["username"] for row in body["scores"]) == usernames
    assert all(row["score"] is None for row in body["scores"])


# Upload calls take multipart/form-data; any other body is refused as 415 like the scan upload (CONTRACT 10, 11).
# (path, user, content type, body)
NOT_MULTIPART = [
    ("/itineraries/eng1/2026.xlsx", "eng1", "application/json", b'{"file": "x"}'),
    ("/itineraries/eng1/2026.xlsx", "office", "text/plain", b"hello"),
    ("/imports/customers", "admin", "application/json", b'{"file": "x"}'),
    ("/imports/customers", "office", "text/csv", b"username\nabc\n"),
]


@pytest.mark.parametrize("path, user, content_type, body", NOT_MULTIPART)
def test_upload_calls_refuse_a_body_that_is_not_multipart(api, team, path, user, content_type, body):
    assert_error(api("POST", path, user, data=body, content_type=content_type), 415)
