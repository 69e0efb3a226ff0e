"""Fixtures of the approval tests: who is who, a month computed and one ready for approval (api: tests/conftest.py)."""

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW
from tests.scores.support import Records, score_of
from tracker.extensions import db
from tracker.scores import services as reports, templates_store

MONTH = "2026-11"  # tests/conftest.py pins NOW to 2026-11-20 10:00

# Who is who in the permission tables (see the `team` fixture of tests/conftest.py): eng1 is the engineer assessed.
PEOPLE = {"engineer": "eng1", "peer engineer": "eng2", "backoffice": "office", "manager above": "mgr",
          "other manager": "mgr2", "gm": "gm.wang", "admin": "admin"}


@pytest.fixture
def records(app, team):
    """A writer of hand-made records (see tests/scores/support.py), with the bundled templates stored."""
    templates_store.sync_presets(NOW)
    db.session.commit()
    return Records()


@pytest.fixture
def computed(team, records):
    """eng1's November computed as a draft (no records: field hours 0/20, deductions full; no review yet)."""
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    return score_of(team["eng1"], MONTH)


@pytest.fixture
def ready(api, team, records, computed):
    """eng1's November ready for approval: a leader review (all 5) by mgr and an interview recorded by mgr."""
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    response = api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "谈了本月的响应及时率"})
    assert response.status_code == 201, response.get_json()
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    return score_of(team["eng1"], MONTH)


@pytest.fixture
def approved(api, ready):
    response = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def count(model, *where):
    """Rows of a table (matching `where`), read fresh."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
