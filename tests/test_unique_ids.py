"""Every page's element ids are unique: a label, an aria-describedby or a skip link names one element, and a page
with two forms of the same class (a work order's photo and survey forms both had id="submit") pointed at the wrong
one; and every id an aria-describedby (a field's hint), aria-labelledby or aria-controls names is on the page.
Each role's pages of the demo data are followed link by link from their home page."""

import re
from collections import Counter
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest

from tracker import demo

LINK = re.compile(r'<a\b[^>]*\bhref="([^"]+)"', re.IGNORECASE)
ID = re.compile(r'<[a-zA-Z][^>]*?\sid="([^"]*)"')
SKIP = re.compile(r"/logout|/lang/|\.pdf|\.xlsx|/pdf/|/xlsx/|/scans/|/photos/|/export|/template\.|download|/static/")
PER_ROLE = 60


def duplicate_ids(html):
    html = re.sub(r"<script\b.*?</script>|<template\b.*?</template>", "", html, flags=re.S | re.I)
    return sorted(name for name, n in Counter(ID.findall(html)).items() if n > 1)


REFERENCE = re.compile(r'\saria-(?:describedby|labelledby|controls)="([^"]*)"')


def missing_references(html):
    """Ids that an aria-describedby, aria-labelledby or aria-controls names and no element of the page holds."""
    html = re.sub(r"<script\b.*?</script>|<template\b.*?</template>", "", html, flags=re.S | re.I)
    ids = set(ID.findall(html))
    return sorted({name for names in REFERENCE.findall(html) for name in names.split()} - ids)


def test_missing_references_are_found():
    assert missing_references('<input aria-describedby="a-help a-error"><p id="a-error"></p>') == ["a-help"]


def test_duplicate_ids_are_found():
    assert duplicate_ids('<p id="a"></p><input id="b"><button id="a">') == ["a"]
    assert duplicate_ids('<p id="a"></p><script>x = "<p id=\\"a\\">"</script>') == []


@pytest.mark.parametrize("username", ["zhangsan", "office", "mgr.liu", "gm.wang", "admin"])
def test_no_page_repeats_an_id(app, app_factory, username):
    demo.load(app.config["NOW"])
    from tracker.extensions import db

    db.session.commit()
    client = app_factory(WTF_CSRF_ENABLED=True).test_client()  # the forms as served, each with its token field
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": demo.PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code == 302
    queue, seen, faults = ["/"], set(), {}
    while queue and len(seen) < PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/"):
            queue.insert(0, response.headers["Location"])
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        if duplicate_ids(html) or missing_references(html):
            faults[path] = duplicate_ids(html) + [f"missing: {name}" for name in missing_references(html)]
        for href in LINK.findall(html):
            target = urldefrag(unescape(href))[0]
            parts = urlsplit(target)
            if target and not parts.scheme and not parts.netloc and target.startswith("/") and not SKIP.search(target):
                queue.append(target)
    assert len(seen) > 15
    assert faults == {}
