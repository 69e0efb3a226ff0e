"""The template checks that keep scores monotone (CONTRACT.md section 7): a bad event never raises a total.

A rule must run one way: more of a good thing never scores less, more of a bad thing never scores more. Bands and
steps must not rise as performance falls, a deduction must not add, and a deduction indicator always applies: only a
share or ratio (a source of mode with_data: response, expense) may be left out of a month without data. Each check
raises a TemplateError naming the field at fault; template.py calls them while it loads a template.
"""

from tracker.scoring.decimals import ZERO
from tracker.scoring.errors import TemplateError
from tracker.scoring.measures import DOWN, SOURCES, UP

DEDUCTIONS = ("deduction", "stepped", "allowance")


def _fail(path, message):
    raise TemplateError({path: message})


def direction(node, source):
    """Which way the rule's (first) input runs: UP, DOWN, or None when the source leaves it to the template."""
    if source is None or not node.inputs:
        return None
    keys = next(iter(node.inputs.values()))
    found = {SOURCES[source.kind].direction.get(key) for key in keys}
    return found.pop() if len(found) == 1 else None


def is_deduction(node):
    """A deduction indicator: its points start at a base and only fall per event (or a part of its sum does)."""
    if node.rule == "sum":
        return any(is_deduction(part) for part in node.params["parts"])
    return node.rule in DEDUCTIONS


def check_node(node, source, path, part=False):
    """Refuse a rule application that could reward a bad event or punish a good one."""
    p = node.params
    way = direction(node, source)
    where = f"{path}.params"
    if node.rule == "band":
        if way == DOWN:
            _fail(f"{path}.rule", f"a band scores a higher value higher, but more {_inputs(node)} is worse")
        bands = p["bands"]
        for i in range(1, len(bands)):
            if bands[i][1] > bands[i - 1][1]:
                _fail(f"{where}.bands[{i}][1]", "points must not rise as the threshold falls "
                                                f"({bands[i][1]} after {bands[i - 1][1]})")
        lowest = bands[-1][1]
        if p.get("below", ZERO) > lowest:
            _fail(f"{where}.below", f"below the lowest band must not score more than it ({lowest})")
        if "if_none" in p and not p.get("below", ZERO) <= p["if_none"] <= bands[0][1]:
            _fail(f"{where}.if_none", "a month without data must score between the lowest and the top band, so "
                                      "neither the first good nor the first bad record turns the score the wrong way")
    elif node.rule == "linear":
        if way == DOWN:
            _fail(f"{path}.rule", f"linear scores more {_inputs(node)} higher, but more of it is worse")
        if p["points"] < 0:
            _fail(f"{where}.points", "must not be negative")
        if p.get("target", 1) <= 0:
            _fail(f"{where}.target", "must be positive")
        if "if_none" in p and not ZERO <= p["if_none"] <= p["points"]:
            _fail(f"{where}.if_none", "must lie between 0 and the full points")
    elif node.rule in DEDUCTIONS:
        if way == UP:
            _fail(f"{path}.rule", f"a deduction takes points for more {_inputs(node)}, which is better")
        if node.rule == "deduction" and p.get("per", ZERO) < 0:
            _fail(f"{where}.per", "a deduction must not add: per must be ≥ 0")
        if node.rule == "allowance":
            if p.get("per", 1) < 0:
                _fail(f"{where}.per", "a deduction must not add: per must be ≥ 0")
            if p["rate"] < 0:
                _fail(f"{where}.rate", "must not be negative")
        if node.rule == "stepped":
            steps = p["steps"]
            for i, (_count, deducted) in enumerate(steps):
                if deducted < 0:
                    _fail(f"{where}.steps[{i}][1]", "a deduction must not add: must be ≥ 0")
                if i and deducted > steps[i - 1][1]:
                    _fail(f"{where}.steps[{i}][1]", "a lower count must not deduct more than a higher one")
    elif node.rule == "range":
        below, above = p.get("below"), p.get("above")
        if below and above and below["points"] * above["points"] > 0:
            _fail(f"{where}.above.points", "a range must run one way: below and above must not both add or both "
                                           "take away")
        if way is not None:
            good, bad = ("above", "below") if way == UP else ("below", "above")
            if p.get(good) and p[good]["points"] < 0:
                _fail(f"{where}.{good}.points", f"must not be negative: more {_inputs(node)} is "
                                                f"{'better' if way == UP else 'worse'}")
            if p.get(bad) and p[bad]["points"] > 0:
                _fail(f"{where}.{bad}.points", f"must not be positive: more {_inputs(node)} is "
                                               f"{'better' if way == UP else 'worse'}")
    elif node.rule == "manual" and p.get("lo", ZERO) > p["hi"]:
        _fail(f"{where}.lo", "must not exceed hi")
    if source is not None and node.source is source and source.options.get("required") is False and not part:
        _fail(f"{path}.source.required", "only a part of a sum may be optional; an indicator needs its entry")


def check_applies(value, node, path):
    """The indicator's applies mode: always, or with_data for a share or ratio that the month may lack."""
    mode = SOURCES[node.source.kind].mode if node.source is not None else "always"
    default = "with_data" if mode == "with_data" and not is_deduction(node) else "always"
    if value is None:
        return default
    if value not in ("always", "with_data"):
        _fail(f"{path}.applies", "must be always or with_data")
    if value == "with_data":
        if is_deduction(node):
            _fail(f"{path}.applies", "a deduction indicator always applies: it starts at its maximum and only "
                                     "falls, so leaving it out of a month would let a bad event raise the score")
        if mode != "with_data":
            kind = node.source.kind if node.source is not None else node.rule
            _fail(f"{path}.applies", f"only a share or ratio (sources response, expense) may be left out for lack "
                                     f"of data; {kind!r} has data every month")
    return value


def _inputs(node):
    return "/".join(next(iter(node.inputs.values()))) if node.inputs else "of it"
