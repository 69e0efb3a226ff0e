"""Templates as data: load_template() checks a template dict and turns it into immutable objects evaluate() runs."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from tracker.scoring.business_hours import parse_office_hours
from tracker.scoring.decimals import D, HUNDRED, ONE, ZERO
from tracker.scoring.errors import TemplateError
from tracker.scoring.measures import SOURCES
from tracker.scoring.messages import Text
from tracker.scoring.rules import RULES, Category, Level, ScaleLevel
from tracker.scoring.totals import DEFAULT_GRADES, DEFAULT_WEIGHTS, POSITIVE_CAP

PRESETS = Path(__file__).resolve().parent.parent / "presets"
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
TEMPLATE_KEYS = {"code", "name", "name_en", "version", "effective_from", "role", "position", "position_en", "form",
                 "title", "description", "description_en", "method", "base", "composition", "qualitative",
                 "adjustments", "grades", "requires_interview", "self_assessment", "outcomes", "indicators"}
INDICATOR_KEYS = {"code", "name", "name_en", "max", "weight", "group", "period", "description", "description_en",
                  "source", "rule", "params", "inputs"}
PART_KEYS = {"rule", "params", "inputs", "source", "max", "label", "label_en"}


@dataclass(frozen=True)
class Source:
    """Which fact an indicator reads (a SOURCES kind) and that kind's options."""

    kind: str
    options: dict


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


@dataclass(frozen=True)
class Qualitative:
    """The qualitative review: criteria (code, name), the top rating and whether a leader review is required."""

    criteria: tuple
    scale_max: int = 5
    require_leader: bool = True


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


def _fail(path, message):
    raise TemplateError(f"{path}: {message}" if path else message)


def _mapping(value, path, required, allowed):
    if not isinstance(value, Mapping):
        _fail(path, "must be a mapping")
    missing = [key for key in required if key not in value]
    if missing:
        _fail(path, f"missing {', '.join(missing)}")
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        _fail(path, f"unknown key(s) {', '.join(unknown)}")
    return value


def _list(value, path, non_empty=True):
    if not isinstance(value, list) or (non_empty and not value):
        _fail(path, "must be a non-empty list" if non_empty else "must be a list")
    return value


def _number(value, path, lo=None, positive=False):
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        _fail(path, f"must be a number, got {value!r}")
    try:
        number = D(value)
    except (InvalidOperation, TypeError):
        _fail(path, f"must be a number, got {value!r}")
    if not number.is_finite() or (lo is not None and number < lo) or (positive and number <= 0):
        _fail(path, "must be a positive number" if positive else f"must be a number ≥ {lo}")
    return number


def _str(value, path, pattern=None):
    if not isinstance(value, str) or not value.strip():
        _fail(path, "must be a non-empty string")
    if pattern is not None and not pattern.match(value):
        _fail(path, f"{value!r} is not in the expected form")
    return value


def _bool(value, path):
    if not isinstance(value, bool):
        _fail(path, "must be true or false")
    return value


def _text(data, key, path, required=True):
    """The bilingual pair data[key] / data[key + "_en"]."""
    if key not in data:
        if required:
            _fail(path, f"missing {key}")
        return None
    return Text(_str(data[key], f"{path}.{key}"), _str(data.get(f"{key}_en", data[key]), f"{path}.{key}_en"))


def _bands(value, path, result=_number):
    """[[threshold, result], ...] with strictly descending thresholds."""
    bands = []
    for i, pair in enumerate(_list(value, path)):
        if not isinstance(pair, list) or len(pair) != 2:
            _fail(f"{path}[{i}]", "must be a [threshold, points] pair")
        threshold = _number(pair[0], f"{path}[{i}][0]")
        if bands and threshold >= bands[-1][0]:
            _fail(f"{path}[{i}]", "thresholds must be in strictly descending order")
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
        levels.append(ScaleLevel(_str(item["code"], f"{where}.code", CODE_RE), _text(item, "name", where),
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
            _fail(where, "lo must not exceed hi")
        levels.append(level)
    return tuple(levels)


def _categories(value, path):
    if not isinstance(value, Mapping) or not value:
        _fail(path, "must be a non-empty mapping of category code -> {name, points | range}")
    categories = {}
    for code, item in value.items():
        where = f"{path}.{code}"
        _str(code, where, CODE_RE)
        _mapping(item, where, ("name",), ("name", "name_en", "points", "range"))
        if ("points" in item) == ("range" in item):
            _fail(where, "needs exactly one of points or range")
        if "points" in item:
            lo = hi = _number(item["points"], f"{where}.points", lo=ZERO)
        else:
            pair = item["range"]
            if not isinstance(pair, list) or len(pair) != 2:
                _fail(f"{where}.range", "must be [lo, hi]")
            lo, hi = (_number(x, f"{where}.range", lo=ZERO) for x in pair)
            if lo > hi:
                _fail(f"{where}.range", "lo must not exceed hi")
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
            _fail(path, f"must be one of {', '.join(choices)}")
        return value
    if spec == "parts":
        return tuple(_node(part, f"{path}[{i}]", source, ZERO, part=True)
                     for i, part in enumerate(_list(value, path)))
    return {"side": _side, "scale": _scale, "levels": _levels, "categories": _categories}[spec](value, path)


def _source(value, path):
    if isinstance(value, str):
        value = {"kind": value}
    kind = value.get("kind") if isinstance(value, Mapping) else None
    if kind not in SOURCES:
        _fail(path, f"unknown source {kind!r} (known: {', '.join(sorted(SOURCES))})")
    spec = SOURCES[kind].options
    _mapping(value, path, [k for k, s in spec.items() if not s.endswith("?")], {"kind", *spec})
    options = {}
    for key, kind_of in spec.items():
        if key in value:
            options[key] = _option(kind_of.rstrip("?"), value[key], f"{path}.{key}")
    return Source(kind, options)


def _option(kind_of, value, path):
    """A source option by its declared kind: number, str, clock (clock or business hours) or office_hours."""
    if kind_of == "number":
        return _number(value, path, positive=True)
    if kind_of == "clock":
        if value not in ("clock", "business"):
            _fail(path, "must be clock or business")
        return value
    if kind_of == "office_hours":
        text = _str(value, path)
        try:
            parse_office_hours(text)
        except ValueError as error:
            _fail(path, str(error))
        return text
    return _str(value, path)


def _node(data, path, inherited, max_points, part=False):
    """Check one rule application (an indicator's, or a part of a sum) and fill the defaults it implies."""
    allowed = PART_KEYS if part else INDICATOR_KEYS
    _mapping(data, path, ("rule",), allowed)
    if _str(data["rule"], f"{path}.rule") not in RULES:
        _fail(f"{path}.rule", f"unknown rule kind {data['rule']!r} (known: {', '.join(sorted(RULES))})")
    kind = RULES[data["rule"]]
    own = _source(data["source"], f"{path}.source") if "source" in data else None
    source = own or inherited
    if part:
        max_points = _number(data.get("max", 0), f"{path}.max", lo=ZERO)
    raw = data.get("params") or {}
    _mapping(raw, f"{path}.params", [k for k, s in kind.params.items() if not s.endswith("?") and k != kind.full],
             kind.params)
    params = {key: _param(kind.params[key].rstrip("?"), value, f"{path}.params.{key}", source)
              for key, value in raw.items()}
    if kind.full is not None:
        # the param that means "full marks" defaults to the node's max: 15 for attendance, 0 for a part
        params.setdefault(kind.full, max_points)
    if data["rule"] == "deduction" and "per" not in params and "categories" not in params:
        _fail(f"{path}.params", "deduction needs per or categories")
    inputs = {}
    if data["rule"] != "sum":
        if source is None:
            _fail(path, "needs a source")
        mapping = _mapping(data.get("inputs") or {}, f"{path}.inputs", (), kind.inputs)
        provides = SOURCES[source.kind].provides
        for name in kind.inputs:
            keys = mapping.get(name, name)
            keys = tuple(keys) if isinstance(keys, list) else (keys,)
            for key in keys:
                _str(key, f"{path}.inputs.{name}")
                if key not in provides:
                    _fail(f"{path}.inputs.{name}", f"source {source.kind!r} gives {', '.join(provides)}, not {key!r}")
            inputs[name] = keys
    label = _text(data, "label", path, required=False) if part else None
    if label is not None:
        try:
            label.zh.format(n=0), label.en.format(n=0)
        except (KeyError, IndexError, ValueError):
            _fail(f"{path}.label", "may use only the placeholder {n}")
    return Node(data["rule"], params, own, inputs, max_points, label)


def _indicator(data, path):
    _mapping(data, path, ("code", "name", "max", "rule"), INDICATOR_KEYS)
    code = _str(data["code"], f"{path}.code", CODE_RE)
    max_points = _number(data["max"], f"{path}.max", lo=ZERO)
    weight = _number(data["weight"], f"{path}.weight", positive=True) if "weight" in data else None
    if weight is not None and not max_points:
        _fail(f"{path}.weight", "a weighted indicator needs max > 0")
    period = data.get("period", "M")
    if period not in ("M", "Q"):
        _fail(f"{path}.period", "must be M (monthly) or Q (quarterly)")
    group = _str(data["group"], f"{path}.group") if "group" in data else None
    return Indicator(code, _text(data, "name", path), max_points, _node(data, path, None, max_points), weight,
                     group, period, _text(data, "description", path, required=False))


def _qualitative(value, path):
    _mapping(value, path, ("criteria",), ("criteria", "scale_max", "require_leader"))
    criteria = []
    for i, item in enumerate(_list(value["criteria"], f"{path}.criteria")):
        where = f"{path}.criteria[{i}]"
        _mapping(item, where, ("code", "name"), ("code", "name", "name_en"))
        criteria.append((_str(item["code"], f"{where}.code", CODE_RE), _text(item, "name", where)))
    scale_max = value.get("scale_max", 5)
    if isinstance(scale_max, bool) or not isinstance(scale_max, int) or scale_max < 1:
        _fail(f"{path}.scale_max", "must be a positive integer")
    return Qualitative(tuple(criteria), scale_max, _bool(value.get("require_leader", True), f"{path}.require_leader"))


def load_template(data):
    """Validate a template dict and return a Template; raises TemplateError naming the first problem found."""
    if isinstance(data, Template):
        return data
    _mapping(data, "", ("code", "name", "version", "effective_from", "indicators"), TEMPLATE_KEYS)
    code = _str(data["code"], "code", CODE_RE)
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        _fail("version", "must be a positive integer")
    indicators = tuple(_indicator(item, f"indicators[{i}]") for i, item in enumerate(_list(data["indicators"],
                                                                                           "indicators")))
    codes = [indicator.code for indicator in indicators]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        _fail("indicators", f"duplicate code(s) {', '.join(duplicates)}")
    if len({indicator.weight is None for indicator in indicators}) > 1:
        _fail("indicators", "give a weight to every indicator or to none")
    method = data.get("method", "normalised")
    if method not in ("normalised", "deduction"):
        _fail("method", "must be normalised or deduction")
    composition = _mapping(data.get("composition", {"quantitative": 1, "qualitative": 0}), "composition",
                           ("quantitative", "qualitative"), ("quantitative", "qualitative"))
    weights = (_number(composition["quantitative"], "composition.quantitative", lo=ZERO),
               _number(composition["qualitative"], "composition.qualitative", lo=ZERO))
    if sum(weights) != ONE:
        _fail("composition", "quantitative + qualitative must be 1")
    qualitative = _qualitative(data["qualitative"], "qualitative") if "qualitative" in data else None
    if bool(weights[1]) != (qualitative is not None):
        _fail("qualitative", "a qualitative section goes with a qualitative weight, and only with one")
    adjustments = _mapping(data.get("adjustments", {}), "adjustments", (), ("positive_cap",))
    cap = adjustments.get("positive_cap", POSITIVE_CAP)
    grades = _bands(data["grades"], "grades", result=_str) if "grades" in data else DEFAULT_GRADES
    return Template(
        code=code,
        name=_text(data, "name", ""),
        version=version,
        effective_from=_str(data["effective_from"], "effective_from", MONTH_RE),
        role=_str(data["role"], "role") if data.get("role") is not None else None,
        indicators=indicators,
        method=method,
        base=_number(data.get("base", 100), "base"),
        weights=weights,
        qualitative=qualitative,
        positive_cap=None if cap is None else _number(cap, "adjustments.positive_cap", lo=ZERO),
        grades=grades,
        requires_interview=_bool(data.get("requires_interview", False), "requires_interview"),
        data=data,
    )


def bundled_presets(directory=PRESETS):
    """The preset template dicts shipped in tracker/presets, by code (the app copies them into its database)."""
    presets = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        presets[data["code"]] = data
    return presets
