"""KPI templates in the database: the bundled presets copied in as versions, and the template in force per person.

A template code has versions; each starts at its `effective_from` month. A month is scored with the latest
version whose effective_from is not after it, so a changed template never rewrites the months before it.
"""

import json

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.audit import AuditEvent
from tracker.errors import Conflict
from tracker.extensions import db
from tracker.scores.models import KpiTemplate, Score, TemplateAssignment
from tracker.scoring.errors import TemplateError
from tracker.scoring.presets import PRESETS, bundled_presets
from tracker.scoring.template import load_template
from tracker.scoring.month import Month

DEFAULT_CODE = "engineer_monthly"
# keys the store sets itself: they say when a version applies, not what it scores
_BOOKKEEPING = ("version", "effective_from")


def _content(body):
    """A template dict as canonical JSON without its bookkeeping keys: equal text means equal scoring."""
    return json.dumps({k: v for k, v in body.items() if k not in _BOOKKEEPING}, sort_keys=True, ensure_ascii=False,
                      default=str)


def _latest(code):
    """The stored version of a code with the highest number, or None."""
    return db.session.scalar(select(KpiTemplate).where(KpiTemplate.code == code)
                             .order_by(KpiTemplate.version.desc()).limit(1))


def store_template(data, now, latest=None):
    """Add `data` as a new version of its code unless the latest stored version scores the same; returns the row.

    A new code starts at its own effective_from. A changed one starts at its effective_from when that is later
    than the current version's, else at the current month (the months already scored keep their version).
    The caller commits.
    """
    template = load_template(data, storing=True)  # refuse what could never be evaluated, or break CONTRACT 7
    if latest is None:
        latest = _latest(template.code)
    if latest is not None and _content(json.loads(latest.body)) == _content(data):
        return latest
    if latest is None:
        version, effective_from = template.version, template.effective_from
    else:
        version = latest.version + 1
        effective_from = (template.effective_from if template.effective_from > latest.effective_from
                          else max(Month.of(now.date()), latest.effective_from))
    body = dict(data, version=version, effective_from=effective_from)
    row = KpiTemplate(code=template.code, version=version, effective_from=effective_from, name=template.name.zh,
                      name_en=template.name.en, role=template.role,
                      body=json.dumps(body, ensure_ascii=False, sort_keys=True, default=str), loaded_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def sync_presets(now, directory=PRESETS, held=None):
    """Copy the presets (tracker/presets/*.yaml) into kpi_templates; idempotent. Returns the codes that got a new version.

    A preset becomes a new version only when its content was never stored under its code: a file changed by an
    upgrade is loaded once, and a version an administrator stored since is not overwritten by the file it came
    from. Nor is it overridden by a newer file: while the latest version of a code is one a person stored (the
    editor, the API), an upgrade's change to that preset is not applied (its code is added to `held`, so that
    init-db can say so). The caller commits.
    """
    latest, stored = {}, {}
    for row in db.session.scalars(select(KpiTemplate).order_by(KpiTemplate.code, KpiTemplate.version)):
        latest[row.code] = row
        stored.setdefault(row.code, set()).add(_content(json.loads(row.body)))
    added = []
    for code, data in bundled_presets(directory).items():
        if _content(data) in stored.get(code, ()):
            continue
        if code in latest and _stored_by_someone(latest[code]):
            if held is not None:
                held.append(code)
            continue
        store_template(data, now, latest.get(code))
        added.append(code)
    return added


def _stored_by_someone(row):
    """True when a person stored this version (its creation is in the audit log with an actor; init-db has none)."""
    return db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.record_type == KpiTemplate.__tablename__, AuditEvent.record_id == str(row.id),
        AuditEvent.kind == "create", AuditEvent.actor_id.is_not(None)).limit(1)) is not None


def only_presets():
    """True when every stored template version is one of the bundled presets as `init-db` loads them (nothing an
    administrator stored): such a database holds no data of its own yet."""
    bundled = {code: _content(data) for code, data in bundled_presets().items()}
    return all(bundled.get(code) == _content(json.loads(body))
               for code, body in db.session.execute(select(KpiTemplate.code, KpiTemplate.body)))


def ensure_presets(now):
    """Load the presets when no template is stored at all (a database set up without init-db); flushes.

    In a savepoint: when another process loads them at the same moment, theirs stay and the caller's transaction
    goes on. The caller commits.
    """
    if db.session.scalar(select(KpiTemplate.id).limit(1)) is not None:
        return
    try:
        with db.session.begin_nested():
            sync_presets(now)
    except IntegrityError:  # another process loaded them at the same moment
        pass


class TemplatesInForce:
    """The template versions in force in one month, read in one query, each parsed once."""

    def __init__(self, month):
        self.month = month
        rows = db.session.scalars(select(KpiTemplate).where(KpiTemplate.effective_from <= month)
                                  .order_by(KpiTemplate.code, KpiTemplate.version))
        self.by_code = {}
        for row in rows:  # the latest version that has started is the one in force
            self.by_code[row.code] = row
        self._parsed = {}
        self._business = {}
        self._by_role = {}
        self._assigned = None

    def assigned(self, user):
        """The template code assigned to the person for this month (None: their role's)."""
        if self._assigned is None:  # the latest assignment from this month or before, per engineer, in one query
            self._assigned = {}
            for engineer_id, code in db.session.execute(
                    select(TemplateAssignment.engineer_id, TemplateAssignment.code)
                    .where(TemplateAssignment.from_month <= self.month)
                    .order_by(TemplateAssignment.engineer_id, TemplateAssignment.from_month)):
                self._assigned[engineer_id] = code
        return self._assigned.get(user.id, user.kpi_template)

    def row_for(self, user):
        """The KpiTemplate row for a person: the code assigned to them for the month, else the one for their role,
        else the default."""
        code = self.assigned(user)
        if code is None:
            code = self._by_role.get(user.role)
            if code is None:
                by_role = sorted(c for c, row in self.by_code.items() if row.role == user.role)
                code = self._by_role[user.role] = by_role[0] if by_role else DEFAULT_CODE
        row = self.by_code.get(code)
        if row is None:
            raise Conflict(_("%(name)s 的考核模板 %(code)s 在 %(month)s 没有生效的版本", name=user.username, code=code,
                             month=self.month), template=code, username=user.username)
        return row

    def uses_business_hours(self, row):
        """True when the template measures any time in business hours (its facts then need every order's times)."""
        if row.id not in self._business:
            self._business[row.id] = _mentions(json.loads(row.body), "clock", "business")
        return self._business[row.id]

    def parsed(self, row):
        """The checked Template of a row; a stored body that no longer loads is a conflict naming it."""
        if row.id not in self._parsed:
            try:
                self._parsed[row.id] = load_template(json.loads(row.body))
            except (TemplateError, ValueError, TypeError) as error:
                raise Conflict(_("考核模板 %(code)s 第 %(version)s 版无法使用：%(error)s", code=row.code,
                                 version=row.version, error=str(error)), template=row.code) from None
        return self._parsed[row.id]


def approved_on(month, engineer_ids=None):
    """{engineer_id: KpiTemplate} of the month's approved scores (of these engineers): the version each was approved
    on, which the month keeps whatever is assigned since."""
    query = (select(Score.engineer_id, KpiTemplate).join(KpiTemplate, Score.template_id == KpiTemplate.id)
             .where(Score.month == month, Score.status == "approved"))
    if engineer_ids is not None:
        query = query.where(Score.engineer_id.in_(engineer_ids))
    return dict(db.session.execute(query).all())


def template_for(user, month):
    """The KpiTemplate row in force for `user` in `month` ("YYYY-MM")."""
    return TemplatesInForce(month).row_for(user)


def _mentions(data, key, value):
    """True when a nested dict/list structure holds `key: value` anywhere."""
    if isinstance(data, dict):
        return data.get(key) == value or any(_mentions(v, key, value) for v in data.values())
    if isinstance(data, list):
        return any(_mentions(v, key, value) for v in data)
    return False
