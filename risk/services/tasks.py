"""The tasks sensing gives the responsible department (issue 16 §8): an enterprise moved up
to C or D, or down from D. The run writes them (`risk.engine`); a member of the department
acknowledges each with a note of what was done."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.models import StaffProfile, User
from risk import audit_events as events
from risk.models import ClassChangeTask

NOTE_MAX = 2000


def task_acknowledge(*, task: ClassChangeTask, by: User, note: str) -> ClassChangeTask:
    """Acknowledge an open class change task with a note of what was done.

    Rules (issue 16 §8; the caller checks `risk.change_classchangetask` and that the task's
    department is in the user's jurisdiction): only the staff of the task's department (or a
    superuser) acknowledge it; a note is required; only an open task (a task
    acknowledged once stays so: the row is locked, a second acknowledgement is refused).
    Side effects: `done_at`, `done_by`, `note`; audit `risk.task_done`.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done about this change of class.")})
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("The note is too long (at most %(n)d characters).") % {"n": NOTE_MAX}}
        )
    with transaction.atomic():
        locked = ClassChangeTask.objects.select_for_update().get(pk=task.pk)
        if (
            not by.is_superuser
            and not StaffProfile.objects.filter(
                user=by, department_id=locked.department_id
            ).exists()
        ):
            # The task is the responsible department's (issue 16 §8): the bureau sees a
            # partner department's tasks but does not close them for it.
            raise ValidationError(
                _("Only the staff of %(department)s can acknowledge this task.")
                % {"department": locked.department},
                code="other_department",
            )
        if locked.done_at is not None:
            raise ValidationError(_("This task has already been acknowledged."), code="done")
        locked.done_at = timezone.now()
        locked.done_by = by
        locked.note = note
        locked.save(update_fields=["done_at", "done_by", "note"])
        audit_event_record(
            actor=by,
            event_type=events.TASK_DONE,
            target=locked,
            enterprise=locked.enterprise,
            extra={
                "from_class": locked.from_class,
                "to_class": locked.to_class,
                "due_on": locked.due_on,
                "note": note,
            },
        )
    task.done_at, task.done_by, task.note = locked.done_at, locked.done_by, locked.note
    return task
