"""The plans' and catalogue's tests read their messages in English (the interface speaks
Chinese first; these tests check which message a bad input gets, not its translation, which
tests/credit_portal checks for every string)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

ENGLISH_MODULES = ("test_plans_", "test_catalogue_", "test_draw_files_")


@pytest.fixture(autouse=True)
def _english_messages(request: pytest.FixtureRequest, settings: Any) -> Iterator[None]:
    if not request.module.__name__.rsplit(".", 1)[-1].startswith(ENGLISH_MODULES):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
