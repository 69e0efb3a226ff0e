"""Reviews people are asked for: peer reviewers assigned by the manager, reviews owed shown on the home page until
done, and the review form with the seed's description of each criterion's levels."""

from datetime import date, datetime

from tests.conftest import login
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.reviews import services
from tracker.reviews.models import CRITERIA
from tracker.scores import services as scores
from tracker.scores.models import Score

MONTH = "2026-11"
OCT = "2026-10"


def test_the_peer_picker_searches_as_typed_and_the_team_page_grows_linearly(client, api, team, make_user):
    """Each row carried a list of every other engineer: 115 engineers made 13,000 options (630 KB). Each row's
    field now searches through the API, which answers the manager's engineers."""
    import re

    def page_size():
        return len(client.get(f"/team?month={OCT}").get_data(as_text=True))

    login(client, "mgr")
    html = client.get(f"/team?month={OCT}").get_data(as_text=True)
    assert "<option" not in html and html.count('data-picker="engineers"') == 2
    assert re.search(r'<input[^>]*name="rater"[^>]*list="peer-candidates"', html) and 'id="peer-candidates"' in html
    small = page_size()
    for n in range(20):
        make_user(f"peer{n:02d}", supervisor="mgr")
    large = page_size()
    per_row = (large - small) / 20
    for n in range(20, 40):
        make_user(f"peer{n:02d}", supervisor="mgr")
    assert page_size() - large < per_row * 20 * 1.1  # each engineer adds one row's worth, not a row per other
    found = api("GET", "/users?role=engineer&active=1&limit=20&q=peer0", "mgr").get_json()["users"]
    assert {user["username"] for user in found} == {f"peer{n:02d}" for n in range(10)}


def test_manager_asks_a_peer_who_is_told_and_sees_it_owed_until_done(client, api, team):
    login(client, "mgr")
    response = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"})
    assert response.status_code == 302
    assert "李四 待评价" in client.get(f"/team?month={OCT}").get_data(as_text=True)
    client.post("/logout")
    assert [(n.kind, n.user.username) for n in db.session.query(Notification)] == [("review_requested", "eng2")]
    login(client, "eng2")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'id="reviews-owed"' in html and f"/reviews/{OCT}/eng1" in html and "评价同事 张三" in html
    assert api("PUT", f"/reviews/{OCT}/eng1", "eng2", json={"ratings": {c: 4 for c in CRITERIA}}).status_code == 200
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert f"/reviews/{OCT}/eng1" not in html


def test_the_peer_picker_offers_only_who_may_be_asked(client, team):
    """A deactivated engineer kept on the page (scored in the month) was offered, then refused when picked."""
    import re

    from decimal import Decimal

    db.session.add(Score(engineer_id=team["eng2"].id, month=OCT, eligible=True, status="draft", vetoed=False,
                         computed_at=datetime(2026, 11, 1), total=Decimal("80")))
    team["eng2"].active = False
    db.session.commit()
    login(client, "mgr")
    html = client.get(f"/team?month={OCT}").get_data(as_text=True)
    assert 'id="row-eng2"' in html  # still listed: scored in the month
    offered = re.findall(r'<option value="([\w.]+)">', html[html.index('id="row-eng1"'):html.index('id="row-eng2"')])
    assert "eng2" not in offered and "eng1" not in offered


def test_asking_twice_or_the_engineer_themself_is_refused(client, team):
    login(client, "mgr")
    client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"})
    html = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"}, follow_redirects=True).get_data(as_text=True)
    assert "已经请 李四 评价过了" in html
    html = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng1"}, follow_redirects=True).get_data(as_text=True)
    assert "同事评价须由另一位在职工程师填写" in html
    assert db.session.query(Notification).count() == 1


def test_a_peer_may_be_named_by_display_name_as_the_field_asks(client, team, make_user):
    """The field asks for 姓名或用户名: 李四 typed (not picked) was refused as "not another active engineer"."""
    login(client, "mgr")
    html = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "李四"}, follow_redirects=True).get_data(as_text=True)
    assert "已请 李四 评价 张三" in html
    assert [(n.kind, n.user.username) for n in db.session.query(Notification)] == [("review_requested", "eng2")]
    html = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "无此人"}, follow_redirects=True).get_data(as_text=True)
    assert "没有这位工程师：无此人" in html
    make_user("eng9", display_name="王五", supervisor="mgr")
    make_user("eng10", display_name="王五", supervisor="mgr2")
    html = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "王五"}, follow_redirects=True).get_data(as_text=True)
    assert "有多位工程师叫 王五，请输入用户名" in html
    assert db.session.query(Notification).count() == 1


def test_no_peer_is_asked_for_a_month_approved_or_not_assessed(client, team, make_user):
    """The rater was asked and told, and then refused every review (409), which stayed owed on the team page."""
    from tracker.scores.services import compute_month

    compute_month(OCT, now=datetime(2026, 11, 20, 10, 0))
    db.session.execute(db.update(Score).where(Score.month == OCT, Score.engineer_id == team["eng1"].id)
                       .values(status="approved"))
    make_user("newbie", supervisor="mgr", hire_date=date(2026, 9, 1))
    login(client, "mgr")
    html = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"}, follow_redirects=True).get_data(as_text=True)
    assert f"{OCT} 的考核结果已审批，不能再修改" in html
    html = client.post(f"/team/{OCT}/newbie/peers", data={"rater": "eng2"}, follow_redirects=True).get_data(as_text=True)
    assert f"newbie 在 {OCT} 不参加考核" in html
    assert db.session.query(Notification).count() == 0


def test_a_request_the_approval_overtook_no_longer_reads_as_owed_on_the_team_page(client, team):
    """Asked before the gm approved the month, it read 李四 待评价 for good, though no review can be given any more
    (the rater's own list of reviews owed drops it)."""
    from tracker.scores.services import compute_month

    login(client, "mgr")
    assert client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"}).status_code == 302
    assert "李四 待评价" in client.get(f"/team?month={OCT}").get_data(as_text=True)
    compute_month(OCT, now=datetime(2026, 11, 20, 10, 0))
    db.session.execute(db.update(Score).where(Score.month == OCT, Score.engineer_id == team["eng1"].id)
                       .values(status="approved"))
    db.session.commit()
    page = client.get(f"/team?month={OCT}").get_data(as_text=True)
    assert "李四 未评价" in page and "李四 待评价" not in page


def test_no_peer_is_asked_for_an_engineer_whose_template_takes_no_peer_review(client, team):
    """Form 5 counts the leader alone: the peer was asked, told, and then refused the review (403), which stayed on
    their list and the team page as owed for good."""
    team["eng1"].kpi_template = "service_department_appraisal"
    db.session.commit()
    login(client, "mgr")
    page = client.get(f"/team?month={OCT}").get_data(as_text=True)
    eng1 = page[page.index('id="row-eng1"'):page.index('id="row-eng2"')]
    assert "assign-peer" not in eng1 and "assign-peer" in page[page.index('id="row-eng2"'):]
    html = client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"}, follow_redirects=True).get_data(as_text=True)
    assert "该工程师本月的考核模板不含同事评价" in html
    assert db.session.query(Notification).count() == 0


def test_a_review_no_longer_taken_leaves_the_lists_of_reviews_owed(client, team):
    """Asked before eng1's template stopped counting peers, eng2 kept the review on his home page (refused with 403
    when he tried) and the team page said 待评价 for good; an engineer whose template has no qualitative part was
    asked for his self review. A review is owed only while it would be taken."""
    login(client, "eng1")
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert f"/reviews/{OCT}/eng1" in home  # his own October (the month before today's) under the default template
    client.post("/logout")
    login(client, "mgr")
    assert client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"}).status_code == 302
    team["eng1"].kpi_template = "service_department_appraisal"  # form 5: the leader's review alone
    db.session.commit()
    assert "待评价" not in client.get(f"/team?month={OCT}").get_data(as_text=True)
    client.post("/logout")
    login(client, "eng2")
    assert f"/reviews/{OCT}/eng1" not in client.get("/", follow_redirects=True).get_data(as_text=True)
    client.post("/logout")
    team["eng1"].kpi_template = "after_sales_kpi"  # no qualitative part at all
    db.session.commit()
    login(client, "eng1")
    assert f"/reviews/{OCT}/eng1" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_only_a_manager_above_assigns_peers(client, team):
    login(client, "mgr2")
    assert client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng3"}).status_code == 403
    assert db.session.query(Notification).count() == 0


def test_the_engineer_owes_the_self_review_of_the_closing_month_until_done(client, api, team):
    login(client, "eng1")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert f"/reviews/{OCT}/eng1" in html and f"{OCT} 自评" in html
    assert api("PUT", f"/reviews/{OCT}/eng1", "eng1", json={"ratings": {c: 5 for c in CRITERIA}}).status_code == 200
    assert f"/reviews/{OCT}/eng1" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_the_review_form_shows_each_levels_description_beside_the_rating(client, team):
    login(client, "mgr")
    html = client.get(f"/reviews/{MONTH}/eng1").get_data(as_text=True)
    assert 'aria-describedby="levels-responsibility"' in html
    for text in ("工作一丝不苟", "愿意配合，但需监督", "工作没有创新，因循守旧", "优秀", "合格", "不合格"):
        assert text in html
    # a criterion left unrated: its error is read first, the level descriptions after it (they came first, 100–150
    # characters before "请为每项标准评分")
    html = client.post(f"/reviews/{MONTH}/eng1", data={"responsibility": "4"}).get_data(as_text=True)
    assert 'aria-describedby="discipline-error levels-discipline"' in html, html
    assert 'role="alert">请检查标出的栏目' in html  # above the form, as the other forms say it


def _review_row(page, username):
    start = page.index(f'data-username="{username}"')
    return page[start:page.index("</li>", start)]


def test_the_reviews_page_marks_owed_only_what_is_asked_and_can_still_count(client, team, make_user):
    """An engineer may review any colleague, but only a review asked of them is owed (待评); a month already
    approved takes no review (every row said 待评 / 去评价); a colleague not assessed that month is not listed."""
    make_user("eng.new", display_name="新人", supervisor="mgr", hire_date=date(2026, 9, 1))
    make_user("eng.done", display_name="已审", supervisor="mgr")
    login(client, "mgr")
    client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng2"})
    client.post("/logout")
    scores.compute_month(OCT, datetime(2026, 10, 20, 12))
    db.session.query(Score).filter(Score.engineer.has(username="eng.done")).update({"status": "approved"},
                                                                                   synchronize_session=False)
    db.session.commit()
    login(client, "eng2")
    page = client.get(f"/reviews?month={OCT}").get_data(as_text=True)
    assert "待评" in _review_row(page, "eng1") and "去评价" in _review_row(page, "eng1")  # asked
    assert "待评" not in _review_row(page, "eng3") and "评价" in _review_row(page, "eng3")  # welcome, not owed
    assert "本月考核结果已审批" in _review_row(page, "eng.done") and "去评价" not in _review_row(page, "eng.done")
    assert 'data-username="eng.new"' not in page  # not assessed: nothing to review, and not shown to a peer
    assert "待评" in _review_row(page, "eng2")  # one's own self review is owed


def test_a_leader_review_is_owed_only_while_no_other_leaders_counts(client, team):
    """The gm's list said 待评 / 去评价 of every engineer after their manager's review was in (one is enough), and
    so did a manager's above a sub-manager."""
    services.save_review(team["mgr"], team["eng1"], OCT, {c: 4 for c in CRITERIA}, now=datetime(2026, 10, 20, 12))
    db.session.commit()
    login(client, "gm.wang")
    page = client.get(f"/reviews?month={OCT}").get_data(as_text=True)
    assert "待评" not in _review_row(page, "eng1") and "已有领导评价" in _review_row(page, "eng1"), _review_row(page, "eng1")
    assert "评价" in _review_row(page, "eng1")  # still welcome
    assert "待评" in _review_row(page, "eng2") and "已有领导评价" not in _review_row(page, "eng2")
    client.post("/logout")
    login(client, "mgr")  # the manager's own review is no other leader's: done, not 已有领导评价
    row = _review_row(client.get(f"/reviews?month={OCT}").get_data(as_text=True), "eng1")
    assert "已评" in row and "已有领导评价" not in row

