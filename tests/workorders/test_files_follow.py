"""An order's files keep its names (CONTRACT 6): when its service date, customer, equipment or service type change
(its canonical name) or its engineer (the photos' folder), the current scan and the photos move with it."""

import os
from datetime import datetime

from sqlalchemy import select

from tests.conftest import login
from tests.imports.test_imports import _csv, _upload
from tests.workorders.conftest import CANONICAL, PDF, image_bytes, upload
from tracker.extensions import db
from tracker.imports import kinds
from tracker.workorders.models import Photo, Scan


def post_scan(api, order, name, data=PDF):
    return api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(name, data)},
               content_type="multipart/form-data")


def stored(app, relative):
    return os.path.exists(os.path.join(app.instance_path, relative))


def test_the_scan_follows_a_change_of_equipment_and_customer_and_frees_the_old_name(app, api, make_order):
    """Found by a probe: the scan kept the old name, and the order that really had it then got "-<number>"."""
    first = make_order(number="WO-A")
    assert post_scan(api, first, CANONICAL + ".pdf").status_code == 201
    changed = api("PATCH", f"/work-orders/{first.id}", "office", json={"equipment": "2号机"}).get_json()
    new = "20261015旗滨玻璃2号机常规保养"
    assert changed["canonical_name"] == new
    scan = db.session.scalar(select(Scan))
    assert (scan.name, scan.path) == (new + ".pdf", f"archive/旗滨玻璃/{new}.pdf")
    assert stored(app, scan.path) and not stored(app, f"archive/旗滨玻璃/{CANONICAL}.pdf")
    second = make_order(number="WO-B")  # now the only order named CANONICAL: it gets the plain name
    assert post_scan(api, second, CANONICAL + ".pdf", PDF + b"% B\n").get_json()["name"] == CANONICAL + ".pdf"
    api("PATCH", f"/work-orders/{first.id}", "office", json={"customer": "南方水泥"})
    scan = db.session.get(Scan, scan.id)
    assert scan.path == "archive/南方水泥/20261015南方水泥2号机常规保养.pdf" and stored(app, scan.path)
    client = app.test_client()
    login(client, "office")
    download = client.get(f"/work-orders/{first.id}/scans/{scan.id}")
    assert download.status_code == 200 and download.data == PDF


def test_a_time_that_moves_the_service_date_renames_the_scan_with_a_suffix_when_the_name_is_taken(
        app, api, make_order):
    taken = make_order(number="WO-T", arrived_at=datetime(2026, 10, 16, 9, 0))
    assert post_scan(api, taken, "20261016旗滨玻璃1号机常规保养.pdf").status_code == 201
    order = make_order(number="WO-M")
    assert post_scan(api, order, CANONICAL + ".pdf", PDF + b"% M\n").status_code == 201
    assert api("PATCH", f"/work-orders/{order.id}", "eng1", json={"arrived_at": "2026-10-16T10:00"}).status_code == 200
    scan = db.session.scalar(select(Scan).where(Scan.work_order_id == order.id))
    assert scan.name == "20261016旗滨玻璃1号机常规保养-WO-M.pdf" and stored(app, scan.path)
    assert stored(app, "archive/旗滨玻璃/20261016旗滨玻璃1号机常规保养.pdf")  # the other order's file untouched


def test_a_refused_change_moves_nothing(app, api, make_order):
    order = make_order()
    assert post_scan(api, order, CANONICAL + ".pdf").status_code == 201
    response = api("PATCH", f"/work-orders/{order.id}", "office", json={"equipment": "2号机", "rework_of": "NOPE"})
    assert response.status_code == 422
    assert db.session.scalar(select(Scan)).name == CANONICAL + ".pdf"
    assert stored(app, f"archive/旗滨玻璃/{CANONICAL}.pdf")


def test_photos_follow_the_canonical_name_and_the_engineer(app, api, make_order):
    order = make_order()
    parts = {"files": [upload("a.jpg", image_bytes()), upload("b.png", image_bytes("PNG"))]}
    assert api("POST", f"/work-orders/{order.id}/photos", "eng1", data=parts,
               content_type="multipart/form-data").status_code == 201
    api("PATCH", f"/work-orders/{order.id}", "office", json={"service_type": "维修", "engineer": "eng2"})
    new = "20261015旗滨玻璃1号机维修"
    photos = db.session.scalars(select(Photo).order_by(Photo.id)).all()
    assert [p.name for p in photos] == [f"{new}-01.jpg", f"{new}-02.png"]
    assert all(p.path.startswith(f"photos/eng2/{new}/") and stored(app, p.path) and stored(app, p.thumb_path)
               for p in photos)
    assert not os.path.exists(os.path.join(app.instance_path, "photos", "eng1", CANONICAL))  # no empty folder left


def test_photos_of_an_order_left_without_an_engineer_still_follow_its_canonical_name(app, api, make_order):
    """With no engineer the photos stayed under the old canonical name, where a later order of that name numbered its
    own photos into the same folder; they keep the folder of the engineer who took them."""
    order = make_order()
    parts = {"files": [upload("a.jpg", image_bytes())]}
    assert api("POST", f"/work-orders/{order.id}/photos", "eng1", data=parts,
               content_type="multipart/form-data").status_code == 201
    response = api("PATCH", f"/work-orders/{order.id}", "office", json={"engineer": None, "equipment": "3号机"})
    assert response.status_code == 200, response.get_json()
    new = "20261015旗滨玻璃3号机常规保养"
    photo = db.session.scalar(select(Photo))
    assert (photo.name, photo.path) == (f"{new}-01.jpg", f"photos/eng1/{new}/{new}-01.jpg") and stored(app, photo.path)
    assert stored(app, photo.thumb_path) and not os.path.exists(os.path.join(app.instance_path, "photos", "eng1",
                                                                               CANONICAL))


def test_an_import_moves_the_files_when_it_is_stored_and_its_dry_run_moves_nothing(app, api, make_order):
    order = make_order(number="WO-I")
    assert post_scan(api, order, CANONICAL + ".pdf").status_code == 201
    row = kinds.export_order(order) | {"equipment": "3号机"}
    data = _csv(kinds.WORK_ORDERS, [row])
    new = "20261015旗滨玻璃3号机常规保养"
    assert _upload(api, "work_orders", data, "o.csv", dry_run=True).get_json()["updated"] == 1
    assert stored(app, f"archive/旗滨玻璃/{CANONICAL}.pdf") and not stored(app, f"archive/旗滨玻璃/{new}.pdf")
    assert _upload(api, "work_orders", data, "o.csv", dry_run=False).status_code == 200
    scan = db.session.scalar(select(Scan))
    assert scan.name == new + ".pdf" and stored(app, scan.path)
    assert not stored(app, f"archive/旗滨玻璃/{CANONICAL}.pdf")


def test_a_customer_renamed_takes_its_files_along_and_no_empty_folder_is_left(app, api, make_order, client):
    order = make_order()
    assert post_scan(api, order, CANONICAL + ".pdf").status_code == 201
    parts = {"files": [upload("a.jpg", image_bytes())]}
    api("POST", f"/work-orders/{order.id}/photos", "eng1", data=parts, content_type="multipart/form-data")
    customer_id = order.customer_id
    login(client, "admin")
    response = client.post(f"/admin/customers/{customer_id}", data={"name": "旗滨集团"})
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:300]
    new = "20261015旗滨集团1号机常规保养"
    scan, photo = db.session.scalar(select(Scan)), db.session.scalar(select(Photo))
    assert scan.path == f"archive/旗滨集团/{new}.pdf" and stored(app, scan.path)
    assert photo.path == f"photos/eng1/{new}/{new}-01.jpg" and stored(app, photo.path)
    assert not os.path.exists(os.path.join(app.instance_path, "archive", "旗滨玻璃"))
    assert not os.path.exists(os.path.join(app.instance_path, "photos", "eng1", CANONICAL))


def test_a_customer_renamed_takes_the_earlier_versions_of_its_scans_along(app, api, make_order, client):
    """They stayed in the old folder, which a new customer of the old name then took over, tickets and all."""
    order = make_order()
    for version in range(3):
        assert post_scan(api, order, CANONICAL + ".pdf", PDF + f"% v{version}\n".encode()).status_code == 201
    login(client, "admin")
    assert client.post(f"/admin/customers/{order.customer_id}", data={"name": "旗滨集团"}).status_code in (200, 302)
    db.session.expire_all()
    scans = db.session.scalars(select(Scan).order_by(Scan.version)).all()
    assert [scan.path.split("/")[1] for scan in scans] == ["旗滨集团"] * 3
    assert all(stored(app, scan.path) for scan in scans)
    assert [scan.path.split("/")[2] for scan in scans[:2]] == [".versions", ".versions"]
    assert not os.path.exists(os.path.join(app.instance_path, "archive", "旗滨玻璃"))
    for scan in scans:  # each version still downloads as it was stored
        download = client.get(f"/work-orders/{order.id}/scans/{scan.id}")
        assert download.status_code == 200 and download.data == PDF + f"% v{scan.version - 1}\n".encode()


def test_a_customer_name_that_would_make_an_orders_file_name_too_long_is_refused(app, api, make_order, client):
    """Renaming skipped the 200-byte rule of the canonical name (CONTRACT 5): with a scan stored it was a 500 (File
    name too long) leaving an empty folder; without, orders nobody could upload to any more."""
    order = make_order(customer="短客户", equipment="设" * 40, service_type="服" * 10)  # 8 + 9 + 120 + 30 bytes
    name = f"20261015短客户{'设' * 40}{'服' * 10}.pdf"
    assert post_scan(api, order, name).status_code == 201
    login(client, "admin")
    response = client.post(f"/admin/customers/{order.customer_id}", data={"name": "客" * 40})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "278 字节" in page, page[:300]
    assert db.session.get(type(order.customer), order.customer_id).name == "短客户"
    assert not os.path.exists(os.path.join(app.instance_path, "archive", "客" * 40))
    assert stored(app, f"archive/短客户/{name}")
    assert client.post(f"/admin/customers/{order.customer_id}", data={"name": "客" * 14}).status_code == 302  # 200 bytes


def test_a_renumbered_order_takes_its_number_off_its_scan(app, api, make_order):
    """Stored as <canonical>-WO-B (WO-A held the name), then renumbered: the old suffix stayed, and the order that
    later got WO-B was refused its own scan (409)."""
    first, second = make_order(number="WO-A"), make_order(number="WO-B")
    post_scan(api, first, CANONICAL + ".pdf")
    assert post_scan(api, second, CANONICAL + ".pdf", PDF + b"% B\n").get_json()["name"] == CANONICAL + "-WO-B.pdf"
    api("PATCH", f"/work-orders/{second.id}", "office", json={"number": "WO-C"})
    scan = db.session.scalar(select(Scan).where(Scan.work_order_id == second.id))
    assert scan.name == CANONICAL + "-WO-C.pdf" and stored(app, scan.path)


def test_an_order_cannot_move_past_the_rework_that_redoes_it(api, make_order):
    """Moved after its rework, the rework order refused every later change (原工单须早于本工单)."""
    original = make_order(number="WO-O", arrived_at=None)
    rework = make_order(number="WO-R", reported_at=datetime(2026, 10, 20, 9), arrived_at=None, rework="external",
                        rework_of="WO-O")
    response = api("PATCH", f"/work-orders/{original.id}", "office", json={"reported_at": "2026-10-21T09:00"})
    assert response.status_code == 422 and "reported_at" in response.get_json()["error"]["fields"]
    assert api("PATCH", f"/work-orders/{original.id}", "office",
               json={"reported_at": "2026-10-14T09:00"}).status_code == 200
    assert api("PATCH", f"/work-orders/{rework.id}", "office", json={"description": "再修"}).status_code == 200
