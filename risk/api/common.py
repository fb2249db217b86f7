"""What the classification API's areas share: who may call, the enterprise through the
register's jurisdiction, and the small output shapes several areas return.

Order of the checks on a staff operation: the codenames first (403: an enterprise user, staff
without `enterprises.view_risk`), then the object through jurisdiction (404: an enterprise of
another department, or none), then the input (400). Classes are internal (docs/domain.md §1,
"Visibility"): nothing here is reachable without `view_risk` but the enterprise's own
self-service endpoint (`risk.api.me`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request

from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors import enterprise_list_for_user
from enterprises.services.register import EARLIEST_REGISTRATION
from enterprises.uscc import normalize
from risk.models import ModelVersion, RiskClass
from risk.permissions import RiskPerm

# A credit code in an address, as the register's API takes it (enterprises.api.staff).
USCC_PATTERN = r"(?P<uscc>[0-9A-Za-z]{18})"

SCORE_HELP = gettext_lazy("Points, one decimal (a string).")


def request_user(request: Request) -> User:
    """The request's user, for a view behind `IsAuthenticated` (which ran first)."""
    assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated ran first
    return request.user


def require(request: Request, *codenames: str) -> User:
    """The user, or a 403 unless they hold every codename (`view_risk` always)."""
    user = request_user(request)
    if not user.has_perms((RiskPerm.VIEW_RISK, *codenames)):
        raise exceptions.PermissionDenied()
    return user


def visible_enterprise(user: User, uscc: str) -> Enterprise:
    """The enterprise with this credit code among those the user may see (404 otherwise)."""
    found = enterprise_list_for_user(user=user).filter(uscc=normalize(uscc)).first()
    if found is None:
        raise Http404
    return found


def date_problem(day: dt.date) -> str:
    """Why a date cannot be classified as of (a replay's, a run's), or "": not after today, nor
    before any market entity could be registered (`EARLIEST_REGISTRATION`)."""
    if day > timezone.localdate():
        return _("The date may not be in the future.")
    if day < EARLIEST_REGISTRATION:
        return _("No market entity was registered before %(day)s.") % {
            "day": EARLIEST_REGISTRATION.isoformat()
        }
    return ""


def date_param(request: Request, name: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter that `date_problem` accepts; None when absent (400
    otherwise)."""
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]}) from None
    problem = date_problem(day)
    if problem:
        raise exceptions.ValidationError({name: [problem]})
    return day


def bool_param(request: Request, name: str) -> bool | None:
    """A true/false query parameter; None when absent (400 for anything else)."""
    raw = request.query_params.get(name, "").lower()
    if not raw:
        return None
    if raw in {"true", "1", "yes"}:
        return True
    if raw in {"false", "0", "no"}:
        return False
    raise exceptions.ValidationError({name: [_("Enter true or false.")]})


def localized(zh: str, en: str) -> str:
    """A name in the reader's language (Chinese unless the request asks for English)."""
    return en if (get_language() or "").startswith("en") and en else zh


def one_decimal(value: Decimal | int | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


# --------------------------------------------------------------------------- output shapes


@extend_schema_serializer(component_name="RiskEnterprise")
class EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="RiskModelVersionRef")
class VersionRef(serializers.Serializer):
    """A model version in one line: which model, which number."""

    id = serializers.IntegerField()
    model = serializers.CharField(source="model.code", help_text=gettext_lazy("The model's code."))
    model_name = serializers.SerializerMethodField(
        help_text=gettext_lazy("The model's name in the reader's language.")
    )
    number = serializers.IntegerField()

    def get_model_name(self, version: ModelVersion) -> str:
        return localized(version.model.name_zh, version.model.name_en)


@extend_schema_serializer(component_name="RiskRecord")
class RecordRef(serializers.Serializer):
    """A ledger record that weighs on a class. `summary` is what the reader may read: the
    staff's summary, or the enterprise's (without the officer's internal note)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    occurred_on = serializers.DateField()
    document_number = serializers.CharField()
    authority = serializers.CharField()
    summary = serializers.SerializerMethodField()

    def get_summary(self, record: CreditRecord) -> str:
        if self.context.get("enterprise_reader"):
            return str(record.enterprise_summary)
        return str(record.summary_text)


@extend_schema_serializer(component_name="RiskContribution")
class ContributionOutput(serializers.Serializer):
    """One indicator's share of a score (`risk.explain.breakdown`)."""

    code = serializers.CharField()
    name = serializers.CharField(help_text=gettext_lazy("In the reader's language."))
    family = serializers.CharField()
    family_label = serializers.CharField()
    nature = serializers.CharField(help_text=gettext_lazy("static or dynamic."))
    # DRF's metaclass moves declared fields out of the class: this does not hide Field.source.
    source = serializers.CharField(help_text=gettext_lazy("register or ledger."))  # type: ignore[assignment]
    value = serializers.IntegerField(
        help_text=gettext_lazy(
            "A ledger indicator: the number of facts that count; a register indicator: the "
            "points its mapping or band gives the enterprise's value."
        )
    )
    points = serializers.IntegerField(
        help_text=gettext_lazy("Before the weight: the value times the points per fact, capped.")
    )
    weight = serializers.DecimalField(
        max_digits=4, decimal_places=1, help_text=gettext_lazy("A multiplier (1.0: as is).")
    )
    contribution = serializers.DecimalField(
        max_digits=7, decimal_places=1, help_text=gettext_lazy("Points after the weight.")
    )
    text = serializers.CharField(help_text=gettext_lazy("The computation in words."))


@extend_schema_serializer(component_name="RiskWeighingFact")
class WeighingFactOutput(serializers.Serializer):
    """A fact that weighs on the class today, and when it stops (`risk.explain.weighing_facts`)."""

    record = RecordRef()
    indicator_code = serializers.CharField()
    indicator_name = serializers.CharField()
    points = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        help_text=gettext_lazy("The fact's share of the score (negative: it lightens)."),
    )
    ends_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The first day it no longer weighs; null: only when it is closed."),
    )
    ends_how = serializers.CharField()


@extend_schema_serializer(component_name="RiskChange")
class ChangeOutput(serializers.Serializer):
    """A fact whose end or repair would move the class (`risk.explain.what_would_change`)."""

    record = RecordRef()
    indicator_name = serializers.CharField()
    score_after = serializers.DecimalField(max_digits=7, decimal_places=1)
    class_after = serializers.ChoiceField(choices=RiskClass.choices)
    ends_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("When it ends by itself; null: only when it is closed."),
    )
    how = serializers.CharField()


def contributions_of(version: ModelVersion, values: list[int], inputs: dict[str, Any]) -> Any:
    """The breakdown of a score, computed from the version's frozen definition."""
    from risk.explain import breakdown

    return breakdown(version.definition, values, inputs)
