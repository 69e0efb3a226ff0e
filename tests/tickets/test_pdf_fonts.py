"""The fonts of the printed PDFs: embedded as TrueType, so a ticket is small, and drawn as WeasyPrint drew them."""

from io import BytesIO

import pytest

from tests.conftest import login
from tests.tickets.support import SCAN_LIMIT, ticket_pdf


def _fonts(pdf):
    """(CIDFont subtype, font file key) of every embedded CID font of the document."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object().get("/DescendantFonts", []):
                descendant = descendant.get_object()
                descriptor = descendant["/FontDescriptor"].get_object()
                files = [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
                found.append((descendant["/Subtype"], tuple(files)))
    return found


def _weasyprint_alone(app, client, path):
    """The same page as a PDF made by WeasyPrint without our finisher (the fonts as WeasyPrint embeds them)."""
    import weasyprint

    from tracker.sheets.pdf import _static_fetcher

    html = client.get(path).get_data(as_text=True)
    with app.test_request_context():
        fetcher = _static_fetcher(weasyprint, app.static_folder)
        return weasyprint.HTML(string=html, base_url="http://localhost/", url_fetcher=fetcher).write_pdf()


def _pixels(pdf):
    import pypdfium2

    return [page.render(scale=2).to_pil().convert("L") for page in pypdfium2.PdfDocument(pdf)]


def test_the_ticket_embeds_its_fonts_as_truetype_and_draws_the_same_page(app, client, orders):
    from PIL import ImageChops

    login(client, "office")
    ours = ticket_pdf(client, orders[0].id)
    fonts = _fonts(ours)
    assert fonts and all(found == ("/CIDFontType2", ("/FontFile2",)) for found in fonts), fonts
    theirs = _weasyprint_alone(app, client, f"/work-orders/{orders[0].id}/ticket?size=a5")
    assert len(ours) * 5 < len(theirs)  # 30 KB against 300 KB
    before, after = _pixels(theirs), _pixels(ours)
    assert len(before) == len(after) == 1
    difference = ImageChops.difference(before[0], after[0])
    assert difference.getbbox() is None or max(difference.getextrema()) < 64  # anti-aliasing, not another glyph
    assert difference.point(lambda value: 255 if value >= 64 else 0).getbbox() is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_ticket_of_many_distinct_characters_stays_within_the_scan_limit(client, make_order, language):
    text = "".join(chr(0x4E00 + step * 37) for step in range(400))  # 400 different ideographs
    order = make_order(number="WO-MANY", description=text)
    login(client, "office")
    client.post(f"/lang/{language}", data={"next": "/"})
    pdf = ticket_pdf(client, order.id)
    assert len(pdf) <= SCAN_LIMIT, len(pdf)
    from pypdf import PdfReader

    printed = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert text[:50] in printed.replace("\n", "")
    assert "\u3000" not in printed  # the footer's full-width space stood in the English ticket too


@pytest.mark.parametrize("size", ["a5", "a4"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_label_of_the_ticket_stays_in_its_own_cell(client, make_order, language, size):
    """English "Fault description" was drawn over the description beside it (labels kept on one line in a column
    of a fixed 16%): no label's characters may reach the text of its row."""
    pypdfium2 = pytest.importorskip("pypdfium2")
    order = make_order(number="WO-LABELS", description="描述文字 Description text")
    login(client, "office")
    client.post(f"/lang/{language}", data={"next": "/"})
    page = pypdfium2.PdfDocument(ticket_pdf(client, order.id, size=size))[0]
    text = page.get_textpage()
    chars = [(text.get_text_range(index, 1), text.get_charbox(index)) for index in range(text.count_chars())]
    chars = [(char, box) for char, box in chars if char.strip()]  # a label may wrap in its cell
    joined = "".join(char for char, _box in chars)
    label = "故障描述" if language == "zh" else "Faultdescription"
    start, value = joined.index(label), joined.index("描述文字")
    label_right = max(box[2] for _char, box in chars[start:start + len(label)])
    value_left = min(box[0] for _char, box in chars[value:value + 4])
    assert label_right < value_left, (label_right, value_left)
