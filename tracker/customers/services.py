"""Customers: names checked once here, used by the admin pages, the API and work orders alike."""

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker import locking, validation
from tracker.customers.models import Customer
from tracker.errors import Invalid, NotFound
from tracker.extensions import db
from tracker.naming import check_canonical, clean_part


def _free_name(name, customer=None, hold=True):
    """The cleaned name (CONTRACT 5), refused when another customer already has it. With `hold`, under the lock of
    customer names: the same name sent twice at once, the second is told it is taken (tracker.locking)."""
    name = clean_part(name, "name")
    if hold:
        locking.lock_customer_names()
    taken = db.session.scalar(select(Customer).where(Customer.name == name))
    if taken is not None and taken is not customer:
        raise Invalid.field("name", _("客户 %(name)s 已存在", name=name))
    return name


def create_customer(name, flush=True, hold=True):
    """A new customer; the caller commits (`flush=False`: and flushes, as an import does once for many rows;
    `hold=False`: a work-order file's, checked in its own transaction, a dry run taking no lock)."""
    customer = Customer(name=_free_name(name, hold=hold))
    db.session.add(customer)
    if flush:
        db.session.flush()
    return customer


def rename_customer(customer, name):
    """Give a customer a new name; the files of its orders follow (their canonical names hold it); the caller
    commits."""
    renamed = _free_name(name, customer)
    if renamed != customer.name:
        from tracker.workorders import uploads  # work orders read this module
        from tracker.workorders.models import WorkOrder

        # the canonical names of its orders hold the name: each must stay a file name (CONTRACT 5, as when an order
        # is entered); the longest is that of the longest equipment and service type (the date has 8 bytes)
        parts = db.session.execute(select(WorkOrder.equipment, WorkOrder.service_type).distinct()
                                   .where(WorkOrder.customer_id == customer.id))
        longest = max((len((equipment or "").encode()) + len(service.encode()) for equipment, service in parts),
                      default=None)
        if longest is not None:
            check_canonical("0" * 8 + renamed + "x" * longest, "name")
        customer.name = renamed
        db.session.flush()
        uploads.follow_customer(customer)
    return customer


def by_name(name, field="customer"):
    """The customer of that name (compared NFC-normalised, as stored); None for no name; 422 on `field` otherwise."""
    if name in (None, ""):
        return None
    name = unicodedata.normalize("NFC", validation.check_text(str(name), field).strip())  # stored NFC
    if not name:  # blank, as the forms strip it: no customer (it was "no customer named  ")
        return None
    customer = db.session.scalar(select(Customer).where(Customer.name == name))
    if customer is None:
        raise Invalid.field(field, _("没有名为 %(name)s 的客户：请从列表中选择，或留空（新客户由内勤或管理员添加）",
                                     name=name))
    return customer


def names(limit=2000):
    """Customer names in order, for suggestion lists."""
    return db.session.scalars(select(Customer.name).order_by(Customer.name).limit(limit)).all()


def get_customer(customer_id):
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("找不到该客户"))
    return customer


def list_customers(search=None, limit=None):
    """Customers ordered by name, optionally those whose name contains `search` (at most `limit` of them)."""
    query = select(Customer).order_by(Customer.name).limit(limit)
    search = unicodedata.normalize("NFC", (search or "").strip())
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Customer.name).like("%" + escaped.lower() + "%", escape="\\"))
    return db.session.scalars(query).all()


def customer_dict(customer):
    return {"id": customer.id, "name": customer.name}
