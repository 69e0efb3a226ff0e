"""Rule kinds: small functions over plain values, registered by name (CTFd-style) for templates to use."""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from collections.abc import Callable

from tracker.scoring.decimals import (
    HUNDRED, ONE, VALUE_PLACES, ZERO, D, band_lookup, ceil, clamp, floor, fmt, fmt_pct, fmt_signed, mean, mean_of_groups,
)
from tracker.scoring.errors import FactsError, Said
from tracker.scoring.messages import Msg, Text


def _pct(share):
    """A share as a percentage for a message (a Decimal: formatted like fmt_pct when the message is rendered)."""
    return D(share) * HUNDRED


@dataclass(frozen=True)
class Outcome:
    """What a rule gives back: exact points, a message saying how, and the shown value when the rule derives it."""

    points: Decimal
    details: Msg | None = None
    value: object = None


@dataclass(frozen=True)
class RuleKind:
    """A registered rule: its function, the inputs it reads, its parameter types and the param that defaults to max."""

    fn: Callable
    inputs: tuple
    params: dict
    full: str | None = None


@dataclass(frozen=True)
class ScaleLevel:
    """One level of a rating scale."""

    code: str
    name: Text
    share: Decimal


@dataclass(frozen=True)
class Level:
    """A named band of manual points (优秀 15–20)."""

    name: Text
    lo: Decimal
    hi: Decimal


@dataclass(frozen=True)
class Category:
    """An incident category: a fixed amount (lo == hi) or a range the manager picks from."""

    name: Text
    lo: Decimal
    hi: Decimal


DEFAULT_SCALE = (
    ScaleLevel("excellent", Text("优秀", "excellent"), ONE),
    ScaleLevel("good", Text("良好", "good"), Decimal("0.8")),
    ScaleLevel("fair", Text("一般", "fair"), Decimal("0.6")),
    ScaleLevel("poor", Text("较差", "poor"), Decimal("0.4")),
    ScaleLevel("very_poor", Text("很差", "very poor"), Decimal("0.2")),
)


RULES = {}

DEFAULT_UNIT = Text("次", "time(s)")


def rule(name, *, inputs, params, full=None):
    """Register fn(inputs, params) -> Outcome as rule kind `name`; params maps name -> type ("?" = optional)."""

    def register(fn):
        RULES[name] = RuleKind(fn, tuple(inputs), dict(params), full)
        return fn

    return register


def _unit(params):
    return Text(params["unit"], params.get("unit_en", params["unit"])) if "unit" in params else DEFAULT_UNIT


@rule("band", inputs=("value",), params={"bands": "bands", "below": "number?", "if_none": "number?"})
def band(inputs, p):
    """A share -> points of the highest band whose threshold (>=) it reaches; `if_none` when there is no share."""
    value = inputs["value"]
    if value is None:
        points = p.get("if_none", ZERO)
        return Outcome(points, Msg("band.none", {"points": points}))
    hit = band_lookup(value, p["bands"])
    if hit is None:
        lowest = p["bands"][-1][0]
        return Outcome(p.get("below", ZERO), Msg("band.below", {"value": _pct(value), "lowest": _pct(lowest)}))
    threshold, points = hit
    return Outcome(points, Msg("band.hit", {"value": _pct(value), "threshold": _pct(threshold)}))


@rule("linear", inputs=("value",),
      params={"points": "number?", "target": "number?", "cap_rate": "bool?", "if_none": "number?"}, full="points")
def linear(inputs, p):
    """points × rate where rate = value / target; the rate is capped at 1 unless cap_rate is false.

    No value (no complaint to handle): `if_none`, by default full points, since nothing was done badly.
    """
    if inputs["value"] is None:
        points = p.get("if_none", p["points"])
        return Outcome(points, Msg("band.none", {"points": points}))
    rate = inputs["value"] / p.get("target", ONE)
    capped = p.get("cap_rate", True) and rate > ONE
    if capped:
        rate = ONE
    key = "linear.capped" if capped else "linear"
    return Outcome(p["points"] * rate, Msg(key, {"full": p["points"], "rate": _pct(rate)}))


@rule("deduction", inputs=("events",),
      params={"per": "number?", "categories": "categories?", "base": "number?", "floor": "number?",
              "unit": "str?", "unit_en": "str?"},
      full="base")
def deduction(inputs, p):
    """base − `per` for each counted event, or each incident's category amount; floor optional, else may go < 0."""
    events = inputs["events"]
    if isinstance(events, list) and "categories" not in p:
        events = len(events)
    if isinstance(events, int):
        total = p["per"] * events
        details = Msg("deduction.count", {"unit": _unit(p), "per": p["per"]}) if events else None
    else:
        total, details = _incident_total(events, p["categories"])
    return Outcome(*_bounded(p["base"] - total, p, details))


def _incident_total(incidents, categories):
    """Sum of the incidents' amounts, with a message per category in order of first appearance."""
    per_category = {}
    for incident in incidents:
        code = incident.get("category")
        if code not in categories:
            raise FactsError(_said_of(incident, f"unknown category {code!r}", "此模板没有这个类别"))
        count, total, held = per_category.get(code, (0, ZERO, False))
        amount, kept = _incident_amount(incident, categories[code])
        per_category[code] = (count + 1, total + amount, held or kept)
    items = [_item(categories[code], count, total, held) for code, (count, total, held) in per_category.items()]
    total = sum((total for _, total, _held in per_category.values()), ZERO)
    return total, Msg("list", {"items": items}) if items else None


def _item(category, count, total, held):
    """A category's part of the line; `held`: a recorded amount the version in force prices otherwise."""
    said = {"category": category.name, "count": str(count), "amount": total}
    if not held:
        return Msg("deduction.item", said)
    if category.lo == category.hi:  # a category the version made fixed
        return Msg("deduction.item.fixed", {**said, "each": category.lo})
    return Msg("deduction.item.held", {**said, "lo": category.lo, "hi": category.hi})


def _said_of(incident, en, zh):
    """Why an incident cannot be scored, naming it by id (English) and by day, indicator and category (Chinese)."""
    where = f"{incident.get('indicator', '')}：{incident.get('category', '')}"
    return Said(f"incident {incident.get('id')} of {incident.get('date', '')}: {en}",
                f"{incident.get('date', '')} 的扣分记录（{where}）：{zh}")


def _incident_amount(incident, category):
    """(amount, held): a fixed category's amount, or the one the manager chose, kept inside the category's range;
    `held` when a recorded amount lies outside it (a later version narrowed the range), which the line then says."""
    chosen = incident.get("amount")
    if category.lo == category.hi:
        return category.lo, chosen is not None and Decimal(chosen) != category.lo
    if chosen is None:
        bounds = f"{fmt(category.lo)}–{fmt(category.hi)}"
        raise FactsError(_said_of(incident, f"needs an amount in {bounds}", f"没有分值，此模板按 {bounds} 分计"))
    amount = clamp(Decimal(chosen), category.lo, category.hi)
    return amount, amount != Decimal(chosen)


@rule("stepped", inputs=("count",), params={"steps": "bands", "base": "number?", "unit": "str?", "unit_en": "str?"},
      full="base")
def stepped(inputs, p):
    """base − the deduction of the highest step the count reaches (late arrivals: 2 → 1, ≥ 3 → 5)."""
    count = inputs["count"]
    hit = band_lookup(count, p["steps"])
    deducted = hit[1] if hit else ZERO
    details = Msg("stepped", {"count": str(count), "unit": _unit(p), "deducted": deducted}) if count else None
    return Outcome(p["base"] - deducted, details)


@rule("allowance", inputs=("units", "of"), params={"rate": "number", "per": "number?", "points": "number?",
                                                   "floor": "number?"},
      full="points")
def allowance(inputs, p):
    """allowed = floor(rate × of); points − per × units over allowed, floor 0 unless set otherwise."""
    allowed = floor(p["rate"] * inputs["of"])
    over = max(ZERO, inputs["units"] - allowed)
    per = p.get("per", ONE)
    key = "allowance" if over else "allowance.within"
    return Outcome(*_bounded(p["points"] - per * over, {"floor": p.get("floor", ZERO)},
                             Msg(key, {"allowed": allowed, "rate": _pct(p["rate"]), "base": str(inputs["of"]),
                                       "over": over, "per": per})))


LINE_MAX = "_max"  # set by the template on a range: the full marks of its line (0 for a part), not a param one writes


def _bounded(points, p, details):
    """(points within p's floor and cap, the sentence saying so when a bound decided them): "6 steps at -2" gave
    0 points of 10 without a word of the floor (a reader's arithmetic said -2)."""
    bounded = clamp(points, p.get("floor"), p.get("cap"))
    if bounded != points and details is not None:
        details = Msg("bounded.floor" if bounded > points else "bounded.cap", {"details": details, "bound": bounded})
    return bounded, details


@rule("range", inputs=("value",),
      params={"lo": "number?", "hi": "number?", "base": "number?", "below": "side?", "above": "side?",
              "floor": "number?", "cap": "number?", "steps": "choice:ceil,exact?", "percent": "bool?"},
      full="base")
def range_(inputs, p):
    """Inside [lo, hi] → base; each (started) step below lo or above hi adds that side's signed points; bounded."""
    value = Decimal(inputs["value"])  # counts arrive as int

    def bound(number):
        # four places so that a ratio just over a bound (1.1017) does not read as the bound itself (1.1)
        return fmt_pct(number) + "%" if p.get("percent") else fmt(number, 4)

    shown = bound(value) if value.is_finite() else "∞"
    away = side = None
    below = "lo" in p and value < p["lo"]
    if below:
        side, gap, key, limit = p.get("below"), p["lo"] - value, "range.below", {"lo": bound(p["lo"])}
        away = ROUND_FLOOR
    elif "hi" in p and value > p["hi"]:
        side, gap, key, limit = p.get("above"), value - p["hi"], "range.above", {"hi": bound(p["hi"])}
        away = ROUND_CEILING
    kept = None
    if away is not None and value.is_finite():
        # the line's value (the measured value as stored and shown beside the points) to four places, as the bounds
        # are: half up, as the measure's own sentence shows it (1.11111: 1.1111), unless that would read as another
        # count of steps; then away from the bound (1.10001 above 1 in steps of 0.1 is two steps: 1.1001, not 1.1)
        kept = value.quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)
        if side is not None and _steps(p, side, below, kept) != _steps(p, side, below, value) or \
                side is None and kept == p["lo" if below else "hi"]:  # "4 above 4": 4.0001 above 4
            kept = value.quantize(VALUE_PLACES, rounding=away)
        shown = bound(kept)
    if side is None:  # inside, or past a bound whose side has no points (it said "9 within 2–4")
        said = Msg(key + ".free", {"value": shown, **limit}) if away is not None else \
            Msg("range.inside", {"value": shown, "bounds": _bounds(p, bound)})
        return Outcome(clamp(p["base"], p.get("floor"), p.get("cap")), said)
    if gap.is_infinite():
        # a side of 0 points neither adds nor takes, however far the value is; else it runs to the floor or cap
        points = (p.get("floor") if side["points"] < 0 else p.get("cap") if side["points"] > 0
                  else clamp(p["base"], p.get("floor"), p.get("cap")))
        if points is None:
            raise FactsError(Said("an unbounded value needs a floor or cap on the range",
                                  "无穷大的数值须在区间规则上设 floor 或 cap"))
        return Outcome(points, Msg("range.unbounded", {"hi": bound(p.get("hi", p.get("lo")))}))
    steps = _steps(p, side, below, value)
    said = {"value": shown, **limit, "steps": steps, "per": fmt_signed(side["points"])}
    if p["base"] != p.get(LINE_MAX, p["base"]):  # the steps count from a base that is not the line's full marks
        key, said = key + ".base", {**said, "base": p["base"]}
    points, details = _bounded(p["base"] + side["points"] * steps, p, Msg(key, said))
    return Outcome(points, details, value=kept)


def _steps(p, side, below, value):
    """How many steps of `side` the value lies past its bound (lo when `below`, else hi); a started step counts in
    full unless the range counts them exactly (expenses: ratio 1.01 already costs one step)."""
    steps = (p["lo"] - value if below else value - p["hi"]) / side["step"]
    return ceil(steps) if p.get("steps", "ceil") == "ceil" else steps


def _bounds(p, bound):
    if "lo" in p and "hi" in p:
        return f"{bound(p['lo'])}–{bound(p['hi'])}"
    return f"≥ {bound(p['lo'])}" if "lo" in p else f"≤ {bound(p['hi'])}"


@rule("rating", inputs=("ratings",), params={"scale": "scale?", "points": "number?"}, full="points")
def rating(inputs, p):
    """points × the scale share of each rater's level (优秀 100% … 很差 20%), raters averaged by group."""
    scale = {level.code: level for level in p.get("scale", DEFAULT_SCALE)}
    pairs = []
    for entry in inputs["ratings"]:
        level = scale.get(entry.get("level"))
        if level is None:
            raise FactsError(Said(f"rating {entry.get('id')}: level {entry.get('level')!r} is not on the scale",
                                  f"评分记录的等级 {entry.get('level')} 不在此模板的评分标准中"))
        pairs.append((entry.get("group"), level.share))
    weights = _weights(inputs["ratings"])
    share = mean_of_groups(pairs, weights)
    if len(pairs) == 1:
        details = Msg("rating.one", {"level": scale[inputs["ratings"][0]["level"]].name, "share": _pct(share)})
    elif len({group for group, _share in pairs}) == 1:
        details = Msg("rating.mean", {"count": str(len(pairs)), "share": _pct(share)})
    else:  # the mean of the group means (form 9: 4 raters in 3 groups, 86.67% where the 4 average 85%): each shown
        details = Msg("rating.groups_weighted" if weights else "rating.groups", {
            "count": str(len(pairs)), "share": _pct(share), "groups": _group_means(pairs)})
    return Outcome(p["points"] * share, details, value=share)


GROUP_NAMES = {"self": Text("自评", "self"), "leader": Text("领导评", "leader"), "peer": Text("同事评", "peers")}


def _group_means(pairs):
    """Each rater group's mean as a message part, in the order leader, peers, self."""
    groups = {}
    for group, share in pairs:
        groups.setdefault(group, []).append(share)
    order = sorted(groups, key=lambda g: (("leader", "peer", "self").index(g) if g in GROUP_NAMES else 3, str(g)))
    return [Msg("rating.group", {"group": GROUP_NAMES.get(group, Text(str(group), str(group))),
                                 "share": _pct(mean(groups[group]))}) for group in order]


@rule("manual", inputs=("ratings",), params={"lo": "number?", "hi": "number?", "levels": "levels?"}, full="hi")
def manual(inputs, p):
    """Points given by raters within [lo, hi] (averaged by group); levels name the band the result falls in."""
    lo = p.get("lo", ZERO)
    pairs = [(entry.get("group"), clamp(Decimal(entry["points"]), lo, p["hi"])) for entry in inputs["ratings"]]
    points = mean_of_groups(pairs, _weights(inputs["ratings"]))
    details = (Msg("manual.one", {"points": points}) if len(pairs) == 1
               else Msg("manual.mean", {"count": str(len(pairs)), "points": points}))
    for level in p.get("levels", ()):
        # levels are listed best first, so a boundary score (15 of 优秀 15–20 / 合格 10–15) takes the better one
        if level.lo <= points <= level.hi:
            details = Msg("manual.level", {"details": details, "level": level.name, "lo": level.lo, "hi": level.hi})
            break
    return Outcome(points, details, value=points)


def _weights(entries):
    """{group: weight} when the template weighs its rater groups (the rating source marks each entry)."""
    return {e.get("group"): e["weight"] for e in entries if "weight" in e} or None


@rule("sum", inputs=("parts",), params={"parts": "parts", "base": "number?", "floor": "number?", "cap": "number?"})
def sum_parts(inputs, p):
    """base + the points of each part, bounded by floor and cap (form 3: 3 × rate + a satisfaction band)."""
    parts = inputs["parts"]
    points = p.get("base", ZERO) + sum((part.points for part in parts), ZERO)
    items = [part.details for part in parts if part.details is not None]
    return Outcome(*_bounded(points, p, Msg("list", {"items": items}) if items else None))
