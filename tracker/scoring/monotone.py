"""The template checks that keep scores monotone (CONTRACT.md section 7): a bad event never raises a total.

A rule must run one way: more of a good thing never scores less, more of a bad thing never scores more. Bands and
steps must not rise as performance falls, a deduction must not add, and a deduction indicator always applies: only a
share or ratio (a source of mode with_data: response, expense) may be left out of a month without data. Each check
raises a TemplateError naming the field at fault; template.py calls them while it loads a template.

A month without data must score between what its first bad and its first good record would give: a share without
surveys scores the rule's if_none, which must lie between the points of 0% and of 100%.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from tracker.scoring.decimals import ZERO, D, clamp, fmt
from tracker.scoring.errors import FactsError, Said, TemplateError
from tracker.scoring.measures import COUNT, DOWN, INCIDENTS, MIXED, NEUTRAL, NUMBER, RATINGS, SOURCES, UP
from tracker.scoring.rules import DEFAULT_SCALE, RULES
from tracker.scoring.totals import GRADES

# Checks added after templates were first stored apply to a template being stored (the editor, the API, a preset);
# a version stored before them still loads, so that its months can be read and scored as before.
_STORING = ContextVar("tracker_template_storing", default=False)


@contextmanager
def storing():
    """Check the templates loaded inside as new ones: every rule of CONTRACT 7, the later ones included."""
    token = _STORING.set(True)
    try:
        yield
    finally:
        _STORING.reset(token)


def checks_all():
    """True while a template is being stored: every check applies, the later ones included."""
    return _STORING.get()


DEDUCTIONS = ("deduction", "stepped", "allowance")
VALUE_RULES = ("band", "linear", "range")
# what each rule's inputs can score (measures.COUNT, NUMBER, INCIDENTS, RATINGS): a deduction by categories needs the
# incidents themselves; a count is a number too
ACCEPTS = {"band": {"value": (NUMBER, COUNT)}, "linear": {"value": (NUMBER, COUNT)},
           "range": {"value": (NUMBER, COUNT)}, "deduction": {"events": (COUNT, INCIDENTS)},
           "stepped": {"count": (COUNT,)}, "allowance": {"units": (COUNT,), "of": (COUNT,)},
           "rating": {"ratings": (RATINGS,)}, "manual": {"ratings": (RATINGS,)}}
TYPE_NAMES = {COUNT: ("a count", "次数"), NUMBER: ("a number", "数值"), INCIDENTS: ("incidents", "事件记录"),
              RATINGS: ("ratings", "评价")}


def _fail(path, message, zh=None):
    """Refuse the field at `path` with an English message and its Chinese wording (the editor shows the reader's)."""
    raise TemplateError({path: Said(message, zh)})


def direction(node, source):
    """Which way the rule's (first) input runs: UP, DOWN, or None when the source leaves it to the template.

    For a template being stored, keys that only neutral events move do not hide the way the others run (a band
    over late days and business trips runs down), and an input that both kinds of event move the same way is
    refused (`_check_keys`)."""
    if source is None or not node.inputs:
        return None
    keys = next(iter(node.inputs.values()))
    found = {SOURCES[source.kind].direction.get(key) for key in keys}
    if _STORING.get():
        found -= {NEUTRAL}
    way = found.pop() if len(found) == 1 else None
    return way if way in (UP, DOWN) else None


def _check_keys(node, source, path):
    """A template being stored reads no input that a bad event can raise as well as a good one (MIXED), and sums
    no keys that run opposite ways into one input (late days with days present)."""
    if source is None or not node.inputs:
        return
    ways = SOURCES[source.kind].direction
    for name, keys in node.inputs.items():
        # the checks of a share's bounds and of its month without data read an input of one key: a list of none or
        # of one key twice passed them unread (a late response raised T)
        if not keys:
            _fail(f"{path}.inputs.{name}", "lists no key", "须至少列出一项数据")
        if len(set(keys)) < len(keys):
            _fail(f"{path}.inputs.{name}", "lists a key twice", "同一项数据列出了两次")
        for key in keys:
            if ways.get(key) == MIXED:
                _fail(f"{path}.inputs.{name}", f"{key} of {source.kind} rises with a good and with a bad event alike "
                                               f"(a well-handled complaint raises the share, yet a complaint is bad): "
                                               f"no rule over it keeps scores monotone",
                      f"{source.kind} 的 {key} 在好事和坏事发生时都会上升（投诉处理得好会提高满意比例，但投诉本身是"
                      f"坏事）：任何规则读它都无法保证坏事不加分")
        if {ways.get(key) for key in keys} >= {UP, DOWN}:
            _fail(f"{path}.inputs.{name}", f"{'/'.join(keys)} run opposite ways (more of one is better, more of "
                                           f"another worse): their sum follows neither",
                  f"{'/'.join(keys)} 方向相反（有的越多越好，有的越多越差）：不能相加")


def _check_types(node, source, path):
    """A template being stored applies each rule to what it can score: a band to a number, a deduction by
    categories to incidents, an allowance to counts, a rating to ratings (a count read as a list failed every
    compute of the template with a 500)."""
    types = SOURCES[source.kind].types
    for name, keys in node.inputs.items():
        accepted = ACCEPTS[node.rule].get(name, ())
        if node.rule == "deduction" and "categories" in node.params:
            accepted = (INCIDENTS,)
        for key in keys:
            found = types.get(key, COUNT)
            if found not in accepted:
                wanted, wanted_zh = " or ".join(TYPE_NAMES[t][0] for t in accepted), \
                    "或".join(TYPE_NAMES[t][1] for t in accepted)
                _fail(f"{path}.inputs.{name}", f"{node.rule} scores {wanted} here, but {key} of {source.kind} is "
                                               f"{TYPE_NAMES[found][0]}",
                      f"{node.rule} 在此需要{wanted_zh}，但 {source.kind} 的 {key} 是{TYPE_NAMES[found][1]}")


def _check_allowance(node, source, path):
    """More of what sets an allowance lets more units pass: it must be something good (orders completed), or a bad
    event (a late day "allowing" an absence) raises the total."""
    ways = SOURCES[source.kind].direction
    for key in node.inputs.get("of", ()):
        if ways.get(key) != UP:
            _fail(f"{path}.inputs.of", f"the allowance grows with {key}, which is not a good thing to have more "
                                       f"of: a bad event would let a unit pass",
                  f"免扣额度随 {key} 增加，但它并不是越多越好：坏事反而会抵消扣分")


def _key(node):
    """The source key of the node's one input, or None (no input, or a sum of several keys)."""
    keys = next(iter(node.inputs.values())) if node.inputs else ()
    return keys[0] if len(keys) == 1 else None


def extremes(node, source):
    """(points at the worst, points at the best value the rule's input can take), or None when not known: the
    source gives no bounds for that input, or the rule does not score one value."""
    if node.rule == "sum":
        parts = node.params["parts"]
        ends = [extremes(part, source) for part in parts if part.source is None]
        if len(ends) < len(parts) or None in ends:
            return None
        p = node.params
        return tuple(clamp(p.get("base", ZERO) + sum((end[i] for end in ends), ZERO), p.get("floor"), p.get("cap"))
                     for i in (0, 1))
    key, way = _key(node), direction(node, source)
    if node.rule not in VALUE_RULES or way is None or key not in SOURCES[source.kind].bounds:
        return None
    ends = SOURCES[source.kind].bounds[key]
    try:
        return tuple(RULES[node.rule].fn({"value": end}, node.params).points
                     for end in (ends if way == UP else ends[::-1]))
    except FactsError:  # an unbounded ratio without the floor or cap it needs
        return None


def best_points(node):
    """The most points the rule can give (None when it has no bound: an uncapped rate, a range that adds per step
    without a cap)."""
    p = node.params
    if node.rule == "sum":
        parts = [best_points(part) for part in node.params["parts"]]
        if None in parts:
            return p.get("cap")
        return clamp(p.get("base", ZERO) + sum(parts, ZERO), p.get("floor"), p.get("cap"))
    if node.rule == "band":
        return max([points for _threshold, points in p["bands"]] + [p.get("below", ZERO), p.get("if_none", ZERO)])
    if node.rule == "linear":
        return max(p["points"], p.get("if_none", p["points"])) if p.get("cap_rate", True) else None
    if node.rule in ("deduction", "stepped"):
        return max(p["base"], p.get("floor", p["base"]))  # a floor above the base is what every month scores
    if node.rule == "allowance":
        return max(p["points"], p.get("floor", ZERO))
    if node.rule == "range":
        adds = [side for side in (p.get("below"), p.get("above")) if side and side["points"] > 0]
        if adds:
            return p.get("cap")
        return clamp(p["base"], p.get("floor"), p.get("cap"))
    if node.rule == "rating":
        return p["points"] * max(level.share for level in p.get("scale") or DEFAULT_SCALE)
    if node.rule == "manual":
        return p["hi"]
    return None


# the greatest max (and base) a stored template may give: scores are stored in columns of 8 digits, 2 decimals
POINTS_BOUND = D(10000)


def check_bound(points, path):
    """A template being stored gives an indicator's max, or a deduction template's base, below POINTS_BOUND."""
    if _STORING.get() and points >= POINTS_BOUND:
        _fail(path, f"must be below {POINTS_BOUND}", f"须小于 {POINTS_BOUND}")


def check_base(method, base, path):
    """A deduction template being stored starts from at most 100: Q = base − what was lost, and a base of 1000 paid
    9.8 times the bonus base."""
    if _STORING.get() and method == "deduction" and base > 100:
        _fail(path, "a deduction template starts from at most 100", "扣分制模板的基础分最多为 100")


def check_possible(indicators, path):
    """A template being stored can give some points: with every max 0 no total is ever formed."""
    if _STORING.get() and indicators and not any(indicator.max for indicator in indicators):
        _fail(path, "every indicator has max 0: no total could ever be formed", "所有指标满分都是 0：永远得不出总分")


def check_best(node, max_points, path):
    """A template being stored never scores an indicator above its max: Q would pass 100, and a share that then
    starts to apply at its full max (a first timely response) would pull Q down."""
    if not _STORING.get():
        return
    best = best_points(node)
    if best is None:
        _fail(f"{path}.params", f"can score without bound: set a cap of at most its max {fmt(max_points)}",
              f"得分没有上限：请设置不超过满分 {fmt(max_points)} 的 cap")
    if best > max_points:
        _fail(f"{path}.params", f"can score {fmt(best)}, more than its max {fmt(max_points)}",
              f"最高可得 {fmt(best)} 分，超过满分 {fmt(max_points)}")


def _check_range_bounds(node, source, where):
    """A range's limits against the values its input can take: lo ≤ hi, neither below the least value (a ratio is
    never negative), and a floor (or cap) for a side that an unbounded value (∞: expenses without hours) reaches."""
    p = node.params
    if "lo" in p and "hi" in p and p["lo"] > p["hi"]:
        _fail(f"{where}.lo", "must not exceed hi", "不能大于 hi")
    key = _key(node)
    if source is None or key not in SOURCES[source.kind].bounds:
        return
    least, greatest = SOURCES[source.kind].bounds[key]
    for limit in ("lo", "hi"):
        if limit in p and p[limit] < least:
            _fail(f"{where}.{limit}", f"must not be below {fmt(least)}: {key} never is",
                  f"不能小于 {fmt(least)}：{key} 不会低于它")
    above = p.get("above") if "hi" in p else None
    if not greatest.is_finite() and above and above["points"]:
        needed = "floor" if above["points"] < 0 else "cap"
        if needed not in p:
            _fail(f"{where}.{needed}", f"{key} can be unbounded (∞), so a side that "
                                       f"{'takes' if needed == 'floor' else 'adds'} points per step needs a {needed}",
                  f"{key} 可能无穷大（∞），逐级{'扣分' if needed == 'floor' else '加分'}的一侧须设 {needed}")


def check_entry(node, path):
    """A share or ratio left out of a month without data enters Q (an average of what applies) with its first
    record: its best value must score the full max and its worst at most 0, else that record moves Q the wrong way
    (a 0.5 h trip entering the expense ratio at 0 points lowered Q)."""
    _check_parts_read_the_source(node, path)
    ends = extremes(node, node.source)
    if ends is None:
        return
    worst, best = ends
    if best < node.max:
        _fail(f"{path}.params", f"left out without data, the indicator enters with its first record: the best "
                                f"{_inputs(node)} must score the full {fmt(node.max)}, not {fmt(best)}",
              f"无数据时不计入的指标会随第一条记录计入：{_inputs(node, 'zh')} 最好时须得满分 {fmt(node.max)}，"
              f"而不是 {fmt(best)}")
    if worst > 0:
        _fail(f"{path}.params", f"left out without data, the indicator enters with its first record: the worst "
                                f"{_inputs(node)} must score at most 0, not {fmt(worst)}",
              f"无数据时不计入的指标会随第一条记录计入：{_inputs(node, 'zh')} 最差时最多得 0 分，"
              f"而不是 {fmt(worst)}")


def is_deduction(node):
    """A deduction indicator: its points start at a base and only fall per event (or a part of its sum does)."""
    if node.rule == "sum":
        return any(is_deduction(part) for part in node.params["parts"])
    return node.rule in DEDUCTIONS


def check_grades(grades, path):
    """A template being stored grades with A–E, as the summaries and charts count them, and a lower band never gets
    a better grade: a bad event that lowers the total must not raise the grade; the last band reaches 0, so that
    every total has a band of its own (a lower one took the last band's grade)."""
    if not _STORING.get():
        return
    if grades and grades[-1][0] > 0:
        _fail(f"{path}[{len(grades) - 1}][0]", "the last band must start at 0, so that every total has a grade",
              "最后一档须从 0 开始，每个总分都要有等级")
    for i, (_threshold, letter) in enumerate(grades):
        if letter not in GRADES:
            _fail(f"{path}[{i}][1]", "must be one of A, B, C, D, E", "须为 A、B、C、D、E 之一")
        if i and GRADES.index(letter) < GRADES.index(grades[i - 1][1]):
            _fail(f"{path}[{i}][1]", f"a lower band must not get a better grade ({letter} after {grades[i - 1][1]})",
                  f"分数档降低时等级不能升高（{grades[i - 1][1]} 之后是 {letter}）")


def check_node(node, source, path, part=False):
    """Refuse a rule application that could reward a bad event or punish a good one."""
    p = node.params
    if _STORING.get():
        _check_keys(node, source, path)
        if source is not None and node.rule in ACCEPTS:
            _check_types(node, source, path)
        if source is not None and node.rule == "allowance":
            _check_allowance(node, source, path)
    way = direction(node, source)
    where = f"{path}.params"
    if node.rule == "band":
        if way == DOWN:
            _fail(f"{path}.rule", f"a band scores a higher value higher, but more {_inputs(node)} is worse",
                  f"分档规则数值越高得分越高，但 {_inputs(node, 'zh')} 越多越差")
        bands = p["bands"]
        for i in range(1, len(bands)):
            if bands[i][1] > bands[i - 1][1]:
                _fail(f"{where}.bands[{i}][1]", "points must not rise as the threshold falls "
                                                f"({bands[i][1]} after {bands[i - 1][1]})",
                      f"阈值降低时分数不能升高（{bands[i - 1][1]} 之后是 {bands[i][1]}）")
        lowest = bands[-1][1]
        if p.get("below", ZERO) > lowest:
            _fail(f"{where}.below", f"below the lowest band must not score more than it ({lowest})",
                  f"低于最低档时的得分不能高于最低档（{lowest}）")
        if "if_none" in p and not p.get("below", ZERO) <= p["if_none"] <= bands[0][1]:
            _fail(f"{where}.if_none", "a month without data must score between the lowest and the top band, so "
                                      "neither the first good nor the first bad record turns the score the wrong way",
                  "无数据的月份得分须在最低档与最高档之间，这样第一条好记录或坏记录都不会让分数反向变化")
    elif node.rule == "linear":
        if way == DOWN:
            _fail(f"{path}.rule", f"linear scores more {_inputs(node)} higher, but more of it is worse",
                  f"线性规则数值越多得分越高，但 {_inputs(node, 'zh')} 越多越差")
        if p["points"] < 0:
            _fail(f"{where}.points", "must not be negative", "不能为负数")
        if p.get("target", 1) <= 0:
            _fail(f"{where}.target", "must be positive", "须为正数")
        if "if_none" in p and not ZERO <= p["if_none"] <= p["points"]:
            _fail(f"{where}.if_none", "must lie between 0 and the full points", "须在 0 与满分之间")
    elif node.rule in DEDUCTIONS:
        if way == UP:
            _fail(f"{path}.rule", f"a deduction takes points for more {_inputs(node)}, which is better",
                  f"扣分规则对更多的 {_inputs(node, 'zh')} 扣分，但它越多越好")
        if node.rule == "deduction" and p.get("per", ZERO) < 0:
            _fail(f"{where}.per", "a deduction must not add: per must be ≥ 0", "扣分不能变成加分：per 须 ≥ 0")
        if node.rule in ("deduction", "allowance") and "per" in p:
            check_bound(p["per"], f"{where}.per")
        for code, category in (p.get("categories") or {}).items():  # an incident's amount is stored as entered
            check_bound(category.hi, f"{where}.categories.{code}")
        if node.rule == "allowance":
            if p.get("per", 1) < 0:
                _fail(f"{where}.per", "a deduction must not add: per must be ≥ 0", "扣分不能变成加分：per 须 ≥ 0")
            if p["rate"] < 0:
                _fail(f"{where}.rate", "must not be negative", "不能为负数")
        if node.rule == "stepped":
            steps = p["steps"]
            for i, (_count, deducted) in enumerate(steps):
                if deducted < 0:
                    _fail(f"{where}.steps[{i}][1]", "a deduction must not add: must be ≥ 0", "扣分不能变成加分：须 ≥ 0")
                if i and deducted > steps[i - 1][1]:
                    _fail(f"{where}.steps[{i}][1]", "a lower count must not deduct more than a higher one",
                          "次数少时扣分不能多于次数多时")
    elif node.rule == "range":
        below, above = p.get("below"), p.get("above")
        if below and above and below["points"] * above["points"] > 0:
            _fail(f"{where}.above.points", "a range must run one way: below and above must not both add or both "
                                           "take away", "区间规则只能朝一个方向：below 与 above 不能同时加分或同时扣分")
        if way is not None:
            good, bad = ("above", "below") if way == UP else ("below", "above")
            if p.get(good) and p[good]["points"] < 0:
                _fail(f"{where}.{good}.points", f"must not be negative: more {_inputs(node)} is "
                                                f"{'better' if way == UP else 'worse'}",
                      f"不能为负数：{_inputs(node, 'zh')} 越{'多' if way == UP else '少'}越好")
            if p.get(bad) and p[bad]["points"] > 0:
                _fail(f"{where}.{bad}.points", f"must not be positive: more {_inputs(node)} is "
                                               f"{'better' if way == UP else 'worse'}",
                      f"不能为正数：{_inputs(node, 'zh')} 越{'多' if way == UP else '少'}越好")
        _check_range_bounds(node, source, where)
    elif node.rule == "manual":
        if p.get("lo", ZERO) > p["hi"]:
            _fail(f"{where}.lo", "must not exceed hi", "不能大于 hi")
        _check_levels(p, where)
    elif node.rule == "rating":
        if p["points"] < 0:
            _fail(f"{where}.points", "must not be negative: a better rating must not score less",
                  "不能为负数：评价越好得分不能越低")
        scale = (p.get("scale") or DEFAULT_SCALE) if _STORING.get() else ()
        for i in range(1, len(scale)):
            if scale[i].share > scale[i - 1].share:
                _fail(f"{where}.scale[{i}].share", "the levels go from best to worst: a level must not score more "
                                                   f"than the one above it ({fmt(scale[i].share)} after "
                                                   f"{fmt(scale[i - 1].share)})",
                      f"评价等级从好到差排列：下一级的比例不能高于上一级（{fmt(scale[i - 1].share)} 之后是 "
                      f"{fmt(scale[i].share)}）")
    if node.rule in ("range", "sum") and p.get("floor") is not None and p.get("cap") is not None \
            and p["floor"] > p["cap"]:
        _fail(f"{where}.floor", "must not exceed cap: a value past the cap would score less than one below the floor",
              "不能大于 cap：否则超过上限的数值得分会低于下限以下的数值")
    if source is not None and node.source is source and source.options.get("required") is False and not part:
        _fail(f"{path}.source.required", "only a part of a sum may be optional; an indicator needs its entry",
              "只有求和中的一部分可以选填；指标本身须有录入")


def _check_levels(p, where):
    """A template being stored names the bands of hand-given points best first, each within the line's lo and hi
    (a band of 15–30 on a line of 20 was shown in explanations while no entry could reach it)."""
    if not _STORING.get():
        return
    levels = p.get("levels") or ()
    for i, level in enumerate(levels):
        if level.lo < p.get("lo", ZERO) or level.hi > p["hi"]:
            _fail(f"{where}.levels[{i}]", f"must lie within the points that may be given ({fmt(p.get('lo', ZERO))}–"
                                          f"{fmt(p['hi'])})",
                  f"须在可给分数的范围内（{fmt(p.get('lo', ZERO))}–{fmt(p['hi'])}）")
        if i and (level.lo > levels[i - 1].lo or level.hi > levels[i - 1].hi):
            _fail(f"{where}.levels[{i}]", "the levels go from best to worst: a level must not lie above the one "
                                          "before it", "等级从好到差排列：下一级不能高于上一级")


# How each input of an entered metric moves with what is entered: the rate (value) rises with the actual and falls
# with the plan (a plain actual when no plan is given)
_METRIC_PARTS = {"value": {"actual": 1, "plan": -1}, "actual": {"actual": 1}, "plan": {"plan": 1}}


def _rule_way(node):
    """1 when the rule scores a higher input higher, -1 when lower, None when it runs neither way (or scores no
    value)."""
    if node.rule in ("band", "linear"):
        return 1
    if node.rule in DEDUCTIONS:
        return -1
    if node.rule == "range":
        below, above = node.params.get("below"), node.params.get("above")
        if (above and above["points"] > 0) or (below and below["points"] < 0):
            return 1
        if (above and above["points"] < 0) or (below and below["points"] > 0):
            return -1
    return None


def check_metric_directions(indicators, path):
    """A template being stored reads each entered metric one way: its rules leave whether more is better to the
    template, so two rules that take it opposite ways (a linear part and a range that deducts above 0.5 on one value;
    a rate actual/plan and a band rising with the plan) made a worse entry raise the total. `indicators` by position,
    None for one refused already."""
    if not _STORING.get():
        return
    seen = {}  # (metric key, actual | plan) -> (1 | -1, path of the rule that set it)

    def walk(node, source, code, where):
        source = node.source or source
        if node.rule == "sum":
            for i, part in enumerate(node.params["parts"]):
                walk(part, source, code, f"{where}.params.parts[{i}]")
            return
        way = _rule_way(node)
        if source is None or source.kind != "metric" or way is None:
            return
        metric = source.options.get("key", code)
        for name, keys in node.inputs.items():
            for key in keys:
                for part, sign in _METRIC_PARTS.get(key, {}).items():
                    first_way, first = seen.setdefault((metric, part), (way * sign, where))
                    if first_way != way * sign:
                        _fail(f"{where}.inputs.{name}",
                              f"reads the metric {metric}'s {part} as {'better' if way * sign > 0 else 'worse'} "
                              f"the higher it is, where {first} reads it the other way: a worse entry would raise "
                              f"the score",
                              f"把指标 {metric} 的 {part} 当作越高越{'好' if way * sign > 0 else '差'}，而 {first} "
                              f"的读法相反：录入更差的数值反而会加分")

    for i, indicator in enumerate(indicators):
        if indicator is not None:
            walk(indicator.node, None, indicator.code, f"{path}[{i}]")


def check_applies(value, node, path):
    """The indicator's applies mode: always, or with_data for a share or ratio that the month may lack."""
    mode = SOURCES[node.source.kind].mode if node.source is not None else "always"
    default = "with_data" if mode == "with_data" and not is_deduction(node) else "always"
    if value is None:
        check_no_data(node, node.source, path, default)
        if default == "with_data":
            check_entry(node, path)
        return default
    if value not in ("always", "with_data"):
        _fail(f"{path}.applies", "must be always or with_data", "须为 always（每月计入）或 with_data（有数据时计入）")
    if value == "with_data":
        if is_deduction(node):
            _fail(f"{path}.applies", "a deduction indicator always applies: it starts at its maximum and only "
                                     "falls, so leaving it out of a month would let a bad event raise the score",
                  "扣分指标每月都计入：它从满分开始只会减少，若某月不计入，坏事反而会让分数升高")
        if mode != "with_data":
            kind = node.source.kind if node.source is not None else node.rule
            _fail(f"{path}.applies", f"only a share or ratio (sources response, expense) may be left out for lack "
                                     f"of data; {kind!r} has data every month",
                  f"只有比例或比率（数据来源 response、expense）可以在无数据时不计入；{kind!r} 每月都有数据")
    check_no_data(node, node.source, path, value)
    if value == "with_data":
        check_entry(node, path)
    return value


def _check_parts_read_the_source(node, path):
    """A share left out of a month without data enters with its first record, scored through its own source; a part
    of its sum that reads another source (full satisfaction without surveys) let a late response bring points."""
    if not _STORING.get() or node.rule != "sum":
        return
    for i, part in enumerate(node.params["parts"]):
        if part.source is not None:
            _fail(f"{path}.params.parts[{i}].source", "a part of an indicator left out without data reads the "
                                                      "indicator's own source",
                  "无数据时不计入的指标，其各部分须读取该指标自己的数据来源")


def check_no_data(node, source, path, applies):
    """What a month without data scores must lie between what its first bad and its first good record give.

    `applies`: always, with_data (the indicator is left out without data) or part (a part without data adds
    nothing, 0). A share is None without data and the rule scores its if_none.
    """
    source = node.source or source
    if node.rule == "sum":
        for i, part in enumerate(node.params["parts"]):
            if applies != "with_data" or part.source is not None:
                check_no_data(part, source, f"{path}.params.parts[{i}]", "part")
        return
    if source is None or applies == "with_data":
        return
    kind, key = SOURCES[source.kind], _key(node)
    if applies == "part" and kind.mode == "with_data":
        _between(node, source, path, ZERO, f"{path}.rule", ("a part without data adds nothing (0)",
                                                            "无数据的部分不加分（0）"))
    elif key in kind.none:
        if node.rule not in ("band", "linear"):
            _fail(f"{path}.rule", f"{node.rule} has no if_none for a month without {key}: use band or linear",
                  f"{node.rule} 没有 if_none，无法处理没有 {key} 的月份：请用 band 或 linear")
        unset, unset_zh = ("", "") if "if_none" in node.params else (
            (", 0 when not set", "，未设置时为 0") if node.rule == "band"
            else (", the full points when not set", "，未设置时为满分"))
        points = node.params.get("if_none", ZERO if node.rule == "band" else node.params["points"])
        _between(node, source, path, points, f"{path}.params.if_none",
                 (f"a month without data scores if_none ({points}{unset})",
                  f"无数据的月份得 if_none 分（{points}{unset_zh}）"))


def _between(node, source, path, points, field, without):
    """Refuse a no-data score outside [points at the worst value, points at the best value]."""
    ends = extremes(node, source)
    if ends is None:
        return
    worst, best = ends
    if not worst <= points <= best:
        without, without_zh = without
        _fail(field, f"{without}, but one bad record scores {fmt(worst)} and one good record {fmt(best)}: a month without "
                     f"data must score between them, so neither the first good nor the first bad record turns the "
                     f"score the wrong way",
              f"{without_zh}，但一条坏记录得 {fmt(worst)} 分、一条好记录得 {fmt(best)} 分：无数据的月份得分须在两者之间，"
              f"这样第一条好记录或坏记录都不会让分数反向变化")


def _inputs(node, lang="en"):
    return "/".join(next(iter(node.inputs.values()))) if node.inputs else ("of it" if lang == "en" else "该值")
