"""Who may do what in the approval workflow: every call against every kind of person (CONTRACT 10)."""

import pytest

from tests.approval.conftest import MONTH, PEOPLE, count
from tests.conftest import login
from tests.scores.support import score_of
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.scores.models import Adjustment, Interview, Veto

DENIED = 403
EVERYONE = tuple(PEOPLE)


def table(allowed, status):
    """(who, expected status) for everyone: `status` for the allowed, 403 for the rest."""
    return [(who, status if who in allowed else DENIED) for who in EVERYONE]


@pytest.mark.parametrize("who, expected", table({"manager above"}, 201))
def test_only_a_manager_above_proposes_adjustments(api, computed, who, expected):
    response = api("POST", f"/scores/{MONTH}/eng1/adjustments", PEOPLE[who], json={"points": 5, "reason": "表现突出"})
    assert response.status_code == expected, response.get_json()
    if expected == 201:
        assert response.get_json()["status"] == "proposed"
    assert count(Adjustment) == (1 if expected == 201 else 0)


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("who, expected", table({"gm"}, 200))
def test_only_the_gm_decides_adjustments(api, records, team, computed, action, who, expected):
    proposal = records.adjustment(team["eng1"], MONTH, "5", status="proposed")
    body = {"reason": "理由不足"} if action == "reject" else None  # approve takes no body (CONTRACT 10)
    response = api("POST", f"/adjustments/{proposal.id}/{action}", PEOPLE[who], json=body)
    assert response.status_code == expected, response.get_json()
    decided = {"approve": "approved", "reject": "rejected"}[action]
    assert count(Adjustment, Adjustment.status == decided) == (1 if expected == 200 else 0)


@pytest.mark.parametrize("who, expected", table({"manager above", "gm"}, 200))
def test_a_manager_above_or_the_gm_vetoes(api, computed, team, who, expected):
    response = api("POST", f"/scores/{MONTH}/eng1/veto", PEOPLE[who], json={"reason": "重大安全事故"})
    assert response.status_code == expected, response.get_json()
    assert count(Veto) == (1 if expected == 200 else 0)
    assert score_of(team["eng1"], MONTH).vetoed is (expected == 200)


@pytest.mark.parametrize("who, expected", table({"manager above", "gm"}, 200))
def test_a_manager_above_or_the_gm_lifts_a_veto_recorded_by_mistake(api, computed, team, who, expected):
    before = score_of(team["eng1"], MONTH).total
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "记错了人"}).status_code == 200
    response = api("DELETE", f"/scores/{MONTH}/eng1/veto", PEOPLE[who])
    assert response.status_code == expected, response.get_json()
    assert count(Veto) == (0 if expected == 200 else 1)
    score = score_of(team["eng1"], MONTH)
    assert score.vetoed is (expected != 200) and score.total == (before if expected == 200 else 0)
    if expected == 200:
        assert response.get_json()["vetoed"] is False and response.get_json()["total"] == before
        lifted = count(AuditEvent, AuditEvent.action == "score.veto_withdraw", AuditEvent.detail == "记错了人")
        assert lifted == 1  # who vetoed and why stays in the log, with who lifted it
        told = count(Notification, Notification.kind == "veto_withdrawn", Notification.user_id == team["eng1"].id)
        assert told == 1  # the engineer, who was told of the veto


def test_a_veto_and_its_lifting_are_told_to_the_engineer_and_the_supervisor(api, computed, team):
    """As the docs say (the supervisor was not told when the gm vetoed a team member's month)."""
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "gm.wang", json={"reason": "重大安全事故"}).status_code == 200
    assert api("DELETE", f"/scores/{MONTH}/eng1/veto", "gm.wang").status_code == 200
    for kind in ("score_vetoed", "veto_withdrawn"):
        told = {row.user_id for row in db.session.query(Notification).filter(Notification.kind == kind)}
        assert told == {team["eng1"].id, team["mgr"].id}, kind


def test_a_veto_is_lifted_only_while_there_is_one_and_the_month_is_open(api, records, team, computed):
    assert api("DELETE", f"/scores/{MONTH}/eng1/veto", "gm.wang").status_code == 404
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "重大事故"}).status_code == 200
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    assert api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "面谈"}).status_code == 201
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    refused = api("DELETE", f"/scores/{MONTH}/eng1/veto", "gm.wang")
    assert refused.status_code == 409 and count(Veto) == 1
    assert score_of(team["eng1"], MONTH).total == 0  # approved: final until the gm reopens the month


@pytest.mark.parametrize("who, expected", table({"manager above"}, 201))
def test_only_a_manager_above_records_the_interview(api, computed, who, expected):
    response = api("POST", f"/scores/{MONTH}/eng1/interview", PEOPLE[who], json={"notes": "面谈内容"})
    assert response.status_code == expected, response.get_json()
    assert count(Interview) == (1 if expected == 201 else 0)


@pytest.mark.parametrize("who, expected", table({"gm"}, 200))
def test_only_the_gm_approves_scores(api, ready, team, who, expected):
    response = api("POST", f"/scores/{MONTH}/eng1/approve", PEOPLE[who])
    assert response.status_code == expected, response.get_json()
    assert score_of(team["eng1"], MONTH).status == ("approved" if expected == 200 else "draft")


def test_back_office_cannot_approve_scores(api, ready, team):
    response = api("POST", f"/scores/{MONTH}/eng1/approve", "office")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    score = score_of(team["eng1"], MONTH)
    assert score.status == "draft" and score.approved_at is None and score.approved_by_id is None
    assert count(AuditEvent, AuditEvent.action == "score.approve") == 0


@pytest.mark.parametrize("who, expected", table({"gm"}, 200))
def test_only_the_gm_reopens_an_approved_score(api, approved, team, who, expected):
    response = api("POST", f"/scores/{MONTH}/eng1/reopen", PEOPLE[who], json={"reason": "补录投诉"})
    assert response.status_code == expected, response.get_json()
    assert score_of(team["eng1"], MONTH).status == ("draft" if expected == 200 else "approved")


@pytest.mark.parametrize("path, body", [
    (f"/scores/{MONTH}/eng1/adjustments", {"points": 5, "reason": "r"}),
    ("/adjustments/1/approve", None),
    ("/adjustments/1/reject", {"reason": "r"}),
    (f"/scores/{MONTH}/eng1/veto", {"reason": "r"}),
    (f"/scores/{MONTH}/eng1/interview", {"notes": "n"}),
    (f"/scores/{MONTH}/eng1/approve", None),
    (f"/scores/{MONTH}/eng1/reopen", {"reason": "r"}),
])
def test_every_approval_call_needs_a_token(api, computed, path, body):
    response = api("POST", path, json=body) if body is not None else api("POST", path)
    assert response.status_code == 401


def test_the_manager_of_another_team_is_refused_for_an_engineer_outside_it(api, computed):
    """mgr2 manages eng3 only: for eng1 every manager call is 403, for eng3 it works."""
    assert api("POST", f"/scores/{MONTH}/eng1/interview", "mgr2", json={"notes": "n"}).status_code == 403
    assert api("POST", f"/scores/{MONTH}/eng3/interview", "mgr2", json={"notes": "n"}).status_code == 201


@pytest.mark.parametrize("supervisor", ["gm.wang", None], ids=["reports to the gm", "reports to nobody"])
def test_the_gm_does_the_managers_part_for_an_engineer_without_a_manager_above(api, client, make_user, records,
                                                                                 team, supervisor):
    """Without a manager above, nobody could record the interview, so the month could never be approved: the gm
    proposes adjustments and records the interview for such an engineer (and only for such an engineer)."""
    direct = make_user("direct", display_name="直属", supervisor=supervisor)
    api("POST", f"/scores/{MONTH}/compute", "gm.wang")
    assert api("PUT", f"/reviews/{MONTH}/direct", "gm.wang", json={"ratings": dict.fromkeys(
        ("responsibility", "discipline", "initiative", "loyalty", "teamwork", "innovation", "judgement"), 4)}
    ).status_code == 200
    login(client, "gm.wang")  # the score page offers the gm the interview for this engineer, not for one with a manager
    assert 'id="interview-form"' in client.get(f"/scores/{MONTH}/direct").get_data(as_text=True)
    assert 'id="interview-form"' not in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert api("POST", f"/scores/{MONTH}/direct/interview", "gm.wang", json={"notes": "面谈"}).status_code == 201
    proposal = api("POST", f"/scores/{MONTH}/direct/adjustments", "gm.wang", json={"points": 2, "reason": "表现突出"})
    assert proposal.status_code == 201, proposal.get_json()
    assert api("POST", f"/adjustments/{proposal.get_json()['id']}/approve", "gm.wang").status_code == 200
    approved = api("POST", f"/scores/{MONTH}/direct/approve", "gm.wang")
    assert approved.status_code == 200, approved.get_json()
    assert score_of(direct, MONTH).status == "approved"
    assert api("POST", f"/scores/{MONTH}/eng1/interview", "gm.wang", json={"notes": "面谈"}).status_code == 403
    assert api("POST", f"/scores/{MONTH}/eng1/adjustments", "gm.wang",
               json={"points": 2, "reason": "x"}).status_code == 403


def test_an_engineer_who_left_keeps_a_live_draft_of_the_month_and_can_be_approved(api, records, team, computed):
    """eng1 is deactivated during November, after the month's draft was made: changes still reach the draft, and
    the gm can approve the month (nothing is computed for months with no draft of them: see the next test)."""
    api("PATCH", "/users/eng1", "admin", json={"active": False})
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    assert api("POST", f"/scores/{MONTH}/eng1/interview", "mgr", json={"notes": "离职面谈"}).status_code == 201
    vetoed = api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "重大事故"})
    assert vetoed.status_code == 200, vetoed.get_json()
    assert vetoed.get_json()["vetoed"] is True and vetoed.get_json()["total"] == 0
    approved = api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang")
    assert approved.status_code == 200, approved.get_json()


def test_nothing_is_recorded_for_a_month_of_an_engineer_who_left_before_it_was_scored(api, records, team):
    """A veto, an adjustment or an interview for a month that will never be scored is refused (it was a 500 with
    the veto stored)."""
    api("PATCH", "/users/eng1", "admin", json={"active": False})
    for path, body in ((f"/scores/{MONTH}/eng1/veto", {"reason": "重大事故"}),
                       (f"/scores/{MONTH}/eng1/adjustments", {"points": 2, "reason": "x"}),
                       (f"/scores/{MONTH}/eng1/interview", {"notes": "x"})):
        answer = api("POST", path, "mgr", json=body)
        assert answer.status_code == 409, (path, answer.get_json())
        assert "已停用" in answer.get_json()["error"]["message"]
    assert count(Veto) == count(Adjustment) == count(Interview) == 0
