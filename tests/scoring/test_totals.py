"""From indicator points to the month: normalisation, qualitative groups, adjustments, veto, grade, bonus."""

from decimal import Decimal as D

import pytest

from tracker.scoring.totals import adjustment_total, bonus, compose, grade, qualitative, quantitative

CRITERIA = ["responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement"]


def review(group, *values):
    return {"group": group, "ratings": dict(zip(CRITERIA, values))}


@pytest.mark.parametrize("rows, q", [
    ([(D(12), D(15), None), (D(16), D(20), None)], D(80)),             # 100 × 28 / 35
    ([(D(15), D(15), None)], D(100)),
    ([(D(-5), D(15), None), (D(20), D(20), None)], D(100) * D(15) / D(35)),
    ([(D(100), D(100), D(15)), (D(70), D(100), D(10))], D(88)),        # weighted: 100 × (15 + 7) / 25
    ([(D(50), D(100), D(5)), (D(100), D(100), D(5))], D(75)),
    ([], None),                                                         # nothing applies: pending
    ([(D(-2), D(0), None)], None),                                      # only a deduction line: no maximum
])
def test_quantitative_is_100_times_points_over_max_of_applicable_indicators(rows, q):
    assert quantitative(rows) == q


def test_a_sectioned_sum_below_zero_is_not_diluted_by_a_section_that_starts_to_apply():
    """Sections A (attendance, may go below 0) and B (response, a share left out without orders), 50/50: A at −4 of
    its weight 10 gives Q −20 alone; B's first (late) response applies it at 0 points. Divided by the used sections'
    weights, Q rose to −10 with that bad event; below 0 it is out of every section's weight, so it stays −20."""
    sections = {"A": D(50), "B": D(50)}
    possible = [(D(15), D(10), "A"), (D(15), D(10), "B")]
    alone = quantitative([(D(-6), D(15), D(10), "A")], sections=sections, possible=possible)
    with_b = quantitative([(D(-6), D(15), D(10), "A"), (D(0), D(15), D(10), "B")], sections=sections,
                          possible=possible)
    assert alone == with_b == D(-20)
    # above 0 a section without data is still left out: its first good record cannot lower Q either way
    assert quantitative([(D(6), D(15), D(10), "A")], sections=sections, possible=possible) == D(40)


def test_quantitative_by_deduction_starts_at_the_base():
    rows = [(D(25), D(30), None), (D(-3), D(20), None), (D(10), D(10), None)]
    assert quantitative(rows, "deduction", D(100)) == D(72)              # 100 − 5 − 23 − 0


@pytest.mark.parametrize("reviews, l, groups", [
    ([review("leader", 5, 5, 5, 5, 5, 5, 5)], D(100), {"leader": D(100)}),
    ([review("leader", 5, 5, 4, 5, 4, 3, 4)], D(100) * 30 / 35, {"leader": D(100) * 30 / 35}),
    # leader 100, self 0: mean of the groups present = 50
    ([review("leader", *[5] * 7), review("self", *[0] * 7)], D(50), {"leader": D(100), "self": D(0)}),
    # peers 100 and 0 average to 50 first; (100 + 50) / 2 = 75
    ([review("leader", *[5] * 7), review("peer", *[5] * 7), review("peer", *[0] * 7)], D(75),
     {"leader": D(100), "peer": D(50)}),
])
def test_qualitative_is_the_mean_of_group_means_of_rater_scores(reviews, l, groups):
    assert qualitative(reviews, CRITERIA) == (l, groups)


def test_qualitative_is_pending_without_a_leader_review():
    l, groups = qualitative([review("self", *[5] * 7), review("peer", *[4] * 7)], CRITERIA)
    assert l is None
    assert groups == {"self": D(100), "peer": D(80)}


def test_qualitative_is_pending_without_any_review():
    assert qualitative([], CRITERIA) == (None, {})


@pytest.mark.parametrize("ratings", [
    {"responsibility": 5},
    {**dict.fromkeys(CRITERIA, 5), "judgement": 6},
    {**dict.fromkeys(CRITERIA, 5), "judgement": 4.5},
    {**dict.fromkeys(CRITERIA, 5), "judgement": True},
])
def test_a_review_of_other_criteria_or_another_scale_counts_for_nothing(ratings):
    """Given before the template changed its criteria: not counted (L pending without another leader review),
    and no error that would stop the month's compute for everyone."""
    counted = review("self", *[4] * 7)
    assert qualitative([{"id": 1, "group": "leader", "ratings": ratings}, counted], CRITERIA) == (
        None, {"self": D(80)})


@pytest.mark.parametrize("points, approved, a", [
    ([3, 4], [True, True], D(7)),
    ([6, 7], [True, True], D(10)),          # positives capped at 10
    ([6, 7, -5], [True, True, True], D(5)),  # negatives are not capped and count after the cap
    ([-12], [True], D(-12)),
    ([8, -3], [False, True], D(-3)),        # a proposal counts only once approved
    ([], [], D(0)),
])
def test_adjustments_cap_approved_positives_at_10_and_add_negatives(points, approved, a):
    adjustments = [{"points": D(p), "approved": ok} for p, ok in zip(points, approved)]
    assert adjustment_total(adjustments) == a


@pytest.mark.parametrize("q, l, a, vetoed, t", [
    (D(80), D(90), D(0), False, D(83)),                 # 56 + 27
    (D(80), D(90), D(5), False, D(88)),
    (D(10), D(10), D(-20), False, D(0)),                # never below 0
    (D(80), D(90), D(0), True, D(0)),                   # veto
    (D(80), None, D(0), True, D(0)),                    # veto without a review
    (D(80), None, D(0), False, None),                   # pending without a leader review
    (None, D(90), D(0), False, None),
])
def test_compose_is_70_30_plus_adjustments_floored_at_zero(q, l, a, vetoed, t):
    assert compose(q, l, a, vetoed=vetoed) == t


def test_compose_uses_unrounded_q_and_l():
    """Q = 200/3 (66.67 shown), L = 100 × 26/35 (74.29 shown).

    Unrounded: 0.7 × 66.666… + 0.3 × 74.2857… = 46.6667 + 22.2857 = 68.9524 → 68.95;
    from the shown values it would be 0.7 × 66.67 + 0.3 × 74.29 = 46.669 + 22.287 = 68.956 → 68.96.
    """
    q, l = D(200) / D(3), D(100) * D(26) / D(35)
    assert compose(q, l).quantize(D("0.01")) == D("68.95")


def test_compose_without_a_qualitative_part_is_q_plus_a():
    assert compose(D(72), None, D(3), weights=(D(1), D(0))) == D(75)


@pytest.mark.parametrize("total, letter", [
    (D(100), "A"), (D(90), "A"), (D("89.99"), "B"), (D("89.995"), "A"),   # the shown 90.00 decides
    (D(80), "B"), (D("79.994"), "C"), (D(70), "C"), (D(60), "D"), (D("59.99"), "E"), (D(0), "E"), (None, None),
])
def test_grade_bands_apply_to_the_rounded_total(total, letter):
    assert grade(total) == letter


@pytest.mark.parametrize("total, base, amount", [
    (D("84.71"), D(2000), D("1694.20")),
    (D("84.714"), D(2000), D("1694.20")),     # from the shown 84.71
    (D("84.715"), D(2000), D("1694.40")),     # shown as 84.72
    (D("33.33"), D("1000.05"), D("333.32")),  # 333.3166… rounds half up to 333.32
    (D(0), D(5000), D("0.00")),
    (D(100), D(0), D("0.00")),
    (None, D(1000), None),
])
def test_bonus_is_the_shown_total_percent_of_the_base_in_cents(total, base, amount):
    assert bonus(total, base) == amount
