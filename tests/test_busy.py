"""SQLite lets one writer in at a time: a request that waits past the busy timeout gets 503 and Retry-After, not 500."""

import sqlite3

import pytest

from tests.conftest import PASSWORD
from tracker.extensions import db


def test_a_write_that_waits_past_the_busy_timeout_is_503_with_retry_after(app, client, team):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the single-writer lock is SQLite's")
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock (a long import, say)
        response = client.post("/api/v1/auth/token", json={"username": "eng1", "password": PASSWORD})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.get_json()["error"]["code"] == "busy"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert client.post("/api/v1/auth/token", json={"username": "eng1", "password": PASSWORD}).status_code == 200
