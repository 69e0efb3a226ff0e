"""提前转正 needs three months of service (seed form 2: 满三个月; CONTRACT.md section 7): one rule for the API and the
admin form (tracker.auth.services), 422 naming the first month it may start."""

from datetime import date

import pytest

from tests.conftest import login
from tracker.auth.services import change_user
from tracker.auth.models import User
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.scores.services import is_eligible


@pytest.fixture
def newcomer(make_user, team):
    """Hired 15 September 2026 into mgr's team: three months of service on 15 December."""
    return make_user("newbie", supervisor="mgr", hire_date=date(2026, 9, 15))


@pytest.mark.parametrize("month, status", [("2026-10", 422), ("2026-11", 422), ("2026-12", 200), ("2027-01", 200)])
def test_a_manager_above_confirms_early_only_after_three_months_of_service(api, newcomer, month, status):
    response = api("PATCH", "/users/newbie", "mgr", json={"early_confirmation_month": month})
    assert response.status_code == status, response.get_json()
    db.session.expire_all()
    stored = db.session.get(User, newcomer.id).early_confirmation_month
    if status == 422:
        error = response.get_json()["error"]
        assert "early_confirmation_month" in error["fields"]
        assert "满三个月" in error["fields"]["early_confirmation_month"] and "2026-12" in error["fields"][
            "early_confirmation_month"]
        assert stored is None
    else:
        assert stored == month


def test_two_months_of_service_are_refused_and_three_accepted_with_the_month_end_rule(api, make_user, team):
    """Hired 31 August: + 3 months is 30 November (a month-end hire moves to the target month's end)."""
    make_user("lateaug", supervisor="mgr", hire_date=date(2026, 8, 31))
    assert api("PATCH", "/users/lateaug", "mgr", json={"early_confirmation_month": "2026-10"}).status_code == 422
    assert api("PATCH", "/users/lateaug", "mgr", json={"early_confirmation_month": "2026-11"}).status_code == 200


def test_an_early_confirmation_makes_the_month_assessed(api, newcomer):
    assert not is_eligible(newcomer, "2026-12")
    assert api("PATCH", "/users/newbie", "admin", json={"early_confirmation_month": "2026-12"}).status_code == 200
    db.session.expire_all()
    newcomer = db.session.get(User, newcomer.id)
    assert is_eligible(newcomer, "2026-12") and not is_eligible(newcomer, "2026-11")


def test_clearing_an_early_confirmation_is_always_allowed(api, newcomer):
    assert api("PATCH", "/users/newbie", "mgr", json={"early_confirmation_month": "2027-01"}).status_code == 200
    assert api("PATCH", "/users/newbie", "mgr", json={"early_confirmation_month": None}).status_code == 200


def form(user, **changes):
    return {"display_name": user.display_name, "role": user.role, "supervisor": "mgr", "department": "",
            "hire_date": user.hire_date.isoformat(), "bonus_base": "1000", "email": "", "active": "y", **changes}


@pytest.mark.parametrize("month, status", [("2026-11", 422), ("2026-12", 302)])
def test_the_admin_form_follows_the_same_rule(client, newcomer, month, status):
    login(client, "admin")
    response = client.post(f"/admin/users/{newcomer.id}", data=form(newcomer, early_confirmation_month=month))
    assert response.status_code == status
    db.session.expire_all()
    stored = db.session.get(User, newcomer.id).early_confirmation_month
    if status == 422:
        assert "满三个月" in response.get_data(as_text=True) and stored is None
    else:
        assert stored == month


def test_a_changed_hire_date_is_checked_against_the_early_confirmation_in_the_same_request(api, newcomer):
    response = api("PATCH", "/users/newbie", "admin", json={"hire_date": "2026-10-01",
                                                             "early_confirmation_month": "2026-12"})
    assert response.status_code == 422
    assert api("PATCH", "/users/newbie", "admin", json={"hire_date": "2026-08-01",
                                                         "early_confirmation_month": "2026-11"}).status_code == 200


@pytest.mark.parametrize("month", ["", "  ", "2026-13", "0093-01"])
def test_only_an_explicit_none_clears_an_early_confirmation(app, team, newcomer, month):
    """The score page's form sends text: an empty or malformed month is refused on the field, never a clearing."""
    newcomer.early_confirmation_month = "2026-12"
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        change_user(team["mgr"], newcomer, {"early_confirmation_month": month})
    assert "early_confirmation_month" in refused.value.fields
    db.session.rollback()
    assert db.session.get(User, newcomer.id).early_confirmation_month == "2026-12"
