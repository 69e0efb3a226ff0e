"""Files on disk: content sniffing, bounded reads, atomic writes that never overwrite."""

import errno
import os
import tempfile
import unicodedata

from flask import current_app
from flask_babel import gettext as _

from tracker.errors import TooLarge

# Extension (lower case, no dot) -> the content kind it promises.
EXTENSIONS = {"pdf": "pdf", "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "webp": "webp"}
DEFAULT_EXTENSION = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "webp": "webp"}
KIND_LABEL = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG", "webp": "WebP"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sniff(data):
    """The kind of content by its magic bytes: pdf, jpeg, png, webp, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def read_limited(stream, limit, name="", field="file"):
    """All bytes of a stream (or bytes), refused with 413 past `limit` without reading more than limit + 1; the
    refusal names the form `field` the file came in."""
    data = stream if isinstance(stream, bytes) else stream.read(limit + 1)
    if len(data) > limit:
        message = _("%(name)s 超过 %(limit)s 字节的上限", name=name or _("文件"), limit=f"{limit:,}")
        raise TooLarge(message, {field: message}, limit=limit, file=name)
    return data


def split_name(filename):
    """(NFC name, stem, extension as given) of an uploaded file name; the extension is '' when there is none."""
    name = unicodedata.normalize("NFC", filename or "")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return name, name, ""
    return name, stem, ext


def private_folder(folder):
    """Make the folder and each missing one above it with mode 0700: their names say customers, machines, service
    dates and engineers (os.makedirs gives that mode to the last folder only); an existing folder keeps its mode."""
    if not folder or os.path.isdir(folder):
        return
    private_folder(os.path.dirname(folder))
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:  # made meanwhile by another process
        if not os.path.isdir(folder):
            raise


def write_new(path, data):
    """Write a new file atomically: a temporary file in the same folder, fsync, then a hard link to the final name.

    The final name appears complete or not at all, and an existing file is never replaced (FileExistsError).
    """
    folder = os.path.dirname(path)
    private_folder(folder)
    fd, temp = tempfile.mkstemp(prefix=".part-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _link(temp, path)
    finally:
        os.unlink(temp)
    _fsync_folder(folder)


def move_new(source, target):
    """Move a file to a name that must not exist yet (FileExistsError otherwise); both stay on one file system."""
    private_folder(os.path.dirname(target))
    _link(source, target)
    os.unlink(source)
    _fsync_folder(os.path.dirname(target))
    _fsync_folder(os.path.dirname(source))


def _link(source, target):
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV):
            raise
        # File systems without hard links: an exclusive create, then the content, so nothing is overwritten.
        with open(source, "rb") as src, open(target, "xb") as dst:
            dst.write(src.read())
            dst.flush()
            os.fsync(dst.fileno())


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def relative(path):
    """A path under the instance folder as stored and answered: relative, with forward slashes."""
    return os.path.relpath(path, os.path.realpath(current_app.instance_path)).replace(os.sep, "/")
