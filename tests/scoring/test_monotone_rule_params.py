"""Property: whatever numbers a template gives a rule, if the loader takes it, a bad event never raises Q and a good
one never lowers it (CONTRACT.md section 7, "the template editor refuses a template that would break it")."""

import copy
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.scoring.engine import evaluate
from tracker.scoring.errors import TemplateError
from tracker.scoring.template import load_template

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
points = st.integers(-5, 20).map(D)
limits = st.integers(-4, 12).map(lambda tenths: D(tenths) / 5)  # -0.8 … 2.4, shares and ratios both sides of 1


@st.composite
def bands(draw):
    thresholds = sorted(set(draw(st.lists(limits, min_size=1, max_size=4))), reverse=True)
    return [[float(t), float(draw(points))] for t in thresholds]


def side(draw):
    return {"points": float(draw(st.integers(-5, 5))), "step": draw(st.sampled_from([0.1, 0.5, 1]))}


@st.composite
def params(draw, rule):
    """Random numbers for `rule`, each optional parameter present or not."""
    drawn = {}

    def maybe(key, strategy):
        if draw(st.booleans()):
            drawn[key] = draw(strategy)

    if rule == "band":
        drawn["bands"] = draw(bands())
        maybe("below", points.map(float))
        maybe("if_none", points.map(float))
    elif rule == "linear":
        maybe("points", points.map(float))
        maybe("target", limits.map(float))
        maybe("cap_rate", st.booleans())
        maybe("if_none", points.map(float))
    else:
        maybe("lo", limits.map(float))
        maybe("hi", limits.map(float))
        maybe("base", points.map(float))
        maybe("floor", points.map(float))
        maybe("cap", points.map(float))
        if draw(st.booleans()):
            drawn["below"] = side(draw)
        if draw(st.booleans()):
            drawn["above"] = side(draw)
        maybe("steps", st.sampled_from(["ceil", "exact"]))
    return drawn


@st.composite
def templates(draw):
    """A template of field hours (so Q has something else to average) and one indicator with random numbers."""
    kind = draw(st.sampled_from(["response", "satisfaction", "complaints", "expense"]))
    rule = draw(st.sampled_from(["band", "linear", "range"]))
    tested = {"code": "tested", "name": "被测", "max": draw(st.integers(1, 20)), "rule": rule,
              "source": {"kind": "expense", "per_hour": 60} if kind == "expense" else kind,
              "params": draw(params(rule))}
    if kind == "satisfaction" and draw(st.booleans()):
        # as in the default template: the band a part of a sum that also deducts per upheld complaint
        part = {"rule": rule, "params": tested.pop("params")}
        tested.update(rule="sum", params={"floor": 0, "parts": [part, {
            "rule": "deduction", "inputs": {"events": "complaints"}, "params": {"per": 3}}]})
    applies = draw(st.sampled_from([None, "always", "with_data"]))
    if applies is not None:
        tested["applies"] = applies
    return {"code": "random", "name": "随机", "version": 1, "effective_from": "2026-01", "indicators": [
        {"code": "field_hours", "name": "外勤工时", "max": 20, "source": "field_hours", "rule": "linear",
         "params": {"target": 100}}, tested]}


def often_none(strategy):
    """0 one time in two: a month without data is where the first record turns a score."""
    return st.one_of(st.just(0), strategy)


@st.composite
def months(draw):
    surveys, complaints = draw(often_none(st.integers(1, 4))), draw(often_none(st.integers(1, 4)))
    return {"field_hours": D(draw(often_none(st.integers(1, 80)))) / 2,
            "expenses": D(draw(often_none(st.integers(1, 40000)))) / 100,
            "response": {"within": draw(often_none(st.integers(1, 3))), "outside": draw(often_none(st.integers(1, 3)))},
            "satisfaction": {"surveys": surveys, "good": draw(st.integers(0, surveys)),
                             "upheld_complaint_ids": list(range(draw(st.integers(0, 2))))},
            "complaints": {"total": complaints, "satisfied": draw(st.integers(0, complaints))}}


def _changed(facts, change):
    facts = copy.deepcopy(facts)
    change(facts)
    return facts


BAD = {
    "late response": lambda f: f["response"].update(outside=f["response"]["outside"] + 1),
    "low survey": lambda f: f["satisfaction"].update(surveys=f["satisfaction"]["surveys"] + 1),
    "expense": lambda f: f.update(expenses=f["expenses"] + D("88.80")),
    "upheld complaint, not resolved": lambda f: (f["satisfaction"]["upheld_complaint_ids"].append(9),
                                                 f["complaints"].update(total=f["complaints"]["total"] + 1)),
}
GOOD = {
    "trip": lambda f: f.update(field_hours=f["field_hours"] + D("0.5")),
    "timely response": lambda f: f["response"].update(within=f["response"]["within"] + 1),
    "high survey": lambda f: f["satisfaction"].update(surveys=f["satisfaction"]["surveys"] + 1,
                                                      good=f["satisfaction"]["good"] + 1),
    "complaint resolved to satisfaction": lambda f: f["complaints"].update(
        total=f["complaints"]["total"] + 1, satisfied=f["complaints"]["satisfied"] + 1),
}


@pytest.mark.parametrize("events, sign", [(BAD, -1), (GOOD, 1)], ids=["bad", "good"])
def test_a_template_the_loader_takes_keeps_q_monotone_whatever_its_numbers(events, sign):
    @SETTINGS
    @given(data=templates(), facts=months(), event=st.sampled_from(sorted(events)))
    def check(data, facts, event):
        try:
            template = load_template(data)
        except TemplateError:
            return
        before = evaluate(template, facts).quantitative
        after = evaluate(template, _changed(facts, events[event])).quantitative
        assert sign * (after - before) >= 0, f"{event}: Q {before} → {after} with {data['indicators'][1]}"

    check()
