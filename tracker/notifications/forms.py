"""The group-chat robot form: it checks shape only; robots.save holds the rules."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.validation import Form


class RobotForm(Form):
    name = StringField(_l("名称"), description=_l("例如：华东服务群"))
    platform = SelectField(_l("平台"), choices=[], validate_choice=False)
    team = SelectField(_l("团队（主管）"), choices=[], validate_choice=False,
                       description=_l("机器人发送该主管团队中工程师的通知"))
    webhook_url = StringField(_l("Webhook 网址"), render_kw={"autocomplete": "off", "autocapitalize": "none",
                                                              "type": "url"})
    secret = PasswordField(_l("加签密钥（钉钉）"), render_kw={"autocomplete": "new-password"},
                           description=_l("钉钉机器人的“加签”安全设置中的密钥（SEC 开头）；企业微信留空"))
    clear_secret = BooleanField(_l("删除已保存的密钥"))
    kinds = SelectMultipleField(_l("发送的通知"), choices=[], validate_choice=False,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    active = BooleanField(_l("启用"), default=True)
    submit = SubmitField(_l("保存"))
