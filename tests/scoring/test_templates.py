"""Templates are data: the loader accepts every bundled preset and refuses bad templates with a clear error."""

import copy
import re
from decimal import Decimal

import pytest

from tracker.scoring.errors import TemplateError
from tracker.scoring.presets import PRESETS, bundled_presets
from tracker.scoring.template import load_template

PRESET_DATA = bundled_presets()
ROLES = ["服务部长", "前台主管", "技术经理", "备件经理", "保险经理", "质检员", "服务IT信息员", "索赔员", "休息区接待员",
         "接待员", "引导员"]

MINIMAL = {"code": "tiny", "name": "测试", "version": 1, "effective_from": "2026-01",
           "indicators": [{"code": "hours", "name": "工时", "max": 10, "source": "field_hours", "rule": "linear",
                           "params": {"target": 100}}]}


@pytest.mark.parametrize("code", sorted(PRESET_DATA))
def test_every_bundled_preset_loads(code):
    template = load_template(PRESET_DATA[code])
    assert template.code == code
    assert template.name.zh and template.name.en
    assert re.match(r"^\d{4}-\d{2}$", template.effective_from)


def test_each_preset_file_is_named_after_its_code():
    assert sorted(path.stem for path in PRESETS.glob("*.yaml")) == sorted(PRESET_DATA)


def test_every_seed_form_has_a_preset():
    assert {data["form"] for data in PRESET_DATA.values()} == set(range(1, 10))


def test_form_8_has_one_preset_per_role():
    assert sorted(d["position"] for d in PRESET_DATA.values() if d["form"] == 8) == sorted(ROLES)


def test_the_default_template_is_the_engineer_role_default():
    assert [code for code, d in PRESET_DATA.items() if d.get("role") == "engineer"] == ["engineer_monthly"]


def test_the_minimal_template_loads():
    assert load_template(MINIMAL).indicators[0].node.params["points"] == 10   # full marks default to max


def first(data):
    return data["indicators"][0]


def sum_of_own_sources(data):
    first(data).update(rule="sum", params={"parts": [{"rule": "linear", "max": 5}]})
    del first(data)["source"]


BAD = [
    ("missing code", lambda d: d.pop("code"), "missing code"),
    ("unknown key", lambda d: d.update(colour="red"), "unknown key(s) colour"),
    ("bad code", lambda d: d.update(code="Tiny Template"), "code: 'Tiny Template' is not in the expected form"),
    ("bad month", lambda d: d.update(effective_from="2026-13"), "effective_from"),
    ("bad version", lambda d: d.update(version=0), "version: must be a positive integer"),
    ("no indicators", lambda d: d.update(indicators=[]), "indicators: must be a non-empty list"),
    ("unknown rule", lambda d: first(d).update(rule="magic"), "indicators[0].rule: unknown rule kind 'magic'"),
    ("unknown source", lambda d: first(d).update(source="horoscope"), "unknown source 'horoscope'"),
    ("no source", lambda d: first(d).pop("source"), "indicators[0]: needs a source"),
    ("max as text", lambda d: first(d).update(max="10"), "indicators[0].max: must be a number"),
    ("negative max", lambda d: first(d).update(max=-1), "indicators[0].max: must be a number ≥ 0"),
    ("unknown param", lambda d: first(d)["params"].update(slope=2), "params: unknown key(s) slope"),
    ("param type", lambda d: first(d)["params"].update(cap_rate="yes"), "cap_rate: must be true or false"),
    ("missing param", lambda d: first(d).update(source="response", rule="band", params={}), "missing bands"),
    ("bands ascending", lambda d: first(d).update(source="response", rule="band",
                                                  params={"bands": [[0.5, 1], [0.9, 2]]}), "strictly descending"),
    ("band pair", lambda d: first(d).update(source="response", rule="band", params={"bands": [[0.5]]}),
     "[threshold, points] pair"),
    ("duplicate code", lambda d: d["indicators"].append(copy.deepcopy(first(d))), "duplicate code(s) hours"),
    ("some weighted", lambda d: (d["indicators"].append({**copy.deepcopy(first(d)), "code": "more"}),
                                 first(d).update(weight=10)), "weight to every indicator or to none"),
    ("composition", lambda d: d.update(composition={"quantitative": 0.7, "qualitative": 0.2}), "must be 1"),
    ("qualitative weight alone", lambda d: d.update(composition={"quantitative": 0.7, "qualitative": 0.3}),
     "qualitative: a qualitative section goes with a qualitative weight"),
    ("input not provided", lambda d: first(d).update(inputs={"value": "late"}),
     "source 'field_hours' gives value, not 'late'"),
    ("deduction unpriced", lambda d: first(d).update(source="on_time", rule="deduction", params={}),
     "deduction needs per or categories"),
    ("category both", lambda d: first(d).update(source="incidents", rule="deduction", params={
        "categories": {"late": {"name": "迟", "points": 1, "range": [1, 2]}}}), "needs exactly one of points or range"),
    ("range reversed", lambda d: first(d).update(source="incidents", rule="deduction", params={
        "categories": {"late": {"name": "迟", "range": [3, 1]}}}), "lo must not exceed hi"),
    ("source option", lambda d: first(d).update(source={"kind": "rework"}), "missing fact"),
    ("sum parts", sum_of_own_sources, "indicators[0].params.parts[0]: needs a source"),
    ("part key", lambda d: first(d).update(rule="sum", params={"parts": [{"rule": "linear", "code": "x"}]}),
     "params.parts[0]: unknown key(s) code"),
    ("label", lambda d: first(d).update(rule="sum", params={"parts": [{"rule": "linear", "label": "{hours} 小时"}]}),
     "params.parts[0].label: may use only the placeholder {n}"),
    ("period", lambda d: first(d).update(period="Y"), "M (monthly) or Q (quarterly)"),
    ("grades", lambda d: d.update(grades=[[60, "D"], [90, "A"]]), "grades[1]: thresholds must be in strictly"),
]


@pytest.mark.parametrize("mutate, message", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_load_template_refuses_a_bad_template_naming_the_problem(mutate, message):
    data = copy.deepcopy(MINIMAL)
    mutate(data)
    with pytest.raises(TemplateError) as error:
        load_template(data)
    assert message in str(error.value)


def test_load_template_refuses_what_is_not_a_mapping():
    with pytest.raises(TemplateError, match="must be a mapping"):
        load_template(["not", "a", "template"])


@pytest.mark.parametrize("label", ["事假 {n:d} 天", "{n.__class__.__mro__}", "{n:>100000000}", "{n!r} 天", "{n.foo}",
                                   "{n[0]}"])
def test_a_part_label_being_stored_takes_only_a_bare_n(label):
    """The engine fills {n} with text: {n:d} was stored and then failed every compute of the month with a 500, and
    {n.foo} failed the save with a 500."""
    data = copy.deepcopy(PRESET_DATA["engineer_monthly"])
    attendance = next(i for i in data["indicators"] if i["code"] == "attendance")
    attendance["params"]["parts"][0]["label"] = label
    with pytest.raises(TemplateError) as refused:
        load_template(data, storing=True)
    assert refused.value.errors["indicators[0].params.parts[0].label"].startswith("may use only the placeholder {n}")


def test_a_label_with_a_format_stored_before_the_check_loads_and_scores_with_the_rules_wording():
    from tracker.scoring.engine import evaluate

    data = copy.deepcopy(PRESET_DATA["engineer_monthly"])
    attendance = next(i for i in data["indicators"] if i["code"] == "attendance")
    attendance["params"]["parts"][0]["label"] = "事假 {n:d} 天"
    template = load_template(data)
    result = evaluate(template, {"attendance": {"counts": {"personal_leave": 1}}, "field_hours": Decimal(10)})
    assert next(r for r in result.indicators if r.code == "attendance").points == Decimal(13)


def _category_line(data):
    return next(line for line in data["indicators"] if "categories" in (line.get("params") or {}))


def _manual_line(data):
    return next(line for line in data["indicators"] if line.get("rule") == "manual" and "levels" in line["params"])


def _refused_fields(data):
    with pytest.raises(TemplateError) as refused:
        load_template(data, storing=True)
    return set(refused.value.errors)


def test_an_incident_category_worth_more_than_a_column_holds_is_refused_when_stored():
    """An incident of 999,999,999,999 points was taken by the editor: recording it was a 500 on PostgreSQL (its amount
    column holds 8 digits) and on SQLite it made the month uncomputable for every engineer."""
    data = copy.deepcopy(PRESET_DATA["repair_technician_monthly"])
    line = _category_line(data)
    code = next(iter(line["params"]["categories"]))
    index = data["indicators"].index(line)
    line["params"]["categories"][code] = {"name": "巨额", "points": 999999999999}
    assert _refused_fields(data) == {f"indicators[{index}].params.categories.{code}"}
    line["params"]["categories"][code] = {"name": "区间", "range": [1, 10000]}
    assert _refused_fields(data) == {f"indicators[{index}].params.categories.{code}"}
    line["params"]["categories"][code] = {"name": "区间", "range": [1, 9999]}
    load_template(data, storing=True)


def test_hand_given_points_named_in_bands_beyond_the_line_or_worst_first_are_refused_when_stored():
    data = copy.deepcopy(PRESET_DATA["service_department_appraisal"])
    line = _manual_line(data)
    index = data["indicators"].index(line)
    top = line["params"].get("hi", line["max"])
    line["params"]["levels"][0]["hi"] = top + 10  # 优秀 15–30 on a line of 20: no entry can reach it
    assert _refused_fields(data) == {f"indicators[{index}].params.levels[0]"}
    line["params"]["levels"][0]["hi"] = top
    line["params"]["levels"].reverse()  # worst first: a boundary score took the worse band
    assert f"indicators[{index}].params.levels[1]" in _refused_fields(data)
    line["params"]["levels"].reverse()
    load_template(data, storing=True)
