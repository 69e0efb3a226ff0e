"""What a KPI template needs entered by hand (录入), by key: incidents, monthly metrics and ratings."""

from dataclasses import dataclass, field
from decimal import Decimal

from tracker.scoring.rules import DEFAULT_SCALE


@dataclass
class IncidentSpec:
    """An indicator that deducts per recorded incident: by category (fixed or ranged amounts) or per event."""

    key: str
    indicator: object
    categories: dict = field(default_factory=dict)  # code -> Category(name, lo, hi)
    per: Decimal | None = None


@dataclass
class MetricSpec:
    """A monthly quantity to enter: plan and actual when the rule scores a completion rate; `percent` when the rule
    reads the actual itself as a share (a band, a range in percent: 0.85 is 85%), which people write as 85."""

    key: str
    indicator: object
    rule: str
    wants_plan: bool
    percent: bool = False
    optional: bool = False  # a part the template takes only when entered (required: false): nothing is missing
    past_full: bool = False  # a share above 100% means something to the rule (a completion range of 90%–110%)


def reads_share(node):
    """Whether a rule reads a plain entered value as a share (0.85 = 85%): bands, and ranges marked percent."""
    return node.rule == "band" or (node.rule == "range" and bool(node.params.get("percent")))


def reads_past_full(node):
    """Whether a share may pass 100%: a percent range without an upper bound or with one above 100% (We.Do
    completions, 90%–110%: a completion rate), not one ending at or below it (answered in time, 90%–98%)."""
    params = node.params
    return node.rule == "range" and bool(params.get("percent")) and ("hi" not in params or params["hi"] > 1)


@dataclass
class RatingSpec:
    """A manual judgement: a level of the scale (rating) or points within [lo, hi] (manual)."""

    key: str
    indicator: object
    rule: str
    scale: tuple = ()
    lo: Decimal | None = None
    hi: Decimal | None = None
    levels: tuple = ()


@dataclass
class EntrySpecs:
    incidents: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    ratings: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.incidents or self.metrics or self.ratings)


def entry_specs(template, month=None):
    """What a Template needs entered by hand, by key (the source's `key`, default the indicator code); for `month`,
    without the quarterly lines when it ends no quarter (they count, and are entered, in March, June, September
    and December only)."""
    specs = EntrySpecs()
    if template is None:
        return specs
    for indicator in template.indicators:
        if not indicator.counts_in(month):
            continue
        _walk(indicator, indicator.node, None, specs)
    return specs


def quarterly_key(template, key, bucket):
    """Whether `key` is an entry of a quarterly line of the template (`bucket`: incidents, metrics or ratings)."""
    spec = getattr(entry_specs(template), bucket).get(key)
    return spec is not None and spec.indicator.period == "Q"


def _walk(indicator, node, inherited, specs):
    source = node.source or inherited
    if node.rule == "sum":
        for part in node.params["parts"]:
            _walk(indicator, part, source, specs)
        return
    if source is None:
        return
    key = source.options.get("key", indicator.code)
    if source.kind == "incidents":
        spec = specs.incidents.setdefault(key, IncidentSpec(key, indicator))
        if node.rule == "deduction":
            spec.categories.update(node.params.get("categories") or {})
            if "per" in node.params and spec.per is None:
                spec.per = node.params["per"]
    elif source.kind == "metric":
        # a linear rule scores actual / plan; band and range rules read the plain actual (a count, a score)
        specs.metrics.setdefault(key, MetricSpec(key, indicator, node.rule, node.rule == "linear", reads_share(node),
                                                 optional=source.options.get("required", True) is False,
                                                 past_full=reads_past_full(node)))
    elif source.kind == "rating" and node.rule == "rating":
        specs.ratings.setdefault(key, RatingSpec(key, indicator, "rating", scale=node.params.get("scale",
                                                                                                  DEFAULT_SCALE)))
    elif source.kind == "rating" and node.rule == "manual":
        specs.ratings.setdefault(key, RatingSpec(key, indicator, "manual", lo=node.params.get("lo", Decimal(0)),
                                                 hi=node.params["hi"], levels=node.params.get("levels", ())))
