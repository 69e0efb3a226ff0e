"""Importing the spreadsheets an office already has: templates, dry run with row errors, all-or-nothing, re-import."""

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import login
from tracker.auth.models import User
from tracker.equipment import Equipment
from tracker.extensions import db
from tracker.imports import kinds
from tracker.itinerary.models import CalendarDay
from tracker.workorders.models import WorkOrder
from tracker.customers.models import Customer

HEADERS = [column.zh for column in kinds.WORK_ORDERS.columns]


def _xlsx(kind, rows, english_row=True):
    book = Workbook()
    sheet = book.active
    sheet.append([column.zh for column in kind.columns])
    if english_row:
        sheet.append([column.en for column in kind.columns])
    for row in rows:
        sheet.append([row.get(column.key, "") for column in kind.columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that merely starts with "=", as Excel stores it when typed with '
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(api, kind, data, name, dry_run=True, user=None):
    user = user or ("admin" if kind in ("users", "calendar") else "office")
    return api("POST", f"/imports/{kind}", user, data={"file": (io.BytesIO(data), name),
                                                      "dry_run": "1" if dry_run else "0"},
               content_type="multipart/form-data")


def _orders(count, engineer="eng1"):
    return [{"number": f"WO{n:05d}", "customer": "旗滨玻璃", "equipment": f"{n % 7 + 1}号机", "service_type": "维修",
             "reported_at": f"2026-10-{n % 28 + 1:02d} 09:00", "engineer": engineer, "status": "open"}
            for n in range(1, count + 1)]


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_each_template_has_chinese_headers_an_english_row_examples_and_choice_lists(team, api):
    for kind in kinds.KINDS.values():
        response = api("GET", f"/imports/{kind.name}/template.xlsx", "admin")
        assert response.status_code == 200, kind.name
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert [cell.rstrip("*") for cell in rows[0]] == [column.zh for column in kind.columns]
        assert list(rows[1]) == [column.en for column in kind.columns]
        assert len(rows) == 2 + len(kind.examples)
        listed = {str(rule.sqref).split(":")[0][:-1] for rule in sheet.data_validations.dataValidation}
        assert len(listed) == len([column for column in kind.columns if column.choices])
        # the rows a clerk adds are text too (the columns' style): Excel turned 2-1 into a date, 00123 into 123
        letters = [chr(ord("A") + n) for n in range(len(kind.columns))]
        assert all(sheet.column_dimensions[letter].number_format == "@" for letter in letters), kind.name
    users = load_workbook(io.BytesIO(api("GET", "/imports/users/template.xlsx", "admin").data)).active
    choices = [rule.formula1 for rule in users.data_validations.dataValidation]
    assert '"engineer,backoffice,manager,gm,admin"' in choices


@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_a_template_sent_back_with_its_example_rows_left_in_changes_nothing(team, api, make_user, kind):
    """The examples name real-looking records (WO20261015-001, zhangsan): sent back unchanged, an instance that had
    those had them overwritten (an order of another engineer reassigned, a user's pay changed)."""
    make_user("zhangsan", display_name="张三", supervisor="mgr")
    template = api("GET", f"/imports/{kind}/template.xlsx", "admin").data
    before = {model: _count(model) for model in (User, WorkOrder, Customer, Equipment)}
    report = _upload(api, kind, template, f"{kind}.xlsx", dry_run=False)
    body = report.get_json()
    assert report.status_code == 422, body
    assert "示例行" in str(body), body
    assert {model: _count(model) for model in before} == before


def test_a_thousand_orders_with_three_bad_rows_dry_run_names_exactly_those_and_stores_nothing(team, api):
    rows = _orders(1000)
    rows[99]["reported_at"] = "2026-13-45 09:00"  # spreadsheet row 102 (two header rows)
    rows[499]["engineer"] = "nobody"  # row 502
    rows[899]["customer"] = "旗滨/玻璃"  # row 902
    data = _xlsx(kinds.WORK_ORDERS, rows)
    response = _upload(api, "work_orders", data, "工单.xlsx")
    assert response.status_code == 200
    report = response.get_json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(102, "报修时间"), (502, "工程师"), (902, "客户")]
    assert all(e["message"] for e in report["errors"])
    assert report["rows"] == 1000 and report["created"] == 997 and report["stored"] is False
    assert _count(WorkOrder) == 0 and _count(Customer) == 0

    refused = _upload(api, "work_orders", data, "工单.xlsx", dry_run=False)
    assert refused.status_code == 422
    assert len(refused.get_json()["error"]["report"]["errors"]) == 3
    assert _count(WorkOrder) == 0

    rows[99]["reported_at"], rows[499]["engineer"], rows[899]["customer"] = "2026-10-02 09:00", "eng2", "旗滨玻璃"
    fixed = _xlsx(kinds.WORK_ORDERS, rows)
    done = _upload(api, "work_orders", fixed, "工单.xlsx", dry_run=False)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["created"] == 1000 and done.get_json()["stored"] is True
    assert _count(WorkOrder) == 1000

    again = _upload(api, "work_orders", fixed, "工单.xlsx", dry_run=False).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1000)
    assert _count(WorkOrder) == 1000


def test_names_with_spaces_around_them_are_refused_on_their_row_not_trimmed(team, api):
    """CONTRACT 5: a leading or trailing space in a name that becomes part of a file name is refused (422), by the
    import as by the API and the web form; other cells (the engineer here) are still trimmed."""
    rows = _orders(4)
    rows[0]["customer"], rows[1]["equipment"], rows[2]["service_type"] = " 旗滨玻璃", "3号机 ", "维修\u3000"
    rows[3]["engineer"] = " eng1 "
    report = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "工单.xlsx").get_json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "客户"), (4, "设备"), (5, "服务类型")]
    assert report["created"] == 1
    assert _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "工单.xlsx", dry_run=False).status_code == 422
    assert _count(WorkOrder) == 0 and _count(Customer) == 0


def test_a_changed_row_updates_the_stored_order_and_the_dry_run_lists_it_as_a_change(team, api):
    rows = _orders(3)
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    rows[1]["engineer"], rows[1]["completed_at"], rows[1]["status"] = "eng2", "2026-10-03 18:00", "completed"
    report = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx").get_json()
    assert report["changes"] == [{"row": 4, "key": "WO00002", "action": "update",
                                  "columns": ["工程师", "完工时间", "状态"]}]
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "WO00002"))
    assert order.engineer.username == "eng2" and order.status == "completed"


def test_rework_links_and_supervisors_may_point_to_later_rows_of_the_same_file(team, api):
    users = [
        {"username": "new.eng", "display_name": "新工程师", "role": "engineer", "supervisor": "new.mgr",
         "hire_date": "2025-01-01", "bonus_base": "1500", "active": "是"},
        {"username": "new.mgr", "display_name": "新主管", "role": "主管", "supervisor": "gm.wang",
         "hire_date": "2020-01-01", "bonus_base": "3000", "active": "是"},
    ]
    report = _upload(api, "users", _xlsx(kinds.USERS, users), "人员.xlsx", dry_run=False)
    assert report.status_code == 200, report.get_json()
    engineer = db.session.scalar(select(User).where(User.username == "new.eng"))
    assert engineer.supervisor.username == "new.mgr" and engineer.supervisor.role == "manager"

    orders = _orders(2)
    orders[0].update(number="WO-LATER", reported_at="2026-10-20 09:00", rework="external", rework_of="WO-FIRST")
    orders[1].update(number="WO-FIRST", reported_at="2026-10-01 09:00", completed_at="2026-10-01 17:00",
                     status="completed")
    report = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx", dry_run=False)
    assert report.status_code == 200, report.get_json()
    later = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "WO-LATER"))
    assert later.rework == "external" and later.rework_of.number == "WO-FIRST"
    again = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx").get_json()
    assert again["unchanged"] == 2 and not again["errors"]


@pytest.mark.parametrize("dry_run", [True, False])
def test_new_orders_of_one_file_that_redo_each_other_are_refused_on_the_row_in_the_check_and_the_import(
        team, api, dry_run):
    """Two new orders reported at the same time, each the other's rework: the check said "2 created" and the import
    was a 500 (a circular dependency at the flush); the API refuses the second link of such a pair."""
    orders = _orders(2)
    orders[0].update(number="CYC-A", reported_at="2026-11-10 09:00", rework="external", rework_of="CYC-B")
    orders[1].update(number="CYC-B", reported_at="2026-11-10 09:00", rework="external", rework_of="CYC-A")
    before = _count(WorkOrder)
    refused = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx", dry_run=dry_run)
    assert refused.status_code == (200 if dry_run else 422), refused.get_data(as_text=True)[:300]
    report = refused.get_json() if dry_run else refused.get_json()["error"]["report"]
    assert report["stored"] is False
    errors = report["errors"]
    assert any("互为返修" in error["message"] for error in errors), errors
    assert _count(WorkOrder) == before


@pytest.mark.parametrize("base", ["١٠٠٠", "0,500", "1,23.4"])  # 0,500 was read as 500: no thousands separator
def test_a_bonus_base_of_other_digits_is_refused_as_the_api_refuses_it(team, api, base):
    users = [{"username": "wide.eng", "display_name": "全角", "role": "engineer", "supervisor": "mgr",
              "hire_date": "2025-01-01", "bonus_base": base, "active": "是"}]
    refused = _upload(api, "users", _xlsx(kinds.USERS, users), "人员.xlsx", dry_run=False)
    assert refused.status_code == 422
    report = refused.get_json()["error"]["report"]
    assert [(error["row"], error["message"]) for error in report["errors"]] == [(3, "须为数字")], report
    assert db.session.scalar(select(User).where(User.username == "wide.eng")) is None


def test_full_width_digits_typed_with_a_chinese_input_method_are_read_as_the_cell_shows_them(team, api):
    """２０００ and ２０２５－０１－０１ look like a number and a date in the cell: they were refused (须为数字, the
    date's format) with nothing on screen to say why."""
    users = [{"username": "wide.eng", "display_name": "全角", "role": "engineer", "supervisor": "mgr",
              "hire_date": "２０２５－０１－０１", "bonus_base": "２，０００．５０", "active": "是",
              "early_confirmation_month": "２０２５－０５"}]
    answer = _upload(api, "users", _xlsx(kinds.USERS, users), "人员.xlsx", dry_run=False)
    assert answer.status_code == 200, answer.get_json()
    stored = db.session.scalar(select(User).where(User.username == "wide.eng"))
    assert (stored.hire_date, stored.bonus_base) == (date(2025, 1, 1), Decimal("2000.50"))
    assert stored.early_confirmation_month == "2025-05"


def test_an_early_confirmation_month_in_a_date_cell_is_read_as_its_month(team, api):
    """Excel turns 2025-10 typed into a cell not kept as text into the date 2025-10-01: the month column refused it
    (月份须为 YYYY-MM) while every date column takes a date cell. Another day of a month is still refused."""
    users = [{"username": "date.cell", "display_name": "日期格", "role": "engineer", "supervisor": "mgr",
              "hire_date": datetime(2025, 1, 6), "bonus_base": "0", "active": "是",
              "early_confirmation_month": datetime(2025, 5, 1)}]
    answer = _upload(api, "users", _xlsx(kinds.USERS, users), "人员.xlsx", dry_run=False)
    assert answer.status_code == 200, answer.get_json()
    assert db.session.scalar(select(User.early_confirmation_month).where(User.username == "date.cell")) == "2025-05"
    users[0].update(username="date.cell2", early_confirmation_month=datetime(2025, 5, 12))
    refused = _upload(api, "users", _xlsx(kinds.USERS, users), "人员.xlsx", dry_run=False)
    assert refused.status_code == 422


def test_roles_named_as_tracker_shows_them_and_a_bonus_base_with_thousands_separators_import(team, api):
    users = [{"username": f"role.{n}", "display_name": f"角色{n}", "role": role, "supervisor": "mgr",
              "hire_date": "2025-01-01", "bonus_base": base, "active": "是"}
             for n, (role, base) in enumerate([("售后工程师", "2,600"), ("技术员", "1,234.50"), ("系统管理员", "0"),
                                               ("工程师", "12,345,678"), ("内勤", "2600")])]
    answer = _upload(api, "users", _xlsx(kinds.USERS, users[:4]), "人员.xlsx", dry_run=False)
    assert answer.status_code == 422  # 12,345,678 is past the bonus base's limit: read as the number it is
    assert [error["row"] for error in answer.get_json()["error"]["report"]["errors"]] == [6]
    answer = _upload(api, "users", _xlsx(kinds.USERS, users[:3] + users[4:]), "人员.xlsx", dry_run=False)
    assert answer.status_code == 200, answer.get_json()
    stored = {user.username: (user.role, user.bonus_base)
              for user in db.session.scalars(select(User).where(User.username.like("role.%")))}
    assert stored == {"role.0": ("engineer", Decimal("2600")), "role.1": ("engineer", Decimal("1234.50")),
                      "role.2": ("admin", Decimal("0")), "role.4": ("backoffice", Decimal("2600"))}
    refused = _upload(api, "users", _xlsx(kinds.USERS, [dict(users[0], role="工程狮")]), "人员.xlsx")
    message = _report(refused)["errors"][0]["message"]
    assert "engineer（售后工程师/工程师/技术员）" in message and "admin（系统管理员/管理员）" in message, message


def test_a_gb18030_csv_as_excel_saves_it_imports(team, api):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.zh for column in kinds.CUSTOMERS.columns])
    writer.writerow(["旗滨玻璃", "1号机", "QB-2000", "SN1", "2019-03-12"])
    writer.writerow(["旗滨玻璃", "2号机", "QB-2000", "SN2", "18/5/2020"])  # day first: which is the month?
    writer.writerow(["南方水泥", "", "", "", ""])
    data = out.getvalue().replace("\n", "\r\n").encode("gb18030")
    report = _upload(api, "customers", data, "客户.csv").get_json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "安装日期")]
    data = data.decode("gb18030").replace("18/5/2020", "2020/5/18").encode("gb18030")  # as Excel writes it
    report = _upload(api, "customers", data, "客户.csv", dry_run=False)
    assert report.status_code == 200, report.get_json()
    machines = db.session.scalars(select(Equipment).order_by(Equipment.name)).all()
    assert [(m.customer.name, m.name, m.serial, m.installed_on) for m in machines] == [
        ("旗滨玻璃", "1号机", "SN1", date(2019, 3, 12)), ("旗滨玻璃", "2号机", "SN2", date(2020, 5, 18))]
    assert _count(Customer) == 2


def test_a_csv_row_shifted_by_an_unquoted_comma_is_refused_not_stored_shifted(team, api):
    """客户, 设备, 型号, 序列号, 安装日期 with the model written QB-2000,B unquoted: the serial read "B" and the
    date column held the serial; the cell past the header was dropped without a word and the row stored shifted."""
    header = ",".join(column.zh for column in kinds.CUSTOMERS.columns)
    data = (header + "\n旗滨玻璃,1号机,QB-2000,B,SN1,2019-03-12\n南方水泥,2号机,QB-1000,SN2,2020-05-18,\n").encode()
    report = _report(_upload(api, "customers", data, "客户.csv", dry_run=False))
    assert report["rows"] == 2
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "")]
    assert "第 6 列" in report["errors"][0]["message"] and "引号" in report["errors"][0]["message"]
    assert _count(Customer) == 0 and _count(Equipment) == 0  # a refused row: nothing of the file stored
    quoted = data.replace(b"QB-2000,B,", b'"QB-2000,B",')
    assert _upload(api, "customers", quoted, "客户.csv", dry_run=False).status_code == 200
    assert db.session.scalar(select(Equipment.model).where(Equipment.serial == "SN1")) == "QB-2000,B"


def _attendance_with_merged_heads():
    """An attendance workbook as offices lay it out: a merged title, each header cell merged down over two rows."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年考勤异常"])
    sheet.merge_cells("A1:C1")
    sheet.append(["用户名", "日期", "状态"])
    sheet.append([None, None, None])
    for column in "ABC":
        sheet.merge_cells(f"{column}2:{column}3")
    return book, sheet


def test_an_xlsx_with_a_merged_title_and_merged_header_cells_imports(team, api):
    book, sheet = _attendance_with_merged_heads()
    sheet.append(["eng1", date(2026, 10, 12), "late"])
    sheet.append(["eng2", "2026-10-13", "sick_leave"])
    out = io.BytesIO()
    book.save(out)
    response = _upload(api, "attendance", out.getvalue(), "考勤.xlsx", dry_run=False)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 2
    month = api("GET", "/itineraries/eng1/2026-10", "office").get_json()
    assert {d["date"]: d["attendance"] for d in month["days"]}["2026-10-12"] == "late"


def test_formula_like_text_comes_back_as_the_same_text(team, api):
    rows = _orders(1)
    rows[0]["description"] = '=HYPERLINK("http://example.com","点我")'
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    exported = api("GET", "/imports/work_orders/export.xlsx", "office")
    sheet = load_workbook(io.BytesIO(exported.data)).active
    cell = sheet.cell(3, [c.key for c in kinds.WORK_ORDERS.columns].index("description") + 1)
    assert cell.data_type == "s" and cell.value == rows[0]["description"]
    again = _upload(api, "work_orders", exported.data, "a.xlsx").get_json()
    assert again["unchanged"] == 1


def test_a_formula_without_a_saved_result_is_read_as_its_text_never_as_empty(team, api):
    """A real formula cell (as a generator or a user typing = writes it, with no result saved) read as empty and
    cleared the stored description; it is now its text, as typed."""
    rows = _orders(1)
    rows[0]["description"] = "电机异响"
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    book = Workbook()
    sheet = book.active
    sheet.append([column.zh for column in kinds.WORK_ORDERS.columns])
    sheet.append([{**rows[0], "description": "=售后服务部"}.get(column.key, "") for column in kinds.WORK_ORDERS.columns])
    formula = sheet.cell(2, [c.key for c in kinds.WORK_ORDERS.columns].index("description") + 1)
    assert formula.data_type == "f"  # a formula cell, not text
    out = io.BytesIO()
    book.save(out)
    answer = _upload(api, "work_orders", out.getvalue(), "b.xlsx", dry_run=False).get_json()
    assert answer["updated"] == 1, answer
    db.session.expire_all()
    assert db.session.scalar(select(WorkOrder.description)) == "=售后服务部"


@pytest.mark.parametrize("description", ["第一行\r\n第二行", "x_x0041_y", "\r开头"])
def test_an_export_imports_back_unchanged_with_carriage_returns_and_escape_like_text(team, api, description):
    """A CR (a Windows line end) came back from the export as a line feed, so re-importing the unchanged file
    rewrote the description; text that looks like an escape (_x0041_) stays as it is."""
    rows = _orders(1)
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    order_id = db.session.scalar(select(WorkOrder.id))
    assert api("PATCH", f"/work-orders/{order_id}", "office", json={"description": description}).status_code == 200
    exported = api("GET", "/imports/work_orders/export.xlsx", "office")
    again = _upload(api, "work_orders", exported.data, "a.xlsx").get_json()
    assert again["unchanged"] == 1 and again["updated"] == 0, again


def test_a_real_excel_time_at_midnight_is_imported_as_midnight(team, api):
    """openpyxl gives a date cell and a time of 00:00 alike; the workbook's midnight is kept (the API, given a day
    alone as text, refuses it)."""
    rows = _orders(1)
    rows[0].update(reported_at=datetime(2026, 10, 16, 0, 0))
    done = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    assert done.status_code == 200, done.get_json()
    assert db.session.scalar(select(WorkOrder.reported_at)) == datetime(2026, 10, 16)


def test_times_with_seconds_keep_them_through_import_and_export(team, api):
    rows = _orders(2)
    rows[0].update(reported_at="2026-10-15 08:00:59", responded_at="2026-10-15T10:00:01")
    rows[1].update(reported_at=datetime(2026, 10, 16, 9, 0, 30), completed_at=datetime(2026, 10, 16, 17, 0),
                   status="completed")  # real Excel dates
    done = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    assert done.status_code == 200, done.get_json()
    first, second = db.session.scalars(select(WorkOrder).order_by(WorkOrder.number)).all()
    assert (first.reported_at, first.responded_at) == (datetime(2026, 10, 15, 8, 0, 59), datetime(2026, 10, 15, 10, 0, 1))
    assert (second.reported_at, second.completed_at) == (datetime(2026, 10, 16, 9, 0, 30), datetime(2026, 10, 16, 17))
    exported = api("GET", "/imports/work_orders/export.xlsx", "office")
    keys = [c.key for c in kinds.WORK_ORDERS.columns]
    table = {row[0]: dict(zip(keys, row)) for row in load_workbook(io.BytesIO(exported.data)).active.iter_rows(
        min_row=3, values_only=True)}
    assert (table["WO00001"]["reported_at"], table["WO00001"]["responded_at"]) == ("2026-10-15 08:00:59",
                                                                                   "2026-10-15 10:00:01")
    assert (table["WO00002"]["reported_at"], table["WO00002"]["completed_at"]) == ("2026-10-16 09:00:30",
                                                                                   "2026-10-16 17:00")
    assert _upload(api, "work_orders", exported.data, "a.xlsx").get_json()["unchanged"] == 2


@pytest.mark.parametrize("user, kind, status", [
    ("eng1", "work_orders", 403), ("mgr", "customers", 403), ("office", "users", 403), ("office", "calendar", 403),
    ("admin", "work_orders", 200), ("office", "customers", 200), ("admin", "customers", 200),
    ("admin", "calendar", 200), ("office", "attendance", 200), ("admin", "attendance", 200),
    ("mgr", "attendance", 403),
])
def test_who_may_import_what(team, api, client, user, kind, status):
    data = _xlsx(kinds.KINDS[kind], [])
    assert _upload(api, kind, data, "x.xlsx", user=user).status_code == status
    if user in ("admin", "office"):  # the template and the export follow the import (office had the calendar's
        for path in (f"/imports/{kind}/template.xlsx", f"/imports/{kind}/export.xlsx"):  # template, not its import)
            assert api("GET", path, user).status_code == status, path
        login(client, user)
        assert client.get(f"/imports/{kind}/template.xlsx").status_code == status


def test_an_admin_onboarding_an_empty_instance_imports_its_work_orders_too(team, api):
    """An admin may create work orders (CONTRACT 10) and is the only user of a new instance, yet the work-order
    import, whose template he could download, answered him 403."""
    response = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(3)), "a.xlsx", dry_run=False,
                       user="admin")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 3


def test_bad_files_get_clear_errors_and_nothing_is_stored(team, api):
    assert _upload(api, "work_orders", b"not a workbook", "x.xlsx").status_code == 422
    assert _upload(api, "work_orders", b"a,b\n1,2\n", "x.txt").status_code == 422
    no_header = _upload(api, "work_orders", b"foo,bar\n1,2\n", "x.csv").get_json()
    assert "表头" in no_header["error"]["message"]
    assert api("POST", "/imports/nothing", "office", data={"file": (io.BytesIO(b"x"), "x.csv")},
               content_type="multipart/form-data").status_code == 404
    assert _count(WorkOrder) == 0


@pytest.mark.parametrize("data", [b"\xff\xfe\x00\xd8", b"\xff\xfea\x00b", b"\xfe\xff\xd8\x00"])
def test_a_csv_marked_utf_16_that_is_not_is_refused_not_a_500(team, api, client, data):
    """A lone surrogate or an odd last byte after a UTF-16 byte order mark: the decode sat outside the handling
    the other encodings get (a 500 from the API and the page)."""
    response = _upload(api, "work_orders", data, "工单.csv")
    assert response.status_code == 422 and "UTF-16" in response.get_json()["error"]["fields"]["file"]
    login(client, "office")
    page = _page_upload(client, "work_orders", data, "工单.csv")
    assert page.status_code == 422 and "UTF-16" in page.get_data(as_text=True)


def test_the_command_line_import_checks_then_imports(team, runner, tmp_path):
    path = tmp_path / "工单.xlsx"
    path.write_bytes(_xlsx(kinds.WORK_ORDERS, _orders(5)))
    dry = runner.invoke(args=["import", "work_orders", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "5 new" in dry.output and _count(WorkOrder) == 0
    done = runner.invoke(args=["import", "work_orders", str(path)])
    assert done.exit_code == 0, done.output
    assert _count(WorkOrder) == 5
    bad = tmp_path / "bad.xlsx"
    rows = _orders(2)
    rows[1]["engineer"] = "nobody"
    bad.write_bytes(_xlsx(kinds.WORK_ORDERS, rows))
    refused = runner.invoke(args=["import", "work_orders", str(bad)])
    assert refused.exit_code != 0 and "row 4" in refused.output


def _page_upload(client, kind, data, name):
    return client.post(f"/imports/{kind}/check", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_page_checks_a_file_lists_bad_rows_and_imports_the_checked_file(team, client):
    from tests.conftest import login

    login(client, "office")
    page = client.get("/imports/")
    assert page.status_code == 200 and "下载模板" in page.get_data(as_text=True)
    rows = _orders(3)
    rows[2]["engineer"] = "nobody"
    refused = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "工单.xlsx")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="errors"' in body and "nobody" in body and 'name="token"' not in body
    rows[2]["engineer"] = "eng2"
    checked = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "工单.xlsx")
    body = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'id="import-checked"' in body and _count(WorkOrder) == 0
    token = body.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post("/imports/work_orders/run", data={"token": token})
    assert done.status_code == 200 and 'id="import-done"' in done.get_data(as_text=True)
    assert _count(WorkOrder) == 3
    assert client.post("/imports/work_orders/run", data={"token": token}).status_code == 404  # used up
    assert client.post("/imports/work_orders/run", data={"token": "../../etc/passwd"}).status_code == 404


def test_a_checked_file_reaches_only_its_uploader_and_is_removed_after_a_day(team, client, app, make_user):
    """A checked file holds people's data: another user's token is refused (404), and a file checked more than a day
    ago and never imported is removed when the next file is checked (they stayed in the instance for ever)."""
    import os
    import time

    from tests.conftest import login

    login(client, "office")
    first = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(1)), "工单.xlsx")
    token = first.get_data(as_text=True).split('name="token" type="hidden" value="')[1].split('"')[0]
    stash = os.path.join(app.instance_path, "imports")
    kept = [os.path.join(folder, name) for folder, _f, names in os.walk(stash) for name in names]
    assert [os.path.basename(path) for path in kept] == [token]
    make_user("office2", role="backoffice")
    client.post("/logout")
    login(client, "office2")
    assert client.post("/imports/work_orders/run", data={"token": token}).status_code == 404
    assert _count(WorkOrder) == 0
    day_old = time.time() - 24 * 3600 - 60
    os.utime(kept[0], (day_old, day_old))
    second = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(2)), "工单.xlsx")
    assert second.status_code == 200
    assert not os.path.exists(kept[0])
    assert len([name for _folder, _f, names in os.walk(stash) for name in names]) == 1


def test_a_checked_file_is_readable_by_the_server_alone_and_swept_by_the_scheduler(team, client, app):
    """A users file keeps its initial passwords in plain text: checked files were readable by every login on the
    server (0644 in 0755 folders), and one never imported stayed until someone checked another file."""
    import os
    import stat
    import time

    from datetime import datetime

    from tests.conftest import login
    from tracker import clock, jobs
    from tracker.imports import stash

    login(client, "office")
    page = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(1)), "工单.xlsx")
    token = page.get_data(as_text=True).split('name="token" type="hidden" value="')[1].split('"')[0]
    root = os.path.join(app.instance_path, "imports")
    own = os.path.join(root, str(team["office"].id))
    path = os.path.join(own, token)
    assert [stat.S_IMODE(os.stat(p).st_mode) for p in (root, own, path)] == [0o700, 0o700, 0o600]
    now = datetime.now(clock.zone()).replace(tzinfo=None)  # the files' times are the machine's
    assert jobs.run_frequent(app, "import_stash", now) is None  # nothing a day old: nothing done, no run recorded
    assert os.path.exists(path)
    day_old = time.time() - stash.STASH_SECONDS - 60
    os.utime(path, (day_old, day_old))
    assert jobs.run_frequent(app, "import_stash", now) == "删除了 1 个超过一天未导入的待导入文件"
    assert not os.path.exists(path)


def test_a_machine_has_a_history_page_and_the_work_order_links_to_it(team, client, api):
    from tests.conftest import login

    data = _xlsx(kinds.CUSTOMERS, [{"customer": "旗滨玻璃", "equipment": "1号机", "model": "QB-2000", "serial": "SN1",
                                    "installed_on": "2019-03-12"}])
    assert _upload(api, "customers", data, "c.xlsx", dry_run=False).status_code == 200
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(8)), "w.xlsx", dry_run=False)
    machine = db.session.scalar(select(Equipment).where(Equipment.name == "1号机"))
    listed = api("GET", "/equipment?customer=旗滨玻璃", "eng1").get_json()["equipment"]
    # the imported machine with its details; the others the orders name, as records of their own (no details)
    assert [(m["name"], m["model"]) for m in listed] == [("1号机", "QB-2000")] + [(f"{n}号机", None) for n in
                                                                                 range(2, 8)]
    login(client, "office")
    page = client.get(f"/work-orders/equipment/{machine.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "WO00007" in body and "WO00001" not in body  # only WO00007 is 1号机's (see _orders)
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "WO00007"))
    assert f"/work-orders/equipment/{machine.id}" in client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    assert client.get("/work-orders/equipment/99999").status_code == 404


def test_an_import_recomputes_the_drafts_of_the_months_it_touches(team, api):
    assert api("GET", "/scores/2026-10/eng1", "mgr").get_json()["status"] == "pending"
    rows = _orders(2)
    rows[1]["engineer"] = "eng2"
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    first = api("GET", "/scores/2026-10/eng1", "mgr").get_json()
    assert first["status"] == "draft" and first["computed_at"]
    assert api("GET", "/scores/2026-10/eng3", "gm.wang").get_json()["status"] == "pending"  # not touched
    rows[0]["responded_at"] = "2026-10-02 09:30"
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "a.xlsx", dry_run=False)
    response = {i["code"]: i for i in api("GET", "/scores/2026-10/eng1", "mgr").get_json()["indicators"]}["response"]
    assert response["applies"] and response["points"] == 15


def test_a_work_order_dry_run_takes_no_write_lock_and_the_import_does(team, api):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the single-writer lock is SQLite's")
    import sqlite3

    data = _xlsx(kinds.WORK_ORDERS, _orders(20))
    assert api("GET", "/imports/work_orders/template.xlsx", "office").status_code == 200  # signed in before
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock (another import, say)
        checked = _upload(api, "work_orders", data, "工单.xlsx")
        assert checked.status_code == 200, checked.get_json()
        assert checked.get_json()["created"] == 20 and not checked.get_json()["errors"]
        assert _upload(api, "work_orders", data, "工单.xlsx", dry_run=False).status_code == 503
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _upload(api, "work_orders", data, "工单.xlsx", dry_run=False).status_code == 200
    assert _count(WorkOrder) == 20


def _csv(kind, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.zh for column in kind.columns])
    for row in rows:
        writer.writerow([row.get(column.key, "") for column in kind.columns])
    return out.getvalue().encode("utf-8")


def _report(response):
    """The import report of an answer: the body of a dry run or an import, inside the 422 of a refused one."""
    body = response.get_json()
    return body["error"]["report"] if response.status_code == 422 else body


USER_ROW = {"username": "ctrl1", "display_name": "控制测试", "role": "engineer", "supervisor": "mgr",
            "department": "售后部", "hire_date": "2026-01-05", "bonus_base": "2000", "email": "a@b.com",
            "active": "是", "password": "abcdefgh12"}


@pytest.mark.parametrize("column, value", [
    ("department", "售后\x02部"), ("email", "a\x01@b.com"), ("password", "abc\x01defgh12"),
    ("display_name", "控制\x7f测试"), ("display_name", "控制\u202e测试"),
])
def test_a_cell_with_a_control_character_is_refused_as_the_api_refuses_it(team, api, column, value):
    """CONTRACT 2: no field takes control characters, in forms, the API and (the same validator) imports."""
    data = _csv(kinds.USERS, [USER_ROW | {column: value}])
    report = _report(_upload(api, "users", data, "users.csv", dry_run=False))
    assert not report["stored"]
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(2, column)]
    assert db.session.scalar(select(User).where(User.username == "ctrl1")) is None
    assert api("POST", "/users", "admin", json=USER_ROW | {column: value, "supervisor": None,
                                                           "bonus_base": 2000}).status_code == 422


def test_one_record_twice_in_a_file_is_refused_on_its_second_row(team, api):
    customers = [{"customer": "dupco", "equipment": "A", "model": "M1"},
                 {"customer": "dupco", "equipment": "B", "model": "M2"},  # another machine: fine
                 {"customer": "dupco", "equipment": "A", "model": "M3"},
                 {"customer": "Cafe\u0301", "equipment": "1号机"},
                 {"customer": "Caf\u00e9", "equipment": "1号机"}]  # the same name once stored (NFC)
    report = _report(_upload(api, "customers", _csv(kinds.CUSTOMERS, customers), "c.csv", dry_run=False))
    assert [(e["row"], e["column"], e["message"]) for e in report["errors"]] == [
        (4, "客户名称", "与第 2 行重复（dupco A）"), (6, "客户名称", "与第 5 行重复（Café 1号机）")]
    assert not report["stored"] and _count(Equipment) == 0
    orders = _orders(3)
    orders[2]["number"] = orders[0]["number"]
    report = _report(_upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "o.xlsx"))
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(5, "number")]  # a title row, an English row
    users = [USER_ROW, USER_ROW | {"display_name": "另一个"}]
    report = _report(_upload(api, "users", _csv(kinds.USERS, users), "u.csv"))
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "username")]


def test_a_row_naming_only_a_customer_with_machines_is_that_customer_unchanged(team, api):
    """Such a row was reported as a new customer on every import (nothing was stored)."""
    data = _xlsx(kinds.CUSTOMERS, [{"customer": "旗滨玻璃", "equipment": "1号机"}])
    assert _upload(api, "customers", data, "客户.xlsx", dry_run=False).status_code == 200
    data = _xlsx(kinds.CUSTOMERS, [{"customer": "旗滨玻璃", "equipment": "1号机"}, {"customer": "旗滨玻璃"},
                                   {"customer": "南方水泥"}])
    report = _upload(api, "customers", data, "客户.xlsx", dry_run=False).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 0, 2)
    assert [(change["row"], change["key"], change["action"]) for change in report["changes"]] == [
        (5, "南方水泥", "create")]
    assert _count(Customer) == 2 and _count(Equipment) == 1


def test_a_bad_customer_name_is_reported_in_the_customer_column(team, api):
    rows = [{"customer": " lead", "equipment": "B"}, {"customer": "旗滨", "equipment": "1号机 "}]
    report = _report(_upload(api, "customers", _csv(kinds.CUSTOMERS, rows), "c.csv"))
    assert [(e["row"], e["column"], e["field"]) for e in report["errors"]] == [
        (2, "客户名称", "customer"), (3, "设备名称", "equipment")]


def test_a_control_character_excel_wrote_as_an_escape_is_refused_not_stored_as_its_escape(team, api):
    """Excel writes a BEL in a cell as _x0007_: it was read as those seven characters and a customer (a folder
    name) was created as 响铃_x0007_客户."""
    rows = [{"customer": "响铃_x0007_客户", "equipment": "A"}]
    report = _report(_upload(api, "customers", _xlsx(kinds.CUSTOMERS, rows), "c.xlsx", dry_run=False))
    assert not report["stored"]
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "customer")]
    assert "U+0007" in report["errors"][0]["message"]
    assert db.session.scalar(select(Customer).where(Customer.name.like("响铃%"))) is None


@pytest.mark.parametrize("column", ["number", "customer", "engineer", "submitter", "rework_of"])
def test_a_nul_in_a_cell_a_row_is_looked_up_by_is_a_row_error_not_a_500(team, api, column):
    """On PostgreSQL the file's numbers, customers and people were looked up before any cell was checked, and its
    text cannot hold NUL: a 500. Every cell is now checked first, on both databases."""
    rows = _orders(2)
    rows[1][column] = "WO\x0001" if column in ("number", "rework_of") else "旗\x00滨"
    response = _upload(api, "work_orders", _csv(kinds.WORK_ORDERS, rows), "o.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [(e["row"], e["field"]) for e in response.get_json()["errors"]] == [(3, column)]


def test_a_workbook_that_unzips_to_far_more_than_any_import_is_refused_before_it_is_read(team, api):
    """A few hundred KB can unzip to gigabytes: the parts' unzipped size is checked first, as for the itinerary."""
    import zipfile

    from tracker.imports import files

    plain = _xlsx(kinds.CUSTOMERS, [{"name": "旗滨玻璃"}])
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as source, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            with target.open(item.filename, "w") as part:
                if item.filename == "xl/worksheets/sheet1.xml":
                    head, _, rest = body.partition(b"<sheetData")
                    part.write(head)
                    for _chunk in range(files.MAX_UNZIPPED // (1 << 20) + 1):
                        part.write(b" " * (1 << 20))
                    part.write(b"<sheetData" + rest)
                else:
                    part.write(body)
    assert len(bomb.getvalue()) < files.MAX_UNZIPPED // 500
    response = _upload(api, "customers", bomb.getvalue(), "customers.xlsx")
    assert response.status_code == 422 and "解压后过大" in response.get_json()["error"]["fields"]["file"]
    assert _count(Customer) == 0


def test_a_csv_is_read_with_excels_quotes_whatever_its_text_holds(team, api):
    """The sniffer guessed ' as the quote character from descriptions like 'PLC': 'urgent' lost its quotes
    silently and a quoted cell holding a comma was split across columns."""
    rows = _orders(3)
    rows[0]["description"] = "客户说 'PLC' 报警"
    rows[1]["description"] = "'急' 需当天处理"
    rows[2]["description"] = "更换 'A' 型滤芯, 共 2 个"
    out = io.StringIO()
    writer = csv.writer(out)
    columns = [column for column in kinds.WORK_ORDERS.columns if column.key in rows[0] or column.key == "description"]
    writer.writerow([column.zh for column in columns])
    for row in rows:
        writer.writerow([row.get(column.key, "") for column in columns])
    response = _upload(api, "work_orders", out.getvalue().encode("gb18030"), "工单.csv", dry_run=False)
    assert response.status_code == 200, response.get_json()
    stored = dict(db.session.execute(select(WorkOrder.number, WorkOrder.description)).all())
    assert stored == {row["number"]: row["description"] for row in rows}


def test_a_csv_cell_past_the_readers_limit_is_a_clear_422(team, api):
    data = ("日期,工作日,备注\r\n2026-12-31,否,\"加班 说明\r\n" + "2027-01-04,是,x\r\n" * 20000).encode("utf-8")
    response = _upload(api, "calendar", data, "日历.csv")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "引号" in response.get_json()["error"]["fields"]["file"]


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_a_csv_reads_alike_whichever_line_ends_it_has(team, api, end):
    """Line ends of a carriage return alone (an old Mac export) were refused as an unclosed quote."""
    data = end.join(["日期,工作日,备注", "2027-01-04,否,调休", '2027-01-05,否,"调休, 补班"', ""]).encode()
    response = _upload(api, "calendar", data, "日历.csv", dry_run=False)
    assert response.status_code == 200, response.get_json()
    assert not response.get_json()["errors"]
    stored = dict(db.session.execute(select(CalendarDay.day, CalendarDay.note)).all())
    assert stored == {date(2027, 1, 4): "调休", date(2027, 1, 5): "调休, 补班"}


def test_a_calendar_row_without_a_date_is_a_row_error_not_a_conflict(team, api):
    data = "日期,工作日,备注\r\n2027-01-04,否,ok\r\n,是,没填日期\r\n".encode()
    report = _upload(api, "calendar", data, "日历.csv").get_json()
    assert [(e["row"], e["column"], e["message"]) for e in report["errors"]] == [(3, "日期", "请填写日期")]


def test_an_imported_calendar_says_the_drafts_are_recomputed_within_minutes(team, client):
    from tests.conftest import login

    login(client, "admin")
    checked = _page_upload(client, "calendar", "日期,工作日,备注\r\n2026-11-23,否,厂庆\r\n".encode(), "日历.csv")
    token = checked.get_data(as_text=True).split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post("/imports/calendar/run", data={"token": token}).get_data(as_text=True)
    assert 'id="import-done"' in done and "考核草稿将在几分钟内重新计算；已审批的得分不变" in done
    checked = _page_upload(client, "calendar", "日期,工作日,备注\r\n2026-11-23,否,厂庆\r\n".encode(), "日历.csv")
    token = checked.get_data(as_text=True).split('name="token" type="hidden" value="')[1].split('"')[0]
    unchanged = client.post("/imports/calendar/run", data={"token": token}).get_data(as_text=True)
    assert 'id="import-done"' in unchanged and "考核草稿" not in unchanged  # nothing changed: nothing to recompute


def test_attendance_takes_the_chinese_statuses_and_the_first_visible_sheet(team, api):
    book = Workbook()
    old = book.active
    old.title = "旧数据"
    old.append(["用户名", "日期", "状态"])
    old.append(["eng1", "2026-10-14", "absent"])
    old.sheet_state = "hidden"
    sheet = book.create_sheet("本月")
    sheet.append(["用户名", "日期", "状态"])
    sheet.append(["eng1", "2026-10-12", "迟到"])
    sheet.append(["eng1", "2026-10-13", "病假"])
    out = io.BytesIO()
    book.save(out)
    response = _upload(api, "attendance", out.getvalue(), "考勤.xlsx", dry_run=False)
    assert response.status_code == 200, response.get_json()
    days = {d["date"]: d["attendance"] for d in api("GET", "/itineraries/eng1/2026-10", "office").get_json()["days"]}
    assert (days["2026-10-12"], days["2026-10-13"], days["2026-10-14"]) == ("late", "sick_leave", "present")


def _rewritten(data, change):
    """The xlsx `data` with its first worksheet's XML passed through change(bytes) -> bytes."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = change(body)
            target.writestr(item, body)
    return out.getvalue()


def _last_cell_as(body, cell):
    """The sheet with a row 9 holding `cell` after the others."""
    return body.replace(b"</sheetData>", b'<row r="9">' + cell + b"</row></sheetData>")


@pytest.mark.parametrize("change", [
    lambda body: _last_cell_as(body, b'<c r="A9" t="n"><v>abc</v></c>'),     # a number that is none
    lambda body: _last_cell_as(body, b'<c r="A9" t="d"><v>2026-13-45</v></c>'),  # a date that is none
    lambda body: body[:len(body) // 2],                                         # a sheet cut in half
], ids=["number", "date", "cut"])
def test_a_damaged_workbook_is_422_never_a_500(team, api, change):
    """The parser's own errors escaped the reader: a 500 through the API and the page, a traceback on the command
    line (CONTRACT 10: no request, however malformed, gets a 500)."""
    good = _xlsx(kinds.WORK_ORDERS, _orders(2))
    bad = _rewritten(good, change)
    for dry_run in (True, False):
        response = _upload(api, "work_orders", bad, "o.xlsx", dry_run=dry_run)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["fields"] == {"file": "无法读取该 Excel 文件"}
    assert _count(WorkOrder) == 0


def test_a_merged_range_over_a_whole_column_is_refused_before_the_sheet_is_loaded(team, api):
    """D5:D1000000 merged in a 5 KB file took a minute and a gigabyte to load and fill."""
    import time

    good = _xlsx(kinds.WORK_ORDERS, _orders(2))
    bad = _rewritten(good, lambda body: body.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="D5:D1000000"/></mergeCells>'))
    started = time.monotonic()
    response = _upload(api, "work_orders", bad, "o.xlsx")
    assert response.status_code == 422 and "合并单元格" in response.get_json()["error"]["fields"]["file"]
    assert time.monotonic() - started < 5


def test_the_pages_template_is_named_in_the_readers_language(team, client):
    """An English page downloaded "Customers and equipment导入模板.xlsx"."""
    from urllib.parse import unquote

    from tests.conftest import login

    login(client, "office")
    chinese = unquote(client.get("/imports/customers/template.xlsx").headers["Content-Disposition"])
    english = unquote(client.get("/imports/customers/template.xlsx?lang=en").headers["Content-Disposition"])
    assert "导入模板.xlsx" in chinese
    assert "import template.xlsx" in english and "导入" not in english, english
    # a plain name for clients that read only that one (curl -OJ saved ".xlsx", a hidden file)
    assert 'filename="customers-template.xlsx"' in chinese


def test_the_report_names_columns_by_the_header_row_its_reader_reads(team, client):
    """The template has a Chinese and an English header row; an English page's report named the columns in Chinese."""
    from tests.conftest import login

    rows = _orders(2)
    rows[1]["engineer"] = "nobody"
    login(client, "office")
    page = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "o.xlsx")
    assert "<td>工程师</td>" in page.get_data(as_text=True)
    client.post("/lang/en")
    page = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "o.xlsx")
    english = kinds.WORK_ORDERS.columns[[c.key for c in kinds.WORK_ORDERS.columns].index("engineer")].en
    assert f"<td>{english}</td>" in page.get_data(as_text=True)


def test_a_two_row_header_is_read_and_columns_of_other_headings_are_named_as_ignored(team, api, client):
    """处理过程 merged over 响应时间 | 到达时间 | 完工时间 (a second header row, as offices draw them): the times were
    lost without a word (the second row was skipped as a repeated header), and a column whose heading is none of the
    template's (备注说明) was dropped silently."""
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "客户", "服务类型", "报修时间", "处理过程", None, None, "工程师", "状态", "备注说明"])
    sheet.append([None, None, None, None, "响应时间", "到达时间", "完工时间", None, None, None])
    for column in "ABCDHIJ":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("E1:G1")
    sheet.append(["HDR-001", "旗滨玻璃", "维修", "2026-11-16 09:00", "2026-11-16 09:30", "2026-11-16 11:00",
                  "2026-11-16 15:00", "eng1", "已完工", "客户很满意"])
    data = io.BytesIO()
    book.save(data)
    checked = _upload(api, "work_orders", data.getvalue(), "工单.xlsx").get_json()
    assert not checked["errors"] and checked["created"] == 1, checked
    assert checked["ignored_columns"] == ["备注说明"]
    from tests.conftest import login

    login(client, "office")  # the page says so too
    page = client.post("/imports/work_orders/check", data={"file": (io.BytesIO(data.getvalue()), "工单.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="ignored-columns"' in page and "备注说明" in page
    stored = _upload(api, "work_orders", data.getvalue(), "工单.xlsx", dry_run=False)
    assert stored.status_code == 200, stored.get_json()
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "HDR-001"))
    assert (order.responded_at, order.arrived_at, order.completed_at) == (
        datetime(2026, 11, 16, 9, 30), datetime(2026, 11, 16, 11, 0), datetime(2026, 11, 16, 15, 0))


def test_rows_numbered_in_advance_but_left_empty_are_empty_rows(team, api):
    """An office's sheet numbers its rows (序号) down to 20 before they are filled: each empty numbered row stopped
    the import with "no engineer with the username " and "the same as row 4 ()"."""
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "用户名", "日期", "状态"])
    sheet.append([1, "eng1", "2026-11-03", "迟到"])
    for number in range(2, 21):
        sheet.append([number, None, None, None])
    data = io.BytesIO()
    book.save(data)
    report = _upload(api, "attendance", data.getvalue(), "考勤.xlsx", dry_run=False)
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["rows"] == 1 and body["created"] == 1 and not body["errors"]
    assert body["ignored_columns"] == ["序号"]


def test_a_new_order_with_an_empty_submitter_cell_is_submitted_by_who_imports_it(team, api):
    """As through the API (CONTRACT 5): the ledger's empty 提交人 stored no submitter, so nobody was told when the
    order's scan came in."""
    orders = _orders(1)
    orders[0].update(number="SUB-2", submitter="")
    report = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx", dry_run=False, user="office")
    assert report.status_code == 200, report.get_json()
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "SUB-2"))
    assert order.submitter.username == "office"
    again = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx", user="office").get_json()
    assert again["unchanged"] == 1 and not again["errors"], again


def test_a_present_day_stores_nothing_and_is_reported_unchanged_not_created(team, api):
    """出勤 is a workday without a record: the report said "2 created" on every import while nothing was stored."""
    rows = [{"username": "eng1", "date": "2026-11-02", "status": "出勤"},
            {"username": "eng1", "date": "2026-11-03", "status": "present"}]
    for dry_run in (True, False, False):
        report = _upload(api, "attendance", _xlsx(kinds.ATTENDANCE, rows), "考勤.xlsx", dry_run=dry_run).get_json()
        assert (report["created"], report["unchanged"], report["errors"]) == (0, 2, []), report


def test_dates_as_chinese_excel_writes_them_as_text_are_read(team, api):
    """2026/11/3 and 2026/11/16 9:30 (a date cell kept as text, as Chinese Excel shows it) were refused: "the time
    must be ISO 8601, e.g. 2026-10-15T09:30"."""
    attendance = [{"username": "eng1", "date": "2026/11/3", "status": "迟到"},
                  {"username": "eng1", "date": "2026.11.4", "status": "迟到"},
                  {"username": "eng1", "date": "2026年11月5日", "status": "迟到"}]  # Excel's 长日期 as text
    report = _upload(api, "attendance", _xlsx(kinds.ATTENDANCE, attendance), "考勤.xlsx", dry_run=False)
    assert report.status_code == 200 and report.get_json()["created"] == 3, report.get_json()
    orders = _orders(1)
    orders[0].update(number="SLASH-1", reported_at="2026/11/16 9:30",
                     responded_at="2026-11-16 10：05")  # the colon of a Chinese input method
    report = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx", dry_run=False)
    assert report.status_code == 200, report.get_json()
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "SLASH-1"))
    assert order.reported_at == datetime(2026, 11, 16, 9, 30)
    assert order.responded_at == datetime(2026, 11, 16, 10, 5)
    bad = _orders(1)
    bad[0].update(number="SLASH-2", reported_at="2026/13/16 9:30")
    refused = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, bad), "工单.xlsx").get_json()
    assert refused["errors"] and refused["errors"][0]["field"] == "reported_at"
    assert "2026-10-15 09:30" in refused["errors"][0]["message"], refused  # as a clerk writes it, not 2026-10-15T09:30


@pytest.mark.parametrize("shape", ["formula", "merged"])
def test_one_formula_or_merged_cell_does_not_load_the_whole_workbook(shape):
    """A formula or a merged cell anywhere switched from streaming to loading the workbook whole (twice with a
    formula): a 10 MB file within every limit took 4.7 GB. Both are read as the rows stream by now."""
    import tracemalloc

    from tracker.imports import files

    book = Workbook()
    sheet = book.active
    if shape == "merged":
        sheet.append(["2027年日历调整"])
        sheet.merge_cells("A1:C1")  # a title over the header, as offices lay it out
    sheet.append(["日期", "工作日", "备注"] + [f"列{n}" for n in range(10)])
    for number in range(6000):
        day = date(2027, 1, 1) + timedelta(days=number % 365)
        sheet.append([day.isoformat(), "是", "=1+1" if number == 5 and shape == "formula" else "调休"]
                     + [number * 10 + n for n in range(10)])
    out = io.BytesIO()
    book.save(out)
    tracemalloc.start()
    try:
        records, _found, _ignored, _spilled = files.read_rows(kinds.CALENDAR, "日历.xlsx", out.getvalue())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(records) == 6000
    assert peak < 12 * 1024 * 1024, peak  # the rows kept, not the workbook (loaded whole: over 40 MiB)
    if shape == "formula":
        assert records[5][1]["note"] == "=1+1"  # a formula without a saved result reads as its text


@pytest.mark.parametrize("name, rows, stored", [
    ("attendance", [{"username": "eng1", "date": "2026/10/14", "status": "late"}], ("eng1", "2026-10-14")),
    ("calendar", [{"date": "2027/1/5", "workday": "否", "note": "x"}], ("2027-01-05",)),
])
def test_a_date_written_as_excel_text_is_reported_as_the_record_it_stores(team, api, name, rows, stored):
    """2026/10/14 was reported "unchanged" by the dry run and the import though a record was created."""
    kind = {"attendance": kinds.ATTENDANCE, "calendar": kinds.CALENDAR}[name]
    data = _csv(kind, rows)
    first = _report(_upload(api, name, data, f"{name}.csv", dry_run=False))
    assert (first["created"], first["unchanged"], first["stored"]) == (1, 0, True), first
    assert [change["key"] for change in first["changes"]] == [" ".join(stored)]
    again = _report(_upload(api, name, data, f"{name}.csv"))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1), again


def test_one_day_in_two_spellings_is_a_record_named_twice(team, api):
    """2026/10/14 and 2026-10-14 of one engineer were both applied, the last one winning, without a word."""
    data = _csv(kinds.ATTENDANCE, [{"username": "eng1", "date": "2026/10/14", "status": "late"},
                                   {"username": "eng1", "date": "2026-10-14", "status": "absent"}])
    report = _report(_upload(api, "attendance", data, "考勤.csv"))
    assert [(error["row"], "与第 2 行重复" in error["message"]) for error in report["errors"]] == [(3, True)]


def test_an_extra_column_of_the_office_does_not_make_the_english_header_row_a_record(team, api):
    """A 联系人 column added beside the template's (its English heading "contact" under it) made the English row
    data: a customer "customer" with a machine "equipment" was stored."""
    book = Workbook()
    sheet = book.active
    sheet.append(["客户名称", "设备名称", "联系人"])
    sheet.append(["customer", "equipment", "contact"])
    sheet.append(["探针客户", "A机", "王五"])
    out = io.BytesIO()
    book.save(out)
    report = _report(_upload(api, "customers", out.getvalue(), "客户.xlsx", dry_run=False))
    assert report["errors"] == [] and report["ignored_columns"] == ["联系人"]
    assert [change["key"] for change in report["changes"]] == ["探针客户 A机"]
    assert db.session.scalars(select(Customer.name)).all() == ["探针客户"]


def test_a_user_imported_without_a_password_has_none_until_an_admin_sets_one(team, api):
    """A random password was made and hashed for each new user (a tenth of a second a row, with the import's write
    lock held: a staff list's dry run blocked every login and write for minutes); none is needed: nobody knew it."""
    row = {key: value for key, value in USER_ROW.items() if key != "password"}
    report = _report(_upload(api, "users", _csv(kinds.USERS, [row]), "人员.csv", dry_run=False))
    assert report["created"] == 1, report
    user = db.session.scalar(select(User).where(User.username == "ctrl1"))
    assert user.password_hash == User.NO_PASSWORD and not user.has_password
    for password in ("", "!", "abcdefgh12"):
        assert api("POST", "/auth/token", json={"username": "ctrl1", "password": password}).status_code == 401
    assert api("PATCH", "/users/ctrl1", "admin", json={"password": "a-new-pass-12"}).status_code == 200
    assert api("POST", "/auth/token", json={"username": "ctrl1", "password": "a-new-pass-12"}).status_code == 200


def test_an_initial_password_given_for_an_existing_user_is_said_to_be_left_out(team, api, client):
    """An import never changes an existing user's password; the report said "unchanged" of such a row and nothing
    more, so an admin thought the password was reset. The report names those users, the page says why."""
    from tests.conftest import login

    assert _report(_upload(api, "users", _csv(kinds.USERS, [USER_ROW]), "人员.csv", dry_run=False))["created"] == 1
    again = _report(_upload(api, "users", _csv(kinds.USERS, [USER_ROW | {"password": "brand-new-12"}]), "人员.csv"))
    assert again["kept_passwords"] == ["ctrl1"] and again["unchanged"] == 1, again
    without = _report(_upload(api, "users", _csv(kinds.USERS, [USER_ROW | {"password": ""}]), "人员.csv"))
    assert without["kept_passwords"] == []
    login(client, "admin")
    page = _page_upload(client, "users", _csv(kinds.USERS, [USER_ROW | {"password": "brand-new-12"}]), "人员.csv")
    assert re.search(r'id="kept-passwords">[^<]*导入不修改已有用户的密码[^<]*ctrl1', page.get_data(as_text=True))
    assert api("POST", "/auth/token", json={"username": "ctrl1", "password": "brand-new-12"}).status_code == 401


def test_an_empty_supervisor_cell_clears_the_supervisor_as_every_other_empty_column_does(team, api):
    """It never cleared it, and the row was reported unchanged."""
    data = _csv(kinds.USERS, [USER_ROW])
    assert _report(_upload(api, "users", data, "人员.csv", dry_run=False))["created"] == 1
    cleared = _report(_upload(api, "users", _csv(kinds.USERS, [USER_ROW | {"supervisor": ""}]), "人员.csv",
                              dry_run=False))
    assert cleared["updated"] == 1 and cleared["changes"][0]["columns"] == ["直属上级"], cleared
    assert api("GET", "/users/ctrl1", "admin").get_json()["supervisor"] is None


def test_a_work_order_file_checked_as_customers_is_refused_as_another_kinds(team, api):
    """Its English row (number, customer, equipment, ...) shares two names with the customers' template: the file
    was taken as customers with machines (every other wrong pairing said the header was not found)."""
    rows = _orders(1)
    report = _upload(api, "customers", _xlsx(kinds.WORK_ORDERS, rows), "工单.xlsx")
    assert report.status_code == 422 and "找不到表头" in report.get_json()["error"]["fields"]["file"]
    english_only = _upload(api, "customers", _xlsx(kinds.CUSTOMERS, [{"customer": "探针客户", "equipment": "A机"}],
                                                   english_row=True), "客户.xlsx")
    assert english_only.status_code == 200  # the template's own English row under its Chinese one
    book = Workbook()
    sheet = book.active
    sheet.append(["customer", "equipment"])  # a file with an English header alone
    sheet.append(["探针客户", "B机"])
    out = io.BytesIO()
    book.save(out)
    assert _report(_upload(api, "customers", out.getvalue(), "客户.xlsx"))["created"] == 1


def test_merged_cells_of_a_sheet_written_with_a_namespace_prefix_are_recognised(team, api):
    """.NET's OpenXML SDK writes <x:mergeCell …> (every element of the sheet prefixed): the merged header cells were
    not seen, so a name merged over two rows was missing from the second."""
    import re
    import zipfile

    book, sheet = _attendance_with_merged_heads()
    sheet.append(["eng1", date(2026, 10, 12), "late"])
    sheet.append([None, "2026-10-13", "sick_leave"])
    sheet.merge_cells("A4:A5")  # one engineer's two days, the name merged over both rows
    sheet.append(["eng2", "2026-10-14", "=sick_leave()"])  # a formula: its text, also read from prefixed XML
    out = io.BytesIO()
    book.save(out)
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def prefixed(body):
        body = re.sub(rb"<(/?)([A-Za-z]+)(?=[\s>/])", rb"<\1x:\2", body)
        return body.replace(b'xmlns="' + main + b'"', b'xmlns:x="' + main + b'"')

    data = _rewritten(out.getvalue(), prefixed)
    assert b'<x:mergeCell ref="A4:A5" />' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    response = _upload(api, "attendance", data, "考勤.xlsx")
    report = response.get_json()
    assert response.status_code == 200, report
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(6, "状态")], report  # =sick_leave(): no status
    assert "之一" in report["errors"][0]["message"]  # the formula read as its text, not as an empty cell (必填)
    assert report["created"] == 2


def test_a_file_past_the_import_limit_is_413_like_any_upload_past_its_limit(team, api, monkeypatch):
    from tracker.imports import files

    monkeypatch.setattr(files, "MAX_BYTES", 1000)
    response = _upload(api, "customers", b"x" * 1001, "c.csv")
    assert response.status_code == 413 and response.get_json()["error"]["fields"] == {"file": "文件超过 20 MiB"}


def test_an_admin_re_imports_orders_unchanged_links_reworks_and_is_told_which_columns_he_may_not_change(team, api):
    """An admin creates work orders but changes none (CONTRACT 10): his re-import of the export refused every row
    with "no right to change the order" and no column, and so did each new row with a rework link."""
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(3)), "a.xlsx", dry_run=False)
    exported = api("GET", "/imports/work_orders/export.xlsx", "admin").data
    again = _upload(api, "work_orders", exported, "a.xlsx", dry_run=False, user="admin").get_json()
    assert (again["unchanged"], again["errors"]) == (3, [])
    rework = {"rework": "external", "reported_at": "2026-10-29 09:00"}
    rows = [{**_orders(5)[3], **rework, "rework_of": "WO00001"},  # a stored order
            {**_orders(5)[4], **rework, "rework_of": "WO00004"}]  # a row before it
    created = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "b.xlsx", dry_run=False, user="admin")
    assert (created.get_json()["created"], created.get_json()["errors"]) == (2, [])
    links = dict(db.session.execute(select(WorkOrder.number, WorkOrder.rework_of_id)).all())
    ids = dict(db.session.execute(select(WorkOrder.number, WorkOrder.id)).all())
    assert (links["WO00004"], links["WO00005"]) == (ids["WO00001"], ids["WO00004"])
    changed = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, [{**_orders(1)[0], "equipment": "9号机"}]),
                      "c.xlsx", dry_run=False, user="admin").get_json()
    assert changed["error"]["report"]["errors"] == [{"row": 3, "column": "设备", "field": "equipment",
                                                     "message": "与已存的不同：只有内勤或该工单的主管可以修改已有的工单"}]
    assert db.session.scalar(select(WorkOrder.equipment).where(WorkOrder.number == "WO00001")) == "2号机"


def test_a_header_lacking_a_required_column_names_it(team, api):
    """用户名, 姓名 and a column of the office's own, without 角色: "no header found", though the first row is one."""
    report = _upload(api, "users", "用户名,姓名,备注\nabc.d,甲,xx\n".encode(), "人员.csv", user="admin")
    assert report.status_code == 422
    assert report.get_json()["error"]["fields"]["file"] == "缺少必填列：角色"


@pytest.mark.parametrize("said, role", [("Manager", "manager"), ("after-sales  Engineer", "engineer"),
                                        ("General manager", "gm"), ("BACKOFFICE", "backoffice"), ("主管", "manager")])
def test_a_role_is_taken_by_the_name_the_english_pages_show_in_any_letter_case(team, api, said, role):
    """docs/imports.md: a role is its code or the name Tracker shows for it; "Manager" was refused."""
    report = _report(_upload(api, "users", _csv(kinds.USERS, [USER_ROW | {"role": said, "supervisor": ""}]),
                             "人员.csv", dry_run=False))
    assert report["created"] == 1, report
    assert api("GET", "/users/ctrl1", "admin").get_json()["role"] == role


@pytest.mark.parametrize("dry_run", [True, False])
def test_an_admin_imports_a_new_order_that_redoes_a_later_row_of_the_file(team, api, dry_run):
    """The link to a later row was set in the second pass as a change of the order, which an admin may not make:
    the new order was refused with "no right to change the order" and no column, though creating it is his."""
    orders = _orders(2)
    orders[0].update(number="WO-REDO", reported_at="2026-10-20 09:00", rework="internal", rework_of="WO-DONE")
    orders[1].update(number="WO-DONE", reported_at="2026-10-01 09:00", completed_at="2026-10-01 17:00",
                     status="completed")
    response = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx", dry_run=dry_run, user="admin")
    report = _report(response)
    assert (report["created"], report["errors"]) == (2, []), report
    if not dry_run:
        redo = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "WO-REDO"))
        assert redo.rework == "internal" and redo.rework_of.number == "WO-DONE"


def test_a_work_order_row_is_told_every_bad_cell_in_one_check(team, api):
    """A cell that could not be read (a status) hid what the service finds wrong in the others (an unknown engineer,
    a response before the report): a clerk needed a round of checking for each."""
    rows = _orders(1)
    rows[0].update(engineer="nobody", status="bogus", responded_at="2026-10-02 08:00")  # reported 2026-10-02 09:00
    report = _report(_upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, rows), "工单.xlsx"))
    assert {error["field"] for error in report["errors"]} == {"status", "engineer", "responded_at"}, report
    assert {error["row"] for error in report["errors"]} == {3}


@pytest.mark.parametrize("kind", ["work_orders", "users"])
def test_a_link_to_a_row_of_the_file_that_was_refused_names_that_row(team, api, kind):
    """A rework link (a supervisor) to a row refused for a cell of its own said "没有编号为 … 的工单" (no such user),
    as of a mistyped number, though the order is in the file: the row to fix is named."""
    if kind == "work_orders":
        rows = _orders(2)
        rows[0].update(number="WO-DONE", status="已完成")  # not a status: 已完工 is
        rows[1].update(number="WO-REDO", reported_at="2026-10-29 09:00", rework="external", rework_of="WO-DONE")
        data, column = _xlsx(kinds.WORK_ORDERS, rows), "rework_of"
    else:
        rows = [USER_ROW | {"username": "lead.x", "role": "经理"},  # not a role: 主管 is
                USER_ROW | {"username": "member.x", "supervisor": "lead.x"}]
        data, column = _csv(kinds.USERS, rows), "supervisor"
    report = _report(_upload(api, kind, data, "导入.xlsx" if kind == "work_orders" else "人员.csv", user="admin"))
    first = 3 if kind == "work_orders" else 2  # below the English row of the template; a CSV has none
    errors = [(error["row"], error["field"]) for error in report["errors"]]
    assert errors == [(first, "status" if kind == "work_orders" else "role"), (first + 1, column)], report
    assert report["errors"][1]["message"].startswith(f"第 {first} 行（"), report
    assert "有误" in report["errors"][1]["message"]


def test_a_new_orders_link_to_no_order_is_refused_in_its_column_for_an_admin_too(team, api):
    orders = _orders(1)
    orders[0].update(rework="external", rework_of="WO-NONE")
    report = _report(_upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx", user="admin"))
    assert [(error["row"], error["field"]) for error in report["errors"]] == [(3, "rework_of")], report


def test_an_admin_changing_only_a_stored_orders_rework_link_is_told_the_columns_and_back_office_may(team, api):
    """A stored order's link goes through the second pass: an admin's change of it was refused without a column."""
    orders = _orders(3)
    _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "a.xlsx", dry_run=False)
    orders[2].update(rework="external", rework_of="WO00001")
    refused = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "a.xlsx", dry_run=False, user="admin")
    message = "与已存的不同：只有内勤或该工单的主管可以修改已有的工单"
    assert _report(refused)["errors"] == [
        {"row": 5, "column": "返修", "field": "rework", "message": message},
        {"row": 5, "column": "原工单", "field": "rework_of", "message": message}]
    assert db.session.scalar(select(WorkOrder.rework_of_id).where(WorkOrder.number == "WO00003")) is None
    done = _report(_upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "a.xlsx", dry_run=False))
    assert done["changes"] == [{"row": 5, "key": "WO00003", "action": "update", "columns": ["返修", "原工单"]}], done
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.number == "WO00003"))
    assert order.rework == "external" and order.rework_of.number == "WO00001"


ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def test_a_header_lacking_a_required_column_names_it_by_the_english_header_in_english(team, api):
    """The English message named the column in Chinese: "Required columns missing: 角色"."""
    data = "username,display_name,note\nabc.d,甲,xx\n".encode()
    report = api("POST", "/imports/users", "admin", headers=ENGLISH, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(data), "users.csv"), "dry_run": "1"})
    assert report.status_code == 422
    role = next(column.en for column in kinds.USERS.columns if column.key == "role")
    assert report.get_json()["error"]["fields"]["file"] == f"Required columns missing: {role}"


def test_a_refused_role_lists_the_english_names_in_english(team, api):
    data = _csv(kinds.USERS, [USER_ROW | {"role": "Wizard", "supervisor": ""}])
    refused = api("POST", "/imports/users", "admin", headers=ENGLISH, content_type="multipart/form-data",
                  data={"file": (io.BytesIO(data), "users.csv"), "dry_run": "1"})
    message = _report(refused)["errors"][0]["message"]
    assert "engineer (After-sales engineer/Engineer)" in message and "gm (General manager)" in message, message
    assert not re.search("[\u4e00-\u9fff（）]", message), message


@pytest.mark.parametrize("said, status", [("Sick leave", "sick_leave"), ("LEFT  EARLY", "early_leave"),
                                          ("business trip", "business_trip"), ("病假", "sick_leave")])
def test_an_attendance_status_is_taken_by_its_english_name_in_any_letter_case(team, api, said, status):
    data = f"用户名,日期,状态\neng1,2026-10-13,{said}\n".encode()
    assert _report(_upload(api, "attendance", data, "考勤.csv", dry_run=False))["created"] == 1
    days = {d["date"]: d["attendance"] for d in api("GET", "/itineraries/eng1/2026-10", "office").get_json()["days"]}
    assert days["2026-10-13"] == status


def test_a_work_orders_status_and_rework_are_taken_by_their_english_names_and_refused_in_english(team, api):
    orders = _orders(2)
    orders[0].update(completed_at="2026-10-02 17:00", status="Completed")
    orders[1].update(reported_at="2026-10-20 09:00", rework="internal REWORK", rework_of="WO00001", status="open")
    report = _report(_upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "o.xlsx", dry_run=False))
    assert (report["created"], report["errors"]) == (2, []), report
    stored = dict(db.session.execute(select(WorkOrder.number, WorkOrder.rework)).all())
    assert stored == {"WO00001": "none", "WO00002": "internal"}
    orders[1]["rework"] = "Sideways"
    refused = api("POST", "/imports/work_orders", "office", headers=ENGLISH, content_type="multipart/form-data",
                  data={"file": (io.BytesIO(_xlsx(kinds.WORK_ORDERS, orders)), "o.xlsx"), "dry_run": "1"})
    message = _report(refused)["errors"][0]["message"]
    assert "internal (Internal rework)" in message and "外返" not in message, message


def test_two_imports_of_one_calendar_file_at_once_report_the_day_created_once(app, team, token):
    """Both imports read the calendar before either had stored the day, and both reported it created (one row was
    stored): the import now holds the calendar before it reads what is stored (PostgreSQL; SQLite's write lock did)."""
    import threading

    admin = token("admin")
    data = "日期,工作日,备注\r\n2027-01-04,否,补班\r\n".encode()
    db.session.rollback()
    barrier, answers = threading.Barrier(2), []

    def run():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/imports/calendar", headers=admin, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), "日历.csv"), "dry_run": "0"})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(status for status, _body in answers) == [200, 200], answers
    assert sorted(body["created"] for _status, body in answers) == [0, 1], answers
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == 1


def test_a_user_created_through_the_api_while_a_users_file_is_read_is_not_taken_over(app, team, token):
    """The import read the stored users, then an API call created one of the file's usernames, and the import
    overwrote that user with its row (display name, supervisor, pay) and reported it created. The import now holds
    the usernames from before it reads them (SQLite: its write lock; PostgreSQL: the usernames' lock), so the API
    call waits and is told the name is taken."""
    import threading

    from tests.conftest import NOW
    from tracker.imports import services as import_services

    admin_id, headers = team["admin"].id, token("admin")
    data = _csv(kinds.USERS, [USER_ROW | {"username": "eng1", "email": "", "display_name": "张三", "password": ""},
                              USER_ROW | {"username": "both.want", "email": "", "display_name": "导入者"}])
    db.session.rollback()
    paused, resume, answers, reports = threading.Event(), threading.Event(), [], []

    def pause(done, _total):
        if done == 1:
            paused.set()
            resume.wait(20)

    def importing():
        with app.app_context():
            admin = db.session.get(User, admin_id)
            reports.append(import_services.run_import(admin, "users", "人员.csv", data, NOW, progress=pause))
            db.session.commit()

    def creating():
        response = app.test_client().post("/api/v1/users", headers=headers, json={
            "username": "both.want", "password": "long-enough-1", "display_name": "接口创建", "role": "engineer",
            "hire_date": "2025-03-01", "supervisor": "mgr2"})
        answers.append(response.status_code)

    importer = threading.Thread(target=importing)
    importer.start()
    assert paused.wait(20)
    creator = threading.Thread(target=creating)
    creator.start()
    creator.join(1.5)
    waited = creator.is_alive()  # the import holds the usernames: the API call waits for it
    resume.set()
    importer.join(30)
    creator.join(30)
    assert waited and answers == [422], answers
    assert [change["key"] for change in reports[0].created] == ["both.want"]
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.username == "both.want"))
    assert user.display_name == "导入者" and user.supervisor.username == "mgr"


def test_a_customer_stored_while_a_work_order_file_is_checked_is_that_customers(app, team, token):
    """A clerk's new order named a customer of the file after the check had read the stored customers: its rows were
    refused with "客户 新客户甲 已存在" (PostgreSQL reads what was committed since; SQLite the snapshot it began with).
    The row is now that customer's, as a single order's is."""
    import threading

    from tests.conftest import NOW
    from tracker.imports import services as import_services

    office_id, headers = team["office"].id, token("office")
    orders = _orders(2)
    orders[1]["customer"] = "新客户甲"
    data = _xlsx(kinds.WORK_ORDERS, orders)
    db.session.rollback()
    reports = []

    def meanwhile(done, _total):
        if done == 1:
            clerk = threading.Thread(target=lambda: app.test_client().post(
                "/api/v1/customers", headers=headers, json={"name": "新客户甲"}))
            clerk.start()
            clerk.join(20)

    with app.app_context():
        office = db.session.get(User, office_id)
        reports.append(import_services.run_import(office, "work_orders", "o.xlsx", data, NOW, progress=meanwhile,
                                                  dry_run=True))
        db.session.rollback()
    assert reports[0].errors == [] and len(reports[0].created) == 2, reports[0].errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Customer).where(Customer.name == "新客户甲")) == 1


def test_a_users_row_names_every_cell_at_fault_at_once(team, api):
    """Only the first error of a row was reported (the bonus base): a row of six bad cells took six rounds."""
    row = {"username": "eng.f", "display_name": "工程师己", "role": "售后工程师", "department": "售后服务部",
           "hire_date": "2026-1", "bonus_base": "abc", "email": "bad-mail", "active": "也许", "password": "short",
           "supervisor": "nobody"}
    refused = _upload(api, "users", _xlsx(kinds.USERS, [row]), "人员.xlsx", dry_run=False)
    assert refused.status_code == 422
    report = refused.get_json()["error"]["report"]
    fields = {error["field"] for error in report["errors"]}
    assert {"hire_date", "bonus_base", "email", "active", "password", "supervisor"} <= fields, report
    assert {error["row"] for error in report["errors"]} == {3}
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "eng.f")) is None
    # the same row with its cells mended is stored
    mended = {**row, "hire_date": "2026-01-05", "bonus_base": "3000", "email": "f@example.com", "active": "是",
              "password": "long-enough-1", "supervisor": "mgr"}
    report = _upload(api, "users", _xlsx(kinds.USERS, [mended]), "人员.xlsx", dry_run=False).get_json()
    assert report["errors"] == [] and report["created"] == 1, report


def test_a_work_order_import_names_the_customers_it_would_create(team, api, client):
    """A mistyped customer name created a second customer with the order, and the report said only that the order
    was new."""
    db.session.add(Customer(name="旗滨玻璃"))
    db.session.commit()
    orders = _orders(2)
    orders[1].update(customer="旗宾玻璃")
    report = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx").get_json()
    assert report["new_customers"] == ["旗宾玻璃"] and report["dry_run"], report
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1  # a dry run stores none
    from tests.conftest import login

    login(client, "office")
    page = client.post("/imports/work_orders/check", data={"file": (io.BytesIO(_xlsx(kinds.WORK_ORDERS, orders)),
                                                              "工单.xlsx")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="new-customers"' in html and "旗宾玻璃" in html
    assert "将随工单新建" in html
    # once imported, the page says they were created (it said they would be, and to check the file again)
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post("/imports/work_orders/run", data={"token": token}).get_data(as_text=True)
    notice = done.split('id="new-customers">')[1].split("</div>")[0]
    assert 'id="import-done"' in done and "已随工单新建这些客户：旗宾玻璃" in notice and "将随工单新建" not in done
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 2
    stored = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(1)), "工单.xlsx").get_json()
    assert stored["new_customers"] == []


def test_a_work_order_row_names_each_bad_cell_at_once(team, api):
    """A row with a bad status, rework kind and time took a round for each: the first refusal hid the others."""
    orders = _orders(1)
    orders[0].update(status="也许", rework="大返", reported_at="2026-10-32 09:00")
    report = _upload(api, "work_orders", _xlsx(kinds.WORK_ORDERS, orders), "工单.xlsx").get_json()
    assert {error["field"] for error in report["errors"]} == {"status", "rework", "reported_at"}, report
    assert {error["row"] for error in report["errors"]} == {3}  # below the header and its English row


def test_a_workbook_named_csv_is_told_it_is_a_workbook(team, api):
    """An .xlsx renamed .csv was told "CSV 文件须为 UTF-8 或 GB18030 编码", which sent the clerk to re-save the
    encoding of a file that was never text."""
    response = _upload(api, "attendance", _xlsx(kinds.ATTENDANCE, []), "考勤.csv")
    assert response.status_code == 422
    assert "是 Excel 工作簿（.xlsx）" in response.get_json()["error"]["fields"]["file"], response.get_json()
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:  # an .ods, or any other zip: not told it is an .xlsx
        archive.writestr("content.xml", "<office:document/>")
    message = _upload(api, "attendance", other.getvalue(), "考勤.csv").get_json()["error"]["fields"]["file"]
    assert "不是 CSV 文本文件" in message and ".xlsx）" not in message
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    message = _upload(api, "attendance", old_excel, "考勤.csv").get_json()["error"]["fields"]["file"]
    assert "旧版 Excel 工作簿（.xls）" in message


def test_a_csv_saved_as_unicode_text_by_excel_is_read(team, api):
    """Excel's "Unicode text" is UTF-16 with a byte order mark (and tabs): it was told to re-save as UTF-8."""
    text = "用户名\t日期\t状态\neng1\t2026-11-03\t迟到\n"
    report = _upload(api, "attendance", text.encode("utf-16"), "考勤.csv").get_json()
    assert report["created"] == 1 and not report["errors"], report


def test_an_office_is_told_what_is_wrong_with_a_file_it_cannot_read(team, api):
    """A workbook with an opening password, an old .xls (under its own name or as .xlsx) and a header under ten
    lines of notes each said something that did not help (无法读取该 Excel 文件; 请上传 .xlsx 或 .csv 文件; the header
    must be on the first row, while the first ten rows are searched)."""
    compound = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the signature of Excel's compound files
    locked = compound + "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le")
    for data, name, said in ((locked, "人员.xlsx", "取消密码"), (compound, "人员.xlsx", "另存为 .xlsx"),
                             (compound, "人员.xls", "另存为 .xlsx")):
        response = _upload(api, "users", data, name)
        assert response.status_code == 422 and said in response.get_json()["error"]["fields"]["file"], name
    book = load_workbook(io.BytesIO(_xlsx(kinds.CUSTOMERS, [{"customer": "探针客户", "equipment": "A机"}])))
    book.active.insert_rows(1, 11)  # eleven lines of notes above the header
    for row in range(1, 12):
        book.active.cell(row=row, column=1, value=f"说明 {row}")
    data = io.BytesIO()
    book.save(data)
    message = _upload(api, "customers", data.getvalue(), "客户.xlsx").get_json()["error"]["fields"]["file"]
    assert "前 10 行" in message and "第一个显示的工作表" in message


def test_a_file_with_a_header_and_no_rows_says_so_on_the_page_and_offers_no_import(team, client):
    """The template with its examples deleted passed the check (将新增 0 行) and offered 导入: an office that picked
    the wrong file or sheet learnt nothing."""
    from tests.conftest import login

    login(client, "office")
    page = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, []), "工单.xlsx").get_data(as_text=True)
    assert 'id="import-empty"' in page and "没有数据行" in page
    assert 'id="import-checked"' not in page and "/imports/work_orders/run" not in page
    page = _page_upload(client, "work_orders", _xlsx(kinds.WORK_ORDERS, _orders(1)), "工单.xlsx").get_data(as_text=True)
    assert 'id="import-checked"' in page and "/imports/work_orders/run" in page


def test_a_heading_twice_reads_its_first_column_and_refuses_a_row_whose_two_columns_differ(team, api):
    """工作日 | 工作日 with 否 and 是: the first was read and the second called "not a template column"; a clerk
    who filled the second copy got the other value stored without a word."""
    data = "日期,工作日,工作日\n2026-12-26,否,是\n2026-12-27,是,是\n2026-12-28,否,\n".encode()
    report = _report(_upload(api, "calendar", data, "calendar.csv", dry_run=False))
    assert not report["stored"] and report["ignored_columns"] == []
    [error] = report["errors"]
    assert (error["row"], error["field"]) == (2, "workday") and "否 / 是" in error["message"], error
    assert _count(CalendarDay) == 0
    data = "日期,工作日,工作日\n2026-12-27,是,是\n2026-12-28,否,\n".encode()  # the same, or the second left empty
    report = _report(_upload(api, "calendar", data, "calendar.csv", dry_run=False))
    assert report["stored"] and report["errors"] == [] and report["ignored_columns"] == [], report
    assert _count(CalendarDay) == 2
