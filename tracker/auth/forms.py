"""Login form."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from tracker.validation import Form


class LoginForm(Form):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=32)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("记住我"))
    submit = SubmitField(_l("登录"))
