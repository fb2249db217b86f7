"""The standing tests read messages in English (they check which message a case gets, not its
translation); the PDF is Chinese whatever the language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    settings.CREDIT_PORTAL = {
        **settings.CREDIT_PORTAL,
        "PUBLIC_BASE_URL": "https://credit.example.cn",
    }
    with translation.override("en"):
        yield
