"""The API of leads (`/api/v1/leads/...`; docs/domain.md §10): reports, complaints, referrals.

- Visibility as on the pages (`leads_for_user`): staff holding `view_lead` see the leads of
  their department (the bureau's: all); enterprise users and anyone else: 403 (a lead is never
  shown to the business it is about).
- Staff holding `handle_lead` enter leads (phone, letter, visit, referral) and take the steps,
  sending the `version` they read (a stale one is a 409 and nothing is written). A lead entered
  here answers with its receipt code once (`receipt_code`), to give to the reporter.
- The reporter's identity is never in an answer: it is read on the lead's own page only, where
  each reading is audited. Lists carry no content either.
- The rules and their messages are the services' (`inspections.services.leads`): a 400 names
  the problem per field.
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
from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize
from inspections.models import Inspection, InspectionItem, Lead
from inspections.permissions import InspectionPerm
from inspections.selectors.leads import lead_clocks, lead_due, lead_for_user, lead_queue
from inspections.services.leads import (
    lead_accept,
    lead_assign,
    lead_create,
    lead_decide,
    lead_extend,
    lead_link_enterprise,
    lead_mediation_end,
    lead_notify,
    lead_refuse,
    lead_violation_found,
)
from remediation.api.common import VersionConflict, VersionedStepApi, request_user, require_perms

Kind = Lead.Kind
Status = Lead.Status


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else acted on this lead first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: someone else acted on the lead first (code "conflict"). '
        "Nothing was written; read it again."
    )
)


def _require(request: Request, *codenames: str) -> User:
    require_perms(request, InspectionPerm.VIEW_LEAD, *codenames)
    return request_user(request)


# --------------------------------------------------------------------------- serializers


@extend_schema_serializer(component_name="LeadNextDue")
class _NextDue(serializers.Serializer):
    step = serializers.CharField(source="label")
    day = serializers.DateField(source="deadline.day")
    provisional = serializers.BooleanField(source="deadline.provisional")
    working_days_left = serializers.IntegerField(
        help_text=gettext_lazy("Working days until the day; negative: overdue by that many.")
    )


class _Clock(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=[
            ("verify", gettext_lazy("Verify the report")),
            ("notify", gettext_lazy("Tell the reporter")),
            ("accept", gettext_lazy("Accept or refuse the complaint")),
            ("mediation", gettext_lazy("End the mediation")),
        ]
    )
    step = serializers.CharField(source="label")
    due = serializers.DateField(source="deadline.day")
    provisional = serializers.BooleanField(source="deadline.provisional")
    done_on = serializers.DateField(allow_null=True)
    running = serializers.BooleanField()
    late = serializers.BooleanField()


@extend_schema_serializer(component_name="LeadEnterprise")
class _EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="LeadDepartment")
class _DepartmentRef(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="Lead")
class LeadOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    channel = serializers.ChoiceField(choices=Lead.Channel.choices)
    received_on = serializers.DateField()
    department = _DepartmentRef()
    handler = serializers.IntegerField(source="handler_id", allow_null=True)
    enterprise = _EnterpriseRef(allow_null=True)
    subject_name = serializers.CharField()
    subject_address = serializers.CharField(allow_blank=True)
    referring_department = _DepartmentRef(allow_null=True)
    referral_document = serializers.CharField(allow_blank=True)
    verify_due = serializers.DateField(allow_null=True)
    extended_on = serializers.DateField(allow_null=True)
    extension_reason = serializers.CharField(allow_blank=True)
    decision = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("case_opened, no_case, or empty.")
    )
    decided_on = serializers.DateField(allow_null=True)
    notify_due = serializers.DateField(allow_null=True)
    notified_on = serializers.DateField(allow_null=True)
    accept_due = serializers.DateField(allow_null=True)
    accepted_on = serializers.DateField(allow_null=True)
    refused_on = serializers.DateField(allow_null=True)
    refusal_reason = serializers.CharField(allow_blank=True)
    mediation_due = serializers.DateField(allow_null=True)
    mediation_ended_on = serializers.DateField(allow_null=True)
    mediation_outcome = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("agreed, failed, withdrawn, or empty.")
    )
    violation_found = serializers.BooleanField()
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a step: a stale one gives 409.")
    )
    next_due = serializers.SerializerMethodField()

    @extend_schema_field(_NextDue(allow_null=True))
    def get_next_due(self, lead: Lead) -> dict[str, Any] | None:
        due = lead_due(lead, today=self.context["today"])
        return dict(_NextDue(due).data) if due is not None else None


@extend_schema_serializer(component_name="LeadDetail")
class LeadDetailOutput(LeadOutput):
    content = serializers.CharField()
    decision_note = serializers.CharField(allow_blank=True)
    clocks = serializers.SerializerMethodField()
    inspections = serializers.SerializerMethodField(
        help_text=gettext_lazy("The triggered inspections of the lead (ids).")
    )

    @extend_schema_field(_Clock(many=True))
    def get_clocks(self, lead: Lead) -> list[dict[str, Any]]:
        return [dict(_Clock(c).data) for c in lead_clocks(lead, today=self.context["today"])]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_inspections(self, lead: Lead) -> list[int]:
        return list(
            Inspection.objects.filter(lead=lead).order_by("id").values_list("pk", flat=True)
        )


@extend_schema_serializer(component_name="LeadCreated")
class LeadCreatedOutput(LeadDetailOutput):
    receipt_code = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy(
            "The reporter's receipt code, given once (empty for a referral): it is stored as a "
            "digest only and cannot be read again."
        ),
    )


# The channels staff enter leads by (the public web form is the public's own).
# (and a question moved to the leads comes through `questions.services.question_move_to_lead`).
STAFF_CHANNELS = [
    c for c in Lead.Channel.choices if c[0] not in (Lead.Channel.WEB, Lead.Channel.QUESTION)
]


class _CreateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=STAFF_CHANNELS)
    received_on = serializers.DateField()
    uscc = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("The registered entity's credit code, if known."),
    )
    subject_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    subject_address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    content = serializers.CharField(max_length=4000)
    anonymous = serializers.BooleanField(required=False, default=False)
    reporter_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    reporter_email = serializers.EmailField(required=False, allow_blank=True)
    referring_department = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    referral_document = serializers.CharField(max_length=64, required=False, allow_blank=True)
    department = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=gettext_lazy("The handling department (default: yours; a referral: the bureau)."),
    )


@extend_schema_serializer(component_name="LeadVersion")
class _VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


@extend_schema_serializer(component_name="LeadAssign")
class _AssignInput(_VersionInput):
    handler = serializers.IntegerField(min_value=1, help_text=gettext_lazy("The user's id."))


@extend_schema_serializer(component_name="LeadLink")
class _LinkInput(_VersionInput):
    uscc = serializers.CharField(max_length=30)


@extend_schema_serializer(component_name="LeadReason")
class _ReasonInput(_VersionInput):
    reason = serializers.CharField(max_length=300)


class _ItemsMixin(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.SlugField(max_length=32),
        required=False,
        default=list,
        max_length=200,
        help_text=gettext_lazy("Codes of the inspection items the triggered inspection checks."),
    )


@extend_schema_serializer(component_name="LeadDecide")
class _DecideInput(_ItemsMixin, _VersionInput):
    decision = serializers.ChoiceField(choices=Lead.Decision.choices)
    note = serializers.CharField(max_length=4000)


@extend_schema_serializer(component_name="LeadNotify")
class _NotifyInput(_VersionInput):
    notified_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Lead.NotifyMethod.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="LeadEndMediation")
class _EndInput(_VersionInput):
    outcome = serializers.ChoiceField(choices=Lead.MediationOutcome.choices)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="LeadViolation")
class _ViolationInput(_ItemsMixin, _VersionInput):
    note = serializers.CharField(max_length=4000)


def _items(codes: list[str]) -> list[InspectionItem]:
    found = {i.code: i for i in InspectionItem.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise exceptions.ValidationError(
            {"items": [_("Unknown inspection items: %(codes)s.") % {"codes": ", ".join(unknown)}]}
        )
    return [found[c] for c in dict.fromkeys(codes)]


def _output(lead: Lead, *, status_code: int = 200, receipt: str | None = None) -> Response:
    fresh = Lead.objects.select_related(
        "enterprise", "department", "referring_department", "handler"
    ).get(pk=lead.pk)
    context = {"today": timezone.localdate()}
    if receipt is None:
        return Response(LeadDetailOutput(fresh, context=context).data, status=status_code)
    fresh.receipt_code = receipt  # type: ignore[attr-defined]
    return Response(LeadCreatedOutput(fresh, context=context).data, status=status_code)


# --------------------------------------------------------------------------- views


class LeadListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="leads_list",
        summary=gettext_lazy("List leads"),
        description=gettext_lazy(
            "Staff with view_lead see the leads of their department (the bureau: all), by the "
            "day their next step is due, the overdue first. No reporter's identity, no content."
        ),
        parameters=[
            OpenApiParameter("kind", str, enum=Kind.values),
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("overdue", bool, description=gettext_lazy("Only leads overdue.")),
            OpenApiParameter(
                "q", str, description=gettext_lazy("A lead number, credit code or part of a name.")
            ),
        ],
        responses=LeadOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _require(request)
        kind = request.query_params.get("kind", "")
        state = request.query_params.get("status", "")
        problems: dict[str, list[str]] = {}
        if kind and kind not in Kind.values:
            problems["kind"] = [_("Unknown kind.")]
        if state and state not in Status.values:
            problems["status"] = [_("Unknown status.")]
        search = request.query_params.get("q", "")
        if len(search) > 100:
            problems["q"] = [_("At most %(n)d characters.") % {"n": 100}]
        if "\x00" in search:
            problems["q"] = [_("This text contains a character that cannot be stored.")]
        if problems:
            raise exceptions.ValidationError(problems)
        today = timezone.localdate()
        queue = lead_queue(
            user=user,
            today=today,
            kind=kind,
            status=state,
            overdue=request.query_params.get("overdue", "").lower() in {"1", "true", "yes"},
            search=search,
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        return paginator.get_paginated_response(
            LeadOutput(page, many=True, context={"today": today}).data
        )

    @extend_schema(
        operation_id="leads_create",
        summary=gettext_lazy("Enter a lead"),
        description=gettext_lazy(
            "Staff with handle_lead enter a report or complaint received by phone, letter or "
            "in person, or a referral from another department (its department and document "
            "number). The answer carries the receipt code once. Refused with 400 naming the "
            "problem per field."
        ),
        request=_CreateInput,
        responses={201: LeadCreatedOutput},
    )
    def post(self, request: Request) -> Response:
        user = _require(request, InspectionPerm.HANDLE_LEAD)
        serializer = _CreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        problems: dict[str, list[str]] = {}
        enterprise = None
        code = normalize(data.get("uscc", ""))
        if code:
            enterprise = enterprise_list_for_user(user=user).filter(uscc=code).first()
            if enterprise is None:
                problems["uscc"] = [
                    _("No registered entity with this credit code is visible to you.")
                ]
        department = None
        if data.get("department"):
            department = (
                departments_of_jurisdiction(user=user).filter(pk=data["department"]).first()
            )
            if department is None:
                problems["department"] = [_("Choose a department within your jurisdiction.")]
        referring = None
        if data.get("referring_department"):
            referring = Department.objects.filter(pk=data["referring_department"]).first()
            if referring is None:
                problems["referring_department"] = [_("No such department.")]
        if problems:
            raise exceptions.ValidationError(problems)
        lead, receipt = lead_create(
            actor=user,
            kind=data["kind"],
            channel=data["channel"],
            received_on=data["received_on"],
            subject_name=data.get("subject_name", ""),
            subject_address=data.get("subject_address", ""),
            content=data["content"],
            enterprise=enterprise,
            anonymous=data.get("anonymous", False),
            reporter_name=data.get("reporter_name", ""),
            reporter_phone=data.get("reporter_phone", ""),
            reporter_email=data.get("reporter_email", ""),
            referring_department=referring,
            referral_document=data.get("referral_document", ""),
            department=department,
        )
        return _output(lead, status_code=status.HTTP_201_CREATED, receipt=receipt)


class LeadDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="leads_retrieve",
        summary=gettext_lazy("Read a lead"),
        description=gettext_lazy(
            "With its content, clocks and triggered inspections; never the reporter's identity."
        ),
        responses=LeadDetailOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _require(request)
        return _output(lead_for_user(user=user, pk=pk))


class _StepApi(VersionedStepApi):
    """A step: jurisdiction (404), then the codenames (403), the input (400), the version
    (409)."""

    permission_classes = [IsAuthenticated]
    needs = (InspectionPerm.VIEW_LEAD, InspectionPerm.HANDLE_LEAD)

    def target(self, request: Request, pk: int) -> Lead:
        require_perms(request, InspectionPerm.VIEW_LEAD)
        return lead_for_user(user=request_user(request), pk=pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return Conflict(" ".join(exc.messages))

    def answer(self, request: Request, pk: int, done: Lead) -> Response:
        return _output(done)


def _step_schema(operation: str, summary: Any, description: Any, request: Any) -> Any:
    return extend_schema(
        operation_id=f"leads_{operation}",
        summary=summary,
        description=description,
        request=request,
        responses={200: LeadDetailOutput, 409: CONFLICT_409},
    )


class LeadAssignApi(_StepApi):
    input_class = _AssignInput

    @_step_schema(
        "assign",
        gettext_lazy("Assign a lead"),
        gettext_lazy(
            "To a colleague of the handling department (or the bureau) who handles leads."
        ),
        _AssignInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        handler = User.objects.filter(pk=data["handler"]).first()
        if handler is None:
            raise exceptions.ValidationError({"handler": [_("No such user.")]})
        return lead_assign(actor=user, lead=obj, handler=handler, expected_version=data["version"])


class LeadLinkApi(_StepApi):
    input_class = _LinkInput

    @_step_schema(
        "link",
        gettext_lazy("Link a lead to the registered entity"),
        gettext_lazy("By its credit code, among the entities visible to you; an open lead only."),
        _LinkInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        enterprise = (
            enterprise_list_for_user(user=user).filter(uscc=normalize(data["uscc"])).first()
        )
        if enterprise is None:
            raise exceptions.ValidationError(
                {"uscc": [_("No registered entity with this credit code is visible to you.")]}
            )
        return lead_link_enterprise(
            actor=user, lead=obj, enterprise=enterprise, expected_version=data["version"]
        )


class LeadExtendApi(_StepApi):
    input_class = _ReasonInput

    @_step_schema(
        "extend",
        gettext_lazy("Extend the time to verify"),
        gettext_lazy(
            "A report or referral, once, by 15 working days, with the reason, before it runs out."
        ),
        _ReasonInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        return lead_extend(
            actor=user, lead=obj, reason=data["reason"], expected_version=data["version"]
        )


class LeadDecideApi(_StepApi):
    input_class = _DecideInput

    @_step_schema(
        "decide",
        gettext_lazy("Decide a report or referral"),
        gettext_lazy(
            "case_opened (the registered entity and the items to check needed: a triggered "
            "inspection) or no_case, with what the verification found."
        ),
        _DecideInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        return lead_decide(
            actor=user,
            lead=obj,
            decision=data["decision"],
            note=data["note"],
            items=_items(data["items"]),
            expected_version=data["version"],
        )


class LeadNotifyApi(_StepApi):
    input_class = _NotifyInput

    @_step_schema(
        "notify",
        gettext_lazy("Record that the reporter was told"),
        gettext_lazy("A named reporter of a decided report: the day and how."),
        _NotifyInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        return lead_notify(
            actor=user,
            lead=obj,
            notified_on=data["notified_on"],
            method=data["method"],
            note=data["note"],
            expected_version=data["version"],
        )


class LeadAcceptApi(_StepApi):
    input_class = _VersionInput

    @_step_schema(
        "accept",
        gettext_lazy("Accept a complaint"),
        gettext_lazy("Mediation starts; it ends within 45 working days."),
        _VersionInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        return lead_accept(actor=user, lead=obj, expected_version=data["version"])


class LeadRefuseApi(_StepApi):
    input_class = _ReasonInput

    @_step_schema(
        "refuse",
        gettext_lazy("Refuse a complaint"),
        gettext_lazy("With the reason, which the complainant reads."),
        _ReasonInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        return lead_refuse(
            actor=user, lead=obj, reason=data["reason"], expected_version=data["version"]
        )


class LeadEndMediationApi(_StepApi):
    input_class = _EndInput

    @_step_schema(
        "end_mediation",
        gettext_lazy("End a complaint's mediation"),
        gettext_lazy("Outcome: agreed, failed, withdrawn."),
        _EndInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        return lead_mediation_end(
            actor=user,
            lead=obj,
            outcome=data["outcome"],
            note=data["note"],
            expected_version=data["version"],
        )


class LeadViolationApi(_StepApi):
    input_class = _ViolationInput

    @_step_schema(
        "violation",
        gettext_lazy("Record a violation found during mediation"),
        gettext_lazy(
            "Once per complaint: a triggered inspection of the items (the registered entity "
            "needed); the mediation goes on."
        ),
        _ViolationInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Lead, data: dict[str, Any]) -> Lead:
        return lead_violation_found(
            actor=user,
            lead=obj,
            note=data["note"],
            items=_items(data["items"]),
            expected_version=data["version"],
        )


urlpatterns = [
    path("leads/", LeadListApi.as_view(), name="lead-list"),
    path("leads/<int:pk>/", LeadDetailApi.as_view(), name="lead-detail"),
    path("leads/<int:pk>/assign/", LeadAssignApi.as_view(), name="lead-assign"),
    path("leads/<int:pk>/link/", LeadLinkApi.as_view(), name="lead-link"),
    path("leads/<int:pk>/extend/", LeadExtendApi.as_view(), name="lead-extend"),
    path("leads/<int:pk>/decide/", LeadDecideApi.as_view(), name="lead-decide"),
    path("leads/<int:pk>/notify/", LeadNotifyApi.as_view(), name="lead-notify"),
    path("leads/<int:pk>/accept/", LeadAcceptApi.as_view(), name="lead-accept"),
    path("leads/<int:pk>/refuse/", LeadRefuseApi.as_view(), name="lead-refuse"),
    path("leads/<int:pk>/end-mediation/", LeadEndMediationApi.as_view(), name="lead-end-mediation"),
    path("leads/<int:pk>/violation/", LeadViolationApi.as_view(), name="lead-violation"),
]
