"""KPI templates as stored data, monthly scores with their explained lines, period (mid-year, annual) scores, and
what approval records: adjustments, vetoes, interviews."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db, NEVER_REUSED
from tracker.scoring.messages import render_data
from tracker.scoring.month import Month
from tracker.values import MonthColumn

SCORE_STATUSES = ("draft", "approved")
PERIODS = ("mid_year", "annual")


class KpiTemplate(db.Model):
    """One version of a template; `body` is the template dict as JSON. A new version starts at `effective_from`."""

    __tablename__ = "kpi_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int]
    effective_from: Mapped[Month] = mapped_column(MonthColumn)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]


class TemplateAssignment(db.Model):
    """An engineer's template from a month on (`code` None: the one of their role), until their next assignment.

    Months before an engineer's first assignment read `User.kpi_template` (the assignment of earlier releases,
    which held for every month); the first change through the assignment page records that one from 2000-01, so
    a change never rescores the months before it."""

    __tablename__ = "template_assignments"
    __table_args__ = (UniqueConstraint("engineer_id", "from_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    from_month: Mapped[Month] = mapped_column(MonthColumn)
    code: Mapped[str | None] = mapped_column(String(60))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime]


class Score(db.Model):
    """An engineer's score for one month: stored rounded to 2 decimals, with the template version it used."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("engineer_id", "month"), Index("ix_scores_month", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_templates.id"))
    eligible: Mapped[bool]
    quantitative: Mapped[object | None] = mapped_column(Numeric(8, 2))
    qualitative: Mapped[object | None] = mapped_column(Numeric(8, 2))
    adjustments: Mapped[object | None] = mapped_column(Numeric(8, 2))
    vetoed: Mapped[bool] = mapped_column(default=False)
    total: Mapped[object | None] = mapped_column(Numeric(8, 2))
    grade: Mapped[str | None] = mapped_column(String(2))
    bonus: Mapped[object | None] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # a company-wide change (calendar, template, import) awaits the scheduler's recompute (within 5 minutes)
    stale: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    computed_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # a digest of what the draft was computed from (services._Digests): unchanged, a recompute only stamps it
    inputs_digest: Mapped[str | None] = mapped_column(String(32))

    engineer = relationship("User", foreign_keys=[engineer_id])
    template = relationship(KpiTemplate)
    lines = relationship("ScoreLine", order_by="ScoreLine.position", cascade="all, delete-orphan",
                         passive_deletes=True)


def explanation(message, text, text_en, lang):
    """An indicator line's explanation in lang ("zh" or "en"): its stored message rendered now, or, for a line
    computed before messages were stored, the text stored then (English falling back to Chinese)."""
    if message is not None:
        return render_data(message, "en" if lang == "en" else "zh")
    return (text_en or text) if lang == "en" else text


class ScoreLine(db.Model):
    """One indicator of a score: measured value, points, max and the one-sentence explanation, with record ids.

    The explanation is stored as a message (messages.dumps: catalogue key and exact parameters) and rendered in the
    reader's language by explain(); lines computed before that, and the lines of an approved score (rendered when
    it was approved, so that a later release's wording does not change it), keep their text in explanation and
    explanation_en (and no message).
    """

    __tablename__ = "score_lines"
    __table_args__ = (UniqueConstraint("score_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id", ondelete="CASCADE"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    applies: Mapped[bool]
    # a hand entry the template needs is not made: the points are provisional and approval waits (409)
    missing: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    value: Mapped[str | None] = mapped_column(Text)  # JSON: a number, a dict of counts, or null
    points: Mapped[object | None] = mapped_column(Numeric(8, 2))
    max_points: Mapped[object] = mapped_column(Numeric(8, 2))
    weight: Mapped[object | None] = mapped_column(Numeric(8, 2))
    message: Mapped[str | None] = mapped_column(Text)  # JSON of the explanation's messages.Msg
    explanation: Mapped[str | None] = mapped_column(Text)  # rendered text of lines computed before `message`
    explanation_en: Mapped[str | None] = mapped_column(Text)
    record_ids: Mapped[str | None] = mapped_column(Text)  # JSON: {"work_orders": [...], "attendance_days": [...]}

    def explain(self, lang="zh"):
        """The explanation in lang ("zh" or "en")."""
        return explanation(self.message, self.explanation, self.explanation_en, lang)


class PeriodScore(db.Model):
    """Mid-year or annual score: mean of the eligible months' totals; `final` once the scheduler stored it."""

    __tablename__ = "period_scores"
    __table_args__ = (UniqueConstraint("engineer_id", "year", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    year: Mapped[int]
    period: Mapped[str] = mapped_column(String(16))
    score: Mapped[object | None] = mapped_column(Numeric(8, 2))
    months: Mapped[int]
    final: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime]


# ---- approval: what a manager or the gm decides about a month's score --------------------------------

class Adjustment(db.Model):
    """Bonus or penalty points proposed by a manager; only approved ones (by a gm) count."""

    __tablename__ = "adjustments"
    __table_args__ = (Index("ix_adjustments_engineer_month", "engineer_id", "month"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    points: Mapped[object] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))  # why the gm rejected it


class Veto(db.Model):
    """一票否决: the month's total is 0."""

    __tablename__ = "vetoes"
    __table_args__ = (UniqueConstraint("engineer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class Interview(db.Model):
    """绩效面谈: the performance interview a manager holds before approval."""

    __tablename__ = "interviews"
    __table_args__ = (Index("ix_interviews_engineer_month", "engineer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    notes: Mapped[str] = mapped_column(Text)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    held_at: Mapped[datetime]


class Outcome(db.Model):
    """What a leader decided from the month's appraisal, among the template's outcomes (form 9's 晋升意见:
    转正, 续签劳动合同, 升职, 降职, 提薪/降薪, 辞退), with the particulars (升职至 — 任 主管, 自 2027-01 起)."""

    __tablename__ = "score_outcomes"
    __table_args__ = (UniqueConstraint("engineer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    decision: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]


class SelfAssessment(db.Model):
    """自评: the engineer's own points for each line of the month (form 7's 自评 column and 综合绩效考核自评分),
    shown beside the final score; it changes no score. `points` is JSON {indicator code: "points"}."""

    __tablename__ = "self_assessments"
    __table_args__ = (UniqueConstraint("engineer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[Month] = mapped_column(MonthColumn)
    points: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime]
