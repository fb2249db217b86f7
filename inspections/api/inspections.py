"""The inspections API (issue 17 §8):

- `GET /api/v1/inspections/` (`view_inspection`): the inspections the user may see
  (`inspections_for_user`: the bureau all, a partner department its own, joint visits and
  assignments), filtered (`scope` mine / department / review / publish / all, `status`,
  `origin`, `overdue`, `enterprise` credit code, `draw` id), open ones first, due first;
  `GET /api/v1/inspections/<id>/` one, with its checks and inspectors.
- `POST .../<id>/record/` (`record_inspection`, an assigned inspector), `.../review/` and
  `.../publish/` (`review_inspection`), `.../assign/` (a triggered inspection's inspectors:
  `handle_lead` or `review_inspection`), each sending the `version` read: a stale one is a
  409, and so is a result recorded twice, reviewed twice or published twice (the state
  moved on); the services' other rules are 400s naming the field.
- `GET /api/v1/me/inspections/`: an enterprise user's own enterprise's published inspections.

Order of the checks: login (401/403), the object through visibility (404), the codenames
(403), the input (400), the service.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
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
from enterprises.uscc import normalize
from inspections import rules
from inspections.models import Inspection, InspectionCheck, Inspector
from inspections.permissions import InspectionPerm
from inspections.selectors.inspections import (
    SCOPES,
    default_scope,
    inspection_for_user,
    own_published,
    task_list,
    timing,
)
from inspections.services.inspections import (
    APPROVE,
    CHECK_NOTE_MAX,
    FINDINGS_MAX,
    ORDER_NUMBER_MAX,
    RETURN,
    REVIEW_NOTE_MAX,
    inspection_assign,
    inspection_publish,
    inspection_record,
    inspection_review,
)

Status = Inspection.Status
# Database ids as the input takes them (a larger number overflows SQLite's integers: a 500).
ID_DIGITS = 18
ID_MAX = 2**63 - 1
# A refusal because the state moved on: a 409 like a stale version.
STATE_CODES = {"recorded", "reviewed", "published", "cancelled", "not_recorded", "not_reviewed"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("Someone else acted on this inspection first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        "The version sent is stale, or the inspection has moved on (a result recorded, "
        'reviewed or published already) (code "conflict"). Nothing was written; read it '
        "again."
    )
)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated ran first
    return request.user


def _require(user: User, *codenames: str) -> None:
    if not user.has_perms((InspectionPerm.VIEW_INSPECTION, *codenames)):
        raise exceptions.PermissionDenied()


def _run(step: Any) -> Any:
    """Run a service call: a stale version or a state that moved on is a 409."""
    try:
        return step()
    except ConflictError as exc:
        raise Conflict(" ".join(exc.messages)) from exc
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict") and any(e.code in STATE_CODES for e in exc.error_list):
            raise Conflict(" ".join(exc.messages)) from exc
        raise


# --------------------------------------------------------------------------- output


@extend_schema_serializer(component_name="InspectionEnterprise")
class EnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()


@extend_schema_serializer(component_name="InspectionCheckOut")
class CheckOutput(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    department = serializers.CharField(source="item.department.name")
    plan = serializers.CharField(source="plan.code", allow_null=True, default=None)
    checklist = serializers.CharField(source="item.checklist")
    result = serializers.ChoiceField(choices=InspectionCheck.Result.choices)
    note = serializers.CharField()


@extend_schema_serializer(component_name="InspectionInspectorRef")
class InspectorRef(serializers.Serializer):
    id = serializers.IntegerField(source="inspector.id")
    username = serializers.CharField(source="inspector.user.username")
    name = serializers.SerializerMethodField(
        help_text=gettext_lazy("The inspector's name, as the pages show it.")
    )
    department = serializers.CharField(source="inspector.department.name")
    position = serializers.IntegerField()

    def get_name(self, assignment: Any) -> str:
        return str(assignment.inspector.user)


@extend_schema_serializer(component_name="Inspection")
class InspectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = EnterpriseRef()
    origin = serializers.ChoiceField(choices=Inspection.Origin.choices)
    status = serializers.ChoiceField(choices=Inspection.Status.choices)
    draw = serializers.CharField(source="draw.number", allow_null=True, default=None)
    lead = serializers.IntegerField(source="lead_id", allow_null=True)
    department = serializers.CharField(source="department.name")
    due_by = serializers.DateField()
    overdue = serializers.SerializerMethodField()
    checked_from = serializers.DateField(allow_null=True)
    check_ended_on = serializers.DateField(allow_null=True)
    result_codes = serializers.ListField(child=serializers.CharField())
    findings = serializers.CharField()
    problems_found = serializers.BooleanField()
    publish_due = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("20 working days after the check ended (docs/domain.md §2)."),
    )
    publish_overdue = serializers.SerializerMethodField()
    published_on = serializers.DateField(allow_null=True)
    review_note = serializers.CharField()
    follow_up = serializers.DictField(
        help_text=gettext_lazy(
            "What the approved result led to: order, listing_3, listing_4 (directory case "
            "ids), referral (a lead id), self_correction (the decision and its reason)."
        )
    )
    version = serializers.IntegerField()

    def get_overdue(self, obj: Inspection) -> bool:
        return timing(obj, self.context["today"]).overdue

    def get_publish_overdue(self, obj: Inspection) -> bool:
        return timing(obj, self.context["today"]).publish_overdue


@extend_schema_serializer(component_name="InspectionDetail")
class InspectionDetailOutput(InspectionOutput):
    checks = serializers.SerializerMethodField()
    inspectors = serializers.SerializerMethodField()

    @extend_schema_field(CheckOutput(many=True))
    def get_checks(self, obj: Inspection) -> Any:
        rows = obj.checks.select_related("item__department", "plan").order_by(
            "plan__code", "item__code"
        )
        return CheckOutput(rows, many=True).data

    @extend_schema_field(InspectorRef(many=True))
    def get_inspectors(self, obj: Inspection) -> Any:
        rows = obj.assignments.select_related("inspector__user", "inspector__department")
        return InspectorRef(rows.order_by("position"), many=True).data


@extend_schema_serializer(component_name="OwnInspection")
class OwnInspectionOutput(serializers.Serializer):
    """An enterprise's own published inspection: what was checked and found, by which
    departments; no inspector's name, no internal note."""

    id = serializers.IntegerField()
    origin = serializers.ChoiceField(choices=Inspection.Origin.choices)
    draw = serializers.CharField(source="draw.number", allow_null=True, default=None)
    department = serializers.CharField(source="department.name")
    checked_from = serializers.DateField(allow_null=True)
    check_ended_on = serializers.DateField(allow_null=True)
    result_codes = serializers.ListField(child=serializers.CharField())
    findings = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    checks = serializers.SerializerMethodField()

    @extend_schema_field(CheckOutput(many=True))
    def get_checks(self, obj: Inspection) -> Any:
        # Prefetched by `MeInspectionsApi` (one query for the page, not one per row).
        return CheckOutput(obj.checks.all(), many=True).data


def _out(inspection: Inspection, code: int = 200) -> Response:
    fresh = Inspection.objects.select_related("enterprise", "department", "draw").get(
        pk=inspection.pk
    )
    data = InspectionDetailOutput(fresh, context={"today": timezone.localdate()}).data
    return Response(data, status=code)


# --------------------------------------------------------------------------- input


@extend_schema_serializer(component_name="InspectionCheckIn")
class CheckInput(serializers.Serializer):
    id = serializers.IntegerField()
    result = serializers.ChoiceField(
        choices=[
            (c.value, c.label)
            for c in (
                InspectionCheck.Result.OK,
                InspectionCheck.Result.PROBLEM,
                InspectionCheck.Result.NOT_APPLICABLE,
            )
        ]
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=CHECK_NOTE_MAX)


@extend_schema_serializer(component_name="InspectionRecord")
class RecordInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    checks = CheckInput(many=True)
    result_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(rules.RESULT_CODES.items())),
        help_text=gettext_lazy("Several codes of the newer list; “1” stands alone."),
    )
    findings = serializers.CharField(required=False, allow_blank=True, max_length=FINDINGS_MAX)
    checked_from = serializers.DateField()
    check_ended_on = serializers.DateField()
    disclose_items = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        help_text=gettext_lazy("Result B: the items of immediate information to disclose."),
    )
    order_number = serializers.CharField(
        required=False, allow_blank=True, max_length=ORDER_NUMBER_MAX
    )


@extend_schema_serializer(component_name="InspectionReview")
class ReviewInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(
        choices=[
            (APPROVE, gettext_lazy("Approve")),
            (RETURN, gettext_lazy("Return for correction")),
        ]
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=REVIEW_NOTE_MAX)
    confirm_unreachable = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("Required to approve a result 6.")
    )
    self_correction = serializers.BooleanField(required=False, default=False)
    self_correction_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REVIEW_NOTE_MAX
    )
    publish_now = serializers.BooleanField(required=False, default=False)


@extend_schema_serializer(component_name="InspectionVersion")
class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


@extend_schema_serializer(component_name="InspectionAssign")
class AssignInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    inspectors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        help_text=gettext_lazy("Inspector ids, in order."),
    )


# --------------------------------------------------------------------------- views


def _bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "").lower()
    if raw in {"", "false", "0", "no"}:
        return False
    if raw in {"true", "1", "yes"}:
        return True
    raise exceptions.ValidationError({name: [_("Enter true or false.")]})


class InspectionListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="inspections_list",
        summary=gettext_lazy("List inspections"),
        description=gettext_lazy(
            "Needs view_inspection. The bureau's staff see every inspection; a partner "
            "department's staff those it leads, those with an item of theirs and those they "
            "are assigned to. Open ones first, the earliest due first."
        ),
        parameters=[
            OpenApiParameter("scope", str, enum=list(SCOPES)),
            OpenApiParameter("status", str, enum=Inspection.Status.values),
            OpenApiParameter("origin", str, enum=Inspection.Origin.values),
            OpenApiParameter(
                "overdue",
                bool,
                description=gettext_lazy(
                    "Only those past their day to inspect by, or awaiting publication past "
                    "their day to publish by."
                ),
            ),
            OpenApiParameter("enterprise", str, description=gettext_lazy("A credit code.")),
            OpenApiParameter("draw", int),
            OpenApiParameter("year", int, description=gettext_lazy("The year the check ended.")),
            OpenApiParameter(
                "division", str, description=gettext_lazy("The entity's street or town.")
            ),
            OpenApiParameter(
                "with_result",
                bool,
                description=gettext_lazy("Only those with a result (recorded or later)."),
            ),
            OpenApiParameter(
                "problems",
                bool,
                description=gettext_lazy("Only those with a result that found problems."),
            ),
        ],
        responses=InspectionOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _user(request)
        _require(user)
        params = request.query_params
        scope = params.get("scope") or default_scope(user)
        if scope not in SCOPES:
            raise exceptions.ValidationError({"scope": [_("Unknown list.")]})
        for name, allowed in (
            ("status", Inspection.Status.values),
            ("origin", Inspection.Origin.values),
        ):
            if params.get(name) and params[name] not in allowed:
                raise exceptions.ValidationError({name: [_("Unknown value.")]})
        draw_id = None
        if params.get("draw"):
            raw = params["draw"]
            # A database id: digits, at most 18 (a larger number overflows SQLite: a 500).
            if not (raw.isascii() and raw.isdigit() and len(raw) <= ID_DIGITS):
                raise exceptions.ValidationError({"draw": [_("Enter a number.")]})
            draw_id = int(raw)
        year = params.get("year", "")
        if year and not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
            raise exceptions.ValidationError({"year": [_("A year between 2000 and 2100.")]})
        today = timezone.localdate()
        qs = task_list(
            user=user,
            scope=scope,
            today=today,
            status=params.get("status", ""),
            origin=params.get("origin", ""),
            overdue=_bool(request, "overdue"),
            draw_id=draw_id,
            year=int(year) if year else None,
            division=params.get("division", "")[:64],
            with_result=_bool(request, "with_result"),
            problems=_bool(request, "problems"),
        )
        if params.get("enterprise"):
            qs = qs.filter(enterprise__uscc=normalize(params["enterprise"]))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(
            InspectionOutput(page, many=True, context={"today": today}).data
        )


class InspectionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inspections_retrieve",
        summary=gettext_lazy("Read an inspection"),
        responses=InspectionDetailOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _user(request)
        _require(user)
        return _out(inspection_for_user(user=user, pk=pk))


class InspectionRecordApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inspections_record",
        summary=gettext_lazy("Record the result of an inspection"),
        description=gettext_lazy(
            "Needs record_inspection, by an inspector assigned to it. Every item checked gets "
            "ok, problem or na (a problem or na with a note); result codes of the newer list, "
            "“1” alone; findings for a problem code; result B asks disclose_items and "
            "order_number. 409 when recorded already or published."
        ),
        request=RecordInput,
        responses={200: InspectionDetailOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        _require(user, InspectionPerm.RECORD)
        serializer = RecordInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        checks = {
            int(c["id"]): {"result": c["result"], "note": c.get("note", "")} for c in data["checks"]
        }
        done = _run(
            lambda: inspection_record(
                actor=user,
                inspection=inspection,
                checks=checks,
                result_codes=list(data["result_codes"]),
                findings=data.get("findings", ""),
                checked_from=data["checked_from"],
                check_ended_on=data["check_ended_on"],
                expected_version=data["version"],
                disclose_items=list(data.get("disclose_items") or []),
                order_number=data.get("order_number", ""),
            )
        )
        return _out(done)


class InspectionReviewApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inspections_review",
        summary=gettext_lazy("Approve or return a recorded result"),
        description=gettext_lazy(
            "Needs review_inspection; not by an inspector of it. Approval runs the follow-ups "
            "(B an order to disclose, C a reason-3 listing unless self-correction applies, 6 a "
            "reason-4 listing once confirmed; a partner department's finding a referral to the "
            "bureau); publish_now publishes at once. A return needs a note."
        ),
        request=ReviewInput,
        responses={200: InspectionDetailOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        _require(user, InspectionPerm.REVIEW)
        serializer = ReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        done = _run(
            lambda: inspection_review(
                actor=user,
                inspection=inspection,
                decision=data["decision"],
                expected_version=data["version"],
                note=data.get("note", ""),
                confirm_unreachable=data["confirm_unreachable"],
                self_correction=data["self_correction"],
                self_correction_reason=data.get("self_correction_reason", ""),
                publish_now=data["publish_now"],
            )
        )
        return _out(done)


class InspectionPublishApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inspections_publish",
        summary=gettext_lazy("Publish a reviewed result"),
        description=gettext_lazy(
            "Needs review_inspection. Appends the public inspection_result fact (public from "
            "today) and, when a problem was found, the non-public inspection_finding. 409 when "
            "published already or not reviewed."
        ),
        request=VersionInput,
        responses={200: InspectionDetailOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        _require(user, InspectionPerm.REVIEW)
        serializer = VersionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = serializer.validated_data["version"]
        done = _run(
            lambda: inspection_publish(actor=user, inspection=inspection, expected_version=version)
        )
        return _out(done)


class InspectionAssignApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inspections_assign",
        summary=gettext_lazy("Assign the inspectors of a triggered inspection"),
        description=gettext_lazy(
            "Needs handle_lead or review_inspection. At least two active inspectors, one of "
            "the lead department, none recused from the entity, each item's skill held; a "
            "drawn inspection keeps the draw's inspectors (400)."
        ),
        request=AssignInput,
        responses={200: InspectionDetailOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _user(request)
        inspection = inspection_for_user(user=user, pk=pk)
        _require(user)
        if not (user.has_perm(InspectionPerm.HANDLE_LEAD) or user.has_perm(InspectionPerm.REVIEW)):
            raise exceptions.PermissionDenied()
        serializer = AssignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = [int(i) for i in serializer.validated_data["inspectors"]]
        found = {i.pk: i for i in Inspector.objects.filter(pk__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise exceptions.ValidationError(
                {"inspectors": [_("Unknown inspector: %(ids)s.") % {"ids": missing}]}
            )
        version = serializer.validated_data["version"]
        done = _run(
            lambda: inspection_assign(
                actor=user,
                inspection=inspection,
                inspectors=[found[i] for i in ids],
                expected_version=version,
            )
        )
        return _out(done)


class MeInspectionsApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="me_inspections_list",
        summary=gettext_lazy("My enterprise's published inspections"),
        description=gettext_lazy(
            "For an enterprise user: its own enterprise's inspections once published, newest "
            "first (403 for anyone else)."
        ),
        responses=OwnInspectionOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _user(request)
        if getattr(user, "enterprise_membership", None) is None:
            raise exceptions.PermissionDenied()
        paginator = StandardPagination()
        checks = InspectionCheck.objects.select_related("item__department", "plan").order_by(
            "plan__code", "item__code"
        )
        rows = own_published(user=user).prefetch_related(Prefetch("checks", queryset=checks))
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(OwnInspectionOutput(page, many=True).data)


urlpatterns = [
    path("inspections/", InspectionListApi.as_view(), name="inspection-list"),
    path("inspections/<int:pk>/", InspectionDetailApi.as_view(), name="inspection-detail"),
    path("inspections/<int:pk>/record/", InspectionRecordApi.as_view(), name="inspection-record"),
    path("inspections/<int:pk>/review/", InspectionReviewApi.as_view(), name="inspection-review"),
    path(
        "inspections/<int:pk>/publish/", InspectionPublishApi.as_view(), name="inspection-publish"
    ),
    path("inspections/<int:pk>/assign/", InspectionAssignApi.as_view(), name="inspection-assign"),
    path("me/inspections/", MeInspectionsApi.as_view(), name="me-inspections"),
]
