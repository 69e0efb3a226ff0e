"""client_id on POST /trips and /expenses: a repeat for the same engineer answers the first result and stores nothing."""

import threading
import uuid

import pytest

from tests.api.support import assert_error, count, documented
from tests.conftest import login
from tracker.itinerary.models import Expense, Trip

TRIP = {"date": "2026-11-19", "depart": "09:00", "return": "11:10"}
EXPENSE = {"date": "2026-11-19", "category": "meals", "amount": 35.5}


@pytest.mark.parametrize("path, body, model", [("/trips", TRIP, Trip), ("/expenses", EXPENSE, Expense)])
def test_a_repeat_answers_the_first_result_with_200_and_stores_nothing(app, api, team, path, body, model):
    client_id = str(uuid.uuid4())
    first = documented(app, api("POST", path, "eng1", json={**body, "client_id": client_id}))
    again = documented(app, api("POST", path, "eng1", json={**body, "client_id": client_id}), status=200)
    assert again == first
    assert count(model) == 1


def test_a_repeat_with_changed_values_still_answers_the_first_result(app, api, team):
    client_id = str(uuid.uuid4())
    first = api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id}).get_json()
    again = api("POST", "/trips", "eng1", json={**TRIP, "depart": "14:00", "return": "15:00",
                                                "client_id": client_id.upper()})
    assert again.status_code == 200 and again.get_json() == first
    assert count(Trip) == 1


def test_a_repeat_of_a_trip_is_not_refused_as_overlapping_itself(api, team):
    client_id = str(uuid.uuid4())
    api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id})
    assert api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id}).status_code == 200


def test_the_same_client_id_for_another_engineer_is_a_new_entry(api, team):
    client_id = str(uuid.uuid4())
    assert api("POST", "/expenses", "eng1", json={**EXPENSE, "client_id": client_id}).status_code == 201
    assert api("POST", "/expenses", "eng2", json={**EXPENSE, "client_id": client_id}).status_code == 201
    assert count(Expense) == 2


def test_a_backoffice_repeat_for_an_engineer_finds_the_engineers_own_send(api, team):
    client_id = str(uuid.uuid4())
    first = api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id}).get_json()
    again = api("POST", "/trips", "office", json={**TRIP, "engineer": "eng1", "client_id": client_id})
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]


def test_entries_without_client_id_are_never_merged(api, team):
    assert api("POST", "/expenses", "eng1", json=EXPENSE).status_code == 201
    assert api("POST", "/expenses", "eng1", json=EXPENSE).status_code == 201
    assert count(Expense) == 2


def test_a_refused_first_send_stores_nothing_and_a_corrected_repeat_is_created(api, team):
    client_id = str(uuid.uuid4())
    assert_error(api("POST", "/trips", "eng1", json={**TRIP, "date": "2099-01-01", "client_id": client_id}),
                 422, "date")
    assert api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id}).status_code == 201


@pytest.mark.parametrize("client_id", ["not-a-uuid", "", 12, "1234567890abcdef1234567890abcdef",
                                       "g2345678-1234-1234-1234-123456789012"])
def test_a_client_id_that_is_not_a_uuid_is_refused(api, team, client_id):
    refused = api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id})
    assert_error(refused, 422, "client_id")
    assert count(Trip) == 0
    if isinstance(client_id, str) and client_id:  # the rule said once, after its field ("client_id: client_id 须为")
        error = refused.get_json()["error"]
        assert error["fields"]["client_id"].startswith("须为 UUID"), error
        assert error["message"].count("client_id") == 1, error


def test_someone_who_may_not_act_for_the_engineer_learns_nothing_from_a_repeat(api, team):
    client_id = str(uuid.uuid4())
    api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id})
    assert_error(api("POST", "/trips", "eng2", json={**TRIP, "engineer": "eng1", "client_id": client_id}), 403)
    expense = {"engineer": "eng1", "date": TRIP["date"], "category": "meals", "amount": 10, "client_id": client_id}
    refused = api("POST", "/expenses", "eng2", json=expense)  # an expense is no trip: said of both
    assert refused.status_code == 403 and "行程和费用" in refused.get_json()["error"]["message"]


def test_two_racing_sends_of_one_entry_store_it_once(app_factory, team):
    app = app_factory()
    client_id = str(uuid.uuid4())
    with app.test_client() as login_client:
        token = login_client.post("/api/v1/auth/token", json={"username": "eng1", "password": "secret-pass-1"})
        bearer = {"Authorization": "Bearer " + token.get_json()["token"]}
    statuses, barrier = [], threading.Barrier(2)

    def send():
        with app.test_client() as own:
            barrier.wait()
            statuses.append(own.post("/api/v1/expenses", headers=bearer,
                                     json={**EXPENSE, "client_id": client_id}).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 201]
    assert count(Expense) == 1


@pytest.mark.parametrize("path, body, model", [("/trips", TRIP, Trip), ("/expenses", EXPENSE, Expense)])
def test_a_repeat_after_the_entry_was_deleted_stores_nothing(app, api, client, team, path, body, model):
    """The offline page resends an entry whose first answer was lost; meanwhile it was deleted (on the web or by the
    API): the repeat answers what the entry was, with 200, and does not bring it back."""
    client_id = str(uuid.uuid4())
    first = api("POST", path, "eng1", json={**body, "client_id": client_id}).get_json()
    assert api("DELETE", f"{path}/{first['id']}", "eng1").status_code == 204
    again = documented(app, api("POST", path, "eng1", json={**body, "client_id": client_id}), status=200)
    expected = {**first, "day_hours": 0} if model is Trip else first  # the day has no trip left
    assert again == expected and count(model) == 0
    other = api("POST", path, "eng1", json={**body, "client_id": str(uuid.uuid4())})  # a new entry still is one
    assert other.status_code == 201 and count(model) == 1


@pytest.mark.parametrize("path, body, model", [("/trips", TRIP, Trip), ("/expenses", EXPENSE, Expense)])
def test_the_id_of_a_deleted_entry_is_never_handed_out_again(api, team, path, body, model):
    """On SQLite deleting the newest entry gave its id to the next one: a DELETE retried after a lost answer removed
    that one, and a repeat of the deleted entry's client_id answered an id that named another engineer's entry."""
    first = api("POST", path, "eng1", json={**body, "client_id": str(uuid.uuid4())}).get_json()
    assert api("DELETE", f"{path}/{first['id']}", "eng1").status_code == 204
    later = api("POST", path, "eng2", json=body)
    assert later.status_code == 201 and later.get_json()["id"] > first["id"]
    assert api("DELETE", f"{path}/{first['id']}", "eng1").status_code == 404  # the retry finds nothing to remove
    assert count(model) == 1


def test_a_trip_deleted_on_the_web_page_is_not_sent_back_either(api, client, team):
    client_id = str(uuid.uuid4())
    first = api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id}).get_json()
    login(client, "eng1")
    assert client.post(f"/itinerary/trips/{first['id']}/delete").status_code == 302
    assert api("POST", "/trips", "eng1", json={**TRIP, "client_id": client_id}).status_code == 200
    assert count(Trip) == 0
