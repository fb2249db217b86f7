"""The station's tests read the pages, the API and the service's messages in English (the
interface speaks Chinese first; these tests check which message is given, not its translation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
