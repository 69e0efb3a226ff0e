"""Where the work-order rules (services.py) find and put the records a work order names: its customer, its people,
the work order it redoes, another order with the same number.

`Records` asks the database, a query a name, and flushes each write (the pages and the API: one order at a time).
`Preloaded` answers from a few queries for a whole file (the import): the same rules run on the same records, only
found faster, and the orders and customers it adds wait in the session for the caller's flush. A name it was not
given up front is still looked up in the database, so it never answers "nobody" for someone who exists.
"""

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.auth.access import named
from tracker.auth.models import User
from tracker.customers.models import Customer
from tracker.customers.services import create_customer
from tracker import locking
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.workorders.models import WorkOrder

CHUNK = 500  # names per IN (...) list


class Records:
    """One query a name; every write flushed (services flush, callers commit)."""

    def customer(self, name):
        """The customer of that (clean) name, or None."""
        return db.session.scalar(select(Customer).where(Customer.name == name))

    def new_customer(self, name):
        # another request may have added it since this one looked (up to create_customer's own check): then it is
        # that customer
        existing = self.customer(name)
        if existing is not None:
            return existing
        try:
            return create_customer(name)
        except Invalid:
            existing = self.customer(name)
            if existing is None:
                raise
            return existing

    def user(self, username):
        return named(username)

    def hold_numbers(self):
        """Hold the numbers' lock before a number given by hand is checked: one number sent twice at once, the
        second is told it is taken (tracker.locking)."""
        locking.lock_numbers()

    def order(self, number):
        return db.session.scalar(select(WorkOrder).where(WorkOrder.number == number))

    def add(self, order):
        db.session.add(order)
        db.session.flush()

    def changed(self, order):
        db.session.flush()


def _chunks(values):
    values = sorted(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _orders_by_number(numbers):
    query = select(WorkOrder).options(joinedload(WorkOrder.customer), joinedload(WorkOrder.engineer),
                                      joinedload(WorkOrder.submitter), joinedload(WorkOrder.rework_of))
    found = {}
    for chunk in _chunks(numbers):
        found.update((order.number, order) for order in
                     db.session.scalars(query.where(WorkOrder.number.in_(chunk))).unique())
    return found


def _by_key(model, column, values):
    found = {}
    for chunk in _chunks(values):
        found.update((getattr(row, column.key), row) for row in db.session.scalars(select(model).where(column.in_(chunk))))
    return found


class Preloaded(Records):
    """The records of a batch of work orders: the stored orders with these numbers (with their customer, people and
    redone order), the customers and the users with these names, read in a query per 500 names; adds and changes
    are left to the caller's flush."""

    def __init__(self, numbers=(), customers=(), usernames=()):
        numbers, usernames = {n for n in numbers if n}, {u for u in usernames if u}
        customers = {unicodedata.normalize("NFC", name) for name in customers if name}  # stored NFC (clean_part)
        with db.session.no_autoflush:
            self.orders = _orders_by_number(numbers)
            self.customers = _by_key(Customer, Customer.name, customers)
            self.users = _by_key(User, User.username, usernames)
        self.asked = {"orders": numbers, "customers": customers, "users": usernames}
        self.created_customers = []  # the names of the customers this batch created, in order

    def _find(self, kind, key, fallback):
        found = getattr(self, kind)
        if key in found or key in self.asked[kind]:
            return found.get(key)
        with db.session.no_autoflush:
            found[key] = fallback(self, key)  # a name the batch did not announce
        self.asked[kind].add(key)
        return found[key]

    def customer(self, name):
        return self._find("customers", name, Records.customer)

    def new_customer(self, name):
        """A customer the batch did not find when it read them: created, or, when another request stored it since
        (a clerk's new order meanwhile; told "客户 X 已存在" on the rows before), that customer, as Records does."""
        with db.session.no_autoflush:
            stored = Records.customer(self, name)
            customer = stored if stored is not None else create_customer(name, flush=False, hold=False)
        self.customers[customer.name] = customer
        if stored is None:
            self.created_customers.append(customer.name)
        return customer

    def hold_numbers(self):
        """Nothing: a file's numbers are checked together, in the import's transaction (a dry run takes no lock)."""

    def user(self, username):
        return self._find("users", username, Records.user)

    def order(self, number):
        return self._find("orders", number, Records.order)

    def add(self, order):
        db.session.add(order)
        self.orders[order.number] = order

    def changed(self, order):
        pass
