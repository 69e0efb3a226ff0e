"""Hand entries of a score (录入): incidents, monthly metrics and ratings a template needs, per engineer and month."""

from datetime import timedelta
from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from tracker import language
from tracker import clock
from tracker.auth.access import engineer_by_username, entries_access, roles
from tracker.auth.models import User
from tracker.errors import Conflict, Invalid, NotFound
from tracker.extensions import db
from tracker.reviews import services
from tracker.reviews.forms import (GROUP_LABELS, DeleteForm,
                                   IncidentForm, MetricForm, RatingForm)
from tracker.reviews.models import Incident, MetricEntry, Rating
from tracker.scoring.decimals import HUNDRED, fmt, fmt_pct
from tracker.scoring.month import Month
from tracker.values import month_arg
from tracker.validation import put_errors
from tracker.reviews.views import REVIEWERS, _locked, _me, bp



# ---- entries (录入) ---------------------------------------------------------------------------------

def _entry_access(engineer, month):
    """leader (gm, manager above), admin (read only), self, or peer (ratings only, where the template has peers
    rate); 403 for anyone else (tracker.auth.access.entries_access)."""
    return entries_access(_me(), engineer, services.peers_rate(engineer, month))


def _amount_text(lo, hi):
    return _("%(n)s 分", n=fmt(lo)) if lo == hi else _("%(lo)s–%(hi)s 分", lo=fmt(lo), hi=fmt(hi))


def _incident_choices(specs, lang):
    choices = {}
    for key, spec in specs.incidents.items():
        name = spec.indicator.name.get(lang)
        if spec.categories:
            choices[name] = [SelectChoice(f"{key}:{code}", category.name.get(lang) + _("（")
                                          + _amount_text(category.lo, category.hi) + _("）"))
                             for code, category in spec.categories.items()]
        else:
            choices[name] = [SelectChoice(f"{key}:", _("每次扣 %(n)s 分", n=fmt(spec.per or 0)))]
    return choices


def _rating_form(spec, lang, rating=None, formdata=None):
    form = RatingForm(formdata=formdata, prefix=f"r-{spec.key}")
    if spec.rule == "rating":
        form.level.choices = [SelectChoice("", _("请选择"))] + [
            SelectChoice(level.code, level.name.get(lang) + _("（") + fmt_pct(level.share) + "%" + _("）"))
            for level in spec.scale]
    if rating is not None and formdata is None:
        form.level.data, form.points.data = rating.level, rating.points
    return form


def _metric_form(spec, entry=None, formdata=None):
    """The entry form of a metric; a share the rule reads (0.85) is written and shown as a percentage (85)."""
    form = MetricForm(formdata=formdata, prefix=f"m-{spec.key}")
    if spec.percent:  # with a plan the rule reads actual ÷ plan; without one the actual is the share itself
        form.plan.label.text = _("计划（可不填）")
        form.actual.label.text = _("实际（不填计划时为百分比）")
        form.actual.render_kw = dict(form.actual.render_kw or {}, placeholder=_("如 85 即 85%"))
    if entry is not None and formdata is None:
        actual = entry.actual
        if as_percentage(spec, entry) and actual is not None:  # a share of two places is a whole percentage
            actual = (actual * HUNDRED).quantize(Decimal(1))
        form.plan.data, form.actual.data, form.note.data = entry.plan, actual, entry.note
    return form


def as_percentage(spec, entry):
    """Whether an entry's actual is a share written as a percentage: the rule reads a share and no plan is given."""
    return spec.percent and entry.plan is None


def _entered_actual(spec, form):
    """The actual as stored: a percentage typed for a share without a plan is divided by 100 (a share is stored to
    the hundredth: a whole percentage)."""
    actual = form.actual.data
    if not spec.percent or actual is None or form.plan.data is not None:
        return actual
    if actual != actual.to_integral_value():
        raise Invalid.field("actual", _("请填写整数百分比，如 85"))
    return actual / HUNDRED


def _render_entries(engineer, month, incident_form=None, metric_forms=None, rating_forms=None, alert=None,
                    status=200):
    access = _entry_access(engineer, month)
    me = _me()
    lang = language.current()
    template = services.current_template(engineer, month)
    specs = services.entry_specs(template, month)
    sees_records = access in ("leader", "admin", "self")
    incidents = services.incidents_of(engineer, month) if sees_records else []
    metrics = services.metrics_of(engineer, month) if sees_records else []
    ratings = services.ratings_of(engineer, month, None if access in ("leader", "admin") else me)
    own_ratings = {rating.key: rating for rating, rater in ratings if rater.id == me.id}
    editable = access == "leader"
    rates = access in ("leader", "self", "peer")
    if incident_form is None:
        _first, nxt = month_arg(month).bounds()
        incident_form = IncidentForm(formdata=None, day=min(clock.today(), nxt - timedelta(days=1)))
    incident_form.item.choices = _incident_choices(specs, lang)
    metric_by_key = {entry.key: entry for entry in metrics}
    metric_forms = metric_forms or {}
    for key, spec in specs.metrics.items():
        metric_forms.setdefault(key, _metric_form(spec, metric_by_key.get(key)))
    rating_forms = rating_forms or {}
    for key, spec in specs.ratings.items():
        rating_forms.setdefault(key, _rating_form(spec, lang, own_ratings.get(key)))
    names = {}
    for bucket in (specs.incidents, specs.metrics, specs.ratings):
        for key, spec in bucket.items():
            name = spec.indicator.name.get(lang)
            if key != spec.indicator.code and bucket is specs.metrics:  # two parts of one line: what each one reads
                name += " · " + (_("完成率（实际 ÷ 计划）") if spec.wants_plan else _("百分比") if spec.percent
                                 else _("数值"))
            # a part of a sum may read its own key (training → training_score): name both
            names.setdefault(key, name if key == spec.indicator.code else name + _("（") + key + _("）"))
    categories = {(key, code): category.name.get(lang) for key, spec in specs.incidents.items()
                  for code, category in spec.categories.items()}
    scale_names = {(key, level.code): level.name.get(lang) for key, spec in specs.ratings.items()
                   for level in spec.scale}
    recorders = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_({i.recorded_by_id for i in incidents} | {m.recorded_by_id for m in metrics}))).all()) \
        if incidents or metrics else {}
    return render_template(
        "reviews/entries.html", engineer=engineer, month=month, access=access, template=template,
        template_name=template.name.get(lang) if template else None, specs=specs, incidents=incidents,
        metrics=metrics, ratings=ratings, incident_form=incident_form, metric_forms=metric_forms,
        rating_forms=rating_forms, editable=editable, rates=rates, locked=_locked(engineer, month), alert=alert,
        names=names, categories=categories, scale_names=scale_names, recorders=recorders,
        group_labels=GROUP_LABELS, delete_form=DeleteForm(), amount_text=_amount_text, fmt=fmt, fmt_pct=fmt_pct,
        as_percentage=as_percentage, show_raters=access in ("leader", "admin")), status


@bp.route("/scores/<month:month>/<username>/entries")
@roles()
def entries(month, username):
    """录入: incidents, metric entries and manual ratings of the engineer's template for the month."""
    return _render_entries(engineer_by_username(username), month)


def _refused(engineer, month, error, form, **forms):
    """Re-render the entries page after a refused save: 422 onto the form's fields, 409 as an alert."""
    db.session.rollback()
    alert = put_errors(form, error) if isinstance(error, Invalid) else error.message
    return _render_entries(engineer, month, alert=alert, status=error.status, **forms)


@bp.route("/scores/<month:month>/<username>/incidents", methods=["POST"])
@roles("manager", "gm")
def add_incident(month, username):
    engineer = engineer_by_username(username)
    services.require_leader(_me(), engineer)
    form = IncidentForm()
    if not form.validate_on_submit():
        return _render_entries(engineer, month, incident_form=form, status=422)
    if Month.of(form.day.data) != month:
        form.day.errors = list(form.day.errors) + [_("日期须在 %(month)s 内", month=month)]
        return _render_entries(engineer, month, incident_form=form, status=422)
    indicator, _sep, category = (form.item.data or "").partition(":")
    try:
        services.record_incident(_me(), engineer, form.day.data, indicator, category or None, form.amount.data,
                                 form.note.data, now=clock.now())
    except (Invalid, Conflict) as error:
        return _refused(engineer, month, error, form, incident_form=form)
    db.session.commit()
    flash(_("已记录"), "success")
    return redirect(url_for("reviews.entries", month=month, username=username))


@bp.route("/scores/<month:month>/<username>/metrics/<key>", methods=["POST"])
@roles("manager", "gm")
def save_metric(month, username, key):
    engineer = engineer_by_username(username)
    services.require_leader(_me(), engineer)
    spec = services.specs_for(engineer, month).metrics.get(key)
    if spec is None:
        raise NotFound(_("该考核模板没有需要录入的指标 %(key)s", key=key))
    form = _metric_form(spec, formdata=request.form)
    if not form.validate_on_submit():
        return _render_entries(engineer, month, metric_forms={key: form}, status=422)
    try:
        services.save_metric(_me(), engineer, month, key, _entered_actual(spec, form), form.plan.data,
                             form.note.data, now=clock.now())
    except (Invalid, Conflict) as error:
        return _refused(engineer, month, error, form, metric_forms={key: form})
    db.session.commit()
    flash(_("已保存"), "success")
    return redirect(url_for("reviews.entries", month=month, username=username))


@bp.route("/scores/<month:month>/<username>/ratings/<key>", methods=["POST"])
@roles(*REVIEWERS)
def save_rating(month, username, key):
    engineer = engineer_by_username(username)
    _entry_access(engineer, month)
    spec = services.specs_for(engineer, month).ratings.get(key)
    if spec is None:
        raise NotFound(_("该考核模板没有需要评分的指标 %(key)s", key=key))
    form = _rating_form(spec, language.current(), formdata=request.form)
    if not form.validate_on_submit():
        return _render_entries(engineer, month, rating_forms={key: form}, status=422)
    try:
        services.save_rating(_me(), engineer, month, key, form.level.data or None, form.points.data,
                             now=clock.now())
    except (Invalid, Conflict) as error:
        return _refused(engineer, month, error, form, rating_forms={key: form})
    db.session.commit()
    flash(_("已保存"), "success")
    return redirect(url_for("reviews.entries", month=month, username=username))


def _delete(model, row_id, remove, month_of):
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(_("找不到这条记录"))
    engineer = db.session.get(User, row.engineer_id)
    month = month_of(row)
    if not DeleteForm().validate_on_submit():
        raise Invalid(_("请求已过期，请刷新页面后重试"))
    remove(_me(), row)
    db.session.commit()
    flash(_("已删除"), "success")
    return redirect(url_for("reviews.entries", month=month, username=engineer.username))


@bp.route("/entries/incidents/<int:incident_id>/delete", methods=["POST"])
@roles("manager", "gm")
def delete_incident(incident_id):
    return _delete(Incident, incident_id, services.delete_incident, lambda row: Month.of(row.day))


@bp.route("/entries/metrics/<int:entry_id>/delete", methods=["POST"])
@roles("manager", "gm")
def delete_metric(entry_id):
    return _delete(MetricEntry, entry_id, services.delete_metric, lambda row: row.month)


@bp.route("/entries/ratings/<int:rating_id>/delete", methods=["POST"])
@roles(*REVIEWERS)
def delete_rating(rating_id):
    return _delete(Rating, rating_id, services.delete_rating, lambda row: row.month)
