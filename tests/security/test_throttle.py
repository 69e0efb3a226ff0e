"""CONTRACT 11: failed logins are throttled in the database, for web and API, known and unknown usernames alike."""

import json
import statistics
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests.api.support import count
from tests.conftest import NOW, PASSWORD
from tracker.audit import AuditEvent
from tracker.auth.models import LoginAttempt, User
from tracker.extensions import db


def web_login(client, username, password, address="127.0.0.1", headers=None):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


def api_login(client, username, password, address="127.0.0.1", headers=None):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


LOGINS = {"web": web_login, "api": api_login}
FAILED = {"web": 422, "api": 401}
OK = {"web": 302, "api": 200}


def assert_throttled(response, door):
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 15 * 60
    if door == "api":
        assert response.get_json()["error"]["code"] == "too_many_requests"
    else:
        page = response.get_data(as_text=True)
        assert 'id="throttled"' in page and (NOW + timedelta(seconds=retry_after)).strftime("%H:%M") in page
    return retry_after


@pytest.mark.parametrize("door", ["web", "api"])
@pytest.mark.parametrize("username", ["eng1", "nobody"])
def test_sixth_failed_login_within_15_minutes_is_429_even_with_the_right_password(client, team, door, username):
    login = LOGINS[door]
    for _ in range(5):
        assert login(client, username, "wrong-password").status_code == FAILED[door]
    assert assert_throttled(login(client, username, "wrong-password"), door) == 15 * 60
    assert_throttled(login(client, username, PASSWORD), door)
    assert count(LoginAttempt) == 5  # refused attempts are not counted again


def test_web_and_api_failures_count_together(client, team):
    for attempt in range(5):
        (web_login if attempt % 2 else api_login)(client, "eng1", "wrong")
    assert_throttled(web_login(client, "eng1", PASSWORD), "web")
    assert_throttled(api_login(client, "eng1", PASSWORD), "api")


@pytest.mark.parametrize("door", ["web", "api"])
@pytest.mark.parametrize("typed", [" eng1 ", "ENG1", "Eng1  "])
def test_both_doors_take_the_username_as_the_throttle_counts_it(client, team, door, typed):
    """A name with spaces around or in capitals is the name the throttle counts a failure against: it logs in."""
    assert LOGINS[door](client, typed, PASSWORD).status_code == OK[door]
    assert count(LoginAttempt) == 0


def test_the_throttle_lifts_when_the_failures_leave_the_window(app, client, team, monkeypatch):
    for _ in range(5):
        api_login(client, "eng1", "wrong")
    monkeypatch.setitem(app.config, "NOW", NOW + timedelta(minutes=14, seconds=59))
    assert api_login(client, "eng1", PASSWORD).status_code == 429
    monkeypatch.setitem(app.config, "NOW", NOW + timedelta(minutes=15))
    assert api_login(client, "eng1", PASSWORD).status_code == 200


def test_other_users_and_other_addresses_are_not_blocked_by_one_users_five_failures(client, team):
    for _ in range(5):
        api_login(client, "eng1", "wrong", "10.0.0.1")
    assert api_login(client, "eng1", PASSWORD, "10.0.0.2").status_code == 200
    assert api_login(client, "eng2", PASSWORD, "10.0.0.1").status_code == 200


def test_twenty_failures_for_one_username_from_any_address_block_it_everywhere(client, team):
    for attempt in range(20):
        assert api_login(client, "eng1", "wrong", f"10.0.{attempt}.1").status_code == 401
    assert_throttled(api_login(client, "eng1", PASSWORD, "192.168.9.9"), "api")
    assert api_login(client, "eng2", PASSWORD, "192.168.9.9").status_code == 200


def test_a_hundred_failures_from_one_address_block_that_address(client, team):
    for attempt in range(100):
        assert api_login(client, f"guess{attempt}", "wrong", "203.0.113.7").status_code == 401
    assert_throttled(api_login(client, "eng1", PASSWORD, "203.0.113.7"), "api")
    assert api_login(client, "eng1", PASSWORD, "203.0.113.8").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(client, team):
    for attempt in range(5):
        api_login(client, "eng1", "wrong", headers={"X-Forwarded-For": f"198.51.100.{attempt}"})
    assert_throttled(api_login(client, "eng1", PASSWORD, headers={"X-Forwarded-For": "198.51.100.99"}), "api")


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(app_factory, team):
    client = app_factory(TRUSTED_PROXIES=1).test_client()
    for _ in range(5):
        api_login(client, "eng1", "wrong", headers={"X-Forwarded-For": "198.51.100.1"})
    assert_throttled(api_login(client, "eng1", PASSWORD, headers={"X-Forwarded-For": "198.51.100.1"}), "api")
    assert api_login(client, "eng1", PASSWORD, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    db.session.rollback()
    assert set(db.session.scalars(select(LoginAttempt.address))) == {"198.51.100.1"}


def test_failed_logins_are_audited_without_the_password(client, team):
    web_login(client, "eng1", "Secret-Guess-1")
    api_login(client, "nobody", "Secret-Guess-2")
    db.session.rollback()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "login_failed")).all()
    assert sorted(e.subject for e in events) == ["eng1", "nobody"]
    assert all(e.address == "127.0.0.1" for e in events)
    dump = " ".join(f"{e.subject} {e.detail} {e.before} {e.after}" for e in db.session.scalars(select(AuditEvent)))
    assert "Secret-Guess" not in dump


def _median_seconds(call, times=5):
    spans = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spans.append(time.perf_counter() - started)
    return statistics.median(spans)


def test_an_unknown_username_takes_as_long_to_refuse_as_a_wrong_password(app_factory, make_user):
    app = app_factory(PASSWORD_METHOD="pbkdf2:sha256:300000")  # a real hash cost: ~0.1 s per verification
    with app.app_context():
        make_user("slowhash")
    client = app.test_client()
    counter = iter(range(1000))
    spans = {"wrong": [], "unknown": []}
    for _ in range(7):  # in turn, so that a machine slowed by other work slows both alike
        spans["wrong"].append(_median_seconds(
            lambda: api_login(client, "slowhash", "wrong", f"10.1.0.{next(counter)}"), times=1))
        spans["unknown"].append(_median_seconds(
            lambda: api_login(client, f"ghost{next(counter)}", "wrong", "10.2.0.1"), times=1))
    wrong, unknown = statistics.median(spans["wrong"]), statistics.median(spans["unknown"])
    assert wrong > 0.02  # the hash really costs something, or the comparison says nothing
    assert unknown > 0.6 * wrong, (unknown, wrong)


@pytest.mark.parametrize("username", ["eng1\x00", "bell\x07", "\u202eeng1"])
def test_unstorable_usernames_are_refused_and_anything_counted_or_logged_is_printable(client, team, username):
    assert web_login(client, username, "wrong").status_code == 422
    assert api_login(client, username, "wrong").status_code in (401, 422)
    db.session.rollback()
    for counted in db.session.scalars(select(LoginAttempt.username)):
        assert counted.isprintable() and len(counted) <= 64
    for event in db.session.scalars(select(AuditEvent)):
        assert event.subject.isprintable()


def test_a_trusted_proxy_vouches_for_the_client_and_scheme_but_not_a_host_the_client_names(app_factory, team):
    """nginx passes a client's own X-Forwarded-Host on: trusted, it made the links of notification mails point at
    whatever host the client named (https://evil.example/work-orders/330)."""
    from flask import request

    app = app_factory(TRUSTED_PROXIES=1)
    app.add_url_rule("/_seen", "seen", lambda: f"{request.host_url} {request.remote_addr}")
    seen = app.test_client().get("/_seen", headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
                                                    "X-Forwarded-For": "198.51.100.7"}).get_data(as_text=True)
    assert seen == "https://localhost/ 198.51.100.7"


@pytest.mark.parametrize("forwarded", ["a" * 100, "198.51.100.1" + "0" * 60, "not an address", "fe80::1%" + "x" * 60])
def test_a_forwarded_address_that_is_not_one_is_not_believed_and_never_a_500(app_factory, team, forwarded):
    """With a proxy trusted, an X-Forwarded-For of 100 characters failed every login with a 500 on PostgreSQL (the
    address columns hold 45) after the throttle had counted it: a right password left a failure behind. A value that
    is not an IP address is not believed; the peer's address stands."""
    client = app_factory(TRUSTED_PROXIES=1).test_client()
    refused = api_login(client, "eng1", "wrong", headers={"X-Forwarded-For": forwarded})
    assert refused.status_code == 401, refused.get_data(as_text=True)[:200]
    assert api_login(client, "eng1", PASSWORD, headers={"X-Forwarded-For": forwarded}).status_code == 200
    assert web_login(client, "eng1", PASSWORD, headers={"X-Forwarded-For": forwarded}).status_code == 302
    db.session.rollback()
    assert set(db.session.scalars(select(LoginAttempt.address))) == {"127.0.0.1"}
    assert {e.address for e in db.session.scalars(select(AuditEvent))} == {"127.0.0.1"}


def test_right_passwords_sent_at_once_wait_for_each_other_however_long_the_checks_take(live_server, team):
    """Twelve right passwords for one user from one address at once, each check taking a while (a real password
    hash): more than the limit were in flight together, and those over it gave up after three short tries with a
    429 saying 15 minutes, though no login had failed. They wait for the others now; a failure stays counted."""
    eng1 = db.session.get(User, team["eng1"].id)
    eng1.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:600000")
    db.session.commit()

    def token(password):
        request = urllib.request.Request(live_server + "/api/v1/auth/token", method="POST",
                                         data=json.dumps({"username": "eng1", "password": password}).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert list(pool.map(token, [PASSWORD] * 12)) == [200] * 12
    assert count(LoginAttempt) == 0
    assert token("wrong-password") == 401
    db.session.expire_all()
    assert [attempt.pending for attempt in db.session.query(LoginAttempt)] == [False]


def test_a_login_whose_request_fails_afterwards_leaves_no_attempt_being_checked(app, client, team):
    """The count of an attempt was settled in the request's own transaction: a request that failed after the check
    (the database busy past its timeout: 503; a 500) left it counted as being checked for the whole window, and
    after five the user's right password waited 20 s and got 429, though no password had been wrong."""
    from tracker.auth import services as auth_services

    for password in [PASSWORD] * 6 + ["wrong-password"]:
        with app.test_request_context():
            auth_services.login("eng1", password, "127.0.0.1", NOW)
            db.session.rollback()  # the request failed after the check
    db.session.expire_all()
    assert [attempt.pending for attempt in db.session.query(LoginAttempt)] == [False]  # the wrong one, a failure
    started = time.monotonic()
    assert api_login(client, "eng1", PASSWORD).status_code == 200
    assert time.monotonic() - started < 5

