"""A customer's machines (设备), for the work-order form's picker and integrations."""

from flask import request

from tracker import equipment
from tracker.api import core
from tracker.api.core import bp
from tracker.auth.access import roles
from tracker.customers.services import get_customer

EQUIPMENT = core.obj({
    "id": {"type": "integer"}, "customer": {"type": "string"}, "name": {"type": "string"},
    "model": {"type": ["string", "null"]}, "serial": {"type": ["string", "null"]},
    "installed_on": {"type": ["string", "null"], "format": "date"},
}, ["id", "customer", "name", "model", "serial", "installed_on"])


@bp.route("/customers/<int:customer_id>/equipment", methods=["GET"])
@roles()
@core.answers(200, core.obj({"equipment": {"type": "array", "items": EQUIPMENT}}, ["equipment"]))
def list_equipment(customer_id):
    """A customer's machines, by name."""
    machines = equipment.of_customer(get_customer(customer_id).id)
    return core.reply({"equipment": [equipment.equipment_dict(m) for m in machines]})


@bp.route("/equipment", methods=["GET"])
@roles()
@core.answers(200, core.obj({"equipment": {"type": "array", "items": EQUIPMENT}}, ["equipment"]))
@core.query([{"name": "customer", "schema": {"type": "string", "maxLength": 40},
              "description": "the customer's name (no such customer: an empty list)"}])
def equipment_of_customer():
    """The machines of the customer with that name (for the work-order form's picker)."""
    machines = equipment.by_customer_name(request.args.get("customer", "").strip())
    return core.reply({"equipment": [equipment.equipment_dict(m) for m in machines]})
