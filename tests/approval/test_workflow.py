"""Adjustments, veto, interview, approval and reopening through the API, and what they do to the stored score."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from tests.api.support import documented
from tests.approval.conftest import MONTH, count
from tests.conftest import NOW, login
from tests.scores.support import score_of, snapshot
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.notifications import services as notifications
from tracker.notifications.models import Notification
from tracker.scores import services as reports
from tracker.scores import templates_store
from tracker.scores.models import Adjustment, Interview, KpiTemplate, Score, Veto
from tracker.scoring.month import Month

# With no records eng1 has field hours 0/20 and the deductions full (attendance 15, on time 15, rework 5 + 5,
# satisfaction 15): Q = 100 × 55 / 75; a leader review of all 5: L = 100.
Q = Decimal(100) * 55 / 75
BASE = Decimal("0.7") * Q + Decimal("0.3") * 100  # 81.33


def propose(api, points, reason="表现突出", user="mgr", username="eng1"):
    response = api("POST", f"/scores/{MONTH}/{username}/adjustments", user, json={"points": points, "reason": reason})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def decide(api, adjustment_id, action="approve"):
    body = {"reason": "理由不足"} if action == "reject" else None
    response = api("POST", f"/adjustments/{adjustment_id}/{action}", "gm.wang", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def audit_actions():
    db.session.rollback()
    return [event.action for event in db.session.scalars(db.select(AuditEvent).where(AuditEvent.kind == "action")
                                                         .order_by(AuditEvent.id))]


# ---- adjustments -------------------------------------------------------------------------------------

def test_a_proposal_answers_its_id_and_status_proposed(app, api, computed):
    response = api("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", json={"points": -2.5, "reason": "  迟交报告 "})
    body = documented(app, response)
    assert response.status_code == 201 and body["status"] == "proposed" and body["points"] == -2.5
    row = db.session.get(Adjustment, body["id"])
    assert row.reason == "  迟交报告 " and row.proposed_at == NOW and row.decided_at is None


def test_two_approved_plus_six_are_capped_at_ten_and_a_minus_three_counts_in_full(api, team, ready):
    for _ in range(2):
        decide(api, propose(api, 6))
    score = score_of(team["eng1"], MONTH)
    assert score.adjustments == Decimal("10.00")
    assert score.total == (BASE + 10).quantize(Decimal("0.01"))
    decide(api, propose(api, -3, "客户投诉"))
    score = score_of(team["eng1"], MONTH)
    assert score.adjustments == Decimal("7.00")
    assert score.total == (BASE + 7).quantize(Decimal("0.01"))


def test_proposed_and_rejected_adjustments_do_not_count(api, team, ready):
    propose(api, 5)
    rejected = propose(api, 8)
    assert decide(api, rejected, "reject")["status"] == "rejected"
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    score = score_of(team["eng1"], MONTH)
    assert score.adjustments == Decimal("0.00") and score.total == BASE.quantize(Decimal("0.01"))


def test_approving_an_adjustment_recomputes_the_draft_at_once(app, api, team, ready):
    response = api("POST", f"/adjustments/{propose(api, 4)}/approve", "gm.wang")
    body = documented(app, response)
    assert body["status"] == "approved" and body["decided_by"] == "gm.wang"
    assert score_of(team["eng1"], MONTH).adjustments == Decimal("4.00")


def test_a_decided_adjustment_cannot_be_decided_again(api, computed):
    adjustment_id = propose(api, 3)
    decide(api, adjustment_id, "reject")
    for action, body in (("approve", None), ("reject", {"reason": "再来一次"})):  # approve takes no body
        response = api("POST", f"/adjustments/{adjustment_id}/{action}", "gm.wang", json=body)
        assert response.status_code == 409
    assert count(Adjustment, Adjustment.status == "rejected") == 1


def test_an_adjustment_decided_meanwhile_answers_how_it_was_decided(api, team, computed):
    """Two gms decide at once: the second's row was read before the first's decision committed; its 409 says the
    decision as stored (it said "proposed")."""
    from tracker.errors import Conflict
    from tracker.scores import approval

    adjustment_id = propose(api, 3)
    stale = db.session.get(Adjustment, adjustment_id)
    assert stale.status == "proposed"
    with db.engine.begin() as other:  # the other gm's decision, committed meanwhile
        other.execute(Adjustment.__table__.update().where(Adjustment.__table__.c.id == adjustment_id)
                      .values(status="approved"))
    with pytest.raises(Conflict) as refused:
        approval.decide_adjustment(team["gm"], stale, False, now=NOW, reason="依据不足")
    assert refused.value.extra["status"] == "approved"
    db.session.rollback()


@pytest.mark.parametrize("adjustment_id", [999, 2**31, 10**20])
def test_an_unknown_adjustment_is_404(api, computed, adjustment_id):
    assert api("POST", f"/adjustments/{adjustment_id}/approve", "gm.wang").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"points": "5", "reason": "r"}, "points"),
    ({"points": 0, "reason": "r"}, "points"),
    ({"points": 0.0, "reason": "r"}, "points"),
    ({"points": 100.001, "reason": "r"}, "points"),
    ({"points": -100.01, "reason": "r"}, "points"),
    ({"points": 1.234, "reason": "r"}, "points"),
    ({"points": 1e300, "reason": "r"}, "points"),
    ({"points": True, "reason": "r"}, "points"),
    ({"points": None, "reason": "r"}, "points"),
    ({"reason": "r"}, "points"),
    ({"points": 5, "reason": ""}, "reason"),
    ({"points": 5, "reason": "   "}, "reason"),
    ({"points": 5, "reason": "x" * 501}, "reason"),
    ({"points": 5}, "reason"),
    ({"points": 5, "reason": "r", "status": "approved"}, "status"),
])
def test_bad_adjustments_are_422_and_nothing_is_stored(api, computed, body, field):
    response = api("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count(Adjustment) == 0 and count(AuditEvent, AuditEvent.kind == "action") == 0


@pytest.mark.parametrize("points", [100, -100, 0.01, -0.01, 99.99, 7])
def test_points_at_the_limits_are_accepted(api, computed, points):
    propose(api, points)
    assert db.session.scalar(db.select(Adjustment.points)) == Decimal(str(points)).quantize(Decimal("0.01"))


def test_a_reason_of_500_characters_is_accepted(api, computed):
    propose(api, 1, "理" * 500)


def test_an_adjustment_for_a_month_not_yet_begun_is_refused(api, computed):
    response = api("POST", "/scores/2026-12/eng1/adjustments", "mgr", json={"points": 1, "reason": "r"})
    assert response.status_code == 422 and count(Adjustment) == 0


def test_an_engineer_not_yet_assessed_gets_no_adjustments(api, make_user, computed):
    make_user("newbie", supervisor="mgr", hire_date=date(2026, 8, 1))
    response = api("POST", f"/scores/{MONTH}/newbie/adjustments", "mgr", json={"points": 1, "reason": "r"})
    assert response.status_code == 409 and count(Adjustment) == 0


def test_a_proposal_for_a_month_no_longer_assessed_is_not_approved_but_may_be_rejected(api, client, make_user,
                                                                                       computed):
    """Proposed under an early confirmation that was cleared afterwards, the adjustment was still approved (200):
    a decision counted in a month the engineer is not assessed in, where a proposal, a veto and approval are 409."""
    make_user("newbie", supervisor="mgr", hire_date=date(2026, 8, 1))
    assert api("PATCH", "/users/newbie", "mgr", json={"early_confirmation_month": MONTH}).status_code == 200
    proposals = [api("POST", f"/scores/{MONTH}/newbie/adjustments", "mgr", json={"points": points, "reason": "r"})
                 for points in (2, -1)]
    assert [response.status_code for response in proposals] == [201, 201]
    assert api("PATCH", "/users/newbie", "admin", json={"early_confirmation_month": None}).status_code == 200
    first, second = (response.get_json()["id"] for response in proposals)
    login(client, "gm.wang")  # the gm's list offers only to reject them
    listed = client.get("/scores/adjustments").get_data(as_text=True)
    row = listed[listed.index(f'id="adjustment-{first}"'):]
    assert "只能驳回" in row[:row.index("</li>")] and f"/adjustments/{first}/approve" not in listed
    response = api("POST", f"/adjustments/{first}/approve", "gm.wang")
    assert response.status_code == 409 and "不参加考核" in response.get_json()["error"]["message"]
    assert api("POST", f"/adjustments/{second}/reject", "gm.wang", json={"reason": "不再适用"}).status_code == 200
    db.session.expire_all()
    assert [a.status for a in db.session.scalars(select(Adjustment).order_by(Adjustment.id))] == [
        "proposed", "rejected"]


@pytest.mark.parametrize("path, body", [("adjustments", {"points": 3, "reason": "good job"}),
                                        ("interview", {"notes": "谈过"}), ("veto", {"reason": "r"})])
def test_a_month_no_template_is_in_force_for_takes_no_decision(api, computed, path, body):
    """The bundled templates are in force from 2026-01: December 2025 can never be computed, so a proposal stored
    for it could never be approved, rejected or withdrawn (each recomputes the month: 409)."""
    response = api("POST", f"/scores/2025-12/eng1/{path}", "mgr", json=body)
    assert response.status_code == 409, response.get_json()
    assert "engineer_monthly" in response.get_json()["error"]["message"]
    assert count(Adjustment) == count(Interview) == count(Veto) == 0


# ---- veto and interview ----------------------------------------------------------------------------

def test_a_veto_makes_the_total_zero_even_without_a_review(app, api, team, computed):
    assert computed.total is None  # no leader review: pending
    response = api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "重大安全事故"})
    body = documented(app, response)
    assert body["vetoed"] is True and body["total"] == 0 and body["grade"] == "E" and body["bonus"] == 0
    score = score_of(team["eng1"], MONTH)
    assert score.vetoed and score.total == 0
    assert body["computed_at"] == score.computed_at.isoformat() + "+08:00" and body["stale"] is False  # every score answer


def test_a_veto_makes_the_total_zero_with_a_review_and_adjustments(api, team, ready):
    decide(api, propose(api, 10))
    assert score_of(team["eng1"], MONTH).total > 60
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "gm.wang", json={"reason": "违规操作"}).status_code == 200
    assert score_of(team["eng1"], MONTH).total == 0
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    assert score_of(team["eng1"], MONTH).total == 0


def test_a_month_is_vetoed_once(api, computed):
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "一"}).status_code == 200
    response = api("POST", f"/scores/{MONTH}/eng1/veto", "gm.wang", json={"reason": "二"})
    assert response.status_code == 409 and count(Veto) == 1


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": " "}, {"reason": "x" * 501}, {"reason": 5},
                                  {"reason": "r", "total": 0}])
def test_bad_veto_bodies_are_422_and_nothing_is_stored(api, team, computed, body):
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json=body).status_code == 422
    assert count(Veto) == 0 and not score_of(team["eng1"], MONTH).vetoed


def test_the_interview_answers_who_held_it_and_when(app, api, computed):
    response = api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "谈了响应时间\n下月改进"})
    body = documented(app, response)
    assert body["held_by"] == "mgr" and body["held_at"].startswith("2026-11-20T10:00")
    assert db.session.get(Interview, body["id"]).notes == "谈了响应时间\n下月改进"


@pytest.mark.parametrize("body", [{}, {"notes": ""}, {"notes": "  "}, {"notes": "x" * 2001}, {"notes": None}])
def test_bad_interview_bodies_are_422_and_nothing_is_stored(api, computed, body):
    assert api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json=body).status_code == 422
    assert count(Interview) == 0


# ---- approving -----------------------------------------------------------------------------------

def test_the_gm_approves_a_score_with_a_leader_review_and_an_interview(app, api, team, ready):
    response = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    body = documented(app, response)
    assert body["status"] == "approved" and body["approved_by"] == "gm.wang" and body["total"] == 81.33
    assert body["computed_at"] == score_of(team["eng1"], MONTH).computed_at.isoformat() + "+08:00"
    score = score_of(team["eng1"], MONTH)
    assert score.status == "approved" and score.approved_at == NOW and score.approved_by_id == team["gm"].id


def test_approval_needs_a_leader_review(api, team, records, computed):
    api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"})
    records.review(team["eng1"], MONTH, team["eng1"], "self")
    records.review(team["eng1"], MONTH, team["eng2"], "peer")
    response = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert response.status_code == 409 and "缺少领导评价" in response.get_json()["error"]["message"]
    assert score_of(team["eng1"], MONTH).status == "draft"


def test_approval_needs_a_recorded_interview(api, team, records, computed):
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    response = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert response.status_code == 409 and "绩效面谈" in response.get_json()["error"]["message"]
    assert score_of(team["eng1"], MONTH).status == "draft"


def test_a_score_not_computed_yet_cannot_be_approved(api, team, records):
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"})
    db.session.execute(delete(Score).where(Score.engineer_id == team["eng1"].id))  # as if never computed
    db.session.commit()
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 409
    assert score_of(team["eng1"], MONTH) is None


def test_a_month_never_computed_lists_every_other_blocker_too(api, team, records):
    db.session.execute(delete(Score).where(Score.engineer_id == team["eng1"].id))  # as if never computed
    db.session.commit()
    refused = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert refused.status_code == 409
    gaps = refused.get_json()["error"]["gaps"]
    assert gaps[0] == "本月考核尚未计算" and "缺少领导评价" in gaps and "尚未记录绩效面谈" in gaps, gaps
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"})
    db.session.execute(delete(Score).where(Score.engineer_id == team["eng1"].id))
    db.session.commit()
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").get_json()["error"]["gaps"] == ["本月考核尚未计算"]


def test_a_month_before_any_template_version_names_that_as_its_blocker(api, client, team):
    """A month before the first version of the engineer's template (before Tracker was used) listed 本月考核尚未计算,
    the review and the interview: fixes that are each refused (409 no version in force), not the one that is."""
    templates_store.sync_presets(NOW)  # as init-db stores them
    db.session.commit()
    first = db.session.scalar(select(func.min(KpiTemplate.effective_from)))
    before = Month.parse(first).previous()
    refused = api("POST", f"/scores/{before}/eng1/approve", "gm.wang")
    assert refused.status_code == 409
    gaps = refused.get_json()["error"]["gaps"]
    assert len(gaps) == 1 and "没有生效的版本" in gaps[0] and str(before) in gaps[0], gaps
    assert api("POST", f"/scores/{before}/compute", "gm.wang").status_code == 409  # indeed nothing to compute with
    login(client, "gm.wang")  # the queue says the same, by the same rule
    row = client.get(f"/approvals?month={before}").get_data(as_text=True)
    row = row[row.index('id="row-eng1"'):row.index('id="row-eng2"')]
    assert "没有生效的版本" in row and "本月考核尚未计算" not in row and "尚未记录绩效面谈" not in row, row


def test_a_month_never_computed_of_someone_not_assessed_says_so_not_what_an_assessed_month_waits_for(
        api, make_user, team, records):
    make_user("newbie", supervisor="mgr", hire_date=date(2026, 10, 1))
    db.session.execute(delete(Score))
    db.session.commit()
    refused = api("POST", f"/scores/{MONTH}/newbie/approve", "gm.wang")
    assert refused.status_code == 409 and refused.get_json()["error"]["gaps"] == ["该工程师本月不参加考核"]


def test_an_ineligible_engineers_month_cannot_be_approved(api, make_user, team, records):
    newbie = make_user("newbie", supervisor="mgr", hire_date=date(2026, 8, 1))
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    assert score_of(newbie, MONTH).eligible is False
    assert api("POST", f"/scores/{MONTH}/newbie/approve", "gm.wang").status_code == 409
    assert score_of(newbie, MONTH).status == "draft"


def test_approval_waits_for_the_proposed_adjustments_to_be_decided(api, team, ready):
    adjustment_id = propose(api, 2)
    response = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert response.status_code == 409 and "待审批的加减分" in response.get_json()["error"]["message"]
    decide(api, adjustment_id)
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    assert score_of(team["eng1"], MONTH).adjustments == 2


def test_a_score_is_approved_once(api, approved):
    again = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    error = again.get_json()["error"]
    assert again.status_code == 409 and "已经审批过了" in error["message"] and "gaps" not in error, error


def test_a_new_trip_moves_the_draft_at_once_and_the_approval_keeps_it(api, team, records, ready):
    records.trip(team["eng1"], date(2026, 11, 18), full_day=True)  # 7.5 more field hours: live, no compute call
    assert score_of(team["eng1"], MONTH).quantitative > Q
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    score = score_of(team["eng1"], MONTH)
    assert score.status == "approved" and score.quantitative > Q


def test_an_approved_score_never_changes_when_records_arrive_and_the_month_is_recomputed(api, team, records,
                                                                                          approved):
    before = snapshot(MONTH)
    engineer = team["eng1"]
    records.trip(engineer, date(2026, 11, 17), hours=3)
    records.expense(engineer, date(2026, 11, 17), "250.00")
    records.attendance(engineer, date(2026, 11, 16), "absent")
    order = records.order(engineer, datetime(2026, 11, 3, 8, 0), responded=datetime(2026, 11, 3, 13, 0))
    records.survey(records.order(engineer, datetime(2026, 11, 4, 8, 0), completed=datetime(2026, 11, 5, 9, 0)), 1)
    records.complaint(engineer, date(2026, 11, 6), order=order)
    summary = reports.compute_month(MONTH, NOW)
    db.session.commit()
    assert summary["approved"] == 1
    after = snapshot(MONTH)
    eng1 = lambda rows: next(row for row in rows if row[0]["engineer_id"] == engineer.id)  # noqa: E731
    assert eng1(after) == eng1(before)
    assert eng1(after)[0]["total"] == Decimal("81.33") and eng1(after)[0]["status"] == "approved"


@pytest.mark.parametrize("method, path, user, body", [
    ("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", {"points": 5, "reason": "r"}),
    ("POST", f"/scores/{MONTH}/eng1/veto", "mgr", {"reason": "r"}),
    ("POST", f"/scores/{MONTH}/eng1/veto", "gm.wang", {"reason": "r"}),
    ("POST", f"/scores/{MONTH}/eng1/interview", "mgr", {"notes": "n"}),
    ("PUT", f"/reviews/{MONTH}/eng1", "mgr", {"ratings": dict.fromkeys(
        ("responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement"), 1)}),
    ("PUT", f"/reviews/{MONTH}/eng1", "eng2", {"ratings": dict.fromkeys(
        ("responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement"), 1)}),
])
def test_new_records_for_an_approved_month_are_refused(api, team, approved, method, path, user, body):
    before = snapshot(MONTH)
    counts = (count(Adjustment), count(Veto), count(Interview))
    response = api(method, path, user, json=body)
    assert response.status_code == 409, response.get_json()
    assert (count(Adjustment), count(Veto), count(Interview)) == counts
    assert snapshot(MONTH) == before


def test_deciding_an_adjustment_of_an_approved_month_is_refused(api, team, records, approved):
    stray = records.adjustment(team["eng1"], MONTH, "5", status="proposed")  # e.g. stored before a migration
    assert api("POST", f"/adjustments/{stray.id}/approve", "gm.wang").status_code == 409
    db.session.rollback()
    assert db.session.get(Adjustment, stray.id).status == "proposed"
    assert score_of(team["eng1"], MONTH).adjustments == 0


def test_incidents_of_an_approved_month_are_refused(api, team, records, use_incidents):
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"})
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    response = api("POST", "/incidents", "mgr", json={"engineer": "eng1", "date": "2026-11-18",
                                                       "indicator": "work_performance", "category": "phone",
                                                       "amount": 2})
    assert response.status_code == 409


@pytest.fixture
def use_incidents(team, records):
    """eng1 scored with form 4 (售后服务岗位绩效考核表), which deducts per recorded incident."""
    team["eng1"].kpi_template = "service_post_deduction"
    db.session.commit()


# ---- reopening -------------------------------------------------------------------------------------

def test_reopening_is_logged_and_recomputing_resumes(app, api, team, records, approved):
    response = api("POST", f"/scores/{MONTH}/eng1/reopen", "gm.wang", json={"reason": "补录出差记录"})
    body = documented(app, response)
    assert body["status"] == "draft" and body["approved_at"] is None and body["approved_by"] is None
    assert body["computed_at"] == score_of(team["eng1"], MONTH).computed_at.isoformat() + "+08:00"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "score.reopen"))
    assert event.detail == "补录出差记录" and event.subject == f"eng1/{MONTH}" and event.actor_id == team["gm"].id
    told = db.session.scalars(db.select(Notification).where(Notification.kind == "score_reopened")).all()
    assert {row.user_id for row in told} == {team["eng1"].id, team["mgr"].id}
    with app.test_request_context():  # the engineer and the manager read why the month is open again
        assert all("补录出差记录" in notifications.message(row) for row in told)
    records.trip(team["eng1"], date(2026, 11, 18), full_day=True)
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    score = score_of(team["eng1"], MONTH)
    assert score.status == "draft" and score.quantitative > Q and score.total > 60


def test_a_reopened_month_takes_new_records_and_can_be_approved_again(api, team, approved):
    api("POST", f"/scores/{MONTH}/eng1/reopen", "gm.wang", json={"reason": "加分"})
    decide(api, propose(api, 5))
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    score = score_of(team["eng1"], MONTH)
    assert score.status == "approved" and score.total == (BASE + 5).quantize(Decimal("0.01"))


def test_only_an_approved_score_can_be_reopened(api, ready):
    assert api("POST", f"/scores/{MONTH}/eng1/reopen", "gm.wang", json={"reason": "r"}).status_code == 409


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 501}])
def test_reopening_needs_a_reason(api, team, approved, body):
    assert api("POST", f"/scores/{MONTH}/eng1/reopen", "gm.wang", json=body).status_code == 422
    assert score_of(team["eng1"], MONTH).status == "approved"


# ---- the audit log ---------------------------------------------------------------------------------

def test_every_decision_is_in_the_audit_log(api, team, ready):
    decide(api, propose(api, 3))
    decide(api, propose(api, -1), "reject")
    api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    api("POST", f"/scores/{MONTH}/eng1/reopen", "gm.wang", json={"reason": "复核"})
    api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "事故"})
    assert audit_actions() == ["score.interview", "adjustment.propose", "adjustment.approve", "adjustment.propose",
                               "adjustment.reject", "score.approve", "score.reopen", "score.veto"]


# ---- robustness ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/scores/2026-13/eng1/approve", "/scores/%00/eng1/approve", "/scores/2026-11/%00/approve",
    "/scores/2026-11/" + "a" * 300 + "/approve", "/scores/٢٠٢٦-١١/eng1/approve",
])
def test_malformed_paths_are_4xx(api, computed, path):
    response = api("POST", path, "gm.wang")
    assert 400 <= response.status_code < 500 and response.get_json()["error"]["code"]


@pytest.mark.parametrize("username", ["nobody", "mgr", "office"])
def test_approval_calls_on_someone_who_is_not_an_engineer_are_404(api, computed, username):
    assert api("POST", f"/scores/{MONTH}/{username}/approve", "gm.wang").status_code == 404


@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b'"x"', b"{", b"\xff", b'{"points": 1e999999, "reason": "r"}',
                                 b'{"points": NaN, "reason": "r"}', b'{"points": 5, "reason": "\\u0000"}'])
def test_garbage_bodies_are_4xx_and_store_nothing(api, computed, raw):
    response = api("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", data=raw, content_type="application/json")
    assert 400 <= response.status_code < 500 and response.get_json()["error"]["code"]
    assert count(Adjustment) == 0


def test_the_openapi_document_lists_the_approval_calls(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/scores/{month}/{username}/adjustments", "/adjustments/{adjustment_id}/approve",
                 "/adjustments/{adjustment_id}/reject", "/scores/{month}/{username}/veto",
                 "/scores/{month}/{username}/interview", "/scores/{month}/{username}/approve",
                 "/scores/{month}/{username}/reopen"):
        assert "post" in paths[path], path


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "  "}, {"reason": "x" * 501}])
def test_rejecting_needs_a_reason_and_without_one_nothing_changes(api, computed, body):
    adjustment_id = propose(api, 3)
    response = api("POST", f"/adjustments/{adjustment_id}/reject", "gm.wang", json=body)
    assert response.status_code in (400, 415, 422), response.get_json()
    if response.status_code == 422:
        assert "reason" in response.get_json()["error"]["fields"]
    assert count(Adjustment, Adjustment.status == "proposed") == 1


def test_the_reason_of_a_rejection_is_kept_and_told_to_the_proposer(api, client, computed):
    from tests.conftest import login
    from tracker.notifications.models import Notification
    from tracker.notifications.services import message

    adjustment_id = propose(api, 3)
    body = decide(api, adjustment_id, "reject")
    assert (body["status"], body["decision_reason"]) == ("rejected", "理由不足")
    told = db.session.scalars(db.select(Notification).where(Notification.kind == "adjustment_decided")).all()
    assert [n.user.username for n in told] == ["mgr"] and message(told[0]).endswith("：理由不足")
    login(client, "mgr")
    assert "驳回理由：理由不足" in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)


def test_a_decision_goes_to_who_manages_the_engineer_now_not_to_a_proposer_who_left_the_team(api, team, computed):
    """The proposer was told, reason and all, of a score he may no longer open (403), and the engineer's manager
    now was told nothing."""
    from tracker.notifications.models import Notification

    adjustment_id = propose(api, 3)
    assert api("PATCH", "/users/eng1", "admin", json={"supervisor": "mgr2"}).status_code == 200
    decide(api, adjustment_id, "reject")
    told = db.session.scalars(db.select(Notification).where(Notification.kind == "adjustment_decided")).all()
    assert [n.user.username for n in told] == ["mgr2"]


def test_the_web_refuses_a_rejection_without_a_reason(client, api, computed):
    from tests.conftest import login

    adjustment_id = propose(api, 3)
    login(client, "gm.wang")
    response = client.post(f"/adjustments/{adjustment_id}/reject", data={"reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "驳回理由：必填" in page
    assert count(Adjustment, Adjustment.status == "proposed") == 1
    assert 'name="reason"' in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)


@pytest.mark.parametrize("back", [None, "list", "queue"])
def test_a_refused_rejection_keeps_the_reason_typed_with_its_message_under_the_field(client, api, computed, back):
    """On the score page, the gm's list and the approval queue alike: the field is marked, the text typed is still
    in it (the queue said it in a banner and lost the reason)."""
    from tests.conftest import login

    adjustment_id = propose(api, 3)
    login(client, "gm.wang")
    data = {"reason": "理由\u0007", **({"back": back} if back else {})}
    response = client.post(f"/adjustments/{adjustment_id}/reject", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "驳回须写明理由" not in page
    field = re.search(rf'<input[^>]*id="reject-reason-{adjustment_id}"[^>]*>', page).group()
    assert 'aria-invalid="true"' in field and 'value="理由\u0007"' in field and "is-invalid" in field
    assert f'id="reject-reason-{adjustment_id}-error">不能包含控制字符（U+0007）</div>' in page
    assert count(Adjustment, Adjustment.status == "proposed") == 1


# ---- withdrawing a proposal made by mistake ------------------------------------------------------------

@pytest.mark.parametrize("approve", [True, False])
def test_a_decision_on_a_proposal_withdrawn_meanwhile_finds_nothing_to_decide(api, team, computed, approve):
    """Withdrawn while the gm's decision waited: it said "already decided" (409, status null) where asking after
    the withdrawal says there is no such adjustment (404)."""
    from tracker.errors import NotFound
    from tracker.scores import approval

    adjustment = approval.adjustment_by_id(propose(api, 3))  # as the gm's request read it
    db.session.execute(delete(Adjustment).where(Adjustment.id == adjustment.id))  # the manager's withdrawal
    with pytest.raises(NotFound):
        approval.decide_adjustment(team["gm"], adjustment, approve, now=NOW, reason="理由")
    db.session.rollback()

def test_a_proposal_withdrawn_no_longer_waits_for_the_gm(api, team, ready):
    adjustment_id = propose(api, 5, "录错了人")
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 409
    response = api("DELETE", f"/adjustments/{adjustment_id}", "mgr")
    assert response.status_code == 204 and response.get_data() == b""
    assert count(Adjustment) == 0 and "adjustment.withdraw" in audit_actions()
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    assert score_of(team["eng1"], MONTH).adjustments == 0
    assert api("DELETE", f"/adjustments/{adjustment_id}", "mgr").status_code == 404


@pytest.mark.parametrize("who, status", [("mgr", 204), ("mgr2", 403), ("eng1", 403), ("gm.wang", 403),
                                         ("office", 403)])
def test_only_a_manager_above_withdraws_a_proposal(api, computed, who, status):
    adjustment_id = propose(api, -2)
    assert api("DELETE", f"/adjustments/{adjustment_id}", who).status_code == status
    assert count(Adjustment) == (0 if status == 204 else 1)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_decided_adjustment_cannot_be_withdrawn(api, computed, action):
    adjustment_id = propose(api, 3)
    decide(api, adjustment_id, action)
    response = api("DELETE", f"/adjustments/{adjustment_id}", "mgr")
    assert response.status_code == 409
    assert response.get_json()["error"]["status"] == ("approved" if action == "approve" else "rejected")
    assert count(Adjustment) == 1


def test_a_proposal_is_withdrawn_from_the_score_page(app, client, api, team, computed):
    from tests.conftest import login

    adjustment_id = propose(api, 4, "重复提交")
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    action = f"/adjustments/{adjustment_id}/withdraw"
    assert action in page
    gm = app.test_client()
    login(gm, "gm.wang")  # decides it, does not withdraw it
    assert action not in gm.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert gm.post(action).status_code == 403
    response = client.post(action, follow_redirects=True)
    assert response.status_code == 200 and "已撤回加减分" in response.get_data(as_text=True)
    assert count(Adjustment) == 0


def test_an_approved_scores_explanations_are_kept_as_they_read_when_it_was_approved(api, team, ready, monkeypatch):
    """Rendered when read, an approved month's text followed a later release's wording (逾期完工 1 单 → 逾期 1 单)."""
    from tracker.scores.models import ScoreLine
    from tracker.scoring import messages

    def read(lang):
        return {line["code"]: line["explanation"]
                for line in api("GET", f"/scores/{MONTH}/eng1?lang={lang}", "gm.wang").get_json()["indicators"]}

    before_en, before = read("en"), read("zh")
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    lines = db.session.scalars(select(ScoreLine).where(ScoreLine.score_id == score_of(team["eng1"], MONTH).id)).all()
    assert lines and all(line.message is None and line.explanation for line in lines)
    monkeypatch.setitem(messages.CATALOG, "on_time", ("按期 {late}", "on time {late}"))  # a later release's wording
    assert read("zh") == before and read("en") == before_en != before


@pytest.mark.parametrize("call", ["approve", "veto", "interview"])
def test_a_month_not_begun_is_422_on_month_for_approval_as_for_every_other_score_call(api, team, call):
    """The approval listed the blockers of a month not begun (409); the other calls refused the month itself."""
    body = {"approve": None, "veto": {"reason": "违规"}, "interview": {"notes": "面谈"}}[call]
    user = "gm.wang" if call != "interview" else "mgr"
    response = api("POST", f"/scores/2027-01/eng1/{call}", user, **({"json": body} if body else {}))
    assert response.status_code == 422 and "month" in response.get_json()["error"]["fields"], response.get_json()


def test_a_template_assigned_since_does_not_change_what_an_approved_month_shows(app, api, client, team, approved):
    """The approved month kept its total, but its reviews were read against the template assigned since (one without
    the default's criteria): they vanished from the answer and the page, and the review form asked for new criteria."""
    from tests.conftest import login

    before = api("GET", f"/scores/{MONTH}/eng1", "gm.wang").get_json()
    assert before["reviews"] and before["status"] == "approved"
    login(client, "admin")
    assigned = client.post("/admin/templates/assign", data={"template-eng1": "service_post_deduction",
                                                            "template-eng2": "", "from_month": MONTH})
    assert assigned.status_code == 302
    client.post("/logout")
    after = api("GET", f"/scores/{MONTH}/eng1", "gm.wang").get_json()
    assert after["reviews"] == before["reviews"]
    assert {k: after[k] for k in ("total", "qualitative", "indicators")} == {
        k: before[k] for k in ("total", "qualitative", "indicators")}
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1")
    assert page.status_code == 200 and "领导评" in page.get_data(as_text=True)  # the leader review still shown
