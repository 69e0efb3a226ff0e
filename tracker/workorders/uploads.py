"""Scanned tickets and photos (CONTRACT 6): checked, named after the work order, archived atomically, never
overwritten.

Services take file names and streams (or bytes) and `now`, never a request, so the web pages and the API share them.
Database rows are flushed first and the files written last; if the transaction is then rolled back, the files
written are removed again and moved ones put back (see _undo_on_rollback), so disk and database agree.
"""

import contextlib
import hashlib
import itertools
import os
import re
import warnings
from io import BytesIO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import locking, validation
from tracker.errors import Conflict, Forbidden, Invalid, TooLarge, Unsupported
from tracker.extensions import db
from tracker.naming import LINKABLE, check_canonical, inside
from tracker.notifications import services as notifications
from tracker.tickets import decode, qr
from tracker.workorders import files
from tracker.workorders.models import Photo, Scan, WorkOrder
from tracker.auth.access import can_manage_order, can_upload_photos
from tracker.workorders.services import current_scan

SCAN_KINDS = ("pdf", "jpeg", "png")
EXTENSION_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,7}")  # what reads as a file type (.txt), not a name's 1.5号机
PHOTO_KINDS = ("jpeg", "png", "webp")
PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
ORIENTATION = 0x0112
THUMB_SIZE = (480, 480)
UNDO = "tracker.undo_files"
MOVES = "tracker.file_moves"  # (source, target) of stored files to move when the transaction commits


def root():
    return os.path.realpath(current_app.instance_path)


def stored(*parts):
    """A path in the instance folder (its archive/ and photos/ may be links to another disk)."""
    return inside(root(), *parts, linked=LINKABLE)


def beside(folder, *parts):
    """A path in `folder` (one of the instance folder's), checked as stored() checks: no link below archive/ or
    photos/ (a .versions/ or .deleted/ folder either) may lead out of them."""
    return stored(os.path.relpath(folder, root()), *parts)


# ---- scanned tickets ------------------------------------------------------------------------------

def expected_names(order):
    """The file names a scan of this order may have (one per kind, default extensions)."""
    return [f"{order.canonical_name}.{ext}" for ext in ("pdf", "jpg", "png")]


def qr_numbers(data, kind):
    """The current numbers of the work orders named by the valid Tracker ticket QR codes in a scan (a set; usually 0
    or 1): a ticket naming its order by id gives that order's number now (renumbered since, or not); one printed by
    an earlier release, the number it carries."""
    secret = current_app.config["SECRET_KEY"]
    references = [reference for reference in (qr.reference_in(text, secret) for text in decode.qr_texts(data, kind))
                  if reference is not None]
    ids = {order_id for _number, order_id in references if order_id is not None}
    current = dict(db.session.execute(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(sorted(ids))))
                   .all()) if ids else {}
    return {number if order_id is None else current[order_id] for number, order_id in references
            if order_id is None or order_id in current}


def scan_kind(name, data):
    """The kind of a scan's content, PDF, JPEG or PNG; 415 for anything else (CONTRACT 6), an empty file told as
    what it is."""
    if not data:
        message = _("文件是空的")
        raise Unsupported(message, {"file": message})
    kind = files.sniff(data)
    if kind not in SCAN_KINDS:
        message = _("%(name)s 不是 PDF、JPEG 或 PNG 文件（按文件内容识别）", name=validation.safe_filename(name))
        raise Unsupported(message, {"file": message})
    return kind


def read_scan(order, filename, stream, numbers=None):
    """(bytes, kind, extension, by_qr) of an acceptable scan of `order`: 413 too large, 415 wrong content,
    422 wrong name.

    The name is right when it is the canonical name, or when the scan carries the QR code of this order's printed
    ticket (by_qr); a QR code naming another work order is refused either way. `numbers` are the numbers already
    read from the scan's QR codes (None: read them here). At most SCAN_MAX_BYTES + 1 bytes are read from the stream.
    """
    name, stem, ext = files.split_name(filename)
    data = files.read_limited(stream, current_app.config["SCAN_MAX_BYTES"], validation.safe_filename(name))
    kind = scan_kind(name, data)
    canonical = order.canonical_name
    claimed = files.EXTENSIONS.get(ext.lower())
    if claimed not in SCAN_KINDS:
        expected = f"{canonical}.{files.DEFAULT_EXTENSION[kind]}"
        if EXTENSION_SHAPE.fullmatch(ext):  # .txt, .webp: content that does not match its extension (CONTRACT 6)
            message = _("文件内容是 %(kind)s，与扩展名 .%(ext)s 不符：文件名须为 %(expected)s",
                        kind=files.KIND_LABEL[kind], ext=ext, expected=expected)
            raise Unsupported(message, {"file": message}, expected=expected)
        message = _("收到的文件名是 %(given)s；须为 %(expected)s（扩展名 .pdf、.jpg、.jpeg 或 .png）",
                    given=validation.received_name(filename or ""), expected=expected)
        raise Invalid(message, {"file": message}, expected=expected)  # no extension: a name to complete
    if claimed != kind:  # a PNG named .jpg: still the name that would be accepted (CONTRACT 6)
        expected = f"{canonical}.{files.DEFAULT_EXTENSION[kind]}"
        message = _("文件内容是 %(kind)s，与扩展名 .%(ext)s 不符：文件名须为 %(expected)s",
                    kind=files.KIND_LABEL[kind], ext=ext, expected=expected)
        raise Unsupported(message, {"file": message}, expected=expected)
    expected = f"{canonical}.{ext}"
    if numbers is None:
        numbers = qr_numbers(data, kind)
    others = sorted(numbers - {order.number})
    if others:
        message = _("扫描件上的服务单二维码属于工单 %(other)s，不是本工单 %(number)s", other=others[0],
                    number=order.number)
        raise Invalid(message, {"file": message}, expected=expected, qr_work_order=others[0])
    if stem == canonical:
        return data, kind, ext.lower(), False
    if order.number in numbers:
        return data, kind, ext.lower(), True
    message = _("收到的文件名是 %(given)s，且未能识别服务单二维码；文件名须为 %(expected)s（服务日期 + 客户 + 设备 + "
                "服务类型）", given=validation.received_name(filename or ""), expected=expected)
    raise Invalid(message, {"file": message}, expected=expected)


def store_scan(actor, order, filename, stream, now, numbers=None):
    """Archive a scanned ticket as <instance>/archive/<customer>/<canonical name>.<ext>; the caller commits.

    The previous scan of the order moves to .versions/ beside it; when another work order holds the canonical
    name already, this one is stored as <canonical name>-<number>.<ext>. Nothing is ever overwritten.
    The returned row's `named_by_qr` says whether its QR code, rather than its file name, named it.
    """
    if not can_manage_order(actor, order):
        raise Forbidden(_("只有内勤或该工单的主管可以上传电子档"))
    locking.lock_row(order)  # named after the order as stored now, one scan of it at a time
    locking.lock_row(order.customer)  # and its customer's name: a rename meanwhile waits, or is waited for
    check_canonical(order.canonical_name, "file")  # an order stored before names were held to it
    data, kind, ext, by_qr = read_scan(order, filename, stream, numbers)
    folder = stored("archive", order.customer.name)
    previous = current_scan(order)
    stem = _free_stem(order, folder, ext, previous)
    target = beside(folder, f"{stem}.{ext}")
    version = (db.session.scalar(select(func.max(Scan.version)).where(Scan.work_order_id == order.id)) or 0) + 1
    source = retired = None
    if previous is not None:
        source = stored(previous.path)
        retired = _version_path(source, previous)
        previous.current = False
        previous.path = files.relative(retired)
        if not os.path.lexists(source):  # gone from disk: nothing to keep, and its row must not point at the new file
            source = retired = None
    scan = Scan(work_order_id=order.id, customer_id=order.customer_id, version=version, current=True, stem=stem,
                name=f"{stem}.{ext}", path=files.relative(target), kind=kind, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=actor.id, uploaded_at=now)
    scan.named_by_qr = by_qr
    db.session.add(scan)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(_("该工单的电子档正在被同时上传，请稍后重试")) from None
    recipients = notifications.scan_stored(actor, order, scan, now)
    _replace_on_disk(source, retired, target, data, scan.name)
    notifications.mail_scan(actor, order, scan, data, recipients, now)
    return scan


def _replace_on_disk(source, retired, target, data, name):
    """Move the previous file aside (when there is one) and write the new one; on failure put everything back."""
    if retired is not None:
        files.move_new(source, retired)
    try:
        files.write_new(target, data)
    except BaseException as error:
        if retired is not None:
            files.move_new(retired, source)
        if isinstance(error, FileExistsError):
            raise Conflict(_("存档中已有同名文件 %(name)s，未覆盖", name=name)) from None
        raise
    if retired is not None:
        _undo_on_rollback(lambda: files.move_new(retired, source))
    _undo_on_rollback(lambda: os.unlink(target))


def _free_stem(order, folder, ext, previous):
    """The canonical name, or <canonical>-<number> when another work order holds it in the customer's archive (and
    <canonical>-<number>-2, -3… when that too is another's: an order whose service type ends in this one's number
    took it, and this order's scan was refused for good). Takes the customer's lock first: two orders of one
    customer sharing a canonical name, scanned at the same moment, are named one after the other (the second sees
    the first's scan and takes -<number>)."""
    locking.lock_row(order.customer)
    canonical = order.canonical_name
    stems = itertools.chain((canonical, f"{canonical}-{order.number}"),
                            (f"{canonical}-{order.number}-{n}" for n in itertools.count(2)))
    for stem in stems:
        held = db.session.scalar(select(Scan.id).where(
            Scan.customer_id == order.customer_id, Scan.stem == stem, Scan.current.is_(True),
            Scan.work_order_id != order.id).limit(1))
        path = beside(folder, f"{stem}.{ext}")
        stray = os.path.lexists(path) and (previous is None or stored(previous.path) != path)
        if held is None and not stray:
            return stem


def follow_order(order):
    """Keep an order's files named after the order as it now is (CONTRACT 6): after a change of its service date,
    customer, equipment or service type (the canonical name) or of its engineer (the photos' folder), its current
    scan and its photos get their new names now and move to them when the transaction commits (see _moves; a
    rollback moves nothing). Earlier versions of the scan keep their names under .versions/. The caller changed the
    order."""
    scan = current_scan(order)
    if scan is not None:
        _follow_scan(order, scan)
    _follow_photos(order)


def follow_engineer(engineer):
    """After an engineer's username changed: the photos of their orders move to the folder of the new name."""
    for order in db.session.scalars(select(WorkOrder).where(WorkOrder.engineer_id == engineer.id,
                                                            WorkOrder.photos.any())):
        _follow_photos(order)


def follow_customer(customer):
    """After a customer's name changed: the files of its orders follow their new canonical names, and the earlier
    versions of its scans move to the .versions/ of its new folder under the names they had (left behind, they sat
    in a folder of no customer's, which a new customer of the old name then took over)."""
    with_files = (WorkOrder.photos.any()) | WorkOrder.id.in_(select(Scan.work_order_id).where(Scan.current))
    for order in db.session.scalars(select(WorkOrder).where(WorkOrder.customer_id == customer.id, with_files)):
        follow_order(order)
    folder = stored("archive", customer.name, ".versions")
    taken = set()
    for scan in db.session.scalars(select(Scan).join(WorkOrder, WorkOrder.id == Scan.work_order_id).where(
            WorkOrder.customer_id == customer.id, Scan.current.is_(False)).order_by(Scan.id)):
        source = stored(scan.path)
        if os.path.dirname(source) == folder:
            continue
        stem, _dot, ext = os.path.basename(source).rpartition(".")
        attempt, target = 0, beside(folder, os.path.basename(source))
        while target in taken or os.path.lexists(target):
            attempt += 1
            target = beside(folder, f"{stem}-{attempt}.{ext}")
        taken.add(target)
        if os.path.lexists(source):
            _move(source, target)
        scan.path = files.relative(target)


def _follow_scan(order, scan):
    ext = scan.name.rpartition(".")[2]
    folder = stored("archive", order.customer.name)
    source = stored(scan.path)
    canonical = order.canonical_name
    if os.path.dirname(source) == folder and scan.stem in (canonical, f"{canonical}-{order.number}"):
        return
    stem = _free_stem(order, folder, ext, scan)
    target = beside(folder, f"{stem}.{ext}")
    if os.path.lexists(source):
        _move(source, target)
    scan.stem, scan.name, scan.path, scan.customer_id = stem, f"{stem}.{ext}", files.relative(target), order.customer_id


def _follow_photos(order):
    """The photos to photos/<engineer>/<canonical name>/; an order with no engineer now keeps them in the folder of
    the engineer who took them, under its new canonical name."""
    if not order.photos:
        return
    canonical = order.canonical_name
    owner = order.engineer.username if order.engineer is not None else order.photos[0].path.split("/")[1]
    folder = _photo_folder(order, owner)
    moving = [photo for photo in order.photos if os.path.dirname(stored(photo.path)) != folder]
    if not moving:
        return
    names = _photo_names(folder, canonical)
    for photo in moving:
        ext = photo.name.rpartition(".")[2]
        while True:
            stem, thumb = next(names)
            name = f"{stem}.{ext}"
            path = beside(folder, name)
            if not os.path.lexists(path):
                break
        for old, new in ((stored(photo.path), path), (stored(photo.thumb_path), thumb)):
            if os.path.lexists(old):
                _move(old, new)
        photo.name, photo.path, photo.thumb_path = name, files.relative(path), files.relative(thumb)


def _move(source, target):
    """Move a stored file to its new name when the transaction commits (a dry run or a refused change moves
    nothing; the rows already name the target, which only this transaction sees until then)."""
    db.session().info.setdefault(MOVES, []).append((source, target))


@event.listens_for(Session, "before_commit")
def _moves(session):
    """The moves the transaction queued, just before it commits: never over another file, and back again if the
    commit fails after all (the rollback undoes them)."""
    left = set()
    for source, target in session.info.pop(MOVES, []):
        try:
            files.move_new(source, target)
        except FileExistsError:
            raise Conflict(_("存档中已有同名文件 %(name)s，未覆盖", name=os.path.basename(target))) from None
        session.info.setdefault(UNDO, []).append(lambda source=source, target=target: files.move_new(target, source))
        left.add(os.path.dirname(source))
    for folder in sorted(left, key=len, reverse=True):  # a photo folder's .thumbs first, then the folder
        for empty in (folder, os.path.dirname(folder)) if os.path.basename(folder) == ".thumbs" else (folder,):
            with contextlib.suppress(OSError):
                os.rmdir(empty)  # only when empty: the moves emptied it (an undo makes it again)


def _version_path(source, previous):
    """A free name under .versions/ beside the previous file."""
    stem, _dot, ext = previous.name.rpartition(".")
    return _free_path(os.path.join(os.path.dirname(source), ".versions"), f"{stem}.v{previous.version}", ext)


def _free_path(folder, stem, ext):
    """<folder>/<stem>.<ext>, or <stem>-1.<ext>, -2… when that is taken (by a file kept from an earlier row)."""
    attempt = 0
    while True:
        suffix = f"-{attempt}" if attempt else ""
        candidate = beside(folder, f"{stem}{suffix}.{ext}")
        if not os.path.lexists(candidate):
            return candidate
        attempt += 1


# ---- photos -------------------------------------------------------------------------------------

def store_photos(actor, order, uploads, now):
    """Store site photos as <instance>/photos/<engineer>/<canonical>/<canonical>-NN.<ext>, with thumbnails.

    `uploads` is a list of (file name, stream). Every photo is checked (kind by content, size, pixels) and decoded
    before any is written: one refusal stores none. The caller commits.
    """
    if not can_upload_photos(actor, order):
        raise Forbidden(_("无权为该工单上传照片"))
    locking.lock_row(order)  # in the folder of the order as stored now
    locking.lock_row(order.customer)  # named with its customer's name as stored now (a rename waits, or is waited for)
    if order.engineer is None:
        raise Invalid.field("files", _("工单尚未指派工程师，不能上传照片"))
    check_canonical(order.canonical_name, "files")  # an order stored before names were held to it
    uploads = [(name, stream) for name, stream in uploads if name or stream]
    if not uploads:
        raise Invalid.field("files", _("请选择照片"))
    prepared = [_prepare_photo(files.split_name(name)[0], stream) for name, stream in uploads]
    canonical = order.canonical_name
    folder = _photo_folder(order, order.engineer.username)
    names = _photo_names(folder, canonical)
    rows = []
    for photo in prepared:
        while True:
            stem, thumb = next(names)
            name = f"{stem}.{photo['ext']}"
            path = beside(folder, name)
            try:
                files.write_new(path, photo["data"])
            except FileExistsError:
                continue
            break
        _undo_on_rollback(lambda path=path: os.unlink(path))
        files.write_new(thumb, photo["thumb"])
        _undo_on_rollback(lambda thumb=thumb: os.unlink(thumb))
        row = Photo(work_order_id=order.id, name=name, path=files.relative(path), thumb_path=files.relative(thumb),
                    kind=photo["kind"], size=len(photo["data"]), width=photo["width"], height=photo["height"],
                    uploaded_by_id=actor.id, uploaded_at=now)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def _photo_folder(order, owner):
    """photos/<owner>/<canonical name>, or <canonical name>-<number> while another order's photos are in that one:
    two orders of one canonical name (one engineer, one day) each keep their own folder and numbers from 01, as a
    scan takes -<number> (the second order's first photo was -07 among the first one's six)."""
    locking.lock_row(order.customer)  # two such orders given photos at once: the second sees the first's
    canonical = order.canonical_name
    folder = stored("photos", owner, canonical)
    other = db.session.scalar(select(Photo.id).where(
        Photo.path.startswith(files.relative(folder) + "/", autoescape=True), Photo.work_order_id != order.id).limit(1))
    return folder if other is None else stored("photos", owner, f"{canonical}-{order.number}")


def may_remove_photo(actor, photo):
    """Who manages the order (back-office, a manager above its engineer), or whoever uploaded the photo while they
    may still add photos to it (the assigned engineer)."""
    order = photo.work_order
    return can_manage_order(actor, order) or (photo.uploaded_by_id == actor.id and can_upload_photos(actor, order))


def remove_photo(actor, photo):
    """Remove a site photo uploaded by mistake (another order's, a private picture). The caller commits; the row
    goes, its file and thumbnail move to .deleted/ beside them when the transaction commits (kept, as a scan's
    earlier versions are, and never served again); its number may be given to a later photo."""
    if not may_remove_photo(actor, photo):
        raise Forbidden(_("只有内勤、该工单的主管或上传者可以删除照片"))
    locking.lock_row(photo.work_order)  # one change of the order's files at a time
    locking.reread(photo)  # removed by another request meanwhile: 404
    stem = photo.name.rpartition(".")[0]
    folder = os.path.join(os.path.dirname(stored(photo.path)), ".deleted")
    for old, (name, ext) in ((photo.path, (f"{stem}.{photo.id}", photo.name.rpartition('.')[2])),
                             (photo.thumb_path, (f"{stem}.{photo.id}.thumb", "jpg"))):
        if os.path.lexists(stored(old)):
            _move(stored(old), _free_path(folder, name, ext))
    db.session.delete(photo)
    db.session.flush()


def _photo_names(folder, canonical):
    """The free photo names of the folder, in order: (stem "<canonical>-NN", its thumbnail's path), numbered on
    from the highest number the folder or its thumbnails hold; a number whose thumbnail exists is skipped (the
    caller skips one whose photo exists)."""
    number = _next_photo_number(folder, canonical)
    while True:
        stem = f"{canonical}-{number:02d}"
        thumb = beside(folder, ".thumbs", f"{stem}.jpg")
        number += 1
        if not os.path.lexists(thumb):
            yield stem, thumb


def _next_photo_number(folder, canonical):
    pattern = re.compile(re.escape(canonical) + r"-(\d+)\.[A-Za-z]+$")
    numbers = [0]
    for where in (folder, os.path.join(folder, ".thumbs")):
        if os.path.isdir(where):
            numbers += [int(m.group(1)) for m in map(pattern.match, os.listdir(where)) if m]
    return max(numbers) + 1


def _prepare_photo(name, stream):
    """Check one photo and return its bytes (turned upright per EXIF), kind, size and a JPEG thumbnail. `name`, the
    uploaded file's, is only said in refusals (without control or bidirectional characters: U+202E turned the rest
    of the message around)."""
    name = validation.safe_filename(name or "")
    limit = current_app.config["PHOTO_MAX_BYTES"]
    data = files.read_limited(stream, limit, name, field="files")
    if not data:  # none of the three kinds: 415, as for a scan
        message = _("%(name)s 是空文件", name=name)
        raise Unsupported(message, {"files": message})
    kind = files.sniff(data)
    if kind not in PHOTO_KINDS:
        message = _("%(name)s 不是 JPEG、PNG 或 WebP 图片（按文件内容识别）", name=name)
        raise Unsupported(message, {"files": message})
    max_pixels = current_app.config["PHOTO_MAX_PIXELS"]
    # Pillow's own guard as well: it refuses twice the limit already when reading the header; our check below
    # refuses anything over the limit, before a single pixel is decoded.
    Image.MAX_IMAGE_PIXELS = max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint's import sets it for the whole process: a cut-off file is refused
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=[PIL_FORMAT[kind]])  # reads the header only
            width, height = image.size
            if width * height > max_pixels:
                raise _too_many_pixels(name, width, height, max_pixels)
            orientation = image.getexif().get(ORIENTATION, 1)
            upright = image
            if orientation in range(2, 9):
                upright = ImageOps.exif_transpose(image)  # decodes the pixels
                out = BytesIO()
                options = {"quality": 92} if kind in ("jpeg", "webp") else {}
                upright.save(out, format=PIL_FORMAT[kind], exif=upright.info.get("exif", b""), **options)
                data = out.getvalue()
            width, height = upright.size
            thumb = _thumbnail(upright)  # decodes the pixels (each photo's once: a 40-megapixel one took 620 MB)
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, 0, 0, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # the message only: the imaging library's own text is English and names the server's objects
        message = _("%(name)s 无法解码，可能已损坏", name=name)
        raise Unsupported(message, {"files": message}) from None
    return {"data": data, "kind": kind, "ext": files.DEFAULT_EXTENSION[kind], "width": width, "height": height,
            "thumb": thumb}


def _too_many_pixels(name, width, height, limit):
    if width:
        message = _("%(name)s（%(w)s×%(h)s）超过 %(mp)s 百万像素的上限", name=name, w=width, h=height,
                    mp=f"{limit / 1_000_000:g}")
    else:
        message = _("%(name)s 超过 %(mp)s 百万像素的上限", name=name, mp=f"{limit / 1_000_000:g}")
    return TooLarge(message, {"files": message}, limit_pixels=limit)


def _thumbnail(image):
    """The JPEG thumbnail of `image`, which it shrinks in place (no copy of the full-size pixels)."""
    thumb = image
    thumb.thumbnail(THUMB_SIZE)
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        rgba = thumb.convert("RGBA")
        thumb = Image.new("RGB", rgba.size, "white")
        thumb.paste(rgba, mask=rgba.getchannel("A"))
    elif thumb.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey: to 8 bits (converting clipped it to white)
        thumb = thumb.convert("I").point(lambda value: value * (1 / 256)).convert("RGB")
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = BytesIO()
    thumb.save(out, format="JPEG", quality=80)
    return out.getvalue()


# ---- files follow the transaction -------------------------------------------------------------------

def _undo_on_rollback(action):
    db.session().info.setdefault(UNDO, []).append(action)


@event.listens_for(Session, "after_commit")
def _forget(session):
    session.info.pop(UNDO, None)


@event.listens_for(Session, "after_soft_rollback")
def _undo(session, previous_transaction):
    if previous_transaction.nested:
        return
    session.info.pop(MOVES, None)  # queued, never made
    for action in reversed(session.info.pop(UNDO, [])):
        try:
            action()
        except OSError:
            current_app.logger.exception("could not undo a file change after a rollback")
