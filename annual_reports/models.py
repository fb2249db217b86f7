"""Annual reports (年度报告, docs/domain.md §4), immediate disclosures (即时信息, §4 "Immediate
disclosure by companies") and the invitations to self-correct after the deadline (信息自我纠错,
§3, §10).

Versions. A report is a chain of rows for one (entity, year): the original (`revision` 1) and
each correction (2, 3, ...), each pointing at the version it replaces (`correction_of`); the
version in force has `is_current`. A version being written is a draft (at most one per entity
and year); submitting it makes it current and leaves the one it replaces as it was, so both
are kept and both are shown (条例 art. 12). The same holds for immediate disclosures.

Ledger facts written (through `enterprises.services.ledger`, `annual_reports.kinds`):
- `annual_report_filed`: on the first submission of a year's report (revision 1), dated the
  day it was filed (online: the day submitted; paper: the day the bureau received it), public
  when the law makes it public (an enterprise's report always; an individual business's only
  if it chose to publish), details {"year", "late", "channel", "form"}; source: the report row.
- `annual_report_corrected`: each correction submitted (not public), details {"year",
  "revision", "correction"}; an invited correction after 30 June also writes `self_correction`
  (remediation's kind) with details {"what": "annual_report", "year", "invitation"}.
- `annual_report_late`: written by the deadline job for every entity that had to report for a
  year and had not by its deadline (not public), dated the first day after the window,
  details {"year"}; source ("annual_reports", "reportyear", "<enterprise id>:<year>").
- `immediate_disclosure`: each disclosure submitted (not public), details {"item", "late",
  "revision"}; a correction of a disclosure also writes `self_correction` with details
  {"what": "disclosure", "item"}.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _money(label: Any) -> Any:
    """An amount in CNY 10,000 (万元), as the publicity system asks for it; empty until given."""
    return models.DecimalField(label, max_digits=16, decimal_places=2, null=True, blank=True)


class AnnualReport(models.Model):
    """One version of one entity's report for one year."""

    class Form(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise annual report")
        INDIVIDUAL = "individual", _("Simplified individual-business annual report")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("report", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("report", "Submitted")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online (self-service or mini-program)")
        PAPER = "paper", _("Paper, entered by the bureau")

    class Correction(models.TextChoices):
        NONE = "", _("Original report")
        FREE = "free", _("Correction before 30 June")
        SELF_CORRECTION = "self_correction", _("Self-correction invited by an inspection")

    class OperatingStatus(models.TextChoices):
        OPERATING = "operating", _("Operating")
        SUSPENDED = "suspended", _("Suspended (歇业)")
        LIQUIDATION = "liquidation", _("In liquidation")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    form = models.CharField(_("form"), max_length=12, choices=Form.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    is_current = models.BooleanField(_("version in force"), default=False)
    correction_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    correction = models.CharField(
        _("kind of correction"),
        max_length=16,
        choices=Correction.choices,
        default=Correction.NONE,
        blank=True,
    )
    correction_reason = models.TextField(_("what was corrected and why"), blank=True)
    invitation = models.ForeignKey(
        "annual_reports.CorrectionInvitation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("invitation to self-correct"),
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.ONLINE
    )
    # The day the report counts from: online the day it was submitted (China time); on paper
    # the day the bureau received it, not the day it was entered (docs/domain.md §4).
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    late = models.BooleanField(_("filed after the deadline"), default=False)
    paper_reference = models.CharField(_("paper file reference"), max_length=64, blank=True)

    # Item 1: how to reach it.
    mailing_address = models.CharField(_("mailing address"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Item 2.
    operating_status = models.CharField(
        _("operating status"),
        max_length=12,
        choices=OperatingStatus.choices,
        default=OperatingStatus.OPERATING,
    )
    # Items 3-6 as lists of objects (keys in annual_reports.rules.LIST_ITEMS).
    investments = models.JSONField(_("investments in other enterprises"), default=list, blank=True)
    contributions = models.JSONField(_("shareholders' contributions"), default=list, blank=True)
    equity_transfers = models.JSONField(_("equity transfers"), default=list, blank=True)
    websites = models.JSONField(_("websites and online shops"), default=list, blank=True)
    # Individual businesses: licences obtained or changed (Order 69 art. 6).
    licences = models.JSONField(_("licences"), default=list, blank=True)
    # Item 7 (individual businesses: headcount, revenue and tax).
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    total_assets = _money(_("total assets (CNY 10,000)"))
    total_liabilities = _money(_("total liabilities (CNY 10,000)"))
    guarantees = _money(_("guarantees given (CNY 10,000)"))
    owners_equity = _money(_("owners' equity (CNY 10,000)"))
    total_revenue = _money(_("total revenue (CNY 10,000)"))
    main_revenue = _money(_("main-business revenue (CNY 10,000)"))
    total_profit = _money(_("total profit (CNY 10,000)"))
    net_profit = _money(_("net profit (CNY 10,000)"))
    tax_paid = _money(_("tax paid (CNY 10,000)"))
    # Item 7 is public only if the enterprise chooses (条例 art. 9).
    publish_financials = models.BooleanField(_("publish item 7"), default=False)
    # An individual business chooses whether to publish its report at all (细则 art. 63).
    publish = models.BooleanField(_("publish the report"), default=True)

    credit_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger record"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted or entered by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-year", "-revision"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        permissions = [
            ("enter_paper_annualreport", _("Can enter annual reports filed on paper")),
        ]
        indexes = [
            models.Index(fields=["year", "status", "filed_on"], name="annrep_year_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "revision"], name="annrep_one_revision"
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(status="draft"),
                name="annrep_one_draft",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(is_current=True),
                name="annrep_one_current",
            ),
            # Figures that cannot be negative (profit and owners' equity may be).
            models.CheckConstraint(
                condition=(Q(total_assets__isnull=True) | Q(total_assets__gte=0))
                & (Q(total_liabilities__isnull=True) | Q(total_liabilities__gte=0))
                & (Q(guarantees__isnull=True) | Q(guarantees__gte=0))
                & (Q(total_revenue__isnull=True) | Q(total_revenue__gte=0))
                & (Q(main_revenue__isnull=True) | Q(main_revenue__gte=0))
                & (Q(tax_paid__isnull=True) | Q(tax_paid__gte=0)),
                name="annrep_figures_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} #{self.enterprise_id} r{self.revision}"


class FilingSeason(models.Model):
    """The bureau's settings for one reporting year's deadline (docs/domain.md §3 "Portal
    practice", "Deferred listing"): when the filing entrance reopens after 30 June, and the
    buffer deadline. A year without a row uses the defaults of `annual_reports.rules`."""

    year = models.PositiveSmallIntegerField(_("year reported on"), unique=True)
    entrance_closed_until = models.DateField(
        _("filing entrance closed until"),
        null=True,
        blank=True,
        help_text=_(
            "Closed from 1 July to this day while listings are processed (default 14 July)."
        ),
    )
    buffer_deadline = models.DateField(
        _("buffer deadline"),
        null=True,
        blank=True,
        help_text=_(
            "Last day to file for entities pending listing (default: 20 working days from 1 July)."
        ),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("filing season")
        verbose_name_plural = _("filing seasons")

    def __str__(self) -> str:
        return str(self.year)


class CorrectionInvitation(models.Model):
    """An inspection's (or an officer's) invitation to correct a report after 30 June: wrong
    general-status data or an obvious unintentional error that caused no harm (the seed's
    wording, docs/domain.md §10). The correction it allows counts as a self-correction, not as
    false information."""

    class Reason(models.TextChoices):
        GENERAL_STATUS = "general_status", _("Wrong general-status information")
        UNINTENTIONAL = "unintentional", _("Obvious unintentional error without harm")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("invitation", "Open")
        USED = "used", pgettext_lazy("invitation", "Corrected")
        LAPSED = "lapsed", pgettext_lazy("invitation", "Lapsed")
        CANCELLED = "cancelled", pgettext_lazy("invitation", "Cancelled")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    findings = models.TextField(_("what the check found"))
    # Where the invitation comes from: an inspection's record later (app, model, id).
    source = models.CharField(_("source"), max_length=100, blank=True)
    department = models.ForeignKey(
        "credit_portal.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    invited_on = models.DateField(_("invited on"))
    respond_by = models.DateField(_("correct by"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-invited_on", "-id"]
        verbose_name = _("invitation to self-correct")
        verbose_name_plural = _("invitations to self-correct")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                condition=Q(status="open"),
                name="annrep_invitation_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} #{self.enterprise_id}"


class ImmediateDisclosure(models.Model):
    """One version of one immediate disclosure (即时信息, 公司法 art. 40; docs/domain.md §4):
    due within 20 working days of the change; corrected at any time (a correction is a new
    version and a self-correction)."""

    class Item(models.TextChoices):
        CONTRIBUTION = "contribution", _("Shareholders' subscribed and paid-in capital")
        EQUITY_CHANGE = "equity_change", _("Change of equity")
        LICENCE = "licence", _("Administrative licence")
        IP_PLEDGE = "ip_pledge", _("Pledge of intellectual property")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("disclosure", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("disclosure", "Disclosed")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
    changed_on = models.DateField(_("date of the change"))
    due_on = models.DateField(_("disclosure due"))
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    content = models.JSONField(_("content"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    is_current = models.BooleanField(_("version in force"), default=False)
    correction_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    correction_reason = models.TextField(_("what was corrected and why"), blank=True)
    filed_on = models.DateField(_("disclosed on"), null=True, blank=True)
    late = models.BooleanField(_("disclosed late"), default=False)
    credit_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger record"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-changed_on", "-id"]
        verbose_name = _("immediate disclosure")
        verbose_name_plural = _("immediate disclosures")

    def __str__(self) -> str:
        return f"{self.get_item_display()} #{self.enterprise_id} r{self.revision}"
