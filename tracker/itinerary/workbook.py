"""The yearly itinerary workbook (CONTRACT 8): its file name, the export and the import.

The workbook is a data format, so its sheet names, headers and labels are fixed Chinese whatever the page
language; only the error messages are translated.
"""

import io
import re
import unicodedata
import zipfile
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _, lazy_pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from tracker import validation, xlsx
from tracker.auth.access import can_edit_itinerary
from tracker.errors import Conflict, Forbidden, Invalid, TooLarge
from tracker.extensions import db
from tracker.itinerary import services
from tracker.itinerary import workbook_owner as owner
from tracker.itinerary.models import EXPENSE_CATEGORIES, Expense, Trip
from tracker.locking import lock_person
from tracker.scoring import fieldhours
from tracker.workorders import services as workorders
from tracker.xlsx import put, print_setup, text_width
from tracker.scoring.month import Month
from tracker.values import month_arg

HEADERS = ("日期", "星期", "考勤", "出发", "返回", "全天", "工时", "客户", "工单", "事由", "备注", "费用类别", "金额")
WIDTHS = (12, 6, 8, 7, 7, 6, 7, 18, 14, 32, 24, 9, 12)
(COL_DATE, COL_WEEKDAY, COL_ATTENDANCE, COL_DEPART, COL_RETURN, COL_FULL_DAY, COL_HOURS, COL_CUSTOMER,
 COL_WORK_ORDER, COL_PURPOSE, COL_NOTE, COL_CATEGORY, COL_AMOUNT) = range(13)
TRIP_ONLY = (COL_DEPART, COL_RETURN, COL_FULL_DAY, COL_CUSTOMER, COL_PURPOSE)
EXPENSE_ONLY = (COL_CATEGORY, COL_AMOUNT)
FIRST_DATA_ROW = 3
TOTAL_MARK = "合计"
TOTALS_COLUMNS = (COL_WEEKDAY, COL_HOURS, COL_CATEGORY, COL_AMOUNT)  # what the totals block under 合计 fills
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
ATTENDANCE = {"present": "出勤", "late": "迟到", "early_leave": "早退", "absent": "旷工", "personal_leave": "事假",
              "sick_leave": "病假", "annual_leave": "年假", "business_trip": "出差"}
CATEGORIES = {"transport": "交通", "lodging": "住宿", "meals": "餐费", "other": "其他"}
CATEGORY_CODES = {**{label: code for code, label in CATEGORIES.items()}, **{code: code for code in EXPENSE_CATEGORIES}}
YES = {"是", "全天", "y", "yes", "true", "1", "√", "✓"}
NO = {"", "否", "n", "no", "false", "0"}
SHEET_RE = re.compile(r"^(1[0-2]|[1-9])月$")
HHMM_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

MAX_BYTES = 5 * 1024 * 1024
# The import loads a workbook whole (its sheets are read by position), at about thirty times its XML in memory: a
# year of MAX_ROWS rows is a few MB unzipped (the demo's year 0.3 MB); at 60 MB one upload could take 2 GB.
MAX_UNZIPPED = 8 * 1024 * 1024
MAX_ROWS = 3000

THIN = Side(style="thin", color="A0A0A0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
DAY_TOP = Border(left=THIN, right=THIN, top=Side(style="medium", color="606060"), bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
OFF_FILL = PatternFill("solid", fgColor="EDEDED")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")


def workbook_filename(engineer, year, literal=False):
    """`<YYYY>年<display name>工作行程表.xlsx`, NFC-normalised, without control or bidirectional characters (a
    display name cannot hold them, and one stored before that rule cannot make the download name read otherwise),
    and with a character no file system holds (`/ : * ?` …) as "_", as the browser saves it (literal: kept)."""
    name = (validation.safe_filename if literal else validation.download_name)(engineer.display_name)
    return unicodedata.normalize("NFC", f"{int(year):04d}年{name}工作行程表.xlsx")


def download(engineer, year, *, today):
    """The engineer's workbook of a year as a download: CONTRACT 8's name, and `<YYYY>-<username>-itinerary.xlsx`
    for clients that read only the plain file name."""
    return xlsx.send_workbook(export_workbook(engineer, year, today=today), workbook_filename(engineer, year),
                              f"{int(year):04d}-{engineer.username}-itinerary.xlsx")


def sheet_title(engineer, year, month):
    return f"{year}年{validation.safe_filename(engineer.display_name)}工作行程表 — {month}月"


# ---- export --------------------------------------------------------------------------------------

def export_workbook(engineer, year, *, today):
    """The engineer's workbook for a year, a sheet per month, as xlsx bytes; a workday after `today` without a
    record of attendance has none written (出勤 said a day not yet worked was attended, as the month page does not)."""
    book = Workbook()
    book.remove(book.active)
    empty = []
    for month in range(1, 13):
        view = services.month_view(engineer, Month.from_parts(year, month))
        sheet = book.create_sheet(f"{month}月")
        _write_sheet(sheet, engineer, year, month, view, today)
        if not _has_records(view):
            empty.append(sheet)
    # a month without any record is hidden, so printing the workbook prints no empty pages (import reads it once it
    # holds rows; hidden and still empty, it changes nothing)
    if len(empty) == 12:
        empty = empty[1:]
    for sheet in empty:
        sheet.sheet_state = "hidden"
    book.active = next(i for i, sheet in enumerate(book.worksheets) if sheet.sheet_state == "visible")
    book.properties.title = workbook_filename(engineer, year)[:-5]
    book.properties.creator = "Tracker"
    owner.mark(book, engineer)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _has_records(view):
    """Anything logged in the month: a trip, an expense, an attendance exception, or its submission."""
    return view["submitted"] or any(day["trips"] or day["expenses"] or (day["attendance"] or "present") != "present"
                                    for day in view["days"])


def _day_label(day, today):
    if not day["workday"]:
        return "休息"
    if day["date"] > today and day["attendance"] in (None, "present"):
        return None
    return ATTENDANCE.get(day["attendance"] or "present", day["attendance"])


def _write_sheet(sheet, engineer, year, month, view, today):
    ncols = len(HEADERS)
    last_col = get_column_letter(ncols)
    title = xlsx.put(sheet, 1, 1, sheet_title(engineer, year, month))  # escaped as every cell (_x0041_ in a name)
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(f"A1:{last_col}1")
    sheet.row_dimensions[1].height = 26
    for index, title in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=2, column=index, value=title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = list(WIDTHS)
    for day in view["days"]:  # customer and work-order columns as wide as their longest text
        for trip in day["trips"]:
            line = _trip_line(trip)
            for column in (COL_CUSTOMER, COL_WORK_ORDER):
                widths[column] = max(widths[column], text_width(line.get(column) or "") + 2)
        for expense in day["expenses"]:
            number = _expense_line(expense).get(COL_WORK_ORDER)
            widths[COL_WORK_ORDER] = max(widths[COL_WORK_ORDER], text_width(number or "") + 2)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 60)

    row = FIRST_DATA_ROW
    for day in view["days"]:
        lines = [_trip_line(trip) for trip in day["trips"]] + [_expense_line(e) for e in day["expenses"]]
        for position, values in enumerate(lines or [{}]):
            values = dict(values)
            values[COL_DATE] = day["date"]
            if position == 0:
                values[COL_WEEKDAY] = WEEKDAYS[day["date"].weekday()]
                values[COL_ATTENDANCE] = _day_label(day, today)
            _write_row(sheet, row, values, first_of_day=position == 0, workday=day["workday"])
            row += 1
    last_data_row = row - 1
    sheet.auto_filter.ref = f"A2:{last_col}{last_data_row}"

    row += 1
    totals = {code: Decimal(0) for code in EXPENSE_CATEGORIES}
    for day in view["days"]:
        for expense in day["expenses"]:
            totals[expense.category] += expense.amount
    _total_row(sheet, row, {COL_DATE: TOTAL_MARK, COL_WEEKDAY: "本月外勤工时", COL_HOURS: view["field_hours"],
                            COL_CATEGORY: "费用合计", COL_AMOUNT: view["expenses_total"]}, bold=True)
    sheet.merge_cells(start_row=row, start_column=COL_WEEKDAY + 1, end_row=row, end_column=COL_FULL_DAY + 1)
    notes = ["工时按每次行程向上取整到 0.5 小时（至少 0.5 小时）；每日最多计 7.5 小时，全天行程计 7.5 小时。",
             "状态：" + (f"已提交（{view['submitted_at']:%Y-%m-%d %H:%M}）" if view["submitted"] else "未提交"),
             "导入只读取行程和费用；考勤、工时由系统生成，改动不会导入。"]
    for offset, code in enumerate(EXPENSE_CATEGORIES, start=1):
        values = {COL_CATEGORY: CATEGORIES[code], COL_AMOUNT: totals[code]}
        if offset <= len(notes):
            values[COL_WEEKDAY] = notes[offset - 1]
        _total_row(sheet, row + offset, values, bold=False)
        if offset <= len(notes):
            sheet.merge_cells(start_row=row + offset, start_column=COL_WEEKDAY + 1, end_row=row + offset,
                              end_column=COL_NOTE + 1)

    sheet.freeze_panes = "A3"
    print_setup(sheet, title_rows="1:2")
    sheet.print_area = f"A1:{last_col}{row + len(EXPENSE_CATEGORIES)}"


def _trip_line(trip):
    line = {COL_HOURS: trip.hours, COL_CUSTOMER: trip.customer.name if trip.customer else None,
            COL_WORK_ORDER: trip.work_order.number if trip.work_order else None,
            COL_PURPOSE: trip.purpose, COL_NOTE: trip.note}
    if trip.full_day:
        line[COL_FULL_DAY] = "是"
    else:
        line[COL_DEPART] = fieldhours.format_hhmm(trip.depart_min)
        line[COL_RETURN] = fieldhours.format_hhmm(trip.return_min)
    return line


def _expense_line(expense):
    return {COL_CATEGORY: CATEGORIES[expense.category], COL_AMOUNT: expense.amount,
            COL_WORK_ORDER: expense.work_order.number if expense.work_order else None, COL_NOTE: expense.note}


def _write_row(sheet, row, values, first_of_day, workday):
    for col in range(len(HEADERS)):
        cell = _put(sheet, row, col, values.get(col))
        cell.border = DAY_TOP if first_of_day else BORDER
        cell.alignment = Alignment(vertical="top", wrap_text=col in (COL_CUSTOMER, COL_PURPOSE, COL_NOTE),
                                   horizontal="center" if col in (COL_WEEKDAY, COL_ATTENDANCE, COL_DEPART,
                                                                  COL_RETURN, COL_FULL_DAY) else None)
        if col in (COL_DEPART, COL_RETURN, COL_WORK_ORDER):
            cell.number_format = "@"  # text: keeps 24:00 and leading zeros of work-order numbers
        if not workday and col <= COL_ATTENDANCE:
            cell.fill = OFF_FILL
    sheet.cell(row=row, column=COL_DATE + 1).number_format = "yyyy-mm-dd"
    sheet.cell(row=row, column=COL_HOURS + 1).number_format = "0.0"
    sheet.cell(row=row, column=COL_AMOUNT + 1).number_format = "#,##0.00"


def _total_row(sheet, row, values, bold):
    for col in range(len(HEADERS)):
        cell = _put(sheet, row, col, values.get(col))
        cell.fill = TOTAL_FILL
        cell.border = BORDER
        cell.font = Font(bold=bold)
        cell.alignment = Alignment(vertical="center")
    sheet.cell(row=row, column=COL_HOURS + 1).number_format = "0.0"
    sheet.cell(row=row, column=COL_AMOUNT + 1).number_format = "#,##0.00"


def _put(sheet, row, col, value):
    if isinstance(value, Decimal):  # openpyxl writes Decimal as a number; a whole Decimal stays exact as int
        value = int(value) if value == value.to_integral_value() else float(value)
    return put(sheet, row, col + 1, value)


# ---- import --------------------------------------------------------------------------------------

class _RowError(Exception):
    """A malformed cell, reported with its sheet and row."""


def import_workbook(actor, engineer, year, filename, fileobj, *, now):
    """Replace the open months' trips and expenses by the workbook's rows; the caller commits or rolls back.

    Every row's cells are read first, and all the malformed ones are refused at once (422 naming each sheet and
    row; `rows` lists them); then every row goes through services.save_trip/save_expense, and every row they
    refuse is named at once too. A submitted month in the file is refused (409) unless the file matches it exactly.
    """
    if not can_edit_itinerary(actor, engineer):
        raise Forbidden(_("无权修改该工程师的行程"))
    year = int(year)
    expected = workbook_filename(engineer, year)
    given = unicodedata.normalize("NFC", filename or "")
    data = fileobj.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge(_("文件超过 %(n)s MB", n=MAX_BYTES // (1024 * 1024)))
    names = (expected, workbook_filename(engineer, year, literal=True))
    if given not in names:
        refusal = xlsx.compound_refusal(data)
        if refusal is not None and given[:-4] in (name[:-5] for name in names):  # an old workbook, its own name
            raise refusal
        message = _("文件名须为“%(expected)s”（收到的是“%(given)s”）", expected=expected,
                    given=validation.received_name(filename or ""))
        raise Invalid(message, {"file": message}, expected=expected)
    book = _open(data)
    owner.check(book, engineer)  # before the titles: it says whose file it is
    months_in_file = _parse_book(book, year, engineer)
    lock_person(engineer)  # the submitted-month checks and the replacement below see one state

    summary, problems = {"file": expected, "months": []}, []
    for month, content in months_in_file.items():
        if services.submission(engineer, month) is not None and not _matches_stored(engineer, month, content):
            raise Conflict(_("%(month)s 已提交，文件中该月的内容与已提交的不同；请先由主管退回该月，"
                             "或从文件中删除该月的工作表", month=month), month=month)
    for month, content in months_in_file.items():
        if services.submission(engineer, month) is not None or _matches_stored(engineer, month, content):
            # a month the file holds as stored keeps its records (and their ids, which clients and the audit hold)
            summary["months"].append({"month": month, "status": "unchanged",
                                      "trips": len(content["trips"]), "expenses": len(content["expenses"])})
            continue
        named = services.delete_month_data(engineer, month, now=now)
        _store_month(actor, engineer, content, problems, now=now, keep=named)
        summary["months"].append({"month": month, "status": "replaced",
                                  "trips": len(content["trips"]), "expenses": len(content["expenses"])})
    if problems:
        raise _rows_invalid(problems)
    return summary


def _open(data):
    """The workbook in `data`; 422 for anything that is not a sane xlsx file."""
    not_xlsx = _("文件不是有效的 Excel 工作簿（.xlsx）")
    refusal = xlsx.compound_refusal(data)  # a password, or an .xls: said as the data imports say it
    if refusal is not None:
        raise refusal
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xlsx.check_unzipped_size(archive, MAX_UNZIPPED)
            if "xl/workbook.xml" not in archive.namelist():
                raise Invalid.field("file", not_xlsx)
        xlsx.check_merged(data)
        book = load_workbook(io.BytesIO(data), data_only=True)
        if xlsx.has_formulas(data):
            xlsx.keep_formula_text(book, data)
        xlsx.fill_merged_rows(book, FIRST_DATA_ROW)
        return book
    except Invalid:
        raise
    except Exception:  # openpyxl raises many kinds on broken files; all of them mean "not our xlsx"
        raise Invalid.field("file", not_xlsx) from None


def _parse_book(book, year, engineer):
    """{'YYYY-MM': {'sheet', 'trips': [(row, data)], 'expenses': [(row, data)]}} for each month sheet; every row's
    malformed cells refused at once, each row named (the first alone was, and the next came a round later). A sheet
    whose title row names another engineer, year or month (another's file renamed) is refused."""
    found, problems = {}, []
    for sheet in book.worksheets:
        match = SHEET_RE.match("".join(sheet.title.split()))  # "12 月" is the sheet "12月"
        if not match:
            if _has_header(sheet):  # a month sheet renamed: its rows would be dropped without a word
                raise Invalid.field("file", _("工作表“%(sheet)s”是行程表的格式，但名称不是“1月”…“12月”之一，"
                                              "请改回月份名称", sheet=sheet.title))
            continue
        month = int(match.group(1))
        key = Month.from_parts(year, month)
        if key in found:
            raise Invalid.field("file", _("工作表“%(sheet)s”出现了两次", sheet=sheet.title))
        content = _parse_sheet(sheet, year, month, problems)
        if sheet.sheet_state != "visible" and not content["trips"] and not content["expenses"]:
            # a month the export hid because it was empty, never seen in the spreadsheet: it leaves the month as
            # it stands (read as "now empty", it deleted what was recorded after the download)
            continue
        owner.check_title(sheet, sheet_title(engineer, year, month))
        found[key] = content
    if problems:
        raise _rows_invalid(problems)
    if not found:
        raise Invalid.field("file", _("文件中没有月份工作表（“1月”…“12月”），不是工作行程表的格式"))
    return dict(sorted(found.items()))


def _has_header(sheet):
    """True when row 2 of the sheet is the itinerary's header row."""
    header = next(sheet.iter_rows(min_row=2, max_row=2, max_col=len(HEADERS), values_only=True), ())
    return tuple(str(value).strip() if value is not None else "" for value in header) == HEADERS


def _parse_sheet(sheet, year, month, problems):
    """The month sheet's rows as trips and expenses; each row refused is added to `problems` (sheet, row,
    message)."""
    name = sheet.title
    if sheet.max_row > MAX_ROWS:
        raise Invalid.field("file", _("工作表“%(sheet)s”的行数超过 %(n)s", sheet=name, n=MAX_ROWS))
    if not _has_header(sheet):
        raise Invalid.field("file", _("工作表“%(sheet)s”第 2 行须为表头：%(headers)s", sheet=name,
                                      headers="、".join(HEADERS)))
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    content = {"sheet": name, "trips": [], "expenses": []}
    last_day, totals = None, False
    for number, values in enumerate(sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=len(HEADERS),
                                                    values_only=True), start=FIRST_DATA_ROW):
        values = tuple(values) + (None,) * (len(HEADERS) - len(values))
        if isinstance(values[COL_DATE], str) and values[COL_DATE].strip() == TOTAL_MARK:
            totals = True
            continue
        if totals:  # the totals block holds sums and notes only: a trip or expense written below it is not lost
            if any(not _blank(value) for col, value in enumerate(values) if col not in TOTALS_COLUMNS):
                problems.append((name, number, _("此行在“合计”之下，不会导入：请把行程和费用填在合计行之上")))
            continue
        if all(_blank(value) for value in values):
            continue
        try:
            day = _date_cell(values[COL_DATE]) or last_day
            if day is None:
                raise _RowError(_("请填写日期"))
            if not first <= day < nxt:
                raise _RowError(_("日期 %(day)s 不在 %(year)s年%(month)s月 内", day=day.isoformat(), year=year,
                                  month=month))
            last_day = day
            is_expense = any(not _blank(values[col]) for col in EXPENSE_ONLY)
            is_trip = any(not _blank(values[col]) for col in TRIP_ONLY)
            if is_expense and is_trip:
                raise _RowError(_("一行只能填写一次行程或一笔费用，不能两者都填"))
            if is_expense:
                content["expenses"].append((number, _expense_data(day, values)))
            elif is_trip or not _blank(values[COL_WORK_ORDER]) or not _blank(values[COL_NOTE]):
                content["trips"].append((number, _trip_data(day, values)))
            # else: a day row with only date, weekday, attendance or hours: nothing to store
        except _RowError as error:
            problems.append((name, number, str(error)))
    return content


# the column of the sheet a field of a trip or an expense is read from, named in a row's error ("最多 500 个字符" said
# nothing of whether 事由 or 备注 was too long); in English the header as the sheet has it, with its meaning
COLUMN_OF = {"date": lazy_pgettext("workbook column", "日期"), "depart": lazy_pgettext("workbook column", "出发"),
             "return": lazy_pgettext("workbook column", "返回"), "full_day": lazy_pgettext("workbook column", "全天"),
             "customer": lazy_pgettext("workbook column", "客户"),
             "work_order": lazy_pgettext("workbook column", "工单"),
             "purpose": lazy_pgettext("workbook column", "事由"), "note": lazy_pgettext("workbook column", "备注"),
             "category": lazy_pgettext("workbook column", "费用类别"),
             "amount": lazy_pgettext("workbook column", "金额")}


def _in_column(error):
    """The message of a row's refusal, each column it concerns in front of its own message."""
    if not error.fields or not set(error.fields) <= set(COLUMN_OF):
        return error.message
    return _("；").join(_("%(column)s：%(message)s", column=COLUMN_OF[field], message=message)
                       for field, message in error.fields.items())


SHOWN_PROBLEMS = 20  # rows named in the message; the answer's `rows` lists up to LISTED_PROBLEMS, `rows_total` all
LISTED_PROBLEMS = 1000


def _rows_invalid(problems):
    """One refusal naming every malformed row (the first SHOWN_PROBLEMS in its message; `rows` even for one)."""
    texts = [_("工作表“%(sheet)s”第 %(row)s 行：%(message)s", sheet=sheet, row=row, message=message)
             for sheet, row, message in problems]
    text = _("；").join(texts[:SHOWN_PROBLEMS])
    if len(texts) > SHOWN_PROBLEMS:
        text += _("……共 %(n)s 行有误", n=len(texts))
    first_sheet, first_row, _message = problems[0]
    return Invalid(text, {"file": text}, sheet=first_sheet, row=first_row, rows_total=len(problems),
                   rows=[{"sheet": sheet, "row": row, "message": message}
                         for sheet, row, message in problems[:LISTED_PROBLEMS]])


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _date_cell(value):
    if _blank(value):
        return None
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise _RowError(_("日期不能带时间"))
        return value.date()
    if isinstance(value, date):
        return value
    text = xlsx.iso_text(value).strip() if isinstance(value, str) else None  # 2026/12/4, 2026年12月4日 as imports
    if text is not None and re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _RowError(_("日期须为 YYYY-MM-DD 格式的日期"))


def _time_cell(value, label):
    """A depart/return cell as 'HH:MM' (text, an Excel time, or a duration up to 24:00)."""
    if _blank(value):
        return None
    minutes = None
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise _RowError(_("%(label)s时间只能精确到分钟", label=label))
        minutes = value.hour * 60 + value.minute
    elif isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds % 60:
            raise _RowError(_("%(label)s时间只能精确到分钟", label=label))
        minutes = int(seconds // 60)
    elif isinstance(value, str):
        match = HHMM_RE.match(xlsx.iso_text(value).strip())  # 10：00 typed with a Chinese input method
        if match:
            minutes = int(match.group(1)) * 60 + int(match.group(2))
            if int(match.group(2)) > 59:
                minutes = None
    if minutes is None or not 0 <= minutes <= 1440:
        raise _RowError(_("%(label)s时间须为 HH:MM（00:00–24:00）", label=label))
    return fieldhours.format_hhmm(minutes)


def _flag_cell(value):
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise _RowError(_("“全天”一栏须为“是”或留空"))


def _text_cell(value, as_written=False):
    """A text cell's value, trimmed unless `as_written` (purpose and note keep a leading TAB or CR: CONTRACT 11)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _RowError(_("文字栏不能是真假值"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date, time, timedelta)):
        raise _RowError(_("文字栏不能是日期或时间"))
    value = xlsx.text(value) if isinstance(value, str) else str(value)
    return value if as_written else value.strip()


def _amount_cell(value):
    if _blank(value):
        raise _RowError(_("请填写金额"))
    if isinstance(value, bool):
        raise _RowError(_("金额须为数字"))
    if isinstance(value, float):
        return repr(value)
    return xlsx.plain_number(str(value).strip())  # 1,234.50 as the other imports take it


def _trip_data(day, values):
    return {"date": day, "full_day": _flag_cell(values[COL_FULL_DAY]),
            "depart": _time_cell(values[COL_DEPART], _("出发")), "return": _time_cell(values[COL_RETURN], _("返回")),
            "customer": _text_cell(values[COL_CUSTOMER]), "work_order": _text_cell(values[COL_WORK_ORDER]),
            "purpose": _text_cell(values[COL_PURPOSE], as_written=True),
            "note": _text_cell(values[COL_NOTE], as_written=True)}


def _expense_data(day, values):
    category = _text_cell(values[COL_CATEGORY])
    if category not in CATEGORY_CODES:
        raise _RowError(_("费用类别须为交通、住宿、餐费或其他"))
    return {"date": day, "category": CATEGORY_CODES[category], "amount": _amount_cell(values[COL_AMOUNT]),
            "work_order": _text_cell(values[COL_WORK_ORDER]),
            "note": _text_cell(values[COL_NOTE], as_written=True)}


def _store_month(actor, engineer, content, problems, *, now, keep=frozenset()):
    """Save a month's rows through the services (they refuse before storing), each refused row added to `problems`
    in the sheet's order. A work order the month's records named before (`keep`) may be named again, though it
    went to another engineer since: the row the export wrote for it comes back."""
    trip_rows, found = {}, []
    for number, data in content["trips"]:
        try:
            trip_rows[services.save_trip(actor, engineer, data, now=now, keep=keep).id] = number
        except Invalid as error:
            other = trip_rows.get(error.extra.get("conflicting_trip"))
            message = _("与第 %(other)s 行的行程时间重叠", other=other) if other is not None else _in_column(error)
            found.append((content["sheet"], number, message))
    for number, data in content["expenses"]:
        try:
            services.save_expense(actor, engineer, data, now=now, keep=keep)
        except Invalid as error:
            found.append((content["sheet"], number, _in_column(error)))
    problems.extend(sorted(found, key=lambda problem: problem[1]))


def _matches_stored(engineer, month, content):
    """True when the file's rows for a month are exactly the stored trips and expenses."""
    first, nxt = month_arg(month).bounds()
    try:
        wanted_trips = Counter(_trip_key(data) for _row, data in content["trips"])
        wanted_expenses = Counter(_expense_key(data) for _row, data in content["expenses"])
    except (ValueError, InvalidOperation):
        return False
    trips = db.session.scalars(select(Trip).where(Trip.engineer_id == engineer.id, Trip.day >= first,
                                                  Trip.day < nxt)).all()
    expenses = db.session.scalars(select(Expense).where(Expense.engineer_id == engineer.id, Expense.day >= first,
                                                        Expense.day < nxt)).all()
    stored_trips = Counter((t.day, t.full_day, None if t.full_day else t.depart_min,
                            None if t.full_day else t.return_min, t.customer.name if t.customer else None,
                            t.work_order.number if t.work_order else None, t.purpose, t.note) for t in trips)
    stored_expenses = Counter((e.day, e.category, e.amount.quantize(Decimal("0.01")),
                               e.work_order.number if e.work_order else None, e.note) for e in expenses)
    return wanted_trips == stored_trips and wanted_expenses == stored_expenses


def _trip_key(data):
    full_day = bool(data["full_day"])
    customer = data["customer"]
    if customer is None and data["work_order"]:
        try:
            customer = workorders.by_number(data["work_order"]).customer.name
        except Invalid:
            customer = None
    return (data["date"], full_day, None if full_day else fieldhours.parse_hhmm(data["depart"] or ""),
            None if full_day else fieldhours.parse_hhmm(data["return"] or ""), customer, data["work_order"],
            data["purpose"], data["note"])


def _expense_key(data):
    return (data["date"], data["category"], Decimal(data["amount"]).quantize(Decimal("0.01")), data["work_order"],
            data["note"])
