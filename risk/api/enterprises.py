"""One enterprise's classification in the API (issue 16 §3, §4, §9):

- `/api/v1/enterprises/<uscc>/assessments/`: the history, the newest first; each assessment
  with its model version, as-of date, score, class, previous class, hard rule, why it was run
  (the run's reason), the register inputs it used and every indicator's contribution
  (`risk.explain.breakdown`, computed from the version's frozen definition exactly as the
  engine computed the score).
- `/api/v1/enterprises/<uscc>/risk/`: the current class (an override shown as such: its
  class, reason and expiry), score and version, the facts that weigh and what would change
  the class; with `?as_of=DATE`, the enterprise evaluated as of that past date, read-only
  (`risk.engine.evaluate`: the replay of one enterprise), and whether that reproduces the
  assessment stored then (`reproduced`).

Both need `enterprises.view_risk` (403) and the enterprise in the user's jurisdiction (404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import re_path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from enterprises.models import Enterprise
from enterprises.services.register import EARLIEST_REGISTRATION
from risk.api.common import (
    SCORE_HELP,
    USCC_PATTERN,
    ChangeOutput,
    ContributionOutput,
    EnterpriseRef,
    VersionRef,
    WeighingFactOutput,
    contributions_of,
    date_param,
    require,
    visible_enterprise,
)
from risk.models import Assessment, ClassificationRun, ClassOverride, ModelVersion, RiskClass
from risk.selectors import assessments_for, current_for

HardRule = Assessment.HardRule
Reason = ClassificationRun.Reason


# --------------------------------------------------------------------------- history


@extend_schema_serializer(component_name="RiskAssessment")
class AssessmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    version = VersionRef()
    as_of = serializers.DateField()
    score = serializers.DecimalField(max_digits=7, decimal_places=1, help_text=SCORE_HELP)
    risk_class = serializers.ChoiceField(choices=RiskClass.choices)
    previous_class = serializers.ChoiceField(
        choices=RiskClass.choices,
        allow_blank=True,
        help_text=gettext_lazy("Empty on a first classification."),
    )
    previous_score = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    hard_rule = serializers.ChoiceField(
        choices=HardRule.choices,
        allow_blank=True,
        help_text=gettext_lazy(
            "The hard rule that set the class: serious (on the serious list: D), abnormal (in "
            "the abnormal directory: at least C, only when it raised the class), new_entity "
            "(registered less than the model's days ago, no dynamic fact: B); empty: the score's "
            "band."
        ),
    )
    why = serializers.ChoiceField(
        source="run.reason",
        choices=Reason.choices,
        help_text=gettext_lazy(
            "Why it was run: nightly, new_fact, manual (replays and what-ifs write no assessment)."
        ),
    )
    run = serializers.IntegerField(source="run_id")
    inputs = serializers.JSONField(
        help_text=gettext_lazy(
            "The register attributes it used (they are not in the ledger): entity_type, "
            "industry_section, industry_division, division (street), department_id, "
            "registered_on, age_years, registered_capital (CNY 10,000, a string, or null), "
            "status, serious, abnormal."
        )
    )
    contributions = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Every indicator of the version, in its order, with its value and its share of "
            "the score."
        )
    )
    created_at = serializers.DateTimeField()

    @extend_schema_field(ContributionOutput(many=True))
    def get_contributions(self, assessment: Assessment) -> list[dict[str, Any]]:
        parts = contributions_of(assessment.version, assessment.values, assessment.inputs)
        return list(ContributionOutput(parts, many=True).data)


class EnterpriseAssessmentListApi(APIView):
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="enterprises_assessments_list",
        summary=gettext_lazy("Risk assessments of a market entity"),
        description=gettext_lazy(
            "Needs view_risk; the entity must be in your jurisdiction (404 otherwise). Every "
            "assessment written for the entity, the newest first: one each time a run found "
            "its class, score or model version changed. The contributions are computed from "
            "the version's frozen definition, exactly as the score was: publishing a later "
            "version never changes them."
        ),
        responses=AssessmentOutput(many=True),
    )
    def get(self, request: Request, uscc: str) -> Response:
        user = require(request)
        enterprise = visible_enterprise(user, uscc)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            assessments_for(enterprise=enterprise), request, view=self
        )
        return paginator.get_paginated_response(AssessmentOutput(page, many=True).data)


# --------------------------------------------------------------------------- the class now


@extend_schema_serializer(component_name="RiskOverride")
class OverrideOutput(serializers.Serializer):
    id = serializers.IntegerField()
    risk_class = serializers.ChoiceField(choices=RiskClass.choices)
    reason = serializers.CharField()
    starts_on = serializers.DateField()
    expires_on = serializers.DateField(help_text=gettext_lazy("The last day it applies."))
    set_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    ended_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The first day it no longer applied; null while it is open."),
    )
    ended_by = serializers.CharField(source="ended_by.username", allow_null=True, default=None)
    end_reason = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="RiskStoredAssessment")
class StoredOutput(serializers.Serializer):
    """The assessment stored as in force at the replay's knowledge instant."""

    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    version = serializers.IntegerField(source="version_id")
    as_of = serializers.DateField()
    score = serializers.DecimalField(max_digits=7, decimal_places=1)
    risk_class = serializers.ChoiceField(choices=RiskClass.choices)


@dataclass
class RiskView:
    """What `/risk/` answers; a plain object, so the current class and a replay share one shape."""

    enterprise: Enterprise
    as_of: dt.date
    replay: bool
    classified: bool
    knowledge_at: dt.datetime | None = None
    risk_class: str | None = None
    computed_class: str | None = None
    score: Decimal | None = None
    hard_rule: str = ""
    version: ModelVersion | None = None
    assessed_at: dt.datetime | None = None
    override: ClassOverride | None = None
    contributions: list[Any] = field(default_factory=list)
    weighing_facts: list[Any] = field(default_factory=list)
    what_would_change: list[Any] = field(default_factory=list)
    reproduced: bool | None = None
    stored: Assessment | None = None


@extend_schema_serializer(component_name="EnterpriseRisk")
class RiskOutput(serializers.Serializer):
    enterprise = EnterpriseRef()
    as_of = serializers.DateField(
        help_text=gettext_lazy("The date the class is for: of the current class, or the replay's.")
    )
    replay = serializers.BooleanField(
        help_text=gettext_lazy("true: evaluated now as of a past date (?as_of), read-only.")
    )
    knowledge_at = serializers.DateTimeField(
        allow_null=True,
        help_text=gettext_lazy(
            "A replay: the facts recorded up to this instant count (those recorded later were "
            "not known then). Null for the current class."
        ),
    )
    classified = serializers.BooleanField(
        help_text=gettext_lazy(
            "false: the entity has no class (individual businesses unless the bureau classifies "
            "them, entities not registered yet or no longer operating, or never classified); "
            "the class fields are then null."
        )
    )
    risk_class = serializers.ChoiceField(
        choices=RiskClass.choices,
        allow_null=True,
        help_text=gettext_lazy("The class in effect: the override's while one applies."),
    )
    computed_class = serializers.ChoiceField(
        choices=RiskClass.choices,
        allow_null=True,
        help_text=gettext_lazy("The class the model computed."),
    )
    score = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True, help_text=SCORE_HELP
    )
    hard_rule = serializers.ChoiceField(choices=HardRule.choices, allow_blank=True)
    version = VersionRef(allow_null=True)
    assessed_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("When the current class was last written.")
    )
    override = OverrideOutput(
        allow_null=True,
        help_text=gettext_lazy("The supervisor's override that applies, null when none does."),
    )
    contributions = ContributionOutput(many=True)
    weighing_facts = WeighingFactOutput(
        many=True,
        help_text=gettext_lazy(
            "The facts that weigh today (a replay: on its date), each with its share and the "
            "day it stops weighing."
        ),
    )
    what_would_change = ChangeOutput(
        many=True,
        help_text=gettext_lazy(
            "The facts whose end or repair alone would move the class, with the class and score "
            "after, the earliest end first."
        ),
    )
    reproduced = serializers.BooleanField(
        allow_null=True,
        help_text=gettext_lazy(
            "A replay: true when it gives exactly the assessment stored as in force then (same "
            "version, class, score and indicator values), false when not; null when nothing "
            "was stored then, and for the current class."
        ),
    )
    stored = StoredOutput(
        allow_null=True,
        help_text=gettext_lazy("A replay: the assessment stored as in force then, if any."),
    )


def _override_on(enterprise: Enterprise, day: dt.date) -> ClassOverride | None:
    """The override that applied to the enterprise on `day`, if one did."""
    return (
        ClassOverride.objects.select_related("created_by", "ended_by")
        .filter(enterprise_id=enterprise.pk, starts_on__lte=day, expires_on__gte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .order_by("-created_at", "-id")
        .first()
    )


def _explained(view: RiskView, on: dt.date) -> RiskView:
    """The facts that weigh on `on` and what would change the class (`risk.explain`)."""
    from risk.explain import weighing_facts, what_would_change

    if view.classified:
        view.weighing_facts = list(weighing_facts(view.enterprise, on=on))
        view.what_would_change = list(what_would_change(view.enterprise, on=on))
    return view


def risk_now(enterprise: Enterprise) -> RiskView:
    """The current class, as the narrow table holds it, explained by its latest assessment."""
    current = current_for(enterprise)
    if current is None:
        return RiskView(
            enterprise=enterprise, as_of=timezone.localdate(), replay=False, classified=False
        )
    latest = assessments_for(enterprise=enterprise).first()
    view = RiskView(
        enterprise=enterprise,
        as_of=current.as_of,
        replay=False,
        classified=True,
        risk_class=current.risk_class,
        computed_class=current.computed_class,
        score=current.score,
        version=current.version,
        assessed_at=current.assessed_at,
        override=current.override,
    )
    if latest is not None:
        view.hard_rule = latest.hard_rule
        view.contributions = list(contributions_of(latest.version, latest.values, latest.inputs))
    return _explained(view, on=timezone.localdate())  # today's facts, as the page shows them


def stored_in_force(enterprise: Enterprise, knowledge_at: dt.datetime) -> Assessment | None:
    """The assessment in force at `knowledge_at`: the latest one written by a run that knew
    no more than that (docs: the replay's comparison)."""
    return (
        Assessment.objects.filter(enterprise_id=enterprise.pk, run__knowledge_at__lte=knowledge_at)
        .order_by("-id")
        .first()
    )


def risk_as_of(enterprise: Enterprise, as_of: dt.date) -> RiskView:
    """The enterprise evaluated as of a past date (read-only), against what was stored then."""
    from risk.engine import evaluate
    from risk.services.runs import replay_instant

    knowledge_at = replay_instant(as_of)
    evaluation = evaluate(enterprise.pk, as_of=as_of, knowledge_at=knowledge_at)
    stored = stored_in_force(enterprise, knowledge_at)
    view = RiskView(
        enterprise=enterprise,
        as_of=as_of,
        replay=True,
        classified=evaluation is not None,
        knowledge_at=knowledge_at,
        stored=stored,
    )
    if evaluation is not None:
        override = _override_on(enterprise, as_of)
        view.computed_class = evaluation.risk_class
        view.risk_class = override.risk_class if override is not None else evaluation.risk_class
        view.override = override
        view.score = evaluation.score
        view.hard_rule = evaluation.hard_rule
        view.version = evaluation.version
        view.contributions = list(
            contributions_of(evaluation.version, evaluation.values, evaluation.inputs)
        )
    if stored is None:
        view.reproduced = None
    else:
        view.reproduced = evaluation is not None and (
            stored.version_id,
            stored.risk_class,
            stored.score,
            list(stored.values),
        ) == (
            evaluation.version.pk,
            evaluation.risk_class,
            evaluation.score,
            list(evaluation.values),
        )
    return _explained(view, on=as_of)


class EnterpriseRiskApi(APIView):
    @extend_schema(
        operation_id="enterprises_risk_retrieve",
        summary=gettext_lazy("The risk class of a market entity, explained"),
        description=gettext_lazy(
            "Needs view_risk; the entity must be in your jurisdiction (404 otherwise). The class "
            "in effect (an override shown as such: its class, reason and expiry), the computed "
            "class, score and model version, every indicator's contribution, the facts that "
            "weigh on it with the day each stops weighing, and the facts whose end or repair "
            "would move the class. With as_of, the entity is evaluated as it stood on that past "
            "date, with the facts known by the end of that day, under the model version in "
            "force then; nothing is written, and reproduced says whether it gives the assessment "
            "stored then."
        ),
        parameters=[
            OpenApiParameter(
                "as_of",
                {"type": "string", "format": "date"},
                description=format_lazy(
                    gettext_lazy(
                        "A past date (YYYY-MM-DD): evaluate as of it. A date after today or "
                        "before {earliest}, or not a date, is a 400."
                    ),
                    earliest=EARLIEST_REGISTRATION.isoformat(),
                ),
            )
        ],
        responses={
            200: RiskOutput,
            400: error_response(
                format_lazy(
                    gettext_lazy("as_of is not a date, or is after today or before {earliest}."),
                    earliest=EARLIEST_REGISTRATION.isoformat(),
                )
            ),
        },
    )
    def get(self, request: Request, uscc: str) -> Response:
        user = require(request)
        enterprise = visible_enterprise(user, uscc)
        as_of = date_param(request, "as_of")
        view = risk_now(enterprise) if as_of is None else risk_as_of(enterprise, as_of)
        return Response(RiskOutput(view).data)


urlpatterns = [
    re_path(
        rf"^enterprises/{USCC_PATTERN}/assessments/$",
        EnterpriseAssessmentListApi.as_view(),
        name="enterprise-assessments",
    ),
    re_path(
        rf"^enterprises/{USCC_PATTERN}/risk/$",
        EnterpriseRiskApi.as_view(),
        name="enterprise-risk",
    ),
]
