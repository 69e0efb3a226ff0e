"""Free text has one rule (tracker.validation.clean_text over check_text), whichever service it reaches: reasons
and interview notes of the approval loop, review and hand-entry notes, equipment details, trip purposes and notes."""

import pytest

from tracker.errors import Invalid
from tracker.validation import clean_text


@pytest.mark.parametrize("value, field, options, expected", [
    ("  表现突出 ", "reason", {}, "  表现突出 "),  # multi-line text is kept as written (CONTRACT 11)
    ("\t=1+1\r\n", "note", {"required": False}, "\t=1+1\r\n"),
    ("  1号机 ", "detail", {"required": False, "kind": "line"}, "1号机"),  # one line: trimmed
    ("第一行\n第二行", "notes", {}, "第一行\n第二行"),    # notes and reasons may run over lines
    ("第一行\u2028第二行", "notes", {}, "第一行\u2028第二行"),  # by Unicode's line separator too
    (None, "note", {"required": False}, None),
    ("   ", "note", {"required": False}, None),
    ("x" * 500, "reason", {}, "x" * 500),
])
def test_text_within_its_rule_comes_back_as_its_kind_keeps_it(app, value, field, options, expected):
    assert clean_text(value, field, 500, **options) == expected


@pytest.mark.parametrize("value, field, options, message", [
    (None, "reason", {}, "必填"),
    ("  ", "reason", {}, "必填"),
    (5, "reason", {}, "须为文字"),
    ("x" * 501, "reason", {}, "最多 500 个字符"),
    ("a\x00b", "reason", {}, "不能包含控制字符（U+0000）"),
    ("a\x1bb", "notes", {}, "不能包含控制字符（U+001B）"),
    ("A1\nB2", "model", {"required": False, "kind": "line"}, "不能包含换行符或制表符"),
    ("a\ud800", "note", {"required": False}, "不能包含无效的 Unicode 字符"),
    # noncharacters no XML may hold: one in a trip's purpose made the engineer's year workbook unreadable
    ("巡检\ufffe", "purpose", {}, "不能包含无效的 Unicode 字符"),
    ("张三\uffff", "display_name", {}, "不能包含无效的 Unicode 字符"),
    # Unicode's line and paragraph separators are line breaks: a name held one into a download's file name
    ("张\u2028三", "display_name", {}, "不能包含换行符或制表符"),
    ("A1\u2029B2", "model", {"required": False, "kind": "line"}, "不能包含换行符或制表符"),
])
def test_anything_else_is_422_on_the_field(app, value, field, options, message):
    with pytest.raises(Invalid) as refused:
        clean_text(value, field, 500, **options)
    assert refused.value.fields == {field: message}


@pytest.mark.parametrize("method, path, user, body, field", [
    ("POST", "/scores/2026-11/eng1/adjustments", "mgr", {"points": 1, "reason": "好\x07"}, "reason"),
    ("POST", "/scores/2026-11/eng1/veto", "mgr", {"reason": "\x1b[31m"}, "reason"),
    ("POST", "/trips", "eng1", {"date": "2026-11-18", "full_day": True, "purpose": "巡检\x01"}, "purpose"),
    ("POST", "/trips", "eng1", {"date": "2026-11-18", "full_day": True, "purpose": "巡检\ufffe"}, "purpose"),
])
def test_every_door_refuses_control_characters_the_same_way(app, api, team, method, path, user, body, field):
    response = api(method, path, user, json=body)
    assert response.status_code == 422, response.get_json()
    assert "字符" in response.get_json()["error"]["fields"][field]


def test_every_audited_table_has_a_label(app):
    """The audit log's record filter named seven tables by their raw names, in both languages."""
    from tracker.audit.services import record_types
    with app.app_context():
        raw = [name for name, label in record_types() if str(label) == name]
    assert raw == []
