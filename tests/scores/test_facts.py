"""Facts read from the records (CONTRACT 7): which orders, surveys, complaints and days count, and for whom."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tests.conftest import NOW
from tests.scores.support import NOV, D, at
from tracker.scores.facts import month_facts


def facts_of(engineer, month=NOV, as_of=NOW):
    return month_facts([engineer.id], month, as_of)[engineer.id]


# ---- response ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("reported, responded, counts", [
    (at(D(2026, 11, 2), 8), at(D(2026, 11, 2), 10), "within"),  # exactly 2 h
    (at(D(2026, 11, 2), 8), at(D(2026, 11, 2), 10, 0, 1), "outside"),  # one second late
    (at(D(2026, 11, 2), 8), at(D(2026, 11, 3), 9), "outside"),  # a late response stays late
    (at(D(2026, 11, 2), 8), None, "outside"),  # never answered, long overdue
    (NOW - timedelta(hours=2, seconds=1), None, "outside"),  # reported_at + 2 h < as_of
    (NOW - timedelta(hours=2), None, "pending"),  # reported_at + 2 h == as_of: not yet overdue
    (NOW - timedelta(minutes=30), None, "pending"),
])
def test_response_counts_an_order_within_outside_or_pending(records, team, reported, responded, counts):
    order = records.order(team["eng1"], reported, responded=responded)
    fact = facts_of(team["eng1"])["response"]
    expected = {"within": 0, "outside": 0, "pending": 0}
    expected[counts] = 1
    assert {k: fact[k] for k in expected} == expected
    assert fact["outside_ids"] == ([order.id] if counts == "outside" else [])


def test_an_unanswered_order_turns_outside_once_its_two_hours_pass_as_of(records, team):
    records.order(team["eng1"], at(D(2026, 11, 20), 9))
    before = facts_of(team["eng1"], as_of=at(D(2026, 11, 20), 11))["response"]
    after = facts_of(team["eng1"], as_of=at(D(2026, 11, 20), 11, 0, 1))["response"]
    assert (before["pending"], before["outside"]) == (1, 0)
    assert (after["pending"], after["outside"]) == (0, 1)


def test_response_counts_only_the_engineers_orders_reported_in_the_month_and_not_cancelled(records, team):
    eng1, eng2 = team["eng1"], team["eng2"]
    records.order(eng1, at(D(2026, 10, 31), 23), responded=at(D(2026, 11, 1), 0, 30))  # October's order
    records.order(eng1, at(D(2026, 11, 3), 8), status="cancelled")  # cancelled: nowhere
    records.order(eng2, at(D(2026, 11, 3), 8))  # someone else's
    records.order(eng1, at(D(2026, 11, 30), 23, 59), responded=at(D(2026, 12, 1), 1))  # answered next month
    fact = facts_of(eng1, as_of=datetime(2026, 12, 1))["response"]
    assert (fact["within"], fact["outside"], fact["pending"]) == (1, 0, 0)


# ---- on time ------------------------------------------------------------------------------------------

def test_late_orders_are_completed_after_their_deadline_or_open_past_it(records, team):
    eng = team["eng1"]
    late_done = records.order(eng, at(D(2026, 11, 2)), completed=at(D(2026, 11, 5), 18),
                              deadline=at(D(2026, 11, 5), 17))
    records.order(eng, at(D(2026, 11, 2)), completed=at(D(2026, 11, 5), 17), deadline=at(D(2026, 11, 5), 17))
    overdue = records.order(eng, at(D(2026, 11, 2)), deadline=at(D(2026, 11, 19), 17))
    records.order(eng, at(D(2026, 11, 2)), deadline=at(D(2026, 11, 25), 17))  # not due yet
    records.order(eng, at(D(2026, 11, 2)), deadline=at(D(2026, 11, 10)), status="cancelled")
    records.order(eng, at(D(2026, 10, 2)), deadline=at(D(2026, 10, 10)))  # October's deadline
    fact = facts_of(eng)["on_time"]
    assert (fact["late_ids"], fact["has_deadline"]) == ([late_done.id, overdue.id], True)


def test_an_open_order_is_late_once_its_deadline_is_before_as_of(records, team):
    order = records.order(team["eng1"], at(D(2026, 11, 2)), deadline=at(D(2026, 11, 25), 17))
    assert facts_of(team["eng1"])["on_time"]["late_ids"] == []
    assert facts_of(team["eng1"], as_of=datetime(2026, 12, 1))["on_time"]["late_ids"] == [order.id]


def test_without_a_deadline_in_the_month_on_time_has_none(records, team):
    records.order(team["eng1"], at(D(2026, 11, 2)), completed=at(D(2026, 11, 3)))
    fact = facts_of(team["eng1"])["on_time"]
    assert fact == {"late_ids": [], "has_deadline": False, "orders": []}


# ---- rework -------------------------------------------------------------------------------------------

def test_rework_is_charged_to_the_engineer_of_the_redone_order(records, team):
    eng1, eng2 = team["eng1"], team["eng2"]
    original = records.order(eng1, at(D(2026, 10, 5)), completed=at(D(2026, 10, 6)))
    external = records.order(eng2, at(D(2026, 11, 4)), completed=at(D(2026, 11, 4), 15), rework="external",
                             rework_of=original)
    internal = records.order(eng2, at(D(2026, 11, 6)), rework="internal")  # no rework_of: its own engineer
    records.order(eng2, at(D(2026, 10, 20)), rework="external", rework_of=original)  # reported in October
    records.order(eng2, at(D(2026, 11, 7)), rework="external", rework_of=original, status="cancelled")
    facts = month_facts([eng1.id, eng2.id], NOV, NOW)
    assert facts[eng1.id]["rework_external"] == {"unit_ids": [external.id], "completed": 0}
    assert facts[eng1.id]["rework_internal"] == {"unit_ids": [], "completed": 0}
    assert facts[eng2.id]["rework_external"] == {"unit_ids": [], "completed": 1}
    assert facts[eng2.id]["rework_internal"] == {"unit_ids": [internal.id], "completed": 1}


def test_completed_counts_the_orders_completed_in_the_month_whenever_reported(records, team):
    eng = team["eng1"]
    records.order(eng, at(D(2026, 10, 28)), completed=at(D(2026, 11, 2)))
    records.order(eng, at(D(2026, 11, 2)), completed=at(D(2026, 11, 3)))
    records.order(eng, at(D(2026, 11, 2)), completed=at(D(2026, 12, 1)))
    records.order(eng, at(D(2026, 11, 2)), completed=at(D(2026, 11, 3)), status="cancelled")
    assert facts_of(eng)["rework_external"]["completed"] == 2


# ---- satisfaction and complaints ------------------------------------------------------------------------

def test_surveys_of_the_orders_completed_in_the_month_each_count_once(records, team):
    eng = team["eng1"]
    order = records.order(eng, at(D(2026, 11, 2)), completed=at(D(2026, 11, 3)))
    records.survey(order, 5)
    low = records.survey(order, 3)
    records.complaint(eng, D(2026, 11, 4), upheld=True, order=order)  # a join partner that must not double
    other = records.order(eng, at(D(2026, 11, 5)), completed=at(D(2026, 11, 6)))
    records.survey(other, 4)
    october = records.order(eng, at(D(2026, 10, 5)), completed=at(D(2026, 10, 6)))
    records.survey(october, 1)  # surveyed in November, completed in October: October's
    cancelled = records.order(eng, at(D(2026, 11, 5)), completed=at(D(2026, 11, 6)), status="cancelled")
    records.survey(cancelled, 1)
    fact = facts_of(eng)["satisfaction"]
    assert (fact["surveys"], fact["good"], fact["low_ids"]) == (3, 2, [low.id])


def test_upheld_complaints_dated_in_the_month_count_against_the_engineer(records, team):
    eng = team["eng1"]
    upheld = records.complaint(eng, D(2026, 11, 4), upheld=True, satisfied=True)
    rejected = records.complaint(eng, D(2026, 11, 5), upheld=False)
    records.complaint(eng, D(2026, 10, 31), upheld=True)  # October's
    records.complaint(team["eng2"], D(2026, 11, 4), upheld=True)  # someone else's
    cancelled = records.order(eng, at(D(2026, 11, 2)), status="cancelled")
    records.complaint(eng, D(2026, 11, 6), upheld=True, order=cancelled)  # about a cancelled order: nowhere
    facts = facts_of(eng)
    assert facts["satisfaction"]["upheld_complaint_ids"] == [upheld.id]
    assert facts["complaints"] == {"total": 2, "satisfied": 1, "unsatisfied_ids": [rejected.id]}


# ---- itinerary ----------------------------------------------------------------------------------------

def test_attendance_counts_workdays_by_status_and_a_day_without_record_is_present(records, team):
    eng = team["eng1"]
    leave = records.attendance(eng, D(2026, 11, 2), "personal_leave")
    late1 = records.attendance(eng, D(2026, 11, 3), "late")
    late2 = records.attendance(eng, D(2026, 11, 4), "late")
    records.attendance(eng, D(2026, 11, 5), "present")
    records.calendar(D(2026, 11, 6), False)  # declared a holiday after the record was made
    records.attendance(eng, D(2026, 11, 6), "absent")
    records.attendance(eng, D(2026, 10, 30), "absent")  # October's
    fact = facts_of(eng)["attendance"]
    # workdays of November 2026 up to the 20th: 15, minus the overridden 6th = 14; 3 of them not present
    assert fact["counts"] == {"present": 11, "personal_leave": 1, "late": 2}
    assert fact["day_ids"] == [leave.id, late1.id, late2.id]


def test_field_hours_and_expenses_are_summed_for_the_month(records, team):
    eng = team["eng1"]
    records.trip(eng, D(2026, 11, 2), 5)
    records.trip(eng, D(2026, 11, 2), 3.5)  # the day is capped at 7.5
    records.trip(eng, D(2026, 11, 3), full_day=True)
    records.trip(eng, D(2026, 10, 30), 4)
    records.expense(eng, D(2026, 11, 2), "100.10")
    records.expense(eng, D(2026, 11, 3), "0.20")
    records.expense(eng, D(2026, 10, 3), "99")
    facts = facts_of(eng)
    assert (facts["field_hours"], facts["expenses"]) == (Decimal("15.0"), Decimal("100.30"))


# ---- entered facts ------------------------------------------------------------------------------------

def test_reviews_adjustments_incidents_and_veto_are_read_for_the_month(records, team):
    eng = team["eng1"]
    review = records.review(eng, NOV, team["mgr"], "leader", 5, 4, 3, 5, 4, 3, 5)
    records.review(eng, "2026-10", team["mgr"], "leader")
    approved = records.adjustment(eng, NOV, "3")
    proposed = records.adjustment(eng, NOV, "-2", status="proposed")
    records.adjustment(eng, NOV, "5", status="rejected")
    incident = records.incident(eng, D(2026, 11, 9), "service", "phone", Decimal("2"))
    records.veto(eng, NOV)
    facts = facts_of(eng)
    assert facts["reviews"] == [{"id": review.id, "group": "leader", "ratings": {
        "responsibility": 5, "discipline": 4, "initiative": 3, "loyalty": 5, "teamwork": 4, "innovation": 3,
        "judgement": 5}}]
    assert facts["adjustments"] == [{"id": approved.id, "points": Decimal(3), "approved": True},
                                    {"id": proposed.id, "points": Decimal(-2), "approved": False}]
    assert facts["incidents"] == [{"id": incident.id, "indicator": "service", "category": "phone",
                                   "date": "2026-11-09", "amount": Decimal(2), "note": ""}]
    assert facts["veto"] is True
    assert facts_of(team["eng2"])["veto"] is False
