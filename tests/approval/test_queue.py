"""The gm's approval queue and the manager's team month: what each month lacks, adjustments decided inline, several
ready scores approved at once (each still checked)."""

from datetime import date

import pytest
from sqlalchemy import delete, select

from tests.approval.conftest import MONTH
from tests.conftest import NOW, login
from tests.scores.support import score_of
from tracker.extensions import db
from tracker.auth.models import User
from tracker.scores.models import Adjustment, Score


@pytest.fixture
def gm(client, team):
    login(client, "gm.wang")
    return client


def test_the_queue_defaults_to_the_last_closed_month(gm, computed):
    html = gm.get("/approvals").get_data(as_text=True)
    assert "2026-10" in html  # NOW is 2026-11-20: October is the last closed month


def test_the_queue_lists_each_score_with_its_blockers_and_a_veto_that_does_not_block(api, gm, team, records,
                                                                                      computed):
    records.review(team["eng2"], MONTH, team["mgr"], "leader")
    api("POST", f"/scores/{MONTH}/eng2/interview", "mgr", json={"notes": "面谈"})
    api("POST", f"/scores/{MONTH}/eng2/veto", "mgr", json={"reason": "安全事故"})
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    assert 'id="approve-selected"' in html  # eng2 can be ticked
    eng1 = html[html.index('id="row-eng1"'):html.index('id="row-eng2"')]
    assert "缺少领导评价" in eng1 and "尚未记录绩效面谈" in eng1 and 'id="pick-eng1"' not in eng1
    eng2 = html[html.index('id="row-eng2"'):]
    assert "一票否决" in eng2 and 'id="pick-eng2"' in eng2 and "可审批" in eng2


def test_a_month_never_computed_lists_every_other_blocker_on_the_queue_and_the_team_page(client, gm, team, records,
                                                                                         computed):
    """As the approval answers: the pages said only "not computed yet", not the leader review and interview owed."""
    db.session.execute(delete(Score).where(Score.engineer_id == team["eng1"].id))  # as if never computed
    db.session.commit()
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    eng1 = html[html.index('id="row-eng1"'):html.index('id="row-eng2"')]
    assert "本月考核尚未计算" in eng1 and "缺少领导评价" in eng1 and "尚未记录绩效面谈" in eng1
    login(client, "mgr")
    html = client.get(f"/team?month={MONTH}").get_data(as_text=True)
    eng1 = html[html.index('id="row-eng1"'):html.index('id="row-eng2"')]
    assert "本月考核尚未计算" in eng1 and "缺少领导评价" in eng1 and "尚未记录绩效面谈" in eng1


def test_the_bulk_approval_follows_the_rows_too_and_each_decision_says_whose(api, gm, team, records, computed):
    """By keyboard the one 审批所选 came before the boxes it acts on (Tab never came back to it), and a screen reader
    heard 批准, 驳回, 批准, 驳回 without whose adjustment or how many points."""
    records.review(team["eng2"], MONTH, team["mgr"], "leader")
    api("POST", f"/scores/{MONTH}/eng2/interview", "mgr", json={"notes": "面谈"})
    api("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", json={"points": 3, "reason": "抢修及时"})
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    end = html.index('id="approve-selected-end"')
    assert html.rindex('id="pick-eng2"') < end and 'form="bulk"' in html[end - 120:end + 60]
    name = team["eng1"].display_name
    assert f'批准<span class="visually-hidden">：{name} +3.00</span>' in html
    assert f'驳回<span class="visually-hidden">：{name} +3.00</span>' in html


def test_no_bulk_approval_is_offered_when_no_row_can_be_ticked(gm, computed):
    """Every row blocked (no review, no interview): the button asked for a confirmation and then said to tick one."""
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    assert "缺少领导评价" in html and 'class="form-check-input m-0 queue-pick"' not in html
    assert 'id="approve-selected"' not in html and 'id="bulk"' not in html and "approve-selected-end" not in html


def test_a_pending_adjustment_is_decided_inline_and_the_total_follows(api, gm, team, ready):
    proposed = api("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", json={"points": 3, "reason": "表现突出"})
    adjustment_id = proposed.get_json()["id"]
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    assert f'id="adjustment-{adjustment_id}"' in html and "还有待审批的加减分" in html
    card = html[html.index(f'id="adjustment-{adjustment_id}"'):]
    assert "提议人：刘主管" in card[:card.index("</form>")]  # who proposed it, as the adjustments page says
    before = score_of(team["eng1"], MONTH).total
    response = gm.post(f"/adjustments/{adjustment_id}/approve", data={"back": "queue"})
    assert response.status_code == 302 and f"/approvals?month={MONTH}" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Adjustment, adjustment_id).status == "approved"
    assert score_of(team["eng1"], MONTH).total == before + 3


def test_a_refused_decision_in_the_queue_is_said_on_the_queue(api, gm, team, ready):
    """A rejection without a reason, or a decision taken meanwhile, showed the engineer's score page at the POST's
    address instead of the queue: a decision taken meanwhile is said at the engineer's row, a rejection refused for
    its reason shows the queue with the reason's field marked."""
    proposed = api("POST", f"/scores/{MONTH}/eng1/adjustments", "mgr", json={"points": 3, "reason": "表现突出"})
    adjustment_id = proposed.get_json()["id"]
    response = gm.post(f"/adjustments/{adjustment_id}/reject", data={"back": "queue", "reason": "   "})
    assert response.status_code == 422  # the queue again, the field marked at its row (test_workflow)
    assert f'id="reject-reason-{adjustment_id}-error">必填</div>' in response.get_data(as_text=True)
    for _ in range(2):
        response = gm.post(f"/adjustments/{adjustment_id}/approve", data={"back": "queue"})
        assert response.status_code == 302 and f"/approvals?month={MONTH}#row-eng1" in response.headers["Location"]
    page = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    assert "这条加减分已经审批过了" in page


def test_approving_several_checks_each_and_names_the_refused(api, gm, team, records, ready):
    response = gm.post(f"/approvals/{MONTH}/approve", data={"engineer": ["eng1", "eng2"]})
    assert response.status_code == 302
    assert score_of(team["eng1"], MONTH).status == "approved"
    assert score_of(team["eng2"], MONTH).status == "draft"  # no leader review, no interview: refused
    html = gm.get(response.headers["Location"]).get_data(as_text=True)
    assert "已审批 1 人" in html and "李四 未审批" in html and "缺少领导评价" in html


def test_an_approval_the_caller_rolls_back_is_not_kept(team, ready):
    """On SQLite a savepoint taken outside a transaction begins one and its release commits it: Python's driver
    begins a transaction only at the first write, so the queue's approval without shown totals (a script's post) was
    committed on its own, and a request that then failed (503, "nothing was saved") left the month approved."""
    from tracker.scores import queue

    done, refused = queue.approve_many(team["gm"], [team["eng1"]], MONTH, NOW)
    assert [engineer.username for engineer, _total in done] == ["eng1"] and not refused
    db.session.rollback()
    assert score_of(team["eng1"], MONTH).status == "draft"


def test_a_vetoed_month_is_marked_in_the_approved_list_as_in_the_waiting_rows(api, gm, team, ready):
    """The approved list showed a vetoed month as a bare 0.00, the reason for it said nowhere on the queue."""
    assert api("POST", f"/scores/{MONTH}/eng1/veto", "mgr", json={"reason": "安全事故"}).status_code == 200
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    approved = html.split("已审批（1）", 1)[1]
    assert "0.00" in approved and "一票否决" in approved


def test_a_score_reopened_after_approval_says_so_and_why_in_the_queue(api, gm, team, ready):
    """A reopened score stood in the queue as a plain 可审批 row: nothing said it had been approved and why it was
    opened again."""
    assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    assert 'class="small mb-1 mt-1 reopened"' not in gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    for reason in ("客户投诉待核实", "补录考勤"):  # the latest reopening is said
        assert api("POST", f"/scores/{MONTH}/eng1/reopen", "gm.wang", json={"reason": reason}).status_code == 200
        if reason == "客户投诉待核实":
            assert api("POST", f"/scores/{MONTH}/eng1/approve", "gm.wang").status_code == 200
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    row = html.split('id="pick-eng1"', 1)[1].split('class="card-body', 1)[0]
    assert "审批后重新打开" in row and "原因：补录考勤" in row and "客户投诉待核实" not in row
    assert html.count("审批后重新打开") == 1  # eng2, never approved, says nothing of it


def test_a_stale_draft_refused_on_the_queue_shows_its_new_total_afterwards(api, gm, team, ready):
    """A calendar change marks drafts stale (recomputed by the scheduler): the queue showed the old total, each
    approval recomputed it, refused it as changed and rolled the recompute back, so the queue kept the old one."""
    import re

    from sqlalchemy import update

    from tracker.scores.models import Score

    stale = score_of(team["eng1"], MONTH)  # as a change of the calendar leaves it: marked, its total not yet redone
    db.session.execute(update(Score).where(Score.id == stale.id)
                       .values(stale=True, total=stale.total + 5, inputs_digest=None))
    db.session.commit()
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    shown = re.search(r'name="seen-eng1" value="([^"]*)"', html).group(1)
    assert shown == str(score_of(team["eng1"], MONTH).total)
    assert "数据已变，几分钟内重新计算" in html  # the row says its total is about to change, as the score page does
    gm.post(f"/approvals/{MONTH}/approve", data={"engineer": ["eng1"], "seen-eng1": shown})
    db.session.expire_all()
    fresh = score_of(team["eng1"], MONTH)
    assert fresh.status == "draft" and not fresh.stale and str(fresh.total) != shown
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    assert re.search(r'name="seen-eng1" value="([^"]*)"', html).group(1) == str(fresh.total)


@pytest.mark.parametrize("shown", ["sNaN", "NaN", "-Infinity", "1e999999", "x"])
def test_a_shown_total_tampered_with_is_refused_not_a_500(gm, team, ready, shown):
    response = gm.post(f"/approvals/{MONTH}/approve", data={"engineer": ["eng1"], "seen-eng1": shown})
    assert response.status_code == 302
    assert score_of(team["eng1"], MONTH).status == "draft"


def test_a_total_that_changed_after_the_queue_was_shown_is_not_approved_unseen(api, gm, team, records, ready):
    """The queue showed 72.63; an absence recorded meanwhile made it 69.13, and "approve selected" stored 69.13 with
    "approved 1" and no figure: a total the gm never saw. Each row now carries the total it showed."""
    import re

    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    shown = re.search(r'name="seen-eng1" value="([^"]*)"', html).group(1)
    assert shown == str(score_of(team["eng1"], MONTH).total)
    api("PUT", f"/attendance/eng1/{MONTH}-13", "office", json={"status": "absent"})  # meanwhile
    changed = score_of(team["eng1"], MONTH).total
    assert str(changed) != shown
    response = gm.post(f"/approvals/{MONTH}/approve", data={"engineer": ["eng1"], "seen-eng1": shown})
    assert score_of(team["eng1"], MONTH).status == "draft"
    page = gm.get(response.headers["Location"]).get_data(as_text=True)
    assert f"张三 未审批：总分已变为 {changed}（页面上是 {shown}），请查看后再审批" in page
    response = gm.post(f"/approvals/{MONTH}/approve", data={"engineer": ["eng1"], "seen-eng1": str(changed)})
    assert score_of(team["eng1"], MONTH).status == "approved"
    assert f"已审批 1 人：张三 {changed}" in gm.get(response.headers["Location"]).get_data(as_text=True)


def test_the_queue_says_what_the_team_page_chases_but_does_not_block(api, gm, team, records, ready):
    """The manager's page said 行程表未提交 where the gm's queue said 可审批 for the same month: the queue now says it
    too, as something that does not block approval."""
    html = gm.get(f"/approvals?month={MONTH}").get_data(as_text=True)
    eng1 = html[html.index('id="row-eng1"'):]
    eng1 = eng1[:eng1.index("</li>", eng1.index("queue-total"))]
    assert "可审批" in eng1 and "不影响审批，但尚未完成：行程表未提交" in eng1


def test_only_the_gm_has_the_queue(client, team, computed):
    login(client, "mgr")
    assert client.get("/approvals").status_code == 403
    assert client.post(f"/approvals/{MONTH}/approve", data={"engineer": "eng1"}).status_code == 403


def test_the_team_month_shows_what_is_missing_per_engineer(api, client, team, records, computed):
    records.review(team["eng1"], MONTH, team["eng1"], "self")
    login(client, "mgr")
    html = client.get(f"/team?month={MONTH}").get_data(as_text=True)
    eng1 = html[html.index('id="row-eng1"'):html.index('id="row-eng2"')]
    assert "行程表未提交" in eng1 and "缺少自评" not in eng1 and "缺少领导评价" in eng1 and "尚未记录绩效面谈" in eng1
    eng2 = html[html.index('id="row-eng2"'):]
    assert "缺少自评" in eng2
    assert 'id="row-eng3"' not in html  # mgr2's engineer


def test_the_team_month_opened_from_the_menu_says_it_shows_the_month_being_closed(client, team):
    """本月进度 opened October on 20 November without a word: a manager looked for this month's trips there."""
    login(client, "mgr")
    html = client.get("/team").get_data(as_text=True)
    assert "本月进度 · 2026-10" in html and 'id="closing-month"' in html and "上个月（2026-10）" in html
    assert 'href="/team?month=2026-11"' in html
    assert 'id="closing-month"' not in client.get("/team?month=2026-10").get_data(as_text=True)  # chosen


def test_the_team_month_offers_the_leader_review_only_to_who_may_write_it(client, team, records, computed):
    """The admin sees the team page, but is no leader: the page offered him 写领导评价 on every row, a 403."""
    login(client, "admin")
    html = client.get(f"/team?month={MONTH}").get_data(as_text=True)
    assert "缺少领导评价" in html and "写领导评价" not in html and "面谈与加减分" not in html  # he does neither
    manager = client.application.test_client()
    login(manager, "mgr")
    assert "写领导评价" in manager.get(f"/team?month={MONTH}").get_data(as_text=True)
    assert "面谈与加减分" in manager.get(f"/team?month={MONTH}").get_data(as_text=True)
    gm = client.application.test_client()
    login(gm, "gm.wang")  # he reviews as a leader, but holds no interview of an engineer with a manager above
    html = gm.get(f"/team?month={MONTH}").get_data(as_text=True)
    assert "写领导评价" in html and "面谈与加减分" not in html


def test_the_team_month_gives_no_pending_total_to_an_engineer_not_assessed(client, team, records):
    """The card said 不参加本月考核 and "T 待定" at once: a total that nothing is waiting for."""
    team["eng1"].hire_date = date(2026, 7, 1)
    records.trip(team["eng1"], date(2026, 11, 2), hours=2)
    login(client, "mgr")
    html = client.get(f"/team?month={MONTH}").get_data(as_text=True)
    eng1 = html[html.index('id="row-eng1"'):html.index('id="row-eng2"')]
    assert "不参加本月考核" in eng1 and "待定" not in eng1
    eng2 = html[html.index('id="row-eng2"'):]
    assert "T <strong>" in eng2


def test_a_manager_records_an_early_confirmation_on_the_engineers_page(client, team, records):
    team["eng1"].hire_date = date(2026, 7, 1)
    records.trip(team["eng1"], date(2026, 11, 2), hours=2)  # a draft exists: not assessed yet
    assert score_of(team["eng1"], MONTH).eligible is False
    login(client, "mgr")
    html = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert 'id="early-confirmation"' in html
    response = client.post(f"/scores/{MONTH}/eng1/early-confirmation", data={"early-from_month": MONTH})
    assert response.status_code == 302
    db.session.expire_all()
    assert team["eng1"].early_confirmation_month == MONTH
    assert score_of(team["eng1"], MONTH).eligible is True  # the draft follows at once


def test_an_early_confirmation_recorded_for_a_later_month_is_said_on_the_month_before_it(client, team, records):
    """Only the collapsed form's prefilled month told that one was already recorded."""
    team["eng1"].hire_date = date(2026, 8, 31)
    records.trip(team["eng1"], date(2026, 11, 2), hours=2)
    login(client, "mgr")
    assert client.post(f"/scores/{MONTH}/eng1/early-confirmation",
                       data={"early-from_month": "2026-12"}).status_code == 302
    html = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "入职未满 6 个月，本月不参加考核。" in html and "已记录自 2026-12 起提前转正。" in html
    login(client, "eng1")
    assert "已记录自 2026-12 起提前转正。" in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)


def test_only_a_manager_above_records_an_early_confirmation(client, team, records):
    login(client, "mgr2")
    assert client.post(f"/scores/{MONTH}/eng1/early-confirmation", data={"early-from_month": MONTH}).status_code == 403
    db.session.expire_all()
    assert team["eng1"].early_confirmation_month is None


def test_the_gm_records_an_early_confirmation_for_an_engineer_with_no_manager_above(client, team, records,
                                                                                    make_user, api):
    """The page offered the gm the form for an engineer reporting straight to him (he does a manager's part of such
    an engineer's month), and saving it answered 403: only an admin could record it, through another page."""
    make_user("direct", supervisor="gm.wang", hire_date=date(2026, 7, 1))
    records.trip(db.session.scalar(select(User).where(User.username == "direct")), date(2026, 11, 2), hours=2)
    login(client, "gm.wang")
    assert 'id="early-confirmation"' in client.get(f"/scores/{MONTH}/direct").get_data(as_text=True)
    response = client.post(f"/scores/{MONTH}/direct/early-confirmation", data={"early-from_month": MONTH})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "direct")).early_confirmation_month == MONTH
    # the API alike; an engineer with a manager above is that manager's to confirm, and other fields the admin's
    assert api("PATCH", "/users/direct", "gm.wang", json={"early_confirmation_month": None}).status_code == 200
    team["eng1"].hire_date = date(2026, 7, 1)
    db.session.commit()
    assert 'id="early-confirmation"' not in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert client.post(f"/scores/{MONTH}/eng1/early-confirmation",
                       data={"early-from_month": MONTH}).status_code == 403
    assert api("PATCH", "/users/eng1", "gm.wang", json={"early_confirmation_month": MONTH}).status_code == 403
    assert api("PATCH", "/users/direct", "gm.wang", json={"display_name": "改名"}).status_code == 403
    db.session.expire_all()
    assert team["eng1"].early_confirmation_month is None
    assert db.session.scalar(select(User).where(User.username == "direct")).display_name != "改名"


@pytest.mark.parametrize("sent", [{}, {"early-from_month": ""}, {"early-from_month": "2026-13"},
                                  {"early-from_month": "0093-01"}, {"early-from_month": "next month"}])
def test_a_missing_or_malformed_early_confirmation_month_is_a_field_error_and_changes_nothing(client, team,
                                                                                               records, sent):
    team["eng1"].hire_date = date(2026, 7, 1)
    team["eng1"].early_confirmation_month = "2026-12"
    db.session.commit()
    records.trip(team["eng1"], date(2026, 11, 2), hours=2)  # a draft exists: November not assessed yet
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/early-confirmation", data=sent)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html[html.index('id="early-confirmation"'):]
    assert 'aria-invalid="true"' in form[:form.index("</form>")]
    assert "None" not in html
    db.session.expire_all()
    assert team["eng1"].early_confirmation_month == "2026-12"


def test_an_early_confirmation_refused_where_the_page_has_no_form_says_why(client, team, records):
    """The month is assessed already (no form on the page): the message comes as the page's alert."""
    team["eng1"].early_confirmation_month = "2026-11"
    db.session.commit()
    records.trip(team["eng1"], date(2026, 11, 2), hours=2)
    login(client, "mgr")
    response = client.post(f"/scores/{MONTH}/eng1/early-confirmation", data={})
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert team["eng1"].early_confirmation_month == "2026-11"


def test_the_queue_links_to_the_months_data_check(gm, computed):
    html = gm.get("/approvals").get_data(as_text=True)
    assert 'id="quality-link" href="/quality/2026-10"' in html
    assert gm.get("/quality/2026-10").status_code == 200


def test_an_engineer_without_a_hire_date_is_said_to_have_none_not_to_be_under_six_months(client, team, records,
                                                                                         make_user):
    """An engineer created without a hire date (create-user leaves it out) read "入职未满 6 个月" on the month's list,
    his score page and the printed sheet: nothing told the admin what was missing."""
    make_user("nodate", supervisor="mgr", hire_date=None)
    records.trip(db.session.scalar(select(User).where(User.username == "nodate")), date(2026, 11, 2), hours=2)
    login(client, "mgr")
    for path in (f"/scores/{MONTH}/nodate", f"/sheets/{MONTH}/nodate"):
        html = client.get(path).get_data(as_text=True)
        assert "未填写入职日期" in html and "入职未满 6 个月" not in html, path
    month = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    row = month[month.index('data-username="nodate"'):]
    assert "未填入职日期" in row[:row.index("</tr>")]
    # a month with no draft of his (none computed yet) says why too: the reason cell was empty
    month = client.get("/scores/2026-09").get_data(as_text=True)
    row = month[month.index('data-username="nodate"'):]
    assert "不参加本月考核" in row[:row.index("</tr>")] and "未填入职日期" in row[:row.index("</tr>")]


def test_a_month_never_computed_of_an_engineer_not_assessed_yet_says_so_and_offers_the_early_confirmation(
        client, team, records):
    team["eng1"].hire_date = date(2026, 7, 1)
    db.session.commit()  # the live draft follows the hire date; then as if never computed
    db.session.execute(delete(Score).where(Score.engineer_id == team["eng1"].id))
    db.session.commit()
    assert score_of(team["eng1"], MONTH) is None
    login(client, "mgr")
    html = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "入职未满 6 个月" in html and 'id="early-confirmation"' in html and "本月考核尚未计算" not in html
    assert client.post(f"/scores/{MONTH}/eng1/early-confirmation",
                       data={"early-from_month": MONTH}).status_code == 302
    db.session.expire_all()
    assert score_of(team["eng1"], MONTH).eligible is True
    client.post("/logout")


def test_the_early_confirmation_form_starts_at_the_first_month_the_rule_allows(client, team, records):
    """For a month before three months of service the form offered that month, which could only be refused."""
    team["eng1"].hire_date = date(2026, 9, 1)  # three months served by the end of December
    db.session.commit()
    login(client, "mgr")
    html = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert 'id="early-confirmation"' in html and 'value="2026-12"' in html
    client.post("/logout")


def test_a_score_approved_without_a_time_shows_as_approved(api, gm, team, records, ready):
    """A row approved by an earlier release's hand (status set, no approval time) made the score page a 500."""
    from sqlalchemy import update

    db.session.execute(update(Score).where(Score.engineer_id == team["eng1"].id, Score.month == MONTH)
                       .values(status="approved", approved_at=None))
    db.session.commit()
    response = gm.get(f"/scores/{MONTH}/eng1")
    assert response.status_code == 200 and "已审批，之后不再重新计算" in response.get_data(as_text=True)
