"""Fixtures of the score tests: the presets in the database and a writer of hand-made records."""

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import NOW
from tests.scores.support import Records
from tracker.extensions import db
from tracker.scores import templates_store


@pytest.fixture
def presets(app):
    """The bundled templates stored as version 1."""
    templates_store.sync_presets(NOW)
    db.session.commit()


@pytest.fixture
def records(app, team, presets):
    """A writer of records (see tests/scores/support.py)."""
    return Records()


@pytest.fixture
def api(app, client, token):
    """api("GET", "/scores/2026-11", "eng1"): a call as that user, its answer checked against the declared schema."""
    tokens = {}

    def call(method, path, user, **kwargs):
        if user not in tokens:
            tokens[user] = token(user)
        headers = {**kwargs.pop("headers", {}), **tokens[user]}
        response = client.open("/api/v1" + path, method=method, headers=headers, **kwargs)
        if response.status_code < 300:
            endpoint, _args = app.url_map.bind("localhost").match("/api/v1" + path.split("?")[0], method=method)
            answer = app.view_functions[endpoint]._answer
            assert response.status_code == answer["status"]
            Draft202012Validator(answer["schema"]).validate(response.get_json())
        else:
            assert response.get_json()["error"]["code"]
        return response

    return call
