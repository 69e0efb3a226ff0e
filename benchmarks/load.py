"""`make bench-load`: page latencies and load through gunicorn (4 workers) on PostgreSQL, on a synthetic company.

    .venv/bin/python -m benchmarks.load --database postgresql://postgres@127.0.0.1:5432/tracker_load \
        [--engineers 2000 --orders 100000 --months 5] [--reuse] [--clients 50 --seconds 60]

Builds the company (benchmarks/company.py; the database named is emptied first) and computes its month, unless
--reuse finds a company of the same sizes there already. Then serves it with gunicorn and measures, over real HTTP
from this process (standard-library threads and http.client):

1. each page alone, --samples requests one after the other: median, p95 and answer size;
2. --clients clients for --seconds seconds, each waiting --think seconds between requests, on a mix of the pages
   (MIX below): median, p95, p99 and errors;
3. the saturation throughput: --saturation-clients clients without waits for --saturation-seconds seconds.

The client runs on the same machine as the server and takes some of its CPU; the figures are an upper bound.
"""

import argparse
import gzip
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PASSWORD = "bench-password-1"
MONTH = "2026-10"

# What browsers and python-requests send: answers come compressed (Flask-Compress), sizes are what crosses the wire.
ACCEPT = {"Accept-Encoding": "gzip, deflate"}

# The load mix: (weight, page). Engineers reading their score and itinerary are most of the traffic, the back
# office pages through work orders, managers open team months, and one request in twenty is the gm's score API
# (the share that took 70% of the throughput before the API was paginated, issue 11).
MIX = [(25, "score page"), (20, "itinerary month page"), (20, "work-order list, first page"),
       (10, "work-order list, deep page (cursor)"), (20, "team month page"), (5, "API scores page (gm, 100 rows)")]


# ---- the company -----------------------------------------------------------------------------------

def _app(url, folder):
    from tracker import create_app

    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench-load",
                       "MAIL_SERVER": None, "PASSWORD_METHOD": "pbkdf2:sha256:1000"})


def _ensure_database(url):
    """Create the database named in url when its server does not have it yet."""
    from sqlalchemy import create_engine, text

    base, _, name = url.replace("postgresql://", "postgresql+psycopg://", 1).rpartition("/")
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _has_company(app, sizes):
    from sqlalchemy import func, inspect, select

    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.workorders.models import WorkOrder

    with app.app_context():
        inspector = inspect(db.engine)
        tables = set(inspector.get_table_names())
        for table in db.metadata.sorted_tables:  # a database built by older code: build again
            if table.name not in tables or {c.name for c in table.columns} - {
                    c["name"] for c in inspector.get_columns(table.name)}:
                print(f"the schema of {table.name} differs from the models'", flush=True)
                return False
        engineers = db.session.scalar(select(func.count()).select_from(User).where(User.role == "engineer"))
        orders = db.session.scalar(select(func.count()).select_from(WorkOrder))
        return engineers == sizes.engineers and abs(orders - sizes.orders * sizes.months) <= sizes.orders * 0.01


def build(url, sizes, folder):
    """Empty the database, write the company, give the measured users a password, compute the month."""
    from sqlalchemy import select, text

    from benchmarks import company
    from benchmarks.run import NOW, _reset
    from tracker.auth.models import User
    from tracker.extensions import db

    _reset(url)
    app = _app(url, folder)
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        built = company.build(sizes, NOW)
        for user in db.session.scalars(select(User).where(User.username.in_(["gm.bench", "office.bench"]))):
            user.set_password(PASSWORD)
        db.session.commit()
        print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    start = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "tracker", "compute",
                    built["month"]], env=_env(url, folder), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"month {built['month']} computed in {time.perf_counter() - start:.0f} s (flask compute)", flush=True)
    with app.app_context():  # as autovacuum leaves a table in steady use: statistics and the visibility map
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        db.engine.dispose()


def _targets(app):
    """An engineer, his manager, a deep cursor of the work-order list, the number of orders and of engineers."""
    from sqlalchemy import func, select

    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.workorders.models import WorkOrder
    from tracker.workorders.services import cursor_of

    with app.app_context():
        engineers = db.session.execute(select(User.username, User.supervisor_id).where(User.role == "engineer")
                                       .order_by(User.id)).all()
        managers = dict(db.session.execute(select(User.id, User.username).where(User.role == "manager")).all())
        total = db.session.scalar(select(func.count()).select_from(WorkOrder))
        middle = db.session.scalars(select(WorkOrder).order_by(WorkOrder.reported_at.desc(), WorkOrder.id.desc())
                                    .offset(total // 2).limit(1)).first()
        deep = cursor_of(middle)
        db.engine.dispose()
    pairs = [(name, managers[boss]) for name, boss in engineers if boss in managers]
    return pairs, deep, total, len(engineers)


# ---- the server ------------------------------------------------------------------------------------

def _env(url, folder):
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_INSTANCE_PATH": folder, "PYTHONPATH": ROOT,
           "TRACKER_PASSWORD_METHOD": "pbkdf2:sha256:1000", "TRACKER_SECRET_KEY": "bench-load"}
    env.pop("TRACKER_MAIL_SERVER", None)
    return env


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(url, folder, workers, log_path):
    """gunicorn on a free loopback port; returns (process, port) once it answers."""
    port = _free_port()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    log = open(log_path, "w")  # noqa: SIM115 - open as long as the server runs
    process = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--chdir", ROOT,
                                "--timeout", "120", "tracker:create_app()"], env=_env(url, folder),
                               stdout=log, stderr=log)
    deadline = time.monotonic() + 90
    while True:
        try:
            if request(port, "GET", "/login")[0] == 200:
                return process, port
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit("gunicorn did not start; see " + log_path)
        time.sleep(0.3)


# ---- HTTP ------------------------------------------------------------------------------------------

def request(port, method, path, body=None, headers=None, connection=None):
    """(status, headers, body, bytes on the wire); the body uncompressed. Over `connection` (kept alive) when
    given, else a fresh one."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers={**ACCEPT, **(headers or {})})
        response = connection.getresponse()
        wire = response.read()
        encoding = response.headers.get("Content-Encoding")
        data = gzip.decompress(wire) if encoding == "gzip" else zlib.decompress(wire) if encoding == "deflate" else wire
        return response.status, response.headers, data, len(wire)
    finally:
        if own:
            connection.close()


def web_login(port, username):
    """Log in through the login form; returns the Cookie header."""
    status, headers, page, _wire = request(port, "GET", "/login")
    csrf = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": username, "password": PASSWORD})
    status, headers, _page, _wire = request(port, "POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    if status != 302:
        raise SystemExit(f"login of {username} answered {status}")
    return headers["Set-Cookie"].split(";", 1)[0]


def api_token(port, username):
    import json

    status, _headers, body, _wire = request(port, "POST", "/api/v1/auth/token",
                                     json.dumps({"username": username, "password": PASSWORD}),
                                     {"Content-Type": "application/json"})
    if status != 200:
        raise SystemExit(f"token for {username} answered {status}")
    return json.loads(body)["token"]


class Pages:
    """The pages measured, each a function rng -> (path, headers) so that load varies the engineer asked about."""

    def __init__(self, port, pairs, deep_cursor, engineers):
        gm = {"Cookie": web_login(port, "gm.bench")}
        office = {"Cookie": web_login(port, "office.bench")}
        bearer = {"Authorization": "Bearer " + api_token(port, "gm.bench")}
        pages = max(1, -(-engineers // 100))
        self.pages = {
            "score page": lambda r: (f"/scores/{MONTH}/{r.choice(pairs)[0]}", gm),
            "team month page": lambda r: (f"/scores/{MONTH}?team={r.choice(pairs)[1]}", gm),
            "itinerary month page": lambda r: (f"/itinerary/{r.choice(pairs)[0]}/{MONTH}", gm),
            "work-order list, first page": lambda r: ("/work-orders/", office),
            "work-order list, deep page (cursor)": lambda r: (f"/work-orders/?after={deep_cursor}", office),
            "work-order list, page 200 (offset link)": lambda r: ("/work-orders/?page=200", office),
            "API scores page (gm, 100 rows)": lambda r: (f"/api/v1/scores/{MONTH}?page={r.randint(1, pages)}",
                                                         bearer),
        }


def measure_pages(port, pages, samples, rng):
    """Each page alone, one request after another on a kept-alive connection."""
    results = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for name, make in pages.pages.items():
        times, sizes, wires, statuses = [], [], [], set()
        for n in range(samples + 2):
            path, headers = make(rng)
            start = time.perf_counter()
            status, _headers, body, wire = request(port, "GET", path, headers=headers, connection=connection)
            if n >= 2:  # the first two warm the workers up
                times.append(time.perf_counter() - start)
                sizes.append(len(body))
                wires.append(wire)
                statuses.add(status)
        results[name] = (statistics.median(times), _p(times, 95), statistics.median(sizes), statistics.median(wires),
                         sorted(statuses))
    connection.close()
    return results


def _p(values, percent):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


def load(port, pages, clients, seconds, think, seed):
    """clients threads for seconds, each: a request of the mix, then wait `think` seconds. Returns the records."""
    names = [name for _weight, name in MIX]
    weights = [weight for weight, _name in MIX]
    records, lock = [], threading.Lock()
    stop = time.monotonic() + seconds

    def client(number):
        rng = random.Random(seed + number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        time.sleep(rng.random() * max(think, 0.01))  # spread the starts
        while time.monotonic() < stop:
            name = rng.choices(names, weights)[0]
            path, headers = pages.pages[name](rng)
            start = time.perf_counter()
            try:
                status = request(port, "GET", path, headers=headers, connection=connection)[0]
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            with lock:
                records.append((name, time.perf_counter() - start, status))
            if think:
                time.sleep(think)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records, time.monotonic() - started


def _load_report(title, records, elapsed):
    times = [t for _name, t, _status in records]
    errors = [status for _name, _t, status in records if status != 200]
    print(f"\n{title}")
    print(f"  requests {len(records)} in {elapsed:.0f} s = {len(records) / elapsed:.1f}/s   errors {len(errors)}"
          + (f" {sorted(set(map(str, errors)))}" if errors else ""))
    print(f"  all: median {statistics.median(times) * 1000:.0f} ms   p95 {_p(times, 95) * 1000:.0f} ms   "
          f"p99 {_p(times, 99) * 1000:.0f} ms   max {max(times) * 1000:.0f} ms")
    for _weight, name in MIX:
        mine = [t for n, t, _status in records if n == name]
        if mine:
            print(f"  {name:44} n={len(mine):5}  median {statistics.median(mine) * 1000:5.0f} ms   "
                  f"p95 {_p(mine, 95) * 1000:5.0f} ms")


# ---- where the CPU went: this benchmark's processes against everything else on the machine ---------------

CLOCK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(parent pid, CPU seconds) of a process from /proc, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK
    except (OSError, IndexError, ValueError):
        return None


class CpuMeter:
    """CPU seconds of the gunicorn master and workers, of the PostgreSQL backends serving the database, of this
    client, and of the whole machine (/proc/stat), between start() and stop()."""

    def __init__(self, gunicorn_pid, url):
        from sqlalchemy import create_engine

        self.gunicorn_pid = gunicorn_pid
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def _gunicorn(self):
        pids = [self.gunicorn_pid] + [int(e) for e in os.listdir("/proc") if e.isdigit()
                                      and (_stat(e) or (None,))[0] == self.gunicorn_pid]
        return {pid: (_stat(pid) or (0, 0.0))[1] for pid in pids}

    def _backends(self):
        from sqlalchemy import text

        with self.engine.connect() as conn:
            pids = conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND pid <> pg_backend_pid()")).all()
        return {pid: (_stat(pid) or (0, 0.0))[1] for pid in pids}

    @staticmethod
    def _machine():
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:9]]
        return (sum(values) - values[3] - values[4]) / CLOCK  # busy: all but idle and iowait

    @staticmethod
    def _client():
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def start(self):
        self.began = (time.monotonic(), self._gunicorn(), self._backends(), self._client(), self._machine())

    def stop(self, requests):
        wall, app, backends, client, machine = self.began
        app_now, backends_now = self._gunicorn(), self._backends()
        spent = {"app": sum(v - app.get(pid, 0.0) for pid, v in app_now.items()),
                 "db": sum(v - backends.get(pid, 0.0) for pid, v in backends_now.items()),
                 "client": self._client() - client}
        wall, busy = time.monotonic() - wall, self._machine() - machine
        ours = sum(spent.values())
        per = {name: value / max(1, requests) * 1000 for name, value in spent.items()}
        total = sum(per.values())
        print(f"  CPU per request: app {per['app']:.0f} ms + PostgreSQL {per['db']:.0f} ms + this client "
              f"{per['client']:.0f} ms = {total:.0f} ms  (at most {os.cpu_count() * 1000 / total:.0f} requests/s "
              f"with all {os.cpu_count()} cores)")
        print(f"  the machine was busy {busy / wall:.1f} of {os.cpu_count()} cores: this benchmark {ours / wall:.1f}, "
              f"other work {max(0.0, busy - ours) / wall:.1f}")


def _machine():
    load1, load5, _load15 = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load1:.1f} (1 min) / {load5:.1f} (5 min)"


def company_parser(description, months, months_help):
    """The arguments of a benchmark run on a PostgreSQL company of its own (this one, benchmarks/plans.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL database of its own (emptied unless --reuse finds the company)")
    parser.add_argument("--engineers", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=100_000, help="work orders a month")
    parser.add_argument("--months", type=int, default=months, help=months_help)
    parser.add_argument("--reuse", action="store_true", help="keep the database when it holds these sizes")
    return parser


def open_company(parser, args, prefix):
    """(app, instance folder) of the company in args.database: built afresh, or kept with --reuse when it holds
    these sizes."""
    from benchmarks import company

    if not (args.database or "").startswith("postgresql"):
        parser.error("--database postgresql://… is required (the targets are for PostgreSQL)")
    folder = tempfile.mkdtemp(prefix=prefix)
    sizes = company.Sizes(engineers=args.engineers, orders=args.orders, months=args.months)
    _ensure_database(args.database)
    app = _app(args.database, folder)
    if args.reuse and _has_company(app, sizes):
        print("reusing the company already in the database", flush=True)
    else:
        build(args.database, sizes, folder)
    return app, folder


def main(argv=None):
    parser = company_parser(__doc__.splitlines()[0], 5, "months of records (5 × 100,000 = 500k orders)")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--samples", type=int, default=30, help="requests per page, each page alone")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="seconds each client waits between requests")
    parser.add_argument("--saturation-clients", type=int, default=8)
    parser.add_argument("--saturation-seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    print(f"engineers {args.engineers}  work orders/month {args.orders}  months {args.months}  "
          f"gunicorn workers {args.workers}", flush=True)
    app, folder = open_company(parser, args, "tracker-load-")
    if args.build_only:
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    pairs, deep, total, engineers = _targets(app)
    print(f"work orders in the database {total}; deep page: the cursor half-way ({total // 2} orders in)")
    process, port = serve(args.database, folder, args.workers, os.path.join(folder, "gunicorn.log"))
    try:
        rng = random.Random(args.seed)
        pages = Pages(port, pairs, deep, engineers)
        print(f"\nmachine: {_machine()}")
        results = measure_pages(port, pages, args.samples, rng)
        print(f"\n{'page, alone (' + str(args.samples) + ' requests each)':46} {'median ms':>9} {'p95 ms':>7} "
              f"{'KB':>7} {'gzip KB':>7} status")
        for name, (median, p95, size, wire, statuses) in results.items():
            print(f"{name:46} {median * 1000:9.0f} {p95 * 1000:7.0f} {size / 1024:7.1f} {wire / 1024:7.1f} "
                  f"{','.join(map(str, statuses))}")
        print(f"\nmachine: {_machine()}")
        meter = CpuMeter(process.pid, args.database)
        meter.start()
        records, elapsed = load(port, pages, args.clients, args.seconds, args.think, args.seed)
        _load_report(f"{args.clients} clients for {args.seconds:.0f} s, {args.think:g} s between requests "
                     f"(mix: {', '.join(f'{w}% {n}' for w, n in MIX)})", records, elapsed)
        meter.stop(len(records))
        print(f"\nmachine: {_machine()}")
        meter.start()
        records, elapsed = load(port, pages, args.saturation_clients, args.saturation_seconds, 0, args.seed + 1000)
        _load_report(f"saturation: {args.saturation_clients} clients without waits for "
                     f"{args.saturation_seconds:.0f} s (same mix)", records, elapsed)
        meter.stop(len(records))
        print(f"\nmachine: {_machine()}")
    finally:
        process.terminate()
        process.wait(timeout=60)
    shutil.rmtree(folder, ignore_errors=True)  # kept when something failed: gunicorn.log is in it
    return 0


if __name__ == "__main__":
    sys.exit(main())
