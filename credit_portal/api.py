"""DRF plumbing shared by every app: pagination and one error format.

Every error body has the same shape::

    {"detail": "human message", "code": "machine_code", "errors": {"field": ["message", ...]}}

`errors` is present for validation failures only. A Django `ValidationError` raised inside a
service becomes a 400 with the same shape, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class StandardPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _django_validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): [
                str(m) for e in errors for m in e.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _flatten(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {k: _flatten_value(v) for k, v in detail.items()}
    return {"non_field_errors": _flatten_value(detail)}


def _flatten_value(value: Any) -> Any:
    if isinstance(value, list):
        return [str(v) if not isinstance(v, dict | list) else _flatten_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _flatten_value(v) for k, v in value.items()}
    return [str(value)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": _("The submitted data is not valid."),
            "code": "invalid",
            "errors": _flatten(exc.detail),
        }
    else:
        codes = exc.get_codes()
        response.data = {
            "detail": str(exc.detail),
            "code": codes if isinstance(codes, str) else "error",
        }
    return response
