"""KPI template pages for admins: each template described in words, rule by rule."""

from decimal import Decimal

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import language
from tracker.auth.access import roles
from tracker.extensions import db
from tracker.scores.models import KpiTemplate
from tracker.admin.forms import ROLE_LABELS
from tracker.reviews import services
from tracker.reviews.forms import GROUP_LABELS
from tracker.scoring.business_hours import DEFAULT_OFFICE_HOURS
from tracker.scoring.decimals import fmt, fmt_pct
from tracker.scoring.errors import TemplateError
from tracker.scoring.rules import DEFAULT_SCALE
from tracker.scoring.template import load_template
from tracker.reviews.specs import reads_share
from tracker.reviews.views import bp
from tracker.reviews.entry_views import _amount_text
from tracker.validation import page_arg



# ---- KPI templates (admin) --------------------------------------------------------------------------

SOURCE_LABELS = {"attendance": _l("考勤记录"), "field_hours": _l("行程表外勤工时"), "response": _l("工单响应时间"),
                 "on_time": _l("工单截止时间"), "rework": _l("返修工单"), "satisfaction": _l("满意度调查与投诉"),
                 "expense": _l("费用与外勤工时"), "complaints": _l("投诉处理结果"), "metric": _l("每月录入（计划/实际）"),
                 "incidents": _l("事件记录"), "rating": _l("人工评分")}
RULE_LABELS = {"band": _l("分档"), "linear": _l("按比例"), "deduction": _l("扣分"), "stepped": _l("按次数分段扣分"),
               "allowance": _l("允许范围内不扣分"), "range": _l("区间"), "rating": _l("等级评价"),
               "manual": _l("直接打分"), "sum": _l("分项合计")}


def _pct_or_number(value, percent):
    return f"{fmt_pct(value)}%" if percent else fmt(value)


def describe(node, lang):
    """A rule and its parameters in words, e.g. bands "100% → 15, ≥ 95% → 12 …, 否则 0"."""
    p, rule = node.params, node.rule
    if rule == "band":
        percent = all(threshold <= 1 for threshold, _points in p["bands"])
        bands = []
        for threshold, points in p["bands"]:
            shown = _pct_or_number(threshold, percent)
            bands.append(f"{shown} → {fmt(points)}" if percent and threshold == 1 else f"≥ {shown} → {fmt(points)}")
        text = ", ".join(bands) + _("，否则 %(n)s", n=fmt(p.get("below", 0)))
        if "if_none" in p:
            text += _("；无数据时 %(n)s", n=fmt(p["if_none"]))
        return text
    if rule == "linear":
        target = fmt(p.get("target", 1))
        if node.source is not None and node.source.kind == "metric" and target == "1":
            # an entered completion rate: actual ÷ plan (it read "actual / 1", as if the plan were not asked for)
            if p.get("cap_rate", True):
                return _("%(points)s × min(1, 实际 ÷ 计划)", points=fmt(p["points"]))
            return _("%(points)s × 实际 ÷ 计划", points=fmt(p["points"]))
        if p.get("cap_rate", True):
            return _("%(points)s × min(1, 实际值 / %(target)s)", points=fmt(p["points"]), target=target)
        return _("%(points)s × 实际值 / %(target)s", points=fmt(p["points"]), target=target)
    if rule == "deduction":
        if "categories" in p:
            items = _("；").join(f"{c.name.get(lang)} {_amount_text(c.lo, c.hi)}" for c in p["categories"].values())
            text = _("%(base)s 起扣：%(items)s", base=fmt(p["base"]), items=items)
        else:
            unit = p.get("unit_en" if lang == "en" else "unit") or p.get("unit") or _("次")
            text = _("%(base)s − 每%(unit)s %(per)s 分", base=fmt(p["base"]), unit=unit, per=fmt(p["per"]))
        if "floor" in p:
            text += _("，最低 %(n)s", n=fmt(p["floor"]))
        return text
    if rule == "stepped":
        steps = ", ".join(_("≥ %(count)s 次扣 %(n)s", count=fmt(count), n=fmt(points)) for count, points in p["steps"])
        return _("%(base)s − 按次数：%(steps)s", base=fmt(p["base"]), steps=steps)
    if rule == "allowance":
        return _("允许 = floor(%(rate)s%% × 完成数)；%(points)s − 每超 1 个扣 %(per)s，最低 %(floor)s",
                 rate=fmt_pct(p["rate"]), points=fmt(p["points"]), per=fmt(p.get("per", 1)),
                 floor=fmt(p.get("floor", 0)))
    if rule == "range":
        percent = bool(p.get("percent"))
        bounds = []
        if "lo" in p:
            bounds.append(_("≥ %(n)s", n=_pct_or_number(p["lo"], percent)))
        if "hi" in p:
            bounds.append(_("≤ %(n)s", n=_pct_or_number(p["hi"], percent)))
        text = _("%(bounds)s 得 %(base)s", bounds=_(" 且 ").join(bounds), base=fmt(p["base"]))
        for side in ("below", "above"):
            if side in p:
                label = _("低于下限") if side == "below" else _("高于上限")
                text += _("；%(label)s每 %(step)s：%(points)s", label=label, step=_pct_or_number(p[side]["step"], percent),
                          points=("+" if p[side]["points"] > 0 else "") + fmt(p[side]["points"]))
        if "floor" in p:
            text += _("，最低 %(n)s", n=fmt(p["floor"]))
        if "cap" in p:
            text += _("，最高 %(n)s", n=fmt(p["cap"]))
        return text
    if rule == "rating":
        scale = _("、").join(f"{level.name.get(lang)} {fmt_pct(level.share)}%"
                             for level in p.get("scale", DEFAULT_SCALE))
        return _("%(points)s × 等级比例（%(scale)s）", points=fmt(p["points"]), scale=scale)
    if rule == "manual":
        text = _("打分 %(lo)s–%(hi)s", lo=fmt(p.get("lo", 0)), hi=fmt(p["hi"]))
        if p.get("levels"):
            text += _("（") + _("，").join(f"{level.name.get(lang)} {fmt(level.lo)}–{fmt(level.hi)}"
                                          for level in p["levels"]) + _("）")
        return text
    if rule == "sum":
        parts = _("；").join(_describe_part(part, lang) for part in p["parts"])
        text = _("%(base)s 加各分项：%(parts)s", base=fmt(p.get("base", 0)), parts=parts)
        if "floor" in p:
            text += _("，最低 %(n)s", n=fmt(p["floor"]))
        if "cap" in p:
            text += _("，最高 %(n)s", n=fmt(p["cap"]))
        return text
    return rule


def _describe_part(part, lang):
    text = describe(part, lang)
    if part.label is not None:
        return part.label.get(lang).replace("{n}", "n") + _("：") + text
    return text


def _source_label(source, node=None):
    """What an indicator reads, in words; a time measured in business hours says so and names the office hours (the
    page read the same for clock and business hours); an entered count or share without a plan says so."""
    if source is None:
        return _("见各分项")
    label = SOURCE_LABELS.get(source.kind, source.kind)
    if source.kind == "metric" and node is not None and node.rule != "linear" and not reads_share(node):
        label = _("每月录入（实际）")  # a count or an amount: scored as itself, a plan is refused
    if source.options.get("clock") == "business":
        return _("%(source)s（按工作时间 %(hours)s 计）", source=label,
                 hours=(source.options.get("office_hours") or DEFAULT_OFFICE_HOURS).replace("-", "–"))
    return label


def _source_kinds(node, inherited=None):
    """The source kinds an indicator reads, its sum's parts included."""
    source = node.source or inherited
    if node.rule == "sum":
        return {kind for part in node.params["parts"] for kind in _source_kinds(part, source)}
    return {source.kind} if source else set()


@bp.route("/admin/templates")
@roles("admin")
def templates_admin():
    """KPI templates: the latest version of each (the bundled presets while none is stored)."""
    return render_template("scores/templates.html", templates=services.latest_templates(), lang=language.current(),
                           role_labels=ROLE_LABELS)


@bp.route("/admin/templates/<code>")
@roles("admin")
def template_detail(code):
    """One template as a readable table: indicators with max, source and rule in words."""
    version = page_arg(request.args.get("version"), "version", None)
    data, row = services.template_by_code(code, version)
    lang = language.current()
    try:
        template = load_template(data)
    except TemplateError as error:
        return render_template("scores/template.html", template=None, data=data, row=row, error=str(error),
                               lang=lang, role_labels=ROLE_LABELS), 200
    versions = db.session.execute(select(KpiTemplate.version, KpiTemplate.effective_from)
                                  .where(KpiTemplate.code == code).order_by(KpiTemplate.version)).all()
    sections = {section.code: section.name.get(lang) for section in template.sections}
    rows = []
    for indicator in template.indicators:
        source = indicator.node.source
        kinds = _source_kinds(indicator.node)
        rows.append({"indicator": indicator, "name": indicator.name.get(lang), "rated": "rating" in kinds,
                     # a section's name (form 6: 主要绩效), not its code; a label of a template without sections as is
                     # (in English its group_en when the template gives one)
                     "group": sections.get(indicator.group) or (
                         indicator.group_en if lang == "en" and indicator.group_en else indicator.group),
                     "entered": bool({"metric", "rating"} & kinds),
                     "source": _source_label(source, indicator.node),
                     "rule": RULE_LABELS.get(indicator.node.rule, indicator.node.rule),
                     "params": describe(indicator.node, lang),
                     "description": indicator.description.get(lang) if indicator.description else None})
    criteria = [(code, name.get(lang)) for code, name in template.qualitative.criteria] if template.qualitative \
        else []
    return render_template("scores/template.html", template=template, data=data, row=row, rows=rows,
                           criteria=criteria, versions=versions, lang=lang, error=None, group_labels=GROUP_LABELS,
                           role_labels=ROLE_LABELS,
                           total_max=sum((i.max for i in template.indicators), Decimal(0)),
                           weighted=any(i.weight is not None for i in template.indicators),
                           grades=[(fmt(threshold), letter) for threshold, letter in template.grades])
