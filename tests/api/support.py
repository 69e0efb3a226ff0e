"""Helpers for the API tests: row counts, error format, answers checked against the OpenAPI declarations."""

from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from tracker.extensions import db


def count(model, *where):
    """Rows of a table (matching `where`), read fresh from the database."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def documented(app, response, status=None):
    """Assert the response has the status and the shape its route declares in the OpenAPI document.

    `status`: one of the route's other declared success statuses (`also`) expected instead of the main one.
    """
    request = response.request
    endpoint, _args = app.url_map.bind("localhost").match(request.path, method=request.method)
    answer = app.view_functions[endpoint]._answer
    assert status is None or status in answer.get("also", {}), f"{status} is not declared"
    assert response.status_code == (status or answer["status"]), response.get_data(as_text=True)
    if response.status_code != 204 and answer["content"] == "application/json":
        Draft202012Validator(answer["schema"]).validate(response.get_json())
    return response.get_json() if answer["content"] == "application/json" and response.status_code != 204 else None


def assert_error(response, status, field=None):
    """A JSON error in the contract's format, with the given status (and naming `field` when given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    if field is not None:
        assert field in error.get("fields", {}), error
    return error
