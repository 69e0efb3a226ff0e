"""Trip entry without signal: the server really stops, the phone keeps the entries, sends them once when it is back."""

import contextlib
import os
import socket
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.itinerary.models import Expense, Trip

pytestmark = pytest.mark.e2e


class OneShotHandler(WSGIRequestHandler):
    """HTTP/1.0: every connection closes after its answer, so a stopped server leaves no connection behind."""

    protocol_version = "HTTP/1.0"


class Server:
    """The test app on a fixed loopback port that can be stopped (port closed) and started again."""

    def __init__(self, app):
        self.app = app
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True, request_handler=OneShotHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.server = None
        with socket.socket() as probe:  # really unreachable
            assert probe.connect_ex(("127.0.0.1", self.port)) != 0


@pytest.fixture
def server(app):
    running = Server(app)
    running.start()
    yield running
    if running.server is not None:
        running.stop()


def _rows(model):
    db.session.rollback()
    return db.session.query(model).order_by(model.id).all()


def _wait_count(page, selector, count):
    """Wait until `count` elements match (without evaluating script text: the page's CSP forbids eval)."""
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_have_count(count)


def _open_offline(page, server, username="eng1"):
    """Log in as `username` through the form, then open the offline entry page."""
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"**/itinerary/{username}/**")
    page.goto(server.url + "/itinerary/offline/")


def _entry(page, kind, **fields):
    page.click(f"label[for=kind-{kind}]")
    page.fill("#f-date", fields.pop("date"))
    for name, value in fields.items():
        page.fill(f"#f-{name}", value)
    page.click("#save-entry")


def _queue(page, kind, body, username="eng1"):
    """An entry as a page of an earlier release kept it without checking it (or as a phone whose clock ran ahead
    saved it): put on the phone's queue directly, then the page opened again, which sends it."""
    import json
    import uuid

    entry = {"client_id": str(uuid.uuid4()), "kind": kind, "body": body, "username": username, "state": "pending",
             "error": ""}
    page.evaluate("""entry => {
        const data = JSON.parse(window.localStorage.getItem('tracker.offline.v1') || '{}');
        data.queue = (data.queue || []).concat([JSON.parse(entry)]);
        window.localStorage.setItem('tracker.offline.v1', JSON.stringify(data));
    }""", json.dumps(entry, ensure_ascii=False))
    page.reload()


def test_trips_and_an_expense_recorded_with_the_server_down_are_sent_once_when_it_is_back(
        server, phone, team, api, screenshot_dir):
    # a trip already on the server, which one of the offline entries will overlap
    existing = api("POST", "/trips", "eng1", json={"date": "2026-11-18", "depart": "08:00", "return": "09:00"})
    assert existing.status_code == 201
    page = phone
    _open_offline(page, server)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)  # page and assets kept by the worker
    assert page.is_hidden("#offline-unavailable")

    server.stop()
    _entry(page, "trip", date="2026-11-18", depart="10:00", **{"return": "11:30"}, purpose="旗滨玻璃保养")
    _entry(page, "trip", date="2026-11-18", depart="08:30", **{"return": "09:30"}, purpose="重叠的行程")
    _entry(page, "expense", date="2026-11-18", amount="35.5", note="  午餐 ")  # sent as written, as the form does
    page.wait_for_selector("#connection[data-online='0']")
    assert page.locator("#queue .offline-entry[data-state='pending']").count() == 3

    page.reload()  # with the server down the worker answers from its cache
    page.wait_for_selector("#queue .offline-entry")
    assert page.locator("#queue .offline-entry[data-state='pending']").count() == 3
    assert "尚未发送" in page.inner_text("body") and "旗滨玻璃保养" in page.inner_text("#queue")
    assert _rows(Trip)[-1].id == existing.get_json()["id"] and _rows(Expense) == []
    page.screenshot(path=os.path.join(screenshot_dir, "offline-queued.png"), full_page=True)

    server.start()
    page.click("#send-now")
    page.wait_for_selector("#connection[data-online='1']")
    page.wait_for_selector("#queue .offline-entry[data-state='refused']")
    _wait_count(page, "#queue .offline-entry", 1)
    refused = page.locator("#queue .offline-entry[data-state='refused']")
    assert "重叠" in refused.inner_text() and "重叠的行程" in refused.inner_text()
    assert page.locator("#sent .sent-entry").count() == 2
    trips, expenses = _rows(Trip), _rows(Expense)
    assert [(t.depart_min, t.return_min) for t in trips] == [(480, 540), (600, 690)]
    assert [(str(e.amount), e.note) for e in expenses] == [("35.50", "  午餐 ")]
    assert all(t.client_id for t in trips[1:]) and expenses[0].client_id

    # sending again (a reload, another tap) stores nothing more; the refused one waits to be fixed or discarded
    page.reload()
    page.click("#send-now")
    page.wait_for_selector("#connection[data-online='1']")
    assert len(_rows(Trip)) == 2 and len(_rows(Expense)) == 1
    page.click("#queue .fix-entry")
    assert page.is_visible("#form-error")  # why it was refused, by the form
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#queue .discard-entry")
    _wait_count(page, "#queue .offline-entry", 0)
    assert not page.is_visible("#form-error")  # discarded: nothing left to fix
    assert "有记录被拒绝" not in page.inner_text("#sync-message")
    assert page.input_value("#f-depart") == ""  # its data left the form with it: 保存 would queue it again
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    page.screenshot(path=os.path.join(screenshot_dir, "offline-sent.png"), full_page=True)


def test_a_refused_entry_can_be_fixed_and_sent(server, phone, team):
    page = phone
    _open_offline(page, server)
    _queue(page, "trip", {"date": "2099-01-05", "depart": "10:00", "return": "11:00"})  # a future date: refused
    page.wait_for_selector("#queue .offline-entry[data-state='refused']")
    assert "未来" in page.inner_text("#queue")
    # a refusal of the body's own check says its field's message once ("amount: 不能大于 100000" held it already)
    _queue(page, "expense", {"date": "2026-11-16", "category": "meals", "amount": 100001})
    _wait_count(page, "#queue .offline-entry[data-state='refused']", 2)
    assert page.inner_text("#queue").count("100000") == 1, page.inner_text("#queue")
    page.once("dialog", lambda dialog: dialog.accept())  # 放弃 asks first
    page.locator("#queue .offline-entry[data-state='refused']").filter(has_text="100000").locator(
        ".discard-entry").click()
    _wait_count(page, "#queue .offline-entry[data-state='refused']", 1)
    # two fields at fault: each named by its label, not "check the marked fields" of a form that marks none
    _queue(page, "trip", {"date": "2099-01-06", "depart": "10:00", "return": "09:00"})
    _wait_count(page, "#queue .offline-entry[data-state='refused']", 2)
    both = page.locator("#queue .offline-entry[data-state='refused']").filter(has_text="2099-01-06").inner_text()
    assert "日期：不能记录未来的日期；返回：返回时间须晚于出发时间" in both and "请检查标出的栏目" not in both, both
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#queue .offline-entry[data-state='refused']").filter(has_text="2099-01-06").locator(
        ".discard-entry").click()
    _wait_count(page, "#queue .offline-entry[data-state='refused']", 1)
    assert "有记录被拒绝" in page.inner_text("#sync-message") and "全部已发送" not in page.inner_text("body")
    # the heading counts it beside the pending ones ("尚未发送 0" alone read as nothing left to do)
    assert page.inner_text("#queue-count") == "0" and page.inner_text("#refused-count") == "被拒绝 1"
    _entry(page, "trip", date="2026-11-16", depart="08:00", **{"return": "09:00"})  # sent; the refused one waits
    _wait_count(page, "#queue .offline-entry", 1)
    assert "有记录被拒绝" in page.inner_text("#sync-message") and "全部已发送" not in page.inner_text("body")
    page.click("#queue .fix-entry")
    assert page.input_value("#f-depart") == "10:00"
    assert page.is_visible("#form-error") and "未来" in page.inner_text("#form-error")  # by the form to change
    # the field the server named is marked as the form's own refusals are, the message under it
    assert page.get_attribute("#f-date", "aria-invalid") == "true"
    assert page.evaluate("document.getElementById('form-error').previousElementSibling.id") == "f-date"
    # 修改 only shows it in the form: it was taken off the phone at once, lost by a reload or a second 修改
    _wait_count(page, "#queue .offline-entry[data-state='refused']", 1)
    page.reload()
    _wait_count(page, "#queue .offline-entry[data-state='refused']", 1)
    page.click("#queue .fix-entry")
    assert page.input_value("#f-depart") == "10:00"
    page.fill("#f-date", "2026-11-17")
    page.click("#save-entry")  # the fixed entry replaces the refused one
    _wait_count(page, "#queue .offline-entry", 0)
    assert sorted(t.day.isoformat() for t in _rows(Trip)) == ["2026-11-16", "2026-11-17"]
    assert not page.is_visible("#refused-count")


def test_the_form_says_what_the_server_would_refuse_before_the_entry_waits_for_a_signal(server, phone, team):
    """A return before the departure, a date to come or an amount out of range was stored on the phone and refused
    only once sent, perhaps long after: the form says so at once, by the field's label, and keeps nothing."""
    page = phone
    _open_offline(page, server)
    server.stop()  # without signal
    amount = "金额（元）：金额须在 0 到 100000 元之间，最多两位小数"
    for kind, fields, said in (
            ("trip", {"date": "2026-11-16", "depart": "10:00", "return": "09:00"}, "返回：返回时间须晚于出发时间"),
            ("trip", {"date": "2099-01-05", "depart": "10:00", "return": "11:00"}, "日期：不能记录未来的日期"),
            ("expense", {"date": "2026-11-16", "amount": "100000.01"}, amount),
            ("expense", {"date": "2026-11-16", "amount": "12.345"}, amount),
            ("expense", {"date": "2099-01-05", "amount": "12"}, "日期：不能记录未来的日期")):
        _entry(page, kind, **fields)
        assert page.is_visible("#form-error") and page.inner_text("#form-error") == said, fields
        assert page.locator("#queue .offline-entry").count() == 0
        # the field at fault is marked, tied to the message and focused, as on the server's forms
        at_fault = "#f-" + {"日期": "date", "返回": "return", "金额（元）": "amount"}[said.split("：")[0]]
        assert page.get_attribute(at_fault, "aria-invalid") == "true", fields
        assert "form-error" in page.get_attribute(at_fault, "aria-describedby")
        assert page.evaluate("document.activeElement.id") == at_fault[1:]
        assert page.locator("[aria-invalid]").count() == 1
        # said right under it (it stood below 备注, some 400 px from the date on a phone)
        assert page.evaluate("document.getElementById('form-error').previousElementSibling.id") == at_fault[1:]
    _entry(page, "expense", date="2026-11-16", amount="100000")  # the limit itself is an amount
    _wait_count(page, "#queue .offline-entry[data-state='pending']", 1)


def test_an_entry_not_sent_yet_can_be_given_up(server, phone, team):
    """Only a refused entry could be dropped: a typo seen without signal was stored as typed once it came back."""
    page = phone
    _open_offline(page, server)
    server.stop()
    _entry(page, "trip", date="2026-11-16", depart="08:00", **{"return": "09:00"}, purpose="写错了")
    _entry(page, "trip", date="2026-11-16", depart="10:00", **{"return": "11:00"}, purpose="留下")
    _wait_count(page, "#queue .offline-entry[data-state='pending']", 2)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#queue .offline-entry").filter(has_text="写错了").locator(".discard-entry").click()
    _wait_count(page, "#queue .offline-entry[data-state='pending']", 1)
    server.start()
    page.click("#send-now")
    _wait_count(page, "#sent .sent-entry", 1)
    assert [t.purpose for t in _rows(Trip)] == ["留下"]


def test_with_another_user_logged_in_the_page_says_so_and_how_to_log_in(server, phone, team):
    """eng1's page open while eng2 logged in in another tab sends nothing of eng1's, and said 登录已过期 (it had not)
    with no way to the login form."""
    page = phone
    _open_offline(page, server)
    server.stop()
    _entry(page, "trip", date="2026-11-16", depart="08:00", **{"return": "09:00"})
    server.start()
    page.context.clear_cookies()  # the session is the browser's: eng2 logs in in another tab
    other = page.context.new_page()
    other.goto(server.url + "/login")
    other.fill("input[name=username]", "eng2")
    other.fill("input[name=password]", PASSWORD)
    other.click("input[type=submit], button[type=submit]")
    other.wait_for_url("**/itinerary/eng2/**")
    page.click("#send-now")
    from playwright.sync_api import expect

    expect(page.locator("#sync-message")).to_contain_text("现在登录的是另一位用户")
    # no link to the login page, which takes a logged-in user to their own home
    assert not page.is_visible("#login-link")
    assert len(_rows(Trip)) == 0 and page.locator("#queue .offline-entry[data-state='pending']").count() == 1
    page.context.clear_cookies()  # the session ended: the way to log in is offered
    page.click("#send-now")
    expect(page.locator("#sync-message")).to_contain_text("登录已过期")
    assert page.is_visible("#login-link") and "/login" in page.get_attribute("#login-link", "href")


def test_a_trip_returning_at_midnight_is_sent_as_24_00(server, phone, team):
    """A time input cannot hold 24:00: a return of 00:00 after a later departure is midnight, as on the trip form."""
    page = phone
    _open_offline(page, server)
    assert "24:00" in page.inner_text("#f-return-help")
    _entry(page, "trip", date="2026-11-17", depart="22:00", **{"return": "00:00"})
    _wait_count(page, "#sent .sent-entry", 1)
    assert [(t.depart_min, t.return_min, t.hours) for t in _rows(Trip)] == [(22 * 60, 24 * 60, 2)]
    assert "全部已发送" in page.inner_text("#sync-message")
    # 00:00 to 00:00 is the whole day, as the trip form stores it (refused here: "return must be after departure")
    _entry(page, "trip", date="2026-11-18", depart="00:00", **{"return": "00:00"})
    _wait_count(page, "#sent .sent-entry", 2)
    assert [(t.depart_min, t.return_min) for t in _rows(Trip)][-1] == (0, 24 * 60)


def test_over_plain_http_the_page_says_offline_entry_is_unavailable(server, phone, team):
    page = phone
    page.add_init_script("Object.defineProperty(window, 'isSecureContext', {get: () => false});")
    _open_offline(page, server)
    page.wait_for_selector("#offline-unavailable", state="visible")
    assert "离线录入不可用" in page.inner_text("#offline-unavailable")


def test_another_users_entries_on_a_shared_phone_are_counted_not_shown(server, phone, team):
    """Logged out and another engineer logged in on the same phone: the first one's unsent entries (dates, times,
    customers, purposes) and sent ones were listed in full to the second."""
    import json

    page = phone
    _open_offline(page, server, "eng2")
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)
    theirs = {"client_id": "7d1f0c2e-1111-4a4a-8b8b-000000000001", "kind": "trip", "username": "eng1",
              "state": "pending", "error": "", "body": {"date": "2026-11-18", "full_day": True, "purpose": "私人行程"}}
    sent = dict(theirs, client_id="7d1f0c2e-1111-4a4a-8b8b-000000000002", state="sent",
                body={"date": "2026-11-17", "full_day": True, "purpose": "已发送的私事"})
    stored = json.dumps({"queue": [theirs], "sent": [sent]}, ensure_ascii=False)
    page.evaluate("value => window.localStorage.setItem('tracker.offline.v1', value)", stored)
    page.reload()
    page.wait_for_selector("#queue .other-user-entries")
    body = page.inner_text("body")
    assert "私人行程" not in body and "已发送的私事" not in body and "2026-11-18" not in body
    assert "1 条记录" in page.inner_text("#queue .other-user-entries")
    assert page.inner_text("#queue-count") == "0"
    # what they sent is on the server: not kept on the phone for whoever holds it next
    assert page.evaluate("JSON.parse(window.localStorage.getItem('tracker.offline.v1')).sent") == []
    assert len(_rows(Trip)) == 0  # nor sent as this user
    refused = dict(theirs, client_id="7d1f0c2e-1111-4a4a-8b8b-000000000003", state="refused", error="未来的日期")
    page.evaluate("value => window.localStorage.setItem('tracker.offline.v1', value)",
                  json.dumps({"queue": [theirs, refused], "sent": []}, ensure_ascii=False))
    page.reload()
    _entry(page, "trip", date="2026-11-16", depart="08:00", **{"return": "09:00"})  # this user's own: sent
    from playwright.sync_api import expect

    expect(page.locator("#sync-message")).to_contain_text("全部已发送")
    assert "有记录被拒绝" not in page.inner_text("#sync-message")  # the other user's refusal is not this one's


def test_after_a_logout_the_offline_page_kept_for_that_user_no_longer_opens_without_signal(server, phone, team):
    """The worker handed the page kept for the last user to whoever held the phone: after eng1 logged out, eng2
    without signal opened eng1's page, read his entries and entered a trip that was sent as eng1's. The login page
    drops that copy; eng1's unsent entries stay on the phone and go when he opens the page again."""
    page = phone
    _open_offline(page, server)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)
    _entry(page, "trip", date="2026-11-13", depart="08:00", **{"return": "09:00"}, purpose="已发送的行程")
    _wait_count(page, "#sent .sent-entry", 1)
    server.stop()
    _entry(page, "trip", date="2026-11-16", depart="08:00", **{"return": "09:00"}, purpose="张三的行程")
    page.wait_for_selector("#queue .offline-entry[data-state='pending']")
    server.start()
    page.goto(server.url + "/work-orders/")
    page.evaluate("document.querySelector(\"form[action='/logout']\").submit()")  # the phone's menu is folded
    page.wait_for_url("**/login**")
    for _ in range(50):  # dropped by the login page's script
        if not page.evaluate("caches.keys()"):
            break
        page.wait_for_timeout(100)
    server.stop()
    with contextlib.suppress(Exception):  # the browser's own "cannot reach" page: nothing kept to answer with
        page.goto(server.url + "/itinerary/offline/")
    assert page.locator("#f-date").count() == 0 and "张三的行程" not in page.content()
    server.start()
    page.goto(server.url + "/login")  # his unsent entry stays; the list of what he sent does not
    kept = page.evaluate("JSON.parse(window.localStorage.getItem('tracker.offline.v1'))")
    assert kept["sent"] == [] and [e["body"]["purpose"] for e in kept["queue"]] == ["张三的行程"]
    _open_offline(page, server)  # eng1 again, with signal: his entry is still there, and sent
    _wait_count(page, "#sent .sent-entry", 1)
    assert [(t.day.isoformat(), t.purpose) for t in _rows(Trip)] == [("2026-11-13", "已发送的行程"),
                                                                       ("2026-11-16", "张三的行程")]


class Silent:
    """A server on the port that takes every connection and never answers (a weak signal)."""

    def __init__(self, port):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.listener.accept()[0])

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()
        self.thread.join(timeout=5)


def test_a_connection_that_never_answers_neither_keeps_the_page_from_opening_nor_hangs_the_sending(
        server, phone, team):
    """With a connection that took requests and never answered, the page did not open (45 s and more), and a round
    of sending hung on 正在发送… for good: no retry, no 立即发送, until a reload."""
    page = phone
    _open_offline(page, server)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15000)
    server.stop()
    silent = Silent(server.port)
    try:
        page.reload(timeout=15000)  # the kept page, once the network has not answered for a while
        page.wait_for_selector("#offline-form")
        _entry(page, "trip", date="2026-11-16", depart="08:00", **{"return": "09:00"}, purpose="信号弱")
        page.wait_for_selector("#queue .offline-entry[data-state='pending']")
        page.wait_for_selector("#connection[data-online='0']", timeout=40000)  # the round gave up: offline
    finally:
        silent.close()
    server.start()
    page.click("#send-now")  # a new round starts, and sends
    _wait_count(page, "#sent .sent-entry", 1)
    assert [(t.day.isoformat(), t.purpose) for t in _rows(Trip)] == [("2026-11-16", "信号弱")]
