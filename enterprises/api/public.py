"""Public read-only API of the credit lookup (mounted under /api/v1/, namespace
"enterprises-api"): the same data as the /credit/ pages, from the same selectors in
`enterprises.public`. No authentication; rate-limited per client address with the throttle the
pages use (one counter for both, see `credit_portal.throttling`).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.throttling import PublicApiThrottleMixin
from enterprises.models import Enterprise
from enterprises.public import (
    SEARCH_PAGE_SIZE,
    SEARCH_RESULT_CAP,
    PublicEnterprise,
    PublicSearchPaginator,
    public_enterprise_from,
    public_profile,
    public_search,
    search_code_problems,
)

THROTTLE_NOTE = (
    "No authentication. Rate-limited per client address together with the /credit/ pages "
    "(60 requests a minute): beyond it the answer is 429 with a Retry-After header and "
    'code "throttled".'
)


class PublicEnterpriseSerializer(serializers.Serializer):
    """Registration basics of a market entity, as the publicity system shows them."""

    uscc = serializers.CharField(help_text="Unified social credit code (GB 32100-2015).")
    legacy_reg_no = serializers.CharField(
        help_text="Old 15-digit registration number, empty when there is none."
    )
    name = serializers.CharField(help_text="Registered name.")
    former_names = serializers.ListField(
        child=serializers.CharField(), help_text="Names the entity was registered under before."
    )
    entity_type = serializers.ChoiceField(
        choices=Enterprise.EntityType.choices, help_text="Type of market entity."
    )
    entity_type_display = serializers.CharField(
        help_text="Type of market entity in the request's language."
    )
    legal_rep_title = serializers.CharField(
        help_text="Title of the registered person for this type (legal representative, "
        "person in charge, executive partner, investor or operator)."
    )
    legal_rep_name = serializers.CharField(
        help_text="Name of the legal representative. No identity number is published."
    )
    registered_capital = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        allow_null=True,
        help_text="Registered capital in units of CNY 10,000 (万元); null when not registered.",
    )
    registered_on = serializers.DateField(help_text="Date of establishment (registration).")
    registration_authority = serializers.CharField(help_text="Registration authority.")
    address = serializers.CharField(help_text="Domicile or place of business.")
    business_scope = serializers.CharField(help_text="Registered business scope.")
    status = serializers.ChoiceField(
        choices=Enterprise.Status.choices,
        help_text="Registration status on the day shown; a suspension whose period has ended "
        "counts as operating.",
    )
    status_display = serializers.CharField(help_text="Status in the request's language.")
    suspended_from = serializers.DateField(
        allow_null=True, help_text="Start of the business suspension (歇业), when suspended."
    )
    suspended_until = serializers.DateField(
        allow_null=True, help_text="End of the filed suspension period, when suspended."
    )
    status_changed_on = serializers.DateField(
        allow_null=True,
        help_text="Date of deregistration or revocation (or of the suspension filing).",
    )


class PublicEnterpriseRowSerializer(serializers.Serializer):
    """One search result: the basic public columns and links to the full profile."""

    uscc = serializers.CharField(help_text="Unified social credit code.")
    name = serializers.CharField(help_text="Registered name.")
    former_names = serializers.ListField(
        child=serializers.CharField(), help_text="Former names (a search may match them)."
    )
    legal_rep_name = serializers.CharField(help_text="Name of the legal representative.")
    status = serializers.ChoiceField(
        choices=Enterprise.Status.choices, help_text="Registration status."
    )
    status_display = serializers.CharField(help_text="Status in the request's language.")
    registered_on = serializers.DateField(help_text="Date of establishment.")
    url = serializers.SerializerMethodField(help_text="This API's profile of the entity.")
    page_url = serializers.SerializerMethodField(help_text="The public profile web page.")

    def _link(self, name: str, obj: PublicEnterprise) -> str:
        return reverse(name, kwargs={"uscc": obj.uscc}, request=self.context.get("request"))

    def get_url(self, obj: PublicEnterprise) -> str:
        return self._link("enterprises-api:public-enterprise-detail", obj)

    def get_page_url(self, obj: PublicEnterprise) -> str:
        return self._link("public:profile", obj)


class PublicRecordSerializer(serializers.Serializer):
    """A public ledger fact (listing, penalty or inspection result)."""

    decided_on = serializers.DateField(help_text="Date of the decision or the inspection.")
    authority = serializers.CharField(help_text="Deciding or inspecting authority.")
    document_number = serializers.CharField(help_text="Decision document number, may be empty.")
    summary = serializers.CharField(
        help_text="Published text: reason for a listing, violation and penalty, or the "
        "inspection and its result."
    )
    publicity_start = serializers.DateField(allow_null=True, help_text="Published since.")
    publicity_end = serializers.DateField(
        allow_null=True, help_text="Published until; null: until the record is closed."
    )


class PublicAnnualReportSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Year the report covers.")
    filed_on = serializers.DateField(source="decided_on", help_text="Date the report was filed.")
    published_on = serializers.DateField(
        source="publicity_start", allow_null=True, help_text="Date the report was published."
    )


class PublicProfileSerializer(serializers.Serializer):
    """What the law makes public about a market entity, grouped like the national enterprise
    credit information publicity system. Nothing else: no risk class, no identity numbers, no
    contact details of persons, no repaired, removed or expired records."""

    as_of = serializers.DateField(help_text="Day the information is shown for (today).")
    enterprise = PublicEnterpriseSerializer(help_text="Registration basics.")
    abnormal_listings = PublicRecordSerializer(
        many=True,
        help_text="Listings in the abnormal operations directory in force (for individual "
        "businesses: abnormal operation status marks).",
    )
    penalties = PublicRecordSerializer(
        many=True, help_text="Administrative penalties inside their publicity period."
    )
    inspection_results = PublicRecordSerializer(
        many=True, help_text="Published spot-check and inspection results."
    )
    annual_reports = PublicAnnualReportSerializer(
        many=True, help_text="Annual reports the entity has published."
    )
    serious_listings = PublicRecordSerializer(
        many=True, help_text="Listings as seriously illegal and dishonest in force."
    )


class PublicSearchPagination(StandardPagination):
    """20 matches a page (at most 50), over at most the first 1,000 matches."""

    page_size = SEARCH_PAGE_SIZE
    max_page_size = 50
    django_paginator_class = PublicSearchPaginator

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count"]["description"] = (
            f"Number of matches; {SEARCH_RESULT_CAP + 1:,} means more than "
            f"{SEARCH_RESULT_CAP:,}: only the first {SEARCH_RESULT_CAP:,} are paged, narrow the "
            "search."
        )
        return paginated


class _PublicApi(PublicApiThrottleMixin):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []  # public: no session or token lookup


class PublicEnterpriseSearchApi(_PublicApi, generics.ListAPIView):  # type: ignore[misc]
    """Search the register by credit code, old registration number, name or pinyin initials."""

    serializer_class = PublicEnterpriseRowSerializer
    pagination_class = PublicSearchPagination
    filter_backends: list[type] = []

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(
            max_length=100,
            error_messages={
                "required": _("Enter a credit code, an old registration number or a name."),
                "blank": _("Enter a credit code, an old registration number or a name."),
            },
        )

    @extend_schema(
        summary="Search the public register",
        description="Matches an 18-character credit code or a 15-digit registration number "
        "exactly, the start of a credit code, a Chinese part of the name or of a former name, "
        "or the pinyin initials of the name. Deregistered and revoked entities are included. "
        "At most 1,000 matches are paged; a count of 1,001 means more than 1,000: narrow the "
        "search. "
        "A malformed code that matches nothing is a 400 that says what is wrong with it. "
        + THROTTLE_NOTE,
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description="Credit code, old registration number, part of the name, or "
                "pinyin initials (at most 100 characters).",
            )
        ],
        responses={
            200: PublicEnterpriseRowSerializer(many=True),
            400: error_response(
                "q is missing, empty or longer than 100 characters, or it is a malformed credit "
                "code or registration number that matches nothing (errors.q says what is wrong)."
            ),
        },
        auth=[],
        tags=["public"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        paginator = PublicSearchPagination()
        page: Any = paginator.paginate_queryset(
            public_search(text=data.validated_data["q"]), request
        )
        if not page:
            problems = search_code_problems(data.validated_data["q"])
            if problems:
                raise exceptions.ValidationError({"q": problems})
        today = timezone.localdate()
        rows = [public_enterprise_from(e, on=today) for e in page or []]
        serializer = self.get_serializer(rows, many=True)
        return paginator.get_paginated_response(serializer.data)


class PublicEnterpriseDetailApi(_PublicApi, APIView):  # type: ignore[misc]
    """The public profile of one market entity."""

    @extend_schema(
        summary="Public profile of a market entity",
        description="Registration basics, abnormal-directory listings in force, penalties "
        "inside their publicity period, published inspection results, published annual "
        "reports and serious-list listings in force: the same data as the /credit/<code>/ "
        "page. " + THROTTLE_NOTE,
        responses={
            200: PublicProfileSerializer,
            404: error_response('Unknown or malformed credit code (code "not_found").'),
        },
        auth=[],
        tags=["public"],
    )
    def get(self, request: Request, uscc: str) -> Response:
        data = public_profile(uscc=uscc, on=timezone.localdate())
        if data is None:
            raise exceptions.NotFound(_("No market entity has this credit code."))
        return Response(PublicProfileSerializer(data).data)


urlpatterns = [
    path(
        "public/enterprises/",
        PublicEnterpriseSearchApi.as_view(),
        name="public-enterprise-list",
    ),
    path(
        "public/enterprises/<str:uscc>/",
        PublicEnterpriseDetailApi.as_view(),
        name="public-enterprise-detail",
    ),
]
