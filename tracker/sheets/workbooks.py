"""The team workbooks (.xlsx): a month's summary, the mid-year and the annual summary, ready to print.

Like the itinerary workbook these are documents handed to HR, so their headers are fixed Chinese.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from tracker.xlsx import print_setup, put, text_width

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS = {"pending": "未计算", "ineligible": "不参加考核", "draft": "草稿", "approved": "已审批"}
POINTS = "0.00"
MONEY = "#,##0.00"
THIN = Side(style="thin", color="A0A0A0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def _table(sheet, headers, rows, formats):
    """Header row 1 (frozen, with the first two columns), data below, columns as wide as their content."""
    widths = [text_width(h) + 2 for h in headers]
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = put(sheet, r, column, value)
            cell.border = BORDER
            if formats[column - 1] and not isinstance(value, str):
                cell.number_format = formats[column - 1]
            if value is None or isinstance(value, str) or not formats[column - 1]:
                shown = "" if value is None else str(value)
            else:
                shown = f"{value:,.2f}" if formats[column - 1] == MONEY else f"{value:.2f}"
            widths[column - 1] = max(widths[column - 1], text_width(shown) + 2)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width, 6), 40)
    sheet.freeze_panes = "C2"
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
    sheet.print_area = f"A1:{last}{max(1, len(rows) + 1)}"


def _save(book):
    book.properties.creator = "Tracker"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def month_filename(month):
    return f"{month}月度考核汇总.xlsx"


def period_filename(summary):
    return f"{summary.year}年{'年中' if summary.period == 'mid-year' else '年度'}考核汇总.xlsx"


def month_workbook(summary):
    """One row per engineer: every indicator's points, Q, L, A, T, grade, bonus, state."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"{summary.month}考核汇总"
    headers = ["用户名", "姓名"] + [column.label for column in summary.indicators] + [
        "定量Q", "定性L", "加减分A", "总分T", "等级", "奖金（元）", "一票否决", "状态"]
    formats = [None, None] + [POINTS] * len(summary.indicators) + [POINTS] * 4 + [None, MONEY, None, None]
    rows = []
    for row in summary.rows:
        rows.append([row["username"], row["display_name"]]
                    + [row["indicators"].get(column.key) for column in summary.indicators]
                    + [row["quantitative"], row["qualitative"], row["adjustments"], row["total"], row["grade"],
                       row["bonus"], "是" if row["vetoed"] else "", STATUS.get(row["status"], row["status"])])
    _table(sheet, headers, rows, formats)
    print_setup(sheet, f"{summary.month} 月度考核汇总")
    book.properties.title = month_filename(summary.month)[:-5]
    return _save(book)


def period_workbook(summary):
    """One row per engineer: each month's total, months counted, the period score and whether it is final."""
    book = Workbook()
    sheet = book.active
    label = "年中" if summary.period == "mid-year" else "年度"
    sheet.title = f"{summary.year}{label}考核汇总"
    headers = ["用户名", "姓名"] + [f"{int(m[5:])}月" for m in summary.months] + [f"{label}得分", "计入月数", "定稿"]
    formats = [None, None] + [POINTS] * len(summary.months) + [POINTS, "0", None]
    rows = [[row["username"], row["display_name"]] + [row["months"][m] for m in summary.months]
            + [row["score"], row["months_counted"], "是" if row["final"] else "否"] for row in summary.rows]
    _table(sheet, headers, rows, formats)
    print_setup(sheet, f"{summary.year} 年{label}考核汇总")
    book.properties.title = period_filename(summary)[:-5]
    return _save(book)
