"""`make bench`: build a synthetic company, then time the app's compute against the floor and pandas, and pages.

    .venv/bin/python -m benchmarks.run --engineers 2000 --orders 100000 [--database postgresql://...]

Without --database, a fresh SQLite file in a temporary folder. A PostgreSQL database named there is emptied
(every table dropped) first, so give it one of its own. Prints one table; numbers are medians of --rounds runs.
"""

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime

from sqlalchemy import text

from benchmarks import company, floor
from tracker import create_app
from tracker.extensions import db

NOW = datetime(2026, 11, 20, 10, 0)
PASSWORD = "bench-password-1"


CPU = {}  # name -> median CPU seconds (this process + the PostgreSQL backend of the session), set by _rounds


def _backend_cpu():
    """CPU seconds the session's PostgreSQL backend has used so far (from /proc: same machine), else 0."""
    if db.session.get_bind().dialect.name != "postgresql":
        return 0.0
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rounds(measures, rounds):
    """Time each of `measures` ((name, function, setup or None)) once per round, in turn, `rounds` times, so that
    a machine whose speed drifts (a shared virtual machine) slows all of them alike; setup() runs before its call,
    untimed. Returns {name: (median wall seconds, last result)} and sets CPU[name] to the median CPU seconds."""
    times = {name: [] for name, _function, _setup in measures}
    cpu = {name: [] for name, _function, _setup in measures}
    results = {}
    for _ in range(rounds):
        for name, function, setup in measures:
            if setup is not None:
                setup()
            db.session.expunge_all()
            gc.collect()
            server = _backend_cpu()
            start, own = time.perf_counter(), time.process_time()
            results[name] = function()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - own + _backend_cpu() - server)
    for name in times:
        CPU[name] = statistics.median(cpu[name])
    return {name: (statistics.median(times[name]), results[name]) for name in times}


def _peak_mib(function):
    """Peak Python allocation during one call (tracemalloc), in MiB."""
    db.session.expunge_all()
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2 ** 20
    finally:
        tracemalloc.stop()


def _pages(app, month, managers, samples):
    """Median and p95 latency and size of the pages and API answers under test (in-process test client)."""
    from tracker.auth.models import User
    from tracker.workorders.models import WorkOrder

    with app.app_context():
        for username in ("gm.bench", "office.bench"):
            user = db.session.scalar(db.select(User).where(User.username == username))
            user.set_password(PASSWORD)
        engineer = db.session.scalar(db.select(User.username).where(User.role == "engineer").order_by(User.id))
        db.session.commit()
        total_orders = db.session.scalar(db.select(db.func.count()).select_from(WorkOrder))
    results = {}
    gm, office = app.test_client(), app.test_client()
    gm.post("/login", data={"username": "gm.bench", "password": PASSWORD})
    office.post("/login", data={"username": "office.bench", "password": PASSWORD})
    token = gm.post("/api/v1/auth/token", json={"username": "gm.bench", "password": PASSWORD}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    first_list = office.get("/work-orders/").get_data(as_text=True)
    deep = "/work-orders/"
    hops = 0
    while 'rel="next"' in first_list and hops < 3:  # a few pages in by cursor (each as cheap as the first)
        deep = first_list.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
        first_list = office.get(deep).get_data(as_text=True)
        hops += 1
    cases = [
        ("API GET /scores/{month} (gm, 100 rows)", gm, f"/api/v1/scores/{month}", bearer),
        ("API GET /scores/{month}?explain=1", gm, f"/api/v1/scores/{month}?explain=1", bearer),
        ("API GET /scores/{month}/{engineer}", gm, f"/api/v1/scores/{month}/{engineer}", bearer),
        ("team month page /scores/{month}?team=", gm, f"/scores/{month}?team={managers[0]}", {}),
        ("gm month page /scores/{month} (page 1)", gm, f"/scores/{month}", {}),
        ("score page /scores/{month}/{engineer}", gm, f"/scores/{month}/{engineer}", {}),
        ("itinerary month page", gm, f"/itinerary/{engineer}/{month}", {}),
        ("work-order list, first page", office, "/work-orders/", {}),
        (f"work-order list, page {hops + 1} by cursor", office, deep, {}),
        ("work-order list, page 200 by offset", office, "/work-orders/?page=200", {}),
    ]
    for name, client, url, headers in cases:
        times, size, status = [], 0, None
        for _ in range(samples):
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append(time.perf_counter() - start)
            size, status = len(response.get_data()), response.status_code
        times.sort()
        results[name] = (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], size, status)
    return results, total_orders


def _reset(url):
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engineers", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=100_000, help="work orders in the month measured")
    parser.add_argument("--months", type=int, default=3, help="months of records (the last one is measured)")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=20, help="requests per page for the latencies")
    parser.add_argument("--no-pandas", action="store_true")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="tracker-bench-")
    url = args.database or f"sqlite:///{folder}/bench.db"
    _reset(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench", "NOW": NOW,
                      "WTF_CSRF_ENABLED": False, "MAIL_SERVER": None, "PASSWORD_METHOD": "pbkdf2:sha256:1000"})
    sizes = company.Sizes(engineers=args.engineers, orders=args.orders, months=args.months)
    print(f"database: {url.split(':')[0]}  engineers: "
          f"{sizes.engineers}  work orders/month: {sizes.orders}  months: {sizes.months}", flush=True)
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        built = company.build(sizes, NOW)
        print(f"generated in {time.perf_counter() - start:.1f} s", flush=True)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        month = built["month"]
        rows = _measure(app, month, args)
    pages, total_orders = _pages(app, month, built["managers"], args.samples)
    _print(rows, pages, total_orders)
    return 0 if rows["facts_equal"] else 1


def _compute(month):
    """compute_month as its callers run it: the month, then its commit."""
    from tracker.scores import services

    summary = services.compute_month(month, NOW)
    db.session.commit()
    return summary


def _measure(app, month, args):
    from tracker.scores import services
    from tracker.scores.facts import month_facts
    from tracker.scores.templates_store import TemplatesInForce

    people = services.scored_engineers()
    eligible = [p.id for p in people if services.is_eligible(p, month)]
    as_of = services.as_of(month, NOW)
    rows = {"engineers": len(people), "eligible": len(eligible)}

    def without_lines():  # a month computed for the first time: no digest of inputs, every indicator line new
        db.session.execute(text("DELETE FROM score_lines WHERE score_id IN (SELECT id FROM scores WHERE month = :m)"),
                           {"m": str(month)})
        db.session.execute(text("UPDATE scores SET inputs_digest = NULL WHERE month = :m"), {"m": str(month)})
        db.session.commit()

    # the facts as compute reads them (every order's times only when a template in force measures business hours)
    templates = TemplatesInForce(month)
    business = any(templates.uses_business_hours(templates.row_for(p)) for p in people if p.id in set(eligible))

    everyone = [p.id for p in people]

    def the_floor():
        facts = floor.floor_facts(month, eligible)
        floor.floor_write(month, everyone)
        db.session.commit()
        return facts

    _compute(month)  # the month's drafts as the nightly job finds them: computed before
    measures = [("compute_new", lambda: _compute(month), without_lines),
                ("compute", lambda: _compute(month), None),
                ("facts", lambda: month_facts(eligible, month, as_of, business_hours=business), None),
                ("floor", the_floor, None),
                ("floor_facts", lambda: floor.floor_facts(month, eligible), None)]
    if not args.no_pandas:
        measures.append(("pandas", lambda: floor.pandas_facts(month, eligible), None))
    timed = _rounds(measures, args.rounds)
    rows.update({name: seconds for name, (seconds, _result) in timed.items()})
    rows["computed"] = timed["compute"][1]["computed"]
    app_facts, floor_result = timed["facts"][1], timed["floor"][1]
    app_summary = {eid: floor.summary(facts) for eid, facts in app_facts.items()}
    rows["facts_equal"] = app_summary == floor_result
    if not rows["facts_equal"]:
        wrong = [(eid, app_summary.get(eid), floor_result.get(eid)) for eid in sorted(floor_result)
                 if app_summary.get(eid) != floor_result.get(eid)][:3]
        print("facts differ (engineer, app, floor):", wrong, "fields:", floor.FIELDS, file=sys.stderr)
    if not args.no_pandas:
        pandas_result = timed["pandas"][1]
        rows["pandas_equal"] = pandas_result == floor_result
        if not rows["pandas_equal"]:
            wrong = [(eid, pandas_result.get(eid), floor_result.get(eid)) for eid in sorted(floor_result)
                     if pandas_result.get(eid) != floor_result.get(eid)][:3]
            print("pandas differs (engineer, pandas, floor):", wrong, file=sys.stderr)
    rows["peak_compute_mib"] = _peak_mib(lambda: _compute(month))
    rows["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with app.test_request_context():
        from tests.querycount import counted

        with counted() as statements:
            db.session.expunge_all()
            _compute(month)
        rows["queries"] = len(statements)
    return rows


def _ratio(a, b):
    return f"{CPU[a] / CPU[b]:.2f}x" if CPU.get(b) else "-"


def _print(rows, pages, total_orders):
    print(f"\nengineers {rows['engineers']} (eligible {rows['eligible']}), work orders in the database "
          f"{total_orders}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("CPU s: this process plus, on PostgreSQL, the session's server backend (other processes' load excluded)")
    print(f"{'measure':58} {'seconds':>9} {'CPU s':>7}")
    for key, label in (("compute", "compute_month, a recompute (unchanged drafts stamped)"),
                       ("compute_new", "  a first compute (every draft evaluated, lines new)"),
                       ("facts", "  the app facts alone (month_facts, as compute reads them)"),
                       ("floor", "floor: hand SQL facts + bulk write of the result rows"),
                       ("floor_facts", "  floor facts alone"), ("pandas", "pandas read_sql + groupby to the same facts")):
        if key in rows:
            print(f"{label:58} {rows[key]:9.2f} {CPU.get(key, 0):7.2f}")
    print(f"compute / floor = {rows['compute'] / rows['floor']:.2f}x (CPU {_ratio('compute', 'floor')})", end="")
    if "pandas" in rows:
        print(f"   compute / pandas = {rows['compute'] / rows['pandas']:.2f}x (CPU {_ratio('compute', 'pandas')})",
              end="")
    print(f"\nfirst compute: compute / floor = {rows['compute_new'] / rows['floor']:.2f}x "
          f"(CPU {_ratio('compute_new', 'floor')})", end="")
    if "pandas" in rows:
        print(f"   compute / pandas = {rows['compute_new'] / rows['pandas']:.2f}x (CPU {_ratio('compute_new', 'pandas')})",
              end="")
    print(f"\nfacts equal (app = floor): {rows['facts_equal']}", end="")
    if "pandas_equal" in rows:
        print(f"   (pandas = floor): {rows['pandas_equal']}", end="")
    print(f"\nqueries per compute: {rows['queries']}   peak Python allocation during compute: "
          f"{rows['peak_compute_mib']:.0f} MiB   process max RSS: {rows['maxrss_mib']:.0f} MiB")
    print(f"\n{'page (in-process test client)':58} {'median ms':>9} {'p95 ms':>7} {'KB':>7} status")
    for name, (median, p95, size, status) in pages.items():
        print(f"{name:58} {median * 1000:9.1f} {p95 * 1000:7.1f} {size / 1024:7.1f} {status}")


if __name__ == "__main__":
    sys.exit(main())
