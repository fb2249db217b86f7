"""An enterprise's own credit risk in the API (issue 16 §3): `GET /api/v1/me/credit-risk/`,
as its page (`risk.views.me`) shows it.

For an enterprise user only (anyone else: 403). It always shows which of the enterprise's own
facts weigh on it, when each stops weighing and what would end it sooner (a removal from the
directory, a credit repair: the page's advice, `risk.selectors.sooner`); its class and score,
each fact's points and what ending a fact would change only where the bureau shows classes to
enterprises (`risk.rules.show_class_to_enterprises()`, off by default: docs/domain.md §1,
"Visibility"); otherwise those fields are absent, not null.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.selectors.accounts import member_enterprise
from risk import rules
from risk.api.common import SCORE_HELP, RecordRef, request_user
from risk.models import RiskClass
from risk.selectors import current_for, own_not_classified

CLASS_ONLY_HELP = gettext_lazy(
    "Only where the bureau shows classes to enterprises (off by default); absent otherwise."
)


@extend_schema_serializer(component_name="OwnCreditRiskSooner")
class _SoonerOutput(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The self-service page that does it, if any.")
    )
    link = serializers.CharField(help_text=gettext_lazy("That page's name."))


@extend_schema_serializer(component_name="OwnCreditRiskFact")
class _FactOutput(serializers.Serializer):
    record = RecordRef()
    indicator_name = serializers.CharField(help_text=gettext_lazy("What it counts in."))
    points = serializers.DecimalField(
        max_digits=7, decimal_places=1, required=False, help_text=CLASS_ONLY_HELP
    )
    ends_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The first day it no longer weighs; null: only when it is closed."),
    )
    ends_how = serializers.CharField(
        help_text=gettext_lazy("When its window ends, or when it is closed (removal or repair).")
    )
    sooner = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "How it could end sooner (a removal, a credit repair and from when); null: nothing "
            "ends it early here."
        )
    )

    @extend_schema_field(_SoonerOutput(allow_null=True))
    def get_sooner(self, fact: Any) -> dict[str, Any] | None:
        from risk.selectors import sooner

        advice = sooner(fact.record, self.context["today"])
        return None if advice is None else dict(_SoonerOutput(advice).data)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("show_class"):
            data.pop("points", None)
        return data


@extend_schema_serializer(component_name="OwnCreditRiskChange")
class _ChangeOutput(serializers.Serializer):
    record = RecordRef()
    indicator_name = serializers.CharField()
    ends_on = serializers.DateField(allow_null=True)
    how = serializers.CharField(help_text=gettext_lazy("How it would end: its window, a repair."))
    class_after = serializers.ChoiceField(choices=RiskClass.choices)
    score_after = serializers.DecimalField(max_digits=7, decimal_places=1)


@dataclass
class OwnRisk:
    as_of: dt.date
    weighing_facts: list[Any] = field(default_factory=list)
    what_would_change: list[Any] = field(default_factory=list)
    risk_class: str | None = None
    score: Any = None
    overridden: bool = False
    classified: bool = True
    not_classified_reason: str = ""


@extend_schema_serializer(component_name="OwnCreditRisk")
class OwnRiskOutput(serializers.Serializer):
    as_of = serializers.DateField()
    classified = serializers.BooleanField(
        help_text=gettext_lazy(
            "false: the enterprise is not classified by credit risk (an individual business, "
            "unless the bureau turns that on; an entity no longer operating)."
        )
    )
    not_classified_reason = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy("Why it is not classified, in plain words; empty when it is."),
    )
    weighing_facts = _FactOutput(
        many=True,
        help_text=gettext_lazy("Your facts that weigh on your credit risk, and when each stops."),
    )
    what_would_change = _ChangeOutput(
        many=True,
        required=False,
        help_text=format_lazy(
            "{} {}",
            gettext_lazy(
                "The facts whose end or repair would change your class, the earliest first, "
                "with the class and score after."
            ),
            CLASS_ONLY_HELP,
        ),
    )
    risk_class = serializers.ChoiceField(
        choices=RiskClass.choices, allow_null=True, required=False, help_text=CLASS_ONLY_HELP
    )
    score = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        allow_null=True,
        required=False,
        help_text=format_lazy("{} {}", SCORE_HELP, CLASS_ONLY_HELP),
    )
    overridden = serializers.BooleanField(
        required=False,
        help_text=format_lazy(
            "{} {}",
            gettext_lazy("true: the bureau set this class by hand for a time."),
            CLASS_ONLY_HELP,
        ),
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("show_class"):
            for name in ("risk_class", "score", "overridden", "what_would_change"):
                data.pop(name, None)
        return data


class OwnCreditRiskApi(APIView):
    @extend_schema(
        operation_id="me_credit_risk_retrieve",
        summary=gettext_lazy("Your enterprise's credit risk: the facts that weigh on it"),
        description=gettext_lazy(
            "For an enterprise user (anyone else: 403). The facts of your own enterprise that "
            "weigh on its credit risk today, the day each stops weighing (when its window ends, "
            "or only when it is closed by a removal or a repair) and how it could end sooner. "
            "The class, the score, the points and which facts would change the class by ending "
            "are shown only where the bureau shows classes to enterprises; otherwise those "
            "fields are absent."
        ),
        responses=OwnRiskOutput,
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if getattr(user, "enterprise_membership", None) is None:
            raise exceptions.PermissionDenied(_("This is for registered enterprise users."))
        enterprise = member_enterprise(user=user)
        from risk.explain import weighing_facts, what_would_change

        today = timezone.localdate()
        own = OwnRisk(as_of=today, weighing_facts=list(weighing_facts(enterprise, on=today)))
        not_classified = own_not_classified(enterprise)
        if not_classified is not None:
            own.classified, own.not_classified_reason = False, str(not_classified["text"])
        show_class = rules.show_class_to_enterprises()
        if show_class:
            own.what_would_change = list(what_would_change(enterprise, on=today))
            current = current_for(enterprise)
            if current is not None:
                own.risk_class = current.risk_class
                own.score = current.score
                own.overridden = current.override_id is not None
        context = {"show_class": show_class, "enterprise_reader": True, "today": today}
        return Response(OwnRiskOutput(own, context=context).data)


urlpatterns = [
    path("me/credit-risk/", OwnCreditRiskApi.as_view(), name="me-credit-risk"),
]
