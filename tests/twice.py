"""One write sent twice at the same moment, by two processes: the first does it, flushes and holds its transaction
open until the second is under way, then commits; each prints what happened to it."""

import subprocess
import sys
import textwrap

SCRIPT = """
import pathlib, sys, time
from datetime import datetime
from sqlalchemy import select
from tracker import clock, create_app
from tracker.auth.models import User
from tracker.extensions import db
{imports}
app = create_app({{"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]}})
barrier, first, args = pathlib.Path(sys.argv[3]), sys.argv[4] == "1", sys.argv[5:]
now = datetime(2026, 11, 20, 10)


def wait_for(name):
    deadline = time.time() + 60
    while not (barrier / name).exists() and time.time() < deadline:
        time.sleep(0.01)


with app.test_request_context():  # as a request: the audit log records what it does
    clock.stamp(db.session(), now)
    office = db.session.scalar(select(User).where(User.username == "office"))
    if not first:
        wait_for("done")  # the first one's write is flushed, not committed
        (barrier / "second").touch()
    try:
{action}
        db.session.flush()
        if first:
            (barrier / "done").touch()
            wait_for("second")
            time.sleep(1.0)  # the second request is under way meanwhile
        db.session.commit()
        print("done", flush=True)
    except {refusal} as error:
        db.session.rollback()
        print({answer}, flush=True)
"""


def run_twice(app, tmp_path, *, imports, action, refusal, answer, args=()):
    """The two processes' printed answers, the first's then the second's: "done", or `answer` (an expression of
    the `refusal` caught as `error`). `action` is code run with `office`, `now` and `args` (strings) at hand."""
    script = SCRIPT.format(imports=textwrap.dedent(imports), action=textwrap.indent(textwrap.dedent(action), " " * 8),
                           refusal=refusal, answer=answer)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", script, app.config["DATABASE_URL"], str(tmp_path / f"i{n}"),
                               str(barrier), "1" if n == 0 else "0", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    return [out.strip() for out, _err in outputs]
