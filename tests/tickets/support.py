"""A printed ticket as a back office would scan it: rendered at 150 dpi, grey, a little crooked, JPEG in a PDF."""

from io import BytesIO

from tests.conftest import skip_or_fail

SCAN_LIMIT = 204_800


def ticket_pdf(client, order_id, size="a5"):
    """The ticket's PDF, fetched as the logged-in user; skips (fails in CI) where WeasyPrint cannot run."""
    response = client.get(f"/work-orders/{order_id}/ticket.pdf?size={size}")
    if response.status_code == 503:
        skip_or_fail("PDF rendering (WeasyPrint with Pango) is not available")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response.data


def scanned(pdf, dpi=150, rotate=1.5, quality=60, as_pdf=True):
    """The first page rendered at `dpi`, turned grey and by `rotate` degrees, saved as JPEG (quality) in a PDF."""
    try:
        import pypdfium2
    except ImportError:
        skip_or_fail("pypdfium2 is not installed")
    from PIL import Image

    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    image = image.rotate(rotate, resample=Image.BICUBIC, expand=True, fillcolor=255)
    out = BytesIO()
    if as_pdf:
        image.save(out, format="PDF", resolution=dpi, quality=quality)
    else:
        image.save(out, format="JPEG", quality=quality)
    data = out.getvalue()
    assert len(data) <= SCAN_LIMIT, len(data)
    return data
