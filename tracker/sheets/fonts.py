"""Smaller PDFs: the CJK fonts WeasyPrint embeds, turned from CFF into TrueType outlines.

WeasyPrint keeps a subset font's glyph ids (the text refers to them), so the subset of Noto Sans CJK SC still lists its
63,000 glyph slots, the Simplified Chinese forms being at the end. In a CFF font every empty slot costs an offset that
does not compress: one weight was 145 KB in the file, and a service ticket (two weights) 300 KB, over the 200 KiB a
scanned ticket may have. In TrueType an empty glyph is an offset repeated, which compresses to almost nothing: the
ticket is about 30 KB. The outlines are the same curves in quadratic form (within one font unit), the glyph ids,
widths and text are unchanged. A font this cannot read is left as it was.
"""

import io
import logging
import struct
from array import array

import pydyf
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.sfnt import SFNTWriter

log = logging.getLogger(__name__)

KEPT_TABLES = ("cmap", "hhea", "hmtx", "name", "OS/2")  # vertical metrics go: the pages are written horizontally


def _glyph(charstring, glyf):
    """One glyph's TrueType data (padded to 4 bytes) and its point and contour counts."""
    pen = TTGlyphPen(None)
    charstring.draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
    glyph = pen.glyph()
    glyph.recalcBounds(glyf)
    data = glyph.compile(glyf)
    data += b"\0" * (-len(data) % 4)
    contours = max(glyph.numberOfContours, 0)
    return data, (len(glyph.coordinates) if contours else 0), contours


def truetype(data):
    """The TrueType font with the glyphs (same ids, metrics and character map) of an OpenType CFF subset font."""
    font = TTFont(io.BytesIO(data), lazy=True)
    raw = {tag: font.reader[tag] for tag in (*KEPT_TABLES, "head", "maxp", "post") if tag in font.reader}
    count = struct.unpack(">H", raw["maxp"][4:6])[0]
    charstrings = font["CFF "].cff.topDictIndex[0].CharStrings.charStringsIndex
    offsets = charstrings.offsets  # read with the index; a glyph the subset emptied is one byte (endchar)
    used = [gid for gid in range(count) if gid == 0 or offsets[gid + 1] - offsets[gid] > 1]
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = [], {}
    pieces, points, contours = {}, 0, 0
    for gid in used:
        pieces[gid], glyph_points, glyph_contours = _glyph(charstrings[gid], glyf)
        points, contours = max(points, glyph_points), max(contours, glyph_contours)
    loca, position = array("I", bytes(4 * (count + 1))), 0
    for gid in range(count):
        loca[gid] = position
        position += len(pieces.get(gid, b""))
    loca[count] = position
    loca.byteswap()  # big-endian in the file
    head = bytearray(raw["head"])
    head[50:54] = struct.pack(">hh", 1, 0)  # long offsets in loca, glyph data format 0
    tables = {tag: raw[tag] for tag in KEPT_TABLES if tag in raw}
    tables.update({
        "head": bytes(head),
        "maxp": struct.pack(">IHHH" + "H" * 11, 0x00010000, count, points, contours, 0, 0, 1, *([0] * 8)),
        "post": struct.pack(">I", 0x00030000) + raw["post"][4:32],  # version 3: no glyph names
        "glyf": b"".join(pieces[gid] for gid in sorted(pieces)),
        "loca": loca.tobytes(),
    })
    out = io.BytesIO()
    writer = SFNTWriter(out, len(tables), sfntVersion="\0\1\0\0")
    for tag in sorted(tables):
        writer[tag] = tables[tag]
    writer.close()
    return out.getvalue()


def _references(pdf, key, reference):
    return [item for item in pdf.objects if isinstance(item, pydyf.Dictionary) and item.get(key) == reference]


def embed_truetype(document, pdf):
    """A WeasyPrint finisher: each embedded OpenType CFF font becomes a TrueType one (FontFile2, CIDFontType2)."""
    for stream in list(pdf.objects):
        if not isinstance(stream, pydyf.Stream) or stream.extra.get("Subtype") != "/OpenType":
            continue
        try:
            data = truetype(b"".join(stream.stream))
        except Exception:  # noqa: BLE001 - a font this cannot read is embedded as WeasyPrint made it
            log.warning("embedded font left as CFF", exc_info=True)
            continue
        stream.stream = [data]
        stream.extra = pydyf.Dictionary({"Length1": len(data)})
        for descriptor in _references(pdf, "FontFile3", stream.reference):
            descriptor["FontFile2"] = descriptor.pop("FontFile3")
            for cid_font in _references(pdf, "FontDescriptor", descriptor.reference):
                cid_font["Subtype"] = "/CIDFontType2"
