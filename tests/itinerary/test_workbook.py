"""The yearly workbook (CONTRACT 8): export, file name, import back, and every refusal."""

import io
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from urllib.parse import quote

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from tests.conftest import NOW
from tracker.xlsx import XLSX_MIME
from tracker.errors import Forbidden
from tracker.extensions import db
from tracker.itinerary import services, workbook
from tracker.itinerary.models import Expense, Trip

NAME = "2026年张三工作行程表.xlsx"


@pytest.fixture
def filled(team, customers, work_order):
    """eng1 (张三): trips and expenses in October and November 2026."""
    eng = team["eng1"]
    for data in [
        {"date": date(2026, 10, 9), "depart": "08:00", "return": "10:10", "customer": "旗滨玻璃",
         "work_order": "WO-1001", "purpose": "1号机常规保养", "note": "带备件"},
        {"date": date(2026, 10, 9), "depart": "20:00", "return": "24:00", "customer": "福耀玻璃", "purpose": "夜间抢修"},
        {"date": date(2026, 10, 10), "full_day": True, "purpose": "安装调试"},
        {"date": date(2026, 11, 2), "depart": "13:00", "return": "13:20"},
    ]:
        services.save_trip(eng, eng, data, now=NOW)
    for data in [
        {"date": date(2026, 10, 9), "category": "transport", "amount": "120.50", "work_order": "WO-1001",
         "note": "高铁"},
        {"date": date(2026, 10, 10), "category": "lodging", "amount": "300"},
        {"date": date(2026, 11, 2), "category": "meals", "amount": "0.01"},
    ]:
        services.save_expense(eng, eng, data, now=NOW)
    db.session.commit()
    return eng


def snapshot(engineer):
    """The engineer's trips and expenses as comparable plain data (ids left out)."""
    db.session.expire_all()
    trips = db.session.scalars(select(Trip).where(Trip.engineer_id == engineer.id)).all()
    expenses = db.session.scalars(select(Expense).where(Expense.engineer_id == engineer.id)).all()
    strip = lambda row: {k: v for k, v in row.items() if k != "id"}  # noqa: E731
    return (sorted((strip(services.trip_dict(t)) for t in trips), key=repr),
            sorted((strip(services.expense_dict(e)) for e in expenses), key=repr))


def upload(client, data, name=NAME, username="eng1", year=2026):
    return client.post(f"/itinerary/{username}/{year}/import",
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def empty_open_months(engineer, *months):
    for month in months:
        services.delete_month_data(engineer, month, now=NOW)
    db.session.commit()


# ---- export --------------------------------------------------------------------------------------

def test_file_name_is_year_display_name_and_title(team):
    assert workbook.workbook_filename(team["eng1"], 2026) == NAME


def test_download_sets_the_name_with_rfc_5987(filled, web):
    response = web("eng1").get("/itinerary/eng1/2026.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIME
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote(NAME) in disposition
    # and a plain name for clients that read only that one (curl -OJ): it was "2026.xlsx"
    assert 'filename="2026-eng1-itinerary.xlsx"' in disposition
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("username", ["eng1", "mgr", "office", "gm.wang"])
def test_those_who_see_the_itinerary_download_it(filled, web, username):
    assert web(username).get("/itinerary/eng1/2026.xlsx").status_code == 200


def test_workbook_has_a_printable_sheet_per_month(filled, web):
    data = web("eng1").get("/itinerary/eng1/2026.xlsx").data
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [f"{m}月" for m in range(1, 13)]
    sheet = book["10月"]
    assert sheet["A1"].value == "2026年张三工作行程表 — 10月"
    assert tuple(c.value for c in sheet[2]) == workbook.HEADERS
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["J"].width > sheet.column_dimensions["B"].width
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    ninth = [row for row in rows if row[0] == datetime(2026, 10, 9)]
    assert ninth[0][1:7] == ("周五", "出勤", "08:00", "10:10", None, 2.5)
    assert ninth[0][7:10] == ("旗滨玻璃", "WO-1001", "1号机常规保养")
    assert ninth[1][3:7] == ("20:00", "24:00", None, 4)
    assert ninth[2][11:] == ("交通", 120.5)
    assert [row for row in rows if row[0] == datetime(2026, 10, 10)][0][5:7] == ("是", 7.5)
    assert len([row for row in rows if isinstance(row[0], datetime)]) == 31 + 3  # a row per day, more when busy
    total = next(row for row in rows if row[0] == workbook.TOTAL_MARK)
    assert total[6] == 14 and total[12] == 420.5   # 2.5 + 4 + 7.5 hours; 120.50 + 300 CNY


def test_a_workday_not_yet_come_is_not_written_as_attended(filled, web):
    """The workbook wrote 出勤 on every workday of the year, those after today too (printed mid-month, it said days not
    yet worked were attended; the month page shows nothing for them). Today (2026-11-20) and before are 出勤."""
    book = load_workbook(io.BytesIO(web("eng1").get("/itinerary/eng1/2026.xlsx").data))
    days = {row[0].date(): row[2] for sheet in ("11月", "12月")
            for row in book[sheet].iter_rows(min_row=3, values_only=True) if isinstance(row[0], datetime)}
    assert days[date(2026, 11, 19)] == days[date(2026, 11, 20)] == "出勤"
    assert days[date(2026, 11, 23)] is None and days[date(2026, 12, 1)] is None
    assert days[date(2026, 11, 21)] == days[date(2026, 11, 28)] == "休息"


# ---- import --------------------------------------------------------------------------------------

def test_round_trip_restores_the_same_trips_and_expenses(filled, web):
    client = web("eng1")
    before = snapshot(filled)
    data = client.get("/itinerary/eng1/2026.xlsx").data
    empty_open_months(filled, "2026-10", "2026-11")
    assert snapshot(filled) == ([], [])
    response = upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert snapshot(filled) == before
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "导入完成" in page
    assert "2026-10：行程" in page and "：已提交" not in page  # open months, restored
    again = client.get(upload(client, data).headers["Location"]).get_data(as_text=True)
    # what was compared: the file's 考勤 and 工时 cells are not read, an engineer who changed one is not told it went in
    assert "考勤和工时两列由系统生成，导入时不读取" in again
    assert "2026-10：行程和费用与系统中相同，未改动" in again and "：已提交" not in again  # it was not submitted


def test_import_replaces_what_an_open_month_held(filled, web):
    client = web("eng1")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    services.save_trip(filled, filled, {"date": date(2026, 10, 20), "full_day": True}, now=NOW)
    db.session.commit()
    assert upload(client, data).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Trip).where(Trip.day == date(2026, 10, 20))) is None


def test_a_wrong_file_name_is_refused_with_the_expected_one(filled, web):
    client = web("eng1")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    before = snapshot(filled)
    for name in ("2026年李四工作行程表.xlsx", "2025年张三工作行程表.xlsx", "行程.xlsx", NAME + " ", NAME[:-1]):
        response = upload(client, data, name=name)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert f'<code class="expected-name">{NAME}</code>' in html
    assert snapshot(filled) == before


def test_another_engineers_workbook_renamed_is_refused_by_its_title_rows(filled, team, web):
    """The file name alone let 张三's workbook, renamed to 李四's, replace 李四's months; each sheet's title row
    names whose and which year it is."""
    client = web("mgr")
    exported = client.get("/itinerary/eng1/2026.xlsx").data
    before = snapshot(team["eng2"]), snapshot(filled)
    response = upload(client, exported, name="2026年李四工作行程表.xlsx", username="eng2")
    assert response.status_code == 422 and "导出时属于 张三（eng1）" in response.get_data(as_text=True)
    client.post("/lang/en")  # the owner is named as English writes it (it kept the full-width brackets)
    english = upload(client, exported, name="2026年李四工作行程表.xlsx", username="eng2").get_data(as_text=True)
    assert "exported for 张三 (eng1), not 李四 (eng2)" in english, english
    client.post("/lang/zh")
    book = load_workbook(io.BytesIO(exported))
    book.custom_doc_props = type(book.custom_doc_props)()  # exported by an earlier release: its titles tell
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    response = upload(client, data, name="2026年李四工作行程表.xlsx", username="eng2")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "工作表“10月”的标题是“2026年张三工作行程表 — 10月”，不是“2026年李四工作行程表 — 10月”" in html
    assert (snapshot(team["eng2"]), snapshot(filled)) == before
    book = load_workbook(io.BytesIO(exported))
    book.custom_doc_props["Tracker engineer"].value = str(team["eng2"].id)  # exported for eng2 when called 张三
    for sheet in book.worksheets:  # the right person's file after a change of name: its title rows corrected
        sheet["A1"] = sheet["A1"].value.replace("张三", "李四")
    out = io.BytesIO()
    book.save(out)
    assert upload(client, out.getvalue(), name="2026年李四工作行程表.xlsx", username="eng2").status_code == 302
    mine = lambda trips: [dict(trip, engineer=None) for trip in trips]  # noqa: E731
    assert mine(snapshot(team["eng2"])[0]) == mine(snapshot(filled)[0])
    for title in ("2025年张三工作行程表 — 10月", "2026年张三工作行程表 — 9月"):  # another year, another month
        book = load_workbook(io.BytesIO(data))
        book["10月"]["A1"] = title
        out = io.BytesIO()
        book.save(out)
        assert upload(web("eng1"), out.getvalue()).status_code == 422
        assert snapshot(filled) == before[1]


def test_a_workbook_goes_only_to_the_engineer_it_was_exported_for_whatever_the_names(filled, team, web, make_user):
    """Two engineers may share a display name: the file name and the title rows named the same 张三 for both, and
    one's workbook replaced the other's months (84 trips and 130 expenses moved, silently). The export records the
    username; a file recorded for another is refused, a file without the record (made by hand) read as before."""
    twin = make_user("eng9", display_name="张三", supervisor="mgr")
    client = web("mgr")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    assert load_workbook(io.BytesIO(data)).custom_doc_props["Tracker engineer"].value == str(filled.id)
    before = snapshot(twin), snapshot(filled)
    response = upload(client, data, username="eng9")
    assert response.status_code == 422
    assert "这份行程表导出时属于 张三（eng1），不是 张三（eng9）" in response.get_data(as_text=True)
    assert (snapshot(twin), snapshot(filled)) == before
    assert upload(client, data).status_code == 302 and snapshot(filled) == before[1]  # its own engineer's: read
    for recorded in ("²", "99999999999999", "eng1"):  # a record edited by hand: refused, never a 500
        book = load_workbook(io.BytesIO(data))
        book.custom_doc_props["Tracker engineer"].value = recorded
        out = io.BytesIO()
        book.save(out)
        response = upload(client, out.getvalue(), username="eng9")
        assert response.status_code == 422 and "另一位用户" in response.get_data(as_text=True), recorded
    book = load_workbook(io.BytesIO(data))
    book.custom_doc_props = type(book.custom_doc_props)()  # a workbook without the record
    out = io.BytesIO()
    book.save(out)
    assert upload(client, out.getvalue(), username="eng9").status_code == 302
    assert len(snapshot(twin)[0]) == len(before[1][0])
    filled.username = "zhangsan"  # a username changed since the export: still his file
    db.session.commit()
    assert upload(client, data, username="zhangsan").status_code == 302
    assert len(snapshot(filled)[0]) == len(before[1][0])


def test_the_name_is_compared_after_nfc_normalisation(make_user, web):
    engineer = make_user("zoe", display_name="Zoë")
    client = web("zoe")
    data = client.get("/itinerary/zoe/2026.xlsx").data
    decomposed = unicodedata.normalize("NFD", "2026年Zoë工作行程表.xlsx")
    assert decomposed != workbook.workbook_filename(engineer, 2026)
    assert upload(client, data, name=decomposed, username="zoe").status_code == 302


@pytest.mark.parametrize("display_name, saved", [
    ("吴/磊:*?", "2026年吴_磊___工作行程表.xlsx"),  # / : * ? no file system holds (CONTRACT 2 allows them)
    ("吴\u200b磊\u00ad\u200e", "2026年吴_磊__工作行程表.xlsx"),  # zero-width space, soft hyphen, LRM: unseen
])
def test_a_name_a_file_cannot_hold_is_saved_and_taken_back_as_the_browser_saves_it(make_user, web, display_name,
                                                                                     saved):
    """A browser saves such a character as "_" (Chromium: tests/e2e/test_workbook_download.py); the download is
    named so, and that file imports, as does the contract's literal name sent in a form field."""
    make_user("wulei", display_name=display_name)
    client = web("wulei")
    response = client.get("/itinerary/wulei/2026.xlsx")
    assert "filename*=UTF-8''" + quote(saved) in response.headers["Content-Disposition"]
    assert upload(client, response.data, name=saved, username="wulei").status_code == 302
    literal = f"2026年{display_name}工作行程表.xlsx"
    assert upload(client, response.data, name=literal, username="wulei").status_code == 302


def test_a_name_that_looks_like_an_excel_escape_keeps_its_title_through_excel(make_user, web):
    """A1 was written as it stands: Excel shows _x0041_ as "A", and the file saved from Excel was refused as another
    engineer's (its title "2026年A先生…"). Written escaped as every other cell, it reads back as the name."""
    make_user("mra", display_name="_x0041_先生")
    client = web("mra")
    data = client.get("/itinerary/mra/2026.xlsx").data
    book = load_workbook(io.BytesIO(data))

    def excel_shows(raw):  # Excel reads every _xHHHH_ as its character (_x005F_ an underscore)
        return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), raw)

    assert excel_shows(book["11月"]["A1"].value).startswith("2026年_x0041_先生"), book["11月"]["A1"].value
    for sheet in book.worksheets:  # saved from Excel: what it shows, escaped again where it looks like an escape
        sheet["A1"].value = excel_shows(sheet["A1"].value).replace("_x0041_", "_x005F_x0041_")
    saved = io.BytesIO()
    book.save(saved)
    assert upload(client, saved.getvalue(), name="2026年_x0041_先生工作行程表.xlsx", username="mra").status_code == 302


def test_the_api_helper_gets_the_expected_name_in_the_error(filled):
    from tracker.errors import Invalid
    with pytest.raises(Invalid) as caught:
        workbook.import_workbook(filled, filled, 2026, "x.xlsx", io.BytesIO(b""), now=NOW)
    assert caught.value.extra["expected"] == NAME
    assert caught.value.to_dict()["expected"] == NAME
    with pytest.raises(Invalid) as caught:  # what was received is said with its bidirectional override named, not in
        workbook.import_workbook(filled, filled, 2026, "2026年a\u202eb工作行程表.xlsx", io.BytesIO(b""), now=NOW)
    assert "（收到的是“2026年a<U+202E>b工作行程表.xlsx”）" in caught.value.message


@pytest.mark.parametrize("content", [
    b"",
    b"not a spreadsheet at all",
    b"PK\x03\x04broken zip",
    b"%PDF-1.4\n",
])
def test_a_file_that_is_not_xlsx_is_refused_with_422(filled, web, content):
    before = snapshot(filled)
    response = upload(web("eng1"), content)
    assert response.status_code == 422
    assert "xlsx" in response.get_data(as_text=True)
    assert snapshot(filled) == before


def xlsx(build):
    book = Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_of_another_format_is_refused_with_422(filled, web):
    client = web("eng1")
    before = snapshot(filled)
    no_month_sheets = xlsx(lambda book: book.active.append(["hello"]))
    wrong_header = xlsx(lambda book: (setattr(book.active, "title", "10月"), book.active.append(["title"]),
                                      book.active.append(["日期", "客户"])))
    for data in (no_month_sheets, wrong_header):
        response = upload(client, data)
        assert response.status_code == 422
    assert "第 2 行须为表头" in upload(client, wrong_header).get_data(as_text=True)
    assert snapshot(filled) == before


def month_sheet(book, month, rows):
    sheet = book.create_sheet(f"{month}月")
    sheet.append(["title"])
    sheet.append(list(workbook.HEADERS))
    for row in rows:
        sheet.append(list(row) + [None] * (13 - len(row)))
    return sheet


def build(*sheets):
    def make(book):
        book.remove(book.active)
        for month, rows in sheets:
            month_sheet(book, month, rows)
    return xlsx(make)


def test_a_row_error_aborts_the_whole_import_naming_sheet_and_row(filled, web):
    before = snapshot(filled)
    data = build((10, [(date(2026, 10, 1), None, None, "08:00", "09:00")]),
                 (11, [(date(2026, 11, 2), None, None, "08:00", "09:00"),
                       (date(2026, 11, 3), None, None, "08:00", "09:00", None, None, "没有这个客户")]))
    response = upload(web("eng1"), data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "工作表“11月”第 4 行" in html and "没有这个客户" in html
    assert snapshot(filled) == before


@pytest.mark.parametrize("row, message", [
    ((date(2026, 11, 2), None, None, "25:00", "26:00"), "HH:MM"),
    ((date(2026, 11, 2), None, None, "10:00", "09:00"), "返回时间须晚于出发时间"),
    ((date(2026, 11, 2), None, None, "08:00"), "请填写出发和返回时间"),
    ((date(2026, 10, 2), None, None, "08:00", "09:00"), "不在 2026年11月 内"),
    ((date(2026, 11, 25), None, None, None, None, "是"), "不能记录未来的日期"),
    ((date(2026, 11, 2), None, None, None, None, "也许"), "全天"),
    ((date(2026, 11, 2), None, None, None, None, "是", None, None, "WO-9999"), "WO-9999"),
    ((date(2026, 11, 2), None, None, None, None, "是", None, None, None, "事" * 501), "事由：最多 500 个字符"),
    ((date(2026, 11, 2), None, None, None, None, "是", None, None, None, None, "备" * 501), "备注：最多 500 个字符"),
    ((date(2026, 11, 2),) + (None,) * 10 + ("餐费", -1), "金额："),
    ((date(2026, 11, 2),) + (None,) * 10 + ("餐费", 100000.01), "0 到 100,000"),
    ((date(2026, 11, 2),) + (None,) * 10 + ("餐费", "abc"), "金额：须为数字"),
    ((date(2026, 11, 2),) + (None,) * 10 + ("餐费", 1.234), "两位小数"),
    ((date(2026, 11, 2),) + (None,) * 10 + ("礼品", 10), "费用类别"),
    ((date(2026, 11, 2),) + (None,) * 10 + ("餐费", None), "请填写金额"),
    ((date(2026, 11, 2), None, None, "08:00", "09:00") + (None,) * 6 + ("餐费", 10), "一行只能"),
    (("11/02/2026", None, None, "08:00", "09:00"), "YYYY-MM-DD"),
    (("2026/13/02", None, None, "08:00", "09:00"), "YYYY-MM-DD"),
    ((None, None, None, "08:00", "09:00"), "请填写日期"),
    # every column at fault at once, each named (one a round before)
    ((date(2026, 11, 2), None, None, None, None, "是", None, "没有这个客户", "WO-9999"),
     "客户：没有名为 没有这个客户 的客户"),
    ((date(2026, 11, 2), None, None, None, None, "是", None, "没有这个客户", "WO-9999"), "；工单："),
])
def test_bad_rows_are_refused_with_sheet_and_row(filled, web, row, message):
    before = snapshot(filled)
    response = upload(web("eng1"), build((11, [row])))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "工作表“11月”第 3 行" in html and message in html
    assert "金额：金额" not in html  # the column named once (the service named it again in its message)
    assert snapshot(filled) == before


def test_dates_times_and_amounts_as_offices_type_them_are_read_as_the_other_imports_read_them(team, web):
    """The itinerary refused a date typed as text (2026/11/2, 2026年11月3日), a time with a Chinese input method's
    colon (10：00) and an amount with thousands separators (1,234.50), which the data imports take."""
    data = build((11, [("2026/11/2", None, None, "08：00", "09:00"),
                       ("2026年11月3日", None, None, "10:00", "11：30"),
                       ("2026-11-4",) + (None,) * 10 + ("餐费", "1,234.50")]))
    response = upload(web("eng1"), data)
    assert response.status_code == 302, response.get_data(as_text=True)
    trips = db.session.scalars(select(Trip).order_by(Trip.day)).all()
    assert [(t.day.day, t.depart_min, t.return_min) for t in trips] == [(2, 480, 540), (3, 600, 690)]
    assert [(e.day.day, e.amount) for e in db.session.scalars(select(Expense))] == [(4, Decimal("1234.50"))]


def test_a_bad_cell_is_named_by_its_column_in_english_too(filled, web):
    """The English page named the column in Chinese only (日期: Future dates cannot be recorded); it gives the
    header as the sheet has it and what it holds."""
    client = web("eng1")
    client.post("/lang/en")
    row = (date(2026, 11, 2), None, None, None, None, "是", None, None, None, "事" * 501)
    html = upload(client, build((11, [row]))).get_data(as_text=True)
    assert "“事由” (purpose): " in html, html


def test_every_malformed_row_is_named_at_once(filled, team, api):
    """Only the first bad row of the whole file was named: a clerk's file with three took three rounds."""
    before = snapshot(filled)
    data = build((10, [(date(2026, 10, 5), None, None, "25:00", "26:00")]),
                 (11, [(date(2026, 11, 2), None, None, "08:00", "09:00"),
                       ("11/03/2026", None, None, "08:00", "09:00"),
                       (date(2026, 11, 4), None, None, None, None, "也许")]))
    response = api("POST", "/itineraries/eng1/2026.xlsx", "eng1",
                   data={"file": (io.BytesIO(data), NAME)}, content_type="multipart/form-data")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert [(row["sheet"], row["row"]) for row in error["rows"]] == [("10月", 3), ("11月", 4), ("11月", 5)]
    assert (error["sheet"], error["row"], error["rows_total"]) == ("10月", 3, 3)
    assert "工作表“10月”第 3 行" in error["message"] and "工作表“11月”第 5 行" in error["message"]
    assert snapshot(filled) == before


def test_every_row_the_trip_and_expense_rules_refuse_is_named_at_once(filled, team, api):
    """Rows whose cells were well formed but which the trip and expense rules refused (an unknown customer or work
    order, an overlap) were named one a round: the first aborted the import."""
    before = snapshot(filled)
    data = build((10, [(date(2026, 10, 5), None, None, "08:00", "09:00", None, None, "没有这个客户")]),
                 (11, [(date(2026, 11, 2), None, None, "08:00", "10:00"),
                       (date(2026, 11, 2),) + (None,) * 7 + ("WO-9999", None, None, "餐费", 10),
                       (date(2026, 11, 2), None, None, "09:00", "11:00"),
                       (date(2026, 11, 3), None, None, "08:00", "09:00")]))
    response = api("POST", "/itineraries/eng1/2026.xlsx", "eng1",
                   data={"file": (io.BytesIO(data), NAME)}, content_type="multipart/form-data")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert [(row["sheet"], row["row"]) for row in error["rows"]] == [("10月", 3), ("11月", 4), ("11月", 5)]
    messages = [row["message"] for row in error["rows"]]
    assert "没有这个客户" in messages[0] and "WO-9999" in messages[1] and "与第 3 行的行程时间重叠" in messages[2]
    assert error["rows_total"] == 3 and "工作表“11月”第 5 行" in error["message"]
    assert snapshot(filled) == before
    one = build((11, [(date(2026, 11, 3), None, None, "08:00", "09:00", None, None, "没有这个客户")]))
    error = api("POST", "/itineraries/eng1/2026.xlsx", "eng1", data={"file": (io.BytesIO(one), NAME)},
                content_type="multipart/form-data").get_json()["error"]
    assert error["rows_total"] == 1 and [(row["sheet"], row["row"]) for row in error["rows"]] == [("11月", 3)]


def test_the_page_names_the_bad_rows_once_by_the_file_box(filled, web):
    """The page showed the rows' message twice, above the form and under the file box."""
    rows = [(date(2026, 11, 2), None, None, "25:00", "26:00"), (date(2026, 11, 3), None, None, None, None, "也许")]
    html = upload(web("eng1"), build((11, rows))).get_data(as_text=True)
    assert html.count("工作表“11月”第 4 行") == 1 and 'id="file-error"' in html
    # the file box says how many; each row is an item of its own (they ran on as one red paragraph)
    assert "2 行有误，未导入任何内容，各行如下" in html
    listed = re.search(r'<ul[^>]*id="import-problems">(.*?)</ul>', html, re.S).group(1)
    assert [item.split("：")[0] for item in re.findall(r"<li>(.*?)</li>", listed)] == [
        "工作表“11月”第 3 行", "工作表“11月”第 4 行"]


def test_overlapping_rows_name_the_other_row(team, web):
    data = build((11, [(date(2026, 11, 2), None, None, "08:00", "10:00"),
                       (date(2026, 11, 2), None, None, "09:00", "11:00")]))
    response = upload(web("eng1"), data)
    assert response.status_code == 422
    assert "工作表“11月”第 4 行：与第 3 行的行程时间重叠" in response.get_data(as_text=True)
    assert db.session.query(Trip).count() == 0


def test_cells_as_excel_types_and_continued_dates_are_read(team, customers, web):
    data = build((11, [(datetime(2026, 11, 2), "周一", "出勤", time(8, 0), time(9, 30), None, 99, "旗滨玻璃"),
                       (None, None, None, "9:30", "10:00"),  # date carried from the row above, H:MM accepted
                       (date(2026, 11, 3), None, None, None, None, True),
                       (date(2026, 11, 4),) + (None,) * 10 + ("other", 12)]))
    assert upload(web("eng1"), data).status_code == 302
    trips = db.session.scalars(select(Trip).order_by(Trip.day, Trip.depart_min)).all()
    assert [(t.day.day, t.depart_min, t.return_min, t.hours) for t in trips] == [
        (2, 480, 570, Decimal("1.5")), (2, 570, 600, Decimal("0.5")), (3, None, None, Decimal("7.5"))]
    assert db.session.scalar(select(Expense)).amount == Decimal("12.00")


def test_a_month_hidden_by_the_export_and_still_empty_keeps_what_was_recorded_after_the_download(filled, web):
    """August was empty at the download, so its sheet is hidden: imported back, it deleted the trip and expense
    recorded since. A hidden sheet given rows, or a visible one emptied, still replaces its month."""
    from openpyxl import load_workbook

    client = web("eng1")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    assert load_workbook(io.BytesIO(data))["8月"].sheet_state == "hidden"
    services.save_trip(filled, filled, {"date": date(2026, 8, 14), "full_day": True, "purpose": "补录"}, now=NOW)
    services.save_expense(filled, filled, {"date": date(2026, 8, 14), "category": "lodging", "amount": "300"},
                          now=NOW)
    db.session.commit()
    before = snapshot(filled)
    response = upload(client, data)
    assert response.status_code == 302
    assert snapshot(filled) == before
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026-08：" not in page  # not in the import's report


def test_a_row_naming_an_order_given_to_another_engineer_since_comes_back_as_exported(filled, web, work_order,
                                                                                     team):
    """WO-1001 went to eng2 after eng1's October trip named it: importing eng1's own file back was refused on that
    untouched row ("no work order WO-1001"), as the trip form is not."""
    client = web("eng1")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    work_order.engineer_id = team["eng2"].id
    db.session.commit()
    services.save_trip(filled, filled, {"date": date(2026, 10, 20), "full_day": True}, now=NOW)  # the file replaces
    db.session.commit()
    response = upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    trip = db.session.scalar(select(Trip).where(Trip.day == date(2026, 10, 9), Trip.depart_min == 8 * 60))
    assert trip.work_order.number == "WO-1001"


def test_sheets_left_out_of_the_file_are_not_touched(filled, web):
    before = snapshot(filled)
    assert upload(web("eng1"), build((12, []))).status_code == 302
    assert snapshot(filled) == before


def test_a_changed_submitted_month_is_refused_with_409_naming_it(filled, web):
    client = web("eng1")
    data = build((10, [(date(2026, 10, 1), None, None, "08:00", "09:00")]))
    assert client.post("/itinerary/eng1/2026-10/submit").status_code == 302
    before = snapshot(filled)
    response = upload(client, data)
    assert response.status_code == 409
    assert "2026-10" in response.get_data(as_text=True)
    assert snapshot(filled) == before


def test_an_unchanged_submitted_month_is_kept_and_the_rest_imported(filled, web):
    client = web("eng1")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    assert client.post("/itinerary/eng1/2026-10/submit").status_code == 302
    before = snapshot(filled)
    empty_open_months(filled, "2026-11")
    response = upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert snapshot(filled) == before
    assert services.submission(filled, "2026-10") is not None


@pytest.mark.parametrize("username, status", [("eng2", 403), ("mgr2", 403), ("gm.wang", 403), ("mgr", 302),
                                              ("office", 302)])
def test_only_those_who_may_edit_import(filled, web, username, status):
    data = web("eng1").get("/itinerary/eng1/2026.xlsx").data
    web("eng1").post("/logout")
    assert upload(web(username), data).status_code == status


def test_import_service_checks_the_actor(filled, team):
    with pytest.raises(Forbidden):
        workbook.import_workbook(team["eng2"], filled, 2026, NAME, io.BytesIO(b""), now=NOW)


def _rezipped(data, change, added=None):
    """The workbook `data` written again, each part's bytes through change(name, body), with `added` parts."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, change(item.filename, source.read(item.filename)))
        for name, body in (added or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def test_a_cell_merged_over_two_trips_rows_gives_both_its_value(filled, web):
    """The 客户 of two trips to one customer merged into one cell: the lower trip was imported without a customer
    (openpyxl reads the rest of a merged range as empty); the data imports read each cell as the range's first."""
    client = web("eng1")
    book = load_workbook(io.BytesIO(client.get("/itinerary/eng1/2026.xlsx").data))
    sheet = book["10月"]
    rows = {sheet.cell(row, 4).value: row for row in range(3, sheet.max_row + 1)}
    first, second = rows["08:00"], rows["20:00"]
    assert second == first + 1 and sheet.cell(first, 8).value == "旗滨玻璃"
    sheet.cell(second, 8).value = None
    sheet.merge_cells(start_row=first, start_column=8, end_row=second, end_column=8)
    sheet.cell(second, 10).value = sheet.cell(second, 11).value = sheet.cell(first, 11).value = None  # 事由 over 备注
    sheet.merge_cells(start_row=first, start_column=10, end_row=second, end_column=11)
    out = io.BytesIO()
    book.save(out)
    assert upload(client, out.getvalue()).status_code == 302
    trips = {trip["depart"]: trip for trip in snapshot(filled)[0] if trip["date"] == "2026-10-09"}
    assert trips["08:00"]["customer"] == trips["20:00"]["customer"] == "旗滨玻璃"
    assert trips["08:00"]["purpose"] == trips["20:00"]["purpose"] == "1号机常规保养"
    assert trips["08:00"]["note"] is None and trips["20:00"]["note"] is None  # the 备注 it covers is no copy of it


@pytest.mark.parametrize("locked, said", [(True, "取消密码"), (False, "另存为 .xlsx")])
def test_a_workbook_with_a_password_or_an_old_xls_is_said_what_to_do_as_the_data_imports_say(filled, web, locked,
                                                                                            said):
    """The itinerary import said only "not a valid .xlsx" of both, where 数据导入 says what to do."""
    compound = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the signature of Excel's compound files
    if locked:
        compound += "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le")
    before = snapshot(filled)
    response = upload(web("eng1"), compound)
    assert response.status_code == 422 and said in response.get_data(as_text=True)
    assert snapshot(filled) == before
    if not locked:  # under its own name, .xls: the same advice, not a name to correct
        response = upload(web("eng1"), compound, name=NAME[:-5] + ".xls")
        assert response.status_code == 422 and said in response.get_data(as_text=True)


def test_a_merged_range_over_a_whole_column_is_refused_before_the_workbook_is_loaded(filled, web):
    """The itinerary's import loads a workbook whole: D5:D1000000 merged in a few KB took a minute and a gigabyte."""
    import time

    def merged_over_a_column(name, body):
        if name != "xl/worksheets/sheet1.xml":
            return body
        huge = b'<mergeCell ref="D5:D1000000"/>'
        return (re.sub(rb"(<mergeCells[^>]*>)", rb"\1" + huge, body, count=1) if b"<mergeCells" in body else
                body.replace(b"</sheetData>", b"</sheetData><mergeCells>" + huge + b"</mergeCells>", 1))

    client = web("eng1")
    data = _rezipped(client.get("/itinerary/eng1/2026.xlsx").data, merged_over_a_column)
    before, started = snapshot(filled), time.monotonic()
    response = upload(client, data)
    assert response.status_code == 422 and "合并单元格" in response.get_data(as_text=True)
    assert time.monotonic() - started < 5 and snapshot(filled) == before


def test_a_workbook_that_unzips_past_the_bound_is_refused_before_it_is_loaded(filled, web):
    """The import loads a workbook whole: 60 MB of sheet XML in a file of a few hundred KB could take 2 GB."""
    client = web("eng1")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    padded = _rezipped(data, lambda _name, body: body, {"xl/media/padding.bin": b"\0" * (9 * 1024 * 1024)})
    assert len(padded) < workbook.MAX_BYTES  # the padding compresses to a few KB
    before = snapshot(filled)
    response = upload(client, padded)
    assert response.status_code == 422 and snapshot(filled) == before
    assert upload(client, data).status_code in (200, 302)  # the same workbook unpadded imports


def test_an_oversized_file_is_refused_with_413(filled, web):
    response = upload(web("eng1"), b"0" * (workbook.MAX_BYTES + 1))
    assert response.status_code == 413


def test_year_page_offers_download_and_import(filled, web):
    html = web("eng1").get("/itinerary/eng1/2026").get_data(as_text=True)
    assert "/itinerary/eng1/2026.xlsx" in html and NAME in html and 'type="file"' in html
    assert "14.0" in html and "420.50" in html  # October totals
    assert 'type="file"' not in web("gm.wang").get("/itinerary/eng1/2026").get_data(as_text=True)


def test_import_without_a_file_is_refused(filled, web):
    response = web("eng1").post("/itinerary/eng1/2026/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_a_month_sheet_renamed_is_refused_not_skipped(filled, web):
    """A sheet in the itinerary's format whose name is no month (December) held trips that were dropped silently."""
    before = snapshot(filled)
    trip = [(date(2026, 11, 2), None, None, "08:00", "09:00")]
    data = build((10, []), (11, trip))

    def renamed(title):
        book = load_workbook(io.BytesIO(data))
        book["11月"].title = title
        book.create_sheet("备注").append(["一张说明，不是月份表"])  # a sheet of another kind stays ignored
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    response = upload(web("eng1"), renamed("November"))
    assert response.status_code == 422
    assert "工作表“November”是行程表的格式" in response.get_data(as_text=True)
    assert snapshot(filled) == before
    assert upload(web("eng1"), renamed("11 月")).status_code == 302  # spaces in a month's name are no other name
    db.session.expire_all()
    assert db.session.scalar(select(Trip).where(Trip.day == date(2026, 11, 2))) is not None


def test_a_trip_written_below_the_totals_is_refused_naming_its_row_not_dropped(filled, web):
    """The parser stopped at 合计: a row added at the bottom of the sheet (where Excel users add rows) was lost
    while the import said the month was unchanged."""
    client = web("eng1")
    data = client.get("/itinerary/eng1/2026.xlsx").data
    before = snapshot(filled)
    book = load_workbook(io.BytesIO(data))
    sheet = book["11月"]
    last = sheet.max_row + 1
    sheet.cell(last, 1, "2026-11-20")
    sheet.cell(last, 4, "08:00")
    sheet.cell(last, 5, "09:00")
    sheet.cell(last, 10, "补录的行程")
    out = io.BytesIO()
    book.save(out)
    response = upload(client, out.getvalue())
    assert response.status_code == 422
    assert f"工作表“11月”第 {last} 行：此行在“合计”之下" in response.get_data(as_text=True)
    assert snapshot(filled) == before
    assert upload(client, data).status_code == 302  # the totals block itself, as exported, is read as before
