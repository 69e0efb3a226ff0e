"""The audit log: every write (web and API) with before and after, refused accesses, logins; the audit page."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tracker import audit
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.itinerary.models import Trip


def events(*where):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.id)).all()


def test_a_trip_written_through_the_web_is_logged_with_who_and_what(client, team):
    login(client, "eng1")
    response = client.post("/itinerary/eng1/trips/new", data={"date": "2026-11-18", "depart": "09:00",
                                                              "return_time": "11:00", "purpose": "保养"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    trip = db.session.scalar(select(Trip))
    created = events(AuditEvent.record_type == "trips", AuditEvent.kind == "create")
    assert len(created) == 1
    event = created[0]
    assert event.actor.username == "eng1" and event.record_id == str(trip.id) and event.at == NOW
    assert event.after_values()["purpose"] == "保养" and event.before is None
    assert event.address == "127.0.0.1"


def test_api_writes_are_logged_with_before_and_after(api, team):
    trip_id = api("POST", "/trips", "eng1", json={"date": "2026-11-18", "depart": "09:00", "return": "10:00",
                                                  "purpose": "巡检"}).get_json()["id"]
    assert api("PATCH", f"/trips/{trip_id}", "eng1", json={"purpose": "维修"}).status_code == 200
    assert api("DELETE", f"/trips/{trip_id}", "mgr").status_code == 204
    kinds = [(e.kind, e.actor.username) for e in events(AuditEvent.record_type == "trips")]
    assert kinds == [("create", "eng1"), ("update", "eng1"), ("delete", "mgr")]
    update = events(AuditEvent.record_type == "trips", AuditEvent.kind == "update")[0]
    assert update.before_values()["purpose"] == "巡检" and update.after_values()["purpose"] == "维修"
    deleted = events(AuditEvent.record_type == "trips", AuditEvent.kind == "delete")[0]
    assert deleted.before_values()["purpose"] == "维修" and deleted.record_id == str(trip_id)


def test_refused_accesses_are_logged_web_and_api(client, api, team):
    login(client, "eng1")
    assert client.get("/admin/users").status_code == 403
    assert api("GET", "/itineraries/eng2/2026-11", "eng1").status_code == 403
    denied = events(AuditEvent.kind == "denied")
    assert [(e.actor.username, e.subject) for e in denied] == [
        ("eng1", "GET /admin/users"), ("eng1", "GET /api/v1/itineraries/eng2/2026-11")]


def test_refused_writes_leave_only_the_refusal(api, team):
    assert api("POST", "/trips", "eng1", json={"engineer": "eng3", "date": "2026-11-18",
                                               "full_day": True}).status_code == 403
    assert events(AuditEvent.record_type == "trips") == []
    assert len(events(AuditEvent.kind == "denied")) == 1


def test_secrets_never_reach_the_log(client, api, team):
    assert api("POST", "/users", "admin", json={"username": "newbie", "password": "Top-Secret-99",
                                                "display_name": "新人", "role": "engineer",
                                                "hire_date": "2026-01-05"}).status_code == 201
    login(client, "newbie", "Top-Secret-99")
    client.post("/login", data={"username": "newbie", "password": "Wrong-Secret-98"})
    created = events(AuditEvent.record_type == "users", AuditEvent.kind == "create")[0]
    assert created.after_values()["password_hash"] == audit.MASK
    text = json.dumps([[e.subject, e.detail, e.before, e.after] for e in events()], ensure_ascii=False)
    for secret in ("Top-Secret-99", "Wrong-Secret-98", "pbkdf2", "scrypt"):
        assert secret not in text


# ---- the page ----------------------------------------------------------------------------------------------

@pytest.fixture
def logged(api, client, team, monkeypatch):
    """A few events: trips by eng1 and eng2, a refusal, a failed login; then the gm is logged in."""
    api("POST", "/trips", "eng1", json={"date": "2026-11-18", "full_day": True})
    api("POST", "/trips", "eng2", json={"date": "2026-11-17", "full_day": True})
    api("GET", "/itineraries/eng2/2026-11", "eng1")
    client.post("/login", data={"username": "eng2", "password": "wrong-one"})
    login(client, "gm.wang")
    return client


@pytest.mark.parametrize("user", ["admin", "gm.wang"])
def test_admin_and_gm_see_the_audit_page(client, team, user):
    login(client, user)
    response = client.get("/audit/")
    assert response.status_code == 200 and "审计日志" in response.get_data(as_text=True)


@pytest.mark.parametrize("user", ["eng1", "mgr", "office"])
def test_others_may_not_see_the_audit_page(client, team, user):
    login(client, user)
    assert client.get("/audit/").status_code == 403


def _kinds_on(page):
    return page.count('data-kind="create"'), page.count('data-kind="denied"'), page.count('data-kind="login_failed"')


def test_the_audit_page_filters_by_person_record_kind_and_date(logged):
    client = logged
    page = client.get("/audit/?person=eng1").get_data(as_text=True)
    assert 'data-kind="denied"' in page and "GET /api/v1/itineraries/eng2/2026-11" in page
    assert "2026-11-17" not in page  # eng2's trip
    page = client.get("/audit/?record=trips").get_data(as_text=True)
    assert _kinds_on(page) == (2, 0, 0)
    trip_id = db.session.scalar(select(Trip.id).order_by(Trip.id))
    page = client.get(f"/audit/?record=trips%23{trip_id}").get_data(as_text=True)
    assert _kinds_on(page) == (1, 0, 0) and "2026-11-18" in page
    page = client.get("/audit/?kind=login_failed").get_data(as_text=True)
    assert _kinds_on(page) == (0, 0, 1) and "eng2" in page
    day = NOW.date()
    assert 'data-kind="create"' in client.get(f"/audit/?start={day}&end={day}").get_data(as_text=True)
    later = (day + timedelta(days=1)).isoformat()
    assert "data-kind=" not in client.get(f"/audit/?start={later}").get_data(as_text=True)


@pytest.mark.parametrize("query, field", [("start=2026-13-01", "start"), ("end=yesterday", "end"),
                                          ("record=trips;drop", "record"), ("kind=everything", "kind"),
                                          ("start=2026-11-20&end=2026-11-01", "end")])
def test_bad_filters_are_explained(logged, query, field):
    response = logged.get("/audit/?" + query)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="invalid-feedback"' in page and f'id="{field}" name="{field}"' in page
    assert "data-kind=" not in page  # nothing listed under filters that cannot be (it listed every event)


def test_the_audit_page_is_paginated(logged, app):
    for number in range(60):
        audit.record(None, "test.fill", f"filler {number}", at=NOW)
    db.session.commit()
    first = logged.get("/audit/").get_data(as_text=True)
    assert first.count("data-kind=") == 50 and "page=2" in first
    second = logged.get("/audit/?page=2").get_data(as_text=True)
    assert 0 < second.count("data-kind=") < 50
    refused = logged.get("/audit/?page=abc")  # the page number the API's lists accept, or a message
    assert refused.status_code == 422 and "页码须为 1–999999999 的整数" in refused.get_data(as_text=True)


def test_the_audit_page_speaks_english(logged):
    logged.post("/lang/en")
    page = logged.get("/audit/").get_data(as_text=True)
    assert "Audit log" in page and "Failed login" in page and "审计日志" not in page


def test_fixed_details_of_logins_and_ended_sessions_are_shown_in_the_readers_language(client, api, team):
    """What a login came through and why sessions ended are stored as fixed English words; the page says them in
    the reader's language (an English 'web' stood on the Chinese page)."""
    login(client, "eng1")
    client.post("/logout/everywhere")
    api("GET", "/scores/2026-10", "eng2")  # a token: a login through the API
    login(client, "admin")
    page = client.get("/audit/").get_data(as_text=True)
    assert "— 网页" in page and "— API 令牌" in page and "— 本人在所有设备上退出登录" in page
    assert "— web" not in page and "— api token" not in page and "log out everywhere" not in page
    english = client.get("/audit/?lang=en").get_data(as_text=True)
    assert "— web" in english and "— log out everywhere" in english
