"""Scoring models and their versions in the API, read-only (issue 16 §2, §9):

- `/api/v1/risk-models/`: the general model and the industry models, each with the version in
  force now;
- `/api/v1/risk-models/<code>/versions/`: a model's versions, the newest first;
- `/api/v1/risk-model-versions/<id>/`: one version: a published one with its frozen definition
  (what the engine reads; publishing a later version never changes it), a draft with its
  indicators, weights, bands and the problems that would refuse its publication
  (`risk.services.models.version_problems`).

Needs `enterprises.view_risk` and `risk.view_modelversion`. Editing and publishing are the
administrators' (the admin), not the API's.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from risk.api.common import localized, require
from risk.models import (
    Indicator,
    ModelVersion,
    RiskClass,
    ScoringModel,
    VersionBand,
    VersionIndicator,
)
from risk.permissions import RiskPerm
from risk.selectors import models_list

Status = ModelVersion.Status


def _in_force_ids() -> set[int]:
    """The ids of the versions in force now (one per model that has a published one)."""
    from risk.engine import versions_in_force

    return {version.pk for version in versions_in_force(timezone.now())}


# --------------------------------------------------------------------------- serializers


@extend_schema_serializer(component_name="RiskModelVersionBrief")
class VersionBriefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    published_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="RiskModel")
class ModelOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField(help_text=gettext_lazy("In the reader's language."))
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    is_general = serializers.BooleanField(
        help_text=gettext_lazy(
            "The general model classifies every enterprise that no industry model covers."
        )
    )
    industry_divisions = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy(
            "An industry model: the GB/T 4754 divisions (two digits) it covers."
        ),
    )
    description = serializers.CharField()
    in_force = serializers.SerializerMethodField(
        help_text=gettext_lazy("The version in force now: the latest published; null: none yet.")
    )
    versions = VersionBriefOutput(many=True, source="versions.all")

    def get_name(self, model: ScoringModel) -> str:
        return localized(model.name_zh, model.name_en)

    @extend_schema_field(VersionBriefOutput(allow_null=True))
    def get_in_force(self, model: ScoringModel) -> dict[str, Any] | None:
        in_force = self.context["in_force"]
        for version in model.versions.all():
            if version.pk in in_force:
                return dict(VersionBriefOutput(version).data)
        return None


@extend_schema_serializer(component_name="RiskModelVersionRules")
class _RulesOutput(serializers.Serializer):
    serious_d = serializers.BooleanField(source="rule_serious_d")
    abnormal_min_c = serializers.BooleanField(source="rule_abnormal_min_c")
    new_entity_b = serializers.BooleanField(source="rule_new_entity_b")
    new_entity_days = serializers.IntegerField()


@extend_schema_serializer(component_name="RiskModelVersion")
class VersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    model = serializers.CharField(source="model.code")
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    in_force = serializers.SerializerMethodField(
        help_text=gettext_lazy("Whether it is the model's version in force now.")
    )
    notes = serializers.CharField(help_text=gettext_lazy("What changed."))
    rules = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Hard rules: on the serious list → D; in the abnormal directory → at least C; a new "
            "entity (registered less than new_entity_days ago) with no dynamic fact → B."
        )
    )
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = serializers.CharField(
        source="published_by.username", allow_null=True, default=None
    )

    def get_in_force(self, version: ModelVersion) -> bool:
        return version.pk in self.context["in_force"]

    @extend_schema_field(_RulesOutput)
    def get_rules(self, version: ModelVersion) -> dict[str, Any]:
        return dict(_RulesOutput(version).data)


@extend_schema_serializer(component_name="RiskModelVersionEntry")
class EntryOutput(serializers.Serializer):
    """An indicator of the version with its weight (tenths: 10 = ×1.0)."""

    code = serializers.CharField(source="indicator.code")
    name = serializers.SerializerMethodField()
    family = serializers.ChoiceField(source="indicator.family", choices=Indicator.Family.choices)
    nature = serializers.ChoiceField(source="indicator.nature", choices=Indicator.Nature.choices)
    # DRF's metaclass moves declared fields out of the class: this does not hide Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        source="indicator.source", choices=Indicator.Source.choices
    )
    weight = serializers.IntegerField(help_text=gettext_lazy("Tenths: 10 is ×1.0."))
    weight_min = serializers.IntegerField(source="indicator.weight_min")
    weight_max = serializers.IntegerField(source="indicator.weight_max")

    def get_name(self, entry: Any) -> str:
        return localized(entry.indicator.name_zh, entry.indicator.name_en)


@extend_schema_serializer(component_name="RiskModelVersionBand")
class BandOutput(serializers.Serializer):
    risk_class = serializers.ChoiceField(choices=RiskClass.choices)
    score_from = serializers.DecimalField(
        max_digits=7, decimal_places=1, help_text=gettext_lazy("Points, inclusive.")
    )
    score_to = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        allow_null=True,
        help_text=gettext_lazy("Points, exclusive; null: no upper end."),
    )


@extend_schema_serializer(component_name="RiskModelVersionDetail")
class VersionDetailOutput(VersionOutput):
    definition = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "A published version: its frozen definition, which alone the engine reads (format "
            "1: the indicators sorted by code, each with its weight in tenths and how it is "
            "computed; the bands in tenths of a point; the hard rules). Null for a draft."
        )
    )
    entries = EntryOutput(many=True, source="entries.all")
    bands = BandOutput(many=True, source="bands.all")
    problems = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "A draft: what would refuse its publication, one message each (empty: it can be "
            "published). Empty for a published version."
        )
    )

    @extend_schema_field({"type": "object", "additionalProperties": {}, "nullable": True})
    def get_definition(self, version: ModelVersion) -> dict[str, Any] | None:
        return dict(version.definition) if version.status != Status.DRAFT else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_problems(self, version: ModelVersion) -> list[str]:
        if version.status != Status.DRAFT:
            return []
        from risk.services.models import version_problems

        return [str(problem) for problem in version_problems(version)]


# --------------------------------------------------------------------------- views

NEEDS = (RiskPerm.VIEW_MODEL,)


class RiskModelListApi(APIView):
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="risk_models_list",
        summary=gettext_lazy("List scoring models"),
        description=gettext_lazy(
            "Needs view_risk and view_modelversion. The general model first, then the industry "
            "models, each with its versions and the one in force now."
        ),
        responses=ModelOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        require(request, *NEEDS)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(models_list(), request, view=self)
        context = {"in_force": _in_force_ids()}
        return paginator.get_paginated_response(ModelOutput(page, many=True, context=context).data)


class RiskModelVersionListApi(APIView):
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="risk_models_versions_list",
        summary=gettext_lazy("List the versions of a scoring model"),
        description=gettext_lazy(
            "Needs view_risk and view_modelversion. The newest first; 404 for an unknown model."
        ),
        responses=VersionOutput(many=True),
    )
    def get(self, request: Request, code: str) -> Response:
        require(request, *NEEDS)
        model = ScoringModel.objects.filter(code=code).first()
        if model is None:
            raise Http404
        versions = (
            ModelVersion.objects.select_related("model", "created_by", "published_by")
            .filter(model=model)
            .order_by("-number")
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(versions, request, view=self)
        context = {"in_force": _in_force_ids()}
        return paginator.get_paginated_response(
            VersionOutput(page, many=True, context=context).data
        )


class RiskModelVersionDetailApi(APIView):
    @extend_schema(
        operation_id="risk_model_versions_retrieve",
        summary=gettext_lazy("Read a scoring model version"),
        description=gettext_lazy(
            "Needs view_risk and view_modelversion. A published version with its frozen "
            "definition; a draft with its indicators, weights, bands and what would refuse its "
            "publication."
        ),
        responses=VersionDetailOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        require(request, *NEEDS)
        version = (
            ModelVersion.objects.select_related("model", "created_by", "published_by")
            .prefetch_related(
                Prefetch(
                    "entries",
                    queryset=VersionIndicator.objects.select_related("indicator").order_by(
                        "indicator__code"
                    ),
                ),
                Prefetch("bands", queryset=VersionBand.objects.order_by("score_from")),
            )
            .filter(pk=pk)
            .first()
        )
        if version is None:
            raise Http404
        context = {"in_force": _in_force_ids()}
        return Response(VersionDetailOutput(version, context=context).data)


urlpatterns = [
    path("risk-models/", RiskModelListApi.as_view(), name="risk-model-list"),
    path(
        "risk-models/<slug:code>/versions/",
        RiskModelVersionListApi.as_view(),
        name="risk-model-versions",
    ),
    path(
        "risk-model-versions/<int:pk>/",
        RiskModelVersionDetailApi.as_view(),
        name="risk-model-version-detail",
    ),
]
