"""A survey or complaint removed by two requests at once is removed once: the second is told it is gone (404), as a
trip's second removal is, and the audit log names one removal."""

import subprocess
import sys
import textwrap
import time
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.scores.support import Records
from tracker.audit import AuditEvent
from tracker.extensions import db

REMOVER = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import datetime
    from sqlalchemy import select
    from tracker import clock, create_app
    from tracker.auth.models import User
    from tracker.errors import NotFound
    from tracker.extensions import db
    from tracker.workorders import feedback
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier, kind, row_id, first = pathlib.Path(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6] == "1"
    now = datetime(2026, 11, 20, 10)

    def wait_for(name):
        deadline = time.time() + 60
        while not (barrier / name).exists() and time.time() < deadline:
            time.sleep(0.01)

    with app.test_request_context():  # as a request: the audit log records what it removes
        clock.stamp(db.session(), now)
        office = db.session.scalar(select(User).where(User.username == "office"))
        if not first:
            wait_for("removed")  # the first removal is flushed, not committed
            (barrier / "second").touch()
        try:
            if kind == "survey":
                feedback.delete_survey(office, feedback.survey_of(office, row_id))
            else:
                feedback.delete_complaint(office, feedback.complaint_of(row_id))
            db.session.flush()
            if first:
                (barrier / "removed").touch()
                wait_for("second")
                time.sleep(1.0)  # the second request is under way meanwhile
            db.session.commit()
            print("removed", flush=True)
        except NotFound:
            db.session.rollback()
            print("404", flush=True)
""")


@pytest.mark.parametrize("kind", ["survey", "complaint"])
def test_a_survey_or_complaint_removed_twice_at_once_is_removed_once(app, team, tmp_path, kind):
    records = Records()
    order = records.order(team["eng1"], datetime(2026, 11, 2, 9), completed=datetime(2026, 11, 3, 10))
    row = records.survey(order, 2) if kind == "survey" else records.complaint(team["eng1"], date(2026, 11, 3))
    db.session.commit()
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", REMOVER, app.config["DATABASE_URL"], str(tmp_path / f"i{n}"),
                               str(barrier), kind, str(row.id), "1" if n == 0 else "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    started = time.time()
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [out.strip() for out, _err in outputs] == ["removed", "404"], (outputs, time.time() - started)
    db.session.rollback()
    removals = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == f"{kind}s.delete"))
    assert removals == 1
