"""Scans that name themselves by the QR code of the printed ticket (CONTRACT 6), single and bulk upload."""

import os

import pytest

from tests.conftest import login
from tests.tickets.conftest import SECRET, qr_png, ticket_qr_png
from tests.tickets.support import SCAN_LIMIT, scanned, ticket_pdf
from tests.workorders.conftest import PDF, upload
from tracker.extensions import db
from tracker.tickets import qr
from tracker.workorders.models import Scan

CANONICAL_A = "20261015旗滨玻璃1号机常规保养"
CANONICAL_B = "20261016旗滨玻璃2号机维修"


def _archived(app):
    folder = os.path.join(app.instance_path, "archive", "旗滨玻璃")
    return sorted(name for name in os.listdir(folder) if not name.startswith(".")) if os.path.isdir(folder) else []


def _rows(page):
    """(status, by-QR badge shown, text) of each row of the bulk result table."""
    rows = page.split('<tr data-status="')[1:]
    return [(row.split('"')[0], 'class="badge bg-info text-dark by-qr"' in row.split("</tr>")[0],
             row.split("</tr>")[0]) for row in rows]


def test_a_printed_ticket_scanned_badly_and_called_scan0001_is_archived_under_its_canonical_name(app, client, orders):
    login(client, "office")
    pdf = ticket_pdf(client, orders[0].id)
    scan = scanned(pdf, dpi=150, rotate=1.5, quality=60)  # grey, crooked, JPEG q60 in a PDF, <= 200 KiB
    response = client.post("/work-orders/scans", data={"files": [upload("scan0001.pdf", scan)]})
    assert response.status_code == 200
    [(status, by_qr, text)] = _rows(response.get_data(as_text=True))
    assert status == "attached" and by_qr, text
    assert "按二维码识别" in text and f"{CANONICAL_A}.pdf" in text
    assert _archived(app) == [f"{CANONICAL_A}.pdf"]
    with open(os.path.join(app.instance_path, "archive", "旗滨玻璃", f"{CANONICAL_A}.pdf"), "rb") as stored:
        assert stored.read() == scan
    assert db.session.query(Scan).one().work_order_id == orders[0].id


def test_a_bulk_batch_mixes_qr_named_and_name_named_files(app, client, orders):
    login(client, "office")
    response = client.post("/work-orders/scans", data={"files": [
        upload("IMG_2041.PNG", ticket_qr_png("WO-B")), upload(f"{CANONICAL_A}.pdf", PDF)]})
    rows = _rows(response.get_data(as_text=True))
    assert [(status, by_qr) for status, by_qr, _text in rows] == [("attached", True), ("attached", False)]
    assert _archived(app) == [f"{CANONICAL_A}.pdf", f"{CANONICAL_B}.png"]


def test_bulk_refuses_a_file_named_for_one_order_carrying_the_qr_of_another(app, client, orders):
    login(client, "office")
    response = client.post("/work-orders/scans", data={"files": [upload(f"{CANONICAL_A}.png",
                                                                        ticket_qr_png("WO-B"))]})
    [(status, _by_qr, text)] = _rows(response.get_data(as_text=True))
    assert status == "refused"
    assert "WO-A" in text and "WO-B" in text and "二维码" in text
    assert f"<code>{CANONICAL_B}.png</code>" in text  # the name under which it would be accepted
    assert _archived(app) == []


def test_bulk_file_with_an_unreadable_code_and_a_wrong_name_matches_nothing_and_says_why(app, client, orders):
    login(client, "office")
    pdf = ticket_pdf(client, orders[0].id)
    blurred = scanned(pdf, dpi=20, rotate=0, quality=20)  # far too coarse for any code
    response = client.post("/work-orders/scans", data={"files": [upload("scan0002.pdf", blurred)]})
    [(status, _by_qr, text)] = _rows(response.get_data(as_text=True))
    assert status == "no_match" and "未能识别服务单二维码" in text
    assert _archived(app) == []


def test_a_forged_or_foreign_qr_code_names_nothing(app, client, orders):
    login(client, "office")
    forged = qr_png("TRACKER-WO:WO-A:AAAAAAAA")
    foreign = qr_png("https://example.com/equipment/1")
    response = client.post("/work-orders/scans", data={"files": [upload("a.png", forged), upload("b.png", foreign)]})
    assert [status for status, *_rest in _rows(response.get_data(as_text=True))] == ["no_match", "no_match"]
    assert _archived(app) == []


def test_a_qr_code_of_an_order_outside_the_uploaders_scope_names_nothing(app, client, orders, make_order):
    other = make_order(number="WO-C", engineer="eng3", equipment="3号机")
    login(client, "mgr")
    response = client.post("/work-orders/scans", data={"files": [upload("x.png", ticket_qr_png(other.number))]})
    [(status, _by_qr, text)] = _rows(response.get_data(as_text=True))
    assert status == "no_match" and "WO-C" in text
    assert _archived(app) == []


# ---- the single upload (web page and API) ---------------------------------------------------------

def test_single_upload_accepts_any_name_with_this_orders_qr_code(app, api, orders):
    response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                   data={"file": upload("scan0001.png", ticket_qr_png("WO-A"))}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == f"{CANONICAL_A}.png"
    assert _archived(app) == [f"{CANONICAL_A}.png"]


def test_a_ticket_names_its_order_by_id_so_a_renumbered_order_keeps_it_and_the_new_holder_does_not_get_it(
        app, api, client, orders, make_order):
    """The code carried the number only: after WO-A was renumbered, its own printed ticket was refused, and once
    another order took the number WO-A the ticket was archived as that order's (another customer's) scan."""
    printed = qr_png(qr.payload("WO-A", SECRET, orders[0].id))
    assert api("PATCH", f"/work-orders/{orders[0].id}", "office", json={"number": "WO-A2"}).status_code == 200
    newcomer = make_order(number="WO-A", customer="南方水泥")
    response = api("POST", f"/work-orders/{newcomer.id}/scan", "office",
                   data={"file": upload("scan0001.png", printed)}, content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["error"]["qr_work_order"] == "WO-A2"
    response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                   data={"file": upload("scan0001.png", printed)}, content_type="multipart/form-data")
    assert response.status_code == 201 and response.get_json()["name"] == f"{CANONICAL_A}.png"
    login(client, "office")  # the bulk upload sends it to its own order as well
    [(status, by_qr, text)] = _rows(client.post("/work-orders/scans", data={
        "files": [upload("scan0002.png", printed)]}).get_data(as_text=True))
    assert status == "attached" and by_qr and "WO-A2" in text, text
    assert {scan.work_order_id for scan in db.session.query(Scan)} == {orders[0].id}


def test_single_upload_refuses_the_qr_code_of_another_order_even_under_the_canonical_name(app, api, orders):
    for name in ("scan0001.png", f"{CANONICAL_A}.png"):
        response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                       data={"file": upload(name, ticket_qr_png("WO-B"))}, content_type="multipart/form-data")
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert error["expected"] == f"{CANONICAL_A}.png" and error["qr_work_order"] == "WO-B"
        assert "WO-B" in error["message"]
    assert _archived(app) == []


def test_single_upload_of_a_wrongly_named_file_without_a_readable_code_is_refused_with_the_expected_name(api, orders):
    response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                   data={"file": upload("scan0001.pdf", PDF)}, content_type="multipart/form-data")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["expected"] == f"{CANONICAL_A}.pdf" and "二维码" in error["message"]
    assert "收到的文件名是 scan0001.pdf" in error["message"]  # the name refused was never said (a phone's gallery)
    response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                   data={"file": upload("scan0001", PDF)}, content_type="multipart/form-data")
    assert "收到的文件名是 scan0001；" in response.get_json()["error"]["message"]


def test_the_web_page_says_the_qr_code_named_the_scan(app, client, orders):
    login(client, "office")
    response = client.post(f"/work-orders/{orders[0].id}/scan", data={"file": upload("scan.png", ticket_qr_png("WO-A"))},
                           follow_redirects=True)
    assert "按服务单二维码识别" in response.get_data(as_text=True)
    assert _archived(app) == [f"{CANONICAL_A}.png"]


def test_size_and_type_rules_still_come_first(api, orders):
    big = ticket_qr_png("WO-A") + b"\0" * 210_000
    response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                   data={"file": upload("scan0001.png", big)}, content_type="multipart/form-data")
    assert response.status_code == 413
    response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                   data={"file": upload("scan0001.pdf", ticket_qr_png("WO-A"))}, content_type="multipart/form-data")
    assert response.status_code == 415



@pytest.mark.parametrize("size", ["a5", "a4"])
def test_the_printed_ticket_pdf_itself_is_a_scan_of_any_name(app, client, api, orders, size):
    """The ticket's own PDF (a signed copy returned by e-mail, say) carries its code and fits the scan limit:
    with the fonts embedded as CFF it was 300 KB and refused with 413."""
    login(client, "office")
    pdf = ticket_pdf(client, orders[0].id, size)
    assert len(pdf) <= SCAN_LIMIT, len(pdf)
    response = api("POST", f"/work-orders/{orders[0].id}/scan", "office",
                   data={"file": upload("服务单.pdf", pdf)}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == f"{CANONICAL_A}.pdf"
    assert _archived(app) == [f"{CANONICAL_A}.pdf"]
