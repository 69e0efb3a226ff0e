"""Review and entry forms: they check shape only; the services hold the rules."""

from flask_babel import lazy_gettext as _l
from wtforms import (DecimalField, IntegerField, RadioField, SelectChoice, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from tracker.validation import DayField, Form

GROUP_LABELS = {"self": _l("自评"), "leader": _l("领导评"), "peer": _l("同事评")}
SCALE_HINT = _l("优秀 5 分，合格 2–4 分，不合格 0–1 分")
PICK = _l("请为每项标准评分")
BUTTONS_UP_TO = 10  # a criterion rated 0..n shows n + 1 buttons up to this; a number field above it


def scale_hint(spec):
    """The line under the title: the seed's levels on the default 0–5 scale, else the range."""
    if spec.scale_max == 5:
        return SCALE_HINT
    return _l("每项 0 到 %(n)s 分", n=spec.scale_max)


def _criterion(label, scale_max):
    if scale_max <= BUTTONS_UP_TO:
        return RadioField(label, choices=[SelectChoice(n, str(n)) for n in range(scale_max + 1)], coerce=int,
                          validators=[InputRequired(message=PICK)])
    return IntegerField(label, validators=[InputRequired(message=PICK)],
                        render_kw={"min": 0, "max": scale_max, "inputmode": "numeric"})


class ReviewForm(Form):
    """A qualitative review: one rating per criterion of the template (built by `review_form`) and a comment."""

    comment = TextAreaField(_l("评语（可选）"), validators=[Optional(), Length(max=500)], render_kw={"rows": 3})
    submit = SubmitField(_l("提交评价"))
    codes = ()

    def criteria(self):
        return [self[code] for code in self.codes]

    def ratings(self):
        return {code: self[code].data for code in self.codes}


def review_form(spec, lang):
    """The review form of a template's qualitative part: its criteria in its order, named in `lang`, each rated
    0 to its top rating (checked again, with the rest of the rules, by the service)."""
    fields = {code: _criterion(name.get(lang), spec.scale_max) for code, name in spec.criteria}
    form_class = type("TemplateReviewForm", (ReviewForm,), {**fields, "codes": tuple(fields)})
    return form_class()


class IncidentForm(Form):
    """An incident: the deduction item is "indicator:category" (category empty for per-event indicators)."""

    FIELD_MAP = {"date": "day", "indicator": "item", "category": "item"}  # the service's names of these fields

    day = DayField(_l("日期"), validators=[InputRequired(message=_l("请填写日期"))])
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
