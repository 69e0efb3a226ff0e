"""The throttle is shared by worker processes: gunicorn with two workers on the test database (SQLite file or
PostgreSQL) answers the sixth failed login with 429 and Retry-After from either worker."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import PASSWORD, skip_or_fail

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _api_login(port, password):
    body = json.dumps({"username": "eng1", "password": password})
    status, headers, _text = _request(port, "POST", "/api/v1/auth/token", body,
                                      {"Content-Type": "application/json"})
    return status, headers.get("X-Worker-Pid"), headers.get("Retry-After")


def _web_login(port, password):
    """The login form as a browser sends it: the page first (CSRF token and cookie), then the post."""
    status, headers, page = _request(port, "GET", "/login")
    assert status == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    csrf = next(group for group in token.groups() if group)
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": "eng1", "password": password})
    status, headers, page = _request(port, "POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    return status, headers.get("X-Worker-Pid"), headers.get("Retry-After"), page


@pytest.fixture
def two_workers(database_url, team, tmp_path):
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    if not os.path.exists(gunicorn):
        skip_or_fail("gunicorn is not installed")
    port = _free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": str(tmp_path / "served"),
           "TRACKER_PASSWORD_METHOD": "pbkdf2:sha256:1000", "PYTHONPATH": ROOT}
    env.pop("TRACKER_SECRET_KEY", None)
    with open(tmp_path / "gunicorn.log", "w") as log:
        process = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", ROOT,
                                    "tests.security.gunicorn_app:labelled"], env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if _request(port, "GET", "/login")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    log.flush()
                    pytest.fail("gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text()[-3000:])
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_sixth_failed_login_is_429_with_retry_after_on_both_gunicorn_workers(two_workers):
    port = two_workers
    with ThreadPoolExecutor(max_workers=5) as pool:  # at once, so both workers take some of them
        failures = list(pool.map(lambda _: _api_login(port, "wrong-password"), range(5)))
    assert [status for status, _pid, _retry in failures] == [401] * 5

    throttled, pids = [], set()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _round in range(30):
            answers = list(pool.map(lambda _: _api_login(port, PASSWORD), range(4)))
            throttled += answers
            pids |= {pid for _status, pid, _retry in answers}
            if len(pids) >= 2 and len(throttled) >= 8:
                break
    assert len(pids) == 2, f"only worker(s) {pids} answered"
    for status, pid, retry_after in throttled:
        assert status == 429, (status, pid)
        assert retry_after is not None and 1 <= int(retry_after) <= 15 * 60

    seen_web = set()
    for _attempt in range(20):
        status, pid, retry_after, page = _web_login(port, PASSWORD)
        assert status == 429 and retry_after and 'id="throttled"' in page
        seen_web.add(pid)
        if len(seen_web) == 2:
            break
    assert seen_web <= pids


def test_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit(two_workers):
    """Twenty wrong passwords for one username from one address sent at once, across both workers: at most 5 are
    checked (401), the others are 429 (a burst got 8–12 checks when an attempt was counted only after its
    password hash was checked)."""
    port = two_workers
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: _api_login(port, "wrong-password"), range(20)))
    statuses = sorted(status for status, _pid, _retry in answers)
    assert set(statuses) <= {401, 429} and statuses.count(401) <= 5, statuses
    assert statuses.count(401) >= 1
    assert _api_login(port, PASSWORD)[0] == 429  # the right password waits too


def test_right_passwords_sent_at_once_are_not_refused_for_each_other(two_workers):
    """Eight right passwords for one username from one address at the same moment, and then a wrong one and two
    right ones at once: none is refused because the others were still being checked (2–4 of them were 429)."""
    port = two_workers
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _api_login(port, PASSWORD), range(8)))
    assert [status for status, _pid, _retry in answers] == [200] * 8
    for _wrong in range(4):
        assert _api_login(port, "wrong-password")[0] == 401
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: _api_login(port, PASSWORD), range(2)))
    assert [status for status, _pid, _retry in answers] == [200] * 2
