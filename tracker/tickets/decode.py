"""Read the QR codes of a scanned ticket: PDF pages rendered with PDFium, codes decoded with zxing-cpp.

Pure bytes in, texts out; anything that cannot be read gives no text rather than an error, so an unreadable scan
is treated exactly like a scan without a code. Work is bounded: a few pages, a capped pixel count per page, and a
PDF is read in a process of its own with limits of time and memory (a page's drawing can cost any amount of either:
a PDF of 5 KB drawing a form within a form within a form took minutes and 22 GB before the kernel killed the
server). A PDF that goes past them is one without a code.

Run as a script (`python decode.py`), it reads a PDF on standard input and writes the texts found as JSON.
"""

import json
import math
import logging
import os
import subprocess
import sys
import warnings
from io import BytesIO

log = logging.getLogger(__name__)

MAX_PAGES = 2
RENDER_DPI = 200
MAX_PIXELS = 12_000_000  # per page or image as read for a code; a 200 KiB file can still claim enormous pages
MAX_DECODED = 40_000_000  # an image decoded whole, then reduced to MAX_PIXELS: an A4 page scanned at 600 dpi (35 MP)
PDF_SECONDS = 10  # a ticket's pages render in well under a second
PDF_MEMORY = 1 << 30  # address space of the reading process: the interpreter, PDFium, two pages of 12 MP


def qr_texts(data, kind):
    """The texts of the QR codes found in a PDF, JPEG or PNG (first pages of a PDF only), in reading order."""
    try:
        return _pdf_texts(data) if kind == "pdf" else _decode(_image(data))
    except Exception as error:  # a damaged or hostile file: no code, never a failed upload  # noqa: BLE001
        log.info("no QR code read from a %s scan: %s", kind, type(error).__name__)
        return []


def _pdf_texts(data):
    """qr_texts of a PDF, read by this file run as a script in a child process within PDF_SECONDS and PDF_MEMORY."""
    try:
        # one malloc arena: the address-space limit counts each arena's reservation, not what is used (about 45 MB
        # for a ticket's two pages)
        done = subprocess.run([sys.executable, "-I", os.path.abspath(__file__)], input=data, capture_output=True,
                              timeout=PDF_SECONDS, check=False, env={**os.environ, "MALLOC_ARENA_MAX": "1"})
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"reading the PDF took more than {PDF_SECONDS} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"the PDF reader stopped with {done.returncode}: {done.stderr[-200:]!r}")
    texts = json.loads(done.stdout)
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise ValueError("the PDF reader answered no list of texts")
    return texts


def _limit_self():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (PDF_MEMORY, PDF_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (PDF_SECONDS, PDF_SECONDS))


def _main():
    _limit_self()
    texts = []
    for image in _pdf_pages(sys.stdin.buffer.read()):
        texts += _decode(image)
    sys.stdout.write(json.dumps(texts))


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
        pixels = image.width * image.height
        if pixels > MAX_DECODED:
            raise ValueError("image too large to look for a QR code")
        image = image.convert("L")
        if pixels > MAX_PIXELS:  # a PNG scanned at 400 or 600 dpi: read at a lower resolution, as a JPEG is
            image = image.reduce(math.ceil((pixels / MAX_PIXELS) ** 0.5))
        return image


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


if __name__ == "__main__":
    _main()
