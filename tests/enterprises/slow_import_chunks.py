"""Test hook for a real Celery worker: each chunk of an import takes at least
TEST_IMPORT_CHUNK_SECONDS longer, so that a test can kill the worker in the middle of a job.

Loaded only by the worker a test starts with ``--include tests.enterprises.slow_import_chunks``
(`tests.celery_helpers.celery_worker_process`); never imported by the portal.
"""

from __future__ import annotations

import os
import time
from typing import Any

from enterprises.services.imports import applying

_DELAY = float(os.environ.get("TEST_IMPORT_CHUNK_SECONDS", "0.05"))
_apply_chunk = applying._apply_chunk


def _slow_apply_chunk(*args: Any, **kwargs: Any) -> None:
    _apply_chunk(*args, **kwargs)
    time.sleep(_DELAY)  # inside the chunk's transaction: a kill now rolls the chunk back


applying._apply_chunk = _slow_apply_chunk
