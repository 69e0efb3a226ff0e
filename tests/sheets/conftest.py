"""Tests of issue 12: print, workbooks, charts, the template editor; October 2026 scored for the team."""

from datetime import date

import pytest

from tests.conftest import NOW
from tests.scores.support import Records, at
from tracker.extensions import db
from tracker.scores import services as reports, templates_store

MONTH = "2026-10"  # a closed month before NOW (2026-11-20)


@pytest.fixture
def records(app, team):
    templates_store.sync_presets(NOW)
    db.session.commit()
    return Records()


@pytest.fixture
def scored(team, records):
    """eng1 and eng2 in October: trips, work orders (one late response), surveys, reviews, an approved adjustment,
    an absence; eng3 (the other team) with trips only. Every figure differs between people."""
    eng1, eng2, eng3 = team["eng1"], team["eng2"], team["eng3"]
    for day in range(1, 24):
        when = date(2026, 10, day)
        if when.weekday() < 5:
            records.trip(eng1, when, hours=4)
            records.trip(eng2, when, hours=3)
            records.trip(eng3, when, hours=2)
    ok = records.order(eng1, at(date(2026, 10, 5)), responded=at(date(2026, 10, 5), 10),
                       completed=at(date(2026, 10, 6), 16))
    records.order(eng1, at(date(2026, 10, 7)), responded=at(date(2026, 10, 7), 15),
                  completed=at(date(2026, 10, 8), 12))
    records.survey(ok, 5)
    late = records.order(eng2, at(date(2026, 10, 9)), responded=at(date(2026, 10, 9), 9, 30),
                         completed=at(date(2026, 10, 12), 12), deadline=at(date(2026, 10, 10), 18))
    records.survey(late, 3)
    records.expense(eng1, date(2026, 10, 9), "850.50")
    records.attendance(eng2, date(2026, 10, 13), "absent")
    records.review(eng1, MONTH, team["mgr"], "leader", 5, 4, 4, 5, 4, 3, 4)
    records.review(eng1, MONTH, eng1, "self", 5, 5, 5, 5, 5, 5, 5)
    records.review(eng2, MONTH, team["mgr"], "leader", 3, 4, 3, 4, 4, 3, 3)
    records.review(eng3, MONTH, team["mgr2"], "leader", 4, 4, 4, 4, 4, 4, 4)
    records.adjustment(eng1, MONTH, "2.5")
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    return team
