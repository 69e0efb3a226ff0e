"""Customers: names checked once here, used by the admin pages, the API and work orders alike."""

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.errors import Invalid, NotFound
from tracker.extensions import db
from tracker.naming import clean_part
from tracker.workorders.models import Customer


def _free_name(name, customer=None):
    """The cleaned name (CONTRACT 5), refused when another customer already has it."""
    name = clean_part(name, "name")
    taken = db.session.scalar(select(Customer).where(Customer.name == name))
    if taken is not None and taken is not customer:
        raise Invalid.field("name", _("客户 %(name)s 已存在", name=name))
    return name


def create_customer(name):
    """A new customer; the caller commits."""
    customer = Customer(name=_free_name(name))
    db.session.add(customer)
    db.session.flush()
    return customer


def rename_customer(customer, name):
    """Give a customer a new name; the caller commits."""
    customer.name = _free_name(name, customer)
    db.session.flush()
    return customer


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
