"""Authorisation in one place: route rules (decorators) and record scope (who may see whose records and which
work orders)."""

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, exists, func, literal, or_, select, true

from tracker.auth.models import User
from tracker.errors import Forbidden, Invalid, NotFound
from tracker.extensions import db, login
from tracker.scores.models import Score
from tracker.workorders.models import WorkOrder

ALL_SEEING = ("gm", "admin")


def public(view):
    """Mark a view as open to anyone (the login page, the OpenAPI document)."""
    view._auth_rule = "public"
    return view


def roles(*allowed):
    """Require a logged-in, active user, and one of `allowed` roles when any are named."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login.unauthorized()
            if allowed and current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper._auth_rule = allowed or "authenticated"
        return wrapper

    return decorate


def chain_ids(user_id):
    """Ids of the supervisors above a user, nearest first (bounded against cycles)."""
    ids, seen = [], {user_id}
    current = db.session.get(User, user_id)
    while current is not None and current.supervisor_id and current.supervisor_id not in seen and len(ids) < 50:
        ids.append(current.supervisor_id)
        seen.add(current.supervisor_id)
        current = db.session.get(User, current.supervisor_id)
    return ids


def is_above(manager, person):
    """True when `manager` is in `person`'s supervisor chain."""
    return manager.id in chain_ids(person.id)


def is_manager_above(actor, person):
    """A manager in the person's supervisor chain."""
    return actor.role == "manager" and is_above(actor, person)


def has_manager_above(person):
    """Whether a manager is in the person's supervisor chain."""
    chain = chain_ids(person.id)
    return bool(chain) and db.session.scalar(
        select(func.count()).select_from(User).where(User.id.in_(chain), User.role == "manager")) > 0


def acts_as_manager(actor, engineer):
    """Who does a manager's part of an engineer's month (proposing adjustments, the performance interview, early
    confirmation): a manager above the engineer; the gm for an engineer with no manager above (one reporting to the
    gm, or to nobody), whose month could otherwise never be approved."""
    if is_manager_above(actor, engineer):
        return True
    return actor.role == "gm" and not has_manager_above(engineer)


LEADER_ROLES = ("manager", "gm")  # the roles of is_leader: within a viewer's scope, every such viewer leads


def is_leader(actor, engineer):
    """The gm, or a manager above the engineer: who reviews as leader, enters, vetoes and reopens."""
    return actor.role == "gm" or is_manager_above(actor, engineer)


def may_self_assess(actor, engineer):
    """自评 (form 7) is the engineer's own: nobody scores it for him."""
    return actor.id == engineer.id and actor.role == "engineer"


# ---- looking people up: a name that is nobody, or nobody of that kind, is 404 the same way everywhere ----

def named(username):
    """The user with this username, or None; a name no username can be (not text, or holding a NUL, which
    PostgreSQL's text cannot even hold: the lookup was a 500 there) is nobody, on every database alike."""
    if not isinstance(username, str) or "\x00" in username:
        return None
    return db.session.scalar(select(User).where(User.username == username))


def user_by_username(username):
    """The user with this username; 404 otherwise."""
    user = named(username)
    if user is None:
        raise NotFound(_("没有用户名为 %(name)s 的用户", name=username))
    return user


def engineer_by_username(username):
    """The engineer with this username; 404 when there is none (whether nobody or someone who is no engineer)."""
    user = named(username)
    if user is None or user.role != "engineer":
        raise NotFound(_("没有这位工程师：%(name)s", name=username))
    return user


def engineer_called(text, field):
    """The engineer a field that asks for 姓名或用户名 names: by username, else the one active engineer of that display
    name; None for a field left empty; 422 on `field` for nobody, or for a name several engineers share (their
    usernames are asked for)."""
    if not isinstance(text, str) or not text.strip():
        return None
    user = named(text)
    if user is None and "\x00" not in text:  # a NUL is no name (PostgreSQL's text cannot even hold one)
        found = db.session.scalars(select(User).where(User.role == "engineer", User.active.is_(True),
                                                      User.display_name == text.strip()).limit(2)).all()
        if len(found) > 1:
            raise Invalid.field(field, _("有多位工程师叫 %(name)s，请输入用户名", name=text.strip()))
        user = found[0] if found else None
    if user is None:
        raise Invalid.field(field, _("没有这位工程师：%(name)s", name=text))
    return user


def itinerary_owner(username):
    """The engineer whose itinerary is asked for, or someone who was one and kept trips, expenses or a submitted
    month (made a manager or back-office since: those months stay readable, read-only as can_edit_itinerary says,
    as their scores do; the lists linked them to a 404); 404 otherwise."""
    from tracker.itinerary.models import Expense, MonthSubmission, Trip

    user = named(username)
    if user is not None and user.role != "engineer" and not db.session.scalar(select(or_(*(
            exists().where(model.engineer_id == user.id) for model in (Trip, Expense, MonthSubmission))))):
        user = None
    if user is None:
        raise NotFound(_("没有这位工程师：%(name)s", name=username))
    return user


def subordinates_cte(manager_id, name="team"):
    """A recursive CTE of the ids of everyone whose supervisor chain includes manager_id (named `name`)."""
    base = select(User.id.label("id"), literal(1).label("depth")).where(User.supervisor_id == manager_id)
    tree = base.cte(name, recursive=True)
    tree = tree.union_all(
        select(User.id, tree.c.depth + 1).where(User.supervisor_id == tree.c.id, tree.c.depth < 50)
    )
    return tree


def scope_filter(viewer, column):
    """A WHERE clause limiting `column` (a users.id column) to the people `viewer` may see."""
    if viewer.role in ALL_SEEING or viewer.role == "backoffice":
        return literal(True)
    if viewer.role == "manager":
        return column.in_(select(subordinates_cte(viewer.id).c.id)) | (column == viewer.id)
    return column == viewer.id


def team_filter(column, manager):
    """A WHERE clause limiting `column` (a users.id column) to a manager's team: everyone whose supervisor chain
    includes them. Its CTE has a name of its own, so that it can stand beside scope_filter's in one statement (a
    manager who picks their own team: two unrelated CTEs named alike were a CompileError, a 500)."""
    return column.in_(select(subordinates_cte(manager.id, "picked_team").c.id))


def visible_engineers(viewer):
    """A select of the active engineers in the viewer's scope, ordered by name."""
    return (select(User).where(User.role == "engineer", User.active.is_(True), scope_filter(viewer, User.id))
            .order_by(User.display_name, User.username))


def month_engineers(viewer, month, worked):
    """A select of the engineers a list of one month shows in the viewer's scope, by name: the active engineers
    employed in it (not one hired after it), and anyone `worked` (an exists() on the month's records) whatever they
    are now (one who left since: their month stays listed)."""
    return (select(User).where(scope_filter(viewer, User.id),
                               or_(and_(User.role == "engineer", User.active.is_(True), User.employed_in(month)),
                                   worked))
            .order_by(User.display_name, User.username))


def can_see_score(viewer, engineer):
    """Scores: the engineer, a manager above, gm, admin (back-office does not see scores)."""
    return viewer.id == engineer.id or viewer.role in ALL_SEEING or is_manager_above(viewer, engineer)


def listed_engineer(scored):
    """Who a list of scores shows (the condition on User): the active engineers, and anyone `scored` (an exists()
    on Score) whatever they are now: one who left, or who is no longer an engineer (promoted to manager, their
    approved months vanished from the lists, the summaries and the queue while the role lasted)."""
    return or_(and_(User.role == "engineer", User.active.is_(True)), scored)


def engineer_for_scores(viewer, username):
    """The engineer whose scores the viewer asks for (or someone who was one and has scores: their months stay
    readable): 404 when there is no such engineer, 403 when not the viewer's."""
    engineer = named(username)
    if engineer is None or engineer.role != "engineer" and not db.session.scalar(
            select(exists().where(Score.engineer_id == engineer.id))):
        raise NotFound(_("没有这位工程师：%(name)s", name=username))
    if not can_see_score(viewer, engineer):
        raise Forbidden(_("无权查看该工程师的考核"))
    return engineer


def entries_access(viewer, engineer, peers_rate):
    """An engineer's hand entries of a month (录入): "leader" (gm, a manager above) enters them, "admin" reads them,
    the engineer ("self") sees their own; another engineer ("peer") may only rate, so only when the month's template
    has lines that peers rate (`peers_rate`). 403 for anyone else (CONTRACT 2: an engineer sees only their own)."""
    if is_leader(viewer, engineer):
        return "leader"
    if viewer.role == "admin":
        return "admin"
    if viewer.role == "engineer" and viewer.id == engineer.id:
        return "self"
    if viewer.role == "engineer" and peers_rate:
        return "peer"
    raise Forbidden(_("无权查看该工程师的录入"))


def can_view(viewer, person):
    """Itineraries, attendance and scores: the person, back-office, a manager above, gm, admin."""
    return (viewer.id == person.id or viewer.role in ALL_SEEING or viewer.role == "backoffice"
            or is_manager_above(viewer, person))


def sees_pay(viewer, person, listed_in_scope=False):
    """The bonus base (the pay the bonus is computed from) of `person`: the person, the gm, the admin, a manager
    above them. Back-office sees everyone's name for its pickers, not their pay. `listed_in_scope`: the person was
    read through scope_filter(viewer) (a manager's list holds only their team and themselves), so their chain is not
    read again for each."""
    if viewer.id == person.id or viewer.role in ALL_SEEING:
        return True
    return viewer.role == "manager" and (listed_in_scope or is_above(viewer, person))


def can_edit_itinerary(actor, engineer):
    """Trips and expenses of an engineer (no longer of one made a manager or back-office since): the engineer,
    back-office, a manager above."""
    if engineer.role != "engineer":
        return False
    return actor.id == engineer.id or actor.role == "backoffice" or is_manager_above(actor, engineer)


def can_reopen(actor, engineer):
    """A submitted month is reopened by a manager above or the gm."""
    return is_leader(actor, engineer)


ATTENDANCE_RECORDERS = ("backoffice", "manager", "admin")  # the month's grid, to record in (a manager: their team)
ATTENDANCE_VIEWERS = ATTENDANCE_RECORDERS + ("gm",)  # the gm sees everyone's (CONTRACT 2), read-only


def can_record_attendance(actor, engineer):
    return actor.role in ("backoffice", "admin") or is_manager_above(actor, engineer)


# ---- work orders ----------------------------------------------------------------------------------

ALL_ORDERS = ("backoffice", "gm", "admin")


def order_scope(viewer):
    """A WHERE clause: the work orders `viewer` may see (own; a manager's team; back-office, gm, admin: all)."""
    if viewer.role in ALL_ORDERS:
        return true()
    own = (WorkOrder.submitter_id == viewer.id) | (WorkOrder.created_by_id == viewer.id)
    if viewer.role == "manager":
        return scope_filter(viewer, WorkOrder.engineer_id) | own
    return (WorkOrder.engineer_id == viewer.id) | (WorkOrder.submitter_id == viewer.id)


def can_view_order(viewer, order):
    """The one order `order_scope` lets the viewer see; and an order that redoes one the viewer may see as its
    engineer or their manager: a rework counts against the engineer of the order it redoes (CONTRACT 7), whoever did
    the rework, so it is the record behind that engineer's deduction and opens for all who see the score."""
    if _sees_order(viewer, order):
        return True
    redone = order.rework_of
    return redone is not None and redone.engineer is not None and (
        viewer.id == redone.engineer_id or (viewer.role == "manager" and is_above(viewer, redone.engineer)))


def _sees_order(viewer, order):
    if viewer.role in ALL_ORDERS or viewer.id in (order.engineer_id, order.submitter_id):
        return True
    if viewer.role != "manager":
        return False
    return order.created_by_id == viewer.id or (order.engineer is not None and is_above(viewer, order.engineer))


def can_record_complaint(actor, engineer):
    """Record or remove a complaint against an engineer: back-office; a manager above the engineer."""
    return actor.role == "backoffice" or (actor.role == "manager" and is_above(actor, engineer))


def may_name_submitter(actor, user):
    """Whom `actor` may name as a work order's submitter (who then reads the order, its scan and photos, and is told
    of each scan): anyone for the back office and the admin; a manager names themself, someone of their team or the
    back office."""
    if actor.role != "manager":
        return True
    return user.id == actor.id or user.role in ("backoffice", "admin") or is_above(actor, user)


def can_manage_order(actor, order):
    """Edit every field, upload the scan, record surveys: back-office; a manager for the orders of the engineers
    they are above (CONTRACT 2: a manager acts on their team), and for an order without an engineer that they
    created or submitted. Seeing an order as its submitter or creator is not managing it: its times and surveys
    count in its engineer's score."""
    if actor.role == "backoffice":
        return True
    if actor.role != "manager":
        return False
    if order.engineer is None:
        return actor.id in (order.created_by_id, order.submitter_id)
    return is_above(actor, order.engineer)


def is_assigned(actor, order):
    """The order's engineer: may set its times and add photos."""
    return actor.role == "engineer" and order.engineer_id == actor.id


def can_upload_photos(actor, order):
    return can_manage_order(actor, order) or is_assigned(actor, order)
