"""Structural truths of /api/v1/openapi.json (openapi-spec-validator is not installed, so these stand in for it)."""

import re

import pytest
from jsonschema import Draft202012Validator

from tracker import validation
from tracker.api import core

MUTATING = ("post", "put", "patch")
# Tags of this module's calls, and those of them that take no body at all.
OWN_TAGS = {"users", "customers", "calendar", "attendance", "trips", "expenses", "itineraries"}
BODYLESS = {("post", "/itineraries/{username}/{month}/submit")}
OPTIONAL_BODY = {("post", "/itineraries/{username}/{month}/reopen")}  # the reason of the web page, optional
MULTIPART = {("post", "/itineraries/{username}/{year}.xlsx")}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _template(adapter, rule):
    """The rule's path with {name} for each argument, found by letting Werkzeug build a URL with marker values
    (not by the pattern the generator itself uses, so a mistake there shows here)."""
    markers, values = {}, {}
    for index, name in enumerate(sorted(rule.arguments)):
        for candidate in (f"zq{index}marker", 900000 + index, f"20{70 + index}-01"):
            try:
                rule._converters[name].to_url(candidate)
            except (ValueError, TypeError):
                continue
            values[name], markers[name] = candidate, str(candidate)
            break
    url = adapter.build(rule.endpoint, values, method=sorted(rule.methods - {"HEAD", "OPTIONS"})[0])
    for name, marker in markers.items():
        assert url.count(marker) == 1, (rule.rule, name)
        url = url.replace(marker, "{" + name + "}")
    return url[len("/api/v1"):]


def _url_map_operations(app):
    adapter = app.url_map.bind("localhost")
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            found |= {(m.lower(), _template(adapter, rule)) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_document_lists_exactly_the_routes_of_the_api(app, document):
    documented = {(method, path) for path, method, _op in _operations(document)}
    assert documented == _url_map_operations(app)


def test_document_is_public_and_says_so(document):
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    assert document["security"] == [{"bearer": []}]


def test_operation_ids_are_unique_and_every_operation_has_a_summary(document):
    ids = [op["operationId"] for _p, _m, op in _operations(document)]
    assert len(ids) == len(set(ids))
    for path, method, operation in _operations(document):
        assert operation["summary"] and not operation["summary"].startswith("api."), (method, path)


def test_no_two_paths_differ_only_in_parameter_names(document):
    shapes = [re.sub(r"\{[^}]+\}", "{}", path) for path in document["paths"]]
    assert len(shapes) == len(set(shapes))


def test_path_parameters_match_the_path_templates(document):
    for path, method, operation in _operations(document):
        names = re.findall(r"\{([^}]+)\}", path)
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        assert sorted(names) == sorted(declared), (method, path)
        assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")


def test_the_month_scores_document_their_paging_query(document):
    query = {p["name"]: p for p in document["paths"]["/scores/{month}"]["get"]["parameters"] if p["in"] == "query"}
    assert set(query) >= {"page", "per_page", "team", "explain"}
    assert query["per_page"]["schema"]["maximum"] == 200 and not query["page"]["required"]


def test_every_json_body_has_a_valid_schema_that_refuses_unknown_fields(document):
    for path, method, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            schema = content["application/json"]["schema"]
            Draft202012Validator.check_schema(schema)
            assert schema["type"] == "object" and schema["additionalProperties"] is False, (method, path)
            assert set(schema["required"]) <= set(schema["properties"]), (method, path)


def _patterns(schema):
    if isinstance(schema, dict):
        if isinstance(schema.get("pattern"), str):
            yield schema["pattern"]
        for value in schema.values():
            yield from _patterns(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _patterns(value)


def test_every_pattern_a_request_is_checked_against_says_its_rule(document):
    """A value refused by a pattern without a rule of its own was told only "格式不正确" (Invalid format): a work-order
    number, a client_id, a criterion code, a month in a query. The text patterns are the control-character rules,
    checked (with their own messages) before the schema."""
    told = set(core.PATTERN_RULES) | set(validation.PATTERNS.values()) | {r"^[^\x00]*$"}
    for path, method, operation in _operations(document):
        schemas = [content["schema"] for content in operation.get("requestBody", {}).get("content", {}).values()]
        schemas += [parameter["schema"] for parameter in operation.get("parameters", [])
                    if parameter["in"] == "query"]
        for pattern in _patterns(schemas):
            assert pattern in told, (method, path, pattern)


def test_own_calls_that_change_something_declare_their_body(document):
    for path, method, operation in _operations(document):
        if method not in MUTATING or not set(operation["tags"]) & OWN_TAGS:
            continue
        content = operation.get("requestBody", {}).get("content", {})
        if (method, path) in BODYLESS:
            assert not content, (method, path)
        elif (method, path) in OPTIONAL_BODY:
            assert "application/json" in content and operation["requestBody"]["required"] is False, (method, path)
        elif (method, path) in MULTIPART:
            assert content["multipart/form-data"]["schema"]["required"] == ["file"]
        else:
            assert "application/json" in content, (method, path)


def test_views_with_a_body_schema_document_it(app, document):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        schema = getattr(app.view_functions[rule.endpoint], "_body_schema", None)
        if rule.endpoint.startswith("api.") and schema is not None:
            path = _template(adapter, rule)
            for method in rule.methods & {"POST", "PUT", "PATCH"}:
                assert document["paths"][path][method.lower()]["requestBody"]["content"][
                    "application/json"]["schema"] == schema


def test_every_answer_has_a_valid_schema_and_errors_use_the_error_format(document):
    error = document["components"]["schemas"]["Error"]
    Draft202012Validator.check_schema(error)
    for path, method, operation in _operations(document):
        successes = [code for code in operation["responses"] if code.startswith("2")]
        # One success status, or (POST /trips, /expenses) 201 and the 200 of a repeated client_id.
        assert len(successes) == 1 or sorted(successes) == ["200", "201"], (method, path)
        for success in successes:
            answer = operation["responses"][success]
            if success != "204":
                for media in answer["content"].values():
                    Draft202012Validator.check_schema(media["schema"])
        for code in ("400", "403", "404", "422"):
            assert operation["responses"][code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}


def test_protected_operations_name_their_roles_and_answer_401(app, document):
    for path, method, operation in _operations(document):
        if operation.get("security") == [] and path == "/auth/token":
            assert "401" in operation["responses"]  # wrong username or password
        elif operation.get("security") == []:
            assert "401" not in operation["responses"]
        else:
            assert "401" in operation["responses"], (method, path)


def test_own_answers_declare_required_fields_that_exist(document):
    def walk(schema):
        if isinstance(schema, dict):
            if schema.get("type") == "object" and "properties" in schema:
                assert set(schema.get("required", [])) <= set(schema["properties"])
            for value in schema.values():
                walk(value)
        elif isinstance(schema, list):
            for value in schema:
                walk(value)

    for _path, _method, operation in _operations(document):
        if set(operation["tags"]) & OWN_TAGS:
            walk(operation["responses"])


def test_every_query_parameter_a_handler_reads_is_documented(app, document):
    """A generated client could not send `month` and `engineer` to GET /complaints, nor `hidden` to GET /templates:
    the handlers read them, the document did not name them. Read from each handler's source (request.args.get and
    the scores' _flag), so a new parameter left out of the document shows here."""
    import inspect

    adapter = app.url_map.bind("localhost")
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = inspect.unwrap(app.view_functions[rule.endpoint])
        read = set(re.findall(r'(?:request\.args\.get|_flag)\("([a-z_]+)"', inspect.getsource(view)))
        path = _template(adapter, rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            missing += [(method, path, name) for name in sorted(read - named)]
    assert not missing
