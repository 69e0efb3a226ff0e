"""In a real browser at phone width: an engineer photographs a job; back-office uploads a scan with a wrong name."""

import os

import pytest

from tests.conftest import PASSWORD
from tests.workorders.conftest import CANONICAL, PDF, image_bytes

pytestmark = pytest.mark.e2e


def sign_in(page, server, username):
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_engineer_uploads_photos_from_a_phone(live_server, phone, make_order, screenshot_dir, tmp_path):
    order = make_order()
    shots = []
    for n in (1, 2):
        path = tmp_path / f"IMG_000{n}.jpg"
        path.write_bytes(image_bytes(size=(800, 600)))
        shots.append(str(path))
    sign_in(phone, live_server, "eng1")
    phone.goto(f"{live_server}/work-orders/{order.id}")
    assert CANONICAL in phone.inner_text("#canonical-name")
    phone.set_input_files("input[name=files]", shots)
    phone.click("#photos ~ form [type=submit]")
    phone.wait_for_selector(f"img[alt='{CANONICAL}-02.jpg']")
    assert fits(phone)
    # each caption keeps its number in view (the canonical name before it is what a narrow card cuts)
    numbers = phone.eval_on_selector_all(
        ".photo-name",
        "els => els.map(e => { const n = e.querySelector('.photo-number'); const box = e.getBoundingClientRect();"
        " const r = n && n.getBoundingClientRect();"
        " return [e.title, n ? n.textContent : null, !!r && r.left >= box.left && r.right <= box.right + 0.5]; })",
    )
    assert numbers == [[f"{CANONICAL}-01.jpg", "-01.jpg", True], [f"{CANONICAL}-02.jpg", "-02.jpg", True]]
    phone.screenshot(path=os.path.join(screenshot_dir, "workorder-photos-phone.png"), full_page=True)


def test_back_office_sees_why_a_scan_was_refused(live_server, phone, make_order, screenshot_dir, tmp_path):
    order = make_order()
    wrong = tmp_path / "scan.pdf"
    wrong.write_bytes(PDF)
    sign_in(phone, live_server, "office")
    phone.goto(f"{live_server}/work-orders/{order.id}/scan")
    assert CANONICAL + ".pdf" in phone.inner_text("#expected-names")
    phone.set_input_files("input[name=file]", str(wrong))
    phone.click("[type=submit][name=submit]")
    assert phone.inner_text("#expected") == CANONICAL + ".pdf"
    phone.screenshot(path=os.path.join(screenshot_dir, "workorder-scan-refused-phone.png"), full_page=True)
    assert fits(phone)


def test_a_bulk_refusal_keeps_the_expected_name_under_its_label_on_a_phone(live_server, phone, make_order, tmp_path):
    """The expected name stood as a narrow column of its own beside the message (the card's cell lays its children
    side by side): five characters a line, away from 应为："""
    make_order()
    wrong = tmp_path / f"{CANONICAL} (2).pdf"
    wrong.write_bytes(PDF)
    sign_in(phone, live_server, "office")
    phone.goto(f"{live_server}/work-orders/scans")
    phone.set_input_files("input[name=files]", str(wrong))
    phone.click("main form [type=submit]")
    code = phone.wait_for_selector("tr[data-status] code")
    cell = code.evaluate_handle("e => e.closest('td')").as_element().bounding_box()
    box = code.bounding_box()
    assert code.inner_text() == CANONICAL + ".pdf"
    # beside the cell's label (5.5rem), under the message, a line wide
    assert box["x"] - cell["x"] < 120 and box["width"] > 150, (box, cell)
    assert fits(phone)
