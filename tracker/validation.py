"""Input rules of CONTRACT 2 for every door: years, UTC offsets, numbers (points and amounts) and text.

One module, used by the web forms (the `Form` base class), the API (request bodies and path dates) and the
services (which check again what reaches them from elsewhere, e.g. a workbook import):

- accepted years are 2000–2099, written with four digits; a UTC offset is whole minutes within ±14:00;
- points and amounts are finite numbers within their bounds with at most two decimals, never rounded;
- no text holds control characters (C0, DEL, C1), lone surrogates or the noncharacters U+FFFE and U+FFFF (no XML,
  so no exported workbook, may hold them), except TAB, LF and CR in the multi-line fields (notes, purpose,
  description, comment, reason);
- names (usernames, display names, customers, equipment, service types, template and category names) also refuse
  the bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069, which can make a name (and a download
  file name built from it) read differently from what it is.
"""

import re
import unicodedata
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields import DateField
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, UnicodeConverter

from tracker.errors import DomainError, Forbidden, Invalid
from tracker.extensions import db

YEAR_MIN, YEAR_MAX = 2000, 2099
INT_MAX = 2**31 - 1  # ids and numbers in paths beyond this name nothing (and PostgreSQL refuses them)
OFFSET_MAX = timedelta(hours=14)

# `body` is the template editor's YAML document: its lines are checked as text here, its names once parsed.
MULTILINE = frozenset({"note", "notes", "purpose", "description", "comment", "reason", "body"})
NAMES = frozenset({"username", "display_name", "name", "name_en", "customer", "equipment", "service_type",
                   "category", "template", "template_name", "category_name", "engineer", "supervisor", "submitter",
                   "department", "email",
                   "title", "position", "position_en",  # a template's headings, printed on its sheet
                   # and the labels its lines print: a line's department, a part's sentence, a count's unit
                   "group", "group_en", "label", "label_en", "unit", "unit_en", "outcomes", "outcomes_en",
                   "key"})  # the key of a hand entry, shown on the entries page and posted back

# The character classes; the JSON Schema patterns say the same in the OpenAPI document (lone surrogates, which
# no JSON generator produces on purpose, are left out of the patterns but refused all the same).
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but TAB, LF, CR; DEL; C1
_BREAKS = "\t\n\r\u2028\u2029"  # with Unicode's line and paragraph separators: a line break all the same
_BIDI = "\u202a-\u202e\u2066-\u2069"
_INVALID = "\ud800-\udfff\ufffe\uffff"  # with the two noncharacters XML refuses: invalid text all the same
PATTERNS = {
    "multiline": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]*$",
    "line": r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]*$",
    "name": r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]*$",
}
_FORBIDDEN = {
    "multiline": re.compile(f"[{_CONTROL}{_INVALID}]"),
    "line": re.compile(f"[{_CONTROL}{_BREAKS}{_INVALID}]"),
    "name": re.compile(f"[{_CONTROL}{_BREAKS}{_INVALID}{_BIDI}]"),
}
_BIDI_RE = re.compile(f"[{_BIDI}]")
_INVALID_RE = re.compile(f"[{_INVALID}]")
_BREAK_RE = re.compile(f"[{_BREAKS}]")

DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME_START = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]")


# ---- text ----------------------------------------------------------------------------------------

def kind_of(field):
    """'multiline', 'name' or 'line': which text rule a field follows, by its name (the last part of a path)."""
    name = str(field).rsplit(".", 1)[-1]
    if name in MULTILINE:
        return "multiline"
    if name in NAMES:
        return "name"
    return "line"


def text_problem(value, kind="line"):
    """The message for a string that breaks the rule of its kind, or None when it is fine."""
    found = _FORBIDDEN[kind].search(value)
    if found is None:
        return None
    char = found.group()
    if _INVALID_RE.match(char):
        return _("不能包含无效的 Unicode 字符")
    if _BIDI_RE.match(char):
        return _("名称不能包含双向文字控制字符（U+202A–U+202E、U+2066–U+2069）")
    if _BREAK_RE.match(char):
        return _("不能包含换行符或制表符")
    return _("不能包含控制字符（U+%(code)04X）", code=ord(char))


def check_text(value, field, kind=None):
    """`value` when it follows the rule of `field` (None passes); 422 naming the field otherwise."""
    if value is None:
        return None
    problem = text_problem(str(value), kind or kind_of(field))
    if problem:
        raise Invalid.field(field, problem)
    return value


def clean_text(value, field, limit, required=True, kind=None):
    """A text field's value: 1 to `limit` characters following the rule of `field` (check_text); 422 naming the
    field otherwise. A one-line text is trimmed; a multi-line one (notes, purpose, description, comment, reason)
    is kept as written, a leading TAB or CR included, so that a workbook gives it back the same (CONTRACT 11).
    Not required: None or blank gives None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid.field(field, _("必填"))
        return None
    if not isinstance(value, str):
        raise Invalid.field(field, _("须为文字"))
    kind = kind or kind_of(field)
    value = check_text(value, field, kind)
    if kind != "multiline":
        value = value.strip()
    if len(value) > limit:
        raise Invalid.field(field, _("最多 %(n)s 个字符", n=limit))
    return value


DEPTH_MAX = 32  # objects and arrays within each other: a template is about 8 deep


def depth(data):
    """How deeply objects and arrays are nested in `data` (0 for a scalar), walked without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((item, level + 1) for item in (value.values() if isinstance(value, dict) else value))
    return deepest


def first_bad_text(value, path=None, kind="line"):
    """(path, message) of the first string in a JSON value that breaks its field's rule, or None.

    A string follows the rule of the field it is the value of (list items that of their list); keys are names.
    The path names the field as the other checks do: `body.indicators[0].name_en` ("body" for a bare string).
    """
    if isinstance(value, str):
        problem = text_problem(value, kind)
        return (path or "body", problem) if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = received_name(str(key))  # a key refused for a lone surrogate is named in an answer JSON can hold
            sub = name if path is None else f"{path}.{name}"
            problem = text_problem(key, "name") if isinstance(key, str) else None
            found = (sub, problem) if problem else first_bad_text(item, sub, kind_of(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_bad_text(item, f"{path or ''}[{index}]", kind)
            if found:
                return found
    return None


def safe_filename(name):
    """A download file name without control or bidirectional characters (a stored name should have none)."""
    return _FORBIDDEN["name"].sub("", name)


def received_name(name):
    """A file name received, as a message quotes it: each control, bidirectional, invalid or invisible (format:
    zero-width space, soft hyphen, BOM) character written as <U+XXXX>, so that a name refused for one does not read
    as the very name asked for."""
    return "".join(f"<U+{ord(char):04X}>" if _FORBIDDEN["name"].match(char) or unicodedata.category(char) == "Cf"
                   else char for char in name)


_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|]')


def download_name(name):
    """A name part of a download (a display name): safe_filename, and each character no common file system holds
    (\\ / : * ? " < > |) or that cannot be seen (a format character: zero-width space, soft hyphen, LRM, ...) as
    "_", as browsers save it, so that the file saved is the file named."""
    return "".join("_" if unicodedata.category(char) == "Cf" else char
                   for char in _NOT_IN_FILE_NAMES.sub("_", safe_filename(name)))


# ---- years and offsets ---------------------------------------------------------------------------

def year_problem(value):
    """The message for a date or datetime outside 2000–2099, or None."""
    if value is not None and not YEAR_MIN <= value.year <= YEAR_MAX:
        return _("年份须在 %(a)s 到 %(b)s 之间", a=YEAR_MIN, b=YEAR_MAX)
    return None


def whole_number(value):
    """An integer given as one: an int, or a JSON number written with a zero fraction (4.0 is the integer 4 in
    JSON Schema, as the OpenAPI document says); None for anything else (4.5, "4", true)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def check_year(value, field):
    """`value` (a date or datetime) when its year is 2000–2099; 422 naming the field otherwise."""
    problem = year_problem(value)
    if problem:
        raise Invalid.field(field, problem)
    return value


def parse_date(value, field="date"):
    """'YYYY-MM-DD' (ASCII digits, a real day, year 2000–2099) -> date; 422 otherwise."""
    if value is None:
        return None
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise Invalid.field(field, _("日期格式须为 YYYY-MM-DD"))
    try:
        parsed = date.fromisoformat(value)
    except ValueError:  # 2026-11-31 is in the format: no such day (the trip page says so too)
        raise Invalid.field(field, _("日期须为 YYYY-MM-DD 格式的有效日期")) from None
    return check_year(parsed, field)


_OFFSET_FRACTION = re.compile(r"[+-]\d\d:?\d\d:?\d\d[.,]\d+$")


def _malformed_time():
    # the way a workbook and a clerk write it first (the API takes it too), ISO 8601 (a T, an offset) beside it
    return _("时间格式须为 YYYY-MM-DD HH:MM（如 2026-10-15 09:30），也可写作 2026-10-15T09:30 或带时区的 "
             "2026-10-15T09:30+08:00")


def parse_datetime(value, field, to_local):
    """ISO 8601 -> naive local datetime through `to_local`; the year (as written and as converted) must be
    2000–2099 and an offset whole minutes within ±14:00. 422 otherwise."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.isascii() or not _DATETIME_START.match(value):
        raise Invalid.field(field, _malformed_time())
    try:
        parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    except ValueError:
        raise Invalid.field(field, _malformed_time()) from None
    check_year(parsed, field)
    offset = parsed.utcoffset()
    # a fraction of a second in the offset is not whole minutes, even where fromisoformat drops it (+00:00:00.5)
    if offset is not None and (abs(offset) > OFFSET_MAX or offset % timedelta(minutes=1)
                               or _OFFSET_FRACTION.search(value)):
        raise Invalid.field(field, _("时区偏移须为整分钟，且在 −14:00 到 +14:00 之间"))
    return check_year(to_local(parsed).replace(microsecond=0), field)


def shown_datetime(value, sep=" "):
    """A stored datetime as pages and files write it: to the minute, and to the second when it has seconds (times
    are kept as given, so what is shown is what the rules compare)."""
    if value is None:
        return ""
    return value.strftime(f"%Y-%m-%d{sep}%H:%M:%S" if value.second else f"%Y-%m-%d{sep}%H:%M")


# ---- numbers: points and amounts ---------------------------------------------------------------

CENT = Decimal("0.01")


def shown_number(number):
    """A bound as the messages write it: 100, -2.5, 100,000."""
    return f"{Decimal(number).normalize():,f}"


NUMBER_LIMIT = Decimal(10) ** 15  # no amount or points come near it; a number of 27 digits has no room for cents


NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")


def check_number(value, field, lo=None, hi=None, *, required=True, nonzero=False, text=False, label=None):
    """Points or an amount: a finite number within [lo, hi] (not 0 with `nonzero`) with at most two decimals, as a
    Decimal of two places; None when missing and not `required`. Nothing is rounded: anything else is 422 on the
    field. A number may come as int, float or Decimal, and as text with `text` (a workbook's cell); `label` names
    the value in the messages (金额须为数字), for a message read without its field (a workbook's row)."""
    if value is None or value == "":
        if required:
            raise Invalid.field(field, _("必填"))
        return None
    not_a_number = _("%(label)s须为数字", label=label) if label else _("须为数字")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal) + ((str,) if text else ())):
        raise Invalid.field(field, not_a_number)
    if isinstance(value, str) and not NUMBER_TEXT.match(value.strip()):
        # as a JSON number is written: Decimal() would also take 1_000 (a typo 1_00 read as 100), full-width and
        # other scripts' digits, exponents, NaN
        raise Invalid.field(field, not_a_number)
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value.strip() if text and
                                                                               isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise Invalid.field(field, not_a_number) from None
    if not number.is_finite():
        raise Invalid.field(field, not_a_number)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        bounds = {"lo": shown_number(lo) if lo is not None else "…", "hi": shown_number(hi) if hi is not None else "…"}
        raise Invalid.field(field, _("%(label)s须在 %(lo)s 到 %(hi)s 之间", label=label, **bounds) if label
                            else _("须在 %(lo)s 到 %(hi)s 之间", **bounds))
    if nonzero and number == 0:
        raise Invalid.field(field, _("不能为 0"))
    if number.copy_abs() >= NUMBER_LIMIT:  # without bounds: nothing stored or compared comes near it
        raise Invalid.field(field, _("数值过大"))
    if number != number.quantize(CENT):
        raise Invalid.field(field, _("%(label)s最多两位小数", label=label) if label else _("最多两位小数"))
    return number.quantize(CENT)


# ---- web forms -----------------------------------------------------------------------------------

_NOT_TEXT = ("CSRFTokenField", "SubmitField", "FileField", "MultipleFileField")
_NUMBERS = ("DecimalField", "IntegerField", "FloatField", "DecimalRangeField", "IntegerRangeField")


class DayField(DateField):
    """A `type=date` input holding a date; anything but YYYY-MM-DD (ASCII digits, zero-padded: the API's
    parse_date) of a real day is a field error. Every date of a web form is one (WTForms' own DateField took
    2026-2-3, and a full-width date was said to be missing)."""

    def process_formdata(self, valuelist):
        if not valuelist:  # not sent: the value it was given stands (an edit form's stored date)
            return
        self.data = None
        if not (valuelist[0] or "").strip():
            if valuelist[0]:  # spaces passed InputRequired as a date, then a view read None (500)
                raise ValueError(_("请填写日期"))
            return
        text = valuelist[0].strip()
        try:
            if not DATE_RE.match(text):
                raise ValueError(text)
            self.data = date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("日期须为 YYYY-MM-DD 格式的有效日期")) from None


class Form(FlaskForm):
    """Base of every web form: on top of each form's own checks, every text field follows the text rule of its
    name and every date or time field the year rule, so that a form cannot store what the API refuses.

    A field with errors renders with aria-invalid="true" and aria-describedby naming "<field id>-error" (then
    "-error-2", ...), the elements that hold its messages (templates/bootstrap5/form.html's field_errors, which
    every form template uses); a field with a description names "<field id>-help" too, its hint, which stays
    beside the error (a screen reader never read the hint, and the error took its place on the screen)."""

    class Meta:
        def render_field(self, field, render_kw):
            own = render_kw.get("aria-describedby") or (field.render_kw or {}).get("aria-describedby")
            described = [own] if own else []
            if field.errors:
                described += [f"{field.id}-error"] + [f"{field.id}-error-{n}" for n in range(2, len(field.errors) + 1)]
                render_kw = {**render_kw, "aria-invalid": "true"}
            if field.description and field.type != "RadioField":  # a radio group names it once, on the group
                described.append(f"{field.id}-help")
            if described:
                render_kw = {**render_kw, "aria-describedby": " ".join(described)}
            if field.type == "CSRFTokenField":  # no label names it, and a page of several forms held one id many times
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """Browsers send a textarea's line breaks as CR LF: each is one line break, as the API takes it, so a
        multi-line field is stored with LF and its length counts a line break once."""
        extra = dict(extra_filters or {})
        for name, field in self._fields.items():
            if field.type == "TextAreaField":
                extra[name] = [*extra.get(name, ()), _one_line_break]
        super().process(formdata, obj, data=data, extra_filters=extra, **kwargs)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if field.type in _NOT_TEXT:
                continue
            problem = None
            for raw in field.raw_data or ():
                if isinstance(raw, str):
                    problem = problem or text_problem(raw, kind_of(field.short_name))
            if problem is None and field.type in _NUMBERS and not field.errors and any(
                    isinstance(raw, str) and raw.strip() and not NUMBER_TEXT.match(raw.strip())
                    for raw in field.raw_data or ()):
                # WTForms reads 1_000, ١٢ and full-width digits as numbers, the API does not (a field WTForms could
                # not read at all has said so already: one message for one fault)
                problem = _("须为数字")
            if problem is None and isinstance(field.data, (date, datetime)):
                problem = year_problem(field.data)
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


def _one_line_break(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def say_the_rest(form, refusals):
    """A form whose own checks refused a field has the service's checks of the others said in the same round (one
    ticket with several mistakes took a round per kind): `refusals()` runs them, answering {field: message} or
    raising a DomainError that names them, and whatever it did is rolled back (nothing is stored). A field the form
    refused keeps its own message; a refusal of the whole request (403) stands."""
    if not form.errors:
        return
    try:
        refused = refusals() or {}
    except Forbidden:
        raise
    except DomainError as error:
        refused = error.fields or {}
    finally:
        db.session.rollback()
    aliases = getattr(form, "FIELD_MAP", {})
    rest = {name: message for name, message in refused.items()
            if (field := form._fields.get(aliases.get(name, name))) is not None and not field.errors}
    if rest:
        put_errors(form, Invalid(_("请检查标出的栏目"), rest))


def put_errors(form, error):
    """A service's refusal (a DomainError) on a web form, the one way every page does it: each field message on its
    field (a form's FIELD_MAP names the form field for a service field, e.g. "return" -> "return_time"); what fits
    no field, or the error's message when it names none, comes back joined for an alert (None when all found one)."""
    aliases = getattr(form, "FIELD_MAP", {})
    unplaced = []
    for name, message in (error.fields or {}).items():
        field = form._fields.get(aliases.get(name, name))
        if field is None and "." in name:  # a path in a body (ratings.judgement): the form's field of its last part
            field = form._fields.get(name.rpartition(".")[2])
        if field is None or field.type in ("SubmitField", "CSRFTokenField"):
            unplaced.append(message)
        elif message not in field.errors:  # the form's own check may have said the same already
            field.errors = [*field.errors, message]
    if not error.fields:
        unplaced.append(error.message)
    return _("；").join(dict.fromkeys(unplaced)) or None


# ---- query strings ------------------------------------------------------------------------------

MAX_QUERY = 8192  # bytes of a query string; longer is a malformed request (400), not a 414 page from the server


def check_query():
    """Every request's query string (check_query_string), but the API's: it checks its own once it knows the caller
    (api/core), so that the message is in the token's user's language (it was Chinese whatever they chose)."""
    if request.blueprint != "api":
        # the login page's return address is checked where it is followed (auth.views): one a mail client mangled
        # (a line break in it) leads home after signing in, where refusing it here refused the login itself
        check_query_string(skip=("next",) if request.endpoint == "auth.login_page" else ())


def check_query_string(skip=()):
    """Query-string values follow the text rule of their name too (a NUL in a search is a 500 on PostgreSQL); a query
    string over MAX_QUERY bytes is refused whole (gunicorn.conf.py lets it reach the app, which answers in the API's
    JSON). `skip`: names whose values the view checks itself."""
    if len(request.query_string) > MAX_QUERY:
        raise DomainError(_("查询参数过长（最多 %(n)s 字节）", n=MAX_QUERY))
    for name, values in request.args.lists():
        if name in skip:
            continue
        for value in (name, *values):
            problem = text_problem(value, kind_of(name))
            if problem:
                raise Invalid.field(name, problem)


QUERY_NUMBER_MAX = 999_999_999  # nine digits: what page_arg takes at most


def filter_errors(error):
    """The messages of a list's filters refused with `error` (Invalid), as its page shows them (templates/_filters.html):
    {field: message}, the message under "" when it names no field."""
    return dict(error.fields) or {"": error.message}


def page_arg(text, field="page", default=1, maximum=None):
    """A positive whole number from a query string (a page, a per_page, a version): ASCII digits, 1 to `maximum`,
    never more than 9 digits, so that no such number overflows a database integer when a query multiplies or
    compares it; `default` when absent or empty; 422 naming the field otherwise. The API and the web pages both
    read their numbers through it."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(QUERY_NUMBER_MAX)) or int(text) < 1 or \
            (maximum is not None and int(text) > maximum):
        most = QUERY_NUMBER_MAX if maximum is None else maximum  # "a positive whole number" refused 1000000000
        raise Invalid.field(field, _("页码须为 1–%(max)s 的整数", max=most) if field == "page" and maximum is None
                            else _("须为 1–%(max)s 的整数", max=most))
    return int(text)


def date_arg(text, field):
    """A date from a query string, as parse_date (YYYY-MM-DD, years 2000–2099); None when absent or empty."""
    return parse_date(text, field) if text else None


class Int32Converter(IntegerConverter):
    """`<int:...>` in a route: a number beyond the database's integer columns names nothing, so the request is 404
    before any view could hand it to a query that PostgreSQL refuses ("integer out of range"). Only ASCII digits:
    werkzeug's \\d also matches １ and ١, which int() reads as 1, so /trips/１ would name trip 1."""

    regex = r"[0-9]+"

    def to_python(self, value):
        number = super().to_python(value)
        if number > INT_MAX:
            raise NotFound()
        return number


class SegmentConverter(UnicodeConverter):
    """`<name>` in a route (usernames, template codes, kinds): a segment holding a control character (C0, DEL, C1)
    names nothing, so the request is 404 before any view could hand it to a query; PostgreSQL's text cannot even
    hold a NUL (it raised instead of finding no row)."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f-\\x9f]", 1)


def init_app(app):
    """Bounded integers and text without control characters in routes (set before the blueprints are
    registered); every query string checked; the `datetime` filter of the templates."""
    app.url_map.converters["int"] = Int32Converter
    app.url_map.converters["default"] = app.url_map.converters["string"] = SegmentConverter
    app.before_request(check_query)
    app.add_template_filter(shown_datetime, "datetime")


class FieldErrors:
    """Gathers the field errors of independent checks, so one answer names every field at fault:

        fields = FieldErrors()
        with fields.check():
            ...  # an Invalid raised here is kept, and the next check runs
        fields.raise_any()  # 422 naming each of them (one: its own message)
    """

    def __init__(self):
        self.errors = {}

    @contextmanager
    def check(self):
        try:
            yield
        except Invalid as error:
            for name, message in (error.fields or {"": error.message}).items():
                self.errors.setdefault(name, message)

    def raise_any(self):
        if len(self.errors) == 1:
            raise Invalid(next(iter(self.errors.values())), dict(self.errors))
        if self.errors:
            raise Invalid(_("请检查标出的栏目"), dict(self.errors))
