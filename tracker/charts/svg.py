"""Small SVG charts: horizontal bars, vertical bars and lines. Pure: numbers in, markup out.

Every chart has a viewBox and no fixed width, so it scales to its container (a 375 px phone included); colours
are presentation attributes, never inline style or script, so the pages' Content-Security-Policy allows them.
"""

import unicodedata
from decimal import Decimal

from markupsafe import Markup, escape

COLOURS = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d")
DASHES = ("", "6 3", "2 3")


def _num(value):
    value = Decimal(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value != value.to_integral_value() else str(int(value))
    return text


def _svg(width, height, body, label):
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
                  f'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">'
                  f'<title>{escape(label)}</title>{body}</svg>')


def _text_width(text):
    """About how wide `text` is at font-size 12: a CJK character 12 px, another 7 px."""
    return sum(12 if unicodedata.east_asian_width(ch) in "WF" else 7 for ch in str(text))


def _fit(text, room):
    """`text` as it fits `room` px: shortened with an ellipsis when longer (form 9's 客户咨询、投诉处理及时性及有效性
    ran past the chart's left edge)."""
    text = str(text)
    if _text_width(text) <= room:
        return text
    while text and _text_width(text) + 12 > room:
        text = text[:-1]
    return text + "…"


def hbars(rows, label, *, scale_max=None, width=360, label_width=None, bar=16, gap=8):
    """Horizontal bars: rows of (label, value or None, max or None); a grey track shows the max when given, a value
    of None (nothing to show yet) no bar and "—". The labels'
    column is as wide as the longest label (96 to 180 px), so "Customer satisfaction" is not cut at the left; a
    longer label is shortened with an ellipsis, whole in its tooltip (and in the table beside the chart)."""
    if label_width is None:
        label_width = max(96, min(180, max([_text_width(r[0]) for r in rows] + [0]) + 8))
    scale_max = Decimal(scale_max or max([r[2] or r[1] or 0 for r in rows] + [1]))
    track = width - label_width - 70
    parts, y = [], 4
    for i, (name, value, maximum) in enumerate(rows):
        unknown = value is None
        value = Decimal(value or 0)
        if maximum is not None:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{track * Decimal(maximum) / scale_max:.1f}" '
                         f'height="{bar}" fill="#e9ecef"/>')
        length = max(Decimal(0), track * value / scale_max) if scale_max else 0
        if not unknown:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" '
                         f'fill="{COLOURS[i % len(COLOURS)] if maximum is None else COLOURS[0]}"/>')
        shown_name = _fit(name, label_width - 8)
        title = f"<title>{escape(name)}</title>" if shown_name != str(name) else ""
        parts.append(f'<text x="{label_width - 4}" y="{y + bar - 4}" text-anchor="end">{title}{escape(shown_name)}'
                     f'</text>')
        shown = ("—" if unknown else _num(value)) + (f"/{_num(maximum)}" if maximum is not None else "")
        parts.append(f'<text x="{label_width + track + 4}" y="{y + bar - 4}">{shown}</text>')
        y += bar + gap
    return _svg(width, max(y, 20), "".join(parts), label)


def vbars(columns, label, *, width=360, height=180):
    """Vertical bars: columns of (label, count)."""
    top = max([c[1] for c in columns] + [1])
    n = max(len(columns), 1)
    slot = (width - 20) / n
    plot = height - 36
    parts = [f'<line x1="10" y1="{plot + 14}" x2="{width - 10}" y2="{plot + 14}" stroke="#999"/>']
    for i, (name, count) in enumerate(columns):
        h = plot * count / top
        x = 10 + i * slot
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{plot + 14 - h:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="{COLOURS[0]}"/>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{plot + 10 - h:.1f}" text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(name)}</text>')
    return _svg(width, height, "".join(parts), label)


def lines(x_labels, series, label, *, width=360, height=200, y_max=100):
    """Lines over x_labels: series of (name, [value or None]); a gap where a value is missing."""
    # right: room for half the last label (2026-11), which is centred on its point
    left, right, top, bottom = 30, max(10, _text_width(x_labels[-1]) // 2 + 6) if x_labels else 10, 24, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([Decimal(y_max)] + [Decimal(v) for _n, values in series for v in values if v is not None])
    # a Q below 0 (attendance may take it there) is drawn above the labels, the axis starting below it
    low = min([Decimal(0)] + [Decimal(v) for _n, values in series for v in values if v is not None])
    step = plot_w / max(len(x_labels) - 1, 1)

    def y_of(v):
        return top + plot_h - plot_h * float((Decimal(v) - low) / (top_value - low))

    parts = []
    for tick in (0, 50, 100):
        if tick <= top_value:
            parts.append(f'<line x1="{left}" y1="{y_of(tick):.1f}" x2="{width - right}" y2="{y_of(tick):.1f}" '
                         f'stroke="#dee2e6"/><text x="{left - 4}" y="{y_of(tick) + 4:.1f}" text-anchor="end">'
                         f'{tick}</text>')
    for i, x_label in enumerate(x_labels):
        if (len(x_labels) - 1 - i) % 2 == 0 or len(x_labels) <= 6:  # every other one, the last (this month) too
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 6}" text-anchor="middle">'
                         f'{escape(x_label)}</text>')
    for k, (name, values) in enumerate(series):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        segment = []
        for i, value in enumerate(list(values) + [None]):
            if value is not None:
                segment.append(f"{left + i * step:.1f},{y_of(value):.1f}")
                parts.append(f'<circle cx="{left + i * step:.1f}" cy="{y_of(value):.1f}" r="2.5" fill="{colour}"/>')
            elif segment:
                dashed = f' stroke-dasharray="{dash}"' if dash else ""
                points = " ".join(segment)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>')
                segment = []
        parts.append(f'<rect x="{left + k * 70}" y="4" width="12" height="10" fill="{colour}"/>'
                     f'<text x="{left + k * 70 + 16}" y="13">{escape(name)}</text>')
    return _svg(width, height, "".join(parts), label)
