"""The policy catalogue's API (`/api/v1/policy-measures/`; issue 18 §3), the admin's and the
staff pages' operations for other systems:

- GET  `policy-measures/` (view_policymeasure): the measures, active first (`active`, `q`);
- POST `policy-measures/` (add_policymeasure): add one (active unless `is_active` is false);
- GET  `policy-measures/<id>/`: one, with its version;
- PATCH `policy-measures/<id>/` (change_policymeasure): change the fields sent, whatever the
  body's encoding (JSON, form-encoded, multipart), with the `version` read (required; stale:
  409, nothing written); retire with `{"is_active": false}`.

Conditions are the stored objects (`[{"type": "operating"}, {"type": "capital_at_most",
"value": 100}]`, `station.rules.CONDITION_TYPES`); the service's problems come back per field
(400). A measure issued by a department outside the user's jurisdiction is read, not changed
(403), as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from remediation.api.common import VersionConflict, request_user, require_perms
from station.models import PolicyMeasure
from station.selectors.catalogue import measure_list, measure_may_change
from station.services import measure_save

VIEW = "station.view_policymeasure"
ADD = "station.add_policymeasure"
CHANGE = "station.change_policymeasure"


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else changed this measure first.")


@extend_schema_serializer(component_name="PolicyMeasure")
class MeasureOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    benefit = serializers.CharField()
    how_to_apply = serializers.CharField(allow_blank=True)
    department = serializers.CharField(
        source="department.code",
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The issuing department's code."),
    )
    document_number = serializers.CharField(allow_blank=True)
    document_url = serializers.CharField(allow_blank=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    is_active = serializers.BooleanField()
    conditions = serializers.JSONField(
        help_text=gettext_lazy('A list of conditions, e.g. [{"type": "operating"}].')
    )
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a change: a stale one gives 409.")
    )


class _MeasureInput(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True)
    benefit = serializers.CharField(max_length=200)
    how_to_apply = serializers.CharField(required=False, allow_blank=True)
    department = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=gettext_lazy("The issuing department's code."),
    )
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    document_url = serializers.CharField(max_length=200, required=False, allow_blank=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    # A form-encoded body without it would read as false (DRF's `default_empty_html`):
    # a new measure is active unless `false` is sent.
    is_active = serializers.BooleanField(required=False, default=True)
    conditions = serializers.JSONField(required=False)


class _MeasureChangeInput(_MeasureInput):
    """A change: validated with `partial=True`, so a field not sent is not changed, whatever
    the body's encoding (a form-encoded PATCH without `is_active` does not retire)."""

    version = serializers.IntegerField(min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "version" not in attrs:  # `partial` makes every field optional, not this one
            required = self.fields["version"].error_messages["required"]
            raise serializers.ValidationError({"version": [required]}, code="required")
        return attrs


def _service_data(user: User, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data.pop("version", None)
    if "department" in data:
        code = data["department"] or ""
        department = None
        if code:
            department = departments_of_jurisdiction(user=user).filter(code=code).first()
            if department is None:
                raise exceptions.ValidationError(
                    {"department": [_("No department of your jurisdiction has this code.")]}
                )
        data["department"] = department
    return data


class MeasureListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="policy_measures_list",
        summary=gettext_lazy("List the policy measures"),
        parameters=[
            OpenApiParameter("active", bool),
            OpenApiParameter("q", str, description=gettext_lazy("Code, title or document.")),
        ],
        responses=MeasureOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        require_perms(request, VIEW)
        active = request.query_params.get("active", "").lower()
        qs = measure_list(
            active=True
            if active in {"1", "true", "yes"}
            else False
            if active in {"0", "false", "no"}
            else None,
            search=request.query_params.get("q", ""),
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(MeasureOutput(page, many=True).data)

    @extend_schema(
        operation_id="policy_measures_create",
        summary=gettext_lazy("Add a policy measure"),
        request=_MeasureInput,
        responses={201: MeasureOutput},
    )
    def post(self, request: Request) -> Response:
        require_perms(request, VIEW, ADD)
        user = request_user(request)
        serializer = _MeasureInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = measure_save(actor=user, data=_service_data(user, serializer.validated_data))
        return Response(MeasureOutput(saved).data, status=status.HTTP_201_CREATED)


class MeasureDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    def _measure(self, pk: int) -> PolicyMeasure:
        found = PolicyMeasure.objects.select_related("department").filter(pk=pk).first()
        if found is None:
            raise exceptions.NotFound(_("No such measure."))
        return found

    @extend_schema(
        operation_id="policy_measures_retrieve",
        summary=gettext_lazy("Read a policy measure"),
        responses=MeasureOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        require_perms(request, VIEW)
        return Response(MeasureOutput(self._measure(pk)).data)

    @extend_schema(
        operation_id="policy_measures_partial_update",
        summary=gettext_lazy("Change or retire a policy measure"),
        description=gettext_lazy(
            "Only the fields sent change; send the version read (stale: 409, nothing "
            'written). Retire: {"is_active": false, "version": n}.'
        ),
        request=_MeasureChangeInput,
        responses={
            200: MeasureOutput,
            409: error_response(gettext_lazy('The version sent is stale (code "conflict").')),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        require_perms(request, VIEW)
        measure = self._measure(pk)
        require_perms(request, CHANGE)
        user = request_user(request)
        if not measure_may_change(user=user, measure=measure):
            raise exceptions.PermissionDenied(
                _("This measure is issued by a department outside your jurisdiction.")
            )
        serializer = _MeasureChangeInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            saved = measure_save(
                actor=user,
                measure=measure,
                expected_version=serializer.validated_data["version"],
                data=_service_data(user, serializer.validated_data),
            )
        except ConflictError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return Response(MeasureOutput(saved).data)


api_patterns = [
    path("policy-measures/", MeasureListApi.as_view(), name="policy_measures"),
    path("policy-measures/<int:pk>/", MeasureDetailApi.as_view(), name="policy_measure"),
]
