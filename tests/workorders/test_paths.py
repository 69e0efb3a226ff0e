"""Hostile names never write outside the instance folder: uploads, bulk uploads, photos and name parts."""

import os
import uuid
from datetime import datetime

import pytest

from tests.conftest import login
from tests.workorders.conftest import CANONICAL, PDF, image_bytes, upload
from tracker.extensions import db
from tracker.workorders.models import Photo, Scan, WorkOrder

MARK = uuid.uuid4().hex[:8]
HOSTILE = [
    "../../evil.pdf",
    "../" * 12 + f"tmp/evil-{MARK}.pdf",
    f"/tmp/evil-{MARK}.pdf",
    "..\\..\\evil.pdf",
    "C:\\Windows\\evil.pdf",
    "evil\x00.pdf",
    CANONICAL + "\x00.pdf",
    "evil\x01\x1b[31m.pdf",
    CANONICAL + "\u202efdp.exe",
    "\u202e" + CANONICAL + ".pdf",
    CANONICAL + "/../../evil.pdf",
    CANONICAL + "\\..\\evil.pdf",
    "./" + CANONICAL + ".pdf",
    ".pdf",
    "..",
]


def files_under(folder):
    found = set()
    for path, dirs, names in os.walk(folder):
        found.update(os.path.join(path, name) for name in names + dirs)
    return found


@pytest.fixture
def surroundings(app, tmp_path):
    """Everything around the instance folder before the attempts; compared after them."""
    before = files_under(tmp_path)
    instance = os.path.realpath(app.instance_path)

    def outside_changes():
        after = files_under(tmp_path)
        new = {os.path.realpath(p) for p in after - before}
        return sorted(p for p in new if os.path.commonpath([instance, p]) != instance)

    return outside_changes


def test_hostile_scan_names_are_refused_and_write_nothing_anywhere(app, api, make_order, surroundings):
    order = make_order()
    for name in HOSTILE:
        response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(name, PDF)},
                       content_type="multipart/form-data")
        # a PDF under .exe is content not matching its extension (415), every other a wrong name (422)
        assert response.status_code == (415 if name.endswith(".exe") else 422), (name, response.get_data(as_text=True))
        assert response.get_json()["error"]["expected"] == CANONICAL + ".pdf"
    assert surroundings() == []
    assert not os.path.exists(os.path.join(app.instance_path, "archive"))
    assert not os.path.exists(f"/tmp/evil-{MARK}.pdf")
    assert db.session.query(Scan).count() == 0


def test_hostile_names_in_a_bulk_upload_match_nothing_and_write_nothing(app, client, make_order, surroundings):
    make_order()
    login(client, "office")
    response = client.post("/work-orders/scans", data={"files": [upload(name, PDF) for name in HOSTILE]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-status="attached"' not in page
    assert surroundings() == []
    assert not os.path.exists(os.path.join(app.instance_path, "archive"))


def test_hostile_photo_names_are_replaced_by_the_canonical_name(app, api, make_order, surroundings):
    order = make_order()
    jpeg = image_bytes("JPEG")
    response = api("POST", f"/work-orders/{order.id}/photos", "eng1",
                   data={"files": [upload(name, jpeg) for name in HOSTILE]}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    names = [p["name"] for p in response.get_json()["photos"]]
    assert names == [f"{CANONICAL}-{n:02d}.jpg" for n in range(1, len(names) + 1)]
    assert surroundings() == []
    folder = os.path.join(app.instance_path, "photos", "eng1", CANONICAL)
    assert sorted(os.listdir(folder)) == [".thumbs"] + names
    assert db.session.query(Photo).count() == len(names)


@pytest.mark.parametrize("field, value", [
    ("customer", "../evil"), ("customer", ".."), ("customer", "a/b"), ("customer", "a\\b"), ("customer", "/abs"),
    ("customer", "a\x00b"), ("customer", "a\u202eb"), ("customer", "a\nb"), ("customer", " lead"),
    ("customer", "trail."), ("customer", "x" * 41), ("customer", ""), ("customer", "C:"),
    ("equipment", "../1号机"), ("equipment", "1号机\u202e"), ("equipment", "a|b"), ("equipment", "y" * 41),
    ("service_type", "保养/维修"), ("service_type", "*"), ("service_type", ""), ("service_type", "\t保养"),
    ("customer", "\u3000旗滨"), ("customer", "旗滨\u00a0"), ("equipment", "1号机 "), ("service_type", "保养\u2003"),
    ("customer", "客" * 40 + "e\u0301"),
])
def test_name_parts_that_could_escape_a_folder_are_refused(api, team, field, value):
    body = {"customer": "旗滨玻璃", "equipment": "1号机", "service_type": "常规保养",
            "reported_at": "2026-10-15T08:00", field: value}
    response = api("POST", "/work-orders", "office", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"].get("fields", {})
    assert db.session.query(WorkOrder).count() == 0


def test_every_stored_path_lies_inside_the_instance_folder(app, api, make_order):
    order = make_order(reported_at=datetime(2026, 10, 15, 8, 0))
    api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
        content_type="multipart/form-data")
    api("POST", f"/work-orders/{order.id}/photos", "eng1", data={"files": [upload("x.jpg", image_bytes())]},
        content_type="multipart/form-data")
    instance = os.path.realpath(app.instance_path)
    paths = [s.path for s in db.session.query(Scan)] + [p.path for p in db.session.query(Photo)]
    for relative in paths:
        assert not os.path.isabs(relative) and ".." not in relative.split("/")
        full = os.path.realpath(os.path.join(instance, relative))
        assert os.path.commonpath([instance, full]) == instance and os.path.isfile(full)


def test_archive_and_photos_linked_from_another_disk_take_uploads_and_serve_them(app, api, client, make_order,
                                                                                  tmp_path):
    """An administrator moves the growing archive/ and photos/ to a bigger disk and links them back (as backup and
    restore expect): every scan and photo upload was refused with "文件路径无效". They are stored there, under the
    paths of the contract, and a link below them that leads out is still refused."""
    bigdisk = tmp_path / "bigdisk"
    for folder in ("archive", "photos"):
        (bigdisk / folder).mkdir(parents=True)
        os.symlink(bigdisk / folder, os.path.join(app.instance_path, folder))
    order = make_order(reported_at=datetime(2026, 10, 15, 8, 0))
    scan = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
               content_type="multipart/form-data")
    assert scan.status_code == 201, scan.get_json()
    assert scan.get_json()["path"] == f"archive/旗滨玻璃/{CANONICAL}.pdf"
    assert (bigdisk / "archive" / "旗滨玻璃" / f"{CANONICAL}.pdf").read_bytes() == PDF
    photos = api("POST", f"/work-orders/{order.id}/photos", "eng1", data={"files": [upload("x.jpg", image_bytes())]},
                 content_type="multipart/form-data")
    assert photos.status_code == 201, photos.get_json()
    assert photos.get_json()["photos"][0]["path"] == f"photos/eng1/{CANONICAL}/{CANONICAL}-01.jpg"
    assert (bigdisk / "photos" / "eng1" / CANONICAL / f"{CANONICAL}-01.jpg").is_file()
    login(client, "office")
    stored = db.session.query(Scan).one()
    assert client.get(f"/work-orders/{order.id}/scans/{stored.id}").data == PDF
    # a customer folder on that disk linked elsewhere by hand leads out of it: refused, nothing written there
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, bigdisk / "archive" / "福耀玻璃")
    other = make_order(customer="福耀玻璃", reported_at=datetime(2026, 10, 15, 8, 0))
    refused = api("POST", f"/work-orders/{other.id}/scan", "office",
                  data={"file": upload("20261015福耀玻璃1号机常规保养.pdf", PDF)}, content_type="multipart/form-data")
    assert refused.status_code == 422 and os.listdir(outside) == []
    # so is a .versions/ folder linked out: the older version was moved there (and kept readable by all)
    os.symlink(outside, bigdisk / "archive" / "旗滨玻璃" / ".versions")
    again = api("POST", f"/work-orders/{order.id}/scan", "office", data={"file": upload(CANONICAL + ".pdf", PDF)},
                content_type="multipart/form-data")
    assert again.status_code == 422 and os.listdir(outside) == []
    assert (bigdisk / "archive" / "旗滨玻璃" / f"{CANONICAL}.pdf").read_bytes() == PDF
