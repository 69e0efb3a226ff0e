"""Import files in and out: the .xlsx template (Chinese headers, an English second row, examples, choice lists),
and reading an .xlsx or a CSV (UTF-8 or GB18030, as Chinese Excel writes it, or UTF-16: its "Unicode text") into
rows of cell text."""

import csv
import io
import unicodedata
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.errors import DomainError, Invalid, TooLarge
from tracker.validation import kind_of, shown_datetime
from tracker import xlsx
from tracker.xlsx import put

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_UNZIPPED = 160 * 1024 * 1024  # MAX_ROWS rows of a wide sheet, with room to spare
HEADER_SCAN = 10  # rows searched for the header row (a title row may come first)


# ---- writing --------------------------------------------------------------------------------------------

def workbook(kind, rows):
    """The kind's sheet: Chinese header, English header, then `rows` (dicts by column key); bytes of an .xlsx."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(kind.title)
    sheet.append([column.zh + ("*" if column.required else "") for column in kind.columns])
    sheet.append([column.en for column in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666")
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
    for number, row in enumerate(rows, start=3):
        for index, column in enumerate(kind.columns, start=1):
            value = str(row.get(column.key) or "")
            if value:
                put(sheet, number, index, value)  # user text is never a live formula, whatever it starts with
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        # every cell is text, the rows a clerk adds below too (the column's style): dates and numbers round-trip
        # exactly as written, and Excel does not turn a machine named 2-1 into a date or a serial 00123 into 123
        sheet.column_dimensions[letter].number_format = "@"
        for cell in sheet[letter]:
            cell.number_format = "@"
        if column.choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                                  showErrorMessage=True)
            rule.add(f"{letter}3:{letter}{MAX_ROWS}")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- reading --------------------------------------------------------------------------------------------

def _text(value):
    """A cell as the text the API would accept for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time() else shown_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        return format(Decimal(value).normalize(), "f")
    return unicodedata.normalize("NFC", xlsx.text(value) if isinstance(value, str) else str(value))


# Names that become parts of file names keep what the cell holds: a leading or trailing space is refused on the row
# (CONTRACT 5), as the API and the web form refuse it, never trimmed silently. Multi-line text (a description, a
# note) is kept as written, as everywhere (validation.clean_text): an export imports back the same. Other cells are
# trimmed.
AS_WRITTEN = ("customer", "equipment", "service_type")


def _cell(key, value):
    return value if key in AS_WRITTEN or kind_of(key) == "multiline" else value.strip()


def _label(value):
    return unicodedata.normalize("NFKC", value.strip()).replace("*", "").replace(" ", "").casefold()


def _unreadable(data=b""):
    return xlsx.compound_refusal(data) or Invalid.field("file", _("无法读取该 Excel 文件"))


def _xlsx_rows(data):
    """(row number, [cell text]) of the first sheet shown, streamed (read-only) whatever the file holds, so that
    an import's memory stays bounded by the rows it keeps: a cell of a merged range reads as the range's first cell
    (the ranges are read from the sheet's XML, their cells bounded by xlsx.check_merged), and a formula without a
    saved result as its text (a second stream of the same sheet, its formulas). A file the reader cannot parse,
    anywhere in it (a damaged sheet is read only as its rows are), is 422."""
    books = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xlsx.check_unzipped_size(archive, MAX_UNZIPPED)
        merged, formulas = xlsx.has_merged_cells(data), xlsx.has_formulas(data)
        if merged:
            xlsx.check_merged(data)
        book = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        books.append(book)
        # the first sheet shown: a hidden one (old data kept out of sight) is not what the clerk sees and means
        sheet = next((ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") == "visible"),
                     book.worksheets[0])
        sheet.reset_dimensions()  # the stored dimension may be wrong (some writers leave A1): read every row
        rows = sheet.iter_rows(values_only=True)
        typed = None
        if formulas:  # a formula no spreadsheet has calculated reads as empty otherwise (CONTRACT 11: = stays text)
            book = load_workbook(io.BytesIO(data), data_only=False, read_only=True)
            books.append(book)
            shown = book[sheet.title]
            shown.reset_dimensions()
            typed = shown.iter_rows(values_only=True)
        ranges = _by_row(xlsx.merged_ranges(data, sheet._worksheet_path)) if merged else {}
    except Exception as error:
        for book in books:
            book.close()
        if isinstance(error, DomainError):
            raise
        raise _unreadable(data) from None  # the parser's own errors (a bad zip, XML, number or date in a cell): no 500
    try:
        number, spans = 0, {}
        while True:
            try:
                values = list(next(rows))
                if typed is not None:
                    written = next(typed, ())
                    values = [_formula_text(value, written[index] if index < len(written) else None)
                              for index, value in enumerate(values)]
            except StopIteration:
                break
            except Exception:  # read-only: a sheet's XML is parsed here, row by row
                raise _unreadable() from None
            number += 1
            if number in ranges:
                values = _unmerged(values, number, ranges[number], spans)
            yield number, [_text(value) for value in values]
    finally:
        for book in books:
            book.close()


def _formula_text(value, written):
    """A cell's value, or the text of its formula when no spreadsheet saved a result for it."""
    if value is None and isinstance(written, str) and written.startswith("="):
        return written
    return value


def _by_row(ranges):
    """{row: [merged ranges over it]}: as many entries as the ranges cover rows (bounded by xlsx.check_merged)."""
    rows = {}
    for span in ranges:
        for row in range(span[1], span[3] + 1):
            rows.setdefault(row, []).append(span)
    return rows


def _unmerged(values, number, ranges, spans):
    """Row `number`'s values with every cell of the merged `ranges` over it holding the range's first cell's value
    (kept in `spans` from the range's first row on)."""
    for span in ranges:
        left, top, right, _bottom = span
        if number == top:
            spans[span] = values[left - 1] if left <= len(values) else None
        if len(values) < right:
            values += [None] * (right - len(values))
        for column in range(left, right + 1):
            values[column - 1] = spans.get(span)
    return values


def _is_xlsx(data):
    """Whether a zip archive holds an Excel workbook (its directory only is read: nothing is unpacked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _csv_rows(data):
    if data.startswith(b"PK\x03\x04"):  # a workbook renamed .csv: its bytes are no text in any encoding
        if _is_xlsx(data):
            raise Invalid.field("file", _("该文件是 Excel 工作簿（.xlsx），不是 CSV：请以 .xlsx 扩展名上传"))
        raise Invalid.field("file", _("该文件不是 CSV 文本文件：请在 Excel 中另存为 .xlsx 或 CSV 后上传"))
    if data.startswith(xlsx.COMPOUND):  # an .xls, or a workbook with a password, renamed
        raise xlsx.compound_refusal(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text": UTF-16 with its byte order mark
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeError:  # a lone surrogate or an odd byte at the end: a 500 it was
            raise Invalid.field("file", _("CSV 文件以 UTF-16 标记开头，但内容不是有效的 UTF-16")) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid.field("file", _("CSV 文件须为 UTF-8、GB18030 或 UTF-16（Excel 的“Unicode 文本”）编码"))
    try:  # the delimiter only: quotes are Excel's ("), a guessed ' took the quotes off 'PLC' in a description
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    lines = io.StringIO(text, newline="\n" if "\n" in text else "")  # no \n at all: a carriage return ends a line
    try:
        for number, values in enumerate(csv.reader(lines, csv.excel, delimiter=delimiter), start=1):
            yield number, [_text(value) for value in values]
    except csv.Error:  # a cell past csv's limit of 131,072 characters: a quote opened and never closed
        raise Invalid.field("file", _("CSV 文件无法读取：某个单元格太长，或引号没有成对")) from None


def read_rows(kind, filename, data):
    """[(row number, {column key: text})] of the data rows, the keys of the columns the file has, the headings
    of the columns it has that are none of the kind's (ignored: the report names them), and [(row number, error)]
    of the rows refused as they are read: a CSV row holding cells past the header's last column (an unquoted
    separator in a value: every cell after it stood one column to the right, and the row would have been stored
    shifted), and a row whose two columns of one heading differ (the second was dropped without a word).

    The header row is found by its labels (Chinese, English or the key, in any order); an English header row and
    repeated header rows (left by merged header cells) are skipped, and so are empty rows.
    """
    if not data:
        raise Invalid.field("file", _("文件是空的"))
    if len(data) > MAX_BYTES:  # too large, as an upload past its limit is everywhere: 413
        message = _("文件超过 20 MiB")
        raise TooLarge(message, {"file": message})
    name = (filename or "").lower()
    comma_separated = name.endswith(".csv")
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    elif name.endswith(".xls"):
        raise xlsx.compound_refusal(data) or xlsx.old_workbook()
    else:
        raise Invalid.field("file", _("请上传 .xlsx 或 .csv 文件"))
    labels = {}
    for column in kind.columns:
        for label in (column.zh, column.en, column.key):
            labels[_label(label)] = column.key
    chinese = {_label(column.zh) for column in kind.columns}
    positions, found, records, headings, above, refused = None, set(), [], {}, None, []
    repeats = {}  # {column index: key} of a heading that stands a second time (工作日 | 工作日)
    nearest = set()  # the columns of the row nearest to a header, when none is one
    for number, values in rows:
        cells = [_label(value) for value in values]
        matched = {index: labels[cell] for index, cell in enumerate(cells) if cell in labels}
        if positions is None:
            if number > HEADER_SCAN:
                break
            if len(set(matched.values())) > len(nearest):
                nearest = set(matched.values())
            if len(set(matched.values())) >= max(1, len([c for c in kind.columns if c.required])):
                if _another_kinds_header(above, matched, cells, chinese):
                    break
                positions = {}
                for index, key in matched.items():
                    positions.setdefault(key, index)
                repeats = {index: key for index, key in matched.items() if positions[key] != index}
                found = set(positions)
                _headings(headings, values)
            elif any(value.strip() for value in values):
                above = values
            continue
        if not any(value.strip() for value in values):
            continue
        read = set(positions.values())
        if matched and all(index in matched or not value.strip() or headings.get(index) == " ".join(value.split())
                           or (index not in read and index in headings) for index, value in enumerate(values)):
            # the English header row, a header row repeated by a merged cell, or the second row of a two-row header
            # (响应时间 | 到达时间 | 完工时间 under a merged 处理过程): its columns count as well; what stands under a
            # column of the office's own (联系人 over contact) is no data of a row that is a header elsewhere
            for index, key in matched.items():
                positions.setdefault(key, index)
            found = set(positions)
            if not records:
                _headings(headings, values)
            continue
        width = max(headings) + 1 if headings else 0
        past = next((index for index in range(width, len(values)) if values[index].strip()), None)
        if comma_separated and past is not None:
            refused.append((number, Invalid(_(
                "这一行第 %(column)s 列起的单元格在表头之外：某个值含分隔符（逗号）却没有加引号？这一行未导入",
                column=past + 1))))
            continue
        record = {key: (_cell(key, values[index]) if index < len(values) else "") for key, index in positions.items()}
        twice = next((index for index, key in sorted(repeats.items())  # a second column left empty loses nothing
                      if index < len(values) and values[index].strip()
                      and _cell(key, values[index]).strip() != record[key].strip()), None)
        if twice is not None:
            refused.append((number, Invalid.field(repeats[twice], _(
                "“%(heading)s”有两列，这一行两列的值不同（%(first)s / %(second)s）：请删去多余的一列",
                heading=headings.get(twice, repeats[twice]), first=record[repeats[twice]].strip() or _("空"),
                second=values[twice].strip() or _("空")))))
            continue
        if not any(value.strip() for value in record.values()):
            continue  # a row filled only in columns not read (a 序号 numbered in advance): an empty row
        if len(records) >= MAX_ROWS:
            raise Invalid.field("file", _("一次最多导入 %(n)s 行", n=MAX_ROWS))
        records.append((number, record))
    # a header lacking required columns is one all the same (用户名, 姓名 without 角色): it says which
    missing = [column.header() for column in kind.columns if column.required and column.key not in (found or nearest)]
    if positions is None and (len(nearest) < 2 or not missing):
        raise Invalid.field("file", _("找不到表头：模板的列名须在前 %(n)s 行内", n=HEADER_SCAN) if comma_separated
                            else _("找不到表头：模板的列名须在第一个显示的工作表的前 %(n)s 行内", n=HEADER_SCAN))
    if missing:
        raise Invalid.field("file", _("缺少必填列：%(names)s", names=_("、").join(missing)))
    used = set(positions.values()) | set(repeats)  # a heading twice is the template's, not one to ignore
    ignored = [heading for index, heading in sorted(headings.items()) if index not in used]
    return records, found, ignored, refused


def _another_kinds_header(above, matched, cells, chinese):
    """Whether the row found as the header matched on English names alone under a Chinese header of other columns
    (a work-order file read as customers: 客户 | 设备 over customer | equipment, which both kinds call so): then
    the file is another kind's, not this one's with an English header. A title over the header (one text, or one
    merged across) is no header."""
    if above is None or any(cells[index] in chinese for index in matched):
        return False
    texts = {" ".join(value.split()) for value in above if value.strip()}
    under = [index for index in matched if index < len(above) and above[index].strip()]
    return len(texts) > 1 and len(under) >= 2


def _headings(headings, values):
    """Note each column's first header text (the header row, then the header rows under it)."""
    for index, value in enumerate(values):
        text = " ".join((value or "").split())
        if text and index not in headings:
            headings[index] = text
