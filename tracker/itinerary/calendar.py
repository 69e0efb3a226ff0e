"""The work calendar: Mon–Fri, China's official holidays and make-up days, admin overrides on top."""

import calendar as pycalendar
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select

from tracker import locking, validation
from tracker.extensions import db
from tracker.itinerary.models import CalendarDay


def official_workday(day):
    """The official answer, or plain Mon–Fri for a year the holiday data does not cover."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def covered_years():
    """The years the bundled holiday data covers."""
    return sorted({d.year for d in chinese_calendar.holidays})


def year_is_covered(year):
    return year in covered_years()


def missing_holidays(year):
    """What admins are told of a year the holiday data does not cover (CONTRACT 4), or None for a covered one:
    {"year", "overrides": the dates entered, "holidays": those of them that make a weekday a day off}. Once an
    admin has entered holidays the note says the calendar is counted as entered (the warning stayed as it was)."""
    if year_is_covered(year):
        return None
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.workday).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day < date(year + 1, 1, 1))).all()
    return {"year": year, "overrides": len(rows),
            "holidays": sum(1 for day, workday in rows if not workday and day.weekday() < 5)}


def year_notes(year, today):
    """The missing_holidays notes of a page of `year`, and in December of it of the next year too (its holidays are
    due before it starts): the users, calendar, attendance and itinerary pages alike."""
    years = [year] + ([year + 1] if (today.year, today.month) == (year, 12) else [])
    return [note for note in map(missing_holidays, years) if note is not None]


def years_to_warn(today):
    """The years an admin is told of on the pages that set things up: this one, and in December the next."""
    return year_notes(today.year, today)


def admin_notes(user, year, today):
    """year_notes(year, today) for an admin on a page of that year (an itinerary month, the attendance grid); []
    for anyone else."""
    return year_notes(year, today) if user.role == "admin" else []


def is_workday(day):
    override = db.session.get(CalendarDay, day)
    return override.workday if override is not None else official_workday(day)


def month_days(year, month):
    """Every date of the month."""
    last = pycalendar.monthrange(year, month)[1]
    return [date(year, month, d) for d in range(1, last + 1)]


def workdays_between(start, end):
    """{date: is_workday} for start <= date < end, with one query for the overrides."""
    overrides = dict(db.session.execute(
        select(CalendarDay.day, CalendarDay.workday).where(CalendarDay.day >= start, CalendarDay.day < end)).all())
    days, day = {}, start
    while day < end:
        days[day] = overrides.get(day, official_workday(day))
        day += timedelta(days=1)
    return days


def notes_between(start, end):
    """{date: note} of the overrides an admin gave a note, start <= date < end (one query)."""
    return dict(db.session.execute(select(CalendarDay.day, CalendarDay.note).where(
        CalendarDay.day >= start, CalendarDay.day < end, CalendarDay.note.is_not(None), CalendarDay.note != "")).all())


NOTE_MAX = 100


def set_day(day, workday, note=None):
    """Override one date (the caller commits); the note follows the text rule of notes (CONTRACT 2: kept as
    written, at most NOTE_MAX characters, 422 otherwise), whichever door it came through."""
    note = validation.clean_text(note, "note", NOTE_MAX, required=False)
    locking.lock_calendar()
    row = db.session.get(CalendarDay, day, populate_existing=True)
    if row is None:
        row = CalendarDay(day=day, workday=workday, note=note)
        db.session.add(row)
    row.workday, row.note = workday, note
    db.session.flush()
    return row


def clear_day(day):
    locking.lock_calendar()
    row = db.session.get(CalendarDay, day, populate_existing=True)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def last_workday(year, month):
    """The month's last workday (overrides applied); the last day when the month has none at all."""
    days = month_days(year, month)
    workdays = workdays_between(days[0], days[-1] + timedelta(days=1))
    return max((day for day, workday in workdays.items() if workday), default=days[-1])
