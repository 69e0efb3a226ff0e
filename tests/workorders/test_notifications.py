"""A stored scan reaches the engineer's supervisor and the submitter, never the uploader: in the app, and by
e-mail (sent from the outbox by the scheduler) through a real SMTP server (aiosmtpd) with the scan attached under
its Chinese name."""

import pytest

from tests.conftest import login
from tests.workorders.conftest import CANONICAL, PDF, upload
from tests.conftest import NOW
from tracker import jobs, mail
from tracker.auth import services as auth_services
from tracker.extensions import db
from tracker.notifications.models import Notification


def post_scan(api, order, data=PDF, user="office", name=CANONICAL + ".pdf"):
    return api("POST", f"/work-orders/{order.id}/scan", user, data={"file": upload(name, data)},
               content_type="multipart/form-data")


@pytest.fixture
def emails(team):
    for username in ("mgr", "office", "eng1", "gm"):
        auth_services.update_user(team[username], {"email": f"{team[username].username}@example.com"})
    db.session.commit()


def deliver():
    """What the scheduler's outbox run does: send the due messages; its summary as the jobs page words it."""
    return jobs.summary_text(mail.send_outbox(NOW))


@pytest.fixture(autouse=True)
def second_clerk(make_user, team):
    """office2, another back-office clerk: an uploader who is neither supervisor nor submitter."""
    return make_user("office2", role="backoffice", display_name="内勤小王")


def test_supervisor_and_submitter_are_notified_in_the_app(app, api, team, make_order):
    order = make_order(actor="office")  # submitter: office; eng1's supervisor: mgr
    post_scan(api, order, user="office2")
    rows = db.session.query(Notification).order_by(Notification.user_id).all()
    assert sorted(r.user.username for r in rows) == ["mgr", "office"]
    for user in ("mgr", "office"):
        body = api("GET", "/notifications", user).get_json()
        assert body["unread"] == 1
        assert CANONICAL + ".pdf" in body["notifications"][0]["message"]
        assert body["notifications"][0]["work_order"] == order.number
    assert api("GET", "/notifications", "eng1").get_json() == {"unread": 0, "page": 1, "more": False, "notifications": []}


def test_one_person_who_is_both_supervisor_and_submitter_is_notified_once(api, make_order):
    order = make_order(actor="mgr")
    post_scan(api, order)
    assert [n.user.username for n in db.session.query(Notification)] == ["mgr"]


def test_the_uploader_is_not_notified_of_their_own_upload(api, make_order):
    order = make_order(actor="office")
    post_scan(api, order, user="office")
    assert [n.user.username for n in db.session.query(Notification)] == ["mgr"]


def test_bell_shows_the_unread_count_and_the_list_marks_read(client, api, make_order):
    order = make_order()
    post_scan(api, order, user="mgr")
    login(client, "office")
    page = client.get("/work-orders/").get_data(as_text=True)
    assert 'data-unread="1"' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert CANONICAL + ".pdf" in listing
    note = db.session.query(Notification).filter_by(user_id=order.submitter_id).one()
    assert 'class="bell"' in client.get("/work-orders/").get_data(as_text=True)  # an SVG, no emoji font needed
    response = client.post("/notifications/read", data={"id": note.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/work-orders/{order.id}")
    assert 'data-unread' not in client.get("/work-orders/").get_data(as_text=True)


def test_api_marks_notifications_read(api, make_order):
    post_scan(api, make_order(), user="mgr")
    assert api("POST", "/notifications/read", "office", json={}).get_json() == {"unread": 0}


def test_scan_is_mailed_with_its_chinese_name_to_both(api, make_order, emails, smtp):
    order = make_order()
    response = post_scan(api, order, user="office2")
    assert response.status_code == 201
    assert smtp.wait_for(1, seconds=0.3) == []  # the request only queued it
    deliver()
    received = smtp.wait_for(2)
    assert sorted(recipients[0] for recipients, _message in received) == ["mgr@example.com", "office@example.com"]
    assert len({message["Message-ID"] for _recipients, message in received}) == 2
    for _recipients, message in received:
        assert order.number in message["Subject"]
        # RFC 5322's date, and the Message-ID providers refuse mail without
        assert message["Date"] and message["Message-ID"].endswith("@example.com>")
        attachments = list(message.iter_attachments())
        assert len(attachments) == 1
        assert attachments[0].get_filename() == CANONICAL + ".pdf"
        assert attachments[0].get_content_type() == "application/pdf"
        assert attachments[0].get_content() == PDF


@pytest.mark.parametrize("display_name", ['陈 "立新", Jr. <x@evil.com>', "刘主管 <x@evil.com>", "刘 x@evil.com"])
def test_a_display_name_holding_an_address_is_a_name_and_the_mail_goes_to_the_user_s_address(
        api, team, make_order, emails, smtp, display_name):
    """The To header was written as text and read back: a name with "<x@evil.com>" sent the supervisor's mail, the
    scan attached, to x@evil.com alone, and a name with a bare address failed every attempt."""
    auth_services.update_user(team["mgr"], {"display_name": display_name})
    db.session.commit()
    post_scan(api, make_order(), user="office2")
    deliver()
    received = smtp.wait_for(2)
    assert sorted(recipients for recipients, _message in received) == [["mgr@example.com"], ["office@example.com"]]
    sent = next(message for recipients, message in received if recipients == ["mgr@example.com"])
    assert [(a.display_name, a.addr_spec) for a in sent["To"].addresses] == [(display_name, "mgr@example.com")]


def test_scan_mail_speaks_each_recipients_language_and_links_the_order(app, api, team, make_order, emails, smtp,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "http://tracker.lan:8000")
    team["mgr"].locale = "en"
    db.session.commit()
    order = make_order()
    assert post_scan(api, order, user="office2").status_code == 201
    deliver()
    mails = {recipients[0]: message for recipients, message in smtp.wait_for(2)}
    chinese, english = mails["office@example.com"], mails["mgr@example.com"]
    assert chinese["Subject"].startswith("【Tracker】工单 " + order.number)
    assert english["Subject"].startswith("[Tracker] Scanned ticket uploaded for work order " + order.number)
    for message in (chinese, english):
        assert f"http://tracker.lan:8000/work-orders/{order.id}" in message.get_body(("plain",)).get_content()


def test_a_mail_never_links_at_the_host_a_request_named(api, team, make_order, emails, smtp):
    """Without TRACKER_BASE_URL a mail carries no link: the uploader's request named another server as its Host, and
    the colleague's mail must not send them there."""
    order = make_order()
    response = api("POST", f"/work-orders/{order.id}/scan", "office2",
                   data={"file": upload(CANONICAL + ".pdf", PDF)}, content_type="multipart/form-data",
                   headers={"Host": "evil.example"})
    assert response.status_code == 201
    deliver()
    for _recipients, message in smtp.wait_for(2):
        body = message.get_body(("plain",)).get_content()
        assert "evil.example" not in body and "/work-orders/" not in body


def test_no_mail_for_a_refused_scan(api, make_order, emails, smtp):
    order = make_order()
    assert post_scan(api, order, data=b"not a pdf").status_code == 415
    deliver()
    assert smtp.wait_for(1, seconds=0.5) == []
    assert db.session.query(Notification).count() == 0


def test_without_smtp_the_scan_is_stored_and_notified_in_the_app_only(app, api, make_order, emails):
    assert not app.config["MAIL_SERVER"]
    assert post_scan(api, make_order(), user="office2").status_code == 201
    assert db.session.query(Notification).count() == 2


def test_mail_server_down_does_not_lose_the_scan(app, api, make_order, emails, monkeypatch):
    from tests.workorders.conftest import free_port

    for name, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_TIMEOUT": 2}.items():
        monkeypatch.setitem(app.config, name, value)
    assert post_scan(api, make_order(), user="office2").status_code == 201
    assert db.session.query(Notification).count() == 2
    assert deliver() == "已发送 0 条，失败 2 条"  # the outbox keeps them for the next try


def test_a_stored_scan_reaches_the_engineers_team_robot(app, api, team, make_order):
    from tests.notifications.test_robots import Endpoint, make_robot

    endpoint = Endpoint()
    try:
        make_robot("华东群", "wecom", "mgr", f"{endpoint.base}/send?key=k", ["scan_stored"])
        make_robot("华南群", "wecom", "mgr2", f"{endpoint.base}/other?key=k", ["scan_stored"])
        order = make_order(actor="office")  # eng1's order: mgr's team
        assert post_scan(api, order, user="office2").status_code == 201
        assert endpoint.received == []
        assert deliver() == "已发送 1 条，失败 0 条"
        [(path, _type, body)] = endpoint.received
        assert path == "/send?key=k"
        assert f"内勤小王 上传了工单 {order.number} 的电子档 {CANONICAL}.pdf" in body["markdown"]["content"]
    finally:
        endpoint.server.shutdown()
        endpoint.server.server_close()
