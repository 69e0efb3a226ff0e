"""Looking for a ticket's QR code costs bounded time and memory, whatever the PDF draws (a 5 KB PDF drawing a form
of a form of a form of rectangles ran a server out of its 22 GB before the kernel killed it)."""

import time

from tests.workorders.conftest import upload
from tracker.tickets import decode
from tracker.workorders.models import Scan

CANONICAL_A = "20261015旗滨玻璃1号机常规保养"


def nested_forms_pdf(levels=3, repeat=100):
    """A valid PDF of a few KB whose page draws a form `repeat` times, which draws another, ... `levels` deep, the
    innermost filling `repeat` tiny rectangles: repeat ** (levels + 1) fills in all."""
    def stream(data, extra=b""):
        return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"

    form = b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               10: stream(b"0.5 0.5 0.3 0.3 re f\n" * repeat, form)}
    for level in range(1, levels):
        objects[10 + level] = stream(b"/F Do\n" * repeat, form + b"/Resources << /XObject << /F %d 0 R >> >> "
                                     % (10 + level - 1))
    objects[4] = stream(b"/F Do\n" * repeat)
    objects[3] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                  b"/Resources << /XObject << /F %d 0 R >> >> >>" % (10 + levels - 1))
    out, offsets = b"%PDF-1.4\n", {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n"
                    for n in range(1, size))
    return out + b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)


def test_a_pdf_that_draws_without_end_is_read_as_one_without_a_code_within_the_limits():
    hostile = nested_forms_pdf()
    assert len(hostile) < 6000
    start = time.monotonic()
    assert decode.qr_texts(hostile, "pdf") == []
    assert time.monotonic() - start < decode.PDF_SECONDS + 5  # stopped by the limits, not drawn to the end


def test_such_a_pdf_under_its_canonical_name_is_archived_and_under_another_refused(app, client, token, orders):
    hostile = nested_forms_pdf()

    def send(name):
        return client.post(f"/api/v1/work-orders/{orders[0].id}/scan", data={"file": upload(name, hostile)},
                           content_type="multipart/form-data", headers=token("office"))

    response = send("scan0001.pdf")
    assert response.status_code == 422 and response.get_json()["error"]["expected"] == f"{CANONICAL_A}.pdf"
    response = send(f"{CANONICAL_A}.pdf")
    assert response.status_code == 201, response.get_json()
    assert Scan.query.one().name == f"{CANONICAL_A}.pdf"


def test_a_black_and_white_png_scanned_at_600_dpi_is_read():
    """An A4 page at 400 or 600 dpi (a common scanner setting, 73–136 KB as bi-tonal PNG) was refused as too large
    to look for a code, so the scan needed its canonical name; it is read at a lower resolution, as a JPEG is."""
    import io

    import segno
    from PIL import Image

    code = segno.make("TRACKER-WO:WO20261015-001#7:abc", error="m")
    symbol = io.BytesIO()
    code.save(symbol, kind="png", scale=40, border=4)  # 40 pixels a module: 1.7 mm at 600 dpi
    page = Image.new("1", (4961, 7016), 1)  # A4 at 600 dpi
    page.paste(Image.open(symbol).convert("1"), (3600, 300))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) <= 204_800
    assert decode.qr_texts(out.getvalue(), "png") == ["TRACKER-WO:WO20261015-001#7:abc"]
    huge = io.BytesIO()
    Image.new("1", (9000, 9000), 1).save(huge, format="PNG", optimize=True)  # 81 MP: not decoded at all
    assert decode.qr_texts(huge.getvalue(), "png") == []
