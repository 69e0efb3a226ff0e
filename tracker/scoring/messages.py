"""Explanations as (key, params) messages rendered in Chinese (first) or English from one catalogue.

Rules and sources return Msg objects; evaluate() keeps each indicator's message as it is (IndicatorResult.message).
The app stores it as data (dumps: JSON with the catalogue key, the parameters and their exact values) and renders
it in the reader's language when read (render_data); nothing is formatted while a month is computed.
"""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from tracker.scoring.decimals import fmt

LANGUAGES = ("zh", "en")
SEPARATOR = {"zh": "，", "en": ", "}


@dataclass(frozen=True)
class Text:
    """A bilingual string from template data; may hold {placeholders} filled from rule inputs."""

    zh: str
    en: str

    def get(self, lang):
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, repr=False)
class Msg:
    """A catalogue key with its parameters; render() turns it into a sentence."""

    key: str
    params: dict = field(default_factory=dict)

    def __repr__(self):  # the dataclass repr's text, without its guard against cycles (a message has none)
        return f"Msg(key={self.key!r}, params={self.params!r})"


# key -> (Chinese, English). Params: Decimal (formatted), Text (picked by language), Msg, list (joined), str.
CATALOG = {
    "indicator": ("{name}：{details}，得 {points} 分（满分 {max}）", "{name}: {details}; {points} of {max} points"),
    "indicator.bare": ("{name}：得 {points} 分（满分 {max}）", "{name}: {points} of {max} points"),
    "indicator.bare_not_applicable": ("{name}：本月不适用，不计入", "{name}: does not apply this month"),
    "indicator.quarterly": ("{name}：季度指标，只在季末月份（3、6、9、12 月）计入", "{name}: a quarterly indicator, "
                            "counted in quarter-end months only (March, June, September, December)"),
    "indicator.missing": ("{name}：未录入，暂按 0 分计（满分 {max}），录入前不能审批",
                          "{name}: not entered, counted as 0 of {max} points for now; approval waits for it"),
    "indicator.missing_as": ("{name}：{details}，暂得 {points} 分（满分 {max}），录入前不能审批",
                             "{name}: {details}; {points} of {max} points for now; approval waits for the entry"),
    "metric.missing_as": ("未录入，按 {value} 计", "not entered, counted as {value}"),
    "list": ("{items}", "{items}"),
    "part": ("{details}（{delta}）", "{details} ({delta})"),
    "label": ("{label}", "{label}"),
    "no_deduction": ("无扣分", "no deductions"),
    # rule kinds
    "band.hit": ("{value}%，达到 ≥ {threshold}% 档", "{value}%, in the ≥ {threshold}% band"),
    "band.below": ("{value}%，低于 {lowest}%", "{value}%, below {lowest}%"),
    "band.none": ("无数据，按 {points} 分计", "no data, counted as {points}"),
    "linear": ("{full} × {rate}%", "{full} × {rate}%"),
    "linear.capped": ("{full} × {rate}%（按 100% 封顶）", "{full} × {rate}% (capped at 100%)"),
    "deduction.count": ("每{unit}扣 {per} 分", "{per} off per {unit}"),
    "deduction.item": ("{category} {count} 次，扣 {amount} 分", "{category} × {count}, {amount} off"),
    # a recorded amount outside the category's range of the version in force (a later version narrowed it)
    "deduction.item.held": ("{category} {count} 次，扣 {amount} 分（记录的分值按本版范围 {lo}–{hi} 计）",
                            "{category} × {count}, {amount} off (recorded amounts held to this version's {lo}–{hi})"),
    "deduction.item.fixed": ("{category} {count} 次，扣 {amount} 分（本版每次固定扣 {each} 分，不按记录的分值）",
                             "{category} × {count}, {amount} off (this version takes a fixed {each} each, not the "
                             "recorded amounts)"),
    "stepped": ("{count} {unit}，扣 {deducted} 分", "{count} {unit}, {deducted} off"),
    "allowance": ("允许 {allowed}（{rate}% × {base}），超出 {over}，每个扣 {per} 分",
                  "{allowed} allowed ({rate}% of {base}), {over} over at {per} each"),
    "allowance.within": ("允许 {allowed}（{rate}% × {base}），未超出", "{allowed} allowed ({rate}% of {base}), none over"),
    "range.inside": ("{value} 在 {bounds} 范围内", "{value} within {bounds}"),
    "range.below": ("{value} 低于下限 {lo}，{steps} 档，每档 {per} 分",
                    "{value} below {lo}: {steps} {steps|step|steps} at {per}"),
    "range.above": ("{value} 高于上限 {hi}，{steps} 档，每档 {per} 分",
                    "{value} above {hi}: {steps} {steps|step|steps} at {per}"),
    "range.below.base": ("{value} 低于下限 {lo}，自 {base} 分起 {steps} 档，每档 {per} 分",
                         "{value} below {lo}: from {base}, {steps} {steps|step|steps} at {per}"),
    "range.above.base": ("{value} 高于上限 {hi}，自 {base} 分起 {steps} 档，每档 {per} 分",
                         "{value} above {hi}: from {base}, {steps} {steps|step|steps} at {per}"),
    "range.unbounded": ("远超上限 {hi}", "far above {hi}"),
    # past a bound whose side the template gives no points: the base, as inside
    "range.below.free": ("{value} 低于下限 {lo}，不另加减分", "{value} below {lo}: no points either way for it"),
    "range.above.free": ("{value} 高于上限 {hi}，不另加减分", "{value} above {hi}: no points either way for it"),
    "bounded.floor": ("{details}，最低 {bound} 分", "{details}, floored at {bound}"),
    "bounded.cap": ("{details}，最高 {bound} 分", "{details}, capped at {bound}"),
    "rating.one": ("评价{level}（{share}%）", "rated {level} ({share}%)"),
    "rating.mean": ("{count} 人评价，平均 {share}%", "{count} ratings, mean {share}%"),
    "rating.groups": ("{count} 人评价，先按组平均（{groups}），再取各组的平均 {share}%",
                      "{count} ratings averaged by group ({groups}), then across the groups: {share}%"),
    "rating.groups_weighted": ("{count} 人评价，先按组平均（{groups}），再按组的权重平均 {share}%",
                               "{count} ratings averaged by group ({groups}), then weighted by group: {share}%"),
    "rating.group": ("{group} {share}%", "{group} {share}%"),
    "manual.one": ("评分 {points}", "rated {points}"),
    "manual.mean": ("{count} 人评分，平均 {points}", "{count} ratings, mean {points}"),
    "manual.level": ("{details}，属{level}（{lo}–{hi}）", "{details}, {level} ({lo}–{hi})"),
    # measures
    "field_hours": ("外勤 {hours} 小时", "{hours} field hours"),
    "response": ("{within}/{counted} 单按时响应", "{within} of {counted} orders answered in time"),
    "response.business": ("{within}/{counted} 单在 {limit} 个工作小时内响应（工作时间 {hours}，按工作日历，节假日除外）",
                          "{within} of {counted} orders answered within {limit} business hours (office hours "
                          "{hours} on workdays of the work calendar, holidays excluded)"),
    # late: completed after the deadline, or still open past it
    "on_time": ("逾期 {late} 单", "{late} late {late|order|orders}"),
    "on_time.business": ("按工作时间（{hours}，按工作日历）逾期 {late} 单",
                         "{late} {late|order|orders} late in business hours ({hours} on workdays of the work calendar)"),
    "rework": ("返修 {units} 单，当月完工 {completed} 单", "{units} rework {units|order|orders}, {completed} completed"),
    "satisfaction": ("满意 {good}/{surveys} 份", "{good} of {surveys} surveys satisfied"),
    "satisfaction.none": ("无满意度调查", "no surveys"),
    "expense": ("费用 {expenses} 元 ÷（{hours} 小时 × {per_hour} 元）= {ratio}",
                "{expenses} CNY ÷ ({hours} h × {per_hour} CNY) = {ratio}"),
    "expense.approx": ("费用 {expenses} 元 ÷（{hours} 小时 × {per_hour} 元）≈ {ratio}",
                       "{expenses} CNY ÷ ({hours} h × {per_hour} CNY) ≈ {ratio}"),
    "expense.no_hours": ("外勤工时为 0，费用 {expenses} 元", "no field hours but {expenses} CNY spent"),
    "metric.rate": ("实际 {actual} / 计划 {plan}", "actual {actual} of plan {plan}"),
    "incidents": ("记录 {count} 起", "{count} recorded"),
    "complaints": ("投诉 {total} 起，满意 {satisfied} 起", "{satisfied} of {total} complaints resolved to satisfaction"),
}


_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


def fill(template, params):
    """A catalogue sentence with its parameters: str.format, where {name|one|other} is the word for a count of one
    or for any other count of parameter `name` (English: 1 late order, 2 late orders)."""
    template = _PLURAL.sub(lambda m: m.group(2) if str(params.get(m.group(1))) == "1" else m.group(3), template)
    return template.format(**params)


def render(msg, lang="zh"):
    """The sentence for msg in lang ("zh" or "en")."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    zh, en = CATALOG[msg.key]
    template = zh if lang == "zh" else en
    return fill(template, {name: _param(value, lang) for name, value in msg.params.items()})


def _param(value, lang):
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, Msg):
        return render(value, lang)
    if isinstance(value, (list, tuple)):
        return SEPARATOR[lang].join(_param(item, lang) for item in value)
    if isinstance(value, Decimal):
        return fmt(value)
    return str(value)


# ---- stored form --------------------------------------------------------------------------------------
# A Msg as JSON: {"k": key, "p": {name: param}}; a Text as {"t": [zh, en]}; a Decimal as {"d": "12.50"} (exact,
# formatted when rendered); lists as lists; str and int as themselves; anything else as its str().

def _encode(value):
    if isinstance(value, Msg):
        return {"k": value.key, "p": value.params} if value.params else {"k": value.key}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, Text):
        return {"t": [value.zh, value.en]}
    return str(value)


_string = json.encoder.encode_basestring  # the C function json uses for a str (ensure_ascii off)


def _json(value):
    """The JSON text of a message part: one pass over the tree (a Text, shared by every engineer's lines, is
    encoded once and remembered)."""
    kind = type(value)
    if kind is Msg:
        if not value.params:
            return '{"k":' + _string(value.key) + "}"
        return ('{"k":' + _string(value.key) + ',"p":{'
                + ",".join(_string(name) + ":" + _json(item) for name, item in value.params.items()) + "}}")
    if kind is Decimal:
        return '{"d":"' + str(value) + '"}'
    if kind is str:
        return _string(value)
    if kind is Text:
        text = _TEXTS.get(value)
        if text is None:
            text = _TEXTS[value] = '{"t":[' + _string(value.zh) + "," + _string(value.en) + "]}"
        return text
    if kind is list or kind is tuple:
        return "[" + ",".join(_json(item) for item in value) + "]"
    return json.dumps(value, default=_encode, ensure_ascii=False, separators=(",", ":"))


_TEXTS = {}


def dumps(msg):
    """The message as a JSON string: {"k": key, "p": {name: param}} (see above)."""
    return _json(msg)


def render_data(data, lang="zh"):
    """The sentence of a stored message (dumps' JSON, or the object it decodes to) in lang: the same text as
    render() of the message it was made from."""
    if isinstance(data, str):
        data = json.loads(data)
    return _data_param(data, LANGUAGES.index(lang) if lang in LANGUAGES else _unknown(lang))


def _unknown(lang):
    raise ValueError(f"unknown language {lang!r}")


def _data_param(value, index):
    if isinstance(value, dict):
        if "k" in value:
            params = {name: _data_param(item, index) for name, item in (value.get("p") or {}).items()}
            try:
                return fill(CATALOG[value["k"]][index], params)
            except (KeyError, IndexError):  # stored by a release whose wording this one no longer has: its figures
                return SEPARATOR[LANGUAGES[index]].join(params.values()) or str(value["k"])
        if "d" in value:
            return fmt(Decimal(value["d"]))
        return value["t"][index]
    if isinstance(value, list):
        return SEPARATOR[LANGUAGES[index]].join(_data_param(item, index) for item in value)
    return str(value)
