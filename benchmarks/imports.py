"""Import benchmark: a work-order file of N rows (default 20,000) checked and imported on a fresh SQLite file.

    .venv/bin/python -m benchmarks.imports [--orders 20000] [--database URL]

Prints the seconds (wall clock, and this process's CPU time) of reading the file, the dry run and the import (each
reads the file again; the import's include its commit, which recomputes the touched drafts), and of importing the
same file a second time. The engineers' KPI templates are the presets, as `init-db` loads them
(docs/performance.md has the figures).
"""

import argparse
import inspect
import io
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from tracker import clock as app_clock
from tracker import create_app
from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.imports import files, kinds, services
from tracker.scores import templates_store
from tracker.scores.models import Score


def _file(count, engineers, seed=7):
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([column.zh for column in kinds.WORK_ORDERS.columns])
    start = datetime(2026, 1, 1, 8, 0)
    for n in range(1, count + 1):
        reported = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 360))
        done = rng.random() < 0.8
        row = {"number": f"IMP{n:06d}", "customer": f"客户{rng.randrange(400):03d}",
               "equipment": f"{rng.randrange(1, 9)}号机", "service_type": rng.choice(["维修", "常规保养", "巡检"]),
               "reported_at": reported.strftime("%Y-%m-%d %H:%M"),
               "engineer": rng.choice(engineers), "status": "completed" if done else "open",
               "responded_at": (reported + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M"),
               "completed_at": (reported + timedelta(hours=6)).strftime("%Y-%m-%d %H:%M") if done else ""}
        sheet.append([row.get(column.key, "") for column in kinds.WORK_ORDERS.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="tracker-import-bench-")
    url = args.database or "sqlite:///" + os.path.join(folder, "bench.db")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
                      "PASSWORD_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = app_clock.stamp(db.session(), datetime(2027, 1, 10, 12, 0))  # as a command does
        templates_store.sync_presets(now)  # as init-db does: the import's commit recomputes real drafts
        office = auth_services.create_user({"username": "office", "password": "bench-pass", "display_name": "内勤",
                                            "role": "backoffice"})
        engineers = [f"eng{n:03d}" for n in range(50)]
        for name in engineers:
            auth_services.create_user({"username": name, "password": "bench-pass", "display_name": name,
                                       "role": "engineer", "hire_date": date(2020, 1, 1)})
        db.session.commit()
        data = _file(args.orders, engineers)
        clock = Clock()
        files.read_rows(kinds.WORK_ORDERS, "orders.xlsx", data)
        read = clock.lap()
        dry = {"dry_run": True} if "dry_run" in inspect.signature(services.run_import).parameters else {}
        report = services.run_import(office, "work_orders", "orders.xlsx", data, now, **dry)
        assert report.ok and len(report.created) == args.orders, report.errors[:3]
        db.session.rollback()
        checked = clock.lap()
        report = services.run_import(office, "work_orders", "orders.xlsx", data, now)
        assert report.ok, report.errors[:3]
        stored = clock.lap()
        db.session.commit()
        committed = clock.lap()
        drafts = db.session.scalar(select(func.count()).select_from(Score).where(Score.stale.is_(False)))
        report = services.run_import(office, "work_orders", "orders.xlsx", data, now)
        assert len(report.unchanged) == args.orders, (len(report.created), len(report.updated))
        db.session.commit()
        again = clock.lap()
        imported = (stored[0] + committed[0], stored[1] + committed[1])
        print(f"{args.orders} work orders ({len(data) // 1024} KiB .xlsx) on {db.engine.dialect.name}, "
              "seconds wall (CPU):\n"
              f"  reading the file      {read[0]:5.1f} ({read[1]:.1f})\n"
              f"  dry run               {checked[0]:5.1f} ({checked[1]:.1f})\n"
              f"  import                {imported[0]:5.1f} ({imported[1]:.1f})  {args.orders / imported[0]:.0f} rows/s\n"
              f"    of which the commit {committed[0]:5.1f} ({committed[1]:.1f})  (recomputes the touched drafts)\n"
              f"    write lock held     {imported[0] - read[0]:5.1f}        (the import less reading the file)\n"
              f"    drafts computed     {drafts:5d}\n"
              f"  same file again       {again[0]:5.1f} ({again[1]:.1f})  (every row unchanged)")


class Clock:
    """Seconds since the last lap, wall clock and this process's CPU."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self):
        wall, cpu = time.perf_counter(), time.process_time()
        lap = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lap

if __name__ == "__main__":
    main()
