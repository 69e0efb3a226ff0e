"""Sources: read one kind of fact (see facts.py) into the plain inputs rules take, plus applies/value/record ids."""

from dataclasses import dataclass, field
from decimal import Decimal
from collections.abc import Callable

from tracker.scoring import business_hours
from tracker.scoring.decimals import ONE, ZERO, D, fmt
from tracker.scoring.errors import FactsError
from tracker.scoring.facts import STATUSES
from tracker.scoring.messages import Msg

INFINITY = Decimal("Infinity")
SHARE = (ZERO, ONE)


@dataclass(frozen=True)
class Measure:
    """What a source found: whether it has data, the shown value, rule inputs and the records behind it.

    `applies` false means "no data this month": only a share or ratio (mode with_data) is left out for it, and an
    optional part of a sum. `missing` means a hand entry the template needs has not been made; the inputs then
    hold the template's stand-in (if_missing) or None (the indicator counts 0 until it is entered).
    """

    applies: bool
    value: object
    inputs: dict
    record_ids: dict = field(default_factory=dict)
    details: Msg | None = None
    missing: bool = False


@dataclass(frozen=True)
class SourceKind:
    """A registered source: its reader, the inputs it provides, the options a template may set, when it has data
    (mode: always; with_data, a share or ratio the month may lack; entered, by hand) and which way each input
    runs (up: more is better, down: more is worse; absent: the template decides).

    `bounds` gives, for an input a month may lack, the least and the greatest value it can take: the first record of
    a month without data gives one of them (a share: 0% or 100%; the expense ratio: 0 for a trip, ∞ for an expense
    without hours). `none` names the inputs that are None in a month without data (the rule's if_none counts).
    """

    fn: Callable
    provides: tuple
    options: dict
    mode: str = "always"
    direction: dict = field(default_factory=dict)
    bounds: dict = field(default_factory=dict)
    none: tuple = ()
    types: dict = field(default_factory=dict)  # what each input is (COUNT, NUMBER, ...: COUNT when not named)


SOURCES = {}
UP, DOWN = "up", "down"
# NEUTRAL: moved only by events that are neither good nor bad (annual leave, a business trip); MIXED: moved the same
# way by a good and by a bad event (a complaint resolved to satisfaction raises the share of satisfied complaints,
# yet every upheld complaint is a bad event), so no rule may read it and stay monotone.
NEUTRAL, MIXED = "neutral", "mixed"


# What an input is, so that a template applies a rule only to what it can score: a count of events (an int), a number
# (hours, a share, a ratio, an entered metric), the incidents themselves (each with its category) or the ratings.
COUNT, NUMBER, INCIDENTS, RATINGS = "count", "number", "incidents", "ratings"


def source(name, *, provides, options=None, mode="always", direction=None, bounds=None, none=(), types=None):
    """Register fn(facts, options, code) -> Measure as source kind `name`."""

    def register(fn):
        SOURCES[name] = SourceKind(fn, tuple(provides), dict(options or {}), mode, dict(direction or {}),
                                   dict(bounds or {}), tuple(none), dict(types or {}))
        return fn

    return register


def _count(value, what):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FactsError(f"{what} must be a count (int ≥ 0), got {value!r}")
    return value


def _amount(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise FactsError(f"{what} must be a Decimal, got {value!r}")
    return Decimal(value)


@source("attendance", provides=STATUSES,
        direction={"present": UP, "annual_leave": NEUTRAL, "business_trip": NEUTRAL}
        | {s: DOWN for s in ("late", "early_leave", "absent", "personal_leave", "sick_leave")})
def attendance(facts, options, code):
    """Counts per status (missing = 0); always applies since a workday without a record counts as present."""
    fact = facts.get("attendance") or {}
    counts = fact.get("counts") or {}
    unknown = set(counts) - set(STATUSES)
    if unknown:
        raise FactsError(f"attendance: unknown status {sorted(unknown)}")
    inputs = {status: _count(counts.get(status, 0), f"attendance.{status}") for status in STATUSES}
    value = {status: n for status, n in inputs.items() if n and status != "present"}
    inputs["present"] += inputs["business_trip"]  # a day away on business counts as present (CONTRACT 4)
    return Measure(True, value, inputs, {"attendance_days": list(fact.get("day_ids", []))})


@source("field_hours", provides=("value",), direction={"value": UP}, types={"value": NUMBER})
def field_hours(facts, options, code):
    """The month's field hours; always applies."""
    hours = _amount(facts.get("field_hours", ZERO), "field_hours")
    return Measure(True, hours, {"value": hours}, _itinerary_ids(facts, "trips"), Msg("field_hours", {"hours": hours}))


def _itinerary_ids(facts, *tables):
    """The record ids of the month's trips and/or expenses (the sums behind field hours and expenses)."""
    ids = {table: list(facts.get(ITINERARY_FACTS[table], ())) for table in tables}
    return {table: row_ids for table, row_ids in ids.items() if row_ids}


ITINERARY_FACTS = {"trips": "trip_ids", "expenses": "expense_ids"}


# `clock`: "clock" (default) measures in clock hours, as the SQL facts do; "business" measures in working time:
# `office_hours` (default 08:30-17:30) on the workdays of the calendar the facts carry, holidays excluded.
SLA_OPTIONS = {"clock": "clock?", "office_hours": "office_hours?"}
RESPONSE_LIMIT_SECONDS = 2 * 3600


def _business(options):
    """The office hours when the template measures in working time, else None (clock hours)."""
    if options.get("clock", "clock") != "business":
        return None
    try:
        return business_hours.parse_office_hours(options.get("office_hours", business_hours.DEFAULT_OFFICE_HOURS))
    except ValueError as error:
        raise FactsError(str(error)) from None


def _working(facts, office, start, end):
    return business_hours.working_seconds(start, end, office, facts.get("workdays") or {})


@source("response", provides=("value",), options=SLA_OPTIONS, mode="with_data",
        direction={"value": UP}, bounds={"value": SHARE}, none=("value",), types={"value": NUMBER})
def response(facts, options, code):
    """Share of counted orders answered in time; applies when an order counts (pending ones do not)."""
    fact = facts.get("response") or {}
    office = _business(options)
    if office is None:
        within = _count(fact.get("within", 0), "response.within")
        counted = within + _count(fact.get("outside", 0), "response.outside")
        outside_ids = list(fact.get("outside_ids", []))
        details = Msg("response", {"within": str(within), "counted": str(counted)})
    else:
        within, outside_ids = _business_response(facts, fact, office)
        counted = within + len(outside_ids)
        limit = Decimal(fact.get("limit_seconds", RESPONSE_LIMIT_SECONDS)) / 3600
        details = Msg("response.business", {"within": str(within), "counted": str(counted), "limit": limit,
                                            "hours": str(office)})
    share = Decimal(within) / counted if counted else None
    return Measure(counted > 0, share, {"value": share}, {"work_orders": outside_ids}, details)


def _business_response(facts, fact, office):
    """(within, outside ids) in working time: answered within the limit; outside when answered later, or when
    still unanswered once the limit of working time has passed by `as_of` (before that it is left out)."""
    limit = fact.get("limit_seconds", RESPONSE_LIMIT_SECONDS)
    as_of = facts.get("as_of")
    within, outside = 0, []
    for order in fact.get("orders", []):
        if order.get("responded_at") is not None:
            if _working(facts, office, order["reported_at"], order["responded_at"]) <= limit:
                within += 1
            else:
                outside.append(order["id"])
        elif as_of is not None and _working(facts, office, order["reported_at"], as_of) > limit:
            outside.append(order["id"])
    return within, outside


@source("on_time", provides=("events",), options=SLA_OPTIONS, direction={"events": DOWN})
def on_time(facts, options, code):
    """Late orders (with a deadline in the month); a deduction, so it has data every month (none late: none)."""
    fact = facts.get("on_time") or {}
    office = _business(options)
    if office is None:
        late = list(fact.get("late_ids", []))
        details = Msg("on_time", {"late": str(len(late))})
    else:
        # late in working time: some office time passed between the deadline and completion (or as_of)
        as_of = facts.get("as_of")
        late = [order["id"] for order in fact.get("orders", [])
                if (order.get("completed_at") or as_of) is not None
                and _working(facts, office, order["deadline_at"], order.get("completed_at") or as_of) > 0]
        details = Msg("on_time.business", {"late": str(len(late)), "hours": str(office)})
    return Measure(True, len(late), {"events": len(late)}, {"work_orders": late}, details)


@source("rework", provides=("units", "of"), options={"fact": "choice:rework_external,rework_internal"},
        direction={"units": DOWN, "of": UP})
def rework(facts, options, code):
    """Rework units charged and orders completed; every month has them (none: nothing over the allowance)."""
    fact = facts.get(options["fact"]) or {}
    units = list(fact.get("unit_ids", []))
    completed = _count(fact.get("completed", 0), f"{options['fact']}.completed")
    details = Msg("rework", {"units": str(len(units)), "completed": str(completed)})
    return Measure(True, len(units), {"units": len(units), "of": completed}, {"work_orders": units}, details)


@source("satisfaction", provides=("value", "complaints"), direction={"value": UP, "complaints": DOWN},
        bounds={"value": SHARE}, none=("value",), types={"value": NUMBER})
def satisfaction(facts, options, code):
    """Share of good surveys (None without surveys: the rule's if_none) and upheld complaints; every month."""
    fact = facts.get("satisfaction") or {}
    surveys = _count(fact.get("surveys", 0), "satisfaction.surveys")
    good = _count(fact.get("good", 0), "satisfaction.good")
    if good > surveys:
        raise FactsError("satisfaction: more good surveys than surveys")
    complaints = list(fact.get("upheld_complaint_ids", []))
    share = Decimal(good) / surveys if surveys else None
    details = (Msg("satisfaction", {"good": str(good), "surveys": str(surveys)}) if surveys
               else Msg("satisfaction.none"))
    return Measure(True, share, {"value": share, "complaints": len(complaints)},
                   {"surveys": list(fact.get("low_ids", [])), "complaints": complaints}, details)


@source("expense", provides=("value",), options={"per_hour": "number"}, mode="with_data",
        direction={"value": DOWN}, bounds={"value": (ZERO, INFINITY)}, types={"value": NUMBER})
def expense(facts, options, code):
    """ratio = expenses / (field hours × per_hour); infinite with expenses but no hours; applies when either."""
    hours = _amount(facts.get("field_hours", ZERO), "field_hours")
    spent = _amount(facts.get("expenses", ZERO), "expenses")
    if hours:
        ratio = spent / (hours * options["per_hour"])
        shown = fmt(ratio, 4)
        exact = D(shown) == ratio  # else "≈": the equation does not pretend 1.1 where it is 1.1000167
        details = Msg("expense" if exact else "expense.approx", {"expenses": spent, "hours": hours,
                                                                  "per_hour": options["per_hour"], "ratio": shown})
        return Measure(True, ratio, {"value": ratio}, _itinerary_ids(facts, "expenses", "trips"), details)
    # no hours to set the allowance: any spending is over it without bound (0 points), no spending is no case
    return Measure(spent > 0, None, {"value": INFINITY}, _itinerary_ids(facts, "expenses", "trips"),
                   Msg("expense.no_hours", {"expenses": spent}))


@source("metric", provides=("value", "actual", "plan"),
        options={"key": "str?", "required": "bool?", "if_missing": "amount?"}, mode="entered",
        types={"value": NUMBER, "actual": NUMBER, "plan": NUMBER})
def metric(facts, options, code):
    """An entered metric: actual / plan when a plan is given, else actual.

    Not entered: missing (the stand-in `if_missing` counts as the actual, else the indicator counts 0), or, for an
    optional part (required: false), no data.
    """
    entry = (facts.get("metrics") or {}).get(options.get("key", code))
    if entry is None:
        if not options.get("required", True):
            return Measure(False, None, {"value": None, "actual": None, "plan": None})
        stand_in = options.get("if_missing")
        if stand_in is None:
            return Measure(True, None, {"value": None, "actual": None, "plan": None}, missing=True)
        return Measure(True, stand_in, {"value": stand_in, "actual": stand_in, "plan": None}, missing=True,
                       details=Msg("metric.missing_as", {"value": stand_in}))
    actual = _amount(entry.get("actual"), f"metrics.{code}.actual")
    plan = entry.get("plan")
    ids = {"metric_entries": [entry["id"]] if "id" in entry else []}
    if plan is None:
        # the rule shows a plain value itself (band, range), so no sentence of its own
        return Measure(True, actual, {"value": actual, "actual": actual, "plan": None}, ids)
    plan = _amount(plan, f"metrics.{code}.plan")
    if plan <= 0:
        raise FactsError(f"metrics.{code}: plan must be positive")
    rate = actual / plan
    return Measure(True, rate, {"value": rate, "actual": actual, "plan": plan}, ids,
                   Msg("metric.rate", {"actual": actual, "plan": plan}))


@source("incidents", provides=("events",), options={"key": "str?"}, direction={"events": DOWN},
        types={"events": INCIDENTS})
def incidents(facts, options, code):
    """Incidents recorded against this indicator; always applies (none recorded = nothing to deduct)."""
    key = options.get("key", code)
    found = [incident for incident in facts.get("incidents") or [] if incident.get("indicator") == key]
    return Measure(True, len(found), {"events": found}, {"incidents": [i["id"] for i in found if "id" in i]})


@source("rating", provides=("ratings",), options={"key": "str?"}, mode="entered", types={"ratings": RATINGS})
def rating(facts, options, code):
    """Ratings entered for this indicator by the groups the template counts (each carrying its group's weight);
    missing while a group the template requires has not rated."""
    raters = options.get("raters")
    found = list((facts.get("ratings") or {}).get(options.get("key", code), []))
    if raters is not None:
        weights = raters.weights or {}
        found = [dict(r, weight=weights[r.get("group")]) if weights else r
                 for r in found if r.get("group") in raters.groups]
        missing = any(group not in {r.get("group") for r in found} for group in raters.required)
    else:
        missing = not found
    ids = {"ratings": [r["id"] for r in found if "id" in r]}
    if missing or not found:
        return Measure(True, None, {"ratings": None}, ids, missing=True)
    return Measure(True, None, {"ratings": found}, ids)


@source("complaints", provides=("value", "unsatisfied"), direction={"value": MIXED, "unsatisfied": DOWN},
        bounds={"value": SHARE}, none=("value",), types={"value": NUMBER})
def complaints(facts, options, code):
    """Complaints not resolved to the customer's satisfaction (`unsatisfied`, a count: every month has it, so a
    complaint, however well handled, never adds), and the share resolved to satisfaction (`value`, None without
    complaints), which only versions stored before this rule may still read: a second, well-handled complaint
    raises it."""
    fact = facts.get("complaints") or {}
    total = _count(fact.get("total", 0), "complaints.total")
    satisfied = _count(fact.get("satisfied", 0), "complaints.satisfied")
    share = Decimal(satisfied) / total if total else None
    details = Msg("complaints", {"total": str(total), "satisfied": str(satisfied)})
    return Measure(True, share, {"value": share, "unsatisfied": total - satisfied},
                   {"complaints": list(fact.get("unsatisfied_ids", []))}, details)
