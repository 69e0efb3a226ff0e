"""Group-chat robots (企业微信, 钉钉): a local HTTP server stands in for the webhook endpoints. The chosen kinds that
concern an engineer of the robot's team reach it as markdown, sent by the scheduler through the outbox (DingTalk's
signature checked here as DingTalk documents it); a failing endpoint is retried with the outbox's back-off and never
blocks the request; the secrets show on no page, in no log, audit event or outbox error."""

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tracker import jobs
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.notifications import robots
from tracker.notifications.outbox import MAX_ATTEMPTS, OutboxMessage
from tracker.scores import schedule, services as reports, templates_store  # noqa: F401  (registers the jobs)

OCT = "2026-10"
DING_SECRET = "SECa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4"
DING_TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


class Endpoint:
    """A webhook endpoint on 127.0.0.1: records each POST and answers with `status` and `answer`."""

    def __init__(self):
        self.received, self.status, self.answer = [], 200, {"errcode": 0, "errmsg": "ok"}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.received.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
                data = json.dumps(endpoint.answer).encode()
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def posts(self, path_start):
        return [(path, kind, body) for path, kind, body in self.received if path.startswith(path_start)]


@pytest.fixture
def endpoint():
    server = Endpoint()
    yield server
    server.server.shutdown()
    server.server.server_close()


def make_robot(name, platform, team, url, kinds, secret=None):
    robot = robots.save(None, {"name": name, "platform": platform, "team": team, "webhook_url": url,
                               "secret": secret, "kinds": kinds}, NOW)
    db.session.commit()
    return robot


@pytest.fixture
def robots_of_mgr(app, team, endpoint):
    """mgr's team has a DingTalk robot (signed) and a WeCom robot; mgr2's team a WeCom robot for everything."""
    ding = make_robot("华东钉钉群", "dingtalk", "mgr", f"{endpoint.base}/robot/send?access_token={DING_TOKEN}",
                      ["month_submitted", "month_reopened", "month_reminder"], DING_SECRET)
    wecom = make_robot("华东企业微信群", "wecom", "mgr", f"{endpoint.base}/cgi-bin/webhook/send?key={WECOM_KEY}",
                       ["month_submitted"])
    other = make_robot("华南群", "wecom", "mgr2", f"{endpoint.base}/other?key=x", list(robots.KIND_LABELS))
    return ding, wecom, other


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def robot_rows():
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.robot_id.is_not(None))
                              .order_by(OutboxMessage.id)).all()


def check_dingtalk_signature(path):
    """DingTalk's documented check: sign = urlencode(base64(HMAC-SHA256(secret, timestamp + "\\n" + secret)))."""
    query = parse_qs(urlsplit(path).query)
    assert query["access_token"] == [DING_TOKEN]
    timestamp = query["timestamp"][0]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000  # DingTalk refuses a timestamp an hour off
    expected = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]  # parse_qs undid the URL encoding
    raw_sign = urlsplit(path).query.split("sign=", 1)[1]
    assert raw_sign == quote_plus(expected)


def test_chosen_kinds_reach_the_teams_groups_as_markdown_sent_by_the_scheduler(app, api, robots_of_mgr, endpoint):
    templates_store.sync_presets(NOW)
    db.session.commit()
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": "补录一次行程"}))
    assert endpoint.received == []  # the requests queued, they sent nothing
    rows = robot_rows()
    assert [(row.channel, row.kind, row.status) for row in rows] == [
        ("dingtalk", "month_submitted", "pending"), ("wecom", "month_submitted", "pending"),
        ("dingtalk", "month_reopened", "pending")]  # not mgr2's robot: eng1 is in mgr's team
    assert jobs.run_frequent(app, "outbox", now=NOW) == "已发送 3 条，失败 0 条"  # without SMTP: robots still go
    assert {row.status for row in robot_rows()} == {"sent"}

    wecom = endpoint.posts("/cgi-bin/webhook/send")
    assert len(wecom) == 1
    path, content_type, body = wecom[0]
    assert path == f"/cgi-bin/webhook/send?key={WECOM_KEY}" and content_type.startswith("application/json")
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"content"}
    assert "行程表已提交" in body["markdown"]["content"]
    assert "张三 提交了 2026-10 的工作行程表" in body["markdown"]["content"]

    ding = endpoint.posts("/robot/send")
    assert len(ding) == 2
    for path, _type, body in ding:
        check_dingtalk_signature(path)
        assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    texts = [body["markdown"]["text"] for _path, _type, body in ding]
    assert "张三 提交了 2026-10 的工作行程表" in texts[0]
    assert "刘主管 退回了 张三 的 2026-10 工作行程表" in texts[1]  # a group reads it in the third person
    assert endpoint.posts("/other") == []


def test_a_group_hears_that_a_score_moved_but_never_its_points_total_or_reasons(app, api, team, robots_of_mgr):
    """An engineer sees only their own scores (CONTRACT 2): a team's robot posted totals, adjustment points and the
    reasons of rejections and reopenings to the whole group."""
    from tracker.notifications.robots import group_sentence

    eng3 = [team["eng3"]]
    for kind, detail in (("score_approved", "T=87.25"), ("adjustment_proposed", "+3"), ("adjustment_withdrawn", "+3"),
                         ("adjustment_decided", "-2 rejected 迟到太多"), ("score_reopened", "工单录错")):
        sentence = group_sentence(kind, team["mgr2"], eng3, OCT, detail)
        assert "王五" in sentence and OCT in sentence, sentence
        assert not any(secret in sentence for secret in ("87", "+3", "-2", "迟到太多", "工单录错")), sentence


def test_reminders_reach_each_team_once_naming_its_engineers(app, robots_of_mgr, endpoint):
    reports.remind_unsubmitted(OCT, NOW)
    db.session.commit()
    rows = robot_rows()
    assert [(row.channel, row.recipient) for row in rows] == [("dingtalk", "钉钉 · 华东钉钉群"),
                                                              ("wecom", "企业微信 · 华南群")]
    jobs.run_frequent(app, "outbox", now=NOW)
    ding = endpoint.posts("/robot/send")[0][2]["markdown"]["text"]
    assert "张三、李四 的 2026-10 工作行程表尚未提交" in ding and "王五" not in ding
    other = endpoint.posts("/other")[0][2]["markdown"]["content"]
    assert "王五 的 2026-10 工作行程表尚未提交" in other and "张三" not in other


def test_a_failing_endpoint_is_retried_with_back_off_and_never_blocks_the_request(app, api, robots_of_mgr,
                                                                                   endpoint, caplog):
    caplog.set_level(logging.DEBUG)
    templates_store.sync_presets(NOW)
    db.session.commit()
    endpoint.status, endpoint.answer = 500, {"error": "down"}
    started = time.monotonic()
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    assert time.monotonic() - started < 1.5 and endpoint.received == []

    assert jobs.run_frequent(app, "outbox", now=NOW) == "已发送 0 条，失败 2 条"
    rows = robot_rows()
    assert [(row.status, row.attempts, row.next_attempt_at) for row in rows] == [
        ("pending", 1, NOW + timedelta(minutes=1))] * 2
    assert rows[0].last_error == "RobotRefused: HTTP 500 Internal Server Error"
    run = db.session.scalars(select(jobs.JobRun).where(jobs.JobRun.job == "outbox")).one()
    assert (run.outcome, run.error) == ("error", rows[0].last_error)  # nothing got through: not 成功
    assert jobs.run_frequent(app, "outbox", now=NOW + timedelta(seconds=30)) is None  # not due yet
    assert len(endpoint.received) == 2

    endpoint.status, endpoint.answer = 200, {"errcode": 310000, "errmsg": "sign not match"}  # an API refusal
    assert jobs.run_frequent(app, "outbox", now=NOW + timedelta(minutes=1)) == "已发送 0 条，失败 2 条"
    rows = robot_rows()
    assert [(row.status, row.attempts, row.next_attempt_at) for row in rows] == [
        ("pending", 2, NOW + timedelta(minutes=3))] * 2
    assert rows[0].last_error == "RobotRefused: errcode 310000: sign not match"

    endpoint.answer = {"errcode": 0, "errmsg": "ok"}
    assert jobs.run_frequent(app, "outbox", now=NOW + timedelta(minutes=3)) == "已发送 2 条，失败 0 条"
    assert [(row.status, row.attempts, row.last_error) for row in robot_rows()] == [("sent", 3, None)] * 2
    assert [run.outcome for run in db.session.scalars(select(jobs.JobRun).where(jobs.JobRun.job == "outbox")
                                                      .order_by(jobs.JobRun.id))] == ["error", "error", "ok"]
    assert len(endpoint.received) == 6
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "robot" in caplog.text.lower() or "outbox" in caplog.text  # the failures were logged ...
    for secret in (DING_SECRET, DING_TOKEN, WECOM_KEY):  # ... without the secrets
        assert secret not in logged


def test_deleting_a_robot_fails_its_waiting_messages_at_once(app, client, robots_of_mgr, endpoint):
    reports.remind_unsubmitted(OCT, NOW)
    db.session.commit()
    ding, wecom = robot_rows()
    login(client, "admin")
    assert client.post(f"/notifications/robots/{ding.robot_id}/delete").status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel.in_(("dingtalk", "wecom")))
                              .order_by(OutboxMessage.id)).all()
    assert [(row.channel, row.status, row.attempts, row.last_error) for row in rows] == [
        ("dingtalk", "failed", 0, robots.REMOVED), ("wecom", "pending", 0, None)]
    assert jobs.run_frequent(app, "outbox", now=NOW) == "已发送 1 条，失败 0 条"  # only the other robot's message
    assert endpoint.posts("/robot/send") == [] and len(endpoint.posts("/other")) == 1


def test_an_unreachable_endpoint_fails_without_its_secrets_in_the_error(app, team):
    make_robot("断网群", "dingtalk", "mgr", f"http://127.0.0.1:9/robot/send?access_token={DING_TOKEN}",
               ["month_reminder"], DING_SECRET)
    reports.remind_unsubmitted(OCT, NOW)
    db.session.commit()
    jobs.run_frequent(app, "outbox", now=NOW)
    row = robot_rows()[0]
    assert row.status == "pending" and row.attempts == 1 and row.last_error.startswith("RobotRefused: ")
    assert DING_TOKEN not in row.last_error and DING_SECRET not in row.last_error


def test_an_answer_repeating_the_request_never_puts_the_token_in_the_error(app, team, endpoint):
    """An API (or a proxy) whose error repeats the query string put the access token into the outbox error, the
    outbox page and the scheduler's log: only the whole URL and the secret were taken out."""
    make_robot("回显群", "dingtalk", "mgr", f"{endpoint.base}/robot/send?access_token={DING_TOKEN}",
               ["month_reminder"], DING_SECRET)
    endpoint.answer = {"errcode": 40001, "errmsg": f"invalid key access_token={DING_TOKEN}&sign=..."}
    reports.remind_unsubmitted(OCT, NOW)
    db.session.commit()
    jobs.run_frequent(app, "outbox", now=NOW)
    row = robot_rows()[0]
    assert row.status == "pending" and "errcode 40001: invalid key access_token=***" in row.last_error
    assert DING_TOKEN not in row.last_error


def test_a_token_in_the_webhooks_path_is_masked_on_the_pages_in_the_audit_log_and_in_errors(app, client, team,
                                                                                             endpoint):
    """A hook whose token is a segment of its path (…/hook/<token>) showed it in full on the robots page and in the
    audit log: only query values were masked."""
    token = "b7e2c9d4a1f0463e8d5c2b9a7f1e0d3c"
    login(client, "admin")
    response = client.post("/notifications/robots/new", data=robot_form(
        platform="wecom", secret="", webhook_url=f"{endpoint.base}/open-apis/bot/v2/hook/{token}"))
    assert response.status_code == 302, response.get_data(as_text=True)
    robot = db.session.scalar(select(robots.ChatRobot))
    pages = client.get("/notifications/robots").get_data(as_text=True)
    pages += client.get(f"/notifications/robots/{robot.id}").get_data(as_text=True)
    assert token not in pages and "/hook/b7e2***" in pages
    audited = " ".join(f"{e.before} {e.after}" for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.record_type == "chat_robots")))
    assert token not in audited
    endpoint.answer = {"errcode": 40001, "errmsg": f"no hook {token}"}
    robot.kinds = "month_reminder"
    db.session.commit()
    reports.remind_unsubmitted(OCT, NOW)
    db.session.commit()
    jobs.run_frequent(app, "outbox", now=NOW)
    row = robot_rows()[0]
    assert row.status == "pending" and token not in row.last_error, row.last_error


def robot_form(**changes):
    data = {"name": "华东钉钉群", "platform": "dingtalk", "team": "mgr",
            "webhook_url": f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}", "secret": DING_SECRET,
            "kinds": ["month_submitted", "score_vetoed"], "active": "y"}
    data.update(changes)
    return data


def test_admins_configure_robots_and_the_secrets_show_masked_only(app, client, team):
    login(client, "admin")
    blank = client.get("/notifications/robots/new").get_data(as_text=True)
    assert "Webhook 网址" in blank and 'name="kinds"' in blank and "刘主管 (mgr)" in blank
    response = client.post("/notifications/robots/new", data=robot_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    robot = db.session.scalar(select(robots.ChatRobot))
    assert (robot.secret, robot.kind_list, robot.team.username) == (DING_SECRET, ["month_submitted", "score_vetoed"],
                                                                     "mgr")
    pages = client.get("/notifications/robots").get_data(as_text=True)
    assert "华东钉钉群" in pages and "access_token=0123***" in pages and "SECa***" in pages
    pages += client.get(f"/notifications/robots/{robot.id}").get_data(as_text=True)
    assert DING_TOKEN not in pages and DING_SECRET not in pages

    # a blank URL and secret keep the stored ones
    response = client.post(f"/notifications/robots/{robot.id}", data=robot_form(webhook_url="", secret="",
                                                                                name="华东群"))
    assert response.status_code == 302
    db.session.expire_all()
    robot = db.session.get(robots.ChatRobot, robot.id)
    assert (robot.name, robot.secret) == ("华东群", DING_SECRET) and DING_TOKEN in robot.webhook_url

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "chat_robots")
                                .order_by(AuditEvent.id)).all()
    assert [event.kind for event in events] == ["create", "update"]
    audited = " ".join(f"{event.before} {event.after}" for event in events)
    assert DING_TOKEN not in audited and DING_SECRET not in audited and "access_token=0123***" in audited

    client.post(f"/notifications/robots/{robot.id}/delete")
    assert db.session.scalar(select(robots.ChatRobot)) is None


@pytest.mark.parametrize("url, message", [
    ("ftp://oapi.dingtalk.com/robot/send", "网址须以 https:// 或 http:// 开头"),
    ("https:///robot/send?access_token=x", "网址须包含主机名"),
    ("oapi.dingtalk.com/robot/send", "网址须以 https:// 或 http:// 开头"),
    ("https://oapi.dingtalk.com:99999/robot", "不是有效的网址"),
    ("https://user:pass@oapi.dingtalk.com/robot/send", "网址不能包含用户名或密码"),  # never sent; a secret
    ("https://robot@oapi.dingtalk.com/robot/send", "网址不能包含用户名或密码"),
    ("", "请填写 Webhook 网址"),
    # never sendable: each send failed (UnicodeEncodeError, IDNA) until given up; a bidi control scrambled the page
    ("https://oapi.dingtalk.com/机器人/send?access_token=x", "网址只能包含 ASCII 字符"),
    ("https://oapi.dingtalk.com/robot/send?access_token=\u202e1", "网址只能包含 ASCII 字符"),
    ("https://a..b/robot/send", "不是有效的主机名"),
    ("https://" + "a" * 70 + ".com/robot/send", "不是有效的主机名"),
    # DingTalk's signature, added after the fragment, went with it
    (f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}#", "网址不能包含 # 及其后的部分"),
    (f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}#top", "网址不能包含 # 及其后的部分"),
])
def test_a_bad_url_is_a_field_error(app, client, team, url, message):
    login(client, "admin")
    response = client.post("/notifications/robots/new", data=robot_form(webhook_url=url))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and DING_SECRET not in html
    assert db.session.scalar(select(robots.ChatRobot)) is None


def test_other_field_errors(app, client, team):
    login(client, "admin")
    response = client.post("/notifications/robots/new", data=robot_form(team="eng1", kinds=[], platform="wecom"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("请选择一位主管", "请至少选择一种通知", "企业微信群机器人没有加签密钥"):
        assert message in html


def field_error(html, field, message):
    """The message shown next to its field (the error element the field's aria-describedby names)."""
    return f'id="{field}-error">{message}</div>' in html or f'id="{field}-error-2">{message}</div>' in html


def test_one_submit_shows_the_errors_of_every_field_at_once(app, client, team):
    login(client, "admin")
    response = client.post("/notifications/robots/new", data=robot_form(
        name="华东\x01群", team="eng1", webhook_url="ftp://oapi.dingtalk.com/robot/send", secret="SEC\x02", kinds=[]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "name", "不能包含控制字符（U+0001）")
    assert field_error(html, "team", "请选择一位主管（机器人发送其团队的通知）")
    assert field_error(html, "webhook_url", "网址须以 https:// 或 http:// 开头")
    assert field_error(html, "secret", "不能包含控制字符（U+0002）")
    assert "请至少选择一种通知" in html
    assert html.count("不能包含控制字符（U+0001）") == 1  # the form and the service said it; shown once
    assert db.session.scalar(select(robots.ChatRobot)) is None


@pytest.mark.parametrize("changes, errors", [
    ({"name": "华东\x7f群", "team": "mgr\x00"}, {"name": "不能包含控制字符（U+007F）",
                                                 "team": "请选择一位主管（机器人发送其团队的通知）"}),
    ({"name": "\x1f华南群"}, {"name": "不能包含控制字符（U+001F）"}),  # only the form sees it (strip() drops it)
])
def test_a_refused_change_shows_every_error_and_changes_nothing(app, client, team, changes, errors):
    robot = make_robot("华东钉钉群", "dingtalk", "mgr", f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}",
                       ["month_submitted"], DING_SECRET)
    login(client, "admin")
    response = client.post(f"/notifications/robots/{robot.id}", data=robot_form(
        platform="wecom", webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=new", secret="",
        **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field, message in errors.items():
        assert field_error(html, field, message)
    db.session.expire_all()
    robot = db.session.get(robots.ChatRobot, robot.id)
    assert (robot.name, robot.platform, robot.team.username, robot.secret, robot.kind_list) == (
        "华东钉钉群", "dingtalk", "mgr", DING_SECRET, ["month_submitted"])
    assert DING_TOKEN in robot.webhook_url
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "chat_robots",
                                                      AuditEvent.kind == "update")) is None


def test_only_admins_configure_robots(app, client, team):
    login(client, "mgr")
    assert client.get("/notifications/robots").status_code == 403
    assert client.post("/notifications/robots/new", data=robot_form()).status_code == 403
    assert db.session.scalar(select(robots.ChatRobot)) is None


def test_the_robot_form_needs_the_csrf_token(app_factory, team):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "admin", "password": "secret-pass-1", "csrf_token": token})
    assert client.post("/notifications/robots/new", data=robot_form()).status_code == 400
    assert db.session.scalar(select(robots.ChatRobot)) is None


def test_the_outbox_page_lists_robot_messages(app, client, robots_of_mgr):
    reports.remind_unsubmitted(OCT, NOW)
    db.session.commit()
    login(client, "admin")
    html = client.get("/notifications/outbox").get_data(as_text=True)
    assert "待发消息" in html and "【Tracker】行程表未提交提醒" in html
    assert re.search(r"<td[^>]*>钉钉</td>\s*<td[^>]*>华东钉钉群</td>", html), html
    assert DING_TOKEN not in html and DING_SECRET not in html
    client.post("/lang/en")  # the platform in the reader's language, said once, in the channel column
    html = client.get("/notifications/outbox").get_data(as_text=True)
    assert re.search(r">DingTalk</td>\s*<td[^>]*>华东钉钉群</td>", html) and "钉钉 · " not in html


def test_an_admin_sends_a_test_message_even_to_a_robot_switched_off(app, api, client, robots_of_mgr, endpoint):
    ding, wecom, _other = robots_of_mgr
    wecom.active = False
    db.session.commit()
    login(client, "admin")
    assert "发送测试消息" in client.get("/notifications/robots").get_data(as_text=True)
    response = client.post(f"/notifications/robots/{wecom.id}/test", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "测试消息已放入待发队列" in html and "【Tracker】测试消息" in html
    assert client.post(f"/notifications/robots/{ding.id}/test").status_code == 302
    rows = robot_rows()
    assert [(row.channel, row.kind, row.robot_id, row.status) for row in rows] == [
        ("wecom", robots.TEST_KIND, wecom.id, "pending"), ("dingtalk", robots.TEST_KIND, ding.id, "pending")]
    assert jobs.run_frequent(app, "outbox", now=NOW) == "已发送 2 条，失败 0 条"
    [(path, _kind, body)] = endpoint.posts("/cgi-bin/webhook/send")
    assert path.endswith(f"key={WECOM_KEY}") and body["msgtype"] == "markdown"
    assert "群机器人“华东企业微信群”已接通" in body["markdown"]["content"]
    [(path, _kind, body)] = endpoint.posts("/robot/send")
    check_dingtalk_signature(path)
    assert body["markdown"]["title"] == "【Tracker】测试消息"
    # a switched-off robot still posts nothing else (the WeCom robot hears month_submitted: mgr's engineer submits)
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    assert [row.robot_id for row in robot_rows() if row.kind != robots.TEST_KIND] == [ding.id]


def test_a_test_message_writes_names_as_text_never_as_markup(app, client, team, endpoint):
    """The robot's name and the display names went into the test message as written: a robot named
    [点我](http://evil.example) posted a live link to the group."""
    robot = make_robot("[点我](http://evil.example)#", "wecom", "mgr", f"{endpoint.base}/cgi-bin/webhook/send?key=k1",
                       ["month_submitted"])
    login(client, "admin")
    assert client.post(f"/notifications/robots/{robot.id}/test").status_code == 302
    jobs.run_frequent(app, "outbox", now=NOW)
    [(_path, _kind, body)] = endpoint.posts("/cgi-bin/webhook/send")
    content = body["markdown"]["content"]
    assert "［点我］(http://evil.example)＃" in content and "[点我]" not in content


def test_after_a_test_message_the_flash_points_to_the_records_on_every_screen(app, client, robots_of_mgr):
    """On a phone the outbox shows cards, not a table: the message says where the result shows without "table"."""
    ding = robots_of_mgr[0]
    login(client, "admin")
    html = client.post(f"/notifications/robots/{ding.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "调度进程将在一分钟内发到“华东钉钉群”，结果见下方的发送记录" in html and "下表" not in html
    client.post("/lang/en")
    html = client.post(f"/notifications/robots/{ding.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "sends it to &#34;华东钉钉群&#34; within a minute; its result shows in the messages listed below." in html
    assert "table" not in html.split('role="alert">', 1)[1].split("</div>", 1)[0]


def test_only_admins_send_test_messages(app, client, robots_of_mgr):
    ding = robots_of_mgr[0]
    login(client, "mgr")
    assert client.post(f"/notifications/robots/{ding.id}/test").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert admin.post("/notifications/robots/999999/test").status_code == 404
    assert robot_rows() == []


def retry_url(row):
    return f"/notifications/outbox/{row.id}/retry"


def test_only_a_given_up_message_can_be_sent_again(app, client, team, robots_of_mgr, endpoint):
    ding, wecom, other = robots_of_mgr
    endpoint.status, endpoint.answer = 500, {"error": "down"}
    given_up = robots.queue_test(ding, team["admin"], NOW)
    db.session.commit()
    now = NOW
    for _attempt in range(MAX_ATTEMPTS):
        jobs.run_frequent(app, "outbox", now=now)
        now += timedelta(hours=2)
    waiting = robots.queue_test(wecom, team["admin"], now)  # tried once, waits for its next try
    db.session.commit()
    jobs.run_frequent(app, "outbox", now=now)
    endpoint.status, endpoint.answer = 200, {"errcode": 0, "errmsg": "ok"}
    sent = robots.queue_test(other, team["admin"], now)
    db.session.commit()
    jobs.run_frequent(app, "outbox", now=now)
    removed = robots.queue_test(other, team["admin"], now)  # failed at once when its robot is deleted
    fresh = robots.queue_test(ding, team["admin"], now)  # not tried yet
    db.session.commit()
    robots.delete(other)
    db.session.commit()
    db.session.expire_all()
    assert [(row.status, row.attempts) for row in (given_up, waiting, sent, removed, fresh)] == [
        ("failed", MAX_ATTEMPTS), ("pending", 1), ("sent", 1), ("failed", 0), ("pending", 0)]

    login(client, "admin")
    html = client.get("/notifications/outbox").get_data(as_text=True)
    assert html.count("重新发送") == 1 and retry_url(given_up) in html
    for row in (waiting, sent, removed, fresh):
        assert retry_url(row) not in html

    # a crafted POST is refused, says why and changes nothing: a pending message would go twice
    before = [(row.status, row.attempts, row.next_attempt_at) for row in (waiting, sent, removed, fresh)]
    for row, message in ((waiting, "这条消息仍在等待发送"), (sent, "这条消息已经发出"),
                         (removed, "这条消息的群机器人已被删除"), (fresh, "这条消息仍在等待发送")):
        response = client.post(retry_url(row))
        assert response.status_code == 409 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert [(row.status, row.attempts, row.next_attempt_at) for row in (waiting, sent, removed, fresh)] == before
    assert client.post("/notifications/outbox/999999/retry").status_code == 404

    assert client.post(retry_url(given_up)).status_code == 302
    db.session.expire_all()
    assert (given_up.status, given_up.attempts, given_up.next_attempt_at) == ("pending", 0, NOW)
    assert client.post(retry_url(given_up)).status_code == 409  # a second click does not send it twice
    received = len(endpoint.posts("/robot/send"))
    jobs.run_frequent(app, "outbox", now=now + timedelta(hours=1))
    assert len(endpoint.posts("/robot/send")) == received + 2  # the message sent again and the fresh one
    db.session.expire_all()
    assert (given_up.status, fresh.status) == ("sent", "sent")


def test_the_audit_log_shows_an_outbox_message_as_its_text(app, client, team):
    login(client, "admin")
    client.post("/notifications/robots/new", data=robot_form())
    robot = db.session.scalar(select(robots.ChatRobot))
    client.post(f"/notifications/robots/{robot.id}/test")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "outbox"))
    assert event is not None and "Tracker】" in event.after and "\\xe3" not in event.after
    assert DING_SECRET not in event.after and DING_TOKEN not in event.after


def test_an_endpoint_that_answers_a_byte_at_a_time_fails_within_the_timeout_in_all(app, team):
    """The socket's timeout bounds each read alone: an answer sent a byte every 0.4 s took as long as the server
    liked (81 s in a trial), and every robot's messages and the mail waited behind it. ROBOT_TIMEOUT is the whole
    exchange's time now."""
    from tracker.notifications import robot_send

    class Trickle(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            data = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.4)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        robot = make_robot("慢群", "wecom", "mgr", f"http://127.0.0.1:{server.server_address[1]}/send?key=k",
                           ["month_submitted"])
        started = time.monotonic()
        with pytest.raises(robot_send.RobotRefused) as refused:
            robot_send.post(robot, b'{"msgtype": "text"}', 1.0)
        assert time.monotonic() - started < 2.5  # the answer would have taken 12 s
        assert "within 1 s" in str(refused.value)
        time.sleep(0.8)  # and the reader gives up too, at the next byte past its time (it read on to the end)
        assert not [thread for thread in threading.enumerate() if thread.name == "robot-post"]
    finally:
        server.shutdown()
        server.server_close()


def test_a_group_never_reads_a_send_back_reason_and_names_are_never_markup(app, api, team, robots_of_mgr, endpoint):
    """A manager's reason for sending an itinerary back ("工时造假") reached the whole group, and a name or reason with
    Markdown ([点此](http://…), **, #, <font>) was rendered as a link or a heading under the Tracker robot's name."""
    from tracker.notifications.robots import markdown

    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    ok(api("POST", f"/itineraries/eng1/{OCT}/reopen", "mgr", json={"reason": "工时造假PRIVATE5"}))
    assert jobs.run_frequent(app, "outbox", now=NOW).startswith("已发送")
    texts = [json.dumps(body, ensure_ascii=False) for _path, _type, body in endpoint.received]
    assert any("退回了 张三 的 2026-10 工作行程表" in text for text in texts), texts
    assert not any("PRIVATE5" in text for text in texts)
    _title, body = markdown("wecom", "month_submitted", "[点此](http://evil.example) **张三** #1 <font>x</font>")
    content = json.loads(body)["markdown"]["content"]
    assert "[点此](" not in content and "<font>" not in content and "**张三**" not in content
    assert "［点此］(http://evil.example) ＊＊张三＊＊ ＃1 ＜font＞x＜/font＞" in content


def test_a_kind_unticked_after_its_message_was_queued_is_not_posted(app, api, client, robots_of_mgr, endpoint):
    """A robot's group still heard the month submissions queued before an admin took that kind off the robot."""
    ding, _wecom, _other = robots_of_mgr
    ok(api("POST", f"/itineraries/eng1/{OCT}/submit", "eng1"))
    queued = [row for row in robot_rows() if row.robot_id == ding.id]
    assert [row.kind for row in queued] == ["month_submitted"]
    robots.save(ding, {"name": ding.name, "platform": ding.platform, "team": "mgr", "webhook_url": ding.webhook_url,
                       "secret": ding.secret, "kinds": ["month_reopened"]}, NOW)
    db.session.commit()
    jobs.run_frequent(app, "outbox", now=NOW)
    assert endpoint.posts("/robot/send") == []
    [row] = [row for row in robot_rows() if row.robot_id == ding.id]
    assert row.status == "pending" and "no longer takes" in row.last_error
