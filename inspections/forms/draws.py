"""Forms of the draw pages (issue 17 §2, §3). They check the shape of the input only; the rules
(plans approved, ratios, enough inspectors, a second outside value, a reveal before every
inspection is published...) are `inspections.services.draws`', whose errors the views put back
on the form (`credit_portal.forms.form_errors_from`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.models import Draw, Exclusion, SamplingPlan

# The days a pool may be previewed as of (the years the draw pages take: `views.draws._year_of`).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def _day_in_range(day: dt.date | None) -> dt.date | None:
    """A pool's day within the years the draw pages take: the pools' arithmetic (an
    observation year back, frequencies ahead) overflows near the calendar's ends (a 500 for
    ?as_of=0001-01-01 on the preview; a commit job that can only fail)."""
    if day is not None and not (FIRST_DAY <= day <= LAST_DAY):
        raise forms.ValidationError(
            _("Choose a day between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return day


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class _PlanChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        kind = f" · {obj.get_kind_display()}" if obj.kind == SamplingPlan.Kind.CONTROL else ""
        return f"{obj.code} {obj.name}{kind}"


class DrawCommitForm(forms.Form):
    """A new draw (DRAW 1): the approved plans of one year, a title, the day the pools are
    frozen as of, and the outside randomness that will be mixed in later."""

    plans = _PlanChoiceField(
        label=_("Plans"),
        queryset=SamplingPlan.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Approved plans of the year. An entity drawn by several plans gets one visit "
            "with the items of each."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    as_of = forms.DateField(
        label=_("Pools as of"),
        widget=_DateInput(),
        help_text=_("The register and the exclusions as they stand on this day are frozen."),
    )
    outside_source = forms.CharField(
        label=_("Outside randomness to be used"),
        max_length=300,
        help_text=_(
            "Named now, recorded later: for example the welfare lottery's draw of a given "
            "date, or the dice rolled by witnesses at the ceremony."
        ),
    )
    is_control = forms.BooleanField(
        label=_("Control draw"),
        required=False,
        help_text=_(
            "Draws low-risk firms from control plans, to measure whether the classes predict."
        ),
    )

    def clean_as_of(self) -> dt.date | None:
        return _day_in_range(self.cleaned_data.get("as_of"))

    def __init__(self, *args: Any, plans: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans_field = self.fields["plans"]
        assert isinstance(plans_field, forms.ModelMultipleChoiceField)  # noqa: S101
        if plans is not None:
            plans_field.queryset = plans


class OutsideValueForm(forms.Form):
    """The outside value, once it exists (DRAW 2); `version` is the draw's as the page read it."""

    value = forms.CharField(
        label=_("Outside value"),
        max_length=Draw._meta.get_field("outside_value").max_length,
        help_text=_("Exactly as published by its source (digits, separators and all)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RedrawForm(forms.Form):
    """A redraw (DRAW 5): a new draw linked to this one, which stays visible; a reason always."""

    reason = forms.CharField(
        label=_("Reason for the redraw"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Published with both draws."),
    )
    title = forms.CharField(label=_("Title of the new draw"), max_length=200)
    as_of = forms.DateField(label=_("Pools as of"), widget=_DateInput())
    outside_source = forms.CharField(label=_("Outside randomness to be used"), max_length=300)

    def clean_as_of(self) -> dt.date | None:
        return _day_in_range(self.cleaned_data.get("as_of"))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the draw is made again."))
        return reason


class ExclusionFilterForm(forms.Form):
    """The pool preview's list of excluded entities, by rule."""

    rule = forms.ChoiceField(
        label=_("Rule"),
        required=False,
        choices=[("", _("Every rule")), *Exclusion.Rule.choices],
    )
    as_of = forms.DateField(label=_("As of"), required=False, widget=_DateInput())

    def clean_as_of(self) -> dt.date | None:
        return _day_in_range(self.cleaned_data.get("as_of"))
