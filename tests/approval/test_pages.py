"""The approval forms on the score page and the gm's list of pending adjustments (Chinese, CSRF, 4xx on bad input)."""

import re
from decimal import Decimal

import pytest

from tests.approval.conftest import MONTH, PEOPLE, count
from tests.conftest import NOW, PASSWORD, login
from tests.scores.support import score_of
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.scores import services as reports
from tracker.scores.models import Adjustment, Interview, Veto

PAGE = f"/scores/{MONTH}/eng1"
FORMS = ("adjustment-form", "veto-form", "interview-form", "approve-form", "reopen-form")


def page_of(client, user, path=PAGE):
    login(client, user)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_forms(page):
    return {name for name in FORMS if f'id="{name}"' in page}


@pytest.mark.parametrize("who, forms", [
    ("engineer", set()),
    ("manager above", {"adjustment-form", "veto-form", "interview-form"}),
    ("gm", {"veto-form", "approve-form"}),
    ("admin", set()),
])
def test_each_person_sees_the_approval_forms_they_may_use(client, computed, who, forms):
    assert shown_forms(page_of(client, PEOPLE[who])) == forms


def test_the_adjustment_field_lets_a_phone_type_a_minus(client, computed):
    """inputmode="decimal" gave iOS's decimal pad, which has no minus key: no deduction could be typed."""
    page = page_of(client, PEOPLE["manager above"])
    field = re.search(r'<input[^>]*name="adj-points"[^>]*>', page).group(0)
    assert 'type="number"' in field and "inputmode" not in field, field


def test_the_gm_sees_what_still_blocks_the_approval(client, computed):
    page = page_of(client, "gm.wang")
    assert "缺少领导评价" in page and "尚未记录绩效面谈" in page


def test_an_approved_score_offers_the_gm_only_reopening_and_the_manager_nothing(client, approved):
    assert shown_forms(page_of(client, "gm.wang")) == {"reopen-form"}
    assert "已于 2026-11-20 10:00 审批" in page_of(client, "gm.wang")
    client.post("/logout")
    assert shown_forms(page_of(client, "mgr")) == set()


def test_a_manager_proposes_an_adjustment_from_the_score_page(client, team, computed):
    login(client, "mgr")
    response = client.post(f"{PAGE}/adjustments", data={"adj-points": "-2.5", "adj-reason": "报告迟交"})
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    row = db.session.scalar(db.select(Adjustment))
    assert row.points == Decimal("-2.50") and row.status == "proposed" and row.proposed_by_id == team["mgr"].id
    page = client.get(PAGE).get_data(as_text=True)
    assert "已提交加减分，等待总经理审批" in page and "报告迟交" in page and "待审批" in page


def test_the_adjustment_form_says_the_months_cap_on_positive_points_before_one_is_proposed(client, computed):
    login(client, "mgr")
    page = client.get(PAGE).get_data(as_text=True)
    assert "当月加分合计最多计 10 分" in page  # a +12 proposed showed no hint of the cap until approved


@pytest.mark.parametrize("data, message", [
    ({"adj-points": "0", "adj-reason": "r"}, "不能为 0"),
    ({"adj-points": "100.001", "adj-reason": "r"}, "须在 -100 到 100 之间"),
    ({"adj-points": "1.234", "adj-reason": "r"}, "最多两位小数"),
    ({"adj-points": "五", "adj-reason": "r"}, "不是有效的小数"),
    ({"adj-points": "", "adj-reason": "r"}, "请填写分数"),
    ({"adj-points": "5", "adj-reason": ""}, "请填写理由"),
    ({"adj-points": "5", "adj-reason": "   "}, "必填"),
    ({"adj-points": "5", "adj-reason": "x" * 501}, "不能超过 500 个字符"),
])
def test_a_bad_adjustment_is_422_with_a_message_and_nothing_stored(client, computed, data, message):
    login(client, "mgr")
    response = client.post(f"{PAGE}/adjustments", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page and 'id="propose-adjustment" open' in page
    assert message in page
    assert count(Adjustment) == 0


def test_a_manager_vetoes_and_records_the_interview_from_the_score_page(client, team, computed):
    login(client, "mgr")
    assert client.post(f"{PAGE}/veto", data={"veto-reason": "重大安全事故"}).status_code == 302
    assert client.post(f"{PAGE}/interview", data={"interview-notes": "谈了安全规范"}).status_code == 302
    assert score_of(team["eng1"], MONTH).total == 0
    page = client.get(PAGE).get_data(as_text=True)
    assert "重大安全事故" in page and "谈了安全规范" in page and 'id="veto-form"' not in page


def test_the_gm_lifts_a_veto_from_the_score_page(client, team, computed):
    before = score_of(team["eng1"], MONTH).total
    login(client, "mgr")
    assert client.post(f"{PAGE}/veto", data={"veto-reason": "记错了人"}).status_code == 302
    engineer = page_of(client.application.test_client(), "eng1")
    assert "记错了人" in engineer and "撤回一票否决" not in engineer  # the engineer sees the veto, not the button
    client = client.application.test_client()
    page = page_of(client, "gm.wang")
    assert "撤回一票否决" in page and f'action="{PAGE}/veto/withdraw"' in page
    lifted = client.post(f"{PAGE}/veto/withdraw")
    assert lifted.status_code == 302
    assert "已撤回一票否决" in client.get(lifted.headers["Location"]).get_data(as_text=True)
    assert count(Veto) == 0 and score_of(team["eng1"], MONTH).total == before


@pytest.mark.parametrize("path, data", [(f"{PAGE}/veto", {"veto-reason": ""}),
                                        (f"{PAGE}/interview", {"interview-notes": " "})])
def test_empty_veto_or_interview_is_422(client, computed, path, data):
    login(client, "mgr")
    assert client.post(path, data=data).status_code == 422
    assert count(Veto) == 0 and count(Interview) == 0


@pytest.mark.parametrize("user, path, data", [
    ("mgr2", f"{PAGE}/adjustments", {"adj-points": "5", "adj-reason": "r"}),
    ("gm.wang", f"{PAGE}/adjustments", {"adj-points": "5", "adj-reason": "r"}),
    ("eng1", f"{PAGE}/veto", {"veto-reason": "r"}),
    ("office", f"{PAGE}/veto", {"veto-reason": "r"}),
    ("mgr2", f"{PAGE}/interview", {"interview-notes": "n"}),
    ("mgr", f"{PAGE}/approve", {}),
    ("office", f"{PAGE}/approve", {}),
    ("admin", f"{PAGE}/approve", {}),
    ("mgr", f"{PAGE}/reopen", {"reopen-reason": "r"}),
])
def test_the_page_actions_refuse_whoever_may_not(client, ready, user, path, data):
    login(client, user)
    assert client.post(path, data=data).status_code == 403
    assert count(Adjustment) == 0 and count(Veto) == 0 and count(Interview) == 1
    assert score_of(ready.engineer, MONTH).status == "draft"


def test_the_gm_approves_adjustments_from_the_pending_list(client, team, records, ready):
    keep = records.adjustment(team["eng1"], MONTH, "6", status="proposed")
    drop = records.adjustment(team["eng1"], MONTH, "3", status="proposed")
    page = page_of(client, "gm.wang", "/scores/adjustments")
    assert "加减分审批" in page and "张三 · 2026-11" in page
    assert f"/adjustments/{keep.id}/approve" in page and f"/adjustments/{drop.id}/reject" in page
    response = client.post(f"/adjustments/{keep.id}/approve", data={"back": "list"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/scores/adjustments")
    response = client.post(f"/adjustments/{drop.id}/reject", data={"reason": "依据不足"})
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert score_of(team["eng1"], MONTH).adjustments == 6
    assert "没有待审批的加减分" in client.get("/scores/adjustments").get_data(as_text=True)


def test_deciding_twice_shows_the_conflict_on_the_list(client, team, records, computed):
    row = records.adjustment(team["eng1"], MONTH, "6", status="approved")
    login(client, "gm.wang")
    response = client.post(f"/adjustments/{row.id}/reject", data={"back": "list", "reason": "依据不足"})
    assert response.status_code == 409 and "这条加减分已经审批过了" in response.get_data(as_text=True)


@pytest.mark.parametrize("user", ["mgr", "office", "admin", "eng1"])
def test_only_the_gm_has_the_pending_list(client, team, user):
    login(client, user)
    assert client.get("/scores/adjustments").status_code == 403


def test_the_gm_has_a_menu_entry_for_pending_adjustments_and_the_manager_not(client, team):
    assert 'href="/scores/adjustments"' in page_of(client, "gm.wang", f"/scores/{MONTH}")
    client.post("/logout")
    login(client, "mgr")
    assert 'href="/scores/adjustments"' not in client.get(f"/scores/{MONTH}").get_data(as_text=True)


def test_the_gm_approves_and_reopens_the_score_from_the_page(client, team, ready):
    login(client, "gm.wang")
    response = client.post(f"{PAGE}/approve")
    assert response.status_code == 302
    assert score_of(team["eng1"], MONTH).status == "approved"
    approved = score_of(team["eng1"], MONTH).total
    assert f"考核结果已审批：总分 {approved:.2f}".rstrip("0").rstrip(".") in client.get(PAGE).get_data(as_text=True)
    response = client.post(f"{PAGE}/reopen", data={"reopen-reason": "补录投诉"})
    assert response.status_code == 302
    assert score_of(team["eng1"], MONTH).status == "draft"
    assert db.session.scalar(db.select(AuditEvent.detail).where(AuditEvent.action == "score.reopen")) == "补录投诉"


def test_the_score_page_shows_the_months_history_to_the_manager_and_the_engineer(client, team, ready):
    """Who approved and reopened the month and why: the API's `history` had it, the page (a manager's only view of
    it) did not, so an approved month turned back into a draft without a word."""
    login(client, "gm.wang")
    assert client.post(f"{PAGE}/approve").status_code == 302
    assert client.post(f"{PAGE}/reopen", data={"reopen-reason": "补录投诉"}).status_code == 302
    for who in (PEOPLE["manager above"], "eng1"):
        page = page_of(client, who)
        history = re.sub(r"<[^>]+>", "", page[page.index('id="history"'):])
        assert "审批通过" in history and "重新打开：补录投诉" in history and "王总" in history, history[:600]
        assert history.index("审批通过") < history.index("重新打开：补录投诉")


def test_the_history_says_each_detail_in_words(client, api, team, ready):
    """A reason typed as "#5 号工单…" lost its "#5" (taken for a record's own number), and a lifted veto showed the
    veto's reason as if it were the reason for lifting it."""
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "安全事故"}).status_code == 200
    assert api("DELETE", f"/scores/{MONTH}/eng1/veto", "mgr").status_code == 200
    assert api("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr",
               json={"points": -2, "reason": "#5 号工单现场未清理"}).status_code == 201
    page = page_of(client, PEOPLE["manager above"])
    history = re.sub(r"<[^>]+>", "", page[page.index('id="history"'):])
    assert "一票否决：安全事故" in history and "撤销一票否决：原否决理由：安全事故" in history
    assert "提出加减分：-2.00 #5 号工单现场未清理" in history
    assert "绩效面谈\n" in history or "绩效面谈：" not in history  # an interview's detail is its record's number only


def test_the_score_page_does_not_approve_a_total_other_than_the_one_it_showed(client, api, team, ready):
    """The queue refused a total changed after it was shown; the score page's button approved it (83.94 from a page
    showing 87.44), and only the message afterwards said so."""
    login(client, "gm.wang")
    shown = re.search(r'name="seen" value="([^"]*)"', client.get(PAGE).get_data(as_text=True)).group(1)
    assert shown == str(score_of(team["eng1"], MONTH).total)
    api("PUT", f"/attendance/eng1/{MONTH}-13", "office", json={"status": "absent"})  # meanwhile
    changed = score_of(team["eng1"], MONTH).total
    response = client.post(f"{PAGE}/approve", data={"seen": shown})
    assert response.status_code == 409 and score_of(team["eng1"], MONTH).status == "draft"
    assert f"总分已变为 {changed}（页面上是 {shown}）" in response.get_data(as_text=True)
    assert client.post(f"{PAGE}/approve", data={"seen": str(changed)}).status_code == 302
    assert score_of(team["eng1"], MONTH).status == "approved"


def test_a_stale_draft_refused_on_the_score_page_shows_its_new_total_and_is_approved_next(client, team, ready):
    """The page recomputed the stale draft, refused it as changed, and rolled the recompute back with the refusal:
    the page kept the old total and every try was refused the same way until the scheduler ran."""
    from sqlalchemy import update

    from tracker.scores.models import Score

    stale = score_of(team["eng1"], MONTH)  # as a change of the calendar leaves it: marked, its total not yet redone
    db.session.execute(update(Score).where(Score.id == stale.id)
                       .values(stale=True, total=stale.total + 5, inputs_digest=None))
    db.session.commit()
    login(client, "gm.wang")
    shown = re.search(r'name="seen" value="([^"]*)"', client.get(PAGE).get_data(as_text=True)).group(1)
    assert client.post(f"{PAGE}/approve", data={"seen": shown}).status_code == 409
    db.session.expire_all()
    fresh = score_of(team["eng1"], MONTH)
    assert fresh.status == "draft" and not fresh.stale and str(fresh.total) != shown
    again = re.search(r'name="seen" value="([^"]*)"', client.get(PAGE).get_data(as_text=True)).group(1)
    assert again == str(fresh.total)
    assert client.post(f"{PAGE}/approve", data={"seen": again}).status_code == 302
    assert score_of(team["eng1"], MONTH).status == "approved"


def test_approving_without_an_interview_shows_a_409_message(client, team, records, computed):
    records.review(team["eng1"], MONTH, team["mgr"], "leader")
    login(client, "gm.wang")
    response = client.post(f"{PAGE}/approve")
    assert response.status_code == 409
    assert "不能审批" in response.get_data(as_text=True) and "尚未记录绩效面谈" in response.get_data(as_text=True)
    assert score_of(team["eng1"], MONTH).status == "draft"


def test_reopening_without_a_reason_is_422(client, team, approved):
    login(client, "gm.wang")
    response = client.post(f"{PAGE}/reopen", data={"reopen-reason": ""})
    assert response.status_code == 422 and "请填写理由" in response.get_data(as_text=True)
    assert score_of(team["eng1"], MONTH).status == "approved"


def test_the_approval_forms_need_a_csrf_token(app_factory, team, records):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        reports.compute_month(MONTH, NOW)
        db.session.commit()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": "mgr", "password": PASSWORD, "csrf_token": token})
    page = client.get(PAGE).get_data(as_text=True)
    token = re.search(r'name="adj-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"adj-points": "5", "adj-reason": "表现突出"}
    assert client.post(f"{PAGE}/adjustments", data=data).status_code == 400
    assert client.post(f"{PAGE}/adjustments", data=data | {"adj-csrf_token": token}).status_code == 302
    with app.app_context():
        assert count(Adjustment) == 1


@pytest.mark.parametrize("points, formula", [
    (["6", "7", "-3.5"], "A = 已批准加分 13（最多计 10） - 已批准减分 3.5 = 6.50"),  # the cap bites
    (["4", "-1"], "A = 已批准加分 4 - 已批准减分 1 = 3.00"),
    (["-2.5"], "A = -已批准减分 2.5 = -2.50"),
])
def test_the_score_page_and_the_sheet_show_how_the_approved_adjustments_make_a(client, records, team, computed,
                                                                                points, formula):
    for each in points:
        records.adjustment(team["eng1"], MONTH, each)
    records.adjustment(team["eng1"], MONTH, "5", status="proposed")  # not counted yet
    reports.compute_month(MONTH, NOW)
    db.session.commit()
    login(client, "mgr")
    assert formula in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert formula in client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
