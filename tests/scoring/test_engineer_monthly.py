"""The default template (CONTRACT.md section 7) on hand-made months."""

import copy
from decimal import Decimal as D

import pytest

from tracker.scoring.engine import evaluate
from tracker.scoring.presets import bundled_presets
from tracker.scoring.template import load_template

TEMPLATE = bundled_presets()["engineer_monthly"]
CRITERIA = ["responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement"]


def leader(*values):
    return {"id": 1, "group": "leader", "ratings": dict(zip(CRITERIA, values or [5] * 7))}


def points(evaluation):
    return {row.code: row.points for row in evaluation.indicators}


def row(evaluation, code):
    return next(r for r in evaluation.indicators if r.code == code)


def test_default_template_matches_the_contract_maxima_and_composition():
    template = load_template(TEMPLATE)
    assert template.code == "engineer_monthly" and template.role == "engineer"
    assert [(i.code, i.max) for i in template.indicators] == [
        ("attendance", 15), ("field_hours", 20), ("response", 15), ("on_time", 15), ("rework_external", 5),
        ("rework_internal", 5), ("satisfaction", 15), ("expense", 10)]
    assert template.weights == (D("0.7"), D("0.3"))
    assert [code for code, _ in template.qualitative.criteria] == CRITERIA


def test_worked_month_scores_84_71_grade_b():
    """A month with something on every line.

    attendance: 1 personal-leave day (−2), 2 late days (−1) → 12; field hours 80 → 20 × 0.8 = 16;
    response 19/20 = 95% → 12; on time: 1 late → 14; external rework 2 units, 50 completed, allowed
    floor(1) = 1 → 4; internal 0 → 5; satisfaction 19/20 = 95% → 12, 1 upheld complaint → 9;
    expense 5280 / (80 × 60) = 1.1 → 10 − 2 × 1 = 8.
    Q = 80 / 100 × 100 = 80; leader 30/35 → L = 85.714285…; A = +3;
    T = 0.7 × 80 + 0.3 × 85.714285… + 3 = 56 + 25.714285… + 3 = 84.714… → 84.71, grade B;
    bonus = 84.71% × 2000 = 1694.20.
    """
    facts = {
        "attendance": {"counts": {"present": 18, "personal_leave": 1, "late": 2}, "day_ids": [5, 6, 7]},
        "field_hours": D(80), "expenses": D(5280),
        "response": {"within": 19, "outside": 1, "pending": 2, "outside_ids": [11]},
        "on_time": {"late_ids": [12], "has_deadline": True},
        "rework_external": {"unit_ids": [13, 14], "completed": 50},
        "rework_internal": {"unit_ids": [], "completed": 50},
        "satisfaction": {"surveys": 20, "good": 19, "low_ids": [40], "upheld_complaint_ids": [3]},
        "reviews": [leader(5, 5, 4, 5, 4, 3, 4)],
        "adjustments": [{"id": 1, "points": D(3), "approved": True}, {"id": 2, "points": D(5), "approved": False}],
    }
    result = evaluate(TEMPLATE, facts, bonus_base=D(2000))
    assert points(result) == {"attendance": 12, "field_hours": 16, "response": 12, "on_time": 14,
                              "rework_external": 4, "rework_internal": 5, "satisfaction": 9, "expense": 8}
    assert result.quantitative == 80
    assert result.qualitative == D(100) * 30 / 35
    assert result.adjustments == 3
    assert (result.total, result.grade, result.bonus) == (D("84.71"), "B", D("1694.20"))


def test_worked_month_explains_every_line_and_links_its_records():
    facts = {
        "attendance": {"counts": {"personal_leave": 1, "late": 2}, "day_ids": [5, 6, 7]},
        "field_hours": D(80), "expenses": D(5280),
        "response": {"within": 19, "outside": 1, "outside_ids": [11]},
        "on_time": {"late_ids": [12], "has_deadline": True},
        "satisfaction": {"surveys": 20, "good": 19, "low_ids": [40], "upheld_complaint_ids": [3]},
    }
    result = evaluate(TEMPLATE, facts)
    assert row(result, "attendance").explanation == "出勤：事假/病假 1 天（-2），迟到 2 次（-1），得 12 分（满分 15）"
    assert row(result, "attendance").explanation_en == (
        "Attendance: 1 day(s) of personal/sick leave (-2), late 2 time(s) (-1); 12 of 15 points")
    assert row(result, "attendance").value == {"personal_leave": 1, "late": 2}
    assert row(result, "attendance").record_ids == {"attendance_days": [5, 6, 7]}
    assert row(result, "response").explanation == "响应及时率：19/20 单按时响应，95%，达到 ≥ 95% 档，得 12 分（满分 15）"
    assert row(result, "response").value == D("0.95")
    assert row(result, "response").record_ids == {"work_orders": [11]}
    assert row(result, "on_time").record_ids == {"work_orders": [12]}
    assert row(result, "satisfaction").record_ids == {"surveys": [40], "complaints": [3]}
    assert row(result, "satisfaction").explanation == (
        "客户满意度：满意 19/20 份，95%，达到 ≥ 90% 档（+12），成立投诉 1 起（-3），得 9 分（满分 15）")
    assert row(result, "expense").explanation == (
        "费用控制：费用 5280 元 ÷（80 小时 × 60 元）= 1.1，1.1 高于上限 1，1 档，每档 -2 分，得 8 分（满分 10）")
    assert row(result, "expense").value == D("1.1")
    assert row(result, "rework_external").explanation == (
        "外返修：返修 0 单，当月完工 0 单，允许 0（2% × 0），未超出，得 5 分（满分 5）")


# A month with nothing recorded: the deductions start full (attendance 15, on time 15, rework 5 + 5, satisfaction
# 15) and field hours count 0; only response and expense, a share and a ratio, wait for data.
BASE = {"attendance": 15, "field_hours": 0, "on_time": 15, "rework_external": 5, "rework_internal": 5,
        "satisfaction": 15}


@pytest.mark.parametrize("facts, changed, q", [
    # nothing recorded: 100 × 55 / 75
    ({}, {}, D(100) * 55 / 75),
    # field hours bring expenses in (ratio 0 → 10): 100 × (55 + 10 + 10) / 85
    ({"field_hours": D(50)}, {"field_hours": 10, "expense": 10}, D(100) * 75 / 85),
    # no surveys but an upheld complaint: 15 − 3
    ({"satisfaction": {"upheld_complaint_ids": [9]}}, {"satisfaction": 12}, D(100) * 52 / 75),
    # six upheld complaints cannot take satisfaction below 0
    ({"satisfaction": {"surveys": 1, "good": 1, "upheld_complaint_ids": [1, 2, 3, 4, 5, 6]}}, {"satisfaction": 0},
     D(100) * 40 / 75),
    # expenses without field hours score 0 (and the line applies)
    ({"expenses": D("120.50")}, {"expense": 0}, D(100) * 55 / 85),
    # only unanswered orders not yet due: response does not apply
    ({"response": {"pending": 3}}, {}, D(100) * 55 / 75),
    # a deadline in the month, none late: 15, as without one
    ({"on_time": {"has_deadline": True}}, {}, D(100) * 55 / 75),
    # sixteen late orders: floor 0
    ({"on_time": {"has_deadline": True, "late_ids": list(range(16))}}, {"on_time": 0}, D(100) * 40 / 75),
    # rework units without completed orders: allowed 0, 1 unit → 4
    ({"rework_internal": {"unit_ids": [7]}}, {"rework_internal": 4}, D(100) * 54 / 75),
    # exactly 2% external rework is allowed
    ({"rework_external": {"unit_ids": [1, 2], "completed": 100}}, {}, D(100) * 55 / 75),
    # attendance below zero counts as it is: 15 − 2 × 5 − 5 − 2 − 5 × 2 = −12
    ({"attendance": {"counts": {"personal_leave": 3, "sick_leave": 2, "late": 4, "early_leave": 1, "absent": 2}}},
     {"attendance": -12}, D(100) * 28 / 75),
    # annual leave and business trips cost nothing
    ({"attendance": {"counts": {"annual_leave": 5, "business_trip": 3}}}, {}, D(100) * 55 / 75),
])
def test_deductions_always_apply_and_only_shares_wait_for_data(facts, changed, q):
    result = evaluate(TEMPLATE, facts)
    expected = {**BASE, **changed}
    assert {code: p for code, p in points(result).items() if p is not None} == expected
    assert {r.code for r in result.indicators if r.applies} == set(expected)
    assert result.quantitative == q


@pytest.mark.parametrize("late, attendance", [(0, 15), (1, 15), (2, 14), (3, 10), (5, 10)])
def test_two_late_days_cost_one_point_and_three_cost_five(late, attendance):
    result = evaluate(TEMPLATE, {"attendance": {"counts": {"late": late}}})
    assert row(result, "attendance").points == attendance


@pytest.mark.parametrize("within, outside, response", [(20, 0, 15), (19, 1, 12), (18, 2, 9), (37, 3, 9), (33, 7, 6),
                                                      (14, 6, 3), (13, 7, 0)])
def test_response_share_bands(within, outside, response):
    result = evaluate(TEMPLATE, {"response": {"within": within, "outside": outside}})
    assert row(result, "response").points == response


@pytest.mark.parametrize("hours, expenses, expense", [
    (D(10), D(600), 10),
    (D(10), D(660), 8),          # ratio exactly 1.1: 10 − 2 × ceil(0.1 / 0.1)
    (D(10), D("660.01"), 6),
    (D("7.5"), D(585), 4),       # 1.3 → 3 steps
    (D("7.5"), D(900), 0),
    (D(0), D(1), 0),             # spending without field hours
])
def test_expense_ratio_against_60_cny_per_field_hour(hours, expenses, expense):
    result = evaluate(TEMPLATE, {"field_hours": hours, "expenses": expenses})
    assert row(result, "expense").points == expense


def test_without_a_leader_review_the_total_is_pending():
    self_review = {**leader(), "group": "self"}
    result = evaluate(TEMPLATE, {"field_hours": D(100), "reviews": [self_review]}, bonus_base=D(1000))
    assert result.quantitative is not None and result.qualitative is None
    assert result.qualitative_groups == {"self": D(100)}
    assert (result.total, result.grade, result.bonus, result.pending) == (None, None, None, True)


def test_a_veto_makes_the_total_zero_even_without_a_review():
    result = evaluate(TEMPLATE, {"field_hours": D(100), "veto": True}, bonus_base=D(1000))
    assert (result.total, result.grade, result.bonus, result.vetoed) == (D(0), "E", D("0.00"), True)


def test_a_perfect_month_with_capped_adjustments_scores_above_100():
    """Q = 100, L = 100, A = min(10, 12) = 10 → T = 110, grade A, bonus 110% of 1000."""
    facts = {"field_hours": D(120), "expenses": D(7200), "response": {"within": 5},
             "on_time": {"has_deadline": True}, "rework_external": {"completed": 40},
             "rework_internal": {"completed": 40}, "satisfaction": {"surveys": 8, "good": 8},
             "reviews": [leader()], "adjustments": [{"points": D(12), "approved": True}]}
    result = evaluate(TEMPLATE, facts, bonus_base=D(1000))
    assert (result.quantitative, result.qualitative, result.total, result.grade, result.bonus) == (
        D(100), D(100), D("110.00"), "A", D("1100.00"))


def test_negative_adjustments_can_take_the_total_to_zero_but_not_below():
    result = evaluate(TEMPLATE, {"reviews": [leader(0, 0, 0, 0, 0, 0, 0)],
                                 "adjustments": [{"points": D(-60), "approved": True}]})
    assert result.total == 0


def test_evaluate_takes_the_dict_or_the_loaded_template_and_leaves_facts_alone():
    facts = {"attendance": {"counts": {"late": 2}, "day_ids": [1]}, "field_hours": D(40),
             "incidents": [], "reviews": [leader()]}
    before = copy.deepcopy(facts)
    from_dict = evaluate(TEMPLATE, facts)
    from_template = evaluate(load_template(TEMPLATE), facts)
    assert from_dict == from_template
    assert facts == before


def test_a_total_exactly_on_a_half_cent_rounds_up_though_a_rater_score_is_a_repeating_decimal():
    """Q = 81.5; L = mean(100, 100, peers 100·(15·32 + 31)/(35·16) = 91.25) → T = 57.05 + 29.125 = 86.175 exactly:
    86.18, bonus 861.80. Each peer's 100·32/35 is a repeating decimal; its 28-digit rounding must not tip T."""
    peer = [{**leader(5, 5, 5, 5, 4, 4, 4), "group": "peer", "id": 10 + n} for n in range(15)]
    peer.append({**leader(5, 5, 5, 4, 4, 4, 4), "group": "peer", "id": 30})
    facts = {"field_hours": D("7.5"), "expenses": D(100), "response": {"within": 1},
             "reviews": [leader(), {**leader(), "group": "self", "id": 2}, *peer]}
    result = evaluate(TEMPLATE, facts, bonus_base=D(1000))
    assert result.quantitative == D("81.5")
    assert (result.total, result.bonus, result.grade) == (D("86.18"), D("861.80"), "B")


def test_rounding_takes_a_value_a_hair_off_a_half_cent_as_the_half_cent_it_stands_for():
    from tracker.scoring.decimals import round2

    assert round2(D("86.17499999999999999999999999")) == D("86.18")
    assert round2(D("86.17500000000000000000000001")) == D("86.18")
    assert round2(D("86.174999")) == D("86.17")
    assert round2(D("-0.005")) == D("-0.01") and round2(D("1234567.125")) == D("1234567.13")


@pytest.mark.parametrize("spent, equation, reading, points, value", [
    ("660", "= 1.1", "1.1 高于上限 1，1 档", 8, "1.1"),                # exactly 1.1: one step
    ("660.01", "≈ 1.1", "1.1001 高于上限 1，2 档", 6, "1.1001"),       # a hair over 1.1: two steps, more than 1.1
    ("600.01", "≈ 1", "1.0001 高于上限 1，1 档", 8, "1.0001"),          # over the limit at all: never the limit
    ("599.99", "≈ 1", "1 在 ≤ 1 范围内", 10, "1"),
    # well inside its step: half up, as the equation shows it (it read "≈ 1.1111，1.1112 高于上限")
    ("666.67", "≈ 1.1111", "1.1111 高于上限 1，2 档", 6, "1.1111"),
])
def test_an_expense_ratio_is_never_shown_as_a_step_it_is_past(spent, equation, reading, points, value):
    """The sentence links the value to the points: a ratio of 1.1000167 costs two steps (a started step counts),
    so it is not shown as 1.1 (one step); the equation says ≈ where four places are not the exact ratio. The
    line's value, as stored and shown beside the points (four places), reads the same (it read 1 beside 8 points)."""
    from decimal import ROUND_HALF_UP

    facts = {"month": "2026-10", "field_hours": D(10), "expenses": D(spent), "reviews": [leader()]}
    line = row(evaluate(TEMPLATE, facts), "expense")
    assert line.points == points
    assert f"（10 小时 × 60 元）{equation}，{reading}" in line.explanation, line.explanation
    assert D(line.value).quantize(D("0.0001"), rounding=ROUND_HALF_UP) == D(value)


def _sentence(preset, code, facts):
    template = load_template(bundled_presets()[preset])
    line = row(evaluate(template, facts), code)
    return line.points, line.explanation, line.explanation_en


def test_a_sentence_says_when_a_floor_or_cap_decided_the_points_and_the_base_the_steps_count_from():
    """"6 档，每档 -2 分，得 0 分" read as −2; "120% 高于上限 98%，11 档，每档 +30 分，得 100 分" read as 400 (the
    steps count from 70, and the line stops at 100). The sentence now says both; one the arithmetic reads right
    from (a base that is the line's full marks, nothing bounded) is as it was."""
    facts = {"month": "2026-10", "field_hours": D(10), "expenses": D(1100), "reviews": [leader()]}
    points_, zh, en = _sentence("engineer_monthly", "expense", facts)
    assert points_ == 0
    assert zh.endswith("1.8333 高于上限 1，9 档，每档 -2 分，最低 0 分，得 0 分（满分 10）"), zh
    assert en.endswith("1.8333 above 1: 9 steps at -2, floored at 0; 0 of 10 points"), en
    metric = {"month": "2026-11", "metrics": {"ticket_response": {"actual": D("1.2"), "plan": None}}}
    points_, zh, en = _sentence("project_engineer_kpi", "ticket_response", metric)
    assert points_ == 100
    assert "120% 高于上限 98%，自 70 分起 11 档，每档 +30 分，最高 100 分，得 100 分（满分 100）" in zh, zh
    assert "120% above 98%: from 70, 11 steps at +30, capped at 100; 100 of 100 points" in en, en
    metric["metrics"]["ticket_response"]["actual"] = D("0.85")
    points_, zh, _en = _sentence("project_engineer_kpi", "ticket_response", metric)
    assert points_ == 60 and "85% 低于下限 90%，自 70 分起 1 档，每档 -10 分，得 60 分" in zh, zh
