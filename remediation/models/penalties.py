"""Penalty decisions (行政处罚决定, 不予行政处罚决定) and the catalogue they are decided from.

Rules live in `remediation.rules` (leniency checks, limitation, publicity terms; docs/domain.md
§5, §6, §10); the workflow in `remediation.services.penalties`. A decision about an enterprise of
the register becomes a ledger fact (`penalty`, or `no_penalty` for a decision not to penalise)
when it is recorded; parties outside the register (natural persons, firms registered
elsewhere) are penalised too, and their decisions stay here alone.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from remediation.models.base import CaseRecord


class ViolationType(models.Model):
    """A type of violation in the catalogue administrators keep (the "same type" of the
    first-violation look-back, docs/domain.md §6, §10)."""

    class Sector(models.TextChoices):
        # Food, drugs and special equipment wait 1 year before a penalty's early repair (§5).
        GENERAL = "general", _("General")
        FOOD = "food", _("Food")
        DRUGS = "drugs", _("Drugs")
        SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    sector = models.CharField(
        _("sector"), max_length=24, choices=Sector.choices, default=Sector.GENERAL
    )
    violated_provision = models.CharField(_("provision violated"), max_length=300, blank=True)
    penalty_provision = models.CharField(_("penalty provision"), max_length=300, blank=True)
    # The statutory range the penalty provision gives, if any (prefills a decision).
    range_kind = models.CharField(
        _("statutory range"),
        max_length=12,
        choices=[
            ("none", _("No range")),
            ("amount", _("An amount")),
            ("multiple", _("A multiple of a base")),
        ],
        default="none",
    )
    range_min = models.DecimalField(
        _("range minimum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    range_max = models.DecimalField(
        _("range maximum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    base_kind = models.CharField(
        _("base of the multiple"),
        max_length=16,
        choices=[
            ("goods_value", _("Value of goods (货值金额)")),
            ("illegal_gains", _("Illegal gains (违法所得)")),
        ],
        blank=True,
    )
    # A law that sets another limitation period than APL art. 36 (§6).
    limitation_years = models.PositiveSmallIntegerField(
        _("limitation period (years) set by a special law"), null=True, blank=True
    )
    limitation_basis = models.CharField(
        _("article setting that period"), max_length=200, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("violation type")
        verbose_name_plural = _("violation types")
        constraints = [
            models.CheckConstraint(
                condition=Q(range_min__isnull=True)
                | Q(range_max__isnull=True)
                | Q(range_max__gte=models.F("range_min")),
                name="violation_type_range_order",
            ),
            models.CheckConstraint(
                condition=Q(limitation_years__isnull=True) | ~Q(limitation_basis=""),
                name="violation_type_limitation_cited",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class LeniencyListItem(models.Model):
    """An item of a published list: 首违不罚清单 or 轻微免罚清单 (docs/domain.md §6), each with
    the list's version, so a decision names the exact item it relied on."""

    class ListKind(models.TextChoices):
        FIRST_VIOLATION = "first_violation", _("First violation not penalised (首违不罚)")
        MINOR = "minor", _("Minor, no penalty (轻微免罚)")

    list_kind = models.CharField(_("list"), max_length=20, choices=ListKind.choices)
    list_name = models.CharField(
        _("list document"), max_length=120, help_text=_("For example 国市监法〔2025〕10号.")
    )
    version = models.CharField(_("version"), max_length=40)
    item_number = models.PositiveSmallIntegerField(_("item number"))
    text = models.TextField(_("item"))
    conditions = models.TextField(_("conditions"), blank=True)
    violation_type = models.ForeignKey(
        ViolationType,
        on_delete=models.PROTECT,
        related_name="list_items",
        verbose_name=_("violation type"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["list_kind", "list_name", "version", "item_number"]
        verbose_name = _("leniency list item")
        verbose_name_plural = _("leniency list items")
        constraints = [
            models.UniqueConstraint(
                fields=["list_kind", "list_name", "version", "item_number"],
                name="leniency_item_once_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_name} ({self.version}) {self.item_number}. {self.text[:40]}"


class PenaltyDecision(CaseRecord):
    """One decision: a penalty (行政处罚决定书), or a decision not to penalise
    (不予行政处罚决定书)."""

    class PartyKind(models.TextChoices):
        REGISTERED = "registered", _("Market entity of this register")
        ORGANISATION = "organisation", _("Organisation registered elsewhere")
        NATURAL_PERSON = "natural_person", _("Natural person")

    class Procedure(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary procedure")
        SIMPLE = "simple", _("Simple procedure (on the spot)")

    class Leniency(models.TextChoices):
        STANDARD = "standard", _("Standard")
        LIGHTER = "lighter", _("Lighter (从轻)")
        MITIGATED = "mitigated", _("Mitigated (减轻)")
        EXEMPT = "exempt", _("Exempted (免予处罚)")
        FIRST_VIOLATION = "first_violation", _("First violation not penalised (首违不罚)")

    class LeniencyGround(models.TextChoices):
        # APL art. 32 (must be lighter or mitigated) and art. 33 (no penalty); docs/domain.md §6.
        HARM_REMOVED = "art32_harm_removed", _("Art. 32(1): removed or reduced the harm on its own")
        COERCED = "art32_coerced", _("Art. 32(2): coerced or deceived")
        CONFESSED = "art32_confessed", _("Art. 32(3): confessed violations not yet known")
        MERITORIOUS = "art32_meritorious", _("Art. 32(4): meritorious service")
        OTHER_RULE = "art32_other", _("Art. 32(5): another rule requires it")
        MINOR_NO_HARM = "art33_minor", _("Art. 33 para 1: minor, corrected in time, no harm")
        FIRST_MINOR = "art33_first", _("Art. 33 para 1: first violation, minor harm, corrected")
        NO_FAULT = "art33_no_fault", _("Art. 33 para 2: the party proved it was not at fault")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("decision", "Draft")
        RECORDED = "recorded", pgettext_lazy("decision", "Recorded")
        WITHDRAWN = "withdrawn", pgettext_lazy("decision", "Withdrawn")

    class Withdrawal(models.TextChoices):
        CHANGED = "changed", _("Decision changed")
        REVOKED = "revoked", _("Decision revoked")
        VOID = "void", _("Decision found unlawful or void")

    number = models.CharField(_("decision number"), max_length=64, unique=True)
    decided_on = models.DateField(_("decision date"))
    department = models.ForeignKey(
        "credit_portal.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deciding department"),
    )
    party_kind = models.CharField(_("party"), max_length=16, choices=PartyKind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("market entity"),
    )
    party_name = models.CharField(_("party name"), max_length=200)
    # Credit code of an organisation registered elsewhere; never an identity number in clear.
    party_code = models.CharField(_("party's credit code"), max_length=18, blank=True)
    party_id_digest = models.CharField(
        _("identity number digest"), max_length=64, blank=True, editable=False
    )
    party_id_masked = models.CharField(_("identity number (masked)"), max_length=18, blank=True)
    party_other_province = models.BooleanField(
        _("registered in another province"),
        default=False,
        help_text=_(
            "Publication then goes through the party's home province (10 + 10 working days)."
        ),
    )
    violation_type = models.ForeignKey(
        ViolationType,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("violation type"),
    )
    violation_on = models.DateField(_("violation date"))
    violation_ended_on = models.DateField(
        _("violation ended on"), null=True, blank=True, help_text=_("If the violation continued.")
    )
    discovered_on = models.DateField(_("discovered on"))
    facts = models.TextField(_("facts"))
    legal_basis = models.TextField(_("legal basis"))
    procedure = models.CharField(
        _("procedure"), max_length=10, choices=Procedure.choices, default=Procedure.ORDINARY
    )
    # Limitation (APL art. 36): 5 years where life, health or financial safety was touched
    # and harm resulted.
    safety_harm = models.BooleanField(
        _("life, health or financial safety touched, with harmful results"), default=False
    )
    leniency = models.CharField(
        _("leniency"), max_length=16, choices=Leniency.choices, default=Leniency.STANDARD
    )
    leniency_grounds = models.JSONField(_("leniency grounds"), default=list, blank=True)
    leniency_facts = models.TextField(_("facts justifying leniency"), blank=True)
    leniency_item = models.ForeignKey(
        LeniencyListItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("list item"),
    )
    corrected_on = models.DateField(_("corrected on"), null=True, blank=True)
    # The statutory range applied (prefilled from the violation type).
    range_kind = models.CharField(
        _("statutory range"),
        max_length=12,
        choices=[
            ("none", _("No range")),
            ("amount", _("An amount")),
            ("multiple", _("A multiple of a base")),
        ],
        default="none",
    )
    range_min = models.DecimalField(
        _("range minimum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    range_max = models.DecimalField(
        _("range maximum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    base_kind = models.CharField(_("base of the multiple"), max_length=16, blank=True)
    base_amount = models.DecimalField(
        _("base amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # What the checks found (the first-violation look-back, limitation), kept for the audit.
    checks = models.JSONField(_("checks made"), default=dict, blank=True)
    public_summary = models.TextField(
        _("public summary"),
        blank=True,
        help_text=_("What is published: no personal data, no trade secrets (Order 45 arts. 4, 6)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    # Publicity (SAMR Order 45; docs/domain.md §5, §10), computed by remediation.rules.
    publication_due = models.DateField(_("publication due"), null=True, blank=True)
    publication_due_provisional = models.BooleanField(
        _("publication due date provisional"), default=False, editable=False
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    publicity_end = models.DateField(_("publicity until"), null=True, blank=True)
    publicity_term = models.CharField(_("publicity term"), max_length=16, blank=True)
    pushed_on = models.DateField(_("pushed to home province on"), null=True, blank=True)
    withdrawal = models.CharField(
        _("withdrawal"), max_length=10, choices=Withdrawal.choices, blank=True
    )
    withdrawal_reason = models.TextField(_("withdrawal reason"), blank=True)
    withdrawal_due = models.DateField(_("withdrawal due"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    credit_record = models.OneToOneField(
        "enterprises.CreditRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger record"),
    )

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("penalty decision")
        verbose_name_plural = _("penalty decisions")
        permissions = [
            ("record_penaltydecision", _("Can record and withdraw penalty decisions")),
            ("publish_penaltydecision", _("Can publish penalty decisions")),
        ]
        indexes = [
            models.Index(fields=["violation_type", "violation_on"], name="penalty_type_date_idx"),
            models.Index(fields=["enterprise", "violation_on"], name="penalty_ent_date_idx"),
            models.Index(fields=["party_id_digest"], name="penalty_party_digest_idx"),
            models.Index(fields=["party_code"], name="penalty_party_code_idx"),
            models.Index(fields=["status", "publication_due"], name="penalty_status_due_idx"),
            # Decisions still to publish (the inbox's count, on every staff page; the queue):
            # few among the many published ones.
            models.Index(
                fields=["publication_due"],
                condition=models.Q(published_on__isnull=True),
                name="penalty_unpublished_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_kind="registered", enterprise__isnull=False)
                | (~Q(party_kind="registered") & Q(enterprise__isnull=True)),
                name="penalty_party_registered_has_enterprise",
            ),
            models.CheckConstraint(
                condition=Q(discovered_on__gte=models.F("violation_on")),
                name="penalty_discovery_after_violation",
            ),
            models.CheckConstraint(
                condition=Q(violation_ended_on__isnull=True)
                | Q(violation_ended_on__gte=models.F("violation_on")),
                name="penalty_violation_end_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.party_name}"

    @property
    def is_no_penalty(self) -> bool:
        return self.leniency in (self.Leniency.EXEMPT, self.Leniency.FIRST_VIOLATION)

    @property
    def fine_total(self) -> Decimal:
        return sum((m.amount or Decimal(0) for m in self.measures.all()), Decimal(0))


class PenaltyMeasure(models.Model):
    """One penalty a decision imposes (APL art. 9)."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning (警告)")
        PUBLIC_CRITICISM = "public_criticism", _("Public criticism (通报批评)")
        FINE = "fine", _("Fine")
        CONFISCATE_GAINS = "confiscate_gains", _("Confiscation of illegal gains")
        CONFISCATE_PROPERTY = "confiscate_property", _("Confiscation of illegal property")
        LICENCE_SUSPENSION = "licence_suspension", _("Suspension of a licence")
        QUALIFICATION_DOWNGRADE = "qualification_downgrade", _("Downgrade of a qualification")
        LICENCE_REVOCATION = "licence_revocation", _("Revocation of a licence")
        BUSINESS_LICENCE_REVOCATION = (
            "business_licence_revocation",
            _("Revocation of the business licence"),
        )
        RESTRICT_BUSINESS = "restrict_business", _("Restriction of business activities")
        STOP_BUSINESS = "stop_business", _("Order to stop production or business")
        CLOSE = "close", _("Order to close")
        BAN = "ban", _("Ban from practising or operating")
        OTHER = "other", _("Other penalty set by law")

    decision = models.ForeignKey(
        PenaltyDecision,
        on_delete=models.CASCADE,
        related_name="measures",
        verbose_name=_("decision"),
    )
    kind = models.CharField(_("penalty"), max_length=32, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    months = models.PositiveSmallIntegerField(_("duration (months)"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="penalty_measure_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
