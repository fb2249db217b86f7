"""The register of market entities and the append-only ledger of credit facts about them.

Current-state fields on `Enterprise` (status, abnormal flag, serious-list flag) are a cache of
the ledger, kept in step by `enterprises.services.ledger` in the same transaction as the record
that changes them; `enterprise_state_as_of` recomputes them for any date (docs/architecture.md,
the credit ledger).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from credit_portal.jobs import LeasedJob, job_sweep_index
from credit_portal.models import AppendOnlyModel, Department
from enterprises.industries import DIVISION_CHOICES, SECTION_CHOICES
from enterprises.kinds import (
    KIND_MAX_LENGTH,
    STATUS_CHANGE,
    kind_always_public,
    kind_choices,
    kind_label,
    kind_summary,
)


class Enterprise(models.Model):
    class EntityType(models.TextChoices):
        COMPANY = "company", _("Company")
        BRANCH = "branch", _("Branch")
        PARTNERSHIP = "partnership", _("Partnership")
        SOLE_PROPRIETORSHIP = "sole_proprietorship", _("Sole proprietorship")
        FARMERS_COOP = "farmers_coop", _("Farmers' cooperative")
        INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")

    class Status(models.TextChoices):
        OPERATING = "operating", _("Operating")
        SUSPENDED = "suspended", _("Suspended")
        DEREGISTERED = "deregistered", _("Deregistered")
        REVOKED = "revoked", _("Revoked")
        # Moved out of this bureau's district (迁出): the register keeps it, another bureau
        # supervises it from then on (docs/domain.md §2, §4: no longer due to report here).
        MOVED_OUT = "moved_out", _("Moved out")
        # Registration cancelled (撤销登记), e.g. obtained with false documents
        # (docs/domain.md §7): final, like deregistration.
        CANCELLED = "cancelled", _("Registration cancelled")

    class RiskClass(models.TextChoices):
        A = "A", _("A (low risk)")
        B = "B", _("B (general risk)")
        C = "C", _("C (relatively high risk)")
        D = "D", _("D (high risk)")

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    uscc_check_overridden = models.BooleanField(
        _("check character accepted by override"),
        default=False,
        help_text=_("A historic code that fails the GB 32100 check, accepted by an officer."),
    )
    legacy_reg_no = models.CharField(_("old registration number"), max_length=15, blank=True)
    name = models.CharField(_("name"), max_length=200)
    former_names = models.JSONField(_("former names"), default=list, blank=True)
    name_initials = models.CharField(
        _("pinyin initials"), max_length=200, blank=True, db_index=True, editable=False
    )
    entity_type = models.CharField(_("entity type"), max_length=24, choices=EntityType.choices)
    industry_section = models.CharField(
        _("industry section"), max_length=1, choices=SECTION_CHOICES
    )
    industry_division = models.CharField(
        _("industry division"), max_length=2, choices=DIVISION_CHOICES
    )
    registered_on = models.DateField(_("registration date"))
    registration_authority = models.CharField(_("registration authority"), max_length=100)
    address = models.CharField(_("address"), max_length=255)
    division = models.CharField(
        _("street or town"), max_length=64, help_text=_("The street (街道) or town (镇).")
    )
    legal_rep_name = models.CharField(_("legal representative"), max_length=64)
    legal_rep_id_masked = models.CharField(
        _("identity number (masked)"),
        max_length=32,
        blank=True,
        help_text=_("Only a masked value is kept, e.g. 5101**********123X."),
    )
    legal_rep_id_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Keyed hash of the full identity number: finds the same person, reveals nothing.",
        verbose_name=_("identity number digest"),
    )
    registered_capital = models.DecimalField(
        _("registered capital (CNY 10,000)"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
    )
    business_scope = models.TextField(_("business scope"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPERATING
    )
    suspended_from = models.DateField(_("suspended from"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("responsible department"),
    )
    # Ledger-derived state (see module docstring).
    is_abnormal = models.BooleanField(_("in the abnormal directory"), default=False)
    on_serious_list = models.BooleanField(
        _("on the serious illegal and dishonest list"), default=False
    )
    # Optimistic locking: the edit form and the API send the version they read.
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-registered_on", "id"]
        verbose_name = _("market entity")
        verbose_name_plural = _("market entities")
        permissions = [
            ("change_enterprise_status", _("Can record suspension, resumption, deregistration")),
            ("override_uscc_check", _("Can accept a credit code that fails its check")),
            ("import_enterprises", _("Can import the register from files")),
            ("export_enterprises", _("Can export the register")),
            ("issue_activation_code", _("Can issue enterprise activation codes")),
            ("view_risk", _("Can see risk classes and scores")),
        ]
        indexes = [
            models.Index(fields=["status", "entity_type"], name="ent_status_type_idx"),
            models.Index(fields=["industry_section", "industry_division"], name="ent_industry_idx"),
            # Measured with bench/staff_list_bench.py on 1M rows (issue 3 closing note). The
            # risk class and score moved to `risk.CurrentClass` (issue 16, migration 0019).
            models.Index(
                fields=["department", "registered_on", "id"], name="ent_department_registered_idx"
            ),
            models.Index(
                fields=["on_serious_list"],
                name="ent_serious_idx",
                condition=Q(on_serious_list=True),
            ),
            # Exact look-ups only: plain B-trees, no LIKE (pattern) twins on PostgreSQL.
            models.Index(fields=["legacy_reg_no"], name="ent_legacy_reg_no_idx"),
            models.Index(fields=["legal_rep_id_digest"], name="ent_legal_rep_digest_idx"),
            models.Index(
                fields=["is_abnormal"], name="ent_abnormal_idx", condition=Q(is_abnormal=True)
            ),
            models.Index(fields=["registered_on", "id"], name="ent_registered_idx"),
            models.Index(fields=["name"], name="ent_name_idx"),
        ]
        constraints = [
            # The old registration number aliases the credit code: one entity each
            # (checked with a message by the register services and the import).
            models.UniqueConstraint(
                fields=["legacy_reg_no"],
                condition=~Q(legacy_reg_no=""),
                name="enterprise_legacy_reg_no_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="suspended", suspended_from__isnull=False)
                | ~Q(status="suspended"),
                name="enterprise_suspension_has_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"

    # __str__ in SQL, over a row of this table aliased e: for rows the database derives from
    # enterprises (the import's audit events, `credit_portal.bulk.insert_select`).
    STR_SQL = "e.name || ' (' || e.uscc || ')'"

    @property
    def current_risk(self) -> Any:
        """The current class row (`risk.CurrentClass`: `risk_class` in effect, `score`,
        `as_of`, `assessed_at`, `override`), or None when the entity was never classified.
        Read through the one-to-one relation only (the register imports nothing of `risk`);
        select_related("risk_current") spares the query. Staff with `view_risk` only
        (docs/domain.md §1, visibility): the caller checks."""
        try:
            return self.risk_current
        except ObjectDoesNotExist:
            return None

    @property
    def legal_rep_title(self) -> str:
        """The title of the person registered for the entity, as its business licence prints
        it (法定代表人, 负责人, 执行事务合伙人, 投资人, 经营者)."""
        return str(LEGAL_REP_TITLES.get(str(self.entity_type), LEGAL_REP))

    @property
    def capital_label(self) -> str:
        """资金数额 for an individual business, which has no registered capital; 注册资本 for
        the others (as their business licences and the publicity system print it)."""
        if self.entity_type == self.EntityType.INDIVIDUAL_BUSINESS:
            return str(_("Amount of funds"))
        return str(_("Registered capital"))

    @property
    def address_label(self) -> str:
        """经营场所 for an individual business, 住所 for the others (business licences)."""
        if self.entity_type == self.EntityType.INDIVIDUAL_BUSINESS:
            return str(_("Place of business"))
        return str(_("Domicile"))


# The title of the person registered for an entity, by entity type (business licences).
LEGAL_REP = _("Legal representative")
LEGAL_REP_TITLES: dict[str, Promise] = {
    Enterprise.EntityType.BRANCH: _("Person in charge"),
    Enterprise.EntityType.PARTNERSHIP: _("Executive partner"),
    Enterprise.EntityType.SOLE_PROPRIETORSHIP: _("Investor"),
    Enterprise.EntityType.INDIVIDUAL_BUSINESS: _("Operator"),
}


class CreditRecord(AppendOnlyModel):
    """One credit fact about an enterprise. Never edited or deleted (database trigger on
    PostgreSQL); a repair, correction or removal is a new record that `closes` an older one."""

    # Keys of `details` for staff only: an officer's internal note on a status change. The
    # enterprise's own pages and API leave them out; public pages show no details at all.
    STAFF_ONLY_DETAILS = frozenset({"note"})

    # No index of its own: credit_ent_date_idx (enterprise, occurred_on) serves every lookup by
    # enterprise, and each index of the ledger costs every append (bench/import_bench.py).
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_records",
        verbose_name=_("market entity"),
        db_index=False,
    )
    # Each app declares its own kinds, with their effect on the state fold (enterprises.kinds).
    kind = models.CharField(_("kind"), max_length=KIND_MAX_LENGTH, choices=kind_choices)
    occurred_on = models.DateField(_("date happened or decided"))
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Whether the law makes this fact public on the publicity system."),
    )
    publicity_start = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_end = models.DateField(
        _("publicity until"), null=True, blank=True, help_text=_("Empty: until closed.")
    )
    authority = models.CharField(_("deciding authority"), max_length=100, blank=True)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    summary = models.TextField(_("summary"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    source_app = models.CharField(max_length=32, blank=True, verbose_name=_("source app"))
    source_model = models.CharField(max_length=64, blank=True, verbose_name=_("source model"))
    source_id = models.CharField(max_length=64, blank=True, verbose_name=_("source id"))
    closes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_by",
        verbose_name=_("closes record"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        indexes = [
            models.Index(fields=["enterprise", "occurred_on"], name="credit_ent_date_idx"),
            models.Index(fields=["kind", "occurred_on"], name="credit_kind_date_idx"),
            # Lookups by source object use the unique index below (credit_record_once_per_source):
            # a query must say source_id <> '' (or name a non-empty one) for its predicate.
        ]
        constraints = [
            # A source object yields at most one record of each kind: jobs that record facts
            # can be rerun without double entries.
            models.UniqueConstraint(
                fields=["source_app", "source_model", "source_id", "kind"],
                condition=~Q(source_id=""),
                name="credit_record_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(publicity_end__isnull=True)
                | Q(publicity_start__isnull=True)
                | Q(publicity_end__gte=models.F("publicity_start")),
                name="credit_record_publicity_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.kind_label}: {self.summary[:60]}"

    @property
    def kind_label(self) -> str:
        """The kind in words (its declaring app's label), in the active language."""
        return kind_label(self.kind)

    @property
    def summary_text(self) -> str:
        """The summary in the active language: made from the details for the kinds the system
        writes from data (registration, change of registration, status change), else the text
        as recorded (`enterprises.kinds.kind_summary`). `summary` keeps what was written."""
        return kind_summary(self.kind, self.details, self.summary)

    @property
    def enterprise_summary(self) -> str:
        """The summary as the enterprise reads it (its own pages and API), in the active
        language. Status changes recorded before the officer's note was kept out of the line
        (2026-11-29) end with " (note)"; the ledger cannot be rewritten, so that part is cut
        when the stored text is shown."""
        text = self.summary_text
        note = (self.details or {}).get("note") if self.kind == STATUS_CHANGE else None
        if note and text.endswith(f" ({note})"):
            return text[: -len(note) - 3]
        return text

    @property
    def public_by_law(self) -> bool:
        """Whether the law makes this record public: its own flag, or its kind's (a change of
        registration is public whatever a record written before issue 13 says;
        `enterprises.kinds`, always_public)."""
        return self.is_public or kind_always_public(self.kind)

    @property
    def publicity_from(self) -> dt.date | None:
        """The first day of publicity: as recorded, or the record's date for a record public
        by its kind that was written without one."""
        if self.publicity_start is None and kind_always_public(self.kind):
            return self.occurred_on
        return self.publicity_start

    def is_public_on(self, day: dt.date, *, closed: bool) -> bool:
        """Whether the publicity system shows this record on `day` (docs/domain.md §3-§5): public
        by law, already happened, inside its publicity window, and not closed (repaired,
        removed or corrected). `enterprises.selectors.public_credit_records` is the same rule
        in SQL."""
        start = self.publicity_from
        return (
            self.public_by_law
            and not closed
            and self.occurred_on <= day
            and start is not None
            and start <= day
            and (self.publicity_end is None or self.publicity_end >= day)
        )


class ActivationCode(models.Model):
    """A one-time code the bureau gives an enterprise so that a person can register as its user.

    Only a SHA-256 digest is stored; the code is shown once when issued. Single use, expires.
    """

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="activation_codes",
        verbose_name=_("market entity"),
    )
    code_digest = models.CharField(max_length=64, unique=True, verbose_name=_("code digest"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(default=timezone.now, verbose_name=_("issued at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")

    def __str__(self) -> str:
        return f"{self.enterprise.uscc} @ {self.issued_at:%Y-%m-%d}"


class EnterpriseMembership(models.Model):
    """Binds a user account to the one enterprise it acts for."""

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_rep", _("Legal representative")
        FILER = "filer", _("Filer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enterprise_membership",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("market entity"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.FILER)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    activation_code = models.OneToOneField(
        ActivationCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activation code"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("enterprise user")
        verbose_name_plural = _("enterprise users")

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise.name}"


class ImportJob(LeasedJob):
    """One upload of register rows, with its progress and row errors.

    A leased job (`credit_portal.jobs`): its steps are the file's chunks of `chunk_size` rows,
    `position` counts the chunks committed, and the counters below are those of the committed
    chunks (`enterprises.services.imports.jobs`).
    """

    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", verbose_name=_("file"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    # Fixed when the first chunk commits: a takeover must cut the file into the same chunks.
    chunk_size = models.PositiveIntegerField(_("rows per chunk"), default=2_000)
    total_rows = models.PositiveIntegerField(default=0, verbose_name=_("total rows"))
    processed_rows = models.PositiveIntegerField(default=0, verbose_name=_("processed rows"))
    created_count = models.PositiveIntegerField(default=0, verbose_name=_("created"))
    updated_count = models.PositiveIntegerField(default=0, verbose_name=_("updated"))
    unchanged_count = models.PositiveIntegerField(default=0, verbose_name=_("unchanged"))
    error_count = models.PositiveIntegerField(default=0, verbose_name=_("rows with errors"))
    # Every error message found, including those beyond the stored list's cap.
    error_total = models.PositiveIntegerField(default=0, verbose_name=_("error messages"))
    # [{"row": n, "uscc": code, "name": name, "column": c, "message": m}] (code and name as written)
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [job_sweep_index("import_job_sweep_idx")]

    def __str__(self) -> str:
        # No status here: audit events keep this text, and a job's status moves on.
        return f"{self.original_name} (#{self.pk})" if self.pk else self.original_name

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class LedgerChange(models.Model):
    """ "Credit facts were appended for this enterprise": one row per subscriber, enterprise and
    append call, written in the append's own transaction (single and bulk alike).

    Apps that react to new facts (classification re-scores) subscribe from their own `apps.py`
    (`enterprises.subscriptions.ledger_subscribe`); the append writes a row for each subscriber
    and a job drains each subscriber's rows in batches, deleting what it has handled in the
    handler's transaction (`ledger_changes_dispatch`). Nothing is queued per fact on the
    broker, so a bulk append of 100,000 facts queues nothing there and a broker outage loses
    nothing; a drain killed midway leaves its rows for the next run.
    """

    id = models.BigAutoField(primary_key=True)
    subscriber = models.CharField(_("subscriber"), max_length=64)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="+",
        # A queue: no foreign-key check on every append (enterprises are never deleted).
        db_constraint=False,
        db_index=False,
        verbose_name=_("market entity"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("ledger change")
        verbose_name_plural = _("ledger changes")
        indexes = [models.Index(fields=["subscriber", "id"], name="ledger_change_queue_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subscriber}: enterprise {self.enterprise_id}"


class RepresentativeBar(models.Model):
    """A person barred from being the legal representative or responsible person of an
    enterprise (条例 art. 17; docs/domain.md §3 "The 3-year rule", §10): the legal
    representative of an enterprise put on the serious illegal and dishonest list, for 3 years
    from the listing day. Matched on the keyed digest of the identity number
    (`enterprises.identity.id_digest`), never on the name. Written by the app that lists
    (`enterprises.services.bars.representative_bar_record`); the register's forms and import
    refuse the appointment of a barred person unless a registrar overrides it with a reason."""

    id_digest = models.CharField(_("identity number digest"), max_length=64, db_index=True)
    id_masked = models.CharField(_("identity number (masked)"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=64, blank=True)
    listed_enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enterprise on the serious list"),
    )
    barred_from = models.DateField(_("barred from"))
    barred_until = models.DateField(_("barred until"))
    # The decision behind it: (app label, model name, id) of the listing.
    source_app = models.CharField(max_length=32, verbose_name=_("source app"))
    source_model = models.CharField(max_length=64, verbose_name=_("source model"))
    source_id = models.CharField(max_length=64, verbose_name=_("source id"))
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-barred_from", "-id"]
        verbose_name = _("barred legal representative")
        verbose_name_plural = _("barred legal representatives")
        permissions = [
            (
                "override_representativebar",
                _("Can register a barred person as legal representative, with a reason"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_app", "source_model", "source_id"], name="repbar_one_per_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id_masked or self.id_digest[:8]} → {self.barred_until}"
