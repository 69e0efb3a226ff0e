"""Overlap and the month lock hold under concurrency (CONTRACT 3): real threads against a served app."""

import json
import threading
import urllib.error
import urllib.request

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.itinerary.models import MonthSubmission, Trip

CALLERS = 30


def _post(url, headers, body=None):
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode() if body is not None else b"",
                                     method="POST", headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _all_at_once(count, call):
    """Run `call` in `count` threads released together; returns their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        results[index] = call(index)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results


def _count(model, **where):
    db.session.rollback()  # read what the server's threads committed
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_thirty_concurrent_overlapping_trips_for_one_engineer_store_exactly_one(live_server, team, token):
    headers = token("eng1")
    url = live_server + "/api/v1/trips"
    results = _all_at_once(CALLERS, lambda n: _post(url, headers, {"date": "2026-11-19", "depart": "09:00",
                                                                   "return": f"{10 + n % 3}:00"}))
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [422] * (CALLERS - 1), results
    stored = [body for status, body in results if status == 201][0]
    for status, body in results:
        if status == 422:  # each refusal names the one stored trip
            assert body["error"]["conflicting_trip"] == stored["id"], body
    assert _count(Trip, engineer_id=team["eng1"].id) == 1


def test_concurrent_trips_of_two_engineers_do_not_block_each_other(live_server, team, token):
    heads = {"eng1": token("eng1"), "eng2": token("eng2")}
    url = live_server + "/api/v1/trips"
    results = _all_at_once(10, lambda n: _post(url, heads["eng1" if n % 2 else "eng2"],
                                               {"date": "2026-11-19", "depart": "09:00", "return": "10:00"}))
    assert sorted(status for status, _body in results) == [201, 201] + [422] * 8, results
    assert _count(Trip) == 2


def test_a_month_submitted_many_times_at_once_is_submitted_once_and_locks_trips_sent_with_it(live_server, team,
                                                                                             token):
    headers = token("eng1")
    submit = live_server + "/api/v1/itineraries/eng1/2026-10/submit"
    trips = live_server + "/api/v1/trips"

    def call(n):
        if n % 2:
            return "submit", _post(submit, headers)
        return "trip", _post(trips, headers, {"date": f"2026-10-{1 + n:02d}", "full_day": True})

    results = _all_at_once(20, call)
    submits = sorted(status for kind, (status, _body) in results if kind == "submit")
    assert submits == [200] + [409] * 9, results  # never a 500 from a second insert
    stored = _count(Trip, engineer_id=team["eng1"].id)
    accepted = sum(1 for kind, (status, _body) in results if kind == "trip" and status == 201)
    refused = sum(1 for kind, (status, _body) in results if kind == "trip" and status == 409)
    assert accepted + refused == 10 and stored == accepted  # a trip is either in before the lock or refused
    assert _count(MonthSubmission, engineer_id=team["eng1"].id) == 1


def test_racing_repeats_of_one_trip_with_a_client_id_answer_the_first_and_are_not_refused_as_overlapping(
        live_server, team, token):
    headers = token("eng1")
    body = {"date": "2026-11-19", "depart": "09:00", "return": "10:00",
            "client_id": "6f1c1f9e-3c55-4a53-9d5e-0f0b7a3f2a11"}
    results = _all_at_once(10, lambda n: _post(live_server + "/api/v1/trips", headers, body))
    assert sorted(status for status, _body in results) == [200] * 9 + [201], results
    assert len({body["id"] for _status, body in results}) == 1
    assert _count(Trip, engineer_id=team["eng1"].id) == 1


def _send(method, url, headers, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_two_changes_of_one_trip_at_once_both_apply_to_the_trip_as_stored(live_server, team, token):
    """One request moves the departure to 01:00, another the return to 05:00, at the same moment: each applies its
    field to the trip as the other left it (read under the engineer's lock), so the trip is 01:00–05:00 and its
    hours are 4 (it was stored 01:00–05:00 with 2 or 3 h, from a copy read before the lock)."""
    headers = token("eng1")
    for round_ in range(4):
        status, trip = _post(live_server + "/api/v1/trips", headers,
                             {"date": f"2026-11-{16 + round_}", "depart": "02:20", "return": "02:40"})
        assert status == 201, trip
        url = f"{live_server}/api/v1/trips/{trip['id']}"
        changes = [{"depart": "01:00"}, {"return": "05:00"}]
        results = _all_at_once(2, lambda n, url=url, changes=changes: _send("PATCH", url, headers, changes[n]))
        assert sorted(status for status, _body in results) == [200, 200], results
        db.session.rollback()
        stored = db.session.get(Trip, trip["id"])
        assert (stored.depart_min, stored.return_min, stored.hours) == (60, 300, 4), (round_, results)


def test_a_trip_changed_and_deleted_at_once_is_deleted_or_changed_never_a_500(live_server, team, token):
    headers = token("eng1")
    calls = [("PATCH", {"return": "11:00"}), ("DELETE", {})]
    for round_ in range(4):
        status, trip = _post(live_server + "/api/v1/trips", headers,
                             {"date": f"2026-11-{16 + round_}", "depart": "09:00", "return": "10:00"})
        url = f"{live_server}/api/v1/trips/{trip['id']}"
        results = _all_at_once(2, lambda n, url=url: _send(calls[n][0], url, headers, calls[n][1]))
        assert all(status in (200, 204, 404) for status, _body in results), results
        assert _count(Trip, id=trip["id"]) == 0


def test_one_calendar_day_set_by_several_admins_at_once_is_set_once_and_every_call_succeeds(live_server, team,
                                                                                          token):
    """PUT is idempotent: two admins setting the same date at the same moment got one 200 and 409s ("another
    change got there first") though both asked for the same thing; each now waits for the other and sets it."""
    from tracker.itinerary.models import CalendarDay

    headers = token("admin")
    url = live_server + "/api/v1/calendar/2026-11-21"
    results = _all_at_once(8, lambda n: _send("PUT", url, headers, {"workday": True, "note": f"调休 {n % 2}"}))
    assert sorted(status for status, _body in results) == [200] * 8, results
    assert _count(CalendarDay) == 1
    cleared = _all_at_once(4, lambda n: _delete(url, headers))
    assert sorted(status for status, _body in cleared) == [204] * 4, cleared
    assert _count(CalendarDay) == 0


def _delete(url, headers):
    request = urllib.request.Request(url, method="DELETE", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
