"""GET/POST /itineraries/{username}/{YYYY}.xlsx: the download's headers and the import through the API."""

import io
from datetime import datetime
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.api.support import assert_error, count, documented
from tracker.auth.models import User
from tracker.extensions import db
from tracker.itinerary.models import Expense, MonthSubmission, Trip

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME = "2026年张三工作行程表.xlsx"


@pytest.fixture
def month_data(api, team):
    api("POST", "/trips", "eng1", json={"date": "2026-11-19", "depart": "08:00", "return": "10:00",
                                        "purpose": "保养"})
    api("POST", "/expenses", "eng1", json={"date": "2026-11-19", "category": "meals", "amount": 25.5})


def test_download_is_the_workbook_with_an_rfc5987_file_name(app, api, month_data):
    response = api("GET", "/itineraries/eng1/2026.xlsx", "eng1")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    # CONTRACT 8's name as RFC 5987 filename*, and a plain ASCII one for clients that read only that (was 2026.xlsx)
    assert disposition == "attachment; filename=\"2026-eng1-itinerary.xlsx\"; filename*=UTF-8''" + quote(NAME)
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [f"{m}月" for m in range(1, 13)]
    values = [cell for row in book["11月"].iter_rows(values_only=True) for cell in row]
    assert "保养" in values and "08:00" in values


@pytest.mark.parametrize("user, status", [
    ("eng1", 200), ("office", 200), ("mgr", 200), ("gm.wang", 200), ("admin", 200), ("eng2", 403), ("mgr2", 403),
])
def test_who_downloads_a_workbook(api, team, user, status):
    response = api("GET", "/itineraries/eng1/2026.xlsx", user)
    if status == 200:
        assert response.status_code == 200 and response.mimetype == XLSX
    else:
        assert_error(response, status)


@pytest.mark.parametrize("path, status", [
    ("/itineraries/eng1/1999.xlsx", 422),
    ("/itineraries/eng1/99999999999999999999.xlsx", 422),
    ("/itineraries/eng1/02026.xlsx", 422),  # a year has four digits (CONTRACT 2), as everywhere in a path
    ("/itineraries/eng1/2026-11.xlsx", 422),
    ("/itineraries/eng1/20x6.xlsx", 422),
    ("/itineraries/EN/2026.xlsx", 422),
    ("/itineraries/nobody/2026.xlsx", 404),
    ("/itineraries/office/2026.xlsx", 404),
])
def test_bad_workbook_paths_are_4xx(api, team, path, status):
    assert_error(api("GET", path, "admin"), status)


def test_year_and_month_paths_reach_their_own_routes(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/api/v1/itineraries/eng1/2026.xlsx", method="GET")[0] == "api.download_workbook"
    assert adapter.match("/api/v1/itineraries/eng1/2026.xlsx", method="POST")[0] == "api.import_workbook"
    assert adapter.match("/api/v1/itineraries/eng1/2026-11", method="GET")[0] == "api.get_itinerary"
    assert adapter.match("/api/v1/itineraries/eng1/2026-11/submit", method="POST")[0] == "api.submit_itinerary"


def _export(api):
    return api("GET", "/itineraries/eng1/2026.xlsx", "eng1").data


def _upload(api, user, data, name=NAME, path="/itineraries/eng1/2026.xlsx"):
    return api("POST", path, user, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("user", ["eng1", "office", "mgr"])
def test_import_puts_back_what_was_exported(app, api, month_data, user):
    data = _export(api)
    trip_id = api("GET", "/itineraries/eng1/2026-11", "eng1").get_json()["days"][18]["trips"][0]["id"]
    api("DELETE", f"/trips/{trip_id}", "eng1")
    api("POST", "/trips", "eng1", json={"date": "2026-11-18", "full_day": True})
    body = documented(app, _upload(api, user, data))
    assert body["file"] == NAME
    assert {"month": "2026-11", "status": "replaced", "trips": 1, "expenses": 1} in body["months"]
    month = api("GET", "/itineraries/eng1/2026-11", "eng1").get_json()
    assert month["field_hours"] == 2 and month["expenses_total"] == 25.5
    assert count(Trip) == 1 and count(Expense) == 1


def test_an_import_that_empties_a_month_moves_its_draft_score_at_once(api, month_data):
    for day in api("GET", "/itineraries/eng1/2026-11", "eng1").get_json()["days"]:
        for trip in day["trips"]:
            api("DELETE", f"/trips/{trip['id']}", "eng1")
    empty = _export(api)
    api("POST", "/trips", "eng1", json={"date": "2026-11-18", "full_day": True})

    def field_hours():
        score = api("GET", "/scores/2026-11/eng1", "mgr").get_json()
        return {i["code"]: i for i in score["indicators"]}["field_hours"]["value"]

    assert field_hours() == 7.5
    assert _upload(api, "eng1", empty).status_code == 200
    assert field_hours() == 0


@pytest.mark.parametrize("name", ["2026年李四工作行程表.xlsx", "2025年张三工作行程表.xlsx", "itinerary.xlsx",
                                  "2026年张三工作行程表 (1).xlsx", ""])
def test_import_with_a_wrong_file_name_is_422_naming_the_expected_one(api, month_data, name):
    data = _export(api)
    api("POST", "/trips", "eng1", json={"date": "2026-11-18", "full_day": True})
    error = assert_error(_upload(api, "eng1", data, name=name), 422)
    if name:
        assert error["expected"] == NAME
    assert count(Trip) == 2 and count(Expense) == 1


def test_import_without_a_file_is_422(api, team):
    assert_error(api("POST", "/itineraries/eng1/2026.xlsx", "eng1", data={}), 422, "file")


def test_import_of_a_json_body_is_415(api, team):
    assert_error(api("POST", "/itineraries/eng1/2026.xlsx", "eng1", json={"file": "x"}), 415)


def test_import_of_something_that_is_not_a_workbook_is_422(api, month_data):
    assert_error(_upload(api, "eng1", b"PK\x03\x04 not really a zip"), 422, "file")
    assert_error(_upload(api, "eng1", b"%PDF-1.4"), 422, "file")
    assert count(Trip) == 1 and count(Expense) == 1


@pytest.mark.parametrize("user, path, status", [
    ("eng2", "/itineraries/eng1/2026.xlsx", 403),
    ("mgr2", "/itineraries/eng1/2026.xlsx", 403),
    ("gm.wang", "/itineraries/eng1/2026.xlsx", 403),
    ("admin", "/itineraries/eng1/2026.xlsx", 403),
    ("eng1", "/itineraries/eng1/1999.xlsx", 422),
    ("office", "/itineraries/nobody/2026.xlsx", 404),
])
def test_import_refused(api, month_data, user, path, status):
    data = _export(api)
    api("POST", "/trips", "eng1", json={"date": "2026-11-18", "full_day": True})
    assert_error(_upload(api, user, data, path=path), status)
    assert count(Trip) == 2


def test_import_that_changes_a_submitted_month_is_409(app, api, month_data):
    data = _export(api)
    api("POST", "/trips", "eng1", json={"date": "2026-11-18", "full_day": True})
    eng1 = db.session.scalar(select(User).where(User.username == "eng1"))
    db.session.add(MonthSubmission(engineer_id=eng1.id, month="2026-11", submitted_at=datetime(2026, 11, 30, 17)))
    db.session.commit()  # submitted on the month's last workday
    assert_error(_upload(api, "eng1", data), 409)
    assert count(Trip) == 2
