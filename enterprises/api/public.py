"""Public read-only API of the credit lookup (mounted under /api/v1/, namespace
"enterprises-api"): the same data as the /credit/ pages, from the same selectors in
`enterprises.public`. No authentication; rate-limited per client address with the throttle the
pages use (one counter for both, see `credit_portal.throttling`).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
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

# The schema's texts are lazy: it is generated in the language asked for (credit_portal.api_docs).
THROTTLE_NOTE = _(
    "No authentication. Rate-limited per client address together with the /credit/ pages "
    "(60 requests a minute): beyond it the answer is 429 with a Retry-After header and "
    'code "throttled".'
)


@extend_schema_serializer(
    description=_("Registration basics of a market entity, as the publicity system shows them.")
)
class PublicEnterpriseSerializer(serializers.Serializer):
    """Registration basics of a market entity, as the publicity system shows them."""

    uscc = serializers.CharField(help_text=_("Unified social credit code (GB 32100-2015)."))
    legacy_reg_no = serializers.CharField(
        help_text=_("Old 15-digit registration number, empty when there is none.")
    )
    name = serializers.CharField(help_text=_("Registered name."))
    former_names = serializers.ListField(
        child=serializers.CharField(), help_text=_("Names the entity was registered under before.")
    )
    entity_type = serializers.ChoiceField(
        choices=Enterprise.EntityType.choices, help_text=_("Type of market entity.")
    )
    entity_type_display = serializers.CharField(
        help_text=_("Type of market entity in the request's language.")
    )
    legal_rep_title = serializers.CharField(
        help_text=_(
            "Title of the registered person for this type (legal representative, "
            "person in charge, executive partner, investor or operator)."
        )
    )
    legal_rep_name = serializers.CharField(
        help_text=_(
            "Name of the person legal_rep_title names (the legal representative; the "
            "operator of an individual business). No identity number is published."
        )
    )
    registered_capital = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        allow_null=True,
        help_text=_("Registered capital in units of CNY 10,000 (万元); null when not registered."),
    )
    registered_on = serializers.DateField(help_text=_("Date of establishment (registration)."))
    registration_authority = serializers.CharField(help_text=_("Registration authority."))
    address = serializers.CharField(help_text=_("Domicile or place of business."))
    business_scope = serializers.CharField(help_text=_("Registered business scope."))
    status = serializers.ChoiceField(
        choices=Enterprise.Status.choices,
        help_text=_(
            "Registration status on the day shown; a suspension whose period has ended "
            "counts as operating."
        ),
    )
    status_display = serializers.CharField(help_text=_("Status in the request's language."))
    suspended_from = serializers.DateField(
        allow_null=True, help_text=_("Start of the business suspension (歇业), when suspended.")
    )
    suspended_until = serializers.DateField(
        allow_null=True, help_text=_("End of the filed suspension period, when suspended.")
    )
    status_changed_on = serializers.DateField(
        allow_null=True,
        help_text=_("Date of deregistration or revocation (or of the suspension filing)."),
    )


@extend_schema_serializer(
    description=_("One search result: the basic public columns and links to the full profile.")
)
class PublicEnterpriseRowSerializer(serializers.Serializer):
    """One search result: the basic public columns and links to the full profile."""

    uscc = serializers.CharField(help_text=_("Unified social credit code."))
    name = serializers.CharField(help_text=_("Registered name."))
    former_names = serializers.ListField(
        child=serializers.CharField(), help_text=_("Former names (a search may match them).")
    )
    legal_rep_title = serializers.CharField(
        help_text=_(
            "Title of the registered person for this type (legal representative, operator...)."
        )
    )
    legal_rep_name = serializers.CharField(
        help_text=_("Name of the legal representative (the operator of an individual business).")
    )
    status = serializers.ChoiceField(
        choices=Enterprise.Status.choices, help_text=_("Registration status.")
    )
    status_display = serializers.CharField(help_text=_("Status in the request's language."))
    registered_on = serializers.DateField(help_text=_("Date of establishment."))
    url = serializers.SerializerMethodField(help_text=_("This API's profile of the entity."))
    page_url = serializers.SerializerMethodField(help_text=_("The public profile web page."))

    def _link(self, name: str, obj: PublicEnterprise) -> str:
        return reverse(name, kwargs={"uscc": obj.uscc}, request=self.context.get("request"))

    def get_url(self, obj: PublicEnterprise) -> str:
        return self._link("enterprises-api:public-enterprise-detail", obj)

    def get_page_url(self, obj: PublicEnterprise) -> str:
        return self._link("public:profile", obj)


@extend_schema_serializer(
    description=_("A public ledger fact (listing, penalty or inspection result).")
)
class PublicRecordSerializer(serializers.Serializer):
    """A public ledger fact (listing, penalty or inspection result)."""

    decided_on = serializers.DateField(help_text=_("Date of the decision or the inspection."))
    authority = serializers.CharField(help_text=_("Deciding or inspecting authority."))
    document_number = serializers.CharField(help_text=_("Decision document number, may be empty."))
    summary = serializers.CharField(
        help_text=_(
            "Published text: reason for a listing, violation and penalty, or the "
            "inspection and its result."
        )
    )
    publicity_start = serializers.DateField(allow_null=True, help_text=_("Published since."))
    publicity_end = serializers.DateField(
        allow_null=True, help_text=_("Published until; null: until the record is closed.")
    )


@extend_schema_serializer(
    description=_(
        "A listing (abnormal directory, serious list) with its removal beside it, as the "
        "publicity system shows it."
    )
)
class PublicListingSerializer(PublicRecordSerializer):
    """A listing with its removal (移出日期, 移出原因): a removed listing stays public; a listing
    revoked as wrongful is not shown at all."""

    in_force = serializers.BooleanField(
        help_text=_("Whether the listing holds today (false: removed, see removed_on).")
    )
    removed_on = serializers.DateField(
        allow_null=True,
        help_text=_(
            "Date of the removal (for an individual business: of the restoration of its normal "
            "status); null while the listing holds."
        ),
    )
    removal_reason = serializers.CharField(
        help_text=_("Reason for the removal as published; empty while the listing holds.")
    )


@extend_schema_serializer(
    description=_("One changed item of a change of registration, as the publicity system lists it.")
)
class PublicChangeSerializer(serializers.Serializer):
    """One changed item of a change of registration (变更信息), as the publicity system lists it."""

    item = serializers.CharField(
        help_text=_(
            "The licence item changed: name, entity_type, legal_rep_name, "
            "registered_capital, address or business_scope."
        )
    )
    item_display = serializers.CharField(
        help_text=_(
            "The item in the request's language (the registered person as the entity "
            "type names it: legal representative, operator...)."
        )
    )
    before = serializers.CharField(
        help_text=_("Value before the change; empty when there was none.")
    )
    after = serializers.CharField(help_text=_("Value after the change; empty when cleared."))
    changed_on = serializers.DateField(help_text=_("Date of the change."))


class PublicAnnualReportSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("Year the report covers."))
    filed_on = serializers.DateField(source="decided_on", help_text=_("Date the report was filed."))
    published_on = serializers.DateField(
        source="publicity_start", allow_null=True, help_text=_("Date the report was published.")
    )


@extend_schema_serializer(
    description=_(
        "What the law makes public about a market entity, grouped like the national "
        "enterprise credit information publicity system."
    )
)
class PublicProfileSerializer(serializers.Serializer):
    """What the law makes public about a market entity, grouped like the national enterprise
    credit information publicity system. Nothing else: no risk class, no identity numbers, no
    contact details of persons, no repaired, corrected or expired records (listings stay once
    removed, with their removal)."""

    as_of = serializers.DateField(help_text=_("Day the information is shown for (today)."))
    enterprise = PublicEnterpriseSerializer(help_text=_("Registration basics."))
    registration_changes = PublicChangeSerializer(
        many=True,
        help_text=_(
            "Changes of registration, newest first, one row per changed item (no identity numbers)."
        ),
    )
    abnormal_listings = PublicListingSerializer(
        many=True,
        help_text=_(
            "Listings in the abnormal operations directory, newest first, those removed with "
            "their removal (for individual businesses: abnormal operation status marks, △, "
            "and their restoration). Pending listings and listings revoked as wrongful are "
            "never shown."
        ),
    )
    penalties = PublicRecordSerializer(
        many=True, help_text=_("Administrative penalties inside their publicity period.")
    )
    inspection_results = PublicRecordSerializer(
        many=True, help_text=_("Published spot-check and inspection results.")
    )
    annual_reports = PublicAnnualReportSerializer(
        many=True, help_text=_("Annual reports the entity has published.")
    )
    serious_listings = PublicListingSerializer(
        many=True,
        help_text=_(
            "Listings as seriously illegal and dishonest, newest first, those removed with "
            "their removal."
        ),
    )


class PublicSearchPagination(StandardPagination):
    """20 matches a page (at most 50), over at most the first 1,000 matches."""

    page_size = SEARCH_PAGE_SIZE
    max_page_size = 50
    django_paginator_class = PublicSearchPaginator

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count"]["description"] = _(
            "Number of matches; %(over)s means more than %(cap)s: only the first %(cap)s are "
            "paged, narrow the search."
        ) % {"over": f"{SEARCH_RESULT_CAP + 1:,}", "cap": f"{SEARCH_RESULT_CAP:,}"}
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
        summary=_("Search the public register"),
        description=format_lazy(
            "{} {}",
            _(
                "Matches an 18-character credit code or a 15-digit registration number "
                "exactly, the start of a credit code, a Chinese part of the name or of a former "
                "name, or the pinyin initials of the name. Deregistered and revoked entities "
                "are included. At most 1,000 matches are paged; a count of 1,001 means more "
                "than 1,000: narrow the search. A malformed code that matches nothing is a 400 "
                "that says what is wrong with it."
            ),
            THROTTLE_NOTE,
        ),
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description=_(
                    "Credit code, old registration number, part of the name, or "
                    "pinyin initials (at most 100 characters)."
                ),
            )
        ],
        responses={
            200: PublicEnterpriseRowSerializer(many=True),
            400: error_response(
                _(
                    "q is missing, empty or longer than 100 characters, or it is a malformed "
                    "credit code or registration number that matches nothing (errors.q says what "
                    "is wrong)."
                )
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
        summary=_("Public profile of a market entity"),
        description=format_lazy(
            "{} {}",
            _(
                "Registration basics, changes of registration, abnormal-directory "
                "listings (with their removal), penalties "
                "inside their publicity period, published inspection results, published annual "
                "reports and serious-list listings (with their removal): the same data as the "
                "/credit/<code>/ page."
            ),
            THROTTLE_NOTE,
        ),
        responses={
            200: PublicProfileSerializer,
            404: error_response(_('Unknown or malformed credit code (code "not_found").')),
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
