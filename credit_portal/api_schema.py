"""The OpenAPI schema's account of errors: one place, `PortalAutoSchema` (the project's
``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``).

Every operation lists the error answers its view can give, each with the `Error` body of
`credit_portal.api.exception_handler`, so that no view repeats them:

- 400 for every operation: a NUL or a lone surrogate in the address or a cookie is refused
  before any view runs (`credit_portal.middleware.unstorable_characters_refused`); for an
  operation that reads a body also a body that is not valid, not parseable or nested too deep,
  and 415 for a media type it does not read;
- 403 (and 401 when the view's first authenticator names a challenge) unless anyone may call
  it;
- 404 for an address with a code in it, and for a paginated list (a page beyond the last);
- 429, with its Retry-After header, when the view is throttled.

A view adds what only it can answer (409 for a stale version) or says precisely what it
refuses (the 400 of a list's filters) in its own ``extend_schema(responses=...)`` with
`error_response`; what a view declares is kept.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny

from credit_portal.parsers import JSON_MAX_DEPTH

# The value of one entry of `errors`, as `_flatten` builds it: a list of messages; for a list
# or nested field, the messages of each item (a list holding objects, or an object by index).
_FIELD_MESSAGES = {
    "oneOf": [
        {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
        {"type": "object"},
    ]
}


@extend_schema_field({"type": "object", "additionalProperties": _FIELD_MESSAGES})
class _FieldErrorsField(serializers.DictField):
    """`errors` of the error body (typed for the schema only; never used to parse)."""


@extend_schema_serializer(
    component_name="Error", description=_("The body of every error answer of the API.")
)
class ErrorSerializer(serializers.Serializer):
    """The body of every error answer of the API (`exception_handler`)."""

    detail = serializers.CharField(help_text=_("Human-readable message in the request's language."))
    code = serializers.CharField(
        help_text=_(
            'Machine code: "invalid" (validation; see errors), "parse_error", '
            '"not_authenticated", "authentication_failed", "permission_denied", "not_found", '
            '"conflict", "unsupported_media_type", "throttled", "locked_out", '
            '"invalid_character", "unavailable".'
        )
    )
    # DRF's metaclass moves declared fields out of the class, so this one does not hide the
    # `Serializer.errors` property (mypy sees only the class body).
    errors = _FieldErrorsField(  # type: ignore[assignment]
        required=False,
        help_text=_(
            'Validation errors only: the messages for each input field ("non_field_errors" '
            "for the input as a whole); for a list or nested field, the messages of each item."
        ),
    )


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

# The texts below are lazy: the schema is generated in the language asked for (?lang=, else the
# request's), docs/architecture.md "Who uses it"; tests/credit_portal/test_api_docs_language.py.
ERROR_400_BODY = format_lazy(
    _(
        'The request body is not valid: code "invalid", and errors gives the messages for each '
        "field. Or it could not be parsed: malformed JSON, or JSON nested more than {depth} "
        'levels deep (code "parse_error").'
    ),
    depth=JSON_MAX_DEPTH,
)
# Any operation: `credit_portal.middleware.unstorable_characters_refused` answers before the view.
ERROR_400_CHARACTER = _(
    "The address (path or query) or a cookie holds a character that cannot be processed, a NUL "
    'or a lone surrogate (code "invalid_character").'
)
ERROR_401 = _('No valid credentials (code "not_authenticated" or "authentication_failed").')
ERROR_403 = _(
    'Not logged in: no session and no valid token (code "not_authenticated" or '
    '"authentication_failed"); or the user lacks the permission (code "permission_denied").'
)
ERROR_404 = _(
    'Not found (code "not_found"): nothing at this address that the user may see, or a page '
    "beyond the last."
)
ERROR_415 = _(
    'The body\'s Content-Type is not one the operation reads (code "unsupported_media_type").'
)
ERROR_429 = _(
    'Too many requests (code "throttled"): wait the seconds given in the Retry-After header.'
)
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "description": _("Seconds to wait before the next request is accepted."),
    }
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error answers each view can give (see the module
    docstring), derived from the view's method, path, permissions, pagination and throttles.

    It extends `_get_response_bodies`, where drf-spectacular builds an operation's responses
    (from the view's `extend_schema` or its serializer): the one hook that sees the view and
    the finished responses together.
    """

    def error_answers(self) -> dict[str, str | Promise]:
        """Status code -> description of the error answers this operation can give."""
        answers: dict[str, str | Promise] = {}
        view = self.view
        answers["400"] = ERROR_400_CHARACTER
        if self.method in _BODY_METHODS:
            answers["400"] = format_lazy("{} {}", ERROR_400_BODY, ERROR_400_CHARACTER)
            answers["415"] = ERROR_415
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            authenticators = view.get_authenticators()
            if authenticators and _sends_challenge(authenticators[0]):
                answers["401"] = ERROR_401
            answers["403"] = ERROR_403
        paginated = self.method == "GET" and self._is_list_view() and self._get_paginator()
        if "{" in self.path or paginated:
            answers["404"] = ERROR_404
        if view.get_throttles():
            answers["429"] = ERROR_429
        return answers

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        answers = self.error_answers()
        if "400" in responses:  # the view's own 400: what its input may not be
            responses["400"]["description"] = format_lazy(
                "{} {}", responses["400"]["description"], ERROR_400_CHARACTER
            )
            del answers["400"]
        for code, description in answers.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"], direction=direction
                )
                responses[code]["description"] = description
        if "429" in responses:
            responses["429"].setdefault("headers", {}).update(RETRY_AFTER_HEADER)
        return dict(sorted(responses.items()))


def _sends_challenge(authenticator: BaseAuthentication) -> bool:
    """Whether DRF answers 401 (rather than 403) for a request this authenticator refuses: the
    first authenticator of the view decides, by naming a WWW-Authenticate challenge."""
    return type(authenticator).authenticate_header is not BaseAuthentication.authenticate_header


def error_response(description: str | Promise) -> OpenApiResponse:
    """An `extend_schema` response with the error body and this description, for the answers
    a view documents itself (a 409, or what exactly its 400 refuses)."""
    return OpenApiResponse(ErrorSerializer, description=description)
