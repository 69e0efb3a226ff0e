"""Import benchmark: a work-order file of N rows (default 20,000) checked and imported on a fresh SQLite file.

    .venv/bin/python -m benchmarks.imports [--orders 20000] [--database URL]

Prints the seconds for reading the file, the dry run and the import (docs/performance.md has the figures).
"""

import argparse
import io
import os
import random
import tempfile
import time
from datetime import date, datetime, timedelta

from openpyxl import Workbook

from tracker import create_app
from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.imports import kinds, services


def _file(count, engineers, seed=7):
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([column.zh for column in kinds.WORK_ORDERS.columns])
    start = datetime(2025, 1, 1, 8, 0)
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
        office = auth_services.create_user({"username": "office", "password": "bench-pass", "display_name": "内勤",
                                            "role": "backoffice"})
        engineers = [f"eng{n:03d}" for n in range(50)]
        for name in engineers:
            auth_services.create_user({"username": name, "password": "bench-pass", "display_name": name,
                                       "role": "engineer", "hire_date": date(2020, 1, 1)})
        db.session.commit()
        data = _file(args.orders, engineers)
        now = datetime(2026, 1, 10, 12, 0)
        started = time.perf_counter()
        report = services.run_import(office, "work_orders", "orders.xlsx", data, now)
        db.session.rollback()
        checked = time.perf_counter()
        report = services.run_import(office, "work_orders", "orders.xlsx", data, now)
        assert report.ok, report.errors[:3]
        db.session.commit()
        imported = time.perf_counter()
        print(f"{args.orders} work orders ({len(data) // 1024} KiB .xlsx) on {db.engine.dialect.name}: "
              f"dry run {checked - started:.1f} s, import {imported - checked:.1f} s "
              f"({args.orders / (imported - checked):.0f} rows/s)")


if __name__ == "__main__":
    main()
