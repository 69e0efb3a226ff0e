"""Bulk scan upload: each file matched to its work order by name, a result per file."""

import os
import re
from datetime import datetime

import pytest

from tests.conftest import login
from tests.workorders.conftest import CANONICAL, PDF, padded_pdf, upload
from tracker.extensions import db
from tracker.workorders import bulk_scans
from tracker.workorders.models import Scan


def rows(page):
    """(file, status) per result row of the page."""
    found = []
    for chunk in page.split('<tr data-status="')[1:]:
        status = chunk.split('"', 1)[0]
        cell = re.search(r"<td[^>]*>(.*?)</td>", chunk, re.S).group(1)
        found.append((cell, status))
    return found


def test_each_file_is_matched_by_name_and_gets_a_result(app, client, make_order):
    make_order(number="A")
    make_order(number="B", customer="信义玻璃")
    make_order(number="C1", customer="南玻", reported_at=datetime(2026, 10, 20, 8), arrived_at=None)
    make_order(number="C2", customer="南玻", reported_at=datetime(2026, 10, 20, 9), arrived_at=None)
    login(client, "office")
    files = [upload(CANONICAL + ".pdf", PDF),
             upload("20261015信义玻璃1号机常规保养.PDF", PDF),
             upload("20261020南玻1号机常规保养.pdf", PDF),
             upload("20261231无此客户1号机常规保养.pdf", PDF),
             upload("随便.pdf", PDF),
             upload("20261015信义玻璃1号机常规保养.png", b"text, not a png")]
    response = client.post("/work-orders/scans", data={"files": files})
    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == [
        (CANONICAL + ".pdf", "attached"),
        ("20261015信义玻璃1号机常规保养.PDF", "attached"),
        ("20261020南玻1号机常规保养.pdf", "ambiguous"),
        ("20261231无此客户1号机常规保养.pdf", "no_match"),
        ("随便.pdf", "no_match"),
        ("20261015信义玻璃1号机常规保养.png", "refused"),
    ]
    assert sorted(s.name for s in db.session.query(Scan)) == sorted([CANONICAL + ".pdf",
                                                                     "20261015信义玻璃1号机常规保养.pdf"])
    assert os.path.isfile(os.path.join(app.instance_path, "archive", "信义玻璃", "20261015信义玻璃1号机常规保养.pdf"))


def test_a_refused_file_says_why_and_does_not_undo_the_others(client, make_order):
    make_order(number="A")
    make_order(number="B", customer="信义玻璃")
    login(client, "office")
    response = client.post("/work-orders/scans", data={"files": [
        upload(CANONICAL + ".pdf", padded_pdf(204801)), upload("20261015信义玻璃1号机常规保养.pdf", PDF)]})
    page = response.get_data(as_text=True)
    assert rows(page) == [(CANONICAL + ".pdf", "refused"), ("20261015信义玻璃1号机常规保养.pdf", "attached")]
    assert "204,800" in page
    assert [s.name for s in db.session.query(Scan)] == ["20261015信义玻璃1号机常规保养.pdf"]


@pytest.mark.parametrize("name, data, message", [
    ("随便.pdf", b"notpdf", "随便.pdf 不是 PDF、JPEG 或 PNG 文件（按文件内容识别）"),
    ("随便.pdf", b"", "文件是空的"),
    (CANONICAL + ".pdf", b"notpdf", CANONICAL + ".pdf 不是 PDF、JPEG 或 PNG 文件（按文件内容识别）"),
])
def test_a_file_that_is_no_scan_is_said_to_be_none_not_to_match_no_order(client, make_order, name, data, message):
    """A file whose content is none of PDF, JPEG and PNG was listed as 无匹配工单 (no order matched its name), where
    the single upload says what is wrong with it (415)."""
    make_order()
    login(client, "office")
    page = client.post("/work-orders/scans", data={"files": [upload(name, data)]}).get_data(as_text=True)
    assert rows(page) == [(name, "refused")] and message in page
    assert db.session.query(Scan).count() == 0


def test_cancelled_orders_and_orders_outside_the_scope_do_not_match(app, team, make_order):
    make_order(number="A", engineer="eng3")
    make_order(number="X", status="cancelled")
    results = bulk_scans.attach_scans(team["mgr"], [(CANONICAL + ".pdf", PDF)], datetime(2026, 11, 20, 10))
    assert [r["status"] for r in results] == ["no_match"]
    results = bulk_scans.attach_scans(team["mgr2"], [(CANONICAL + ".pdf", PDF)], datetime(2026, 11, 20, 10))
    assert [(r["status"], r["work_order"].number) for r in results] == [("attached", "A")]


def test_the_same_name_twice_in_one_batch_is_stored_once(client, make_order):
    make_order()
    login(client, "office")
    response = client.post("/work-orders/scans", data={"files": [upload(CANONICAL + ".pdf", PDF),
                                                                 upload(CANONICAL + ".pdf", PDF + b"%2")]})
    assert [s for _f, s in rows(response.get_data(as_text=True))] == ["attached", "refused"]
    assert db.session.query(Scan).count() == 1


def test_bulk_page_without_files_is_422(client, team):
    login(client, "office")
    assert client.post("/work-orders/scans", data={}).status_code == 422


@pytest.mark.parametrize("user, status", [("eng1", 403), ("gm.wang", 403), ("admin", 403), ("mgr", 200)])
def test_who_may_bulk_upload(app, team, user, status):
    client = app.test_client()
    login(client, user)
    assert client.get("/work-orders/scans").status_code == status


def results_of(page):
    """(file, status, expected name or None) per result row of the page."""
    found = []
    for chunk in page.split('<tr data-status="')[1:]:
        row = chunk.split("</tr>", 1)[0]
        cell = re.search(r"<td[^>]*>(.*?)</td>", row, re.S).group(1)
        expected = row.split("<code>", 1)[1].split("</code>", 1)[0] if "<code>" in row else None
        found.append((cell, row.split('"', 1)[0], expected))
    return found


def test_a_wrongly_named_file_without_a_code_is_refused_with_the_expected_name_when_one_order_is_evident(
        client, make_order):
    make_order(number="A")  # 20261015旗滨玻璃1号机常规保养
    make_order(number="B", customer="信义玻璃")  # the same day: 20261015信义玻璃1号机常规保养
    make_order(number="M1", equipment="2号机", reported_at=datetime(2026, 9, 1, 8), arrived_at=datetime(2026, 9, 1, 9))
    make_order(number="M2", equipment="2号机", reported_at=datetime(2026, 10, 1, 8), arrived_at=datetime(2026, 10, 1, 9))
    login(client, "office")
    client.post("/work-orders/scans", data={"files": [upload("20260901旗滨玻璃2号机常规保养.pdf", PDF)]})  # M1 scanned
    response = client.post("/work-orders/scans", data={"files": [
        upload("20261015旗滨玻离1号机常规保养.pdf", PDF),   # a typo: 旗滨 closest of the day's two orders
        upload("20261015信义玻璃1号机常规.PDF", PDF),       # a word missing
        upload("20261016旗滨玻璃1号机常规保养.pdf", PDF),   # the wrong day: no order that day, one with that rest
        upload("旗滨玻璃2号机常规保养.pdf", PDF),           # no date: M1 and M2, M1 has its scan already
        upload("20261015玻璃常规保养.pdf", PDF),            # both of the day's orders alike: nothing evident
        upload("20261015扫描.pdf", PDF),                   # nothing alike
        upload("scan0002.pdf", PDF),
    ]})
    page = response.get_data(as_text=True)
    assert results_of(page) == [
        ("20261015旗滨玻离1号机常规保养.pdf", "refused", CANONICAL + ".pdf"),
        ("20261015信义玻璃1号机常规.PDF", "refused", "20261015信义玻璃1号机常规保养.PDF"),
        ("20261016旗滨玻璃1号机常规保养.pdf", "refused", CANONICAL + ".pdf"),
        ("旗滨玻璃2号机常规保养.pdf", "refused", "20261001旗滨玻璃2号机常规保养.pdf"),
        ("20261015玻璃常规保养.pdf", "no_match", None),
        ("20261015扫描.pdf", "no_match", None),
        ("scan0002.pdf", "no_match", None),
    ]
    assert page.count("未能识别服务单二维码") == 7  # the reason on every row
    # the outcome is said, and announced, above the table (the table alone came back, silent)
    assert re.search(r'<p[^>]*role="status" id="results-summary">0 个文件已存档，7 个未存档</p>', page)
    assert [s.name for s in db.session.query(Scan)] == ["20260901旗滨玻璃2号机常规保养.pdf"]  # nothing else stored


def test_the_expected_name_comes_only_from_orders_the_uploader_may_see(app, team, make_order):
    make_order(number="A", engineer="eng3")  # mgr2's team
    results = bulk_scans.attach_scans(team["mgr"], [("20261015旗滨玻璃1号机常规.pdf", PDF)], datetime(2026, 11, 20, 10))
    assert [(r["status"], r["expected"]) for r in results] == [("no_match", None)]
    results = bulk_scans.attach_scans(team["mgr2"], [("20261015旗滨玻璃1号机常规.pdf", PDF)], datetime(2026, 11, 20, 10))
    assert [(r["status"], r["expected"], r["work_order"].number) for r in results] == [
        ("refused", CANONICAL + ".pdf", "A")]
