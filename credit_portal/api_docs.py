"""The OpenAPI schema and its Swagger UI page, in the reader's language.

Every text the portal writes into the schema (title, summaries, descriptions, parameter and
field help) is a lazy translation, made into text while the schema is generated. The schema is
generated in the language asked for with ``?lang=`` (drf-spectacular's `SpectacularAPIView`),
else in the request's language (the language cookie or Accept-Language, through Django's
LocaleMiddleware). The docs page asks for the schema of the language it is shown in, so that a
reader of the Chinese interface reads Chinese descriptions; Swagger UI's own labels stay
English. tests/credit_portal/test_api_docs_language.py checks that every text is translated.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.utils import translation
from drf_spectacular.plumbing import set_query_parameters
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from credit_portal.views import FAVICON


def requested_language(request: Request) -> str:
    """``?lang=`` when it names a language of the portal, else the request's language."""
    asked = request.query_params.get("lang", "")
    if asked in dict(settings.LANGUAGES):
        return asked
    return translation.get_language() or settings.LANGUAGE_CODE


class PortalSchemaView(SpectacularAPIView):
    """The schema, in the language asked for (see the module docstring)."""

    def _get_filename(self, request: Request, version: str | None) -> str:
        # drf-spectacular names the download after the title, which is translated now: an
        # ASCII name keeps the Content-Disposition header plain in every language.
        format_ = self.perform_content_negotiation(request, force=True)[0].format
        return f"credit-portal-api{f'-{version}' if version else ''}.{format_}"


class PortalSwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI (split: its start-up script is a file, for the Content Security Policy),
    loading the schema of the page's language, with the portal's favicon."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        language = requested_language(request)
        if "script_url" in response.data:  # the page, not its script
            response.data["script_url"] = set_query_parameters(
                url=self.url_self or request.get_full_path(), lang=language, script=""
            )
            response.data["html_lang"] = "zh-CN" if language == "zh-hans" else language
            response.data["favicon_href"] = static(FAVICON)
        return response

    def _get_schema_url(self, request: Request) -> str:
        url: str = super()._get_schema_url(request)
        return set_query_parameters(url=url, lang=requested_language(request))
