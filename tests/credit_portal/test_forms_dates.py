"""Helpers the apps share: a service's errors put on a form, calendar arithmetic."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from credit_portal.dates import add_months, add_years
from credit_portal.forms import form_errors_from


class _Form(forms.Form):
    name = forms.CharField(required=False)
    password1 = forms.CharField(required=False)


def _bound() -> _Form:
    form = _Form({"name": "x", "password1": "y"})
    assert form.is_valid()
    return form


def test_errors_go_to_their_fields_through_aliases_the_rest_to_the_top():
    form = _bound()
    exc = ValidationError(
        {
            "name": [ValidationError("Too long.", code="max_length")],
            "password": ["Too common."],
            "industry_section": ["Unknown section."],
            NON_FIELD_ERRORS: ["Not allowed here."],
        }
    )
    form_errors_from(form, exc, aliases={"password": "password1"})
    assert form.errors == {
        "name": ["Too long."],
        "password1": ["Too common."],
        NON_FIELD_ERRORS: ["Unknown section.", "Not allowed here."],
    }
    assert form.has_error("name", code="max_length")  # codes are kept
    assert "name" not in form.cleaned_data


def test_an_error_without_fields_goes_to_the_top_with_its_parameters():
    form = _bound()
    form_errors_from(form, ValidationError("Version %(v)d is old.", params={"v": 3}))
    assert form.non_field_errors() == ["Version 3 is old."]


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 8, 15), 6) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
