"""Web forms of the itinerary pages; they check shape only, the rules live in services.py."""


from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import NumberInput, TimeInput

from tracker.itinerary.models import EXPENSE_CATEGORIES
from tracker.validation import DayField, Form

TEXT_MAX = 500

CATEGORY_LABELS = {"transport": _l("交通"), "lodging": _l("住宿"), "meals": _l("餐费"), "other": _l("其他")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TripForm(Form):
    date = DayField(_l("日期"), validators=[InputRequired(_l("请填写日期"))])
    full_day = BooleanField(_l("全天"), description=_l("全天行程计 7.5 小时，无需填写时间"))
    depart = StringField(_l("出发"), widget=TimeInput(), filters=[_strip], validators=[Length(max=8)])
    return_time = StringField(_l("返回"), widget=TimeInput(), filters=[_strip], validators=[Length(max=8)],
                              description=_l("返回 00:00 表示当晚 24:00"))
    customer = StringField(_l("客户"), filters=[_strip], validators=[Length(max=40)],
                           render_kw={"list": "customer-names", "autocomplete": "off"})
    work_order = StringField(_l("工单号"), filters=[_strip], validators=[Length(max=32)],
                             render_kw={"list": "work-order-numbers", "autocomplete": "off"},
                             description=_l("可选；只填工单时客户取自工单"))
    purpose = TextAreaField(_l("事由"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})
    note = TextAreaField(_l("备注"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})
    submit = SubmitField(_l("保存行程"))

    # service field name -> form field name, for mapping Invalid.fields back onto the form
    FIELD_MAP = {"return": "return_time"}

    def to_data(self):
        """Plain data for services.save_trip."""
        depart, ret = self.depart.data or "", self.return_time.data or ""
        # A time input cannot hold 24:00: a return at 00:00 means that night's midnight, whatever the departure (a
        # trip of 00:00 to 24:00 is a whole day out; the form shows it as 00:00 to 00:00 and must store it again).
        if ret in ("00:00", "00:00:00") and depart:
            ret = "24:00"
        return {"date": self.date.data, "full_day": bool(self.full_day.data), "depart": depart or None,
                "return": ret or None, "customer": self.customer.data or None,
                "work_order": self.work_order.data or None, "purpose": self.purpose.data or None,
                "note": self.note.data or None}

    def fill_from(self, trip):
        self.date.data = trip.day
        self.full_day.data = trip.full_day
        if not trip.full_day:
            self.depart.data = f"{trip.depart_min // 60:02d}:{trip.depart_min % 60:02d}"
            ret = trip.return_min % 1440
            self.return_time.data = f"{ret // 60:02d}:{ret % 60:02d}"
        self.customer.data = trip.customer.name if trip.customer else ""
        self.work_order.data = trip.work_order.number if trip.work_order else ""
        self.purpose.data = trip.purpose or ""
        self.note.data = trip.note or ""


class ExpenseForm(Form):
    date = DayField(_l("日期"), validators=[InputRequired(_l("请填写日期"))])
    category = SelectField(_l("费用类别"),
                           choices=[SelectChoice(code, CATEGORY_LABELS[code]) for code in EXPENSE_CATEGORIES])
    amount = StringField(_l("金额（元）"), filters=[_strip], validators=[InputRequired(_l("请填写金额")), Length(max=20)],
                         widget=NumberInput(step="0.01", min="0", max="100000"),
                         render_kw={"inputmode": "decimal"})
    work_order = StringField(_l("工单号"), filters=[_strip], validators=[Length(max=32)],
                             render_kw={"list": "work-order-numbers", "autocomplete": "off"})
    note = TextAreaField(_l("备注"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})
    submit = SubmitField(_l("保存费用"))

    FIELD_MAP = {}

    def to_data(self):
        """Plain data for services.save_expense (the amount stays text: the service parses it)."""
        return {"date": self.date.data, "category": self.category.data, "amount": self.amount.data,
                "work_order": self.work_order.data or None, "note": self.note.data or None}

    def fill_from(self, expense):
        self.date.data = expense.day
        self.category.data = expense.category
        self.amount.data = f"{expense.amount:.2f}"
        self.work_order.data = expense.work_order.number if expense.work_order else ""
        self.note.data = expense.note or ""


class ReopenForm(Form):
    """The reason is optional, as in the API (itinerary.services.reopen_month holds the rule): the page asked for one
    that the API did not."""
    reason = TextAreaField(_l("退回原因"), validators=[Length(max=TEXT_MAX)], render_kw={"rows": 2})
    submit = SubmitField(_l("退回该月"))


class ImportForm(Form):
    file = FileField(_l("工作行程表文件（.xlsx）"), validators=[FileRequired(_l("请选择文件"))],
                     render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    submit = SubmitField(_l("导入"))
