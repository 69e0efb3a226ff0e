"""Query parameters documented with a set of choices answer 422 naming the parameter for any other value (they
were taken as the default: lang=fr gave Chinese, active=yes every user), as `explain` and `role` already did."""

import pytest

from tests.api.support import assert_error


@pytest.mark.parametrize("path", [
    "/scores/2026-11?lang=fr", "/scores/2026-11/eng1?lang=EN", "/summaries/2026-11?lang=xx",
    "/users?active=yes", "/work-orders?no_scan=2", "/work-orders?count=true", "/scores/2026-11?explain=yes",
    "/users?role=xx", "/work-orders?status=done",
])
def test_a_value_outside_the_documented_choices_is_422_naming_it(api, team, path):
    name = path.split("?")[1].split("=")[0]
    assert_error(api("GET", path, "gm.wang" if "users" not in path else "admin"), 422, name)


@pytest.mark.parametrize("path", [
    "/scores/2026-11?lang=en", "/scores/2026-11?lang=", "/summaries/2026-11?lang=zh", "/users?active=0",
    "/work-orders?no_scan=1&count=1", "/work-orders?count=",
    "/scores/2026-11?explain=", "/scores/2026-11/eng1?explain=", "/users?role=&active=1",  # a filter form's empty select
])
def test_the_documented_choices_and_an_empty_value_are_taken(api, team, path):
    assert api("GET", path, "gm.wang" if "users" not in path else "admin").status_code == 200


@pytest.mark.parametrize("path", ["/summaries/2026-10.xlsx", "/summaries/2026/mid-year.xlsx", "/summaries/2026/annual",
                                  "/scores/2026/annual", "/work-orders", "/itineraries/eng1/2026-10"])
def test_lang_is_held_to_its_two_values_on_every_call(api, team, path):
    """?lang chooses the language of any call; the calls that did not document it took lang=fr as Chinese."""
    response = api("GET", path + "?lang=fr", "gm.wang")
    assert response.status_code == 422 and "lang" in response.get_json()["error"]["fields"]
    assert api("GET", path + "?lang=en", "gm.wang").status_code == 200
    assert api("GET", path + "?lang=", "gm.wang").status_code == 200


def test_every_operation_documents_lang(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            names = [parameter["name"] for parameter in operation.get("parameters", ())
                     if parameter.get("in") == "query"]
            assert names.count("lang") == 1, (method, path)


def test_a_query_value_outside_its_choices_is_said_as_a_body_fields_is(api, team):
    """The message of ?role=xx was "must be one of …" without the parameter's name (and lower-case in English,
    from another sentence of the same meaning), while a body field's reads "amount: Must be one of …"."""
    error = api("GET", "/users?role=xx", "admin").get_json()["error"]
    assert error["message"] == "role: " + error["fields"]["role"] and error["fields"]["role"].startswith("须为 ")
    english = api("GET", "/users?role=xx&lang=en", "admin").get_json()["error"]
    assert english["message"].startswith("role: Must be one of engineer"), english
    body = api("POST", "/users?lang=en", "admin", json={"username": "x.y", "display_name": "X", "role": "boss",
                                                        "password": "long-enough-1"}).get_json()["error"]
    assert body["fields"]["role"] == english["fields"]["role"], body
    assert api("GET", "/scores/2026-11?lang=fr", "gm.wang").get_json()["error"]["message"].startswith("lang: ")
    assert api("GET", "/work-orders?status=done", "office").get_json()["error"]["message"].startswith("status: 须为 ")
