"""Work-order rules (CONTRACT 5): who sees and changes what, validation, numbers, listing and rework links."""

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from tracker import locking, validation
from tracker.auth.access import (can_manage_order, can_view, can_view_order, is_above, is_assigned, may_name_submitter,
                                 order_scope)
from tracker.auth.models import User
from tracker.auth.services import USERNAME_RE
from tracker.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from tracker.extensions import db
from tracker.naming import check_canonical, clean_part
from tracker.workorders.models import REWORK, STATUSES, Scan, WorkOrder
from tracker.workorders.records import Records
from tracker.customers.models import Customer
from tracker.values import month_arg

FIELDS = ("number", "customer", "equipment", "service_type", "description", "reported_at", "deadline_at",
          "engineer", "submitter", "responded_at", "arrived_at", "completed_at", "status", "rework", "rework_of")
TIMES = ("responded_at", "arrived_at", "completed_at")
CHAIN = ("reported_at", "responded_at", "arrived_at", "completed_at")
NUMBER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_\-]{0,31})$")
NUMBER_RULE = _l("工单编号须为 1–32 个字母、数字、- 或 _，以字母或数字开头")
DESCRIPTION_MAX = 2000
REPAIR = "维修"
REWORK_WINDOW = timedelta(days=30)
CREATORS = ("backoffice", "manager", "admin")
PAGE = 50
PAGE_MAX = 100000  # the last page number a list link may ask for (web and API alike); beyond it: 422
INT_MAX = validation.INT_MAX
RECORDS = Records()  # the pages and the API: a query a name, each write flushed


def get_row(model, row_id):
    """A row by id; ids outside the integer column's range simply do not exist."""
    return db.session.get(model, row_id) if isinstance(row_id, int) and 0 < row_id <= INT_MAX else None


def file_of(viewer, model, order_id, file_id):
    """A scan or photo (`model`) of an order the viewer may see (get_visible's 404 and 403); 404 for another's."""
    order = get_visible(viewer, order_id)
    row = get_row(model, file_id)
    if row is None or row.work_order_id != order.id:
        raise NotFound(_("找不到该文件"))
    return row


def get_visible(viewer, order_id):
    """The work order, 404 when missing, 403 when outside the viewer's scope."""
    order = get_row(WorkOrder, order_id)
    if order is None:
        raise NotFound(_("找不到该工单"))
    if not can_view_order(viewer, order):
        raise Forbidden(_("无权查看该工单"))
    return order


def by_number(number, field="work_order", records=None, viewer=None):
    """The work order with that number; 422 on `field` when there is none, and the same answer when `viewer` is
    given and may not see it (so that the answer does not reveal it)."""
    order = None
    if isinstance(number, str) and NUMBER_RE.match(number):
        order = (records or RECORDS).order(number)
    if order is None or (viewer is not None and not can_view_order(viewer, order)):
        raise Invalid.field(field, _("没有编号为 %(number)s 的工单", number=number))
    return order


# ---- create and change ------------------------------------------------------------------------------

def create_order(actor, data, now, records=None):
    """A new work order from plain data (customer by name, people by username, rework_of by number). `records`
    (default: the database, a query a name, flushed) is where names are looked up and the order is put; an import
    passes records preloaded for its whole file, which leave the flush to it."""
    records = records or RECORDS
    if actor.role not in CREATORS:
        raise Forbidden(_("只有内勤、主管和管理员可以创建工单"))
    _refuse_unknown(data)
    fields = validation.FieldErrors()
    for name in ("customer", "service_type", "reported_at"):
        if data.get(name) in (None, ""):
            fields.errors[name] = _("必填")
    records.hold_numbers()  # the numbers' lock before a new customer's (a number given or not): one order of locks
    order = _new_order(actor)
    with fields.check():
        _apply(actor, order, data, records)
    fields.raise_any()
    if not order.number:
        order.number = next_number(now)
    records.add(order)
    return order


def _new_order(actor):
    return WorkOrder(created_by_id=actor.id, submitter_id=actor.id, status="open", rework="none", equipment="")


def refusals(actor, data, order=None):
    """{field: message} of what creating (order None) or changing `order` with `data` would refuse; changes nothing.
    A form whose own checks failed (a required field left empty) says its other fields' mistakes in the same round
    through it, not one round later."""
    try:
        check_order(actor, order if order is not None else _new_order(actor), data, whole=False)
    except DomainError as error:
        return dict(error.fields or {})
    return {}


def update_order(actor, order, data, now, records=None):
    """Change the given fields; the assigned engineer may log only the response, arrival and completion times.
    A refused change leaves the order as it was."""
    records = records or RECORDS
    _refuse_unknown(data)
    if "number" in data:
        records.hold_numbers()  # before a new customer's lock, as a new order takes them
    if order.id is not None:
        locking.lock_row(order)  # the rules below are checked on the order as stored now
    if not can_manage_order(actor, order):
        if not is_assigned(actor, order):
            raise Forbidden(_("无权修改该工单"))
        others = sorted(set(data) - set(TIMES))
        if others:
            raise Forbidden(_("工程师只能填写响应、到达和完工时间"), {name: _("无权修改") for name in others})
        # logging a time is theirs; taking one back is not: clearing the completion reopened the order and took its
        # survey (a low one too) out of the month
        cleared = [name for name in TIMES if name in data and data[name] in (None, "")
                   and getattr(order, name) is not None]
        if cleared:
            raise Forbidden(_("已记录的时间只能由后勤或主管清除"), {name: _("不能清除") for name in cleared})
        if order.status == "cancelled" and data:
            # a cancelled order counts nowhere: a time logged on it would only rename its files
            raise Conflict(_("工单已取消，不能再填写时间"))
    before = _named(order)
    _apply(actor, order, data, records)
    records.changed(order)
    if _named(order) != before:
        from tracker.workorders import uploads  # uploads reads this module: imported when files must follow

        uploads.follow_order(order)
    return order


def _named(order):
    """What an order's files are named after: its canonical name and number (a scan's `-<number>`) and its engineer
    (the photos' folder)."""
    return order.canonical_name, order.number, order.engineer_id


def _refuse_unknown(data):
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise Invalid(_("不接受未知字段：%(names)s", names=", ".join(unknown)), {n: _("未知字段") for n in unknown})


class _After:
    """The order as the checked values would leave it, for the rules that read several fields."""

    def __init__(self, order, values):
        self._order, self._values = order, values

    def __getattr__(self, name):
        return self._values[name] if name in self._values else getattr(self._order, name)


def check_order(actor, order, data, records=None, whole=True):
    """{attribute: value} that `data` gives `order` (a new, unsaved WorkOrder, or a stored one), every rule of
    CONTRACT 5 checked on the order as it would then be; raises Invalid naming the field, and changes nothing.
    A customer not stored yet comes back as its clean name (the caller creates it). Without `whole`, only each
    field and the times' order are checked (`data` may lack fields a form refused itself: see refusals)."""
    records = records or RECORDS
    values, fields = {}, validation.FieldErrors()  # every field at fault is named at once
    with fields.check():
        if "number" in data and data["number"] not in (None, ""):
            values["number"] = _number(data["number"], order, records)
    with fields.check():
        if "customer" in data:
            name = clean_part(data["customer"], "customer")
            values["customer"] = records.customer(name) or name
    with fields.check():
        if "equipment" in data:
            values["equipment"] = clean_part(data["equipment"], "equipment", required=False)
    with fields.check():
        if "service_type" in data:
            values["service_type"] = clean_part(data["service_type"], "service_type")
    with fields.check():
        if "description" in data:
            values["description"] = validation.clean_text(data["description"], "description", DESCRIPTION_MAX,
                                                             required=False)
    for name in ("reported_at", "deadline_at") + TIMES:
        with fields.check():
            if name in data:
                values[name] = _datetime(data[name], name, required=name == "reported_at")
    with fields.check():
        if "engineer" in data:
            values["engineer"] = _engineer(actor, data["engineer"], records)
    with fields.check():
        if "submitter" in data:
            values["submitter"] = _submitter(actor, order, data["submitter"], records) if data["submitter"] else None
    with fields.check():
        if "status" in data:
            if data["status"] not in STATUSES:
                raise Invalid.field("status", _("状态须为 open、completed、cancelled 之一"))
            values["status"] = data["status"]
    with fields.check():
        if "rework" in data:
            if data["rework"] not in REWORK:
                raise Invalid.field("rework", _("返修类型须为 none、internal、external 之一"))
            values["rework"] = data["rework"]
    with fields.check():
        if "rework_of" in data:
            values["rework_of"] = _redone(actor, order, data["rework_of"], records)
    # the rules of the order as a whole, each once the fields it reads are right, said with the fields' errors (not
    # a round later); without `whole` (fields a form refused itself are missing) only the times' order
    def right(*names):
        return not any(name in fields.errors for name in names)

    after = _After(order, values)
    if right(*CHAIN, "deadline_at"):
        with fields.check():
            _check_times(after)
    if whole:
        if right(*CHAIN, "status"):
            with fields.check():
                values["status"] = _check_status(after, explicit="status" in data)
        if right(*CHAIN, "status", "rework", "rework_of"):
            with fields.check():
                _check_rework(after, order)
        if right("customer", "equipment", "service_type"):
            with fields.check():
                _check_name_length(after, values)
    fields.raise_any()
    return values


def _check_name_length(after, values):
    """The canonical name that new name parts give must fit in a file name (naming.check_canonical); the field
    named is the longest part changed."""
    parts = {"customer": getattr(after.customer, "name", after.customer), "equipment": after.equipment or "",
             "service_type": after.service_type}
    changed = [name for name in parts if name in values]
    if changed:
        longest = max(changed, key=lambda name: len(parts[name].encode()))
        check_canonical("YYYYMMDD" + "".join(parts.values()), longest)  # the date: 8 bytes whichever it is


def _apply(actor, order, data, records):
    """Check everything first (check_order), then set what differs: a refused change leaves no trace, and an
    unchanged field does not make a stored order dirty."""
    values = check_order(actor, order, data, records)
    if isinstance(values.get("customer"), str):
        values["customer"] = records.new_customer(values["customer"])
    new = order.id is None
    for name, value in values.items():
        if new or not _same(getattr(order, name), value):
            setattr(order, name, value)


def _redone(actor, order, number, records):
    """The order that `order` redoes: one the actor may see, since the rework is charged to its engineer (CONTRACT
    7); the link already stored stays acceptable, so that an edit which keeps it is not refused."""
    if not number:
        return None
    linked = order.rework_of
    if linked is not None and linked.number == number:
        return linked
    return by_number(number, "rework_of", records, viewer=actor)


def _same(old, new):
    """Records by identity (a user compares by session token otherwise), values by value."""
    if isinstance(old, db.Model) or isinstance(new, db.Model):
        return old is new
    return old == new


def _number(value, order, records):
    if not isinstance(value, str) or not NUMBER_RE.match(value):
        raise Invalid.field("number", str(NUMBER_RULE))
    records.hold_numbers()  # one number sent twice at once: the second is told it is taken
    taken = records.order(value)
    if taken is not None and taken is not order:
        raise Invalid.field("number", _("工单编号 %(number)s 已被使用", number=value))
    return value


def next_number(now):
    """WO<YYYYMMDD>-NNN: the next free number of the day (under the numbers' lock, held until the caller commits).
    One past the day's highest; when a number typed by hand is so high that one past it would not be a number (more
    than 32 characters), the lowest free one."""
    locking.lock_numbers()
    prefix = now.strftime("WO%Y%m%d-")
    taken = set(db.session.scalars(select(WorkOrder.number).where(WorkOrder.number.like(prefix + "%"))))
    used = {int(n[len(prefix):]) for n in taken if n[len(prefix):].isascii() and n[len(prefix):].isdigit()}
    number = f"{prefix}{max(used, default=0) + 1:03d}"
    if NUMBER_RE.match(number):
        return number
    return next(candidate for candidate in (f"{prefix}{n:03d}" for n in itertools.count(1)) if candidate not in taken)


def _datetime(value, field, required=False):
    if value is None:
        if required:
            raise Invalid.field(field, _("必填"))
        return None
    if not isinstance(value, datetime) or value.tzinfo is not None:
        raise Invalid.field(field, _("时间格式不正确"))
    return validation.check_year(value.replace(microsecond=0), field)


def user_by_username(username, records=None):
    """The user with that username, or None (malformed names are simply nobody)."""
    if not isinstance(username, str) or not USERNAME_RE.match(username):
        return None
    return (records or RECORDS).user(username)


def _user(username, field, records):
    user = user_by_username(username, records)
    if user is None:
        raise Invalid.field(field, _("没有用户名为 %(name)s 的用户", name=username))
    if not user.active:
        raise Invalid.field(field, _("用户 %(name)s 已停用", name=username))
    return user


def _submitter(actor, order, username, records):
    """The user who handed in the ticket, as access.may_name_submitter allows (naming an engineer of another team
    opened this team's order to them); the submitter the order has already is kept whoever it is."""
    user = _user(username, "submitter", records)
    if user is not order.submitter and not may_name_submitter(actor, user):
        raise Invalid.field("submitter", _("提交人须是您自己、您团队的成员或后勤人员"))
    return user


def _engineer(actor, username, records):
    if username in (None, ""):
        return None
    engineer = _user(username, "engineer", records)
    if engineer.role != "engineer":
        raise Invalid.field("engineer", _("%(name)s 不是工程师", name=username))
    if actor.role == "manager" and not is_above(actor, engineer):
        raise Invalid.field("engineer", _("只能指派给自己团队的工程师"))
    return engineer


# each pair of the chain as one sentence (a column heading inside a sentence read "… than Reported at" in English)
TIME_ORDER = {("reported_at", "responded_at"): _l("响应时间不能早于报修时间"),
              ("reported_at", "arrived_at"): _l("到达时间不能早于报修时间"),
              ("reported_at", "completed_at"): _l("完工时间不能早于报修时间"),
              ("responded_at", "arrived_at"): _l("到达时间不能早于响应时间"),
              ("responded_at", "completed_at"): _l("完工时间不能早于响应时间"),
              ("arrived_at", "completed_at"): _l("完工时间不能早于到达时间")}


def _check_times(order):
    """reported <= responded <= arrived <= completed for the ones set; a deadline not before the report."""
    previous = None
    for name in CHAIN:
        value = getattr(order, name)
        if value is None:
            continue
        if previous is not None and value < getattr(order, previous):
            raise Invalid.field(name, str(TIME_ORDER[previous, name]))
        previous = name
    if order.deadline_at is not None and order.reported_at is not None and order.deadline_at < order.reported_at:
        raise Invalid.field("deadline_at", _("要求完成时间不能早于报修时间"))


def _check_status(after, explicit):
    """The status: setting the completion time completes an open order; a completed order needs its completion
    time, an open one has none (reopened: both sent, the time cleared)."""
    status = after.status
    if not explicit:
        if after.completed_at is not None and status == "open":
            status = "completed"
        elif after.completed_at is None and status == "completed":
            status = "open"
    if status == "completed" and after.completed_at is None:
        raise Invalid.field("completed_at", _("已完工的工单须填写完工时间"))
    if status == "open" and after.completed_at is not None:  # else the next edit would complete it unasked
        raise Invalid.field("status", _("有完工时间的工单不能是未完工状态（重新打开时请同时清除完工时间）"))
    return status


def _check_rework(after, order):
    redone = after.rework_of
    moved = order.id is not None and after.reported_at != order.reported_at
    linking = (redone is not None and order.id is not None and redone.id is not None
               and order.rework_of_id != redone.id)
    if moved or linking:
        # links and the report times they compare, as stored now, once no other change of them can meanwhile (a
        # link made while the order it redoes moved past it: both stood, and every later change was refused)
        locking.lock_rework_links()
    if moved:
        # the orders that redo this one were reported after it: it cannot move past them (they would refuse
        # every later change of theirs)
        first_redo = db.session.scalar(select(func.min(WorkOrder.reported_at)).where(WorkOrder.rework_of_id == order.id))
        if first_redo is not None and after.reported_at > first_redo:
            raise Invalid.field("reported_at", _("本工单的返修单报修于 %(at)s，报修时间不能晚于它",
                                                 at=validation.shown_datetime(first_redo)))
    if redone is None:
        return
    if after.rework == "none":
        raise Invalid.field("rework", _("关联原工单时须选择内返或外返"))
    if redone is order or (order.id is not None and redone.id == order.id):
        raise Invalid.field("rework_of", _("不能关联工单自身"))
    redone_at = redone.reported_at
    if (moved or linking) and redone.id is not None and redone not in db.session.dirty:  # (this one's change: kept)
        redone_at = db.session.scalar(select(WorkOrder.reported_at).where(WorkOrder.id == redone.id))
    if redone_at > after.reported_at:
        raise Invalid.field("rework_of", _("原工单须早于本工单"))
    if redone.status == "cancelled" and order.rework_of_id != redone.id:  # a link kept as it was stays
        # a cancelled order was never carried out (CONTRACT 7: it counts nowhere): nothing of it can be redone
        raise Invalid.field("rework_of", _("原工单 %(number)s 已取消，不能作为返修的原工单", number=redone.number))
    loop = Invalid.field("rework_of", _("原工单 %(number)s 本身是本工单的返修单，不能互为返修", number=redone.number))
    seen, link = set(), redone.rework_of
    while link is not None and id(link) not in seen:  # orders reported at the same time; new ones of an import too
        if link is order or (order.id is not None and link.id == order.id):
            raise loop
        seen.add(id(link))
        link = link.rework_of
    if linking:  # a new link of a stored order: the links as stored now
        seen, current = set(), redone.id
        while current is not None and current not in seen:
            if current == order.id:
                raise loop
            seen.add(current)
            current = db.session.scalar(select(WorkOrder.rework_of_id).where(WorkOrder.id == current))


# ---- reading ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderPage:
    """A page of the work-order list, newest first, and the cursors of its neighbours (None: no such page)."""

    orders: list
    next: str | None
    previous: str | None


def cursor_of(order):
    """The keyset position of a work order in the list: its reported_at and id (e.g. 20261015083000000000.42)."""
    return f"{order.reported_at:%Y%m%d%H%M%S%f}.{order.id}"


def parse_cursor(text, field="after"):
    """A cursor back into (reported_at, id); 422 for anything else."""
    stamp, _dot, number = (text or "").partition(".")
    try:
        if not (len(stamp) == 20 and stamp.isascii() and stamp.isdigit() and number.isascii() and number.isdigit()
                and len(number) <= 10):
            raise ValueError
        at = datetime.strptime(stamp, "%Y%m%d%H%M%S%f")
        if validation.year_problem(at) or int(number) > INT_MAX:
            raise ValueError  # no work order is there; the time would overflow a query's bounds, the id its column
        return at, int(number)
    except ValueError:
        raise Invalid.field(field, _("分页位置无效")) from None


def _filtered(viewer, filters):
    """The select of the viewer's work orders matching filters (month, customer, engineer, status, no_scan)."""
    query = select(WorkOrder).where(order_scope(viewer))
    fields = validation.FieldErrors()  # every filter that cannot be is named at once
    month = filters.get("month")
    with fields.check():
        if month:
            first, nxt = month_arg(month).bounds()
            query = query.where(WorkOrder.reported_at >= datetime.combine(first, datetime.min.time()),
                                WorkOrder.reported_at < datetime.combine(nxt, datetime.min.time()))
    with fields.check():
        if filters.get("customer"):
            name = clean_part(str(filters["customer"]).strip(), "customer")  # a search: spaces around mean nothing
            customer_id = db.session.scalar(select(Customer.id).where(Customer.name == name))
            query = query.where(WorkOrder.customer_id == customer_id) if customer_id else query.where(false())
    if filters.get("engineer"):  # a username, or a name as the pages show it (the field asks for either)
        said = str(filters["engineer"]).strip()
        engineer = user_by_username(said.lower())  # usernames are lower case: ZhangSan is zhangsan
        query = query.where(WorkOrder.engineer_id == engineer.id) if engineer else query.where(
            WorkOrder.engineer_id.in_(select(User.id).where(User.role == "engineer", User.display_name == said)))
    with fields.check():
        if filters.get("status"):
            if filters["status"] not in STATUSES:
                raise Invalid.field("status", _("状态须为 open、completed、cancelled 之一"))
            query = query.where(WorkOrder.status == filters["status"])
    fields.raise_any()
    if filters.get("no_scan"):
        query = query.where(~exists().where(Scan.work_order_id == WorkOrder.id))
    return query


def count_orders(viewer, filters):
    """How many work orders match (asked for explicitly: the list itself never counts)."""
    return db.session.scalar(select(func.count()).select_from(_filtered(viewer, filters).subquery()))


def _loaded(query):
    return query.options(*(selectinload(r) for r in (WorkOrder.customer, WorkOrder.engineer, WorkOrder.submitter,
                                                      WorkOrder.rework_of)))


def order_page(viewer, filters, *, after=None, before=None, page=None, per_page=PAGE):
    """A page of the list, newest first (reported_at, then id), by keyset: the orders after (older than) the
    cursor `after`, or before (newer than) `before`; `page` (from 1), for old links, finds its first order's key
    by offset on the index, then reads by keyset.

    One query of per_page + 1 rows (the extra one says whether a further page exists) on the
    (reported_at, id) index, however deep the page; nothing is counted.
    """
    if (after is not None) + (before is not None) + bool(page and page > 1) > 1:  # which page would it be?
        raise Invalid.field("before" if before is not None else "after", _("after、before 与 page 只能给一个"))
    query = _filtered(viewer, filters)
    newest_first = (WorkOrder.reported_at.desc(), WorkOrder.id.desc())
    if before is not None:
        at, order_id = parse_cursor(before, "before")
        # The bound on reported_at alone is redundant but lets the index start at the cursor (else the whole
        # table up to it is read and filtered: a deep page took 0.3 s at 500k orders on PostgreSQL).
        newer = and_(WorkOrder.reported_at >= at, or_(WorkOrder.reported_at > at, WorkOrder.id > order_id))
        rows = db.session.scalars(_loaded(query.where(newer)).order_by(WorkOrder.reported_at, WorkOrder.id)
                                  .limit(per_page + 1)).all()
        if not rows:  # nothing newer than the cursor (the newest orders were deleted, say): the first page
            return order_page(viewer, filters, per_page=per_page)
        more = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        return OrderPage(rows, cursor_of(rows[-1]), cursor_of(rows[0]) if more else None)
    first_page = after is None and not (page and page > 1)
    if after is not None:
        at, order_id = parse_cursor(after)
        query = query.where(WorkOrder.reported_at <= at, or_(WorkOrder.reported_at < at, WorkOrder.id < order_id))
    elif not first_page:
        # An old page=N link: find the key of the page's first order alone (the index, not the rows, is skipped
        # through: a page 5,000 deep in 500,000 orders read every row before it), then page by keyset from it.
        key = db.session.execute(query.with_only_columns(WorkOrder.reported_at, WorkOrder.id)
                                 .order_by(*newest_first).offset((page - 1) * per_page).limit(1)).first()
        if key is None:
            return OrderPage([], None, None)
        at, order_id = key
        query = query.where(WorkOrder.reported_at <= at, or_(WorkOrder.reported_at < at, WorkOrder.id <= order_id))
    rows = db.session.scalars(_loaded(query).order_by(*newest_first).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    return OrderPage(rows, cursor_of(rows[-1]) if more else None,
                     None if first_page or not rows else cursor_of(rows[0]))


def current_scan(order):
    return db.session.scalar(select(Scan).where(Scan.work_order_id == order.id, Scan.current.is_(True)))


def scanned_ids(order_ids):
    """Ids among order_ids that have a stored scan (one query for a whole page)."""
    if not order_ids:
        return set()
    return set(db.session.scalars(select(Scan.work_order_id).where(
        Scan.work_order_id.in_(order_ids), Scan.current.is_(True))))


def recent_numbers(engineer, limit=100):
    """(number, customer name) of the engineer's latest work orders, for suggestion lists."""
    return db.session.execute(select(WorkOrder.number, Customer.name).join(Customer)
                              .where(WorkOrder.engineer_id == engineer.id)
                              .order_by(WorkOrder.reported_at.desc()).limit(limit)).all()


def trips_of(order, viewer):
    """The order's trips (by day and time) whose engineer's itinerary `viewer` may see (not every reader of it may)."""
    return [trip for trip in order.trips if can_view(viewer, trip.engineer)]


def rework_candidates(order, viewer):
    """Completed orders of the same customer and equipment within 30 days before a new repair (维修) order, among
    those `viewer` may see (the ones they may name as rework_of)."""
    if order.service_type != REPAIR or order.rework != "none" or order.rework_of_id is not None:
        return []
    return db.session.scalars(select(WorkOrder).where(
        order_scope(viewer), WorkOrder.customer_id == order.customer_id, WorkOrder.equipment == (order.equipment or ""),
        WorkOrder.id != order.id, WorkOrder.status != "cancelled", WorkOrder.completed_at.is_not(None),
        WorkOrder.completed_at >= order.reported_at - REWORK_WINDOW, WorkOrder.completed_at <= order.reported_at,
    ).order_by(WorkOrder.completed_at.desc())).all()


def timeline(order):
    """The steps reported -> responded -> arrived -> completed with the time since the report, and the deadline."""
    steps = []
    for name, label in (("reported_at", _("报修")), ("responded_at", _("响应")), ("arrived_at", _("到达")),
                        ("completed_at", _("完工"))):
        value = getattr(order, name)
        steps.append({"name": name, "label": label, "at": value,
                      "after": value - order.reported_at if value is not None and name != "reported_at" else None})
    late = order.deadline_at is not None and order.completed_at is not None and order.completed_at > order.deadline_at
    return {"steps": steps, "deadline_at": order.deadline_at, "late": late}
