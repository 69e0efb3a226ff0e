"""The API's plumbing: tokens, the error format, body checks, the OpenAPI document."""

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.api.support import assert_error, count
from tests.conftest import NOW, PASSWORD
from tracker.audit import AuditEvent
from tracker.customers.models import Customer
from tracker.extensions import db
from tracker.itinerary.models import Expense, MonthSubmission, Trip
from tracker.scores.models import Score


def test_token_for_good_credentials(client, team):
    response = client.post("/api/v1/auth/token", json={"username": "eng1", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["token"]) > 20
    assert body["expires_at"].endswith("+08:00")


@pytest.mark.parametrize("payload", [
    {"username": "eng1", "password": "wrong-password"},
    {"username": "nobody", "password": PASSWORD},
])
def test_token_refused_for_bad_credentials(client, team, payload):
    response = client.post("/api/v1/auth/token", json=payload)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("raw, status", [
    (b"{not json", 400),
    (b"[1, 2]", 422),  # valid JSON, not an object
    (b"", 400),
    (b'{"username": "eng1", "password": "x", "admin": true}', 422),
    (b'{"username": "eng1"}', 422),
    (b'{"username": 12, "password": "x"}', 422),
    (b'{"username": "eng1", "password": NaN}', 400),
])
def test_malformed_or_invalid_bodies_get_the_error_format(client, team, raw, status):
    response = client.post("/api/v1/auth/token", data=raw, content_type="application/json")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] and error["message"]


LONG = "1" + "0" * 5000  # valid JSON, beyond the 4,300 digits Python's int() reads
EXPENSE = '{"date": "2026-11-19", "category": "meals", "amount": AMOUNT}'


@pytest.mark.parametrize("path, body, field", [
    ("/expenses", EXPENSE.replace("AMOUNT", LONG), "amount"),
    ("/expenses", EXPENSE.replace("AMOUNT", "-" + LONG), "amount"),
    ("/expenses", EXPENSE.replace("AMOUNT", LONG + ".5"), "amount"),
    ("/notifications/read", '{"ids": [1, LONG]}'.replace("LONG", LONG), "ids.1"),
])
def test_a_number_of_thousands_of_digits_is_well_formed_and_refused_with_422_naming_the_field(api, team, path, body,
                                                                                               field):
    response = api("POST", path, "eng1", data=body, content_type="application/json")
    assert_error(response, 422, field)
    assert count(Expense) == 0


@pytest.mark.parametrize("raw, field", [('{"score": 1e400}', "score"), ('{"score": 3, "method": null}', "method"),
                                        ('{"score": "9"}', "score")])
def test_a_field_with_two_faults_is_said_the_same_in_the_message_and_under_fields(client, team, token, raw, field):
    """1e400 is no integer and above 5: the message said one, the field the other."""
    from tracker.workorders.models import WorkOrder

    order = WorkOrder(number="WO-1", customer=Customer(name="旗滨玻璃"), service_type="维修", status="completed",
                      reported_at=datetime(2026, 11, 2, 8), responded_at=datetime(2026, 11, 2, 9),
                      arrived_at=datetime(2026, 11, 2, 10), completed_at=datetime(2026, 11, 2, 12),
                      engineer_id=team["eng1"].id, submitter_id=team["office"].id, rework="none")
    db.session.add(order)
    db.session.commit()
    response = client.post(f"/api/v1/work-orders/{order.id}/surveys", data=raw, content_type="application/json",
                           headers=token("office"))
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["message"] == f"{field}: {error['fields'][field]}", error


@pytest.mark.parametrize("raw, key", [
    ('{"date": "2026-11-19", "category": "meals", "amount": 1, "amount": 2}', "amount"),
    ('{"date": "2026-11-19", "category": "meals", "amount": 1, "amount": 1}', "amount"),
    ('{"date": "2026-11-19", "category": "meals", "amount": 1, "note": {"a": 1, "a": 2}}', "a"),
])
def test_a_body_naming_a_key_twice_is_malformed_and_stores_nothing(api, team, raw, key):
    """Which of two values of one key counts, JSON does not say: the body is refused, not read as its last one."""
    response = api("POST", "/expenses", "eng1", data=raw, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert f'"{key}"' in response.get_json()["error"]["message"]
    assert count(Expense) == 0


@pytest.mark.parametrize("depth", [33, 600, 990])
@pytest.mark.parametrize("path", ["/templates/engineer_monthly/versions", "/templates/engineer_monthly/what-if",
                                  "/expenses"])
def test_a_body_nested_past_the_limit_is_refused_never_a_500(api, team, path, depth):
    """600 levels passed the parser, and the template checks walking it by recursion ran out of stack (500)."""
    raw = '{"body": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    response = api("POST", path, "admin" if "templates" in path else "eng1", data=raw,
                   content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "32" in response.get_json()["error"]["message"]


def test_a_body_nested_up_to_the_limit_is_read(api, team):
    raw = '{"date": "2026-11-19", "category": "meals", "amount": 1, "note": ' + "[" * 31 + "]" * 31 + "}"
    response = api("POST", "/expenses", "eng1", data=raw, content_type="application/json")
    assert response.status_code == 422 and "note" in response.get_json()["error"]["fields"]  # read, then refused


def test_body_over_one_mebibyte_is_413(client, team):
    raw = b'{"username": "' + b"a" * (1024 * 1024) + b'", "password": "x"}'
    response = client.post("/api/v1/auth/token", data=raw, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("length", [8192, 8193, 20000])
def test_a_query_string_over_8_kib_is_malformed(client, team, token, length):
    query = "&".join(["role=engineer"] * (length // 14)).ljust(length, "x")
    response = client.get("/api/v1/users?" + query, headers=token("admin"))
    assert response.status_code == (200 if length <= 8192 else 400), response.get_json()
    if length > 8192:
        assert response.get_json()["error"]["code"] == "bad_request"
        response = client.get("/work-orders?" + query)  # a page too: the error page, not a 500
        assert response.status_code == 400


def test_expired_token_is_401(app, client, team, token, monkeypatch):
    headers = token("eng1")
    monkeypatch.setitem(app.config, "NOW", NOW + timedelta(hours=app.config["TOKEN_HOURS"], seconds=1))
    response = client.get("/api/v1/itineraries/eng1/2026-11", headers=headers)
    assert response.status_code == 401


def test_the_apps_own_pages_read_the_api_with_their_session(client, team):
    assert client.get("/api/v1/itineraries/eng1/2026-11").status_code == 401
    client.post("/login", data={"username": "eng1", "password": PASSWORD})
    assert client.get("/api/v1/itineraries/eng1/2026-11").status_code == 200
    assert client.get("/api/v1/itineraries/eng2/2026-11").status_code == 403


def test_a_write_with_the_session_but_without_the_csrf_token_is_refused(client, team):
    client.post("/login", data={"username": "eng1", "password": PASSWORD})
    body = {"date": "2026-11-02", "full_day": True}
    assert client.post("/api/v1/trips", json=body).status_code == 401
    assert client.post("/api/v1/trips", json=body, headers={"X-CSRFToken": "forged"}).status_code == 401


def test_a_bad_bearer_token_is_not_rescued_by_the_session(client, team):
    client.post("/login", data={"username": "eng1", "password": PASSWORD})
    response = client.get("/api/v1/itineraries/eng1/2026-11", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


def test_a_call_that_needs_a_body_and_gets_nothing_at_all_is_400(client, team, token):
    """No body and no Content-Type: the body is missing (400), not of another type (415, for a body that is sent as
    something other than JSON)."""
    headers = token("eng1")
    response = client.post("/api/v1/trips", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    assert client.post("/api/v1/trips", headers=headers, data=b"x", content_type="text/plain").status_code == 415


@pytest.mark.parametrize("content_type, status", [
    ("application/json", 201), ("application/json; charset=utf-8", 201), ("Application/JSON; charset=UTF-8", 201),
    ("application/merge-patch+json", 415), ("application/vnd.api+json", 415),
    ("application/json; charset=latin-1", 415), ("text/json", 415)])
def test_a_json_body_is_taken_as_application_json_in_utf_8_only(client, team, token, content_type, status):
    """Flask's is_json took any +json type and any charset (the body is read as UTF-8 whatever it says): a
    merge-patch or a latin-1 body was stored (201) where CONTRACT 11 says another content type answers 415."""
    body = '{"date": "2026-11-02", "full_day": true, "purpose": "保养"}'.encode()
    response = client.post("/api/v1/trips", headers=token("eng1"), data=body, content_type=content_type)
    assert response.status_code == status, response.get_json()
    if status == 415:
        assert response.get_json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_bearer_scheme_is_case_insensitive(client, team, token, scheme):
    value = token("eng1")["Authorization"].split(" ", 1)[1]
    response = client.get("/api/v1/itineraries/eng1/2026-11", headers={"Authorization": f"{scheme} {value}"})
    assert response.status_code == 200
    assert client.get("/api/v1/itineraries/eng1/2026-11", headers={"Authorization": f"Basic {value}"}).status_code == 401


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_every_route_declares_who_may_call_it(app):
    missing = [rule.rule for rule in app.url_map.iter_rules()
               if rule.endpoint not in ("static", "bootstrap.static")
               and getattr(app.view_functions[rule.endpoint], "_auth_rule", None) is None]
    assert missing == []


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule[len("/api/v1"):]
            for name in rule.arguments:
                for form in (f"<int:{name}>", f"<month:{name}>", f"<year:{name}>", f"<{name}>"):
                    path = path.replace(form, "{" + name + "}")
            assert path in document["paths"], path


@pytest.mark.parametrize("username", ["a\u0000b", "\ud800abc"])
def test_strings_no_database_can_store_are_422(client, team, username):
    raw = json.dumps({"username": username, "password": "x"})  # \u escapes, as a client would send them
    response = client.post("/api/v1/auth/token", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"username": response.get_json()["error"]["fields"]["username"]}


def test_answers_carry_chinese_as_utf8_not_escapes(client, team, api):
    response = api("GET", "/itineraries/eng2/2026-11", "eng1")
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/json")


# ---- calls that take no body refuse one that says anything (CONTRACT 2 and 10) ------------------------

PATH_VALUES = {"int": "1", "month": "2026-11", "year": "2026"}  # anything else: a username, a code, a kind ...


def _no_body_routes(app):
    """(method, path) of every API route that declares no body (neither JSON nor multipart), path values filled."""
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.endpoint.startswith("api.") or hasattr(view, "_body_schema") or hasattr(view, "_upload"):
            continue
        path = re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?[a-z_]+>", lambda m: PATH_VALUES.get(m.group(1), "eng1"), rule.rule)
        routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_every_call_without_a_body_refuses_one_with_fields(app, client, team, token):
    headers = token("admin")
    routes = _no_body_routes(app)
    assert ("POST", "/api/v1/scores/2026-11/compute") in routes and ("DELETE", "/api/v1/trips/1") in routes
    for method, path in routes:
        response = client.open(path, method=method, headers=headers, json={"evil": True})
        assert response.status_code == 422, (method, path, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"] == {"evil": "不接受未知字段：evil"}, (method, path)


@pytest.mark.parametrize("path, user", [("/scores/2026-11/compute", "mgr"), ("/itineraries/eng1/2026-11/submit", "eng1"),
                                        ("/adjustments/5/approve", "gm.wang"),
                                        ("/itineraries/eng1/2026-11/reopen", "mgr")])
@pytest.mark.parametrize("raw, content_type, status", [
    (b"notjson", "application/json", 400), (b"[]", "application/json", 422), (b"null", "application/json", 422),
    (b'{"a":', "application/json", 400),
    (b'{"evil": true}', "application/json", 422), (b'{"x": 1, "foo": "bar"}', "application/json", 422),
    (b"hello", "text/plain", 415),
])
def test_a_call_without_a_body_refuses_a_malformed_or_unknown_one_and_stores_nothing(api, team, path, user, raw,
                                                                                    content_type, status):
    response = api("POST", path, user, data=raw, content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"]
    assert count(MonthSubmission) == 0 and count(Score) == 0


@pytest.mark.parametrize("kwargs", [{}, {"data": b"", "content_type": "application/json"}, {"json": {}},
                                    {"data": b" \n", "content_type": "text/plain"}])
def test_a_call_without_a_body_takes_none_an_empty_one_or_an_empty_object(api, team, kwargs):
    assert api("POST", "/itineraries/eng1/2026-10/submit", "eng1", **kwargs).status_code == 200
    assert api("POST", "/itineraries/eng1/2026-10/reopen", "mgr", **kwargs).status_code == 200
    assert api("POST", "/scores/2026-11/compute", "mgr", **kwargs).status_code == 200


def test_an_anonymous_call_with_a_body_is_still_401(api, team):
    assert api("POST", "/scores/2026-11/compute", None, json={"evil": True}).status_code == 401


def test_a_trip_is_not_deleted_by_a_call_with_an_unknown_body(api, team):
    trip = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "full_day": True}).get_json()["id"]
    assert api("DELETE", f"/trips/{trip}", "eng1", json={"force": True}).status_code == 422
    assert count(Trip) == 1
    assert api("DELETE", f"/trips/{trip}", "eng1").status_code == 204


def test_reopening_an_itinerary_takes_the_optional_reason_of_the_web_page_and_nothing_else(api, team):
    assert api("POST", "/itineraries/eng1/2026-10/submit", "eng1").status_code == 200
    assert api("POST", "/itineraries/eng1/2026-10/reopen", "mgr",
               json={"reason": "补录", "evil": 1}).get_json()["error"]["fields"] == {"evil": "不接受未知字段：evil"}
    assert count(MonthSubmission) == 1
    assert api("POST", "/itineraries/eng1/2026-10/reopen", "mgr", json={"reason": "  补录一次行程 "}).status_code == 200
    assert count(MonthSubmission) == 0
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "itinerary.reopen"))
    assert detail == "  补录一次行程 "  # multi-line text kept as written


@pytest.mark.parametrize("method, path, user, status, message", [
    ("POST", "/customers", "eng1", 403, "您没有权限执行此操作"),  # a role the route does not take
    ("GET", "/no-such-thing", "eng1", 404, "没有找到请求的资源"),
    ("GET", "/trips/abc", "eng1", 404, "没有找到请求的资源"),
    ("GET", "/scores/2026-11", None, 401, "需要有效的登录令牌"),
    ("DELETE", "/users/eng1", "admin", 405, "该地址不支持此请求方法"),
])
def test_refusals_the_framework_answers_are_said_in_chinese_too(api, team, method, path, user, status, message):
    response = api(method, path, user, json={"name": "x"} if method == "POST" else None)
    assert response.status_code == status
    assert response.get_json()["error"]["message"] == message


def test_a_wrong_password_is_said_in_chinese_too(client, team):
    response = client.post("/api/v1/auth/token", json={"username": "eng1", "password": "wrong-password"})
    assert response.get_json()["error"]["message"] == "用户名或密码错误"


def test_a_value_of_the_wrong_type_is_named_in_words(api, team):
    response = api("PATCH", "/users/eng1", "admin", json={"active": 1})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["active"] == "类型不正确（应为 true/false）"
    response = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "purpose": 5})
    assert response.get_json()["error"]["fields"]["purpose"] == "类型不正确（应为 文字 或 null）"


def test_a_405_names_the_methods_the_address_takes(api, team):
    response = api("DELETE", "/users/eng1", "admin")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PATCH"}


def test_a_change_without_any_field_is_said_in_words(api, team):
    order = api("POST", "/work-orders", "office", json={"customer": "旗滨玻璃", "service_type": "维修",
                                                        "reported_at": "2026-11-19T09:00"}).get_json()
    response = api("PATCH", f"/work-orders/{order['id']}", "office", json={})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"body": "请至少给出一个字段"}


def test_the_token_answer_declares_its_fields_required(client):
    schema = client.get("/api/v1/openapi.json").get_json()["paths"]["/auth/token"]["post"]["responses"]
    body = schema["200"]["content"]["application/json"]["schema"]
    assert sorted(body["required"]) == ["expires_at", "token"]


@pytest.mark.parametrize("path, body", [
    ("/customers", {"name": "客" * 200}),
    ("/work-orders", {"customer": "客" * 200, "service_type": "维修", "reported_at": "2026-11-19T09:00"}),
])
def test_a_name_far_too_long_is_refused_with_the_limit_of_forty(api, team, path, body):
    """Sent as up to 160 code points (a letter and its accent are two), a name part holds 40 characters: the
    message said 最多 160 for a long name and 最多 40 for one of 41."""
    response = api("POST", path, "office", json=body)
    assert response.status_code == 422
    field = "name" if path == "/customers" else "customer"
    assert "最多 40 个字符" in response.get_json()["error"]["fields"][field]


def test_every_unknown_field_is_named(api, team):
    response = api("POST", "/trips", "eng1", json={"date": "2026-11-19", "full_day": True, "colour": 1, "size": 2})
    assert response.status_code == 422
    error = response.get_json()["error"]
    # each field says itself (every key repeated the whole list: 11 times for a template sent without its "body")
    assert error["fields"] == {"colour": "不接受未知字段：colour", "size": "不接受未知字段：size"}
    assert "colour, size" in error["message"]


@pytest.mark.parametrize("method, path, said", [
    ("GET", "/nothing", "nothing was found"),
    ("PUT", "/trips", "does not take this method"),
    ("GET", "/scores/2026-13", "YYYY-MM"),
    # a query string's control character: the app-wide check ran before the API read the token
    ("GET", "/work-orders?customer=%01", "control character"),
    ("GET", "/users?q=%C2%85", "control character"),
])
def test_errors_of_routing_are_in_the_token_users_language(api, team, method, path, said):
    """A path that is no route, a method it does not allow, a month it cannot hold: these failed before the API read
    the token, and were said in Chinese to a user who reads English."""
    team["eng1"].locale = "en"
    db.session.commit()
    answer = api(method, path, "eng1").get_json()["error"]["message"]
    assert said in answer.lower() or said in answer, answer
    assert not re.search(r"[\u4e00-\u9fff]", answer), answer
    assert re.search(r"[\u4e00-\u9fff]", api(method, path, "eng2").get_json()["error"]["message"])


def test_an_empty_required_text_is_said_to_be_empty(api, team):
    """English said "Too short (at least 1 characters)" of an empty customer or service type."""
    body = {"customer": "", "service_type": "", "reported_at": "2026-11-18T09:00"}
    fields = api("POST", "/work-orders", "office", json=body).get_json()["error"]["fields"]
    assert fields["customer"] == fields["service_type"] == "不能为空", fields
    english = api("POST", "/work-orders", "office", json=body, headers={"Accept-Language": "en"})
    assert english.get_json()["error"]["fields"]["customer"] == "Must not be empty"


def test_a_204_answer_says_no_content_type(client, team, token):
    """No content, so no type (every deletion of the API was labelled text/html)."""
    headers = token("eng1")
    response = client.delete("/api/v1/auth/token", headers=headers)
    assert response.status_code == 204 and response.data == b""
    assert "Content-Type" not in response.headers, dict(response.headers)
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
