"""The questions tests read messages in English (they check which message a bad input gets,
not its translation)."""

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
