"""The floor and the analyst: the same per-engineer facts by hand-written SQL, and by pandas.

Both give, for each engineer, the summary `summary()` makes of the app's facts, so one comparison checks all three.
The floor also writes the same number of result rows the app writes (a score row and its indicator lines per
engineer) in bulk, the fastest way each database offers (COPY on PostgreSQL, executemany on SQLite), into
temporary tables.
"""

import os
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal

from sqlalchemy import text

from tracker.scoring.month import Month
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.scores.facts import UNIXEPOCH

NON_PRESENT = ("late", "early_leave", "absent", "personal_leave", "sick_leave", "annual_leave", "business_trip")
TRACE = bool(os.environ.get("BENCH_TRACE"))
FIELDS = ("absences", "field_hours", "expenses", "within", "outside", "late", "has_deadline", "completed",
          "rework_external", "rework_internal", "surveys", "good", "upheld", "complaints", "satisfied")


def summary(facts):
    """The comparable numbers of one engineer's app facts."""
    counts = facts["attendance"]["counts"]
    return (sum(n for status, n in counts.items() if status != "present"), Decimal(facts["field_hours"]),
            Decimal(facts["expenses"]), facts["response"]["within"], facts["response"]["outside"],
            len(facts["on_time"]["late_ids"]), bool(facts["on_time"]["has_deadline"]),
            facts["rework_external"]["completed"], len(facts["rework_external"]["unit_ids"]),
            len(facts["rework_internal"]["unit_ids"]), facts["satisfaction"]["surveys"], facts["satisfaction"]["good"],
            len(facts["satisfaction"]["upheld_complaint_ids"]), facts["complaints"]["total"],
            facts["complaints"]["satisfied"])


def _window(month):
    first, nxt = Month(month).bounds()
    workdays = sorted(day for day, work in calendar.workdays_between(first, nxt).items() if work)
    return first, nxt, datetime.combine(first, clock_time()), datetime.combine(nxt, clock_time()), workdays


def _waited_within(dialect):
    if dialect == "postgresql":
        return "w.responded_at - w.reported_at <= interval '2 hours'"
    if UNIXEPOCH:
        return "unixepoch(w.responded_at) - unixepoch(w.reported_at) <= 7200"
    return "CAST(strftime('%s', w.responded_at) AS INTEGER) - CAST(strftime('%s', w.reported_at) AS INTEGER) <= 7200"


def floor_facts(month, engineer_ids):
    """{engineer_id: summary tuple} in ten hand-written grouped queries (engineers by a join on a VALUES list)."""
    dialect = db.session.get_bind().dialect.name
    first, nxt, start, end, workdays = _window(month)
    params = {"first": first, "nxt": nxt, "start": start, "end": end}
    ids = sorted(engineer_ids)
    if dialect == "postgresql":
        people = "(SELECT unnest(CAST(:ids AS integer[])) AS id) e"
        params["ids"] = ids
    else:
        people = "(SELECT value AS id FROM json_each(:ids)) e"
        params["ids"] = "[" + ",".join(map(str, ids)) + "]"
    day_marks = ", ".join(f":d{n}" for n in range(len(workdays)))
    params.update({f"d{n}": day for n, day in enumerate(workdays)})
    out = {i: [0, Decimal(0), Decimal(0), 0, 0, 0, False, 0, 0, 0, 0, 0, 0, 0, 0] for i in ids}

    def run(sql):
        started = time.perf_counter()
        rows = db.session.execute(text(sql), params).all()
        if TRACE:
            print(f"{time.perf_counter() - started:.3f}", sql[:90])
        return rows

    for eid, n in run(f"SELECT a.engineer_id, count(*) FROM {people} JOIN attendance a ON a.engineer_id = e.id "
                      f"WHERE a.day IN ({day_marks}) AND a.status <> 'present' GROUP BY a.engineer_id"):
        out[eid][0] = int(n)
    for eid, hours in run(f"SELECT d.engineer_id, sum(CASE WHEN d.full = 1 OR d.hours > 7.5 THEN 7.5 "
                          f"ELSE d.hours END) FROM (SELECT t.engineer_id, t.day, sum(t.hours) AS hours, "
                          f"max(CASE WHEN t.full_day THEN 1 ELSE 0 END) AS full FROM {people} JOIN trips t "
                          f"ON t.engineer_id = e.id WHERE t.day >= :first AND t.day < :nxt "
                          f"GROUP BY t.engineer_id, t.day) d GROUP BY d.engineer_id"):
        out[eid][1] = Decimal(str(hours))
    for eid, total in run(f"SELECT x.engineer_id, sum(x.amount) FROM {people} JOIN expenses x ON x.engineer_id = e.id "
                          f"WHERE x.day >= :first AND x.day < :nxt GROUP BY x.engineer_id"):
        out[eid][2] = Decimal(str(total)).quantize(Decimal("0.01"))
    within = _waited_within(dialect)
    live = "w.status <> 'cancelled'"
    for eid, ok, late in run(
            f"SELECT w.engineer_id, sum(CASE WHEN w.responded_at IS NOT NULL AND {within} THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN (w.responded_at IS NOT NULL AND NOT ({within})) OR w.responded_at IS NULL "
            f"THEN 1 ELSE 0 END) FROM {people} JOIN work_orders w ON w.engineer_id = e.id "
            f"WHERE w.reported_at >= :start AND w.reported_at < :end AND {live} GROUP BY w.engineer_id"):
        out[eid][3], out[eid][4] = int(ok), int(late)
    for eid, n, late in run(
            f"SELECT w.engineer_id, count(*), sum(CASE WHEN (w.completed_at IS NOT NULL AND "
            f"w.completed_at > w.deadline_at) OR (w.completed_at IS NULL AND w.deadline_at < :end) THEN 1 ELSE 0 END) "
            f"FROM {people} JOIN work_orders w ON w.engineer_id = e.id "
            f"WHERE w.deadline_at >= :start AND w.deadline_at < :end AND {live} GROUP BY w.engineer_id"):
        out[eid][5], out[eid][6] = int(late), n > 0
    for eid, n in run(f"SELECT w.engineer_id, count(*) FROM {people} JOIN work_orders w ON w.engineer_id = e.id "
                      f"WHERE w.completed_at >= :start AND w.completed_at < :end AND {live} GROUP BY w.engineer_id"):
        out[eid][7] = int(n)
    chosen = people[:-2] + " p"
    for eid, ext, internal in run(
            f"SELECT x.charged, sum(CASE WHEN x.rework = 'external' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN x.rework = 'internal' THEN 1 ELSE 0 END) FROM (SELECT coalesce(r.engineer_id, "
            f"w.engineer_id) AS charged, w.rework FROM work_orders w LEFT JOIN work_orders r ON r.id = w.rework_of_id "
            f"WHERE w.rework IN ('external', 'internal') AND w.reported_at >= :start AND w.reported_at < :end "
            f"AND {live}) x WHERE x.charged IN (SELECT id FROM {chosen}) GROUP BY x.charged"):
        out[eid][8], out[eid][9] = int(ext), int(internal)
    for eid, n, good in run(
            f"SELECT w.engineer_id, count(s.id), sum(CASE WHEN s.score >= 4 THEN 1 ELSE 0 END) FROM {people} "
            f"JOIN work_orders w ON w.engineer_id = e.id JOIN surveys s ON s.work_order_id = w.id "
            f"WHERE w.completed_at >= :start AND w.completed_at < :end AND {live} GROUP BY w.engineer_id"):
        out[eid][10], out[eid][11] = int(n), int(good)
    for eid, upheld, n, happy in run(
            f"SELECT c.engineer_id, sum(CASE WHEN c.upheld THEN 1 ELSE 0 END), count(*), "
            f"sum(CASE WHEN c.resolution_satisfied THEN 1 ELSE 0 END) FROM {people} "
            f"JOIN complaints c ON c.engineer_id = e.id LEFT JOIN work_orders w ON w.id = c.work_order_id "
            f"WHERE c.day >= :first AND c.day < :nxt AND (w.id IS NULL OR {live}) GROUP BY c.engineer_id"):
        out[eid][12], out[eid][13], out[eid][14] = int(upheld), int(n), int(happy)
    return {eid: (values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7],
                  values[8], values[9], values[10], values[11], values[12], values[13], values[14])
            for eid, values in out.items()}


def floor_write(month, engineer_ids, lines_per_score=8):
    """Write a score row and its lines per engineer in bulk into temporary tables (COPY on PostgreSQL)."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    now = datetime(2026, 11, 20, 10)
    connection.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS bench_scores (engineer_id integer, month "
                               "varchar(7), total numeric(8,2), computed_at timestamp)")
    connection.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS bench_lines (engineer_id integer, position "
                               "integer, code varchar(60), points numeric(8,2), value text, params text)")
    connection.exec_driver_sql("DELETE FROM bench_scores")
    connection.exec_driver_sql("DELETE FROM bench_lines")
    scores = [(eid, month, Decimal("87.25"), now) for eid in engineer_ids]
    lines = [(eid, n, f"indicator{n}", Decimal("12.50"), "0.9512", '{"within":39,"outside":2}')
             for eid in engineer_ids for n in range(1, lines_per_score + 1)]
    if dialect == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy("COPY bench_scores FROM STDIN") as copy:
            for row in scores:
                copy.write_row(row)
        with cursor.copy("COPY bench_lines FROM STDIN") as copy:
            for row in lines:
                copy.write_row(row)
    else:
        raw = connection.connection.driver_connection
        raw.executemany("INSERT INTO bench_scores VALUES (?, ?, ?, ?)",
                        [(e, m, str(t), c.isoformat(" ")) for e, m, t, c in scores])
        raw.executemany("INSERT INTO bench_lines VALUES (?, ?, ?, ?, ?, ?)",
                        [(e, p, c, str(v), x, y) for e, p, c, v, x, y in lines])
    return len(scores), len(lines)


def pandas_facts(month, engineer_ids):
    """{engineer_id: summary tuple} by pandas: read_sql of the month's rows, then groupby."""
    import pandas as pd

    first, nxt, start, end, workdays = _window(month)
    connection = db.session.connection()
    ids = pd.Index(sorted(engineer_ids), name="engineer_id")

    def read(sql, **params):
        return pd.read_sql_query(text(sql), connection, params=params)

    att = read("SELECT engineer_id, day, status FROM attendance WHERE day >= :f AND day < :n AND status <> 'present'",
               f=first, n=nxt)
    att = att[pd.to_datetime(att["day"]).dt.date.isin(set(workdays))]
    absences = att.groupby("engineer_id").size()
    trips = read("SELECT engineer_id, day, hours, full_day FROM trips WHERE day >= :f AND day < :n", f=first, n=nxt)
    trips["hours"] = trips["hours"].astype(float)
    per_day = trips.groupby(["engineer_id", "day"]).agg(hours=("hours", "sum"), full=("full_day", "max"))
    per_day["hours"] = per_day["hours"].where(~per_day["full"].astype(bool) & (per_day["hours"] <= 7.5), 7.5)
    field_hours = per_day.groupby("engineer_id")["hours"].sum()
    spent = read("SELECT engineer_id, amount FROM expenses WHERE day >= :f AND day < :n", f=first, n=nxt)
    spent["amount"] = spent["amount"].astype(float)
    expenses = spent.groupby("engineer_id")["amount"].sum()
    orders = read("SELECT id, engineer_id, reported_at, responded_at, completed_at, deadline_at, status, rework, "
                  "rework_of_id FROM work_orders WHERE (reported_at >= :s AND reported_at < :e) OR "
                  "(completed_at >= :s AND completed_at < :e) OR (deadline_at >= :s AND deadline_at < :e)",
                  s=start, e=end)
    for column in ("reported_at", "responded_at", "completed_at", "deadline_at"):
        orders[column] = pd.to_datetime(orders[column])
    live = orders[orders["status"] != "cancelled"]
    assigned = live[(live["reported_at"] >= start) & (live["reported_at"] < end)]
    ok = assigned["responded_at"].notna() & (assigned["responded_at"] - assigned["reported_at"] <= timedelta(hours=2))
    within = ok.groupby(assigned["engineer_id"]).sum()
    outside = (~ok).groupby(assigned["engineer_id"]).sum()
    due = live[(live["deadline_at"] >= start) & (live["deadline_at"] < end)]
    late_mask = (due["completed_at"].notna() & (due["completed_at"] > due["deadline_at"])) | \
        (due["completed_at"].isna() & (due["deadline_at"] < end))
    late = late_mask.groupby(due["engineer_id"]).sum()
    has_deadline = due.groupby("engineer_id").size() > 0
    done = live[(live["completed_at"] >= start) & (live["completed_at"] < end)]
    completed = done.groupby("engineer_id").size()
    redo = assigned[assigned["rework"] != "none"]
    if len(redo):
        owners = read("SELECT id, engineer_id AS owner FROM work_orders WHERE id IN (SELECT rework_of_id FROM "
                      "work_orders WHERE rework <> 'none' AND reported_at >= :s AND reported_at < :e)", s=start, e=end)
        redo = redo.merge(owners, how="left", left_on="rework_of_id", right_on="id", suffixes=("", "_of"))
        redo["charged"] = redo["owner"].fillna(redo["engineer_id"]).astype(int)
    else:
        redo = redo.assign(charged=redo["engineer_id"])
    rework_ext = redo[redo["rework"] == "external"].groupby("charged").size()
    rework_int = redo[redo["rework"] == "internal"].groupby("charged").size()
    surveys = read("SELECT work_order_id, score FROM surveys s JOIN work_orders w ON w.id = s.work_order_id "
                   "WHERE w.completed_at >= :s AND w.completed_at < :e", s=start, e=end)
    surveys = surveys.merge(done[["id", "engineer_id"]], left_on="work_order_id", right_on="id")
    survey_n = surveys.groupby("engineer_id").size()
    survey_good = (surveys["score"] >= 4).groupby(surveys["engineer_id"]).sum()
    complaints = read("SELECT c.engineer_id, c.upheld, c.resolution_satisfied, w.status FROM complaints c "
                      "LEFT JOIN work_orders w ON w.id = c.work_order_id WHERE c.day >= :f AND c.day < :n",
                      f=first, n=nxt)
    complaints = complaints[complaints["status"].isna() | (complaints["status"] != "cancelled")]
    upheld = complaints["upheld"].astype(bool).groupby(complaints["engineer_id"]).sum()
    complaint_n = complaints.groupby("engineer_id").size()
    satisfied = complaints["resolution_satisfied"].fillna(False).astype(bool).groupby(complaints["engineer_id"]).sum()
    table = pd.DataFrame(index=ids)
    for name, series in (("absences", absences), ("field_hours", field_hours), ("expenses", expenses),
                         ("within", within), ("outside", outside), ("late", late), ("has_deadline", has_deadline),
                         ("completed", completed), ("rework_external", rework_ext),
                         ("rework_internal", rework_int), ("surveys", survey_n), ("good", survey_good),
                         ("upheld", upheld), ("complaints", complaint_n), ("satisfied", satisfied)):
        table[name] = series.reindex(ids).fillna(0)
    result = {}
    for eid, row in zip(table.index, table.itertuples(index=False)):
        result[int(eid)] = (int(row[0]), Decimal(str(round(row[1], 1))), Decimal(str(round(row[2], 2))).quantize(
            Decimal("0.01")), int(row[3]), int(row[4]), int(row[5]), bool(row[6]), int(row[7]), int(row[8]),
            int(row[9]), int(row[10]), int(row[11]), int(row[12]), int(row[13]), int(row[14]))
    return result
