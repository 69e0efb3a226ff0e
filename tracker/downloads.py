"""How a download is named: its own name as RFC 5987 `filename*` (Chinese kept) and, for clients that read only
the plain `filename` (curl -OJ, mail gateways, some download managers), an ASCII one chosen by the caller. The one
the framework derives drops every other character (工单导入模板.xlsx became ".xlsx", a hidden file; a scan's
canonical name 20261015旗滨玻璃1号机常规保养.pdf became "202610151.pdf")."""

from urllib.parse import quote


def disposition(name, fallback, attachment=True):
    """The Content-Disposition header of a file called `name`; `fallback` (ASCII) is its plain name when `name`
    is not ASCII itself."""
    plain = "".join(c for c in (name if name.isascii() else fallback) if c.isprintable() and c not in '"\\')
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
