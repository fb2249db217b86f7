"""Errors that services of every app raise and that views, endpoints and the admin catch."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ConflictError(ValidationError):
    """Someone else changed the object first: the version the caller read is not the stored one
    any more (optimistic locking), so nothing was written. `current_version` is the stored one.

    A `ValidationError`, so a caller that does not tell conflicts apart still shows it as a
    refusal; the register's edit page answers it with 409 and both versions side by side, the
    API with 409 naming the current version."""

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message, code="conflict")
        self.current_version = current_version
