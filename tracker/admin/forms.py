"""Admin forms: they check shape only; the services hold the rules."""

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DecimalField, PasswordField, SelectChoice, SelectField, StringField,
                     SubmitField)
from wtforms.validators import InputRequired, Length, Optional

from tracker.validation import DayField, Form

ROLE_LABELS = {
    "engineer": _l("售后工程师"),
    "backoffice": _l("内勤"),
    "manager": _l("主管"),
    "gm": _l("总经理"),
    "admin": _l("系统管理员"),
}


class UserForm(Form):
    username = StringField(_l("用户名"), description=_l("3–32 个字符：小写字母、数字、_ . -"),
                           render_kw={"autocapitalize": "none", "autocomplete": "off"})
    display_name = StringField(_l("显示名称"))
    role = SelectField(_l("角色"), choices=[SelectChoice(code, label) for code, label in ROLE_LABELS.items()],
                       validate_choice=False)
    supervisor = SelectField(_l("直属上级"), choices=[], validate_choice=False)
    department = StringField(_l("部门"))
    hire_date = DayField(_l("入职日期"), validators=[Optional()])
    early_confirmation_month = StringField(_l("提前转正月份"), validators=[Optional()],
                                           description=_l("YYYY-MM，从该月起参加考核；留空表示没有提前转正"),
                                           render_kw={"type": "month", "placeholder": "YYYY-MM"})
    bonus_base = DecimalField(_l("绩效奖金基数（元/月）"), validators=[Optional()], render_kw={"step": "0.01"})
    email = StringField(_l("电子邮箱"), render_kw={"type": "email", "autocapitalize": "none"})
    active = BooleanField(_l("启用"), default=True)
    password = PasswordField(_l("密码"), render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("保存"))

    def validate(self, extra_validators=None):
        """Also: an engineer needs a hire date, since assessment runs from it (CONTRACT 7); without one the page
        stored an engineer who is never assessed (the API asks every new user for a hire date)."""
        valid = super().validate(extra_validators)
        # asked of a new engineer and of one made so; an engineer made by create-user (no hire date) still saves
        made_engineer = getattr(self, "was_role", None) != "engineer"
        if self.role.data == "engineer" and made_engineer and self.hire_date.data is None and not self.hire_date.errors:
            self.hire_date.errors = [_l("工程师须填写入职日期（入职满六个月起参加考核）")]
            return False
        return valid


class CustomerForm(Form):
    name = StringField(_l("客户名称"), description=_l("最多 40 个字符，不能包含 \\ / : * ? \" < > |"))
    submit = SubmitField(_l("保存"))


class CalendarDayForm(Form):
    day = DayField(_l("日期"), validators=[InputRequired(message=_l("请填写日期"))])
    kind = SelectField(_l("设置为"), choices=[SelectChoice("workday", _l("工作日（上班）")),
                                             SelectChoice("restday", _l("休息日")),
                                             SelectChoice("clear", _l("恢复法定安排"))])
    note = StringField(_l("备注"), validators=[Length(max=100)])
    submit = SubmitField(_l("保存"))
