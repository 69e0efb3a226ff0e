"""evaluate(template, facts): every indicator's points and explanation, then Q, L, A, veto, T, grade and bonus."""

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property

from tracker.scoring.decimals import ZERO, fmt, fmt_signed, round2
from tracker.scoring.measures import SOURCES
from tracker.scoring.messages import Msg, Text, render
from tracker.scoring.rules import RULES
from tracker.scoring.template import load_template
from tracker.scoring.totals import adjustment_total, bonus, compose, grade, qualitative, quantitative


MISSING = object()  # _run's outcome for a missing hand entry without a stand-in


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator for one month; points are exact (round2 them to store or show), None when it does not apply.

    `message` is the sentence that links value and points, as data (messages.Msg); explanation and explanation_en
    render it when asked (the app stores the message, messages.dumps, and renders it when read).
    """

    code: str
    name: str
    name_en: str
    applies: bool
    value: object
    points: Decimal | None
    max_points: Decimal
    message: Msg
    record_ids: dict = field(default_factory=dict)
    weight: Decimal | None = None
    group: str | None = None
    missing: bool = False

    @cached_property
    def explanation(self):
        return render(self.message, "zh")

    @cached_property
    def explanation_en(self):
        return render(self.message, "en")

    def with_records(self, record_ids):
        """The same line with other record ids (another engineer's line with the same measure): a copy of this
        one's fields, made without the frozen dataclass's per-field __init__."""
        line = object.__new__(IndicatorResult)
        line.__dict__.update(self.__dict__, record_ids=record_ids)
        return line

    @property
    def state(self):
        """missing (a hand entry the template needs is not made), applies, or not_applicable."""
        if self.missing:
            return "missing"
        return "applies" if self.applies else "not_applicable"


@dataclass(frozen=True)
class Evaluation:
    """A month's result. Q and L are exact; total is T rounded to 2 places, the value grade and bonus come from."""

    template: str
    version: int
    indicators: tuple
    quantitative: Decimal | None
    qualitative: Decimal | None
    qualitative_groups: dict
    adjustments: Decimal
    vetoed: bool
    total: Decimal | None
    grade: str | None
    bonus: Decimal | None

    @property
    def pending(self):
        """True while the total waits for something (a leader review, or any applicable indicator)."""
        return self.total is None

    @property
    def missing(self):
        """Codes of the indicators whose hand entry is missing: the total is provisional until they are made."""
        return tuple(row.code for row in self.indicators if row.missing)


def evaluate(template, facts, *, bonus_base=None, memo=None):
    """Score facts (see facts.py) with a template dict or Template; pure: reads its arguments, changes nothing.

    `memo`, a dict kept over the engineers of one computation with the same Template objects, lets an indicator
    whose measure equals one already scored reuse that line (see score_indicator); the result is the same.
    """
    template = load_template(template)
    rows = tuple(score_indicator(indicator, facts, memo) for indicator in template.indicators)
    q = quantitative(((r.points, r.max_points, r.weight, r.group) for r in rows if r.applies), template.method,
                     template.base, {section.code: section.weight for section in template.sections},
                     possible=template.possible)
    l, groups = None, {}
    if template.qualitative is not None:
        q_spec = template.qualitative
        l, groups = qualitative(facts.get("reviews") or [], [code for code, _ in q_spec.criteria],
                                q_spec.scale_max, q_spec.raters)
    a = adjustment_total(facts.get("adjustments") or [], template.positive_cap)
    vetoed = bool(facts.get("veto"))
    total = round2(compose(q, l, a, vetoed=vetoed, weights=template.weights))
    return Evaluation(template.code, template.version, rows, q, l, groups, a, vetoed, total,
                      grade(total, template.grades), None if bonus_base is None else bonus(total, bonus_base))


def score_indicator(indicator, facts, memo=None):
    """One indicator: its source's measure, the rule's outcome, and the sentence that links them.

    It applies every month unless it is a share or ratio (applies: with_data) without data. A hand entry the
    template needs and nobody made leaves it `missing`: it counts what the template's stand-in gives, else 0,
    until the entry is made (never more than an entry could give, so entering never lowers the total).

    Everything but the record ids is a function of the indicator and its measure (a sum whose parts read sources
    of their own aside): with a memo, a measure whose inputs, value and details are written the same as one
    already scored (repr: exact, a Decimal keeps its exponent) reuses that line's outcome and sentence.
    """
    if not indicator.counts_in(facts.get("month")):
        msg = Msg("indicator.quarterly", {"name": indicator.name})
        return IndicatorResult(indicator.code, indicator.name.zh, indicator.name.en, False, None, None, indicator.max,
                               msg, {}, indicator.weight, indicator.group)
    node = indicator.node
    measure = _read(node.source, facts, indicator.code) if node.source else None
    key = None
    if memo is not None and measure is not None and indicator.self_contained:
        key = (id(indicator), repr((measure.applies, measure.missing, measure.inputs, measure.value,
                                    measure.details)))
        indicator_seen, seen = memo.get(key, (None, None))
        if indicator_seen is indicator:  # the very indicator (the memo keeps it, so its id is not reused)
            return seen.with_records(_distinct(measure.record_ids))
    result = _score(indicator, facts, measure)
    if key is not None:
        memo[key] = (indicator, result)
    return result


def _score(indicator, facts, measure):
    node = indicator.node
    outcome, measures, missing = _run(node, facts, indicator.code, measure, indicator.applies == "with_data")
    used = ([measure] if measure else []) + measures
    record_ids = _merge(m.record_ids for m in used)
    name = indicator.name
    if outcome is None:
        value = measure.value if measure else None
        msg = Msg("indicator.bare_not_applicable", {"name": name})
        return IndicatorResult(indicator.code, name.zh, name.en, False, value, None, indicator.max, msg, record_ids,
                               indicator.weight, indicator.group)
    if outcome is MISSING:
        msg = Msg("indicator.missing", {"name": name, "max": indicator.max})
        return IndicatorResult(indicator.code, name.zh, name.en, True, None, ZERO, indicator.max, msg, record_ids,
                               indicator.weight, indicator.group, True)
    value = outcome.value if outcome.value is not None else (measure.value if measure else None)
    details = [d for d in ((measure.details if measure else None), outcome.details) if d is not None]
    key = "indicator.missing_as" if missing else "indicator"
    msg = Msg(key, {"name": name, "details": details or Msg("no_deduction"), "points": outcome.points,
                    "max": indicator.max})
    return IndicatorResult(indicator.code, name.zh, name.en, True, value, outcome.points, indicator.max, msg,
                           record_ids, indicator.weight, indicator.group, missing)


def _read(source, facts, code):
    return SOURCES[source.kind].fn(facts, source.options, code)


def _run(node, facts, code, measure, with_data):
    """(Outcome, None when it does not apply, or MISSING; the measures parts read on their own; missing)."""
    kind = RULES[node.rule]
    if measure is not None and not measure.missing and not measure.applies and with_data:
        return None, [], False
    if node.rule == "sum":
        parts, measures, missing = [], [], False
        for part in node.params["parts"]:
            own = _read(part.source, facts, code) if part.source else None
            # a part left without data (an optional entry, a share of nothing) adds nothing
            outcome, deeper, part_missing = _run(part, facts, code, own or measure, True)
            measures += ([own] if own else []) + deeper
            missing = missing or part_missing
            if outcome is MISSING:
                return MISSING, measures, True
            if outcome is not None:
                parts.append(_as_part(part, outcome, own))
        if measure is None and not parts:
            return None, measures, missing  # a sum of own-sourced parts applies when one of them does
        return kind.fn({"parts": parts}, node.params), measures, missing
    inputs = {name: _resolve(measure.inputs, keys) for name, keys in node.inputs.items()}
    if measure.missing and any(value is None for value in inputs.values()):
        return MISSING, [], True
    outcome = kind.fn(inputs, node.params)
    if node.label is not None and outcome.details is not None:
        # a part's label ("事假/病假 {n} 天") says it better than the rule's generic wording
        n = next(iter(inputs.values()))
        n = len(n) if isinstance(n, list) else n
        try:
            label = Text(node.label.zh.format(n=_show(n)), node.label.en.format(n=_show(n)))
        except (ValueError, KeyError, IndexError, AttributeError, TypeError):
            label = None  # a label stored before labels were checked as the engine fills them: the rule's wording
        if label is not None:
            outcome = replace(outcome, details=Msg("label", {"label": label}))
    return outcome, [], measure.missing


def _as_part(part, outcome, own):
    """A part's outcome with its sentence: what was found, how it counted, and the points it added or took."""
    details = [d for d in ((own.details if own else None), outcome.details) if d is not None]
    if not details:
        return outcome
    return replace(outcome, details=Msg("part", {"details": details, "delta": fmt_signed(outcome.points)}))


def _resolve(inputs, keys):
    if len(keys) == 1:
        return inputs[keys[0]]
    values = [inputs[key] for key in keys]
    return None if None in values else sum(values)


def _show(value):
    return fmt(value) if isinstance(value, Decimal) else str(value)


def _distinct(record_ids):
    """One measure's record ids, per table in first-seen order without repeats (as _merge gives them)."""
    return {table: list(dict.fromkeys(ids)) for table, ids in record_ids.items()}


def _merge(record_ids_list):
    """The record ids of several measures, per table in first-seen order without repeats."""
    merged = {}
    for record_ids in record_ids_list:
        for table, ids in record_ids.items():
            merged.setdefault(table, {}).update(dict.fromkeys(ids))
    return {table: list(ids) for table, ids in merged.items()}
