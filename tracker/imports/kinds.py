"""What each import file holds: its columns (Chinese header, English header), example rows, and how a row is stored.

A row is stored through the same services the API and the web forms call, so every rule is checked once, in one
place; this module only turns the cells of a row into the plain data those services take.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker import clock, language, validation, xlsx
from tracker.customers import services as customer_services
from tracker import equipment as equipment_services
from tracker.equipment import Equipment
from tracker.admin import services as admin_services
from tracker.auth import services as auth_services
from tracker.auth.models import ROLES, User
from tracker.auth.access import can_manage_order
from tracker.errors import Forbidden, Invalid
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary import services as itinerary_services
from tracker.itinerary.models import ATTENDANCE_STATUSES, Attendance, CalendarDay
from tracker.workorders import services as order_services
from tracker.workorders.models import REWORK, STATUSES, WorkOrder
from tracker.customers.models import Customer

YES = ("是", "yes", "y", "true", "1", "在职", "工作日")
NO = ("否", "no", "n", "false", "0", "离职", "休息日")
# the names an office writes for a role: Tracker's own (售后工程师, 系统管理员: the users page), the contract's (技术员)
# and the short ones; their English (After-sales engineer, Back-office) is taken too, as for every label (_choice)
ROLE_LABELS = {"engineer": ("售后工程师", "工程师", "技术员"), "backoffice": "内勤", "manager": "主管", "gm": "总经理",
               "admin": ("系统管理员", "管理员")}


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False
    choices: tuple = ()
    width: int = 16

    def header(self):
        """The column's header in the reader's language: the template's Chinese row, or its English row."""
        return self.en if language.current() == "en" else self.zh


@dataclass(frozen=True)
class Kind:
    name: str
    title: object
    columns: tuple
    examples: tuple
    key: tuple  # the columns that identify the stored record a row matches
    second_pass: tuple = field(default=())  # columns that may point at rows of the same file, set after all rows

    def key_of(self, row):
        """The row's key as the stored record's reads: a date in any spelling a cell may have (2026/3/4) as
        YYYY-MM-DD, so that the report and the check for a record named twice see the record the row is stored as."""
        return tuple(xlsx.iso_text(row.get(column) or "") if column == "date" else row.get(column) or ""
                     for column in self.key)


# ---- cell values -> plain data --------------------------------------------------------------------------

def parse_date(value, field):
    return validation.parse_date(xlsx.iso_text(value), field)


def parse_datetime(value, field):
    """A cell's time: ISO 8601, or a date as Excel writes it then the time (2026/10/19 9:30 as 2026-10-19 09:30).
    A cell holding a day alone is that day's 00:00, as Excel keeps a date (a workbook's midnight reads as one)."""
    value = xlsx.iso_text(value)
    if isinstance(value, str):
        value = re.sub(r"(?<=[0-9]{4}-[0-9]{2}-[0-9]{2}[ T])([0-9]):", r"0\1:", value)
        if validation.DATE_RE.match(value):
            value += " 00:00"
    return validation.parse_datetime(value, field, clock.to_local)


def _flag(value, name):
    text = (value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise Invalid.field(name, _("须为 是 或 否"))


def _decimal(value, name):
    value = xlsx.plain_number(value)  # 2,600 as a spreadsheet keeps a number typed as text; １０００ as 1000
    if isinstance(value, str) and not value.isascii():  # Decimal reads other scripts' digits (١٠); the API does not
        raise Invalid.field(name, _("须为数字"))
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError):
        raise Invalid.field(name, _("须为数字")) from None
    if not number.is_finite():
        raise Invalid.field(name, _("须为数字"))
    return number


def _english(labels):
    """{code: the English of its Chinese names}: their translations, the names the English pages show (a name
    without one has none)."""
    with force_locale("en"):
        english = {code: [(label, _(label)) for label in names] for code, names in labels.items()}
    return {code: tuple(dict.fromkeys(text for label, text in pairs if text != label))
            for code, pairs in english.items()}


def _choice(value, name, choices, labels=None):
    """The code `value` is, or names by one of its Chinese labels (a label or a tuple of them) or their English, in
    any letter case; refused naming the codes and their names in the reader's language."""
    labels = {code: (label,) if isinstance(label, str) else label for code, label in (labels or {}).items()}
    said = " ".join(str(value).split()).casefold()  # Open, OPEN, after-sales  engineer

    def named(names):
        return next((code for code in choices if said == code.casefold()
                     or said in (label.casefold() for label in names.get(code, ()))), None)

    code = named(labels) or (named(_english(labels)) if said.isascii() else None)
    if code is not None:
        return code
    shown = _english(labels) if language.current() == "en" else labels
    listed = [_("%(code)s（%(names)s）", code=code, names="/".join(shown[code])) if shown.get(code) else code
              for code in choices]
    raise Invalid.field(name, _("须为 %(v)s 之一", v=", ".join(listed)))


def _plain(row, names):
    """The cells of `names` that are present in the row (empty cells as None)."""
    return {name: (row.get(name) or None) for name in names if name in row}


# ---- users -----------------------------------------------------------------------------------------------

USERS = Kind(
    name="users", title=_l("人员"), key=("username",), second_pass=("supervisor",),
    columns=(
        Column("username", "用户名", "username", required=True),
        Column("display_name", "姓名", "display_name", required=True),
        Column("role", "角色", "role", required=True, choices=ROLES),
        Column("supervisor", "直属上级", "supervisor"),
        Column("department", "部门", "department"),
        Column("hire_date", "入职日期", "hire_date"),
        Column("bonus_base", "绩效奖金基数", "bonus_base"),
        Column("email", "电子邮箱", "email", width=24),
        Column("active", "在职", "active", choices=("是", "否")),
        Column("early_confirmation_month", "提前转正月份", "early_confirmation_month"),
        Column("password", "初始密码", "password"),
    ),
    examples=(
        {"username": "zhangsan", "display_name": "张三", "role": "engineer", "supervisor": "mgr.liu",
         "department": "售后服务部", "hire_date": "2024-03-01", "bonus_base": "2000", "email": "zhangsan@example.com",
         "active": "是", "password": "changeme-2026"},
        {"username": "mgr.liu", "display_name": "刘志强", "role": "manager", "supervisor": "",
         "department": "售后服务部", "hire_date": "2019-07-15", "bonus_base": "3000", "email": "", "active": "是",
         "password": "changeme-2026"},
    ),
)


def _user_data(row, fields):
    """The row's user fields; a cell that cannot be read is kept in `fields` (a FieldErrors) and left out."""
    data = _plain(row, ("display_name", "department", "email", "password", "early_confirmation_month"))
    if data.get("early_confirmation_month"):  # ２０２５－０３ as a date's digits are read
        month = xlsx.iso_text(data["early_confirmation_month"])
        # a date cell of the month's first day: what Excel makes of 2025-10 typed into a cell not kept as text
        data["early_confirmation_month"] = month[:7] if re.fullmatch(r"\d{4}-\d{2}-01", str(month)) else month
    readers = {"role": lambda text: _choice(text or "", "role", ROLES, ROLE_LABELS),
               "hire_date": lambda text: parse_date(text or None, "hire_date"),
               "bonus_base": lambda text: _decimal(text or "0", "bonus_base"),
               "active": lambda text: _flag(text, "active")}
    for name, read in readers.items():
        if name in row and (name != "active" or row[name]):
            with fields.check():
                data[name] = read(row[name])
    return data


def store_user(actor, row, now, named=()):
    """One row of users: every cell at fault named at once, those the service refuses with those it cannot read (a
    row of six bad cells took six rounds). A row with an unreadable cell is checked by the service in a savepoint
    that is rolled back: nothing of it stays. `named`: the usernames of the file's rows; a supervisor none of them
    names is checked with the row's other cells (it is linked in a second pass: a bad one took another round)."""
    fields = validation.FieldErrors()
    user = auth_services.get_by_username(row.get("username") or "")
    data = _user_data(row, fields)
    if row.get("supervisor") and row["supervisor"] not in named:
        with fields.check():
            auth_services.resolve_supervisor(row["supervisor"], user)
    data.pop("supervisor", None)
    if user is not None:
        data.pop("password", None)  # an import never changes the password of an existing user
        if "supervisor" in row and not row["supervisor"]:
            data["supervisor"] = None  # an empty cell clears it, as every other column's does (a name: second pass)

    def save():
        if user is None:  # without a password, an admin sets one before the first login
            auth_services.create_user({**data, "username": row.get("username") or ""}, password_required=False)
        else:
            admin_services.update_user(actor, user, data)

    if not fields.errors:
        save()
        return
    with fields.check():
        savepoint = db.session.begin_nested()
        try:
            save()
        finally:
            savepoint.rollback()
    fields.raise_any()


def link_supervisor(actor, row, now):
    user = auth_services.get_by_username(row["username"])
    admin_services.update_user(actor, user, {"supervisor": row.get("supervisor") or None})


def export_user(user):
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "supervisor": user.supervisor.username if user.supervisor else "", "department": user.department or "",
            "hire_date": user.hire_date.isoformat() if user.hire_date else "",
            "bonus_base": _number(user.bonus_base), "email": user.email or "",
            "active": "是" if user.active else "否", "early_confirmation_month": user.early_confirmation_month or "",
            "password": ""}


def all_users():
    return [export_user(user) for user in db.session.scalars(select(User).order_by(User.username))]


# ---- customers and their equipment -----------------------------------------------------------------------

CUSTOMERS = Kind(
    name="customers", title=_l("客户与设备"), key=("customer", "equipment"),
    columns=(
        Column("customer", "客户名称", "customer", required=True, width=24),
        Column("equipment", "设备名称", "equipment"),
        Column("model", "型号", "model"),
        Column("serial", "序列号", "serial"),
        Column("installed_on", "安装日期", "installed_on"),
    ),
    examples=(
        {"customer": "旗滨玻璃", "equipment": "1号机", "model": "QB-2000", "serial": "SN20190312",
         "installed_on": "2019-03-12"},
        {"customer": "旗滨玻璃", "equipment": "2号机", "model": "QB-2000", "serial": "SN20200518",
         "installed_on": "2020-05-18"},
        {"customer": "南方水泥", "equipment": "", "model": "", "serial": "", "installed_on": ""},
    ),
)


def _customer(name):
    return db.session.scalar(select(Customer).where(Customer.name == (name or "")))


def _in_column(column, action):
    """Run `action`; a refusal of the service's `name` field is reported in the file's `column`."""
    try:
        return action()
    except Invalid as error:
        fields = {(column if key == "name" else key): message for key, message in (error.fields or {}).items()}
        raise Invalid(error.message, fields) from None


def store_customer(actor, row, now):
    customer = _customer(row.get("customer")) or _in_column(
        "customer", lambda: customer_services.create_customer(row.get("customer")))
    if row.get("equipment"):
        _in_column("equipment", lambda: equipment_services.save_equipment(customer, {
            "name": row["equipment"], "model": row.get("model"), "serial": row.get("serial"),
            "installed_on": parse_date(row.get("installed_on") or None, "installed_on")}))
        return
    for detail in ("model", "serial", "installed_on"):
        if row.get(detail):
            raise Invalid.field(detail, _("填写型号、序列号或安装日期时须填写设备名称"))


def no_machine(name):
    return {"customer": name, "equipment": "", "model": "", "serial": "", "installed_on": ""}


def _machine_row(customer, machine):
    if machine is None:
        return no_machine(customer.name)
    return {"customer": customer.name, "equipment": machine.name, "model": machine.model or "",
            "serial": machine.serial or "", "installed_on": machine.installed_on.isoformat() if machine.installed_on
            else ""}


def all_customers():
    """One row per machine, and one for each customer without any."""
    machines = {}
    for machine in db.session.scalars(select(Equipment).order_by(Equipment.name)):
        machines.setdefault(machine.customer_id, []).append(machine)
    rows = []
    for customer in db.session.scalars(select(Customer).order_by(Customer.name)):
        rows.extend(_machine_row(customer, machine) for machine in machines.get(customer.id) or [None])
    return rows


# ---- work orders -------------------------------------------------------------------------------------------

TIME_COLUMNS = ("reported_at", "deadline_at", "responded_at", "arrived_at", "completed_at")
WORK_ORDERS = Kind(
    name="work_orders", title=lazy_pgettext("nav", "工单"), key=("number",), second_pass=("rework_of",),
    columns=(
        Column("number", "工单编号", "number", required=True),
        Column("customer", "客户", "customer", required=True, width=20),
        Column("equipment", "设备", "equipment"),
        Column("service_type", "服务类型", "service_type", required=True,
               choices=("常规保养", "维修", "安装", "调试", "巡检")),
        Column("description", "故障描述", "description", width=30),
        Column("reported_at", "报修时间", "reported_at", required=True, width=18),
        Column("deadline_at", "要求完成时间", "deadline_at", width=18),
        Column("engineer", "工程师", "engineer"),
        Column("submitter", "提交人", "submitter"),
        Column("responded_at", "响应时间", "responded_at", width=18),
        Column("arrived_at", "到达时间", "arrived_at", width=18),
        Column("completed_at", "完工时间", "completed_at", width=18),
        Column("status", "状态", "status", choices=STATUSES),
        Column("rework", "返修", "rework", choices=REWORK),
        Column("rework_of", "原工单", "rework_of"),
    ),
    examples=(
        {"number": "WO20261015-001", "customer": "旗滨玻璃", "equipment": "1号机", "service_type": "维修",
         "description": "主轴异响", "reported_at": "2026-10-15 09:00", "deadline_at": "2026-10-16 18:00",
         "engineer": "zhangsan", "submitter": "office", "responded_at": "2026-10-15 09:40",
         "arrived_at": "2026-10-15 13:00", "completed_at": "2026-10-15 17:30", "status": "completed",
         "rework": "none", "rework_of": ""},
        {"number": "WO20261020-002", "customer": "旗滨玻璃", "equipment": "1号机", "service_type": "维修",
         "description": "主轴再次异响", "reported_at": "2026-10-20 10:00", "deadline_at": "",
         "engineer": "zhangsan", "submitter": "office", "responded_at": "", "arrived_at": "", "completed_at": "",
         "status": "open", "rework": "external", "rework_of": "WO20261015-001"},
    ),
)
STATUS_LABELS = {"open": "进行中", "completed": "已完工", "cancelled": "已取消"}
REWORK_LABELS = {"none": ("无", "否"), "internal": "内返", "external": "外返"}  # 否: the pages' name


def _order_data(row, fields=None):
    """The row as work-order data; a rework link (and its kind) waits for the second pass. With `fields` (a
    FieldErrors) a cell that cannot be read is kept there and left out of the data, else it is raised."""
    data = _plain(row, ("customer", "equipment", "service_type", "description", "engineer", "submitter"))
    if "equipment" in data:
        data["equipment"] = data["equipment"] or ""
    gather = fields is not None
    fields = fields if gather else validation.FieldErrors()  # every cell at fault at once (a round for each)
    for name in TIME_COLUMNS:
        if name in row:
            with fields.check():
                data[name] = parse_datetime(row[name] or None, name)
    if row.get("status"):
        with fields.check():
            data["status"] = _choice(row["status"], "status", STATUSES, STATUS_LABELS)
    rework = None
    with fields.check():
        rework = _choice(row.get("rework") or "none", "rework", REWORK, REWORK_LABELS)
    if not gather:
        fields.raise_any()
    if not row.get("rework_of") and rework is not None:
        if "rework" in row:
            data["rework"] = rework
        if "rework_of" in row:
            data["rework_of"] = None
    return data


def store_order(actor, row, now, records):
    number = row.get("number") or ""
    if not number:
        raise Invalid.field("number", _("必填"))
    order = records.order(number)
    fields = validation.FieldErrors()
    data = _order_data(row, fields)
    if fields.errors:  # cells that cannot be read, and what the service finds wrong in the others: one round
        with fields.check():
            order_services.check_order(actor, order or WorkOrder(), data, records, whole=False)
        fields.raise_any()
    if not data.get("submitter"):  # an empty cell: for a new order the one who enters it, as through the API
        data.pop("submitter", None)  # (CONTRACT 5); an order's submitter stays (the file again changes nothing)
    if order is None:
        if row.get("rework_of") and records.order(row["rework_of"]) is not None:  # stored, or a row before
            data.update(_rework_link(row))  # the link is part of the new order (an admin creates, never changes)
        order_services.create_order(actor, {"number": number, **data}, now, records)
        return
    current = _order_data(export_order(order))
    changes = {name: value for name, value in data.items() if name not in current or current[name] != value}
    if not changes:  # a row as stored changes nothing, whoever imports it (an admin's re-import was refused)
        return
    _may_change(actor, order, changes)
    order_services.update_order(actor, order, changes, now, records)


def _may_change(actor, order, changes):
    if not can_manage_order(actor, order):  # an admin creates orders, never changes them: say which columns
        message = _("与已存的不同：只有内勤或该工单的主管可以修改已有的工单")
        raise Forbidden(message, dict.fromkeys(changes, message))


def _rework_link(row):
    return {"rework": _choice(row.get("rework") or "none", "rework", REWORK, REWORK_LABELS),
            "rework_of": row["rework_of"]}


def link_rework(actor, row, now, records, created):
    """The link of a row's order to the order it redoes, a later row of the file maybe. For an order the file
    creates (`created`: its numbers) the link is part of creating it, checked by the rules a new order's are."""
    order = records.order(row["number"])
    link = _rework_link(row)
    changes = {name: value for name, value in link.items() if value != export_order(order)[name]}
    if not changes:
        return  # made with the order, or stored so already
    if order.number in created:
        for name, value in order_services.check_order(actor, order, link, records).items():
            setattr(order, name, value)
        return
    _may_change(actor, order, changes)
    order_services.update_order(actor, order, link, now, records)


def _time(value):
    return validation.shown_datetime(value)


def export_order(order):
    return {"number": order.number, "customer": order.customer.name, "equipment": order.equipment or "",
            "service_type": order.service_type, "description": order.description or "",
            **{name: _time(getattr(order, name)) for name in TIME_COLUMNS},
            "engineer": order.engineer.username if order.engineer else "",
            "submitter": order.submitter.username if order.submitter else "",
            "status": order.status, "rework": order.rework,
            "rework_of": order.rework_of.number if order.rework_of else ""}


def _orders_query():
    return select(WorkOrder).options(joinedload(WorkOrder.customer), joinedload(WorkOrder.engineer),
                                     joinedload(WorkOrder.submitter), joinedload(WorkOrder.rework_of))


def all_orders():
    return [export_order(order) for order in db.session.scalars(_orders_query().order_by(WorkOrder.number)).unique()]


# ---- attendance exceptions and calendar overrides ----------------------------------------------------------

ATTENDANCE = Kind(
    name="attendance", title=_l("考勤异常"), key=("username", "date"),
    columns=(
        Column("username", "用户名", "username", required=True),
        Column("date", "日期", "date", required=True),
        Column("status", "状态", "status", required=True, choices=ATTENDANCE_STATUSES),
    ),
    examples=({"username": "zhangsan", "date": "2026-10-12", "status": "late"},
              {"username": "zhangsan", "date": "2026-10-13", "status": "sick_leave"}),
)


def _engineer(username):
    engineer = auth_services.get_by_username(username or "")
    if engineer is None or engineer.role != "engineer":
        raise Invalid.field("username", _("没有用户名为 %(name)s 的工程师", name=username or ""))
    return engineer


# the statuses as CONTRACT 4 names them in Chinese, taken as the codes are (a clerk's own sheet is in Chinese)
ATTENDANCE_LABELS = {"present": "出勤", "late": "迟到", "early_leave": "早退", "absent": "旷工",
                     "personal_leave": "事假", "sick_leave": "病假", "annual_leave": "年假", "business_trip": "出差"}


def store_attendance(actor, row, now):
    engineer = _engineer(row.get("username"))
    day = parse_date(row.get("date") or None, "date")
    status = _choice(row.get("status") or "", "status", ATTENDANCE_STATUSES, ATTENDANCE_LABELS)
    itinerary_services.set_attendance(actor, engineer, day, status, now=now)


def all_attendance():
    """The attendance records of the days that are workdays now: a record kept from before a day stopped being one
    (the calendar changed since) counts nowhere, and importing it back would be refused (CONTRACT 4)."""
    query = (select(User.username, Attendance.day, Attendance.status).join(User, User.id == Attendance.engineer_id)
             .order_by(User.username, Attendance.day))
    rows = db.session.execute(query).all()
    if not rows:
        return []
    first, last = min(row.day for row in rows), max(row.day for row in rows)
    workdays = calendar.workdays_between(first, date.fromordinal(last.toordinal() + 1))
    return [{"username": username, "date": day.isoformat(), "status": status}
            for username, day, status in rows if workdays[day]]


CALENDAR = Kind(
    name="calendar", title=_l("日历调整"), key=("date",),
    columns=(
        Column("date", "日期", "date", required=True),
        Column("workday", "工作日", "workday", required=True, choices=("是", "否")),
        Column("note", "备注", "note", width=24),
    ),
    examples=({"date": "2026-10-10", "workday": "是", "note": "调休上班"},
              {"date": "2026-12-31", "workday": "否", "note": "公司年会"}),
)


def store_calendar(actor, row, now):
    day = parse_date(row.get("date") or None, "date")
    if day is None:  # a row error, not a failed write of a day without a date
        raise Invalid.field("date", _("请填写日期"))
    workday = _flag(row.get("workday"), "workday")
    calendar.set_day(day, workday, row.get("note"))


def export_calendar(record):
    return {"date": record.day.isoformat(), "workday": "是" if record.workday else "否", "note": record.note or ""}


def all_calendar():
    return [export_calendar(record) for record in db.session.scalars(select(CalendarDay).order_by(CalendarDay.day))]


def _date_or_none(value):
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _number(value):
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text


KINDS = {kind.name: kind for kind in (USERS, CUSTOMERS, WORK_ORDERS, ATTENDANCE, CALENDAR)}
EVERYTHING = {"users": all_users, "customers": all_customers, "work_orders": all_orders,
              "attendance": all_attendance, "calendar": all_calendar}
