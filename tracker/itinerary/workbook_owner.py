"""Whose itinerary workbook a file is: the export records the engineer (by id: a username may be changed) in the
workbook's properties, and the import refuses a file recorded for someone else. The file name and the sheets' titles
name the engineer by display name only, which two engineers may share (两位张三): one's file went into the other's
months."""

import re
import unicodedata

from flask_babel import gettext as _
from openpyxl.packaging.custom import StringProperty

from tracker import validation, xlsx
from tracker.auth.models import User
from tracker.errors import Invalid
from tracker.extensions import db

OWNER = "Tracker engineer"  # a custom document property (文件 → 属性 → 自定义 in Excel)
TITLE_RE = re.compile(r"^\d{4}年.*工作行程表 — \d{1,2}月$")  # workbook.sheet_title()'s form


def mark(book, engineer):
    """Record in `book` whose workbook it is."""
    book.custom_doc_props.append(StringProperty(name=OWNER, value=str(engineer.id)))


def check(book, engineer):
    """422 when `book` was exported for another engineer (a file without the record, made by hand or by an earlier
    release, is read as before)."""
    try:
        owner = str(book.custom_doc_props[OWNER].value)
    except (KeyError, AttributeError):
        return
    if owner != str(engineer.id):
        other = db.session.get(User, int(owner)) if re.fullmatch(r"[0-9]{1,11}", owner) else None  # not "²"
        raise Invalid.field("file", _("这份行程表导出时属于 %(owner)s，不是 %(name)s（%(username)s）：未导入任何内容",
                                      owner=_("%(name)s（%(username)s）", name=other.display_name,
                                              username=other.username) if other is not None
                                      else _("另一位用户"), name=engineer.display_name, username=engineer.username))


def check_title(sheet, expected):
    """422 when the sheet's title cell (A1) is an export's title other than `expected`; a title written by hand, or
    none, is not read."""
    written = sheet["A1"].value
    written = xlsx.text(written) if isinstance(written, str) else written  # as written: _x005F_x0041_ is _x0041_
    title, expected = (unicodedata.normalize("NFC", " ".join(str(text or "").split())) for text in (written, expected))
    if TITLE_RE.match(title) and title != expected:
        raise Invalid.field("file", _("工作表“%(sheet)s”的标题是“%(title)s”，不是“%(expected)s”：这似乎是另一位工程师"
                                      "或另一年的行程表，未导入任何内容（若确是本表，请把 A1 单元格改为“%(expected)s”）",
                                      sheet=sheet.title, title=validation.safe_filename(title), expected=expected))
