"""Reads of the import: the import jobs a user may see (a selector, kept here until it joins
`enterprises.selectors`)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, QuerySet

from credit_portal.models import User
from enterprises.models import ImportJob
from enterprises.permissions import EnterprisePerm
from enterprises.selectors import bureau_profiles


def import_jobs_for_user(*, user: User | AnonymousUser) -> QuerySet[ImportJob]:
    """Import jobs a user may see: all of them for those who may import (the bureau's staff
    with the import permission, superusers), else none: a job's errors name entities of the
    whole district (`applying._check_importer`)."""
    qs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-id")
    if not (user.is_authenticated and user.has_perm(EnterprisePerm.IMPORT)):
        return qs.none()
    if user.is_superuser:
        return qs
    # In the same statement (no extra query on the page): the user works for the bureau.
    return qs.filter(Exists(bureau_profiles(user=user)))
