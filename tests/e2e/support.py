"""Helpers of the end-to-end tests."""

from tracker import demo


def log_in(browser, base, username, viewport, password=demo.PASSWORD):
    """A new browser context of that size, in Chinese, logged in as `username` (a demo login by default)."""
    phone = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1, is_mobile=phone,
                                  has_touch=phone)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    assert "/login" not in page.url, f"{username} could not log in"
    return context, page


def sign_in(page, base, username, password=demo.PASSWORD):
    """Log `page` in through the login form as `username`."""
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
