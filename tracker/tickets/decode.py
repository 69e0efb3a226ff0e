"""Read the QR codes of a scanned ticket: PDF pages rendered with PDFium, codes decoded with zxing-cpp.

Pure bytes in, texts out; anything that cannot be read gives no text rather than an error, so an unreadable scan
is treated exactly like a scan without a code. Work is bounded: a few pages, a capped pixel count per page.
"""

import logging
import warnings
from io import BytesIO

log = logging.getLogger(__name__)

MAX_PAGES = 2
RENDER_DPI = 200
MAX_PIXELS = 12_000_000  # per page or image; a 200 KiB file can still claim enormous pages


def qr_texts(data, kind):
    """The texts of the QR codes found in a PDF, JPEG or PNG (first pages of a PDF only), in reading order."""
    try:
        images = _pdf_pages(data) if kind == "pdf" else [_image(data)]
        texts = []
        for image in images:
            texts += _decode(image)
        return texts
    except Exception as error:  # a damaged or hostile file: no code, never a failed upload  # noqa: BLE001
        log.info("no QR code read from a %s scan: %s", kind, type(error).__name__)
        return []


def _decode(image):
    import zxingcpp

    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found if barcode.valid and barcode.text]


def _image(data):
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            image.draft("L", (image.width // 4, image.height // 4))  # JPEG: decode at a lower resolution
            if image.width * image.height > MAX_PIXELS:
                raise ValueError("image too large to look for a QR code")
        return image.convert("L")


def _pdf_pages(data):
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            width, height = page.get_size()  # points (1/72 inch)
            scale = RENDER_DPI / 72
            pixels = width * scale * height * scale
            if pixels > MAX_PIXELS:
                scale *= (MAX_PIXELS / pixels) ** 0.5
            pages.append(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
            page.close()
        return pages
    finally:
        document.close()
