"""The policy catalogue in the admin (issue 18 §3: "a catalogue administrators keep"). Every
write goes through `station.services.measure_save` (validated as the service validates, the
conditions against `station.rules`, versioned, audited); the service's problems come back on
the form's fields. Nothing is deleted: a measure is made inactive. The change page shows the
measure's history from the audit log (one event per change, with the conditions before and
after). Optimistic lock: the change form carries the version it was read at (a hidden
`version`); a save from a form read before someone else's change is refused with a form error
and changes nothing (and the service checks it again under its row lock)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_portal.admin import DepartmentChoiceInJurisdiction
from credit_portal.models import AuditEvent
from station import audit_events as events
from station.models import PolicyMeasure
from station.rules import CONDITION_TYPES
from station.services.catalogue import MEASURE_FIELDS, measure_problems, measure_save


class MeasureAdminForm(forms.ModelForm):
    stored: PolicyMeasure | None = None
    document_url = forms.URLField(
        label=_("document link"), required=False, assume_scheme="https", max_length=200
    )
    # The version this form was read at (the optimistic lock); empty on the add form.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = PolicyMeasure
        fields = list(MEASURE_FIELDS)
        widgets = {"conditions": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("version", self.instance.version)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.stored is not None and data.get("version") != self.stored.version:
            read = data.get("version")
            raise ValidationError(
                gettext(
                    "Someone else changed this measure meanwhile (now version %(current)d, "
                    "your form was read at version %(read)s). Nothing was saved: reload the "
                    "page to see their changes, then make yours again."
                )
                % {"current": self.stored.version, "read": read if read is not None else "?"},
                code="conflict",
            )
        if not self.errors:
            for field, problems in measure_problems(data=data, measure=self.stored).items():
                for problem in problems:
                    self.add_error(field if field in self.fields else None, problem)
        return data

    def validate_unique(self) -> None:  # the service says it in its own words
        return


@admin.register(PolicyMeasure)
class PolicyMeasureAdmin(DepartmentChoiceInJurisdiction, admin.ModelAdmin):
    form = MeasureAdminForm
    # The model's own version is not editable; the form's hidden `version` is the one read.
    exclude = ["version"]
    list_display = [
        "code",
        "title",
        "department",
        "valid_from",
        "valid_until",
        "is_active",
        "version",
    ]
    list_filter = ["is_active", "department"]
    list_select_related = ["department"]
    search_fields = ["code", "title", "document_number"]
    readonly_fields = [
        "condition_help",
        "current_version",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "history",
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        stored = PolicyMeasure.objects.get(pk=obj.pk) if obj is not None else None
        return type(base.__name__, (base,), {"stored": stored})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Conditions you may use"))
    def condition_help(self, obj: Any) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{}</code>: {} ({})</li>",
                ((c.code, c.label, c.value_kind) for c in CONDITION_TYPES.values()),
            ),
        )

    @admin.display(description=_("version"))
    def current_version(self, obj: Any) -> str:
        return str(obj.version) if obj is not None and obj.pk is not None else "—"

    @admin.display(description=_("History"))
    def history(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "—"
        rows = AuditEvent.objects.filter(
            event_type=events.MEASURE_SAVED,
            target_type=PolicyMeasure._meta.label_lower,
            target_id=str(obj.pk),
        ).select_related("actor")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · v{} · {}</li>",
                (
                    (
                        e.occurred_at.strftime("%Y-%m-%d %H:%M"),
                        getattr(e.actor, "username", "—"),
                        (e.extra or {}).get("version", ""),
                        ", ".join((e.extra or {}).get("changed") or []) or gettext("created"),
                    )
                    for e in rows.order_by("-id")[:50]
                ),
            ),
        )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: PolicyMeasure, form: Any, change: bool) -> None:
        data = {field: form.cleaned_data.get(field) for field in MEASURE_FIELDS}
        saved = measure_save(
            actor=request.user,  # type: ignore[arg-type]
            data=data,
            measure=PolicyMeasure.objects.get(pk=obj.pk) if change else None,
            # Checked again under the service's row lock (a save between clean() and here).
            expected_version=form.cleaned_data.get("version") if change else None,
        )
        obj.pk, obj.version = saved.pk, saved.version
