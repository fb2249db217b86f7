"""The abnormal-directory API (`/api/v1/abnormal-listings/...`; docs/domain.md §3).

- Visibility as on the pages (`cases_for_user`; who decided, acts): staff holding
  `view_directorycase` of the bureau see every case, a partner department's only its own
  department's; an enterprise user sees its own enterprise's cases (pending listings
  included); anything else is a 404 (a list: 403), every step on it too.
- Staff holding `decide_directorycase` list an entity for reasons 2-4 (an individual business
  is marked) and remove a listing after verification, sending the `version` they read (a
  stale one is a 409 and nothing is written). An enterprise user gives its credit pledge while
  its case is pending listing (the same 409).
- The rules and their messages are the services' (`remediation.services.directory`); a
  refusal is a 400 naming the reason.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
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
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize
from remediation.api.common import (
    VersionConflict,
    VersionedStepApi,
    is_enterprise_member,
    request_user,
    require_perms,
)
from remediation.api.repairs import EnterpriseRef, NextDueOutput
from remediation.forms.directory import STAFF_LISTING_REASONS, STAFF_REMOVAL_CODES
from remediation.models import DirectoryCase, DisclosureOrder
from remediation.permissions import RemediationPerm
from remediation.selectors.directory import (
    REMOVED_ON_REPAIR,
    case_for_user,
    cases_for_user,
    directory_filter,
)
from remediation.selectors.figures import BUFFER_OUTCOMES
from remediation.services.directory_notices import objection_deadline
from remediation.views.directory import case_due

State = DirectoryCase.State
Reason = DirectoryCase.Reason


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else acted on this case first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: someone else acted on the case first (code "conflict"). '
        "Nothing was written; read it again."
    )
)
KINDS = ("enterprise", "individual")
# The filters by the year something happened (`directory_year_filters`).
YEAR_FILTERS = ("deferred_year", "removed_year", "cured_year")
# The choices of the steps' inputs (named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
LISTING_REASON_CHOICES = [(r.value, r.label) for r in STAFF_LISTING_REASONS]
LISTING_SOURCE_CHOICES = [
    (s.value, s.label) for s in (DirectoryCase.Source.STAFF, DirectoryCase.Source.INSPECTION)
]
REMOVAL_CODE_CHOICES = [(c.value, c.label) for c in STAFF_REMOVAL_CODES]


def _is_staff_reader(user: Any) -> bool:
    return bool(user.has_perm(RemediationPerm.VIEW_DIRECTORY))


def _visible(request: Request, pk: int) -> DirectoryCase:
    """The case through jurisdiction (404), readable by staff with the codename or by the
    member of its enterprise (403 otherwise)."""
    user = request_user(request)
    case = case_for_user(user=user, pk=pk)
    if not (_is_staff_reader(user) or is_enterprise_member(user)):
        raise exceptions.PermissionDenied()
    return case


# --------------------------------------------------------------------------- serializers


@extend_schema_serializer(component_name="DirectoryReminder")
class ReminderOutput(serializers.Serializer):
    on = serializers.CharField(help_text=gettext_lazy("The day it was sent (YYYY-MM-DD)."))
    due = serializers.CharField(
        required=False, help_text=gettext_lazy("The reminder's day (YYYY-MM-DD).")
    )
    channel = serializers.CharField(required=False)
    working_days_before = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy("How many working days before the buffer deadline it was due."),
    )


@extend_schema_serializer(component_name="DirectoryCase")
class CaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = EnterpriseRef()
    individual_business = serializers.BooleanField(
        help_text=gettext_lazy(
            "An individual business is marked as abnormal (标记为经营异常状态, △), not listed."
        )
    )
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        help_text=gettext_lazy(
            "1 annual report not filed on time, 2 information not disclosed within the ordered "
            "period, 3 false information, 4 unreachable at the registered address."
        ),
    )
    report_year = serializers.IntegerField(allow_null=True)
    # DRF's metaclass moves declared fields out of the class: this does not hide Field.source.
    source = serializers.ChoiceField(choices=DirectoryCase.Source.choices)  # type: ignore[assignment]
    state = serializers.ChoiceField(choices=State.choices)
    department = serializers.CharField(source="department.name")
    facts = serializers.CharField(allow_blank=True)
    detected_on = serializers.DateField()
    buffer_deadline = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("Pending listing: filed by this day, the entity is never listed."),
    )
    pledged_on = serializers.DateField(allow_null=True)
    pledge_text = serializers.CharField(allow_blank=True)
    reminders = serializers.SerializerMethodField()
    closed_on = serializers.DateField(allow_null=True)
    listing_due = serializers.DateField(allow_null=True)
    listed_on = serializers.DateField(allow_null=True)
    document_number = serializers.CharField(allow_blank=True)
    listing_record = serializers.IntegerField(source="listing_record_id", allow_null=True)
    objection_until = serializers.SerializerMethodField()
    cured_on = serializers.DateField(allow_null=True)
    removed_on = serializers.DateField(allow_null=True)
    removal_code = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy(
            "1 reports filed, 2 disclosed, 3 corrected, 4 domicile changed, 5 reachable again, "
            "6 moved to the serious list, 7 deregistered or revoked; empty while listed."
        ),
    )
    removal_record = serializers.IntegerField(source="removal_record_id", allow_null=True)
    serious_due = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("Three years on the directory complete on.")
    )
    notice_opened_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a step: a stale one gives 409.")
    )
    next_due = serializers.SerializerMethodField()

    @extend_schema_field(ReminderOutput(many=True))
    def get_reminders(self, case: DirectoryCase) -> list[dict[str, Any]]:
        return [r for r in case.reminders or [] if isinstance(r, dict) and "on" in r]

    @extend_schema_field(
        serializers.DateField(
            allow_null=True,
            help_text=gettext_lazy(
                "The last day an objection may be filed (30 days from publication); null "
                "before a listing."
            ),
        )
    )
    def get_objection_until(self, case: DirectoryCase) -> str | None:
        day = objection_deadline(case)
        return day.isoformat() if day else None

    @extend_schema_field(NextDueOutput(allow_null=True))
    def get_next_due(self, case: DirectoryCase) -> dict[str, Any] | None:
        due = case_due(case, self.context["today"])
        return dict(NextDueOutput(due).data) if due is not None else None


@extend_schema_serializer(component_name="DirectoryListing")
class _ListInput(serializers.Serializer):
    enterprise = serializers.CharField(
        max_length=30, help_text=gettext_lazy("The market entity's credit code.")
    )
    reason = serializers.ChoiceField(choices=LISTING_REASON_CHOICES)
    facts = serializers.CharField(max_length=4000)
    verified_on = serializers.DateField(
        help_text=gettext_lazy("The day the facts were verified; listed within 10 WD of it.")
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field, not Field.source
        choices=LISTING_SOURCE_CHOICES,
        default=DirectoryCase.Source.STAFF.value,
    )
    order = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=gettext_lazy("Reason 2: the order to disclose not complied with."),
    )


class _VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


@extend_schema_serializer(component_name="DirectoryRemoval")
class _RemoveInput(_VersionInput):
    code = serializers.ChoiceField(choices=REMOVAL_CODE_CHOICES)
    reasons = serializers.CharField(
        max_length=4000, help_text=gettext_lazy("What was verified (required).")
    )


@extend_schema_serializer(component_name="DirectoryPledge")
class _PledgeInput(_VersionInput):
    text = serializers.CharField(max_length=2000)


def _fresh(case: DirectoryCase) -> DirectoryCase:
    return DirectoryCase.objects.select_related("enterprise", "department").get(pk=case.pk)


def _output(case: DirectoryCase, status_code: int = 200) -> Response:
    context = {"today": timezone.localdate()}
    return Response(CaseOutput(_fresh(case), context=context).data, status=status_code)


def _conflict(exc: ConflictError) -> Conflict:
    return Conflict(" ".join(exc.messages))


# The `cured` filter's values (as a form's check box reads them, and JSON's).
CURED_VALUES = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}


def _filtered(user: User, params: Any) -> QuerySet[DirectoryCase]:
    """The user's cases with the pages' filters; a 400 naming each bad one."""
    errors: dict[str, list[str]] = {}
    state = params.get("state", "")
    reason = params.get("reason", "")
    kind = params.get("kind", "")
    year = params.get("year", "")
    if state and state not in State.values:
        errors["state"] = [_("Unknown state.")]
    if reason and reason not in Reason.values:
        errors["reason"] = [_("Unknown reason.")]
    if kind and kind not in KINDS:
        errors["kind"] = [_("Either enterprise or individual.")]
    if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
        errors["year"] = [_("A year between 2000 and 2100.")]
    q = (params.get("q") or "").strip()
    if len(q) > 100:
        errors["q"] = [_("At most 100 characters.")]
    years: dict[str, object] = {}
    for name in YEAR_FILTERS:
        value = params.get(name, "")
        if value and not (value.isdigit() and 2000 <= int(value) <= 2100):
            errors[name] = [_("A year between 2000 and 2100.")]
        elif value:
            years[name] = int(value)
    buffer = params.get("buffer", "")
    if buffer and buffer not in BUFFER_OUTCOMES:
        errors["buffer"] = [_("Unknown value.")]
    removal = params.get("removal", "")
    if removal and removal not in [*DirectoryCase.Removal.values, REMOVED_ON_REPAIR]:
        errors["removal"] = [_("Unknown value.")]
    cured = params.get("cured", "")
    if cured and cured not in CURED_VALUES:
        errors["cured"] = [_("Either true or false.")]
    if errors:
        raise exceptions.ValidationError(errors)
    # The page's filters, by the page's function (`directory_filter`): every state unless
    # `state` is given.
    qs = directory_filter(
        cases_for_user(user=user),
        {
            **years,
            "buffer": buffer,
            "removal": removal,
            "q": q,
            "reason": reason,
            "year": year,
            "kind": kind,
            "division": (params.get("division") or "")[:100],
            "cured": CURED_VALUES.get(cured, False),
        },
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-detected_on", "-id")


# --------------------------------------------------------------------------- views


class AbnormalListingListApi(APIView):
    """List cases; staff list an entity."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="abnormal_listings_list",
        summary=gettext_lazy("List abnormal-directory cases"),
        description=gettext_lazy(
            "Staff with view_directorycase see the cases of their jurisdiction (partner "
            "departments: their own department's), newest first; an enterprise user sees its "
            "own enterprise's, pending listings included: every state unless state is given "
            "(the page's filters, by the same function). Refused with 400: an unknown state, "
            "reason, kind, buffer or removal, a year outside 2000-2100, a cured other than "
            "true or false, a q longer than 100 characters."
        ),
        parameters=[
            OpenApiParameter("state", str, enum=State.values),
            OpenApiParameter("reason", str, enum=Reason.values),
            OpenApiParameter("year", int, description=gettext_lazy("The report year.")),
            OpenApiParameter(
                "kind",
                str,
                enum=list(KINDS),
                description=gettext_lazy("Enterprise listings or individual businesses' marks."),
            ),
            OpenApiParameter("division", str, description=gettext_lazy("Street or town.")),
            OpenApiParameter(
                "deferred_year",
                int,
                description=gettext_lazy(
                    "The cases that entered the punishment buffer that year, whatever became "
                    "of them."
                ),
            ),
            OpenApiParameter(
                "buffer",
                str,
                enum=list(BUFFER_OUTCOMES),
                description=gettext_lazy("What became of a case that entered the buffer."),
            ),
            OpenApiParameter("removed_year", int, description=gettext_lazy("The year removed.")),
            OpenApiParameter(
                "cured",
                bool,
                description=gettext_lazy("Listed cases whose cause was cured: removal due."),
            ),
            OpenApiParameter(
                "removal",
                str,
                enum=[*DirectoryCase.Removal.values, REMOVED_ON_REPAIR],
                description=gettext_lazy(
                    "The removal code (on verification or by the daily job), or repair: "
                    "removed on a credit repair application."
                ),
            ),
            OpenApiParameter(
                "cured_year",
                int,
                description=gettext_lazy(
                    "Listed cases whose cause was cured that year (removal due in 5 working days)."
                ),
            ),
            OpenApiParameter(
                "q",
                str,
                description=gettext_lazy("Credit code, part of the name or decision number."),
            ),
        ],
        responses=CaseOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        if not (_is_staff_reader(user) or is_enterprise_member(user)):
            raise exceptions.PermissionDenied()
        qs = _filtered(user, request.query_params)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        context = {"today": timezone.localdate()}
        return paginator.get_paginated_response(CaseOutput(page, many=True, context=context).data)

    @extend_schema(
        operation_id="abnormal_listings_create",
        summary=gettext_lazy("List an entity in the abnormal directory"),
        description=gettext_lazy(
            "Needs view_directorycase and decide_directorycase; an entity of the user's "
            "jurisdiction, for reason 2 (with the order not complied with), 3 or 4. An "
            "individual business is marked, not listed. Refused with 400, naming the reason: "
            "reason 2 without its order or for an individual business, no facts, a "
            "verification day in the future or before registration, a closed entity, a case "
            "of the same reason already running."
        ),
        request=_ListInput,
        responses={201: CaseOutput},
    )
    def post(self, request: Request) -> Response:
        from remediation.services.directory import directory_list

        require_perms(request, RemediationPerm.VIEW_DIRECTORY, RemediationPerm.DECIDE_DIRECTORY)
        user = request_user(request)
        serializer = _ListInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enterprise = (
            enterprise_list_for_user(user=user).filter(uscc=normalize(data["enterprise"])).first()
        )
        if enterprise is None:
            outside = _("No market entity with this credit code is in your jurisdiction.")
            raise exceptions.ValidationError({"enterprise": [outside]})
        order = None
        if data.get("order"):
            order = DisclosureOrder.objects.filter(pk=data["order"], enterprise=enterprise).first()
            if order is None:
                raise exceptions.ValidationError(
                    {"order": [_("No order to disclose with this number concerns this entity.")]}
                )
        case = directory_list(
            actor=user,
            enterprise=enterprise,
            reason=data["reason"],
            facts=data["facts"],
            verified_on=data["verified_on"],
            source=data["source"],
            order=order,
        )
        return _output(case, status.HTTP_201_CREATED)


class AbnormalListingDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="abnormal_listings_retrieve",
        summary=gettext_lazy("Read an abnormal-directory case"),
        responses=CaseOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        return _output(_visible(request, pk))


class _StepApi(VersionedStepApi):
    """A step on a case: jurisdiction (404), then the codenames (403)."""

    permission_classes = [IsAuthenticated]

    def target(self, request: Request, pk: int) -> DirectoryCase:
        return case_for_user(user=request_user(request), pk=pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return _conflict(exc)

    def answer(self, request: Request, pk: int, done: DirectoryCase) -> Response:
        return _output(done)


class AbnormalListingRemoveApi(_StepApi):
    needs = (RemediationPerm.VIEW_DIRECTORY, RemediationPerm.DECIDE_DIRECTORY)
    input_class = _RemoveInput

    @extend_schema(
        operation_id="abnormal_listings_remove",
        summary=gettext_lazy("Remove a listing after verification"),
        description=gettext_lazy(
            "Needs decide_directorycase and the department that decided the case. The code "
            "must cure the reason (1 for reason 1 with every missing year filed, 2, 3, 4 with "
            "the change of address registered, 5, or 7 for a closed entity); the reasons say "
            "what was verified. The removal is public beside the listing."
        ),
        request=_RemoveInput,
        responses={200: CaseOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, case: DirectoryCase, data: dict[str, Any]) -> DirectoryCase:
        from remediation.services.directory import directory_remove

        return directory_remove(
            actor=user,
            case=case,
            code=data["code"],
            reasons=data["reasons"],
            expected_version=data["version"],
        )


class AbnormalListingPledgeApi(_StepApi):
    input_class = _PledgeInput

    @extend_schema(
        operation_id="abnormal_listings_pledge",
        summary=gettext_lazy("Give the credit pledge while pending listing"),
        description=gettext_lazy(
            "For the enterprise user of the case's enterprise (or staff holding "
            "decide_directorycase entering a pledge given on paper), while the case is pending "
            "listing. A later pledge replaces the text."
        ),
        request=_PledgeInput,
        responses={200: CaseOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        if not is_enterprise_member(user):
            self.needs = (RemediationPerm.VIEW_DIRECTORY, RemediationPerm.DECIDE_DIRECTORY)
        return super().post(request, pk)

    def step(self, user: User, case: DirectoryCase, data: dict[str, Any]) -> DirectoryCase:
        from remediation.services.directory import buffer_pledge

        return buffer_pledge(
            actor=user, case=case, text=data["text"], expected_version=data["version"]
        )


urlpatterns = [
    path("abnormal-listings/", AbnormalListingListApi.as_view(), name="abnormal-listing-list"),
    path(
        "abnormal-listings/<int:pk>/",
        AbnormalListingDetailApi.as_view(),
        name="abnormal-listing-detail",
    ),
    path(
        "abnormal-listings/<int:pk>/remove/",
        AbnormalListingRemoveApi.as_view(),
        name="abnormal-listing-remove",
    ),
    path(
        "abnormal-listings/<int:pk>/pledge/",
        AbnormalListingPledgeApi.as_view(),
        name="abnormal-listing-pledge",
    ),
]
