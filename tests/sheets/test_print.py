"""The appraisal sheet (考核表): print page, PDF with the score API's figures, a team in one go, A4 in Chromium."""

import io
import os
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from sqlalchemy import update

from tests.e2e.support import sign_in
from tests.conftest import NOW, PASSWORD, login, skip_or_fail
from tests.sheets.conftest import MONTH
from tracker.extensions import db
from tracker.scores.models import Score, Veto


def pdf_pages(body):
    try:
        from pypdf import PdfReader
    except ImportError:
        skip_or_fail("pypdf is not installed")
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def get_pdf(client, url):
    response = client.get(url)
    if response.status_code == 503:
        skip_or_fail("WeasyPrint cannot run here (Pango missing)")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response


def api_row(api, viewer, username, month=MONTH):
    """One engineer's row of the month's scores, as the score API answers it."""
    rows = api("GET", f"/scores/{month}?explain=1", viewer).get_json()["scores"]
    return next(row for row in rows if row["username"] == username)


def flat(text):
    return re.sub(r"\s+", "", text)


def figures(row):
    """The figures a sheet must show, as the score API gives them, formatted with 2 decimals."""
    shown = [f"{row[key]:.2f}" for key in ("quantitative", "qualitative", "adjustments", "total", "bonus")]
    shown += [f"{indicator['points']:.2f}" for indicator in row["indicators"] if indicator["applies"]]
    return shown + [row["grade"]]


def test_print_page_shows_everything_the_paper_form_had(client, scored, api):
    row = api_row(api, "mgr", "eng1")
    login(client, "mgr")
    html = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    for figure in figures(row):
        assert figure in html
    for indicator in row["indicators"]:
        assert indicator["name"] in html and indicator["explanation"] in html
    for words in ("被考核人", "直接主管", "总经理", "签名", "日期", "领导评", "自评", "一票否决", "等级", "奖金",
                  "草稿", "刘主管", "王总", "张三"):
        assert words in html
    assert "sheet.css" in html and "<script>" not in html  # print CSS from static/, no inline script


def test_pdf_has_the_same_figures_as_the_score_api(client, scored, api):
    row = api_row(api, "mgr", "eng1")
    login(client, "mgr")
    response = get_pdf(client, f"/sheets/pdf/{MONTH}/eng1")
    # the Chinese name, and a plain ASCII one for clients that read only that (there was none)
    assert response.headers["Content-Disposition"] == (f"attachment; filename=\"{MONTH}-eng1-sheet.pdf\"; "
                                                       f"filename*=UTF-8''{quote(MONTH + '张三考核表.pdf')}")
    pages = pdf_pages(response.data)
    assert len(pages) == 1
    text = flat(pages[0])
    for figure in figures(row):
        assert figure in text, figure
    for words in ("被考核人", "直接主管", "总经理", "张三", "领导评"):
        assert words in text


def test_vetoed_sheet_says_so_with_the_reason(client, scored, api):
    db.session.add(Veto(engineer_id=scored["eng2"].id, month=MONTH, reason="安全事故造成损失",
                        recorded_at=scored["eng2"].created_at))
    db.session.commit()
    login(client, "mgr")
    html = client.get(f"/sheets/{MONTH}/eng2").get_data(as_text=True)
    assert "安全事故造成损失" in html


def test_a_draft_sheet_says_under_its_title_that_it_can_still_change_and_an_approved_one_does_not(client, scored, api):
    """A draft said 草稿 only in the last cell of its totals, under signature lines: printed and signed, it looked
    final. The period sheet likewise, and a vetoed month read there as a bare 0.00 E."""
    login(client, "mgr")
    draft = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    assert "草稿：尚未经总经理审批，得分仍会随数据变化" in draft
    assert draft.index("草稿：尚未经总经理审批") < draft.index("定量指标")
    db.session.execute(update(Score).where(Score.engineer_id == scored["eng1"].id, Score.month == MONTH)
                       .values(status="approved", vetoed=True))
    db.session.commit()
    assert "草稿：尚未经总经理审批" not in client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    annual = client.get("/sheets/2026/annual/eng1").get_data(as_text=True)
    assert "当前值：尚未定稿" in annual and "已审批（一票否决）" in annual


def test_team_prints_in_one_go_one_sheet_per_page(client, scored, api):
    rows = {r["username"]: r for r in api("GET", f"/scores/{MONTH}", "gm.wang").get_json()["scores"]}
    login(client, "mgr")
    html = client.get(f"/sheets/{MONTH}").get_data(as_text=True)
    assert html.count('class="sheet"') == 2 and "王五" not in html  # mgr's team only
    pages = pdf_pages(get_pdf(client, f"/sheets/pdf/{MONTH}").data)
    assert len(pages) == 2
    for page, username, name in zip(pages, ("eng1", "eng2"), ("张三", "李四")):
        text = flat(page)
        assert name in text
        assert f"{rows[username]['total']:.2f}" in text
    client.post("/logout")
    login(client, "gm.wang")
    assert len(pdf_pages(get_pdf(client, f"/sheets/pdf/{MONTH}").data)) == 3
    html = client.get(f"/sheets/{MONTH}?team=mgr2").get_data(as_text=True)
    assert html.count('class="sheet"') == 1 and "王五" in html


def test_a_team_print_keeps_an_approved_sheet_after_a_hire_date_correction(client, scored, api):
    """A hire date corrected after the approval (now too late for the month) left the approved sheet out of the
    team's print, while the list, the summary and the engineer's own sheet still show it approved."""
    from datetime import date

    from sqlalchemy import update

    from tracker.auth.models import User
    from tracker.scores.models import Score

    db.session.execute(update(Score).where(Score.month == MONTH).values(status="approved"))
    db.session.execute(update(User).where(User.username == "eng2").values(hire_date=date(2026, 9, 1)))
    db.session.commit()
    login(client, "mgr")
    html = client.get(f"/sheets/{MONTH}").get_data(as_text=True)
    assert html.count('class="sheet"') == 2 and "李四" in html


def test_a_sheet_running_onto_a_second_page_names_its_engineer_and_month_there(client, scored, api):
    """A long sheet (many adjustments with long reasons) runs onto a second A4 page: every page of the team's PDF
    says whose sheet and which month it is (the second page was only a table's rest, with no name)."""
    from tracker.scores.models import Adjustment
    for number in range(30):
        db.session.add(Adjustment(engineer_id=scored["eng1"].id, month=MONTH, points=Decimal("0.5"),
                                  reason=f"第 {number + 1} 项：夜间抢修客户产线，连续工作并完成备件更换与试车" * 2,
                                  status="proposed", proposed_at=scored["eng1"].created_at))
    db.session.commit()
    login(client, "mgr")
    body = get_pdf(client, f"/sheets/pdf/{MONTH}").data
    pages = [flat(page) for page in pdf_pages(body)]
    assert len(pages) >= 3  # eng1 on two pages or more, then eng2
    assert [page.count("张三") > 0 for page in pages] == [True] * (len(pages) - 1) + [False]
    for page in pages:
        assert ("张三" in page) != ("李四" in page) and MONTH in page


def test_the_signatures_are_never_a_page_of_their_own_without_the_figures_they_sign(client, scored, api):
    """However long the sheet grows (one adjustment more at a time, till it takes three pages), the page with the
    signature boxes also has the totals they sign: with six adjustments the boxes stood alone on the last page."""
    from tracker.scores.models import Adjustment
    login(client, "mgr")
    seen = set()
    for number in range(40):
        db.session.add(Adjustment(engineer_id=scored["eng1"].id, month=MONTH, points=Decimal("0.5"),
                                  reason=f"第 {number + 1} 项：夜间抢修客户产线，连续工作并完成备件更换与试车" * 3,
                                  status="proposed", proposed_at=scored["eng1"].created_at))
        db.session.commit()
        pages = [flat(page) for page in pdf_pages(get_pdf(client, f"/sheets/pdf/{MONTH}/eng1").data)]
        seen.add(len(pages))
        signed = [page for page in pages if "被考核人" in page]
        assert len(signed) == 1 and "总分T" in signed[0] and "奖金" in signed[0], (number + 1, pages[-1])
        if len(pages) == 3:
            break
    assert seen == {1, 2, 3}


def test_a_sheet_says_when_the_reviews_filed_count_for_nothing(client, scored, api):
    """eng1's leader and self reviews, then a template without a qualitative part: the sheet says the two reviews
    do not count (it said 本月还没有评价, as if nobody had reviewed)."""
    from tracker.scores import services as reports
    scored["eng1"].kpi_template = "after_sales_kpi"
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    login(client, "mgr")
    html = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    assert "本月的 2 份评价都不计入定性得分" in html and "本月还没有评价" not in html
    html = client.get(f"/sheets/{MONTH}/eng2").get_data(as_text=True)  # eng2's leader review counts
    assert "不计入定性得分" not in html and "本月还没有评价" not in html


def test_a_template_without_a_qualitative_part_says_so_instead_of_no_review_yet(client, scored, api):
    """Forms 4 and 7 have no qualitative part: their sheet and score page said 本月还没有评价 (no review yet), as if
    one were owed."""
    from sqlalchemy import delete

    from tracker.reviews.models import Review
    from tracker.scores import services as reports
    scored["eng3"].kpi_template = "after_sales_kpi"
    db.session.execute(delete(Review).where(Review.engineer_id == scored["eng3"].id))  # nobody reviewed him
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    login(client, "mgr2")
    for url in (f"/sheets/{MONTH}/eng3", f"/scores/{MONTH}/eng3"):
        html = client.get(url).get_data(as_text=True)
        assert "本考核模板不含定性评价" in html and "本月还没有评价" not in html, url
    html = client.get(f"/sheets/{MONTH}/eng3?lang=en").get_data(as_text=True)
    assert "This appraisal template has no qualitative part" in html


def test_the_score_page_and_the_sheet_say_how_q_l_and_a_make_the_total_and_the_bonus(client, scored, api):
    """T = 70% × Q + 30% × L + A and the bonus from T and the base, on the page and the 考核表 (neither said how the
    total and the bonus were formed); a vetoed month says T = 0; a base changed since the compute is not used to
    explain a bonus it did not give."""
    row = api_row(api, "mgr", "eng1")
    line = (f"T = 70% × Q + 30% × L + A（不低于 0） = {row['total']:.2f}；"
            f"奖金 = {row['total']:.2f} ÷ 100 × 奖金基数 1000.00 = {row['bonus']:.2f}")
    assert scored["eng1"].bonus_base == 1000
    login(client, "mgr")
    for path in (f"/scores/{MONTH}/eng1", f"/sheets/{MONTH}/eng1"):
        assert line in client.get(path).get_data(as_text=True), path
    db.session.add(Veto(engineer_id=scored["eng2"].id, month=MONTH, reason="安全事故",
                        recorded_at=scored["eng2"].created_at))
    scored["eng1"].bonus_base = 2000
    db.session.commit()
    from tracker.scores import services as reports
    reports.compute_month(MONTH, NOW, engineer_ids=[scored["eng2"].id])
    db.session.commit()
    assert "一票否决：T = 0；奖金 = 0.00 ÷ 100" in client.get(f"/sheets/{MONTH}/eng2").get_data(as_text=True)
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)  # the live draft follows the new base
    assert f"奖金 = {row['total']:.2f} ÷ 100 × 奖金基数 2000.00 = {2 * row['bonus']:.2f}" in page
    db.session.execute(update(Score).where(Score.engineer_id == scored["eng1"].id, Score.month == MONTH)
                       .values(status="approved"))
    scored["eng1"].bonus_base = 1500  # after the approval: the approved bonus stays, and is not explained by it
    db.session.commit()
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert f"A（不低于 0） = {row['total']:.2f}</small>" in page and "奖金基数" not in page


def test_a_weighted_template_prints_each_indicators_weight_as_its_paper_form_did(client, scored, api):
    """Form 6 weighs its indicators (15, 10, ...): the 考核表 prints a 权重 column with them, as the paper form did;
    a template without weights prints none."""
    from tracker.scores import services as reports
    scored["eng1"].kpi_template = "project_engineer_kpi"
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    names = [i["name"] for i in api_row(api, "mgr", "eng1")["indicators"]]
    login(client, "mgr")
    html = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    cells = re.findall(r'<tr class="indicator[^"]*" data-code="[^"]+">\s*<td class="name">([^<]+)'
                       r'.*?<td class="num weight">([^<]+)</td>', html, re.S)
    cells = [(name.strip(), weight) for name, weight in cells]
    assert [name for name, _weight in cells] == names and '<th class="num weight">权重</th>' in html
    assert ("工单误操作率", "15.00") in cells and ("工单响应时间", "10.00") in cells
    assert "权重" not in client.get(f"/sheets/{MONTH}/eng2").get_data(as_text=True)


def test_the_score_page_and_the_sheet_say_how_the_lines_make_q(client, scored, api):
    """Form 6's Q (its parts weighted 60/20/10/10) could not be followed from its lines, nor form 4's (a deduction
    form whose lines sum to less than its Q); each now says how, and the default template's too."""
    from decimal import Decimal as D

    from tracker.scores import services as reports
    scored["eng1"].kpi_template = "project_engineer_kpi"
    scored["eng3"].kpi_template = "service_post_deduction"
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    login(client, "gm.wang")
    said = {}
    for username in ("eng1", "eng2", "eng3"):
        row = api_row(api, "gm.wang", username)
        page = client.get(f"/scores/{MONTH}/{username}").get_data(as_text=True)
        sheet = client.get(f"/sheets/{MONTH}/{username}").get_data(as_text=True)
        found = re.search(r'class="text-muted d-block quantitative-formula">([^<]+)<', page)
        assert found and f'<p class="quantitative-formula">{found.group(1)}</p>' in sheet, username
        said[username] = found.group(1)
        assert said[username].endswith(f"= {row['quantitative']:.2f}"), said[username]
        applied = [i for i in row["indicators"] if i["applies"]]
        if username == "eng2":
            earned = sum(D(str(i["points"])) for i in applied)
            maxima = sum(D(str(i["max_points"])) for i in applied)
            assert said[username].startswith(f"Q = 100 × 得分合计 {earned.normalize():f} ÷ 满分合计 "
                                             f"{maxima.normalize():f} = ")
        if username == "eng3":
            lost = sum(D(str(i["max_points"])) - D(str(i["points"])) for i in applied)
            assert said[username].startswith(f"Q = 100 − 各项扣分之和 {lost.normalize():f} = ")
    assert said["eng1"].startswith("Q = 100 ×（主要绩效 60 × ") and "学习与创新 10 × " in said["eng1"]
    assert "÷ 权重合计 100 = " in said["eng1"]


def test_a_template_in_parts_prints_each_part_as_a_heading_over_its_indicators(client, scored):
    """Form 6 is in parts (主要绩效 60, 基本职能 20, 绩效管理 10, 学习与创新 10): the 考核表 groups its indicators under
    them as the paper form did (it listed 15 indicators as one block); a template without parts has no headings."""
    from tracker.scores import services as reports
    scored["eng1"].kpi_template = "project_engineer_kpi"
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    login(client, "mgr")
    html = client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    rows = re.findall(r'<tr class="section"><th colspan="6">([^<]+)</th></tr>|data-code="([^"]+)"', html)
    order = [heading or code for heading, code in rows]
    assert order[0] == "主要绩效（权重 60）" and order.count("主要绩效（权重 60）") == 1
    for heading, first in (("基本职能（权重 20）", "attendance"), ("绩效管理（权重 10）", None),
                           ("学习与创新（权重 10）", None)):
        assert order.count(heading) == 1, heading
        if first:
            assert order[order.index(heading) + 1] == first
    assert len([item for item in order if "（权重" not in item]) == 15
    assert 'class="section"' not in client.get(f"/sheets/{MONTH}/eng2").get_data(as_text=True)
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)  # the score page groups them alike
    headings = re.findall(r'<li class="[^"]*section">([^<]+)</li>', page)
    assert headings == ["主要绩效（权重 60）", "基本职能（权重 20）", "绩效管理（权重 10）", "学习与创新（权重 10）"]
    assert page.index("基本职能（权重 20）") < page.index('id="indicator-attendance"')
    assert '<span class="text-muted weight"> · 权重 15.00</span>' in page  # 工单误操作率, as the sheet's column
    english = client.get(f"/sheets/{MONTH}/eng1?lang=en").get_data(as_text=True)
    assert "Main performance (weight 60)" in english


def test_an_engineer_reaches_his_own_mid_year_and_annual_sheets_from_his_score_page(client, scored):
    """The period sheets were linked from the team month page alone (403 to an engineer): an engineer had no way to
    his own mid-year and annual scores on the web."""
    login(client, "eng1")
    html = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    for anchor, path in (("mid-year-sheet", "/sheets/2026/mid-year/eng1"), ("annual-sheet", "/sheets/2026/annual/eng1")):
        assert f'id="{anchor}" href="{path}"' in html
        assert client.get(path).status_code == 200
    assert client.get("/sheets/2026/annual/eng2").status_code == 403


def test_mid_year_and_annual_sheets_average_the_months(client, scored, api):
    annual = {r["username"]: r for r in api("GET", "/scores/2026/annual", "gm.wang").get_json()["scores"]}
    login(client, "mgr")
    html = client.get("/sheets/2026/annual/eng1").get_data(as_text=True)
    assert "年度" in html and f"{annual['eng1']['score']:.2f}" in html and "2026-10" in html
    html = client.get("/sheets/2026/mid-year/eng1").get_data(as_text=True)
    assert "年中" in html and "2026-06" in html and "2026-10" not in html
    response = get_pdf(client, "/sheets/pdf/2026/annual")
    text = flat(pdf_pages(response.data)[0])
    assert f"{annual['eng1']['score']:.2f}" in text
    # download names as the monthly sheet's, in Chinese whatever the reader's language
    client.post("/lang/en")
    for url, name in (("/sheets/pdf/2026/annual", "2026年度考核表.pdf"),
                      ("/sheets/pdf/2026/mid-year/eng1", "2026张三年中考核表.pdf")):
        assert quote(name) in get_pdf(client, url).headers["Content-Disposition"]


def test_who_may_print_what(client, scored):
    login(client, "eng1")
    assert client.get(f"/sheets/{MONTH}/eng1").status_code == 200
    assert client.get(f"/sheets/{MONTH}/eng2").status_code == 403
    assert client.get(f"/sheets/{MONTH}").status_code == 403
    client.post("/logout")
    login(client, "mgr2")
    assert client.get(f"/sheets/{MONTH}/eng1").status_code == 403
    assert client.get(f"/sheets/{MONTH}?team=nobody").status_code == 422
    assert client.get("/sheets/2026-13/eng1").status_code == 422
    assert client.get("/sheets/99/annual/eng1").status_code == 422  # as a bad month: see test_a_year_outside_*


YEAR_ONLY = "年份须为 2000–2099 的四位数字"


@pytest.mark.parametrize("path", ["/sheets/2100/annual", "/sheets/pdf/2100/annual", "/sheets/xlsx/2100/annual",
                                  "/sheets/1999/mid-year", "/sheets/2100/annual/eng1", "/sheets/pdf/0093/mid-year/eng1",
                                  "/sheets/xlsx/9999/mid-year", "/sheets/%D9%A2%D9%A0%D9%A2%D9%A6/annual"])
def test_a_year_outside_2000_to_2099_is_refused_on_every_sheet_route_like_the_api(client, api, team, path):
    login(client, "gm.wang")
    response = client.get(path)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert YEAR_ONLY in response.get_data(as_text=True)
    answer = api("GET", "/scores/2100/annual", "gm.wang")
    assert answer.status_code == 422 and answer.get_json()["error"]["fields"] == {"year": YEAR_ONLY}


@pytest.mark.parametrize("path", ["/scores/2100/mid-year", "/summaries/2100/annual", "/summaries/1999/mid-year.xlsx"])
def test_the_api_refuses_the_same_years_on_its_period_calls(api, team, path):
    answer = api("GET", path, "gm.wang")
    assert answer.status_code == 422 and answer.get_json()["error"]["fields"] == {"year": YEAR_ONLY}


def test_years_2000_and_2099_are_accepted_on_the_sheet_routes(client, team):
    """Nobody was assessed in 2000 (hired in 2020): the page says so (it said the gm had no engineers in scope)."""
    login(client, "gm.wang")
    assert client.get("/sheets/2099/mid-year").status_code == 200
    for path in ("/sheets/2000/annual", "/sheets/2000-01"):
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "您的范围内没有参加这一期考核的工程师。" in page and "您的范围内没有工程师" not in page


@pytest.mark.e2e
def test_print_page_at_a4_in_chromium(live_server, browser, scored, screenshot_dir):
    context = browser.new_context(viewport={"width": 794, "height": 1123}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + "/login")
    page.fill("input[name=username]", "mgr")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/sheets/{MONTH}")
    page.emulate_media(media="print")
    assert not page.is_visible("#print-button")  # the toolbar is not printed
    sheets = page.locator("section.sheet")
    assert sheets.count() == 2
    for i in range(2):
        sheet = sheets.nth(i)
        # A4 at 96 px/in is 794 × 1123 px: a sheet fits in one page's height
        assert sheet.bounding_box()["height"] <= 1123
        sheet.screenshot(path=os.path.join(screenshot_dir, f"sheet-a4-{i + 1}.png"))
    printed = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    pages = pdf_pages(printed)
    assert len(pages) == 2  # Chromium's own print: one sheet per A4 page
    assert "张三" in flat(pages[0]) and "李四" in flat(pages[1])
    context.close()


def test_sheet_marks_hand_entries_still_missing(client, team, records, api):
    from tests.approval.test_missing_entries import MONTH as NOVEMBER
    from tests.approval.test_missing_entries import technician
    technician(team, records, api)
    login(client, "mgr")
    html = client.get(f"/sheets/{NOVEMBER}/eng1").get_data(as_text=True)
    assert html.count('class="missing"') == 4  # three lines and the note under them
    assert "有未录入的项目" in html


# the Latin words of the indicators' name and value cells that the browser laid out on more than one line
BROKEN_WORDS = """() => [...document.querySelectorAll('.indicators td.name, .indicators td.value')].flatMap(cell => {
    const text = cell.firstChild;
    if (!text || text.nodeType !== Node.TEXT_NODE) return [];
    const words = [], pattern = /[A-Za-z]{2,}/g;
    let match;
    while ((match = pattern.exec(text.data))) {
        const range = document.createRange();
        range.setStart(text, match.index);
        range.setEnd(text, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
        if (lines.size > 1) words.push(match[0]);
    }
    return words;
})"""


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["简体中文", "English"])
def test_sheets_fit_a_phone_in_either_language(live_server, phone, scored, screenshot_dir, language):
    """In English the totals' headers ("Quantitative Q", "Bonus (CNY)") made the month sheet 524 px wide."""
    from tracker.scores import services as reports
    scored["eng2"].kpi_template = "project_engineer_kpi"  # form 6: a weight column and its parts' headings
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    page = phone
    sign_in(page, live_server, "gm.wang", PASSWORD)
    page.get_by_role("button", name=language).first.click()
    page.wait_for_load_state()
    for path in (f"/sheets/{MONTH}/eng1", "/sheets/2026/annual/eng1", "/sheets/2026/mid-year/eng1",
                 f"/sheets/{MONTH}/eng2"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1, path
        # and at 375 px too, the indicators' names and values break between words ("Attendan|ce")
        assert page.evaluate(BROKEN_WORDS) == [], path
    page.goto(live_server + f"/sheets/{MONTH}/eng1")
    page.screenshot(path=os.path.join(screenshot_dir, f"sheet-phone-{'en' if language == 'English' else 'zh'}.png"),
                    full_page=True)


@pytest.mark.e2e
def test_a_weighted_sheet_fits_a_phone_wide_window_in_english(live_server, browser, scored):
    """Form 6's weight column made the English sheet 421 px wide in a 390 or 414 px window: it scrolled sideways,
    the details cut off (the smaller type began only below 380 px)."""
    from tests.e2e.support import log_in
    from tracker.scores import services as reports

    scored["eng2"].kpi_template = "project_engineer_kpi"
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    context, page = log_in(browser, live_server, "gm.wang", {"width": 390, "height": 844}, password=PASSWORD)
    widths = {}
    for path in (f"/sheets/{MONTH}/eng2?lang=en", f"/sheets/{MONTH}?lang=en"):
        page.goto(live_server + path)
        for width in (381, 390, 414, 430):
            page.set_viewport_size({"width": width, "height": 844})
            widths[(path, width)] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert all(scroll <= width for (_path, width), scroll in widths.items()), widths


@pytest.mark.e2e
def test_indicator_names_and_values_break_between_words_on_a_phone_in_english(live_server, browser, scored):
    """At 390 px (most phones) the value "Full attendance" read "Full attendan" over "ce" (the names broke between
    words already; at 380 px and below both may break anywhere rather than widen the page)."""
    from tests.e2e.support import log_in

    context, page = log_in(browser, live_server, "gm.wang", {"width": 390, "height": 844}, password=PASSWORD)
    page.goto(f"{live_server}/sheets/{MONTH}/eng1?lang=en")
    broken = page.evaluate(BROKEN_WORDS)
    names = page.eval_on_selector_all(".indicators td.value", "cells => cells.map(cell => cell.textContent)")
    context.close()
    assert "Full attendance" in names
    assert broken == []


def test_a_period_sheet_says_not_appraised_for_months_before_six_months_of_service(client, scored, make_user):
    """Months before an engineer was assessed read "not computed yet", as though something were outstanding."""
    import re
    from datetime import date

    make_user("eng9", display_name="新人", supervisor="mgr", hire_date=date(2026, 3, 10))  # assessed from 2026-09
    login(client, "mgr")
    html = client.get("/sheets/2026/annual/eng9").get_data(as_text=True)
    states = dict(re.findall(r"<tr><td>(2026-\d\d)</td>.*?<td>([^<]*)</td></tr>", html, re.S))
    assert {states[f"2026-{m:02d}"] for m in range(1, 9)} == {"不参加考核"}, states
    assert states["2026-09"] == "尚未计算", states


def test_the_period_stays_on_one_line_beside_a_name_of_forty_letters(client, scored, api):
    """With the longest name allowed the name cell took the width and 考核期间 read "2026-1" over "1" (January at a
    glance on a filed sheet)."""
    long_name = "欧阳" + "长" * 38  # no break between the characters but anywhere
    assert api("PATCH", "/users/eng1", "admin", json={"display_name": long_name}).status_code == 200
    login(client, "mgr")
    lines = [line.strip() for line in pdf_pages(get_pdf(client, f"/sheets/pdf/{MONTH}/eng1").data)[0].split("\n")]
    assert f"考核期间 {MONTH}" in lines, lines[:6]
