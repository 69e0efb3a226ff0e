"""What every workbook Tracker writes shares: column widths that fit their text, and the print setup."""

import unicodedata

from openpyxl.worksheet.properties import PageSetupProperties

PAGE_NUMBERS = "第 &P 页，共 &N 页"


def text_width(text):
    """Columns a text needs in a spreadsheet: CJK (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def print_setup(sheet, title=None, title_rows="1:1"):
    """Landscape A4, fitted to the page width, `title_rows` repeated on every page, page numbers in the footer.

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
    sheet.oddFooter.center.text = PAGE_NUMBERS
