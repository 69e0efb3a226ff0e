"""Charts drawn as SVG on the server: the team's grades and totals, an engineer's indicators and year, the gm's
department view; each with its numbers as a table, readable on a 375 px phone."""

import os
from decimal import Decimal
import re

import pytest

from tests.e2e.support import sign_in
from tests.conftest import PASSWORD, login
from tests.sheets.conftest import MONTH


def cells(html, table_class):
    table = re.search(rf'<table class="[^"]*{table_class}[^"]*">(.*?)</table>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table, re.S)]


def test_team_month_page_charts_grades_and_totals(client, scored, api):
    rows = api("GET", f"/scores/{MONTH}", "mgr").get_json()["scores"]
    login(client, "mgr")
    html = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert html.count("<svg") >= 2 and 'id="grade-chart"' in html and 'id="total-histogram"' in html
    grades = cells(html, "grade-table")
    counts = dict(zip(grades[1:6], grades[7:12]))
    for grade in "ABCDE":
        assert int(counts[grade]) == sum(1 for row in rows if row["grade"] == grade)
    histogram = cells(html, "histogram-table")
    assert sum(int(n) for n in histogram[9:]) == sum(1 for row in rows if row["total"] is not None)
    assert "<script" not in html.split("</main>")[0].split("<main")[1]  # charts need no script


def test_score_page_charts_indicators_and_trend(client, scored, api):
    row = next(r for r in api("GET", f"/scores/{MONTH}", "eng1").get_json()["scores"] if r["username"] == "eng1")
    login(client, "eng1")
    html = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert 'id="indicator-chart"' in html and 'id="trend-chart"' in html
    trend = cells(html, "trend-table")
    assert trend[4:8] == [MONTH, f"{row['quantitative']:.2f}", f"{row['qualitative']:.2f}", f"{row['total']:.2f}"]
    chart = re.search(r'id="trend-chart".*?</svg>', html, re.S)
    assert re.findall(r">(\d{4}-\d{2})</text>", chart.group(0))[-1] == MONTH  # the year in full: 25-10 read as a day


def test_department_view_for_the_gm(client, scored, api):
    rows = {r["username"]: r for r in api("GET", f"/scores/{MONTH}", "gm.wang").get_json()["scores"]}
    login(client, "gm.wang")
    html = client.get(f"/charts/department/{MONTH}").get_data(as_text=True)
    table = cells(html, "department-table")
    assert "刘主管" in table and "陈主管" in table
    mean_mgr = (rows["eng1"]["total"] + rows["eng2"]["total"]) / 2
    assert f"{mean_mgr:.2f}" in table and f"{rows['eng3']['total']:.2f}" in table
    assert html.count("<svg") >= 8
    assert "工程师人数" in table and "出勤" in table
    client.post("/lang/en")
    english = cells(client.get(f"/charts/department/{MONTH}").get_data(as_text=True), "department-table")
    assert "Engineers" in english and "Attendance" in english and "Customer satisfaction" in english
    assert not any("出勤" in cell or "人数" in cell for cell in english)
    client.post("/lang/zh")
    client.post("/logout")
    login(client, "mgr")
    assert client.get(f"/charts/department/{MONTH}").status_code == 403


@pytest.mark.e2e
def test_charts_are_readable_on_a_phone(live_server, phone, scored, screenshot_dir):
    page = phone
    sign_in(page, live_server, "gm.wang", PASSWORD)
    for path, name in ((f"/scores/{MONTH}", "charts-team-phone.png"), (f"/scores/{MONTH}/eng1", "charts-engineer-phone.png"),
                       (f"/charts/department/{MONTH}", "charts-department-phone.png")):
        page.goto(live_server + path)
        box = page.locator("svg.chart").first.bounding_box()
        assert 300 <= box["width"] <= 375  # scaled to the screen, not cut
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
        page.screenshot(path=os.path.join(screenshot_dir, name), full_page=True)


def test_means_are_exact_and_round_half_up(scored, team):
    """24.23 and 24.24 average to 24.235, shown 24.24 (SQLite's avg, a float, gave 24.23)."""
    from sqlalchemy import update

    from tracker.charts.data import department
    from tracker.extensions import db
    from tracker.scores.models import Score

    for username, total in (("eng1", "24.23"), ("eng2", "24.24")):
        db.session.execute(update(Score).where(Score.engineer_id == team[username].id, Score.month == MONTH)
                           .values(total=Decimal(total)))
    db.session.commit()
    teams, _indicators = department(MONTH)
    assert {t.username: t.mean_total for t in teams}["mgr"] == Decimal("24.24")


def test_engineers_without_a_supervisor_are_a_column_of_their_own_not_left_out(client, scored, team):
    """The supervisor is optional; an engineer without one, scored and counted on the gm's month page, was on no
    column of the department overview, and nothing said so."""
    from sqlalchemy import update

    from tracker.auth.models import User
    from tracker.charts.data import department
    from tracker.extensions import db

    db.session.execute(update(User).where(User.id == team["eng3"].id).values(supervisor_id=None))
    db.session.commit()
    teams, indicators = department(MONTH)
    assert [(t.manager, t.username, t.engineers) for t in teams][-1] == ("无直接主管", None, 1)
    assert sum(t.engineers for t in teams) == 3
    assert all(None in indicator["means"] for indicator in indicators if indicator["code"] == "attendance")
    login(client, "gm.wang")
    assert "无直接主管" in cells(client.get(f"/charts/department/{MONTH}").get_data(as_text=True), "department-table")


def test_a_team_mean_of_some_engineers_says_of_how_many(client, scored, team):
    """刘主管's 平均总分 stood under 工程师人数 2 as the mean of the one engineer with a total, unsaid."""
    from sqlalchemy import update

    from tracker.extensions import db
    from tracker.scores.models import Score

    db.session.execute(update(Score).where(Score.engineer_id == team["eng2"].id, Score.month == MONTH)
                       .values(total=None))
    db.session.commit()
    login(client, "gm.wang")
    html = client.get(f"/charts/department/{MONTH}").get_data(as_text=True)
    assert html.count('class="d-block fw-normal text-muted of-totals"') == 1 and "1/2 人有总分" in html


def test_an_indicator_on_another_scale_is_not_averaged_with_it(scored, team):
    """Templates sharing a code with another maximum (attendance of 15 and of 100) are two rows, not one mean."""
    from sqlalchemy import select, update

    from tracker.charts.data import department
    from tracker.extensions import db
    from tracker.scores.models import Score, ScoreLine

    eng2_score = db.session.scalar(select(Score.id).where(Score.engineer_id == team["eng2"].id, Score.month == MONTH))
    db.session.execute(update(ScoreLine).where(ScoreLine.score_id == eng2_score, ScoreLine.code == "attendance")
                       .values(max_points=Decimal(100), points=Decimal(90)))
    db.session.commit()
    _teams, indicators = department(MONTH)
    attendance = [i for i in indicators if i["code"] == "attendance"]
    assert sorted(i["max"] for i in attendance) == [Decimal(15), Decimal(100)]
    assert next(i for i in attendance if i["max"] == 100)["means"]["mgr"] == Decimal("90.00")
    # each says its scale: three charts titled 出勤 could not be told apart
    assert sorted(i["name"] for i in attendance) == ["出勤（满分 100）", "出勤（满分 15）"]


def test_one_code_under_two_names_is_two_rows(scored, team):
    """Two templates' `safety` of 20 (安全与规范 and 车间安全) were one row named after one of them, the other team's
    mean under a name that was not its indicator's."""
    from sqlalchemy import select, update

    from tracker.charts.data import department
    from tracker.extensions import db
    from tracker.scores.models import Score, ScoreLine

    eng2_score = db.session.scalar(select(Score.id).where(Score.engineer_id == team["eng2"].id, Score.month == MONTH))
    db.session.execute(update(ScoreLine).where(ScoreLine.score_id == eng2_score, ScoreLine.code == "attendance")
                       .values(name="考勤纪律", name_en="Discipline"))
    db.session.commit()
    _teams, indicators = department(MONTH)
    assert sorted(i["name"] for i in indicators if i["code"] == "attendance") == ["出勤", "考勤纪律"]
    _teams, indicators = department(MONTH, lang="en")
    assert sorted(i["name"] for i in indicators if i["code"] == "attendance") == ["Attendance", "Discipline"]


def test_a_month_without_totals_says_so_instead_of_an_empty_chart(client, team, records):
    """No leader review yet: every total waits, and the mean-total chart was an empty drawing with no word."""
    from datetime import date

    from tests.conftest import NOW
    from tracker.extensions import db
    from tracker.scores import services as reports, templates_store

    templates_store.sync_presets(NOW)
    records.trip(team["eng1"], date(2026, 11, 2), hours=4)
    reports.compute_month("2026-11", NOW)
    db.session.commit()
    login(client, "gm.wang")
    html = client.get("/charts/department/2026-11").get_data(as_text=True)
    assert 'id="no-totals"' in html and 'id="team-totals"' not in html
    assert "department-table" in html  # the indicators' means are still shown


def test_a_label_longer_than_the_labels_column_is_shortened_whole_in_its_tooltip():
    """Form 9's 客户咨询、投诉处理及时性及有效性 (16 characters, 192 px) ran past the chart's left edge at 180 px."""
    from tracker.charts import svg

    name = "客户咨询、投诉处理及时性及有效性"
    chart = str(svg.hbars([(name, 5, 5), ("出勤扣分", 0, 0)], "指标"))
    texts = re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="end">(?:<title>([^<]*)</title>)?([^<]*)</text>', chart)
    (x, title, shown), (_x, plain_title, plain) = texts
    assert title == name and shown.endswith("…") and svg._text_width(shown) <= float(x) - 4
    assert (plain_title, plain) == ("", "出勤扣分")


def test_a_hand_entry_nobody_made_is_drawn_as_none_not_as_zero(app, team):
    """A template's hand entry not made yet has provisional points: the indicator chart drew them as a 0/10 the
    engineer never got; it shows the track and "—" until the entry is made."""
    from tracker.charts.views import engineer_charts

    lines = [{"name": "出勤", "applies": True, "missing": False, "points": Decimal("13"), "max_points": Decimal(15)},
             {"name": "安全生产", "applies": True, "missing": True, "points": Decimal(0), "max_points": Decimal(10)}]
    with app.test_request_context():
        chart = str(engineer_charts(team["eng1"], MONTH, lines)["indicators"])
    assert "13/15" in chart and "—/10" in chart and "0/10" not in chart
    assert chart.count('fill="#0d6efd"') == 1 and chart.count('fill="#e9ecef"') == 2  # one bar, two tracks


def test_a_hand_entry_nobody_made_is_said_on_the_department_view_not_left_out(client, scored, team):
    """Indicators nobody had entered got no row while the team's 平均总分 counted them as 0: full marks on every row
    shown beside a low total, nothing to explain the gap."""
    from sqlalchemy import select, update

    from tracker.extensions import db
    from tracker.scores.models import Score, ScoreLine

    score = db.session.scalar(select(Score).where(Score.engineer_id == team["eng1"].id, Score.month == MONTH))
    db.session.execute(update(ScoreLine).where(ScoreLine.score_id == score.id, ScoreLine.code == "expense")
                       .values(missing=True, points=0))
    db.session.commit()
    login(client, "gm.wang")
    html = client.get(f"/charts/department/{MONTH}").get_data(as_text=True)
    row = re.search(r'<tr data-code="expense">(.*?)</tr>', html, re.S).group(1)
    assert "1 人未录入" in row, row
    total = re.search(r"平均总分</th>(.*?)</tr>", html, re.S).group(1)
    assert "1 人含未录入" in total, total
    charts = html.count("<svg")
    db.session.execute(update(ScoreLine).where(ScoreLine.code == "expense").values(missing=True, points=0))
    db.session.commit()  # entered by no team: said in the table, and no empty chart drawn for it
    html = client.get(f"/charts/department/{MONTH}").get_data(as_text=True)
    assert "人未录入" in re.search(r'<tr data-code="expense">(.*?)</tr>', html, re.S).group(1)
    assert html.count("<svg") == charts - 1


def test_a_score_below_zero_is_drawn_above_the_month_labels():
    """Q may go below 0 (attendance deductions); its point was drawn under the axis, among the month labels."""
    from tracker.charts import svg

    chart = str(svg.lines(["2026-10", "2026-11"], [("Q", [Decimal("80"), Decimal("-5")])], "趋势",
                          width=360, height=200))
    labels_y = min(float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)" text-anchor="middle">2026-1', chart))
    points = [float(cy) for cy in re.findall(r'<circle cx="[\d.]+" cy="([-\d.]+)"', chart)]
    zero_line = float(re.search(r'y1="([\d.]+)"[^>]*/><text[^>]*>0</text>', chart).group(1))
    assert len(points) == 2 and points[1] > zero_line and max(points) < labels_y - 10, (points, labels_y)
