"""The outbox's senders of the "wecom" and "dingtalk" channels: POST the stored markdown body to the robot's webhook.

Run by the scheduler only (schedule.send_due), never by a web request. A failure raises, and the outbox tries again
with its back-off: no answer within ROBOT_TIMEOUT seconds, an HTTP error, an answer that is not JSON, or an
`errcode` other than 0 (both APIs answer {"errcode": 0, "errmsg": "ok"} when they accept a message).
The error text the outbox keeps and logs never holds the URL's key or the signing secret.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from tracker.audit import TOKEN_SEGMENT
from tracker.extensions import db
from tracker.notifications import outbox
from tracker.notifications.robots import REMOVED, TEST_KIND, ChatRobot

ANSWER_MAX = 64 * 1024


class RobotRefused(Exception):
    """The robot's API answered, but not with errcode 0."""


def dingtalk_sign(secret, timestamp_ms):
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, timestamp + "\\n" + secret)), URL-encoded."""
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(robot, timestamp_ms=None):
    """The URL to POST to: DingTalk's with &timestamp=…&sign=… appended when the robot has a signing secret."""
    if robot.platform != "dingtalk" or not robot.secret:
        return robot.webhook_url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in robot.webhook_url else "?"
    return f"{robot.webhook_url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(robot.secret, timestamp_ms)}"


def _scrub(text, robot):
    """The text without the robot's secrets (an error message should never carry them): the URL, each value of its
    query (WeCom's key, DingTalk's access_token; an answer may repeat the request's query), the signing secret."""
    parts = urlsplit(robot.webhook_url)
    values = [value for _name, value in parse_qsl(parts.query) if len(value) >= 6]  # tokens
    values += [segment for segment in parts.path.split("/") if len(segment) >= TOKEN_SEGMENT]  # a token in the path
    for secret in sorted({robot.webhook_url, robot.secret, *values} - {None, ""}, key=len, reverse=True):
        text = text.replace(secret, "***")
        if quote(secret, safe="") != secret:
            text = text.replace(quote(secret, safe=""), "***")
    return text


def _exchange(request, timeout):
    """The answer's body, within `timeout` seconds in all. The socket's timeout bounds each read alone: a server that
    sends a byte every few seconds held the outbox (every robot's messages and the mail behind them) for minutes.
    The exchange runs in a thread of its own, given the whole time; one still running then is abandoned (it ends at
    the server's next byte or silence: it reads what arrives, a piece at a time, and stops once the time is up) and
    the message counts as not delivered."""
    outcome = {}
    deadline = time.monotonic() + timeout

    def run():
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only, checked)
                answer = b""
                while len(answer) < ANSWER_MAX:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(f"no complete answer within {timeout:g} s")
                    piece = response.read1(ANSWER_MAX - len(answer))
                    if not piece:
                        break
                    answer += piece
                outcome["answer"] = answer
        except BaseException as error:  # handed to the caller
            outcome["error"] = error

    worker = threading.Thread(target=run, name="robot-post", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"no complete answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


def post(robot, payload, timeout):
    """POST the JSON body; raises when the robot did not take it."""
    request = urllib.request.Request(signed_url(robot), data=payload, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        answer = _exchange(request, timeout)
    except urllib.error.HTTPError as error:
        raise RobotRefused(f"HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RobotRefused(_scrub(f"{type(reason).__name__}: {reason}", robot)) from None
    try:
        body = json.loads(answer)
        code = int(body.get("errcode", -1))
    except (ValueError, TypeError, AttributeError):
        raise RobotRefused("the answer is not the robot API's JSON") from None
    if code != 0:
        raise RobotRefused(_scrub(f"errcode {code}: {str(body.get('errmsg', ''))[:300]}", robot))


def _send(config, row):
    robot = db.session.get(ChatRobot, row.robot_id) if row.robot_id else None
    if robot is None:
        raise RobotRefused(REMOVED)
    if not robot.active and row.kind != TEST_KIND:
        raise RobotRefused("the robot is switched off")
    if row.kind != TEST_KIND and row.kind not in robot.kind_list:  # the kind was unticked after it was queued
        raise RobotRefused("the robot no longer takes this kind of notification")
    post(robot, row.payload, float(config.get("ROBOT_TIMEOUT") or 5))


outbox.register_sender("wecom", _send)
outbox.register_sender("dingtalk", _send)
