"""Templates as data: load_template() checks a template dict and turns it into immutable objects evaluate() runs."""

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal


from tracker.scoring.business_hours import parse_office_hours
from tracker.scoring import monotone
from tracker.scoring.decimals import HUNDRED, ONE, ZERO
from tracker.scoring.measures import SOURCES
from tracker.scoring.messages import Text
from tracker.scoring.rules import LINE_MAX, RULES, Category, Level, ScaleLevel
from tracker.scoring.totals import DEFAULT_GRADES, DEFAULT_WEIGHTS, POSITIVE_CAP
from tracker.scoring.fields import (CODE_MAX, NAME_MAX, _Collect, _bool, _fail, _list, _mapping, _month, _number,
                                    _str, _text)

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LEVEL_MAX = 16  # ratings.level holds a scale level's code
RESERVED_CRITERIA = ("comment", "submit", "csrf_token")
TEMPLATE_KEYS = {"code", "name", "name_en", "version", "effective_from", "role", "position", "position_en", "form",
                 "title", "description", "description_en", "method", "base", "composition", "qualitative",
                 "adjustments", "grades", "requires_interview", "self_assessment", "outcomes", "outcomes_en",
                 "indicators",
                 "raters", "sections", "readings"}
INDICATOR_KEYS = {"code", "name", "name_en", "max", "weight", "group", "group_en", "period", "description", "description_en",
                  "source", "rule", "params", "inputs", "applies"}
GROUPS = ("self", "peer", "leader")
APPLIES = ("always", "with_data")
PART_KEYS = {"rule", "params", "inputs", "source", "max", "label", "label_en"}


@dataclass(frozen=True)
class Raters:
    """Who rates and how their ratings combine: the groups that count, those without whom it is missing,
    and optional weights per group (else the plain mean of the group means)."""

    groups: tuple = GROUPS
    required: tuple = ("leader",)
    weights: dict | None = None


DEFAULT_RATERS = Raters()


@dataclass(frozen=True)
class Source:
    """Which fact an indicator reads (a SOURCES kind) and that kind's options."""

    kind: str
    options: dict


@dataclass(frozen=True)
class Section:
    """A block of weighted indicators with its own share of the total (form 6: main 60, basic duties 20...)."""

    code: str
    name: Text
    weight: Decimal


@dataclass(frozen=True)
class Node:
    """A rule applied to a source's inputs; a part of a sum inherits its parent's source when source is None."""

    rule: str
    params: dict
    source: Source | None
    inputs: dict
    max: Decimal
    label: Text | None = None


@dataclass(frozen=True)
class Indicator:
    """One scored line of a template."""

    code: str
    name: Text
    max: Decimal
    node: Node
    weight: Decimal | None = None
    group: str | None = None
    period: str = "M"
    description: Text | None = None
    applies: str = "always"
    group_en: str | None = None  # the English of a plain group label (a section's code has its section's names)

    def counts_in(self, month):
        """Whether the line counts in `month` ("YYYY-MM"; None: any): a quarterly one in March, June, September and
        December only (and is entered only then)."""
        return self.period != "Q" or month is None or int(str(month)[5:7]) % 3 == 0

    @cached_property
    def self_contained(self):
        """True when no part of its node reads a source of its own (its outcome then follows from its measure)."""
        return _contained(self.node)


def _contained(node):
    if node.rule != "sum":
        return True
    return all(part.source is None and _contained(part) for part in node.params["parts"])


@dataclass(frozen=True)
class Qualitative:
    """The qualitative review: criteria (code, name), the top rating, and who reviews (raters)."""

    criteria: tuple
    scale_max: int = 5
    raters: Raters = DEFAULT_RATERS

    @property
    def require_leader(self):
        return "leader" in self.raters.required


@dataclass(frozen=True)
class Template:
    """A validated template; `data` is the dict it came from (what the app stores)."""

    code: str
    name: Text
    version: int
    effective_from: str
    role: str | None
    indicators: tuple
    method: str = "normalised"
    base: Decimal = HUNDRED
    weights: tuple = DEFAULT_WEIGHTS
    qualitative: Qualitative | None = None
    positive_cap: Decimal | None = POSITIVE_CAP
    grades: tuple = DEFAULT_GRADES
    requires_interview: bool = False
    data: Mapping | None = None
    raters: Raters = DEFAULT_RATERS
    sections: tuple = ()
    readings: tuple = ()
    outcomes: tuple = ()  # what a leader may decide from the month's appraisal (form 9: 转正, 续签劳动合同, ...)
    outcomes_en: tuple = ()  # their English names, in the same order (none: the Chinese names on English pages)
    self_assessment: bool = False  # the engineer scores each line himself beside the final score (form 7's 自评)

    def outcome_label(self, name, lang):
        """An outcome's name in `lang` ("zh" or "en"): the recorded (Chinese) name when it has no English one."""
        if lang == "en" and name in self.outcomes and self.outcomes_en:
            return self.outcomes_en[self.outcomes.index(name)]
        return name

    @cached_property
    def possible(self):
        """(max_points, weight, group) of every indicator: what a sum below 0 is divided by (totals.quantitative)."""
        return tuple((indicator.max, indicator.weight, indicator.group) for indicator in self.indicators)

    @property
    def needs_leader_review(self):
        """A leader's qualitative review is required only by a template with a qualitative part that needs one."""
        return self.qualitative is not None and self.qualitative.require_leader


def _bands(value, path, result=_number):
    """[[threshold, result], ...] with strictly descending thresholds."""
    bands = []
    for i, pair in enumerate(_list(value, path)):
        if not isinstance(pair, list) or len(pair) != 2:
            _fail(f"{path}[{i}]", "must be a [threshold, points] pair", "须为 [阈值, 分数] 一对")
        threshold = _number(pair[0], f"{path}[{i}][0]")
        if bands and threshold >= bands[-1][0]:
            _fail(f"{path}[{i}]", "thresholds must be in strictly descending order", "阈值须严格从高到低排列")
        bands.append((threshold, result(pair[1], f"{path}[{i}][1]")))
    return tuple(bands)


def _side(value, path):
    _mapping(value, path, ("points",), ("points", "step"))
    return {"points": _number(value["points"], f"{path}.points"),
            "step": _number(value.get("step", 1), f"{path}.step", positive=True)}


def _scale(value, path):
    levels = []
    for i, item in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        _mapping(item, where, ("code", "name", "share"), ("code", "name", "name_en", "share"))
        levels.append(ScaleLevel(_str(item["code"], f"{where}.code", CODE_RE, LEVEL_MAX), _text(item, "name", where),
                                 _number(item["share"], f"{where}.share", lo=ZERO)))
    return tuple(levels)


def _levels(value, path):
    levels = []
    for i, item in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        _mapping(item, where, ("name", "lo", "hi"), ("name", "name_en", "lo", "hi"))
        level = Level(_text(item, "name", where), _number(item["lo"], f"{where}.lo"),
                      _number(item["hi"], f"{where}.hi"))
        if level.lo > level.hi:
            _fail(where, "lo must not exceed hi", "lo 不能大于 hi")
        levels.append(level)
    return tuple(levels)


def _categories(value, path):
    if not isinstance(value, Mapping) or not value:
        _fail(path, "must be a non-empty mapping of category code -> {name, points | range}",
                  "须为非空映射：类别代码 -> {name, points 或 range}")
    categories = {}
    for code, item in value.items():
        where = f"{path}.{code}"
        _str(code, where, CODE_RE)
        _mapping(item, where, ("name",), ("name", "name_en", "points", "range"))
        if ("points" in item) == ("range" in item):
            _fail(where, "needs exactly one of points or range", "points 与 range 须恰好给出一个")
        if "points" in item:
            lo = hi = _number(item["points"], f"{where}.points", lo=ZERO)
        else:
            pair = item["range"]
            if not isinstance(pair, list) or len(pair) != 2:
                _fail(f"{where}.range", "must be [lo, hi]", "须为 [lo, hi]")
            lo, hi = (_number(x, f"{where}.range", lo=ZERO) for x in pair)
            if lo > hi:
                _fail(f"{where}.range", "lo must not exceed hi", "lo 不能大于 hi")
        categories[code] = Category(_text(item, "name", where), lo, hi)
    return categories


def _param(spec, value, path, source):
    if spec == "number":
        return _number(value, path)
    if spec == "bool":
        return _bool(value, path)
    if spec == "str":
        return _str(value, path)
    if spec == "bands":
        return _bands(value, path)
    if spec.startswith("choice:"):
        choices = spec[len("choice:"):].split(",")
        if value not in choices:
            _fail(path, f"must be one of {', '.join(choices)}", f"须为 {', '.join(choices)} 之一")
        return value
    return {"side": _side, "scale": _scale, "levels": _levels, "categories": _categories}[spec](value, path)


def _source(value, path, raters=DEFAULT_RATERS):
    if isinstance(value, str):
        value = {"kind": value}
    kind = value.get("kind") if isinstance(value, Mapping) else None
    if kind not in SOURCES:
        _fail(path, f"unknown source {kind!r} (known: {', '.join(sorted(SOURCES))})",
              f"未知的数据来源 {kind!r}（可用：{', '.join(sorted(SOURCES))}）")
    spec = SOURCES[kind].options
    _mapping(value, path, [k for k, s in spec.items() if not s.endswith("?")], {"kind", *spec})
    options = {}
    for key, kind_of in spec.items():
        if key in value:
            options[key] = _option(kind_of.rstrip("?"), value[key], f"{path}.{key}")
    if SOURCES[kind].mode == "entered" and kind == "rating":
        options["raters"] = raters  # who rates is the template's, the same for each of its rated lines
    return Source(kind, options)


def _option(kind_of, value, path):
    """A source option by its declared kind: number, amount (≥ 0), bool, str, choice:a,b (one of them: a version
    stored before choices were checked keeps what it named), clock (clock or business hours) or office_hours."""
    if kind_of.startswith("choice:"):
        choices = kind_of[len("choice:"):].split(",")
        if monotone.checks_all() and value not in choices:
            _fail(path, f"must be one of {', '.join(choices)}", f"须为 {', '.join(choices)} 之一")
        return _str(value, path)
    if kind_of == "number":
        return _number(value, path, positive=True)
    if kind_of == "amount":
        return _number(value, path, lo=ZERO)
    if kind_of == "bool":
        return _bool(value, path)
    if kind_of == "clock":
        if value not in ("clock", "business"):
            _fail(path, "must be clock or business", "须为 clock（自然时间）或 business（工作时间）")
        return value
    if kind_of == "office_hours":
        text = _str(value, path)
        try:
            parse_office_hours(text)
        except ValueError as error:
            _fail(path, str(error), f"办公时间无效：{error}")
        return text
    return _str(value, path, longest=CODE_MAX)  # an entry's key


def _node(data, path, inherited, max_points, part=False, raters=DEFAULT_RATERS):
    """Check one rule application (an indicator's, or a part of a sum) and fill the defaults it implies."""
    allowed = PART_KEYS if part else INDICATOR_KEYS
    _mapping(data, path, ("rule",), allowed)
    if _str(data["rule"], f"{path}.rule") not in RULES:
        _fail(f"{path}.rule", f"unknown rule kind {data['rule']!r} (known: {', '.join(sorted(RULES))})",
              f"未知的计分规则 {data['rule']!r}（可用：{', '.join(sorted(RULES))}）")
    kind = RULES[data["rule"]]
    own = _source(data["source"], f"{path}.source", raters) if "source" in data else None
    source = own or inherited
    if part:
        max_points = _number(data.get("max", 0), f"{path}.max", lo=ZERO)
    raw = data.get("params") or {}
    _mapping(raw, f"{path}.params", [k for k, s in kind.params.items() if not s.endswith("?") and k != kind.full],
             kind.params)
    params = {}
    for key, value in raw.items():
        if kind.params[key].rstrip("?") == "parts":
            params[key] = tuple(_node(p, f"{path}.params.{key}[{i}]", source, ZERO, part=True, raters=raters)
                                for i, p in enumerate(_list(value, f"{path}.params.{key}")))
        else:
            params[key] = _param(kind.params[key].rstrip("?"), value, f"{path}.params.{key}", source)
    if kind.full is not None:
        # the param that means "full marks" defaults to the node's max: 15 for attendance, 0 for a part
        params.setdefault(kind.full, max_points)
    if data["rule"] == "range":
        params[LINE_MAX] = max_points  # its sentence names a base other than the line's full marks
    if data["rule"] == "deduction" and "per" not in params and "categories" not in params:
        _fail(f"{path}.params", "deduction needs per or categories", "扣分规则须给出 per 或 categories")
    if data["rule"] == "range" and "lo" not in params and "hi" not in params:
        _fail(f"{path}.params", "range needs lo or hi", "区间规则须给出 lo 或 hi")
    inputs = {}
    if data["rule"] == "sum" and "inputs" in data and monotone.checks_all():  # read by nothing: junk kept unseen
        _fail(f"{path}.inputs", "a sum reads its inputs in its parts", "求和规则的数据在各部分中读取，不能在此给出 inputs")
    if data["rule"] != "sum":
        if source is None:
            _fail(path, "needs a source", "须指定数据来源（source）")
        mapping = _mapping(data.get("inputs") or {}, f"{path}.inputs", (), kind.inputs)
        provides = SOURCES[source.kind].provides
        for name in kind.inputs:
            keys = mapping.get(name, name)
            keys = tuple(keys) if isinstance(keys, list) else (keys,)
            for key in keys:
                _str(key, f"{path}.inputs.{name}")
                if key not in provides:
                    _fail(f"{path}.inputs.{name}", f"source {source.kind!r} gives {', '.join(provides)}, not {key!r}",
                          f"数据来源 {source.kind!r} 提供 {', '.join(provides)}，没有 {key!r}")
            inputs[name] = keys
    label = _text(data, "label", path, required=False) if part else None
    if label is not None and not (_plain_label(label.zh) and _plain_label(label.en)):
        _fail(f"{path}.label", "may use only the placeholder {n}, as it is (no format, conversion or attribute)",
              "只能使用占位符 {n}（不带格式、转换或属性）")
    node = Node(data["rule"], params, own, inputs, max_points, label)
    monotone.check_node(node, source, path, part)
    return node


def _plain_label(text):
    """True when a part's label holds no placeholder but {n} ({{ and }} for braces). A template being stored has it
    bare: the engine puts the count in as text, so {n:d} failed every compute, and {n.__class__} or {n:>100000000}
    are no labels; a version stored before that loads while {n} fills in."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return False
    bare = monotone.checks_all()
    return all(name is None or (name == "n" and not (bare and (spec or conversion is not None)))
               for _literal, name, spec, conversion in fields)


def _indicator(data, path, raters=DEFAULT_RATERS):
    _mapping(data, path, ("code", "name", "max", "rule"), INDICATOR_KEYS)
    code = _str(data["code"], f"{path}.code", CODE_RE)
    max_points = _number(data["max"], f"{path}.max", lo=ZERO)
    monotone.check_bound(max_points, f"{path}.max")
    weight = _number(data["weight"], f"{path}.weight", positive=True) if "weight" in data else None
    if weight is not None:
        monotone.check_bound(weight, f"{path}.weight")
    if weight is not None and not max_points:
        _fail(f"{path}.weight", "a weighted indicator needs max > 0", "有权重的指标满分须大于 0")
    period = data.get("period", "M")
    if period not in ("M", "Q"):
        _fail(f"{path}.period", "must be M (monthly) or Q (quarterly)", "须为 M（每月）或 Q（每季度）")
    group = _str(data["group"], f"{path}.group") if "group" in data else None
    group_en = _str(data["group_en"], f"{path}.group_en") if "group_en" in data else None
    if group_en is not None and group is None:
        _fail(f"{path}.group_en", "is the English of `group`, which is missing", "是 group 的英文，须同时给出 group")
    node = _node(data, path, None, max_points, raters=raters)
    monotone.check_best(node, max_points, path)
    applies = monotone.check_applies(data.get("applies"), node, path)
    return Indicator(code, _text(data, "name", path, longest=NAME_MAX), max_points, node, weight, group, period,
                     _text(data, "description", path, required=False), applies, group_en)


def _raters(value, path, default=DEFAULT_RATERS):
    """{groups, required, weights?}: which rater groups count, which must have rated, how groups combine."""
    if value is None:
        return default
    _mapping(value, path, ("groups",), ("groups", "required", "weights"))
    groups = _list(value["groups"], f"{path}.groups")
    for i, group in enumerate(groups):
        if group not in GROUPS:
            _fail(f"{path}.groups[{i}]", f"must be one of {', '.join(GROUPS)}", f"须为 {', '.join(GROUPS)} 之一")
    if len(set(groups)) != len(groups):
        _fail(f"{path}.groups", "lists a group twice", "同一评分组列了两次")
    required = _list(value.get("required", ["leader"] if "leader" in groups else []), f"{path}.required",
                     non_empty=False)
    for i, group in enumerate(required):
        if group not in groups:
            _fail(f"{path}.required[{i}]", f"{group!r} is not one of the groups that rate", f"{group!r} 不在评分组之中")
    weights = None
    if "weights" in value:
        weights = _mapping(value["weights"], f"{path}.weights", groups, groups)
        weights = {group: _number(weights[group], f"{path}.weights.{group}", positive=True) for group in groups}
    return Raters(tuple(groups), tuple(required), weights)


def _qualitative(value, path):
    _mapping(value, path, ("criteria",), ("criteria", "scale_max", "require_leader", "raters"))
    criteria = []
    for i, item in enumerate(_list(value["criteria"], f"{path}.criteria")):
        where = f"{path}.criteria[{i}]"
        _mapping(item, where, ("code", "name"), ("code", "name", "name_en"))
        code = _str(item["code"], f"{where}.code", CODE_RE)
        if code in RESERVED_CRITERIA:  # the review form's own fields
            _fail(f"{where}.code", f"{code!r} is reserved", f"{code!r} 是保留代码")
        if any(code == known for known, _name in criteria):
            _fail(f"{where}.code", f"{code!r} is listed twice", f"{code!r} 列了两次")
        criteria.append((code, _text(item, "name", where)))
    scale_max = value.get("scale_max", 5)
    if isinstance(scale_max, bool) or not isinstance(scale_max, int) or scale_max < 1:
        _fail(f"{path}.scale_max", "must be a positive integer", "须为正整数")
    raters = _raters(value.get("raters"), f"{path}.raters")
    if "require_leader" in value:  # the older spelling of raters.required: [leader]
        wanted = _bool(value["require_leader"], f"{path}.require_leader")
        if wanted and "leader" not in raters.groups:
            _fail(f"{path}.require_leader", "needs leader among the groups that review", "评分组中须有 leader（上级）")
        required = tuple(g for g in raters.required if g != "leader") + (("leader",) if wanted else ())
        raters = Raters(raters.groups, required, raters.weights)
    return Qualitative(tuple(criteria), scale_max, raters)


def _sections(value, path, indicators):
    """Blocks of weighted indicators, each with its share of the total; every indicator belongs to one."""
    sections = []
    for i, item in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        _mapping(item, where, ("code", "name", "weight"), ("code", "name", "name_en", "weight"))
        sections.append(Section(_str(item["code"], f"{where}.code", CODE_RE), _text(item, "name", where),
                                _number(item["weight"], f"{where}.weight", positive=True)))
    codes = [section.code for section in sections]
    if len(set(codes)) != len(codes):
        _fail(path, "a section code is listed twice", "同一分项代码列了两次")
    for i, indicator in enumerate(indicators):
        if indicator is None:
            continue
        if indicator.weight is None:
            _fail(f"indicators[{i}].weight", "an indicator of a template with sections needs a weight",
                  "分项模板的每个指标都须有权重")
        if indicator.group not in codes:
            _fail(f"indicators[{i}].group", f"must name one of the sections: {', '.join(codes)}",
                  f"须为以下分项之一：{', '.join(codes)}")
    return tuple(sections)


def _names(value, path, longest):
    """A list of names of 1 to `longest` characters."""
    names = tuple(_str(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))
    for i, name in enumerate(names):
        if len(name) > longest:
            _fail(f"{path}[{i}]", f"must be a name of 1 to {longest} characters", f"须为 1–{longest} 个字符的名称")
    return names


def _outcomes(value, path):
    """The decisions the sheet offers (依据本次评价，特决定该员工：转正 / 续签劳动合同 / ...): distinct names."""
    names = _names(value, path, 40)
    for i, name in enumerate(names):
        if name in names[:i]:
            _fail(f"{path}[{i}]", f"{name!r} is listed twice", f"{name!r} 重复")
    return names


def _outcomes_en(value, path, names):
    """The English names of the outcomes: one for each, in the same order."""
    english = _names(value, path, 60)
    if len(english) != len(names):
        _fail(path, f"must name each of the {len(names)} outcomes in English, in their order",
              f"须按顺序为 {len(names)} 项结果运用各给一个英文名称")
    return english


def _readings(value, path):
    """How the preset reads a garbled or self-contradicting seed form: [{topic, text}] in both languages."""
    readings = []
    for i, item in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        _mapping(item, where, ("topic", "text"), ("topic", "topic_en", "text", "text_en"))
        readings.append((_text(item, "topic", where), _text(item, "text", where)))
    return tuple(readings)


def load_template(data, storing=False):
    """Validate a template dict and return a Template.

    Raises one TemplateError whose `errors` maps every offending field path to its message (CONTRACT.md
    section 7: besides the shape, a template must keep scores monotone). `storing`: a template about to be stored
    (the editor, the API, a preset) meets every check; a version stored before a check was added still loads.
    """
    if isinstance(data, Template):
        return data
    if storing:
        with monotone.storing():
            return load_template(data)
    _mapping(data, "", ("code", "name", "version", "effective_from", "indicators"), TEMPLATE_KEYS)
    check = _Collect()
    code = check.run(_str, data["code"], "code", CODE_RE)
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        check.run(_fail, "version", "must be a positive integer", "须为正整数")
    name = check.run(_text, data, "name", "", longest=NAME_MAX)
    effective_from = check.run(_month, data["effective_from"], "effective_from")
    raters = check.run(_raters, data.get("raters"), "raters", default=DEFAULT_RATERS)
    listed = check.run(_list, data["indicators"], "indicators", default=[])
    indicators = [check.run(_indicator, item, f"indicators[{i}]", raters) for i, item in enumerate(listed)]
    found = [indicator for indicator in indicators if indicator is not None]
    check.run(monotone.check_metric_directions, indicators, "indicators")
    codes = [indicator.code for indicator in found]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        check.run(_fail, "indicators", f"duplicate code(s) {', '.join(duplicates)}",
                  f"指标代码重复：{', '.join(duplicates)}")
    if len({indicator.weight is None for indicator in found}) > 1:
        check.run(_fail, "indicators", "give a weight to every indicator or to none", "要么每个指标都有权重，要么都没有")
    sections = check.run(_sections, data["sections"], "sections", indicators, default=()) \
        if "sections" in data else ()
    method = data.get("method", "normalised")
    if method not in ("normalised", "deduction"):
        check.run(_fail, "method", "must be normalised or deduction", "须为 normalised（折算）或 deduction（扣分）")
    composition = check.run(_mapping, data.get("composition", {"quantitative": 1, "qualitative": 0}), "composition",
                            ("quantitative", "qualitative"), ("quantitative", "qualitative"))
    weights = DEFAULT_WEIGHTS
    if composition is not None:
        weights = (check.run(_number, composition["quantitative"], "composition.quantitative", lo=ZERO),
                   check.run(_number, composition["qualitative"], "composition.qualitative", lo=ZERO))
        if None not in weights and sum(weights) != ONE:
            check.run(_fail, "composition", "quantitative + qualitative must be 1", "定量与定性权重之和须为 1")
    qualitative = check.run(_qualitative, data["qualitative"], "qualitative") if "qualitative" in data else None
    if weights[1] is not None and bool(weights[1]) != ("qualitative" in data):
        check.run(_fail, "qualitative", "a qualitative section goes with a qualitative weight, and only with one",
                  "有定性部分就须有定性权重，反之亦然")
    adjustments = check.run(_mapping, data.get("adjustments", {}), "adjustments", (), ("positive_cap",)) or {}
    cap = adjustments.get("positive_cap", POSITIVE_CAP)
    cap = None if cap is None else check.run(_number, cap, "adjustments.positive_cap", lo=ZERO, hi=HUNDRED)
    grades = check.run(_bands, data["grades"], "grades", _str) if "grades" in data else DEFAULT_GRADES
    if grades is not None:
        check.run(monotone.check_grades, grades, "grades")
    base = check.run(_number, data.get("base", 100), "base")
    if base is not None:
        check.run(monotone.check_bound, base, "base")
        check.run(monotone.check_base, method, base, "base")
    if weights[0]:
        check.run(monotone.check_possible, found, "indicators")
    role = check.run(_str, data["role"], "role", longest=16) if data.get("role") is not None else None
    interview = check.run(_bool, data.get("requires_interview", False), "requires_interview")
    if monotone.checks_all():  # information only before: a version stored then with another value still loads
        check.run(_bool, data.get("self_assessment", False), "self_assessment")
    outcomes = check.run(_outcomes, data["outcomes"], "outcomes", default=()) if "outcomes" in data else ()
    outcomes_en = (check.run(_outcomes_en, data["outcomes_en"], "outcomes_en", outcomes, default=())
                   if "outcomes_en" in data else ())
    readings = check.run(_readings, data["readings"], "readings", default=()) if "readings" in data else ()
    check.raise_any()
    return Template(
        code=code, name=name, version=version, effective_from=effective_from, role=role,
        indicators=tuple(indicators), method=method, base=base, weights=weights, qualitative=qualitative,
        positive_cap=cap, grades=grades, requires_interview=interview, data=data, raters=raters, outcomes=outcomes,
        outcomes_en=outcomes_en, sections=sections, readings=readings, self_assessment=data.get("self_assessment") is True,
    )

