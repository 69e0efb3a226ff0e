"""What a screen reader says of a control: a group of choices says its question, a blank cell says its status, and
the same 修改 or +行程 on every day says which day and item it is for."""

import re
from datetime import date, datetime

from tests.conftest import NOW, login
from tracker.extensions import db
from tracker.itinerary.models import Expense, Trip
from tracker.workorders import services


def test_a_group_of_radio_buttons_is_named_by_its_question(client, team):
    """满意度评分: five radios "5" … "1" under a label tied to no control ("5, radio button", no question)."""
    order = services.create_order(team["office"], {
        "customer": "旗滨玻璃", "equipment": "1号机", "service_type": "常规保养", "engineer": "eng1",
        "reported_at": datetime(2026, 11, 2, 8, 0), "arrived_at": datetime(2026, 11, 2, 9, 0),
        "completed_at": datetime(2026, 11, 2, 12, 0)}, NOW)
    db.session.commit()
    login(client, "office")
    page = client.get(f"/work-orders/{order.id}").get_data(as_text=True)
    group = re.search(r'<div[^>]*role="radiogroup" aria-labelledby="([\w-]+)"', page)
    assert group, "the survey score's radios are no named group"
    assert re.search(rf'<label[^>]*id="{group.group(1)}"[^>]*>\s*满意度评分', page)


def test_a_present_cell_of_the_attendance_grid_is_read_as_present(client, team):
    login(client, "office")
    page = client.get("/attendance/2026-11").get_data(as_text=True)
    assert re.search(r'<option value="present" selected aria-label="[^"]+"></option>', page)


def test_the_actions_of_a_day_and_of_an_item_say_which_day_and_item(client, team):
    trip = Trip(engineer_id=team["eng1"].id, day=date(2026, 11, 18), depart_min=480, return_min=600, hours=2)
    expense = Expense(engineer_id=team["eng1"].id, day=date(2026, 11, 18), category="meals", amount=35)
    db.session.add_all([trip, expense])
    db.session.commit()
    login(client, "eng1")
    page = client.get("/itinerary/eng1/2026-11").get_data(as_text=True)
    assert re.search(r'<span class="fw-semibold" id="d-2026-11-18-name">11月18日</span>', page)
    assert re.search(r'aria-describedby="d-2026-11-18-name">\+行程</a>', page)
    assert f'aria-describedby="d-2026-11-18-name trip-{trip.id}-span">修改</a>' in page
    assert f'id="expense-{expense.id}-amount">¥35.00</span>' in page
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    assert described and all(part in ids for value in described for part in value.split()), described


def test_a_day_of_the_itinerary_is_named_without_ambiguity_in_english(client, team):
    """11/9 Mon read as 11 September to most English readers."""
    login(client, "eng1")
    page = client.get("/itinerary/eng1/2026-11?lang=en").get_data(as_text=True)
    assert '<span class="fw-semibold" id="d-2026-11-09-name">Nov 9</span>' in page
    page = client.get("/itinerary/eng1/2026-11?lang=zh").get_data(as_text=True)
    assert '<span class="fw-semibold" id="d-2026-11-09-name">11月9日</span>' in page
