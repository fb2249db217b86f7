"""The API of objections to listings (`/api/v1/listing-objections/...`; docs/domain.md §3).

- Visibility as on the pages (`objections_for_user`; who decided, acts): staff holding
  `view_listingobjection` see the objections to their department's listings (the bureau's: all);
  an enterprise user sees its own enterprise's; anything else is a 404 (a list: 403).
- An enterprise user files (received the day it is sent) and withdraws; staff holding
  `decide_directorycase` record a paper objection (with the day received), accept, do not
  accept, and decide (upheld or rejected), sending the `version` they read (a stale one is a
  409 and nothing is written).
- The rules and their messages are the services' (`remediation.services.objections`): a 400
  names the reason (too late, naming the last day; an objection already open; a listing not in
  force; reasons missing).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
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
from remediation.models import DirectoryCase, ListingObjection
from remediation.permissions import RemediationPerm
from remediation.selectors.directory import cases_for_user
from remediation.selectors.objections import (
    objection_due,
    objection_for_user,
    objection_queue,
)
from remediation.services.objections import (
    objection_accept,
    objection_decide,
    objection_file,
    objection_not_accept,
    objection_window,
    objection_withdraw,
)

Status = ListingObjection.Status


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else acted on this objection first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: someone else acted on the objection first (code "conflict"). '
        "Nothing was written; read it again."
    )
)


def _is_staff_reader(user: Any) -> bool:
    return bool(user.has_perm(RemediationPerm.VIEW_OBJECTION))


# --------------------------------------------------------------------------- serializers


class _NextDue(serializers.Serializer):
    step = serializers.CharField(source="label")
    day = serializers.DateField(source="deadline.day")
    provisional = serializers.BooleanField(source="deadline.provisional")
    working_days_left = serializers.IntegerField(
        help_text=gettext_lazy("Working days until the day; negative: overdue by that many.")
    )


class _ListingRef(serializers.Serializer):
    case = serializers.IntegerField(source="pk")
    reason = serializers.ChoiceField(choices=DirectoryCase.Reason.choices)
    individual_business = serializers.BooleanField()
    report_year = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(choices=DirectoryCase.State.choices)
    listed_on = serializers.DateField(allow_null=True)
    document_number = serializers.CharField(allow_blank=True)
    objections_until = serializers.SerializerMethodField(
        help_text=gettext_lazy("The last day to object (30 calendar days after publication).")
    )

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_objections_until(self, case: DirectoryCase) -> Any:
        window = objection_window(case)
        return window.last_day.isoformat() if window is not None else None


@extend_schema_serializer(component_name="ObjectionEnterprise")
class _EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="ListingObjection")
class ObjectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    enterprise = _EnterpriseRef()
    listing = _ListingRef(source="case")
    received_on = serializers.DateField()
    grounds = serializers.CharField()
    contact_name = serializers.CharField(allow_blank=True)
    contact_phone = serializers.CharField(allow_blank=True)
    acceptance_due = serializers.DateField()
    accepted_on = serializers.DateField(allow_null=True)
    verification_due = serializers.DateField(allow_null=True)
    due_provisional = serializers.BooleanField()
    decided_on = serializers.DateField(allow_null=True)
    reasons = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("Why not accepted, upheld or rejected.")
    )
    revocation_record = serializers.IntegerField(source="revocation_record_id", allow_null=True)
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a step: a stale one gives 409.")
    )
    next_due = serializers.SerializerMethodField()

    @extend_schema_field(_NextDue(allow_null=True))
    def get_next_due(self, objection: ListingObjection) -> dict[str, Any] | None:
        due = objection_due(objection, today=self.context["today"])
        return dict(_NextDue(due).data) if due is not None else None


class _FileInput(serializers.Serializer):
    case = serializers.IntegerField(help_text=gettext_lazy("The listing's directory case."))
    grounds = serializers.CharField(max_length=4000)
    contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    received_on = serializers.DateField(
        required=False,
        help_text=gettext_lazy(
            "Staff entering a paper objection: the day the bureau received it (default today). "
            "Not for an enterprise user, whose objection is received the day it is sent."
        ),
    )


@extend_schema_serializer(component_name="ObjectionVersion")
class _VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


@extend_schema_serializer(component_name="ObjectionReasons")
class _ReasonsInput(_VersionInput):
    reasons = serializers.CharField(max_length=4000)


@extend_schema_serializer(component_name="ObjectionDecide")
class _DecideInput(_ReasonsInput):
    upheld = serializers.BooleanField(
        help_text=gettext_lazy("true: the listing was wrongful and is revoked; false: it stands.")
    )


def _output(objection: ListingObjection, status_code: int = 200) -> Response:
    fresh = ListingObjection.objects.select_related(
        "case", "case__listing_record", "enterprise"
    ).get(pk=objection.pk)
    return Response(
        ObjectionOutput(fresh, context={"today": timezone.localdate()}).data, status=status_code
    )


# --------------------------------------------------------------------------- views


class ObjectionListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="listing_objections_list",
        summary=gettext_lazy("List objections to listings"),
        description=gettext_lazy(
            "Staff with view_listingobjection see the objections to their jurisdiction's "
            "listings, open ones first by the day their next step is due (overdue first); an "
            "enterprise user sees its own enterprise's."
        ),
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("overdue", bool, description=gettext_lazy("Only objections overdue.")),
        ],
        responses=ObjectionOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not (_is_staff_reader(user) or is_enterprise_member(user)):
            raise exceptions.PermissionDenied()
        state = request.query_params.get("status", "")
        if state and state not in Status.values:
            raise exceptions.ValidationError({"status": [_("Unknown status.")]})
        today = timezone.localdate()
        queue = objection_queue(
            user=user,
            today=today,
            status=state,
            overdue=request.query_params.get("overdue", "").lower() in {"1", "true", "yes"},
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        return paginator.get_paginated_response(
            ObjectionOutput(page, many=True, context={"today": today}).data
        )

    @extend_schema(
        operation_id="listing_objections_create",
        summary=gettext_lazy("File an objection to a listing"),
        description=gettext_lazy(
            "An enterprise user objects to a listing (or mark) of its own enterprise; staff "
            "with decide_directorycase record a paper objection with the day received. Refused "
            "with 400 naming the reason: after the 30 calendar days (naming the last day), an "
            "objection already open, a listing not in force, no grounds."
        ),
        request=_FileInput,
        responses={201: ObjectionOutput},
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        serializer = _FileInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = is_enterprise_member(user)
        if not member and not user.has_perms(
            [RemediationPerm.VIEW_OBJECTION, RemediationPerm.DECIDE_OBJECTION]
        ):
            raise exceptions.PermissionDenied()
        case = cases_for_user(user=user).filter(pk=data["case"]).first()
        if case is None:
            raise exceptions.ValidationError({"case": [_("No such listing visible to you.")]})
        assert isinstance(user, User)  # noqa: S101
        objection = objection_file(
            actor=user,
            case=case,
            grounds=data["grounds"],
            received_on=data.get("received_on"),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
        )
        return _output(objection, status.HTTP_201_CREATED)


class ObjectionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="listing_objections_retrieve",
        summary=gettext_lazy("Read an objection to a listing"),
        responses=ObjectionOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        objection = objection_for_user(user=user, pk=pk)
        if not (_is_staff_reader(user) or is_enterprise_member(user)):
            raise exceptions.PermissionDenied()
        return _output(objection)


class _StepApi(VersionedStepApi):
    """A staff step: jurisdiction (404), then the codenames (403)."""

    permission_classes = [IsAuthenticated]
    needs = (RemediationPerm.VIEW_OBJECTION, RemediationPerm.DECIDE_OBJECTION)

    def target(self, request: Request, pk: int) -> ListingObjection:
        return objection_for_user(user=request_user(request), pk=pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return Conflict(" ".join(exc.messages))

    def answer(self, request: Request, pk: int, done: ListingObjection) -> Response:
        return _output(done)


class ObjectionAcceptApi(_StepApi):
    input_class = _VersionInput

    @extend_schema(
        operation_id="listing_objections_accept",
        summary=gettext_lazy("Accept an objection for verification"),
        description=gettext_lazy("Needs decide_directorycase; verification is due in 20 WD."),
        request=_VersionInput,
        responses={200: ObjectionOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: ListingObjection, data: dict[str, Any]) -> ListingObjection:
        return objection_accept(actor=user, objection=obj, expected_version=data["version"])


class ObjectionNotAcceptApi(_StepApi):
    input_class = _ReasonsInput

    @extend_schema(
        operation_id="listing_objections_not_accept",
        summary=gettext_lazy("Do not accept an objection"),
        description=gettext_lazy("Needs decide_directorycase; the reasons are required."),
        request=_ReasonsInput,
        responses={200: ObjectionOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: ListingObjection, data: dict[str, Any]) -> ListingObjection:
        return objection_not_accept(
            actor=user, objection=obj, reasons=data["reasons"], expected_version=data["version"]
        )


class ObjectionDecideApi(_StepApi):
    input_class = _DecideInput

    @extend_schema(
        operation_id="listing_objections_decide",
        summary=gettext_lazy("Uphold or reject an objection"),
        description=gettext_lazy(
            "Needs decide_directorycase; the objection must be accepted; reasons required. "
            "Upheld: the listing is revoked (closed in the credit ledger, no longer public, no "
            "longer counted). Two officers deciding at once: the second gets 409."
        ),
        request=_DecideInput,
        responses={200: ObjectionOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: ListingObjection, data: dict[str, Any]) -> ListingObjection:
        return objection_decide(
            actor=user,
            objection=obj,
            upheld=data["upheld"],
            reasons=data["reasons"],
            expected_version=data["version"],
        )


class ObjectionWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="listing_objections_withdraw",
        summary=gettext_lazy("Withdraw an objection"),
        description=gettext_lazy("For the enterprise user of the listed enterprise."),
        request=_VersionInput,
        responses={200: ObjectionOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        objection = objection_for_user(user=user, pk=pk)
        if not is_enterprise_member(user):
            raise exceptions.PermissionDenied()
        serializer = _VersionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = objection_withdraw(
                actor=user,
                objection=objection,
                expected_version=serializer.validated_data["version"],
            )
        except ConflictError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return _output(done)


urlpatterns = [
    path("listing-objections/", ObjectionListApi.as_view(), name="listing-objection-list"),
    path(
        "listing-objections/<int:pk>/",
        ObjectionDetailApi.as_view(),
        name="listing-objection-detail",
    ),
    path(
        "listing-objections/<int:pk>/accept/",
        ObjectionAcceptApi.as_view(),
        name="listing-objection-accept",
    ),
    path(
        "listing-objections/<int:pk>/not-accept/",
        ObjectionNotAcceptApi.as_view(),
        name="listing-objection-not-accept",
    ),
    path(
        "listing-objections/<int:pk>/decide/",
        ObjectionDecideApi.as_view(),
        name="listing-objection-decide",
    ),
    path(
        "listing-objections/<int:pk>/withdraw/",
        ObjectionWithdrawApi.as_view(),
        name="listing-objection-withdraw",
    ),
]
