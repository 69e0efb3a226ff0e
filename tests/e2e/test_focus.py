"""Keyboard focus is always visible (WCAG 2.4.7, 1.4.11): the first Tab reaches the skip link, which shows on
screen; then every element the Tab key reaches, links, buttons, fields, radio buttons drawn as buttons, the menu
toggle, draws an outline at least 2 px wide whose colour has a contrast of 3:1 or more against what is behind it."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.support import log_in

pytestmark = pytest.mark.e2e

FOCUSED = """() => {
  let e = document.activeElement;
  if (!e || e === document.body) return null;
  if (!e.matches(":focus")) return null;  // the browser's own part of a field (a date field's picker button) has it
  if (e.matches(".btn-check") && e.nextElementSibling) e = e.nextElementSibling;  // its label draws the ring
  const s = getComputedStyle(e);
  let p = e.parentElement, bg = "rgb(255, 255, 255)";
  while (p) {
    const c = getComputedStyle(p).backgroundColor;
    if (c !== "transparent" && !/rgba\\(.*, 0\\)$/.test(c)) { bg = c; break; }
    p = p.parentElement;
  }
  const r = e.getBoundingClientRect();
  return {what: e.tagName + (e.id ? "#" + e.id : "") + "." + String(e.className).split(" ").slice(0, 2).join("."),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, bg: bg,
          visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0};
}"""


def rgb(text):
    parts = text[text.index("(") + 1:text.index(")")].split(",")
    return [float(x) for x in parts[:3]]


def luminance(color):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    high, low = sorted((luminance(rgb(a)), luminance(rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def tab_through(page, steps):
    seen, problems = [], []
    for _ in range(steps):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info is None or not info["visible"]:
            continue
        seen.append(info["what"])
        if info["style"] == "none" or info["width"] < 2:
            problems.append(f"{info['what']}: no outline ({info['style']} {info['width']}px)")
        elif contrast(info["color"], info["bg"]) < 3:
            problems.append(f"{info['what']}: outline {info['color']} on {info['bg']} "
                            f"is {contrast(info['color'], info['bg']):.2f}:1")
    return seen, problems


@pytest.mark.parametrize("width", [375, 1280])
def test_the_focus_is_visible_on_every_element_the_tab_key_reaches(live_server, browser, team, width):
    viewport = {"width": width, "height": 812}
    problems, reached = [], 0
    for username, path in (("eng1", "/itinerary/eng1/2026-11"), ("eng1", "/itinerary/eng1/trips/new"),
                           ("mgr", "/reviews/2026-11/eng1"), ("mgr", "/scores/2026-11/eng1")):
        context, page = log_in(browser, live_server, username, viewport, password=PASSWORD)
        page.goto(live_server + path)
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert page.evaluate("document.activeElement.classList.contains('skip-link')"), path
        box = skip.bounding_box()
        assert box and box["width"] > 20 and box["y"] >= 0, "the skip link shows when it has the focus"
        seen, found = tab_through(page, 45)
        reached += len(seen)
        problems += [f"{path}: {p}" for p in found]
        context.close()
    assert reached > 60
    assert not problems, "\n".join(dict.fromkeys(problems))
