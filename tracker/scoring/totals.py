"""From indicator points to the month's total: normalisation, qualitative L, adjustments, veto, grade and bonus."""

from decimal import Decimal

from tracker.scoring.decimals import HUNDRED, ZERO, band_lookup, mean, round2

GRADES = ("A", "B", "C", "D", "E")  # best first: the grades the summaries and charts count
DEFAULT_GRADES = ((Decimal(90), "A"), (Decimal(80), "B"), (Decimal(70), "C"), (Decimal(60), "D"), (ZERO, "E"))
DEFAULT_WEIGHTS = (Decimal("0.7"), Decimal("0.3"))
POSITIVE_CAP = Decimal(10)


def quantitative(rows, method="normalised", base=HUNDRED, sections=None, possible=None):
    """Q from (points, max_points, weight, group) of the applicable indicators; None when none has any weight.

    normalised: 100 × Σ points / Σ max (a weight w scores w × points / max instead, out of Σ w);
    with sections ({group: weight}), each section's weighted share counts with the section's weight, out of the
    weights of the sections that have an applicable indicator;
    deduction: base − Σ (max − points), for forms that start at 100 and only take away.

    A sum below 0 (attendance may go below 0) is divided by the maxima (weights) of every indicator of the template
    (of its section, and a sectioned total below 0 by every section's weight), `possible`: (max_points, weight,
    group) of each, whether it applies or not. Divided by only
    those that apply, a line that starts to apply at 0 points (a first late response, an expense without field
    hours) would spread the same negative sum over more and raise Q: a bad event must never raise a score
    (CONTRACT 7). At a sum of 0 both give 0, so Q stays monotone across it.
    """
    rows = [row if len(row) == 4 else (*row, None) for row in rows]
    if method == "deduction":
        return base - sum((max_points - points for points, max_points, _w, _g in rows), ZERO)
    if sections:
        shares = {}
        for points, max_points, weight, group in rows:
            earned, total = shares.get(group, (ZERO, ZERO))
            shares[group] = (earned + weight * points / max_points, total + weight)
        used = {group: share for group, share in shares.items() if share[1]}
        if not used:
            return None
        whole = _possible(possible, by_group=True)
        weighted = sum((sections[group] * earned / (whole.get(group, total) if earned < 0 else total)
                        for group, (earned, total) in used.items()), ZERO)
        # below 0, out of every section's weight: a section that starts to apply at 0 must not dilute it
        weight_sum = sum((sections[group] for group in (sections if weighted < 0 and possible is not None
                                                          else used)), ZERO)
        return HUNDRED * weighted / weight_sum
    total_weight = sum((max_points if weight is None else weight for _, max_points, weight, _g in rows), ZERO)
    if not total_weight:
        return None
    # without weights each indicator counts its own points, so nothing is divided and re-multiplied
    earned = sum((points if weight is None else weight * points / max_points
                  for points, max_points, weight, _g in rows), ZERO)
    if earned < 0 and possible is not None:
        total_weight = _possible(possible)
    return HUNDRED * earned / total_weight


def _possible(possible, by_group=False):
    """The total of the maxima (weights) of (max_points, weight, group) rows: one number (an unweighted row counts
    its maximum), or {group: total of the weights} (a sectioned template weighs every indicator)."""
    if not by_group:
        return sum(((max_points if weight is None else weight) for max_points, weight, _g in possible), ZERO)
    totals = {}
    for _max_points, weight, group in possible or ():
        totals[group] = totals.get(group, ZERO) + weight
    return totals


def rates(ratings, criteria, scale_max):
    """True when `ratings` rate exactly `criteria`, each an integer 0 to scale_max: a review the template takes."""
    return set(ratings) == set(criteria) and all(
        not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= scale_max for value in ratings.values())


def qualitative(reviews, criteria, scale_max=5, raters=None):
    """(L, {group: score}): rater = 100 × sum / (scale_max × criteria), group = mean of raters, L = mean of groups
    (weighted when the template weighs them). Only the groups the template counts are read, and only reviews that
    rate the template's criteria on its scale (a review given before the template changed them counts for nothing
    until it is given again: one such review must not stop the month's compute for everyone).

    L is None (pending) while a group the template requires has no review, or without any review.
    `raters` is the template's Raters; True/False stand for the default groups with/without a required leader.
    """
    if raters is None or isinstance(raters, bool):
        groups_counted, required, weights = ("self", "peer", "leader"), (("leader",) if raters in (None, True)
                                                                         else ()), None
    else:
        groups_counted, required, weights = raters.groups, raters.required, raters.weights
    full = Decimal(scale_max * len(criteria))
    by_group = {}
    for review in reviews:
        ratings = review.get("ratings") or {}
        if not rates(ratings, criteria, scale_max) or review.get("group") not in groups_counted:
            continue  # given under other criteria or another scale (the template changed since): not counted
        by_group.setdefault(review.get("group"), []).append(HUNDRED * sum(ratings.values()) / full)
    groups = {group: mean(scores) for group, scores in by_group.items()}
    if not groups or any(group not in groups for group in required):
        return None, groups
    if weights:
        return sum((weights[g] * score for g, score in groups.items()), ZERO) / sum(
            (weights[g] for g in groups), ZERO), groups
    return mean(groups.values()), groups


def adjustment_total(adjustments, positive_cap=POSITIVE_CAP):
    """A = min(cap, Σ approved positive) + Σ approved negative; proposed ones do not count yet."""
    approved = [Decimal(a["points"]) for a in adjustments if a.get("approved")]
    positive = sum((p for p in approved if p > 0), ZERO)
    negative = sum((p for p in approved if p < 0), ZERO)
    return (positive if positive_cap is None else min(positive_cap, positive)) + negative


def compose(q, l, a=ZERO, *, vetoed=False, weights=DEFAULT_WEIGHTS):
    """T = max(0, wq × Q + wl × L + A) from unrounded Q and L; 0 on a veto; None while Q or a needed L is pending."""
    if vetoed:
        return ZERO
    wq, wl = weights
    if q is None or (wl and l is None):
        return None
    return max(ZERO, wq * q + (wl * l if wl else ZERO) + a)


def grade(total, bands=DEFAULT_GRADES):
    """Grade letter of the shown (rounded) total: A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else E; None when pending."""
    if total is None:
        return None
    hit = band_lookup(round2(total), bands)
    return hit[1] if hit else bands[-1][1]


def bonus(total, base):
    """Shown total / 100 × the bonus base, rounded half up to 2 decimals; None when pending."""
    if total is None:
        return None
    return round2(round2(total) / HUNDRED * Decimal(base))
