"""Site photos (CONTRACT 6): renamed after the work order, numbered, upright, thumbnailed, size- and bomb-checked."""

import os
from datetime import datetime
import resource
import struct
import zlib
from io import BytesIO
from urllib.parse import quote

import pytest
from PIL import Image

from tests.conftest import login
from tests.workorders.conftest import CANONICAL, PDF, image_bytes, upload
from tracker.extensions import db
from tracker.workorders.models import Photo


def post_photos(api, order, parts, user="eng1"):
    return api("POST", f"/work-orders/{order.id}/photos", user,
               data={"files": [upload(name, data) for name, data in parts]}, content_type="multipart/form-data")


def folder(app, engineer="eng1"):
    return os.path.join(app.instance_path, "photos", engineer, CANONICAL)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@pytest.fixture(scope="module")
def png_bomb():
    """A valid 30000 x 30000 one-bit PNG of zeros: about 100 KB on disk, 900 megapixels when decoded."""
    width = height = 30000
    row = b"\x00" * (1 + width // 8)
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row * 1000) for _ in range(height // 1000)]
    idat = b"".join(chunks) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def test_photos_are_renamed_and_numbered_whatever_they_were_called(app, api, make_order):
    order = make_order()
    response = post_photos(api, order, [("IMG_0001.JPG", image_bytes()), ("微信图片.png", image_bytes("PNG"))])
    assert response.status_code == 201, response.get_json()
    photos = response.get_json()["photos"]
    assert [p["name"] for p in photos] == [CANONICAL + "-01.jpg", CANONICAL + "-02.png"]
    assert photos[0]["path"] == f"photos/eng1/{CANONICAL}/{CANONICAL}-01.jpg"
    assert sorted(os.listdir(folder(app))) == [".thumbs", CANONICAL + "-01.jpg", CANONICAL + "-02.png"]


def test_a_photo_downloads_under_its_name_and_a_plain_ascii_one(client, api, make_order):
    order = make_order()
    post_photos(api, order, [("IMG_0001.JPG", image_bytes()), ("微信图片.png", image_bytes("PNG"))])
    second = db.session.query(Photo).order_by(Photo.id).all()[1]
    login(client, "office")
    base = f"/work-orders/{order.id}/photos/{second.id}"
    plain, png, jpg = f"{order.number}-photo-02", quote(CANONICAL + "-02.png"), quote(CANONICAL + "-02.jpg")
    # the framework's plain name was "202610151-02.png", the customer and equipment dropped
    for url, disposition in ((base + "?download=1", f"attachment; filename=\"{plain}.png\"; filename*=UTF-8''{png}"),
                             (base, f"inline; filename=\"{plain}.png\"; filename*=UTF-8''{png}"),
                             (base + "/thumb", f"inline; filename=\"{plain}.jpg\"; filename*=UTF-8''{jpg}")):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == disposition
        # a site photo is not left in a shared computer's disk cache after logout (no-cache kept it, revalidated)
        assert response.headers["Cache-Control"] == "private, no-store"


def test_numbering_continues_after_the_existing_photos(app, api, make_order):
    order = make_order()
    post_photos(api, order, [("a.jpg", image_bytes()), ("b.jpg", image_bytes())])
    response = post_photos(api, order, [("c.webp", image_bytes("WEBP"))], user="office")
    assert [p["name"] for p in response.get_json()["photos"]] == [CANONICAL + "-03.webp"]
    body = api("GET", f"/work-orders/{order.id}", "eng1").get_json()
    assert [p["name"] for p in body["photos"]] == [f"{CANONICAL}-0{n}.{e}" for n, e in ((1, "jpg"), (2, "jpg"),
                                                                                       (3, "webp"))]


def test_two_orders_of_one_canonical_name_keep_their_photos_apart_each_numbered_from_01(app, api, make_order):
    """The second order's photos went into the first one's folder, numbered on (-03 among its -01 and -02), and no
    one could tell on disk whose they were: it takes <canonical name>-<number>, as its scan would."""
    first = make_order(number="WO-A")
    second = make_order(number="WO-B", reported_at=datetime(2026, 10, 15, 9, 0))
    assert first.canonical_name == second.canonical_name == CANONICAL
    post_photos(api, first, [("a.jpg", image_bytes()), ("b.jpg", image_bytes())])
    photos = post_photos(api, second, [("c.jpg", image_bytes())]).get_json()["photos"]
    assert [(p["name"], p["path"]) for p in photos] == [
        (CANONICAL + "-01.jpg", f"photos/eng1/{CANONICAL}-WO-B/{CANONICAL}-01.jpg")]
    assert sorted(os.listdir(folder(app))) == [".thumbs", CANONICAL + "-01.jpg", CANONICAL + "-02.jpg"]
    assert os.path.isfile(os.path.join(app.instance_path, "photos", "eng1", f"{CANONICAL}-WO-B", CANONICAL + "-01.jpg"))
    # more photos of the first order stay in its folder
    photos = post_photos(api, first, [("d.jpg", image_bytes())]).get_json()["photos"]
    assert [p["path"] for p in photos] == [f"photos/eng1/{CANONICAL}/{CANONICAL}-03.jpg"]


def test_exif_orientation_is_applied(app, api, make_order):
    out = BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    Image.new("RGB", (60, 40), (0, 0, 255)).save(out, format="JPEG", exif=exif)
    response = post_photos(api, make_order(), [("portrait.jpg", out.getvalue())])
    stored = os.path.join(app.instance_path, response.get_json()["photos"][0]["path"])
    with Image.open(stored) as image:
        assert image.size == (40, 60)
        assert image.getexif().get(0x0112, 1) == 1


def test_photo_without_orientation_is_stored_byte_for_byte(app, api, make_order):
    data = image_bytes("PNG")
    response = post_photos(api, make_order(), [("x.png", data)])
    with open(os.path.join(app.instance_path, response.get_json()["photos"][0]["path"]), "rb") as stored:
        assert stored.read() == data


def test_thumbnail_and_photo_are_served_to_the_engineer(app, client, api, make_order):
    order = make_order()
    post_photos(api, order, [("x.jpg", image_bytes(size=(2000, 1500)))])
    photo = db.session.query(Photo).one()
    login(client, "eng1")
    thumb = client.get(f"/work-orders/{order.id}/photos/{photo.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(BytesIO(thumb.data)) as image:
        assert max(image.size) <= 480
    full = client.get(f"/work-orders/{order.id}/photos/{photo.id}")
    assert full.status_code == 200 and full.headers["X-Content-Type-Options"] == "nosniff"
    page = client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    assert f"/work-orders/{order.id}/photos/{photo.id}/thumb" in page


def test_png_decompression_bomb_is_refused_without_decoding_it(api, make_order, png_bomb):
    assert len(png_bomb) < 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = post_photos(api, make_order(), [("bomb.png", png_bomb)])
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert response.status_code == 413
    assert "bomb.png" in response.get_json()["error"]["message"]
    assert grown_kib < 60 * 1024  # decoding would take over 100 MiB
    assert db.session.query(Photo).count() == 0


def test_a_large_photo_is_decoded_once_not_copied_at_full_size(tmp_path):
    """A 24-megapixel photo took three full-size copies of its pixels at once (decoded, turned upright though it
    needed no turning, copied for the thumbnail): 176 MB for this JPEG, 460 MB for a 40-megapixel one, per upload.
    Measured in a process of its own (the peak of this one is whatever the suite reached)."""
    import subprocess
    import sys

    photo = tmp_path / "big.jpg"
    Image.effect_noise((6000, 4000), 40).convert("RGB").save(photo, format="JPEG", quality=85)
    script = (
        "import io, resource, sys\n"
        "from tracker import create_app\n"
        f"app = create_app({{'TESTING': True, 'DATABASE_URL': 'sqlite://', 'INSTANCE_PATH': {str(tmp_path / 'i')!r},"
        " 'PHOTO_MAX_BYTES': 100_000_000})\n"
        f"data = open({str(photo)!r}, 'rb').read()\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "with app.app_context():\n"
        "    from tracker.workorders.uploads import _prepare_photo\n"
        "    photo = _prepare_photo('big.jpg', io.BytesIO(data))\n"
        "assert (photo['width'], photo['height']) == (6000, 4000) and photo['thumb'][:2] == b'\\xff\\xd8'\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, check=True)
    assert int(done.stdout.strip()) < 100, done.stdout  # MiB above the process before: 14 now (draft decoding)


def test_pixel_limit_is_the_setting_photo_max_pixels(app, api, make_order, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 1200)
    order = make_order()
    assert post_photos(api, order, [("ok.png", image_bytes("PNG", size=(40, 30)))]).status_code == 201
    response = post_photos(api, order, [("big.png", image_bytes("PNG", size=(41, 30)))])
    assert response.status_code == 413
    assert "41×30" in response.get_json()["error"]["message"]


def test_photos_past_the_requests_limit_together_are_told_the_limits_that_apply(app, api, client, make_order,
                                                                                 monkeypatch):
    """Seven photos of 10 MiB each pass the 64 MiB a request may have: the page said "a scanned ticket may be at
    most 200 KB", the API "request body too large"; both now give the total and each kind's limit."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 3 * 1024 * 1024)
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 2 * 1024 * 1024)
    order = make_order()
    parts = [("a.jpg", b"\xff\xd8" + b"0" * (1024 * 1024)), ("b.jpg", b"\xff\xd8" + b"0" * (1024 * 1024)),
             ("c.jpg", b"\xff\xd8" + b"0" * (1024 * 1024))]
    response = post_photos(api, order, parts)
    message = response.get_json()["error"]["message"]
    assert response.status_code == 413 and "合计不能超过 3 MB" in message and "每张照片最多 2 MB" in message, message
    assert "扫描件最多 200 KB" in message
    login(client, "eng1")
    page = client.post(f"/work-orders/{order.id}/photos", data={"files": [upload(n, d) for n, d in parts]},
                       content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 413 and "合计不能超过 3 MB" in text and "扫描件不能超过" not in text
    assert db.session.query(Photo).count() == 0


def test_a_form_field_past_its_limit_is_told_that_limit_not_the_requests(app, client, make_order):
    """3 MiB of a broken multipart body (one part without a file name, read as a text field) passed the form's
    limit on text fields: the 413 said "files together may not exceed 64 MB", which the request was far below."""
    order = make_order()
    token = client.post("/api/v1/auth/token", json={"username": "office", "password": "secret-pass-1"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    body = b"--xx\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\n" + b"0" * (3 * 1024 * 1024) + b"\r\n--xx--\r\n"
    response = client.post(f"/api/v1/work-orders/{order.id}/photos", data=body, headers=headers,
                           content_type="multipart/form-data; boundary=xx")
    message = response.get_json()["error"]["message"]
    assert response.status_code == 413 and "64 MB" not in message, message
    assert "488 KB" in message, message  # Flask's MAX_FORM_MEMORY_SIZE, 500,000 bytes
    assert db.session.query(Photo).count() == 0


def test_photo_over_the_byte_limit_is_413(app, api, make_order, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 2000)
    data = image_bytes("PNG", size=(300, 300), color=None)
    noisy = Image.effect_noise((200, 200), 100).convert("RGB")
    out = BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 2000
    response = post_photos(api, make_order(), [("small.png", data[:0] or image_bytes("PNG", size=(8, 8))),
                                               ("big.png", out.getvalue())])
    assert response.status_code == 413
    assert list(response.get_json()["error"]["fields"]) == ["files"]  # the form field the photos come in
    assert db.session.query(Photo).count() == 0


@pytest.mark.parametrize("name, data", [
    ("drawing.svg", b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("drawing.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("notes.txt", b"hello"),
    ("scan.pdf", PDF),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40),
    ("program.jpg", b"\x7fELF" + b"\x00" * 60),
])
def test_svg_text_and_broken_images_are_refused_as_photos(api, make_order, name, data):
    response = post_photos(api, make_order(), [("fine.jpg", image_bytes()), (name, data)])
    assert response.status_code == 415
    assert db.session.query(Photo).count() == 0
    assert "object at 0x" not in response.get_data(as_text=True)  # the imaging library's text named server objects


def test_a_cut_off_image_is_refused_even_after_a_pdf_was_rendered(api, make_order, monkeypatch):
    """WeasyPrint's import tells Pillow, for the whole process, to take truncated images: after the first ticket or
    sheet printed as PDF a damaged photo was stored. The check refuses it whatever an earlier request did."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as `import weasyprint` leaves it
    whole = image_bytes("PNG", size=(600, 400), color=(10, 200, 30))
    response = post_photos(api, make_order(), [("cut.png", whole[:len(whole) // 2] + whole[-12:])])
    assert response.status_code == 415, response.get_json()
    assert db.session.query(Photo).count() == 0


def test_a_refusal_says_the_file_name_without_its_control_or_bidirectional_characters(api, make_order):
    """A U+202E in the name turned the rest of the message around on the page."""
    response = post_photos(api, make_order(), [("pa\u202eb\x01.png", b"not an image")])
    assert response.status_code == 415
    assert response.get_json()["error"]["message"].startswith("pab.png ")


def test_a_16_bit_grey_photo_has_a_thumbnail_that_shows_it(app, api, make_order):
    """Its values (0–65535) were clipped at 255 on the way to the JPEG thumbnail: all white."""
    grey = Image.new("I;16", (300, 200))
    grey.putdata([20_000] * 30_000 + [50_000] * 30_000)  # dark grey above, light grey below
    out = BytesIO()
    grey.save(out, format="PNG")
    assert post_photos(api, make_order(), [("grey.png", out.getvalue())]).status_code == 201
    thumb = Image.open(os.path.join(folder(app), ".thumbs", CANONICAL + "-01.jpg")).convert("L")
    top, bottom = thumb.getpixel((150, 20)), thumb.getpixel((150, 180))
    assert abs(top - 20_000 // 256) <= 3 and abs(bottom - 50_000 // 256) <= 3, (top, bottom)


def test_order_without_an_engineer_cannot_take_photos(api, make_order):
    order = make_order(engineer=None)
    response = post_photos(api, order, [("x.jpg", image_bytes())], user="office")
    assert response.status_code == 422


@pytest.mark.parametrize("user, status", [("eng1", 201), ("eng2", 403), ("mgr", 201), ("mgr2", 403),
                                          ("office", 201), ("gm.wang", 403), ("admin", 403)])
def test_who_may_upload_photos(api, make_order, user, status):
    assert post_photos(api, make_order(), [("x.jpg", image_bytes())], user=user).status_code == status


@pytest.mark.parametrize("user, status", [("eng1", 200), ("eng2", 403), ("mgr", 200), ("mgr2", 403),
                                          ("office", 200), ("gm.wang", 200)])
def test_an_engineer_cannot_see_another_engineers_photos(app, api, make_order, user, status):
    order = make_order()
    post_photos(api, order, [("x.jpg", image_bytes())])
    photo_id = db.session.query(Photo.id).scalar()
    client = app.test_client()
    login(client, user)
    assert client.get(f"/work-orders/{order.id}/photos/{photo_id}").status_code == status
    assert client.get(f"/work-orders/{order.id}/photos/{photo_id}/thumb").status_code == status


def test_phone_upload_form_takes_many_images_from_the_camera(client, make_order):
    order = make_order()
    login(client, "eng1")
    page = client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    field = page[page.index('name="files"') - 200:page.index('name="files"') + 200]
    assert 'type="file"' in field and "multiple" in field and 'accept="image/*"' in field and "capture" in field


def test_web_photo_upload_stores_and_shows_the_gallery(client, make_order):
    order = make_order()
    login(client, "eng1")
    response = client.post(f"/work-orders/{order.id}/photos", data={"files": [upload("a.jpg", image_bytes()),
                                                                              upload("b.jpg", image_bytes())]})
    assert response.status_code == 302
    page = client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    assert CANONICAL + "-02.jpg" in page


def test_web_photo_upload_refusal_is_explained(client, make_order):
    order = make_order()
    login(client, "eng1")
    response = client.post(f"/work-orders/{order.id}/photos", data={"files": [upload("a.svg", b"<svg/>")]})
    assert response.status_code == 415
    assert "a.svg" in response.get_data(as_text=True)


def test_an_empty_photo_is_415_like_any_content_that_is_no_image(api, make_order):
    order = make_order()
    response = post_photos(api, order, [("a.jpg", image_bytes("JPEG")), ("b.jpg", b"")])
    assert response.status_code == 415 and "b.jpg 是空文件" in response.get_json()["error"]["message"]
    assert db.session.query(Photo).count() == 0  # nothing of the request stored


def test_a_photo_uploaded_by_mistake_is_removed_its_file_kept_aside_and_served_no_more(app, api, client, make_order):
    """A wrong photo (another order's, a private picture) stayed on the order for good: nothing removed it."""
    order = make_order()
    post_photos(api, order, [("a.jpg", image_bytes()), ("b.jpg", image_bytes("PNG"))])
    first, second = db.session.query(Photo).order_by(Photo.id).all()
    first_id, second_id = first.id, second.id
    listed = api("GET", f"/work-orders/{order.id}", "eng1").get_json()["photos"]
    assert [photo["id"] for photo in listed] == [first_id, second_id]  # what a client removes them by
    assert api("DELETE", f"/work-orders/{order.id}/photos/{second_id}", "eng2").status_code == 403
    assert api("DELETE", f"/work-orders/{order.id + 1}/photos/{second_id}", "office").status_code == 404
    assert api("DELETE", f"/work-orders/{order.id}/photos/{second_id}", "eng1").status_code == 204  # who uploaded
    assert api("DELETE", f"/work-orders/{order.id}/photos/{second_id}", "eng1").status_code == 404
    db.session.expire_all()
    assert [p.id for p in db.session.query(Photo)] == [first_id]
    kept = os.path.join(folder(app), ".deleted")
    assert sorted(os.listdir(kept)) == [f"{CANONICAL}-02.{second_id}.png", f"{CANONICAL}-02.{second_id}.thumb.jpg"]
    assert sorted(os.listdir(folder(app))) == [".deleted", ".thumbs", CANONICAL + "-01.jpg"]
    login(client, "office")
    assert client.get(f"/work-orders/{order.id}/photos/{second_id}").status_code == 404
    page = client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    assert f"/photos/{first_id}/delete" in page and CANONICAL + "-02" not in page
    response = client.post(f"/work-orders/{order.id}/photos/{first_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("#photos")
    assert db.session.query(Photo).count() == 0
    assert "已删除照片" in client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    again = post_photos(api, order, [("c.jpg", image_bytes())])  # a later photo may take a number given up
    assert again.get_json()["photos"][0]["name"] == CANONICAL + "-01.jpg"


def test_a_deleted_photos_id_is_never_handed_out_again_and_its_kept_file_never_blocks_a_deletion(app, api,
                                                                                                  make_order):
    """On SQLite deleting the newest photo gave its id (and number) to the next upload: a retried DELETE removed that
    one, and the file kept aside under the same id made every later deletion of it a 409."""
    order = make_order()
    post_photos(api, order, [("a.jpg", image_bytes())])
    first = db.session.query(Photo).one().id
    assert api("DELETE", f"/work-orders/{order.id}/photos/{first}", "eng1").status_code == 204
    post_photos(api, order, [("b.jpg", image_bytes())])
    second = db.session.query(Photo).one().id
    assert second > first
    assert api("DELETE", f"/work-orders/{order.id}/photos/{first}", "eng1").status_code == 404  # the retry
    kept = os.path.join(folder(app), ".deleted")
    for name in (f"{CANONICAL}-01.{second}.jpg", f"{CANONICAL}-01.{second}.thumb.jpg"):  # kept from an earlier row
        with open(os.path.join(kept, name), "wb") as taken:
            taken.write(b"earlier")
    assert api("DELETE", f"/work-orders/{order.id}/photos/{second}", "eng1").status_code == 204
    assert db.session.query(Photo).count() == 0
    assert sorted(os.listdir(kept)) == sorted([f"{CANONICAL}-01.{first}.jpg", f"{CANONICAL}-01.{first}.thumb.jpg",
                                               f"{CANONICAL}-01.{second}.jpg", f"{CANONICAL}-01.{second}.thumb.jpg",
                                               f"{CANONICAL}-01.{second}-1.jpg",
                                               f"{CANONICAL}-01.{second}.thumb-1.jpg"])
    with open(os.path.join(kept, f"{CANONICAL}-01.{second}.jpg"), "rb") as earlier:
        assert earlier.read() == b"earlier"  # nothing overwritten


@pytest.mark.parametrize("user, status", [("eng2", 403), ("mgr", 204), ("mgr2", 403), ("gm.wang", 403),
                                          ("admin", 403), ("office", 204)])
def test_who_may_remove_a_photo_the_engineer_uploaded(api, make_order, user, status):
    order = make_order()
    post_photos(api, order, [("x.jpg", image_bytes())])
    photo_id = db.session.query(Photo.id).scalar()
    assert api("DELETE", f"/work-orders/{order.id}/photos/{photo_id}", user).status_code == status


def test_an_engineer_may_not_remove_a_photo_the_office_uploaded(api, make_order):
    order = make_order()
    post_photos(api, order, [("x.jpg", image_bytes())], user="office")
    photo_id = db.session.query(Photo.id).scalar()
    assert api("DELETE", f"/work-orders/{order.id}/photos/{photo_id}", "eng1").status_code == 403
    assert api("DELETE", f"/work-orders/{order.id}/photos/{photo_id}", "office").status_code == 204
