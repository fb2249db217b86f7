"""The credit station's own data (issue 18 §3): the catalogue of policy measures administrators
keep, each with the conditions an enterprise's facts are matched against (`station.rules`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from credit_portal.models import Department


class PolicyMeasure(models.Model):
    """A support measure of the district (a loan, a subsidy, a relief), as its document states
    it. Changed only through `station.services.measure_save` (validated, audited, versioned)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    benefit = models.CharField(
        _("benefit"), max_length=200, help_text=_("What a qualifying enterprise gets, in a line.")
    )
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policy_measures",
        verbose_name=_("issuing department"),
    )
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    document_url = models.URLField(_("document link"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(
        _("conditions"),
        default=list,
        blank=True,
        help_text=_(
            'A list of condition objects, e.g. [{"type": "entity_types", "value": '
            '["individual_business"]}, {"type": "no_abnormal_listing"}].'
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("updated by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("policy measure")
        verbose_name_plural = _("policy measures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="station_measure_valid_range",
            )
        ]
        indexes = [
            models.Index(fields=["is_active", "valid_from"], name="station_measure_live_idx")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
