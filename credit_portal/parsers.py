"""The API's JSON parser (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``).

A module of its own: DRF imports the parser classes while `rest_framework.views` is being
imported, so this module must not import views (or drf-spectacular, which does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# Deepest nesting of arrays and objects a JSON request body may have. The register's deepest
# input is a list of strings (depth 2); 32 leaves room for any future payload while keeping
# far below the depth where Python's recursive parser and serializers fail.
JSON_MAX_DEPTH = 32


def json_too_deep(value: Any, *, limit: int = JSON_MAX_DEPTH) -> bool:
    """True when `value` nests lists and dicts more than `limit` levels deep (a scalar is 0,
    ``[]`` is 1). Iterative, so any depth is measured without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class DepthLimitedJSONParser(parsers.JSONParser):
    """DRF's JSON parser that refuses a body nested more than `JSON_MAX_DEPTH` levels deep.

    Python's json module parses recursively: a body nested about 1,000 levels deep raised
    RecursionError inside the parser (a 500 with a traceback), and a shallower one could
    still exhaust the stack in the serializers and error formatting that walk it. Both are a
    `ParseError` here, a 400 in the portal's error format (code ``parse_error``).
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_too_deep_message()) from None
        if json_too_deep(data):
            raise exceptions.ParseError(_too_deep_message())
        return data


def _too_deep_message() -> str:
    return _("JSON nested more than %(n)d levels deep is not accepted.") % {"n": JSON_MAX_DEPTH}
