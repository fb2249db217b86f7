"""The dashboard's filter: a year and a street (the page and the API check the same limits)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FIRST_YEAR = 2000  # the earliest year the register can hold figures for


def last_year() -> int:
    """The latest year one may ask for: next year (plans are set ahead)."""
    return timezone.localdate().year + 1


class DashboardFilterForm(forms.Form):
    """`year` (FIRST_YEAR to next year; default this year) and `street` ("" = every street).
    Shape only: a year with no figures is valid and shows zeros."""

    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        error_messages={"invalid": _("Enter the year as four digits, e.g. 2026.")},
    )
    street = forms.CharField(label=_("Street or town"), required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs.update({"inputmode": "numeric"})

    def clean_year(self) -> int:
        year = self.cleaned_data.get("year")
        if year is None:
            return timezone.localdate().year
        if not FIRST_YEAR <= year <= last_year():
            raise forms.ValidationError(
                _("Choose a year from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": last_year()},
                code="out_of_range",
            )
        return int(year)

    def clean_street(self) -> str:
        return (self.cleaned_data.get("street") or "").strip()
