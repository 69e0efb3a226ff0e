"""Fixtures of the review and score-page tests: API calls as a user, full ratings, stored scores."""

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete

from tracker.extensions import db
from tracker.scores.models import Score, ScoreLine
from tracker.reviews.models import CRITERIA

MONTH = "2026-11"  # tests/conftest.py pins NOW to 2026-11-20 10:00



def ratings(value=4, **changes):
    """All seven criteria at `value`, with some changed."""
    return {code: value for code in CRITERIA} | changes


@pytest.fixture
def use_template(app):
    """use_template(user, "repair_technician_monthly"): score the user with another (bundled) template."""

    def use(user, code):
        user.kpi_template = code
        db.session.commit()
        return user

    return use


@pytest.fixture
def make_score(app):
    """make_score(user, status="draft", lines=[{...}]): a stored Score with its lines, as compute_month writes them."""

    def make(user, month=MONTH, status="draft", lines=(), **values):
        fields = {"eligible": True, "quantitative": Decimal("86.67"), "qualitative": Decimal("80.00"),
                  "adjustments": Decimal("0.00"), "total": Decimal("84.67"), "grade": "B",
                  "bonus": Decimal("846.70"), "vetoed": False}
        fields.update(values)
        # replaces the draft the live recompute may have written already
        db.session.execute(delete(Score).where(Score.engineer_id == user.id, Score.month == month))
        score = Score(engineer_id=user.id, month=month, status=status, computed_at=datetime(2026, 11, 20, 2, 0),
                      **fields)
        db.session.add(score)
        db.session.flush()
        for position, line in enumerate(lines):
            db.session.add(ScoreLine(score_id=score.id, position=position, **line))
        db.session.commit()
        return score

    return make
