"""Tables at phone and desktop width, on the demo data set, measured in Chromium.

At 375 px every table on the main paths shows its key columns (the headers marked `data-key` in the templates, and
the body cells under them) inside the screen without scrolling sideways; a table with no column marked fails too,
so that a new table is marked when it is added. The attendance grid shows every day of a 31-day month at 1280 px,
and on a narrower screen its names column stays in view when the grid is scrolled to its last day."""

import json
import os
from datetime import date

import pytest

from tests.e2e.support import log_in
from tracker.auth import services as auth
from tracker.extensions import db
from tracker.jobs import JobRun
from tracker.notifications import outbox

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
CLOSED = "2026-10"

PAGES = {
    "zhangsan": ["/itinerary/zhangsan/2026-10", "/itinerary/zhangsan/2026"],
    "office": ["/work-orders/", "/attendance/2026-10", "/work-orders/complaints"],
    "mgr.liu": ["/", f"/team?month={CLOSED}", f"/scores/{CLOSED}", f"/scores/{CLOSED}/zhangsan"],
    "gm.wang": [f"/approvals?month={CLOSED}", f"/scores/{CLOSED}", "/scores/adjustments"],
    "admin": ["/admin/users", "/admin/customers", "/notifications/outbox", "/reports/jobs"],
}

# For each table in <main>: its key headers and the body cells under them that do not lie inside the viewport.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const inside = (rect, whole) => rect.width > 0 && rect.left >= -0.5 &&
                                  (whole ? rect.right <= width + 0.5 : rect.left < width);
  const describe = cell => (cell.closest("tr").rowIndex + ":" + cell.textContent.trim().slice(0, 20));
  return Array.from(document.querySelectorAll("main table")).filter(t => t.getClientRects().length).map(table => {
    const head = table.tHead ? table.tHead.rows[table.tHead.rows.length - 1] : table.rows[0];
    const columns = [];
    let at = 0;
    for (const cell of head.cells) {
      if (cell.hasAttribute("data-key")) columns.push({index: at, name: cell.textContent.trim(), cell});
      at += cell.colSpan;
    }
    const out = [];
    for (const column of columns) {
      if (!inside(column.cell.getBoundingClientRect(), true)) out.push("header " + column.name);
      for (const body of table.tBodies) {
        for (const row of Array.from(body.rows).slice(0, 60)) {
          let start = 0;
          for (const cell of row.cells) {
            if (start <= column.index && column.index < start + cell.colSpan) {
              if (!inside(cell.getBoundingClientRect(), cell.colSpan === 1)) out.push(column.name + " " + describe(cell));
              break;
            }
            start += cell.colSpan;
          }
        }
      }
    }
    return {table: table.id || table.className, keys: columns.map(c => c.name), out: out.slice(0, 8)};
  });
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_key_columns_of_every_table_are_in_view_at_phone_width(app, live_server, browser, demo_data, screenshot_dir,
                                                               lang):
    for recipient, error in (("zhangsan@example.com", None), ("mgr.liu@example.com", "Connection refused")):
        row = outbox.add("email", "month_submitted", recipient, "张三 提交了 2026-10 的工作行程表", b"-",
                         app.config["NOW"])
        row.attempts, row.last_error = (2, error) if error else (0, None)
    # an outbox run: its period is the minute with a number (several runs in one second), its name the longest
    db.session.add(JobRun(job="outbox", key="2026-10-20T10:00:00#2", started_at=app.config["NOW"],
                          finished_at=app.config["NOW"], outcome="error", error="已发送 1 条，失败 1 条", attempts=8))
    # a display name of the longest kind, without a space (it pushed 角色 and 状态 off the users list)
    auth.create_user({"username": "long.name", "password": "long-name-1234", "display_name": "W" * 40,
                      "role": "engineer", "hire_date": date(2020, 1, 1), "supervisor": "mgr.liu"})
    db.session.commit()
    problems, measured = {}, 0
    for username, paths in PAGES.items():
        context, page = log_in(browser, live_server, username, PHONE)
        page.goto(f"{live_server}/notifications?lang={lang}")  # the language stays for the session
        for path in paths:
            response = page.goto(live_server + path)
            assert response.status == 200, (username, path, response.status)
            assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
            for table in page.evaluate(MEASURE):
                measured += 1
                where = problems.setdefault(f"{username} {path}", [])
                if not table["keys"]:
                    where.append(f"table {table['table']!r} has no column marked data-key")
                elif table["out"]:
                    where.append({table["table"]: table["out"]})
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
            page.screenshot(path=os.path.join(screenshot_dir, f"tables-phone-{lang}-{username}-{name}.png"), full_page=True)
        context.close()
    assert measured >= 12
    problems = {page: found for page, found in problems.items() if found}
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_the_outbox_shows_why_a_mail_failed_without_scrolling_at_1280(app, live_server, browser, demo_data,
                                                                      screenshot_dir):
    """A given-up mail's error (one long word: ConnectionRefusedError:) and a long subject pushed the table past the
    right edge of a desktop screen: the admin scrolled sideways to read why."""
    error = ("ConnectionRefusedError: [Errno 111] Connection refused while connecting to "
             "smtp.mail-gateway.internal.example.com:587 (STARTTLS)")
    row = outbox.add("email", "scan_uploaded", "a.very.long.mailbox.name@subsidiary.example.com",
                     "电子档已上传：20261015旗滨玻璃股份有限公司漳州分公司1号机常规保养-WO-2026-10-000123.pdf",
                     b"-", app.config["NOW"])
    row.status, row.attempts, row.last_error = "failed", 8, error
    db.session.commit()
    context, page = log_in(browser, live_server, "admin", DESKTOP)
    page.goto(live_server + "/notifications/outbox")
    wrap = page.locator("main .table-responsive")
    assert wrap.evaluate("e => e.scrollWidth - e.clientWidth") <= 1, "the outbox scrolls sideways at 1280 px"
    cell = page.locator("main td").filter(has_text="ConnectionRefusedError").bounding_box()
    assert cell["x"] + cell["width"] <= DESKTOP["width"], cell
    page.screenshot(path=os.path.join(screenshot_dir, "outbox-1280.png"), full_page=True)
    context.close()


def test_attendance_grid_shows_a_whole_month_at_1280_and_keeps_the_names_in_view(app, live_server, browser,
                                                                                 demo_data, screenshot_dir):
    context, page = log_in(browser, live_server, "office", DESKTOP)
    page.goto(live_server + "/attendance/2026-08")  # 31 days; the 31st is a Monday, a workday
    days = page.locator(".att thead th[data-day]")
    assert days.count() == 31
    last = page.locator('.att thead th[data-day="31"]').bounding_box()
    cell = page.locator('select[name="att:zhangsan:2026-08-31"]').bounding_box()
    for box in (last, cell):
        assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"], box
    grid = page.locator(".att-wrap")
    assert grid.evaluate("e => e.scrollWidth - e.clientWidth") <= 1, "the grid scrolls sideways at 1280 px"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    page.screenshot(path=os.path.join(screenshot_dir, "attendance-1280.png"), full_page=True)
    context.close()

    context, page = log_in(browser, live_server, "office", PHONE)
    page.goto(live_server + "/attendance/2026-08")
    grid = page.locator(".att-wrap")
    name = page.locator('.att tbody th.who[title="zhangsan"]')
    before = name.bounding_box()
    assert name.evaluate("e => getComputedStyle(e).position") == "sticky"
    grid.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_timeout(100)
    assert grid.evaluate("e => e.scrollLeft") > 300, "the grid scrolled to its last days"
    after = name.bounding_box()
    assert abs(after["x"] - before["x"]) <= 1 and 0 <= after["x"] < 40
    assert page.locator('select[name="att:zhangsan:2026-08-31"]').bounding_box()["x"] + 10 <= PHONE["width"]
    page.screenshot(path=os.path.join(screenshot_dir, "attendance-375-scrolled.png"))
    context.close()


# The focused cell's box and how much of it the sticky names column or the grid's edge hides.
FOCUSED_CELL = """() => {
  const cell = document.activeElement, wrap = document.querySelector(".att-wrap");
  const names = cell.closest("tr").querySelector(".who").getBoundingClientRect();
  const box = cell.getBoundingClientRect(), edge = wrap.getBoundingClientRect();
  return {name: cell.getAttribute("aria-label"), left: box.left, right: box.right,
          covered: box.left < names.right - 1, cut: box.right > edge.right + 1, edge: edge.right,
          scroll: wrap.scrollLeft, max: wrap.scrollWidth - wrap.clientWidth};
}"""


def test_a_cell_reached_by_the_keyboard_is_not_hidden_under_the_names_column(live_server, browser, demo_data):
    """At 390 px, Shift+Tab through the grid left the focused cell under the sticky names column: no cell and no
    focus ring in view (WCAG 2.4.11)."""
    context, page = log_in(browser, live_server, "office", {"width": 390, "height": 844})
    page.goto(live_server + "/attendance/2026-08")
    page.locator('select[name="att:zhangsan:2026-08-31"]').focus()
    hidden = []
    for step in range(45):
        page.keyboard.press("Shift+Tab" if step < 30 else "Tab")
        if page.evaluate("document.activeElement.tagName") != "SELECT":
            break
        page.wait_for_timeout(50)  # a frame for the grid's own scrolling (static/attendance.js)
        where = page.evaluate(FOCUSED_CELL)
        if where["covered"] or where["cut"]:
            hidden.append(where)
    context.close()
    assert not hidden, json.dumps(hidden[:3])


# Short Chinese labels in table headers, badges and status cells whose text is laid out on more than one line.
BROKEN_LABELS = """() => {
  const cells = document.querySelectorAll("main table thead th, main table td .badge, main table td.wrap-phone");
  const broken = [];
  for (const cell of cells) {
    const text = cell.textContent.trim();
    if (!/^[\\u4e00-\\u9fff]{2,4}$/.test(text)) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (lines.size > 1) broken.push(text);
  }
  return broken;
}"""


def test_short_chinese_labels_are_not_broken_one_character_per_line_at_phone_width(live_server, browser, demo_data):
    """状态 / 草稿 / 进行中 read one character per line in the squeezed columns of the score and work-order lists."""
    broken = {}
    for username, path in (("mgr.liu", f"/scores/{CLOSED}"), ("office", "/work-orders/"),
                           ("gm.wang", f"/scores/{CLOSED}")):
        context, page = log_in(browser, live_server, username, PHONE)
        page.goto(live_server + path)
        found = page.evaluate(BROKEN_LABELS)
        if found:
            broken[f"{username} {path}"] = sorted(set(found))
        context.close()
    assert not broken, broken


def test_a_work_orders_timeline_keeps_each_step_whole_on_a_phone_in_english(live_server, browser, demo_data):
    """English "Responded" broke as "Responde / d" and the step number "2." as "2 / ." at phone width."""
    order = db.session.execute(db.text("SELECT id FROM work_orders WHERE responded_at IS NOT NULL AND "
                                       "completed_at IS NOT NULL ORDER BY id LIMIT 1")).scalar()
    context, page = log_in(browser, live_server, "office", {"width": 360, "height": 800})
    page.goto(f"{live_server}/work-orders/{order}?lang=en")
    labels = page.eval_on_selector_all("#timeline > li > span:first-child", """spans => spans.map(span => {
        const style = getComputedStyle(span);
        return [span.textContent.trim(), span.getBoundingClientRect().height <= parseFloat(style.lineHeight) * 1.5];
    })""")
    context.close()
    assert [label for label, _whole in labels] == ["Reported", "Responded", "Arrived", "Completed"]
    assert all(whole for _label, whole in labels), labels


def test_a_complaint_a_score_links_to_stands_out_and_its_note_is_readable_on_a_phone(app, live_server, browser,
                                                                                      demo_data):
    """From a score's related records an engineer reached #complaint-N with nothing marking that row, and its note
    was squeezed to two characters a line (客户投诉响应慢 in four lines)."""
    from datetime import date

    from tracker.auth.models import User
    from tracker.workorders import feedback

    office = db.session.query(User).filter_by(username="office").one()
    ids = [feedback.add_complaint(office, {"engineer": "zhangsan", "date": date(2026, 10, d), "upheld": True,
                                           "note": "客户投诉响应慢，等了半天才有人回电话"}, app.config["NOW"]).id
           for d in (8, 9)]
    db.session.commit()
    context, page = log_in(browser, live_server, "zhangsan", {"width": 390, "height": 844})
    page.goto(f"{live_server}/work-orders/complaints?month={CLOSED}#complaint-{ids[1]}")
    shades = [page.eval_on_selector(f"#complaint-{i} td", "cell => getComputedStyle(cell).boxShadow") for i in ids]
    note = page.eval_on_selector(f"#complaint-{ids[1]} td.pre-line", "cell => cell.getBoundingClientRect().width")
    context.close()
    assert shades[0] != shades[1]
    assert note >= 150


# Visible text controls whose text is smaller than 16 px: iOS Safari zooms the page into such a control when it is
# tapped (and leaves it zoomed), so a phone user filtering a list or marking attendance had the page jump each time.
SMALL_CONTROLS = """() => Array.from(document.querySelectorAll(
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]), select, textarea"))
  .filter(e => e.getClientRects().length && parseFloat(getComputedStyle(e).fontSize) < 16)
  .map(e => (e.name || e.id) + " " + getComputedStyle(e).fontSize)"""


def test_no_text_control_on_a_phone_is_small_enough_to_make_ios_zoom(live_server, browser, demo_data):
    small = {}
    pages = dict(PAGES, admin=PAGES["admin"] + ["/audit/"], office=PAGES["office"] + ["/imports/"])
    for username, paths in pages.items():
        context, page = log_in(browser, live_server, username, PHONE)
        for path in paths:
            page.goto(live_server + path)
            found = page.evaluate(SMALL_CONTROLS)
            if found:
                small[f"{username} {path}"] = sorted(set(found))[:5]
        context.close()
    assert not small, json.dumps(small, ensure_ascii=False, indent=1)


def test_a_templates_indicators_read_as_cards_on_a_phone_with_the_rule_in_view(live_server, browser, demo_data):
    """The indicator table was 700 px wide in a sideways scroller: the scoring rule, the column that matters, was
    off the screen, each row 150–200 px tall beside a narrow name."""
    context, page = log_in(browser, live_server, "admin", {"width": 390, "height": 844})
    page.goto(live_server + "/admin/templates/project_engineer_kpi")
    out = page.evaluate("""() => Array.from(document.querySelectorAll("table.template-table td[data-label]"))
        .filter(cell => { const box = cell.getBoundingClientRect(); return box.left < 0 || box.right > innerWidth + 0.5; })
        .map(cell => cell.dataset.label)""")
    assert page.locator("table.template-table td[data-label]").count() >= 20
    context.close()
    assert not out, sorted(set(out))


# The attendance statuses whose short label is wider than the text box of a cell's select (measured in its font).
CLIPPED_LABELS = """() => {
  const select = document.querySelector(".att select");
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return Array.from(select.options).map(o => o.text).filter(t => context.measureText(t).width > room);
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_attendance_label_fits_its_cell_on_a_phone(live_server, browser, demo_data, lang):
    """At 16 px (no iOS zoom) the English "Absent" showed as "Abser" in its cell."""
    context, page = log_in(browser, live_server, "office", PHONE)
    page.goto(f"{live_server}/attendance/2026-10?lang={lang}")
    clipped = page.evaluate(CLIPPED_LABELS)
    context.close()
    assert not clipped, clipped


def test_the_attendance_grid_saves_from_above_says_its_changes_and_asks_before_they_are_lost(live_server, browser,
                                                                                          demo_data):
    """By keyboard the only 保存 came after every cell of the month; the count of unsaved changes was not announced;
    leaving the page lost them without a word."""
    context, page = log_in(browser, live_server, "office", DESKTOP)
    page.goto(live_server + "/attendance/2026-11")
    assert page.get_attribute("#changed-count", "aria-live") == "polite"
    page.select_option('select[name="att:zhangsan:2026-11-04"]', "late")
    assert "1" in page.inner_text("#changed-count")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay
    page.on("dialog", answer)
    page.evaluate("document.querySelector('a.navbar-brand').click()")
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"] and "/attendance/2026-11" in page.url
    page.remove_listener("dialog", answer)
    with page.expect_navigation():
        page.click("#save-top")  # saves, and asks nothing
    assert page.locator('select[name="att:zhangsan:2026-11-04"]').input_value() == "late"
    context.close()
