"""Web forms of work orders, scans, photos, surveys and complaints: shape only (the rules live in services)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (DateTimeLocalField, HiddenField, RadioField, SelectChoice, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.validation import DayField, Form, shown_datetime
from tracker.workorders.models import SURVEY_METHODS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
SERVICE_TYPES = ("常规保养", "维修", "安装", "调试", "巡检")
STATUS_LABELS = {"open": _l("进行中"), "completed": _l("已完工"), "cancelled": _l("已取消")}
REWORK_LABELS = {"none": _l("否"), "internal": _l("内返"), "external": _l("外返")}
METHOD_LABELS = {"phone": _l("电话回访"), "visit": _l("上门回访"), "online": _l("线上回访"), "other": _l("其他")}


def _choices(labels):
    return [SelectChoice(value, label) for value, label in labels.items()]


class LocalTimeField(DateTimeLocalField):
    """A browser datetime-local input that keeps the seconds: it takes a value with or without them and shows a
    stored time with its seconds when it has any (with step 1, so that the browser accepts such a value)."""

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return shown_datetime(self.data, sep="T")

    def __call__(self, **kwargs):
        if not self.raw_data and self.data is not None and self.data.second:
            kwargs.setdefault("step", 1)
        return super().__call__(**kwargs)


def _when(label, required=None):
    """A time field; `required`: the message that asks for it (None: it may stay empty)."""
    return LocalTimeField(label, format=DATETIME_FORMATS,
                          validators=[InputRequired(required) if required else Optional()])


class TimesForm(Form):
    """What the assigned engineer may log."""

    responded_at = _when(_l("响应时间"))
    arrived_at = _when(_l("到达现场时间"))
    completed_at = _when(_l("完工时间"))
    seen = HiddenField()  # the order's fields as the form showed them (JSON): what this user changed is what is sent
    submit = SubmitField(_l("保存"))


class WorkOrderForm(Form):
    number = StringField(_l("工单编号"), validators=[Optional(), Length(max=32)],
                         description=_l("留空则自动生成"))
    customer = StringField(_l("客户"), validators=[DataRequired(_l("请填写客户"))],  # 40 after NFC: the service counts
                           render_kw={"list": "customer-names", "autocomplete": "off", "data-picker": "customers"})
    equipment = StringField(_l("设备"), validators=[Optional()],
                            render_kw={"placeholder": _l("如 1号机"), "list": "equipment-names", "autocomplete": "off",
                                       "data-picker": "equipment", "data-customer-field": "customer"})
    service_type = StringField(_l("服务类型"), validators=[DataRequired(_l("请填写服务类型"))],
                               render_kw={"list": "service-types", "autocomplete": "off"})
    description = TextAreaField(_l("问题描述"), validators=[Optional(), Length(max=2000)])
    reported_at = _when(_l("报修时间"), required=_l("请填写报修时间"))
    deadline_at = _when(_l("要求完成时间"))
    engineer = SelectField(_l("指派工程师"), choices=[], default="")
    submitter = SelectField(_l("提交人"), choices=[], default="")
    responded_at = _when(_l("响应时间"))
    arrived_at = _when(_l("到达现场时间"))
    completed_at = _when(_l("完工时间"))
    status = SelectField(_l("状态"), choices=_choices(STATUS_LABELS), default="open")
    rework = SelectField(_l("返修"), choices=_choices(REWORK_LABELS), default="none")
    rework_of = StringField(_l("原工单编号（返修时）"), validators=[Optional(), Length(max=32)])
    seen = HiddenField()  # as TimesForm's
    submit = SubmitField(_l("保存"))


class ReworkForm(Form):
    rework = RadioField(_l("返修类型"), choices=[SelectChoice("internal", _l("内返")), SelectChoice("external", _l("外返"))],
                        validators=[InputRequired()])
    rework_of = StringField(_l("原工单编号"), validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("关联为返修"))


class ScanForm(Form):
    file = FileField(_l("电子档（PDF、JPG 或 PNG，最大 200 KB）"), validators=[FileRequired()],
                     render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})
    submit = SubmitField(_l("上传"))


class BulkScanForm(Form):
    files = MultipleFileField(_l("电子档（可多选）"), validators=[DataRequired()],
                              render_kw={"multiple": True, "accept": ".pdf,.jpg,.jpeg,.png"})
    submit = SubmitField(_l("上传并匹配工单"))


class PhotoForm(Form):
    files = MultipleFileField(_l("现场照片（JPG、PNG、WebP，可多选或拍照）"), validators=[DataRequired()],
                              render_kw={"multiple": True, "accept": "image/*", "capture": "environment"})
    submit = SubmitField(_l("上传照片"), id="photo-submit")  # beside the survey form's on the order's page


class SurveyForm(Form):
    score = RadioField(_l("满意度评分"), choices=[SelectChoice(n, str(n)) for n in range(5, 0, -1)], coerce=int,
                       validators=[InputRequired(message=_l("请选择满意度评分"))])
    method = SelectField(_l("回访方式"), choices=_choices({m: METHOD_LABELS[m] for m in SURVEY_METHODS}),
                         default="phone")
    comment = TextAreaField(_l("客户意见"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("保存回访"), id="survey-submit")


class ComplaintForm(Form):
    engineer = SelectField(_l("被投诉工程师"), choices=[], validate_choice=True)
    work_order = StringField(_l("工单编号（可选）"), validators=[Optional(), Length(max=32)])
    date = DayField(_l("投诉日期"), validators=[InputRequired(message=_l("请填写日期"))])
    upheld = RadioField(_l("投诉是否属实"), choices=_choices({"yes": _l("属实"), "no": _l("不属实")}),
                        validators=[InputRequired(message=_l("请选择投诉是否属实"))])
    resolution_satisfied = SelectField(_l("客户对处理结果"), choices=_choices(
        {"": _l("未回访"), "yes": _l("满意"), "no": _l("不满意")}), default="")
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("保存投诉"))
