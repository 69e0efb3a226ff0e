"""Approval forms of the score page (审批): adjustments, veto, interview, reopening, and the confirm button.
They check shape only; tracker/scores/approval.py holds the rules."""

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker.validation import Form


class AdjustmentForm(Form):
    """A proposed adjustment: points (not 0, −100 to 100, 2 decimals at most) and the reason."""

    points = DecimalField(_l("加减分"), validators=[InputRequired(message=_l("请填写分数"))], places=None,
                          description=_l("加分填正数，减分填负数，如 5 或 -3；总经理批准后计入"),
                          # no inputmode "decimal": iOS's decimal pad has no minus key, and a deduction needs one
                          render_kw={"step": "0.01"})
    reason = TextAreaField(_l("理由"), validators=[InputRequired(message=_l("请填写理由")), Length(max=500)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("提交加减分"))


class VetoForm(Form):
    """一票否决: the month's total becomes 0."""

    reason = TextAreaField(_l("否决理由"), validators=[InputRequired(message=_l("请填写理由")), Length(max=500)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("一票否决"), render_kw={"class": "btn btn-danger"})


class InterviewForm(Form):
    """绩效面谈: what was discussed."""

    notes = TextAreaField(_l("面谈记录"), validators=[InputRequired(message=_l("请填写面谈记录")),
                                                       Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField(_l("记录面谈"))


class OutcomeForm(Form):
    """考核结果运用 (form 9's 晋升意见): one of the template's outcomes, or none; the choices are the template's."""

    decision = SelectField(_l("依据本次评价，决定"), choices=[], validate_choice=False)
    detail = StringField(_l("具体内容"), validators=[Length(max=200)],
                         description=_l("如：升职至售后主管；续签劳动合同，自 2027-01 起两年"))
    submit = SubmitField(_l("记录结果运用"))


class ReopenForm(Form):
    """Reopen an approved score (logged with the reason)."""

    reason = TextAreaField(_l("重新打开的理由"), validators=[InputRequired(message=_l("请填写理由")),
                                                             Length(max=500)], render_kw={"rows": 2})
    submit = SubmitField(_l("重新打开"))


class EarlyConfirmationForm(Form):
    """提前转正 from a month on; the user service checks the month and the three months of service."""

    FIELD_MAP = {"early_confirmation_month": "from_month"}

    from_month = StringField(_l("自哪个月起"), validators=[InputRequired(message=_l("请填写转正月份"))],
                             render_kw={"type": "month", "placeholder": "YYYY-MM"})
    submit = SubmitField(_l("记录"))


class ConfirmForm(Form):
    """A CSRF-protected button: approve the score, approve or reject an adjustment."""
