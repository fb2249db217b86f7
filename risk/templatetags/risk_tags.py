"""Small pieces of the classification pages: a class badge, and the charts drawn on the
server as SVG (no script, no CDN, no style attribute: the Content Security Policy refuses
inline styles, and SVG geometry is attributes; the colours are classes of static/css/risk.css).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from risk import rules

register = template.Library()


def _num(value: float) -> str:
    """A coordinate with at most two decimals ("12.5", "0")."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


@register.simple_tag
def risk_badge(risk_class: str, big: bool = False) -> SafeString:
    """The class as the register shows it (a coloured square)."""
    if risk_class not in rules.CLASSES:
        return format_html('<span class="muted">{}</span>', "—")
    size = " risk--big" if big else ""
    return format_html(
        '<span class="risk risk--{}{}" title="{}">{}</span>',
        risk_class,
        size,
        _("Class %(c)s") % {"c": risk_class},
        risk_class,
    )


@register.simple_tag
def class_bar(shares: Sequence[tuple[str, int, float]], label: str = "") -> SafeString:
    """A stacked bar of the classes' shares ((class, count, percent) in class order), 100
    units wide, stretched to its box."""
    x = 0.0
    parts = []
    for risk_class, count, percent in shares:
        if not count:
            continue
        parts.append(
            format_html(
                '<rect class="bar-{}" x="{}" y="0" width="{}" height="10">'
                "<title>{}: {} ({}%)</title></rect>",
                risk_class,
                _num(x),
                _num(percent),
                risk_class,
                count,
                f"{percent:.1f}",
            )
        )
        x += percent
    if not parts:
        parts.append(
            mark_safe('<rect class="bar-empty" x="0" y="0" width="100" height="10"></rect>')
        )
    return format_html(
        '<svg class="classbar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        'aria-label="{}">{}</svg>',
        label or _("Share of each class"),
        mark_safe("".join(parts)),
    )


@register.simple_tag
def contribution_bar(points: Decimal | int, scale: Decimal | int) -> SafeString:
    """One indicator's contribution as a bar from the middle: to the right when it adds
    points, to the left when it takes some away; `scale` is the largest magnitude shown."""
    value = float(points)
    top = float(scale) or 1.0
    width = min(50.0, 50.0 * abs(value) / top)
    x = 50.0 if value >= 0 else 50.0 - width
    tone = "plus" if value > 0 else "minus" if value < 0 else "zero"
    return format_html(
        '<svg class="contribbar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">'
        '<rect class="contribbar__track" x="0" y="0" width="100" height="8"></rect>'
        '<rect class="contribbar__{}" x="{}" y="0" width="{}" height="8"></rect>'
        '<line class="contribbar__axis" x1="50" y1="0" x2="50" y2="8"></line></svg>',
        tone,
        _num(x),
        _num(width),
    )


@register.simple_tag
def trend_chart(points: Sequence[Any]) -> SafeString:
    """The class shares over the runs: one stacked column per run (its `counts.shares`), the
    run's date under every few columns, the share on the left. `points` are
    `risk.selectors.distribution.TrendPoint`."""
    n = len(points)
    if not n:
        return mark_safe("")
    width, height, bottom, left, top = 640.0, 210.0, 24.0, 44.0, 12.0
    plot = height - bottom - top
    step = (width - left) / n
    gap = min(6.0, step * 0.25)
    every = max(1, (n + 7) // 8)  # at most about 8 dates under the columns
    columns = []
    for i, point in enumerate(points):
        x = left + i * step + gap / 2
        y = top + plot
        for risk_class, count, percent in point.counts.shares:
            if not count:
                continue
            h = plot * percent / 100
            y -= h
            columns.append(
                format_html(
                    '<rect class="bar-{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{} · {}: {} ({}%)</title></rect>",
                    risk_class,
                    _num(x),
                    _num(y),
                    _num(step - gap),
                    _num(h),
                    point.counts.label,
                    risk_class,
                    count,
                    f"{percent:.1f}",
                )
            )
        if i % every == 0 or i == n - 1:
            label = point.counts.label
            columns.append(
                format_html(
                    '<text class="trend__label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _num(x + (step - gap) / 2),
                    _num(height - 8),
                    label[5:] if len(label) == 10 else label,  # 2026-12-08: 12-08
                )
            )
    grid = format_html_join(
        "",
        '<line class="trend__grid" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
        '<text class="trend__label" x="{}" y="{}" text-anchor="end">{}%</text>',
        (
            (
                _num(left),
                _num(top + plot * k / 4),
                _num(width),
                _num(top + plot * k / 4),
                _num(left - 6),
                _num(top + plot * k / 4 + 4),
                100 - 25 * k,
            )
            for k in range(5)
        ),
    )
    return format_html(
        '<svg class="trend" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}</svg>',
        _num(width),
        _num(height),
        _("Share of each class after each run"),
        grid,
        mark_safe("".join(columns)),
    )


@register.filter
def percent_of(count: int, total: int) -> str:
    """count / total as a percent with one decimal ("12.5"); "0.0" for no total."""
    return f"{(100.0 * count / total) if total else 0.0:.1f}"


@register.filter
def class_count(counts: dict[str, int], risk_class: str) -> int:
    return int(counts.get(risk_class, 0))
