"""Review and entry forms: they check shape only; the services hold the rules."""

from flask_babel import lazy_gettext as _l
from wtforms import (DateField, DecimalField, RadioField, SelectChoice, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from tracker.reviews.models import CRITERIA
from tracker.validation import Form

CRITERIA_LABELS = {
    "responsibility": _l("责任心"),
    "discipline": _l("纪律性"),
    "initiative": _l("主动性与执行力"),
    "loyalty": _l("忠诚度"),
    "teamwork": _l("团队配合"),
    "innovation": _l("创新能力"),
    "judgement": _l("理解与分析判断"),
}
GROUP_LABELS = {"self": _l("自评"), "leader": _l("领导评"), "peer": _l("同事评")}
SCALE_HINT = _l("优秀 5 分，合格 2–4 分，不合格 0–1 分")
POINTS = [SelectChoice(n, str(n)) for n in range(6)]
PICK = _l("请为每项标准评分")


def _criterion(code):
    return RadioField(CRITERIA_LABELS[code], choices=POINTS, coerce=int,
                      validators=[InputRequired(message=PICK)])


class ReviewForm(Form):
    """The seven criteria of the qualitative review, 0–5 each, and an optional comment."""

    responsibility = _criterion("responsibility")
    discipline = _criterion("discipline")
    initiative = _criterion("initiative")
    loyalty = _criterion("loyalty")
    teamwork = _criterion("teamwork")
    innovation = _criterion("innovation")
    judgement = _criterion("judgement")
    comment = TextAreaField(_l("评语（可选）"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})
    submit = SubmitField(_l("提交评价"))

    def criteria(self):
        return [self[code] for code in CRITERIA]

    def ratings(self):
        return {code: self[code].data for code in CRITERIA}


class IncidentForm(Form):
    """An incident: the deduction item is "indicator:category" (category empty for per-event indicators)."""

    day = DateField(_l("日期"), validators=[InputRequired(message=_l("请填写日期"))])
    item = SelectField(_l("扣分项"), choices=[], validate_choice=False)
    amount = DecimalField(_l("扣分"), validators=[Optional()], places=None,
                          description=_l("分值有范围的类别须填写；固定分值可留空"),
                          render_kw={"step": "0.01", "inputmode": "decimal"})
    note = StringField(_l("说明"), validators=[Optional(), Length(max=500)],
                       render_kw={"placeholder": _l("例如：客户来电未接听")})
    submit = SubmitField(_l("记录"))


class MetricForm(Form):
    """A month's metric: plan (when the rule scores a rate) and actual."""

    plan = DecimalField(_l("计划"), validators=[Optional()], places=None,
                        render_kw={"step": "0.01", "inputmode": "decimal"})
    actual = DecimalField(_l("实际"), validators=[InputRequired(message=_l("请填写实际值"))], places=None,
                          render_kw={"step": "0.01", "inputmode": "decimal"})
    note = StringField(_l("说明"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("保存"))


class RatingForm(Form):
    """A manual rating: a scale level, or points within the indicator's bounds."""

    level = SelectField(_l("等级"), choices=[], validate_choice=False)
    points = DecimalField(_l("分数"), validators=[Optional()], places=None,
                          render_kw={"step": "0.01", "inputmode": "decimal"})
    submit = SubmitField(_l("保存"))


class DeleteForm(Form):
    """A button that removes an entry (CSRF-protected POST)."""

    submit = SubmitField(_l("删除"))
