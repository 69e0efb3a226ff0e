"""Seeing the numbers: the month page, the score page with the records behind each point, the templates page."""

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event

from tests.conftest import login
from tests.reviews.conftest import MONTH
from tracker.extensions import db
from tracker.reviews import services
from tracker.reviews.models import CRITERIA, Incident, MetricEntry, Rating
from tracker.scores.models import Adjustment, Score, Veto
from tracker.workorders.models import Complaint, WorkOrder
from tracker.customers.models import Customer

NOW = datetime(2026, 11, 20, 10, 0)


@pytest.fixture
def late_order(team):
    """WO-7 of eng1, answered 3 hours after it was reported."""
    customer = Customer(name="旗滨玻璃")
    db.session.add(customer)
    db.session.flush()
    order = WorkOrder(number="WO-7", customer_id=customer.id, equipment="1号机", service_type="维修",
                      reported_at=datetime(2026, 11, 2, 8, 0), responded_at=datetime(2026, 11, 2, 11, 0),
                      engineer_id=team["eng1"].id, status="open", rework="none")
    db.session.add(order)
    db.session.commit()
    return order


def lines_for(order):
    return [
        {"code": "attendance", "name": "出勤", "name_en": "Attendance", "applies": True,
         "value": '{"late": 2, "personal_leave": 1}', "points": Decimal("10"), "max_points": Decimal("15"),
         "explanation": "出勤：事假/病假 1 天（-2），迟到 2 次（-1）…", "explanation_en": "Attendance: …",
         "record_ids": '{"attendance_days": [11, 12, 13]}'},
        {"code": "field_hours", "name": "外勤工时", "name_en": "Field hours", "applies": True, "value": "86.5",
         "points": Decimal("17.3"), "max_points": Decimal("20"),
         "explanation": "外勤工时：外勤 86.5 小时，20 × 86.5%，得 17.3 分（满分 20）",
         "explanation_en": "Field hours: 86.5 field hours; 17.3 of 20 points", "record_ids": "{}"},
        {"code": "response", "name": "响应及时率", "name_en": "Timely response", "applies": True, "value": "0.5",
         "points": Decimal("0"), "max_points": Decimal("15"),
         "explanation": "响应及时率：1/2 单按时响应，50%，低于 70%，得 0 分（满分 15）",
         "explanation_en": "Timely response: 1 of 2 orders answered in time, 50%, below 70%; 0 of 15 points",
         "record_ids": f'{{"work_orders": [{order.id}]}}'},
        {"code": "on_time", "name": "准时完工", "name_en": "On-time completion", "applies": False, "value": "0",
         "points": None, "max_points": Decimal("15"), "explanation": "准时完工：本月不适用，不计入",
         "explanation_en": "On-time completion: does not apply this month", "record_ids": '{"work_orders": []}'},
    ]


def test_score_page_shows_each_indicator_in_chinese_with_links_to_the_work_orders(client, team, late_order,
                                                                                  make_score):
    from sqlalchemy import insert, select

    from tracker.itinerary.models import Attendance

    for day, status in ((5, "personal_leave"), (3, "late"), (4, "late")):  # beside the unit of work: the score stays
        db.session.execute(insert(Attendance).values(engineer_id=team["eng1"].id, day=date(2026, 11, day),
                                                     status=status))
    lines = lines_for(late_order)
    lines[0]["record_ids"] = json.dumps({"attendance_days": db.session.scalars(select(Attendance.id)).all()})
    make_score(team["eng1"], lines=lines)
    login(client, "mgr")
    response = client.get(f"/scores/{MONTH}/eng1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("响应及时率", "50%", "低于 70%", "迟到 2 次、事假 1 天", "86.5 小时", "不适用", "84.67", "846.70",
                 "售后工程师月度考核"):
        assert text in page, text
    assert f'href="/work-orders/{late_order.id}"' in page and "WO-7" in page
    assert 'href="/attendance/2026-11#attendance-eng1"' in page  # the engineer's row of the month's grid
    assert "考勤：2026-11-03 迟到、2026-11-04 迟到、2026-11-05 事假" in page  # each day named (it said "3 days")
    assert 'id="attendance-eng1"' in client.get("/attendance/2026-11").get_data(as_text=True)


def test_entries_behind_a_line_are_named_by_day_or_rater_group_not_by_internal_id(client, team, make_score):
    eng, mgr = team["eng1"], team["mgr"]
    at = datetime(2026, 11, 20, 9, 0)
    incident = Incident(engineer_id=eng.id, day=date(2026, 11, 5), indicator="service", category="phone",
                        recorded_at=at)
    rating = Rating(engineer_id=eng.id, month=MONTH, key="attitude", rater_id=mgr.id, group="leader", level="good",
                    recorded_at=at)
    metric = MetricEntry(engineer_id=eng.id, month=MONTH, key="sales", actual=Decimal("12"), recorded_at=at)
    complaint = Complaint(engineer_id=eng.id, day=date(2026, 11, 6), upheld=True, recorded_at=at)
    db.session.add_all([incident, rating, metric, complaint])
    db.session.commit()
    records = {"incidents": [incident.id], "ratings": [rating.id], "metric_entries": [metric.id],
               "complaints": [complaint.id]}
    make_score(eng, lines=[{"code": "service", "name": "服务", "name_en": "Service", "applies": True, "value": "1",
                            "points": Decimal("5"), "max_points": Decimal("10"), "explanation": "服务：…",
                            "explanation_en": "Service: …", "record_ids": json.dumps(records)}])
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    complaints = f'href="/work-orders/complaints?month=2026-11&amp;engineer=eng1#complaint-{complaint.id}"'
    for label, anchor in (("事件 2026-11-05", f"#incident-{incident.id}"), ("评分（领导评）", f"#rating-{rating.id}"),
                          ("录入值", f"#metric-{metric.id}"), ("投诉 2026-11-06", complaints)):
        assert label in page and anchor in page, label
    assert not re.search(r"(事件|评分|录入|投诉) #\d", page)
    # one link after another, said apart and each kept on one line (WO20261021- / 004 broke on a phone, and the
    # page's text ran two numbers together)
    links = re.search(r'<div class="small mt-1 records">(.*?)</div>', page, re.S).group(1)
    assert links.count('<a class="record-link"') == 4 and links.count("</a>、<a") == 3, links
    rows = client.get("/work-orders/complaints?month=2026-11&engineer=eng1").get_data(as_text=True)
    assert f'id="complaint-{complaint.id}"' in rows  # the link lands on the complaint's own row
    login(client, "eng1")  # the engineer follows the same link to their own complaint
    assert f"#complaint-{complaint.id}" in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert f'id="complaint-{complaint.id}"' in client.get(
        "/work-orders/complaints?month=2026-11&engineer=eng1").get_data(as_text=True)


def test_score_page_speaks_english_when_asked(client, team, late_order, make_score):
    make_score(team["eng1"], lines=lines_for(late_order))
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1?lang=en").get_data(as_text=True)
    assert "1 of 2 orders answered in time" in page and "Timely response" in page
    assert "1/2 单按时响应" not in page


def test_engineer_sees_own_page_and_nobody_elses(client, team, late_order, make_score):
    make_score(team["eng1"], lines=lines_for(late_order))
    make_score(team["eng2"])
    login(client, "eng1")
    page = client.get(f"/scores/{MONTH}/eng1")
    assert page.status_code == 200
    assert f'href="/itinerary/eng1/{MONTH}"' in page.get_data(as_text=True)  # attendance: the own month page
    assert client.get(f"/scores/{MONTH}/eng2").status_code == 403
    assert client.get(f"/scores/{MONTH}").headers["Location"].endswith(f"/scores/{MONTH}/eng1")
    assert client.get("/scores").headers["Location"].endswith(f"/scores/{MONTH}/eng1")


@pytest.mark.parametrize("user, status", [("mgr2", 403), ("office", 403), ("gm.wang", 200), ("admin", 200),
                                          ("mgr", 200)])
def test_who_may_open_a_score_page(client, team, make_score, user, status):
    make_score(team["eng1"])
    login(client, user)
    assert client.get(f"/scores/{MONTH}/eng1").status_code == status


def test_score_page_without_a_score_says_so(client, team):
    login(client, "eng1")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "本月考核尚未计算" in page


def test_qualitative_block_names_raters_to_the_leader_only(client, team, make_score):
    make_score(team["eng1"])
    for rater, value in (("mgr", 5), ("eng2", 3), ("eng1", 4)):
        services.save_review(team[rater], team["eng1"], MONTH, {c: value for c in CRITERIA}, now=NOW)
    db.session.add(Adjustment(engineer_id=team["eng1"].id, month=MONTH, points=Decimal("3"), reason="抢修及时",
                              status="approved", proposed_at=NOW))
    db.session.add(Veto(engineer_id=team["eng1"].id, month=MONTH, reason="严重安全事故", recorded_at=NOW))
    db.session.commit()
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "领导评" in page and "同事评" in page and "自评" in page
    assert "李四：60.00" in page  # eng2's display name and 100 × 21 / 35
    assert "抢修及时" in page and "严重安全事故" in page
    client.post("/logout")
    login(client, "eng1")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "李四" not in page and "60.00" in page  # the peers' mean, by how many, as the API and the sheet say it
    assert "1 人评价" in page


def test_the_engineer_sees_each_group_by_its_mean_not_rater_by_rater(client, team, make_score):
    """Each peer's and leader's score was listed as 匿名 in the order of the raters' names: whoever knows his
    colleagues and his two leaders could tell who gave what."""
    make_score(team["eng1"])
    for rater, value in (("mgr", 5), ("gm", 2), ("eng2", 3), ("eng3", 1), ("eng1", 4)):
        services.save_review(team[rater], team["eng1"], MONTH, {c: value for c in CRITERIA}, now=NOW)
    db.session.commit()
    login(client, "eng1")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    start = page.index(">定性评价</h2>")
    block = page[start:page.index("<h2", start)]
    assert "匿名" not in block and "100.00" not in block and "20.00" not in block, block  # nobody's own score
    assert "70.00" in block and "40.00" in block and block.count("2 人评价") == 2  # the leaders', the peers' means
    assert f"{team['eng1'].display_name}：80.00" in block  # their own review, named


def test_month_page_lists_the_team_with_their_scores(client, team, make_score):
    make_score(team["eng1"])
    make_score(team["eng2"], eligible=False, quantitative=None, qualitative=None, total=None, grade=None, bonus=None)
    make_score(team["eng3"], total=Decimal("91.00"), grade="A")
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert 'data-username="eng1"' in page and 'data-username="eng2"' in page
    assert 'data-username="eng3"' not in page
    assert "84.67" in page and "不参加本月考核" in page
    row = re.search(r'<tr class="score-row" data-username="eng2">.*?</tr>', page, re.S).group(0)
    assert "草稿" not in row  # not assessed: no draft waiting (it read 草稿 in a month otherwise approved)
    assert f'href="/scores/{MONTH}/eng1"' in page
    client.post("/logout")
    login(client, "gm.wang")
    page = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert 'data-username="eng3"' in page and "91.00" in page


def test_month_page_says_not_assessed_of_someone_too_new_whose_month_was_never_computed(client, team, make_user):
    make_user("newbie", supervisor="mgr", hire_date=date(2026, 9, 1))  # imported after the month's last compute
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    row = re.search(r'<tr class="score-row" data-username="newbie">.*?</tr>', page, re.S).group(0)
    assert "不参加本月考核" in row and "尚未计算" not in row
    row = re.search(r'<tr class="score-row" data-username="eng1">.*?</tr>', page, re.S).group(0)
    assert "尚未计算" in row  # assessed, and not computed yet
    client.post("/logout")


def test_a_month_never_computed_for_someone_is_computed_from_its_page(client, team):
    """An engineer added after the month was closed read 尚未计算 on the month's page and as the gm's blocker, with
    nothing to click (the API and the command compute it). The page offers it to a manager (the own team), the gm
    and the admin; the score page points there; an engineer has neither."""
    login(client, "eng1")
    assert "compute-link" not in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    client.post("/logout")
    login(client, "mgr")
    assert 'id="compute-link"' in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    page = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert 'id="uncomputed"' in page and f'action="/scores/{MONTH}/compute"' in page
    done = client.post(f"/scores/{MONTH}/compute", follow_redirects=True).get_data(as_text=True)
    assert f"已计算 2 人的 {MONTH} 草稿分数" in done and 'id="uncomputed"' not in done  # eng1 and eng2, not eng3
    row = re.search(r'<tr class="score-row" data-username="eng1">.*?</tr>', done, re.S).group(0)
    assert "尚未计算" not in row
    client.post("/logout")
    login(client, "gm.wang")
    assert 'id="uncomputed"' in client.get(f"/scores/{MONTH}").get_data(as_text=True)  # eng3's, of the other team
    assert "已计算 3 人" in client.post(f"/scores/{MONTH}/compute", follow_redirects=True).get_data(as_text=True)
    client.post("/logout")
    login(client, "eng1")
    assert client.post(f"/scores/{MONTH}/compute").status_code == 403
    client.post("/logout")
    login(client, "mgr")  # a month before the first anyone was scored in: Tracker did not assess then
    assert 'id="uncomputed"' not in client.get("/scores/2026-09").get_data(as_text=True)
    assert 'id="compute-link"' not in client.get("/scores/2026-09/eng1").get_data(as_text=True)
    refused = client.post("/scores/2026-09/compute", follow_redirects=True).get_data(as_text=True)
    assert "2026-09 早于开始考核的月份（2026-11），不计算" in refused  # not made by a hand-made request either
    assert db.session.scalar(db.select(db.func.count()).select_from(Score).where(Score.month == "2026-09")) == 0


def test_month_page_does_a_constant_number_of_queries(app, client, make_user, make_score):
    make_user("boss", role="manager")

    def queries_for(count):
        for i in range(count):
            username = f"e{count}x{i:02d}"
            engineer = make_user(username, supervisor="boss")
            if i % 3:
                make_score(engineer)
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get(f"/scores/{MONTH}")
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200
        return len(statements)

    login(client, "boss")
    small = queries_for(3)
    large = queries_for(17)  # 20 engineers in all
    assert small == large


def test_menu_entries_follow_the_role(client, team):
    login(client, "eng1")
    page = client.get(f"/reviews?month={MONTH}").get_data(as_text=True)
    assert "我的考核" in page and "评价" in page and "月度考核" not in page
    client.post("/logout")
    login(client, "mgr")
    page = client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert "月度考核" in page and "我的考核" not in page
    client.post("/logout")
    login(client, "admin")
    page = client.get("/admin/templates").get_data(as_text=True)
    assert "考核模板" in page and "月度考核" in page
    assert "<td>售后工程师</td>" in page and "<td>engineer</td>" not in page  # a role by its name, not its code


# ---- with the real computation ---------------------------------------------------------------------

def test_computed_score_links_the_late_answered_order(client, team, late_order):
    from tracker.scores.services import compute_month

    services.save_review(team["mgr"], team["eng1"], MONTH, {c: 4 for c in CRITERIA}, now=NOW)
    db.session.commit()
    compute_month(MONTH, NOW)
    db.session.commit()
    login(client, "eng1")
    page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "响应及时率" in page and "0%" in page
    assert f'href="/work-orders/{late_order.id}"' in page
    assert "售后工程师月度考核" in page and "第 1 版" in page


def test_a_work_order_names_the_score_lines_it_counts_in_to_those_who_may_see_them(client, team, late_order):
    """From the ticket to the point: the order's page links each line whose records name it (a late response; a
    rework charged to the engineer of the order it redoes), for the viewers of that score only."""
    from tracker.scores.services import compute_month

    first = WorkOrder(number="WO-8", customer_id=late_order.customer_id, equipment="1号机", service_type="维修",
                      reported_at=datetime(2026, 11, 3, 8, 0), responded_at=datetime(2026, 11, 3, 8, 30),
                      completed_at=datetime(2026, 11, 4, 12, 0), engineer_id=team["eng1"].id, status="completed",
                      rework="none")
    db.session.add(first)
    db.session.flush()
    redo = WorkOrder(number="WO-9", customer_id=late_order.customer_id, equipment="1号机", service_type="维修",
                     reported_at=datetime(2026, 11, 10, 8, 0), responded_at=datetime(2026, 11, 10, 8, 30),
                     engineer_id=team["eng2"].id, status="open", rework="external", rework_of_id=first.id)
    db.session.add(redo)
    db.session.commit()
    compute_month(MONTH, NOW)
    db.session.commit()

    login(client, "eng1")
    page = client.get(f"/work-orders/{late_order.id}").get_data(as_text=True)
    cited = re.search(r'<ul[^>]*id="cited">(.*?)</ul>', page, re.S).group(1)
    assert f'href="/scores/{MONTH}/eng1#indicator-response"' in cited and "响应及时率" in cited and "张三" in cited
    assert 'id="cited"' not in client.get(f"/work-orders/{first.id}").get_data(as_text=True)  # it cost nothing
    english = client.get(f"/work-orders/{late_order.id}?lang=en").get_data(as_text=True)
    assert "Timely response" in re.search(r'<ul[^>]*id="cited">(.*?)</ul>', english, re.S).group(1)
    client.get(f"/work-orders/{late_order.id}?lang=zh")
    client.post("/logout")
    login(client, "mgr")
    cited = re.search(r'<ul[^>]*id="cited">(.*?)</ul>', client.get(f"/work-orders/{redo.id}").get_data(as_text=True),
                      re.S).group(1)
    assert f'href="/scores/{MONTH}/eng1#indicator-rework_external"' in cited and "eng2" not in cited
    client.post("/logout")
    login(client, "eng2")  # the rework's own engineer may not see eng1's score
    assert 'id="cited"' not in client.get(f"/work-orders/{redo.id}").get_data(as_text=True)
    client.post("/logout")
    login(client, "office")  # the back office sees orders, not scores
    assert 'id="cited"' not in client.get(f"/work-orders/{late_order.id}").get_data(as_text=True)


def test_a_work_orders_page_costs_the_same_queries_however_many_lines_it_is_cited_in(client, team, late_order):
    """Each cited line asked again whether the viewer may see its engineer's score (a manager: 16 queries grew to
    51 with 18 complaints about one order)."""
    from tests.querycount import counted
    from tracker.scores.services import compute_month

    order_id, engineer_id = late_order.id, team["eng1"].id

    def complain(*months):
        for month in months:
            db.session.add(Complaint(engineer_id=engineer_id, work_order_id=order_id,
                                     day=date(2026, month, 9), upheld=True, resolution_satisfied=True,
                                     recorded_at=datetime(2026, month, 9, 9, 0)))
            db.session.commit()
            compute_month(f"2026-{month:02d}", NOW)
            db.session.commit()

    def queries():
        db.session.remove()
        with counted() as statements:
            page = client.get(f"/work-orders/{order_id}").get_data(as_text=True)
        return len(statements), page.count("#indicator-satisfaction")

    login(client, "mgr")
    complain(11)
    few, cited = queries()
    complain(8, 9, 10)
    many, more = queries()
    assert (cited, more) == (1, 4) and many == few


def test_a_work_order_names_the_satisfaction_line_its_low_survey_or_upheld_complaint_cost(client, team, late_order):
    """A low survey of the order, or an upheld complaint about it, costs satisfaction points: the order's page links
    that line too (the response line of the late order stays)."""
    from tracker.scores.services import compute_month
    from tracker.workorders.models import Survey

    done = WorkOrder(number="WO-10", customer_id=late_order.customer_id, equipment="1号机", service_type="维修",
                     reported_at=datetime(2026, 11, 5, 8, 0), responded_at=datetime(2026, 11, 5, 8, 30),
                     completed_at=datetime(2026, 11, 6, 12, 0), engineer_id=team["eng1"].id, status="completed",
                     rework="none")
    other = WorkOrder(number="WO-11", customer_id=late_order.customer_id, equipment="2号机", service_type="维修",
                      reported_at=datetime(2026, 11, 5, 8, 0), responded_at=datetime(2026, 11, 5, 8, 30),
                      completed_at=datetime(2026, 11, 6, 12, 0), engineer_id=team["eng1"].id, status="completed",
                      rework="none")
    db.session.add_all([done, other])
    db.session.flush()
    db.session.add(Survey(work_order_id=done.id, score=2, method="phone", recorded_at=datetime(2026, 11, 7, 9, 0)))
    db.session.add(Survey(work_order_id=other.id, score=5, method="phone", recorded_at=datetime(2026, 11, 7, 9, 0)))
    db.session.add(Complaint(engineer_id=team["eng1"].id, work_order_id=late_order.id, day=date(2026, 11, 9),
                             upheld=True, resolution_satisfied=True, recorded_at=datetime(2026, 11, 9, 9, 0)))
    db.session.commit()
    compute_month(MONTH, NOW)
    db.session.commit()

    login(client, "eng1")

    def cited(order):
        found = re.search(r'<ul[^>]*id="cited">(.*?)</ul>', client.get(f"/work-orders/{order.id}").get_data(as_text=True),
                          re.S)
        return found.group(1) if found else ""

    assert f'href="/scores/{MONTH}/eng1#indicator-satisfaction"' in cited(done)
    assert f'href="/scores/{MONTH}/eng1#indicator-satisfaction"' in cited(late_order)  # the upheld complaint
    assert f'href="/scores/{MONTH}/eng1#indicator-response"' in cited(late_order)
    assert cited(other) == ""  # a survey of 5 cost nothing


# ---- the templates admin page ------------------------------------------------------------------------

def test_admin_sees_the_templates_and_one_as_a_readable_table(client, team):
    login(client, "admin")
    page = client.get("/admin/templates").get_data(as_text=True)
    assert "售后工程师月度考核" in page and "repair_technician_monthly" in page
    page = client.get("/admin/templates/engineer_monthly").get_data(as_text=True)
    assert "100% → 15, ≥ 95% → 12, ≥ 90% → 9, ≥ 80% → 6, ≥ 70% → 3，否则 0" in page
    assert "20 × min(1, 实际值 / 100)" in page
    assert "责任心" in page and "定量 70%，定性 30%" in page
    assert "默认角色 售后工程师" in page  # the role's name, not its code (默认角色 engineer)
    page = client.get("/admin/templates/service_post_deduction").get_data(as_text=True)
    assert "不接听电话或用语不当 1–3 分" in page
    # an entered completion rate reads actual ÷ plan (it said "actual / 1"); a count asks for no plan
    page = client.get("/admin/templates/service_360").get_data(as_text=True)
    assert "min(1, 实际 ÷ 计划)" in page and "实际值 / 1)" not in page
    page = client.get("/admin/templates/project_engineer_kpi").get_data(as_text=True)
    row = page[page.index("工单误操作"):]
    assert "每月录入（实际）" in row[:row.index("</tr>")]
    assert client.get("/admin/templates/nope").status_code == 404


def test_an_indicator_shows_its_sections_name_not_its_code(client, team):
    """Form 6's indicators belong to sections (main, basic...): the table names the section as the template does,
    in the reader's language (it showed the code, main, to a Chinese reader)."""
    login(client, "admin")
    page = client.get("/admin/templates/project_engineer_kpi").get_data(as_text=True)
    groups = re.findall(r'<small class="text-muted d-block group">([^<]*)</small>', page)
    assert set(groups) == {"主要绩效", "基本职能", "绩效管理", "学习与创新"}
    client.post("/lang/en")
    page = client.get("/admin/templates/project_engineer_kpi").get_data(as_text=True)
    assert set(re.findall(r'<small class="text-muted d-block group">([^<]*)</small>', page)) == {
        "Main performance", "Basic duties", "Performance management", "Learning and innovation"}
    page = client.get("/admin/templates/repair_technician_monthly").get_data(as_text=True)  # a plain label's group_en
    assert "Rework control" in re.findall(r'<small class="text-muted d-block group">([^<]*)</small>', page)


@pytest.mark.parametrize("user", ["mgr", "eng1", "gm.wang"])
def test_templates_page_is_for_admins(client, team, user):
    login(client, user)
    assert client.get("/admin/templates").status_code == 403
    assert client.get("/admin/templates/engineer_monthly").status_code == 403


def test_a_stale_draft_says_so_on_the_score_page_the_month_list_and_the_sheet(client, team, make_score):
    """A calendar or template change marks drafts stale for the scheduler (CONTRACT 7); until it recomputes them,
    the pages say the figures are about to change, as the API's `stale: true` does."""
    make_score(team["eng1"], stale=True)
    login(client, "gm.wang")
    assert 'id="stale"' in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "草稿（待重新计算）" in client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert "草稿（待重新计算）" in client.get(f"/sheets/{MONTH}/eng1").get_data(as_text=True)
    make_score(team["eng1"])
    assert 'id="stale"' not in client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
    assert "待重新计算" not in client.get(f"/scores/{MONTH}").get_data(as_text=True)


def test_the_month_workbook_marks_a_hand_entry_not_made_instead_of_a_real_looking_zero(client, team, make_score):
    """The page, the API and the PDF say "not entered"; the workbook a gm forwards to finance showed 0."""
    import io

    from openpyxl import load_workbook

    line = {"code": "training", "name": "培训学习", "name_en": "Training", "applies": True, "value": None,
            "points": Decimal("0"), "max_points": Decimal("10"), "explanation": "培训学习：未录入",
            "explanation_en": "Training: not entered", "record_ids": "{}"}
    make_score(team["eng1"], lines=[dict(line, missing=True)])
    make_score(team["eng2"], lines=[dict(line, missing=False, points=Decimal("8"))])
    login(client, "mgr")
    sheet = load_workbook(io.BytesIO(client.get(f"/sheets/xlsx/{MONTH}").data)).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("培训学习")
    cells = {row[0].value: row[column].value for row in sheet.iter_rows(min_row=2)}
    assert cells["eng1"] == "未录入" and cells["eng2"] == 8
    # the JSON of the same summary said a plain 0 (README: "never 0")
    rows = {row["username"]: row for row in client.get(f"/api/v1/summaries/{MONTH}").get_json()["rows"]}
    assert (rows["eng1"]["indicators"]["training"], rows["eng1"]["missing"]) == (None, ["training"])
    assert (rows["eng2"]["indicators"]["training"], rows["eng2"]["missing"]) == (8, [])
    # and the gm's department view averaged it as a 0: the team's mean is eng2's alone
    from tracker.charts import data

    _teams, indicators = data.department(MONTH, "zh")
    assert [entry["means"] for entry in indicators if entry["code"] == "training"] == [{"mgr": Decimal("8.00")}]


def test_the_lines_of_trips_and_expenses_link_the_itinerary_month_that_lists_them(client, team, late_order):
    """Field hours and the expense ratio have no record per point; the itinerary month lists every trip and expense
    behind them, day by day: each of the two lines links it, and the viewers of the score may open it."""
    from tracker.scores.services import compute_month

    compute_month(MONTH, NOW)
    db.session.commit()
    for viewer in ("eng1", "mgr"):
        login(client, viewer)
        page = client.get(f"/scores/{MONTH}/eng1").get_data(as_text=True)
        rows = re.findall(r'<li class="list-group-item indicator.*?</li>', page, flags=re.S)
        linked = [row for row in rows if f'href="/itinerary/eng1/{MONTH}"' in row]
        assert len(linked) == 2 and "外勤工时" in linked[0] and "费用" in linked[1], viewer
        assert f"{MONTH} 行程与费用" in linked[0]
        assert client.get(f"/itinerary/eng1/{MONTH}").status_code == 200
        client.post("/logout")


def test_english_values_say_one_late_order_and_two_days(app):
    """"1 late order(s)", "Late 1 time(s)", "2 day(s)" on the English score page and sheet."""
    from flask_babel import force_locale

    from tracker.scores.presenter import format_value

    with app.test_request_context(), force_locale("en"):
        assert (format_value(1, "late"), format_value(2, "late")) == ("1 late order", "2 late orders")
        assert (format_value(1, "units"), format_value(0, "units")) == ("1 rework order", "0 rework orders")
        counts = format_value({"late": 1, "early_leave": 3, "annual_leave": 2, "sick_leave": 1}, "counts")
        assert "1 time" in counts and "3 times" in counts and "2 days" in counts and "1 day" in counts, counts
        assert "(s)" not in counts
    with app.test_request_context(), force_locale("zh"):
        assert format_value(1, "late") == "逾期 1 单" and "迟到 1 次" in format_value({"late": 1}, "counts")


def test_an_engineer_promoted_to_manager_keeps_their_scored_months_in_every_list(client, team, make_score, api):
    """zhangsan made a manager: his approved month dropped out of the month's list, the summary HR is paid from, the
    queue's approved count and the year's scores, and his score page answered 404, while the role lasted."""
    from tracker.scores.services import compute_month

    make_score(team["eng1"], status="approved", lines=lines_for_promoted())
    team["eng1"].role = "manager"
    db.session.commit()
    compute_month(MONTH, NOW)  # the month recomputed meanwhile: the approved score stays as it was
    db.session.commit()
    rows = {row["username"]: row for row in api("GET", f"/scores/{MONTH}", "gm.wang").get_json()["scores"]}
    assert rows["eng1"]["status"] == "approved" and rows["eng1"]["total"] == 84.67
    detail = api("GET", f"/scores/{MONTH}/eng1", "gm.wang")
    assert detail.status_code == 200 and detail.get_json()["total"] == 84.67
    assert "eng1" in {row["username"] for row in api("GET", f"/summaries/{MONTH}", "gm.wang").get_json()["rows"]}
    assert "eng1" in {row["username"] for row in api("GET", "/scores/2026/annual", "gm.wang").get_json()["scores"]}
    assert "eng1" in {row["username"] for row in api("GET", f"/scores/{MONTH}?team=mgr", "mgr").get_json()["scores"]}
    login(client, "gm.wang")
    assert "张三" in client.get(f"/scores/{MONTH}").get_data(as_text=True)
    assert client.get(f"/scores/{MONTH}/eng1").status_code == 200
    # a month he was never scored in does not list him, and nobody who never was an engineer is listed
    other = {row["username"] for row in api("GET", "/scores/2026-09", "gm.wang").get_json()["scores"]}
    assert "eng1" not in other and "mgr" not in other
    assert api("GET", f"/scores/{MONTH}/mgr", "gm.wang").status_code == 404


def lines_for_promoted():
    return [{"code": "attendance", "name": "出勤", "name_en": "Attendance", "applies": True, "value": "{}",
             "points": Decimal("15"), "max_points": Decimal("15"), "explanation": "出勤：无扣分",
             "explanation_en": "Attendance: no deductions", "record_ids": "{}"}]
