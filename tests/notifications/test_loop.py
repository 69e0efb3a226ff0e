"""Every step of the monthly loop tells the people it concerns (never the one who acted), in the app and by mail
through the outbox, which only the scheduler sends: a real SMTP server (aiosmtpd) receives each kind, and with the
server down the requests still answer at once while the outbox retries later."""

import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tests.notifications.conftest import start_smtp
from tracker import jobs
from tracker.extensions import db
from tracker.notifications.models import Notification
from tracker.notifications.services import target
from tracker.notifications.outbox import MAX_ATTEMPTS, OutboxMessage
from tracker.scores import schedule, services as reports, templates_store  # noqa: F401  (registers the jobs)
from tracker.reviews.models import CRITERIA

OCT = "2026-10"


def notified():
    """{(kind, username)} of the in-app notifications."""
    db.session.expire_all()
    return {(n.kind, n.user.username) for n in db.session.scalars(select(Notification))}


def outbox_kinds():
    db.session.expire_all()
    return {(m.kind, m.recipient, m.status) for m in db.session.scalars(select(OutboxMessage))}


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def run_the_loop(client, api):
    """October for eng1: a peer review asked of eng3 (on the team page); submitted, reopened, submitted again; +3
    proposed and approved; reviewed, interviewed, approved, reopened, vetoed; and the reminder job for eng2."""
    templates_store.sync_presets(NOW)
    db.session.commit()
    login(client, "mgr")
    assert client.post(f"/team/{OCT}/eng1/peers", data={"rater": "eng3"}).status_code == 302
    client.post("/logout")
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": "补录一次行程"}))
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    adjustment = ok(api("POST", f"/scores/{OCT}/eng1/adjustments", "mgr", json={"points": 3, "reason": "表现突出"}), 201)
    ok(api("POST", f"/adjustments/{adjustment['id']}/approve", "gm.wang"))
    mistaken = ok(api("POST", f"/scores/{OCT}/eng1/adjustments", "mgr", json={"points": -1, "reason": "录错"}), 201)
    assert api("DELETE", f"/adjustments/{mistaken['id']}", "mgr").status_code == 204
    ok(api("PUT", f"/reviews/{OCT}/eng1", "mgr", json={"ratings": {c: 4 for c in CRITERIA}}))
    ok(api("POST", f"/scores/{OCT}/eng1/interview", "mgr", json={"notes": "面谈"}), 201)
    ok(api("POST", f"/scores/{OCT}/eng1/approve", "gm.wang"))
    ok(api("POST", f"/scores/{OCT}/eng1/reopen", "gm.wang", json={"reason": "复核"}))
    ok(api("POST", f"/scores/{OCT}/eng1/veto", "mgr", json={"reason": "重大安全事故"}))
    reports.remind_unsubmitted(OCT, NOW)
    db.session.commit()


EXPECTED = {
    ("month_submitted", "mgr"), ("month_reopened", "eng1"), ("adjustment_proposed", "gm.wang"),
    ("adjustment_decided", "mgr"), ("score_approved", "eng1"), ("score_approved", "mgr"),
    ("score_reopened", "eng1"), ("score_reopened", "mgr"), ("score_vetoed", "eng1"), ("month_reminder", "eng2"),
    ("review_requested", "eng3"), ("adjustment_withdrawn", "gm.wang"),
}


def test_each_step_notifies_whom_it_concerns_and_never_the_actor(client, api, team):
    run_the_loop(client, api)
    got = notified()
    assert got >= EXPECTED
    actors = {("month_submitted", "eng1"), ("month_reopened", "mgr"), ("adjustment_proposed", "mgr"),
              ("adjustment_decided", "gm.wang"), ("score_approved", "gm.wang"), ("score_vetoed", "mgr"),
               ("review_requested", "mgr"), ("adjustment_withdrawn", "mgr")}
    assert not (got & actors)
    body = ok(api("GET", "/notifications", "eng1"))
    assert any("退回了你 2026-10 的工作行程表（原因：补录一次行程）" in n["message"] for n in body["notifications"])
    told = ok(api("GET", "/notifications", "gm.wang"))["notifications"]
    assert any(n["message"] == "刘主管 撤回了为 张三 的 2026-10 考核提议的加减分 -1.00" for n in told), told


def test_a_proposal_the_gm_decided_leaves_the_bell_once_none_of_the_month_awaits(client, api, team):
    """The gm's bell kept counting adjustment proposals decided in the queue, each still saying it awaits approval."""
    def unread():
        body = ok(api("GET", "/notifications", "gm.wang"))
        return sorted(n["message"] for n in body["notifications"] if not n["read"] and "提议" in n["message"])

    templates_store.sync_presets(NOW)
    db.session.commit()
    ids = [ok(api("POST", f"/scores/{OCT}/eng1/adjustments", "mgr", json={"points": points, "reason": "r"}), 201)["id"]
           for points in (3, -1)]
    other = ok(api("POST", f"/scores/{OCT}/eng2/adjustments", "mgr", json={"points": 2, "reason": "r"}), 201)["id"]
    assert len(unread()) == 3
    ok(api("POST", f"/adjustments/{ids[0]}/approve", "gm.wang"))
    assert len(unread()) == 3  # eng1's -1 still awaits: its month's notices stay
    ok(api("POST", f"/adjustments/{ids[1]}/reject", "gm.wang", json={"reason": "不合适"}))
    assert [m for m in unread() if "张三" in m] == []  # none of eng1's month awaits now
    assert len(unread()) == 1
    assert api("DELETE", f"/adjustments/{other}", "mgr").status_code in (200, 204)  # withdrawn: nothing awaits
    assert all("提议了加减分" not in m for m in unread())


def test_a_reason_longer_than_a_notice_holds_is_cut_with_a_mark(client, api, team):
    """A reason may be 500 characters and a notice holds 255: it was cut without a mark, so the engineer read a
    sentence that stopped short as if it were the whole reason. It ends with an ellipsis; the history keeps it whole."""
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    reason = "行程需要补录" * 80  # 480 characters
    ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": reason}))
    body = ok(api("GET", "/notifications", "eng1"))
    (message,) = [n["message"] for n in body["notifications"] if "行程需要补录" in n["message"]]
    assert reason[:254] + "…" in message and reason not in message
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": "补录一次"}))
    body = ok(api("GET", "/notifications", "eng1"))
    assert any("（原因：补录一次）" in n["message"] for n in body["notifications"])  # a short one whole, unmarked


def test_without_smtp_nothing_is_queued(app, client, api, team, emails):
    assert not app.config["MAIL_SERVER"]
    run_the_loop(client, api)
    assert outbox_kinds() == set()


def test_a_real_smtp_server_receives_each_kind_sent_by_the_scheduler_not_the_request(app, client, api, team, emails,
                                                                                      mail_port):
    inbox, controller = start_smtp(mail_port)
    try:
        run_the_loop(client, api)
        assert inbox.wait_for(1, seconds=0.5) == []  # the requests sent nothing themselves
        queued = outbox_kinds()
        assert {(kind, f"{user}@example.com", "pending") for kind, user in EXPECTED} <= queued
        assert jobs.run_frequent(app, "outbox", now=NOW) is not None
        rows = db.session.scalars(select(OutboxMessage)).all()
        received = inbox.wait_for(len(rows))
        assert len(received) == len(rows)
        subjects = {(recipients[0], message["Subject"]) for recipients, message in received}
        assert ("mgr@example.com", "【Tracker】张三 提交了 2026-10 的工作行程表") in subjects
        assert any(to == "eng1@example.com" and "一票否决" in subject for to, subject in subjects)
        assert {status for _kind, _to, status in outbox_kinds()} == {"sent"}
    finally:
        controller.stop()


def test_with_the_mail_server_down_requests_answer_at_once_and_the_outbox_retries(app, api, team, emails,
                                                                                  mail_port):
    templates_store.sync_presets(NOW)
    db.session.commit()
    started = time.monotonic()
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    assert time.monotonic() - started < 1.5
    jobs.run_frequent(app, "outbox", now=NOW)
    message = db.session.scalar(select(OutboxMessage))
    assert (message.status, message.attempts) == ("pending", 1) and message.last_error
    assert message.next_attempt_at == NOW + timedelta(minutes=1)
    assert jobs.run_frequent(app, "outbox", now=NOW + timedelta(seconds=30)) is None  # not due yet
    inbox, controller = start_smtp(mail_port)
    try:
        jobs.run_frequent(app, "outbox", now=NOW + timedelta(minutes=1))
        assert len(inbox.wait_for(1)) == 1
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message.id)
        assert (message.status, message.attempts) == ("sent", 2)
    finally:
        controller.stop()


def test_a_given_up_email_is_sent_again_by_an_admin_and_arrives_once(app, client, api, team, emails, mail_port):
    templates_store.sync_presets(NOW)
    db.session.commit()
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    now = NOW
    for _attempt in range(MAX_ATTEMPTS):  # the mail server is down
        jobs.run_frequent(app, "outbox", now=now)
        now += timedelta(hours=2)
    message = db.session.scalar(select(OutboxMessage))
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    login(client, "admin")
    retry = f"/notifications/outbox/{message.id}/retry"
    assert retry in client.get("/notifications/outbox").get_data(as_text=True)
    assert client.post(retry).status_code == 302
    assert retry not in client.get("/notifications/outbox").get_data(as_text=True)  # now waiting: no button
    assert client.post(retry).status_code == 409
    inbox, controller = start_smtp(mail_port)
    try:
        jobs.run_frequent(app, "outbox", now=now)
        assert len(inbox.wait_for(1)) == 1
        db.session.expire_all()
        assert db.session.get(OutboxMessage, message.id).status == "sent"
        assert jobs.run_frequent(app, "outbox", now=now + timedelta(hours=1)) is None
        assert len(inbox.received) == 1
    finally:
        controller.stop()


def test_mail_queued_for_someone_deactivated_before_it_went_is_not_sent(app, api, team, emails, mail_port):
    """The queued message kept the address only: mail went to a person deactivated meanwhile, and with the server
    down it was retried for two hours after."""
    templates_store.sync_presets(NOW)
    db.session.commit()
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))  # mgr is told
    team["mgr"].active = False
    db.session.commit()
    inbox, controller = start_smtp(mail_port)
    try:
        assert jobs.run_frequent(app, "outbox", now=NOW) is None  # no run to record: nothing sent, nothing failed
        assert inbox.wait_for(1, seconds=0.5) == []
        db.session.expire_all()
        message = db.session.scalar(select(OutboxMessage))
        assert (message.recipient, message.status, message.attempts) == ("mgr@example.com", "failed", 1)
        assert "停用" in message.last_error
        assert jobs.run_frequent(app, "outbox", now=NOW + timedelta(hours=3)) is None  # not tried again
    finally:
        controller.stop()


def test_mail_queued_before_the_recipients_address_changed_goes_to_the_address_he_has_now(app, api, team, emails,
                                                                                          mail_port):
    """The queued message went to the address stored when it was queued: one the admin had removed or changed since
    still got it (a scan's mail carries the customer's ticket). A changed address gets it, a removed one nothing."""
    from tracker.auth import services as auth_services

    templates_store.sync_presets(NOW)
    db.session.commit()
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))  # mgr is told
    auth_services.update_user(team["mgr"], {"email": "liu.new@example.com"})
    db.session.commit()
    inbox, controller = start_smtp(mail_port)
    try:
        jobs.run_frequent(app, "outbox", now=NOW)
        [(recipients, message)] = inbox.wait_for(1)
        assert recipients == ["liu.new@example.com"] and "liu.new@example.com" in message["To"]
        assert "mgr@example.com" not in str(message)
        db.session.expire_all()
        assert db.session.scalar(select(OutboxMessage.recipient)) == "liu.new@example.com"  # the outbox page's
        ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": "补录"}))  # eng1 is told
        auth_services.update_user(team["eng1"], {"email": ""})
        db.session.commit()
        jobs.run_frequent(app, "outbox", now=NOW + timedelta(minutes=1))
        assert inbox.wait_for(2, seconds=0.5) == inbox.received and len(inbox.received) == 1
        db.session.expire_all()
        withdrawn = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "eng1@example.com"))
        assert withdrawn.status == "failed" and "邮箱已删除" in withdrawn.last_error
    finally:
        controller.stop()


def test_the_schedulers_reminder_mail_links_the_month_when_the_base_url_is_set(app, team, emails, mail_port):
    """The scheduler answers no request, so its mails link to the address users open the app at (BASE_URL)."""
    app.config["BASE_URL"] = "http://tracker.lan:8000"
    inbox, controller = start_smtp(mail_port)
    try:
        row = jobs.run_named(app, "submission_reminders", now=datetime(2026, 11, 3, 9))
        assert row.outcome == "ok"
        assert jobs.run_frequent(app, "outbox", now=datetime(2026, 11, 3, 9, 1)) is not None
        received = inbox.wait_for(len(db.session.scalars(select(OutboxMessage)).all()))
        bodies = {recipients[0]: message.get_body(("plain",)).get_content() for recipients, message in received}
        reminded = {to for to, body in bodies.items() if "2026-10" in body}
        assert reminded and all(to.startswith("eng") for to in reminded)
        for to in reminded:
            assert f"http://tracker.lan:8000/itinerary/{to.split('@')[0]}/2026-10" in bodies[to]
        note = db.session.scalars(select(Notification).where(Notification.kind == "month_reminder")).first()
        with app.test_request_context():  # in the app, the reminder opens one's own month
            assert target(note) == f"/itinerary/{note.user.username}/2026-10"
    finally:
        controller.stop()


def test_with_a_base_url_mails_link_there_whatever_host_a_request_named(app, api, team, emails, mail_port):
    """A request's Host header is the sender's to choose: with BASE_URL set, a mail made in the request links there."""
    app.config["BASE_URL"] = "http://tracker.lan:8000/tracker"
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1", headers={"Host": "evil.example"}))
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "month_submitted")).one()
    text = message.payload.decode()
    assert "http://tracker.lan:8000/tracker/itinerary/eng1/2026-10" in text and "evil.example" not in text


def test_a_reason_of_several_lines_is_sent_whole_and_the_subject_is_one_line(app, api, team, emails, mail_port):
    """A reason is multi-line text (CONTRACT 2), and it is part of the mail's subject: with SMTP set, a reopen or a
    rejection with a line break (LF or U+2028) was a 500 and could not be done at all."""
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": "第一行\n第二行\u2028第三行"}))
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "month_reopened"))
    from email import message_from_bytes, policy

    message = message_from_bytes(row.payload, policy=policy.default)
    assert "\n" not in message["Subject"] and "第一行 第二行 第三行" in message["Subject"], message["Subject"]
    assert "第一行\n第二行" in message.get_content()


def test_an_address_no_mail_can_go_to_fails_no_action_that_tells_its_owner(app, api, team, emails, mail_port):
    """陈立新@例子.中国 was accepted, then every action that told its owner anything answered 500 (the message could
    not be built): the engineer could not submit his month. Such an address is refused now; one stored before gets
    no mail, and the action goes through."""
    refused = api("PATCH", "/users/mgr", "admin", json={"email": "主管@例子.中国"})
    assert refused.status_code == 422 and "email" in refused.get_json()["error"]["fields"]
    assert api("PATCH", "/users/mgr", "admin", json={"email": "mgr@例子.中国"}).status_code == 200  # IDN host
    db.session.execute(team["mgr"].__table__.update().where(team["mgr"].__table__.c.id == team["mgr"].id)
                       .values(email="主管@例子.中国"))  # as a release before the check stored it
    db.session.commit()
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    assert ("month_submitted", "mgr") in notified()
    assert not any(recipient == "主管@例子.中国" for _kind, recipient, _status in outbox_kinds())


def test_a_chinese_host_name_is_sent_in_idna(app, api, team, emails, mail_port):
    from tracker import mail

    assert api("PATCH", "/users/mgr", "admin", json={"email": "mgr@例子.中国"}).status_code == 200
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "mgr@例子.中国"))
    assert "<mgr@xn--fsqu00a.xn--fiqs8s>" in message.payload.decode()
    assert mail.smtp_address("mgr@例子.中国") == "mgr@xn--fsqu00a.xn--fiqs8s"
    assert mail.smtp_address("a@straße.de") == "a@xn--strae-oqa.de"  # IDNA 2008: not strasse.de, another domain
    assert mail.smtp_address("info@München.de") == mail.smtp_address("info@mu\u0308nchen.de") == "info@xn--mnchen-3ya.de"
    # RFC 5321's 254 are of the address as sent: a Chinese host within them can be far longer in IDNA
    long_host, local = ".".join(["例子例子例子例子例子例子例子例子"] * 8) + ".中国", "a" * 40  # 226 in IDNA
    assert len(f"{local}@{long_host}") < 254 and mail.smtp_address(f"{local}@{long_host}") is None


@pytest.mark.parametrize("reason", ["a =?utf-8?q?=0D=0AReply-To:_boss@evil.example=0D=0A?= b",
                                    "=?unknown-8bit?q?=FF=FE?= x", "=?utf-8?b?!!!?= y"])
def test_an_encoded_word_in_a_reason_stays_text_in_the_subject(app, api, team, emails, mail_port, reason):
    """The header parser decoded RFC 2047 words in user text: a reason put a Reply-To line of its own into the
    engineer's mail, one with an unknown charset was a 500 (the month could not be sent back), one that decodes to
    nothing vanished from the subject."""
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": reason}))
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "month_reopened"))
    from email import message_from_bytes, policy

    message = message_from_bytes(row.payload, policy=policy.default)
    assert message["Reply-To"] is None and list(message.keys()).count("Subject") == 1
    assert reason in message["Subject"].replace("\u2060", ""), message["Subject"]


def test_an_encoded_word_in_a_display_name_stays_text(app, api, team, emails, mail_port):
    """A display name holding =?unknown-8bit?q?=FF?= made every action whose mail named him a 500 (he could not
    submit his month)."""
    ok(api("PATCH", "/users/eng1", "admin", json={"display_name": "张三=?unknown-8bit?q?=FF?="}))
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "month_submitted"))
    from email import message_from_bytes, policy

    assert "张三=?unknown-8bit?q?=FF?=" in message_from_bytes(row.payload, policy=policy.default)["Subject"].replace(
        "\u2060", "")
