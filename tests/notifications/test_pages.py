"""The page furniture around notifications: the favicon, the skip link, and the outbox page for admins."""

from tests.conftest import login


def test_favicon_is_served_and_linked(client, team):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"].endswith("/static/favicon.svg")
    assert client.get("/static/favicon.svg").status_code == 200
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_every_page_starts_with_a_skip_link_to_the_content(client, team):
    login(client, "eng1")
    html = client.get("/notifications").get_data(as_text=True)
    assert 'class="visually-hidden-focusable skip-link" href="#main"' in html and 'id="main"' in html


def test_only_admins_see_the_outbox(client, team):
    login(client, "mgr")
    assert client.get("/notifications/outbox").status_code == 403
    client.post("/logout")
    login(client, "admin")
    assert "待发消息" in client.get("/notifications/outbox").get_data(as_text=True)


def test_every_notification_can_be_reached_page_by_page(client, api, team):
    """Only the newest 50 were listed while the bell counted all 65 unread: the oldest could never be opened."""
    from datetime import timedelta

    from tests.conftest import NOW
    from tracker.extensions import db
    from tracker.notifications import services

    for n in range(65):
        services.notify("month_submitted", [team["mgr"]], team["eng1"], NOW + timedelta(minutes=n), engineer=team["eng1"],
                        month="2026-10")
    db.session.commit()
    first = api("GET", "/notifications", "mgr").get_json()
    second = api("GET", "/notifications?page=2", "mgr").get_json()
    assert (first["unread"], len(first["notifications"]), first["more"]) == (65, 50, True)
    assert (second["page"], len(second["notifications"]), second["more"]) == (2, 15, False)
    ids = [row["id"] for row in first["notifications"] + second["notifications"]]
    assert len(set(ids)) == 65 and ids == sorted(ids, reverse=True)
    assert api("GET", "/notifications?page=0", "mgr").status_code == 422
    login(client, "mgr")
    page = client.get("/notifications?unread=1").get_data(as_text=True)
    assert 'rel="next" href="/notifications?page=2&amp;unread=1"' in page
    older = client.get("/notifications?page=2&unread=1").get_data(as_text=True)
    assert older.count('name="id"') == 15 and 'rel="prev"' in older and 'rel="next"' not in older


def test_the_notification_calls_refuse_what_they_do_not_read_with_short_messages(api, team):
    """`unread=maybe` listed everything; more than 1,000 ids answered the schema library's English sentence with the
    whole array in it."""
    refused = api("GET", "/notifications?unread=maybe", "mgr")
    assert refused.status_code == 422 and "unread" in refused.get_json()["error"]["fields"]
    assert api("GET", "/notifications?unread=true", "mgr").status_code == 200
    many = api("POST", "/notifications/read", "mgr", json={"ids": list(range(1, 1002))})
    assert many.status_code == 422
    assert many.get_json()["error"]["fields"]["ids"] == "太多（最多 1000 项）"
    assert len(many.get_data()) < 300


def test_every_outbox_message_can_be_reached_page_by_page(client, team):
    """The outbox page showed the newest 200 messages and no way to the older ones."""
    from datetime import datetime

    from tracker.extensions import db
    from tracker.notifications import outbox

    for n in range(201):
        outbox.add("email", "test", f"user{n}@example.com", f"subject {n}", b"", datetime(2026, 11, 1, 9))
    db.session.commit()
    login(client, "admin")
    first = client.get("/notifications/outbox").get_data(as_text=True)
    assert "user200@example.com" in first and "user1@example.com" in first and "user0@example.com" not in first
    assert 'rel="next" href="/notifications/outbox?page=2"' in first
    second = client.get("/notifications/outbox?page=2").get_data(as_text=True)
    assert "user0@example.com" in second and "user1@example.com" not in second and 'rel="next"' not in second
    assert 'rel="prev" href="/notifications/outbox?page=1"' in second
    assert client.get("/notifications/outbox?page=0").status_code == 422


def test_a_retry_from_an_older_page_shows_that_page_again(client, team):
    """Retrying a given-up message of page 2 led back to page 1, where that message is not listed."""
    from datetime import datetime

    from tracker.extensions import db
    from tracker.notifications import outbox

    given_up = outbox.add("email", "test", "old@example.com", "old", b"", datetime(2026, 11, 1, 9))
    given_up.status, given_up.attempts = "failed", 8
    for n in range(200):
        outbox.add("email", "test", f"user{n}@example.com", f"subject {n}", b"", datetime(2026, 11, 1, 9))
    db.session.commit()
    login(client, "admin")
    retry = f"/notifications/outbox/{given_up.id}/retry?page=2"
    assert retry in client.get("/notifications/outbox?page=2").get_data(as_text=True)
    answer = client.post(retry)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/notifications/outbox?page=2")
    refused = client.post(retry)  # waiting again: refused, on the page it was on
    assert refused.status_code == 409 and "old@example.com" in refused.get_data(as_text=True)


def test_the_admin_is_told_when_no_scheduler_sends_what_is_due(app, client, team):
    """With no scheduler process running, messages waited in the outbox for ever and neither the outbox nor the jobs
    page said so; the jobs page listed the timed jobs only, not the outbox, stale drafts and import files."""
    from datetime import timedelta

    from tests.conftest import NOW
    from tracker.extensions import db
    from tracker.notifications import outbox

    login(client, "admin")
    app.config.update(MAIL_SERVER="127.0.0.1")
    outbox.add("email", "test", "fresh@example.com", "fresh", b"", NOW - timedelta(minutes=2))
    db.session.commit()
    for page in ("/notifications/outbox", "/reports/jobs"):
        assert 'id="scheduler-overdue"' not in client.get(page).get_data(as_text=True)  # due just now: on its way
    outbox.add("email", "test", "late@example.com", "late", b"", NOW - timedelta(minutes=10))
    db.session.commit()
    for page in ("/notifications/outbox", "/reports/jobs"):
        html = client.get(page).get_data(as_text=True)
        assert 'id="scheduler-overdue"' in html and "有 1 条待发消息到期已超过 5 分钟" in html, page
    from tracker.jobs import JobRun

    db.session.add(JobRun(job="outbox", key="busy", started_at=NOW - timedelta(minutes=1), finished_at=NOW,
                          outcome="ok"))  # a scheduler sending a burst, 50 a round: running, only behind
    db.session.commit()
    assert 'id="scheduler-overdue"' not in client.get("/notifications/outbox").get_data(as_text=True)
    jobs = client.get("/reports/jobs").get_data(as_text=True)
    assert "<code>outbox</code>" in jobs and "每 30 秒" in jobs and "<code>stale_scores</code>" in jobs
    assert "每分钟" in jobs and "<code>import_stash</code>" in jobs and "每小时" in jobs
    app.config.update(MAIL_SERVER=None)  # e-mail is not sent without SMTP: nothing waits for a scheduler
    assert 'id="scheduler-overdue"' not in client.get("/notifications/outbox").get_data(as_text=True)


def test_the_unread_filter_shows_it_is_on_offers_the_whole_list_and_is_kept_after_marking_one_read(client, team):
    """只看未读 looked the same on and off, only the bell led back to every notification, and marking one read (one
    without a page of its own) left the filter."""
    import re

    from tests.conftest import NOW
    from tracker.extensions import db
    from tracker.notifications import services

    services.notify("month_submitted", [team["mgr"]], team["eng1"], NOW, engineer=team["eng1"], month="2026-10")
    db.session.commit()
    login(client, "mgr")
    page = client.get("/notifications?unread=1").get_data(as_text=True)
    links = re.search(r'<nav[^>]*id="notification-filter">(.*?)</nav>', page, re.S).group(1)
    assert re.search(r'href="/notifications"[^>]*>全部<', links)
    assert re.search(r'class="btn btn-outline-secondary active" href="/notifications\?unread=1" aria-current="page"',
                     links)
    marked = client.post("/notifications/read", data={"id": "999999", "unread": "1"})
    assert marked.headers["Location"].endswith("/notifications?unread=1")
    for bad in ("12x", "1\x00", "\u0661", "9" * 12):  # refused, not taken for "every one" (nor an Arabic-Indic 1)
        assert client.post("/notifications/read", data={"id": bad}).status_code == 422
    assert "没有未读通知" not in client.get("/notifications?unread=1").get_data(as_text=True)
    client.post("/notifications/read", data={})  # every one read
    assert "没有未读通知" in client.get("/notifications?unread=1").get_data(as_text=True)
