"""API endpoints of the accounts app."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal import services
from credit_portal.api_schema import error_response
from credit_portal.unavailable import AnonRateThrottleFailClosed


def _retry_after_lockout(request: HttpRequest) -> dict[str, str]:
    """The Retry-After header of a lockout (django-axes' cool-off), as the schema promises for
    every 429; none when lockouts do not expire."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return {}
    return {"Retry-After": str(max(1, math.ceil(cool_off.total_seconds())))}


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token (login throttling applies)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    # The limit slows password guessing: with the cache down, a 503 rather than no limit.
    throttle_classes = [AnonRateThrottleFailClosed]

    @extend_schema_serializer(component_name="TokenCredentials")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=128, trim_whitespace=False, style={"input_type": "password"}
        )

    @extend_schema_serializer(component_name="Token")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        summary=_("Obtain an API token"),
        description=_(
            "Send it as `Authorization: Token <token>`; the same token is returned "
            "until it is revoked. Wrong credentials are a 400 (non_field_errors)."
        ),
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            429: error_response(
                _(
                    'Too many requests from this address (code "throttled"), or too many failed '
                    "logins, for this username or from this address across usernames (code "
                    '"locked_out", for 30 minutes).'
                )
            ),
            503: error_response(
                _(
                    'The cache that counts the attempts is unavailable (code "unavailable"); '
                    "try again later (Retry-After)."
                )
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes flags a lockout on the Django request, not on DRF's wrapper around it.
        user = authenticate(request=request._request, **data.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            # Answer in JSON here, not with axes' HTML lockout page.
            request._request.axes_locked_out = False  # type: ignore[attr-defined]
            return Response(
                {
                    "detail": str(_("Too many failed attempts. Try again in 30 minutes.")),
                    "code": "locked_out",
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers=_retry_after_lockout(request._request),
            )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with the username and password given.")]}
            )
        token = services.api_token_issue(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)
