"""The team workbooks (.xlsx): a month's summary, the mid-year and the annual summary, ready to print.

They are exports only (nothing reads them back, unlike the itinerary workbook), so they are in the reader's language,
as the appraisal sheets' PDFs are: Chinese for a Chinese page (what HR is handed), English for an English one.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker import language
from tracker.scores.presenter import state_text

from tracker.xlsx import print_setup, put, send_workbook, text_width

STATUS = {"pending": _l("未计算"), "ineligible": _l("不参加考核")}  # a stored score's: presenter.state_text
POINTS = "0.00"
MONEY = "#,##0.00"
THIN = Side(style="thin", color="A0A0A0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
WIDEST = 40  # a column's width at most; a longer text wraps in its cell


def _table(sheet, headers, rows, formats):
    """Header row 1 (frozen, with the first two columns), data below, columns as wide as their content."""
    widths = [text_width(h) + 2 for h in headers]
    for column, title in enumerate(headers, start=1):
        cell = put(sheet, 1, column, str(title))  # an indicator's name is a template's text: never a formula
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
            if isinstance(value, str) and text_width(value) + 2 > WIDEST:  # a long name: whole, on two lines
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width, 6), WIDEST)
    sheet.freeze_panes = "C2"
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
    sheet.print_area = f"A1:{last}{max(1, len(rows) + 1)}"


def _save(book):
    book.properties.creator = "Tracker"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _month_title(month):
    return _("%(month)s 月度考核汇总", month=month)


def _period_title(summary):
    if summary.period == "mid-year":
        return _("%(year)s 年年中考核汇总", year=summary.year)
    return _("%(year)s 年年度考核汇总", year=summary.year)


def _compact(title):
    """A title as a name (the file's, the sheet's): Chinese runs its words together (2026-11月度考核汇总), English
    keeps its spaces."""
    return title if language.current() == "en" else title.replace(" ", "")


def _file_name(title):
    return _compact(title) + ".xlsx"


def month_filename(month):
    return _file_name(_month_title(month))


def period_filename(summary):
    return _file_name(_period_title(summary))


def month_download(summary):
    """The month's summary workbook as a download (the page's and the API's), in the reader's language."""
    return send_workbook(month_workbook(summary), month_filename(summary.month), f"{summary.month}-summary.xlsx")


def period_download(summary):
    """The mid-year or annual summary workbook as a download."""
    return send_workbook(period_workbook(summary), period_filename(summary),
                         f"{summary.year}-{summary.period}-summary.xlsx")


def _sheet_title(title):
    """A worksheet's name: at most 31 characters, none of []:*?/\\; a longer one loses its last words whole
    ("2026-11 Monthly appraisal", not "2026-11 Monthly appraisal summa")."""
    name = "".join(c for c in _compact(title) if c not in "[]:*?/\\")
    if len(name) <= 31:
        return name
    cut = name[:31]
    return cut.rsplit(" ", 1)[0] if " " in cut and name[31] != " " else cut.rstrip()


def _status(row):
    """A row's state in words: a stored score's as the score pages say it, else not computed / not assessed."""
    if row["status"] in ("draft", "approved"):
        return state_text(row["status"], row.get("stale"))
    return str(STATUS.get(row["status"], row["status"]))


def _yes(flag, no=""):
    return _("是") if flag else no


def _template_name(template, english):
    """The template a row was scored on (which indicators it has): its name, in English where it has one."""
    if template is None:
        return None
    return (template["name_en"] or template["name"]) if english else template["name"]


def month_workbook(summary):
    """One row per engineer: every indicator's points, Q, L, A, T, grade, bonus, state, the template scored on."""
    book = Workbook()
    sheet = book.active
    title = _month_title(summary.month)
    sheet.title = _sheet_title(title)
    english = language.current() == "en"
    headers = [_("用户名"), _("姓名")] + [column.label_en if english else column.label for column in summary.indicators] + [
        _("定量Q"), _("定性L"), _("加减分A"), _("总分T"), _("等级"), _("奖金（元）"), _("一票否决"), _("状态"),
        _("考核模板")]
    formats = [None, None] + [POINTS] * len(summary.indicators) + [POINTS] * 4 + [None, MONEY, None, None, None]
    rows = []
    for row in summary.rows:
        rows.append([row["username"], row["display_name"]]
                    + [_("未录入") if (row["username"], column.key) in summary.missing  # not a real 0 (page, PDF)
                       else row["indicators"].get(column.key) for column in summary.indicators]
                    + [row["quantitative"], row["qualitative"], row["adjustments"],
                       _("待定") if row["total"] is None and row["status"] == "draft" else row["total"], row["grade"],
                       row["bonus"], _yes(row["vetoed"]), _status(row),
                       _template_name(row["template"], english)])
    _table(sheet, headers, rows, formats)
    print_setup(sheet, title, page_numbers=_("第 &P 页，共 &N 页"))
    book.properties.title = month_filename(summary.month)[:-5]
    return _save(book)


def period_workbook(summary):
    """One row per engineer: each month's total, months counted, the period score and whether it is final."""
    book = Workbook()
    sheet = book.active
    title = _period_title(summary)
    sheet.title = _sheet_title(title)
    score = _("年中得分") if summary.period == "mid-year" else _("年度得分")
    headers = [_("用户名"), _("姓名")] + [language.month_of_year(int(m[5:])) for m in summary.months] + [
        score, _("计入月数"), _("定稿")]
    formats = [None, None] + [POINTS] * len(summary.months) + [POINTS, "0", None]
    rows = [[row["username"], row["display_name"]] + [row["months"][m] for m in summary.months]
            + [row["score"], row["months_counted"], _yes(row["final"], _("否（待重新计算）") if row["stale"] else _("否"))]
            for row in summary.rows]
    _table(sheet, headers, rows, formats)
    print_setup(sheet, title, page_numbers=_("第 &P 页，共 &N 页"))
    book.properties.title = period_filename(summary)[:-5]
    return _save(book)
