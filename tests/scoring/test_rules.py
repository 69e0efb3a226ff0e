"""Rule kinds over plain values, boundaries included."""

from decimal import Decimal as D

import pytest

from tracker.scoring.decimals import fmt, round2
from tracker.scoring.errors import FactsError
from tracker.scoring.messages import Text, render
from tracker.scoring.rules import RULES, Category, Level, Outcome

RESPONSE_BANDS = ((D(1), D(15)), (D("0.95"), D(12)), (D("0.90"), D(9)), (D("0.80"), D(6)), (D("0.70"), D(3)))
LATE_STEPS = ((D(3), D(5)), (D(2), D(1)))


def run(kind, params, **inputs):
    return RULES[kind].fn(inputs, params)


def test_every_rule_kind_the_forms_need_is_registered():
    assert {"band", "linear", "deduction", "stepped", "allowance", "range", "rating", "manual", "sum"} <= set(RULES)


@pytest.mark.parametrize("value, points", [
    (D(1), 15),
    (D(19) / D(20), 12),           # exactly 95% reaches the 95% band
    (D("0.9499"), 9),
    (D("0.90"), 9),
    (D(8) / D(9), 6),
    (D("0.80"), 6),
    (D("0.70"), 3),
    (D("0.6999"), 0),
    (D(0), 0),
])
def test_band_gives_the_points_of_the_highest_threshold_reached(value, points):
    assert run("band", {"bands": RESPONSE_BANDS}, value=value).points == points


def test_band_without_a_value_gives_its_if_none_points():
    outcome = run("band", {"bands": RESPONSE_BANDS, "if_none": D(15)}, value=None)
    assert outcome.points == 15
    assert render(outcome.details) == "无数据，按 15 分计"


def test_band_explains_the_band_reached_in_both_languages():
    outcome = run("band", {"bands": RESPONSE_BANDS}, value=D("0.95"))
    assert render(outcome.details, "zh") == "95%，达到 ≥ 95% 档"
    assert render(outcome.details, "en") == "95%, in the ≥ 95% band"


@pytest.mark.parametrize("value, params, points", [
    (D(80), {"points": D(20), "target": D(100)}, D(16)),
    (D(100), {"points": D(20), "target": D(100)}, D(20)),
    (D(130), {"points": D(20), "target": D(100)}, D(20)),          # rate capped at 1
    (D(130), {"points": D(20), "target": D(100), "cap_rate": False}, D(26)),
    (D(0), {"points": D(20), "target": D(100)}, D(0)),
    (D("0.75"), {"points": D(3)}, D("2.25")),
])
def test_linear_is_points_times_rate(value, params, points):
    assert run("linear", params, value=value).points == points


@pytest.mark.parametrize("count, params, points", [
    (0, {"per": D(1), "base": D(15), "floor": D(0)}, D(15)),
    (3, {"per": D(1), "base": D(15), "floor": D(0)}, D(12)),
    (15, {"per": D(1), "base": D(15), "floor": D(0)}, D(0)),
    (20, {"per": D(1), "base": D(15), "floor": D(0)}, D(0)),       # floor holds
    (3, {"per": D(2), "base": D(0)}, D(-6)),                       # no floor: may go negative
    (4, {"per": D(5), "base": D(15)}, D(-5)),
])
def test_deduction_per_event_takes_a_fixed_amount_per_counted_event(count, params, points):
    assert run("deduction", params, events=count).points == points


ATTITUDE = {
    "idling": Category(Text("上班聊天", "chatting"), D(2), D(2)),
    "insubordination": Category(Text("不服从安排", "insubordination"), D(5), D(10)),
    "quarrel": Category(Text("争吵", "quarrel"), D(1), D(5)),
}


@pytest.mark.parametrize("incidents, points", [
    ([], D(20)),
    ([{"category": "idling"}], D(18)),
    ([{"category": "idling"}, {"category": "idling"}], D(16)),
    ([{"category": "quarrel", "amount": D(3)}], D(17)),             # manager's amount within 1–5
    ([{"category": "quarrel", "amount": D(9)}], D(15)),             # above the range: held to 5
    ([{"category": "insubordination", "amount": D(1)}], D(15)),     # below the range: held to 5
    ([{"category": "insubordination", "amount": D(10)}, {"category": "quarrel", "amount": D(5)}]
     + [{"category": "idling"}] * 4, D(-3)),                        # the item may go below zero
])
def test_deduction_per_incident_uses_fixed_or_chosen_amounts(incidents, points):
    assert run("deduction", {"categories": ATTITUDE, "base": D(20)}, events=incidents).points == points


def test_deduction_explains_each_category():
    outcome = run("deduction", {"categories": ATTITUDE, "base": D(20)},
                  events=[{"category": "idling"}, {"category": "idling"}, {"category": "quarrel", "amount": D(3)}])
    assert render(outcome.details) == "上班聊天 2 次，扣 4 分，争吵 1 次，扣 3 分"
    assert render(outcome.details, "en") == "chatting × 2, 4 off, quarrel × 1, 3 off"


def test_a_recorded_amount_outside_the_categorys_range_is_said_to_be_held_to_it():
    """A later version narrowed a category (2.5 recorded, now 3–6): the line said 扣 3 分 beside the incident's 2.5,
    with nothing to say why. It says the recorded amount was held to this version's range."""
    categories = dict(ATTITUDE, quarrel=Category(Text("争吵", "quarrel"), D(3), D(6)))
    outcome = run("deduction", {"categories": categories, "base": D(20)},
                  events=[{"category": "quarrel", "amount": D("2.5")}, {"category": "idling"}])
    assert outcome.points == D(15)
    assert render(outcome.details) == "争吵 1 次，扣 3 分（记录的分值按本版范围 3–6 计），上班聊天 1 次，扣 2 分"
    assert render(outcome.details, "en") == \
        "quarrel × 1, 3 off (recorded amounts held to this version's 3–6), chatting × 1, 2 off"
    fixed = dict(ATTITUDE, quarrel=Category(Text("争吵", "quarrel"), D(4), D(4)))  # a version that made it fixed
    outcome = run("deduction", {"categories": fixed, "base": D(20)}, events=[{"category": "quarrel", "amount": D(2)}])
    assert outcome.points == D(16)
    assert render(outcome.details) == "争吵 1 次，扣 4 分（本版每次固定扣 4 分，不按记录的分值）"


@pytest.mark.parametrize("incident, message", [
    ({"id": 7, "category": "sleeping"}, "unknown category"),
    ({"id": 8, "category": "quarrel"}, "needs an amount"),
])
def test_deduction_refuses_incidents_the_template_cannot_price(incident, message):
    with pytest.raises(FactsError, match=message):
        run("deduction", {"categories": ATTITUDE, "base": D(20)}, events=[incident])


@pytest.mark.parametrize("late, points", [(0, 0), (1, 0), (2, -1), (3, -5), (9, -5)])
def test_stepped_late_arrivals_cost_nothing_then_1_then_5(late, points):
    assert run("stepped", {"steps": LATE_STEPS, "base": D(0)}, count=late).points == points


@pytest.mark.parametrize("units, completed, points", [
    (0, 0, D(5)),
    (1, 49, D(4)),      # floor(2% × 49) = 0 allowed
    (1, 50, D(5)),      # floor(2% × 50) = 1 allowed
    (2, 50, D(4)),
    (2, 100, D(5)),     # exactly 2%
    (3, 100, D(4)),
    (10, 10, D(0)),     # floor 0
])
def test_allowance_deducts_per_unit_over_the_allowed_share(units, completed, points):
    assert run("allowance", {"rate": D("0.02"), "points": D(5)}, units=units, of=completed).points == points


EXPENSE = {"hi": D(1), "base": D(10), "above": {"points": D(-2), "step": D("0.1")}, "floor": D(0)}


@pytest.mark.parametrize("ratio, points", [
    (D("0.4"), D(10)),
    (D(1), D(10)),
    (D("1.0001"), D(8)),         # a started step counts in full
    (D("1.1"), D(8)),            # 10 − 2 × ceil(0.1 / 0.1) = 8
    (D(660) / D(600), D(8)),
    (D("1.1001"), D(6)),
    (D("1.35"), D(2)),          # ceil(3.5) = 4 steps
    (D("1.5"), D(0)),
    (D(3), D(0)),                # floor 0
    (D("Infinity"), D(0)),       # expenses without field hours
])
def test_range_above_the_upper_bound_deducts_per_started_step(ratio, points):
    assert run("range", EXPENSE, value=ratio).points == points


WEDO = {"lo": D("0.9"), "hi": D("1.1"), "base": D(70), "below": {"points": D(-10), "step": D("0.1")},
        "above": {"points": D(10), "step": D("0.1")}, "floor": D(0), "cap": D(100), "percent": True}


@pytest.mark.parametrize("value, points", [
    (D("0.9"), D(70)),
    (D("1.1"), D(70)),
    (D("0.85"), D(60)),
    (D("0.75"), D(50)),
    (D("1.25"), D(90)),
    (D(2), D(100)),          # capped
    (D(0), D(0)),            # floored
])
def test_range_keeps_base_inside_deducts_below_and_adds_above(value, points):
    assert run("range", WEDO, value=value).points == points


def test_a_range_side_of_0_points_keeps_the_base_however_far_the_value_is():
    """An unbounded ratio (expenses without field hours) on a side of 0 points used to jump to the cap (20 for a
    base of 10) or fail for want of one."""
    params = {"hi": D(1), "base": D(10), "above": {"points": D(0), "step": D("0.1")}}
    assert run("range", {**params, "cap": D(20)}, value=D("Infinity")).points == D(10)
    assert run("range", params, value=D("Infinity")).points == D(10)


def test_an_unbounded_value_past_a_side_without_its_floor_is_an_error_said_in_chinese_too():
    """A template stored before the editor asked for a floor failed its compute with an English message only
    ("无法计算 … 得分：an unbounded value needs a floor or cap on the range")."""
    params = {"hi": D(1), "base": D(10), "above": {"points": D(-2), "step": D("0.1")}}
    with pytest.raises(FactsError) as error:
        run("range", params, value=D("Infinity"))
    assert error.value.args[0].zh == "无穷大的数值须在区间规则上设 floor 或 cap"


def test_a_value_past_a_bound_whose_side_gives_no_points_is_not_said_to_be_inside():
    """Form 6's 协同工作 of 9 against 2–4 with no points past either bound read "9 在 2–4 范围内"."""
    params = {"lo": D(2), "hi": D(4), "base": D(70)}
    assert render(run("range", params, value=D(9)).details) == "9 高于上限 4，不另加减分"
    assert render(run("range", params, value=D(1)).details) == "1 低于下限 2，不另加减分"
    assert render(run("range", params, value=D(3)).details) == "3 在 2–4 范围内"
    assert render(run("range", params, value=D("4.00001")).details) == "4.0001 高于上限 4，不另加减分"
    assert render(run("range", params, value=D("1.99999")).details) == "1.9999 低于下限 2，不另加减分"
    assert run("range", params, value=D(9)).points == run("range", params, value=D(3)).points == D(70)


def test_range_can_count_exact_steps():
    assert run("range", {**WEDO, "steps": "exact"}, value=D("0.85")).points == D(65)


def test_range_explains_where_the_value_fell():
    assert render(run("range", WEDO, value=D("0.75")).details) == "75% 低于下限 90%，2 档，每档 -10 分"
    assert render(run("range", WEDO, value=D("1")).details) == "100% 在 90%–110% 范围内"


@pytest.mark.parametrize("ratings, points", [
    ([{"level": "excellent"}], D(5)),
    ([{"level": "good"}], D(4)),
    ([{"level": "fair"}], D(3)),
    ([{"level": "poor"}], D(2)),
    ([{"level": "very_poor"}], D(1)),
    # groups first: self 100%, peers (80% + 80%) / 2, leader 60% -> (1 + 0.8 + 0.6) / 3 = 80%
    ([{"group": "self", "level": "excellent"}, {"group": "peer", "level": "good"},
      {"group": "peer", "level": "good"}, {"group": "leader", "level": "fair"}], D(4)),
    # a crowded group does not outweigh another: (1 + (0.2 × 3) / 3) / 2 = 60%
    ([{"group": "leader", "level": "excellent"}] + [{"group": "peer", "level": "very_poor"}] * 3, D(3)),
])
def test_rating_scale_gives_a_share_of_max_averaged_by_group(ratings, points):
    assert run("rating", {"points": D(5)}, ratings=ratings).points == points


def test_ratings_of_several_groups_say_each_groups_mean_so_the_points_can_be_rebuilt():
    """Form 9: leader 良好, self 优秀, two peers 一般 and 优秀 — 4 ratings whose plain mean is 85%, where the rule gives
    the mean of the group means, 86.67%: the sentence read "4 人评价，平均 86.67%", which no reader could rebuild."""
    ratings = [{"group": "leader", "level": "good"}, {"group": "self", "level": "excellent"},
               {"group": "peer", "level": "fair"}, {"group": "peer", "level": "excellent"}]
    outcome = run("rating", {"points": D(30)}, ratings=ratings)
    assert round2(outcome.points) == D("26.00")
    assert render(outcome.details, "zh") == \
        "4 人评价，先按组平均（领导评 80%，同事评 80%，自评 100%），再取各组的平均 86.67%"
    assert render(outcome.details, "en") == \
        "4 ratings averaged by group (leader 80%, peers 80%, self 100%), then across the groups: 86.67%"
    one_group = run("rating", {"points": D(5)}, ratings=[{"group": "peer", "level": "good"},
                                                          {"group": "peer", "level": "fair"}])
    assert render(one_group.details, "zh") == "2 人评价，平均 70%"  # one group: a plain mean


def test_rating_refuses_a_level_off_the_scale():
    with pytest.raises(FactsError, match="not on the scale"):
        run("rating", {"points": D(5)}, ratings=[{"level": "superb"}])


LEVELS = (Level(Text("优秀", "excellent"), D(15), D(20)), Level(Text("合格", "pass"), D(10), D(15)),
          Level(Text("不合格", "fail"), D(0), D(10)))


@pytest.mark.parametrize("given, points, level", [
    (D(17), D(17), "优秀"),
    (D(15), D(15), "优秀"),      # a shared boundary takes the better level
    (D(12), D(12), "合格"),
    (D(3), D(3), "不合格"),
    (D(25), D(20), "优秀"),      # held within bounds
    (D(-4), D(0), "不合格"),
])
def test_manual_points_stay_within_bounds_and_name_their_level(given, points, level):
    outcome = run("manual", {"hi": D(20), "levels": LEVELS}, ratings=[{"points": given}])
    assert outcome.points == points
    assert render(outcome.details) == f"评分 {fmt(points)}，属{level}（{fmt(outcome_level(level).lo)}–" \
                                      f"{fmt(outcome_level(level).hi)}）"


def outcome_level(name):
    return next(level for level in LEVELS if level.name.zh == name)


@pytest.mark.parametrize("parts, params, points", [
    ([D(12), D(-3)], {}, D(9)),
    ([D(0), D(-6)], {"floor": D(0)}, D(0)),
    ([D(-2), D(-1)], {"base": D(15)}, D(12)),
    ([D(3), D(6)], {"cap": D(8)}, D(8)),
])
def test_sum_adds_its_parts_to_a_base_within_floor_and_cap(parts, params, points):
    assert run("sum", params, parts=[Outcome(p) for p in parts]).points == points


@pytest.mark.parametrize("value, rounded", [
    (D("84.714"), D("84.71")),
    (D("84.715"), D("84.72")),   # half up, not half even
    (D("84.725"), D("84.73")),
    (D("-0.005"), D("-0.01")),
    (D(90), D("90.00")),
])
def test_round2_rounds_half_up_to_two_decimals(value, rounded):
    assert round2(value) == rounded
    assert str(round2(value)) == str(rounded)
