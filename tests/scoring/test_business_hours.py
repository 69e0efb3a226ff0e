"""Business-hours SLA: working time on the workdays of a calendar given as data, and the template option using it."""

from datetime import date, datetime, timedelta

import pytest

from tracker.scoring import business_hours
from tracker.scoring.business_hours import parse_office_hours, working_seconds
from tracker.scoring.engine import evaluate
from tracker.scoring.errors import TemplateError
from tracker.scoring.measures import SOURCES
from tracker.scoring.template import load_template

OFFICE = parse_office_hours()  # 08:30-17:30
# Qingming 2026 as the work calendar gives it: Friday 3 April a workday, Saturday 4 to Monday 6 off, Tuesday 7 back;
# and a make-up Sunday 26 April (data, whatever the real calendar says).
CALENDAR = {date(2026, 4, 3): True, date(2026, 4, 4): False, date(2026, 4, 5): False, date(2026, 4, 6): False,
            date(2026, 4, 7): True, date(2026, 4, 26): True}
H = 3600


def at(day, hh, mm=0):
    return datetime(2026, 4, day, hh, mm)


@pytest.mark.parametrize("start, end, seconds", [
    (at(3, 17, 50), at(7, 8, 40), 10 * 60),            # Friday 17:50 before the holiday, first workday 08:40
    (at(3, 16, 0), at(7, 9, 0), 2 * H),                # 1.5 h on Friday + 0.5 h on Tuesday
    (at(3, 16, 0), at(7, 9, 1), 2 * H + 60),
    (at(4, 10, 0), at(7, 10, 31), 2 * H + 60),         # reported on the holiday Saturday
    (at(7, 12, 0), at(7, 13, 0), H),                   # lunch is office time (one span a day)
    (at(7, 7, 0), at(7, 8, 30), 0),                    # before opening
    (at(7, 17, 30), at(8, 8, 30), 0),                  # closing to opening
    (at(7, 9, 0), at(7, 9, 0), 0),
    (at(7, 10, 0), at(7, 9, 0), 0),                    # end before start
    (at(25, 9, 0), at(27, 9, 0), 9 * H + 30 * 60),     # Saturday off (not in the data: Mon–Fri), make-up Sunday
    (at(6, 9, 0), at(8, 9, 0), 9 * H + 30 * 60),       # the holiday Monday is off; Wednesday by default a workday
])
def test_working_seconds_count_office_time_on_workdays_only(start, end, seconds):
    assert working_seconds(start, end, OFFICE, CALENDAR) == seconds


@pytest.mark.parametrize("text, start, end", [("08:30-17:30", 510, 1050), ("09:00-18:00", 540, 1080),
                                               ("00:00-24:00", 0, 1440)])
def test_office_hours_are_configurable(text, start, end):
    hours = parse_office_hours(text)
    assert (hours.start, hours.end) == (start, end)


@pytest.mark.parametrize("text", ["8:30-17:30", "17:30-08:30", "09:00-09:00", "25:00-26:00", "09:00-24:30", ""])
def test_malformed_office_hours_are_refused(text):
    with pytest.raises(ValueError):
        parse_office_hours(text)


def test_nine_to_six_changes_the_answer():
    nine_to_six = parse_office_hours("09:00-18:00")
    assert working_seconds(at(3, 17, 50), at(7, 8, 40), nine_to_six, CALENDAR) == 10 * 60  # 17:50-18:00 Friday
    assert working_seconds(at(3, 17, 50), at(7, 9, 10), nine_to_six, CALENDAR) == 20 * 60


# ---- the template option ---------------------------------------------------------------------------

def _template(clock=None, office_hours=None):
    source = {"kind": "response"}
    on_time = {"kind": "on_time"}
    for options in (source, on_time):
        if clock:
            options["clock"] = clock
        if office_hours:
            options["office_hours"] = office_hours
    return {"code": "sla", "name": "SLA", "version": 1, "effective_from": "2026-01", "indicators": [
        {"code": "response", "name": "响应及时率", "max": 15, "source": source, "rule": "band",
         "params": {"bands": [[1, 15], [0.95, 12], [0.9, 9], [0.8, 6], [0.7, 3]]}},
        {"code": "on_time", "name": "准时完工", "max": 15, "source": on_time, "rule": "deduction",
         "params": {"per": 1}}]}


def _facts(orders, as_of, deadlines=(), within=0, outside=0):
    """Facts as the app builds them: the SQL counts in clock hours and the orders' times for business hours."""
    return {"response": {"within": within, "outside": outside, "pending": 0, "outside_ids": [],
                         "limit_seconds": 2 * H, "orders": orders},
            "on_time": {"late_ids": [], "has_deadline": bool(deadlines), "orders": list(deadlines)},
            "as_of": as_of, "workdays": CALENDAR}


FRIDAY_EVENING = {"id": 7, "reported_at": at(3, 17, 50), "responded_at": at(7, 8, 40)}


def test_friday_1750_before_a_holiday_answered_0840_on_the_first_workday_is_within_two_business_hours():
    # clock hours: 86 h 50 min, so the SQL facts count it outside
    facts = _facts([FRIDAY_EVENING], at(30, 0), outside=1)
    business = evaluate(_template("business"), facts).indicators[0]
    clock = evaluate(_template(), facts).indicators[0]
    assert (business.value, business.points) == (1, 15) and business.record_ids == {"work_orders": []}
    assert (clock.value, clock.points) == (0, 0)
    assert "2 个工作小时" in business.explanation and "08:30–17:30" in business.explanation
    assert "business hours" in business.explanation_en and "holidays excluded" in business.explanation_en
    assert "工作小时" not in clock.explanation


@pytest.mark.parametrize("as_of, counted, outside", [
    (at(3, 18, 0), 0, 0),          # Friday evening: no office time yet, pending
    (at(6, 23, 0), 0, 0),          # still the holiday
    (at(7, 10, 20), 0, 0),         # 1 h 50 min of office time: pending
    (at(7, 10, 30), 0, 0),         # exactly 2 h: not yet outside
    (at(7, 10, 31), 1, 1),         # past its 2 business hours: outside
])
def test_an_unanswered_order_counts_as_outside_once_its_two_business_hours_have_passed(as_of, counted, outside):
    order = {"id": 9, "reported_at": at(3, 17, 50), "responded_at": None}
    row = evaluate(_template("business"), _facts([order], as_of)).indicators[0]
    assert row.applies == (counted > 0)
    if counted:
        assert row.value == 0 and row.record_ids == {"work_orders": [9]}


def test_on_time_in_business_hours_forgives_a_deadline_with_no_office_time_before_completion():
    deadlines = [{"id": 1, "deadline_at": at(3, 17, 45), "completed_at": at(7, 8, 20)},   # no office time between
                 {"id": 2, "deadline_at": at(3, 17, 0), "completed_at": at(7, 8, 20)},    # 30 min late on Friday
                 {"id": 3, "deadline_at": at(7, 9, 0), "completed_at": None}]             # open, due; as_of 9:01
    facts = _facts([], at(7, 9, 1), deadlines)
    row = evaluate(_template("business"), facts).indicators[1]
    assert row.record_ids == {"work_orders": [2, 3]} and row.points == 13
    assert "按工作时间" in row.explanation


def test_the_default_clock_keeps_clock_hours_and_ignores_the_calendar():
    facts = _facts([FRIDAY_EVENING], at(30, 0), within=0, outside=1)
    assert evaluate(_template("clock"), facts).indicators[0].points == 0


@pytest.mark.parametrize("options", [{"clock": "wall"}, {"clock": "business", "office_hours": "17:30-08:30"},
                                     {"office_hours": "8-17"}])
def test_a_template_with_a_bad_clock_option_is_refused(options):
    template = _template()
    template["indicators"][0]["source"].update(options)
    with pytest.raises(TemplateError):
        load_template(template)


def test_response_and_on_time_declare_the_clock_options():
    for kind in ("response", "on_time"):
        assert set(SOURCES[kind].options) == {"clock", "office_hours"}


def test_days_spanned_covers_every_instant():
    assert business_hours.days_spanned(at(3, 17), None, at(7, 8)) == (date(2026, 4, 3), date(2026, 4, 8))
    assert business_hours.days_spanned(None) is None
    assert business_hours.days_spanned(at(3, 0)) == (date(2026, 4, 3), date(2026, 4, 3) + timedelta(days=1))
