"""The abnormal-operations directory (经营异常名录) with its punishment buffer, the individual
businesses' abnormal mark, objections, orders to disclose, and the serious illegal and
dishonest list (docs/domain.md §3, §5).

`DirectoryCase` is one cause of listing for one entity, from detection to its end:

    detected ─► pending listing (buffer: deadline, optional pledge, reminders)
                   ├─► closed without listing (cured in time: never listed, ever)
                   └─► listed (the deadline passed)
    detected ─► listed (not eligible for the buffer; reasons 2-4; individual businesses marked)
    listed ─► removed (cured: removal code 1-5 or 7) | revoked (objection upheld: wrongful)
           └─► moved to the serious list (3 years uncured: removal code 6)

Ledger facts (`remediation.kinds`; source: the case, so a rerun writes nothing twice):
- `listing_deferred` when a case enters the buffer (not public), details {"reason_code",
  "year", "buffer_deadline"}; its end is read from the case, never published;
- `abnormal_listing` when listed (public from the listing day), details {"reason_code",
  "report_year", "individual_business"}; an individual business's mark is the same kind with
  "individual_business": true (shown as 标记为经营异常状态, △);
- `abnormal_removal` (closes the listing; public beside it), details {"reason_code": removal
  code}; a removal decided on an application is the `repair` fact of the application instead;
- `abnormal_revocation` (closes the listing: wrongful, hidden from the public page and no
  longer counted), source: the objection;
- `serious_listing` / `serious_removal` for `SeriousListing` (details {"reason", "case"} /
  {"reason": "expired"}).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from remediation.models.base import CaseRecord


class DirectoryCase(CaseRecord):
    class Reason(models.TextChoices):
        LATE_REPORT = "1", _("Annual report not filed on time (未按时年报)")
        NOT_DISCLOSED = "2", _("Information not disclosed within the ordered period")
        FALSE_INFORMATION = "3", _("Publicised information false or concealing facts")
        UNREACHABLE = "4", _("Cannot be reached at the registered address (查无下落)")

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("listing", "Pending listing (buffer)")
        CLOSED_NO_LISTING = "closed_no_listing", pgettext_lazy("listing", "Closed without listing")
        LISTED = "listed", pgettext_lazy("listing", "Listed")
        REMOVED = "removed", pgettext_lazy("listing", "Removed")
        REVOKED = "revoked", pgettext_lazy("listing", "Revoked (wrongful listing)")
        MOVED_SERIOUS = "moved_serious", pgettext_lazy("listing", "Moved to the serious list")

    class Removal(models.TextChoices):
        REPORTS_FILED = "1", _("Missing annual reports filed and publicised")
        DISCLOSED = "2", _("Immediate information disclosed")
        CORRECTED = "3", _("False information corrected")
        ADDRESS_CHANGED = "4", _("Change of domicile registered")
        REACHABLE = "5", _("Reachable at the registered address again (verified)")
        THREE_YEARS = "6", _("Three years without cure: moved to the serious list")
        CLOSED_ENTITY = "7", _("Deregistered, revoked or registration cancelled")

    class Source(models.TextChoices):
        DEADLINE_RUN = "deadline_run", _("Annual-report deadline run")
        ORDER = "order", _("Order to disclose not complied with")
        STAFF = "staff", _("Entered by an officer")
        INSPECTION = "inspection", _("Inspection finding")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    department = models.ForeignKey(
        "credit_portal.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deciding department"),
    )
    individual_business = models.BooleanField(_("individual business (marked, not listed)"))
    reason = models.CharField(_("reason"), max_length=1, choices=Reason.choices)
    report_year = models.PositiveSmallIntegerField(_("year not reported"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=14, choices=Source.choices)
    facts = models.TextField(_("facts found"), blank=True)
    state = models.CharField(_("state"), max_length=18, choices=State.choices)
    detected_on = models.DateField(_("found on"))
    # The buffer (惩戒缓冲).
    buffer_deadline = models.DateField(_("buffer deadline"), null=True, blank=True)
    pledged_on = models.DateField(_("credit pledge given on"), null=True, blank=True)
    pledge_text = models.TextField(_("credit pledge"), blank=True)
    reminders = models.JSONField(_("reminders sent"), default=list, blank=True)
    closed_on = models.DateField(_("closed without listing on"), null=True, blank=True)
    deferral_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deferral record"),
    )
    # The listing.
    listing_due = models.DateField(_("to be listed by"), null=True, blank=True)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    listing_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("listing record"),
    )
    # Its end.
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_code = models.CharField(
        _("removal reason"), max_length=1, choices=Removal.choices, blank=True
    )
    removal_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removal record"),
    )
    # Cured and waiting for the automatic removal (within 5 WD of this day).
    cured_on = models.DateField(_("cause cured on"), null=True, blank=True)
    # The 3-year rule: the day 3 years on the directory are complete, and the reminder.
    serious_due = models.DateField(_("three years complete on"), null=True, blank=True)
    serious_reminded_on = models.DateField(_("three-year reminder sent on"), null=True, blank=True)
    order = models.OneToOneField(
        "remediation.DisclosureOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("order to disclose"),
    )
    notice_opened_at = models.DateTimeField(_("notice first opened at"), null=True, blank=True)

    class Meta:
        ordering = ["-detected_on", "-id"]
        verbose_name = _("directory case")
        verbose_name_plural = _("directory cases")
        permissions = [
            ("decide_directorycase", _("Can list, remove and decide directory cases")),
        ]
        indexes = [
            models.Index(fields=["state", "buffer_deadline"], name="dircase_state_buffer_idx"),
            models.Index(fields=["state", "serious_due"], name="dircase_state_serious_idx"),
            models.Index(fields=["enterprise", "state"], name="dircase_enterprise_idx"),
        ]
        constraints = [
            # A rerun of the deadline run lists nobody twice.
            models.UniqueConstraint(
                fields=["enterprise", "report_year"],
                condition=Q(reason="1"),
                name="dircase_one_per_report_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.pk}"


class ListingObjection(CaseRecord):
    """An objection to a listing (异议, docs/domain.md §3): filed within 30 calendar days of
    publication, accepted or not within 5 WD of receipt, verified within 20 WD of acceptance;
    upheld → the listing is revoked."""

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("objection", "Received")
        ACCEPTED = "accepted", pgettext_lazy("objection", "Accepted, being verified")
        NOT_ACCEPTED = "not_accepted", pgettext_lazy("objection", "Not accepted")
        UPHELD = "upheld", pgettext_lazy("objection", "Upheld: listing revoked")
        REJECTED = "rejected", pgettext_lazy("objection", "Rejected: listing stands")
        WITHDRAWN = "withdrawn", pgettext_lazy("objection", "Withdrawn")

    case = models.ForeignKey(
        DirectoryCase,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("listing"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    received_on = models.DateField(_("received on"))
    grounds = models.TextField(_("grounds"))
    contact_name = models.CharField(_("contact"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.RECEIVED
    )
    acceptance_due = models.DateField(_("acceptance due"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    verification_due = models.DateField(_("verification due"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
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
    revocation_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revocation record"),
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("objection to a listing")
        verbose_name_plural = _("objections to listings")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["received", "accepted"]),
                name="objection_one_open_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.get_status_display()})"


class DisclosureOrder(CaseRecord):
    """An order to disclose immediate information (责令限期公示, docs/domain.md §3 reason 2): the
    period is usually 10 days; not complied with by then → listed with reason 2 within 10 WD."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("order", "Open")
        COMPLIED = "complied", pgettext_lazy("order", "Complied with")
        LISTED = "listed", pgettext_lazy("order", "Not complied with: listed")
        WITHDRAWN = "withdrawn", pgettext_lazy("order", "Withdrawn")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    department = models.ForeignKey(
        "credit_portal.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    items = models.JSONField(_("items to disclose"), default=list)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    ordered_on = models.DateField(_("ordered on"))
    due_on = models.DateField(_("disclose by"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    complied_on = models.DateField(_("complied with on"), null=True, blank=True)

    class Meta:
        ordering = ["-ordered_on", "-id"]
        verbose_name = _("order to disclose")
        verbose_name_plural = _("orders to disclose")
        indexes = [models.Index(fields=["status", "due_on"], name="discorder_status_due_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.ordered_on}"


class SeriousListing(CaseRecord):
    """A listing on the serious illegal and dishonest list (严重违法失信名单, docs/domain.md §3,
    §5): here from the 3-year directory rule. Its term (a setting, default 3 years) ends with an
    automatic removal; early removal by repair after 1 year. The legal representative is barred
    for 3 years from the listing day (`enterprises` keeps the bar, matched on the identity
    number's digest)."""

    class Reason(models.TextChoices):
        ABNORMAL_THREE_YEARS = (
            "abnormal_three_years",
            _("Three years in the abnormal directory without cure"),
        )

    class State(models.TextChoices):
        LISTED = "listed", pgettext_lazy("serious", "Listed")
        EXPIRED = "expired", pgettext_lazy("serious", "Removed at the end of its term")
        REPAIRED = "repaired", pgettext_lazy("serious", "Removed early by credit repair")
        REVOKED = "revoked", pgettext_lazy("serious", "Revoked")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market entity"),
    )
    department = models.ForeignKey(
        "credit_portal.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deciding department"),
    )
    case = models.OneToOneField(
        DirectoryCase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="serious_listing",
        verbose_name=_("directory case"),
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.LISTED)
    listed_on = models.DateField(_("listed on"))
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    term_ends = models.DateField(_("term ends"), null=True, blank=True)
    bar_until = models.DateField(_("legal representative barred until"), null=True, blank=True)
    listing_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("listing record"),
    )
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removal record"),
    )

    class Meta:
        ordering = ["-listed_on", "-id"]
        verbose_name = _("serious-list entry")
        verbose_name_plural = _("serious-list entries")
        indexes = [models.Index(fields=["state", "term_ends"], name="serious_state_term_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listed_on}"
