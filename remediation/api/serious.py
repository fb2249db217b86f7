"""The API of the serious illegal and dishonest list (`/api/v1/serious-listings/...`;
docs/domain.md §3 "The 3-year rule", §5).

- Visibility as on the pages (`serious_for_user`; who decided, acts): staff holding
  `view_seriouslisting` see their jurisdiction's entries; an enterprise user its own
  enterprise's; anything else is a 404 (a list: 403).
- Read-only but for the revocation of an entry found wrongful (staff holding
  `decide_directorycase`, sending the `version` they read: a stale one is a 409). The moves,
  the ends of terms and the repairs are the daily jobs' and the repair applications'.
- The bar on the legal representative: its dates and whether the register holds the identity
  number it is matched on; never the number (staff read the masked one on the pages).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.models import User
from remediation.api.common import (
    VersionConflict,
    VersionedStepApi,
    is_enterprise_member,
    request_user,
)
from remediation.models import SeriousListing
from remediation.permissions import RemediationPerm
from remediation.selectors.serious import bars_of, serious_list, serious_one_for_user
from remediation.services.serious import serious_revoke

State = SeriousListing.State


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else acted on this listing first.")


def _is_staff_reader(user: Any) -> bool:
    return bool(user.has_perm(RemediationPerm.VIEW_SERIOUS))


@extend_schema_serializer(component_name="SeriousEnterprise")
class _EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class _BarOutput(serializers.Serializer):
    barred_from = serializers.DateField()
    barred_until = serializers.DateField()
    lifted_on = serializers.DateField(allow_null=True)
    identity_number_on_file = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "false: the register holds no identity number for the legal representative, so the "
            "bar matches nobody (the staff page warns)."
        )
    )

    @extend_schema_field(serializers.BooleanField())
    def get_identity_number_on_file(self, bar: Any) -> bool:
        return bool(bar.id_digest)


@extend_schema_serializer(component_name="SeriousListing")
class SeriousOutput(serializers.Serializer):
    id = serializers.IntegerField()
    document_number = serializers.CharField(allow_blank=True)
    enterprise = _EnterpriseRef()
    reason = serializers.ChoiceField(choices=SeriousListing.Reason.choices)
    state = serializers.ChoiceField(choices=State.choices)
    listed_on = serializers.DateField()
    term_ends = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The day the term ends and the listing leaves (a setting)."),
    )
    bar_until = serializers.DateField(allow_null=True)
    removed_on = serializers.DateField(allow_null=True)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    listing_record = serializers.IntegerField(source="listing_record_id", allow_null=True)
    removal_record = serializers.IntegerField(source="removal_record_id", allow_null=True)
    bar = serializers.SerializerMethodField()
    version = serializers.IntegerField()

    @extend_schema_field(_BarOutput(allow_null=True))
    def get_bar(self, entry: SeriousListing) -> dict[str, Any] | None:
        bar = self.context.get("bars", {}).get(entry.pk)
        return dict(_BarOutput(bar).data) if bar is not None else None


class _RevokeInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reasons = serializers.CharField(max_length=4000)


def _output(entry: SeriousListing) -> Response:
    return Response(SeriousOutput(entry, context={"bars": bars_of([entry])}).data)


class SeriousListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="serious_listings_list",
        summary=gettext_lazy("List the serious illegal and dishonest list"),
        description=gettext_lazy(
            "Staff with view_seriouslisting see their jurisdiction's entries, those in force "
            "first by the end of their term; an enterprise user its own enterprise's."
        ),
        parameters=[OpenApiParameter("state", str, enum=State.values)],
        responses=SeriousOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not (_is_staff_reader(user) or is_enterprise_member(user)):
            raise exceptions.PermissionDenied()
        state = request.query_params.get("state", "")
        if state and state not in State.values:
            raise exceptions.ValidationError({"state": [_("Unknown state.")]})
        paginator = StandardPagination()
        page = paginator.paginate_queryset(serious_list(user=user, state=state), request, view=self)
        entries = list(page or [])
        return paginator.get_paginated_response(
            SeriousOutput(entries, many=True, context={"bars": bars_of(entries)}).data
        )


class SeriousDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="serious_listings_retrieve",
        summary=gettext_lazy("Read a serious-list entry"),
        responses=SeriousOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        entry = serious_one_for_user(user=user, pk=pk)
        if not (_is_staff_reader(user) or is_enterprise_member(user)):
            raise exceptions.PermissionDenied()
        return _output(entry)


class SeriousRevokeApi(VersionedStepApi):
    permission_classes = [IsAuthenticated]
    needs = (RemediationPerm.VIEW_SERIOUS, RemediationPerm.DECIDE_OBJECTION)
    input_class = _RevokeInput

    @extend_schema(
        operation_id="serious_listings_revoke",
        summary=gettext_lazy("Revoke a serious-list entry found wrongful"),
        description=gettext_lazy(
            "Needs decide_directorycase; reasons required. The entry is closed in the credit "
            "ledger (no longer public or counted) and the legal representative's bar lifted."
        ),
        request=_RevokeInput,
        responses={
            200: SeriousOutput,
            409: error_response(gettext_lazy('The version sent is stale (code "conflict").')),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def target(self, request: Request, pk: int) -> SeriousListing:
        return serious_one_for_user(user=request_user(request), pk=pk)

    def step(self, user: User, obj: SeriousListing, data: dict[str, Any]) -> SeriousListing:
        return serious_revoke(
            actor=user, serious=obj, reasons=data["reasons"], expected_version=data["version"]
        )

    def conflict(self, exc: ConflictError) -> Conflict:
        return Conflict(" ".join(exc.messages))

    def answer(self, request: Request, pk: int, done: SeriousListing) -> Response:
        return _output(serious_one_for_user(user=request_user(request), pk=pk))


urlpatterns = [
    path("serious-listings/", SeriousListApi.as_view(), name="serious-listing-list"),
    path("serious-listings/<int:pk>/", SeriousDetailApi.as_view(), name="serious-listing-detail"),
    path(
        "serious-listings/<int:pk>/revoke/",
        SeriousRevokeApi.as_view(),
        name="serious-listing-revoke",
    ),
]
