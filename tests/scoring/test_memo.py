"""The engine's memo (evaluate(..., memo=...), kept over one month's engineers) changes nothing: over random months
of every preset, each engineer's result with a shared memo equals the result without one, to the stored message,
value and record ids."""

import copy
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.scoring.test_monotone_property import SETTINGS, TEMPLATES, months
from tracker.scoring import messages
from tracker.scoring.engine import evaluate


def _same_counts_other_records(facts):
    """The same month with other record ids and the same numbers written with other exponents."""
    other = copy.deepcopy(facts)
    for fact in ("on_time", "rework_external", "rework_internal"):
        key = "late_ids" if fact == "on_time" else "unit_ids"
        other[fact][key] = [5000 + i for i in other[fact][key]]
    other["field_hours"] = other["field_hours"].quantize(D("0.01"))  # 7.5 -> 7.50: shown the same, stored apart
    other["expenses"] = other["expenses"].quantize(D("0.001"))
    return other


def _lines(evaluation):
    return [(line.code, line.applies, line.missing, repr(line.value), repr(line.points), messages.dumps(line.message),
             line.explanation, line.explanation_en, line.record_ids) for line in evaluation.indicators]


def _whole(evaluation):
    return (_lines(evaluation), evaluation.quantitative, evaluation.qualitative, evaluation.total, evaluation.grade,
            evaluation.bonus)


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_a_shared_memo_gives_every_engineer_the_result_they_get_alone(code):
    template = TEMPLATES[code]

    @SETTINGS
    @given(st.lists(months(code), min_size=1, max_size=4), st.data())
    def check(drawn, data):
        month = []
        for facts in drawn:  # each drawn month, a twin with other record ids, and now and then a plain repeat
            month += [facts, _same_counts_other_records(facts)]
            if data.draw(st.booleans(), label="repeat"):
                month.append(copy.deepcopy(facts))
        memo = {}
        for facts in month:
            shared = evaluate(template, facts, bonus_base=D(1000), memo=memo)
            alone = evaluate(template, facts, bonus_base=D(1000))
            assert _whole(shared) == _whole(alone)
        assert memo or not any(i.node.source for i in template.indicators)

    check()


def test_the_memo_is_used():
    """Two engineers with the same measures: the second one's lines are the first one's outcomes (same objects),
    with their own record ids."""
    template = TEMPLATES["engineer_monthly"]
    first = evaluate(template, _plain_month([1, 2]), memo=(memo := {}))
    second = evaluate(template, _plain_month([7, 8]), memo=memo)
    on_time = [line for line in (first.indicators, second.indicators) for line in line if line.code == "on_time"]
    assert on_time[0].message is on_time[1].message
    assert on_time[0].record_ids == {"work_orders": [1, 2]} and on_time[1].record_ids == {"work_orders": [7, 8]}


def _plain_month(late_ids):
    return {"attendance": {"counts": {}}, "field_hours": D("80"), "expenses": D("500"),
            "response": {"within": 10, "outside": 0, "pending": 0},
            "on_time": {"late_ids": late_ids, "has_deadline": True},
            "rework_external": {"unit_ids": [], "completed": 10}, "rework_internal": {"unit_ids": [], "completed": 10},
            "satisfaction": {"surveys": 2, "good": 2, "upheld_complaint_ids": []},
            "complaints": {"total": 0, "satisfied": 0}, "incidents": [], "metrics": {}, "ratings": {},
            "reviews": [], "adjustments": [], "veto": False}
