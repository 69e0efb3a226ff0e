"""Fixtures of the end-to-end tests."""

import pytest

from tracker import demo
from tracker.extensions import db


@pytest.fixture
def demo_data(app):
    """The demo data set (CONTRACT 1) in the test database: every role's pages with realistic rows."""
    demo.load(app.config["NOW"])
    db.session.commit()
