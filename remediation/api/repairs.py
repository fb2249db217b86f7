"""The credit-repair API (`/api/v1/repair-applications/...`; docs/domain.md §5).

- Visibility as on the pages (`repair_applications_for_user`; who decided, repairs): staff
  holding `view_repairapplication` of the bureau see every application, a partner department's
  only the repairs of its own department's decisions; an enterprise user sees its own
  enterprise's; anything else is a 404 (a list: 403), every step on it too.
- An upload is a download under the pages' sandbox policy (`attachment_response`).
- Enterprise users apply (multipart, with the uploads) and withdraw; staff holding
  `decide_repairapplication` accept, do not accept, approve or refuse, sending the `version`
  they read (a stale one is a 409 and nothing is written).
- The rules and their messages are the services' (`remediation.services.repairs`); a refusal
  is a 400 naming the reason.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.models import User
from enterprises.models import CreditRecord
from enterprises.selectors.accounts import member_enterprise
from remediation.api.common import (
    VersionConflict,
    VersionedStepApi,
    is_enterprise_member,
    request_user,
)
from remediation.models import RepairApplication, RepairAttachment, RepairSync
from remediation.permissions import RemediationPerm
from remediation.rules import REPAIR_RULES, repair_eligibility
from remediation.selectors.repairs import (
    STATUS_GROUPS,
    repair_application_for_user,
    repair_attachment_for_user,
    repair_due,
    repair_queue,
)
from remediation.services.repairs import (
    repair_accept,
    repair_apply,
    repair_attachment_opened,
    repair_decide,
    repair_not_accept,
    repair_withdraw,
)
from remediation.views.repairs import attachment_response

Status = RepairApplication.Status


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else acted on this application first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: someone else acted on the application first (code "conflict"). '
        "Nothing was written; read it again."
    )
)


def _is_staff_reader(user: Any) -> bool:
    return bool(user.has_perm(RemediationPerm.VIEW_REPAIR))


def _visible(request: Request, pk: int) -> RepairApplication:
    """The application through jurisdiction (404), readable by staff with the codename or by
    the member of its enterprise (403 otherwise)."""
    user = request_user(request)
    application = repair_application_for_user(user=user, pk=pk)
    if not (_is_staff_reader(user) or is_enterprise_member(user)):
        raise exceptions.PermissionDenied()
    return application


# --------------------------------------------------------------------------- serializers


class ConditionOutput(serializers.Serializer):
    code = serializers.CharField()
    # DRF's metaclass moves declared fields out of the class: this does not hide Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    met = serializers.BooleanField(
        allow_null=True,
        help_text=gettext_lazy(
            "true or false as the portal checked it; null where the applicant declares it with "
            "evidence and the officer verifies it."
        ),
    )
    detail = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="RepairEligibility")
class EligibilityOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RepairApplication.Kind.choices)
    eligible = serializers.BooleanField()
    earliest_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("The first day an application is possible.")
    )
    conditions = ConditionOutput(many=True)
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Why not now; empty if eligible.")
    )
    elsewhere = serializers.BooleanField(
        help_text=gettext_lazy(
            "Decided by another department: repaired through Credit China (信用中国), not here."
        )
    )
    outside_repair = serializers.BooleanField(
        help_text=gettext_lazy(
            "Nothing to repair: not published, a term that ends by itself first, or a measure "
            "never repairable early."
        )
    )


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RepairAttachment.Kind.choices)
    original_name = serializers.CharField()
    content_type = serializers.CharField(
        help_text=gettext_lazy("As read from the file's content, not as the client sent it.")
    )
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class SyncOutput(serializers.Serializer):
    network = serializers.ChoiceField(choices=RepairSync.Network.choices)
    status = serializers.ChoiceField(choices=RepairSync.Status.choices)
    exported_at = serializers.DateTimeField(allow_null=True)
    export_batch = serializers.CharField(allow_blank=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)


class EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class RecordRef(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    occurred_on = serializers.DateField()
    document_number = serializers.CharField(allow_blank=True)
    authority = serializers.CharField(allow_blank=True)
    publicity_start = serializers.DateField(source="publicity_from", allow_null=True)
    publicity_end = serializers.DateField(allow_null=True)


class NextDueOutput(serializers.Serializer):
    step = serializers.CharField(source="label")
    day = serializers.DateField(source="deadline.day")
    provisional = serializers.BooleanField(
        source="deadline.provisional",
        help_text=gettext_lazy(
            "Counted across a year whose holiday schedule is not known yet: may still change."
        ),
    )
    working_days_left = serializers.IntegerField(
        help_text=gettext_lazy("Working days until the day; negative: overdue by that many.")
    )


@extend_schema_serializer(component_name="RepairApplication")
class ApplicationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RepairApplication.Kind.choices)
    status = serializers.ChoiceField(choices=RepairApplication.Status.choices)
    enterprise = EnterpriseRef()
    record = RecordRef()
    penalty = serializers.IntegerField(source="penalty_id", allow_null=True)
    applicant_name = serializers.CharField()
    applicant_phone = serializers.CharField()
    statement = serializers.CharField()
    pledge_accepted = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()
    acceptance_due = serializers.DateField()
    accepted_on = serializers.DateField(allow_null=True)
    decision_due = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
    reasons = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy("Why not accepted or refused (the enterprise reads them)."),
    )
    effect_due = serializers.DateField(allow_null=True)
    repair_record = serializers.IntegerField(source="repair_record_id", allow_null=True)
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a step: a stale one gives 409.")
    )
    next_due = serializers.SerializerMethodField()
    conditions = serializers.JSONField(
        help_text=gettext_lazy(
            'The conditions as checked: "applied" (when applying) and "decided" (at approval), '
            "each with on, eligible, earliest_on, conditions and reasons."
        )
    )
    attachments = AttachmentOutput(many=True, source="attachments.all")
    syncs = SyncOutput(
        many=True,
        source="syncs.all",
        help_text=gettext_lazy("After approval: the state of the repair in each outside network."),
    )

    @extend_schema_field(NextDueOutput(allow_null=True))
    def get_next_due(self, application: RepairApplication) -> dict[str, Any] | None:
        due = repair_due(application, today=self.context["today"])
        return dict(NextDueOutput(due).data) if due is not None else None


class _ApplyInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RepairApplication.Kind.choices)
    record = serializers.IntegerField(help_text=gettext_lazy("The ledger record to repair."))
    applicant_name = serializers.CharField(max_length=64)
    applicant_phone = serializers.CharField(max_length=32)
    statement = serializers.CharField(max_length=4000)
    pledge_accepted = serializers.BooleanField(
        help_text=gettext_lazy("The credit pledge (信用承诺书), given online: required.")
    )
    evidence = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=gettext_lazy("At least one.")
    )
    application = serializers.ListField(child=serializers.FileField(), required=False)
    pledge = serializers.ListField(child=serializers.FileField(), required=False)
    identity = serializers.ListField(child=serializers.FileField(), required=False)

    FILE_KINDS = {
        "evidence": RepairAttachment.Kind.EVIDENCE,
        "application": RepairAttachment.Kind.APPLICATION,
        "pledge": RepairAttachment.Kind.PLEDGE,
        "identity": RepairAttachment.Kind.IDENTITY,
    }


class _VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class _ReasonsInput(_VersionInput):
    reasons = serializers.CharField(max_length=4000)


class _DecideInput(_VersionInput):
    approve = serializers.BooleanField()
    reasons = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Required when refusing; the enterprise reads them."),
    )
    verified = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        default=dict,
        help_text=gettext_lazy(
            'For an approval: true for each declared condition (met null in "conditions", e.g. '
            '{"carried_out": true, "harm_removed": true}) the officer verified against the '
            "evidence. Each is needed; a missing or false one is a 400 naming the condition. "
            "Who verified and when is kept in conditions.decided."
        ),
    )


def _output(application: RepairApplication, status_code: int = 200) -> Response:
    fresh = (
        RepairApplication.objects.select_related("enterprise", "record")
        .prefetch_related("attachments", "syncs")
        .get(pk=application.pk)
    )
    context = {"today": timezone.localdate()}
    return Response(ApplicationOutput(fresh, context=context).data, status=status_code)


# --------------------------------------------------------------------------- views


class RepairApplicationListApi(APIView):
    """List applications; an enterprise user applies."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="repair_applications_list",
        summary=gettext_lazy("List credit repair applications"),
        description=gettext_lazy(
            "Staff with view_repairapplication see the applications of their jurisdiction "
            "(partner departments: the repairs of their own department's decisions), open ones "
            "first by the day their next step is due; an enterprise user sees its own "
            "enterprise's."
        ),
        parameters=[
            OpenApiParameter("kind", str, enum=RepairApplication.Kind.values),
            OpenApiParameter(
                "status",
                str,
                enum=[*RepairApplication.Status.values, *STATUS_GROUPS],
                description=gettext_lazy(
                    "A status, or decided (approved or refused), or pending (submitted or "
                    "accepted)."
                ),
            ),
            OpenApiParameter("year", int, description=gettext_lazy("The year decided.")),
            OpenApiParameter(
                "submitted_year", int, description=gettext_lazy("The year submitted.")
            ),
            OpenApiParameter(
                "division", str, description=gettext_lazy("The entity's street or town.")
            ),
            OpenApiParameter(
                "overdue",
                bool,
                description=gettext_lazy("Only applications whose next step is overdue."),
            ),
        ],
        responses=ApplicationOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not (_is_staff_reader(user) or is_enterprise_member(user)):
            raise exceptions.PermissionDenied()
        params = request.query_params
        kind = params.get("kind", "")
        state = params.get("status", "")
        errors = {}
        if kind and kind not in RepairApplication.Kind.values:
            errors["kind"] = [_("Unknown kind of credit repair.")]
        if state and state not in RepairApplication.Status.values and state not in STATUS_GROUPS:
            errors["status"] = [_("Unknown status.")]
        years: dict[str, int | None] = {}
        for name in ("year", "submitted_year"):
            value = params.get(name, "")
            if value and not (value.isdigit() and 2000 <= int(value) <= 2100):
                errors[name] = [_("A year between 2000 and 2100.")]
            years[name] = int(value) if value.isdigit() else None
        if errors:
            raise exceptions.ValidationError(errors)
        queue = repair_queue(
            user=user,
            today=timezone.localdate(),
            kind=kind,
            status=state,
            overdue=params.get("overdue", "").lower() in {"1", "true", "yes"},
            year=years["year"],
            submitted_year=years["submitted_year"],
            division=params.get("division", "")[:64],
        ).prefetch_related("attachments", "syncs")
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        context = {"today": timezone.localdate()}
        return paginator.get_paginated_response(
            ApplicationOutput(page, many=True, context=context).data
        )

    @extend_schema(
        operation_id="repair_applications_create",
        summary=gettext_lazy("Apply for a credit repair"),
        description=gettext_lazy(
            "For an enterprise user, for a record of its own enterprise (multipart/form-data). "
            "Refused with 400, naming the reason: a record that is not eligible (too early, "
            "never repairable early, not published, a condition not met), a penalty another "
            "department decided (repaired through Credit China, 信用中国), an application "
            "already open for the record, no credit pledge, no evidence file, a file that is "
            "not a PDF or an image by its content, too large, or too many files."
        ),
        request={"multipart/form-data": _ApplyInput},
        responses={201: ApplicationOutput},
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        if not is_enterprise_member(user):
            raise exceptions.PermissionDenied(_("Only an enterprise user applies for a repair."))
        enterprise = member_enterprise(user=user)
        serializer = _ApplyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = CreditRecord.objects.filter(pk=data["record"], enterprise=enterprise).first()
        if record is None:
            raise exceptions.ValidationError({"record": [_("No such record of your enterprise.")]})
        files = [
            (str(kind), f)
            for name, kind in _ApplyInput.FILE_KINDS.items()
            for f in data.get(name) or []
        ]
        application = repair_apply(
            actor=user,
            enterprise=enterprise,
            kind=data["kind"],
            record=record,
            applicant_name=data["applicant_name"],
            applicant_phone=data["applicant_phone"],
            statement=data["statement"],
            pledge_accepted=data["pledge_accepted"],
            files=files,
        )
        return _output(application, status.HTTP_201_CREATED)


class RepairEligibilityApi(APIView):
    """Whether a record of the user's enterprise may be repaired today, and why."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="repair_applications_eligibility",
        summary=gettext_lazy("Check a record's eligibility for repair"),
        description=gettext_lazy(
            "For an enterprise user: the record (a penalty, or a listing) of its own enterprise; "
            "the same check an application makes. 404 for a record of another enterprise."
        ),
        parameters=[
            OpenApiParameter("record", int, required=True),
            OpenApiParameter("kind", str, enum=RepairApplication.Kind.values),
        ],
        responses={
            200: EligibilityOutput,
            404: error_response(
                gettext_lazy(
                    'No record with this id in your enterprise\'s ledger (code "not_found").'
                )
            ),
        },
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not is_enterprise_member(user):
            raise exceptions.PermissionDenied()
        enterprise = member_enterprise(user=user)
        try:
            record_pk = int(request.query_params.get("record", ""))
        except ValueError:
            raise exceptions.ValidationError({"record": [_("A record id is a number.")]}) from None
        record = CreditRecord.objects.filter(pk=record_pk, enterprise=enterprise).first()
        if record is None:
            raise Http404
        kinds = {rule.record_kind: kind for kind, rule in REPAIR_RULES.items()}
        kind = request.query_params.get("kind") or kinds.get(record.kind, "penalty_publicity")
        if kind not in REPAIR_RULES:
            raise exceptions.ValidationError({"kind": [_("Unknown kind of credit repair.")]})
        eligibility = repair_eligibility(kind=kind, record=record, today=timezone.localdate())
        return Response(EligibilityOutput(eligibility).data)


class RepairApplicationDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="repair_applications_retrieve",
        summary=gettext_lazy("Read a credit repair application"),
        responses=ApplicationOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        return _output(_visible(request, pk))


def _conflict(exc: ConflictError) -> Conflict:
    return Conflict(" ".join(exc.messages))


class _StepApi(VersionedStepApi):
    """A staff step on an application: jurisdiction (404), then decide_repairapplication (403)."""

    permission_classes = [IsAuthenticated]
    needs = (RemediationPerm.VIEW_REPAIR, RemediationPerm.DECIDE_REPAIR)

    def target(self, request: Request, pk: int) -> RepairApplication:
        return repair_application_for_user(user=request_user(request), pk=pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return _conflict(exc)

    def answer(self, request: Request, pk: int, done: RepairApplication) -> Response:
        return _output(done)


class RepairAcceptApi(_StepApi):
    input_class = _VersionInput

    @extend_schema(
        operation_id="repair_applications_accept",
        summary=gettext_lazy("Accept an application"),
        description=gettext_lazy(
            "Needs decide_repairapplication. The decision is then due within the limit in "
            "working days (5 for a directory removal, else 15; settings)."
        ),
        request=_VersionInput,
        responses={200: ApplicationOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(
        self, user: User, application: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        return repair_accept(actor=user, application=application, expected_version=data["version"])


class RepairNotAcceptApi(_StepApi):
    input_class = _ReasonsInput

    @extend_schema(
        operation_id="repair_applications_not_accept",
        summary=gettext_lazy("Do not accept an application"),
        description=gettext_lazy("Needs decide_repairapplication; the reasons are required."),
        request=_ReasonsInput,
        responses={200: ApplicationOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(
        self, user: User, application: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        return repair_not_accept(
            actor=user,
            application=application,
            reasons=data["reasons"],
            expected_version=data["version"],
        )


class RepairDecideApi(_StepApi):
    input_class = _DecideInput

    @extend_schema(
        operation_id="repair_applications_decide",
        summary=gettext_lazy("Approve or refuse a repair"),
        description=gettext_lazy(
            "Needs decide_repairapplication; the application must be accepted. A refusal needs "
            "its reasons. An approval checks the record's eligibility again (400 naming what "
            "changed), needs each declared condition verified (`verified`; 400 naming the one "
            "missing), closes the record in the credit ledger (the public profile shows it no "
            "more) and queues the repair for each outside network."
        ),
        request=_DecideInput,
        responses={200: ApplicationOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(
        self, user: User, application: RepairApplication, data: dict[str, Any]
    ) -> RepairApplication:
        return repair_decide(
            actor=user,
            application=application,
            approve=data["approve"],
            reasons=data.get("reasons", ""),
            verified=[code for code, ok in (data.get("verified") or {}).items() if ok],
            expected_version=data["version"],
        )


class RepairWithdrawApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="repair_applications_withdraw",
        summary=gettext_lazy("Withdraw an application"),
        description=gettext_lazy(
            "For the enterprise user of the applicant enterprise, before a decision."
        ),
        request=_VersionInput,
        responses={200: ApplicationOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        application = repair_application_for_user(user=user, pk=pk)
        if not is_enterprise_member(user):
            raise exceptions.PermissionDenied()
        data = _validated(_VersionInput, request)
        try:
            done = repair_withdraw(
                actor=user, application=application, expected_version=data["version"]
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return _output(done)


class RepairFileApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="repair_applications_file",
        summary=gettext_lazy("Download an upload of an application"),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=gettext_lazy("The file, with the content type read from it."),
            )
        },
    )
    def get(self, request: Request, pk: int, file_pk: int) -> FileResponse:
        user = request_user(request)
        _visible(request, pk)
        attachment = repair_attachment_for_user(user=user, application_pk=pk, attachment_pk=file_pk)
        if not is_enterprise_member(user):
            repair_attachment_opened(actor=user, attachment=attachment)
        return attachment_response(attachment)


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


urlpatterns = [
    path(
        "repair-applications/",
        RepairApplicationListApi.as_view(),
        name="repair-application-list",
    ),
    path(
        "repair-applications/eligibility/",
        RepairEligibilityApi.as_view(),
        name="repair-application-eligibility",
    ),
    path(
        "repair-applications/<int:pk>/",
        RepairApplicationDetailApi.as_view(),
        name="repair-application-detail",
    ),
    path(
        "repair-applications/<int:pk>/accept/",
        RepairAcceptApi.as_view(),
        name="repair-application-accept",
    ),
    path(
        "repair-applications/<int:pk>/not-accept/",
        RepairNotAcceptApi.as_view(),
        name="repair-application-not-accept",
    ),
    path(
        "repair-applications/<int:pk>/decide/",
        RepairDecideApi.as_view(),
        name="repair-application-decide",
    ),
    path(
        "repair-applications/<int:pk>/withdraw/",
        RepairWithdrawApi.as_view(),
        name="repair-application-withdraw",
    ),
    path(
        "repair-applications/<int:pk>/files/<int:file_pk>/",
        RepairFileApi.as_view(),
        name="repair-application-file",
    ),
]
