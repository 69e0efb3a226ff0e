"""Computing a month: stored scores and explained lines from the records, with the default template (CONTRACT 7)."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import delete, event, func, select, update

from tests.conftest import NOW
from tests.scores.support import NOV, OCT, D, Records, at, lines_of, score_of, snapshot
from tracker.errors import Conflict
from tracker.extensions import db
from tracker.scores import live, services, templates_store
from tracker.reviews.models import Review
from tracker.scores.models import KpiTemplate, Score, ScoreLine
from tracker.scoring.presets import bundled_presets


def compute(month=NOV, now=NOW, **kwargs):
    summary = services.compute_month(month, now, **kwargs)
    db.session.commit()
    return summary


def points(engineer, month=NOV):
    return {code: line.points for code, line in lines_of(engineer, month).items()}


# ---- the default template on hand-made months -------------------------------------------------------------

def test_a_quiet_month_scores_only_the_indicators_that_apply(records, team):
    """Attendance 15, field hours 50 → 10, expenses 0 of 3000 → 10, and the deductions at full: on time 15, rework
    5 + 5, satisfaction 15 (no surveys); only response, a share of no orders, is left out.
    Q = 100 × 75 / 85 = 88.24; a leader's 35/35 → L = 100; T = 0.7 × 88.235… + 30 = 91.76, grade A, bonus
    91.76% of 1000. Without any trip expense is left out too: Q = 100 × 55 / 75 = 73.33."""
    eng = team["eng1"]
    for day in [d for d in range(2, 21) if date(2026, 11, d).weekday() < 5][:10]:
        records.trip(eng, D(2026, 11, day), 5)
    records.review(eng, NOV, team["mgr"], "leader")
    compute()
    score = score_of(eng, NOV)
    lines = lines_of(eng, NOV)
    assert [code for code, line in lines.items() if not line.applies] == ["response"]
    assert {code: line.points for code, line in lines.items() if line.applies} == {
        "attendance": 15, "field_hours": 10, "on_time": 15, "rework_external": 5, "rework_internal": 5,
        "satisfaction": 15, "expense": 10}
    assert lines["response"].points is None and lines["response"].explain("zh") == "响应及时率：本月不适用，不计入"
    assert (score.quantitative, score.qualitative, score.total, score.grade, score.bonus) == (
        Decimal("88.24"), Decimal("100.00"), Decimal("91.76"), "A", Decimal("917.60"))
    assert (score.eligible, score.status, score.vetoed) == (True, "draft", False)
    idle = lines_of(team["eng2"], NOV)
    assert [code for code, line in idle.items() if not line.applies] == ["response", "expense"]
    assert score_of(team["eng2"], NOV).quantitative == Decimal("73.33")


def test_a_full_month_through_the_database_matches_the_contract(records, team):
    """The worked month of section 7, built from records.

    attendance: personal leave 1 (−2), late 2 (−1) → 12; field hours 80 → 16; response 19 of 20 → 95% → 12;
    on time: 1 late → 14; external rework 2 units of 50 completed, allowed 1 → 4; internal 0 → 5;
    satisfaction 19 of 20 good → 12, 1 upheld complaint → 9; expense 5280 / (80 × 60) = 1.1 → 8.
    Q = 80; leader 30/35 → L = 85.714…; A = +3 → T = 84.71, B; bonus 84.71% of 2000 = 1694.20.
    """
    eng, other = team["eng1"], team["eng2"]
    eng.bonus_base = Decimal(2000)
    db.session.commit()
    records.attendance(eng, D(2026, 11, 2), "personal_leave")
    records.attendance(eng, D(2026, 11, 3), "late")
    records.attendance(eng, D(2026, 11, 4), "late")
    workdays = [date(2026, 11, d) for d in range(2, 21) if date(2026, 11, d).weekday() < 5]
    for day in workdays[:10]:
        records.trip(eng, day, full_day=True)  # 10 × 7.5 = 75
    records.trip(eng, workdays[10], 5)  # 80
    records.expense(eng, workdays[0], "5280")
    completed = []
    for n in range(50):  # 20 reported in November (one answered late), 30 in October; all completed in November
        day = workdays[n % len(workdays)]
        reported = at(day, 8) if n < 20 else at(D(2026, 10, 30), 8)
        deadline = at(day, 17) if n < 2 else None
        order = records.order(eng, reported, responded=reported.replace(hour=11 if n == 0 else 9),
                              completed=at(day, 18 if n == 0 else 16), deadline=deadline)
        completed.append(order)
        if n < 20:
            records.survey(order, 3 if n == 5 else 5)
    for original in completed[:2]:
        records.order(other, at(D(2026, 11, 19), 8), rework="external", rework_of=original)
    upheld = records.complaint(eng, D(2026, 11, 10), upheld=True)
    records.review(eng, NOV, team["mgr"], "leader", 5, 5, 4, 5, 4, 3, 4)
    records.adjustment(eng, NOV, "3")
    records.adjustment(eng, NOV, "5", status="proposed")
    compute()
    assert points(eng) == {"attendance": 12, "field_hours": 16, "response": 12, "on_time": 14, "rework_external": 4,
                           "rework_internal": 5, "satisfaction": 9, "expense": 8}
    score = score_of(eng, NOV)
    assert (score.quantitative, score.qualitative, score.adjustments) == (Decimal(80), Decimal("85.71"), Decimal(3))
    assert (score.total, score.grade, score.bonus) == (Decimal("84.71"), "B", Decimal("1694.20"))
    lines = lines_of(eng, NOV)
    assert json.loads(lines["on_time"].record_ids) == {"work_orders": [completed[0].id]}
    assert json.loads(lines["satisfaction"].record_ids)["complaints"] == [upheld.id]
    assert json.loads(lines["attendance"].value) == {"late": 2, "personal_leave": 1}
    assert json.loads(lines["response"].value) == 0.95
    assert lines["attendance"].explain("zh") == "出勤：事假/病假 1 天（-2），迟到 2 次（-1），得 12 分（满分 15）"
    assert lines["attendance"].explain("en").endswith("12 of 15 points")


def test_without_a_leader_review_the_total_is_pending_but_a_veto_is_zero(records, team):
    records.review(team["eng1"], NOV, team["eng1"], "self")
    records.veto(team["eng2"], NOV)
    summary = compute()
    pending, vetoed = score_of(team["eng1"], NOV), score_of(team["eng2"], NOV)
    assert pending.quantitative == Decimal("73.33")  # 55 of 75: field hours 0, the rest full
    assert pending.qualitative is None and pending.total is None
    assert (pending.grade, pending.bonus) == (None, None)
    assert (vetoed.vetoed, vetoed.total, vetoed.grade, vetoed.bonus) == (True, 0, "E", 0)
    assert summary["pending"] == 2  # eng1 and eng3 wait for a leader; eng2's veto decides without one


def test_unanswered_orders_count_against_the_engineer_once_their_two_hours_pass(records, team):
    eng = team["eng1"]
    records.order(eng, at(D(2026, 11, 2), 8), responded=at(D(2026, 11, 2), 9))
    records.order(eng, at(D(2026, 11, 20), 9))  # 2 h end at 11:00
    compute(now=at(D(2026, 11, 20), 10, 30))
    assert json.loads(lines_of(eng, NOV)["response"].value) == 1
    compute(now=at(D(2026, 11, 20), 11, 30))
    line = lines_of(eng, NOV)["response"]
    assert (json.loads(line.value), line.points) == (0.5, 0)


def test_the_closing_run_judges_a_month_at_its_end(records, team):
    eng = team["eng1"]
    records.order(eng, at(D(2026, 10, 31), 23), deadline=at(D(2026, 10, 31), 23, 30))
    compute(OCT, now=datetime(2026, 10, 31, 23, 10))
    assert lines_of(eng, OCT)["response"].applies is False and lines_of(eng, OCT)["on_time"].points == 15
    compute(OCT, now=datetime(2026, 12, 1, 3))  # as_of = 2026-11-01 00:00: 2 h not yet over, deadline passed
    assert lines_of(eng, OCT)["response"].applies is False and lines_of(eng, OCT)["on_time"].points == 14


def test_cancelled_orders_count_nowhere(records, team):
    eng = team["eng1"]
    cancelled = records.order(eng, at(D(2026, 11, 2), 8), completed=at(D(2026, 11, 9)), status="cancelled",
                              deadline=at(D(2026, 11, 3)))
    records.survey(cancelled, 1)
    records.order(team["eng2"], at(D(2026, 11, 12)), rework="external", rework_of=cancelled, status="cancelled")
    compute()
    lines = lines_of(eng, NOV)
    assert [code for code, line in lines.items() if not line.applies] == ["response", "expense"]
    assert {code: line.points for code, line in lines.items() if line.applies} == {
        "attendance": 15, "field_hours": 0, "on_time": 15, "rework_external": 5, "rework_internal": 5,
        "satisfaction": 15}


# ---- eligibility --------------------------------------------------------------------------------------

@pytest.mark.parametrize("hired, early, month, eligible", [
    (date(2026, 5, 31), None, NOV, True),  # + 6 months = 2026-11-30 (month end to month end)
    (date(2026, 5, 20), None, NOV, True),  # 2026-11-20
    (date(2026, 6, 1), None, NOV, False),  # 2026-12-01 > 2026-11-30
    (date(2026, 6, 1), None, "2026-12", True),
    (date(2026, 4, 30), None, OCT, True),  # 2026-10-31
    (date(2026, 5, 1), None, OCT, False),
    (date(2026, 6, 1), NOV, NOV, True),  # early confirmation from this month on
    (date(2026, 6, 1), OCT, NOV, True),
    (date(2026, 6, 1), "2026-12", NOV, False),
    (date(2026, 8, 31), None, "2027-02", True),  # 2027-02-28 (Feb's last day)
])
def test_eligibility_after_six_months_or_early_confirmation(app, make_user, presets, hired, early, month, eligible):
    person = make_user("newbie", hire_date=hired, early_confirmation_month=early)
    compute(month)
    score = score_of(person, month)
    assert score.eligible is eligible
    if not eligible:
        assert (score.quantitative, score.total, score.grade, score.bonus, score.template_id) == (
            None, None, None, None, None)
        assert score.lines == []
    else:
        assert score.quantitative is not None and len(score.lines) == 8


def test_a_draft_follows_its_engineer_out_of_and_back_into_assessment(app, make_user, presets):
    person = make_user("newbie", hire_date=date(2026, 1, 5))
    compute()
    assert score_of(person, NOV).eligible is True and len(score_of(person, NOV).lines) == 8
    person.hire_date = date(2026, 10, 1)  # the hire date corrected: too new to be assessed
    db.session.commit()
    compute()
    score = score_of(person, NOV)
    assert (score.eligible, score.total, score.lines) == (False, None, [])
    compute()  # unchanged: stays so
    assert score_of(person, NOV).eligible is False
    person.early_confirmation_month = OCT
    db.session.commit()
    compute()
    score = score_of(person, NOV)
    assert score.eligible is True and score.quantitative is not None and len(score.lines) == 8


# ---- stored once, the same every time ------------------------------------------------------------------

def _busy_month(records, team):
    for name in ("eng1", "eng2", "eng3"):
        eng = team[name]
        records.attendance(eng, D(2026, 11, 3), "late")
        records.trip(eng, D(2026, 11, 3), 4)
        records.expense(eng, D(2026, 11, 3), "300")
        order = records.order(eng, at(D(2026, 11, 2), 8), responded=at(D(2026, 11, 2), 9),
                              completed=at(D(2026, 11, 2), 15), deadline=at(D(2026, 11, 2), 12))
        records.survey(order, 4)
        records.review(eng, NOV, team["mgr"], "leader", 4, 4, 4, 4, 4, 4, 4)


def test_computing_a_month_twice_gives_identical_rows(records, team):
    _busy_month(records, team)
    first = compute()
    before = snapshot(NOV)
    ids = db.session.scalars(select(Score.id).order_by(Score.id)).all()
    second = compute(now=NOW.replace(hour=11))
    assert snapshot(NOV) == before
    assert db.session.scalars(select(Score.id).order_by(Score.id)).all() == ids
    assert first == second and first["computed"] == 3
    assert db.session.scalar(select(func.count()).select_from(ScoreLine)) == 24


def _mark_lines():
    """Mark every stored line (a rewritten line comes without the mark; ids may be reused)."""
    db.session.execute(update(ScoreLine).values(explanation_en="kept"))
    db.session.commit()


def _unmarked(rows):
    return [(head, [dict(line, explanation_en=None) for line in lines]) for head, lines in rows]


def _rewritten():
    """The score ids whose lines were written since _mark_lines."""
    return set(db.session.scalars(select(ScoreLine.score_id).where(ScoreLine.explanation_en.is_(None))))


def _computed_at():
    return dict(db.session.execute(select(Score.engineer_id, Score.computed_at)).all())


def _leader_review(records, team):
    review = db.session.scalar(select(Review).where(Review.engineer_id == team["eng1"].id))
    review.ratings = json.dumps(dict.fromkeys(json.loads(review.ratings), 2))


def _bonus_base(records, team):
    team["eng1"].bonus_base = Decimal("1500")


def _template(records, team):
    data = bundled_presets()["engineer_monthly"]
    data["indicators"][1]["params"]["target"] = 10  # field hours: 10 h for full marks, from this month on
    templates_store.store_template(data, NOW)


# each: a change of one kind of input; eng1's draft follows it, the others' drafts are left as they were
CHANGES = {
    "a record (an absence)": lambda records, team: records.attendance(team["eng1"], D(2026, 11, 4), "absent"),
    "a review": _leader_review,
    "an adjustment": lambda records, team: records.adjustment(team["eng1"], NOV, 3),
    "a veto": lambda records, team: records.veto(team["eng1"], NOV),
    "the bonus base": _bonus_base,
    "the template in force": _template,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_recompute_rewrites_the_drafts_whose_inputs_changed_and_stores_what_a_fresh_compute_stores(
        records, team, change):
    _busy_month(records, team)
    compute()
    stamped, untouched = _computed_at(), snapshot(NOV)
    _mark_lines()
    eng1 = score_of(team["eng1"], NOV).id
    CHANGES[change](records, team)
    db.session.commit()
    later = NOW.replace(hour=11)
    compute(now=later)
    after, rewritten = snapshot(NOV), _rewritten()
    if change == "the template in force":  # every draft of the month follows the new version
        assert after != untouched and len(rewritten) == 3
    else:
        assert rewritten == {eng1}  # the others' lines are not touched
        assert after[0] != untouched[0]
        assert _unmarked(after[1:]) == untouched[1:]
    assert set(_computed_at().values()) == {later} != set(stamped.values())  # every draft computed now
    db.session.execute(delete(ScoreLine))
    db.session.execute(update(Score).values(inputs_digest=None))
    db.session.commit()
    compute(now=NOW.replace(hour=12))
    assert snapshot(NOV) == _unmarked(after)


def test_a_recompute_of_unchanged_inputs_writes_no_line_and_marks_the_drafts_current(records, team):
    _busy_month(records, team)
    compute()
    _mark_lines()
    # a score as an earlier release stored it: its lines carry rendered text, and it has no digest of its inputs
    eng2 = score_of(team["eng2"], NOV).id
    db.session.execute(update(ScoreLine).where(ScoreLine.score_id == eng2, ScoreLine.code == "field_hours")
                       .values(explanation="外勤工时：旧文本"))
    db.session.execute(update(Score).where(Score.id == eng2).values(inputs_digest=None))
    db.session.execute(update(Score).values(stale=True))
    db.session.commit()
    summary = compute(now=NOW.replace(hour=11))
    assert _rewritten() == {eng2}
    assert lines_of(team["eng2"], NOV)["field_hours"].explanation is None
    assert db.session.scalars(select(Score.stale)).all() == [False] * 3
    assert summary["computed"] == 3 and summary["skipped"] == 0


def _computed_with_a_broken_template_for_eng3(records, team):
    """The busy month computed, then eng3 given a stored template that no longer loads."""
    _busy_month(records, team)
    compute()
    broken = KpiTemplate(code="broken", version=1, effective_from="2026-01", name="坏模板", role=None,
                         body=json.dumps({"code": "broken", "name": "坏模板", "version": 1}), loaded_at=NOW)
    db.session.add(broken)
    team["eng3"].kpi_template = "broken"


def test_a_failure_halfway_leaves_the_previous_scores_intact(records, team):
    _computed_with_a_broken_template_for_eng3(records, team)
    records.attendance(team["eng1"], D(2026, 11, 4), "absent")  # eng1's draft follows at once, eng3's waits stale
    before = snapshot(NOV)
    with pytest.raises(Conflict) as raised:
        compute()
    db.session.rollback()  # as the caller does on an error
    assert "broken" in raised.value.message
    assert snapshot(NOV) == before


def test_the_stale_catch_up_recomputes_every_draft_but_one_that_cannot_be_computed(records, team):
    """A draft whose template no longer loads stays stale (and logged); the month's other stale drafts are
    recomputed all the same (one such draft failed the scheduler's run, every minute, and held back the others)."""
    _computed_with_a_broken_template_for_eng3(records, team)
    db.session.execute(update(Score).values(stale=True))
    db.session.commit()
    assert live.recompute_stale(NOW) == [NOV]
    db.session.commit()
    stale = dict(db.session.execute(select(Score.engineer_id, Score.stale)).all())
    assert stale == {team["eng1"].id: False, team["eng2"].id: False, team["eng3"].id: True}


def test_an_unknown_template_code_refuses_the_computation_and_names_it(records, team):
    team["eng2"].kpi_template = "no_such_template"
    db.session.commit()
    with pytest.raises(Conflict) as raised:
        compute()
    assert "no_such_template" in raised.value.message and raised.value.extra["username"] == "eng2"
    assert db.session.scalar(select(func.count()).select_from(Score)) == 0


def test_approved_scores_are_not_recomputed(records, team):
    _busy_month(records, team)
    compute()
    approved = score_of(team["eng1"], NOV)
    approved.status = "approved"
    db.session.commit()
    before = snapshot(NOV)[0]
    records.attendance(team["eng1"], D(2026, 11, 4), "absent")
    records.attendance(team["eng2"], D(2026, 11, 4), "absent")
    summary = compute(now=NOW.replace(hour=12))
    assert snapshot(NOV)[0] == before and score_of(team["eng1"], NOV).computed_at == NOW
    assert lines_of(team["eng2"], NOV)["attendance"].points == 15 - 5
    assert (summary["approved"], summary["computed"]) == (1, 2)


def test_only_active_engineers_in_scope_are_computed(records, team):
    team["eng3"].active = False
    db.session.commit()
    summary = compute(engineer_ids=[team["eng1"].id, team["eng3"].id, team["mgr"].id])
    assert summary["computed"] == 1
    assert db.session.scalars(select(Score.engineer_id)).all() == [team["eng1"].id]


def test_the_number_of_queries_does_not_grow_with_the_number_of_engineers(app, make_user, presets):
    def month_with(count):
        db.session.query(Score).delete()
        people = [make_user(f"e{count}x{n:02d}", supervisor=None) for n in range(count)]
        records = Records()
        reviewer = make_user(f"boss{count}", role="manager")
        for person in people:
            records.attendance(person, D(2026, 11, 3), "late")
            records.trip(person, D(2026, 11, 3), 4)
            records.expense(person, D(2026, 11, 3), "300")
            original = records.order(person, at(D(2026, 10, 2)), completed=at(D(2026, 10, 3)))
            order = records.order(person, at(D(2026, 11, 2), 8), completed=at(D(2026, 11, 2), 15),
                                  deadline=at(D(2026, 11, 2), 12))
            records.order(person, at(D(2026, 11, 5), 8), rework="internal", rework_of=original)
            records.survey(order, 2)
            records.complaint(person, D(2026, 11, 4))
            records.review(person, NOV, reviewer, "leader")
            records.adjustment(person, NOV, "2")
            records.incident(person, D(2026, 11, 4), "attendance")
            records.veto(person, NOV) if person is people[0] else None
        ids = [person.id for person in people]
        statements = []

        def count_statement(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count_statement)
        try:
            summary = services.compute_month(NOV, NOW, engineer_ids=ids)
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", count_statement)
        assert summary["computed"] == count
        return len(statements)

    assert month_with(3) == month_with(30)


# ---- templates in the database ------------------------------------------------------------------------

def test_syncing_the_presets_twice_stores_each_template_once(app):
    first = templates_store.sync_presets(NOW)
    second = templates_store.sync_presets(NOW)
    db.session.commit()
    assert sorted(first) == sorted(bundled_presets()) and second == []
    assert db.session.scalar(select(func.count()).select_from(KpiTemplate)) == len(bundled_presets())


def test_a_changed_template_is_a_new_version_used_from_its_month_on(records, team):
    eng = team["eng1"]
    records.trip(eng, D(2026, 10, 5), 5)
    records.trip(eng, D(2026, 11, 5), 5)
    changed = bundled_presets()["engineer_monthly"]
    changed["indicators"][1]["params"]["target"] = 10  # field hours: 10 h for full marks
    row = templates_store.store_template(changed, NOW)  # same effective_from as v1: starts this month
    db.session.commit()
    assert (row.version, row.effective_from) == (2, NOV)
    compute(OCT)
    compute(NOV)
    old, new = score_of(eng, OCT), score_of(eng, NOV)
    assert old.template.version == 1 and new.template.version == 2
    assert lines_of(eng, OCT)["field_hours"].points == 1 and lines_of(eng, NOV)["field_hours"].points == 10
    assert templates_store.store_template(changed, NOW).id == row.id  # unchanged content: no new version


def test_a_person_with_a_template_of_their_own_is_scored_by_it(records, team):
    team["eng1"].kpi_template = "repair_technician_monthly"
    db.session.commit()
    compute()
    assert score_of(team["eng1"], NOV).template.code == "repair_technician_monthly"
    assert score_of(team["eng2"], NOV).template.code == "engineer_monthly"


def test_compute_loads_the_presets_when_none_are_stored(app, team):
    compute()
    assert score_of(team["eng1"], NOV).template.code == "engineer_monthly"


def test_a_version_stored_since_is_not_overwritten_by_syncing_the_presets_again(app):
    templates_store.sync_presets(NOW)
    edited = bundled_presets()["engineer_monthly"]
    edited["indicators"][1]["params"]["target"] = 120
    templates_store.store_template(edited, NOW)
    assert templates_store.sync_presets(NOW) == []
    db.session.commit()
    latest = db.session.scalar(select(func.max(KpiTemplate.version)).where(KpiTemplate.code == "engineer_monthly"))
    assert latest == 2


def test_a_preset_file_changed_by_an_upgrade_is_loaded_once_as_the_next_version(app, make_user, tmp_path):
    templates_store.sync_presets(NOW)
    data = bundled_presets()["engineer_monthly"]
    data["indicators"][1]["params"]["target"] = 80
    (tmp_path / "engineer_monthly.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert templates_store.sync_presets(NOW, tmp_path) == ["engineer_monthly"]
    assert templates_store.sync_presets(NOW, tmp_path) == []
    db.session.commit()
    row = templates_store.template_for(make_user("someone"), NOV)
    assert (row.version, row.effective_from, json.loads(row.body)["version"]) == (2, NOV, 2)
    assert templates_store.template_for(make_user("other"), OCT).version == 1


def test_an_upgrades_preset_change_does_not_override_a_version_an_administrator_stored(app, api, team, tmp_path):
    """The admin's own version (through the API: audited with its actor) stays in force; init-db says it kept it."""
    templates_store.sync_presets(NOW)
    db.session.commit()
    mine = bundled_presets()["engineer_monthly"]
    mine["indicators"][1]["params"]["target"] = 120
    response = api("POST", "/templates/engineer_monthly/versions", "admin",
                   json={"body": mine, "effective_from": "2027-01"})
    assert response.status_code == 201, response.get_json()
    upgraded = bundled_presets()["engineer_monthly"]
    upgraded["indicators"][1]["params"]["target"] = 80
    (tmp_path / "engineer_monthly.yaml").write_text(yaml.safe_dump(upgraded, allow_unicode=True), encoding="utf-8")
    held = []
    assert templates_store.sync_presets(NOW, tmp_path, held=held) == [] and held == ["engineer_monthly"]
    db.session.commit()
    rows = db.session.scalars(select(KpiTemplate).where(KpiTemplate.code == "engineer_monthly")
                              .order_by(KpiTemplate.version)).all()
    assert [(row.version, json.loads(row.body)["indicators"][1]["params"]["target"]) for row in rows] == [
        (1, bundled_presets()["engineer_monthly"]["indicators"][1]["params"]["target"]), (2, 120)]


def test_a_compute_reads_the_engineers_as_stored_not_as_this_session_loaded_them(records, team):
    """A request loads the engineer, then waits for the month's lock while another request changes the bonus base
    and the hire date and commits: its compute must use the stored values (it used the ones it had loaded, and
    left a draft with the old bonus, or assessed in a month the new hire date excludes)."""
    engineer = team["eng1"]
    records.review(engineer, NOV, team["mgr"], "leader")
    services.compute_month(NOV, NOW)
    db.session.commit()
    assert engineer.bonus_base == Decimal(1000)  # loaded in this session
    users = engineer.__table__
    with db.engine.begin() as other:  # the other request, committed meanwhile
        other.execute(users.update().where(users.c.id == engineer.id).values(bonus_base=Decimal(3000)))
    services.compute_month(NOV, NOW, engineer_ids=[engineer.id])
    db.session.commit()
    score = score_of(engineer, NOV)
    assert score.bonus == (score.total * 30).quantize(Decimal("0.01"))
    with db.engine.begin() as other:
        other.execute(users.update().where(users.c.id == engineer.id).values(hire_date=date(2026, 10, 1)))
    services.compute_month(NOV, NOW, engineer_ids=[engineer.id])
    db.session.commit()
    assert score_of(engineer, NOV).eligible is False
