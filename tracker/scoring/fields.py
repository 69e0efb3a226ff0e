"""The checks a template's fields go through: each refuses a wrong value with a TemplateError naming the field's path,
in English and Chinese (load_template gathers them with _Collect, so one load reports every wrong field)."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from tracker.scoring import monotone
from tracker.scoring.decimals import D
from tracker.scoring.errors import Said, TemplateError
from tracker.scoring.messages import Text
from tracker.scoring.month import Month


def _fail(path, message, zh=None):
    """Refuse the field at `path` with an English message and its Chinese wording (the editor shows the reader's)."""
    raise TemplateError({path: Said(message, zh)})


class _Collect:
    """Gathers the TemplateErrors of independent checks, so one load reports every field that is wrong."""

    def __init__(self):
        self.errors = {}

    def run(self, fn, *args, default=None, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TemplateError as error:
            for path, message in error.errors.items():
                self.errors.setdefault(path, message)
            return default

    def raise_any(self):
        if self.errors:
            raise TemplateError(self.errors)


def _mapping(value, path, required, allowed):
    if not isinstance(value, Mapping):
        _fail(path, "must be a mapping", "须为键值映射")
    missing = [key for key in required if key not in value]
    if missing:
        _fail(path, f"missing {', '.join(missing)}", f"缺少 {', '.join(missing)}")
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        _fail(path, f"unknown key(s) {', '.join(unknown)}", f"未知的键 {', '.join(unknown)}")
    return value


def _list(value, path, non_empty=True):
    if not isinstance(value, list) or (non_empty and not value):
        _fail(path, *(("must be a non-empty list", "须为非空列表") if non_empty else ("must be a list", "须为列表")))
    return value


def _number(value, path, lo=None, positive=False, hi=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        _fail(path, f"must be a number, got {value!r}", f"须为数字，收到 {value!r}")
    try:
        number = D(value)
    except (InvalidOperation, TypeError):
        _fail(path, f"must be a number, got {value!r}", f"须为数字，收到 {value!r}")
    if not number.is_finite() or (lo is not None and number < lo) or (positive and number <= 0):
        _fail(path, *(("must be a positive number", "须为正数") if positive
                      else (f"must be a number ≥ {lo}", f"须为不小于 {lo} 的数字")))
    if hi is not None and number > hi:
        _fail(path, f"must be a number ≤ {hi}", f"须为不大于 {hi} 的数字")
    return number


# what the columns a template's codes and names are stored in hold (kpi_templates, score_lines, the entries' keys)
CODE_MAX, NAME_MAX = 60, 120


def _str(value, path, pattern=None, longest=None):
    """A non-empty string (of `pattern`); a template being stored keeps it to `longest` characters (a code, a
    pattern's, to CODE_MAX): its column holds no more, and PostgreSQL refused the longer one only when it was
    written, after the version was stored. A version stored before that check still loads."""
    if not isinstance(value, str) or not value.strip():
        _fail(path, "must be a non-empty string", "须为非空文字")
    if pattern is not None and not pattern.match(value):
        _fail(path, f"{value!r} is not in the expected form", f"{value!r} 的格式不对")
    longest = longest or (CODE_MAX if pattern is not None else None)
    if longest is not None and len(value) > longest and monotone.checks_all():
        _fail(path, f"must be at most {longest} characters (it has {len(value)})",
              f"最多 {longest} 个字符（现有 {len(value)} 个）")
    return value


def _month(value, path):
    try:
        return str(Month.parse(value))
    except ValueError:
        _fail(path, f"{value!r} is not a month YYYY-MM", f"{value!r} 不是 YYYY-MM 格式的月份")


def _bool(value, path):
    if not isinstance(value, bool):
        _fail(path, "must be true or false", "须为 true 或 false")
    return value


def _text(data, key, path, required=True, longest=None):
    """The bilingual pair data[key] / data[key + "_en"] (each of at most `longest` characters in a template being
    stored)."""
    if key not in data:
        if required:
            _fail(path, f"missing {key}", f"缺少 {key}")
        return None
    where = f"{path}.{key}" if path else key  # a template's own name is "name", not ".name"
    return Text(_str(data[key], where, longest=longest), _str(data.get(f"{key}_en", data[key]), f"{where}_en",
                                                            longest=longest))
