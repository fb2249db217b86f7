"""Forms of the abnormal directory and its buffer (docs/domain.md §3): the staff lists'
filters, listing an entity (reasons 2-4), removal after verification, and the enterprise's
credit pledge. Shape only; the rules are the services' (`remediation.services.directory`),
whose errors `form_errors_from` puts back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from remediation.models import DirectoryCase

Reason = DirectoryCase.Reason
State = DirectoryCase.State
Removal = DirectoryCase.Removal

# The states the directory page lists (the buffer's have a page of their own).
DIRECTORY_STATES = (
    State.LISTED,
    State.REMOVED,
    State.REVOKED,
    State.MOVED_SERIOUS,
    State.CLOSED_NO_LISTING,
)
# Staff remove after verification with these codes (6 is the serious list's move, made by the
# daily job; docs/domain.md §3).
STAFF_REMOVAL_CODES = (
    Removal.REPORTS_FILED,
    Removal.DISCLOSED,
    Removal.CORRECTED,
    Removal.ADDRESS_CHANGED,
    Removal.REACHABLE,
    Removal.CLOSED_ENTITY,
)
# What became of a case that entered the buffer (`remediation.selectors.figures.BUFFER_OUTCOMES`).
BUFFER_CHOICES = [
    ("filed_in_time", _("Filed in time, never listed")),
    ("listed", _("Listed when the deadline passed")),
    ("pending", _("Still in the buffer")),
    ("closed_other", _("Closed: the entity ceased")),
]
# Staff list for reasons 2-4 (reason 1 is the deadline run's).
STAFF_LISTING_REASONS = (Reason.NOT_DISCLOSED, Reason.FALSE_INFORMATION, Reason.UNREACHABLE)


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class _Filters(forms.Form):
    q = forms.CharField(label=_("Credit code or name"), required=False, max_length=100, strip=True)
    year = forms.IntegerField(
        label=_("Report year"), required=False, min_value=2000, max_value=2100
    )
    division = forms.ChoiceField(label=_("Street or town"), required=False, choices=())

    def __init__(self, *args: Any, divisions: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = _blank(_("All streets")) + [  # type: ignore[attr-defined]
            (d, d) for d in divisions or []
        ]


class DirectoryFilterForm(_Filters):
    """The directory page's filters: reason, state, report year, IB marks or enterprise
    listings, street, and a code or name."""

    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=_blank(_("All reasons")) + Reason.choices
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=_blank(_("All states")) + [(s.value, s.label) for s in DIRECTORY_STATES],
    )
    kind = forms.ChoiceField(
        label=_("Listings or marks"),
        required=False,
        choices=[
            ("", _("Listings and marks")),
            ("enterprise", _("Enterprise listings")),
            ("individual", _("Individual businesses' marks (△)")),
        ],
    )
    cured = forms.BooleanField(label=_("Cured, removal due"), required=False)
    deferred_year = forms.IntegerField(
        label=_("Year entered the buffer"), required=False, min_value=2000, max_value=2100
    )
    buffer = forms.ChoiceField(
        label=_("What became of the buffer case"),
        required=False,
        choices=_blank(_("Anything")) + BUFFER_CHOICES,
    )
    removed_year = forms.IntegerField(
        label=_("Year removed"), required=False, min_value=2000, max_value=2100
    )
    removal = forms.ChoiceField(
        label=_("Removal reason"),
        required=False,
        choices=_blank(_("Any removal"))
        + [(c.value, c.label) for c in Removal]
        + [("repair", _("On a credit repair application"))],
    )
    cured_year = forms.IntegerField(
        label=_("Year the cause was cured"), required=False, min_value=2000, max_value=2100
    )

    FILTERS = (
        "q",
        "reason",
        "state",
        "year",
        "kind",
        "division",
        "cured",
        "deferred_year",
        "buffer",
        "removed_year",
        "removal",
        "cured_year",
    )


class PendingFilterForm(_Filters):
    """The buffer page's filters."""

    pledged = forms.ChoiceField(
        label=_("Credit pledge"),
        required=False,
        choices=[
            ("", pgettext_lazy("pledge filter", "Any")),
            ("yes", _("Pledge given")),
            ("no", _("No pledge")),
        ],
    )
    overdue = forms.BooleanField(label=_("Buffer deadline passed"), required=False)

    FILTERS = ("q", "year", "division", "pledged", "overdue")


class DirectoryListForm(forms.Form):
    """Listing an entity for reasons 2-4 (an individual business is marked): the entity by its
    credit code (the view finds it in the user's jurisdiction), the reason, the facts found and
    the day they were verified."""

    enterprise_uscc = forms.CharField(
        label=_("Credit code of the market entity"),
        max_length=30,
        help_text=_("18 characters; search by name above to find it."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(r.value, r.label) for r in STAFF_LISTING_REASONS],
        widget=forms.RadioSelect,
    )
    order = forms.IntegerField(
        label=_("Order to disclose (no.)"),
        required=False,
        min_value=1,
        help_text=_(
            "Reason 2 only: the number of the order to disclose that was not complied with."
        ),
    )
    source = forms.ChoiceField(
        label=_("Found by"),
        choices=[
            (DirectoryCase.Source.INSPECTION, DirectoryCase.Source.INSPECTION.label),
            (DirectoryCase.Source.STAFF, DirectoryCase.Source.STAFF.label),
        ],
        initial=DirectoryCase.Source.INSPECTION,
    )
    facts = forms.CharField(
        label=_("Facts found"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What was verified, how and by whom: e.g. two visits to the registered address, "
            "the letters returned, the phone numbers tried."
        ),
    )
    verified_on = forms.DateField(
        label=_("Verified on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The listing is due within 10 working days of this day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "verified_on" not in self.initial:
            self.initial["verified_on"] = timezone.localdate()


class DirectoryRemoveForm(forms.Form):
    """Removal after verification (removal codes 1-5 and 7), with the officer's reasons."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    code = forms.ChoiceField(
        label=_("Removal reason"),
        choices=_blank(_("Choose the reason")) + [(c.value, c.label) for c in STAFF_REMOVAL_CODES],
    )
    reasons = forms.CharField(
        label=_("What was verified"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The evidence checked: the reports filed, the registration changed, the visit."
        ),
    )

    def __init__(self, *args: Any, reason: str = "", **kwargs: Any) -> None:
        """`reason`: the case's; only the codes that cure it are offered (docs/domain.md §3)."""
        super().__init__(*args, **kwargs)
        if reason:
            from remediation.services.directory import REMOVAL_CODES_BY_REASON

            allowed = set(REMOVAL_CODES_BY_REASON.get(reason, ()))
            self.fields["code"].choices = _blank(_("Choose the reason")) + [  # type: ignore[attr-defined]
                (c.value, c.label) for c in STAFF_REMOVAL_CODES if c.value in allowed
            ]


class PledgeForm(forms.Form):
    """The enterprise's credit pledge while pending listing (守信承诺)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label=_("Your pledge"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    confirm = forms.BooleanField(
        label=_("I act for the enterprise and give this pledge on its behalf."),
        error_messages={"required": _("Confirm that you give the pledge for the enterprise.")},
    )


def pledge_text_default(*, enterprise_name: str, year: int | None) -> str:
    """The pledge's usual words (the enterprise may change them)."""
    report = f"{year}年度报告" if year else "年度报告"
    return (
        f"本单位（{enterprise_name}）承诺：在缓冲期届满前补报并公示{report}，"
        "对所报信息的真实性、准确性、完整性负责；如违背承诺，自愿接受列入经营异常名录等信用惩戒。"
    )
