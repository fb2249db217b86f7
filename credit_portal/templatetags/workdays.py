"""`{{ deadline|deadline_display }}`: a deadline as pages show it, marked when provisional.

    {% load workdays %}
    {{ deadline|deadline_display }}            2027-01-20（暂定） / 20 January 2027 (provisional)
    {{ deadline|deadline_display:"Y-m-d" }}    the date in that format, in either language

A `credit_portal.workdays.Deadline` whose `provisional` is set was counted across a year whose
holiday schedule is not known (docs/domain.md §0 "Working days"): it is printed with the mark and
a title that says why. A plain date prints as a date, None as nothing. The date is in a
`<time datetime="YYYY-MM-DD">` element; Chinese pages write it YYYY-MM-DD, as the portal's
tables do, English ones as the English date format (credit_portal.formats.en).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format_with
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from credit_portal.workdays import Deadline

register = template.Library()


def _day_text(day: dt.date, fmt: str) -> str:
    if fmt:
        return str(date_format_with(day, fmt))
    if (get_language() or "").startswith("zh"):
        return day.isoformat()
    return date_format(day, "DATE_FORMAT")


@register.filter
def deadline_display(value: Any, fmt: str = "") -> SafeString | str:
    """The deadline (or date) as HTML, with the provisional mark and its reason when it has
    one; `fmt` a date format (Django's `date` filter) to use instead of the language's."""
    if value is None or value == "":
        return ""
    provisional = isinstance(value, Deadline) and value.provisional
    day = value.day if isinstance(value, Deadline) else value
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    if not isinstance(day, dt.date):
        return ""
    text = _day_text(day, fmt)
    if not provisional:
        return format_html('<time datetime="{}">{}</time>', day.isoformat(), text)
    return format_html(
        '<time class="deadline deadline--provisional" datetime="{}" title="{}">{}</time>',
        day.isoformat(),
        _(
            "Provisional: the holiday schedule of a year this period runs through is not "
            "entered yet, so the date was counted on the weekends alone and may still change."
        ),
        _("%(day)s (provisional)") % {"day": text},
    )
