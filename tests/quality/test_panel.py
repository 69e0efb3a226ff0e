"""The data-quality panel finds each kind of gap in a seeded month, and nothing in a clean one."""

import re
from datetime import date

import pytest

from tests.conftest import NOW, login
from tests.scores.support import Records, at
from tracker.extensions import db
from tracker.jobs import JobRun
from tracker.itinerary.models import Trip
from tracker.scores import templates_store
from tracker.scores.models import Interview
from tracker.workorders.models import Scan

CLEAN, SEEDED = "2026-09", "2026-10"


class Month:
    """Writes a month's records: every gap closed unless a test leaves it open."""

    def __init__(self, records, team, month):
        self.records, self.team, self.month = records, team, month
        self.year, self.number = int(month[:4]), int(month[5:])

    def day(self, d):
        return date(self.year, self.number, d)

    def order(self, engineer, d, *, scan=True, times=True, trip=True, survey=True):
        reported = at(self.day(d), 9)
        order = self.records.order(engineer, reported, responded=at(self.day(d), 10), completed=at(self.day(d), 16))
        if times:
            order.arrived_at = at(self.day(d), 11)
        if scan:
            db.session.add(Scan(work_order_id=order.id, customer_id=order.customer_id, version=1, stem=order.number,
                                name=f"{order.number}.pdf", path=f"archive/{order.number}.pdf", kind="pdf", size=10,
                                sha256="0" * 64, uploaded_at=NOW))
        if trip:
            db.session.add(Trip(engineer_id=engineer.id, day=self.day(d), depart_min=600, return_min=660,
                                hours=1, work_order_id=order.id))
        db.session.commit()
        if survey:
            self.records.survey(order, 5)
        return order

    def close(self, engineer, *, submitted=True, review=True, interview=True):
        if submitted:
            self.records.submission(engineer, self.month)
        if review:
            self.records.review(engineer, self.month, self.team["mgr"] if engineer.supervisor.username == "mgr"
                                else self.team["mgr2"], "leader")
        if interview:
            db.session.add(Interview(engineer_id=engineer.id, month=self.month, notes="ok", held_at=NOW))
            db.session.commit()


@pytest.fixture
def records(app, team):
    templates_store.sync_presets(NOW)
    db.session.commit()
    return Records()


@pytest.fixture
def months(team, records):
    clean = Month(records, team, CLEAN)
    clean.order(team["eng1"], 8)
    for name in ("eng1", "eng2", "eng3"):
        clean.close(team[name])
    seeded = Month(records, team, SEEDED)
    orders = {"no_scan": seeded.order(team["eng1"], 5, scan=False),
              "no_times": seeded.order(team["eng1"], 6, times=False),
              "no_trip": seeded.order(team["eng2"], 7, trip=False),
              "no_survey": seeded.order(team["eng3"], 8, survey=False)}
    records.trip(team["eng3"], seeded.day(9), hours=2)  # a trip without a work order
    seeded.close(team["eng1"])
    seeded.close(team["eng2"], submitted=False, interview=False)
    seeded.close(team["eng3"], review=False)
    return orders


def by_kind(body):
    found = {}
    for gap in body["gaps"]:
        found.setdefault(gap["kind"], []).append(gap["work_order"] or gap["username"])
    return found


def test_a_clean_month_has_no_gap(months, api, client):
    body = api("GET", f"/quality/{CLEAN}", "gm.wang").get_json()
    assert body["gaps"] == [] and set(body["counts"].values()) == {0}
    login(client, "gm.wang")
    assert 'id="no-gaps"' in client.get(f"/quality/{CLEAN}").get_data(as_text=True)


def test_a_scope_without_engineers_says_so_rather_than_that_the_month_is_complete(months, client, make_user):
    """A manager without a team (a new instance's admin too) was told "no gaps, the month's data is complete"."""
    make_user("mgr.none", role="manager")
    login(client, "mgr.none")
    page = client.get(f"/quality/{CLEAN}").get_data(as_text=True)
    assert 'id="nobody"' in page and "您的范围内没有工程师。" in page and 'id="no-gaps"' not in page


def test_each_kind_of_gap_is_found(months, api):
    found = by_kind(api("GET", f"/quality/{SEEDED}", "gm.wang").get_json())
    assert found == {
        "itinerary_not_submitted": ["eng2"],
        "work_order_without_scan": [months["no_scan"].number],
        "work_order_without_times": [months["no_times"].number],
        "work_order_without_trip": [months["no_trip"].number],
        "survey_missing": [months["no_survey"].number],
        "trip_without_work_order": ["eng3"],
        "leader_review_missing": ["eng3"],
        "interview_missing": ["eng2"],
    }


def test_an_engineer_who_left_keeps_the_gaps_of_a_month_still_to_approve(months, api):
    """Deactivated after the month, eng2 vanished from the check while his draft still waited for its interview
    (approval said 409): the month looked ready to close."""
    assert api("PATCH", "/users/eng2", "admin", json={"active": False}).status_code == 200
    found = by_kind(api("GET", f"/quality/{SEEDED}", "gm.wang").get_json())
    assert found["interview_missing"] == ["eng2"] and found["itinerary_not_submitted"] == ["eng2"]
    assert found["work_order_without_trip"] == [months["no_trip"].number]
    assert api("POST", f"/scores/{SEEDED}/eng2/approve", "gm.wang").status_code == 409


def test_a_manager_sees_the_own_team_and_links_to_the_records(months, api, client):
    found = by_kind(api("GET", f"/quality/{SEEDED}", "mgr").get_json())
    assert "leader_review_missing" not in found and "trip_without_work_order" not in found
    assert found["work_order_without_scan"] == [months["no_scan"].number]
    login(client, "mgr")
    html = client.get(f"/quality/{SEEDED}").get_data(as_text=True)
    assert f'/work-orders/{months["no_scan"].id}' in html
    assert f"/itinerary/eng2/{SEEDED}" in html and f"/reviews/{SEEDED}" not in html
    assert f"/scores/{SEEDED}/eng2#interview" in html
    assert api("GET", f"/quality/{SEEDED}", "eng1").status_code == 403
    assert api("GET", "/quality/2026-13", "mgr").status_code == 422


def test_a_trip_without_a_work_order_links_to_that_trip(months, client, team):
    """The link opened the engineer's whole month (some 25 trips): three trips of one day gave three equal links."""
    from sqlalchemy import select

    trip = db.session.scalar(select(Trip).where(Trip.engineer_id == team["eng3"].id, Trip.work_order_id.is_(None)))
    login(client, "gm.wang")
    html = client.get(f"/quality/{SEEDED}").get_data(as_text=True)
    assert f'href="/itinerary/eng3/{SEEDED}#trip-{trip.id}"' in html
    assert f'id="trip-{trip.id}"' in client.get(f"/itinerary/eng3/{SEEDED}").get_data(as_text=True)


def test_month_page_and_close_job_link_to_the_panel(months, client):
    login(client, "gm.wang")
    assert f"/quality/{SEEDED}" in client.get(f"/scores/{SEEDED}").get_data(as_text=True)
    db.session.add(JobRun(job="scores_close_month", key=SEEDED, started_at=NOW, finished_at=NOW, outcome="ok",
                          summary="3 computed"))
    db.session.commit()
    client.post("/logout")
    login(client, "admin")
    assert f'href="/quality/{SEEDED}"' in client.get("/reports/jobs").get_data(as_text=True)


def test_a_month_that_has_not_started_has_nothing_to_check(team, api, client):
    """NOW is in 2026-11: 2026-12 listed every engineer as not submitted, without review and interview."""
    response = api("GET", "/quality/2026-12", "gm.wang")
    assert response.status_code == 422 and "month" in response.get_json()["error"]["fields"]
    assert api("GET", "/quality/2026-11", "gm.wang").status_code == 200
    login(client, "gm.wang")
    page = client.get("/quality/2026-11").get_data(as_text=True)
    assert 'rel="prev"' in page and 'rel="next"' not in page
    assert client.get("/quality/2026-12").status_code == 422


def test_every_link_of_the_panel_opens_for_the_one_who_reads_it(months, client):
    """An admin sees the panel but reviews nobody: the missing review links to the score page, not to a 403."""
    for user in ("gm.wang", "admin"):
        login(client, user)
        html = client.get(f"/quality/{SEEDED}").get_data(as_text=True)
        links = set(re.findall(r'href="(/(?:reviews|scores|itinerary|work-orders)/[^"#]*)', html))
        assert links, user
        for link in links:
            assert client.get(link).status_code == 200, (user, link)
        client.post("/logout")


def test_an_assessed_engineer_without_a_bonus_base_is_a_gap_linked_to_the_users_page_for_the_admin(months, api,
                                                                                                    client):
    """A user created without 绩效奖金基数 got 0, and their approved month paid a bonus of 0 without any warning."""
    assert api("PATCH", "/users/eng3", "admin", json={"bonus_base": 0}).status_code == 200
    found = by_kind(api("GET", f"/quality/{SEEDED}", "gm.wang").get_json())
    assert found["bonus_base_missing"] == ["eng3"]
    login(client, "admin")
    page = client.get(f"/quality/{SEEDED}").get_data(as_text=True)
    assert "绩效奖金基数为 0" in page and f'href="/admin/users/{months["no_survey"].engineer_id}"' in page
    assert api("PATCH", "/users/eng3", "admin", json={"bonus_base": 1000}).status_code == 200
    assert "bonus_base_missing" not in by_kind(api("GET", f"/quality/{SEEDED}", "gm.wang").get_json())


def test_an_adjustment_not_decided_is_a_gap_as_it_holds_the_approval(months, api, client):
    """The queue and the team page listed a proposed adjustment as holding the approval; the data check did not."""
    assert api("POST", f"/scores/{SEEDED}/eng1/adjustments", "mgr", json={"points": 2, "reason": "表扬"}).status_code \
        == 201
    found = by_kind(api("GET", f"/quality/{SEEDED}", "gm.wang").get_json())
    assert found["adjustment_undecided"] == ["eng1"]
    login(client, "gm.wang")
    assert 'href="/scores/adjustments"' in client.get(f"/quality/{SEEDED}").get_data(as_text=True)


def test_an_engineer_without_a_hire_date_is_asked_for_the_months_since_the_account_was_made(months, api, make_user):
    """Who owes a month's itinerary follows the one rule the month's reminder follows (hired before the month's end,
    or without a hire date, an account made before it): the gap list took every engineer without a hire date,
    so one added later was listed as owing months before they joined."""
    from datetime import datetime

    late = make_user("eng.late", role="engineer", supervisor="mgr", hire_date=None)
    late.created_at = datetime(2026, 11, 2, 9)
    early = make_user("eng.early", role="engineer", supervisor="mgr", hire_date=None)
    early.created_at = datetime(2026, 10, 31, 9)
    db.session.commit()
    found = by_kind(api("GET", f"/quality/{SEEDED}", "gm.wang").get_json())
    assert "eng.late" not in found["itinerary_not_submitted"] and "eng.early" in found["itinerary_not_submitted"]
