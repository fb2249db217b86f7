"""Forms of annual reports (docs/domain.md §4): shape only. Every figure is taken as text and
checked by the service (`annual_reports.services.reports.report_data_cleaned`), whose errors
`form_errors_from` puts back on the form, so that each message is the rule's own, in the user's
language. The list items (investments, contributions, equity transfers, websites, licences)
are rows of inputs named ``<item>-<n>-<key>``: the rows given plus a few empty ones; saving the
draft adds more (no script needed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from annual_reports import rules
from annual_reports.models import AnnualReport
from annual_reports.selectors.reports import (
    LIST_KEY_LABELS,
    WEBSITE_KINDS,
    field_label,
    form_fields,
    form_items,
)
from enterprises.models import Enterprise

EMPTY_ROWS = 2
NUMBER_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}
HELP = {
    "headcount": _("People employed at the end of the year."),
    "total_assets": _("In CNY 10,000 (万元), e.g. 125.50 for CNY 1,255,000."),
    "owners_equity": _("May be negative."),
    "total_profit": _("May be negative (a loss)."),
    "net_profit": _("May be negative (a loss)."),
    "main_revenue": _("Not more than the total revenue."),
    "postcode": _("Six digits."),
    "phone": _("A mobile number, or a fixed line with its area code."),
}


@dataclass
class ListInput:
    """One input of a row of a list item."""

    key: str
    label: str
    name: str
    value: str
    kind: str
    choices: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ListItem:
    """A list item as the form shows it: its label, the keys' labels and the rows of inputs."""

    name: str
    label: str
    headers: list[str]
    rows: list[list[ListInput]]
    count_name: str


def _input_kind(kind: str) -> str:
    if kind == "date":
        return "date"
    if kind in ("money", "percent"):
        return "number"
    if kind == "url":
        return "url"
    if kind.startswith("choice:"):
        return "select"
    return "text"


class ReportForm(forms.Form):
    """The report for one form (enterprise or simplified individual business): the fields of
    its items, the rows of its list items, the version read and, for a correction, what was
    corrected and why."""

    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any = None,
        *,
        form_kind: str,
        initial: dict[str, Any] | None = None,
        correction: bool = False,
    ) -> None:
        super().__init__(data, initial=initial)
        self.form_kind = form_kind
        self.correction = correction
        values = initial or {}
        for name in form_fields(form_kind):
            label = field_label(name)
            if name in rules.LIST_ITEMS:
                # An anchor for the service's errors of the list; the rows are read below.
                self.fields[name] = forms.CharField(
                    label=label, required=False, widget=forms.HiddenInput
                )
            elif name == "operating_status":
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    choices=AnnualReport.OperatingStatus.choices,
                    widget=forms.RadioSelect,
                    required=False,
                )
            elif name in ("publish_financials", "publish"):
                if name == "publish":
                    continue  # the individual business chooses by its button
                self.fields[name] = forms.BooleanField(
                    label=_("Publish item 7 (headcount, assets, revenue, profit and tax)"),
                    required=False,
                    help_text=_(
                        "Items 1–6 are public by law. Item 7 is public only if you choose so; "
                        "otherwise others see it only with your consent (条例 art. 9)."
                    ),
                )
            elif name in rules.MONEY_FIELDS or name == "headcount":
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=40,
                    strip=True,
                    help_text=HELP.get(name, ""),
                    widget=forms.TextInput(attrs=NUMBER_ATTRS),
                )
            elif name == "email":
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=254,
                    widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                )
            elif name == "phone":
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=32,
                    help_text=HELP["phone"],
                    widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=255,
                    help_text=HELP.get(name, ""),
                )
        if correction:
            self.fields["correction_reason"] = forms.CharField(
                label=_("What was corrected and why"),
                required=False,
                max_length=rules.TEXT_FIELDS_MAX["correction_reason"],
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.list_rows = {
            name: self._rows_from(name, data, values.get(name) or [])
            for name in form_fields(form_kind)
            if name in rules.LIST_ITEMS
        }

    def _rows_from(
        self, name: str, data: Any, initial: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The rows posted (``<item>-count`` rows of ``<item>-<n>-<key>``), else the initial
        rows."""
        if data is None:
            return [dict(r) for r in initial]
        try:
            count = min(int(data.get(f"{name}-count", "0")), rules.LIST_MAX_ROWS + EMPTY_ROWS)
        except (TypeError, ValueError):
            count = 0
        rows = []
        for n in range(max(count, 0)):
            row = {
                key: (data.get(f"{name}-{n}-{key}") or "").strip() for key in rules.LIST_ITEMS[name]
            }
            if any(row.values()):
                rows.append({k: v for k, v in row.items() if v})
        return rows

    def list_items(self) -> list[ListItem]:
        """The list items with their rows and a few empty rows, for the template."""
        items = []
        for name, rows in self.list_rows.items():
            spec = rules.LIST_ITEMS[name]
            shown = [*rows, *({} for _ in range(EMPTY_ROWS))]
            inputs = []
            for n, row in enumerate(shown):
                cells = []
                for key, (kind, _required, _limit) in spec.items():
                    value = row.get(key, "")
                    choices: list[tuple[str, str]] = []
                    if kind.startswith("choice:"):
                        choices = [("", "—")] + [(k, str(v)) for k, v in WEBSITE_KINDS.items()]
                    cells.append(
                        ListInput(
                            key=key,
                            label=str(LIST_KEY_LABELS.get(key, key)),
                            name=f"{name}-{n}-{key}",
                            value="" if value is None else str(value),
                            kind=_input_kind(kind),
                            choices=choices,
                        )
                    )
                inputs.append(cells)
            items.append(
                ListItem(
                    name=name,
                    label=field_label(name),
                    headers=[str(LIST_KEY_LABELS.get(k, k)) for k in spec],
                    rows=inputs,
                    count_name=f"{name}-count",
                )
            )
        return items

    def items(self) -> list[dict[str, Any]]:
        """The form's items in order, each with its bound fields and list items."""
        lists = {item.name: item for item in self.list_items()}
        out = []
        for number, heading, fields in form_items(self.form_kind):
            if number == 7 and "publish_financials" in self.fields:
                fields = (*fields, "publish_financials")  # the choice beside item 7
            out.append(
                {
                    "number": number,
                    "heading": heading,
                    "fields": [self[f] for f in fields if f in self.fields and f not in lists],
                    "lists": [lists[f] for f in fields if f in lists],
                    "list_errors": [e for f in fields if f in lists for e in self[f].errors],
                }
            )
        return out

    def report_data(self) -> dict[str, Any]:
        """What the service is given: every field of the form as entered, and the rows."""
        data: dict[str, Any] = {}
        for name in form_fields(self.form_kind):
            if name in rules.LIST_ITEMS:
                data[name] = self.list_rows[name]
            elif name in self.fields:
                data[name] = self.cleaned_data.get(name)
        if self.correction:
            data["correction_reason"] = self.cleaned_data.get("correction_reason", "")
        if "operating_status" in data and not data["operating_status"]:
            data.pop("operating_status")
        return data


def report_initial(report: AnnualReport | None, prefill: dict[str, Any]) -> dict[str, Any]:
    """A form's initial values: the draft's, else the prefill (`report_prefill`; operating
    unless the register says otherwise)."""
    if report is None:
        return {"operating_status": AnnualReport.OperatingStatus.OPERATING, **prefill}
    initial: dict[str, Any] = {"version": report.version}
    for name in (*rules.LIST_ITEMS, *rules.ITEM_7_FIELDS):
        initial[name] = getattr(report, name)
    for name in (
        "mailing_address",
        "postcode",
        "phone",
        "email",
        "operating_status",
        "publish_financials",
        "correction_reason",
    ):
        initial[name] = getattr(report, name)
    for name in rules.MONEY_FIELDS:
        value = getattr(report, name)
        initial[name] = "" if value is None else f"{value}"
    return initial


def years_choices(today: dt.date, *, back: int = 6) -> list[tuple[int, str]]:
    last = rules.reporting_year(today)
    return [(y, str(y)) for y in range(last + 1, last - back, -1)]


class ReportListFilterForm(forms.Form):
    """The staff list's filters: the year, the state of the reports, a street or town, the
    entity type, a credit code or part of the name."""

    STATES = (
        ("", _("All entities that had to report")),
        ("filed", _("Filed")),
        ("not_filed", _("Not filed")),
        ("late", _("Filed late")),
        ("paper", _("Filed on paper")),
        ("corrected", _("Corrected")),
    )
    q = forms.CharField(label=_("Credit code or name"), required=False, max_length=100)
    year = forms.TypedChoiceField(label=_("Year reported on"), coerce=int, required=False)
    state = forms.ChoiceField(label=_("Reports"), choices=STATES, required=False)
    division = forms.ChoiceField(label=_("Street or town"), required=False)
    entity_type = forms.ChoiceField(
        label=_("Entity type"),
        required=False,
        choices=[("", _("All types")), *Enterprise.EntityType.choices],
    )

    def __init__(self, *args: Any, today: dt.date, divisions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.TypedChoiceField)  # noqa: S101 - declared above
        year.choices = years_choices(today)
        division = self.fields["division"]
        assert isinstance(division, forms.ChoiceField)  # noqa: S101 - declared above
        division.choices = [("", _("All streets and towns")), *((d, d) for d in divisions)]


class PaperFindForm(forms.Form):
    """The first step of a paper entry: the entity (its credit code) and the year."""

    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    year = forms.TypedChoiceField(label=_("Year reported on"), coerce=int)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.TypedChoiceField)  # noqa: S101 - declared above
        year.choices = [(y, label) for y, label in years_choices(today, back=10) if y < today.year]

    def clean_uscc(self) -> str:
        return str(self.cleaned_data["uscc"]).strip().upper()


class PaperDetailsForm(forms.Form):
    """What the paper report's envelope says: the day the bureau received it and its file
    reference."""

    received_on = forms.DateField(
        label=_("Received on"),
        help_text=_("The day the bureau received the paper report: it counts from that day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reference = forms.CharField(label=_("File reference"), max_length=64, required=False)
