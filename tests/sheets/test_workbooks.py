"""The team workbooks and the summaries API: headers, values equal to the score API's, print settings."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import NOW, login
from tests.scores.support import Records
from tests.sheets.conftest import MONTH
from tracker.itinerary.models import Trip
from tracker.workorders.models import WorkOrder
from tracker.extensions import db
from tracker.scores import services as reports
from tracker.sheets import summaries


def open_book(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def rows_of(sheet):
    header = [cell.value for cell in sheet[1]]
    return header, {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}


def assert_printable(sheet):
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows.startswith("$1:$1") or sheet.print_title_rows.startswith("1:1")
    assert "&P" in sheet.oddFooter.center.text
    margins = sheet.page_margins
    assert margins.footer < margins.bottom and margins.header < margins.top  # inside the margins
    assert sheet.freeze_panes == "C2"


def same(cell, number):
    return (cell is None and number is None) or Decimal(str(cell)) == Decimal(str(number))


def test_month_workbook_matches_the_score_api(client, scored, api):
    scores = {row["username"]: row for row in api("GET", f"/scores/{MONTH}", "gm.wang").get_json()["scores"]}
    book = open_book(api("GET", f"/summaries/{MONTH}.xlsx", "gm.wang"))
    sheet = book.active
    header, rows = rows_of(sheet)
    assert header[:2] == ["用户名", "姓名"]
    assert header[-9:] == ["定量Q", "定性L", "加减分A", "总分T", "等级", "奖金（元）", "一票否决", "状态", "考核模板"]
    assert "出勤" in header and "外勤工时" in header and "客户满意度" in header
    assert set(rows) == {"eng1", "eng2", "eng3"}
    for username, row in rows.items():
        expected = scores[username]
        for key, column in (("quantitative", "定量Q"), ("qualitative", "定性L"), ("adjustments", "加减分A"),
                            ("total", "总分T"), ("bonus", "奖金（元）")):
            if key == "total" and expected["total"] is None:  # a draft waiting for its leader review, as the PDF
                assert row[column] == "待定", username
                continue
            assert same(row[column], expected[key]), (username, column)
        assert row["等级"] == expected["grade"] and row["状态"] == "草稿" and row["考核模板"] == "售后工程师月度考核"
        for indicator in expected["indicators"]:
            assert same(row[indicator["name"]], indicator["points"] if indicator["applies"] else None)
    assert sheet["F2"].number_format == "0.00"
    assert sheet.cell(row=2, column=header.index("奖金（元）") + 1).number_format == "#,##0.00"
    assert_printable(sheet)


def test_a_pending_total_reads_pending_in_the_month_workbook_as_on_the_sheet(client, scored, api, team):
    """A draft whose total waits (no leader review yet) was an empty cell beside 草稿; the sheet says 待定."""
    from sqlalchemy import update

    from tracker.scores.models import Score

    db.session.execute(update(Score).where(Score.engineer_id == team["eng3"].id)
                       .values(total=None, grade=None, bonus=None))
    db.session.commit()
    _header, rows = rows_of(open_book(api("GET", f"/summaries/{MONTH}.xlsx", "gm.wang")).active)
    assert rows["eng3"]["总分T"] == "待定" and rows["eng3"]["等级"] is None and rows["eng3"]["状态"] == "草稿"
    assert isinstance(rows["eng1"]["总分T"], float)


def test_a_draft_waiting_for_its_recompute_says_so_in_the_workbooks(client, scored, api, team):
    """After a calendar change the page said 草稿（待重新计算） beside the old total; the workbooks said 草稿."""
    from sqlalchemy import update

    from tracker.scores.models import Score

    db.session.execute(update(Score).where(Score.engineer_id == team["eng1"].id).values(stale=True))
    db.session.commit()
    _header, rows = rows_of(open_book(api("GET", f"/summaries/{MONTH}.xlsx", "gm.wang")).active)
    assert rows["eng1"]["状态"] == "草稿（待重新计算）" and rows["eng2"]["状态"] == "草稿"
    _header, rows = rows_of(open_book(api("GET", f"/summaries/{MONTH[:4]}/annual.xlsx", "gm.wang")).active)
    assert rows["eng1"]["定稿"] == "否（待重新计算）" and rows["eng2"]["定稿"] == "否"


def test_month_summary_json_and_team_filter(client, scored, api):
    body = api("GET", f"/summaries/{MONTH}?team=mgr", "gm.wang").get_json()
    assert [row["username"] for row in body["rows"]] == ["eng1", "eng2"]
    assert body["indicators"][0] == {"key": "attendance", "code": "attendance", "name": "出勤", "max_points": 15}
    scores = api("GET", f"/scores/{MONTH}", "gm.wang").get_json()["scores"]
    computed = {row["username"]: row["computed_at"] for row in scores}
    assert {row["username"]: row["computed_at"] for row in body["rows"]} == {u: computed[u] for u in ("eng1", "eng2")}
    assert all(row["computed_at"] for row in body["rows"])  # every score answer carries computed_at
    mine = api("GET", f"/summaries/{MONTH}", "mgr").get_json()
    assert {row["username"] for row in mine["rows"]} == {"eng1", "eng2"}
    assert api("GET", f"/summaries/{MONTH}", "eng1").status_code == 403
    assert api("GET", "/summaries/2026-13", "gm.wang").status_code == 422
    assert api("GET", f"/summaries/{MONTH}?team=nobody", "gm.wang").status_code == 422
    assert api("GET", f"/summaries/{MONTH}?team=mgr2", "mgr").status_code == 403


def test_a_month_never_computed_of_an_engineer_not_assessed_reads_not_assessed_on_summary_and_sheet(
        client, scored, api, make_user):
    """The summary said "未计算" (pending) and the month sheet "本月考核尚未计算" of an engineer not assessed in the
    month (a month nobody computed for them), where the month page and the period sheets say 不参加考核."""
    make_user("eng9", display_name="新人", supervisor="mgr", hire_date=date(2026, 9, 1))
    rows = {row["username"]: row for row in api("GET", f"/summaries/{MONTH}", "gm.wang").get_json()["rows"]}
    assert (rows["eng9"]["eligible"], rows["eng9"]["status"]) == (False, "ineligible")
    login(client, "mgr")
    sheet = client.get(f"/sheets/{MONTH}/eng9").get_data(as_text=True)
    assert "不参加考核" in sheet and "尚未计算" not in sheet


def test_indicators_sharing_a_code_on_another_template_are_columns_of_their_own(client, scored, api):
    """eng2 on the project engineers' template, whose attendance (每月出勤情况, of 100) shares its code with the
    engineers' 出勤 (of 15): the workbook and the API keep them apart (eng2's 100-point attendance was in the
    15-point column under 出勤)."""
    scored["eng2"].kpi_template = "project_engineer_kpi"
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    scores = {row["username"]: {i["name"]: i for i in row["indicators"]}
              for row in api("GET", f"/scores/{MONTH}?team=mgr&explain=1", "gm.wang").get_json()["scores"]}
    assert "每月出勤情况" in scores["eng2"] and "出勤" not in scores["eng2"]
    body = api("GET", f"/summaries/{MONTH}?team=mgr", "gm.wang").get_json()
    columns = {column["name"]: column for column in body["indicators"] if column["code"] == "attendance"}
    assert set(columns) == {"出勤", "每月出勤情况"}
    assert len({column["key"] for column in columns.values()}) == 2
    assert (columns["出勤"]["max_points"], columns["每月出勤情况"]["max_points"]) == (15, 100)
    rows = {row["username"]: row["indicators"] for row in body["rows"]}
    for username, name in (("eng1", "出勤"), ("eng2", "每月出勤情况")):
        assert rows[username][columns[name]["key"]] == scores[username][name]["points"]
    assert columns["每月出勤情况"]["key"] not in rows["eng1"] and columns["出勤"]["key"] not in rows["eng2"]
    header, book_rows = rows_of(open_book(api("GET", f"/summaries/{MONTH}.xlsx?team=mgr", "gm.wang")).active)
    assert header.count("出勤") == 1 and header.count("每月出勤情况") == 1
    assert same(book_rows["eng1"]["出勤"], scores["eng1"]["出勤"]["points"]) and book_rows["eng1"]["每月出勤情况"] is None
    assert same(book_rows["eng2"]["每月出勤情况"], scores["eng2"]["每月出勤情况"]["points"])
    assert book_rows["eng2"]["出勤"] is None
    # which template a row was scored on tells why its other columns are empty
    templates = {row["username"]: row["template"] for row in body["rows"]}
    assert templates["eng2"]["code"] == "project_engineer_kpi" and templates["eng1"]["code"] != "project_engineer_kpi"
    assert book_rows["eng2"]["考核模板"] == templates["eng2"]["name"] != book_rows["eng1"]["考核模板"]


@pytest.mark.parametrize("other, code, shared", [("project_engineer_kpi", "attendance", 100),
                                                  ("after_sales_kpi", "satisfaction", 20)])
def test_the_key_of_an_indicator_is_the_same_whoever_asks(api, scored, other, code, shared):
    """The first template met in the caller's rows took the bare code: a manager whose team is on the project
    engineers' template read its 100-point attendance under `attendance`, the gm under `attendance/2`. And the
    template stored first did: assigning one stored before the default template to someone moved its keys."""
    scored["eng3"].kpi_template = other
    reports.compute_month(MONTH, NOW)
    db.session.commit()

    def keys(user, team=None):
        body = api("GET", f"/summaries/{MONTH}" + (f"?team={team}" if team else ""), user).get_json()
        return {(column["code"], column["max_points"]): column["key"] for column in body["indicators"]}

    everyone, alone = keys("gm.wang"), keys("mgr2")
    ours = {"attendance": 15, "satisfaction": 15}[code]
    assert (code, shared) in alone and (code, ours) not in alone  # mgr2's team: eng3 alone
    assert {variant: everyone[variant] for variant in alone} == alone
    assert keys("gm.wang", "mgr2") == alone and keys("mgr") == {v: everyone[v] for v in keys("mgr")}
    # the engineers' default template keeps the bare code whichever other template someone is assigned
    assert (everyone[(code, ours)], everyone[(code, shared)]) == (code, f"{code}/2")


def test_columns_of_one_name_on_different_scales_show_their_maximum():
    met = {"satisfaction": [("satisfaction", "客户满意度", "Satisfaction", Decimal("25.00")),
                            ("satisfaction/2", "客户满意度", "Satisfaction", Decimal("20.00"))],
           "attendance": [("attendance", "出勤", "Attendance", Decimal("15.00"))]}
    columns = summaries._columns(met)
    assert [(c.key, c.label, c.label_en) for c in columns] == [
        ("satisfaction", "客户满意度（满分 25）", "Satisfaction (max 25)"),
        ("satisfaction/2", "客户满意度（满分 20）", "Satisfaction (max 20)"),
        ("attendance", "出勤", "Attendance")]


def test_headings_shared_by_indicators_of_different_templates_are_told_apart_in_each_language():
    """准时交车 of form 7 (max 10) and of form 8 (max 15) were two columns of one heading; Knowledge and skills of
    forms 9 and 1 were so in English only; one name and one maximum under two codes shows the code too."""
    met = {"on_time_delivery": [("on_time_delivery", "准时交车", "On-time delivery", Decimal("10.00"))],
           "delivery_on_time": [("delivery_on_time", "准时交车", "On-time delivery", Decimal("15.00"))],
           "knowledge": [("knowledge", "知识与技能", "Knowledge and skills", Decimal("10.00"))],
           "skills": [("skills", "专业知识和技能", "Knowledge and skills", Decimal("10.00"))],
           "field_hours": [("field_hours", "外勤工时", "Field hours", Decimal("20.00"))]}
    columns = summaries._columns(met)
    assert [(c.label, c.label_en) for c in columns] == [
        ("准时交车（满分 10）", "On-time delivery (max 10)"), ("准时交车（满分 15）", "On-time delivery (max 15)"),
        ("知识与技能", "Knowledge and skills (max 10) (knowledge)"),
        ("专业知识和技能", "Knowledge and skills (max 10) (skills)"), ("外勤工时", "Field hours")]


def test_period_workbooks_match_the_period_api(client, scored, api):
    for period, months in (("annual", 12), ("mid-year", 6)):
        expected = {row["username"]: row for row in api("GET", f"/scores/2026/{period}", "gm.wang").get_json()["scores"]}
        sheet = open_book(api("GET", f"/summaries/2026/{period}.xlsx", "gm.wang")).active
        header, rows = rows_of(sheet)
        assert header[2:2 + months] == [f"{m}月" for m in range(1, months + 1)]
        label = "年度得分" if period == "annual" else "年中得分"
        for username, row in rows.items():
            assert same(row[label], expected[username]["score"])
            assert row["计入月数"] == expected[username]["months"]
        assert_printable(sheet)
    annual = api("GET", "/summaries/2026/annual", "gm.wang").get_json()
    eng1 = next(row for row in annual["rows"] if row["username"] == "eng1")
    monthly = {row["username"]: row for row in api("GET", f"/scores/{MONTH}", "gm.wang").get_json()["scores"]}
    assert eng1["months"][MONTH] == monthly["eng1"]["total"]


def test_a_periods_score_list_and_its_summary_list_the_same_people(client, scored, api, team):
    """The period scores took their people from the whole year: one who left with October's score only was listed
    for the mid-year (score null) beside a summary without him."""
    from tracker.auth.models import User
    from tracker.extensions import db

    db.session.get(User, team["eng3"].id).active = False
    db.session.commit()
    for period, has_eng3 in (("mid-year", False), ("annual", True)):
        listed = {row["username"] for row in api("GET", f"/scores/2026/{period}", "gm.wang").get_json()["scores"]}
        summary = {row["username"] for row in api("GET", f"/summaries/2026/{period}", "gm.wang").get_json()["rows"]}
        assert listed == summary and ("eng3" in listed) is has_eng3, period


def test_web_page_downloads_the_same_workbook(client, scored):
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert f"/sheets/xlsx/{MONTH}" in page and "/sheets/2026/mid-year" in page and "/sheets/2026/annual" in page
    _header, rows = rows_of(open_book(client.get(f"/sheets/xlsx/{MONTH}")).active)
    assert set(rows) == {"eng1", "eng2"}
    _header, rows = rows_of(open_book(client.get("/sheets/xlsx/2026/annual")).active)
    assert set(rows) == {"eng1", "eng2"}


def test_an_english_page_downloads_an_english_workbook(client, scored):
    """The workbooks were fixed Chinese (sheet, headers, indicators, states, file name) while the PDFs from the same
    page followed the reader's language."""
    from urllib.parse import unquote

    login(client, "mgr")
    response = client.get(f"/sheets/xlsx/{MONTH}?lang=en")
    sheet = open_book(response).active
    header, rows = rows_of(sheet)
    assert header[:2] == ["Username", "Name"] and "Attendance" in header and "Grade" in header, header
    assert not any("\u4e00" <= c <= "\u9fff" for h in header for c in str(h)), header
    assert {row[header[-2]] for row in rows.values()} == {"Draft"}
    assert {row["Appraisal template"] for row in rows.values()} == {"After-sales engineer monthly appraisal"}
    assert "Monthly appraisal summary" in unquote(response.headers["Content-Disposition"])
    assert sheet.title == f"{MONTH} Monthly appraisal"  # Excel's 31 characters cut it at "summa"
    assert sheet.oddFooter.center.text == "Page &P of &N"  # the page footer was Chinese
    annual = open_book(client.get("/sheets/xlsx/2026/annual?lang=en")).active
    header, _rows = rows_of(annual)
    assert header[2] == "January" and "Annual score" in header and "Final" in header, header
    assert annual.oddFooter.center.text == "Page &P of &N"
    response = client.get(f"/sheets/xlsx/{MONTH}?lang=zh")  # and Chinese again, as HR is handed it
    assert rows_of(open_book(response).active)[0][:2] == ["用户名", "姓名"]
    assert f"{MONTH}月度考核汇总.xlsx" in unquote(response.headers["Content-Disposition"])
    assert f'filename="{MONTH}-summary.xlsx"' in response.headers["Content-Disposition"]  # it was "2026-10.xlsx"


def test_itinerary_workbook_prints_well(client, team, records, api):
    eng1 = team["eng1"]
    long_number = "WO-20261015-旗滨玻璃-000123"
    order = WorkOrder(number=long_number, customer_id=records.customer.id, service_type="维修",
                      reported_at=records.order(eng1, date(2026, 10, 14)).reported_at, engineer_id=eng1.id,
                      status="open", rework="none")
    db.session.add(order)
    db.session.commit()
    db.session.add(Trip(engineer_id=eng1.id, day=date(2026, 10, 15), depart_min=480, return_min=600,
                        hours=Decimal("2"), work_order_id=order.id, customer_id=records.customer.id))
    db.session.commit()
    Records().trip(eng1, date(2026, 3, 2), hours=1)
    book = open_book(api("GET", "/itineraries/eng1/2026.xlsx", "eng1"))
    assert book.sheetnames == [f"{m}月" for m in range(1, 13)]
    visible = [sheet.title for sheet in book.worksheets if sheet.sheet_state == "visible"]
    assert visible == ["3月", "10月"]  # months without any record are not printed
    sheet = book["10月"]
    from tracker.xlsx import text_width
    assert sheet.column_dimensions["I"].width >= text_width(long_number) + 1
    assert "&P" in sheet.oddFooter.center.text
    assert sheet.page_margins.footer < sheet.page_margins.bottom
    assert sheet.print_title_rows.replace("$", "").startswith("1:2")


def test_a_header_from_a_templates_text_is_never_a_formula():
    """An indicator named =HYPERLINK(…) in the template editor was a live formula in the month workbook's header
    (CONTRACT 11: text starting with = + - @ is written as text)."""
    from openpyxl import Workbook

    from tracker.sheets.workbooks import _table

    sheet = Workbook().active
    _table(sheet, ["用户名", '=HYPERLINK("http://e","x")', "@SUM(A1)"], [["eng1", 1, 2]], [None, None, None])
    saved = io.BytesIO()
    sheet.parent.save(saved)
    header = load_workbook(io.BytesIO(saved.getvalue())).active[1]
    assert [(cell.value, cell.data_type) for cell in header] == [
        ("用户名", "s"), ('=HYPERLINK("http://e","x")', "s"), ("@SUM(A1)", "s")]


def test_a_long_name_wraps_in_its_cell_instead_of_being_cut_by_the_next_column():
    """A 40-character Chinese display name needs about 82 columns: the column stops at 40 and the name was cut
    half-way by the next cell, on screen and in print."""
    from openpyxl import Workbook

    from tracker.sheets.workbooks import _table

    sheet = Workbook().active
    long_name = "司马" + "长" * 35 + "测试员"
    _table(sheet, ["用户名", "姓名", "出勤"], [["eng1", long_name, 1], ["eng2", "张三", 2]], [None, None, "0.00"])
    assert sheet.column_dimensions["B"].width == 40
    assert sheet["B2"].alignment.wrap_text and not sheet["B3"].alignment.wrap_text
