"""Two computations of one month at the same moment (two processes) store one row per engineer, without error."""

import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, PASSWORD, scratch_postgres_app
from tests.scores.support import NOV, D, Records, at
from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.scores import templates_store
from tracker.scores.models import Score, ScoreLine

ENGINEERS = 40

COMPUTER = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import datetime
    from tracker import create_app
    from tracker.extensions import db
    from tracker.scores import services
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier = pathlib.Path(sys.argv[3])
    with app.app_context():
        services.compute_month("2026-10", datetime(2026, 11, 20, 10))  # warm up: imports, connections
        db.session.commit()
        (barrier / sys.argv[4]).touch()
        deadline = time.time() + 60
        while len(list(barrier.iterdir())) < 2 and time.time() < deadline:  # both start together
            time.sleep(0.01)
        summary = services.compute_month("2026-11", datetime(2026, 11, 20, 10))
        db.session.commit()
        print("computed", summary["computed"], flush=True)
""")


def _seed():
    """ENGINEERS engineers under one manager, each with a little of everything."""
    templates_store.sync_presets(NOW)
    boss = auth_services.create_user({"username": "boss", "password": PASSWORD, "role": "manager",
                                      "display_name": "主管", "hire_date": D(2020, 1, 1)})
    db.session.commit()
    records = Records()
    for n in range(ENGINEERS):
        person = auth_services.create_user({"username": f"eng{n:02d}", "password": PASSWORD, "role": "engineer",
                                            "display_name": f"工程师{n}", "supervisor": "boss",
                                            "hire_date": D(2020, 1, 1)})
        db.session.commit()
        order = records.order(person, at(D(2026, 11, 2), 8), responded=at(D(2026, 11, 2), 9),
                              completed=at(D(2026, 11, 3)))
        records.survey(order, 5)
        records.trip(person, D(2026, 11, 2), 6)
        records.review(person, NOV, boss, "leader")


def _race(url, tmp_path):
    barrier = tmp_path / f"barrier-{time.monotonic_ns()}"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", COMPUTER, url, str(tmp_path / f"i{n}"), str(barrier), str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [out.strip().splitlines()[-1] for out, _err in outputs] == [f"computed {ENGINEERS}"] * 2, outputs


def _assert_one_row_each():
    db.session.rollback()  # read what the other processes committed
    per_engineer = db.session.execute(select(Score.engineer_id, func.count()).where(Score.month == NOV)
                                      .group_by(Score.engineer_id)).all()
    assert len(per_engineer) == ENGINEERS and {n for _id, n in per_engineer} == {1}
    assert db.session.scalar(select(func.count()).select_from(ScoreLine).join(Score, ScoreLine.score_id == Score.id)
                             .where(Score.month == NOV)) == ENGINEERS * 8
    assert db.session.scalar(select(func.count()).select_from(Score).where(Score.month == NOV,
                                                                                  Score.total.is_(None))) == 0


def test_two_computes_at_once_give_one_row_per_engineer(app, tmp_path):
    _seed()
    _race(app.config["DATABASE_URL"], tmp_path)
    _assert_one_row_each()
    _race(app.config["DATABASE_URL"], tmp_path)  # and again, over rows that exist
    _assert_one_row_each()


@pytest.fixture
def postgres_app(tmp_path):
    """An app on a scratch PostgreSQL database (TRACKER_TEST_POSTGRES_URL's server), dropped afterwards."""
    with scratch_postgres_app("_scores_race", tmp_path / "instance") as app:
        yield app

def test_two_computes_at_once_on_postgresql_give_one_row_per_engineer(postgres_app, tmp_path):
    _seed()
    _race(postgres_app.config["DATABASE_URL"], tmp_path)
    _assert_one_row_each()
    _race(postgres_app.config["DATABASE_URL"], tmp_path)
    _assert_one_row_each()
