"""The demo data set: a small after-sales department with three months of field work (CONTRACT 1).

Every demo login uses the password ``demo1234``. The rows are written straight into the session for speed, but they
obey the same rules as the services: no overlapping trips, nothing after now, work-order times in order, trip hours
from the field-hour rules, attendance on workdays only. A fixed seed makes the set the same for the same day.
"""

import json
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import literal, select
from werkzeug.security import generate_password_hash

from tracker.auth.models import User
from tracker.customers.services import create_customer
from tracker.equipment import save_equipment
from tracker.errors import Conflict
from tracker.extensions import db
from tracker.itinerary import calendar
from tracker.itinerary.models import Attendance, Expense, MonthSubmission, Trip
from tracker.reviews.models import CRITERIA, Review
from tracker.scoring.fieldhours import trip_hours
from tracker.workorders.models import Survey, WorkOrder
from tracker.scoring.month import Month

PASSWORD = "demo1234"
SEED = 20260901

# username, role, display name, supervisor, department, hire date, monthly bonus base
STAFF = (
    ("gm.wang", "gm", "王建国", None, "售后服务部", date(2012, 3, 1), "8000"),
    ("admin", "admin", "系统管理员", None, "信息部", date(2015, 7, 1), "0"),
    ("office", "backoffice", "李静", "gm.wang", "售后服务部", date(2018, 5, 14), "2000"),
    ("mgr.liu", "manager", "刘志强", "gm.wang", "售后服务一组（华东）", date(2014, 9, 1), "5000"),
    ("mgr.chen", "manager", "陈立新", "gm.wang", "售后服务二组（华南）", date(2016, 2, 22), "5000"),
)

# username, display name, supervisor, hire date ("month-end"/"recent": relative to now, see _hire_date), bonus base,
# habits:
# rest = share of workdays without field work, late = chance a response takes over 2 h,
# miss = chance a deadline is missed, spend = expense factor, absent = chance of an attendance exception a workday
ENGINEERS = (
    ("zhangsan", "张三", "mgr.liu", date(2019, 3, 11), "3000", dict(rest=.15, late=.03, miss=.03, spend=1.0, absent=.03)),
    ("lisi", "李四", "mgr.liu", date(2020, 7, 6), "2800", dict(rest=.2, late=.08, miss=.06, spend=1.1, absent=.05)),
    ("wangqiang", "王强", "mgr.liu", date(2017, 10, 9), "3200", dict(rest=.2, late=.2, miss=.1, spend=1.0, absent=.09)),
    ("zhaomin", "赵敏", "mgr.liu", date(2021, 4, 19), "2600", dict(rest=.1, late=.0, miss=.0, spend=.8, absent=.02)),
    ("sunhao", "孙浩", "mgr.chen", date(2018, 8, 27), "3000", dict(rest=.15, late=.05, miss=.05, spend=1.9, absent=.04)),
    ("zhoujie", "周杰", "mgr.chen", date(2022, 1, 10), "2600", dict(rest=.2, late=.1, miss=.25, spend=1.1, absent=.05)),
    ("wulei", "吴磊", "mgr.chen", "month-end", "2500", dict(rest=.25, late=.06, miss=.05, spend=1.0, absent=.04)),
    ("zhengyu", "郑宇", "mgr.chen", "recent", "2200", dict(rest=.35, late=.1, miss=.05, spend=1.0, absent=.03)),
)

CUSTOMERS = ("旗滨玻璃", "南玻集团", "信义玻璃", "福耀玻璃", "中建材凯盛", "海螺水泥", "金晶科技", "台玻集团",
             "耀皮玻璃", "洛阳玻璃", "华润水泥", "冀东水泥", "北玻股份", "彩虹股份", "东旭光电")
EQUIPMENT = ("1号机", "2号机", "3号机", "1号线", "2号线", "3号线", "熔窑", "退火窑", "切割机", "钢化炉", "")
SERVICE_TYPES = (("常规保养", 30), ("维修", 30), ("巡检", 20), ("调试", 10), ("安装", 10))
FAULTS = ("温控异常", "报警停机", "传动部位异响", "液压压力不稳", "切割精度偏差", "电机过热", "PLC 通讯中断")
DESCRIPTIONS = {"常规保养": "季度例行保养，更换滤芯和润滑油", "巡检": "月度巡检，检查电气柜和传动部件",
                "调试": "工艺参数调试，配合客户试生产", "安装": "新设备安装及单机试车"}
OTHER_PURPOSES = ("客户回访", "备件送货", "技术交流", "培训客户操作人员", "售前技术支持")
TRANSPORT = ("出租车", "高铁", "公交地铁", "自驾油费", "过路费")
# status, weight: how often each attendance exception occurs
EXCEPTIONS = (("late", 35), ("personal_leave", 15), ("sick_leave", 15), ("annual_leave", 12), ("early_leave", 10),
              ("business_trip", 8), ("absent", 8))
AWAY = ("absent", "personal_leave", "sick_leave", "annual_leave")


# what an instance holds before its work starts: people, settings and the app's own records; any other row is work
NOT_WORK = frozenset({"users", "kpi_templates", "template_assignments", "hidden_templates", "calendar_days",
                      "chat_robots", "audit_events", "auth_sessions", "api_tokens", "login_attempts", "job_runs",
                      "job_run_history", "notifications", "outbox"})


def _has_data():
    """Whether the database holds work data (CONTRACT 1): users alone are not (an administrator created first), nor
    settings; a complaint, an adjustment or any other record is (a table added later counts as work)."""
    return any(db.session.scalar(select(literal(1)).select_from(table).limit(1)) is not None
               for table in db.metadata.sorted_tables if table.name not in NOT_WORK)


def _existing_staff():
    """{username: user} of the demo's staff logins already there with the demo's role (kept as they are, their
    password too); 409 naming any other demo login already taken (an engineer's, a staff login of another role, or
    one deactivated: the demo would list a login that cannot sign in)."""
    roles = {username: role for username, role, *_rest in STAFF} | {e[0]: "engineer" for e in ENGINEERS}
    taken = db.session.scalars(select(User).where(User.username.in_(roles))).all()
    clashes = sorted(u.username for u in taken if u.role != roles[u.username] or u.role == "engineer" or not u.active)
    if clashes:
        raise Conflict(_("演示数据的登录名已被占用：%(names)s", names=", ".join(clashes)))
    return {user.username: user for user in taken}


def _month_end(year, month):
    return calendar.month_days(year, month)[-1]


def _hire_date(kind, first_months):
    """'month-end': eligible from the second demo month exactly; 'recent': not eligible in any demo month."""
    year, month = first_months[1].year, first_months[1].number
    if kind == "month-end":
        year, month = (year, month - 6) if month > 6 else (year - 1, month + 6)
        return _month_end(year, month)
    year, month = first_months[0].year, first_months[0].number
    return date(year, month, 10)


def _pick(rng, weighted):
    return rng.choices([value for value, _w in weighted], weights=[w for _v, w in weighted])[0]


def _money(rng, low, high, factor=1.0):
    return (Decimal(rng.randint(low * 100, high * 100)) * Decimal(str(factor)) / 100).quantize(Decimal("0.01"))


def _at(day, minutes):
    return datetime.combine(day, time()) + timedelta(minutes=minutes)


class _Builder:
    """Collects the rows of one engineer after another; nothing is flushed until the end."""

    def __init__(self, rng, now, customers, office):
        self.rng, self.now, self.customers, self.office = rng, now, customers, office
        self.orders, self.rows = [], []
        self.completed = {}  # engineer id -> completed orders, for rework

    def order(self, engineer, habits, day, arrived, completed, *, customer=None, service_type=None):
        """A completed work order served on a trip, with response, deadline and (rarely) rework of an earlier one."""
        rng = self.rng
        original = None
        done_before = [o for o in self.completed.get(engineer.id, []) if o.completed_at < arrived - timedelta(days=3)]
        if done_before and rng.random() < 0.025:
            original = rng.choice(done_before)
        if original is not None:
            customer, equipment, service_type = original.customer, original.equipment, "维修"
        else:
            customer = customer or rng.choice(self.customers)
            equipment = rng.choice(EQUIPMENT)
            service_type = service_type or _pick(rng, SERVICE_TYPES)
        delay = rng.randint(130, 420) if rng.random() < habits["late"] else rng.randint(5, 110)
        responded = arrived - timedelta(minutes=rng.randint(10, 1200))
        reported = responded - timedelta(minutes=delay)
        deadline = None
        if rng.random() < habits["miss"]:
            deadline = max(completed - timedelta(minutes=rng.randint(30, 600)), responded)
        elif rng.random() < 0.6:
            deadline = reported + timedelta(hours=rng.choice((24, 48, 72)))
            deadline = max(deadline, completed + timedelta(minutes=30))
        description = (f"客户反映{equipment or '设备'}{rng.choice(FAULTS)}" if service_type == "维修"
                       else DESCRIPTIONS[service_type])
        order = WorkOrder(customer=customer, equipment=equipment, service_type=service_type, description=description,
                          reported_at=reported, deadline_at=deadline, engineer=engineer, submitter=self.office,
                          created_by_id=self.office.id, responded_at=responded, arrived_at=arrived,
                          completed_at=completed, status="completed", rework="none", created_at=reported)
        if original is not None:
            order.rework = "external" if rng.random() < 0.65 else "internal"
            order.rework_of = original
            order.description = f"返修：{original.service_type}后{rng.choice(FAULTS)}"
        self.orders.append(order)
        self.completed.setdefault(engineer.id, []).append(order)
        return order

    def trip(self, engineer, habits, day, depart=None, ret=None, with_order=True, service_type=None):
        """A trip (full day when depart is None) with its work order and expenses."""
        rng = self.rng
        full_day = depart is None
        order = None
        if with_order and rng.random() < 0.75:
            if full_day:
                arrived, completed = _at(day, rng.randint(540, 630)), _at(day, rng.randint(900, 1050))
            else:
                travel = rng.randint(10, max(10, min(60, (ret - depart) // 3)))
                arrived, completed = _at(day, depart + travel), _at(day, max(depart + travel + 10, ret - travel))
            order = self.order(engineer, habits, day, arrived, completed, service_type=service_type)
        customer = order.customer if order else rng.choice(self.customers)
        purpose = (f"{customer.name} {order.equipment} {order.service_type}".replace("  ", " ") if order
                   else rng.choice(OTHER_PURPOSES))
        self.rows.append(Trip(engineer=engineer, day=day, full_day=full_day, depart_min=depart, return_min=ret,
                              hours=trip_hours(depart, ret, full_day), customer=customer, work_order=order,
                              purpose=purpose))
        spend = habits["spend"]
        self.rows.append(Expense(engineer=engineer, day=day, category="transport", work_order=order,
                                 amount=_money(rng, 20, 160, spend), note=rng.choice(TRANSPORT)))
        if full_day or rng.random() < 0.4:
            self.rows.append(Expense(engineer=engineer, day=day, category="meals", amount=_money(rng, 15, 60, spend),
                                     note="工作餐"))
        if full_day and rng.random() < 0.5:
            self.rows.append(Expense(engineer=engineer, day=day, category="lodging",
                                     amount=_money(rng, 160, 380, spend), note="酒店住宿"))

    def day(self, engineer, habits, day, workday):
        """A workday: maybe an attendance exception, usually one to three trips; a rest day: rarely an emergency."""
        rng = self.rng
        if not workday:
            if rng.random() < 0.06:
                depart = rng.randrange(480, 900, 10)
                self.trip(engineer, habits, day, depart, depart + rng.randrange(90, 360, 10), service_type="维修")
            return
        status = _pick(rng, EXCEPTIONS) if rng.random() < habits["absent"] else None
        if status:
            self.rows.append(Attendance(engineer_id=engineer.id, day=day, status=status, recorded_by_id=self.office.id,
                                        recorded_at=_at(day, 18 * 60)))
        if status in AWAY:
            return
        if status == "business_trip" or rng.random() < 0.12:
            self.trip(engineer, habits, day)
            return
        if rng.random() < habits["rest"]:
            return
        start = rng.randrange(450 if status != "late" else 570, 630, 10)
        for _number in range(rng.choice((1, 1, 2, 2, 3))):
            end = start + rng.randrange(40, 330, 10)
            if end > 1260:
                break
            self.trip(engineer, habits, day, start, end)
            start = end + rng.randrange(20, 150, 10)

    def open_orders(self, engineer, habits):
        """Orders still open now: one reported in the last hours, sometimes one overdue on site."""
        rng, now = self.rng, self.now
        reported = now - timedelta(minutes=rng.randint(20, 600))
        responded = reported + timedelta(minutes=rng.randint(10, 200))
        self.orders.append(WorkOrder(
            customer=rng.choice(self.customers), equipment=rng.choice(EQUIPMENT), service_type="维修",
            description=f"客户报修：{rng.choice(FAULTS)}", reported_at=reported,
            deadline_at=reported + timedelta(hours=48), engineer=engineer, submitter=self.office,
            created_by_id=self.office.id, responded_at=responded if responded <= now else None,
            status="open", rework="none", created_at=reported))
        if rng.random() < habits["miss"] * 3:
            reported = now - timedelta(days=rng.randint(4, 8), minutes=rng.randint(0, 300))
            self.orders.append(WorkOrder(
                customer=rng.choice(self.customers), equipment=rng.choice(EQUIPMENT), service_type="安装",
                description=DESCRIPTIONS["安装"], reported_at=reported, deadline_at=reported + timedelta(hours=72),
                engineer=engineer, submitter=self.office, created_by_id=self.office.id,
                responded_at=reported + timedelta(minutes=40), arrived_at=reported + timedelta(hours=20),
                status="open", rework="none", created_at=reported))

    def cancelled(self, engineer):
        reported = self.now - timedelta(days=self.rng.randint(10, 60), minutes=self.rng.randint(0, 600))
        self.orders.append(WorkOrder(
            customer=self.rng.choice(self.customers), equipment="", service_type="巡检", description="客户取消",
            reported_at=reported, engineer=engineer, submitter=self.office, created_by_id=self.office.id,
            status="cancelled", rework="none", created_at=reported))


def _number_orders(orders):
    """WO<YYYYMMDD>-NNN as the work-order service numbers them, in report order within each day."""
    counters = {}
    for order in sorted(orders, key=lambda o: o.reported_at):
        key = order.reported_at.strftime("%Y%m%d")
        counters[key] = counters.get(key, 0) + 1
        order.number = f"WO{key}-{counters[key]:03d}"


def _machines(rng, orders):
    """Each customer's machines that its work orders name, as records (model, serial, installation date), so the
    work-order form suggests them and each has its service history."""
    named = sorted({(order.customer.id, order.equipment) for order in orders if order.equipment})
    customers = {order.customer.id: order.customer for order in orders}
    for number, (customer_id, name) in enumerate(named, start=1):
        installed = date(rng.randint(2015, 2024), rng.randint(1, 12), rng.randint(1, 28))
        save_equipment(customers[customer_id], {"name": name, "model": f"QB-{rng.choice((1000, 2000, 3000))}",
                                                "serial": f"SN{installed:%Y%m}{number:04d}", "installed_on": installed})


def _surveys(rng, orders, clerk):
    """Phone surveys of about half the completed orders, mostly satisfied."""
    for order in orders:
        if order.status == "completed" and rng.random() < 0.5:
            score = _pick(rng, [(5, 60), (4, 30), (3, 7), (2, 3)])
            db.session.add(Survey(work_order_id=order.id, score=score, method="phone", recorded_by_id=clerk.id,
                                  recorded_at=order.completed_at + timedelta(days=1)))


def _reviews(rng, engineers, past, now):
    """A self review and the supervisor's (leader) review for every submitted month, so totals exist."""
    for engineer, _habits in engineers:
        for month in past:
            first, nxt = Month(month).bounds()
            if nxt <= engineer.hire_date:
                continue
            at = min(now, datetime.combine(nxt, time(10)))
            for rater, low in ((engineer, 3), (engineer.supervisor, 2)):
                ratings = {code: rng.randint(low, 5) for code in CRITERIA}
                group = "self" if rater is engineer else "leader"
                db.session.add(Review(engineer_id=engineer.id, month=month, rater_id=rater.id, group=group,
                                      ratings=json.dumps(ratings), updated_at=at))


def demo_months(now):
    """The three months before now's and now's own, oldest first."""
    current = Month.of(now.date())
    shown = [current]
    for _step in range(3):
        shown.insert(0, shown[0].previous())
    return shown


def load(now):
    """Add the demo data set to the session (the caller commits); refuses a database that has work data already."""
    if _has_data():
        raise Conflict(_("数据库中已有业务数据（客户、行程、工单等），演示数据只能载入没有业务数据的数据库"))
    today = now.date()
    rng = random.Random(SEED)
    *past, current = demo_months(now)
    start, _next = Month(past[0]).bounds()

    password_hash = generate_password_hash(PASSWORD)
    people = {}
    kept = _existing_staff()
    for username, role, name, supervisor, department, hired, base in STAFF:
        people[username] = kept.get(username) or User(
            username=username, password_hash=password_hash, display_name=name, role=role,
            email=f"{username}@example.com", department=department, hire_date=hired, bonus_base=Decimal(base),
            active=True, supervisor=people.get(supervisor))
    engineers = []
    for username, name, supervisor, hired, base, habits in ENGINEERS:
        if isinstance(hired, str):
            hired = _hire_date(hired, past)
        user = User(username=username, password_hash=password_hash, display_name=name, role="engineer",
                    email=f"{username}@example.com", department=people[supervisor].department, hire_date=hired,
                    bonus_base=Decimal(base), active=True, supervisor=people[supervisor])
        people[username] = user
        engineers.append((user, habits))
    db.session.add_all(user for user in people.values() if user.id is None)
    customers = [create_customer(name) for name in CUSTOMERS]  # flushes the users too

    builder = _Builder(rng, now, customers, people["office"])
    days = calendar.workdays_between(start, today)  # up to yesterday: today's trips are not over yet
    for engineer, habits in engineers:
        for day, workday in days.items():
            if day >= engineer.hire_date:
                builder.day(engineer, habits, day, workday)
        builder.open_orders(engineer, habits)
        if rng.random() < 0.3:
            builder.cancelled(engineer)
        for month in past:
            first, nxt = Month(month).bounds()
            if nxt <= engineer.hire_date:
                continue
            submitted = min(now, datetime.combine(nxt, time(9)) + timedelta(minutes=rng.randint(0, 2880)))
            builder.rows.append(MonthSubmission(engineer_id=engineer.id, month=month, submitted_at=submitted))
    _number_orders(builder.orders)
    db.session.add_all(builder.orders)
    db.session.add_all(builder.rows)
    db.session.flush()
    _machines(random.Random(len(builder.orders)), builder.orders)  # its own draws: the rest stays as it was
    _surveys(rng, builder.orders, people["office"])
    _reviews(rng, engineers, past, now)
    db.session.flush()

    count = {kind: sum(isinstance(row, kind) for row in builder.rows) for kind in (Trip, Expense, Attendance)}
    logins = ", ".join(people) + (f"; kept with their own password: {', '.join(kept)}" if kept else "")
    return (f"demo data loaded for {past[0]} to {current}: {len(people)} users ({logins}; password {PASSWORD}), "
            f"{len(customers)} customers, {count[Trip]} trips, {count[Expense]} expenses, {len(builder.orders)} work "
            f"orders, {count[Attendance]} attendance exceptions")
