"""The library of inspectors (执法检查人员名录库, docs/domain.md §2 "One list, two libraries") and
their recusals (APL art. 43, §2 "Inspectors and recusal").

Only staff qualified for enforcement are inspectors: a user with a staff profile that carries
an enforcement badge number; the inspector's department is the profile's. An inspector is
never deleted (assignments name them): one who leaves is made inactive, and is no longer drawn.

A recusal keeps an inspector away from one market entity while it is in force: declared by the
inspector, requested by the party or decided by the head of the agency; ended, never deleted.
It is refused when it would leave an approved plan that is not over with fewer eligible
inspectors for that entity than the plan sends to a firm (`recusal_pool_problems`).

Writes here, each in one transaction with its audit event: `inspector_save` (optimistic
locking on `version`), `recusal_record`, `recusal_end`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import StaffProfile, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import Enterprise
from inspections import audit_events as events
from inspections import rules
from inspections.models import Inspector, Recusal, SamplingPlan, Skill
from inspections.selectors.plans import plan_covers

NOTE_MAX = 200
REASON_MAX = 300


def _in_jurisdiction(actor: User, department_id: int) -> bool:
    return departments_of_jurisdiction(user=actor).filter(pk=department_id).exists()


# --------------------------------------------------------------------------- inspectors


def inspector_candidate_problem(user: User | None) -> str:
    """Why `user` cannot be an inspector, or "": an active account with a staff profile that
    carries an enforcement badge number, not an inspector yet."""
    if user is None:
        return _("Choose the staff member.")
    if not user.is_active:
        return _("%(user)s's account is disabled: it cannot be an inspector.") % {"user": user}
    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None:
        return _(
            "%(user)s is not a member of staff (no staff profile): only staff qualified for "
            "enforcement can be inspectors."
        ) % {"user": user}
    if not profile.badge_number.strip():
        return _(
            "%(user)s has no enforcement badge number on their staff profile: only staff "
            "qualified for enforcement can be inspectors. Record the badge number first."
        ) % {"user": user}
    if Inspector.objects.filter(user=user).exists():
        return _("%(user)s is an inspector already.") % {"user": user}
    return ""


def inspector_save(
    *,
    actor: User,
    inspector: Inspector | None = None,
    user: User | None = None,
    skills: Iterable[Skill] | None = None,
    is_active: bool | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Inspector:
    """Add `user` to the library of inspectors (`inspector` None), or change `inspector`'s
    skills, activity and note (None: unchanged).

    Rules: a new inspector passes `inspector_candidate_problem`; their department (the staff
    profile's) is in the actor's jurisdiction, as is a changed inspector's; a note of at most
    `NOTE_MAX` characters; a change sends the version it read (a stale one is a
    `ConflictError`). Side effects: the inspector and their skills (the version moves on);
    audit `inspections.inspector_saved`.
    """
    errors: dict[str, list[str]] = {}
    note_text = None if note is None else note.strip()
    if note_text is not None and len(note_text) > NOTE_MAX:
        errors["note"] = [_("At most %(n)d characters.") % {"n": NOTE_MAX}]
    skill_list = None if skills is None else list(skills)
    with transaction.atomic():
        if inspector is None:
            problem = inspector_candidate_problem(user)
            if problem:
                errors.setdefault("user", []).append(problem)
                raise ValidationError(errors)
            assert user is not None  # noqa: S101 - checked by inspector_candidate_problem
            profile = StaffProfile.objects.get(user=user)
            if not _in_jurisdiction(actor, profile.department_id):
                errors.setdefault("user", []).append(
                    _("%(user)s works for another department: you cannot add them.")
                    % {"user": user}
                )
            if errors:
                raise ValidationError(errors)
            try:
                with transaction.atomic():
                    saved = Inspector.objects.create(
                        user=user,
                        department_id=profile.department_id,
                        is_active=True if is_active is None else is_active,
                        note=note_text or "",
                    )
            except IntegrityError:
                raise ValidationError(
                    {"user": [_("%(user)s is an inspector already.") % {"user": user}]}
                ) from None
            changed = ["user", "department", "is_active", "note"]
        else:
            saved = Inspector.objects.select_for_update().get(pk=inspector.pk)
            if expected_version is not None and expected_version != saved.version:
                raise ConflictError(
                    _(
                        "Someone else changed this inspector meanwhile (version %(current)d, "
                        "you read %(read)d). Nothing was saved: check their changes, then "
                        "save again."
                    )
                    % {"current": saved.version, "read": expected_version},
                    current_version=saved.version,
                )
            if not _in_jurisdiction(actor, saved.department_id):
                errors.setdefault("user", []).append(
                    _("This inspector works for another department: you cannot change them.")
                )
            if errors:
                raise ValidationError(errors)
            changed = []
            if is_active is not None and is_active != saved.is_active:
                saved.is_active = is_active
                changed.append("is_active")
            if note_text is not None and note_text != saved.note:
                saved.note = note_text
                changed.append("note")
            saved.version += 1
            saved.save()
        if skill_list is not None:
            before = set(saved.skills.values_list("pk", flat=True))
            if before != {s.pk for s in skill_list}:
                saved.skills.set(skill_list)
                changed.append("skills")
        audit_event_record(
            actor=actor,
            event_type=events.INSPECTOR_SAVED,
            target=saved,
            extra={
                "user": saved.user_id,
                "department": saved.department_id,
                "created": inspector is None,
                "changed": changed,
                "active": saved.is_active,
                "skills": sorted(saved.skills.values_list("code", flat=True)),
            },
        )
    return saved


# --------------------------------------------------------------------------- recusals


def recusal_pool_problems(
    *, inspector: Inspector, enterprise: Enterprise, on: dt.date
) -> list[str]:
    """What a recusal of `inspector` for `enterprise` would empty, one message each: every
    approved plan not over on `on` whose departments include the inspector's and whose scope
    covers the entity (not closed: deregistered, revoked or moved out), where fewer active
    inspectors of the plan's departments without a recusal for the entity in force on `on`
    would remain than the plan sends to a firm. That number is the draw's
    (`inspections.services.pools.plans_capacity_problems`): the plan's `min_inspectors`, at
    least `rules.MIN_INSPECTORS` (APL art. 42, docs/domain.md §2), and one per department of a
    joint plan."""
    if enterprise.status in rules.CLOSED_STATUSES:
        return []
    plans = (
        SamplingPlan.objects.filter(
            status=SamplingPlan.Status.APPROVED,
            ends_on__gte=on,
            departments=inspector.department_id,
        )
        .prefetch_related("departments")
        .order_by("code")
        .distinct()
    )
    recused = (
        Recusal.objects.filter(enterprise=enterprise, valid_from__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .values("inspector_id")
    )
    problems: list[str] = []
    for plan in plans:
        if not plan_covers(plan, enterprise):
            continue
        department_ids = [d.pk for d in plan.departments.all()]
        needed = max(plan.min_inspectors, rules.MIN_INSPECTORS, len(department_ids))
        left = (
            Inspector.objects.filter(is_active=True, department_id__in=department_ids)
            .exclude(pk=inspector.pk)
            .exclude(pk__in=recused)
            .count()
        )
        if left < needed:
            problems.append(
                _(
                    "Plan %(plan)s sends %(needed)d inspectors to each firm; with this recusal "
                    "only %(left)d inspectors of its departments could still be sent to "
                    "%(enterprise)s. Add inspectors to the library first, or have the head of "
                    "the agency decide otherwise."
                )
                % {
                    "plan": plan.code,
                    "needed": needed,
                    "left": left,
                    "enterprise": enterprise.name,
                }
            )
    return problems


def recusal_record(
    *,
    actor: User,
    inspector: Inspector,
    enterprise: Enterprise,
    origin: str,
    reason: str,
    valid_from: dt.date | None = None,
) -> Recusal:
    """Record that `inspector` steps aside for `enterprise` from `valid_from` (default today).

    Rules: a known origin (declared / requested / decided); a reason of at most `REASON_MAX`
    characters; `valid_from` not in the future; the inspector's department in the actor's
    jurisdiction (or the actor is the inspector, declaring); no open recusal of the same pair;
    and it must not empty a pool (`recusal_pool_problems`, with the numbers). The entity's row
    is locked, so two recusals for one entity are decided one after the other.
    Side effects: the recusal; audit `inspections.recusal_recorded` (for the entity).
    """
    today = timezone.localdate()
    valid_from = valid_from or today
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if origin not in Recusal.Origin.values:
        errors["origin"] = [_("Choose who raised the recusal.")]
    if not reason:
        errors["reason"] = [_("Give the reason for the recusal.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": REASON_MAX}]
    if valid_from > today:
        errors["valid_from"] = [_("A recusal is recorded from today or an earlier day.")]
    if inspector.user_id != actor.pk and not _in_jurisdiction(actor, inspector.department_id):
        errors.setdefault("inspector", []).append(
            _("This inspector works for another department: you cannot record their recusal.")
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
        if Recusal.objects.filter(
            inspector=inspector, enterprise=enterprise, ended_on__isnull=True
        ).exists():
            raise ValidationError(
                {
                    "enterprise": [
                        _("%(inspector)s already has a recusal in force for %(enterprise)s.")
                        % {"inspector": inspector, "enterprise": enterprise.name}
                    ]
                },
                code="exists",
            )
        problems = recusal_pool_problems(inspector=inspector, enterprise=enterprise, on=today)
        if problems:
            raise ValidationError({"enterprise": problems}, code="empties_pool")
        recusal = Recusal.objects.create(
            inspector=inspector,
            enterprise=enterprise,
            origin=origin,
            reason=reason,
            valid_from=valid_from,
            created_by=actor,
        )
        audit_event_record(
            actor=actor,
            event_type=events.RECUSAL_RECORDED,
            target=recusal,
            enterprise=enterprise,
            extra={
                "inspector": inspector.pk,
                "origin": origin,
                "reason": reason,
                "valid_from": valid_from,
            },
        )
    return recusal


def recusal_end(*, actor: User, recusal: Recusal, ended_on: dt.date | None = None) -> Recusal:
    """End a recusal on `ended_on` (default today): from that day the inspector may be drawn
    for the entity again.

    Rules: the recusal is in force; the day not in the future nor before its start; the
    inspector's department in the actor's jurisdiction. Side effects: `ended_on`; audit
    `inspections.recusal_ended` (for the entity).
    """
    today = timezone.localdate()
    ended_on = ended_on or today
    with transaction.atomic():
        locked = (
            Recusal.objects.select_for_update()
            .select_related("inspector", "enterprise")
            .get(pk=recusal.pk)
        )
        if locked.ended_on is not None:
            raise ValidationError(
                _("This recusal ended on %(day)s already.") % {"day": locked.ended_on},
                code="ended",
            )
        if not _in_jurisdiction(actor, locked.inspector.department_id):
            raise ValidationError(
                _("This inspector works for another department: you cannot end the recusal."),
                code="jurisdiction",
            )
        if ended_on > today:
            raise ValidationError({"ended_on": [_("The day may not be in the future.")]})
        if ended_on < locked.valid_from:
            raise ValidationError(
                {
                    "ended_on": [
                        _("The recusal started on %(day)s: it cannot end before.")
                        % {"day": locked.valid_from}
                    ]
                }
            )
        locked.ended_on = ended_on
        locked.save(update_fields=["ended_on"])
        audit_event_record(
            actor=actor,
            event_type=events.RECUSAL_ENDED,
            target=locked,
            enterprise=locked.enterprise,
            extra={"inspector": locked.inspector_id, "ended_on": ended_on},
        )
    recusal.ended_on = ended_on
    return locked
