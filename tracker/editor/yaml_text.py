"""The editor's text of a template: YAML shown in the order its preset is written, read back without YAML's surprises
(aliases, type tags, numbers in other bases, dates), and the line a refusal's field is written on."""

import json
import re

import yaml
from flask_babel import gettext as _

from tracker import validation
from tracker.errors import Invalid

MAX_TEXT = 200_000  # characters of the text: twice what is stored (a stored template shown as YAML runs longer)


# the order the presets are written in: a template's name before its parts, a line's name before its description and
# its rule before the rule's parameters (a version is stored with its keys sorted, and read back so in the editor)
READING_ORDER = ("code", "name", "name_en", "version", "effective_from", "role", "form", "title", "position", "max",
                 "weight", "group", "description", "description_en", "composition", "readings", "topic", "topic_en",
                 "text", "text_en", "qualitative", "scale_max", "raters", "criteria", "adjustments", "grades",
                 "source", "rule", "applies", "period", "inputs", "params", "label", "label_en", "indicators")
_RANK = {key: n for n, key in enumerate(READING_ORDER)}
FLOW_WIDTH = 100  # a list or mapping without a mapping inside is written on one line when it fits, as the presets


class _Dumper(yaml.SafeDumper):
    """A template's YAML as the presets are written: keys in READING_ORDER, short lists and mappings on one line."""

    def represent_dict(self, data):
        ordered = dict(sorted(data.items(), key=lambda item: _RANK.get(item[0], len(_RANK))))
        return self.represent_mapping("tag:yaml.org,2002:map", ordered, flow_style=self._flow(data.values()))

    def represent_list(self, data):
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=self._flow(data))

    @staticmethod
    def _flow(values):
        values = list(values)
        inner = [item for value in values if isinstance(value, list) for item in value]
        return not any(isinstance(value, dict) for value in values + inner) and \
            not any(isinstance(item, list) for value in inner if isinstance(value, list) for item in value) and \
            len(json.dumps(values, ensure_ascii=False, default=str)) <= FLOW_WIDTH


_Dumper.add_representer(dict, _Dumper.represent_dict)
_Dumper.add_representer(list, _Dumper.represent_list)


def as_text(data):
    """A template dict as YAML for the editor's text box (keys in a readable order, Chinese as is)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


class _NoAliases(yaml.SafeLoader):
    """YAML without aliases (*name): a template needs none, and a few hundred bytes of nested aliases expand to
    millions of nodes (seconds of a worker) before any check could refuse them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, _("不接受 YAML 别名（*名称）"), self.peek_event().start_mark)
        event = self.peek_event()
        if getattr(event, "tag", None) not in (None, "!"):
            # a template is text, numbers, true/false, lists and mappings as written: a type tag (!!set [1],
            # !!timestamp x, !!bool x, !!map [1]) is refused, as a tag of its own (!foo) is (several were a 500)
            raise yaml.composer.ComposerError(None, None, _("不能使用 YAML 类型标签 %(tag)s", tag=event.tag.replace(
                "tag:yaml.org,2002:", "!!")), event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        """A key given twice is refused (YAML keeps the last one silently: a pasted `max: 5` under `max: 20`)."""
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                twice = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base class says so
                break
            if twice:
                raise yaml.constructor.ConstructorError(None, None, _("键 %(key)s 出现了两次", key=key),
                                                        key_node.start_mark)
        return super().construct_mapping(node, deep)


# YAML 1.1 reads 1:20 as the number 80 (base 60), 020 as 16 (octal), 0x14 as 20 and 1_0 as 10: in a template each
# is a typo or a surprise, left as text for the loader to refuse (a number was asked for)
_SEXAGESIMAL = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+"
                          r"|[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?|[0-9]*\.[0-9_]*_[0-9_]*)$")
# and a date (2026-12-01) stays text as well: a template holds months as text, and 2026-02-30 failed the parse;
# so does a lone "=" (YAML 1.1's "value" key, which no safe constructor reads: it was said to be a ! tag)
_AS_TEXT = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")
_NoAliases.yaml_implicit_resolvers = {
    first: ([("tag:yaml.org,2002:str", _SEXAGESIMAL)] if first in "-+0123456789" else [])
    + [(tag, pattern) for tag, pattern in resolvers if tag not in _AS_TEXT]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def parse_text(text):
    """The editor's YAML (or JSON) text -> dict; 422 on the field `body` when it is not a mapping."""
    if text is None or not text.strip():
        raise Invalid.field("body", _("请填写模板内容"))
    if len(text) > MAX_TEXT:
        raise Invalid.field("body", _("模板内容太长"))
    try:
        data = yaml.load(text, Loader=_NoAliases)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if (getattr(error, "problem", "") or "").startswith("found unexpected end of stream"):
            mark = getattr(error, "context_mark", None) or mark  # where the quote was opened, not the text's end
        where = _("第 %(line)s 行第 %(column)s 列", line=mark.line + 1, column=mark.column + 1) if mark else ""
        raise Invalid.field("body", _("不是有效的 YAML：%(where)s %(problem)s", where=where,
                                      problem=_yaml_problem(getattr(error, "problem", "") or "")),
                            line=mark.line + 1 if mark else None) from None
    except (RecursionError, ValueError):  # nesting deeper than the parser's stack; an integer of 4,300 digits
        raise Invalid.field("body", _("模板内容无法读取：嵌套太深或数字太长")) from None
    if not isinstance(data, dict):
        raise Invalid.field("body", _("模板须为键值映射（YAML 对象）"))
    bad = validation.first_bad_text(data)  # the same text rules as a JSON body: names without bidi controls
    if bad:
        raise Invalid.field("body", f"{bad[0]}: {bad[1]}")
    return data


def line_of(text, path):
    """The line (from 1) of the editor's text where the field a refusal names is written (body.indicators[4].params
    .per: that `per:`), or the nearest enclosing one written; None when the text is no YAML mapping."""
    try:
        node = yaml.compose(text, Loader=_NoAliases)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    line = None
    for step in re.findall(r"\[[^\]]*\]|[^.\[\]]+", path.removeprefix("body")):
        if isinstance(node, yaml.SequenceNode) and step.startswith("["):
            key = step[1:-1]
            items = [item for n, item in enumerate(node.value) if str(n) == key or _code_of(item) == key]
            found = items[0] if items else None
        elif isinstance(node, yaml.MappingNode) and not step.startswith("["):
            found = next((value for name, value in node.value if getattr(name, "value", None) == step), None)
            if found is not None:
                line = next(name for name, value in node.value if value is found).start_mark.line + 1
                node = found
                continue
        else:
            found = None
        if found is None:
            break
        node, line = found, found.start_mark.line + 1
    return line


def _code_of(node):
    """The `code:` of a composed mapping (a line named by its code: indicators[response]), or None."""
    if isinstance(node, yaml.MappingNode):
        return next((value.value for name, value in node.value if getattr(name, "value", None) == "code"
                     and isinstance(value, yaml.ScalarNode)), None)
    return None


def _yaml_problem(problem):
    """The parser's English problem in the reader's language, for the ones an edit commonly makes (the parser's own
    words otherwise)."""
    for start, said in ((("found character '\\t'",), _("用了 Tab 缩进：YAML 只能用空格缩进")),
                        (("expected <block end>", "expected <block mapping start>"), _("缩进没有对齐")),
                        (("mapping values are not allowed here",), _("此处不能有“键: 值”：冒号后须有空格，或缩进不对")),
                        (("could not find expected ':'",), _("缺少冒号“:”")),
                        (("found unexpected end of stream",), _("引号没有闭合")),
                        (("expected ',' or ']'", "expected ',' or '}'"), _("方括号或花括号没有闭合，或缺少逗号")),
                        (("could not determine a constructor for the tag 'tag:yaml.org,2002:merge'",),
                         _("不接受 YAML 合并键（<<）")),
                        (("could not determine a constructor for the tag", "found undefined tag handle"),
                         _("不能使用以 ! 开头的 YAML 标签")),
                        (("found unknown escape character", "expected escape sequence"),
                         _("双引号中的转义无效：反斜杠 \\ 后须为 n、t、\\、\" 等；或改用单引号")),
                        (("expected the node content",), _("此处缺少内容：多了逗号、冒号或括号？")),
                        (("but found another document",), _("只能有一个 YAML 文档：请删去 --- 分隔线"))):
        if problem.startswith(start):
            return said
    return problem
