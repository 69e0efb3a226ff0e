"""The schema comes from migrations, and the migrations match the models."""

import os

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from tests.conftest import skip_or_fail
from tracker import create_app
from tracker.cli import init_schema
from tracker.extensions import db


def _upgraded_app(url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        init_schema()
    return app


def _diff(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _approved_score():
    """An engineer and an approved score of 2026-10 (id 1 each) with one line explained as rendered text (as lines
    were stored before c5e8a1f3b920), written as any release's schema holds them."""
    db.session.execute(text(
        "INSERT INTO users (id, username, password_hash, display_name, role, bonus_base, active, created_at) "
        "VALUES (1, 'eng1', 'x', '张工', 'engineer', 0, 1, '2026-01-01 00:00:00')"))
    db.session.execute(text(
        "INSERT INTO scores (id, engineer_id, month, eligible, vetoed, status, computed_at) "
        "VALUES (1, 1, '2026-10', 1, 0, 'approved', '2026-11-01 00:00:00')"))
    db.session.execute(text(
        "INSERT INTO score_lines (score_id, position, code, name, name_en, applies, max_points, explanation, "
        "explanation_en) VALUES (1, 1, 'on_time', '准时完工', 'On-time completion', 0, 15, "
        "'准时完工：本月不适用，不计入', 'On-time completion: does not apply this month')"))


def test_init_db_creates_the_schema_of_the_models_on_sqlite(tmp_path):
    app = _upgraded_app("sqlite:///" + str(tmp_path / "fresh.db"), tmp_path)
    assert _diff(app) == []


def test_init_db_twice_keeps_the_data(tmp_path):
    url = "sqlite:///" + str(tmp_path / "again.db")
    app = _upgraded_app(url, tmp_path)
    with app.app_context():
        db.session.execute(text("INSERT INTO customers (name, created_at) VALUES ('旗滨玻璃', '2026-01-01')"))
        db.session.commit()
        init_schema()
        assert db.session.execute(text("SELECT count(*) FROM customers")).scalar() == 1


def test_init_db_creates_the_schema_of_the_models_on_postgresql(tmp_path):
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TRACKER_TEST_POSTGRES_URL is not set")
    base, _, name = url.replace("postgresql://", "postgresql+psycopg://", 1).rpartition("/")
    scratch = name + "_migrations"
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        app = _upgraded_app(f"{base}/{scratch}", tmp_path)
        assert _diff(app) == []
        with app.app_context():
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_keeps_the_explanations_of_lines_computed_before_messages(tmp_path):
    """A score line stored as rendered text (before c5e8a1f3b920) still shows that text, in both languages."""
    import flask_migrate
    from sqlalchemy import select

    from tracker.scores import listing
    from tracker.scores.models import ScoreLine

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "old.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        flask_migrate.upgrade(revision="c3d5e7f9a021")
        _approved_score()
        db.session.commit()
        flask_migrate.upgrade()
        line = db.session.scalar(select(ScoreLine))
        assert line.message is None
        assert line.explain("zh") == "准时完工：本月不适用，不计入"
        assert line.explain("en") == "On-time completion: does not apply this month"
        table = ScoreLine.__table__
        row = db.session.execute(select(*(table.c[c] for c in listing.EXPLAINED_COLUMNS))).mappings().one()
        assert listing.line_explanation(row, "en") == "On-time completion: does not apply this month"
        assert _diff(app) == []


def test_a_migration_that_rebuilds_a_table_on_sqlite_keeps_the_rows_that_refer_to_it(tmp_path):
    """SQLite's batch mode rebuilds a table (copy, drop, rename). With foreign keys enforced, dropping `scores` deletes
    every score line through ON DELETE CASCADE; migrations therefore run with them off, and are checked after."""
    import flask_migrate

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "rebuilt.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        init_schema()
        _approved_score()
        db.session.commit()
        flask_migrate.downgrade(revision="fdfce20839a7")  # drops scores.stale: SQLite rebuilds `scores`
        flask_migrate.upgrade()
        assert db.session.execute(text("SELECT count(*) FROM score_lines")).scalar() == 1
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1  # enforced again afterwards
        assert _diff(app) == []


def test_a_database_made_when_the_fact_index_revision_lacked_the_completed_index_gets_it(tmp_path):
    """Revision b6c8d0e2f415 was first released without ix_work_orders_completed (de4c517); a database made then
    counted as past it and never got the index (a whole-table read for every month's completed orders)."""
    import flask_migrate

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "missed.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        flask_migrate.upgrade(revision="b6c8d0e2f415")
        db.session.execute(text("DROP INDEX ix_work_orders_completed"))  # as that release left it
        db.session.commit()
        flask_migrate.upgrade()
        assert _diff(app) == []
        flask_migrate.downgrade(revision="d2f4a6b8c031")  # and back: the index stays, it is b6c8d0e2f415's
        names = {index["name"] for index in inspect(db.engine).get_indexes("work_orders")}
        assert "ix_work_orders_completed" in names


def test_ids_of_rows_clients_delete_by_id_are_never_handed_out_again_after_the_upgrade_on_sqlite(tmp_path):
    """Revision a3c5e7f9b218 rebuilds those tables with AUTOINCREMENT, keeping every row: deleting the newest trip no
    longer gives its id to the next one (a DELETE retried by a client whose first answer was lost removed that)."""
    import flask_migrate

    from tracker.extensions import NEVER_REUSED

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "ids.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    tables = sorted(t.name for t in db.metadata.sorted_tables if t.dialect_kwargs.get("sqlite_autoincrement"))
    assert tables == ["adjustments", "chat_robots", "complaints", "expenses", "incidents", "metric_entries",
                      "photos", "ratings", "surveys", "trips"] and NEVER_REUSED == {"sqlite_autoincrement": True}
    with app.app_context():
        init_schema()
        flask_migrate.downgrade(revision="c8e0a2b4d617")  # the schema of the release before
        _approved_score()
        for trip_id in (5, 7):
            db.session.execute(text(
                "INSERT INTO trips (id, engineer_id, day, full_day, hours, created_at) "
                f"VALUES ({trip_id}, 1, '2026-10-0{trip_id}', 1, 7.5, '2026-10-01 00:00:00')"))
        for table, deleted in (("trips", 9), ("surveys", 3)):  # deleted before the upgrade, as the audit log says
            db.session.execute(text(
                "INSERT INTO audit_events (at, kind, action, subject, record_type, record_id) VALUES "
                f"('2026-10-09 00:00:00', 'delete', '{table}.delete', '{table}#{deleted}', '{table}', '{deleted}')"))
        db.session.commit()
        flask_migrate.upgrade()
        assert db.session.execute(text("SELECT id, day FROM trips ORDER BY id")).all() == [
            (5, "2026-10-05"), (7, "2026-10-07")]
        assert db.session.execute(text("SELECT count(*) FROM score_lines")).scalar() == 1
        for table in tables:
            sql = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
            assert "AUTOINCREMENT" in sql, table
        counters = dict(db.session.execute(text("SELECT name, seq FROM sqlite_sequence")).all())
        assert (counters["trips"], counters["surveys"]) == (9, 3)  # past the ids deleted before the upgrade too
        db.session.execute(text("INSERT INTO trips (engineer_id, day, full_day, hours, created_at) "
                                "VALUES (1, '2026-10-08', 1, 7.5, '2026-10-01 00:00:00')"))
        assert db.session.execute(text("SELECT max(id) FROM trips")).scalar() == 10
        db.session.execute(text("DELETE FROM trips WHERE id = 10"))
        db.session.execute(text("INSERT INTO trips (engineer_id, day, full_day, hours, created_at) "
                                "VALUES (1, '2026-10-08', 1, 7.5, '2026-10-01 00:00:00')"))
        assert db.session.execute(text("SELECT max(id) FROM trips")).scalar() == 11  # 10 is not handed out again
        db.session.commit()
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert _diff(app) == []


def test_a_database_upgraded_by_the_first_text_of_the_ids_revision_gets_its_counters_past_deleted_ids(tmp_path):
    """Revision a3c5e7f9b218 was first released setting the counters from the largest id only (e16613f); a database
    upgraded then counts as past it, and the id of a trip deleted before was handed out again."""
    import flask_migrate

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "first.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        flask_migrate.upgrade(revision="a3c5e7f9b218")
        _approved_score()
        db.session.execute(text("INSERT INTO trips (id, engineer_id, day, full_day, hours, created_at) "
                                "VALUES (5, 1, '2026-10-05', 1, 7.5, '2026-10-01 00:00:00')"))
        for table, deleted in (("trips", 9), ("surveys", 3), ("trips", 7)):
            db.session.execute(text(
                "INSERT INTO audit_events (at, kind, action, subject, record_type, record_id) VALUES "
                f"('2026-10-09 00:00:00', 'delete', '{table}.delete', '{table}#{deleted}', '{table}', '{deleted}')"))
        db.session.execute(text("UPDATE sqlite_sequence SET seq = 5 WHERE name = 'trips'"))  # as the first text left it
        db.session.execute(text("DELETE FROM sqlite_sequence WHERE name = 'surveys'"))
        db.session.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('expenses', 40)"))
        db.session.commit()
        flask_migrate.upgrade()
        counters = dict(db.session.execute(text("SELECT name, seq FROM sqlite_sequence")).all())
        assert (counters["trips"], counters["surveys"], counters["expenses"]) == (9, 3, 40)  # never lowered
        db.session.execute(text("INSERT INTO trips (engineer_id, day, full_day, hours, created_at) "
                                "VALUES (1, '2026-10-08', 1, 7.5, '2026-10-01 00:00:00')"))
        assert db.session.execute(text("SELECT max(id) FROM trips")).scalar() == 10
        db.session.commit()
        assert _diff(app) == []


def test_photo_ids_are_never_handed_out_again_after_the_upgrade_on_sqlite(tmp_path):
    """Revision e6a8c0b2d417 rebuilds the photos as a3c5e7f9b218 rebuilt the other rows clients delete by id: every
    photo kept with its id, the counter past the ids in use and those the audit log records as deleted."""
    import flask_migrate

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "photos.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        init_schema()
        flask_migrate.downgrade(revision="d7f1a3c5e926")  # the schema of the release before
        db.session.execute(text("INSERT INTO customers (id, name, created_at) VALUES (1, '旗滨玻璃', '2026-01-01')"))
        db.session.execute(text(
            "INSERT INTO work_orders (id, number, customer_id, equipment, service_type, reported_at, status, rework, "
            "created_at) VALUES (1, 'A', 1, '', '维修', '2026-10-01 09:00:00', 'open', 'none', '2026-10-01')"))
        for photo_id in (4, 6):
            db.session.execute(text(
                "INSERT INTO photos (id, work_order_id, name, path, thumb_path, kind, size, width, height, "
                f"uploaded_at) VALUES ({photo_id}, 1, 'p{photo_id}.jpg', 'photos/p{photo_id}.jpg', "
                f"'photos/.thumbs/p{photo_id}.jpg', 'jpeg', 10, 1, 1, '2026-10-01 10:00:00')"))
        db.session.execute(text(
            "INSERT INTO audit_events (at, kind, action, subject, record_type, record_id) VALUES "
            "('2026-10-09 00:00:00', 'delete', 'photos.delete', 'photos#8', 'photos', '8')"))
        db.session.commit()
        flask_migrate.upgrade()
        assert db.session.execute(text("SELECT id, name FROM photos ORDER BY id")).all() == [
            (4, "p4.jpg"), (6, "p6.jpg")]
        sql = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = 'photos'")).scalar()
        assert "AUTOINCREMENT" in sql
        assert db.session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'photos'")).scalar() == 8
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert _diff(app) == []


def test_machines_named_on_work_orders_before_the_upgrade_become_records(tmp_path):
    """Orders stored through a page or the API named machines that had no record (only an import made one): revision
    b7d9f1a3c520 makes each a record of its customer, once, dated by its first order; a record there already keeps
    its details."""
    import flask_migrate

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "machines.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        init_schema()
        flask_migrate.downgrade(revision="a3c5e7f9b218")  # the schema of the release before
        db.session.execute(text("INSERT INTO customers (id, name, created_at) VALUES "
                                "(1, '旗滨玻璃', '2026-01-01 00:00:00'), (2, '南玻集团', '2026-01-01 00:00:00')"))
        db.session.execute(text("INSERT INTO equipment (customer_id, name, model, created_at) "
                                "VALUES (1, '1号机', 'QB-2000', '2026-01-02 00:00:00')"))
        for number, customer, machine, created in (("A", 1, "1号机", "03"), ("B", 1, "2号机", "05"),
                                                   ("C", 1, "2号机", "04"), ("D", 2, "2号机", "06"),
                                                   ("E", 2, "", "07")):
            db.session.execute(text(
                "INSERT INTO work_orders (number, customer_id, equipment, service_type, reported_at, status, "
                f"rework, created_at) VALUES ('{number}', {customer}, '{machine}', '维修', '2026-10-01 09:00:00', "
                f"'open', 'none', '2026-10-{created} 00:00:00')"))
        db.session.commit()
        flask_migrate.upgrade()
        rows = db.session.execute(text("SELECT customer_id, name, model, created_at FROM equipment "
                                       "ORDER BY customer_id, name")).all()
        assert [(customer, name, model, str(created)[:10]) for customer, name, model, created in rows] == [
            (1, "1号机", "QB-2000", "2026-01-02"), (1, "2号机", None, "2026-10-04"), (2, "2号机", None, "2026-10-06")]
        assert _diff(app) == []


def test_drafts_are_marked_to_recompute_after_the_upgrade_that_names_their_records(tmp_path):
    """Drafts of past months kept empty records for field hours and expenses until something they read changed:
    revision c1e3a5b7d924 marks every draft stale for the scheduler; an approved score is left alone."""
    import flask_migrate

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "drafts.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        init_schema()
        flask_migrate.downgrade(revision="b7d9f1a3c520")
        _approved_score()
        db.session.execute(text("INSERT INTO scores (id, engineer_id, month, eligible, vetoed, status, stale, "
                                "computed_at) VALUES (2, 1, '2026-11', 1, 0, 'draft', 0, '2026-12-01 00:00:00')"))
        db.session.commit()
        flask_migrate.upgrade()
        assert db.session.execute(text("SELECT id, status, stale FROM scores ORDER BY id")).all() == [
            (1, "approved", 0), (2, "draft", 1)]
        assert _diff(app) == []



ON_TIME_LATE_6 = ('{"k":"indicator","p":{"name":{"t":["准时完工","On-time completion"]},"details":[{"k":"on_time",'
                  '"p":{"late":"6"}}],"points":{"d":"9"},"max":{"d":"15"}}}')


@pytest.mark.parametrize("release, explanation", [
    ("d2f4a6b8c031", "准时完工：逾期完工 6 单，得 9 分（满分 15）"),  # a release before 70fccd0 showed this
    ("c1e3a5b7d924", "准时完工：逾期 6 单，得 9 分（满分 15）")])
def test_scores_approved_before_approval_kept_their_text_keep_it_as_the_instance_showed_it(tmp_path, release,
                                                                                         explanation):
    """A score approved by a release that stored messages but did not yet keep the approved text was rendered with
    each later release's wording: an upgrade changed an approved month's explanation (逾期完工 6 单 read 逾期 6 单).
    Revision d7f1a3c5e926 writes the text as the release the instance ran showed it; a draft stays a message."""
    import flask_migrate

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + str(tmp_path / "approved.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        init_schema()
        flask_migrate.downgrade(revision=release)
        db.session.execute(text(
            "INSERT INTO users (id, username, password_hash, display_name, role, bonus_base, active, created_at) "
            "VALUES (1, 'eng1', 'x', '张工', 'engineer', 0, 1, '2026-01-01 00:00:00')"))
        for score_id, month, status in [(1, "2026-10", "approved"), (2, "2026-11", "draft")]:
            db.session.execute(text(
                "INSERT INTO scores (id, engineer_id, month, eligible, vetoed, status, computed_at) "
                "VALUES (:id, 1, :month, 1, 0, :status, '2026-12-01 00:00:00')"),
                {"id": score_id, "month": month, "status": status})
            db.session.execute(text(
                "INSERT INTO score_lines (score_id, position, code, name, name_en, applies, max_points, points, "
                "message) VALUES (:id, 1, 'on_time', '准时完工', 'On-time completion', 1, 15, 9, :message)"),
                {"id": score_id, "message": ON_TIME_LATE_6})
        db.session.commit()
        flask_migrate.upgrade()
        rows = db.session.execute(text(
            "SELECT score_id, message IS NULL, explanation, explanation_en FROM score_lines ORDER BY score_id")).all()
        assert rows == [(1, 1, explanation, "On-time completion: 6 late order(s); 9 of 15 points"),
                        (2, 0, None, None)]
        flask_migrate.upgrade()  # again: nothing left to write
        assert _diff(app) == []
