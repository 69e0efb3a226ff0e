"""The template editor: a band change previewed over a month equals computing that month with the new version,
past months keep their scores; invalid edits are refused per field and nothing is stored."""

import copy
import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, login
from tests.scores.support import at, score_of, snapshot
from tests.sheets.conftest import MONTH as OCTOBER
from tracker.auth.models import User
from tracker.editor import services, yaml_text
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.scores import services as reports
from tracker.scores.models import KpiTemplate, Score
from tracker.scoring.errors import TemplateError
from tracker.scoring.template import load_template

NOVEMBER = "2026-11"
CODE = "engineer_monthly"


@pytest.fixture
def november(scored, records):
    """November drafts: eng1 answered one order of two in time (50%), eng2 none of one (0%)."""
    eng1, eng2 = scored["eng1"], scored["eng2"]
    records.order(eng1, at(date(2026, 11, 3)), responded=at(date(2026, 11, 3), 10), completed=at(date(2026, 11, 4)))
    records.order(eng1, at(date(2026, 11, 5)), responded=at(date(2026, 11, 5), 14))
    records.order(eng2, at(date(2026, 11, 6)), responded=at(date(2026, 11, 6), 15))
    for day in (2, 3, 4, 5, 6, 9, 10):
        records.trip(eng1, date(2026, 11, day), hours=5)
        records.trip(eng2, date(2026, 11, day), hours=3)
    records.review(eng1, NOVEMBER, scored["mgr"], "leader", 4, 4, 4, 4, 4, 4, 4)
    records.review(eng2, NOVEMBER, scored["mgr"], "leader", 3, 3, 3, 3, 3, 3, 3)
    reports.compute_month(NOVEMBER, NOW)
    db.session.commit()
    return scored


def changed_bands():
    """The default template with a gentler response band: 50% now earns 5 instead of 0."""
    data = copy.deepcopy(services.body_of(services.latest_version(CODE)))
    response = next(i for i in data["indicators"] if i["code"] == "response")
    response["params"]["bands"] = [[1, 15], [0.95, 12], [0.9, 9], [0.8, 6], [0.5, 5]]
    return data


def template_count():
    return db.session.scalar(select(func.count()).select_from(KpiTemplate))


def test_what_if_totals_equal_computing_the_month_with_the_new_version(november, api, client):
    body = changed_bands()
    before_nov, before_oct, versions = snapshot(NOVEMBER), snapshot(OCTOBER), template_count()
    preview = api("POST", f"/templates/{CODE}/what-if", "admin", json={"body": body, "month": NOVEMBER})
    assert preview.status_code == 200, preview.get_json()
    preview = preview.get_json()
    assert snapshot(NOVEMBER) == before_nov and template_count() == versions  # nothing stored
    rows = {row["username"]: row for row in preview["rows"]}
    assert rows["eng1"]["new"]["total"] > rows["eng1"]["old"]["total"]  # 50% now earns 5 points
    assert rows["eng2"]["new"] == rows["eng2"]["old"]  # 0% still earns 0

    login(client, "admin")
    page = client.post(f"/admin/templates/{CODE}/edit", data={
        "body": yaml_text.as_text(body), "effective_from": NOVEMBER, "action": "save"})
    assert page.status_code == 302
    diff = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "indicators[response].params.bands" in diff

    for username, row in rows.items():  # saving rescored the current month's drafts at once
        assert score_of(november[username], NOVEMBER).total == (
            None if row["new"]["total"] is None else Decimal(str(row["new"]["total"])))
    reports.compute_month(NOVEMBER, NOW)
    db.session.commit()
    reports.compute_month(OCTOBER, NOW)
    db.session.commit()
    for username, row in rows.items():
        stored = score_of(november[username], NOVEMBER)
        assert stored.template.version == 2
        assert stored.grade == row["new"]["grade"]
        for key in ("quantitative", "total", "bonus"):
            expected = row["new"][key]
            assert getattr(stored, key) == (None if expected is None else Decimal(str(expected))), (username, key)
    stored = [score_of(november[u], NOVEMBER) for u in rows]
    assert Decimal(str(preview["totals"]["new"]["bonus"])) == sum(s.bonus or 0 for s in stored)
    assert snapshot(OCTOBER) == before_oct  # the past month keeps its version and scores


def test_preview_of_a_past_month_in_the_page_stores_nothing(november, client):
    versions, before = template_count(), snapshot(OCTOBER)
    login(client, "admin")
    page = client.post(f"/admin/templates/{CODE}/edit", data={
        "body": yaml_text.as_text(changed_bands()), "preview_month": OCTOBER, "action": "preview"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="what-if"' in html and "张三" in html and "部门合计" in html
    assert template_count() == versions and snapshot(OCTOBER) == before


def test_a_preview_of_a_template_nobody_is_scored_with_says_so_and_where_to_assign_it(november, client):
    """An empty table of "0 people" was all an admin saw for the presets nobody uses yet."""
    login(client, "admin")
    page = client.post("/admin/templates/service_360/edit", data={
        "body": yaml_text.as_text(services.body_of(services.latest_version("service_360"))), "preview_month": NOVEMBER,
        "action": "preview"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="what-if-nobody"' in html and "部门合计" not in html
    assert "2026-11 没有参加考核的工程师使用这个模板" in html and 'href="/admin/templates/assign"' in html


def test_a_template_just_assigned_from_this_month_is_previewed_for_this_month_by_default(november, client):
    """The preview started at last month, where nobody used a template assigned from this month on: right after
    assigning it the admin was told to assign it first."""
    login(client, "admin")
    assert client.post("/admin/templates/assign", data={"template-eng1": "service_360", "template-eng2": "",
                                                        "from_month": NOVEMBER}).status_code == 302
    html = client.get("/admin/templates/service_360/edit").get_data(as_text=True)
    assert re.search(r'id="preview_month"[^>]*value="2026-11"', html), html
    assert re.search(r'id="preview_month"[^>]*value="2026-10"',
                     client.get(f"/admin/templates/{CODE}/edit").get_data(as_text=True))  # used last month: last month


def broken(change):
    data = changed_bands()
    change(data)
    return data


def indicator(data, code):
    return next(i for i in data["indicators"] if i["code"] == code)


INVALID = [
    ("weights", lambda d: d.update(composition={"quantitative": 0.7, "qualitative": 0.4}), "body.composition"),
    ("bands out of order", lambda d: indicator(d, "response")["params"].update(bands=[[0.8, 6], [0.95, 12]]),
     "body.indicators[2].params.bands"),
    ("negative max", lambda d: indicator(d, "field_hours").update(max=-5), "body.indicators[1].max"),
    ("unknown rule", lambda d: indicator(d, "attendance").update(rule="magic"), "body.indicators[0].rule"),
    ("a low survey that would raise the points of a month without surveys",
     lambda d: indicator(d, "satisfaction")["params"]["parts"][0]["params"].update(
         bands=[[1, 15], [0.9, 12], [0.8, 9], [0.7, 6], [0.6, 3], [0, 3]], if_none=2),
     "body.indicators[6].params.parts[0].params.if_none"),
    ("an expense limit below 0, where a trip would bring the line in at 0 points",
     lambda d: indicator(d, "expense")["params"].update(hi=-1), "body.indicators[7].params.hi"),
    # a floor above the max is what every month would score (T 265 and a bonus above its base were stored)
    ("a deduction whose floor is above its max", lambda d: indicator(d, "on_time")["params"].update(floor=200),
     "body.indicators[3].params"),
    ("an allowance whose floor is above its max",
     lambda d: indicator(d, "rework_external")["params"].update(floor=50), "body.indicators[4].params"),
    # scores are stored in 8 digits with 2 decimals: a max of a million made the month uncomputable on PostgreSQL
    ("a max the score columns cannot hold", lambda d: indicator(d, "field_hours").update(max=1000000),
     "body.indicators[1].max"),
    ("a base the score columns cannot hold", lambda d: d.update(base=10000), "body.base"),
    ("a weight the score columns cannot hold", lambda d: indicator(d, "attendance").update(weight=100000000),
     "body.indicators[0].weight"),
    # the template's own name was named "body..name" (a dot too many)
    ("a template name that is not text", lambda d: d.update(name=123), "body.name"),
    # English names are names (CONTRACT 2): no bidirectional overrides or isolates, as in the Chinese ones
    ("an English template name with an override", lambda d: d.update(name_en="Engineer \u202emonthly"),
     "body.name_en"),
    ("an English indicator name with an isolate",
     lambda d: indicator(d, "attendance").update(name_en="Attend\u2066ance"), "body.indicators[0].name_en"),
    # the headings printed on the sheet are names too, and so are the labels printed beside a line
    ("a line's department label with an override", lambda d: indicator(d, "attendance").update(group="市场\u202e部"),
     "body.indicators[0].group"),
    ("a unit with an isolate", lambda d: indicator(d, "on_time")["params"].update(unit="单\u2066"),
     "body.indicators[3].params.unit"),
    ("an outcome with an override", lambda d: d.update(outcomes=["转正", "续\u202e签"]), "body.outcomes[1]"),
    ("a title with an override", lambda d: d.update(title="售后\u202e考核办法"), "body.title"),
    ("a position with an override", lambda d: d.update(position="售后\u202e工程师"), "body.position"),
    # names and codes longer than their columns: PostgreSQL refused them only when the version or the month's
    # lines were written (a 500, and a version in force that no month could be computed with)
    ("a template name longer than its column", lambda d: d.update(name="售后" * 61), "body.name"),
    ("an English indicator name longer than its column",
     lambda d: indicator(d, "attendance").update(name_en="A" * 121), "body.indicators[0].name_en"),
    ("an indicator code longer than its column", lambda d: indicator(d, "attendance").update(code="a" * 61),
     "body.indicators[0].code"),
    # a copy may not take another template's name (pages name a template by it); a version renamed into one did
    ("another template's name", lambda d: d.update(name="售后人员KPI考核"), "body.name"),
]


@pytest.mark.parametrize("name, change, field", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_edits_are_refused_per_field(november, api, client, name, change, field):
    versions = template_count()
    answer = api("POST", f"/templates/{CODE}/versions", "admin",
                 json={"body": broken(change), "effective_from": "2026-12"})
    assert answer.status_code == 422, answer.get_json()
    fields = answer.get_json()["error"]["fields"]
    assert any(key.startswith(field) for key in fields), fields
    login(client, "admin")
    page = client.post(f"/admin/templates/{CODE}/edit", data={
        "body": yaml_text.as_text(broken(change)), "effective_from": "2026-12", "action": "save"})
    assert page.status_code == 422 and 'id="template-errors"' in page.get_data(as_text=True)
    assert field[len("body."):] in page.get_data(as_text=True)
    assert template_count() == versions


def nested(levels):
    value = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize("change, status, message", [
    (lambda d: d.update(form="x" * 100_001), 422, "模板内容太长"),
    (lambda d: d.update(form=nested(31)), 400, "模板嵌套超过 31 层"),  # the API's body: 请求体嵌套超过 32 层
])
def test_the_api_and_the_editor_take_a_template_of_one_size_and_depth(november, api, client, change, status, message):
    """The API stored a template of 900 KB, which the editor then refused to save again (模板内容太长), and the editor
    stored one nested 300 deep, which the API refuses as a body."""
    versions = template_count()
    answer = api("POST", f"/templates/{CODE}/versions", "admin",
                 json={"body": broken(change), "effective_from": "2026-12"})
    assert answer.status_code == status, answer.get_json()
    if status == 422:
        assert answer.get_json()["error"]["fields"] == {"body": message}
    login(client, "admin")
    text = yaml_text.as_text(broken(change))
    page = client.post(f"/admin/templates/{CODE}/edit", data={"body": text, "effective_from": "2026-12",
                                                              "action": "save"})
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert template_count() == versions


def test_a_template_as_large_as_the_api_takes_is_saved_again_by_the_editor(november, api, client):
    """The API took 200,000 characters as JSON, which the editor showed as YAML of 239,000 (keys on lines of their
    own) and refused to save again unchanged (模板内容太长): the editor's text may be twice the stored size."""
    body = broken(lambda d: d.update(description="；".join(["定量占 70%，定性占 30%"] * 4000)[:9900]))
    for indicator_data in body["indicators"]:
        indicator_data["description"] = body["description"]
    assert 90_000 < len(json.dumps(body, ensure_ascii=False)) <= services.MAX_BODY
    assert api("POST", f"/templates/{CODE}/versions", "admin",
               json={"body": body, "effective_from": "2026-12"}).status_code == 201
    text = yaml_text.as_text(services.body_of(services.latest_version(CODE)))
    login(client, "admin")
    page = client.post(f"/admin/templates/{CODE}/edit", data={"body": text, "effective_from": "2026-12",
                                                              "action": "save"})
    assert "模板内容太长" not in page.get_data(as_text=True) and "完全相同" in page.get_data(as_text=True)


def test_a_version_stored_before_names_were_bounded_still_loads(november):
    data = changed_bands()
    data["name"], indicator(data, "attendance")["name"] = "售后" * 61, "出勤" * 61
    assert load_template(data).name.zh == "售后" * 61
    with pytest.raises(TemplateError) as refused:
        load_template(data, storing=True)
    assert set(refused.value.errors) == {"name", "indicators[0].name"}


def test_a_version_cannot_start_in_a_past_month_or_change_nothing(november, api):
    versions = template_count()
    answer = api("POST", f"/templates/{CODE}/versions", "admin", json={"body": changed_bands(),
                                                                        "effective_from": OCTOBER})
    assert answer.status_code == 422 and "effective_from" in answer.get_json()["error"]["fields"]
    same = services.body_of(services.latest_version(CODE))
    assert api("POST", f"/templates/{CODE}/versions", "admin",
               json={"body": same, "effective_from": "2026-12"}).status_code == 409
    assert template_count() == versions


def test_api_lists_gets_and_creates_versions(november, api):
    listed = api("GET", "/templates", "admin").get_json()["templates"]
    assert CODE in {t["code"] for t in listed}
    # the name in the reader's language, as the scores' names are (it was Chinese whatever the language)
    named = {t["code"]: (t["name"], t["name_en"]) for t in listed}
    english = {t["code"]: t["name"] for t in api("GET", "/templates?lang=en", "admin").get_json()["templates"]}
    assert named[CODE][0] == "售后工程师月度考核" and english[CODE] == named[CODE][1] != named[CODE][0]
    created = api("POST", f"/templates/{CODE}/versions", "admin",
                  json={"body": json.loads(json.dumps(changed_bands())), "effective_from": "2026-12"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["version"] == 2 and created.get_json()["effective_from"] == "2026-12"
    versions = api("GET", f"/templates/{CODE}", "admin").get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    got = api("GET", f"/templates/{CODE}/versions/2", "admin").get_json()
    assert [c["path"] for c in got["changes"]] == ["indicators[response].params.bands"]
    assert api("GET", f"/templates/{CODE}", "mgr").status_code == 403
    assert api("GET", "/templates/nope", "admin").status_code == 404


def test_a_version_not_in_force_yet_can_be_withdrawn_so_an_earlier_one_can_be_saved(november, api, client):
    """A version saved for 2099-12 could not be undone, and every new version before it was refused (422) until
    2099; the latest version may be withdrawn while it is not in force, never one that is."""
    far = api("POST", f"/templates/{CODE}/versions", "admin", json={"body": changed_bands(), "effective_from": "2099-12"})
    assert far.status_code == 201 and far.get_json()["version"] == 2
    assert api("POST", f"/templates/{CODE}/versions", "admin",
               json={"body": changed_bands(), "effective_from": "2027-01"}).status_code == 422
    login(client, "admin")
    page = client.get(f"/admin/templates/{CODE}/edit").get_data(as_text=True)
    assert 'id="withdraw-version"' in page and "2099-12" in page
    assert api("DELETE", f"/templates/{CODE}/versions/1", "admin").status_code == 409  # not the latest
    assert api("DELETE", f"/templates/{CODE}/versions/2", "mgr").status_code == 403
    withdrawn = client.post(f"/admin/templates/{CODE}/versions/2/withdraw")
    assert withdrawn.status_code == 302
    assert [v["version"] for v in api("GET", f"/templates/{CODE}", "admin").get_json()["versions"]] == [1]
    assert 'id="withdraw-version"' not in client.get(f"/admin/templates/{CODE}/edit").get_data(as_text=True)
    now = api("POST", f"/templates/{CODE}/versions", "admin", json={"body": changed_bands(), "effective_from": "2026-12"})
    assert now.status_code == 201
    assert api("DELETE", f"/templates/{CODE}/versions/2", "admin").status_code == 204  # December is still ahead
    for gone in (2, 99, 0):  # withdrawn already, never made: nothing to withdraw (it said "only the latest")
        assert api("DELETE", f"/templates/{CODE}/versions/{gone}", "admin").status_code == 404
    current = api("POST", f"/templates/{CODE}/versions", "admin",
                  json={"body": changed_bands(), "effective_from": NOVEMBER}).get_json()
    refused = api("DELETE", f"/templates/{CODE}/versions/{current['version']}", "admin")
    assert refused.status_code == 409 and NOVEMBER in refused.get_json()["error"]["message"]  # in force: it stays


@pytest.mark.parametrize("code, role", [("after_sales_kpi", "engineer"), ("service_360", "admin"),
                                        ("repair_technician_monthly", "manager")])
def test_one_template_is_the_engineers_default_and_no_other_role_is_claimed(november, api, code, role):
    """A second template claiming role engineer silently took every unassigned engineer when its code sorted first;
    role admin was taken and did nothing."""
    body = services.body_of(services.latest_version(code)) | {"role": role}
    response = api("POST", f"/templates/{code}/versions", "admin", json={"body": body, "effective_from": "2026-12"})
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == ["body.role"]


def test_the_default_template_keeps_its_role_in_a_new_version(november, api):
    created = api("POST", f"/templates/{CODE}/versions", "admin", json={"body": changed_bands(),
                                                                        "effective_from": "2026-12"})
    assert created.status_code == 201 and created.get_json()["body"]["role"] == "engineer"


def _draft(username, month):
    return db.session.scalar(select(Score).join(User, User.id == Score.engineer_id).where(
        User.username == username, Score.month == month))


def _in_force(username, month):
    from tracker.scores.templates_store import template_for
    return template_for(db.session.scalar(select(User).where(User.username == username)), month).code


def test_admin_assigns_a_template_from_a_month_on_and_the_months_before_keep_theirs(november, client):
    """An assignment rescored every unapproved month of the engineer with the new template (October fell from a B to
    an E, its reviews no longer counted), while the page said "from the next compute". It starts at a chosen month
    now, the current one by default; the months before keep the template they had."""
    october = (_draft("eng1", OCTOBER).total, _draft("eng1", OCTOBER).template_id)
    november_before = _draft("eng1", NOVEMBER).total
    login(client, "admin")
    page = client.get("/admin/templates/assign").get_data(as_text=True)
    assert 'name="from_month"' in page and 'value="2026-11"' in page
    planned = client.post("/admin/templates/assign", data={"template-eng1": "service_post_deduction",
                                                            "template-eng2": "", "from_month": "2026-12"})
    assert planned.status_code == 302
    db.session.expire_all()
    assert _in_force("eng1", "2026-12") == "service_post_deduction" and _in_force("eng1", NOVEMBER) == CODE
    assert _in_force("eng2", "2026-12") == CODE
    assert _draft("eng1", NOVEMBER).total == november_before
    page = client.get("/admin/templates/assign").get_data(as_text=True)
    # planned, shown beside the one in force now; each template by its name (the page offered only codes)
    assert "2026-12 起：售后服务岗位绩效考核" in page
    assert '<option value="service_post_deduction" selected>售后服务岗位绩效考核 (service_post_deduction)</option>' \
        not in page and '>售后服务岗位绩效考核 (service_post_deduction)</option>' in page
    unchanged = client.post("/admin/templates/assign", data={"template-eng1": "", "template-eng2": "",
                                                              "from_month": NOVEMBER})
    assert unchanged.status_code == 302  # saving the page as shown changes nothing, the plan stays
    db.session.expire_all()
    assert _in_force("eng1", "2026-12") == "service_post_deduction"

    now = client.post("/admin/templates/assign", data={"template-eng1": "service_post_deduction",
                                                        "template-eng2": "", "from_month": NOVEMBER})
    assert now.status_code == 302
    db.session.expire_all()
    assert _in_force("eng1", NOVEMBER) == "service_post_deduction" and _in_force("eng1", OCTOBER) == CODE
    assert _draft("eng1", NOVEMBER).template.code == "service_post_deduction"  # this month's draft moved at once
    assert (_draft("eng1", OCTOBER).total, _draft("eng1", OCTOBER).template_id) == october
    reports.compute_month(OCTOBER, NOW)  # and stays so when October is computed again
    db.session.commit()
    assert (_draft("eng1", OCTOBER).total, _draft("eng1", OCTOBER).template_id) == october

    wrong = client.post("/admin/templates/assign", data={"template-eng1": "", "template-eng2": "",
                                                          "from_month": "2026-13"})
    assert wrong.status_code == 422
    # the field at fault is marked for assistive technology, as every form's field is
    assert re.search(r'id="from_month"[^>]*aria-invalid="true" aria-describedby="from_month-error"',
                     wrong.get_data(as_text=True)) and 'id="from_month-error"' in wrong.get_data(as_text=True)
    select = re.search(r'<select[^>]*name="template-eng1".*?</select>', wrong.get_data(as_text=True), re.S).group(0)
    assert 'value="service_post_deduction" selected' not in select  # the choice made stays on the refused page
    assert '<option value="" selected' in select or "selected" not in select
    unknown = client.post("/admin/templates/assign", data={"template-eng1": "nope", "template-eng2": "",
                                                            "from_month": NOVEMBER})
    assert unknown.status_code == 422 and "没有这个考核模板" in unknown.get_data(as_text=True)
    assert re.search(r'id="template-eng1"[^>]*aria-invalid="true" aria-describedby="template-eng1-error"',
                     unknown.get_data(as_text=True))
    assert re.search(r'id="template-eng1-error">没有这个考核模板', unknown.get_data(as_text=True))
    db.session.expire_all()
    assert _in_force("eng1", NOVEMBER) == "service_post_deduction"


def test_presets_that_do_not_fit_can_be_hidden_from_the_lists(november, client, api):
    login(client, "admin")
    assert 'data-code="role_usher"' in client.get("/admin/templates").get_data(as_text=True)
    assert client.post("/admin/templates/role_usher/hide").status_code == 302
    page = client.get("/admin/templates").get_data(as_text=True)
    assert 'data-code="role_usher"' not in page and 'id="show-hidden"' in page
    assert 'data-code="role_usher"' in client.get("/admin/templates?all=1").get_data(as_text=True)
    assert 'value="role_usher"' not in client.get("/admin/templates/assign").get_data(as_text=True)
    assert "role_usher" not in {t["code"] for t in api("GET", "/templates", "admin").get_json()["templates"]}
    assert "role_usher" in {t["code"] for t in api("GET", "/templates?hidden=1", "admin").get_json()["templates"]}
    client.post("/admin/templates/role_usher/show")
    assert 'data-code="role_usher"' in client.get("/admin/templates").get_data(as_text=True)


def test_every_error_of_an_edit_is_named_with_its_field_and_non_monotone_bands_are_refused(november, api, client):
    def several(data):
        indicator(data, "response")["params"]["bands"] = [[1, 3], [0.9, 15]]  # rises as performance falls
        indicator(data, "field_hours")["max"] = -5
        data["composition"] = {"quantitative": 0.7, "qualitative": 0.4}
    versions = template_count()
    answer = api("POST", f"/templates/{CODE}/versions", "admin",
                 json={"body": broken(several), "effective_from": "2026-12"})
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert {"body.composition", "body.indicators[1].max"} <= set(fields)
    assert any(key.startswith("body.indicators[2].params.bands") for key in fields)
    login(client, "admin")
    html = client.post(f"/admin/templates/{CODE}/edit", data={
        "body": yaml_text.as_text(broken(several)), "effective_from": "2026-12", "action": "save"}).get_data(as_text=True)
    listed = html.split('id="template-errors"', 1)[1].split("</div>", 1)[0]  # each with its line and its field
    assert listed.count("<li><span class=\"error-line\">") >= 3 and listed.count("<code>") >= 3
    assert "响应及时率（indicators[2].params.bands" in html
    assert template_count() == versions


def test_the_editor_says_what_is_wrong_in_the_readers_language(november, client):
    def rising(data):  # points rise as the share falls: a late response would score more
        indicator(data, "response")["params"]["bands"] = [[1, 3], [0.9, 15]]
    login(client, "admin")
    form = {"body": yaml_text.as_text(broken(rising)), "effective_from": "2026-12", "action": "save"}
    chinese = client.post(f"/admin/templates/{CODE}/edit", data=form).get_data(as_text=True)
    assert "阈值降低时分数不能升高（3 之后是 15）" in chinese
    assert "<code>响应及时率（indicators[2].params.bands" in chinese  # the line named as the page names it
    assert "points must not rise" not in chinese
    client.post("/lang/en")
    english = client.post(f"/admin/templates/{CODE}/edit", data=form).get_data(as_text=True)
    assert "points must not rise as the threshold falls (15 after 3)" in english
    assert "阈值降低时" not in english and "<code>响应及时率" not in english
    assert "<code>Timely response (indicators[2].params.bands" in english


def test_every_template_error_has_its_chinese_wording():
    """Each message the template checks give carries a Chinese wording (the editor's default language)."""
    import ast
    from pathlib import Path

    import tracker.scoring

    missing = []
    for path in sorted(Path(tracker.scoring.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_fail":
                if len(node.args) < 3 and not any(isinstance(a, ast.Starred) for a in node.args):
                    missing.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "run" and node.args \
                    and getattr(node.args[0], "id", None) == "_fail" and len(node.args) < 4:
                missing.append(f"{path.name}:{node.lineno}")
    assert not missing


@pytest.mark.parametrize("tail, said", [
    ("\nfoo: " + "[" * 5000 + "]" * 5000, "嵌套太深或数字太长"),      # was a 500 (RecursionError)
    ("\nfoo: 1" + "0" * 5000, "嵌套太深或数字太长"),                    # was a 500 (int() stops at 4,300 digits)
    ("\nname: 第二个名称", "键 name 出现了两次"),                         # YAML keeps the last one silently
])
def test_what_yaml_cannot_hold_safely_is_refused_on_the_page_never_a_500(november, client, tail, said):
    login(client, "admin")
    body = yaml_text.as_text(changed_bands()) + tail
    versions = template_count()
    page = client.post(f"/admin/templates/{CODE}/edit", data={"body": body, "effective_from": "2026-12",
                                                               "action": "save"})
    assert page.status_code == 422 and said in page.get_data(as_text=True)
    assert template_count() == versions


@pytest.mark.parametrize("text, said", [  # the parser's English on the Chinese page, said in Chinese
    ("code: x\nname:\n\tzh: 名称\n", "第 3 行第 1 列 用了 Tab 缩进：YAML 只能用空格缩进"),
    ("code: x\nindicators:\n  a: 1\n b: 2\n", "第 4 行第 2 列 缩进没有对齐"),
    ("code: x\nname: a: b\n", "第 2 行第 8 列 此处不能有“键: 值”：冒号后须有空格，或缩进不对"),
    ("code: \"x\nname: y\n\n", "第 1 行第 7 列 引号没有闭合"),  # where it was opened, not the text's end
    ("code: [1, 2\n", "方括号或花括号没有闭合，或缺少逗号"),
    ("code: x\n---\nname: y\n", "只能有一个 YAML 文档：请删去 --- 分隔线"),
    ('code: x\nname: "a\\qb"\n', "双引号中的转义无效"),
    ("code: x\nbands: [1, , 2]\n", "此处缺少内容：多了逗号、冒号或括号？"),
    ("code: x\n<<: {name: y}\n", "第 2 行第 1 列 不接受 YAML 合并键（<<）"),  # said to be a ! tag
])
def test_a_template_text_yaml_cannot_read_is_said_in_the_readers_language(text, said):
    with pytest.raises(Invalid) as refused:
        yaml_text.parse_text(text)
    message = refused.value.fields["body"]
    assert message.startswith("不是有效的 YAML：") and said in message and not re.search("[a-z]{3}", message)


@pytest.mark.parametrize("written", ["!foo 15", "!!set [1]", "!!timestamp x", "!!bool x", "!!map [1]", "!!int x",
                                     "!!python/name:os.system", "!x!y 1"])
def test_a_yaml_type_tag_is_refused_at_its_place(november, client, written):
    """A template is text, numbers, true/false, lists and mappings as written: !!set [1], !!timestamp x, !!bool x
    and !!map [1] were a 500 (TypeError, AttributeError, KeyError in the parser's constructors)."""
    with pytest.raises(Invalid) as refused:
        yaml_text.parse_text(f"code: x\nmax: {written}\n")
    assert refused.value.fields["body"].startswith("不是有效的 YAML：第 2 行第 6 列 不能使用")
    body = yaml_text.as_text(changed_bands()).replace("max: 15", f"max: {written}", 1)
    login(client, "admin")
    page = client.post(f"/admin/templates/{CODE}/edit", data={"body": body, "effective_from": "2026-12",
                                                               "action": "save"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and ("YAML 类型标签" in text or "YAML 标签" in text)


def test_a_date_in_a_template_stays_text_even_one_that_does_not_exist():
    """2026-02-30 failed the parse with "nesting too deep or a number too long"; a template holds months as text."""
    assert yaml_text.parse_text("a: 2026-02-30\nb: 2026-12-01\n") == {"a": "2026-02-30", "b": "2026-12-01"}


def test_a_lone_equals_sign_is_text():
    """YAML 1.1 reads "=" as its "value" key, which no safe constructor takes: it was refused as a ! tag."""
    assert yaml_text.parse_text("a: =\nb: '='\n") == {"a": "=", "b": "="}


def test_a_number_too_large_for_a_template_is_refused_with_its_path(november, api):
    body = changed_bands()
    indicator(body, "attendance")["max"] = 123454321
    raw = json.dumps({"body": body, "effective_from": "2026-12"}).replace("123454321", "1" + "0" * 5000)
    answer = api("POST", f"/templates/{CODE}/versions", "admin", data=raw, content_type="application/json")
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert "body.indicators[0].max" in answer.get_json()["error"]["fields"]
    body = yaml_text.parse_text(yaml_text.as_text(changed_bands()).replace("max: 15", "max: 1:15", 1))
    assert indicator(body, "attendance")["max"] == "1:15"  # YAML 1.1 read 75 (base 60): kept as text, refused


@pytest.mark.parametrize("written", ["015", "0x0f", "0b1111", "-017", "1_5", "1_5.0", "15.0_0"])
def test_a_number_yaml_1_1_would_read_in_another_base_is_kept_as_written_and_refused(november, api, written):
    """max: 020 was stored as 16 (octal) and 0x14 as 20, without a word; max: 010 said "超过满分 8"."""
    body = yaml_text.parse_text(yaml_text.as_text(changed_bands()).replace("max: 15", f"max: {written}", 1))
    assert indicator(body, "attendance")["max"] == written
    answer = api("POST", f"/templates/{CODE}/versions", "admin", json={"body": body, "effective_from": "2026-12"})
    assert answer.status_code == 422 and "body.indicators[0].max" in answer.get_json()["error"]["fields"]


def test_the_editor_shows_a_stored_version_in_the_order_its_preset_is_written_and_reads_it_back_the_same():
    """A version is stored as JSON with its keys sorted, and the editor showed it so: adjustments, code, composition
    first, each line's name after its descriptions and its rule after the rule's parameters, every band on lines of
    its own."""
    from tracker.scoring.presets import bundled_presets

    for code, preset in bundled_presets().items():
        stored = json.loads(json.dumps(preset, sort_keys=True, default=str))
        text = yaml_text.as_text(stored)
        assert yaml_text.parse_text(text) == stored, code
        assert text.startswith(f"code: {code}\nname: "), text[:60]
    text = yaml_text.as_text(json.loads(json.dumps(bundled_presets()["engineer_monthly"], sort_keys=True)))
    assert "    - rule: deduction\n      inputs: {events: [personal_leave, sick_leave]}\n      params: {per: 2}\n" in text
    assert "grades: [[90, A], [80, B], [70, C], [60, D], [0, E]]\n" in text
    attendance = text[text.index("- code: attendance"):]
    assert attendance.index("name:") < attendance.index("description:") < attendance.index("rule:") < \
        attendance.index("params:")


def test_yaml_aliases_are_refused_before_they_expand():
    """A few hundred bytes of nested aliases ("billion laughs") took seconds of a worker before the 422."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    with pytest.raises(Invalid) as refused:
        yaml_text.parse_text(bomb)
    assert "别名" in refused.value.fields["body"] and "第 2 行" in refused.value.fields["body"]
    assert yaml_text.parse_text("name: 测试\nlist: [1, 2]\n") == {"name": "测试", "list": [1, 2]}


def test_a_version_is_stored_and_answered_201_even_when_the_month_cannot_be_computed_now(november, api):
    """The version committed first, then this month's compute raised: the answer was a 409 for a stored version.
    Now the drafts are left stale for the scheduler (which reports the error), as the live recompute does."""
    eng3 = db.session.scalar(select(User).where(User.username == "eng3"))
    eng3.kpi_template = "no_such_template"  # no version in force: compute_month refuses the month
    db.session.commit()
    before = template_count()
    created = api("POST", f"/templates/{CODE}/versions", "admin",
                  json={"body": json.loads(json.dumps(changed_bands())), "effective_from": NOVEMBER})
    assert created.status_code == 201, created.get_json()
    assert template_count() == before + 1
    stale = db.session.scalars(select(Score.stale).where(Score.month == NOVEMBER, Score.status == "draft")).all()
    assert stale and all(stale)


def test_a_version_that_cannot_score_a_record_of_its_month_is_refused_and_its_preview_says_why(november, api):
    """An incident under 5S · untidy, then a version without that category starting this month: stored, the month
    could not be computed again (drafts stale for ever, approval 409) and its preview answered 500."""
    eng1 = db.session.scalar(select(User).where(User.username == "eng1"))
    eng1.kpi_template = "service_post_deduction"
    db.session.commit()
    recorded = api("POST", "/incidents", "mgr", json={"engineer": "eng1", "date": "2026-11-18", "indicator": "five_s",
                                                      "category": "untidy", "amount": 3})
    assert recorded.status_code == 201, recorded.get_json()
    body = copy.deepcopy(services.body_of(services.latest_version("service_post_deduction")))
    del indicator(body, "five_s")["params"]["categories"]["untidy"]
    before = template_count()
    preview = api("POST", "/templates/service_post_deduction/what-if", "admin", json={"body": body, "month": NOVEMBER})
    assert preview.status_code == 422, preview.get_json()
    assert "张三" in preview.get_json()["error"]["fields"]["body"]
    created = api("POST", "/templates/service_post_deduction/versions", "admin",
                  json={"body": body, "effective_from": NOVEMBER})
    assert created.status_code == 422 and "untidy" in created.get_json()["error"]["fields"]["body"]
    assert template_count() == before
    later = api("POST", "/templates/service_post_deduction/versions", "admin",  # from next month: no record yet
                json={"body": body, "effective_from": "2026-12"})
    assert later.status_code == 201, later.get_json()


def test_an_entry_giving_points_the_score_columns_cannot_hold_leaves_the_draft_stale_with_the_reason_never_500(
        november, api):
    """A range without a floor (the loader allows it for an entered metric) fed 10⁹ stock days gives −6 × 10⁸
    points: on PostgreSQL the month's compute, the entry and every later one were a 500 (numeric field overflow);
    on SQLite the number was stored. The draft waits, stale, and a compute says which line of whose it is."""
    eng1 = db.session.scalar(select(User).where(User.username == "eng1"))
    eng1.kpi_template = "role_parts_manager"
    db.session.commit()
    body = copy.deepcopy(services.body_of(services.latest_version("role_parts_manager")))
    del indicator(body, "stock_turnover")["params"]["floor"]
    created = api("POST", "/templates/role_parts_manager/versions", "admin",
                  json={"body": body, "effective_from": NOVEMBER})
    assert created.status_code == 201, created.get_json()
    entered = api("POST", "/metrics", "mgr", json={"engineer": "eng1", "month": NOVEMBER, "key": "stock_turnover",
                                                   "actual": 1000000000})
    assert entered.status_code == 201, entered.get_data(as_text=True)[:300]
    draft = db.session.scalar(select(Score).join(User, User.id == Score.engineer_id).where(
        User.username == "eng1", Score.month == NOVEMBER))
    assert draft.stale is True
    answer = api("POST", f"/scores/{NOVEMBER}/compute", "mgr")
    assert answer.status_code == 409, answer.get_data(as_text=True)[:300]
    assert "eng1" in answer.get_json()["error"]["message"] and "库存周转天数" in answer.get_json()["error"]["message"]
    others = api("GET", f"/scores/{NOVEMBER}/eng2", "mgr")  # the rest of the month is not held back
    assert others.status_code == 200 and others.get_json()["total"] is not None
    fixed = api("POST", "/metrics", "mgr", json={"engineer": "eng1", "month": NOVEMBER, "key": "stock_turnover",
                                                 "actual": 50})
    assert fixed.status_code in (200, 201), fixed.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert draft.stale is False
    assert api("GET", f"/scores/{NOVEMBER}/eng1", "mgr").get_json()["quantitative"] is not None


def test_a_field_the_page_refuses_is_named_by_its_label_not_as_an_expired_request(november, client):
    """A control character in the template answered 400 "the request has expired, reload the page" for ever; the
    page's fields were named body:, effective_from:, month:."""
    login(client, "admin")
    body = yaml_text.as_text(changed_bands())
    page = client.post(f"/admin/templates/{CODE}/edit", data={"body": body + "\n# \x07", "effective_from": "2026-12",
                                                               "action": "save"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "请求已过期" not in html
    assert "<code>模板内容</code>：" in html and "U+0007" in html
    # the text box at fault is marked, described by the list of faults and focused (it was not marked at all)
    box = re.search(r'<textarea[^>]*id="body"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in box and 'aria-describedby="template-errors"' in box and "autofocus" in box, box
    page = client.post(f"/admin/templates/{CODE}/edit", data={"body": body, "preview_month": "2027-05",
                                                               "action": "preview"})
    assert page.status_code == 422 and "<code>预览月份</code>：" in page.get_data(as_text=True)
    # the month fields sit below the long text: each says its error where it is typed too, marked for a reader
    assert re.search(r'id="preview_month"[^>]*aria-invalid="true"', page.get_data(as_text=True))
    assert 'aria-invalid' not in re.search(r'<textarea[^>]*id="body"[^>]*>', page.get_data(as_text=True)).group(0)
    assert 'id="preview_month-error"' in page.get_data(as_text=True)
    page = client.post(f"/admin/templates/{CODE}/edit", data={"body": body, "effective_from": "2025-01",
                                                               "action": "save"})
    assert page.status_code == 422 and "<code>生效月份</code>：" in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert re.search(r'id="effective_from"[^>]*aria-invalid="true"', html) and 'id="effective_from-error"' in html
    assert 'id="preview_month-error"' not in html


def test_an_assignment_from_a_month_already_begun_shows_that_month_first(november, client, monkeypatch):
    """A new company scores its first month, already past, with the presets that fit it: an assignment from a month
    before the current one was refused ("已计算的月份不会改变"), and no other way to choose a template for it existed.
    The page's rows show the current month, and a row is changed when it differs from what it showed, so a past month
    is shown first (nothing saved), then saved from its own rows: moving eng1's assignment from December back to
    November said "没有改动" when compared with December's rows. eng2, untouched, keeps what he has."""
    december = datetime(2026, 12, 3, 10)
    monkeypatch.setitem(client.application.config, "NOW", december)
    login(client, "admin")
    assign = "/admin/templates/assign"
    assert client.post(assign, data={"template-eng1": "service_post_deduction", "template-eng2": "",
                                     "from_month": "2026-12"}).status_code == 302
    assert client.post(assign, data={"template-eng1": "service_post_deduction", "template-eng2": "service_360",
                                     "from_month": "2026-12"}).status_code == 302
    db.session.expire_all()
    assert _in_force("eng1", "2026-12") == "service_post_deduction" and _in_force("eng1", NOVEMBER) == CODE
    # December's rows, asked from November: November's rows are shown, nothing saved
    shown = client.post(assign, data={"template-eng1": "service_post_deduction", "template-eng2": "service_360",
                                      "from_month": NOVEMBER})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "下表为 2026-11 的分配" in page and 'name="shown_month" value="2026-11"' in page
    row = re.search(r'<select[^>]*name="template-eng1".*?</select>', page, re.S).group(0)
    assert "selected" not in row  # November: the role's template
    db.session.expire_all()
    assert _in_force("eng1", NOVEMBER) == CODE and _in_force("eng2", NOVEMBER) == CODE
    saved = client.post(assign, data={"template-eng1": "service_post_deduction", "template-eng2": "",
                                      "from_month": NOVEMBER, "shown_month": NOVEMBER}, follow_redirects=True)
    # it says the drafts followed (it said only that the months before were unchanged)
    assert "自 2026-11 起生效：2026-11 至本月的草稿分数已按新模板重算" in saved.get_data(as_text=True)
    db.session.expire_all()
    assert [_in_force("eng1", m) for m in (OCTOBER, NOVEMBER, "2026-12")] == [CODE, "service_post_deduction",
                                                                          "service_post_deduction"]
    assert _in_force("eng2", NOVEMBER) == CODE and _in_force("eng2", "2026-12") == "service_360"
    assert _draft("eng1", NOVEMBER).template.code == "service_post_deduction"  # the draft followed at once
    first = db.session.scalar(select(func.min(KpiTemplate.effective_from))
                              .where(KpiTemplate.code == "service_360"))
    # rows of a past month saved from this month: this month's rows are shown first, nothing saved (eng2, shown
    # on the role's template in November, lost December's service_360 to a row he never touched, or kept it while
    # the page said he had the role's)
    back = client.post(assign, data={"template-eng1": "service_post_deduction", "template-eng2": "",
                                     "from_month": "2026-12", "shown_month": NOVEMBER})
    assert back.status_code == 200 and "尚未保存" in back.get_data(as_text=True)
    assert 'name="shown_month" value="2026-12"' in back.get_data(as_text=True)
    db.session.expire_all()
    assert _in_force("eng2", "2026-12") == "service_360"
    for wrong in ("", "2026-13", "1999-12"):  # a field error even when no row changed (it said "没有改动")
        refused = client.post(assign, data={"template-eng1": "service_post_deduction", "template-eng2": "service_360",
                                            "from_month": wrong})
        assert refused.status_code == 422 and 'id="from_month-error"' in refused.get_data(as_text=True), wrong
    before = client.post(assign, data={"template-eng1": "service_360", "template-eng2": "", "from_month": "2000-01",
                                       "shown_month": "2000-01"})
    assert before.status_code == 422
    # the template by its name beside its code (the code alone named it)
    assert f"考核模板“售后服务人员360度绩效考核”（service_360）自 {first} 起才有版本，不能从 2000-01 起使用" in \
        before.get_data(as_text=True)


def test_a_template_whose_first_version_starts_later_is_not_assigned_before_it(november, client):
    """A new template saved from a later month was assigned from this one, leaving the engineer's draft with no
    version in force (the compute left him out)."""
    from tracker.scores.templates_store import store_template

    data = copy.deepcopy(services.body_of(services.latest_version(CODE)))
    data.update(code="later_form", name="以后的模板", effective_from="2027-02", version=1, role=None)
    store_template(data, NOW)
    db.session.commit()
    login(client, "admin")
    refused = client.post("/admin/templates/assign", data={"template-eng1": "later_form", "template-eng2": "",
                                                           "from_month": NOVEMBER})
    assert refused.status_code == 422
    assert "考核模板“以后的模板”（later_form）自 2027-02 起才有版本，不能从 2026-11 起使用" in \
        refused.get_data(as_text=True)
    assert client.post("/admin/templates/assign", data={"template-eng1": "later_form", "template-eng2": "",
                                                        "from_month": "2027-02"}).status_code == 302


@pytest.mark.parametrize("number", ["1e9999999", "-1e999999999"])
def test_a_number_of_a_huge_exponent_is_refused_naming_its_field(november, api, number):
    """Made a Decimal past the context's exponent limit, abs() raised Overflow: a 500 on saving and on what-if."""
    versions = template_count()
    raw = '{"body": {"max": NUMBER}, "effective_from": "2026-12"}'.replace("NUMBER", number)
    answer = api("POST", f"/templates/{CODE}/versions", "admin", data=raw, content_type="application/json")
    assert answer.status_code == 422 and "body.max" in answer.get_json()["error"]["fields"], answer.get_json()
    raw = '{"body": {"max": NUMBER}, "month": "2026-10"}'.replace("NUMBER", number)
    answer = api("POST", f"/templates/{CODE}/what-if", "admin", data=raw, content_type="application/json")
    assert answer.status_code == 422 and "body.max" in answer.get_json()["error"]["fields"], answer.get_json()
    assert template_count() == versions


def test_an_assignment_whose_template_cannot_score_the_engineers_records_is_refused_on_his_row(november, client, api):
    """Moving an engineer to a template without the category of an incident he has this month was saved with
    "drafts recomputed": the draft stayed stale on the old template, and the month could no longer be computed or
    approved (409 for everyone) until someone deleted the incident. The assignment is refused on his row, as a
    version that drops a category in use is refused."""
    login(client, "admin")
    assert client.post("/admin/templates/assign", data={"template-eng1": "repair_technician_monthly",
                                                        "template-eng2": "", "from_month": NOVEMBER}).status_code == 302
    incident = api("POST", "/incidents", "mgr", json={"engineer": "eng1", "date": "2026-11-06", "indicator": "safety",
                                                       "category": "minor"})
    assert incident.status_code == 201, incident.get_json()
    db.session.expire_all()
    before = (_draft("eng1", NOVEMBER).total, _draft("eng1", NOVEMBER).template.code)
    refused = client.post("/admin/templates/assign", data={"template-eng1": "role_quality_inspector",
                                                           "template-eng2": "", "from_month": NOVEMBER})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422, html[:300]
    # the record by its day, indicator and category, in the reader's language (it said "incident 8: unknown category")
    said = "2026-11-06 的扣分记录（safety：minor）：此模板没有这个类别"
    assert re.search(rf'id="template-eng1-error">[^<]*{said}[^<]*先删除这些记录', html), html
    db.session.expire_all()
    assert _in_force("eng1", NOVEMBER) == "repair_technician_monthly"  # nothing stored
    draft = _draft("eng1", NOVEMBER)
    assert (draft.total, draft.template.code) == before and not draft.stale
    assert api("POST", f"/scores/{NOVEMBER}/compute", "mgr").status_code == 200  # the month still computes


def test_a_version_without_a_line_that_holds_records_of_the_month_is_refused(november, client, api):
    """A new version that renamed or dropped a line with records of the month (an incident under 安全) was saved,
    and the incident stopped counting without a word (安全 5/5, 无扣分), as a version without a category in use is
    refused."""
    login(client, "admin")
    assert client.post("/admin/templates/assign", data={"template-eng1": "repair_technician_monthly",
                                                        "template-eng2": "", "from_month": NOVEMBER}).status_code == 302
    assert api("POST", "/incidents", "mgr", json={"engineer": "eng1", "date": "2026-11-06", "indicator": "safety",
                                                  "category": "minor"}).status_code == 201
    data = copy.deepcopy(services.body_of(services.latest_version("repair_technician_monthly")))
    indicator(data, "safety")["code"] = "safety_x"
    versions = template_count()
    answer = api("POST", "/templates/repair_technician_monthly/versions", "admin",
                 json={"body": data, "effective_from": NOVEMBER})
    assert answer.status_code == 422, answer.get_json()
    message = " ".join(answer.get_json()["error"]["fields"].values())
    assert "扣分记录（safety）" in message and "先删除这些记录" in message, message
    assert template_count() == versions


@pytest.mark.e2e
def test_enter_in_a_month_field_previews_and_never_saves_a_version(live_server, phone, scored):
    """Enter in 预览月份 submitted the form with its first button, 保存为新版本: a version from that month was stored
    (every draft of the month recomputed with it), where the admin meant to preview."""
    from tests.conftest import PASSWORD
    from tests.e2e.support import sign_in

    versions = template_count()
    sign_in(phone, live_server, "admin", PASSWORD)
    for field in ("#preview_month", "#effective_from"):
        phone.goto(f"{live_server}/admin/templates/{CODE}/edit")
        phone.fill("#preview_month", NOVEMBER)
        phone.fill("#effective_from", "2026-12")
        phone.press(field, "Enter")
        phone.wait_for_selector("#what-if")
        db.session.rollback()
        assert template_count() == versions, field
    phone.goto(f"{live_server}/admin/templates/{CODE}/edit")
    phone.fill("#effective_from", "2026-12")
    with phone.expect_navigation():
        phone.click("button[value=save]")  # saving is a click on its own button (the same rules: nothing stored)
    assert "与第 1 版的计分完全相同，没有保存新版本" in phone.inner_text("main")


def test_each_fault_of_the_text_is_said_with_its_line(november, client):
    """A rule's fault was said by its path only (indicators[4].params.per) and a YAML fault by a line number in its
    message: in a text of 200 lines neither could be found."""
    login(client, "admin")
    text = yaml_text.as_text(broken(lambda d: indicator(d, "rework_external")["params"].update(per=-1)))
    line = next(n for n, row in enumerate(text.split("\n"), start=1) if "per: -1" in row)
    html = client.post(f"/admin/templates/{CODE}/edit", data={"body": text, "effective_from": "2026-12",
                                                              "action": "save"}).get_data(as_text=True)
    assert f'<span class="error-line">第 {line} 行</span>' in html and f'data-error-line="{line}"' in html
    bad = text.replace("  name: 出勤\n", "\tname: 出勤\n", 1)
    line = next(n for n, row in enumerate(bad.split("\n"), start=1) if row == "\tname: 出勤")
    html = client.post(f"/admin/templates/{CODE}/edit", data={"body": bad, "effective_from": "2026-12",
                                                              "action": "save"}).get_data(as_text=True)
    assert "不是有效的 YAML" in html and 'data-error-line="' in html
    shown = int(html.split('data-error-line="', 1)[1].split('"', 1)[0])
    assert abs(shown - line) <= 1, (shown, line)
    assert html.count(f"第 {shown} 行") == 1  # in the parser's message only, not said twice


@pytest.mark.e2e
def test_the_caret_is_put_on_the_line_at_fault_on_a_phone(live_server, phone, scored):
    """The text box was focused with its caret at the start of the text: on a phone, with every line wrapped, the
    line named by the error was nowhere to be seen."""
    from tests.conftest import PASSWORD
    from tests.e2e.support import sign_in

    sign_in(phone, live_server, "admin", PASSWORD)
    phone.goto(f"{live_server}/admin/templates/{CODE}/edit")
    text = phone.input_value("#body")
    phone.fill("#body", text.replace("params: {per: 1, rate: 0.02}", "params: {per: -1, rate: 0.02}", 1))
    phone.fill("#effective_from", "2026-12")
    with phone.expect_navigation():
        phone.click("button[value=save]")
    line = int(phone.get_attribute("#body", "data-error-line"))
    chosen = phone.evaluate("(() => { const b = document.getElementById('body');"
                            " return [b.value.substring(b.selectionStart, b.selectionEnd), b.scrollTop,"
                            " document.activeElement.id]; })()")
    assert "per: -1" in chosen[0] and chosen[0] == phone.input_value("#body").split("\n")[line - 1]
    assert chosen[1] > 0 and chosen[2] == "body"
