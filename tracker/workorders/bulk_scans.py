"""Scanned tickets sent in bulk: each file matched to its work order by the QR code of the printed ticket or by its
name (CONTRACT 6), then stored as any single scan is (tracker/workorders/uploads.py)."""

from datetime import datetime, timedelta
from difflib import SequenceMatcher

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, literal, select
from sqlalchemy.orm import contains_eager

from tracker.auth.access import order_scope
from tracker.customers.models import Customer
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.validation import text_problem
from tracker.workorders import files
from tracker.workorders.models import Scan, WorkOrder
from tracker.workorders.uploads import SCAN_KINDS, qr_numbers, scan_kind, store_scan


def _service_day(stem):
    """The service date a name starts with (YYYYMMDD), or None."""
    if len(stem) < 8 or not stem[:8].isdigit():
        return None
    try:
        return datetime.strptime(stem[:8], "%Y%m%d")
    except ValueError:
        return None


def _orders_of_day(actor, day):
    """The actor's work orders (not cancelled) serviced on `day`."""
    service = func.coalesce(WorkOrder.arrived_at, WorkOrder.completed_at, WorkOrder.reported_at)
    return db.session.scalars(select(WorkOrder).join(Customer).options(contains_eager(WorkOrder.customer)).where(
        service >= day, service < day + timedelta(days=1), WorkOrder.status != "cancelled", order_scope(actor),
    ).order_by(WorkOrder.id)).all()


def match_orders(actor, stem):
    """The actor's open or completed work orders whose canonical name is `stem` (matched on the service date)."""
    day = _service_day(stem) if len(stem) > 8 else None
    if day is None:
        return []
    return [order for order in _orders_of_day(actor, day) if order.canonical_name == stem]


def likely_order(actor, stem):
    """The one work order a wrongly named file evidently belongs to, or None (then no name can be expected).

    - The part after the leading digits is exactly the customer + equipment + service type of the actor's orders
      (a wrong or missing date): the only such order, or among several the only one still without a scan;
    - otherwise, when the name starts with a service date, the order of the actor's that day whose customer +
      equipment + service type is clearly the closest to the rest of the name (a typo): at least 80 % alike
      (difflib's ratio) and 10 points ahead of the next.
    """
    rest = stem.lstrip("0123456789")
    if not rest or text_problem(rest, "name"):  # a name no stored order can have (control characters, NUL)
        return None
    candidates = [order for order in db.session.scalars(
        select(WorkOrder).join(Customer).options(contains_eager(WorkOrder.customer)).where(
            literal(rest).startswith(Customer.name), WorkOrder.status != "cancelled", order_scope(actor),
        ).order_by(WorkOrder.id.desc()).limit(500)) if order.canonical_name[8:] == rest]
    if len(candidates) > 1:
        scanned = set(db.session.scalars(select(Scan.work_order_id).where(
            Scan.work_order_id.in_([order.id for order in candidates]), Scan.current.is_(True))))
        candidates = [order for order in candidates if order.id not in scanned]
    if candidates:
        return candidates[0] if len(candidates) == 1 else None
    day = _service_day(stem)
    if day is None:
        return None
    ranked = sorted((SequenceMatcher(None, stem[8:], order.canonical_name[8:]).ratio(), order.id, order)
                    for order in _orders_of_day(actor, day))
    if not ranked:
        return None
    best = ranked[-1]
    if best[0] >= 0.8 and (len(ranked) == 1 or best[0] - ranked[-2][0] >= 0.1):
        return best[2]
    return None


def _orders_by_number(actor, numbers):
    """The actor's work orders (not cancelled) with these numbers."""
    if not numbers:
        return []
    return db.session.scalars(select(WorkOrder).join(Customer).options(contains_eager(WorkOrder.customer)).where(
        WorkOrder.number.in_(sorted(numbers)), WorkOrder.status != "cancelled", order_scope(actor),
    ).order_by(WorkOrder.id)).all()


def _target(actor, stem, ext, data, result):
    """(work order, QR numbers) a bulk-uploaded file belongs to, or (None, _) with `result` saying why not.

    The QR code of a printed ticket names the order whatever the file is called; a file name naming another
    order than its QR code is refused with the name that would have been accepted.
    """
    kind = files.sniff(data)
    numbers = qr_numbers(data, kind) if kind in SCAN_KINDS else set()
    matches = match_orders(actor, stem)
    by_qr = _orders_by_number(actor, numbers)
    if len(numbers) > 1:
        result["message"] = _("扫描件上有多个工单的二维码：%(numbers)s，请分开扫描",
                              numbers=_("、").join(sorted(numbers)))
        return None, numbers
    if by_qr:
        order = by_qr[0]
        if matches and order not in matches:
            expected = f"{order.canonical_name}.{ext or files.DEFAULT_EXTENSION.get(kind, 'pdf')}"
            result.update(work_order=order, expected=expected, code=422, message=_(
                "文件名指向工单 %(named)s，但扫描件上的服务单二维码属于工单 %(other)s",
                named=_("、").join(o.number for o in matches), other=order.number))
            return None, numbers
        return order, numbers
    if numbers and not matches:
        result.update(status="no_match", message=_("二维码所指的工单 %(number)s 不存在或不在您的范围内",
                                                   number=next(iter(numbers))))
        return None, numbers
    if not matches:
        likely = likely_order(actor, stem)
        if likely is None:
            result.update(status="no_match", message=_("没有与文件名匹配的工单，也未能识别服务单二维码"))
            return None, numbers
        claimed = files.EXTENSIONS.get(ext.lower())
        expected = f"{likely.canonical_name}.{ext if claimed in SCAN_KINDS else files.DEFAULT_EXTENSION.get(kind, 'pdf')}"
        result.update(work_order=likely, expected=expected, code=422, message=_(
            "文件名须为 %(expected)s（服务日期 + 客户 + 设备 + 服务类型），且未能识别服务单二维码", expected=expected))
        return None, numbers
    if len(matches) > 1:
        result.update(status="ambiguous", message=_("多张工单同名：%(numbers)s，请在工单页面分别上传",
                                                    numbers=_("、").join(o.number for o in matches)))
        return None, numbers
    return matches[0], numbers


def attach_scans(actor, uploads, now):
    """Bulk upload: each (file name, stream) is matched to its work order by its QR code or its name and stored.

    Returns one result per file: status attached, no_match, ambiguous or refused, with a message (and `by_qr`
    when the QR code named it). Each file is stored in its own savepoint, so one refusal does not undo the
    others; the caller commits.
    """
    results, seen = [], set()
    limit = current_app.config["SCAN_MAX_BYTES"]
    for filename, stream in uploads:
        name, stem, ext = files.split_name(filename)
        result = {"file": name, "status": "refused", "message": "", "work_order": None, "name": None,
                  "expected": None, "by_qr": False}
        results.append(result)
        if name in seen:
            result["message"] = _("同一批中有重名文件，只处理第一个")
            continue
        seen.add(name)
        try:  # too large or not a scan at all: said as the single upload says it (not as a name matching nothing)
            data = files.read_limited(stream, limit, name)
            scan_kind(name, data)
        except DomainError as error:
            result.update(message=error.message, code=error.status)
            continue
        order, numbers = _target(actor, stem, ext, data, result)
        if order is None:
            continue
        result["work_order"] = order
        try:
            with db.session.begin_nested():
                scan = store_scan(actor, order, filename, data, now, numbers)
        except DomainError as error:
            result.update(message=error.message, expected=error.extra.get("expected"), code=error.status)
            continue
        result.update(status="attached", name=scan.name, scan=scan, by_qr=scan.named_by_qr,
                      message=_("按二维码识别，已存档为 %(name)s", name=scan.name) if scan.named_by_qr
                      else _("已存档为 %(name)s", name=scan.name))
    return results
