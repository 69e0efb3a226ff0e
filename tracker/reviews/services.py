"""Reviews and what the records can't tell (incidents, metric entries, manual ratings): rules, reads and writes.

Services take plain data, raise domain errors, add and flush; the view, API or CLI caller commits.
"""

import json
from functools import cache
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from tracker import language
from tracker.auth.access import is_leader, visible_engineers
from tracker.auth.models import User
from tracker.errors import Conflict, Forbidden, Invalid, NotFound
from tracker.extensions import db
from tracker.scores import services as scores, templates_store
from tracker.scores.models import KpiTemplate, Score
from tracker.reviews.models import Incident, MetricEntry, Rating, Review
from tracker.reviews.specs import (  # noqa: F401  (entry_specs and reads_share are read through services)
    EntrySpecs, entry_specs, quarterly_key, reads_share)
from tracker.scoring.decimals import HUNDRED
from tracker.scoring.errors import TemplateError
from tracker.scoring.presets import bundled_presets
from tracker.scoring.template import load_template
from tracker.scoring.totals import rates
from tracker.scoring.month import Month
from tracker import validation
from tracker.validation import check_number, shown_number
from tracker.values import month_arg

GROUP_NAMES = {"self": _l("本人"), "peer": _l("同事"), "leader": _l("上级")}
DEFAULT_SCALE_MAX = 5  # the default template's top rating
NOTE_MAX = 500
METRIC_MAX = Decimal("1000000000")  # metric_entries: Numeric(14, 2)


# ---- who may do what -----------------------------------------------------------------------------

def rater_group(rater, engineer):
    """self, leader or peer, decided by who the rater is (never by the request); 403 for anyone else."""
    if rater.id == engineer.id:
        return "self"
    if is_leader(rater, engineer):
        return "leader"
    if rater.role == "engineer":
        return "peer"
    raise Forbidden(_("您不能评价这位工程师"))


def require_leader(actor, engineer):
    if not is_leader(actor, engineer):
        raise Forbidden(_("只有该工程师的上级主管或总经理可以录入"))


def month_score(engineer, month):
    return db.session.scalar(select(Score).where(Score.engineer_id == engineer.id, Score.month == month))


def ensure_open(engineer, month):
    """409 once the month's score is approved: reviews and entries of that month are final."""
    scores.ensure_not_approved(engineer, month)


def _not_future(month, now, field="month"):
    if month > Month.of(now):
        raise Invalid.field(field, _("不能为尚未开始的月份录入"))


# ---- plain values ----------------------------------------------------------------------------------

def _note(value, field="note"):
    return validation.clean_text(value, field, NOTE_MAX, required=False)


# ---- reviews ---------------------------------------------------------------------------------------

def check_ratings(ratings, spec):
    """Exactly the criteria of the qualitative part `spec`, each an integer 0 to its top rating; 422 otherwise
    (nothing is guessed or rounded)."""
    codes = [code for code, _name in spec.criteria]
    if not isinstance(ratings, dict):
        raise Invalid.field("ratings", _("须为每项标准的评分"))
    unknown = sorted(str(code) for code in ratings if code not in codes)
    if unknown:
        raise Invalid.field("ratings", _("未知的评价标准：%(codes)s", codes=", ".join(unknown)))
    missing = [code for code in codes if code not in ratings]
    if missing:
        message = _("缺少评价标准：%(codes)s", codes=", ".join(missing))
        raise Invalid(message, {f"ratings.{code}": _("请评分") for code in missing})  # named by their path
    checked = {}
    lang = language.current()
    for code, name in spec.criteria:
        value = validation.whole_number(ratings[code])
        if value is None or not 0 <= value <= spec.scale_max:
            message = _("须为 0 到 %(n)s 的整数", n=spec.scale_max)
            shown = name.get(lang)  # the criterion as the form names it
            raise Invalid(f"ratings.{code}{_('（')}{shown}{_('）')}: {message}", {f"ratings.{code}": message})
        checked[code] = value
    return checked


def rater_score(ratings, scale_max):
    """A rater's score: 100 × sum / (top rating × number of criteria), exact (round2 to show); the default
    template's 100 × sum / 35."""
    if not ratings:
        return Decimal(0)
    return HUNDRED * sum(ratings.values()) / (scale_max * len(ratings))


@cache
def default_review_spec():
    """The default template's qualitative part: the seven criteria rated 0–5."""
    return load_template(bundled_presets()[templates_store.DEFAULT_CODE]).qualitative


def review_spec(engineer, month):
    """What a review of the engineer's month rates: the qualitative part of the template in force (its criteria,
    their names and the top rating); None when that template has no qualitative part; the default template's when
    no template loads."""
    return review_spec_of(current_template(engineer, month))


def templates_of(month):
    """current_template for many engineers of one month: the templates in force read once, each parsed once."""
    forces = templates_store.TemplatesInForce(month)
    approved = templates_store.approved_on(month)

    def template_for(engineer):
        try:
            return forces.parsed(approved.get(engineer.id) or forces.row_for(engineer))
        except Conflict:  # no stored version in force, or one that no longer loads: as current_template does
            return current_template(engineer, month)
    return template_for


def review_specs(month):
    """review_spec for many engineers of one month."""
    template_for = templates_of(month)
    return lambda engineer: review_spec_of(template_for(engineer))


def review_spec_of(template):
    """The qualitative part of a template (the default template's when none loads)."""
    return default_review_spec() if template is None else template.qualitative


def counted_score(review, spec):
    """A stored review's rater score under the qualitative part `spec`, or None when it counts for nothing: its
    group is not one the template counts, or it rates other criteria or on another scale (given before the
    template changed them), or the template has no qualitative part."""
    ratings = review_ratings(review)
    if not takes_review(spec, review.group) or not rates(ratings, [c for c, _n in spec.criteria], spec.scale_max):
        return None
    return rater_score(ratings, spec.scale_max)


def takes_review(spec, group):
    """True when a review from `group` counts under the qualitative part `spec` (None: the template has none)."""
    return spec is not None and group in spec.raters.groups


def review_terms(rater, engineer, month):
    """(group, spec) of the review the rater would give the engineer for the month: the group follows from who
    rates, the criteria and top rating from the template in force; 403 when that template takes no review from the
    rater's group (form 5: the leader alone; a template without a qualitative part: nobody)."""
    group = rater_group(rater, engineer)
    spec = review_spec(engineer, month)
    if spec is None:
        raise Forbidden(_("该考核模板没有定性评价"))
    if group not in spec.raters.groups:
        raise Forbidden(_("该考核模板的定性评价只由%(groups)s给出", groups=_("、").join(
            str(GROUP_NAMES[g]) for g in spec.raters.groups)))
    return group, spec


def may_review(rater, engineer, month):
    """Whether the rater could review the engineer for the month (review_terms without the 403): a page offers the
    review only then."""
    try:
        review_terms(rater, engineer, month)
    except Forbidden:
        return False
    return True


def save_review(rater, engineer, month, ratings, comment=None, *, now):
    """Create or replace the rater's review of the engineer for the month; the group follows from who rates, the
    criteria and their top rating from the template in force."""
    month = month_arg(month)
    group, spec = review_terms(rater, engineer, month)
    _not_future(month, now)  # the month first: a future month's ratings are not wrong, they are early
    checked = check_ratings(ratings, spec)
    comment = _note(comment, "comment")
    ensure_open(engineer, month)
    review = db.session.scalar(select(Review).where(Review.engineer_id == engineer.id, Review.month == month,
                                                    Review.rater_id == rater.id))
    if review is None:
        review = Review(engineer_id=engineer.id, month=month, rater_id=rater.id)
        db.session.add(review)
    review.group = group
    review.ratings = json.dumps(checked, sort_keys=True)
    review.comment = comment
    review.updated_at = now
    db.session.flush()
    return review


def review_ratings(review):
    return json.loads(review.ratings) if review is not None else {}


def reviews_of(engineer, month):
    """The month's reviews of an engineer with their raters (one query)."""
    rows = db.session.execute(select(Review, User).join(User, User.id == Review.rater_id)
                              .where(Review.engineer_id == engineer.id, Review.month == month)
                              .order_by(Review.group, User.display_name)).all()
    return [(review, rater) for review, rater in rows]


def leader_reviews(engineers, month):
    """{engineer id: [their leader reviews of the month]} of these engineers (one query)."""
    ids = [engineer.id for engineer in engineers]
    found = {}
    if ids:
        for review in db.session.scalars(select(Review).where(Review.engineer_id.in_(ids), Review.month == month,
                                                              Review.group == "leader")):
            found.setdefault(review.engineer_id, []).append(review)
    return found


def visible_reviews(viewer, engineer, month):
    """Reviews the viewer may read: all of them for a leader or admin, else only the one the viewer wrote; 403 for
    whoever may neither read nor write a review of this engineer (the back office, another team's manager), as on
    the review page."""
    rows = reviews_of(engineer, month)
    if viewer.role == "admin" or is_leader(viewer, engineer):
        return rows
    rater_group(viewer, engineer)
    return [(review, rater) for review, rater in rows if rater.id == viewer.id]


def reviewable(viewer, month):
    """Whom the viewer can review for the month, with the review already given (two queries).

    An engineer: self, then the other active engineers (the same team first); a manager: the team; gm: everyone.
    """
    if viewer.role == "engineer":
        closeness = case((User.id == viewer.id, 0), (User.supervisor_id == viewer.supervisor_id, 1), else_=2)
        query = (select(User).where(User.role == "engineer", User.active.is_(True))
                 .order_by(closeness, User.display_name, User.username))
    elif viewer.role in ("manager", "gm"):
        query = visible_engineers(viewer).where(User.active.is_(True))
    else:
        return []
    engineers = db.session.scalars(query).all()
    given = {review.engineer_id: review for review in db.session.scalars(
        select(Review).where(Review.rater_id == viewer.id, Review.month == month))}
    return [(engineer, given.get(engineer.id)) for engineer in engineers]


def month_statuses(engineers, month):
    """{engineer id: "approved" | "not_assessed" | "open"} of the month (one query): whether a review can still
    count. An approved month is final; an engineer not assessed in it has nothing a review would count in."""
    stored = {engineer_id: (status, eligible) for engineer_id, status, eligible in db.session.execute(
        select(Score.engineer_id, Score.status, Score.eligible).where(
            Score.month == month_arg(month), Score.engineer_id.in_([engineer.id for engineer in engineers])))}
    statuses = {}
    for engineer in engineers:
        status, eligible = stored.get(engineer.id, (None, None))
        if eligible is None:
            eligible = scores.is_eligible(engineer, month_arg(month))
        statuses[engineer.id] = "approved" if status == "approved" else "open" if eligible else "not_assessed"
    return statuses


# ---- templates -------------------------------------------------------------------------------------

def template_row(user, month):
    """The KpiTemplate row of the user's month: an approved score's own (a template assigned since left its reviews
    counting for nothing), else the one in force (the scores' own rule); None when none is stored."""
    approved = templates_store.approved_on(month, [user.id]).get(user.id)
    if approved is not None:
        return approved
    try:
        return templates_store.template_for(user, month)
    except Conflict:
        return None


def current_template_dict(user, month):
    """The template dict in force for the user and month; the bundled presets when the table has none for them."""
    row = template_row(user, month)
    if row is not None:
        return json.loads(row.body)
    presets = bundled_presets()
    if user.kpi_template in presets:
        return presets[user.kpi_template]
    by_role = sorted(code for code, data in presets.items() if data.get("role") == user.role)
    return presets.get(by_role[0] if by_role else templates_store.DEFAULT_CODE)


def current_template(user, month):
    """The parsed Template in force (None when there is none, or it does not load)."""
    data = current_template_dict(user, month)
    if data is None:
        return None
    try:
        return load_template(data)
    except TemplateError:
        return None


def latest_templates():
    """The latest version of each stored template code, or the bundled presets (as dicts) when none is stored."""
    latest = (select(KpiTemplate.code, func.max(KpiTemplate.version).label("version"))
              .group_by(KpiTemplate.code).subquery())
    rows = db.session.scalars(select(KpiTemplate).join(latest, and_(KpiTemplate.code == latest.c.code,
                                                                    KpiTemplate.version == latest.c.version))
                              .order_by(KpiTemplate.code)).all()
    if rows:
        return [{"code": r.code, "name": r.name, "name_en": r.name_en, "version": r.version,
                 "effective_from": r.effective_from, "role": r.role, "stored": True, "data": json.loads(r.body)}
                for r in rows]
    return [{"code": code, "name": data["name"], "name_en": data.get("name_en"), "version": data["version"],
             "effective_from": data["effective_from"], "role": data.get("role"), "stored": False, "data": data}
            for code, data in sorted(bundled_presets().items())]


def template_by_code(code, version=None):
    """(template dict, row or None) of a code: a stored version (the latest by default) or the bundled preset."""
    query = select(KpiTemplate).where(KpiTemplate.code == code)
    query = query.where(KpiTemplate.version == version) if version else query.order_by(KpiTemplate.version.desc())
    row = db.session.scalar(query.limit(1))
    if row is not None:
        return json.loads(row.body), row
    data = bundled_presets().get(code)
    if data is None or (version and data.get("version") != version):
        raise NotFound(_("没有这个考核模板：%(code)s", code=code))
    return data, None


def specs_for(engineer, month):
    """What the engineer's template for the month needs entered (its quarterly lines in quarter-end months only)."""
    return entry_specs(current_template(engineer, month), month)


def _refuse_quarterly(template, key, bucket, name, month):
    """A quarterly line's entry in a month that ends no quarter: refused as such (it was stored and never counted)."""
    if quarterly_key(template, key, bucket):
        raise Invalid.field(name, _("%(key)s 是季度指标，只在季末月份（3、6、9、12 月）录入；%(month)s 不是", key=key,
                                    month=str(month)))


def peers_rate(engineer, month):
    """Whether the engineer's template for the month has lines that other engineers (the peer group) rate."""
    return rates_lines(current_template(engineer, month), "peer")


def rates_lines(template, group):
    """Whether raters of `group` rate lines of `template` by hand (form 9's lines: self, colleagues and leader)."""
    return template is not None and group in template.raters.groups and bool(entry_specs(template).ratings)


# ---- incidents -------------------------------------------------------------------------------------

def record_incident(actor, engineer, day, indicator, category=None, amount=None, note=None, *, now):
    """Record an incident against one of the template's incident indicators; the amount must lie in its range."""
    require_leader(actor, engineer)
    if not isinstance(day, date):
        raise Invalid.field("date", _("日期格式须为 YYYY-MM-DD"))
    if day > now.date():
        raise Invalid.field("date", _("日期不能晚于今天"))
    month = Month.of(day)
    specs = specs_for(engineer, month).incidents
    spec = specs.get(indicator)
    if spec is None:
        _refuse_quarterly(current_template(engineer, month), indicator, "incidents", "indicator", month)
        allowed = ", ".join(specs) or _("（无）")
        raise Invalid.field("indicator", _("该考核模板没有按事件扣分的指标 %(code)s；可选：%(allowed)s",
                                           code=indicator, allowed=allowed))
    category = category or None
    if spec.categories:
        if category not in spec.categories:
            raise Invalid.field("category", _("请选择扣分类别：%(codes)s", codes=", ".join(spec.categories)))
        choice = spec.categories[category]
        if choice.lo == choice.hi:
            if amount is not None and check_number(amount, "amount") != choice.lo:
                raise Invalid.field("amount", _("该类别每次固定扣 %(points)s 分，不必填写分数",
                                                points=shown_number(choice.lo)))
            amount = choice.lo
        else:
            amount = check_number(amount, "amount", choice.lo, choice.hi)
    else:
        if category is not None:
            raise Invalid.field("category", _("该指标不分扣分类别"))
        if amount is not None and check_number(amount, "amount") != spec.per:
            raise Invalid.field("amount", _("该指标每次扣 %(per)s 分", per=shown_number(spec.per)))
        amount = spec.per
    note = _note(note)
    ensure_open(engineer, month)
    incident = Incident(engineer_id=engineer.id, day=day, indicator=indicator, category=category, amount=amount,
                        note=note, recorded_by_id=actor.id, recorded_at=now)
    db.session.add(incident)
    db.session.flush()
    return incident


def delete_incident(actor, incident):
    engineer = db.session.get(User, incident.engineer_id)
    require_leader(actor, engineer)
    ensure_open(engineer, Month.of(incident.day))
    db.session.delete(incident)
    db.session.flush()


def incidents_of(engineer, month):
    first, nxt = month_arg(month).bounds()
    return db.session.scalars(select(Incident).where(Incident.engineer_id == engineer.id, Incident.day >= first,
                                                     Incident.day < nxt).order_by(Incident.day, Incident.id)).all()


# ---- metric entries --------------------------------------------------------------------------------

PAST_FULL_MAX = Decimal(10)  # a completion rate entered as a share (We.Do: 90%–110%) up to 1000%


def save_metric(actor, engineer, month, key, actual, plan=None, note=None, *, now):
    """Create or replace the month's entry for a metric of the template (plan > 0 when given, actual ≥ 0)."""
    require_leader(actor, engineer)
    month = month_arg(month)
    _not_future(month, now)  # the month first: "plan required" sent the user to fill in what could not be saved
    spec = specs_for(engineer, month).metrics.get(key)
    if spec is None:
        _refuse_quarterly(current_template(engineer, month), key, "metrics", "key", month)
        allowed = ", ".join(specs_for(engineer, month).metrics) or _("（无）")
        raise Invalid.field("key", _("该考核模板没有需要录入的指标 %(key)s；可选：%(allowed)s", key=key,
                                     allowed=allowed))
    actual = check_number(actual, "actual", Decimal(0), METRIC_MAX)
    plan = check_number(plan, "plan", Decimal(0), METRIC_MAX, required=False)
    if plan is not None and plan <= 0:
        raise Invalid.field("plan", _("计划须大于 0"))
    if plan is None and spec.wants_plan:  # a completion rate: actual alone (8 solved) would read as 800%
        raise Invalid.field("plan", _("该指标按完成率（实际 ÷ 计划）计分，须填写计划"))
    if plan is None and spec.percent and actual > 1 and not spec.past_full:  # a share itself (satisfaction 150%)
        raise Invalid.field("actual", _("比率不能超过 100%"))
    if plan is None and spec.past_full and actual > PAST_FULL_MAX:  # a completion rate: 12000% is a typing slip
        raise Invalid.field("actual", _("完成率不能超过 1000%"))
    if plan is not None and not (spec.wants_plan or spec.percent):
        # a count or an amount: with a plan it would be scored as actual ÷ plan (3 errors of 10 as 0.3 errors)
        raise Invalid.field("plan", _("该指标按数量本身计分，不填计划"))
    note = _note(note)
    ensure_open(engineer, month)
    entry = db.session.scalar(select(MetricEntry).where(MetricEntry.engineer_id == engineer.id,
                                                        MetricEntry.month == month, MetricEntry.key == key))
    if entry is None:
        entry = MetricEntry(engineer_id=engineer.id, month=month, key=key)
        db.session.add(entry)
    entry.plan, entry.actual, entry.note = plan, actual, note
    entry.recorded_by_id, entry.recorded_at = actor.id, now
    db.session.flush()
    return entry


def delete_metric(actor, entry):
    engineer = db.session.get(User, entry.engineer_id)
    require_leader(actor, engineer)
    ensure_open(engineer, entry.month)
    db.session.delete(entry)
    db.session.flush()


def metrics_of(engineer, month):
    return db.session.scalars(select(MetricEntry).where(MetricEntry.engineer_id == engineer.id,
                                                        MetricEntry.month == month).order_by(MetricEntry.key)).all()


# ---- manual ratings --------------------------------------------------------------------------------

def save_rating(rater, engineer, month, key, level=None, points=None, *, now):
    """Create or replace the rater's rating of an indicator: a scale level (rating) or points in range (manual)."""
    month = month_arg(month)
    group = rater_group(rater, engineer)
    template = current_template(engineer, month)
    if template is not None and group not in template.raters.groups:
        # who rates is the template's: form 5 is scored by the leader alone
        raise Forbidden(_("该考核模板的评分只由%(groups)s给出", groups=_("、").join(
            str(GROUP_NAMES[g]) for g in template.raters.groups)))
    if group != "leader" and not entry_specs(template).ratings:
        # an engineer rates only lines of a template that has them (CONTRACT 10: hand entries are the leader's; the
        # 360 form's lines are rated by self and colleagues too); the leader is told which keys there are (422)
        raise Forbidden(_("该考核模板没有由工程师评分的指标"))
    _not_future(month, now)
    specs = entry_specs(template, month).ratings
    spec = specs.get(key)
    if spec is None:
        _refuse_quarterly(template, key, "ratings", "key", month)
        raise Invalid.field("key", _("该考核模板没有需要评分的指标 %(key)s；可选：%(allowed)s", key=key,
                                     allowed=", ".join(specs) or _("（无）")))
    if spec.rule == "rating":
        codes = [level.code for level in spec.scale]
        if points is not None:
            raise Invalid.field("points", _("该指标按等级评分，不填分数"))
        if level not in codes:  # each code with its name as the pages say it (良好 was refused by a list of codes)
            lang = language.current()
            named = [(level.code, level.name.get(lang)) for level in spec.scale]
            raise Invalid.field("level", _("请选择等级：%(codes)s", codes=", ".join(
                code if name.lower().replace(" ", "_") == code else code + _("（") + name + _("）")
                for code, name in named)))
    else:
        if level is not None and level != "":
            raise Invalid.field("level", _("该指标直接打分，不选等级"))
        level = None
        points = check_number(points, "points", spec.lo, spec.hi)
    ensure_open(engineer, month)
    rating = db.session.scalar(select(Rating).where(Rating.engineer_id == engineer.id, Rating.month == month,
                                                    Rating.key == key, Rating.rater_id == rater.id))
    if rating is None:
        rating = Rating(engineer_id=engineer.id, month=month, key=key, rater_id=rater.id)
        db.session.add(rating)
    rating.group, rating.level, rating.points, rating.recorded_at = group, level, points, now
    db.session.flush()
    return rating


def delete_rating(actor, rating):
    """The rater takes back their own rating; a leader of the engineer may remove any."""
    engineer = db.session.get(User, rating.engineer_id)
    if actor.id != rating.rater_id and not is_leader(actor, engineer):
        raise Forbidden(_("只有评分人本人、该工程师的上级主管或总经理可以删除这条评分"))
    ensure_open(engineer, rating.month)
    db.session.delete(rating)
    db.session.flush()


def ratings_of(engineer, month, rater=None):
    """The month's ratings of an engineer with their raters; only one rater's when `rater` is given."""
    query = (select(Rating, User).join(User, User.id == Rating.rater_id)
             .where(Rating.engineer_id == engineer.id, Rating.month == month).order_by(Rating.key, Rating.group))
    if rater is not None:
        query = query.where(Rating.rater_id == rater.id)
    return db.session.execute(query).all()
