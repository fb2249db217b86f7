"""The annual-report API (docs/domain.md §4), for mini-programs and other systems.

- `/api/v1/me/annual-reports/`: an enterprise user's own reports (every version, its drafts
  included): list, create a draft (`year` and the fields; prefilled from the register and last
  year's report), read, change a draft (PATCH with the `version` read), submit
  (`…/<id>/submit/`), start a correction (`…/<id>/correct/`). Another enterprise's report is a
  404; staff are refused (403).
- `/api/v1/annual-reports/`: staff holding `view_annualreport` read the submitted reports of
  their jurisdiction (the version in force of each, filtered by year, late, channel,
  corrected, street or town, entity type, credit code) and one version with the list of its
  versions; `…/paper/` enters a paper report (`enter_paper_annualreport`).
- The rules and their messages are the services' (`annual_reports.services.reports`): a
  refusal is a 400 naming the field; a stale `version`, or two submissions at once, a 409 and
  nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import path
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

from annual_reports import rules
from annual_reports.models import AnnualReport
from annual_reports.selectors.reports import (
    DATA_FIELDS,
    enterprise_for_user,
    report_for_user,
    reports_for_user,
)
from annual_reports.services.reports import (
    report_correction_start,
    report_draft_save,
    report_paper_enter,
    report_submit,
)
from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from enterprises.models import Enterprise
from enterprises.selectors.accounts import member_enterprise
from remediation.api.common import VersionConflict, is_enterprise_member, request_user

VIEW_PERM = "annual_reports.view_annualreport"
PAPER_PERM = "annual_reports.enter_paper_annualreport"
Status = AnnualReport.Status


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else changed this report first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        "The version sent is stale, or another submission of the same report came first (code "
        '"conflict"). Nothing was written; read the report again.'
    )
)


def _conflict(exc: ConflictError) -> Conflict:
    return Conflict(" ".join(exc.messages))


# --------------------------------------------------------------------------- serializers


def _money(**kwargs: Any) -> serializers.DecimalField:
    """An amount in CNY 10,000 (万元), two decimals, as the model keeps it."""
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


# A version's status as the API documents it (the model's labels are contextual, pgettext, and
# the schema's enum descriptions go through gettext: docs/architecture.md "Web, API").
STATUS_CHOICES = [
    ("draft", gettext_lazy("Draft (being written)")),
    ("submitted", gettext_lazy("Submitted")),
]
WEBSITE_KIND_CHOICES = [("website", gettext_lazy("Website")), ("shop", gettext_lazy("Online shop"))]


class ReportInvestmentRow(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)


class ReportContributionRow(serializers.Serializer):
    shareholder = serializers.CharField(max_length=200)
    subscribed = _money(help_text=gettext_lazy("CNY 10,000."))
    subscribed_on = serializers.DateField(required=False)
    subscribed_form = serializers.CharField(max_length=60, required=False, allow_blank=True)
    paid = _money(required=False)
    paid_on = serializers.DateField(required=False)
    paid_form = serializers.CharField(max_length=60, required=False, allow_blank=True)


class ReportEquityTransferRow(serializers.Serializer):
    shareholder = serializers.CharField(max_length=200)
    before = serializers.DecimalField(max_digits=5, decimal_places=2)
    after = serializers.DecimalField(max_digits=5, decimal_places=2)
    changed_on = serializers.DateField()


class ReportWebsiteRow(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WEBSITE_KIND_CHOICES)
    name = serializers.CharField(max_length=200)
    url = serializers.CharField(max_length=500)


class ReportLicenceRow(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    valid_until = serializers.DateField(required=False)


ROW_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "investments": ReportInvestmentRow,
    "contributions": ReportContributionRow,
    "equity_transfers": ReportEquityTransferRow,
    "websites": ReportWebsiteRow,
    "licences": ReportLicenceRow,
}


class _ReportFields(serializers.Serializer):
    """The report's own fields (items 1–7; an individual business's simplified ones)."""

    mailing_address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=16, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    operating_status = serializers.ChoiceField(
        choices=AnnualReport.OperatingStatus.choices, required=False
    )
    investments = ReportInvestmentRow(many=True, required=False)
    contributions = ReportContributionRow(many=True, required=False)
    equity_transfers = ReportEquityTransferRow(many=True, required=False)
    websites = ReportWebsiteRow(many=True, required=False)
    licences = ReportLicenceRow(
        many=True,
        required=False,
        help_text=gettext_lazy("Individual businesses: licences obtained or changed (optional)."),
    )
    headcount = serializers.IntegerField(required=False, allow_null=True)
    total_assets = _money(required=False, allow_null=True)
    total_liabilities = _money(required=False, allow_null=True)
    guarantees = _money(required=False, allow_null=True)
    owners_equity = _money(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("May be negative."),
    )
    total_revenue = _money(required=False, allow_null=True)
    main_revenue = _money(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Not more than total_revenue."),
    )
    total_profit = _money(
        required=False, allow_null=True, help_text=gettext_lazy("May be negative.")
    )
    net_profit = _money(required=False, allow_null=True, help_text=gettext_lazy("May be negative."))
    tax_paid = _money(required=False, allow_null=True)
    publish_financials = serializers.BooleanField(
        required=False,
        help_text=gettext_lazy("Enterprises: publish item 7 (public only if chosen)."),
    )
    publish = serializers.BooleanField(
        required=False,
        help_text=gettext_lazy(
            "Individual businesses: publish the report (default true: “submit and publish”)."
        ),
    )
    correction_reason = serializers.CharField(
        max_length=rules.TEXT_FIELDS_MAX["correction_reason"], required=False, allow_blank=True
    )


def _service_data(validated: dict[str, Any]) -> dict[str, Any]:
    """The validated input as the service takes it (rows as plain dicts, dates as text)."""
    data: dict[str, Any] = {}
    for name, value in validated.items():
        if name in rules.LIST_ITEMS:
            data[name] = [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                for row in value
            ]
        else:
            data[name] = value
    return data


class _ReportCreateInput(_ReportFields):
    year = serializers.IntegerField(
        min_value=1990, max_value=2200, help_text=gettext_lazy("The year reported on.")
    )


class _ReportUpdateInput(_ReportFields):
    version = serializers.IntegerField(
        min_value=1, help_text=gettext_lazy("The version read: a stale one gives 409.")
    )


class _ReportVersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class _ReportPaperInput(_ReportFields):
    uscc = serializers.CharField(max_length=18, min_length=18)
    year = serializers.IntegerField(min_value=1990, max_value=2200)
    received_on = serializers.DateField(
        help_text=gettext_lazy("The day the bureau received the paper report: it counts from it.")
    )
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True)


class ReportEnterpriseRef(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="AnnualReport")
class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    enterprise = ReportEnterpriseRef()
    year = serializers.IntegerField()
    form = serializers.ChoiceField(choices=AnnualReport.Form.choices)
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    revision = serializers.IntegerField()
    is_current = serializers.BooleanField(help_text=gettext_lazy("The version in force."))
    correction_of = serializers.IntegerField(source="correction_of_id", allow_null=True)
    correction = serializers.ChoiceField(choices=AnnualReport.Correction.choices, allow_blank=True)
    correction_reason = serializers.CharField(allow_blank=True)
    invitation = serializers.IntegerField(source="invitation_id", allow_null=True)
    channel = serializers.ChoiceField(choices=AnnualReport.Channel.choices)
    filed_on = serializers.DateField(
        allow_null=True,
        help_text=gettext_lazy(
            "The day it counts from: submitted online, or received on paper (China's date)."
        ),
    )
    late = serializers.BooleanField()
    paper_reference = serializers.CharField(allow_blank=True)
    mailing_address = serializers.CharField(allow_blank=True)
    postcode = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    operating_status = serializers.ChoiceField(choices=AnnualReport.OperatingStatus.choices)
    investments = ReportInvestmentRow(many=True)
    contributions = ReportContributionRow(many=True)
    equity_transfers = ReportEquityTransferRow(many=True)
    websites = ReportWebsiteRow(many=True)
    licences = ReportLicenceRow(many=True)
    headcount = serializers.IntegerField(allow_null=True)
    total_assets = _money(allow_null=True)
    total_liabilities = _money(allow_null=True)
    guarantees = _money(allow_null=True)
    owners_equity = _money(allow_null=True)
    total_revenue = _money(allow_null=True)
    main_revenue = _money(allow_null=True)
    total_profit = _money(allow_null=True)
    net_profit = _money(allow_null=True)
    tax_paid = _money(allow_null=True)
    publish_financials = serializers.BooleanField()
    publish = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a change or a submission: a stale one gives 409.")
    )


class ReportVersionRef(serializers.Serializer):
    id = serializers.IntegerField()
    revision = serializers.IntegerField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    is_current = serializers.BooleanField()
    filed_on = serializers.DateField(allow_null=True)
    correction = serializers.ChoiceField(choices=AnnualReport.Correction.choices, allow_blank=True)


@extend_schema_serializer(component_name="AnnualReportDetail")
class ReportDetailOutput(ReportOutput):
    versions = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Every version of the year's report the caller may see, oldest first."
        )
    )

    @extend_schema_field(ReportVersionRef(many=True))
    def get_versions(self, report: AnnualReport) -> list[dict[str, Any]]:
        qs = AnnualReport.objects.filter(enterprise_id=report.enterprise_id, year=report.year)
        if not self.context.get("drafts"):
            qs = qs.filter(status=Status.SUBMITTED)
        return [dict(ReportVersionRef(v).data) for v in qs.order_by("revision")]


def _fresh(report: AnnualReport) -> AnnualReport:
    return AnnualReport.objects.select_related("enterprise").get(pk=report.pk)


def _detail(report: AnnualReport, *, drafts: bool, code: int = 200) -> Response:
    return Response(
        ReportDetailOutput(_fresh(report), context={"drafts": drafts}).data, status=code
    )


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _member(request: Request) -> Enterprise:
    user = request_user(request)
    if not is_enterprise_member(user):
        raise exceptions.PermissionDenied(_("This is for enterprise users."))
    return member_enterprise(user=user)


def _own(request: Request, pk: int) -> AnnualReport:
    enterprise = _member(request)
    found = (
        AnnualReport.objects.select_related("enterprise")
        .filter(pk=pk, enterprise=enterprise)
        .first()
    )
    if found is None:
        raise Http404
    return found


YEAR_PARAM = OpenApiParameter("year", int, description=gettext_lazy("The year reported on."))


def _year_param(request: Request) -> int | None:
    raw = request.query_params.get("year", "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise exceptions.ValidationError({"year": [_("A year is a number.")]}) from None


# --------------------------------------------------------------------------- enterprise


class MeReportListApi(APIView):
    """The enterprise's own reports; create a draft."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination  # for the schema; `get` makes its own

    @extend_schema(
        operation_id="me_annual_reports_list",
        summary=gettext_lazy("List my enterprise's annual reports"),
        description=gettext_lazy(
            "Every version of every year (drafts included), newest year first. Enterprise "
            "users only (403 for others)."
        ),
        parameters=[YEAR_PARAM],
        responses=ReportOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        enterprise = _member(request)
        qs = AnnualReport.objects.select_related("enterprise").filter(enterprise=enterprise)
        year = _year_param(request)
        if year is not None:
            qs = qs.filter(year=year)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs.order_by("-year", "revision"), request, view=self)
        return paginator.get_paginated_response(ReportOutput(page, many=True).data)

    @extend_schema(
        operation_id="me_annual_reports_create",
        summary=gettext_lazy("Start the annual report of a year (a draft)"),
        description=gettext_lazy(
            "Creates the year's draft, prefilled from the register and last year's report, then "
            "the fields sent. Refused with 400: a year not due or whose window has not opened, a "
            "year already filed (correct it instead), an impossible figure or a malformed "
            "e-mail, postcode or phone. A draft already started for the year is a 409: change "
            "it with PATCH."
        ),
        request=_ReportCreateInput,
        responses={201: ReportDetailOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request) -> Response:
        enterprise = _member(request)
        data = _validated(_ReportCreateInput, request)
        year = data.pop("year")
        try:
            draft = report_draft_save(
                actor=request_user(request),
                enterprise=enterprise,
                year=year,
                data=_service_data(data),
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return _detail(draft, drafts=True, code=status.HTTP_201_CREATED)


class MeReportDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_annual_reports_retrieve",
        summary=gettext_lazy("Read one version of my enterprise's report"),
        responses=ReportDetailOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(_own(request, pk), drafts=True)

    @extend_schema(
        operation_id="me_annual_reports_update",
        summary=gettext_lazy("Change a draft"),
        description=gettext_lazy(
            "Only a draft (the original before it is submitted, or a correction being written), "
            "with the version read. Completeness is checked on submission only; every field "
            "sent is checked now (400 naming it)."
        ),
        request=_ReportUpdateInput,
        responses={200: ReportDetailOutput, 409: CONFLICT_409},
    )
    def patch(self, request: Request, pk: int) -> Response:
        report = _own(request, pk)
        data = _validated(_ReportUpdateInput, request)
        version = data.pop("version")
        if report.status != Status.DRAFT:
            raise exceptions.ValidationError(
                {
                    "non_field_errors": [
                        _(
                            "This version has been submitted and is kept as it is: start a "
                            "correction to change the report."
                        )
                    ]
                }
            )
        try:
            draft = report_draft_save(
                actor=request_user(request),
                enterprise=report.enterprise,
                year=report.year,
                data=_service_data(data),
                expected_version=version,
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return _detail(draft, drafts=True)


class MeReportSubmitApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_annual_reports_submit",
        summary=gettext_lazy("Submit a draft"),
        description=gettext_lazy(
            "Files the original of a year (dated today, China time; late after 30 June of the "
            "next year) or a correction. Refused with 400, naming the reason: incomplete (the "
            "enterprise form's items 1, 2 and 7, a company's item 4; the simplified form's "
            "phone, headcount, revenue and tax), a year not due, the entrance closed after 30 "
            "June (except while pending listing), a correction after 30 June without an "
            "invitation. A second submission of the same version is a 409."
        ),
        request=_ReportVersionInput,
        responses={200: ReportDetailOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        report = _own(request, pk)
        data = _validated(_ReportVersionInput, request)
        try:
            filed = report_submit(
                actor=request_user(request), report=report, expected_version=data["version"]
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return _detail(filed, drafts=True)


class MeReportCorrectApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_annual_reports_correct",
        summary=gettext_lazy("Start a correction of a year's report"),
        description=gettext_lazy(
            "A new draft version copying the version in force of the year of this report (the "
            "correction already being written, if any). Free until 30 June of the next year; "
            "after it only on an open invitation after a check (then a self-correction); "
            "otherwise 400."
        ),
        request=None,
        responses={201: ReportDetailOutput},
    )
    def post(self, request: Request, pk: int) -> Response:
        report = _own(request, pk)
        draft = report_correction_start(
            actor=request_user(request), enterprise=report.enterprise, year=report.year
        )
        return _detail(draft, drafts=True, code=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- staff


def _staff(request: Request, *codenames: str) -> None:
    if not request.user.has_perms(codenames):
        raise exceptions.PermissionDenied()


class ReportListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="annual_reports_list",
        summary=gettext_lazy("List filed annual reports"),
        description=gettext_lazy(
            "Staff with view_annualreport: the version in force of each filed report of the "
            "entities of their jurisdiction, newest year first."
        ),
        parameters=[
            YEAR_PARAM,
            OpenApiParameter(
                "late", bool, description=gettext_lazy("Only reports filed late (or on time).")
            ),
            OpenApiParameter("channel", str, enum=AnnualReport.Channel.values),
            OpenApiParameter(
                "corrected", bool, description=gettext_lazy("Only reports corrected (or not).")
            ),
            OpenApiParameter("division", str, description=gettext_lazy("Street or town.")),
            OpenApiParameter("entity_type", str, enum=Enterprise.EntityType.values),
            OpenApiParameter("uscc", str, description=gettext_lazy("One entity's credit code.")),
        ],
        responses=ReportOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        _staff(request, VIEW_PERM)
        params = request.query_params
        qs = reports_for_user(user=request_user(request)).filter(is_current=True)
        year = _year_param(request)
        errors: dict[str, list[str]] = {}
        if year is not None:
            qs = qs.filter(year=year)
        for flag in ("late", "corrected"):
            raw = params.get(flag, "").lower()
            if raw in ("true", "1", "yes"):
                qs = qs.filter(late=True) if flag == "late" else qs.filter(revision__gt=1)
            elif raw in ("false", "0", "no"):
                qs = qs.filter(late=False) if flag == "late" else qs.filter(revision=1)
            elif raw:
                errors[flag] = [_("true or false.")]
        channel = params.get("channel", "")
        if channel and channel not in AnnualReport.Channel.values:
            errors["channel"] = [_("Unknown channel.")]
        elif channel:
            originals = AnnualReport.objects.filter(
                enterprise=OuterRef("enterprise"), year=OuterRef("year"), revision=1
            )
            qs = qs.filter(Exists(originals.filter(channel=channel)))
        entity_type = params.get("entity_type", "")
        if entity_type and entity_type not in Enterprise.EntityType.values:
            errors["entity_type"] = [_("Unknown entity type.")]
        elif entity_type:
            qs = qs.filter(enterprise__entity_type=entity_type)
        if params.get("division"):
            qs = qs.filter(enterprise__division=params["division"])
        if params.get("uscc"):
            qs = qs.filter(enterprise__uscc=params["uscc"].strip().upper())
        if errors:
            raise exceptions.ValidationError(errors)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs.order_by("-year", "id"), request, view=self)
        return paginator.get_paginated_response(ReportOutput(page, many=True).data)


class ReportDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="annual_reports_retrieve",
        summary=gettext_lazy("Read one version of a filed report"),
        description=gettext_lazy("Staff with view_annualreport, within their jurisdiction."),
        responses=ReportDetailOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        if is_enterprise_member(user):
            raise Http404
        report = report_for_user(user=user, pk=pk)
        _staff(request, VIEW_PERM)
        return _detail(report, drafts=False)


class ReportPaperApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="annual_reports_paper",
        summary=gettext_lazy("Enter a paper report"),
        description=gettext_lazy(
            "Needs enter_paper_annualreport; the entity in the caller's jurisdiction (400 "
            "otherwise). The report counts from the day received (not in the future, not before "
            "the window opened): late when after 30 June of the next year. Refused with 400 "
            "when the year is not due or already filed, or the report incomplete or impossible."
        ),
        request=_ReportPaperInput,
        responses={201: ReportDetailOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request) -> Response:
        _staff(request, VIEW_PERM, PAPER_PERM)
        data = _validated(_ReportPaperInput, request)
        user = request_user(request)
        try:
            enterprise = enterprise_for_user(user=user, uscc=data.pop("uscc").strip().upper())
        except Http404:
            raise exceptions.ValidationError(
                {"uscc": [_("No market entity with this code is in your jurisdiction.")]}
            ) from None
        year = data.pop("year")
        received_on = data.pop("received_on")
        reference = data.pop("reference", "")
        try:
            report = report_paper_enter(
                actor=user,
                enterprise=enterprise,
                year=year,
                data=_service_data(data),
                received_on=received_on,
                reference=reference,
            )
        except ConflictError as exc:
            raise _conflict(exc) from exc
        return _detail(report, drafts=False, code=status.HTTP_201_CREATED)


assert set(DATA_FIELDS) <= set(_ReportFields().fields)  # noqa: S101 - every field in the API

urlpatterns = [
    path("me/annual-reports/", MeReportListApi.as_view(), name="me-report-list"),
    path("me/annual-reports/<int:pk>/", MeReportDetailApi.as_view(), name="me-report-detail"),
    path(
        "me/annual-reports/<int:pk>/submit/",
        MeReportSubmitApi.as_view(),
        name="me-report-submit",
    ),
    path(
        "me/annual-reports/<int:pk>/correct/",
        MeReportCorrectApi.as_view(),
        name="me-report-correct",
    ),
    path("annual-reports/", ReportListApi.as_view(), name="report-list"),
    path("annual-reports/paper/", ReportPaperApi.as_view(), name="report-paper"),
    path("annual-reports/<int:pk>/", ReportDetailApi.as_view(), name="report-detail"),
]
