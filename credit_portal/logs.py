"""Log filters, installed by LOGGING in credit_portal/settings/base.py."""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, PermissionDenied
from django.http.multipartparser import MultiPartParserError


class RefusalWithoutTraceback(logging.Filter):
    """Log an ordinary refusal as one line, without the traceback.

    Django logs a PermissionDenied (a 403: a user opening a page their role does not grant)
    and a BadRequest or an unreadable upload body (a 400) on `django.request` as a warning with
    the exception attached, so every such answer printed a traceback, as if the portal had
    failed. The warning stays (status, path, request id); the traceback goes. Server errors
    (500) keep theirs.
    """

    REFUSALS = (PermissionDenied, BadRequest, MultiPartParserError)

    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.exc_info[1] if record.exc_info else None
        if isinstance(exception, self.REFUSALS):
            record.exc_info = None
            record.exc_text = None
        return True
