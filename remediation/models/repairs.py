"""Credit repair (信用修复, docs/domain.md §5): one application model for the three kinds the
rules know (early stop of a penalty's publicity; removal from the abnormal directory; early
removal from the serious list), its uploads, and its synchronisation outbox per outside network.

Limits and conditions are in `remediation.rules`; the workflow in
`remediation.services.repairs`. An approved application writes the `repair` ledger fact that
closes the record repaired.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RepairApplication(models.Model):
    class Kind(models.TextChoices):
        PENALTY_PUBLICITY = "penalty_publicity", _("Early stop of a penalty's publicity")
        ABNORMAL_REMOVAL = "abnormal_removal", _("Removal from the abnormal operations directory")
        SERIOUS_REMOVAL = "serious_removal", _("Early removal from the serious illegal list")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("repair", "Submitted")
        ACCEPTED = "accepted", pgettext_lazy("repair", "Accepted, under review")
        NOT_ACCEPTED = "not_accepted", pgettext_lazy("repair", "Not accepted")
        APPROVED = "approved", pgettext_lazy("repair", "Approved")
        REFUSED = "refused", pgettext_lazy("repair", "Refused")
        WITHDRAWN = "withdrawn", pgettext_lazy("repair", "Withdrawn by the applicant")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    record = models.ForeignKey(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("record to repair"),
    )
    penalty = models.ForeignKey(
        "remediation.PenaltyDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repairs",
        verbose_name=_("penalty decision"),
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.SUBMITTED
    )
    applicant_name = models.CharField(_("applicant"), max_length=64)
    applicant_phone = models.CharField(_("applicant's phone"), max_length=32)
    statement = models.TextField(_("statement"))
    pledge_accepted = models.BooleanField(_("credit pledge given"), default=False)
    # The conditions as checked when the application was made (and again at the decision).
    conditions = models.JSONField(_("conditions checked"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    acceptance_due = models.DateField(_("acceptance due"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False, editable=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reasons = models.TextField(_("reasons"), blank=True)
    effect_due = models.DateField(_("effect due"), null=True, blank=True)
    repair_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repair record"),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        permissions = [
            ("decide_repairapplication", _("Can accept and decide credit repair applications")),
            ("export_repairsync", _("Can export repairs to the outside networks")),
        ]
        indexes = [
            models.Index(fields=["status", "decision_due"], name="repair_status_due_idx"),
        ]
        constraints = [
            # One open application per record at a time.
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status__in=["submitted", "accepted"]),
                name="repair_one_open_per_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class RepairAttachment(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", _("Repair application form (信用修复申请书)")
        PLEDGE = "pledge", _("Credit pledge (信用承诺书)")
        EVIDENCE = "evidence", _("Evidence of performance and correction")
        IDENTITY = "identity", _("Identity or business-licence document")
        OTHER = "other", _("Other")

    application = models.ForeignKey(
        RepairApplication,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="repairs/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("repair attachment")
        verbose_name_plural = _("repair attachments")

    def __str__(self) -> str:
        return self.original_name


class RepairSync(models.Model):
    """The outbox row of one repair for one outside network (docs/domain.md §5)."""

    class Network(models.TextChoices):
        GSXT = "gsxt", _("National Enterprise Credit Information Publicity System (公示系统)")
        CREDIT_CHINA = "credit_china", _("Credit China (信用中国)")
        PROVINCIAL = "provincial", _("Provincial credit platform")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("sync", "To send")
        EXPORTED = "exported", pgettext_lazy("sync", "Exported")
        CONFIRMED = "confirmed", pgettext_lazy("sync", "Confirmed")

    application = models.ForeignKey(
        RepairApplication,
        on_delete=models.CASCADE,
        related_name="syncs",
        verbose_name=_("application"),
    )
    network = models.CharField(_("network"), max_length=16, choices=Network.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    export_batch = models.CharField(_("export batch"), max_length=40, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("repair synchronisation")
        verbose_name_plural = _("repair synchronisations")
        constraints = [
            models.UniqueConstraint(fields=["application", "network"], name="repair_sync_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.application_id} {self.get_network_display()} {self.get_status_display()}"
