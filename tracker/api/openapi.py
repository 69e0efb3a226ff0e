"""The OpenAPI 3 document, built from the API's own routes and the schemas that validate them."""

import itertools
import re

from flask import current_app, jsonify

from tracker.api.core import ERROR, LANG_PARAMETER, bp
from tracker.auth.access import public

CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
STATUS_TEXT = {400: "Malformed request", 401: "Missing or invalid bearer token", 403: "Not allowed",
               404: "Not found", 405: "Method not allowed (a path parameter of another type names another route)",
               409: "Conflicts with the current state", 413: "Too large",
               415: "Unsupported media type", 422: "Invalid values", 429: "Too many failed logins; see Retry-After"}


def _operation(view, method, rule):
    lines = (view.__doc__ or "").strip().splitlines()
    first = " ".join(line.strip() for line in itertools.takewhile(str.strip, lines))  # the first paragraph, whole
    auth_rule = getattr(view, "_auth_rule", None)
    operation = {"operationId": f"{method.lower()}_{rule.endpoint.split('.', 1)[1]}",
                 "summary": first or rule.endpoint,
                 "tags": [rule.rule.split("/")[3]]}
    if auth_rule == "public":
        operation["security"] = []
    elif isinstance(auth_rule, tuple):
        operation["description"] = "Roles: " + ", ".join(auth_rule)
    params = CONVERTER.findall(rule.rule)
    if params:
        operation["parameters"] = [{"name": p, "in": "path", "required": True,
                                    "schema": {"type": "integer" if f"<int:{p}>" in rule.rule else "string"}}
                                   for p in params]
    for parameter in getattr(view, "_query", ()):
        operation.setdefault("parameters", []).append({"in": "query", "required": False, **parameter})
    if not any(parameter.get("name") == "lang" for parameter in operation.get("parameters", ())):
        operation.setdefault("parameters", []).append({"in": "query", "required": False, **LANG_PARAMETER})
    schema = getattr(view, "_body_schema", None)
    if schema is not None:
        operation["requestBody"] = {"required": not getattr(view, "_body_optional", False),
                                    "content": {"application/json": {"schema": schema}}}
    upload = getattr(view, "_upload", None)
    if upload is not None:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": upload}}}
    answer = getattr(view, "_answer", None) or {"status": 200, "schema": None, "description": None,
                                                "content": "application/json"}
    ok = {"description": answer["description"] or "OK"}
    if answer["status"] != 204:
        ok["content"] = {answer["content"]: {"schema": answer["schema"] or {"type": "object"}}}
    responses = {str(answer["status"]): ok}
    for status, description in answer.get("also", {}).items():  # another success status, same body
        responses[str(status)] = {**ok, "description": description}
    extra = answer.get("errors", ())
    for status in sorted({400, 401, 403, 404, 405, 409, 413, 415, 422, *extra}):
        if status == 401 and auth_rule == "public" and 401 not in extra:
            continue
        text = "Wrong username or password" if status == 401 and auth_rule == "public" else STATUS_TEXT[status]
        responses[str(status)] = {"description": text, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        if status == 429:
            responses[str(status)]["headers"] = {"Retry-After": {
                "description": "Seconds until a login may be tried again", "schema": {"type": "integer"}}}
    operation["responses"] = responses
    return operation


def document():
    """Every route of the api blueprint, with its methods, roles, request schema and answer."""
    paths = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        path = CONVERTER.sub(r"{\1}", rule.rule)[len("/api/v1"):]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(view, method, rule)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tracker API", "version": "1",
                 "description": "After-sales field work, work orders and KPI scores. Times without an offset are "
                                "local time in TRACKER_TIMEZONE; numbers are JSON numbers. An operation without a "
                                "requestBody takes none: no body, an empty one or {} (any field: 422)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR}},
        "paths": dict(sorted(paths.items())),
    }


@bp.route("/openapi.json")
@public
def openapi_document():
    """The OpenAPI 3 document of this API."""
    return jsonify(document())
