"""A customer's machines (设备): name, model, serial number and installation date; offered by the work-order form."""

import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, UniqueConstraint, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tracker import clock
from tracker import validation
from tracker.errors import Invalid, NotFound
from tracker.extensions import db
from tracker.naming import clean_part
from tracker.workorders.models import WorkOrder
from tracker.customers.models import Customer

DETAIL_MAX = 60


class Equipment(db.Model):
    __tablename__ = "equipment"
    __table_args__ = (UniqueConstraint("customer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(60))
    serial: Mapped[str | None] = mapped_column(String(60))
    installed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)  # local, as every stored time

    customer = relationship(Customer)


@event.listens_for(Session, "after_flush")
def _remember_machines(session, _flush_context):
    """A machine a work order names (created, or given another customer or machine by a page, the API or an
    import) becomes a record of its customer when it is none yet: the work-order form offers it from then on and
    the customer's page lists it with its service history. Only imports made records before, so a machine typed on
    orders had no page. Two orders naming a new machine at once: the second insert does nothing."""
    named = {(order.customer_id, order.equipment) for order in list(session.new) + list(session.dirty)
             if isinstance(order, WorkOrder) and order.equipment and order.customer_id is not None
             and (order in session.new or _renamed(order))}
    if not named:
        return
    connection = session.connection()
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    now = clock.of(session)  # the caller's time; unstamped (a shell), the column's default
    connection.execute(insert(Equipment.__table__).on_conflict_do_nothing(), [
        {"customer_id": customer_id, "name": name, **({"created_at": now} if now else {})}
        for customer_id, name in sorted(named)])


def _renamed(order):
    state = inspect(order)
    return state.attrs.equipment.history.has_changes() or state.attrs.customer_id.history.has_changes()


def _detail(value, field):
    """An optional short text (model, serial number): one line, at most 60 characters."""
    return validation.clean_text(value, field, DETAIL_MAX, required=False, kind="line")


def find(customer, name):
    return db.session.scalar(select(Equipment).where(Equipment.customer_id == customer.id, Equipment.name == name))


def save_equipment(customer, data):
    """Create or update the machine `data["name"]` of a customer (model, serial, installed_on); the caller commits."""
    name = clean_part(data.get("name"), "equipment")
    machine = find(customer, name)
    if machine is None:
        machine = Equipment(customer_id=customer.id, name=name)
        db.session.add(machine)
    for field in ("model", "serial"):
        if field in data:
            setattr(machine, field, _detail(data[field], field))
    if "installed_on" in data:
        installed = data["installed_on"]
        if installed is not None and not isinstance(installed, date):
            raise Invalid.field("installed_on", _("日期格式须为 YYYY-MM-DD"))
        machine.installed_on = installed
    db.session.flush()
    return machine


def of_customer(customer_id):
    """A customer's machines ordered by name."""
    return db.session.scalars(select(Equipment).where(Equipment.customer_id == customer_id)
                              .order_by(Equipment.name)).all()


def by_customer_name(name):
    """The machines of the customer called `name` (none when there is no such customer)."""
    name = unicodedata.normalize("NFC", name or "")
    return db.session.scalars(select(Equipment).join(Customer).where(Customer.name == name)
                              .order_by(Equipment.name)).all()


def get_any(equipment_id):
    machine = db.session.get(Equipment, equipment_id)
    if machine is None:
        raise NotFound(_("找不到该设备"))
    return machine


def history(machine, scope):
    """The work orders of that customer and machine that `scope` (a WHERE clause) lets the viewer see, newest first."""
    return db.session.scalars(select(WorkOrder).where(
        scope, WorkOrder.customer_id == machine.customer_id, WorkOrder.equipment == machine.name,
    ).order_by(WorkOrder.reported_at.desc(), WorkOrder.id.desc())).all()


def equipment_dict(machine):
    return {"id": machine.id, "customer": machine.customer.name, "name": machine.name, "model": machine.model,
            "serial": machine.serial, "installed_on": machine.installed_on}
