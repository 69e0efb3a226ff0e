"""The English catalogue: every message of the source tree is translated, placeholders intact, and the pages switch."""

import os
import re
from datetime import date

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD, login
from tracker import ROOT

CATALOGUE = os.path.join(ROOT, "tracker", "translations", "en", "LC_MESSAGES", "messages.po")
COMPILED = os.path.splitext(CATALOGUE)[0] + ".mo"
# The -k options of `make extract`, added to Babel's defaults (_, gettext, ngettext, pgettext, ...).
KEYWORD_OPTIONS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[A-Za-z_]\w*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _read_catalogue():
    with open(CATALOGUE, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue():
    """Compile the English catalogue when its .mo is missing or older than the .po (`make translations` does the same)."""
    if not os.path.exists(COMPILED) or os.path.getmtime(COMPILED) < os.path.getmtime(CATALOGUE):
        partial = f"{COMPILED}.{os.getpid()}.tmp"
        with open(partial, "wb") as f:
            write_mo(f, _read_catalogue())
        os.replace(partial, COMPILED)  # atomic: a parallel run never reads half a file
    return COMPILED


@pytest.fixture(scope="module")
def catalogue():
    return _read_catalogue()


@pytest.fixture(scope="module")
def source_messages():
    """msgid -> first 'file:line' where it occurs, extracted from the source tree like `make extract` does."""
    with open(os.path.join(ROOT, "babel.cfg"), encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(KEYWORD_OPTIONS)}
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(ROOT, method_map, options_map, keywords):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault((context, msgid), f"{filename}:{lineno}")
    return found


def test_make_extract_uses_the_same_keywords_as_this_test():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        makefile = f.read()
    for option in KEYWORD_OPTIONS:
        assert f"-k {option} " in makefile or f"-k {option}\n" in makefile, option


def test_source_tree_has_messages_in_python_and_templates(source_messages):
    places = {place.split(":")[0].split("/")[0] for place in source_messages.values()}
    assert {"tracker", "templates"} <= places
    assert len(source_messages) > 500


def test_every_message_in_the_source_has_an_english_translation(source_messages, catalogue):
    untranslated = []
    for (context, msgid), place in source_messages.items():
        entry = catalogue.get(msgid, context=context)
        if entry is None or entry.fuzzy or not (all(entry.string) if isinstance(entry.string, tuple) else entry.string):
            untranslated.append(f"{place}: {msgid!r}")
    assert not untranslated, ("run `make extract`, translate these in " + CATALOGUE + ":\n" +
                              "\n".join(sorted(untranslated)))


def test_catalogue_has_no_fuzzy_entries(catalogue):
    assert [m.id for m in catalogue if m.id and m.fuzzy] == []


def test_translations_keep_every_placeholder(catalogue):
    broken = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != expected:
                broken.append(f"{message.id!r} -> {string!r}")
    assert not broken, "\n".join(broken)


def test_translations_are_english_not_copies_of_the_chinese(catalogue):
    def forms(value):  # a plural entry holds its forms as a tuple
        return value if isinstance(value, tuple) else (value,)

    copies = [m.id for m in catalogue if m.id and HAN.search(forms(m.id)[0])
              and any(string in forms(m.id) for string in forms(m.string))]
    assert copies == []


@pytest.mark.parametrize("msgid, english", [
    ("外勤工时", "Field hours"),
    ("周一", "Mon"),
    ("内返", "Internal rework"),
    ("外返", "External rework"),
    ("电子档", "Scanned ticket"),
    ("一票否决", "Veto"),
    ("%(month)s 的工作行程表已提交", "The itinerary for %(month)s has been submitted"),
])
def test_key_terms_use_the_product_vocabulary(catalogue, msgid, english):
    assert catalogue.get(msgid).string == english


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录 Tracker 售后服务管理" in page
    assert "Log in" not in page


def test_login_page_is_english_after_choosing_english(client):
    response = client.post("/lang/en", data={"next": "/login"})
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in to Tracker after-sales service" in page
    assert "Remember me" in page
    assert "登录 Tracker" not in page


@pytest.mark.parametrize("target", ["/\r\nX-Injected: 1", "/\x00//evil.example", "/\\evil.example",
                                    "//evil.example", "https://evil.example/"])
def test_a_language_switch_never_follows_a_next_another_site_or_a_control_character(client, target):
    """A line break in `next` was a 500 for anyone; /\\evil.example is another site to a browser."""
    response = client.post("/lang/en", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # home


@pytest.mark.parametrize("target", ["//evil.example/?lang=en", "/\\evil.example?lang=en", "/\r\nX: 1?lang=en"])
def test_a_next_with_lang_is_checked_as_any_other(client, target):
    assert client.post("/lang/zh", data={"next": target}).headers["Location"] == "/"


def test_switching_language_on_a_page_opened_with_lang_goes_back_without_it(client):
    """A page opened with ?lang=en went back to its own address, ?lang=en and all: 简体中文 left it in English."""
    client.get("/login?lang=en")
    response = client.post("/lang/zh", data={"next": "/login?next=/work-orders/&lang=en"})
    assert response.headers["Location"] == "/login?next=%2Fwork-orders%2F"
    assert "登录 Tracker 售后服务管理" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("code, chosen", [("zh", "简体中文"), ("en", "English")])
def test_the_language_switch_names_each_language_in_its_own_and_marks_the_one_in_use_not_by_weight_alone(client, code,
                                                                                                       chosen):
    """A screen reader read 简体中文 on an English page by English rules, and the language in use was only bold."""
    client.post(f"/lang/{code}")
    page = client.get("/login").get_data(as_text=True)
    buttons = {label: attributes for attributes, label in re.findall(r"<button([^>]*)>(简体中文|English)</button>", page)}
    assert 'lang="zh-CN"' in buttons["简体中文"] and 'lang="en"' in buttons["English"]
    assert [label for label, attributes in buttons.items() if 'aria-current="true"' in attributes] == [chosen]


def test_switching_back_to_chinese(client):
    client.post("/lang/en")
    client.post("/lang/zh")
    assert "登录 Tracker 售后服务管理" in client.get("/login").get_data(as_text=True)


def test_wrong_password_message_follows_the_language(client, team):
    client.post("/lang/en")
    page = login(client, "eng1", "not-the-password").get_data(as_text=True)
    assert "Wrong username or password" in page


def test_engineer_month_page_in_english_shows_english_weekdays_and_labels(app, client, team):
    login(client, "eng1")
    client.post("/lang/en")
    page = client.get("/itinerary/eng1/2026-11").get_data(as_text=True)
    for text in ("Itinerary of 张三", "Field hours this month", "Total expenses", "Add trip", "Add expense",
                 "can be submitted from 2026-11-30", "Mon", "Tue", "Sun", "Workday", "Weekend"):
        assert text in page, text
    for text in ("周一", "周日", "本月外勤工时", "添加行程", "工作日"):
        assert text not in page, text


def test_the_menu_names_its_lists_in_the_plural_in_english(client, team):
    def menu():
        page = client.get("/work-orders/").get_data(as_text=True)
        return set(re.findall(r'class="(?:nav-link|dropdown-item)[^"]*"\s+href="[^"]*"[^>]*>([^<]+)</a>', page))

    login(client, "admin")
    assert {"工单", "客户", "考核模板"} <= menu()
    client.post("/lang/en")
    assert {"Work orders", "Customers", "Appraisal templates"} <= menu()


def test_month_headings_name_the_month_in_the_readers_language(client, team):
    """January read "2027-1" between arrows reading 2026-12 and 2027-02; the year page "Month 1 … Month 12"."""
    login(client, "admin")
    pages = ("/itinerary/eng1/2026-01", "/attendance/2026-01", "/admin/calendar/2026-01")
    for path in pages:
        assert "2026年1月" in client.get(path).get_data(as_text=True), path
    assert ">1月</a>" in client.get("/itinerary/eng1/2026").get_data(as_text=True)
    client.post("/lang/en")
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert "January 2026" in page and "2026-1<" not in page and "2026年" not in page, path
    year = client.get("/itinerary/eng1/2026").get_data(as_text=True)
    assert ">January</a>" in year and ">December</a>" in year and "Month 1" not in year


def test_engineer_month_page_is_chinese_by_default(client, team):
    login(client, "eng1")
    page = client.get("/itinerary/eng1/2026-11").get_data(as_text=True)
    assert "周一" in page and "本月外勤工时" in page
    assert "Field hours this month" not in page


def test_the_chosen_language_is_saved_for_the_user(app, client, team):
    login(client, "eng1")
    client.post("/lang/en")
    client.post("/logout")
    other = app.test_client()
    login(other, "eng1")
    assert "Field hours this month" in other.get("/itinerary/eng1/2026-11").get_data(as_text=True)


def test_form_errors_are_translated(client, team):
    login(client, "eng1")
    client.post("/lang/en")
    response = client.post("/itinerary/eng1/trips/new", data={"date": date(2026, 11, 10).isoformat(),
                                                              "depart": "10:00", "return_time": "09:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The return time must be after the depart time" in page


def test_templates_have_no_chinese_text_outside_the_translation_layer():
    """Raw Chinese (or full-width punctuation) between template tags would stay Chinese on English pages."""
    tag = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.S)
    chinese = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]+")
    raw = []
    for folder, _dirs, names in os.walk(os.path.join(ROOT, "templates")):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                parts = tag.split(f.read())
            raw += [f"{os.path.relpath(path, ROOT)}: {found!r}" for text in parts[::2] for found in chinese.findall(text)]
    assert not raw, "wrap these in {{ _('…') }}:\n" + "\n".join(raw)


@pytest.mark.parametrize("path, title", [("/work-orders/", "Work orders"), ("/admin/customers", "Customers"),
                                         ("/admin/templates", "Appraisal templates")])
def test_list_pages_are_titled_as_the_menu_names_them(client, team, path, title):
    """The menu's words (context "nav", plural in English) and the list pages' titles were two different messages."""
    login(client, "admin")
    client.post("/lang/en", data={"next": "/"})
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert re.search(r"<title>([^<]*)</title>", html).group(1) == f"{title} · Tracker"


def test_an_api_client_preferring_english_gets_every_message_in_english_and_pages_stay_chinese(client, api, team):
    """One language per request: an API client's Accept-Language chooses it for the errors as for the explanations
    (the explanations followed it, the errors did not); a page ignores it until someone chooses English."""
    english = {"Accept-Language": "en-US,en;q=0.9"}
    missing = api("GET", "/scores/2026-13/eng1", "mgr", headers=english)
    assert missing.status_code in (404, 422) and not re.search("[\u4e00-\u9fff]", missing.get_json()["error"]["message"])
    unknown = api("GET", "/no-such-path", "mgr", headers=english)
    assert unknown.status_code == 404 and not re.search("[\u4e00-\u9fff]", unknown.get_json()["error"]["message"])
    chinese = api("GET", "/no-such-path", "mgr", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert re.search("[\u4e00-\u9fff]", chinese.get_json()["error"]["message"])
    assert re.search("[\u4e00-\u9fff]", api("GET", "/no-such-path", "mgr").get_json()["error"]["message"])
    assert "登录" in client.get("/login", headers=english).get_data(as_text=True)
    login(client, "mgr")  # the app's pages call the API with their session: in the page's language
    assert re.search("[\u4e00-\u9fff]", client.get("/api/v1/no-such-path", headers=english).get_json()["error"]["message"])


def test_an_api_calls_lang_holds_for_that_call_only(app, team):
    """?lang=en on one API call was kept in a session cookie: a client keeping cookies then got English whatever it
    asked for."""
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "mgr", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    english = client.get("/api/v1/no-such-path?lang=en", headers=headers).get_json()["error"]["message"]
    assert not re.search("[\u4e00-\u9fff]", english)
    chinese = client.get("/api/v1/no-such-path", headers={**headers, "Accept-Language": "zh-CN"})
    assert re.search("[\u4e00-\u9fff]", chinese.get_json()["error"]["message"])


def test_the_app_compiles_a_catalogue_whose_compiled_file_is_missing_or_older(app, tmp_path, caplog):
    """The .mo files are built, not kept in git: a server started from a checkout without `make` (gunicorn,
    `flask run`) showed Chinese pages with English chosen. The app compiles them as it starts."""
    import shutil

    from tracker import _compile_catalogues

    copy = tmp_path / "translations"
    shutil.copytree(os.path.join(ROOT, "tracker", "translations"), copy)
    compiled = copy / "en" / "LC_MESSAGES" / "messages.mo"
    compiled.unlink(missing_ok=True)
    _compile_catalogues(app, str(copy))
    with open(compiled, "rb") as f:
        from babel.messages.mofile import read_mo
        assert read_mo(f).get("请更正下面标出的输入。").string == "Please correct the fields marked below."
    compiled.unlink()  # a .mo that cannot be replaced (here a folder in its place): said, not a crash at start
    compiled.mkdir()
    os.utime(compiled, (0, 0))
    _compile_catalogues(app, str(copy))
    assert "make translations" in caplog.text
    assert sorted(os.listdir(compiled.parent)) == [
        "messages.mo", "messages.po"]  # no partial file left behind


def test_logging_out_keeps_the_language_the_user_read(client, team):
    """English chosen in the user's setting (another browser): the login page after logging out was Chinese."""
    from tracker.extensions import db

    team["eng1"].locale = "en"
    db.session.commit()
    login(client, "eng1")
    assert '<html lang="en">' in client.get("/itinerary/eng1/2026-11").get_data(as_text=True)
    client.post("/logout")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in to Tracker after-sales service" in page


def test_the_equipment_example_on_the_work_order_form_reads_as_an_example_in_english(client, team):
    """The English form's equipment box showed a bare 1号机 (sample data, untranslated)."""
    login(client, "office")
    assert 'placeholder="如 1号机"' in client.get("/work-orders/new").get_data(as_text=True)
    client.post("/lang/en")
    assert 'placeholder="e.g. 1号机"' in client.get("/work-orders/new").get_data(as_text=True)
