"""The register API for staff and enterprise users (`/api/v1/enterprises/...`).

- Visibility comes from `enterprise_list_for_user`: staff holding `view_enterprise` see the
  register, an enterprise user only their own enterprise (another one is a 404), anyone else
  nothing (403 on the list).
- Risk class and score appear (and can be filtered and sorted on) only with `view_risk`.
- Writes: POST on the list needs `add_enterprise`, PATCH needs `change_enterprise` and the
  `version` the client read (optimistic locking: a stale version is a 409, nothing is lost).
  Enterprise users cannot write here.
- Filters, search and ordering are the ones of the staff list page (`EnterpriseFilter`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import re_path
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_filters import filters as df
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.models import User
from enterprises.filters import LIST_COUNT_CAP, CappedPaginator, EnterpriseFilter, can_view_risk
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import (
    RegisterCount,
    credit_records_for,
    enterprise_list_for_user,
    register_count,
)
from enterprises.selectors.counts import COUNT_EXACT_TABLE_ROWS, Accuracy
from enterprises.selectors.letters import (
    LetterStatus,
    closing_record,
    letter_kinds,
    letter_view,
)
from enterprises.services.register import enterprise_create, enterprise_update
from enterprises.uscc import normalize

# Read from the current class (`risk.CurrentClass`, through the one-to-one relation
# `risk_current`): null for an entity never classified.
RISK_FIELDS = ("risk_class", "risk_score", "risk_assessed_at", "risk_overridden")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Someone else changed this market entity first.")
    default_code = "conflict"


class CappedPagination(StandardPagination):
    """Page numbers over the first 10,000 matches (see `CappedPaginator`): `count` is exact
    when `count_capped` is false, otherwise "at least count"; pages beyond the cap are a 404.
    `total` and `total_accuracy` say how many match in all, as the list page says it (the
    same selector, `register_count`): exact, an estimate, or "at least"."""

    def __init__(self, *, total_of: Callable[[int], RegisterCount] | None = None) -> None:
        self.total_of = total_of
        self.capped: CappedPaginator | None = None

    def django_paginator_class(self, queryset: Any, page_size: int) -> CappedPaginator:  # type: ignore[override]
        self.capped = CappedPaginator(
            queryset, page_size, cap=LIST_COUNT_CAP, total_of=self.total_of
        )
        return self.capped

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            # The list page's words: which page is missing and how many there are.
            pages = self.capped.num_pages if self.capped is not None else 1
            number = request.query_params.get(self.page_query_param) or "1"
            raise exceptions.NotFound(
                ngettext(
                    "Page %(number)s does not exist; the list has %(pages)s page.",
                    "Page %(number)s does not exist; the list has %(pages)s pages.",
                    pages,
                )
                % {"number": number, "pages": pages}
            ) from exc

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        page, *rest = super().get_schema_operation_parameters(view)
        # The texts below are written while the schema is generated, in its language.
        page["description"] += _(
            " Only the first %(cap)s rows are paged (see count_capped): a page beyond them is a "
            "404 too."
        ) % {"cap": f"{LIST_COUNT_CAP:,}"}
        return [page, *rest]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        properties["count"]["description"] = _(
            "Number of matching rows, exact when count_capped is false; otherwise the count "
            "stopped at %(cap)s, meaning at least %(cap)s."
        ) % {"cap": f"{LIST_COUNT_CAP:,}"}
        properties["count_capped"] = {
            "type": "boolean",
            "description": _(
                "true when more than %(cap)s rows match: count is then %(cap)s and only that "
                "many rows are paged. Narrow the filters to see the rest."
            )
            % {"cap": f"{LIST_COUNT_CAP:,}"},
        }
        properties["total"] = {
            "type": "integer",
            "description": _(
                "How many rows match in all, as the register list page says it: see total_accuracy."
            ),
        }
        properties["total_accuracy"] = {
            "type": "string",
            "enum": [str(a) for a in Accuracy],
            "description": _(
                "exact: total is the count (always when count_capped is false, and on a "
                "register of up to %(exact)s rows); estimate: the database planner's estimate, "
                "rounded to two significant digits (a large register, filters other than q); "
                "at_least: more than total (%(cap)s) match, with no estimate worth giving (a "
                "search)."
            )
            % {"exact": f"{COUNT_EXACT_TABLE_ROWS:,}", "cap": f"{LIST_COUNT_CAP:,}"},
        }
        paginated["required"] = [
            *paginated["required"],
            "count_capped",
            "total",
            "total_accuracy",
        ]
        return paginated

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None  # noqa: S101 - paginate_queryset ran first
        paginator = self.page.paginator
        total = getattr(paginator, "total", None) or RegisterCount(paginator.count)
        return Response(
            {
                "count": paginator.count,
                "count_capped": getattr(paginator, "count_capped", False),
                "total": total.value,
                "total_accuracy": str(total.accuracy),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


def _is_member(user: Any, enterprise: Enterprise | None = None) -> bool:
    membership = getattr(user, "enterprise_membership", None)
    if membership is None:
        return False
    return enterprise is None or membership.enterprise_id == enterprise.pk


class CanReadRegister(BasePermission):
    """Staff with `view_enterprise`, or an enterprise user (who sees their own enterprise)."""

    message = gettext_lazy("You do not have permission to read the register.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.has_perm(EnterprisePerm.VIEW) or _is_member(user))
        )


def _require(request: Request, *codenames: str) -> None:
    if not request.user.has_perms(codenames):
        raise exceptions.PermissionDenied()


def _with_risk(queryset: QuerySet[Enterprise], user: Any) -> QuerySet[Enterprise]:
    """The rows with their current class (one LEFT JOIN, no query per row) for a reader who
    may see it; unchanged otherwise (the serializers drop the risk fields)."""
    return queryset.select_related("risk_current") if can_view_risk(user) else queryset


def _visible_enterprise(request: Request, uscc: str) -> Enterprise:
    assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated ran first
    visible = _with_risk(enterprise_list_for_user(user=request.user), request.user)
    found = visible.filter(uscc=normalize(uscc)).first()
    if found is None:
        raise Http404
    return found


class DepartmentOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _RiskAware(serializers.Serializer):
    """Drops the risk fields unless the context says the reader may see them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.context.get("can_view_risk"):
            for name in RISK_FIELDS:
                self.fields.pop(name, None)


@extend_schema_serializer(component_name="EnterpriseListItem")
class EnterpriseListItemSerializer(_RiskAware):
    uscc = serializers.CharField()
    name = serializers.CharField()
    entity_type = serializers.CharField()
    entity_type_display = serializers.CharField(source="get_entity_type_display")
    industry_section = serializers.CharField()
    industry_division = serializers.CharField()
    registered_on = serializers.DateField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    department = DepartmentOutput(
        help_text=gettext_lazy(
            "The responsible department (管辖部门): the department that supervises the "
            "entity, by code and name."
        )
    )
    is_abnormal = serializers.BooleanField()
    on_serious_list = serializers.BooleanField()
    risk_class = serializers.CharField(
        source="risk_current.risk_class",
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "The class in effect (A to D; an override's while one is open); null when the "
            "entity was never classified. Only with the view_risk permission."
        ),
    )
    risk_score = serializers.DecimalField(
        source="risk_current.score",
        max_digits=7,
        decimal_places=1,
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "The computed score in points; null when never classified. Only with the "
            "view_risk permission."
        ),
    )
    risk_overridden = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Whether a supervisor's override sets the class (null when never classified). "
            "Only with the view_risk permission."
        ),
    )

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_risk_overridden(self, enterprise: Enterprise) -> bool | None:
        current = enterprise.current_risk
        return None if current is None else current.override_id is not None


@extend_schema_serializer(component_name="EnterpriseDetail")
class EnterpriseDetailSerializer(EnterpriseListItemSerializer):
    uscc_check_overridden = serializers.BooleanField()
    legacy_reg_no = serializers.CharField()
    former_names = serializers.ListField(child=serializers.CharField())
    registration_authority = serializers.CharField()
    address = serializers.CharField()
    division = serializers.CharField()
    legal_rep_name = serializers.CharField()
    legal_rep_id_masked = serializers.CharField(
        help_text=gettext_lazy("Masked; the full number is never kept.")
    )
    registered_capital = serializers.DecimalField(max_digits=14, decimal_places=4, allow_null=True)
    business_scope = serializers.CharField()
    suspended_from = serializers.DateField(allow_null=True)
    suspended_until = serializers.DateField(allow_null=True)
    status_changed_on = serializers.DateField(allow_null=True)
    risk_assessed_at = serializers.DateTimeField(
        source="risk_current.assessed_at",
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "When the current class was computed; null when never classified. Only with the "
            "view_risk permission."
        ),
    )
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with PATCH (optimistic locking).")
    )
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="EnterpriseRegistration")
class _RegisterInput(serializers.Serializer):
    """Shape of register data; the rules are checked by the service (`enterprise_clean`)."""

    uscc = serializers.CharField(max_length=30)
    legacy_reg_no = serializers.CharField(max_length=20, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200)
    former_names = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False
    )
    entity_type = serializers.ChoiceField(choices=Enterprise.EntityType.choices)
    industry_section = serializers.CharField(max_length=1, required=False, allow_blank=True)
    industry_division = serializers.CharField(max_length=2)
    registered_on = serializers.DateField()
    registration_authority = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=255)
    division = serializers.CharField(max_length=64)
    legal_rep_name = serializers.CharField(max_length=64)
    legal_rep_id = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=gettext_lazy("Validated, then kept only masked plus a keyed digest."),
    )
    registered_capital = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True
    )
    business_scope = serializers.CharField(required=False, allow_blank=True)
    department = serializers.CharField(
        max_length=32,
        help_text=gettext_lazy("Code of the responsible department (管辖部门), e.g. amr."),
    )
    allow_check_override = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Accept a code failing only its check character (needs override_uscc_check)."
        ),
    )
    bar_override_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=gettext_lazy(
            "Register a legal representative barred because an enterprise they represented is on "
            "the serious illegal and dishonest list (matched on the identity number): the reason, "
            "kept in the audit log. Needs override_representativebar; without a reason a barred "
            "person is a 400 on legal_rep_id."
        ),
    )


def _override_allowed(request: Request, data: dict[str, Any]) -> bool:
    wanted = bool(data.pop("allow_check_override", False))
    if wanted and not request.user.has_perm(EnterprisePerm.OVERRIDE_USCC_CHECK):
        raise exceptions.PermissionDenied(
            _("You may not accept a credit code that fails its check.")
        )
    return wanted


def _filter_parameters() -> list[OpenApiParameter]:
    """The query parameters of `EnterpriseFilter`, for the OpenAPI schema. Their descriptions
    are lazy: written when the schema is generated, in its language (credit_portal.api_docs)."""
    params = []
    for name, flt in EnterpriseFilter.base_filters.items():
        kind: Any = OpenApiTypes.STR
        enum = None
        if isinstance(flt, df.BooleanFilter):
            kind = OpenApiTypes.BOOL
        elif isinstance(flt, df.DateFilter):
            kind = OpenApiTypes.DATE
        elif isinstance(flt, df.ChoiceFilter) and not isinstance(
            flt, df.OrderingFilter | df.ModelChoiceFilter
        ):
            enum = [value for value, _label in flt.extra["choices"]]
        if name == "q":
            kind = {"type": "string", "maxLength": flt.extra["max_length"]}
        params.append(
            OpenApiParameter(
                name=name, type=kind, enum=enum, description=_filter_description_lazy(name)
            )
        )
    return params


def _filter_description(name: str) -> str:
    """What the filter selects and which values it refuses with a 400 (the filter form's
    errors, keyed by parameter in `errors`), in the active language."""
    flt = EnterpriseFilter.base_filters[name]
    description = str(flt.label)
    if isinstance(flt, df.BooleanFilter):
        description += _(": true or false (any other value is ignored).")
    elif isinstance(flt, df.DateFilter):
        description += _(": a date, YYYY-MM-DD (any other form is a 400).")
    elif isinstance(flt, df.ChoiceFilter) and not isinstance(
        flt, df.OrderingFilter | df.ModelChoiceFilter
    ):
        description += _(": one of the values listed (another value is a 400).")
    if name == "q":
        description = _("%(help)s At most %(max)s characters (longer is a 400).") % {
            "help": flt.extra["help_text"],
            "max": flt.extra["max_length"],
        }
    elif name == "department":
        description += _(": a department code, e.g. amr (an unknown code is a 400).")
    elif name == "ordering":
        description = _(
            "Comma-separated: name, registered_on, uscc, risk_score (risk_score only with "
            "view_risk, ignored otherwise); prefix - for descending. Default -registered_on. "
            "An unknown field is a 400."
        )
    elif name == "risk_class":
        description += _(" Only with view_risk; ignored otherwise.")
    elif name == "registered_from":
        description += _(" A date after registered_to is a 400.")
    elif name == "industry_division":
        description += _(" A division outside the industry_section given is a 400.")
    return description


_filter_description_lazy = lazy(_filter_description, str)


class EnterpriseListApi(APIView):
    """List (filters, search, ordering, pagination) and create market entities."""

    permission_classes = [IsAuthenticated, CanReadRegister]
    pagination_class = CappedPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="enterprises_list",
        summary=gettext_lazy("List market entities"),
        description=format_lazy(
            gettext_lazy(
                "Staff with view_enterprise see the register; an enterprise user sees only "
                "their own enterprise. Risk fields, the risk_class filter and the risk_score "
                "ordering exist only for users with view_risk (for others they are ignored, "
                "not refused). `count` stops at {cap} (`count_capped`); `total` says how many "
                "match in all, as the register list page does (`total_accuracy`: exact, "
                "estimate or at_least). A page past the last is a 404 that says how many pages "
                "there are. "
                "Refused with 400 (code invalid, errors by parameter): a value that is not one of "
                "a filter's choices (an unknown department code, an ordering field that does not "
                "exist), a date that is not YYYY-MM-DD, registered_from after registered_to, an "
                "industry_division outside the industry_section given, q longer than 100 "
                "characters."
            ),
            cap=f"{LIST_COUNT_CAP:,}",
        ),
        parameters=_filter_parameters(),
        responses={
            200: EnterpriseListItemSerializer(many=True),
            400: error_response(
                gettext_lazy("A filter or the ordering is not valid (see the description).")
            ),
        },
    )
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)  # noqa: S101
        register = EnterpriseFilter(
            request.query_params,
            queryset=_with_risk(enterprise_list_for_user(user=request.user), request.user),
            request=request,
        )
        if not register.is_valid():
            raise exceptions.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): [str(m) for m in errors]
                    for field, errors in register.errors.items()
                }
            )
        user = request.user
        searching = bool(register.active_filters.get("q"))
        paginator = CappedPagination(
            total_of=lambda found: register_count(
                user=user,
                narrow=register.filter_queryset,
                found=found,
                cap=LIST_COUNT_CAP,
                estimable=not searching,
            )
        )
        page = paginator.paginate_queryset(register.qs, request, view=self)
        context = {"can_view_risk": register.can_view_risk}
        data = EnterpriseListItemSerializer(page, many=True, context=context).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="enterprises_create",
        summary=gettext_lazy("Register a market entity"),
        description=(
            gettext_lazy(
                "Needs add_enterprise; allow_check_override needs override_uscc_check (403 "
                "without it). The register's rules are checked as in the staff form, each broken "
                "one a 400 with the messages by field: a credit code that is malformed, fails its "
                "check or is already registered; an unknown department (or, for partner-department "
                "staff, another department), entity type or industry division; a division outside "
                "the section given; a registration date in the future or before 1949-10-01; an "
                "invalid identity number; a legal representative barred because an enterprise "
                "they represented is on the serious illegal and dishonest list (unless overridden "
                "with bar_override_reason); a name with < or >."
            )
        ),
        request=_RegisterInput,
        responses={201: EnterpriseDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        _require(request, EnterprisePerm.VIEW, EnterprisePerm.ADD)
        serializer = _RegisterInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        override = _override_allowed(request, data)
        bar_reason = str(data.pop("bar_override_reason", "") or "")
        assert isinstance(request.user, User)  # noqa: S101
        enterprise = enterprise_create(
            actor=request.user,
            data=data,
            allow_check_override=override,
            bar_override_reason=bar_reason,
        )
        enterprise = _with_risk(Enterprise.objects.select_related("department"), request.user).get(
            pk=enterprise.pk
        )
        context = {"can_view_risk": can_view_risk(request.user)}
        return Response(
            EnterpriseDetailSerializer(enterprise, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class EnterpriseDetailApi(APIView):
    """One market entity: read, or change its register data."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="EnterpriseChange")
    class PatchInput(_RegisterInput):
        version = serializers.IntegerField(
            min_value=1, help_text=gettext_lazy("The version you read: a stale one gives 409.")
        )
        correction = serializers.BooleanField(
            required=False,
            default=False,
            help_text=(
                gettext_lazy(
                    "true when the change corrects an entry error: no change of registration is "
                    "recorded in the credit ledger (the audit log keeps the edit)."
                )
            ),
        )

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for name, field in self.fields.items():
                if name != "version":
                    field.required = False

    @extend_schema(
        operation_id="enterprises_retrieve",
        summary=gettext_lazy("Read a market entity"),
        responses=EnterpriseDetailSerializer,
    )
    def get(self, request: Request, uscc: str) -> Response:
        enterprise = _visible_enterprise(request, uscc)
        context = {"can_view_risk": can_view_risk(request.user)}
        return Response(EnterpriseDetailSerializer(enterprise, context=context).data)

    @extend_schema(
        operation_id="enterprises_partial_update",
        summary=gettext_lazy("Change register data"),
        description=(
            gettext_lazy(
                "Needs change_enterprise. Send `version` as read; when someone else changed the "
                "entity in between, the answer is 409 and nothing is written. Status changes have "
                "their own service and are not made here."
            )
        ),
        request=PatchInput,
        responses={
            200: EnterpriseDetailSerializer,
            409: error_response(
                gettext_lazy(
                    "The version sent is stale: someone else changed the entity first (code "
                    '"conflict"). Nothing was written; read it again and resend with the new '
                    "version."
                )
            ),
        },
    )
    def patch(self, request: Request, uscc: str) -> Response:
        enterprise = _visible_enterprise(request, uscc)
        _require(request, EnterprisePerm.VIEW, EnterprisePerm.CHANGE)
        serializer = self.PatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        correction = data.pop("correction", False)
        override = _override_allowed(request, data)
        bar_reason = str(data.pop("bar_override_reason", "") or "")
        if "uscc" in data and normalize(data["uscc"]) == enterprise.uscc:
            data.pop("uscc")  # unchanged: a historic code accepted by override stays accepted
        assert isinstance(request.user, User)  # noqa: S101
        try:
            updated = enterprise_update(
                actor=request.user,
                enterprise=enterprise,
                data=data,
                expected_version=version,
                allow_check_override=override,
                correction=correction,
                bar_override_reason=bar_reason,
            )
        except ConflictError as exc:
            raise Conflict(
                _(
                    "Someone else changed this market entity first (version %(v)d). Read it "
                    "again and send your change with the new version."
                )
                % {"v": exc.current_version}
            ) from exc
        updated = _with_risk(Enterprise.objects.select_related("department"), request.user).get(
            pk=updated.pk
        )
        context = {"can_view_risk": can_view_risk(request.user)}
        return Response(EnterpriseDetailSerializer(updated, context=context).data)


@extend_schema_serializer(component_name="LetterReply")
class LetterReplySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=LetterStatus.choices,
        help_text=gettext_lazy(
            "On the day of the request: no_reply_asked (no deadline), due (no reply, the "
            "deadline is today or later), overdue (no reply, the deadline has passed), replied "
            "(on or before the deadline), replied_late (after it), withdrawn (closed by another "
            "record, a correction, without a reply)."
        ),
    )
    reply_by = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The day the letter asks a reply by; null: no reply asked."),
    )
    replied_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy("The day of the reply (the record closing the letter)."),
    )


@extend_schema_serializer(component_name="CreditRecord")
class CreditRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    occurred_on = serializers.DateField()
    is_public = serializers.BooleanField(
        source="public_by_law",
        help_text=gettext_lazy(
            "Whether the law makes the record public: by the record, or by its kind (a "
            "change of registration is public, including records written before that was known)."
        ),
    )
    publicity_start = serializers.DateField(source="publicity_from", allow_null=True)
    publicity_end = serializers.DateField(allow_null=True)
    authority = serializers.CharField()
    document_number = serializers.CharField()
    summary = serializers.CharField(
        source="summary_text",
        help_text=gettext_lazy(
            "In the request's language: made from the details for a registration, a "
            "change of registration or a status change; otherwise the text as recorded."
        ),
    )
    details = serializers.JSONField()
    closes = serializers.IntegerField(source="closes_id", allow_null=True)
    closed_by = serializers.SerializerMethodField()
    recorded_by = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "Who recorded it (null for a system job). Staff readers only; absent for "
            "enterprise users."
        ),
    )
    recorded_at = serializers.DateTimeField()
    letter = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "For a letter (a warning, suggestion, reminder or interview notice): the day "
            "it asks a reply by, the reply and whether it came in time; null for other records."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.context.get("staff_reader"):
            self.fields.pop("recorded_by")
        self._letter_kinds = letter_kinds()

    def to_representation(self, instance: CreditRecord) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("staff_reader"):
            data["summary"] = instance.enterprise_summary
            if isinstance(data["details"], dict):
                hidden = CreditRecord.STAFF_ONLY_DETAILS
                data["details"] = {k: v for k, v in data["details"].items() if k not in hidden}
        return data

    def get_closed_by(self, record: CreditRecord) -> int | None:
        try:
            return record.closed_by.pk
        except CreditRecord.closed_by.RelatedObjectDoesNotExist:
            return None

    @extend_schema_field(LetterReplySerializer(allow_null=True))
    def get_letter(self, record: CreditRecord) -> dict[str, Any] | None:
        if record.kind not in self._letter_kinds:
            return None
        view = letter_view(record=record, closer=closing_record(record), today=timezone.localdate())
        return dict(LetterReplySerializer(view).data)


class EnterpriseRecordsApi(APIView):
    """The credit ledger of one market entity, newest first (public and non-public records)."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="enterprises_records_list",
        summary=gettext_lazy("Credit records of a market entity"),
        description=(
            gettext_lazy(
                "Staff need view_creditrecord; an enterprise user reads their own enterprise's "
                "records. Closed records stay listed, linked by closes / closed_by."
            )
        ),
        responses=CreditRecordSerializer(many=True),
    )
    def get(self, request: Request, uscc: str) -> Response:
        enterprise = _visible_enterprise(request, uscc)
        staff_reader = request.user.has_perm(EnterprisePerm.VIEW_RECORDS)
        if not (staff_reader or _is_member(request.user, enterprise)):
            raise exceptions.PermissionDenied()
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            credit_records_for(enterprise=enterprise), request, view=self
        )
        data = CreditRecordSerializer(page, many=True, context={"staff_reader": staff_reader}).data
        return paginator.get_paginated_response(data)


_USCC = r"(?P<uscc>[0-9A-Za-z]{18})"

urlpatterns = [
    re_path(r"^enterprises/$", EnterpriseListApi.as_view(), name="enterprise-list"),
    re_path(rf"^enterprises/{_USCC}/$", EnterpriseDetailApi.as_view(), name="enterprise-detail"),
    re_path(
        rf"^enterprises/{_USCC}/records/$",
        EnterpriseRecordsApi.as_view(),
        name="enterprise-records",
    ),
]
