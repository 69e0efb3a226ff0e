"""How the rows of an import file are stored, kind by kind: one at a time, or work orders many at a time."""

from tracker import locking
from tracker.imports.kinds import (EVERYTHING, export_order, link_rework, link_supervisor, no_machine,
                                   store_attendance, store_calendar, store_customer, store_order, store_user)
from tracker.workorders.records import Preloaded


class Rows:
    """How the rows of a file are stored: one row at a time through its kind's service; a change to a stored record
    in a savepoint (a refused change must not stay half applied), a new record without (the services add it only
    once every check has passed). The small kinds are read whole to compare, in a query or two."""

    STORE = {"users": store_user, "customers": store_customer, "attendance": store_attendance,
             "calendar": store_calendar}
    SECOND_PASS = {"users": link_supervisor}
    flush_every = None
    checks_in_session = False  # compares with what a query reads back after a flush (so a dry run writes too)

    def __init__(self, kind, rows):
        self.kind = kind
        self.link = self.SECOND_PASS.get(kind.name)

    def isolate(self, new):
        return not new

    def store(self, actor, row, now):
        self.STORE[self.kind.name](actor, row, now)

    def stored(self, rows):
        """{key: the stored record in the file's format} of the records the rows name."""
        return {tuple(record.get(key) or "" for key in self.kind.key): record
                for record in EVERYTHING[self.kind.name]()}


class OrderRows(Rows):
    """Work orders, many at a time: the stored orders, customers and people the file names are read up front in a
    query per 500 names, every row goes through the work-order service with those records (the same rules; a
    refused row changes nothing, so no savepoint), and the new rows are written by a flush every `flush_every`."""

    flush_every = 2000
    checks_in_session = True  # compares the orders as they stand in the session: a dry run needs no write

    def __init__(self, kind, rows):
        super().__init__(kind, rows)
        self.numbers = {row.get("number") for _, row in rows} - {"", None}
        self.records = Preloaded(
            numbers=self.numbers | {row.get("rework_of") for _, row in rows},
            customers={row.get("customer") for _, row in rows},
            usernames={row.get(name) for _, row in rows for name in ("engineer", "submitter")})
        created = self.numbers - set(self.records.orders)  # a row of these stored is one the file created
        self.link = lambda actor, row, now: link_rework(actor, row, now, self.records, created)

    def isolate(self, new):
        return False

    def store(self, actor, row, now):
        store_order(actor, row, now, self.records)

    @property
    def new_customers(self):
        """The customers the rows name that were not stored: created with their orders (a name mistyped makes a
        second customer, which the report says)."""
        return list(dict.fromkeys(self.records.created_customers))

    def stored(self, rows):
        """{(number,): the order in the file's format} as it stands in this session (stored, or added by the import)."""
        orders = (self.records.orders.get(number) for number in self.numbers)
        return {(order.number,): export_order(order) for order in orders if order is not None}


class UserRows(Rows):
    """Users: a supervisor that no row of the file names is checked with its row's other cells."""

    def __init__(self, kind, rows):
        super().__init__(kind, rows)
        self.named = {row.get("username") for _, row in rows} - {"", None}

    def store(self, actor, row, now):
        store_user(actor, row, now, self.named)


class CustomerRows(Rows):
    """Customers and their machines: a row naming only a customer that has machines is that customer, stored
    already (it was reported as new on every import, and nothing was stored)."""

    def stored(self, rows):
        records = super().stored(rows)
        for customer, _machine in list(records):
            records.setdefault((customer, ""), no_machine(customer))
        return records


ROWS = {"work_orders": OrderRows, "customers": CustomerRows, "users": UserRows}


# The locks an import of a kind takes before it reads what is stored (PostgreSQL; on SQLite the import holds the
# write lock), so that what its report calls new or changed is what it did, and a record created meanwhile by
# another request is not taken over: two calendar imports of one file at once both reported the day as created,
# and a user created through the API while a users file was read was overwritten by the row and reported as
# created. Not the customer names or work-order numbers: an edit of an order locks the order's row before a new
# customer's name (or a number), so an import holding those first while it updates its orders deadlocked with it.
HOLD = {"calendar": (locking.lock_calendar,), "users": (locking.lock_usernames,)}


def hold(kind):
    for lock in HOLD.get(kind.name, ()):
        lock()


def rows_class(kind):
    return ROWS.get(kind.name, Rows)


def rows_of(kind, rows):
    """How to store the rows of `kind`: [(row number, {column: text})]."""
    return rows_class(kind)(kind, rows)
