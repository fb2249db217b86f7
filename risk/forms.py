"""Forms of the classification pages. They check the shape of the input only; the rules are
the services' (`risk.services.overrides`, `risk.services.tasks`, `risk.services.runs`), whose
errors the views put back on the form (`credit_portal.forms.form_errors_from`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.services.register import EARLIEST_REGISTRATION
from risk import rules
from risk.models import ClassificationRun, ModelVersion
from risk.services.overrides import REASON_MAX
from risk.services.tasks import NOTE_MAX

CLASS_CHOICES = [(c, c) for c in rules.CLASSES]


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class OverrideForm(forms.Form):
    """Set an override (issue 16 §7): the class, until when, and why."""

    risk_class = forms.ChoiceField(label=_("Class"), choices=CLASS_CHOICES)
    expires_on = forms.DateField(
        label=_("Until (inclusive)"),
        widget=_DateInput(),
        help_text=_("At most %(days)d days from today; it then ends by itself.")
        % {"days": rules.OVERRIDE_MAX_DAYS},
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX,
        help_text=_("Recorded with the override and shown wherever the class is shown."),
    )


class OverrideEndForm(forms.Form):
    """End an open override before its expiry."""

    end_reason = forms.CharField(
        label=_("Why end it now"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
    )


class TaskAcknowledgeForm(forms.Form):
    """Acknowledge a class change task with a note of what was done (issue 16 §8)."""

    note = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=NOTE_MAX
    )


class _VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} · {obj.get_status_display()}"


class RunStartForm(forms.Form):
    """Start a manual run, a replay as of a date (optionally under one version) or a what-if
    of a draft version (issue 16 §4, §5)."""

    KINDS = [
        (ClassificationRun.Reason.MANUAL, _("Manual run: classify everyone now")),
        (ClassificationRun.Reason.REPLAY, _("Replay: the register as it stood on a date")),
        (ClassificationRun.Reason.WHAT_IF, _("What-if: try a draft version on the register")),
    ]
    reason = forms.ChoiceField(label=_("What to run"), choices=KINDS)
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=_DateInput(),
        help_text=_("A replay: the date to recompute, with the facts known then."),
    )
    version = _VersionChoiceField(
        label=_("Version"),
        queryset=ModelVersion.objects.none(),
        required=False,
        help_text=_(
            "A replay: optionally one published version for everyone; a what-if: the draft."
        ),
    )

    enterprise = forms.CharField(
        label=_("Only this enterprise (credit code)"),
        required=False,
        max_length=18,
        help_text=_("Leave empty to run over the whole register."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = ModelVersion.objects.select_related("model").exclude(
            status=ModelVersion.Status.RETIRED
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = data.get("reason")
        as_of = data.get("as_of")
        version = data.get("version")
        today = timezone.localdate()
        if as_of is not None and as_of > today:
            self.add_error("as_of", _("The date cannot be in the future."))
        elif as_of is not None and as_of < EARLIEST_REGISTRATION:
            # As the API refuses it (`risk.api.common.date_problem`): no entity was registered
            # then, and a window counted back from such a date would leave the calendar.
            self.add_error(
                "as_of",
                _("No market entity was registered before %(day)s.")
                % {"day": EARLIEST_REGISTRATION.isoformat()},
            )
        elif reason == ClassificationRun.Reason.REPLAY and as_of is None:
            if "as_of" not in self.errors:
                self.add_error("as_of", _("A replay needs the date to recompute."))
        elif reason == ClassificationRun.Reason.MANUAL and as_of not in (None, today):
            self.add_error(
                "as_of",
                _("A manual run classifies as of today; to recompute a past date, start a replay."),
            )
        if reason == ClassificationRun.Reason.WHAT_IF:
            if version is None and "version" not in self.errors:
                self.add_error("version", _("A what-if needs the draft version to try."))
            elif version is not None and version.status != ModelVersion.Status.DRAFT:
                self.add_error(
                    "version", _("A what-if tries a draft version; this one is published.")
                )
            elif version is not None:
                from risk.services.models import version_problems

                for problem in version_problems(version):
                    self.add_error("version", problem)
        elif version is not None and reason == ClassificationRun.Reason.REPLAY:
            if version.status != ModelVersion.Status.PUBLISHED:
                self.add_error(
                    "version",
                    _("A replay recomputes under a published version; try a draft with a what-if."),
                )
        elif version is not None and reason == ClassificationRun.Reason.MANUAL:
            self.add_error("version", _("A manual run uses the versions in force; leave it out."))
        return data
