"""The demo's months recomputed under the monotone rule: drafts follow it, and no approved score changes."""

from sqlalchemy import select, update

from tests.conftest import NOW
from tests.scores.support import snapshot
from tracker import demo as demo_data
from tracker.extensions import db
from tracker.scores import services as reports
from tracker.scores.models import Score, ScoreLine

DEDUCTIONS = ("attendance", "on_time", "rework_external", "rework_internal", "satisfaction")


def test_recomputing_the_demo_months_changes_no_approved_score(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    *past, current = demo_data.demo_months(NOW)
    # Approve the past months' scores as a gm would have, and make them look as the old rule stored them: on-time
    # completion left out of the month (not applying, no points) and a different total.
    approved_ids = db.session.scalars(select(Score.id).where(Score.month.in_(past), Score.eligible.is_(True),
                                                             Score.total.is_not(None))).all()
    assert approved_ids, "the demo has assessed months with a total"
    db.session.execute(update(Score).where(Score.id.in_(approved_ids))
                       .values(status="approved", approved_at=NOW, total=Score.total - 1))
    db.session.execute(update(ScoreLine).where(ScoreLine.score_id.in_(approved_ids), ScoreLine.code == "on_time")
                       .values(applies=False, points=None, explanation="准时完工：本月不适用，不计入"))
    db.session.commit()
    before = {month: snapshot(month) for month in past + [current]}

    for month in past + [current]:
        reports.compute_month(month, NOW)
        db.session.commit()

    for month in past + [current]:
        after = snapshot(month)
        kept = [row for row in before[month] if row[0]["status"] == "approved"]
        assert [row for row in after if row[0]["status"] == "approved"] == kept
    db.session.expire_all()
    approved = db.session.scalars(select(Score).where(Score.id.in_(approved_ids))).all()
    assert all(not line.applies for score in approved for line in score.lines if line.code == "on_time")
    drafts = db.session.scalars(select(Score).where(Score.status == "draft", Score.eligible.is_(True))).all()
    assert drafts, "the current month stays a draft"
    for score in drafts:
        lines = {line.code: line for line in score.lines}
        assert all(lines[code].applies for code in DEDUCTIONS), score.month
