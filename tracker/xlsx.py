"""What every workbook Tracker writes shares: text cells that are never formulas, column widths that fit their
text, the print setup and how it is downloaded; and the size bound every workbook it reads is checked against."""

import io
import re
import unicodedata
import zipfile

from flask import send_file
from flask_babel import gettext as _

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.properties import PageSetupProperties

from tracker.downloads import disposition
from tracker.errors import Invalid

FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PAGE_NUMBERS = "第 &P 页，共 &N 页"


# A workbook's XML turns a CR into a line feed when read: a CR is written as the escape _x000D_ (as Excel writes
# it), and text that a spreadsheet would read as such an escape (_x0041_ is "A") keeps its underscore as _x005F_.
# `text` reads both back. openpyxl itself drops the _x005F_ of shared strings (Excel's files) and reads no other
# escape, so these are undone: an underscore kept as _x005F_ in an inline string (ours), and the control characters
# Excel writes as escapes (a CR, a BEL as _x0007_), which the text rules then refuse where they are refused (a BEL
# in a customer's name was stored as the seven characters "_x0007_"). Other escape-like text stays as it is.
_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPES = re.compile(r"_x005F_(?=x[0-9A-Fa-f]{4}_)|_x00(?:[01][0-9A-Fa-f]|7[Ff]|[89][0-9A-Fa-f])_")


# What no XML 1.0 document may hold (and openpyxl's own check lets through U+FFFE, U+FFFF and lone surrogates)
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escaped(value):
    if "_x" in value:
        value = _ESCAPE_LIKE.sub("_x005F_", value)
    return value.replace("\r", "_x000D_") if "\r" in value else value


def text(value):
    """The text of a string cell as written: a control character escaped as _xHHHH_ (a CR as _x000D_) reads as
    that character, an underscore kept as _x005F_ before escape-like text as an underscore."""
    if "_x" not in value:
        return value
    return _ESCAPES.sub(lambda m: "_" if m.group().startswith("_x005F") else chr(int(m.group()[2:6], 16)), value)


def put(sheet, row, column, value):
    """Write one cell (column from 1). Text is always a string cell, never a formula (CONTRACT 11): text that a
    spreadsheet would take as one (starting with = + - @, TAB or CR) is also marked "quote prefix", so editing the
    cell keeps it text. Reading the file back gives the same text."""
    if not isinstance(value, str):
        return sheet.cell(row=row, column=column, value=value)
    # Rows stored before the text rule may hold characters no workbook can: they are shown as U+FFFD.
    cell = sheet.cell(row=row, column=column, value=_escaped(NOT_IN_XML.sub("\ufffd", value)))
    cell.data_type = "s"
    if value.startswith(FORMULA_LIKE):
        cell.quotePrefix = True
    return cell


def check_unzipped_size(archive, limit):
    """422 on `file` for a workbook (an open ZipFile) whose parts unzip to more than `limit` bytes: a few hundred KB
    can unzip to gigabytes. Read before anything is unzipped."""
    if sum(info.file_size for info in archive.infolist()) > limit:
        raise Invalid.field("file", _("工作簿解压后过大"))


def text_width(text):
    """Columns a text needs in a spreadsheet: CJK (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def print_setup(sheet, title=None, title_rows="1:1", page_numbers=PAGE_NUMBERS):
    """Landscape A4, fitted to the page width, `title_rows` repeated on every page, page numbers in the footer
    (`page_numbers`: Excel's codes &P and &N in the workbook's language).

    The header and footer sit 0.3 in from the paper's edge and the body starts 0.75 in from it, so neither is
    cut by the printer's margin nor overlaps the table.
    """
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    if title:
        sheet.oddHeader.center.text = title
    sheet.oddFooter.center.text = page_numbers


# ---- reading ----------------------------------------------------------------------------------------------------

def _sheets(data):
    """Each worksheet's XML of the xlsx `data` as an iterator of 1 MiB pieces (a sheet may unzip to many times the
    file's size); a sheet is open while its pieces are read."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as sheet:
                    yield iter(lambda sheet=sheet: sheet.read(1 << 20), b"")


# An element of the sheet's XML by its local name, whatever prefix its namespace has in the file (none as openpyxl
# and Excel write it, x: as .NET's OpenXML SDK does, any other a writer chose)
PREFIX = rb"<(?:[A-Za-z_][A-Za-z0-9_.-]*:)?"


def sheets_match(data, pattern):
    """Whether a worksheet of the xlsx `data` holds a match of the compiled bytes regex `pattern` (a match of at most
    200 bytes: pieces overlap by that much)."""
    for pieces in _sheets(data):
        tail = b""
        for piece in pieces:
            if pattern.search(tail + piece):
                return True
            tail = piece[-200:]
    return False


MERGED_CELLS_MAX = 100_000  # cells under merged ranges: titles and group labels, never a whole column


def check_merged(data):
    """422 on `file` for an xlsx whose merged ranges cover more than MERGED_CELLS_MAX cells (D5:D1000000 in a 5 KB
    file took a minute and a gigabyte to load), told before anything is loaded."""
    if merged_cells(data) > MERGED_CELLS_MAX:
        raise Invalid.field("file", _("合并单元格覆盖的范围过大（超过 %(n)s 个单元格），请取消合并后再导入",
                                      n=f"{MERGED_CELLS_MAX:,}"))


MERGE_RE = re.compile(PREFIX + rb'mergeCell\s+ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')
MERGE_TAG = re.compile(PREFIX + rb"mergeCell[\s/>]")


def _ranges(pieces):
    """The merged ranges in a worksheet's XML (its pieces), each as (first column, first row, last column, last
    row), from 1."""
    pending = b""
    for piece in pieces:
        pending += piece
        end = 0
        for found in MERGE_RE.finditer(pending):
            left, top, right, bottom = found.groups()
            columns = sorted((column_index_from_string(left.decode()), column_index_from_string(right.decode())))
            rows = sorted((int(top), int(bottom)))
            yield columns[0], rows[0], columns[1], rows[1]
            end = found.end()
        pending = pending[max(end, len(pending) - 200):]  # a tag cut between two pieces


def merged_ranges(data, member):
    """The merged ranges of the worksheet `member` (its path in the archive, e.g. "xl/worksheets/sheet1.xml") of the
    xlsx `data`, read from its XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(member.lstrip("/")) as sheet:
        return list(_ranges(iter(lambda: sheet.read(1 << 20), b"")))


def merged_cells(data):
    """How many cells the merged ranges of the xlsx `data`'s worksheets cover, read from the sheets' XML before
    any is loaded (loading D5:D1000000 alone makes a million cells)."""
    return sum((right - left + 1) * (bottom - top + 1)
               for pieces in _sheets(data) for left, top, right, bottom in _ranges(pieces))


FORMULA_TAG = re.compile(PREFIX + rb"f[\s/>]")


def has_formulas(data):
    return sheets_match(data, FORMULA_TAG)


def has_merged_cells(data):
    return sheets_match(data, MERGE_TAG)


def keep_formula_text(values, data):
    """In `values` (a workbook of `data` loaded with data_only, not read-only), give each formula cell without a
    saved result its formula's text ("=售后服务部"), as typed: a formula no spreadsheet has calculated reads as empty
    otherwise, and an import would clear what the cell names (CONTRACT 11: text starting with = stays text). A
    formula with a saved result (a file Excel saved) keeps that result."""
    formulas = load_workbook(io.BytesIO(data), data_only=False)
    try:
        for sheet in formulas.worksheets:
            target = values[sheet.title]
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" and isinstance(cell.value, str):
                        shown = target.cell(cell.row, cell.column)
                        if shown.value is None:
                            shown.value = cell.value
                            shown.data_type = "s"
    finally:
        formulas.close()


# ---- cells as offices write them ------------------------------------------------------------------------

# a date kept as text the way Chinese spreadsheets write one (2026/10/19, 2026.1.5, 2026-1-5, 2026年10月19日, the
# last what Excel writes of a 长日期 cell), maybe followed by a time
_LOOSE_DATE = re.compile(r"^([0-9]{4})(?:[/.-]([0-9]{1,2})[/.-]([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)(?=$|[ T])")
_THOUSANDS = re.compile(r"\s*-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?\s*")  # 2,600.50; not 0,500


# what a Chinese input method types in full-width mode into a number, a date or a time (２０２５－０１－０１, １２０,
# 9：45): the cell shows a number, so the clerk could not see why it was refused
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－／：　", "0123456789.,-/: ")


def iso_text(value):
    """A cell's text with its date written as ISO 8601 (zero-padded, with dashes), full-width digits and marks as
    their ASCII (09：30, ２０２６－１１－０５); any other value as it came. Every import reads dates and times through
    it."""
    if not isinstance(value, str):
        return value
    value = value.translate(_FULL_WIDTH)
    match = _LOOSE_DATE.match(value.strip())
    if match:
        year, month, day, month_cn, day_cn = match.groups()
        return f"{year}-{int(month or month_cn):02d}-{int(day or day_cn):02d}" + value.strip()[match.end():]
    return value


def plain_number(value):
    """A number kept as text with thousands separators (2,600.50) without them, full-width digits as ASCII (１２０);
    any other value as it came."""
    if isinstance(value, str):
        value = value.translate(_FULL_WIDTH)
        if _THOUSANDS.fullmatch(value):
            return value.replace(",", "")
    return value


def send_workbook(data, name, fallback):
    """A workbook download named `name`, with the ASCII `fallback` for clients that read only a plain name
    (downloads.disposition)."""
    response = send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=name, max_age=0)
    response.headers["Content-Disposition"] = disposition(name, fallback)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def fill_merged_rows(book, first_row):
    """Each row of a range merged over several rows, from `first_row` down, holds the range's first cell's value in
    the range's first column (openpyxl reads the others as empty: a 客户 merged over two trips to one customer left
    the second trip without one); its other columns stay empty (a 事由 merged over 备注 too is no 备注). A range
    within one row (a title, a totals label) stays as it is."""
    for sheet in book.worksheets:
        for merged in [rng for rng in sheet.merged_cells.ranges if first_row <= rng.min_row < rng.max_row]:
            value = sheet.cell(merged.min_row, merged.min_col).value
            sheet.unmerge_cells(str(merged))
            for row in range(merged.min_row, merged.max_row + 1):
                sheet.cell(row, merged.min_col).value = value


COMPOUND = b"\xd0\xcf\x11\xe0"  # Excel's compound files: a 97–2003 workbook (.xls), or one with an opening password


def compound_refusal(data):
    """The refusal of a file in Excel's compound format (under whatever name), or None for other bytes: what to do
    about a password or an old workbook, not only that the file is no .xlsx."""
    if not data.startswith(COMPOUND):
        return None
    if "EncryptedPackage".encode("utf-16-le") in data:
        return Invalid.field("file", _("该文件设有打开密码：请在 Excel 中取消密码（文件 › 信息 › 保护工作簿）后上传"))
    return old_workbook()


def old_workbook():
    return Invalid.field("file", _("该文件是旧版 Excel 工作簿（.xls）：请在 Excel 中另存为 .xlsx 后上传"))

