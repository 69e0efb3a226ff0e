"""New template versions, their diff against the previous one, and the what-if preview (which stores nothing).

A new version is checked by scoring.template.load_template, the loader of the YAML presets, so the editor can
never store what the scorer would refuse; its errors come back per field. A version starts at a chosen month,
never before the current one, so the months already scored keep the version they were scored with.
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from tracker import language, locking
from tracker import validation
from tracker.auth.models import User
from tracker.editor.models import HiddenTemplate
from tracker.errors import Conflict, Invalid, NotFound
from tracker.extensions import db
from tracker.scores import live
from tracker.scores import services as scores
from tracker.scores.facts import month_facts
from tracker.scores.models import KpiTemplate, Score, TemplateAssignment
from tracker.scores.templates_store import TemplatesInForce, store_template
from tracker.reviews.specs import entry_specs
from tracker.scoring.decimals import ZERO, round2
from tracker.scoring.engine import evaluate
from tracker.scoring.errors import FactsError, TemplateError
from tracker.scoring.template import CODE_RE, load_template
from tracker.scoring.fields import CODE_MAX, NAME_MAX
from tracker.scoring.month import Month
from tracker.values import month_arg

MAX_BODY = 100_000  # characters of a template as stored (JSON); a form's template is about 10,000
TEMPLATE_DEPTH_MAX = validation.DEPTH_MAX - 1  # as deep as a template can be in an API body ({"body": ...})
NUMBER_MAX = Decimal(10) ** 15  # no template number comes near it; one of 4,300 digits cannot even be stored as JSON


def latest_version(code):
    row = db.session.scalar(select(KpiTemplate).where(KpiTemplate.code == code)
                            .order_by(KpiTemplate.version.desc()).limit(1))
    if row is None:
        raise NotFound(_("没有这个考核模板：%(code)s", code=code), template=code)
    return row


def version_of(code, version):
    row = None
    if 0 < version <= validation.INT_MAX:  # beyond the integer column nothing exists (PostgreSQL would refuse it)
        row = db.session.scalar(select(KpiTemplate).where(KpiTemplate.code == code, KpiTemplate.version == version))
    if row is None:
        raise NotFound(_("没有这个模板版本：%(code)s 第 %(version)s 版", code=code, version=version), template=code)
    return row


def body_of(row):
    return json.loads(row.body)


def _plain(value, path="body"):
    """JSON-ready data: Decimals (from JSON bodies) as ints or floats written as the literal was; a number that is
    not finite or not below 10¹⁵ in size is refused (422 naming its path)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or number.copy_abs() >= NUMBER_MAX:  # abs() rounds: 1e9999999 overflowed
            raise Invalid.field(path, _("数字超出范围（绝对值须小于 10¹⁵）"))
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(str(value))
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def template_errors(error):
    """The loader's errors as {field path: message} in the reader's language (one entry per field; '' for the
    template as a whole)."""
    if isinstance(error, TemplateError) and error.errors:
        return {str(path): message for path, message in error.messages(language.current()).items()}
    text = str(error)
    path, sep, message = text.partition(": ")
    return {path: message} if sep and " " not in path else {"": text}


def check(code, data, effective_from, now):
    """(Template, data ready to store) or Invalid with a message per field; nothing is written. The editor's text
    and the API's body meet one limit of size and nesting (the API stored what the editor could not save again)."""
    if validation.depth(data) > TEMPLATE_DEPTH_MAX:  # before _plain walks it by recursion
        raise Invalid.field("body", _("模板嵌套超过 %(n)s 层", n=TEMPLATE_DEPTH_MAX))
    data = _plain(data)
    if len(json.dumps(data, ensure_ascii=False, default=str)) > MAX_BODY:
        raise Invalid.field("body", _("模板内容太长"))
    effective_from = month_arg(effective_from, field="effective_from")
    current = Month.of(now.date())
    if effective_from < current:
        raise Invalid.field("effective_from", _("生效月份不能早于本月（%(month)s）：已计算的月份不会改变", month=current))
    if data.get("code", code) != code:
        raise Invalid.field("code", _("模板代码须为 %(code)s", code=code))
    data = dict(data, code=code, effective_from=effective_from, version=data.get("version") or 1)
    _check_role(code, data.get("role"))
    try:
        template = load_template(data, storing=True)
    except TemplateError as error:
        fields = template_errors(error)
        raise Invalid(_("模板有 %(n)s 处错误", n=len(fields)), {f"body.{k}" if k else "body": v
                                                              for k, v in fields.items()}) from None
    return template, data


def _check_role(code, role):
    """`role` makes a template the default of the engineers without one of their own: only engineers are assessed,
    and one template holds it (with two, the first by code took every unassigned engineer without a word)."""
    if role in (None, ""):
        return
    if role != "engineer":
        raise Invalid.field("body.role", _("role 只能是 engineer（未指定模板的工程师的默认模板），或不填"))
    latest = dict(db.session.execute(select(KpiTemplate.code, KpiTemplate.role).order_by(KpiTemplate.version)).all())
    holder = next((other for other, claimed in sorted(latest.items()) if claimed == role and other != code), None)
    if holder is not None:
        raise Invalid.field("body.role", _("模板 %(code)s 已是工程师的默认模板：一个角色只能有一个默认模板",
                                           code=holder))


def create_version(code, data, effective_from, now):
    """Store `data` as the next version of `code`, starting at `effective_from`; returns the new row.

    409 when it scores exactly like the latest version. Flushes; the caller commits.
    """
    locking.lock_templates()
    latest = latest_version(code)
    template, data = check(code, data, effective_from, now)
    holder = _name_holder(data.get("name"), code)
    if holder is not None:  # as a copy may not take another's name, a version may not rename it into one
        raise Invalid.field("body.name", _("模板 %(code)s 已叫这个名称", code=holder))
    if effective_from < latest.effective_from:
        raise Invalid.field("effective_from", _("生效月份不能早于当前版本的生效月份 %(month)s",
                                                month=latest.effective_from))
    if data["effective_from"] <= Month.of(now.date()):  # the month already has records: each must still score
        _scored(template, code, effective_from, now)
    row = store_template(data, now, latest)
    if row.id == latest.id:
        raise Conflict(_("与第 %(version)s 版的计分完全相同，没有保存新版本", version=latest.version))
    if row.effective_from != effective_from:  # the store starts a changed version no earlier than now
        row.effective_from = effective_from
        body = json.loads(row.body)
        body["effective_from"] = effective_from
        row.body = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
    db.session.flush()
    return row


def _name_holder(name, code):
    """The code of another template one of whose versions is called `name`, or None: score pages and sheets name a
    template by its name, and two of one name could not be told apart."""
    return db.session.scalar(select(KpiTemplate.code).where(KpiTemplate.name == name, KpiTemplate.code != code)
                             .order_by(KpiTemplate.code).limit(1))


def copy_template(code, new_code, name, now):
    """A new template `new_code` called `name` whose first version is the latest version of `code` (what it scores,
    from the month that version starts); no role default (it is assigned on the assignment page). Returns its row.
    Invalid on the field for a code that is taken or malformed, or a name the naming rule refuses or another template
    has. Flushes; the caller commits."""
    locking.lock_templates()
    latest = latest_version(code)
    new_code = (new_code or "").strip()
    faults = {}
    if not CODE_RE.match(new_code) or len(new_code) > CODE_MAX:
        faults["new_code"] = _("模板代码须为小写字母开头的小写字母、数字和下划线，最多 %(n)s 个", n=CODE_MAX)
    elif db.session.scalar(select(KpiTemplate.id).where(KpiTemplate.code == new_code).limit(1)) is not None:
        faults["new_code"] = _("已有代码为 %(code)s 的模板", code=new_code)
    try:
        name = validation.clean_text(name, "new_name", NAME_MAX, kind="name")
    except Invalid as error:
        faults.update(error.fields)
    else:
        holder = _name_holder(name, new_code)
        if holder is not None:
            faults["new_name"] = _("模板 %(code)s 已叫这个名称", code=holder)
    if faults:
        raise Invalid(_("请检查标出的栏目"), faults)
    data = dict(body_of(latest), code=new_code, name=name, version=1, role=None)
    data.pop("name_en", None)  # the original's English name would name the copy as the original
    return store_template(data, now)


def withdraw_version(code, version, now):
    """Withdraw the latest version of `code` while it is not in force yet (it starts after the current month): a
    version saved for the wrong month (2099-12) held back every new version before it, for ever. The version before
    it is the latest again; nothing was scored by the withdrawn one. Flushes; the caller commits. 404 for a version
    that does not exist (one withdrawn already), 409 otherwise."""
    locking.lock_templates()
    version_of(code, version)
    latest = latest_version(code)
    if version != latest.version:
        raise Conflict(_("只能撤回最新的版本（第 %(version)s 版）", version=latest.version))
    if latest.effective_from <= Month.of(now.date()):
        raise Conflict(_("第 %(version)s 版已自 %(month)s 起生效，不能撤回", version=latest.version,
                         month=latest.effective_from))
    if db.session.scalar(select(Score.id).where(Score.template_id == latest.id).limit(1)) is not None or \
            latest.version == 1:
        raise Conflict(_("第 %(version)s 版不能撤回", version=latest.version))
    db.session.delete(latest)
    db.session.flush()


def recompute_if_started(row, now):
    """A version that starts in the current month rescores that month's drafts now (approved ones stay), so no
    page shows a total of the version it replaced. Flushes; the caller commits the version first, then this month's
    scores as a transaction of their own (compute_month's unit of work).

    The version is stored either way: a month that cannot be computed now (an engineer's template without a
    version in force, say) has its drafts marked stale for the scheduler, whose run reports the error to the
    admins, as the live recompute does (it answered 409 for a version that was stored)."""
    current = Month.of(now.date())
    if row.effective_from > current:
        return
    try:
        scores.compute_month(current, now)
    except Conflict:
        db.session.rollback()  # this month's compute only: the caller committed the version before
        live.mark_stale({str(current)})


# ---- diff ------------------------------------------------------------------------------------------

def _flatten(value, path, out):
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) and "code" in v for v in value):
        for item in value:  # indicators and criteria by code, so a reordering is not a change of every line
            _flatten(item, f"{path}[{item['code']}]", out)
    else:
        out[path] = value
    return out


def diff(old, new):
    """[(path, old value or None, new value or None)] of what differs, bookkeeping keys left out."""
    skip = ("version", "effective_from")
    a = _flatten({k: v for k, v in old.items() if k not in skip}, "", {})
    b = _flatten({k: v for k, v in new.items() if k not in skip}, "", {})
    return [(path, a.get(path), b.get(path)) for path in sorted(set(a) | set(b)) if a.get(path) != b.get(path)]


# ---- what-if -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    username: str
    display_name: str
    old: dict  # quantitative, total, grade, bonus as stored (None: not computed)
    new: dict  # the same computed with the new version


def what_if(code, data, month, now):
    """Each engineer scored with `code` in `month`: stored Q, T, grade, bonus against the new version's, and the
    department totals. Reads only: nothing is stored or flushed."""
    month = month_arg(month)
    if month > Month.of(now.date()):
        raise Invalid.field("month", _("只能预览已开始的月份"))
    template, _data = check(code, data, max(month, Month.of(now.date())), now)
    results = _scored(template, code, month, now, field="body")
    people = [person for person, _result in results]
    stored = {s.engineer_id: s for s in db.session.scalars(
        select(Score).where(Score.month == month, Score.engineer_id.in_([p.id for p in people])))} if people else {}
    rows = []
    for person, result in results:
        score = stored.get(person.id)
        old = {"quantitative": score.quantitative if score else None, "total": score.total if score else None,
               "grade": score.grade if score else None, "bonus": score.bonus if score else None}
        new = {"quantitative": round2(result.quantitative), "total": round2(result.total), "grade": result.grade,
               "bonus": round2(result.bonus)}
        rows.append(Comparison(person.username, person.display_name, old, new))
    return rows, totals(rows)


def _assessed_with(code, month):
    """The active engineers assessed in `month` with the template `code` in force for them, by name."""
    in_force = TemplatesInForce(month)
    people = []
    for person in db.session.scalars(select(User).where(User.role == "engineer", User.active.is_(True))
                                     .order_by(User.display_name, User.username)):
        try:
            row = in_force.row_for(person)
        except Conflict:
            continue
        if row.code == code and scores.is_eligible(person, month):
            people.append(person)
    return people


def preview_month(code, now):
    """The month a preview starts from: the last one, unless nobody assessed used the template then and someone
    does this month (a template just assigned from this month: the preview said to assign it first)."""
    current = Month.of(now.date())
    if not _assessed_with(code, current.previous()) and _assessed_with(code, current):
        return current
    return current.previous()


def _scored(template, code, month, now, field="body"):
    """[(engineer, evaluation)] of the engineers scored with `code` in `month`, each evaluated with `template` on the
    month's records; 422 on `field` when a record cannot be scored by it (an incident of a category or indicator
    the template no longer has): stored as a version, that month could not be computed again (its drafts stale,
    approval refused) until the record was deleted."""
    people = _assessed_with(code, month)
    facts = month_facts([p.id for p in people], month, scores.as_of(month, now))
    specs = entry_specs(template)  # every line that takes hand entries, the quarterly ones too
    results = []
    for person in people:
        lost = _unscored_entry(facts[person.id], specs) if person.id in facts else None
        if lost is not None:  # it would stop counting without a word (a line renamed or dropped)
            raise Invalid.field(field, _("%(name)s 在 %(month)s 有%(what)s记录（%(key)s），这个版本没有这一项，"
                                         "记录将不再计分：请保留该指标，或先删除这些记录",
                                         name=person.display_name, month=month, what=lost[0], key=lost[1]))
        try:
            results.append((person, evaluate(template, facts[person.id],
                                             bonus_base=Decimal(person.bonus_base or 0))))
        except FactsError as error:
            raise Invalid.field(field, _("%(name)s 在 %(month)s 的记录不能按这个版本计分（%(error)s）：请保留记录所用的"
                                         "指标和类别，或先删除这些记录", name=person.display_name, month=month,
                                         error=error.in_language(language.current()))) from None
    return results


def _unscored_entry(facts, specs):
    """(kind, key) of a hand entry in one engineer's facts that no line of the template takes, or None."""
    for incident in facts["incidents"]:
        if incident["indicator"] not in specs.incidents:
            return _("扣分"), incident["indicator"]
    for kind, entered, taken in ((_("录入"), facts["metrics"], specs.metrics), (_("评分"), facts["ratings"],
                                                                               specs.ratings)):
        for key in entered:
            if key not in taken:
                return kind, key
    return None


def totals(rows):
    """Department totals: engineers, mean T and sum of bonuses, old and new, and their differences."""
    def side(key):
        values = [r.old if key == "old" else r.new for r in rows]
        with_total = [v["total"] for v in values if v["total"] is not None]
        return {"engineers": len(rows), "mean_total": round2(sum(with_total, ZERO) / len(with_total))
                if with_total else None, "bonus": round2(sum((v["bonus"] or ZERO for v in values), ZERO))}
    old, new = side("old"), side("new")
    return {"old": old, "new": new,
            "difference": {"mean_total": None if old["mean_total"] is None or new["mean_total"] is None
                           else new["mean_total"] - old["mean_total"], "bonus": new["bonus"] - old["bonus"]}}


# ---- hidden templates ------------------------------------------------------------------------------

def hidden_codes():
    """The codes an administrator hid from the lists."""
    return set(db.session.scalars(select(HiddenTemplate.code)))


def set_hidden(actor, code, hidden, now):
    """Hide a template code from the lists and the assignment choices, or show it again. Flushes."""
    latest_version(code)
    row = db.session.get(HiddenTemplate, code)
    if hidden and row is None:
        db.session.add(HiddenTemplate(code=code, hidden_by_id=actor.id, hidden_at=now))
    elif not hidden and row is not None:
        db.session.delete(row)
    db.session.flush()


# ---- which template each engineer is scored with -------------------------------------------------------------

EARLIEST = Month("2000-01")  # the first month anyone may ask for: a first assignment keeps what held before from here


def assigned_in(engineers, month):
    """{engineer id: the template code assigned for `month` (None: the role's)} and {engineer id: [(month, code)]}
    of assignments that start after it."""
    current = month_arg(month)
    in_force = TemplatesInForce(current)
    later = {}
    for engineer_id, month, code in db.session.execute(
            select(TemplateAssignment.engineer_id, TemplateAssignment.from_month, TemplateAssignment.code)
            .where(TemplateAssignment.from_month > current)
            .order_by(TemplateAssignment.engineer_id, TemplateAssignment.from_month)):
        later.setdefault(engineer_id, []).append((month, code))
    return {person.id: in_force.assigned(person) for person in engineers}, later


def _check_versions(changes, month, first_versions):
    """Every chosen template must have a version in force from `month` (a month already begun, or one a template
    saved for later only starts after): a draft without one cannot be computed. Approved months keep what they were
    approved with (compute never touches them); drafts follow."""
    late = sorted({(code, first_versions[code]) for code in changes.values()
                   if code is not None and first_versions[code] > month})
    if late:
        code, first = late[0]
        name, name_en = db.session.execute(select(KpiTemplate.name, KpiTemplate.name_en).where(
            KpiTemplate.code == code).order_by(KpiTemplate.version.desc()).limit(1)).one()
        name = (name_en or name) if language.current() == "en" else name
        raise Invalid.field("from_month", _("考核模板“%(name)s”（%(code)s）自 %(first)s 起才有版本，不能从 %(month)s 起使用",
                                            name=name, code=code, first=first, month=month))


def assign_templates(actor, changes, from_month, now):
    """Score each engineer of `changes` ({User: template code or None for the role's}) with that template from
    `from_month` on: the months before it keep the template they had, and an assignment that started at it or later
    gives way. Their drafts from that month to the current one are recomputed here. Flushes; the
    caller commits. Invalid for an unknown code, a month before a chosen template's first version, or a template that
    cannot score an engineer's records of a draft month (the caller rolls back)."""
    month = month_arg(from_month, field="from_month")
    first_versions = dict(db.session.execute(select(KpiTemplate.code, func.min(KpiTemplate.effective_from))
                                             .group_by(KpiTemplate.code)).all())
    unknown = {f"template-{person.username}": _("没有这个考核模板：%(code)s", code=code)
               for person, code in changes.items() if code is not None and code not in first_versions}
    if unknown:
        raise Invalid(_("考核模板分配有误"), unknown)
    _check_versions(changes, month, first_versions)
    for person, code in changes.items():
        first = db.session.scalar(select(TemplateAssignment.id).where(
            TemplateAssignment.engineer_id == person.id).limit(1)) is None
        if first and month > EARLIEST:  # what held for every month so far keeps holding before `month`
            db.session.add(TemplateAssignment(engineer_id=person.id, from_month=EARLIEST, code=person.kpi_template,
                                              assigned_by_id=None, assigned_at=now))
        db.session.execute(delete(TemplateAssignment).where(TemplateAssignment.engineer_id == person.id,
                                                            TemplateAssignment.from_month >= month))
        db.session.add(TemplateAssignment(engineer_id=person.id, from_month=month, code=code,
                                          assigned_by_id=actor.id, assigned_at=now))
        live.touch(person.id, live.Since(month))
    try:  # their drafts follow now: one the new template cannot score (an incident of a category it lacks) refuses
        live.settle(now, strict=True)  # the assignment, as a new version is refused (`_scored`), not left stale
    except Conflict as error:
        username = error.extra.get("username")
        if username is None:
            raise
        raise Invalid.field(f"template-{username}", _("%(error)s；请改选能为其记录计分的模板，或先删除这些记录",
                                                      error=error.message)) from None
    return len(changes)
