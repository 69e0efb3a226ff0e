"""The scores API (CONTRACT 10): computing, reading a month, mid-year and annual, and who may do what."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from tests.conftest import NOW
from tests.scores.support import NOV, OCT, D, at, score_of
from tracker.extensions import db
from tracker.scores import services, yearly
from tracker.scores.models import Score


def usernames(response):
    return [row["username"] for row in response.get_json()["scores"]]


def test_a_month_not_computed_yet_lists_everyone_in_scope_as_pending(api, records, team, make_user):
    make_user("rookie", display_name="新人", supervisor="mgr", hire_date=date(2026, 8, 1))
    body = api("GET", f"/scores/{NOV}", "gm.wang").get_json()
    assert body["month"] == NOV
    rows = {row["username"]: row for row in body["scores"]}
    assert sorted(rows) == ["eng1", "eng2", "eng3", "rookie"]
    assert rows["eng1"] == {"username": "eng1", "display_name": "张三", "eligible": True, "quantitative": None,
                            "qualitative": None, "adjustments": None, "vetoed": False, "total": None, "grade": None,
                            "bonus": None, "status": "pending", "computed_at": None, "stale": False,
                            "indicators": []}
    assert rows["rookie"]["eligible"] is False


def test_compute_then_read_gives_every_indicator_with_its_explanation(api, records, team):
    eng = team["eng1"]
    trip = records.trip(eng, D(2026, 11, 2), full_day=True)
    records.trip(eng, D(2026, 10, 31), full_day=True)  # another month's: not behind November's points
    expense = records.expense(eng, D(2026, 11, 2), "900")
    records.order(eng, at(D(2026, 11, 3), 8), responded=at(D(2026, 11, 3), 9), completed=at(D(2026, 11, 3), 17))
    records.review(eng, NOV, team["mgr"], "leader")
    assert api("POST", f"/scores/{NOV}/compute", "gm.wang").get_json() == {"month": NOV, "computed": 3}
    row = api("GET", f"/scores/{NOV}?explain=1", "eng1").get_json()["scores"][0]
    assert (row["status"], row["eligible"], row["qualitative"]) == ("draft", True, 100)
    assert isinstance(row["total"], (int, float)) and row["grade"] in "ABCDE"
    indicators = {item["code"]: item for item in row["indicators"]}
    assert list(indicators) == ["attendance", "field_hours", "response", "on_time", "rework_external",
                                "rework_internal", "satisfaction", "expense"]
    assert indicators["field_hours"] == {
        "code": "field_hours", "name": "外勤工时", "applies": True, "state": "applies", "missing": False, "value": 7.5,
        "points": 1.5, "max_points": 20,
        "explanation": "外勤工时：外勤 7.5 小时，20 × 7.5%，得 1.5 分（满分 20）", "records": {"trips": [trip.id]}}
    assert indicators["expense"]["value"] == 2 and indicators["expense"]["points"] == 0
    # the records behind the sums: the month's trips and expenses (CONTRACT 10: every indicator's records)
    assert indicators["expense"]["records"] == {"expenses": [expense.id], "trips": [trip.id]}
    assert indicators["on_time"]["applies"] is True and indicators["on_time"]["points"] == 15


@pytest.mark.parametrize("query, headers, english", [
    ("?lang=en", {}, True), ("", {"Accept-Language": "en-US,en;q=0.9"}, True),
    ("", {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}, False), ("", {}, False),
    ("?lang=zh", {"Accept-Language": "en"}, False),
])
def test_explanations_follow_the_requested_language(api, records, team, query, headers, english):
    services.compute_month(NOV, NOW)
    db.session.commit()
    row = api("GET", f"/scores/{NOV}/eng1{query}", "eng1", headers=headers).get_json()
    attendance = row["indicators"][0]
    assert (attendance["name"], attendance["explanation"]) == (
        ("Attendance", "Attendance: no deductions; 15 of 15 points") if english
        else ("出勤", "出勤：无扣分，得 15 分（满分 15）"))


@pytest.mark.parametrize("user, seen", [
    ("eng1", ["eng1"]), ("eng3", ["eng3"]), ("mgr", ["eng1", "eng2"]), ("mgr2", ["eng3"]),
    ("gm.wang", ["eng1", "eng2", "eng3"]), ("admin", ["eng1", "eng2", "eng3"]),
])
def test_each_role_sees_the_scores_in_its_scope(api, records, team, user, seen):
    services.compute_month(NOV, NOW)
    db.session.commit()
    assert sorted(usernames(api("GET", f"/scores/{NOV}", user))) == seen


def test_back_office_may_neither_read_nor_compute_scores(api, records, team):
    assert api("GET", f"/scores/{NOV}", "office").status_code == 403
    assert api("POST", f"/scores/{NOV}/compute", "office").status_code == 403
    assert api("POST", f"/scores/{NOV}/compute", "eng1").status_code == 403
    assert api("GET", "/scores/2026/annual", "office").status_code == 403
    assert db.session.query(Score).count() == 0


def test_a_manager_computes_the_own_team_only(api, records, team):
    assert api("POST", f"/scores/{NOV}/compute", "mgr").get_json()["computed"] == 2
    assert score_of(team["eng3"], NOV) is None and score_of(team["eng1"], NOV) is not None


def test_an_inactive_engineer_appears_only_in_the_months_scored_for_them(api, records, team):
    services.compute_month(OCT, NOW)
    db.session.commit()
    team["eng2"].active = False
    db.session.commit()
    assert sorted(usernames(api("GET", f"/scores/{OCT}", "mgr"))) == ["eng1", "eng2"]
    assert usernames(api("GET", f"/scores/{NOV}", "mgr")) == ["eng1"]


@pytest.mark.parametrize("path, status", [
    ("/scores/2026-13", 422), ("/scores/2026-1", 422), ("/scores/%00", 422), ("/scores/٢٠٢٦-11", 422),
    ("/scores/26/annual", 422), ("/scores/2026x/mid-year", 422), ("/scores/1999/annual", 422),
])
def test_malformed_months_and_years_get_422(api, records, team, path, status):
    assert api("GET", path, "gm.wang").status_code == status


def test_a_future_month_cannot_be_computed(api, records, team):
    response = api("POST", "/scores/2026-12/compute", "gm.wang")
    assert response.status_code == 422 and "month" in response.get_json()["error"]["fields"]


def test_a_template_that_cannot_be_used_answers_409_and_changes_nothing(api, records, team):
    team["eng2"].kpi_template = "missing_template"
    db.session.commit()
    response = api("POST", f"/scores/{NOV}/compute", "gm.wang")
    assert response.status_code == 409 and "missing_template" in response.get_json()["error"]["message"]
    assert db.session.query(Score).count() == 0


# ---- mid-year and annual ------------------------------------------------------------------------------

def _store_total(engineer, month, total, eligible=True, status="draft"):
    db.session.add(Score(engineer_id=engineer.id, month=month, eligible=eligible, status=status, computed_at=NOW,
                         total=None if total is None else Decimal(total)))
    db.session.commit()


def test_period_scores_average_the_eligible_months_with_a_total(api, records, team):
    eng = team["eng1"]
    for month, total in (("2026-01", None), ("2026-02", "80"), ("2026-03", "90.55"), ("2026-07", "10")):
        _store_total(eng, month, total)
    _store_total(eng, "2026-04", "0", eligible=False)
    _store_total(team["eng2"], "2026-08", "70")
    mid = api("GET", "/scores/2026/mid-year", "mgr").get_json()
    assert (mid["year"], mid["period"], mid["final"]) == (2026, "mid-year", False)
    assert {r["username"]: (r["score"], r["months"], r["final"]) for r in mid["scores"]} == {
        "eng1": (85.28, 2, False), "eng2": (None, 0, False)}  # (80 + 90.55) / 2 = 85.275
    annual = {r["username"]: r["score"] for r in api("GET", "/scores/2026/annual", "gm.wang").get_json()["scores"]}
    assert annual == {"eng1": 60.18, "eng2": 70, "eng3": None}  # (80 + 90.55 + 10) / 3 = 60.183…
    # every score answer carries computed_at (the latest of its months; null when none was computed); by username
    eng.display_name = "甲"  # ordered by username all the same, as the monthly list
    db.session.commit()
    rows = api("GET", "/scores/2026/annual", "gm.wang").get_json()["scores"]
    assert [(r["username"], r["computed_at"]) for r in rows] == [
        ("eng1", NOW.isoformat() + "+08:00"), ("eng2", NOW.isoformat() + "+08:00"), ("eng3", None)]


def test_period_scores_take_a_team_as_the_months_list_does(api, records, team):
    """team= was ignored: team=mgr2 listed everyone, team=nobody answered 200 with every row."""
    _store_total(team["eng1"], "2026-02", "80")
    _store_total(team["eng3"], "2026-02", "90")
    for period in ("mid-year", "annual"):
        rows = api("GET", f"/scores/2026/{period}?team=mgr2", "gm.wang").get_json()["scores"]
        assert [row["username"] for row in rows] == ["eng3"]
        assert [row["username"] for row in api("GET", f"/scores/2026/{period}?team=mgr", "gm.wang")
                .get_json()["scores"]] == ["eng1", "eng2"]
        assert api("GET", f"/scores/2026/{period}?team=nobody", "gm.wang").status_code == 422
        assert api("GET", f"/scores/2026/{period}?team=mgr2", "mgr").status_code == 403  # not under mgr


def test_an_engineer_assessed_in_no_month_of_the_period_does_not_hold_the_period_open(api, records, team, make_user):
    """The list's final flag was every row's: an engineer hired in June (assessed from December) has no mid-year
    final, ever, so the manager's mid-year list could never become final."""
    make_user("late", display_name="晚到", supervisor="mgr", hire_date=date(2026, 6, 1))
    for engineer in (team["eng1"], team["eng2"]):
        for month in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"):
            _store_total(engineer, month, "80", status="approved")
    yearly.period_scores(2026, "mid_year", NOW, final=True)
    db.session.commit()
    body = api("GET", "/scores/2026/mid-year", "mgr").get_json()
    assert {r["username"]: r["final"] for r in body["scores"]} == {"eng1": True, "eng2": True, "late": False}
    assert body["final"] is True
    assert api("GET", "/scores/2026/mid-year", "late").get_json()["final"] is False  # nothing of theirs to settle
    _store_total(team["eng1"], "2026-07", "80")  # a draft of the second half: the annual list is not final
    assert api("GET", "/scores/2026/annual", "mgr").get_json()["final"] is False


def test_months_approved_as_assessed_settle_the_period_whatever_the_rule_gives_since(api, records, team, make_user):
    """An early confirmation taken back after April to June were approved (assessed): the mean still held them,
    but no month was assessed by the rule any more, so the final was cleared and could never be stored again."""
    early = make_user("early", display_name="早转正", supervisor="mgr", hire_date=date(2026, 1, 20))
    for month, total in (("2026-04", "80"), ("2026-05", "90"), ("2026-06", "85.5")):
        _store_total(early, month, total, status="approved")  # approved under the early confirmation, since undone
    yearly.period_scores(2026, "mid_year", NOW, final=True)
    db.session.commit()
    row = api("GET", "/scores/2026/mid-year", "early").get_json()["scores"][0]
    assert (row["score"], row["months"], row["final"]) == (85.17, 3, True)  # (80 + 90 + 85.5) / 3


def test_months_approved_as_not_assessed_stay_so_for_the_final(api, records, team, make_user):
    """The mirror image: January to March approved as not assessed (hired in October), April to June as assessed,
    the final stored; then an early confirmation from February: the rule made February and March assessed, which
    no approval could settle any more, so the final was cleared for good."""
    late = make_user("late2", display_name="后转正", supervisor="mgr", hire_date=date(2025, 10, 15))
    for month in ("2026-01", "2026-02", "2026-03"):
        _store_total(late, month, None, eligible=False, status="approved")
    for month, total in (("2026-04", "70"), ("2026-05", "80"), ("2026-06", "90")):
        _store_total(late, month, total, status="approved")
    yearly.period_scores(2026, "mid_year", NOW, final=True)
    db.session.commit()
    assert api("GET", "/scores/2026/mid-year", "late2").get_json()["final"] is True
    late.early_confirmation_month = "2026-02"  # set after the approvals
    db.session.commit()
    yearly.period_scores(2026, "mid_year", NOW, final=True)
    db.session.commit()
    body = api("GET", "/scores/2026/mid-year", "late2").get_json()
    assert body["final"] is True and (body["scores"][0]["score"], body["scores"][0]["months"]) == (80, 3)


def test_the_stored_final_period_score_is_answered_once_it_exists(api, records, team):
    for month in ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"):
        _store_total(team["eng1"], month, "80" if month == "2026-02" else None, status="approved")
    yearly.period_scores(2026, "mid_year", NOW, final=True)
    db.session.commit()
    db.session.execute(update(Score).where(Score.engineer_id == team["eng1"].id, Score.month == "2026-03")
                       .values(total=Decimal("100")))  # a later change does not move the final score
    db.session.commit()
    body = api("GET", "/scores/2026/mid-year", "eng1").get_json()
    assert body["final"] is True
    assert {r["username"]: (r["score"], r["months"]) for r in body["scores"]} == {"eng1": (80, 1)}
    # the others' months were never computed nor approved: their scores are not final, so the list is not
    assert api("GET", "/scores/2026/mid-year", "gm.wang").get_json()["final"] is False
    assert api("GET", "/scores/2026/annual", "gm.wang").get_json()["final"] is False
