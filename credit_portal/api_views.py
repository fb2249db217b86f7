"""API endpoints of the accounts app."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from credit_portal import services


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token (login throttling applies)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonRateThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=128, trim_whitespace=False, style={"input_type": "password"}
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, auth=[])
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
            )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with the username and password given.")]}
            )
        token = services.api_token_issue(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)
