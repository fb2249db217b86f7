"""DRF plumbing shared by every app: pagination and one error format.

Every error body has the same shape::

    {"detail": "human message", "code": "machine_code", "errors": {"field": ["message", ...]}}

`errors` is present for validation failures only. A Django `ValidationError` raised inside a
service becomes a 400 with the same shape, never a 500. `credit_portal.api_schema` documents
these answers in the OpenAPI schema; `credit_portal.parsers` holds the JSON parser. (Neither
lives here: DRF imports this module, for the pagination class, while its own views module is
being imported, so this one imports no views and no drf-spectacular.)
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
    """Page numbers: 50 rows a page unless `page_size` asks for another size, at most 500.

    A `page` that is not a page of the list (0, a word, beyond the last page) is a 404; a
    `page_size` above the maximum is reduced to it, one that is not a positive whole number is
    ignored. The schema says both (`get_schema_operation_parameters`).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        page, *size = super().get_schema_operation_parameters(view)
        page["schema"]["minimum"] = 1
        # Made while the schema is generated, in its language (credit_portal.api_docs).
        page["description"] = _(
            "Page number, from 1. A page beyond the last (or one that is not a number) is a "
            '404 with code "not_found".'
        )
        for parameter in size:
            parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            parameter["description"] = _(
                "Rows per page, %(size)s by default. A larger value than %(max)s is reduced to "
                "%(max)s; one that is not a positive whole number is ignored."
            ) % {"size": self.page_size, "max": self.max_page_size}
        return [page, *size]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        properties["count"]["description"] = _("Number of rows in the whole list.")
        properties["next"]["description"] = _("The next page, null on the last.")
        properties["previous"]["description"] = _("The previous page, null on the first.")
        paginated["required"] = ["count", "next", "previous", "results"]
        return paginated


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
