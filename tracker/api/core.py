"""API plumbing: bearer auth, JSON bodies checked against JSON Schema, answers, and the OpenAPI document.

One mechanism: a view declares its body schema with @body(...) and its answer with @answers(...); the same
declarations validate requests and build /api/v1/openapi.json. A view that declares no body (neither @body nor
@uploads) takes none: anything but an absent or empty body or {} is refused before it runs (NO_BODY).
"""

import json
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import ValidationError, validate_csrf
from jsonschema import Draft202012Validator

from tracker import clock, validation
from tracker.auth import services
from tracker.errors import DomainError, Invalid, TooLarge, Unsupported
from tracker.extensions import db, login
from tracker.scoring.month import PATTERN as month_pattern

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Reusable schema pieces.
USERNAME = {"type": "string", "pattern": r"^[a-z0-9_.\-]{3,32}$"}
DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "description": "YYYY-MM-DD, years 2000 to 2099"}
DATETIME = {"type": "string", "format": "date-time",
            "description": "ISO 8601, years 2000 to 2099; without an offset: local time; an offset is whole minutes "
                           "within ±14:00; kept to the second (a fraction of a second is dropped)"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
HHMM = {"type": ["string", "null"], "pattern": r"^[0-9]{2}:[0-9]{2}$", "description": "HH:MM, 00:00 to 24:00"}
MONTH = {"type": "string", "pattern": f"^{month_pattern}$"}
# what a value refused by its field's pattern should be ("格式不正确" alone did not say what the rule is)
PATTERN_RULES = {USERNAME["pattern"]: _l("用户名须为 3–32 个字符，仅限 a-z 0-9 _ . -"),
                 DATE["pattern"]: _l("日期格式须为 YYYY-MM-DD"),
                 HHMM["pattern"]: _l("时间格式须为 HH:MM（00:00–24:00）"),
                 MONTH["pattern"]: _l("月份须为 YYYY-MM，年份在 2000–2099 之间")}


def ruled(pattern, rule, **schema):
    """A string schema of `pattern` whose refusal says `rule` (a piece defined beside the service it serves)."""
    PATTERN_RULES[pattern] = rule
    return {"type": "string", "pattern": pattern, **schema}


MONEY = {"type": "number", "minimum": 0, "maximum": 100000}
TEXT500 = {"type": ["string", "null"], "maxLength": 500}
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "description": "Besides code and message, an error names what it is about where that helps a client: the "
                   "fields at fault, and the keys below; other keys (month, username, template, status, ...) name "
                   "the record or state the message speaks of.",
    "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "the message for each field at fault, by its name or path (body.indicators[0])"},
        "expected": {"type": "string", "description": "a refused scan or workbook: the file name that is accepted"},
        "qr_work_order": {"type": "string",
                          "description": "a scan carrying the QR code of another work order: that order's number"},
        "conflicting_trip": {"type": "integer", "description": "an overlapping trip: the id of the trip it overlaps"},
        "first_day": {"type": "string", "format": "date",
                      "description": "a month submitted too early: the first day it can be submitted"},
        "gaps": {"type": "array", "items": {"type": "string"},
                 "description": "approval refused (409): every blocker, in the reader's language"},
        "missing": {"type": "array", "items": {"type": "string"},
                    "description": "approval refused: the codes of the hand entries the template still needs"},
        "retry_after": {"type": "integer",
                        "description": "429 (too many failed logins): seconds until a login is taken again, as "
                                       "the Retry-After header says"}},
    "additionalProperties": True}}}


def obj(properties, required=()):
    """An object schema that refuses unknown fields."""
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BearerOnly(AnonymousUserMixin):
    """The anonymous user of the API."""


def authenticate_request():
    """The caller: the bearer token's user; without an Authorization header, the app's own pages' session user
    (CONTRACT 10), whose writes must carry the page's CSRF token in X-CSRFToken."""
    header = request.headers.get("Authorization", "")
    g._login_user = BearerOnly()
    if header:
        scheme, _space, credentials = header.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():  # the scheme is case-insensitive (RFC 9110 11.1)
            g.api_token = credentials.strip()
            g._login_user = services.user_for_token(g.api_token, now=clock.now()) or BearerOnly()
        return
    if request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
            # same origin only (CONTRACT 10): a browser says where a request comes from, whatever proxy is between
            if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
                g.cross_site = True
                raise ValidationError("cross-site")
        except ValidationError:
            # not signed in for this write; when the session is a login, the 401 says the page's token is missing
            login._load_user()
            g.csrf_refused = bool(getattr(g, "_login_user", None) and g._login_user.is_authenticated)
            g._login_user = BearerOnly()
            return
    login._load_user()
    if not getattr(g, "_login_user", None) or not g._login_user.is_authenticated:
        g._login_user = BearerOnly()


def _raw_body():
    """The request body's bytes; 413 over the JSON limit."""
    limit = current_app.config["API_MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(_("请求体超过 1 MiB"))
    raw = request.stream.read(limit + 1) if request.content_length is None else request.get_data(cache=True)
    if len(raw) > limit:
        raise TooLarge(_("请求体超过 1 MiB"))
    return raw


def read_json(raw=None):
    """The request body (or `raw`, already read) as JSON (floats, and integers too long for int, as Decimal); 413
    over the limit, 400 when malformed; None when empty."""
    raw = _raw_body() if raw is None else raw
    if not raw.strip():
        return None
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=_fraction, parse_int=_integer,
                          parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
        if validation.depth(data) > validation.DEPTH_MAX:  # the checks after the parser walk a body by recursion too
            raise MalformedBody(_("请求体嵌套超过 %(n)s 层", n=validation.DEPTH_MAX))
        bad = validation.first_bad_text(data)
    except _RepeatedKey as repeated:
        raise MalformedBody(_("请求体中的键 %(k)s 出现了不止一次", k=json.dumps(repeated.key, ensure_ascii=False))) \
            from None
    except RecursionError:  # nested deeper than the parser goes
        raise MalformedBody(_("请求体嵌套超过 %(n)s 层", n=validation.DEPTH_MAX)) from None
    except (ValueError, UnicodeDecodeError):
        raise MalformedBody(_("请求体不是合法的 JSON")) from None
    if bad:
        raise Invalid.field(*bad)
    return data


class _RepeatedKey(ValueError):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs):
    """An object of the body, refused when it names a key twice (which one counts is not said by JSON: the body is
    ambiguous, not the last one's)."""
    data = {}
    for key, value in pairs:
        if key in data:
            raise _RepeatedKey(key)
        data[key] = value
    return data


def _integer(text):
    """A JSON integer; one longer than int() reads (4,300 digits) is still well-formed JSON, so it comes as a
    Decimal (read in linear time), which the checks then refuse as out of range or not an integer: 422 naming its
    field, as for any other such number."""
    try:
        return int(text)
    except ValueError:
        return Decimal(text)


def _fraction(text):
    """A JSON number written with a fraction or an exponent, as Decimal (exact); a whole one of ordinary size (4.0,
    4e0) as that int: JSON Schema calls it an integer, and so does the OpenAPI document."""
    value = Decimal(text)  # exact, whatever its exponent; copy_abs, unlike abs(), cannot overflow the context
    if value.is_finite() and value.copy_abs() < INT64 and value == value.to_integral_value():
        return int(value)
    return value


INT64 = 2 ** 63


def _refuse_constant(name):
    raise ValueError(name)


class MalformedBody(DomainError):
    status = 400
    code = "bad_request"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


SHOWN_MAX = "x-characters"  # the characters a string holds once NFC-normalised, when its maxLength is wider
TYPE_NAMES = {"string": _l("文字"), "integer": _l("整数"), "number": _l("数字"), "boolean": _l("true/false"),
              "null": "null", "object": _l("对象"), "array": _l("数组")}


def _schema_error_field(error):
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return extra[0] if extra else "body", _("不接受未知字段：%(names)s", names=", ".join(extra))
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "body"
        return missing, _("必填")
    path = ".".join(str(p) for p in error.absolute_path) or "body"
    wanted = error.validator_value if error.validator == "type" else ()
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    types = _(" 或 ").join(str(TYPE_NAMES.get(t, t)) for t in wanted)
    # null is a value left out, not one of a wrong type (a date or a choice is a JSON string: "须为 文字" misled)
    messages = {"type": _("不能为 null") if error.instance is None else _("类型不正确（应为 %(t)s）", t=types),
                # a name part is sent as up to 160 code points (a letter and its accent are two) and holds 40
                # characters once NFC-normalised: the limit said is the one the schema names as shown
                "maxLength": _("太长（最多 %(n)s 个字符）", n=error.schema.get(SHOWN_MAX, error.validator_value)),
                "minLength": _("不能为空") if error.validator_value == 1 else _("太短（至少 %(n)s 个字符）",
                                                                                 n=error.validator_value),
                "minimum": _("不能小于 %(n)s", n=error.validator_value),
                "maximum": _("不能大于 %(n)s", n=error.validator_value),
                "enum": _("须为 %(v)s 之一", v=", ".join(map(str, error.validator_value))
                          if error.validator == "enum" else ""),
                "pattern": str(PATTERN_RULES.get(error.validator_value, _("格式不正确")))
                if error.validator == "pattern" else "",
                "minProperties": _("请至少给出一个字段"),
                "maxItems": _("太多（最多 %(n)s 项）", n=error.validator_value),
                "minItems": _("太少（至少 %(n)s 项）", n=error.validator_value)}
    # never the schema library's own sentence: English whatever the reader's language, and it repeats the value sent
    return path, messages.get(error.validator, _("值不正确"))


def _text_patterns(schema, name=None):
    """A copy of `schema` whose free-text strings carry the text rule of their field as a pattern (CONTRACT 2),
    so that the OpenAPI document says what the body check (validation.first_bad_text) enforces."""
    if isinstance(schema, list):
        return [_text_patterns(item, name) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {}
    for key, value in schema.items():
        if key == "properties":
            copy[key] = {prop: _text_patterns(sub, prop) for prop, sub in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
            copy[key] = _text_patterns(value, name)
        else:
            copy[key] = value
    types = copy.get("type")
    is_text = types == "string" or (isinstance(types, list) and "string" in types)
    if is_text and name is not None and not {"pattern", "enum", "format", "const"} & set(copy):
        copy["pattern"] = validation.PATTERNS[validation.kind_of(name)]
    return copy


def _checked(validator, raw=None):
    """The JSON object of the body, valid against `validator`'s schema: 415 when not sent as JSON, 400 when absent or
    malformed, 422 when well-formed JSON that is not an object ([], 5, null: valid JSON, invalid value, CONTRACT
    10) or naming the fields at fault."""
    raw = _raw_body() if raw is None else raw
    if not raw.strip() and not request.content_type:  # nothing sent at all: the body is missing, whatever its type
        raise MalformedBody(_("需要 JSON 请求体"))
    # application/json alone (text/plain JSON would let a cross-site form post it without a preflight), in UTF-8,
    # the only encoding the body is read in: application/merge-patch+json or a charset=latin-1 body was taken
    if request.mimetype != "application/json" or \
            request.mimetype_params.get("charset", "utf-8").lower().replace("-", "") != "utf8":
        raise Unsupported(_("请求体须为 UTF-8 编码的 JSON（Content-Type: application/json）"))
    if not raw.strip():
        raise MalformedBody(_("需要 JSON 请求体"))
    data = read_json(raw)
    if not isinstance(data, dict):
        raise Invalid(_("请求体须为 JSON 对象"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        fields, said = {}, None
        for e in errors:
            name, message = _schema_error_field(e)
            said = said or f"{name}: {message}"  # the first error's sentence (all unknown fields named at once)
            if e.validator == "additionalProperties":  # every unknown field named, each by itself
                for extra in sorted(set(e.instance) - set(e.schema.get("properties", {}))):
                    fields.setdefault(extra, _("不接受未知字段：%(names)s", names=extra))
            else:  # a field's first fault, the one the message says (a second one said it differently)
                fields.setdefault(name, message)
        raise Invalid(said, fields)
    return data


def refused_choice(name, allowed):
    """422 for a query parameter outside its values, said as a body field's enum error is ("role: 须为 … 之一")."""
    message = _("须为 %(v)s 之一", v=", ".join(map(str, allowed)))
    return Invalid(f"{name}: {message}", {name: message})


def body(schema, optional=False):
    """Validate the JSON body against `schema` and pass it to the view as `data`; `optional`: no body (or an empty
    one) is also accepted, as {}."""
    schema = _text_patterns(schema)
    validator = Draft202012Validator(schema)

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            raw = _raw_body()
            data = {} if optional and not raw.strip() else _checked(validator, raw)
            return view(*args, data=data, **kwargs)

        wrapper._body_schema = schema
        wrapper._body_optional = optional
        return wrapper

    return decorate


def answers(status=200, schema=None, description=None, content="application/json", also=None, errors=()):
    """Document a view's answer for the OpenAPI document (`also`: {status: description} answered with that body;
    `errors`: error statuses beyond the usual ones, e.g. 429)."""

    def decorate(view):
        view._answer = {"status": status, "schema": schema, "description": description, "content": content,
                        "also": also or {}, "errors": tuple(errors)}
        return view

    return decorate


def query(parameters):
    """Document a view's query parameters ([{name, schema, description?}]) for the OpenAPI document, and hold the
    request to the documented choices: a parameter with an `enum` given another value is refused (422 naming it),
    as the body's fields are; left empty, it is not given."""
    choices = {p["name"]: [str(v) for v in p["schema"]["enum"]] for p in parameters if "enum" in p.get("schema", {})}

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            for name, allowed in choices.items():
                value = request.args.get(name)
                if value not in (None, "") and value not in allowed:
                    raise refused_choice(name, allowed)
            return view(*args, **kwargs)

        checked._query = parameters
        return checked

    return decorate


def uploads(schema):
    """Document a view's multipart/form-data body (its files and fields) for the OpenAPI document."""

    def decorate(view):
        view._upload = schema
        return view

    return decorate


def to_json(value):
    """Plain JSON values: Decimal as a number (2 decimals at most), dates ISO 8601, datetimes with the local offset."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def reply(payload, status=200):
    return jsonify(to_json(payload)), status


def iso_datetime(value):
    """A stored (naive local) datetime as ISO 8601 with the configured zone's offset."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.zone())
    return value.isoformat()


def parse_date(value, field="date"):
    """'YYYY-MM-DD' of a year 2000–2099 -> date; 422 otherwise (CONTRACT 2)."""
    return validation.parse_date(value, field)


def parse_datetime(value, field):
    """ISO 8601 -> naive local datetime (an offset converts to TRACKER_TIMEZONE); years 2000–2099, offsets
    within ±14:00 (CONTRACT 2)."""
    return validation.parse_datetime(value, field, clock.to_local)


def commit():
    """Commit the unit of work of a request (rolled back by the error handler when a service refused it)."""
    db.session.commit()


NO_BODY = Draft202012Validator(obj({}))


def refuse_unexpected_body():
    """A call that declares no body takes none (CONTRACT 2: unknown fields are refused): an absent or empty body
    and {} pass; anything else is judged as a body of no fields (415, 400, or 422 naming the first field). Checked
    here for every such route, so that none can forget it; after the caller is known, so that an anonymous call
    still answers 401 (the route's role check)."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or hasattr(view, "_body_schema") or hasattr(view, "_upload"):
        return
    if not current_user.is_authenticated and getattr(view, "_auth_rule", None) != "public":
        return
    raw = _raw_body()
    if raw.strip():
        _checked(NO_BODY, raw)


LANG_PARAMETER = {"name": "lang", "schema": {"type": "string", "enum": ["zh", "en"]},
                  "description": "the language of this call's names, explanations and messages (default: "
                                 "Accept-Language, then the user's setting, else Chinese)"}


def refuse_unknown_language():
    """`?lang` chooses the language of any call (tracker.language), so every call holds it to its two values, as a
    call documenting it did: `lang=fr` was taken as Chinese by the others (422 naming it, after the caller is
    known, as refuse_unexpected_body)."""
    value = request.args.get("lang")
    if value in (None, "") or value in LANG_PARAMETER["schema"]["enum"]:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and (current_user.is_authenticated or getattr(view, "_auth_rule", None) == "public"):
        raise refused_choice("lang", LANG_PARAMETER["schema"]["enum"])


bp.before_request(authenticate_request)
bp.before_request(validation.check_query_string)  # once the caller, and so their language, is known
bp.before_request(refuse_unexpected_body)
bp.before_request(refuse_unknown_language)
