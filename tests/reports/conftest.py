"""Fixtures of the score tests: the presets in the database and a writer of hand-made records."""

import pytest

from tests.conftest import NOW
from tests.reports.support import Records
from tracker.extensions import db
from tracker.reports import templates_store


@pytest.fixture
def presets(app):
    """The bundled templates stored as version 1."""
    templates_store.sync_presets(NOW)
    db.session.commit()


@pytest.fixture
def records(app, team, presets):
    """A writer of records (see tests/reports/support.py)."""
    return Records()
