"""Reads of the core: jurisdiction over departments, which concerns only departments, staff
profiles and users. The register and its admin ask these who may see which department's
entities; the core's admin asks them who administers which accounts.
"""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet

from credit_portal.models import Department, StaffProfile, User


def bureau_profiles(*, user: User) -> QuerySet[StaffProfile]:
    """The user's staff profile if it is in the bureau (whose staff supervise the whole
    district); empty for partner departments' staff and everyone else."""
    return StaffProfile.objects.filter(user=user, department__is_bureau=True)


def departments_of_jurisdiction(*, user: User) -> QuerySet[Department]:
    """The departments whose entities a staff user may see and assign: every department for a
    superuser or a member of the bureau, the user's own department for partner staff, none for
    anyone else (an enterprise user, an account without a staff profile)."""
    if user.is_superuser:
        return Department.objects.all()
    bureau_staff = bureau_profiles(user=user)
    own = StaffProfile.objects.filter(user=user).values("department_id")
    # Subqueries, not a join through the staff profiles: each department once (a join gave a
    # department once per member, which a form's choice lookup refused).
    return Department.objects.filter(Q(pk__in=own) | Q(Exists(bureau_staff)))
