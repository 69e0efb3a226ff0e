"""Names that become parts of file and folder names (CONTRACT 5 and 6)."""

import os
import unicodedata

from flask_babel import gettext as _

from tracker.errors import Invalid

FORBIDDEN = set('\\/:*?"<>|')
PART_MAX = 40
# as sent, before NFC: normalising may compose up to four code points into one character, so a request may send
# this many and the 40 are counted after normalising
PART_MAX_SENT = 4 * PART_MAX
# A file or folder name holds at most 255 bytes (ext4, XFS, NFS), and 40 Chinese characters are 120: the canonical
# name must leave room for a scan's "-<work order number>" (up to 33 bytes), an older version's ".v<N>-<k>" and the
# extension
CANONICAL_BYTES_MAX = 200


def clean_part(value, field, required=True):
    """NFC-normalise a customer, equipment or service-type name and refuse what cannot be part of a file name."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid.field(field, _("须为文字"))
    value = unicodedata.normalize("NFC", value)
    if not value:
        if required:
            raise Invalid.field(field, _("必填"))
        return value
    if len(value) > PART_MAX:
        raise Invalid.field(field, _("最多 %(n)s 个字符", n=PART_MAX))
    for char in value:
        kind = unicodedata.category(char)
        if char in FORBIDDEN:
            raise Invalid.field(field, _("不能包含 \\ / : * ? \" < > | 这些字符"))
        if kind == "Cc":
            raise Invalid.field(field, _("不能包含控制字符（U+%(code)04X）", code=ord(char)))
        if kind in ("Cf", "Zl", "Zp"):  # not seen where the name is shown, but part of the file's name
            raise Invalid.field(field, _("不能包含看不见的格式字符（U+%(code)04X）", code=ord(char)))
    if value[0] == "." or value[-1] == "." or value[0].isspace() or value[-1].isspace():  # any space: U+3000 too
        raise Invalid.field(field, _("开头和结尾不能是点或空格"))
    return value


def check_canonical(name, field):
    """Refuse a canonical name (CONTRACT 5) too long to be a file name, naming `field`."""
    size = len(name.encode())
    if size > CANONICAL_BYTES_MAX:
        raise Invalid.field(field, _("规范名称（服务日期 + 客户 + 设备 + 服务类型）有 %(size)s 字节，作为文件名最多 "
                                     "%(max)s 字节（一个汉字占 3 字节）：请缩短客户、设备或服务类型", size=size,
                                     max=CANONICAL_BYTES_MAX))


# the instance's folders an administrator may move to another disk and link back (a growing archive, the photos)
LINKABLE = ("archive", "photos")


def inside(root, *parts, linked=()):
    """Join parts under root and make sure the result lies inside root (refuses anything that escapes), as a path
    under root itself. A folder right under root named in `linked` may be a link to another disk; below it, and
    anywhere else, nothing may lead out."""
    root = os.path.abspath(root)
    path = os.path.normpath(os.path.join(root, *parts))
    if os.path.commonpath([root, path]) != root or path == root:
        raise Invalid(_("文件路径无效"))
    first = os.path.relpath(path, root).split(os.sep)[0]
    anchor = os.path.realpath(os.path.join(root, first) if first in linked else root)
    real = os.path.realpath(path)
    if real != anchor and os.path.commonpath([anchor, real]) != anchor:
        raise Invalid(_("文件路径无效"))
    return path
