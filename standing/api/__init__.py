"""Letters of good standing in the API, under /api/v1/ (namespace "standing-api"):

- `me/standing-letters/` GET the enterprise's own letters with today's eligibility; POST issue
  one (400 with the reasons when refused). For an enterprise user (403 for anyone else).
- `public/standing-letters/<code>/` GET what a code verifies to (no authentication; throttled
  per client address with the public lookup): 404 with the plain message for a code no letter
  has; otherwise 200 with `status` valid, changed, unconfirmed, expired or revoked, the
  message, the changes and what the letter states.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api_schema import ERROR_400_BODY, error_response
from credit_portal.models import User
from credit_portal.throttling import PublicApiThrottleMixin
from enterprises.selectors.accounts import member_enterprise
from standing.models import StandingLetter
from standing.selectors import letters_for, standing_of
from standing.services import letter_issue, letter_verify

PUBLIC_NOTE = gettext_lazy(
    "No authentication. Rate-limited per client address together with the public pages "
    "(60 requests a minute): beyond it the answer is 429 with a Retry-After header and "
    'code "throttled".'
)


class StatementOutput(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField(help_text=gettext_lazy("As printed on the letter (Chinese)."))


@extend_schema_serializer(component_name="StandingLetter")
class LetterOutput(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(
        help_text=gettext_lazy("valid, expired or revoked today (the ledger is not re-checked).")
    )
    statements = StatementOutput(many=True)
    pdf = serializers.SerializerMethodField(help_text=gettext_lazy("The PDF's address."))
    verify = serializers.SerializerMethodField(
        help_text=gettext_lazy("The public verification page's address.")
    )

    class Meta:
        model = StandingLetter
        fields = [
            "id",
            "code",
            "as_of",
            "issued_at",
            "expires_on",
            "revoked_at",
            "name",
            "credit_code",
            "statements",
            "status",
            "pdf",
            "verify",
        ]

    def get_status(self, letter: StandingLetter) -> str:
        return letter.status_on(timezone.localdate())

    def get_pdf(self, letter: StandingLetter) -> str:
        return letter.get_pdf_url()

    def get_verify(self, letter: StandingLetter) -> str:
        return letter.verify_path()


@extend_schema_serializer(component_name="StandingLetters")
class MeLettersOutput(serializers.Serializer):
    eligible = serializers.BooleanField(
        help_text=gettext_lazy("Whether a letter can be issued today.")
    )
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("The faults in force today, each with when it ends."),
    )
    letters = LetterOutput(many=True)


@extend_schema_serializer(component_name="PublicStandingLetter")
class PublicLetterOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    credit_code = serializers.CharField()
    as_of = serializers.DateField()
    expires_on = serializers.DateField()
    statements = StatementOutput(many=True)


@extend_schema_serializer(component_name="StandingVerification")
class VerificationOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            ("valid", gettext_lazy("valid")),
            ("changed", gettext_lazy("records changed since")),
            ("unconfirmed", gettext_lazy("cannot be confirmed")),
            ("expired", gettext_lazy("expired")),
            ("revoked", gettext_lazy("revoked")),
        ],
        help_text=gettext_lazy(
            "valid: genuine and the records have not changed; changed: true on its date, but "
            "the records have changed since (see changes: only what the public profile shows); "
            "unconfirmed: what the letter states does not match the bureau's records of its "
            "day (do not rely on it); expired; revoked by the bureau."
        ),
    )
    message = serializers.CharField()
    changes = serializers.ListField(child=serializers.CharField())
    checked_on = serializers.DateField()
    letter = PublicLetterOutput()


def _member(request: Request) -> Any:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - IsAuthenticated ran first
    if getattr(user, "enterprise_membership", None) is None:
        raise exceptions.PermissionDenied()
    return user, member_enterprise(user=user)


class MeStandingLettersApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_standing_letters_list",
        summary=gettext_lazy("My enterprise's letters of good standing"),
        description=gettext_lazy(
            "For an enterprise user: whether a letter can be issued today (and if not, why), "
            "and the letters issued, newest first (at most 100). 403 for anyone else."
        ),
        responses={200: MeLettersOutput},
    )
    def get(self, request: Request) -> Response:
        _user, enterprise = _member(request)
        standing = standing_of(enterprise=enterprise, on=timezone.localdate())
        return Response(
            MeLettersOutput(
                {
                    "eligible": standing.eligible,
                    "problems": standing.problems,
                    "letters": list(letters_for(enterprise=enterprise)[:100]),
                }
            ).data
        )

    @extend_schema(
        operation_id="me_standing_letters_issue",
        summary=gettext_lazy("Issue a letter of good standing"),
        description=gettext_lazy(
            "Issues a letter as of today for the user's enterprise. Refused (400, the reasons "
            "in non_field_errors) while a fault is in force or when the day's limit is reached."
        ),
        request=None,
        responses={
            201: LetterOutput,
            400: error_response(
                format_lazy(
                    "{} {}",
                    gettext_lazy(
                        'Not eligible today, or the day\'s limit reached (code "invalid", the '
                        "reasons in errors.non_field_errors)."
                    ),
                    ERROR_400_BODY,
                )
            ),
        },
    )
    def post(self, request: Request) -> Response:
        user, enterprise = _member(request)
        try:
            letter = letter_issue(actor=user, enterprise=enterprise)
        except ValidationError as exc:
            raise exceptions.ValidationError({"non_field_errors": exc.messages}) from exc
        return Response(LetterOutput(letter).data, status=status.HTTP_201_CREATED)


class PublicStandingLetterApi(PublicApiThrottleMixin, APIView):  # type: ignore[misc]
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="public_standing_letters_verify",
        summary=gettext_lazy("Verify a letter of good standing (public)"),
        description=format_lazy(
            "{} {}",
            gettext_lazy(
                "By its code (XXXX-XXXX-XXXX-XXXX; spaces, dashes and lower case accepted). "
                "Says whether the letter is genuine, and whether the enterprise's records have "
                "changed since its date; returns only what the letter states."
            ),
            PUBLIC_NOTE,
        ),
        responses={
            200: VerificationOutput,
            404: error_response(gettext_lazy("No letter has this code.")),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        result = letter_verify(code=code)
        if result.letter is None:
            raise exceptions.NotFound(result.message)
        letter = result.letter
        return Response(
            VerificationOutput(
                {
                    "status": result.status,
                    "message": result.message,
                    "changes": result.changes,
                    "checked_on": result.checked_on,
                    "letter": {
                        "code": letter.code,
                        "name": letter.name,
                        "credit_code": letter.credit_code,
                        "as_of": letter.as_of,
                        "expires_on": letter.expires_on,
                        "statements": letter.statements,
                    },
                }
            ).data
        )


urlpatterns = [
    path("me/standing-letters/", MeStandingLettersApi.as_view(), name="me-letters"),
    path(
        "public/standing-letters/<str:code>/",
        PublicStandingLetterApi.as_view(),
        name="public-letter",
    ),
]

__all__ = ["urlpatterns"]
