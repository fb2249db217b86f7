"""A letter of good standing (信用状况证明) as issued: what it states, frozen at issue, and the
code a bank types or scans to verify it (docs/domain.md §11).

Append-only apart from revocation: the services never change a letter's content; staff may
revoke it (who, when, why), never delete it. On PostgreSQL a trigger refuses DELETE and any
UPDATE of another column (migration 0003_letters_guard).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise


class StandingLetter(models.Model):
    code = models.CharField(
        _("verification code"),
        max_length=19,
        unique=True,
        help_text=_("XXXX-XXXX-XXXX-XXXX, random; what the bank types or scans."),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="standing_letters",
        verbose_name=_("enterprise"),
    )
    as_of = models.DateField(_("as of"), help_text=_("The day the letter speaks for."))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    expires_on = models.DateField(
        _("verifiable until"), help_text=_("The last day the code verifies the letter.")
    )
    # What the letter states, frozen at issue (the enterprise may change its name later).
    name = models.CharField(_("name"), max_length=255)
    credit_code = models.CharField(_("credit code"), max_length=18)
    registration_status = models.CharField(_("registration status"), max_length=32)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    statements = models.JSONField(
        _("statements"),
        default=list,
        help_text=_("What the letter states, as printed: a list of {key, text}."),
    )
    # The ledger records that decided the standing on as_of (their ids, and a SHA-256 of them
    # with the state): verification recomputes it to tell whether the records have changed.
    standing_digest = models.CharField(_("standing digest"), max_length=64)
    record_ids = models.JSONField(_("ledger records checked"), default=list)
    last_record_id = models.BigIntegerField(
        _("last ledger record"),
        default=0,
        help_text=_("The newest ledger record of the enterprise when the letter was issued."),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)

    class Meta:
        verbose_name = _("letter of good standing")
        verbose_name_plural = _("letters of good standing")
        ordering = ("-issued_at", "-id")
        indexes = [
            models.Index(fields=["enterprise", "-issued_at"], name="standing_letter_ent_issued"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True)
                | (models.Q(revoked_by__isnull=False) & ~models.Q(revoke_reason="")),
                name="standing_letter_revocation_complete",
            ),
        ]
        permissions = [("revoke_standingletter", "Can revoke a letter of good standing")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def status_on(self, day: dt.date) -> str:
        """ "revoked", "expired" or "valid" on `day` (the content is not re-checked here;
        `standing.services.letter_verify` does that)."""
        if self.revoked_at is not None:
            return "revoked"
        if day > self.expires_on:
            return "expired"
        return "valid"

    def get_pdf_url(self) -> str:
        return reverse("standing:pdf", args=[self.pk])

    def verify_path(self) -> str:
        return reverse("standing-public:verify_code", args=[self.code])

    def statement_texts(self) -> list[str]:
        items: list[Any] = self.statements or []
        return [str(s.get("text", "")) for s in items if isinstance(s, dict)]
