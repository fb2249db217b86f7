"""The soft-enforcement API (`/api/v1/soft-actions/...`; docs/domain.md §9).

- Visibility as on the pages (`soft_actions_for_user`): staff holding `view_softaction` see the
  documents of their jurisdiction (the bureau every one; a partner department only those its own
  department issued); an enterprise user sees its own enterprise's, from approval on; a
  document outside one's reach is a 404 (the list: 403 for a user who may read none), and so is
  every step on it (the services refuse a step outside the actor's department as well).
- Staff write: create a draft (`add_softaction`), approve (`approve_softaction`), record the
  service and the rectification (`serve_softaction`), each step sending the `version` it read
  (a stale one is a 409 and nothing is written).
- Reading a document through the API is not its opening in the self-service area: it never
  counts as service (that is the enterprise's pages' business, APL art. 61).
- The rules and their messages are the services' (`remediation.services.soft_actions`): a
  refusal is a 400 naming the reason.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize
from remediation.api.common import (
    StaffOrMemberCanRead,
    VersionConflict,
    VersionedStepApi,
    request_user,
    require_perms,
    visible_or_404,
)
from remediation.models import SoftAction
from remediation.permissions import RemediationPerm
from remediation.selectors.soft_actions import (
    is_overdue,
    soft_actions_filtered,
    soft_actions_for_user,
    soft_actions_queued,
)
from remediation.services.soft_actions import (
    soft_action_approve,
    soft_action_create,
    soft_action_rectified,
    soft_action_serve,
)


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else changed this document first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: someone else changed the document first (code "conflict"). '
        "Nothing was written; read it again and resend with the new version."
    )
)


class CanReadSoftActions(StaffOrMemberCanRead):
    """Staff with `view_softaction`, or an enterprise user (who reads its own documents)."""

    codename = RemediationPerm.VIEW_SOFT_ACTION
    message = gettext_lazy("You do not have permission to read soft-enforcement documents.")


def _visible(request: Request, pk: int) -> SoftAction:
    return visible_or_404(soft_actions_for_user(user=request_user(request)), pk)


# --------------------------------------------------------------------------- serializers


class _EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class _DepartmentRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="SoftAction")
class SoftActionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    instrument = serializers.ChoiceField(choices=SoftAction.Instrument.choices)
    instrument_display = serializers.CharField(source="get_instrument_display")
    number = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("Allocated at approval; null for a draft.")
    )
    status = serializers.ChoiceField(
        choices=SoftAction.Status.choices,
        help_text=gettext_lazy(
            "draft, approved (issued, not yet served), served (rectification due), rectified, "
            "overdue (the deadline passed without rectification), escalated (to a case), "
            "cancelled."
        ),
    )
    status_display = serializers.CharField(source="get_status_display")
    overdue = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "true when the rectification is overdue today (also before the nightly job marks it)."
        )
    )
    enterprise = _EnterpriseRef(allow_null=True)
    addressee_name = serializers.CharField()
    department = _DepartmentRef()
    trigger = serializers.ChoiceField(choices=SoftAction.Trigger.choices)
    reason = serializers.CharField()
    legal_basis = serializers.CharField()
    facts = serializers.CharField()
    required_actions = serializers.CharField()
    deadline_working_days = serializers.IntegerField(allow_null=True)
    contact_person = serializers.CharField()
    contact_phone = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    served_on = serializers.DateField(allow_null=True)
    service_method = serializers.CharField()
    opened_at = serializers.DateTimeField(
        allow_null=True,
        help_text=gettext_lazy("When a user of the enterprise first opened it online."),
    )
    deadline = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy(
            "Rectify by (the day itself is in time); for an interview notice whose interview "
            "is not recorded yet, the day to attend by."
        ),
    )
    deadline_provisional = serializers.BooleanField(
        help_text=gettext_lazy(
            "true when the deadline runs through a year whose holiday schedule is not known."
        )
    )
    rectified_on = serializers.DateField(allow_null=True)
    overdue_on = serializers.DateField(allow_null=True)
    escalated_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with every step (optimistic locking).")
    )

    def get_overdue(self, action: SoftAction) -> bool:
        return is_overdue(action, timezone.localdate())


@extend_schema_serializer(component_name="SoftActionCreate")
class SoftActionCreateInput(serializers.Serializer):
    instrument = serializers.ChoiceField(choices=SoftAction.Instrument.choices)
    enterprise = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy(
            "Credit code of the market entity, in your jurisdiction. Empty only for a "
            "suggestion to another public body."
        ),
    )
    addressee_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = serializers.CharField(
        max_length=32, help_text=gettext_lazy("Code of the issuing department, e.g. amr.")
    )
    trigger = serializers.ChoiceField(
        choices=SoftAction.Trigger.choices, default=SoftAction.Trigger.OTHER
    )
    reason = serializers.CharField(max_length=4000)
    legal_basis = serializers.CharField(max_length=4000)
    facts = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    required_actions = serializers.CharField(max_length=4000)
    deadline_working_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=gettext_lazy("Empty: the instrument's default period."),
    )
    contact_person = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    contact_phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )


class _VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text=gettext_lazy("The version you read: a stale one gives 409.")
    )


@extend_schema_serializer(component_name="SoftActionApprove")
class ApproveInput(_VersionInput):
    pass


@extend_schema_serializer(component_name="SoftActionServe")
class ServeInput(_VersionInput):
    served_on = serializers.DateField()
    method = serializers.ChoiceField(choices=SoftAction.ServiceMethod.choices)
    receipt_signed_by = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "Who signed the proof of service (送达回证); required for service in person or left "
            "at the premises."
        ),
    )


@extend_schema_serializer(component_name="SoftActionRectify")
class RectifyInput(_VersionInput):
    rectified_on = serializers.DateField()
    report = serializers.CharField(max_length=4000)


def _output(action: SoftAction) -> dict[str, Any]:
    fresh = SoftAction.objects.select_related("enterprise", "department").get(pk=action.pk)
    return dict(SoftActionOutput(fresh).data)


# --------------------------------------------------------------------------- views


class SoftActionListApi(APIView):
    """List the documents a user may see; create a draft."""

    permission_classes = [IsAuthenticated, CanReadSoftActions]
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="soft_actions_list",
        summary=gettext_lazy("List soft-enforcement documents"),
        description=gettext_lazy(
            "Staff with view_softaction see the documents of their jurisdiction, overdue "
            "rectification first, then those awaiting approval and service; an enterprise user "
            "sees its own enterprise's documents from approval on. Reading is never service. "
            "Refused with 400: a value that is not one of a filter's choices."
        ),
        parameters=[
            OpenApiParameter(
                "instrument", OpenApiTypes.STR, enum=SoftAction.Instrument.values, required=False
            ),
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=SoftAction.Status.values, required=False
            ),
            OpenApiParameter(
                "queue",
                OpenApiTypes.STR,
                enum=["overdue", "approval", "service", "due"],
                required=False,
                description=gettext_lazy(
                    "overdue: rectification overdue; approval: drafts; service: approved, not "
                    "served; due: served, deadline not passed."
                ),
            ),
            OpenApiParameter(
                "year",
                OpenApiTypes.INT,
                required=False,
                description=gettext_lazy("The year served (an interview's: the year held)."),
            ),
            OpenApiParameter(
                "division",
                OpenApiTypes.STR,
                required=False,
                description=gettext_lazy("The entity's street or town."),
            ),
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=False,
                description=gettext_lazy(
                    "Part of the number, the addressee or the entity's name, or the end of its "
                    "credit code."
                ),
            ),
        ],
        responses={
            200: SoftActionOutput(many=True),
            400: error_response(gettext_lazy("A filter is not one of its choices.")),
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        filters: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        choices = {
            "instrument": SoftAction.Instrument.values,
            "status": SoftAction.Status.values,
            "queue": ["overdue", "approval", "service", "due"],
        }
        for name, allowed in choices.items():
            value = params.get(name)
            if value:
                if value not in allowed:
                    errors[name] = [
                        _("Choose one of: %(values)s.") % {"values": ", ".join(allowed)}
                    ]
                filters[name] = value
        q = params.get("q", "")
        if len(q) > 100:
            errors["q"] = [_("At most 100 characters.")]
        filters["q"] = q
        year = params.get("year", "")
        if year:
            if not (year.isdigit() and 2000 <= int(year) <= 2100):
                errors["year"] = [_("A year between 2000 and 2100.")]
            else:
                filters["year"] = int(year)
        filters["division"] = params.get("division", "")[:64]
        if errors:
            raise exceptions.ValidationError(errors)
        today = timezone.localdate()
        queryset = soft_actions_filtered(
            soft_actions_queued(soft_actions_for_user(user=request_user(request)), today=today),
            filters=filters,
            today=today,
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(SoftActionOutput(page, many=True).data)

    @extend_schema(
        operation_id="soft_actions_create",
        summary=gettext_lazy("Draft a soft-enforcement document"),
        description=gettext_lazy(
            "Needs add_softaction. A draft has no number; it takes one at approval. Refused "
            "with 400, naming the field: an entity not in your jurisdiction or deregistered, "
            "no entity for anything but a suggestion, a department not yours, a missing reason, "
            "legal basis or required actions, a period outside 1 to 120 working days, a "
            "malformed phone number."
        ),
        request=SoftActionCreateInput,
        responses={201: SoftActionOutput},
    )
    def post(self, request: Request) -> Response:
        require_perms(request, RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.ADD_SOFT_ACTION)
        serializer = SoftActionCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user = request_user(request)
        code = normalize(data.pop("enterprise", "") or "")
        enterprise = None
        if code:
            enterprise = enterprise_list_for_user(user=user).filter(uscc=code).first()
            if enterprise is None:
                raise exceptions.ValidationError(
                    {
                        "enterprise": [
                            _("No market entity with this credit code is in your jurisdiction.")
                        ]
                    }
                )
        department = Department.objects.filter(code=data.pop("department")).first()
        if (
            department is None
            or not departments_of_jurisdiction(user=user).filter(pk=department.pk).exists()
        ):
            raise exceptions.ValidationError(
                {"department": [_("You may issue documents only in your own department's name.")]}
            )
        action = soft_action_create(
            actor=user,
            enterprise=enterprise,
            department=department,
            addressee_name=data.pop("addressee_name", ""),
            **data,
        )
        return Response(_output(action), status=status.HTTP_201_CREATED)


class SoftActionDetailApi(APIView):
    permission_classes = [IsAuthenticated, CanReadSoftActions]

    @extend_schema(
        operation_id="soft_actions_retrieve",
        summary=gettext_lazy("Read a soft-enforcement document"),
        description=gettext_lazy(
            "A document outside your reach (another enterprise's, another department's, a "
            "draft for an enterprise user) is a 404. Reading it here is not its service."
        ),
        responses=SoftActionOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(SoftActionOutput(_visible(request, pk)).data)


class _StepApi(VersionedStepApi):
    """A staff step on a document: visible (404), `view_softaction` and `needs` (403)."""

    permission_classes = [IsAuthenticated, CanReadSoftActions]
    input_class = _VersionInput

    def target(self, request: Request, pk: int) -> SoftAction:
        return _visible(request, pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return Conflict(
            _(
                "Someone else changed this document first (version %(v)d). Read it again "
                "and resend with the new version."
            )
            % {"v": exc.current_version}
        )

    def answer(self, request: Request, pk: int, done: SoftAction) -> Response:
        return Response(_output(done))


class SoftActionApproveApi(_StepApi):
    needs = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.APPROVE_SOFT_ACTION)
    input_class = ApproveInput

    @extend_schema(
        operation_id="soft_actions_approve",
        summary=gettext_lazy("Approve a draft"),
        description=gettext_lazy(
            "Needs approve_softaction. The document is issued today and takes the next number "
            "of its instrument and year. Refused with 400: not a draft; your own draft (another "
            "officer approves)."
        ),
        request=ApproveInput,
        responses={200: SoftActionOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, action: SoftAction, data: dict[str, Any]) -> SoftAction:
        return soft_action_approve(actor=user, action=action, expected_version=data["version"])


class SoftActionServeApi(_StepApi):
    needs = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.SERVE_SOFT_ACTION)
    input_class = ServeInput

    @extend_schema(
        operation_id="soft_actions_serve",
        summary=gettext_lazy("Record the service of a document (送达回证)"),
        description=gettext_lazy(
            "Needs serve_softaction. The deadline runs from the day of service, in working days. "
            "Refused with 400: served already (a document is served once), not approved, a day "
            "in the future or before the issue date, no signature for service in person or left "
            "at the premises, electronic service without the party's consent (APL art. 61)."
        ),
        request=ServeInput,
        responses={200: SoftActionOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, action: SoftAction, data: dict[str, Any]) -> SoftAction:
        return soft_action_serve(
            actor=user,
            action=action,
            served_on=data["served_on"],
            method=data["method"],
            receipt_signed_by=data["receipt_signed_by"],
            expected_version=data["version"],
        )


class SoftActionRectifyApi(_StepApi):
    needs = (RemediationPerm.VIEW_SOFT_ACTION, RemediationPerm.SERVE_SOFT_ACTION)
    input_class = RectifyInput

    @extend_schema(
        operation_id="soft_actions_rectify",
        summary=gettext_lazy("Record the rectification"),
        description=gettext_lazy(
            "Needs serve_softaction. Closes the letter in the credit ledger, dated the day of "
            "rectification (after the deadline it reads replied late). Refused with 400: not "
            "served, a day before service or in the future, an interview not yet recorded, no "
            "report."
        ),
        request=RectifyInput,
        responses={200: SoftActionOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, action: SoftAction, data: dict[str, Any]) -> SoftAction:
        return soft_action_rectified(
            actor=user,
            action=action,
            rectified_on=data["rectified_on"],
            report=data["report"],
            expected_version=data["version"],
        )


urlpatterns = [
    path("soft-actions/", SoftActionListApi.as_view(), name="soft-action-list"),
    path("soft-actions/<int:pk>/", SoftActionDetailApi.as_view(), name="soft-action-detail"),
    path(
        "soft-actions/<int:pk>/approve/",
        SoftActionApproveApi.as_view(),
        name="soft-action-approve",
    ),
    path("soft-actions/<int:pk>/serve/", SoftActionServeApi.as_view(), name="soft-action-serve"),
    path(
        "soft-actions/<int:pk>/rectify/",
        SoftActionRectifyApi.as_view(),
        name="soft-action-rectify",
    ),
]
