"""Checked import files kept until they are imported: the dry run's report offers to import that very file.

They hold people's data (a users file: initial passwords, bonus bases, e-mail addresses), so each is readable by the
server's own user only (mode 0600 in folders of mode 0700, like the database, scans and photos), a user's files sit
in a folder of their own (a token reaches only its uploader's file), an imported file is removed at once, and one
checked more than a day ago and never imported is removed by the scheduler's hourly sweep (and on the next check).
"""

import contextlib
import os
import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker import clock, jobs

STASH_SECONDS = 24 * 3600  # a checked file not imported within a day is removed
TOKEN_RE = re.compile(r"^[0-9a-f]{32}\.(xlsx|csv)$")


def folder(user_id=None):
    """The checked files of one user (or, without user_id, the folder of them all)."""
    root = os.path.join(current_app.instance_path, "imports")
    return root if user_id is None else os.path.join(root, str(user_id))


def _private_folder(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)  # whatever the umask, and for the folders earlier releases made readable by all


def keep(user_id, filename, data):
    """Keep a checked file of user_id; returns its token."""
    _private_folder(folder())
    own = folder(user_id)
    _private_folder(own)
    token = secrets.token_hex(16) + (".csv" if filename.lower().endswith(".csv") else ".xlsx")
    with os.fdopen(os.open(os.path.join(own, token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
        f.write(data)
    return token


def path_of(user_id, token):
    """The path of user_id's checked file `token`, or None when there is none (or the token is not one)."""
    if not TOKEN_RE.match(token or ""):
        return None
    path = os.path.join(folder(user_id), token)
    return path if os.path.exists(path) else None


def remove(path):
    with contextlib.suppress(FileNotFoundError):  # a double click: the other request imported and removed it
        os.remove(path)


def sweep(before):
    """Remove the checked files last written before `before` (seconds since the epoch), in every user's folder
    (and files kept by earlier releases in the folder itself); returns how many."""
    removed = 0
    for where, _folders, names in os.walk(folder()):
        for name in names:
            path = os.path.join(where, name)
            with contextlib.suppress(FileNotFoundError):  # another request removed it meanwhile
                if os.stat(path).st_mtime < before:
                    os.remove(path)
                    removed += 1
    return removed


def sweep_job(now):
    """The scheduler's hourly sweep of the files checked a day before `now` (local wall time): a summary when it
    removed files, None when there were none."""
    removed = sweep(now.replace(tzinfo=clock.zone()).timestamp() - STASH_SECONDS)
    return jobs.said("imports.swept", n=removed) if removed else None


jobs.wording("imports.swept", _l("删除了 %(n)s 个超过一天未导入的待导入文件"))
jobs.register_frequent("import_stash", 3600, sweep_job)
