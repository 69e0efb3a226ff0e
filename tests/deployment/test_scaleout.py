"""Past one machine (docs/deployment.md): two app servers, one PostgreSQL, one instance folder, one scheduler.

Two gunicorn servers on different ports stand in for two hosts: separate processes that share nothing but the
database (a scratch PostgreSQL database of TRACKER_TEST_POSTGRES_URL's server) and the instance folder (a temporary
folder, as an NFS mount would be). Neither is given TRACKER_SECRET_KEY: both start at once on the empty folder and
must agree on the key they find there. One `flask scheduler` process runs beside them, sending mail through a local
SMTP server. The schema comes from `flask init-db`, as in a deployment; the data from the benchmark's company
generator.
"""

import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime
from email import message_from_bytes, policy

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PASSWORD, make_app, skip_or_fail

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
MONTH = "2026-10"
SEEDED_AT = datetime(2026, 11, 20, 10, 0)
PDF = b"%PDF-1.4\n% a scanned service ticket\n" + b"0" * 2000 + b"\n%%EOF\n"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method, path, body=None, headers=None):
    """(status, headers, body bytes) from the server on port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def csrf_of(page):
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()


def web_login(port, username):
    """Log in through the login form of the server on port; returns the session's Cookie header."""
    status, headers, page = request(port, "GET", "/login")
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    form = urllib.parse.urlencode({"csrf_token": csrf_of(page), "username": username, "password": PASSWORD})
    status, headers, _page = request(port, "POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status == 302, status
    return {"Cookie": headers["Set-Cookie"].split(";", 1)[0]}


def kept(headers, cookie):
    """The Cookie header a browser sends next: the session cookie the answer set, else the one it had."""
    new = headers.get("Set-Cookie")
    return {"Cookie": new.split(";", 1)[0]} if new and new.startswith("session=") else cookie


def api(port, method, path, token=None, payload=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = None
    if payload is not None:
        body, headers["Content-Type"] = json.dumps(payload), "application/json"
    status, _headers, answer = request(port, method, "/api/v1" + path, body, headers)
    return status, json.loads(answer) if answer else None


def token_of(port, username):
    status, body = api(port, "POST", "/auth/token", payload={"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


class Inbox:
    """What the local SMTP server received (aiosmtpd handler)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _scratch_database():
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TRACKER_TEST_POSTGRES_URL is not set (the scale-out test needs PostgreSQL)")
    if not os.path.exists(os.path.join(BIN, "gunicorn")):
        skip_or_fail("gunicorn is not installed")
    base, _, name = url.replace("postgresql://", "postgresql+psycopg://", 1).rpartition("/")
    return base, name + "_scaleout"


def _seed(url, folder):
    """A company of 100 engineers (benchmarks/company.py), an admin, passwords and e-mail addresses."""
    from benchmarks import company
    from tracker.auth import services as auth_services
    from tracker.auth.models import User
    from tracker.extensions import db

    seeding = make_app(url, folder, SECRET_KEY="seeding-only", NOW=SEEDED_AT)
    with seeding.app_context():
        built = company.build(company.Sizes(engineers=100, orders=6000, months=2, month=MONTH), SEEDED_AT)
        for table in ("users", "customers", "work_orders", "surveys"):  # written with their ids: move on the sequences
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
        auth_services.create_user({"username": "admin.bench", "password": PASSWORD, "role": "admin",
                                   "display_name": "管理员", "hire_date": SEEDED_AT.date()})
        for user in db.session.scalars(db.select(User).where(User.role != "engineer")):
            user.set_password(PASSWORD)
            user.email = f"{user.username}@example.com"
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return built


class Cluster:
    def __init__(self, url, instance, a, b, scheduler, inbox, built, logs):
        self.url, self.instance, self.a, self.b = url, instance, a, b
        self.scheduler, self.inbox, self.built, self.logs = scheduler, inbox, built, logs

    def sql(self, statement, **params):
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(statement), params).all()
        finally:
            engine.dispose()


def _wait_up(port, process, log):
    deadline = time.monotonic() + 120
    while True:
        try:
            if request(port, "GET", "/login")[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail(f"gunicorn on {port} did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.3)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    base, scratch = _scratch_database()
    from aiosmtpd.controller import Controller

    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    url = f"{base}/{scratch}"
    folder = tmp_path_factory.mktemp("scaleout")
    instance = folder / "shared-instance"  # what every host mounts (NFS)
    inbox, smtp_port = Inbox(), _free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {**os.environ, "PYTHONPATH": ROOT, "TRACKER_DATABASE_URL": url.replace("+psycopg", ""),
           "TRACKER_INSTANCE_PATH": str(instance), "TRACKER_PASSWORD_METHOD": "pbkdf2:sha256:1000",
           "TRACKER_MAIL_SERVER": "127.0.0.1", "TRACKER_MAIL_PORT": str(smtp_port),
           "TRACKER_MAIL_SENDER": "tracker@example.com"}
    env.pop("TRACKER_SECRET_KEY", None)
    processes, logs = [], {}
    try:
        # The schema as a deployment makes it (from a third machine, with a key of its own: the hosts' folder
        # stays empty until they start).
        subprocess.run([os.path.join(BIN, "flask"), "--app", "tracker", "init-db"], cwd=ROOT, check=True,
                       env=env | {"TRACKER_INSTANCE_PATH": str(folder / "admin-instance"),
                                  "TRACKER_SECRET_KEY": "k" * 40}, capture_output=True)
        built = _seed(url, folder / "seeding-instance")
        assert not instance.exists() or not any(instance.iterdir())

        ports = {}
        for host in ("a", "b"):  # both at once, on the empty folder
            ports[host] = _free_port()
            logs[host] = folder / f"gunicorn-{host}.log"
            with open(logs[host], "w") as log:
                processes.append(subprocess.Popen(
                    [os.path.join(BIN, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{ports[host]}", "--chdir", ROOT,
                     "--timeout", "120", "tracker:create_app()"], env=env, stdout=log, stderr=log))
        logs["scheduler"] = folder / "scheduler.log"
        with open(logs["scheduler"], "w") as log:
            scheduler = subprocess.Popen([os.path.join(BIN, "flask"), "--app", "tracker", "scheduler"], cwd=ROOT,
                                         env=env, stdout=log, stderr=log)
        processes.append(scheduler)
        for host, process in zip("ab", processes[:2]):
            _wait_up(ports[host], process, logs[host])
        started = Cluster(url, instance, ports["a"], ports["b"], scheduler, inbox, built, logs)
        started.env = env
        started.scheduler_started = time.monotonic()
        yield started
        assert scheduler.poll() is None, "the scheduler died:\n" + logs["scheduler"].read_text()[-3000:]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def test_both_hosts_share_the_key_in_the_instance_folder_and_a_session_from_a_works_on_b(cluster):
    key_file = cluster.instance / "secret_key"
    assert key_file.exists() and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert not [name for name in os.listdir(cluster.instance) if name.startswith(".secret_key.")]

    gm = web_login(cluster.a, "gm.bench")
    status, _headers, page = request(cluster.b, "GET", f"/scores/{MONTH}", headers=gm)
    assert status == 200 and "总经理".encode() in page  # the gm's own name in the menu bar
    status, headers, _page = request(cluster.b, "GET", f"/scores/{MONTH}")  # without the cookie: to the login
    assert status == 302 and "/login" in headers["Location"]

    # A form rendered by B, posted to A with the same session: CSRF tokens are signed with the shared key too.
    status, headers, page = request(cluster.b, "GET", "/", headers=gm)
    assert status == 200
    gm = kept(headers, gm)
    status, headers, _page = request(cluster.a, "POST", "/logout", urllib.parse.urlencode(
        {"csrf_token": csrf_of(page)}), {**gm, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302
    status, headers, _page = request(cluster.b, "GET", f"/scores/{MONTH}", headers=gm)  # logged out on A: on B too
    assert status == 302 and "/login" in headers["Location"]


def test_a_scan_uploaded_through_a_downloads_through_b_and_the_scheduler_mails_it_once(cluster):
    office = token_of(cluster.a, "office.bench")
    order_id = cluster.sql("SELECT id FROM work_orders WHERE status = 'completed' ORDER BY id LIMIT 1")[0][0]
    status, order = api(cluster.a, "GET", f"/work-orders/{order_id}", office)
    assert status == 200 and order["scan"] is None
    name = order["canonical_name"] + ".pdf"  # docs/file-naming.md: the canonical name, or the ticket's QR code

    boundary = "scaleout-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan0001.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + f"\r\n--{boundary}--\r\n".encode()
    multipart = {"Authorization": f"Bearer {office}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    status, _headers, answer = request(cluster.a, "POST", f"/api/v1/work-orders/{order_id}/scan", body, multipart)
    assert status == 422 and json.loads(answer)["error"]["expected"] == name  # a wrong name: refused on A
    body = body.replace(b'filename="scan0001.pdf"', f'filename="{name}"'.encode())
    status, _headers, answer = request(cluster.a, "POST", f"/api/v1/work-orders/{order_id}/scan", body, multipart)
    assert status == 201, answer
    stored = json.loads(answer)
    assert stored["name"] == name and stored["size"] == len(PDF)

    # B: the same token, the scan in the work order, and the file itself from the shared folder.
    status, seen = api(cluster.b, "GET", f"/work-orders/{order_id}", office)
    assert status == 200 and seen["scan"]["name"] == name and seen["scan"]["version"] == 1
    office_web = web_login(cluster.a, "office.bench")
    status, _headers, page = request(cluster.b, "GET", f"/work-orders/{order_id}", headers=office_web)
    assert status == 200
    link = re.search(rf'href="(/work-orders/{order_id}/scans/\d+)"'.encode(), page).group(1).decode()
    status, headers, data = request(cluster.b, "GET", link, headers=office_web)
    assert status == 200 and data == PDF
    assert urllib.parse.quote(name) in headers["Content-Disposition"]
    assert (cluster.instance / stored["path"]).read_bytes() == PDF

    # The engineer's manager is told by mail: queued by A's request, sent by the one scheduler (every 30 s).
    manager = cluster.sql("SELECT m.username FROM work_orders o JOIN users e ON e.id = o.engineer_id "
                          "JOIN users m ON m.id = e.supervisor_id WHERE o.id = :id", id=order_id)[0][0]
    deadline = time.monotonic() + 75
    while time.monotonic() < deadline and not cluster.sql(
            "SELECT 1 FROM outbox WHERE recipient = :to AND status = 'sent'", to=f"{manager}@example.com"):
        time.sleep(0.5)
    rows = cluster.sql("SELECT status, attempts FROM outbox WHERE recipient = :to", to=f"{manager}@example.com")
    assert rows == [("sent", 1)], cluster.logs["scheduler"].read_text()[-3000:]
    mails = [message for to, message in cluster.inbox.received if to == [f"{manager}@example.com"]]
    assert len(mails) == 1
    attached = [part for part in mails[0].iter_attachments()]
    assert [(part.get_filename(), part.get_content()) for part in attached] == [(name, PDF)]


def test_a_month_computed_through_a_while_b_serves_pages(cluster):
    gm_token = token_of(cluster.a, "gm.bench")
    engineer = cluster.sql("SELECT username FROM users WHERE role = 'engineer' ORDER BY id LIMIT 1")[0][0]
    gm = web_login(cluster.a, "gm.bench")
    office = web_login(cluster.b, "office.bench")
    pages = [(f"/scores/{MONTH}/{engineer}", gm), (f"/scores/{MONTH}?team={cluster.built['managers'][0]}", gm),
             (f"/itinerary/{engineer}/{MONTH}", gm), ("/work-orders/", office),
             (f"/api/v1/scores/{MONTH}", {"Authorization": f"Bearer {gm_token}"})]
    served, computing, done = [], threading.Event(), threading.Event()

    def reader():
        n = 0
        while not done.is_set():
            path, headers = pages[n % len(pages)]
            n += 1
            during = computing.is_set()
            status = request(cluster.b, "GET", path, headers=headers)[0]
            served.append((path, status, during and computing.is_set()))

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        # on a machine busy with other work a page can take longer than the computation: computed again (up to
        # three times) until one of B's answers was begun and given within one
        for _ in range(3):
            time.sleep(0.5)
            computing.set()
            status, summary = api(cluster.a, "POST", f"/scores/{MONTH}/compute", gm_token)
            computing.clear()
            assert status == 200, summary
            assert summary["computed"] == len(cluster.built["engineers"])
            if any(row[2] for row in served):
                break
    finally:
        done.set()
        for thread in readers:
            thread.join(timeout=120)
    assert [row for row in served if row[1] != 200] == []
    # B answered while A computed (a request begun and answered within the computation), all of it with 200
    assert sum(1 for row in served if row[2]) >= 1, served

    # What A computed, B serves.
    status, month = api(cluster.b, "GET", f"/scores/{MONTH}", gm_token)
    assert status == 200 and month["total"] == len(cluster.built["engineers"])
    assert all(row["computed_at"] is not None for row in month["scores"])
    assert all(row["total"] is not None for row in month["scores"] if row["eligible"])


def _run_job(cluster, name):
    """`flask run-job` as an operator runs it on one of the hosts (same settings, a process of its own)."""
    return subprocess.Popen([os.path.join(BIN, "flask"), "--app", "tracker", "run-job", name], cwd=ROOT,
                            env=cluster.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_job_run_from_both_hosts_at_once_runs_once_beside_the_scheduler(cluster):
    assert cluster.scheduler.poll() is None
    runs = [_run_job(cluster, "scores_nightly") for _host in "ab"]
    outputs = [process.communicate(timeout=300) for process in runs]
    assert [process.returncode for process in runs] == [0, 0], outputs
    said = sorted(out.strip().splitlines()[-1] for out, _err in outputs)
    rows = cluster.sql("SELECT key, outcome, attempts FROM job_runs WHERE job = 'scores_nightly'")
    assert len(rows) == 1 and rows[0][1:] == ("ok", 1), rows  # one claim, one run
    done = [line for line in said if line.startswith(f"scores_nightly [{rows[0][0]}]: ok")]
    already = [line for line in said if "already done or running" in line]
    # One host ran it and the other found the claim (or, at 02:00, the scheduler ran it and both found its claim).
    assert (len(done), len(already)) in ((1, 1), (0, 2)), said

    # The admin's job list, on either host, shows that one run; a forced run from B takes the same claim again.
    admin = web_login(cluster.a, "admin.bench")
    status, headers, page = request(cluster.b, "GET", "/reports/jobs", headers=admin)
    assert status == 200 and page.count(rows[0][0].encode()) >= 1
    admin = kept(headers, admin)
    status, _headers, _page = request(cluster.a, "POST", "/reports/jobs/scores_nightly/run", urllib.parse.urlencode(
        {"csrf_token": csrf_of(page)}), {**admin, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302
    rows = cluster.sql("SELECT outcome, attempts FROM job_runs WHERE job = 'scores_nightly'")
    assert rows == [("ok", 2)]


def test_an_import_checked_on_a_is_confirmed_on_b(cluster):
    """The checked file waits in <instance>/imports/ between the check and the confirmation: any host may confirm."""
    import csv
    import io

    from tracker.imports import kinds

    office = web_login(cluster.a, "office.bench")
    status, headers, page = request(cluster.a, "GET", "/imports/", headers=office)
    assert status == 200
    office = kept(headers, office)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.zh for column in kinds.CUSTOMERS.columns])
    writer.writerow(["扩容客户", "1号机", "QB-2000", "SN-SCALE", "2019-03-12"])
    boundary = "scaleout-import"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf_of(page)}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="customers.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n").encode() + out.getvalue().encode() + f"\r\n--{boundary}--\r\n".encode()
    status, headers, page = request(cluster.a, "POST", "/imports/customers/check", body,
                                    {**office, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 200 and b'id="import-checked"' in page, page[-2000:]
    office = kept(headers, office)
    token = re.search(rb'name="token" type="hidden" value="([^"]+)"', page).group(1).decode()
    assert cluster.sql("SELECT count(*) FROM customers WHERE name = '扩容客户'") == [(0,)]

    status, _headers, page = request(cluster.b, "POST", "/imports/customers/run", urllib.parse.urlencode(
        {"csrf_token": csrf_of(page), "token": token}), {**office, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and b'id="import-done"' in page
    assert cluster.sql("SELECT count(*) FROM customers WHERE name = '扩容客户'") == [(1,)]
    assert not (cluster.instance / "imports" / token).exists()
