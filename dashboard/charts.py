"""Server-side SVG charts of the dashboard (issue 18 §1: "charts people read at a glance, served
from the project's own static files, readable in Chinese and English, printable").

Each chart is drawn here, in Python, as markup the page embeds: no script, no CDN, nothing the
Content Security Policy refuses (no ``style`` attribute: colours and fonts come from classes in
``static/dashboard/dashboard.css``; lengths are SVG geometry attributes). Every chart is an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says what it shows in words, and
prints its numbers beside the marks, so it reads without colour and on paper. Labels are passed
in already translated (the caller's `gettext`); every text is escaped here.

- `bar_chart`: horizontal bars, one per category, the value (and a share) printed beside each,
  each bar a link to the list behind it.
- `stacked_bar`: one bar split into parts (a funnel: entered → filed in time / listed /
  pending), with a legend that prints each part's count and share.
- `line_chart`: a trend, one line per series over a few points (months), the last value printed
  at the end of each line.
- `transition_table`: a from × to table (HTML, not SVG: a table is what screen readers and
  printers read best) with cells shaded by count, moves up and down told apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 540  # the viewBox's width; the SVG scales to its box (width 100 %)
ROW = 30  # one bar's row
LABEL_W = 170  # the label column of a bar chart
VALUE_W = 90  # at least this room for the printed value after the longest bar


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    url: str | None = None
    tone: str = ""  # a CSS modifier: A, B, C, D, X, ok, bad, warn, muted, control …
    note: str = ""  # printed after the value (e.g. "12.5 %")
    text: str = ""  # printed instead of the value and unit (e.g. a share: "12.5%")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int | None]
    tone: str = ""


def _number(n: float | int) -> str:
    return f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"


def percent(part: float, whole: float) -> str:
    """A share as printed beside a bar ("12.5%"; "–" of nothing)."""
    return f"{100.0 * part / whole:.1f}%" if whole else "–"


def _head(chart_id: str, title: str, desc: str, height: int, css: str) -> str:
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="{}-t {}-d" preserveAspectRatio="xMinYMin meet">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
        css,
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        desc,
    )


def _link(url: str | None, inner: str, label: str) -> str:
    if not url:
        return inner
    return format_html(
        '<a href="{}" class="chart__link" aria-label="{}">{}</a>', url, label, mark_safe(inner)
    )


def _text_width(text: str, size: float = 13) -> float:
    """The width a text takes in the chart's font, estimated: an ideograph (or a full-width
    sign) one em, a Latin letter or digit a little over half of one."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def _clip(text: str, room: float = LABEL_W - 12) -> str:
    """A label short enough for the label column (the full text stays in the link's name and
    the bar's tooltip)."""
    if _text_width(text) <= room:
        return text
    while text and _text_width(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _bar_text(bar: Bar, unit: str) -> str:
    value = bar.text or (_number(bar.value) + (f" {unit}" if unit else ""))
    return f"{value} · {bar.note}" if bar.note else value


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    unit: str = "",
    scale_to: float | None = None,
) -> SafeString:
    """Horizontal bars, longest = the largest value (or `scale_to`); value, unit and note printed
    after each bar."""
    top = max([scale_to or 0, *(b.value for b in bars)]) or 1
    height = max(1, len(bars)) * ROW + 8
    texts = [_bar_text(b, unit) for b in bars]
    # The longest bar ends where its printed value still fits inside the chart.
    room = max([VALUE_W, *(_text_width(t) + 12 for t in texts)])
    span = max(80, WIDTH - LABEL_W - room)
    parts = [_head(chart_id, title, desc, height, "chart--bars")]
    if not bars:
        parts.append(format_html('<text class="chart__empty" x="0" y="20">{}</text>', _("No data")))
    for i, bar in enumerate(bars):
        y = 4 + i * ROW
        width = round(span * bar.value / top, 1) if bar.value else 0
        value = texts[i]
        full = f"{bar.label}: {value}"
        row = format_html(
            '<g class="chart__row">'
            '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect class="chart__track" x="{}" y="{}" width="{}" height="{}"></rect>'
            '<rect class="chart__bar chart__bar--{}" x="{}" y="{}" width="{}" height="{}">'
            "<title>{}</title></rect>"
            '<text class="chart__value" x="{}" y="{}">{}</text></g>',
            LABEL_W - 8,
            y + 19,
            _clip(bar.label),
            LABEL_W,
            y + 6,
            span,
            ROW - 12,
            bar.tone or "default",
            LABEL_W,
            y + 4,
            width,
            ROW - 8,
            full,
            LABEL_W + width + 6,
            y + 19,
            value,
        )
        parts.append(_link(bar.url, row, full))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through format_html


def stacked_bar(
    *,
    chart_id: str,
    title: str,
    desc: str,
    parts: Sequence[Bar],
    total: int | None = None,
    unit: str = "",
) -> SafeString:
    """One bar split into `parts` (widths by share of `total`, default their sum), then a legend
    row per part: swatch, label, count and share."""
    whole: float = total if total is not None else sum((p.value for p in parts), 0.0)
    legend_top = 48
    height = legend_top + max(1, len(parts)) * 24 + 4
    out = [_head(chart_id, title, desc, height, "chart--stacked")]
    out.append(
        format_html('<rect class="chart__track" x="0" y="8" width="{}" height="28"></rect>', WIDTH)
    )
    x = 0.0
    for part in parts:
        if not part.value or not whole:
            continue
        width = WIDTH * part.value / whole
        out.append(
            format_html(
                '<rect class="chart__bar chart__bar--{}" x="{}" y="8" width="{}" height="28">'
                "<title>{}: {}</title></rect>",
                part.tone or "default",
                f"{x:.1f}",
                f"{width:.1f}",
                part.label,
                _number(part.value),
            )
        )
        if width > 44:
            out.append(
                format_html(
                    '<text class="chart__inbar" x="{}" y="27" text-anchor="middle">{}</text>',
                    f"{x + width / 2:.1f}",
                    percent(part.value, whole),
                )
            )
        x += width
    for i, part in enumerate(parts):
        y = legend_top + i * 24
        value = _number(part.value) + (f" {unit}" if unit else "")
        full = f"{part.label}: {value} ({percent(part.value, whole)})"
        row = format_html(
            '<g class="chart__row"><rect class="chart__bar chart__bar--{}" x="0" y="{}" '
            'width="14" height="14"></rect>'
            '<text class="chart__label" x="22" y="{}">{}</text>'
            '<text class="chart__value" x="{}" y="{}" text-anchor="end">{} · {}</text></g>',
            part.tone or "default",
            y,
            y + 12,
            part.label,
            WIDTH,
            y + 12,
            value,
            percent(part.value, whole),
        )
        out.append(_link(part.url, row, full))
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above went through format_html


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
) -> SafeString:
    """Lines over `x_labels` (a None value: no point that month), a few horizontal grid lines
    with their values, the last value of each line printed at its end."""
    left, right, top_pad, bottom = 56, 110, 12, 28
    plot_h = 200
    height = top_pad + plot_h + bottom
    values = [v for s in series for v in s.values if v is not None]
    top = max(values, default=0) or 1
    step = (WIDTH - left - right) / max(1, len(x_labels) - 1)

    def y_of(v: float) -> float:
        return top_pad + plot_h - plot_h * v / top

    out = [_head(chart_id, title, desc, height, "chart--line")]
    for i in range(5):
        v = top * i / 4
        y = y_of(v)
        out.append(
            format_html(
                '<line class="chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
                '<text class="chart__axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                WIDTH - right,
                f"{y:.1f}",
                f"{y:.1f}",
                left - 6,
                f"{y + 4:.1f}",
                _number(round(v)),
            )
        )
    for i, label in enumerate(x_labels):
        out.append(
            format_html(
                '<text class="chart__axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                f"{left + i * step:.1f}",
                height - 8,
                label,
            )
        )
    if not values:
        out.append(
            format_html(
                '<text class="chart__empty" x="{}" y="{}">{}</text>',
                left + 8,
                top_pad + plot_h / 2,
                _("No data"),
            )
        )
    ends: list[tuple[float, str, str]] = []
    for s in series:
        points = [(left + i * step, y_of(v)) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(
            format_html(
                '<polyline class="chart__line chart__line--{}" points="{}"><title>{}</title>'
                "</polyline>",
                s.tone or "default",
                path,
                s.label,
            )
        )
        for (x, y), v in zip(points, [v for v in s.values if v is not None], strict=True):
            out.append(
                format_html(
                    '<circle class="chart__dot chart__dot--{}" cx="{}" cy="{}" r="3">'
                    "<title>{}: {}</title></circle>",
                    s.tone or "default",
                    f"{x:.1f}",
                    f"{y:.1f}",
                    s.label,
                    _number(v),
                )
            )
        last = [v for v in s.values if v is not None][-1]
        ends.append((points[-1][1], s.tone, f"{s.label} {_number(last)}{unit}"))
    # End labels, moved apart so that they never overlap.
    placed: list[float] = []
    for y, tone, text in sorted(ends):
        y = max(y + 4, (placed[-1] + 14) if placed else y + 4)
        placed.append(y)
        out.append(
            format_html(
                '<text class="chart__end chart__end--{}" x="{}" y="{}">{}</text>',
                tone or "default",
                WIDTH - right + 8,
                f"{y:.1f}",
                text,
            )
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above went through format_html


def transition_table(
    *,
    table_id: str,
    caption: str,
    axis: Sequence[tuple[str, str]],
    cells: Mapping[tuple[str, str], int],
    row_head: str,
    col_head: str,
) -> SafeString:
    """A from × to table: a row per class before, a column per class after; each cell's count
    printed and its shade (``shade-0`` … ``shade-5``, by share of the largest off-diagonal
    cell; the diagonal, who stayed, in its own muted tone) and direction (up: a higher-risk
    class, down: a lower one) as classes."""
    keys = [k for k, _label in axis]
    order = {k: i for i, k in enumerate(keys)}
    off = [n for (f, t), n in cells.items() if f != t and n]
    top = max(off, default=0) or 1
    head = "".join(format_html('<th scope="col" class="num">{}</th>', label) for _k, label in axis)
    rows = []
    for f, f_label in axis:
        tds = []
        for t, _t_label in axis:
            n = int(cells.get((f, t), 0))
            if f == t:
                kind, shade = "same", 0
            else:
                edge = "-" in (f, t)
                kind = "edge" if edge else ("up" if order[t] > order[f] else "down")
                shade = 0 if not n else min(5, 1 + int(4 * n / top))
            tds.append(
                format_html(
                    '<td class="num tt tt--{} shade-{}" data-from="{}" data-to="{}">{}</td>',
                    kind,
                    shade,
                    f,
                    t,
                    _number(n) if n else "·",
                )
            )
        rows.append(
            format_html('<tr><th scope="row">{}</th>{}</tr>', f_label, mark_safe("".join(tds)))
        )
    html = format_html(
        '<div class="table-wrap"><table class="data compact transitions" id="{}">'
        '<caption class="sr-only">{}</caption><thead><tr>'
        '<th scope="col" class="tt-corner">{} ↓ · {} →</th>{}</tr></thead>'
        "<tbody>{}</tbody></table></div>",
        table_id,
        caption,
        row_head,
        col_head,
        mark_safe(head),
        mark_safe("".join(rows)),
    )
    return html


def as_int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
