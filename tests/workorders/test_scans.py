"""Scanned tickets (CONTRACT 6): naming, content, size, archive layout, versions, collisions and downloads."""

import os
import re
import unicodedata
from datetime import datetime
from io import BytesIO
from urllib.parse import unquote

import pytest

from tests.api.support import assert_error
from tests.conftest import NOW, login
from tests.workorders.conftest import CANONICAL, PDF, image_bytes, padded_pdf, upload
from tracker.extensions import db
from tracker.workorders import uploads
from tracker.workorders.models import Scan


def archive(app, customer="旗滨玻璃"):
    return os.path.join(app.instance_path, "archive", customer)


def post_scan(api, order, name, data, user="office"):
    return api("POST", f"/work-orders/{order.id}/scan", user, data={"file": upload(name, data)},
               content_type="multipart/form-data")


def test_canonical_name_is_accepted_and_archived_by_customer(app, api, make_order):
    order = make_order()
    response = post_scan(api, order, CANONICAL + ".pdf", PDF)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"name": CANONICAL + ".pdf", "size": len(PDF),
                                   "path": f"archive/旗滨玻璃/{CANONICAL}.pdf"}
    with open(os.path.join(archive(app), CANONICAL + ".pdf"), "rb") as stored:
        assert stored.read() == PDF


def test_the_folders_of_scans_and_photos_are_private_whatever_the_umask(app, api, make_order):
    """Their names say customers, machines, dates and engineers: every folder made for a scan or a photo is the
    server's own (0700), not only the last one (os.makedirs), and the files 0600."""
    import stat

    order = make_order()
    previous = os.umask(0o022)
    try:
        assert post_scan(api, order, CANONICAL + ".pdf", PDF).status_code == 201
        response = api("POST", f"/work-orders/{order.id}/photos", "eng1",
                       data={"files": upload("a.jpg", image_bytes("JPEG"))}, content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
    finally:
        os.umask(previous)
    modes = {}
    for top in ("archive", "photos"):
        for folder, _folders, names in os.walk(os.path.join(app.instance_path, top)):
            modes[folder] = (stat.S_IMODE(os.stat(folder).st_mode), 0o700)
            for name in names:
                modes[os.path.join(folder, name)] = (stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode), 0o600)
    assert len(modes) >= 6, modes
    assert {path: (mode, wanted) for path, (mode, wanted) in modes.items() if mode != wanted} == {}


@pytest.mark.parametrize("name", [
    CANONICAL + ".pdf", CANONICAL + ".PDF", CANONICAL + ".Pdf",
])
def test_extension_in_any_letter_case_is_accepted(api, make_order, name):
    assert post_scan(api, make_order(), name, PDF).status_code == 201


@pytest.mark.parametrize("kind, ext", [("JPEG", "jpg"), ("JPEG", "JPEG"), ("PNG", "png")])
def test_jpeg_and_png_scans_are_accepted(api, make_order, kind, ext):
    response = post_scan(api, make_order(), f"{CANONICAL}.{ext}", image_bytes(kind))
    assert response.status_code == 201
    assert response.get_json()["name"] == f"{CANONICAL}.{ext.lower()}"


@pytest.mark.parametrize("name, expected", [
    ("20261016旗滨玻璃1号机常规保养.pdf", CANONICAL + ".pdf"),    # wrong date
    ("20261015旗滨1号机常规保养.pdf", CANONICAL + ".pdf"),        # wrong customer
    ("20261015旗滨玻璃2号机常规保养.pdf", CANONICAL + ".pdf"),    # wrong equipment
    ("20261015旗滨玻璃1号机维修.pdf", CANONICAL + ".pdf"),        # wrong service type
    ("scan.pdf", CANONICAL + ".pdf"),
    (CANONICAL + " .pdf", CANONICAL + ".pdf"),                  # nothing is trimmed silently
    (CANONICAL + ".PDF ", CANONICAL + ".pdf"),
    (CANONICAL, CANONICAL + ".pdf"),                            # no extension
    (CANONICAL + ".1号机", CANONICAL + ".pdf"),                  # a name with a dot, no extension
])
def test_wrong_name_is_refused_with_the_expected_name(api, make_order, name, expected):
    order = make_order()
    response = post_scan(api, order, name, PDF)
    assert response.status_code == 422
    assert response.get_json()["error"]["expected"] == expected
    assert db.session.query(Scan).count() == 0


@pytest.mark.parametrize("hidden", ["\x00", "\x01", "\u202e", "\u200b", "\u00ad", "\ufeff", "\u2060"])
def test_a_name_refused_for_a_hidden_character_says_where_it_is(api, make_order, hidden):
    """The received name was quoted with the character dropped: it read as the very name asked for."""
    name = CANONICAL[:8] + hidden + CANONICAL[8:] + ".pdf"
    response = post_scan(api, make_order(), name, PDF)
    assert response.status_code == 422
    assert f"{CANONICAL[:8]}<U+{ord(hidden):04X}>{CANONICAL[8:]}.pdf" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("ext", ["txt", "webp", "doc", "TXT"])
def test_content_under_an_extension_of_another_kind_is_415_with_the_expected_name(api, make_order, ext):
    """CONTRACT 6: content that does not match the extension is 415; a PDF named .txt was 422 as a wrong name.
    The answer still says the name that would have been accepted."""
    response = post_scan(api, make_order(), f"{CANONICAL}.{ext}", PDF)
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert error["expected"] == CANONICAL + ".pdf" and f".{ext}" in error["message"]
    assert db.session.query(Scan).count() == 0


def test_expected_name_follows_the_arrival_date_then_completion_then_report(api, make_order):
    order = make_order(arrived_at=None, completed_at=datetime(2026, 10, 17, 9, 0), reported_at=datetime(2026, 10, 14))
    error = post_scan(api, order, "x.pdf", PDF).get_json()["error"]
    assert error["expected"] == "20261017旗滨玻璃1号机常规保养.pdf"


def test_equipment_may_be_empty_in_the_canonical_name(api, make_order):
    order = make_order(equipment="")
    assert post_scan(api, order, "20261015旗滨玻璃常规保养.pdf", PDF).status_code == 201


def test_chinese_name_survives_byte_exact_on_disk_and_in_the_download(app, client, api, make_order):
    order = make_order()
    post_scan(api, order, CANONICAL + ".pdf", PDF)
    names = os.listdir(os.fsencode(archive(app)))
    assert (CANONICAL + ".pdf").encode("utf-8") in names
    login(client, "office")
    scan = db.session.query(Scan).one()
    response = client.get(f"/work-orders/{order.id}/scans/{scan.id}")
    assert response.status_code == 200
    assert response.data == PDF
    disposition = response.headers["Content-Disposition"]
    # a plain ASCII name for clients that read only that (the framework's was "202610151.pdf")
    assert disposition.startswith(f'attachment; filename="{order.number}-scan-v1.pdf"; ')
    encoded = disposition.split("filename*=", 1)[1].split(";")[0]
    assert encoded.lower().startswith("utf-8''")
    assert unquote(encoded[7:], encoding="utf-8", errors="strict") == CANONICAL + ".pdf"


def test_nfd_name_of_the_right_name_is_accepted_and_stored_nfc(app, api, make_order):
    order = make_order(customer="ジェイテクト", equipment="ポンプ")
    canonical = "20261015ジェイテクトポンプ常规保养"
    nfd = unicodedata.normalize("NFD", canonical + ".pdf")
    assert nfd != canonical + ".pdf"
    response = post_scan(api, order, nfd, PDF)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == canonical + ".pdf"
    assert os.listdir(archive(app, "ジェイテクト")) == [canonical + ".pdf"]
    assert unicodedata.is_normalized("NFC", os.listdir(archive(app, "ジェイテクト"))[0])


@pytest.mark.parametrize("customer, equipment, composed", [
    ("旗滨玻璃", "\u0301X", "旗滨玻璃\u0301X"),  # an equipment starting with a combining mark: no letter to take it
    ("Cafe", "\u0301 1", "Caf\u00e9 1"),           # e + U+0301 is é once joined
    ("가", "\u11a81호", "각1호"),                   # a Hangul final consonant joins the syllable before it
])
def test_a_canonical_name_whose_parts_compose_when_joined_is_the_name_the_error_gives(app, api, make_order,
                                                                                    customer, equipment, composed):
    """Each part is stored NFC, but joined they were not: the name the refusal gave as expected was itself refused,
    the upload's name (NFC) being compared with the joined parts as they were."""
    order = make_order(customer=customer, equipment=equipment)
    refused = post_scan(api, order, "scan.pdf", PDF)
    expected = refused.get_json()["error"]["expected"]
    assert expected == unicodedata.normalize("NFC", f"20261015{composed}常规保养.pdf")
    response = post_scan(api, order, expected, PDF)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == expected
    assert os.listdir(archive(app, customer)) == [expected]


def test_two_files_in_one_scan_upload_are_refused_not_one_dropped(app, api, make_order):
    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", content_type="multipart/form-data",
                   data={"file": [upload(CANONICAL + ".pdf", PDF), upload("other.pdf", PDF)]})
    assert response.status_code == 422 and "file" in response.get_json()["error"]["fields"]
    assert db.session.query(Scan).count() == 0


def test_a_scan_whose_numbered_name_another_order_took_is_stored_all_the_same(app, api, make_order):
    """B shares A's canonical name, so its scan takes <canonical>-<B's number>; an order C whose service type ends in
    B's number had taken that name first, and B's scan was refused (409) on every try."""
    first = make_order(service_type="维修")
    second = make_order(service_type="维修")
    third = make_order(service_type=f"维修-{second.number}")
    canonical = first.canonical_name
    for order in (first, third):
        assert post_scan(api, order, order.canonical_name + ".pdf", PDF).status_code == 201
    stored = post_scan(api, second, canonical + ".pdf", PDF)
    assert stored.status_code == 201, stored.get_json()
    assert stored.get_json()["name"] == f"{canonical}-{second.number}-2.pdf"
    assert sorted(os.listdir(archive(app, "旗滨玻璃"))) == sorted(
        [f"{canonical}.pdf", f"{canonical}-{second.number}.pdf", f"{canonical}-{second.number}-2.pdf"])


def test_two_customers_serviced_on_one_day_on_machine_1_both_keep_their_files(app, api, make_order):
    first = make_order(customer="旗滨玻璃")
    second = make_order(customer="信义玻璃")
    assert post_scan(api, first, CANONICAL + ".pdf", PDF).status_code == 201
    other = PDF + b"% second\n"
    assert post_scan(api, second, "20261015信义玻璃1号机常规保养.pdf", other).status_code == 201
    with open(os.path.join(archive(app), CANONICAL + ".pdf"), "rb") as one:
        assert one.read() == PDF
    with open(os.path.join(archive(app, "信义玻璃"), "20261015信义玻璃1号机常规保养.pdf"), "rb") as two:
        assert two.read() == other


def test_same_canonical_name_on_another_order_gets_the_number_suffix(app, api, make_order):
    first = make_order(number="WO-A")
    second = make_order(number="WO-B")
    assert post_scan(api, first, CANONICAL + ".pdf", PDF).status_code == 201
    response = post_scan(api, second, CANONICAL + ".pdf", PDF + b"% B\n")
    assert response.status_code == 201
    assert response.get_json()["name"] == CANONICAL + "-WO-B.pdf"
    assert sorted(os.listdir(archive(app))) == [CANONICAL + "-WO-B.pdf", CANONICAL + ".pdf"]
    with open(os.path.join(archive(app), CANONICAL + ".pdf"), "rb") as kept:
        assert kept.read() == PDF


def test_uploading_again_keeps_the_previous_file_as_an_older_version(app, api, make_order):
    order = make_order()
    versions = [PDF + b"% v1\n", PDF + b"% v2\n", image_bytes("PNG")]
    for data, ext in zip(versions, ("pdf", "pdf", "png")):
        assert post_scan(api, order, f"{CANONICAL}.{ext}", data).status_code == 201
    rows = db.session.query(Scan).order_by(Scan.version).all()
    assert [(r.version, r.current) for r in rows] == [(1, False), (2, False), (3, True)]
    contents = []
    for row in rows:
        with open(os.path.join(app.instance_path, row.path), "rb") as stored:
            contents.append(stored.read())
    assert contents == versions
    assert sorted(os.listdir(archive(app))) == [".versions", CANONICAL + ".png"]
    assert len(os.listdir(os.path.join(archive(app), ".versions"))) == 2
    body = api("GET", f"/work-orders/{order.id}", "office").get_json()
    assert body["scan"]["name"] == CANONICAL + ".png" and body["scan"]["version"] == 3


def test_a_stray_file_already_in_the_archive_is_not_overwritten(app, api, make_order):
    order = make_order(number="WO-S")
    os.makedirs(archive(app))
    with open(os.path.join(archive(app), CANONICAL + ".pdf"), "wb") as stray:
        stray.write(b"older archive")
    response = post_scan(api, order, CANONICAL + ".pdf", PDF)
    assert response.get_json()["name"] == CANONICAL + "-WO-S.pdf"
    with open(os.path.join(archive(app), CANONICAL + ".pdf"), "rb") as stray:
        assert stray.read() == b"older archive"


def test_exactly_204800_bytes_is_accepted(api, make_order):
    response = post_scan(api, make_order(), CANONICAL + ".pdf", padded_pdf(204800))
    assert response.status_code == 201
    assert response.get_json()["size"] == 204800


def test_204801_bytes_is_refused_with_413_json_in_the_api(app, api, make_order):
    response = post_scan(api, make_order(), CANONICAL + ".pdf", padded_pdf(204801))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert not os.path.exists(os.path.join(app.instance_path, "archive"))


def test_204801_bytes_gets_a_friendly_page_in_the_browser(app, client, make_order):
    order = make_order()
    login(client, "office")
    response = client.post(f"/work-orders/{order.id}/scan", data={"file": upload(CANONICAL + ".pdf",
                                                                                 padded_pdf(204801))})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "文件太大" in page and "204,800" in page and "<html" in page
    assert db.session.query(Scan).count() == 0


def test_size_limit_is_the_setting_scan_max_bytes(app, api, make_order, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_MAX_BYTES", 1000)
    assert post_scan(api, make_order(), CANONICAL + ".pdf", padded_pdf(1001)).status_code == 413


def test_empty_file_is_refused_as_content_that_is_none_of_the_three_kinds(api, make_order):
    """CONTRACT 6: 1 to 204,800 bytes; content that is not a PDF, JPEG or PNG is 415 (an empty file was 422)."""
    response = post_scan(api, make_order(), CANONICAL + ".pdf", b"")
    assert response.status_code == 415 and response.get_json()["error"]["fields"] == {"file": "文件是空的"}


@pytest.mark.parametrize("data", [
    b"just some text, not a PDF\n",
    b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100,
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"GIF89a" + b"\x00" * 20,
])
def test_content_that_is_not_pdf_jpeg_or_png_is_415(api, make_order, data):
    response = post_scan(api, make_order(), CANONICAL + ".pdf", data)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert db.session.query(Scan).count() == 0


@pytest.mark.parametrize("ext, data", [("pdf", image_bytes("PNG")), ("png", PDF), ("jpg", image_bytes("PNG")),
                                       ("png", image_bytes("JPEG"))])
def test_content_not_matching_the_extension_is_415(api, make_order, ext, data):
    """The answer names the name that would be accepted (a PNG named .jpg said only that it was a PNG)."""
    response = post_scan(api, make_order(), f"{CANONICAL}.{ext}", data)
    assert response.status_code == 415
    kind = "pdf" if data == PDF else "png" if data == image_bytes("PNG") else "jpg"
    error = response.get_json()["error"]
    assert error["expected"] == f"{CANONICAL}.{kind}" and f"{CANONICAL}.{kind}" in error["fields"]["file"]


def test_upload_page_shows_the_expected_name_before_upload(client, make_order):
    order = make_order()
    login(client, "office")
    page = client.get(f"/work-orders/{order.id}/scan").get_data(as_text=True)
    assert CANONICAL + ".pdf" in page
    assert 'type="file"' in page


@pytest.mark.parametrize("name, data, status, text", [
    ("20261016旗滨玻璃1号机常规保养.pdf", PDF, 422, CANONICAL + ".pdf"),
    (CANONICAL + ".pdf", b"plain text", 415, "PDF"),
    (CANONICAL + ".pdf", b"", 415, "文件是空的"),
])
def test_upload_page_explains_a_refusal(client, make_order, name, data, status, text):
    order = make_order()
    login(client, "office")
    response = client.post(f"/work-orders/{order.id}/scan", data={"file": upload(name, data)})
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'id="refusal"' in page and text in page
    assert ("文件名不符" in page) == ('id="expected"' in page)  # the heading says the name is wrong only when it is
    assert f"（{status}）" not in page  # words, not the HTTP status ("文件名不符（422）")
    # announced, and on the file field, which takes the focus as every refused form's first bad field does
    assert 'id="refusal" role="alert"' in page
    field = re.search(r'<input[^>]*type="file"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="file-error"' in field, field


def test_upload_page_stores_and_goes_to_the_work_order(client, make_order):
    order = make_order()
    login(client, "office")
    response = client.post(f"/work-orders/{order.id}/scan", data={"file": upload(CANONICAL + ".pdf", PDF)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert CANONICAL + ".pdf" in page


def test_api_upload_without_the_file_field_is_400(api, make_order):
    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office", data={"other": upload("a.pdf", PDF)},
                   content_type="multipart/form-data")
    assert response.status_code == 400


def test_api_upload_that_is_not_multipart_is_415(api, make_order):
    order = make_order()
    assert api("POST", f"/work-orders/{order.id}/scan", "office", json={"file": "x"}).status_code == 415


@pytest.mark.parametrize("user, status", [("eng1", 403), ("gm.wang", 403), ("mgr2", 403), ("mgr", 201),
                                          ("office", 201)])
def test_who_may_upload_a_scan(api, make_order, user, status):
    order = make_order()
    assert post_scan(api, order, CANONICAL + ".pdf", PDF, user=user).status_code == status


@pytest.mark.parametrize("user, status", [("eng1", 200), ("eng2", 403), ("eng3", 403), ("mgr", 200),
                                          ("mgr2", 403), ("office", 200), ("gm.wang", 200)])
def test_scan_download_is_permission_checked(app, api, make_order, user, status):
    order = make_order()
    post_scan(api, order, CANONICAL + ".pdf", PDF)
    scan_id = db.session.query(Scan.id).scalar()
    client = app.test_client()
    login(client, user)
    assert client.get(f"/work-orders/{order.id}/scans/{scan_id}").status_code == status


def test_scan_of_another_order_is_not_served_under_this_one(app, api, make_order):
    mine, other = make_order(engineer="eng1"), make_order(engineer="eng2", customer="信义玻璃")
    post_scan(api, other, "20261015信义玻璃1号机常规保养.pdf", PDF)
    scan_id = db.session.query(Scan.id).scalar()
    client = app.test_client()
    login(client, "eng1")
    assert client.get(f"/work-orders/{mine.id}/scans/{scan_id}").status_code == 404


def test_a_rolled_back_upload_leaves_the_archive_as_it_was(app, team, make_order):
    order = make_order()
    uploads.store_scan(team["office"], order, CANONICAL + ".pdf", BytesIO(PDF), NOW)
    db.session.commit()
    uploads.store_scan(team["office"], order, CANONICAL + ".pdf", BytesIO(PDF + b"% v2\n"), NOW)
    assert len(os.listdir(os.path.join(archive(app), ".versions"))) == 1
    db.session.rollback()
    assert sorted(os.listdir(archive(app))) == [".versions", CANONICAL + ".pdf"]
    assert os.listdir(os.path.join(archive(app), ".versions")) == []
    with open(os.path.join(archive(app), CANONICAL + ".pdf"), "rb") as stored:
        assert stored.read() == PDF
    assert [(s.version, s.current) for s in db.session.query(Scan)] == [(1, True)]


def test_an_old_version_whose_file_vanished_is_never_served_the_new_file(app, client, api, make_order):
    order = make_order()
    post_scan(api, order, CANONICAL + ".pdf", b"%PDF-old")
    os.remove(os.path.join(archive(app), CANONICAL + ".pdf"))
    assert post_scan(api, order, CANONICAL + ".pdf", PDF).status_code == 201
    old = db.session.query(Scan).filter_by(version=1).one()
    login(client, "office")
    assert client.get(f"/work-orders/{order.id}/scans/{old.id}").status_code == 404


def test_forms_work_with_csrf_protection_on(app_factory, make_order):
    order = make_order()
    guarded = app_factory(WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    with guarded.app_context():
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"username": "office", "password": "secret-pass-1", "csrf_token": token})
        page = client.get(f"/work-orders/{order.id}/scan").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        refused = client.post(f"/work-orders/{order.id}/scan", data={"file": upload(CANONICAL + ".pdf", PDF)})
        assert refused.status_code == 400
        stored = client.post(f"/work-orders/{order.id}/scan", data={"file": upload(CANONICAL + ".pdf", PDF),
                                                                    "csrf_token": token})
        assert stored.status_code == 302


def test_the_longest_canonical_name_takes_a_scan_its_versions_and_the_number_suffix(app, api, make_order):
    parts = {"customer": "长" * 40, "equipment": "机" * 16, "service_type": "修" * 8}
    first = make_order(number="WO-" + "1" * 29, **parts)
    second = make_order(number="WO-" + "2" * 29, **parts)
    name = first.canonical_name + ".jpeg"
    assert len(name.encode()) == 205
    for data in (image_bytes("JPEG"), image_bytes("JPEG", color=(0, 0, 0)), image_bytes("JPEG", color=(9, 9, 9))):
        assert post_scan(api, first, name, data).status_code == 201
        response = post_scan(api, second, name, data)
        assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == f"{second.canonical_name}-{second.number}.jpeg"
    assert len(os.listdir(os.path.join(archive(app, "长" * 40), ".versions"))) == 4


def test_an_order_stored_with_a_name_too_long_for_a_file_is_refused_not_a_500(app, api, client, make_order):
    """Orders stored before the rule may have parts of 40 Chinese characters (here 260 bytes in all): an upload is
    refused with 422 saying to shorten the names; nothing is written."""
    order = make_order()
    order.equipment, order.service_type = "机" * 40, "修" * 40  # as an earlier release stored it
    db.session.commit()
    error = assert_error(post_scan(api, order, order.canonical_name + ".pdf", PDF), 422, "file")
    assert "260" in error["message"]
    photos = api("POST", f"/work-orders/{order.id}/photos", "eng1",
                 data={"files": [upload("a.jpg", image_bytes())]}, content_type="multipart/form-data")
    assert_error(photos, 422, "files")
    login(client, "office")
    page = client.post(f"/work-orders/{order.id}/scan", data={"file": upload("x.pdf", PDF)})
    assert page.status_code == 422 and "260" in page.get_data(as_text=True)
    assert not os.path.exists(os.path.join(app.instance_path, "archive")) or not os.listdir(archive(app))
    assert db.session.query(Scan).count() == 0
