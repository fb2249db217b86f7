"""Soft-enforcement documents (柔性执法, docs/domain.md §9): numbered letters and interviews,
their service, rectification, follow-up visits, and the consent to electronic service that
makes the enterprise's opening of a document online count as service (APL art. 61, §10).

The states and their transitions are in `remediation.rules` (SOFT_ACTION_TRANSITIONS); the
workflow in `remediation.services.soft_actions`. A served document is a non-public ledger fact
(`soft_enforcement`); its rectification is the `letter_reply` fact that closes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from remediation.models.base import CaseRecord


class SoftAction(CaseRecord):
    class Instrument(models.TextChoices):
        PROMPT = "prompt", _("Early-warning prompt (行政提示书)")
        SUGGESTION = "suggestion", _("Administrative suggestion (行政建议书)")
        ADMONITION = "admonition", _("Admonition letter (警示告诫书)")
        INTERVIEW = "interview", _("Reminder interview (约谈提醒)")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("document", "Draft")
        APPROVED = "approved", pgettext_lazy("document", "Approved")
        SERVED = "served", pgettext_lazy("document", "Served, rectification due")
        RECTIFIED = "rectified", pgettext_lazy("document", "Rectified")
        OVERDUE = "overdue", pgettext_lazy("document", "Overdue")
        ESCALATED = "escalated", pgettext_lazy("document", "Escalated to a case")
        CANCELLED = "cancelled", pgettext_lazy("document", "Cancelled")

    class ServiceMethod(models.TextChoices):
        DIRECT = "direct", _("In person, with a proof of service (送达回证)")
        POST = "post", _("By post")
        ELECTRONIC = "electronic", _("Electronically (opened in the self-service area)")
        LEFT = "left", _("Left at the premises (留置送达)")
        ANNOUNCEMENT = "announcement", _("By announcement (公告送达)")

    class Trigger(models.TextChoices):
        DEADLINE = "deadline", _("A deadline approaches")
        INSPECTION = "inspection", _("An inspection found problems")
        COMPLAINT = "complaint", _("Complaints or reports")
        NO_PENALTY = "no_penalty", _("Education after a decision not to penalise")
        RISK = "risk", _("Risk signals")
        OTHER = "other", _("Other")

    instrument = models.CharField(_("instrument"), max_length=12, choices=Instrument.choices)
    # Allocated at approval, when the document is issued: a draft has none, so a draft that is
    # cancelled leaves no gap in the year's numbers (remediation.rules, "Soft enforcement").
    number = models.CharField(
        _("document number"), max_length=64, unique=True, null=True, blank=True
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("market entity"),
    )
    # A suggestion may go to another public body (docs/domain.md §9).
    addressee_name = models.CharField(_("addressee"), max_length=200)
    department = models.ForeignKey(
        "credit_portal.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuing department"),
    )
    trigger = models.CharField(
        _("occasion"), max_length=12, choices=Trigger.choices, default=Trigger.OTHER
    )
    penalty = models.ForeignKey(
        "remediation.PenaltyDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="education_actions",
        verbose_name=_("decision not to penalise"),
    )
    reason = models.TextField(_("reason"))
    legal_basis = models.TextField(_("legal basis"))
    facts = models.TextField(_("facts"), blank=True)
    required_actions = models.TextField(_("required actions"))
    deadline_working_days = models.PositiveSmallIntegerField(
        _("rectification period (working days)"), null=True, blank=True
    )
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    served_on = models.DateField(_("served on"), null=True, blank=True)
    service_method = models.CharField(
        _("service method"), max_length=12, choices=ServiceMethod.choices, blank=True
    )
    receipt_signed_by = models.CharField(_("receipt signed by"), max_length=64, blank=True)
    served_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service recorded by"),
    )
    # The first time a user of the enterprise opened the document online.
    opened_at = models.DateTimeField(_("opened online at"), null=True, blank=True)
    deadline = models.DateField(_("rectify by"), null=True, blank=True)
    deadline_provisional = models.BooleanField(
        _("rectification date provisional"), default=False, editable=False
    )
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    rectification_report = models.TextField(_("rectification report"), blank=True)
    rectification_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rectification verified by"),
    )
    overdue_on = models.DateField(_("overdue since"), null=True, blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    escalation_note = models.TextField(_("escalation"), blank=True)
    credit_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger record"),
    )
    reply_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rectification record"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("soft-enforcement document")
        verbose_name_plural = _("soft-enforcement documents")
        permissions = [
            ("approve_softaction", _("Can approve soft-enforcement documents")),
            ("serve_softaction", _("Can record service and rectification of documents")),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="softaction_status_due_idx"),
            models.Index(fields=["enterprise", "status"], name="softaction_ent_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(served_on__isnull=True) | Q(issued_on__isnull=False),
                name="softaction_served_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('draft')} {self.addressee_name}"


class Interview(models.Model):
    """The record of a reminder interview (约谈): minutes, attendees, commitments."""

    action = models.OneToOneField(
        SoftAction, on_delete=models.CASCADE, related_name="interview", verbose_name=_("document")
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200)
    attendees = models.TextField(_("attendees"))
    minutes = models.TextField(_("minutes"))
    commitments = models.TextField(_("commitments"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("interview record")
        verbose_name_plural = _("interview records")

    def __str__(self) -> str:
        return f"{self.action.number} {self.held_on}"


class FollowUpVisit(models.Model):
    """A return visit (回访) after a document or a decision not to penalise."""

    class Outcome(models.TextChoices):
        RECTIFIED = "rectified", _("Rectified")
        IN_PROGRESS = "in_progress", _("Rectification in progress")
        NOT_RECTIFIED = "not_rectified", _("Not rectified")

    action = models.ForeignKey(
        SoftAction, on_delete=models.CASCADE, related_name="visits", verbose_name=_("document")
    )
    visited_on = models.DateField(_("visited on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("visited by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["visited_on", "id"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return f"{self.action.number} {self.visited_on}"


class ElectronicServiceConsent(models.Model):
    """An enterprise's consent to electronic service (APL art. 61): while it is in force, the
    first opening of a document in the self-service area is its service."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("given by"),
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent to electronic service")
        verbose_name_plural = _("consents to electronic service")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_consent_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.given_at:%Y-%m-%d}"
