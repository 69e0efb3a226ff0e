"""A worked example for every seed-form preset; the numbers are worked out by hand in each docstring.

Form 2 is the default template: its worked month is in test_engineer_monthly.py.
"""

import copy
from decimal import Decimal as D

import pytest

from tracker.scoring.engine import evaluate
from tracker.scoring.errors import TemplateError
from tracker.scoring.presets import bundled_presets
from tracker.scoring.template import load_template

PRESETS = bundled_presets()
CRITERIA = ["responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement"]


def run(code, facts, **options):
    return evaluate(PRESETS[code], facts, **options)


def points(result):
    return {row.code: row.points for row in result.indicators if row.applies}


def metric(actual, plan=None):
    return {"actual": D(actual)} if plan is None else {"actual": D(actual), "plan": D(plan)}


def incident(indicator, category, amount=None, id=None):
    found = {"indicator": indicator, "category": category}
    if amount is not None:
        found["amount"] = D(amount)
    if id is not None:
        found["id"] = id
    return found


def test_form_1_after_sales_kpi_worked_example():
    """Resolution 45/50 → 20 × 0.9 = 18; satisfaction 18/20 = 90% → 16; response 10/10 → 20;
    skills rated good → 15 × 0.8 = 12; complaints 1 of 2 not resolved to satisfaction → 15 − 5 = 10; efficiency 8 → 8.
    Q = 84 of 100 → T 84.00, grade B, bonus 84% × 1000 = 840.00.
    """
    facts = {"metrics": {"resolution_rate": metric(45, 50)}, "satisfaction": {"surveys": 20, "good": 18},
             "response": {"within": 10}, "complaints": {"total": 2, "satisfied": 1, "unsatisfied_ids": [4]},
             "ratings": {"skills": [{"id": 1, "group": "leader", "level": "good"}],
                         "efficiency": [{"id": 2, "group": "leader", "points": D(8)}]}}
    result = run("after_sales_kpi", facts, bonus_base=D(1000))
    assert points(result) == {"resolution_rate": 18, "satisfaction": 16, "response": 20, "skills": 12,
                              "complaint_handling": 10, "efficiency": 8}
    assert (result.total, result.grade, result.bonus) == (D("84.00"), "B", D("840.00"))


def test_form_3_service_supervisor_monthly_worked_example():
    """Key work: progress 3 × 3/4 = 2.25 + effect 90% → 4 = 6.25 of 8; output: quantity 3 × min(1, 12/10) = 3
    + quality 100% → 6 = 9 of 9; 5A 47/50 = 94% → 8 of 12; department 85% → 3 of 5.
    Q = 100 × 26.25 / 34 = 77.2058… → 77.21, grade C.
    """
    facts = {"metrics": {"key_work_progress": metric(3, 4), "key_work_effect": metric("0.9"),
                         "work_quantity": metric(12, 10), "work_quality": metric(1),
                         "service_5a": metric(47, 50), "department_satisfaction": metric("0.85")}}
    result = run("service_supervisor_monthly", facts)
    assert points(result) == {"key_work": D("6.25"), "work_output": 9, "service_5a": 8, "department_satisfaction": 3}
    assert (result.total, result.grade) == (D("77.21"), "C")


def test_form_3_lines_missing_an_entry_count_zero_until_entered_whether_half_or_wholly_missing():
    """5A 100% → 12; key work has its progress but not its effect, the rest nothing: each of those is missing and
    counts 0, so Q = 100 × 12 / 34 = 35.29 (no longer 100 over the one line entered)."""
    result = run("service_supervisor_monthly", {"metrics": {"service_5a": metric(1), "key_work_progress": metric(3, 4)}})
    assert points(result) == {"key_work": 0, "work_output": 0, "service_5a": 12, "department_satisfaction": 0}
    assert result.missing == ("key_work", "work_output", "department_satisfaction")
    assert {row.code: row.state for row in result.indicators}["service_5a"] == "applies"
    assert result.total == D("35.29")


def test_form_4_service_post_deduction_worked_example():
    """Performance: phone −2, complaint −3 → 25; attitude: insubordination −10, quarrel −5, 4 × chatting −8 → −3
    (below zero, kept); attendance: 3 late −5, 1 early −2 → 3; 5S: untidy 6 held to the range's 5 → 5.
    Q = 100 − (5 + 23 + 7 + 5) = 60 → grade D; bonus 60% × 3000 = 1800.00.
    """
    facts = {"attendance": {"counts": {"late": 3, "early_leave": 1}},
             "incidents": [incident("work_performance", "phone", 2), incident("work_performance", "complaint", 3),
                           incident("work_attitude", "insubordination", 10), incident("work_attitude", "quarrel", 5)]
             + [incident("work_attitude", "idling")] * 4 + [incident("five_s", "untidy", 6)]}
    result = run("service_post_deduction", facts, bonus_base=D(3000))
    assert points(result) == {"work_performance": 25, "work_attitude": -3, "attendance": 3, "five_s": 5}
    assert (result.total, result.grade, result.bonus) == (D("60.00"), "D", D("1800.00"))


def test_form_5_service_department_appraisal_worked_example():
    """Performance: satisfaction 17 + expertise 20 + adaptability 16 = 53 of 65; leader review 30 of 35.
    T = 0.65 × (100 × 53 / 65) + 0.35 × (100 × 30 / 35) = 53 + 30 = 83.00, grade B.
    """
    facts = {"ratings": {"customer_satisfaction": [{"group": "leader", "points": D(17)}],
                         "expertise": [{"group": "leader", "points": D(20)}],
                         "adaptability": [{"group": "leader", "points": D(16)}]},
             "reviews": [{"group": "leader", "ratings": dict(zip(CRITERIA, [5, 5, 4, 5, 4, 3, 4]))}]}
    result = run("service_department_appraisal", facts)
    assert points(result) == {"customer_satisfaction": 17, "expertise": 20, "adaptability": 16}
    assert (result.total, result.grade) == (D("83.00"), "B")
    expertise = next(row for row in result.indicators if row.code == "expertise")
    assert expertise.explanation == "专业知识和实际操作能力：评分 20，属优秀（18.75–25），得 20 分（满分 25）"


def test_form_5_waits_for_the_leader():
    facts = {"ratings": {"expertise": [{"group": "leader", "points": D(20)}]},
             "reviews": [{"group": "self", "ratings": dict.fromkeys(CRITERIA, 5)}]}
    assert run("service_department_appraisal", facts).total is None


def test_form_6_project_engineer_kpi_worked_example():
    """Main 60 (weights within it): errors 0 → 100 (w 15); response 95% → 70 (10); handling 99%: one started 2%
    step above 98% → 100 (10); room rules 0 → 70 (10); server checks 9/10: one 10% step short → 60 (10); parts
    report 1 error → 50 (10); We.Do 15/20 = 75% → 50 (5); RMA 100% → 70 (5); short board 100% → 70 (7.5); ad-hoc
    80% → 50 (7.5): 65 of 90. Basic duties 20: 1 late → 50, mail 0 → 70: 0.6. Management 10: cooperation 3 (in
    2–4) → 70. Learning 10: one certificate → 100, new staff 0 errors → 70: 0.85.
    Q = 60 × 65 / 90 + 20 × 0.6 + 10 × 0.7 + 10 × 0.85 = 43.333… + 27.5 = 70.8333… → 70.83, grade C.
    """
    facts = {"metrics": {"ticket_errors": metric(0), "ticket_response": metric("0.95"),
                         "ticket_duration": metric("0.99"), "room_rules": metric(0), "server_checks": metric(9, 10),
                         "parts_report": metric(1), "wedo": metric(15, 20), "rma": metric(20, 20),
                         "short_board": metric(1), "adhoc_task": metric(4, 5), "mail_format": metric(0),
                         "cooperation": metric(3), "skill_growth": metric(1), "new_staff_training": metric(0)},
             "attendance": {"counts": {"late": 1}}}
    result = run("project_engineer_kpi", facts)
    assert points(result) == {"ticket_errors": 100, "ticket_response": 70, "ticket_duration": 100, "room_rules": 70,
                              "server_checks": 60, "parts_report": 50, "wedo": 50, "rma": 70, "short_board": 70,
                              "adhoc_task": 50, "attendance": 50, "mail_format": 70, "cooperation": 70,
                              "skill_growth": 100, "new_staff_training": 70}
    assert result.quantitative == D(60) * 65 / 90 + D("27.5")
    assert (result.total, result.grade, result.missing) == (D("70.83"), "C", ())


def test_form_6_is_main_60_with_the_ad_hoc_items_and_basic_40_as_the_seed_builds_it():
    template = load_template(PRESETS["project_engineer_kpi"])
    assert [i.code for i in template.indicators if i.period == "Q"] == ["server_checks"]
    assert [(s.code, s.weight) for s in template.sections] == [("main", 60), ("basic", 20), ("management", 10),
                                                               ("learning", 10)]
    main = [i for i in template.indicators if i.group == "main"]
    main_weight = sum(i.weight for i in main)
    # each short-board requirement and ad-hoc task is worth 5 of the main 60
    assert {i.code: D(60) * i.weight / main_weight for i in main if i.code in ("short_board", "adhoc_task")} == {
        "short_board": 5, "adhoc_task": 5}
    assert {i.group for i in template.indicators} == {"main", "basic", "management", "learning"}


def test_form_7_repair_technician_monthly_worked_example():
    """Task 10 − 2 = 8; labour 10 × 900/1000 = 9; accessories 10 × min(1, 1.2) = 10; external rework 3 of 100,
    allowed 2 → 4; internal 0 → 5; delivery 2 late → 8; safety minor −2 → 3; cases 1 of 2 → 5 − 2.5 = 2.5;
    training: 1 missed −2, score 72 → −3 → 0; satisfaction 10/10 → 25; cooperation 10.
    Q = 84.5; A = min(10, 12) − 3 = 7 → T = 91.5 → 91.50, grade A.
    """
    facts = {"metrics": {"labour_output": metric(900, 1000), "boutique_output": metric(60000, 50000),
                         "technical_cases": metric(1), "training_score": metric(72, None)},
             "rework_external": {"unit_ids": [1, 2, 3], "completed": 100},
             "rework_internal": {"completed": 100},
             "on_time": {"late_ids": [7, 8], "has_deadline": True},
             "satisfaction": {"surveys": 10, "good": 10},
             "incidents": [incident("work_task", "task_failed", id=1), incident("safety", "minor", id=2),
                           incident("training", "missed", id=3)],
             "adjustments": [{"points": D(12), "approved": True}, {"points": D(-3), "approved": True}]}
    result = run("repair_technician_monthly", facts)
    assert points(result) == {"work_task": 8, "labour_output": 9, "boutique_output": 10, "rework_external": 4,
                              "rework_internal": 5, "on_time_delivery": 8, "safety": 3, "technical_cases": D("2.5"),
                              "training": 0, "satisfaction": 25, "cooperation": 10}
    assert result.quantitative == D("84.5")
    assert (result.adjustments, result.total, result.grade) == (7, D("91.50"), "A")
    training = next(row for row in result.indicators if row.code == "training")
    assert training.record_ids == {"incidents": [3], "metric_entries": []}


def test_form_7_veto_zeroes_the_month_and_the_interview_is_required():
    assert run("repair_technician_monthly", {"veto": True}).total == 0
    assert load_template(PRESETS["repair_technician_monthly"]).requires_interview is True


def test_form_8_service_director_worked_example():
    """Revenue 30 × 0.95 = 28.5; CSI 92% → 20; 5A 96% → 12; appraisals 9/10 → 9; a process failure −3 → 17.
    Completion 86.5% → grade B.
    """
    facts = {"metrics": {"service_revenue": metric(95, 100), "csi": metric("0.92"), "service_5a": metric("0.96"),
                         "team_appraisal": metric(9, 10)},
             "incidents": [incident("management", "process", 3)]}
    result = run("role_service_director", facts)
    assert points(result) == {"service_revenue": D("28.5"), "csi": 20, "service_5a": 12, "team_appraisal": 9,
                              "management": 17}
    assert (result.total, result.grade) == (D("86.50"), "B")


def test_form_8_front_desk_supervisor_worked_example():
    """Intake 330/300 → 30 (capped); satisfaction 47/50 = 94% → 15; appointments 0.36/0.40 → 15 × 0.9 = 13.5;
    follow-up calls not entered: missing, 0 for now (no longer left out, which gave 84.12); a customer left waiting
    −2 → 13. 71.5 of 100 → 71.50, C.
    """
    facts = {"metrics": {"vehicle_intake": metric(330, 300), "appointment_rate": metric("0.36", "0.40")},
             "satisfaction": {"surveys": 50, "good": 47}, "incidents": [incident("front_desk_5s", "queue", 2)]}
    result = run("role_front_desk_supervisor", facts)
    assert points(result) == {"vehicle_intake": 30, "satisfaction": 15, "appointment_rate": D("13.5"),
                              "revisit_rate": 0, "front_desk_5s": 13}
    assert (result.total, result.grade, result.missing) == (D("71.50"), "C", ("revisit_rate",))


def test_form_8_technical_manager_worked_example():
    """First-time fix 96% → 24; 4 comebacks: 2 over → 20 − 10 = 10; training 3/4 → 11.25; hard cases 2/2 → 15;
    no accident → 20. Completion 80.25% → grade B.
    """
    facts = {"metrics": {"first_time_fix": metric("0.96"), "rework": metric(4), "technical_training": metric(3, 4),
                         "hard_cases": metric(2, 2)}}
    result = run("role_technical_manager", facts)
    assert points(result) == {"first_time_fix": 24, "rework": 10, "technical_training": D("11.25"),
                              "hard_cases": 15, "safety": 20}
    assert (result.total, result.grade) == (D("80.25"), "B")


def test_form_8_parts_manager_worked_example():
    """Sales 880k/1m → 26.4; fill rate 97% → 20; 52 stock days: 7 over 45 = 2 started 5-day steps → 15 − 6 = 9;
    stocktake 99.5% → 12; one wrong issue −2 → 13. Completion 80.4% → grade B.
    """
    facts = {"metrics": {"parts_sales": metric(880000, 1000000), "fill_rate": metric("0.97"),
                         "stock_turnover": metric(52), "stocktake": metric("0.995")},
             "incidents": [incident("obsolete_stock", "wrong_issue")]}
    result = run("role_parts_manager", facts)
    assert points(result) == {"parts_sales": D("26.4"), "fill_rate": 20, "stock_turnover": 9, "stocktake": 12,
                              "obsolete_stock": 13}
    assert (result.total, result.grade) == (D("80.40"), "B")


def test_form_8_insurance_manager_worked_example():
    """Renewals 65% → 24; accident intake 40/50 → 24; collections 100% → 20; complaint −4 and a document error −2
    → 14. Completion 82% → grade B.
    """
    facts = {"metrics": {"renewal_rate": metric("0.65"), "accident_intake": metric(40, 50),
                         "claim_collection": metric(1)},
             "incidents": [incident("service_faults", "complaint", 4), incident("service_faults", "document_error")]}
    result = run("role_insurance_manager", facts)
    assert points(result) == {"renewal_rate": 24, "accident_intake": 24, "claim_collection": 20, "service_faults": 14}
    assert (result.total, result.grade) == (D("82.00"), "B")


def test_form_8_quality_inspector_worked_example():
    """Final inspection 99% → 35; one missed comeback → 25 − 5 = 20; two missing records → 16; safety 20.
    Completion 91% → grade A.
    """
    facts = {"metrics": {"final_inspection": metric("0.99"), "comebacks": metric(1)},
             "incidents": [incident("records", "missing_record")] * 2}
    result = run("role_quality_inspector", facts)
    assert points(result) == {"final_inspection": 35, "comebacks": 20, "records": 16, "safety": 20}
    assert (result.total, result.grade) == (D("91.00"), "A")


def test_form_8_service_it_worked_example():
    """Uptime 99.2% → 24; data entry 190/200 → 23.75; support 85% → 8; one late report → 23.
    Completion 78.75% → grade C.
    """
    facts = {"metrics": {"system_uptime": metric("0.992"), "data_entry": metric(190, 200),
                         "support_response": metric("0.85")},
             "incidents": [incident("reports", "late_report")]}
    result = run("role_service_it", facts)
    assert points(result) == {"system_uptime": 24, "data_entry": D("23.75"), "support_response": 8, "reports": 23}
    assert (result.total, result.grade) == (D("78.75"), "C")


def test_form_8_claims_clerk_worked_example():
    """Filed in time 97% → 24; first-time approval 99% → 30; old parts 45/50 → 18; one rejection −5 → 15.
    Completion 87% → grade B.
    """
    facts = {"metrics": {"claim_timeliness": metric("0.97"), "claim_approval": metric("0.99"),
                         "old_parts_return": metric(45, 50)},
             "incidents": [incident("claim_errors", "rejected", 5)]}
    result = run("role_claims_clerk", facts)
    assert points(result) == {"claim_timeliness": 24, "claim_approval": 30, "old_parts_return": 18, "claim_errors": 15}
    assert (result.total, result.grade) == (D("87.00"), "B")


def test_form_8_lounge_receptionist_worked_example():
    """Guests rated excellent → 40; supplies missing once −2 → 28; manner 30. Completion 98% → grade A."""
    facts = {"ratings": {"guest_satisfaction": [{"group": "leader", "level": "excellent"}]},
             "incidents": [incident("lounge_5s", "supplies")]}
    result = run("role_lounge_receptionist", facts)
    assert points(result) == {"guest_satisfaction": 40, "lounge_5s": 28, "service_manner": 30}
    assert (result.total, result.grade) == (D("98.00"), "A")


def test_form_8_service_advisor_worked_example():
    """Intake 280/300 → 28; no surveys: satisfaction full 25 (it counts every month); add-ons 12k/15k → 16; one
    late delivery → 15 − 3 = 12; reception slip −1 → 9. 90 of 100 → 90.00, grade A.
    """
    facts = {"metrics": {"vehicle_intake": metric(280, 300), "upsell": metric(12000, 15000),
                         "delivery_on_time": metric(1)},
             "incidents": [incident("service_manner", "manner", 1)]}
    result = run("role_service_advisor", facts)
    assert points(result) == {"vehicle_intake": 28, "satisfaction": 25, "upsell": 16, "delivery_on_time": 12,
                              "service_manner": 9}
    assert (result.total, result.grade) == (D("90.00"), "A")


def test_form_8_usher_worked_example():
    """Guidance: self excellent, leader good → (100% + 80%) / 2 × 30 = 27; attitude fair → 18;
    congestion −3 and leaving the post −5 → 32. Completion 77% → grade C.
    """
    facts = {"ratings": {"guidance": [{"group": "self", "level": "excellent"}, {"group": "leader", "level": "good"}],
                         "attitude": [{"group": "leader", "level": "fair"}]},
             "incidents": [incident("site_order", "congestion", 3), incident("site_order", "absent_post")]}
    result = run("role_usher", facts)
    assert points(result) == {"guidance": 27, "attitude": 18, "site_order": 32}
    assert (result.total, result.grade) == (D("77.00"), "C")


def test_form_9_service_360_worked_example():
    """Order handling: self 100%, peer 80%, leader 80% → 5 × 2.6 / 3 = 13/3; revisits good 4; complaints 1 of 4 not
    resolved to satisfaction → 5 − 2.5 = 2.5; follow-up 5; attitude 5; reports fair 3; second sale 80k/100k → 8; new
    customers 6/5 → 5; retention good 4; satisfaction self 100%, leader 80% → 30 × 0.9 = 27; sales data 4; daily
    work 5; knowledge 4; drive 5; attendance: 2 late → −1; penalty −2. Q = 13/3 + 78.5 = 82.8333…; reward +2 → T =
    84.8333… → 84.83, grade B.
    """
    leader = lambda level: [{"group": "leader", "level": level}]  # noqa: E731
    facts = {"ratings": {"order_handling": [{"group": "self", "level": "excellent"}, {"group": "peer", "level": "good"},
                                            {"group": "leader", "level": "good"}],
                         "customer_revisits": leader("good"), "repair_follow_up": leader("excellent"),
                         "service_attitude": leader("excellent"), "reports": leader("fair"),
                         "key_customer_retention": leader("good"),
                         "customer_satisfaction": [{"group": "self", "level": "excellent"}] + leader("good"),
                         "sales_data": leader("good"), "daily_work": leader("excellent"),
                         "knowledge_skills": leader("good"), "attitude": leader("excellent")},
             "complaints": {"total": 4, "satisfied": 3},
             "metrics": {"second_sale": metric(80000, 100000), "new_customers": metric(6, 5)},
             "attendance": {"counts": {"late": 2}},
             "incidents": [incident("penalty_deduction", "penalty", 2)],
             "adjustments": [{"points": D(2), "approved": True}]}
    result = run("service_360", facts)
    found = points(result)
    assert found.pop("order_handling").quantize(D("0.0001")) == D("4.3333")
    assert found == {"customer_revisits": 4, "complaint_handling": D("2.5"), "repair_follow_up": 5,
                     "service_attitude": 5, "reports": 3, "second_sale": 8, "new_customers": 5,
                     "key_customer_retention": 4, "customer_satisfaction": 27, "sales_data": 4, "daily_work": 5,
                     "knowledge_skills": 4, "attitude": 5, "attendance_deduction": -1, "penalty_deduction": -2}
    assert (result.total, result.grade) == (D("84.83"), "B")


@pytest.mark.parametrize("cap", [D("100.01"), 1e308])
def test_a_positive_cap_above_a_hundred_points_is_refused(cap):
    data = copy.deepcopy(bundled_presets()["engineer_monthly"])
    data["adjustments"] = {"positive_cap": cap}
    with pytest.raises(TemplateError, match="positive_cap"):
        load_template(data)


def test_form_6_s_quarterly_check_counts_in_quarter_end_months_only():
    """Form 6: 检查服务器状态和机房环境 has 评价周期 Q. In November it neither counts (0 of 100 lowered Q) nor waits
    to be entered before approval; in December, a quarter's end, it counts and its entry is needed."""
    november = run("project_engineer_kpi", {"month": "2026-11"})
    december = run("project_engineer_kpi", {"month": "2026-12"})
    lines = {month: {row.code: row for row in result.indicators} for month, result in
             (("11", november), ("12", december))}
    assert lines["11"]["server_checks"].state == "not_applicable" and "server_checks" not in november.missing
    assert lines["12"]["server_checks"].state == "missing" and "server_checks" in december.missing
    entered = run("project_engineer_kpi", {"month": "2026-11", "metrics": {"server_checks": metric(1, 1)}})
    assert {row.code: row.state for row in entered.indicators}["server_checks"] == "not_applicable"
    assert entered.quantitative == november.quantitative  # an entry in a month it does not count changes nothing
