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
from tracker.auth.models import User
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


RECORDER = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import date, datetime
    from tracker import clock, create_app
    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.itinerary import services
    from tracker.workorders import feedback
    from sqlalchemy import select
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier, kind, day = pathlib.Path(sys.argv[3]), sys.argv[4], date.fromisoformat(sys.argv[5])
    now = datetime(2026, 11, 20, 10)
    with app.app_context():
        clock.stamp(db.session(), now)
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        engineer = db.session.scalar(select(User).where(User.username == "eng00"))
        if kind == "absence":
            services.set_attendance(boss, engineer, day, "absent", now=now)
        else:
            feedback.add_complaint(boss, {"engineer": "eng00", "date": day, "upheld": True}, now)
        db.session.flush()
        (barrier / kind).touch()
        deadline = time.time() + 60
        while len(list(barrier.iterdir())) < 2 and time.time() < deadline:  # both commit together
            time.sleep(0.01)
        db.session.commit()  # the live draft is recomputed in this transaction, before it commits
        print("recorded", flush=True)
""")


def test_two_changes_at_once_both_show_in_the_live_draft_on_postgresql(postgres_app, tmp_path):
    """An absence and an upheld complaint of one engineer recorded at the same moment by two people: each
    transaction recomputes the draft before it commits. The second must wait for the first and read its change,
    so the draft counts both (attendance −5, satisfaction −3 each round); it showed only one of them."""
    _seed()
    from tracker.scores import services

    services.compute_month(NOV, NOW)
    db.session.commit()
    url = postgres_app.config["DATABASE_URL"]
    for round_, day in enumerate(("2026-11-09", "2026-11-10", "2026-11-11")):
        barrier = tmp_path / f"changes-{round_}"
        barrier.mkdir()
        procs = [subprocess.Popen([sys.executable, "-c", RECORDER, url, str(tmp_path / f"r{kind}"), str(barrier),
                                   kind, day], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for kind in ("absence", "complaint")]
        outputs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        db.session.rollback()
        score = db.session.scalar(select(Score).join(User, Score.engineer_id == User.id)
                                  .where(Score.month == NOV, User.username == "eng00"))
        points = {line.code: line.points for line in score.lines}
        assert (points["attendance"], points["satisfaction"]) == (15 - 5 * (round_ + 1), 15 - 3 * (round_ + 1)), \
            (round_, points)


DECIDER = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import datetime
    from tracker import clock, create_app
    from tracker.auth.models import User
    from tracker.errors import Conflict
    from tracker.extensions import db
    from tracker.scores import approval
    from sqlalchemy import select
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier, action = pathlib.Path(sys.argv[3]), sys.argv[4]
    now = datetime(2026, 11, 20, 10)
    with app.app_context():
        clock.stamp(db.session(), now)
        user = lambda name: db.session.scalar(select(User).where(User.username == name))
        engineer = user("eng00")
        (barrier / action).touch()
        deadline = time.time() + 60
        while len(list(barrier.iterdir())) < 2 and time.time() < deadline:
            time.sleep(0.001)
        try:
            if action == "veto":
                approval.veto(user("boss"), engineer, "2026-11", "严重违规", now=now)
            else:
                approval.approve_score(user("gm.boss"), engineer, "2026-11", now=now)
            db.session.commit()
            print("done", flush=True)
        except Conflict as error:
            db.session.rollback()
            print("refused", error.message, flush=True)
""")


def test_a_veto_saved_while_the_gm_approves_is_in_the_approved_total_or_refused(postgres_app, tmp_path):
    """The gm approves eng00's November while the manager vetoes it: either the veto comes first and the approved
    total is 0, or the approval comes first and the veto is refused (409); never an approved total that leaves out a
    stored veto (it was approved at 93.26 beside a veto)."""
    _seed()
    from tracker.scores import approval, services
    from tracker.scores.models import Veto

    gm = auth_services.create_user({"username": "gm.boss", "password": PASSWORD, "role": "gm", "display_name": "总经理"})
    boss = db.session.scalar(select(User).where(User.username == "boss"))
    boss.supervisor_id = gm.id
    engineer = db.session.scalar(select(User).where(User.username == "eng00"))
    approval.record_interview(boss, engineer, NOV, "面谈", now=NOW)
    services.compute_month(NOV, NOW)
    db.session.commit()
    url = postgres_app.config["DATABASE_URL"]
    for round_ in range(4):
        barrier = tmp_path / f"decide-{round_}"
        barrier.mkdir()
        procs = [subprocess.Popen([sys.executable, "-c", DECIDER, url, str(tmp_path / f"d{action}"), str(barrier),
                                   action], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for action in ("veto", "approve")]
        outputs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        db.session.rollback()
        score = db.session.scalar(select(Score).where(Score.engineer_id == engineer.id, Score.month == NOV))
        vetoed = db.session.scalar(select(Veto.id).where(Veto.engineer_id == engineer.id)) is not None
        assert score.status == "approved", outputs
        assert (score.total == 0) if vetoed else (score.total > 0), (round_, vetoed, score.total, outputs)
        # back to the start: reopened, without the veto
        db.session.execute(Veto.__table__.delete())
        approval.reopen_score(db.session.get(User, gm.id), engineer, NOV, "再试", now=NOW)
        db.session.commit()


PAUSED_COMPUTER = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import datetime
    from tracker import create_app
    from tracker.extensions import db
    from tracker.scores import services
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier = pathlib.Path(sys.argv[3])
    read = services.month_facts

    def facts_then_wait(*args, **kwargs):  # the facts read, the draft not stored yet: the calendar changes now
        facts = read(*args, **kwargs)
        (barrier / "read").touch()
        deadline = time.time() + 60
        while not (barrier / "calendar").exists() and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(1.5)  # the calendar's transaction commits meanwhile, unless it waits for this one
        return facts

    services.month_facts = facts_then_wait
    with app.app_context():
        services.compute_month("2026-11", datetime(2026, 11, 20, 10))
        db.session.commit()
        print("computed", flush=True)
""")

CALENDAR_SETTER = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import date
    from tracker import create_app
    from tracker.extensions import db
    from tracker.itinerary import calendar
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier = pathlib.Path(sys.argv[3])
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))  # connected before the race
        deadline = time.time() + 60
        while not (barrier / "read").exists() and time.time() < deadline:
            time.sleep(0.01)
        (barrier / "calendar").touch()
        calendar.set_day(date(2026, 11, 17), False, "补假")
        db.session.commit()  # marks November's drafts stale for the scheduler (CONTRACT 7)
        print("set", flush=True)
""")


def test_a_calendar_change_during_a_computation_is_not_lost_under_its_draft_on_postgresql(postgres_app, tmp_path):
    """A computation read November's facts, then the admin made 17 November a holiday (its drafts marked stale),
    then the computation stored its draft, stale: false, counting an absence on a day that is no workday any more;
    no job recomputes a past month that is not stale, so the draft stayed wrong. The calendar change now waits for
    the computation and marks its draft stale."""
    _seed()
    from tracker.scores import services

    eng00 = db.session.scalar(select(User).where(User.username == "eng00"))
    Records().attendance(eng00, D(2026, 11, 17), "absent")
    services.compute_month(NOV, NOW)
    db.session.commit()
    url = postgres_app.config["DATABASE_URL"]
    barrier = tmp_path / "calendar-race"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", script, url, str(tmp_path / name), str(barrier)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, script in (("compute", PAUSED_COMPUTER), ("calendar", CALENDAR_SETTER))]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    db.session.rollback()
    score = db.session.scalar(select(Score).where(Score.engineer_id == eng00.id, Score.month == NOV))
    attendance = next(line.points for line in score.lines if line.code == "attendance")
    assert score.stale or attendance == 15, (score.stale, attendance)  # stale for the scheduler, or right


NOVEMBER_THEN_DECEMBER = textwrap.dedent("""
    import pathlib, sys, time
    from tracker import create_app, locking
    from tracker.extensions import db
    from tracker.scoring.month import Month
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier = pathlib.Path(sys.argv[3])
    with app.app_context():
        locking.lock_month(Month("2026-11"))  # as every writer does: the earlier month first
        (barrier / "november").touch()
        deadline = time.time() + 60
        while not (barrier / "removing").exists() and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(1.0)  # the removal is under way meanwhile
        locking.lock_month(Month("2026-12"))
        db.session.commit()
        print("locked", flush=True)
""")

SURVEY_REMOVER = textwrap.dedent("""
    import pathlib, sys, time
    from datetime import datetime
    from sqlalchemy import select
    from tracker import clock, create_app
    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.workorders import feedback
    app = create_app({"DATABASE_URL": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
    barrier, survey_id = pathlib.Path(sys.argv[3]), int(sys.argv[4])
    with app.test_request_context():
        clock.stamp(db.session(), datetime(2026, 12, 5, 10))
        boss = db.session.scalar(select(User).where(User.username == "boss"))
        deadline = time.time() + 60
        while not (barrier / "november").exists() and time.time() < deadline:
            time.sleep(0.01)
        (barrier / "removing").touch()
        feedback.delete_survey(boss, feedback.survey_of(boss, survey_id))
        db.session.commit()
        print("removed", flush=True)
""")


def test_a_survey_removed_while_another_writer_holds_its_report_month_waits_instead_of_deadlocking(
        postgres_app, tmp_path):
    """An order reported on 30 November and completed on 1 December: removing its survey locked December (the month
    it counts in) and then November (its report month, recomputed at commit), while every other writer locks November
    first; the two deadlocked and one answered 500. The removal now takes November first and waits."""
    _seed()
    from datetime import datetime

    eng00 = db.session.scalar(select(User).where(User.username == "eng00"))
    records = Records()
    order = records.order(eng00, datetime(2026, 11, 30, 16), responded=datetime(2026, 11, 30, 17),
                          completed=datetime(2026, 12, 1, 11))
    survey = records.survey(order, 2)
    db.session.commit()
    url = postgres_app.config["DATABASE_URL"]
    barrier = tmp_path / "survey-race"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", script, url, str(tmp_path / name), str(barrier), *extra],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, script, extra in (("locker", NOVEMBER_THEN_DECEMBER, ()),
                                         ("remover", SURVEY_REMOVER, (str(survey.id),)))]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [out.strip() for out, _err in outputs] == ["locked", "removed"], outputs


def test_a_transaction_the_database_ends_to_break_a_deadlock_is_a_409_to_send_again_not_a_500(postgres_app):
    """PostgreSQL ends one of two deadlocked transactions (SQLSTATE 40P01): nothing of it is stored, and sent again
    it goes through. It answered 500 "internal error"."""
    def deadlocked():
        db.session.execute(db.text("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"))
        return "unreachable"

    postgres_app.add_url_rule("/api/v1/test-deadlock", "test_deadlock", deadlocked)
    postgres_app.add_url_rule("/test-deadlock", "test_deadlock_page", deadlocked)
    client = postgres_app.test_client()
    answer = client.get("/api/v1/test-deadlock")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "conflict"
    assert client.get("/test-deadlock").status_code == 409
