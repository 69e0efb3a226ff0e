"""Every preset's template page: who rates, whether approval needs a leader review, and the readings of the seed."""

import pytest

from tests.conftest import login
from tracker.scoring.presets import bundled_presets

PRESETS = sorted(bundled_presets())


@pytest.mark.parametrize("code", PRESETS)
def test_every_preset_page_shows_its_readings_of_the_seed(client, team, code):
    login(client, "admin")
    page = client.get(f"/admin/templates/{code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "对原表的解读" in text and "需要领导评价才能审批" in text
    for reading in bundled_presets()[code]["readings"]:
        assert reading["topic"] in text


@pytest.mark.parametrize("code, raters, review", [
    ("service_department_appraisal", "人工评分人：领导评", "需要领导评价才能审批：是"),
    ("service_360", "人工评分人：自评、同事评、领导评", "需要领导评价才能审批：否"),
    ("project_engineer_kpi", None, "需要领导评价才能审批：否"),
])
def test_the_template_page_says_who_rates(client, team, code, raters, review):
    login(client, "admin")
    text = client.get(f"/admin/templates/{code}").get_data(as_text=True)
    assert review in text
    if raters:
        assert raters in text
    else:
        assert "人工评分人" not in text


def test_the_template_page_shows_form_6_parts(client, team):
    login(client, "admin")
    text = client.get("/admin/templates/project_engineer_kpi").get_data(as_text=True)
    assert "主要绩效 60" in text and "基本职能 20" in text and "绩效管理 10" in text and "学习与创新 10" in text


@pytest.mark.parametrize("code, shown, not_shown", [
    ("project_engineer_kpi", ["部分得分率", "季度指标：只在季末月份"], ["满分合计", "÷ 适用指标满分之和"]),
    ("service_post_deduction", ["从 100 分起扣"], ["满分合计"]),
    ("engineer_monthly", ["满分合计 100", "÷ 适用指标满分之和"], ["部分得分率"]),
])
def test_the_template_page_states_how_its_own_total_is_computed(client, team, code, shown, not_shown):
    """Form 6 is weighted by sections (15 indicators of max 100 each: no 满分合计 1500), form 4 deducts from 100
    (no 满分合计 70 beside it); the default adds its points out of 100."""
    login(client, "admin")
    text = client.get(f"/admin/templates/{code}").get_data(as_text=True)
    assert all(part in text for part in shown), [part for part in shown if part not in text]
    assert not any(part in text for part in not_shown), [part for part in not_shown if part in text]


@pytest.mark.e2e
def test_every_preset_page_fits_a_1000_px_screen_in_english(live_server, browser, team):
    """Names and data sources kept on one line each, so a wide template's rules scrolled sideways in English."""
    from tests.conftest import PASSWORD
    from tests.e2e.support import sign_in

    context = browser.new_context(viewport={"width": 1000, "height": 800}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(live_server + "/?lang=en")
    for code in PRESETS:
        page.goto(f"{live_server}/admin/templates/{code}")
        hidden = page.evaluate("Array.from(document.querySelectorAll('.table-responsive'))"
                               ".map(e => e.scrollWidth - e.clientWidth)")
        assert hidden and max(hidden) <= 1, (code, hidden)
    context.close()


@pytest.mark.parametrize("code", PRESETS)
def test_a_presets_group_labels_are_in_english_on_the_english_page(client, team, code):
    """Three presets' group labels (售后服务目标实现, 返修控制, 市场部…) showed in Chinese on the English template page."""
    import re

    login(client, "admin")
    client.post("/lang/en")
    text = client.get(f"/admin/templates/{code}").get_data(as_text=True)
    groups = re.findall(r'<small class="text-muted d-block group">([^<]*)</small>', text)
    assert not [label for label in groups if re.search(r"[\u4e00-\u9fff]", label)], groups


def test_group_en_needs_its_group():
    from tracker.scoring.errors import TemplateError
    from tracker.scoring.template import load_template

    data = {**bundled_presets()["repair_technician_monthly"]}
    data["indicators"] = [{key: value for key, value in line.items() if key != "group"}
                          for line in data["indicators"]]
    with pytest.raises(TemplateError) as refused:
        load_template(data)
    assert "group_en" in str(refused.value)


def test_the_template_page_says_which_times_count_in_business_hours(client, team):
    """A response measured in business hours read like one in clock hours on the template's page."""
    from tracker.extensions import db
    from tracker.scores.templates_store import store_template
    from tests.conftest import NOW

    band = {"bands": [[1, 15], [0.95, 12], [0.9, 9], [0.8, 6], [0.7, 3]]}
    store_template({"code": "sla", "name": "SLA", "version": 1, "effective_from": "2026-01", "indicators": [
        {"code": "response", "name": "响应及时率", "max": 15, "rule": "band", "params": band,
         "source": {"kind": "response", "clock": "business", "office_hours": "09:00-18:00"}},
        {"code": "late", "name": "准时完工", "max": 15, "rule": "deduction", "params": {"per": 1},
         "source": {"kind": "on_time", "clock": "business"}},
        {"code": "clock", "name": "响应（自然时间）", "max": 15, "source": "response", "rule": "band", "params": band}]},
        NOW)
    db.session.commit()
    login(client, "admin")
    text = client.get("/admin/templates/sla").get_data(as_text=True)
    assert "工单响应时间（按工作时间 09:00–18:00 计）" in text
    assert "工单截止时间（按工作时间 08:30–17:30 计）" in text
    assert text.count("按工作时间") == 2  # the clock-hour line says nothing of it
    english = client.get("/admin/templates/sla?lang=en").get_data(as_text=True)
    assert "in business hours, 09:00–18:00" in english
