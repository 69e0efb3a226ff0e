"""How a month's score is shown: its measured values in words, the records behind each line, the qualitative groups.

Plain functions over stored rows for the score pages and the printed sheets; no writes, no rules of their own.
"""

import json
import re
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel import ngettext
from sqlalchemy import select

from tracker import language
from tracker.auth.access import ATTENDANCE_VIEWERS, is_leader
from tracker.itinerary.labels import ATTENDANCE_LABELS
from tracker.itinerary.models import Attendance
from tracker.extensions import db
from tracker.reviews import services as reviews
from tracker.reviews.models import Incident, Rating
from tracker.reviews.forms import GROUP_LABELS
from tracker.scores.models import KpiTemplate
from tracker.scoring.decimals import fmt, fmt_pct, mean, round2
from tracker.scoring.errors import TemplateError
from tracker.scoring.month import Month
from tracker.scoring.template import load_template
from tracker.scoring.totals import DEFAULT_WEIGHTS, POSITIVE_CAP, adjustment_total, quantitative
from tracker.workorders.models import Complaint, Survey, WorkOrder

STATUS_LABELS = {"draft": _l("草稿"), "approved": _l("已审批")}


def status_text(score):
    """A score's status in words (state_text)."""
    return state_text(score.status, score.stale)


def state_text(status, stale):
    """A status in words; a draft marked stale (a calendar or template change the scheduler recomputes within
    minutes) says so, since its figures are about to change (pages, sheets and workbooks alike)."""
    if status == "draft" and stale:
        return _("草稿（待重新计算）")
    return str(STATUS_LABELS.get(status, status))

ADJUSTMENT_LABELS = {"proposed": _l("待审批"), "approved": _l("已批准"), "rejected": _l("已驳回")}
# what the score page's history says of each event of the month (the API gives the codes)
HISTORY_LABELS = {"itinerary.submit": _l("提交行程"), "itinerary.reopen": _l("重新打开行程"),
                  "adjustment.propose": _l("提出加减分"), "adjustment.approve": _l("批准加减分"),
                  "adjustment.reject": _l("驳回加减分"), "adjustment.withdraw": _l("撤回加减分"),
                  "score.veto": lazy_pgettext("history", "一票否决"), "score.veto_withdraw": _l("撤销一票否决"),
                  "score.interview": lazy_pgettext("history", "绩效面谈"), "score.outcome": _l("记录考核结果运用"),
                  "score.outcome_clear": _l("清除考核结果运用"), "score.approve": lazy_pgettext("history", "审批通过"),
                  "score.reopen": lazy_pgettext("history", "重新打开"),
                  "score.self_assessment": lazy_pgettext("self assessment", "自评")}


def history_rows(history, template=None):
    """The month's (AuditEvent, actor) as the score page lists them: when, who, what, and the detail in words."""
    return [{"at": event.at, "actor": actor, "label": HISTORY_LABELS.get(event.action, event.action),
             "detail": _history_detail(event.action, event.detail or "", template)} for event, actor in history]


def _history_detail(action, text, template):
    if action.startswith("adjustment.") or action == "score.interview":
        return re.sub(r"^#[0-9]+ ?", "", text)  # the record's own number (#12), which the page shows nowhere else
    if action == "score.veto_withdraw":  # what it keeps is the lifted veto's reason, not a reason for lifting it
        return _("原否决理由：%(reason)s", reason=text) if text else ""
    if action in ("score.outcome", "score.outcome_clear") and template is not None:
        for name in sorted(template.outcomes, key=len, reverse=True):  # the decision, then its particulars
            if text == name or text.startswith(name + " "):
                return template.outcome_label(name, language.current()) + text[len(name):]
    if action == "score.self_assessment" and template is not None:  # code=points of each line, by its name
        names = {indicator.code: indicator.name.get(language.current()) for indicator in template.indicators}
        return _("、").join(f"{names.get(code, code)} {fmt(Decimal(points))}" for code, points in
                           re.findall(r"([a-z][a-z0-9_]*)=(-?[0-9.]+)", text))
    return text


ATTENDANCE_WORDS = {"late": (_l("迟到"), "times"), "early_leave": (_l("早退"), "times"),
                    "absent": (_l("旷工"), "days"), "personal_leave": (_l("事假"), "days"),
                    "sick_leave": (_l("病假"), "days"), "annual_leave": (_l("年假"), "days"),
                    "business_trip": (_l("出差"), "days"), "present": (_l("出勤"), "days")}


def _counted(label, count, unit):
    """迟到 2 次, 事假 1 天: in English one time, two times, one day, two days."""
    if unit == "times":
        return ngettext("%(label)s %(num)s 次", "%(label)s %(num)s 次", count, label=label)
    if unit == "days":
        return ngettext("%(label)s %(num)s 天", "%(label)s %(num)s 天", count, label=label)
    return f"{label} {count}"


def score_num(value):
    """A stored score for a table cell: 2 decimals, or a dash."""
    return "—" if value is None else str(round2(Decimal(value)))


def adjustment_formula(adjustments, template):
    """How the approved adjustments make A, as one line ("A = 已批准加分 13（最多计 10） - 已批准减分 3.5 = 6.50"), or
    None without an approved one. `adjustments`: rows with points and status; the cap is the template's."""
    approved = [Decimal(a.points) for a in adjustments if a.status == "approved"]
    if not approved:
        return None
    cap = template.positive_cap if template is not None else POSITIVE_CAP
    total = adjustment_total([{"points": p, "approved": True} for p in approved], cap)
    positive = sum((p for p in approved if p > 0), Decimal(0))
    negative = sum((p for p in approved if p < 0), Decimal(0))
    text = ""
    if positive:
        text = _("已批准加分 %(points)s", points=fmt(positive))
        if cap is not None and positive > cap:
            text += _("（最多计 %(cap)s）", cap=fmt(cap))
    if negative:
        text += (" - " if text else "-") + _("已批准减分 %(points)s", points=fmt(-negative))
    return f"A = {text} = {round2(total)}"


def total_formula(score, template, engineer):
    """How T and the bonus follow from Q, L and A, as one line ("T = 70% × Q + 30% × L + A（不低于 0） = 84.95；
    奖金 = 84.95 ÷ 100 × 奖金基数 1000.00 = 849.50"); None while there is no total. T is computed from the unrounded
    Q and L, so the line names them rather than redoing the sum with their rounded figures; the bonus follows from
    the shown T, and is worked out only while the engineer's bonus base still gives the stored bonus."""
    if score is None or not score.eligible or score.total is None:
        return None
    total = round2(Decimal(score.total))
    if score.vetoed:
        text = _("一票否决：T = 0")
    else:
        wq, wl = template.weights if template is not None else DEFAULT_WEIGHTS
        parts = ["Q" if wq == 1 else f"{fmt(wq * 100)}% × Q"] + ([f"{fmt(wl * 100)}% × L"] if wl else []) + ["A"]
        text = "T = " + " + ".join(parts) + _("（不低于 0）") + f" = {total}"
    base = Decimal(engineer.bonus_base or 0)
    if score.bonus is not None and round2(total / 100 * base) == round2(Decimal(score.bonus)):
        text += _("；奖金 = %(total)s ÷ 100 × 奖金基数 %(base)s = %(bonus)s", total=total, base=round2(base),
                  bonus=round2(Decimal(score.bonus)))
    return text


def quantitative_formula(score, template):
    """How Q follows from the lines shown, as one line: "Q = 100 × 得分合计 78 ÷ 满分合计 90 = 86.67", a deduction
    form's "Q = 100 − 各项扣分之和 57 = 43.00", a template in parts each part's weight and rate (form 6's Q could not be
    followed from its weighted lines). The sums are of the lines as shown (2 decimals); when they give another Q
    than the one computed from the exact points, the line ends in "≈". None without a Q, or with a sum below 0
    (divided by every maximum, documented in docs/scoring.md)."""
    if score is None or template is None or score.quantitative is None:
        return None
    groups = {indicator.code: indicator.group for indicator in template.indicators}
    rows = [(Decimal(line.points), Decimal(line.max_points), None if line.weight is None else Decimal(line.weight),
             groups.get(line.code)) for line in score.lines if line.applies and line.points is not None]
    sections = {section.code: section.weight for section in template.sections}
    q = round2(Decimal(score.quantitative))
    again = quantitative(rows, template.method, template.base, sections, template.possible)
    sign = "=" if again is not None and round2(again) == q else "≈"
    if template.method == "deduction":
        lost = sum((maximum - points for points, maximum, _w, _g in rows), Decimal(0))
        return _("Q = %(base)s − 各项扣分之和 %(lost)s %(sign)s %(q)s", base=fmt(template.base), lost=fmt(lost),
                 sign=sign, q=q)
    if sections:
        parts, used = [], Decimal(0)
        for section in template.sections:
            mine = [(p, m, w) for p, m, w, g in rows if g == section.code and w]
            if mine:
                earned = sum((w * p / m for p, m, w in mine), Decimal(0))
                if earned < 0:
                    return None
                parts.append(f"{section.name.get(language.current())} {fmt(section.weight)} × "
                             f"{fmt_pct(earned / sum(w for _p, _m, w in mine))}%")
                used += section.weight
        return _("Q = 100 ×（%(parts)s）÷ 权重合计 %(weights)s %(sign)s %(q)s", parts=" + ".join(parts),
                 weights=fmt(used), sign=sign, q=q) if parts else None
    if any(weight is not None for _p, _m, weight, _g in rows):
        earned = sum((w * p / m for p, m, w, _g in rows), Decimal(0))
        weights = sum((w for _p, _m, w, _g in rows), Decimal(0))
        if earned < 0 or not weights:
            return None
        return _("Q = 100 × Σ（权重 × 得分 ÷ 满分）%(earned)s ÷ 权重合计 %(weights)s %(sign)s %(q)s",
                 earned=fmt(earned), weights=fmt(weights), sign=sign, q=q)
    earned = sum((p for p, _m, _w, _g in rows), Decimal(0))
    maxima = sum((m for _p, m, _w, _g in rows), Decimal(0))
    if earned < 0 or not maxima:
        return None
    return _("Q = 100 × 得分合计 %(earned)s ÷ 满分合计 %(maxima)s %(sign)s %(q)s", earned=fmt(earned),
             maxima=fmt(maxima), sign=sign, q=q)


def template_of(score, engineer, month):
    """(Template or None, name, version) of the template a score used, else the one in force for the month."""
    data = None
    if score is not None and score.template_id is not None:
        row = db.session.get(KpiTemplate, score.template_id)
        if row is not None:
            data = json.loads(row.body)
    if data is None:
        data = reviews.current_template_dict(engineer, month)
    if data is None:
        return None, None, None
    try:
        template = load_template(data)
    except TemplateError:
        return None, data.get("name"), data.get("version")
    return template, template.name.get(language.current()), template.version


def parse_value(text):
    if text is None:
        return None
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError:
        return text
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def source_kind(template, code):
    """The kind of records an indicator reads (field_hours, expense, response …); None for a line of no source."""
    indicator = next((i for i in template.indicators if i.code == code), None) if template else None
    return indicator.node.source.kind if indicator is not None and indicator.node.source is not None else None


# lines measured from the month's trips and expenses: their records are the itinerary month (no id per record)
ITINERARY_SOURCES = ("field_hours", "expense")


def value_kind(template, code, value, metric_rows):
    """How to show an indicator's measured value: share, hours, counts, points, count or a plain number."""
    indicator = next((i for i in template.indicators if i.code == code), None) if template else None
    if indicator is not None and indicator.node.source is not None:
        kind, rule = indicator.node.source.kind, indicator.node.rule
        if kind in ("response", "satisfaction", "complaints", "expense"):
            return "share"
        if kind in ("field_hours", "attendance", "on_time", "rework", "incidents"):
            return {"field_hours": "hours", "attendance": "counts", "on_time": "late",
                    "rework": "units", "incidents": "events"}[kind]
        if kind == "rating":
            return "share" if rule == "rating" else "points"
        if kind == "metric":  # a rate when this entry has a plan, or a share the rule reads as one (85%)
            key = indicator.node.source.options.get("key", code)
            planned = any(row.key == key and row.plan is not None for row in metric_rows)
            return "share" if planned or reviews.reads_share(indicator.node) else "number"
    if isinstance(value, dict):
        return "counts"
    return {"field_hours": "hours", "response": "share", "satisfaction": "share", "expense": "share",
            "on_time": "late", "rework_external": "units", "rework_internal": "units"}.get(code, "number")


def _count(value):
    """The number that picks a plural form: one for exactly 1, another for anything else (0, 2, 1.5)."""
    return 1 if value == 1 else 2


def format_value(value, kind):
    """An indicator's value in words: 95%, 86.5 小时, 迟到 2 次、事假 1 天, 2 单逾期 …"""
    if value is None or value == "":
        return "—"
    if kind == "counts" and isinstance(value, dict):
        parts = []
        for status, count in value.items():
            if not count or status == "present":
                continue
            label, unit = ATTENDANCE_WORDS.get(status, (status, None))
            parts.append(_counted(label, count, unit))
        return _("、").join(parts) if parts else _("全勤")
    if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
        return str(value)
    value = Decimal(value)
    if not value.is_finite():
        return "∞"
    if kind == "share":
        return f"{fmt_pct(value)}%"
    if kind == "hours":
        return _("%(h)s 小时", h=fmt(value))
    if kind == "late":
        return ngettext("逾期 %(n)s 单", "逾期 %(n)s 单", _count(value), n=fmt(value))
    if kind == "units":
        return ngettext("返修 %(n)s 单", "返修 %(n)s 单", _count(value), n=fmt(value))
    if kind == "events":
        return ngettext("%(n)s 次", "%(n)s 次", _count(value), n=fmt(value))
    if kind == "points":
        return _("%(n)s 分", n=fmt(value))
    return fmt(value)


def section_headings(template, lang):
    """{indicator code: the heading of its section} of a template in parts (form 6: 主要绩效（权重 60）), as its paper
    form groups them; {} for a template without sections."""
    if template is None or not template.sections:
        return {}
    headings = {section.code: _("%(name)s（权重 %(weight)s）", name=section.name.get(lang), weight=fmt(section.weight))
                for section in template.sections}
    return {indicator.code: headings.get(indicator.group) for indicator in template.indicators}


def score_lines(score, template, metric_rows):
    """The score's indicator lines as the page shows them (value in words, name and explanation in the language)."""
    en = language.current() == "en"
    section_of = section_headings(template, "en" if en else "zh")
    lines = []
    for line in (score.lines if score is not None else []):
        value = parse_value(line.value)
        lines.append({
            "code": line.code, "source": source_kind(template, line.code),
            "name": (line.name_en or line.name) if en else line.name,
            "section": section_of.get(line.code),
            "applies": line.applies, "missing": line.missing,
            "value": format_value(value, value_kind(template, line.code, value, metric_rows)),
            "points": line.points, "max_points": line.max_points, "weight": line.weight,
            "explanation": line.explain("en" if en else "zh"),
            "record_ids": json.loads(line.record_ids) if line.record_ids else {},
        })
    return lines


def _by_id(model, ids, *columns):
    """{id: value} (one column) or {id: (values...)} of the model's rows among ids, in one query; none: {}."""
    if not ids:
        return {}
    rows = db.session.execute(select(model.id, *columns).where(model.id.in_(ids)))
    return {row_id: values[0] if len(columns) == 1 else tuple(values) for row_id, *values in rows}


def _attendance_label(row_ids, absences):
    """The days behind an attendance line and what each was (考勤：2026-11-03 迟到、2026-11-05 事假); their count
    where a record is gone (a day set back to present after the score was approved)."""
    named = sorted(absences[row_id] for row_id in row_ids if row_id in absences)
    if len(named) != len(row_ids):
        return _("考勤记录（%(n)s 天）", n=len(row_ids))
    return _("考勤：%(days)s", days=_("、").join(f"{day.isoformat()} {ATTENDANCE_LABELS.get(status, status)}"
                                                for day, status in named))


def add_record_links(lines, viewer, engineer, month):
    """Per line, links to the records behind it (work orders, attendance, surveys, complaints, entries; for the lines
    of trips and expenses, the itinerary month that lists them day by day).

    A fixed number of queries whatever the number of lines or records.
    """
    ids = {}
    for line in lines:
        for table, row_ids in (line["record_ids"] or {}).items():
            ids.setdefault(table, set()).update(i for i in row_ids if isinstance(i, int))
    surveys = _by_id(Survey, ids.get("surveys"), Survey.work_order_id)
    complaints = _by_id(Complaint, ids.get("complaints"), Complaint.work_order_id, Complaint.day)
    incidents = _by_id(Incident, ids.get("incidents"), Incident.day)
    raters = _by_id(Rating, ids.get("ratings"), Rating.group)
    absences = _by_id(Attendance, ids.get("attendance_days"), Attendance.day, Attendance.status)
    order_ids = ids.get("work_orders", set()) | set(surveys.values()) | {o for o, _day in complaints.values() if o}
    numbers = _by_id(WorkOrder, order_ids, WorkOrder.number)
    entries = url_for("reviews.entries", month=month, username=engineer.username)
    itinerary = url_for("itinerary.month", username=engineer.username, month=month)
    if viewer.role in ATTENDANCE_VIEWERS:  # the engineer's row of the month's grid
        attendance = url_for("attendance.grid", month=month) + f"#attendance-{engineer.username}"
    else:
        attendance = itinerary
    for line in lines:
        links = []
        if line.get("source") in ITINERARY_SOURCES:  # the trips and expenses behind it, day by day
            links.append((_("%(month)s 行程与费用", month=month), itinerary))
        for table, row_ids in (line["record_ids"] or {}).items():
            for row_id in row_ids:
                if table == "work_orders" and row_id in numbers:
                    links.append((numbers[row_id], url_for("workorders.detail", order_id=row_id)))
                elif table == "surveys" and surveys.get(row_id) in numbers:
                    order = surveys[row_id]
                    links.append((_("回访 %(n)s", n=numbers[order]),
                                  url_for("workorders.detail", order_id=order) + f"#survey-{row_id}"))
                elif table == "complaints" and row_id in complaints:  # named by its order, else by its day
                    order, day = complaints[row_id]
                    row = url_for("workorders.complaints", month=str(Month.of(day)),
                                  engineer=engineer.username) + f"#complaint-{row_id}"
                    label = _("投诉 %(n)s", n=numbers[order]) if order in numbers else \
                        _("投诉 %(day)s", day=day.isoformat())
                    links.append((label, row))
                elif table == "incidents" and row_id in incidents:
                    links.append((_("事件 %(day)s", day=incidents[row_id].isoformat()),
                                  f"{entries}#incident-{row_id}"))
                elif table == "metric_entries":
                    links.append((_("录入值"), f"{entries}#metric-{row_id}"))
                elif table == "ratings" and row_id in raters:
                    group = raters[row_id]
                    links.append((_("评分（%(group)s）", group=GROUP_LABELS.get(group, group)),
                                  f"{entries}#rating-{row_id}"))
            if table == "attendance_days" and row_ids:
                links.append((_attendance_label(row_ids, absences), attendance))
        line["links"] = links


def qualitative(viewer, engineer, month):
    """Groups with their mean, how many rated and the raters a viewer may see: every one, named, for a leader or an
    admin; to anyone else (the engineer) only their own review, the others by the group's mean and count, as the
    API and the printed sheet say them (scores listed one by one as 匿名, in the order of the raters' names, told
    whoever knew his colleagues and his two leaders who gave which)."""
    named = viewer.role == "admin" or is_leader(viewer, engineer)
    groups = {}
    spec = reviews.review_spec(engineer, month)
    for review, rater in reviews.reviews_of(engineer, month):
        groups.setdefault(review.group, []).append({
            "name": rater.display_name, "own": rater.id == viewer.id,
            "score": reviews.counted_score(review, spec),  # None: it counts for nothing (shown so)
            "comment": review.comment})
    return [{"group": group, "label": GROUP_LABELS[group], "count": len(groups[group]),
             "raters": [r for r in groups[group] if named or r["own"]],
             "mean": _mean_of_counted(r["score"] for r in groups[group])}
            for group in ("leader", "peer", "self") if group in groups]


def _mean_of_counted(scores):
    counted = [score for score in scores if score is not None]
    return mean(counted) if counted else None
