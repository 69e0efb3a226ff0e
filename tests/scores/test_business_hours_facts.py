"""Business hours from the records: the facts carry the orders' times and the work calendar (holidays, overrides)."""

from datetime import date

from sqlalchemy import select

from tests.conftest import NOW
from tests.scores.support import D, at
from tracker.extensions import db
from tracker.scores import services, templates_store
from tracker.scores.facts import month_facts
from tracker.scores.models import Score, ScoreLine
from tracker.scoring.engine import evaluate

APRIL = "2026-04"
SLA = {"code": "sla", "name": "SLA", "version": 1, "effective_from": "2026-01", "indicators": [
    {"code": "response", "name": "响应及时率", "max": 15, "source": {"kind": "response", "clock": "business"},
     "rule": "band", "params": {"bands": [[1, 15], [0.95, 12], [0.9, 9], [0.8, 6], [0.7, 3]]}}]}
CLOCK = {**SLA, "indicators": [{**SLA["indicators"][0], "source": "response"}]}


def test_a_friday_evening_order_before_qingming_answered_on_tuesday_morning_is_within_business_hours(records, team):
    eng = team["eng1"]
    order = records.order(eng, at(D(2026, 4, 3), 17, 50), responded=at(D(2026, 4, 7), 8, 40))
    facts = month_facts([eng.id], APRIL, at(D(2026, 5, 1), 0))[eng.id]
    assert facts["response"]["orders"] == [{"id": order.id, "reported_at": at(D(2026, 4, 3), 17, 50),
                                            "responded_at": at(D(2026, 4, 7), 8, 40)}]
    assert facts["workdays"][date(2026, 4, 6)] is False and facts["workdays"][date(2026, 4, 7)] is True
    business = evaluate(SLA, facts).indicators[0]
    clock = evaluate(CLOCK, facts).indicators[0]
    assert business.points == 15 and "工作小时" in business.explanation
    assert clock.points == 0 and clock.record_ids == {"work_orders": [order.id]}


def test_a_calendar_override_changes_the_business_hours(records, team):
    eng = team["eng1"]
    records.calendar(date(2026, 4, 7), False)  # the office stays shut on Tuesday too
    records.order(eng, at(D(2026, 4, 3), 17, 50), responded=at(D(2026, 4, 8), 10, 31))
    facts = month_facts([eng.id], APRIL, at(D(2026, 5, 1), 0))[eng.id]
    assert facts["workdays"][date(2026, 4, 7)] is False
    assert evaluate(SLA, facts).indicators[0].points == 0  # 2 h 01 min of Wednesday's office time


def test_the_calendar_covers_answers_given_in_the_next_month(records, team):
    eng = team["eng1"]
    records.order(eng, at(D(2026, 4, 30), 17, 0), responded=at(D(2026, 5, 6), 9, 0))  # over the May Day break
    facts = month_facts([eng.id], APRIL, at(D(2026, 5, 1), 0))[eng.id]
    assert facts["workdays"][date(2026, 5, 5)] is False and date(2026, 5, 6) in facts["workdays"]
    assert evaluate(SLA, facts).indicators[0].points == 15  # 30 min on 30 April + 30 min on 6 May


def _sla_template():
    """A small template whose response indicator counts business hours (and one that counts clock hours)."""
    def source(clock):
        return {"kind": "response", "clock": clock} if clock else {"kind": "response"}

    def template(code, clock):
        return {"code": code, "name": code, "version": 1, "effective_from": "2026-01", "indicators": [
            {"code": "response", "name": "响应及时率", "max": 15, "source": source(clock), "rule": "band",
             "params": {"bands": [[1, 15], [0.95, 12], [0.9, 9], [0.8, 6], [0.7, 3]]}}]}

    return template("sla_business", "business"), template("sla_clock", None)


def test_compute_reads_the_orders_times_only_when_a_template_counts_business_hours(records, team):
    business, clock = _sla_template()
    templates_store.store_template(business, NOW)
    templates_store.store_template(clock, NOW)
    eng1, eng2 = team["eng1"], team["eng2"]
    for eng in (eng1, eng2):  # Friday 17:00, answered Tuesday 09:00 after the Qingming holiday: 1.5 business hours
        records.order(eng, at(D(2026, 4, 3), 17), responded=at(D(2026, 4, 7), 9))
    eng1.kpi_template, eng2.kpi_template = "sla_business", "sla_clock"
    db.session.commit()
    services.compute_month(APRIL, NOW)
    lines = {engineer_id: line for line, engineer_id in db.session.execute(
        select(ScoreLine, Score.engineer_id).join(Score).where(Score.month == APRIL, ScoreLine.code == "response"))}
    assert lines[eng1.id].points == 15 and "工作小时" in lines[eng1.id].explain("zh")
    assert lines[eng2.id].points == 0
    eng1.kpi_template = "sla_clock"
    db.session.commit()
    services.compute_month(APRIL, NOW)  # no business template in force: the times are not read, the result holds
    db.session.expire_all()
    assert db.session.scalar(select(ScoreLine.points).join(Score).where(
        Score.engineer_id == eng1.id, Score.month == APRIL, ScoreLine.code == "response")) == 0


def test_a_day_made_off_in_the_next_month_moves_the_earlier_months_business_hours_draft(records, team, api):
    """Reported on 30 April at 17:00 and answered on 7 May at 09:30: 6 May made a day off (2027's holidays are typed
    in early January, for December's orders answered then) leaves 1.5 business hours. Only May's drafts were marked
    stale: April's kept 0 points, not stale, and the scheduler never recomputed it."""
    from tracker.scores import live

    business, _clock = _sla_template()
    templates_store.store_template(business, NOW)
    eng1 = team["eng1"]
    records.order(eng1, at(D(2026, 4, 30), 17), responded=at(D(2026, 5, 7), 9, 30))
    eng1.kpi_template = "sla_business"
    db.session.commit()
    services.compute_month(APRIL, NOW)
    db.session.commit()

    def response():
        db.session.expire_all()
        return db.session.execute(select(ScoreLine.points, Score.stale).join(Score).where(
            Score.engineer_id == eng1.id, Score.month == APRIL, ScoreLine.code == "response")).one()

    assert tuple(response()) == (0, False)  # 6 May a workday: 30 min + 9 h + 1 h
    changed = api("PUT", "/calendar/2026-05-06", "admin", json={"workday": False})
    assert changed.status_code == 200, changed.get_json()
    assert response().stale is True
    assert APRIL in live.recompute_stale(NOW)
    db.session.commit()
    assert tuple(response()) == (15, False)
