"""A survey or complaint removed by two requests at once is removed once: the second is told it is gone (404), as a
trip's second removal is, and the audit log names one removal."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.scores.support import Records
from tests.twice import run_twice
from tracker.audit import AuditEvent
from tracker.extensions import db


@pytest.mark.parametrize("kind", ["survey", "complaint"])
def test_a_survey_or_complaint_removed_twice_at_once_is_removed_once(app, team, tmp_path, kind):
    records = Records()
    order = records.order(team["eng1"], datetime(2026, 11, 2, 9), completed=datetime(2026, 11, 3, 10))
    row = records.survey(order, 2) if kind == "survey" else records.complaint(team["eng1"], date(2026, 11, 3))
    db.session.commit()
    answers = run_twice(app, tmp_path, args=(kind, str(row.id)), refusal="NotFound", answer='"404"', imports="""
        from tracker.errors import NotFound
        from tracker.workorders import feedback
        """, action="""
        if args[0] == "survey":
            feedback.delete_survey(office, feedback.survey_of(office, int(args[1])))
        else:
            feedback.delete_complaint(office, feedback.complaint_of(int(args[1])))
        """)
    assert answers == ["done", "404"]
    db.session.rollback()
    removals = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == f"{kind}s.delete"))
    assert removals == 1
