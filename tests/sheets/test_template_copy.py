"""A template saved as a new one (另存为新模板): a variant of the default for some engineers, e.g. with response
times in business hours, which only the default's own version could be made into (every engineer at once)."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, login
from tracker.editor import services, yaml_text
from tracker.extensions import db
from tracker.scores.models import KpiTemplate

CODE = "engineer_monthly"


def copy(client, code=CODE, **fields):
    page = client.get(f"/admin/templates/{code}/edit").get_data(as_text=True)
    token = re.search(r'id="copy-form".*?name="csrf_token" value="([^"]+)"', page, re.S).group(1)
    return client.post(f"/admin/templates/{code}/copy", data={"csrf_token": token, **fields})


def test_a_template_is_saved_as_a_new_one_and_then_edited_and_assigned(client, scored):
    login(client, "admin")
    latest = services.latest_version(CODE)
    response = copy(client, new_code="engineer_monthly_sla", new_name="售后工程师月度考核（工作时间）")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/templates/engineer_monthly_sla/edit"
    row = services.latest_version("engineer_monthly_sla")
    body = services.body_of(row)
    original = services.body_of(latest)
    assert (row.version, row.name, row.role) == (1, "售后工程师月度考核（工作时间）", None)
    assert row.name_en in (None, row.name)  # not the original's English name
    assert row.effective_from == latest.effective_from
    assert body["indicators"] == original["indicators"] and body["qualitative"] == original["qualitative"]
    assert services.latest_version(CODE).id == latest.id  # the original is as it was
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已将 engineer_monthly 另存为新模板 engineer_monthly_sla" in page
    # the copy is edited like any template: response in business hours, as a new version
    text = yaml_text.as_text(body).replace("source: response\n", "source: {kind: response, clock: business}\n", 1)
    assert "clock: business" in text
    token = re.search(r'id="template-form".*?name="csrf_token"[^>]*value="([^"]+)"', page, re.S).group(1)
    saved = client.post("/admin/templates/engineer_monthly_sla/edit",
                        data={"csrf_token": token, "body": text, "effective_from": "2026-11", "action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    assert "按工作时间" in client.get("/admin/templates/engineer_monthly_sla").get_data(as_text=True)
    assert 'value="engineer_monthly_sla"' in client.get("/admin/templates/assign").get_data(as_text=True)


@pytest.mark.parametrize("fields, field, words", [
    ({"new_code": CODE, "new_name": "副本"}, "new_code", "已有代码为 engineer_monthly 的模板"),
    ({"new_code": "Engineer-SLA", "new_name": "副本"}, "new_code", "模板代码须为"),
    ({"new_code": "", "new_name": "副本"}, "new_code", "模板代码须为"),
    ({"new_code": "x" * 61, "new_name": "副本"}, "new_code", "最多 60 个"),
    ({"new_code": "sla", "new_name": ""}, "new_name", "必填"),
    ({"new_code": "sla", "new_name": "副\u202e本"}, "new_name", ""),
    ({"new_code": "sla", "new_name": "副\x01本"}, "new_name", "U+0001"),
    ({"new_code": "s\x00la", "new_name": "副本"}, "new_code", ""),
    ({"new_code": "sla", "new_name": "名" * 121}, "new_name", "最多 120 个字符"),
    ({"new_code": "sla", "new_name": "售后工程师月度考核"}, "new_name", "模板 engineer_monthly 已叫这个名称"),
])
def test_a_copy_the_rules_refuse_is_said_at_its_field_and_nothing_is_stored(client, scored, fields, field, words):
    login(client, "admin")
    before = db.session.scalar(select(db.func.count()).select_from(KpiTemplate))
    response = copy(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and words in html and f'aria-describedby="{field}-error"' in html
    assert db.session.scalar(select(db.func.count()).select_from(KpiTemplate)) == before


def test_both_fields_at_fault_are_said_at_once(client, scored):
    login(client, "admin")
    html = copy(client, new_code=CODE, new_name="").get_data(as_text=True)
    assert 'id="new_code-error"' in html and 'id="new_name-error"' in html


@pytest.mark.parametrize("user", ["mgr", "gm.wang", "office", "eng1"])
def test_only_an_admin_copies_a_template(client, scored, user):
    login(client, user)
    response = client.post(f"/admin/templates/{CODE}/copy", data={"new_code": "sla", "new_name": "副本"})
    assert response.status_code in (302, 403)  # 302: to the login page of a role without access
    assert db.session.scalar(select(KpiTemplate).where(KpiTemplate.code == "sla")) is None


def test_a_copy_without_the_pages_token_stores_nothing(app_factory, scored):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)})
    refused = client.post(f"/admin/templates/{CODE}/copy", data={"new_code": "sla", "new_name": "副本"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(KpiTemplate).where(KpiTemplate.code == "sla")) is None
    assert copy(client, new_code="sla", new_name="副本").status_code == 302
