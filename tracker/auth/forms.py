"""Login and password forms."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.validation import Form


class LoginForm(Form):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=32)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("记住我"))
    submit = SubmitField(_l("登录"))


class PasswordChangeForm(Form):
    """A user's own new password: the current one, then the new one twice (the rule of its length is the service's)."""

    FIELD_MAP = {"password": "new"}  # the service names the new one "password"
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码")), Length(max=128)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("新密码（8–128 个字符）"), validators=[DataRequired(_l("请填写新密码"))],
                        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("再次输入新密码"), validators=[EqualTo("new", _l("两次输入的新密码不一致"))],
                           render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("修改密码"))
