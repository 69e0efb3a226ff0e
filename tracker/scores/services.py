"""Monthly scores: facts from the records, evaluated by the template in force, stored with their explained lines.

compute_month evaluates every engineer in memory first, then writes all rows of the month under a per-month lock
and flushes; its caller (view, API handler, command or job) commits that month as one transaction, or rolls it back
on an error, so the scores stored before stay as they were. Period (mid-year, annual) scores average the stored totals.

A draft keeps a digest of what it was computed from (`Score.inputs_digest`: the engineer's facts, the template
version's text, the bonus base and the code that scores and stores them). Evaluation is a function of those alone,
so a recompute that finds an engineer's digest unchanged stamps the draft's computed_at and writes nothing else.
"""

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, false, func, select, update
from sqlalchemy.orm import selectinload

from tracker.audit import AuditEvent
from tracker.auth.access import listed_engineer, scope_filter
from tracker.auth.models import User
from tracker.errors import Conflict, Invalid
from tracker.extensions import db
from tracker import audit, language, locking
from tracker.itinerary.models import MonthSubmission
from tracker.notifications import services as notifications
from tracker.notifications.models import Notification
from tracker.idlist import among
from tracker.memory import no_cycle_collection
from tracker.scores import bulk
from tracker.scores.facts import month_facts
from tracker.scores.models import Score, ScoreLine
from tracker.scores.templates_store import TemplatesInForce, ensure_presets
from tracker.scoring import messages, periods
from tracker.scoring.engine import evaluate
from tracker.scoring.errors import FactsError, TemplateError
from tracker.scoring.decimals import VALUE_PLACES, round2
from tracker.scoring.month import Month
from tracker.values import month_arg

REMINDER = "month_reminder"
SCORE_FIELDS = ("template_id", "eligible", "quantitative", "qualitative", "adjustments", "vetoed", "total", "grade",
                "bonus", "status", "stale", "computed_at", "approved_at", "approved_by_id", "inputs_digest")
INELIGIBLE = "ineligible"  # the inputs digest of a row that is not assessed (it has no scores to compute)


def as_of(month, now):
    """The moment a month is judged at: now, or the end of the month (00:00 of the next month's 1st) once past."""
    _first, nxt = month_arg(month).bounds()
    return min(now, datetime.combine(nxt, time()))


def is_eligible(user, month):
    """Assessed in month: six months after hire (month-end rule), or confirmed early from an earlier month."""
    return periods.eligible(user.hire_date, month, user.early_confirmation_month)


def assessed(user, month, score):
    """Whether `user` is assessed in `month`: as their stored score of it says, else (a month never computed) as
    the rule says now. Every page, sheet and check asks this, not the two halves."""
    return score.eligible if score is not None else is_eligible(user, month)


def scored_engineers(engineer_ids=None, month=None):
    """The active engineers as stored now, and with `month` also those deactivated with a draft of that month (one
    who left during it is still scored, approved and paid for it): a row this session loaded before another
    request changed it (a bonus base, a hire date committed while this one waited for the month's lock) is read
    again, not taken from the session's identity map."""
    scored = exists().where(Score.engineer_id == User.id, Score.month == month, Score.status == "draft")
    query = select(User).where(listed_engineer(scored) if month is not None
                               else and_(User.role == "engineer", User.active.is_(True))).order_by(User.id)
    if engineer_ids is not None:
        query = query.where(User.id.in_(sorted(set(engineer_ids))))
    return db.session.scalars(query.execution_options(populate_existing=True)).all()


# ---- computing a month ----------------------------------------------------------------------------

def compute_month(month, now, engineer_ids=None, progress=None):
    """Recompute the draft scores of `month` for the active engineers and the drafts of those who left (all, or
    those in engineer_ids); flushes.

    The caller commits the month as one transaction (the per-month lock is held until then), or rolls it back.

    Approved scores are left alone. Ineligible engineers get a row with eligible false and no scores.
    `progress(done, total)` is called as engineers are evaluated. Returns a summary dict.
    """
    month = month_arg(month)
    with no_cycle_collection():
        return _compute(month, now, engineer_ids, progress)


def compute_month_sparing(month, now):
    """compute_month for the scheduler: an engineer whose draft cannot be computed (a conflict naming them: their
    template has no version in force, an entry gives points no column holds) is left out, their draft marked stale
    for the admins to see in the run, and every other engineer's draft is computed all the same (one mistyped entry
    held back the nightly recompute and the month's close for everyone). Returns (summary, [the conflicts' messages]).
    A conflict naming nobody is raised."""
    month = month_arg(month)
    left_out, reasons = set(), []
    while True:
        engineer_ids = None if not left_out else [p.id for p in scored_engineers(None, month) if p.id not in left_out]
        try:
            summary = compute_month(month, now, engineer_ids)
            break
        except Conflict as error:
            username = error.extra.get("username")
            engineer_id = db.session.scalar(select(User.id).where(User.username == username)) if username else None
            if engineer_id is None or engineer_id in left_out:
                raise
            left_out.add(engineer_id)
            reasons.append(error.message)
    if left_out:
        db.session.execute(update(Score).where(Score.month == month, Score.status == "draft",
                                               Score.engineer_id.in_(left_out)).values(stale=True)
                           .execution_options(synchronize_session=False))
    return summary, reasons


def compute_asked(month, now, engineer_ids=None, progress=None, actor=None):
    """compute_month for someone who asks for it (the API, the month's page, the `compute` command): a month after
    the current one has nothing to score yet (422); a manager computes the own team, the gm and admin everyone; the
    `actor` who asked is in the audit log. The jobs and the live drafts call compute_month itself."""
    month = month_arg(month)
    if month > Month.of(now.date()):
        raise Invalid.field("month", _("不能计算未来月份的得分"))
    if actor is not None and actor.role == "manager":
        engineer_ids = [person.id for person in engineers_in_scope(actor)]
    summary = compute_month(month, now, engineer_ids, progress)
    if actor is not None:
        audit.record(actor, "scores.compute", str(month), f"{summary['computed']} computed", at=now)
    return summary


def scoring_began(today_month):
    """The first month anyone was scored in; on an instance that has scored nobody yet, the month before
    `today_month` (the one its first close computes). The months before it were not assessed in Tracker."""
    first = db.session.scalar(select(func.min(Score.month)))
    return Month.parse(str(first)) if first is not None else today_month.previous()


def _compute(month, now, engineer_ids, progress):
    ensure_presets(now)
    # the month's lock before anything is read: a second transaction changing the same month waits for the first to
    # commit and then reads its change (PostgreSQL reads what was committed when each statement starts), so two
    # changes at once both reach the draft (and a change of the calendar or the templates, which marks drafts stale,
    # waits for the computation, or is read by it: tracker.locking.lock_month)
    _lock(month)
    people = scored_engineers(engineer_ids, month)
    approved = set(db.session.scalars(select(Score.engineer_id).where(
        Score.month == month, Score.status == "approved", Score.engineer_id.in_([p.id for p in people]))))
    people = [person for person in people if person.id not in approved]
    assessed = [person for person in people if is_eligible(person, month)]
    templates = TemplatesInForce(month)
    business = any(templates.uses_business_hours(templates.row_for(person)) for person in assessed)
    facts = month_facts([person.id for person in assessed], month, as_of(month, now), business_hours=business)
    digests = _Digests(templates)
    inputs = {person.id: digests.of(person, facts[person.id]) if person.id in facts else INELIGIBLE
              for person in people}
    unchanged = _unchanged(month, inputs)
    results, memo, storable = [], {}, _Storable(month)
    for done, person in enumerate(people, 1):
        if person.id not in unchanged:
            result = _evaluate(person, month, templates, facts.get(person.id), memo, inputs[person.id])
            storable.check(person, result.evaluation)
            results.append(result)
        if progress is not None:
            progress(done, len(people))
    written = _store(month, results, now) + _touch(unchanged, now)
    db.session.flush()
    pending = sum(1 for r in results if r.eligible and r.evaluation is not None and r.evaluation.total is None)
    pending += sum(1 for engineer_id, (_score_id, total) in unchanged.items()
                   if total is None and inputs[engineer_id] != INELIGIBLE)
    return {"month": month, "computed": written, "eligible": len(assessed), "ineligible": len(people) - len(assessed),
            "pending": pending, "approved": len(approved), "skipped": len(people) - written}


@functools.cache
def _code_digest():
    """A digest of the code an evaluation and its stored rows follow from (tracker/scoring and this module): an
    upgrade that changes it recomputes every draft once."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(messages.__file__).parent.rglob("*.py")) + [Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _Digests:
    """The digest of what an engineer's evaluation follows from: the code, the template version in force (its
    stored text), the bonus base and the facts. repr is exact for the facts' values (str, int, bool, None, dates,
    Decimal with its exponent); facts written differently only cost a recompute."""

    def __init__(self, templates):
        self._templates, self._bodies = templates, {}

    def of(self, person, facts):
        row = self._templates.row_for(person)
        body = self._bodies.get(row.id)
        if body is None:
            body = self._bodies[row.id] = hashlib.blake2b(row.body.encode(), digest_size=16).hexdigest()
        text = repr((_code_digest(), row.id, body, person.bonus_base, facts))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _unchanged(month, inputs):
    """{engineer_id: (score id, total)} of the month's drafts computed from exactly these inputs ({engineer_id:
    digest})."""
    if not inputs:
        return {}
    rows = db.session.execute(select(Score.engineer_id, Score.id, Score.inputs_digest, Score.total).where(
        Score.month == month, Score.status == "draft", among(Score.engineer_id, inputs)))
    return {engineer_id: (score_id, total) for engineer_id, score_id, digest, total in rows
            if digest is not None and digest == inputs[engineer_id]}


def _touch(unchanged, now):
    """Stamp the unchanged drafts as computed now (their values and lines are what a compute now gives)."""
    if unchanged:
        ids = [score_id for score_id, _total in unchanged.values()]
        db.session.execute(update(Score).where(among(Score.id, ids), Score.status == "draft")
                           .values(computed_at=now, stale=False).execution_options(synchronize_session=False))
    return len(unchanged)


@dataclass(frozen=True)
class _Result:
    engineer_id: int
    eligible: bool
    template_id: int | None
    evaluation: object
    inputs_digest: str | None = None


def _evaluate(person, month, templates, facts, memo=None, inputs_digest=None):
    """One engineer's evaluation (None when not eligible); a template or facts the engine refuses: 409. `memo`:
    the engine's, kept over the engineers of one computation; `inputs_digest`: stored with the score."""
    if facts is None:
        return _Result(person.id, False, None, None, inputs_digest)
    row = templates.row_for(person)
    try:
        evaluation = evaluate(templates.parsed(row), facts, bonus_base=Decimal(person.bonus_base or 0), memo=memo)
    except (FactsError, TemplateError) as error:
        raise Conflict(_("无法计算 %(name)s 的 %(month)s 得分：%(error)s", name=person.username, month=month,
                         error=error.in_language(language.current()) if isinstance(error, FactsError)
                         else str(error)), username=person.username) from None
    return _Result(person.id, True, row.id, evaluation, inputs_digest)


# what the score columns hold (Numeric(8, 2), the bonus Numeric(12, 2)) after rounding half up to 2 places
POINTS_LIMIT = Decimal("999999.995")
BONUS_LIMIT = Decimal("9999999999.995")


class _Storable:
    """Refuses, before anything of the month is written, an evaluation with a number its column cannot hold (409
    naming the engineer and the indicator): PostgreSQL would fail the whole month on it, SQLite store it as it
    comes. A template's max is bounded when it is stored; a rule without a floor fed a huge entry is not. A line
    the engine's memo shares with an engineer checked before is not checked again."""

    def __init__(self, month):
        self.month, self._seen = month, set()

    def check(self, person, evaluation):
        if evaluation is None:
            return
        for line in evaluation.indicators:
            if id(line.message) in self._seen:
                continue
            for value in (line.points, line.max_points, line.weight):
                if value is not None and not -POINTS_LIMIT < value < POINTS_LIMIT:
                    self._refuse(person, (line.name_en or line.name) if language.current() == "en" else line.name,
                                 value)
            self._seen.add(id(line.message))
        e = evaluation
        for value in (e.quantitative, e.qualitative, e.adjustments, e.total):
            if value is not None and value.is_finite() and not -POINTS_LIMIT < value < POINTS_LIMIT:
                self._refuse(person, _("总分"), value)
        if e.bonus is not None and not -BONUS_LIMIT < e.bonus < BONUS_LIMIT:
            self._refuse(person, _("绩效奖金"), e.bonus)

    def _refuse(self, person, what, value):
        raise Conflict(_("无法计算 %(name)s 的 %(month)s 得分：%(what)s 为 %(value)s，超出可存储的范围（绝对值须小于 "
                         "1000000）；请检查模板的规则或录入的数值", name=person.username, month=self.month, what=what,
                         value=value), username=person.username)


def _plain(value):
    """A measured value as JSON-ready data: Decimals rounded half up to 4 places, so a share keeps its
    hundredths of a percent (an infinite ratio: null)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        rounded = value.quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)
        return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# The C encoder walks values and record ids; a Decimal reaches _plain (its `default`) and is written as _plain's
# number: the same JSON as json.dumps(_plain(value), ...), without rebuilding every dict and list in Python.
_VALUES = json.JSONEncoder(default=_plain, ensure_ascii=False, sort_keys=True)


def _dumps(value):
    return None if value is None else _VALUES.encode(value)


_RECORD_IDS = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # {table: [ids]}: str keys, int ids


def _score_values(result, month, now):
    values = {"engineer_id": result.engineer_id, "month": month, "template_id": result.template_id,
              "eligible": result.eligible, "quantitative": None, "qualitative": None, "adjustments": None,
              "vetoed": False, "total": None, "grade": None, "bonus": None, "status": "draft", "stale": False,
              "computed_at": now, "approved_at": None, "approved_by_id": None, "inputs_digest": result.inputs_digest}
    e = result.evaluation
    if e is not None:
        values.update(quantitative=round2(e.quantitative), qualitative=round2(e.qualitative),
                      adjustments=round2(e.adjustments), vetoed=e.vetoed, total=round2(e.total), grade=e.grade,
                      bonus=round2(e.bonus))
    return values


class _Lines:
    """A month's indicator lines as rows of LINE_COLUMNS, in the form the database driver takes. What a line shares
    with others (all but its score, position and record ids: the engine's memo hands engineers with the same
    measure the same outcome and message) is converted once, keyed by the message's identity; it keeps each
    message it saw, so an id is never reused while it lives."""

    def __init__(self):
        self._shared = {}
        self._convert = bulk.converter(ScoreLine.__table__, SHARED_COLUMNS)

    def row(self, score_id, position, line):
        shared = self._shared.get(id(line.message))
        if shared is None:
            shared = self._convert((line.code, line.name, line.name_en, line.applies, line.missing,
                                    _dumps(line.value), round2(line.points), round2(line.max_points),
                                    round2(line.weight), messages.dumps(line.message), None, None))
            self._shared[id(line.message)] = (line.message, shared)
        else:
            shared = shared[1]
        return (score_id, position, *shared, _RECORD_IDS.encode(line.record_ids or {}))


def _lock(month):
    """Serialise the writes of one month (tracker.locking.lock_month)."""
    locking.lock_month(month_arg(month))


def is_approved(engineer, month):
    """Whether the engineer's score of the month is approved (as stored now)."""
    return db.session.scalar(select(Score.status).where(Score.engineer_id == engineer.id,
                                                        Score.month == month_arg(month))) == "approved"


def ensure_not_approved(engineer, month):
    """409 once the engineer's score of the month is approved: what it was computed from is final. Takes the month's
    lock first and reads the status as stored now, so an approval at the same moment either sees the caller's change
    or refuses it (tracker.locking)."""
    month = month_arg(month)
    _lock(month)
    if is_approved(engineer, month):
        raise Conflict(_("%(month)s 的考核结果已审批，不能再修改", month=month), month=month)


def _store(month, results, now):
    """Upsert the score rows of `results` (drafts only) and replace their lines, in bulk; returns how many were
    written. The caller holds the month's lock."""
    if not results:
        return 0
    rows = [_score_values(result, month, now) for result in sorted(results, key=lambda r: r.engineer_id)]
    written = {engineer_id: score_id for engineer_id, _month, score_id in
               bulk.upsert(Score.__table__, rows, ("engineer_id", "month"), SCORE_FIELDS, draft_only=True)}
    if not written:
        return 0
    lines, rows = _Lines(), []  # ineligible: no lines
    for result in results:
        score_id = written.get(result.engineer_id)
        if score_id is not None and result.evaluation is not None:
            rows += [lines.row(score_id, position, line)
                     for position, line in enumerate(result.evaluation.indicators, start=1)]
    table = ScoreLine.__table__
    db.session.execute(delete(table).where(among(table.c.score_id, written.values())))
    bulk.insert_rows(table, LINE_COLUMNS, rows)
    return len(written)


SHARED_COLUMNS = ("code", "name", "name_en", "applies", "missing", "value", "points", "max_points", "weight",
                  "message", "explanation", "explanation_en")
LINE_COLUMNS = ("score_id", "position", *SHARED_COLUMNS, "record_ids")  # the others need no conversion


# ---- reading scores -------------------------------------------------------------------------------

def engineers_in_scope(viewer, months_of=()):
    """The engineers the viewer may see, by name: the active ones, and anyone scored in one of months_of (who left, or
    is no longer an engineer, since)."""
    shown = listed_engineer(exists().where(Score.engineer_id == User.id, Score.month.in_(list(months_of)))
                            if months_of else false())
    return db.session.scalars(select(User).where(shown, scope_filter(viewer, User.id))
                              .order_by(User.display_name, User.username)).all()


def stored_scores(engineer_ids, month):
    """{engineer_id: Score with its lines} of one month."""
    if not engineer_ids:
        return {}
    rows = db.session.scalars(select(Score).options(selectinload(Score.lines))
                              .where(Score.month == month, Score.engineer_id.in_(list(engineer_ids))))
    return {row.engineer_id: row for row in rows}


def score_history(engineer, month):
    """(AuditEvent, actor User or None) of the engineer's month, oldest first: submission, adjustments, veto,
    interview, approval, reopening."""
    return db.session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject == audit.month_subject(engineer, month)).order_by(AuditEvent.at, AuditEvent.id)).all()


def line_value(line):
    """The stored measured value (numbers as floats: they are shown as stored, not rounded again)."""
    return None if line.value is None else json.loads(line.value)


def line_record_ids(line):
    return json.loads(line.record_ids) if line.record_ids else {}


# ---- reminders --------------------------------------------------------------------------------------

def remind_unsubmitted(month, now):
    """Notify (in the app) each active engineer employed in `month` who has not submitted it; once per month.

    Returns the number of reminders added. The caller commits.
    """
    month = month_arg(month)
    submitted = exists().where(MonthSubmission.engineer_id == User.id, MonthSubmission.month == month)
    reminded = exists().where(Notification.user_id == User.id, Notification.kind == REMINDER,
                              Notification.detail == month)
    people = db.session.scalars(select(User.id).where(
        User.role == "engineer", User.active.is_(True), User.employed_in(month),
        ~submitted, ~reminded).order_by(User.id)).all()
    engineers = db.session.scalars(select(User).where(User.id.in_(people)).order_by(User.id)).all()
    notifications.notify(REMINDER, engineers, None, now, month=month, detail=month)
    return len(people)
