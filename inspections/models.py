""" "Double random, one public" (docs/domain.md §2, §7; the draw: docs/architecture.md
"Inspections"): the list of check items, the two pools (inspectors; market entities, frozen
per draw), sampling plans by stratum, verifiable draws, inspections and leads.

Fields, choices, constraints and indexes only; workflows live in `inspections.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credit_portal.jobs import LeasedJob, job_sweep_index
from credit_portal.models import Department
from enterprises.models import Enterprise


class Stratum(models.TextChoices):
    """The strata of a draw (docs/architecture.md "Inspections"; DRAW 7): each classified
    enterprise by its class, enterprises with no class yet, individual businesses (not
    classified: their own stratum, domain.md §10) and entities whose last annual report is
    missing (a stratum of their own). `inspections.rules.stratum_of` says which one an entity
    is in."""

    A = "A", _("Class A (low risk)")
    B = "B", _("Class B (general risk)")
    C = "C", _("Class C (relatively high risk)")
    D = "D", _("Class D (high risk)")
    UNCLASSIFIED = "X", _("Not classified yet")
    INDIVIDUAL = "IB", _("Individual businesses")
    NO_REPORT = "NR", _("Annual report missing")


class Skill(models.Model):
    """A qualification an item may need of its inspectors (food safety, special equipment, ...)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class InspectionItem(models.Model):
    """An entry of the list of check items (抽查事项清单, domain.md §2 "One list, two
    libraries"): what is checked, by whom, on what legal basis, how; its checklist is
    published to firms."""

    class Method(models.TextChoices):
        DESK = "desk", _("Desk review")
        ON_SITE = "on_site", _("On-site check")
        ONLINE = "online", _("Online monitoring")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="inspection_items",
        verbose_name=_("department"),
    )
    legal_basis = models.TextField(_("legal basis"))
    subject = models.CharField(_("who is checked"), max_length=200, blank=True)
    content = models.TextField(_("what is checked"), blank=True)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    # Safety-sensitive items keep new entities in the pool (domain.md §7: the observation
    # period covers general matters only).
    safety_sensitive = models.BooleanField(_("safety-sensitive"), default=False)
    required_skill = models.ForeignKey(
        Skill,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("skill required"),
    )
    checklist = models.TextField(_("checklist published to firms"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Inspector(models.Model):
    """An entry of the library of inspectors (执法检查人员名录库): a staff member qualified for
    enforcement (a badge number on the staff profile), of one department."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspector",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="inspectors",
        verbose_name=_("department"),
    )
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="inspectors", verbose_name=_("skills")
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["department__sort_order", "user_id"]
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")

    def __str__(self) -> str:
        return str(self.user)


class Recusal(models.Model):
    """A conflict of interest (APL art. 43, domain.md §2): the inspector is never assigned to
    the enterprise while the recusal is in force. Declared by the inspector, requested by the
    party or decided by the head; ended, never deleted."""

    class Origin(models.TextChoices):
        DECLARED = "declared", _("Declared by the inspector")
        REQUESTED = "requested", _("Requested by the party")
        DECIDED = "decided", _("Decided by the head of the agency")

    inspector = models.ForeignKey(
        Inspector, on_delete=models.PROTECT, related_name="recusals", verbose_name=_("inspector")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("market entity")
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    reason = models.CharField(_("reason"), max_length=300)
    valid_from = models.DateField(_("from"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "enterprise"],
                condition=Q(ended_on__isnull=True),
                name="recusal_one_open_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} / {self.enterprise_id}"


class SamplingPlan(models.Model):
    """A sampling plan (抽查计划/任务): its items, scope, departments (joint when several), and a
    ratio and yearly frequency per stratum (`PlanStratum`). Edited while a draft; approved
    before its first draw; a control plan draws low-risk firms to test the classes."""

    class Kind(models.TextChoices):
        RANDOM = "random", _("Random check")
        CONTROL = "control", _("Control draw (tests the classes)")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("plan", "Draft")
        APPROVED = "approved", pgettext_lazy("plan", "Approved")
        CLOSED = "closed", pgettext_lazy("plan", "Closed")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.RANDOM)
    status = models.CharField(
        pgettext_lazy("plan", "status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="led_plans",
        verbose_name=_("lead department"),
    )
    # Every department taking part, the lead included; more than one makes a joint plan.
    departments = models.ManyToManyField(
        Department, related_name="plans", verbose_name=_("departments")
    )
    items = models.ManyToManyField(
        InspectionItem, related_name="plans", verbose_name=_("inspection items")
    )
    # Scope (定向): empty lists mean every value (不定向).
    industries = models.JSONField(_("industry divisions"), default=list, blank=True)
    streets = models.JSONField(_("streets"), default=list, blank=True)
    entity_types = models.JSONField(_("entity types"), default=list, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    min_inspectors = models.PositiveSmallIntegerField(_("inspectors per firm"), default=2)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("sampling plan")
        verbose_name_plural = _("sampling plans")
        permissions = [
            ("approve_samplingplan", _("Can approve sampling plans")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="plan_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(min_inspectors__gte=2), name="plan_two_inspectors_at_least"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PlanStratum(models.Model):
    """A plan's ratio (percent of the stratum's pool) and yearly frequency for one stratum.
    Class A has a floor above zero (domain.md §7: classification exempts no one)."""

    plan = models.ForeignKey(
        SamplingPlan, on_delete=models.CASCADE, related_name="strata", verbose_name=_("plan")
    )
    stratum = models.CharField(_("stratum"), max_length=2, choices=Stratum.choices)
    ratio = models.DecimalField(_("ratio (%)"), max_digits=5, decimal_places=2)
    frequency = models.PositiveSmallIntegerField(_("checks per year"), default=1)

    class Meta:
        ordering = ["plan", "stratum"]
        verbose_name = _("stratum of a plan")
        verbose_name_plural = _("strata of a plan")
        constraints = [
            models.UniqueConstraint(fields=["plan", "stratum"], name="plan_stratum_once"),
            models.CheckConstraint(
                condition=Q(ratio__gte=0) & Q(ratio__lte=100), name="plan_stratum_ratio_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.stratum} {self.ratio}%"


class Draw(models.Model):
    """One verifiable draw over one or several approved plans (docs/architecture.md
    "Inspections", the draw). Never edited after its commitment and never deleted: it moves
    committed → outside value recorded → derived → revealed; a redraw is a new draw pointing
    to this one with its reason (this one becomes superseded). Hash-chained: `previous_hash`
    is the previous draw's `commitment_hash`."""

    class Status(models.TextChoices):
        COMMITTED = "committed", pgettext_lazy("draw", "Committed")
        OUTSIDE = "outside", pgettext_lazy("draw", "Outside value recorded")
        DERIVED = "derived", pgettext_lazy("draw", "Drawn, private until inspected")
        REVEALED = "revealed", pgettext_lazy("draw", "Revealed")
        SUPERSEDED = "superseded", pgettext_lazy("draw", "Superseded by a redraw")

    number = models.CharField(_("number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    is_control = models.BooleanField(_("control draw"), default=False)
    algorithm = models.CharField(_("algorithm"), max_length=16)
    status = models.CharField(
        pgettext_lazy("draw", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.COMMITTED,
    )
    plans = models.ManyToManyField(SamplingPlan, related_name="draws", verbose_name=_("plans"))
    as_of = models.DateField(_("pool as of"))
    # The commitment: the canonical manifest (plans, strata, ratios, targets, pool sizes,
    # hashes, the outside source) and its SHA-256, published at once.
    manifest = models.JSONField(_("commitment"))
    commitment_hash = models.CharField(_("commitment hash"), max_length=64, unique=True)
    previous_hash = models.CharField(_("previous draw's hash"), max_length=64, blank=True)
    pool_hash = models.CharField(_("pool hash"), max_length=64)
    roster_hash = models.CharField(_("roster hash"), max_length=64)
    seed_hash = models.CharField(_("server seed hash"), max_length=64)
    # Secret until revealed: never shown, exported or served before `revealed_at`.
    server_seed = models.CharField(_("server seed"), max_length=64)
    outside_source = models.CharField(_("outside randomness"), max_length=300)
    outside_value = models.CharField(_("outside value"), max_length=200, blank=True)
    outside_recorded_at = models.DateTimeField(
        _("outside value recorded at"), null=True, blank=True
    )
    outside_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outside value recorded by"),
    )
    selection_hash = models.CharField(_("selection hash"), max_length=64, blank=True)
    derived_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revealed by"),
    )
    redraw_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redrawn_by",
        verbose_name=_("redraw of"),
    )
    redraw_reason = models.TextField(_("reason for the redraw"), blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("committed by"),
    )
    committed_at = models.DateTimeField(_("committed at"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-committed_at"]
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        permissions = [
            ("run_draw", _("Can commit, derive and reveal draws")),
        ]

    def __str__(self) -> str:
        return self.number


def draw_file_path(instance: DrawFile, filename: str) -> str:
    return f"draws/{instance.draw_id}/{filename}"


class DrawFile(models.Model):
    """A file of a draw, stored gzip-compressed; `sha256` and `size` are of the uncompressed
    text, which is what the manifest names and the verifier checks. Commitment files are
    public from the commitment, the others (seed, selection, assignment) from the reveal."""

    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, related_name="files", verbose_name=_("draw")
    )
    name = models.CharField(_("name"), max_length=64)
    file = models.FileField(_("file"), upload_to=draw_file_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size (bytes)"))
    public_at_commit = models.BooleanField(_("public from the commitment"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["draw", "name"]
        verbose_name = _("draw file")
        verbose_name_plural = _("draw files")
        constraints = [
            models.UniqueConstraint(fields=["draw", "name"], name="draw_file_once"),
        ]

    def __str__(self) -> str:
        return self.name


class DrawStratum(models.Model):
    """The pool size, ratio, target and result of one plan × stratum of a draw."""

    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, related_name="strata", verbose_name=_("draw")
    )
    plan = models.ForeignKey(
        SamplingPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    stratum = models.CharField(_("stratum"), max_length=2, choices=Stratum.choices)
    pool_size = models.PositiveIntegerField(_("pool"))
    excluded = models.PositiveIntegerField(_("excluded"), default=0)
    ratio = models.DecimalField(_("ratio (%)"), max_digits=5, decimal_places=2)
    target = models.PositiveIntegerField(_("to draw"))
    selected = models.PositiveIntegerField(_("drawn"), default=0)

    class Meta:
        ordering = ["draw", "plan", "stratum"]
        verbose_name = _("stratum of a draw")
        verbose_name_plural = _("strata of a draw")
        constraints = [
            models.UniqueConstraint(fields=["draw", "plan", "stratum"], name="draw_stratum_once"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}/{self.plan_id}/{self.stratum}"


class Exclusion(models.Model):
    """An entity left out of a plan's pool at the commitment, with the rule and its reason
    (issue 17 §2). Leads override every exclusion (triggered inspections are outside draws)."""

    class Rule(models.TextChoices):
        OBSERVATION = "observation", _("New entity in its one-year observation period")
        SUSPENDED = "suspended", _("Suspended (歇业) within its filed period")
        CLOSED = "closed", _("Deregistered, revoked, cancelled or moved out")
        RECENT = "recent", _("Inspected under the same plan within its frequency")

    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, related_name="exclusions", verbose_name=_("draw")
    )
    plan = models.ForeignKey(
        SamplingPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("market entity")
    )
    rule = models.CharField(_("rule"), max_length=12, choices=Rule.choices)
    # Until when the rule holds (the end of observation or suspension; the day the plan's
    # frequency allows the next check), and what it was decided on.
    until = models.DateField(_("until"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "plan", "enterprise"], name="exclusion_once_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} ({self.rule})"


class Selection(models.Model):
    """An entity drawn by a plan: its stratum, ticket (HMAC hex) and rank in the stratum."""

    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, related_name="selections", verbose_name=_("draw")
    )
    plan = models.ForeignKey(
        SamplingPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("market entity")
    )
    stratum = models.CharField(_("stratum"), max_length=2, choices=Stratum.choices)
    ticket = models.CharField(_("ticket"), max_length=64)
    rank = models.PositiveIntegerField(_("rank"))

    class Meta:
        ordering = ["draw", "plan", "stratum", "rank"]
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "plan", "enterprise"], name="selection_once_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}/{self.plan_id} #{self.rank}"


class DrawJob(LeasedJob):
    """The slow half of a draw, run by a worker under a lease (`credit_portal.jobs`): the
    commitment (freeze pools and roster, write and hash the files, create the `Draw`) or the
    derivation (tickets, selection, inspector assignment, the inspections). Each is one
    transaction: a killed worker's job is rerun from the start by the sweeper, and the draw's
    own state makes a second run find nothing to do."""

    class Action(models.TextChoices):
        COMMIT = "commit", _("Commit")
        DERIVE = "derive", _("Derive")

    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    # COMMIT: {"plans": [ids], "title", "as_of", "outside_source", "redraw_of", "reason",
    # "is_control"}; DERIVE: {}.
    params = models.JSONField(_("parameters"), default=dict)
    draw = models.ForeignKey(
        Draw,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("draw"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    error = models.TextField(_("error"), blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("draw job")
        verbose_name_plural = _("draw jobs")
        indexes = [job_sweep_index("inspections_drawjob_sweep_idx")]


class Lead(models.Model):
    """A lead (线索): a report of a violation (举报), a consumer complaint (投诉) or a referral
    from another department (移送), each on its own legal clock in working days
    (domain.md §10, `inspections.rules`). The reporter's identity is never disclosed: it is
    kept for the reply only, shown to the handling staff, never on a public page, an export
    or the enterprise's pages."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report of a violation (举报)")
        COMPLAINT = "complaint", _("Consumer complaint (投诉)")
        REFERRAL = "referral", _("Referral from another department (移送)")

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("lead", "Received")
        VERIFYING = "verifying", pgettext_lazy("lead", "Being verified")
        MEDIATING = "mediating", pgettext_lazy("lead", "In mediation")
        REFUSED = "refused", pgettext_lazy("lead", "Not accepted")
        CLOSED = "closed", pgettext_lazy("lead", "Closed")

    class Channel(models.TextChoices):
        WEB = "web", _("Public web form")
        PHONE = "phone", _("Telephone (12315)")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("In person")
        REFERRAL = "referral", _("Referral document")
        QUESTION = "question", _("Online question")

    class Decision(models.TextChoices):
        CASE_OPENED = "case_opened", _("Case opened")
        NO_CASE = "no_case", _("No case opened")

    class NotifyMethod(models.TextChoices):
        PHONE = "phone", _("By telephone")
        LETTER = "letter", _("By letter")
        SMS = "sms", _("By text message")
        EMAIL = "email", _("By email")
        IN_PERSON = "in_person", _("In person")

    class MediationOutcome(models.TextChoices):
        AGREED = "agreed", _("Agreement reached")
        FAILED = "failed", _("No agreement")
        WITHDRAWN = "withdrawn", _("Withdrawn by the complainant")

    number = models.CharField(_("number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        pgettext_lazy("lead", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.RECEIVED,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    received_on = models.DateField(_("received on"))
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("market entity"),
    )
    subject_name = models.CharField(_("who it is about"), max_length=200)
    subject_address = models.CharField(_("where"), max_length=255, blank=True)
    content = models.TextField(_("what happened"))
    # The reporter (private; never disclosed).
    anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter_name = models.CharField(_("reporter's name"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=32, blank=True)
    reporter_email = models.EmailField(_("reporter's email"), blank=True)
    # A receipt code the reporter keeps to follow the lead (SHA-256 digest only).
    receipt_digest = models.CharField(max_length=64, blank=True, db_index=True)
    referring_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    referral_document = models.CharField(_("referral document number"), max_length=64, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("handling department"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    # 举报: verify within 15 WD (extendable by 15); tell a named reporter within 5 WD of the
    # decision. 投诉: accept or refuse within 7 WD; mediation ends within 45 WD.
    verify_due = models.DateField(_("verify by"), null=True, blank=True)
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    notify_due = models.DateField(_("tell the reporter by"), null=True, blank=True)
    notified_on = models.DateField(_("reporter told on"), null=True, blank=True)
    notify_method = models.CharField(
        _("how the reporter was told"), max_length=10, choices=NotifyMethod.choices, blank=True
    )
    accept_due = models.DateField(_("accept or refuse by"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    refused_on = models.DateField(_("refused on"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusing"), max_length=300, blank=True)
    mediation_due = models.DateField(_("mediation ends by"), null=True, blank=True)
    mediation_ended_on = models.DateField(_("mediation ended on"), null=True, blank=True)
    mediation_outcome = models.CharField(
        _("outcome of the mediation"), max_length=10, choices=MediationOutcome.choices, blank=True
    )
    violation_found = models.BooleanField(_("violation found"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [
            ("handle_lead", _("Can handle reports, complaints and referrals")),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="lead_status_kind_idx"),
            # The inbox's closed leads whose named reporter is still to be told (its count runs
            # on every staff page): a small partial index.
            models.Index(
                fields=["notify_due"],
                condition=models.Q(notify_due__isnull=False, notified_on__isnull=True),
                name="lead_notify_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Inspection(models.Model):
    """One visit to one market entity: a random or control draw's (joint: every plan of the
    draw that drew the entity, "one visit, many items"), or a triggered one from a lead, which
    ignores the pool exclusions. Recorded by its inspectors, reviewed by a supervisor,
    published within 20 WD of the end of the check as an `inspection_result` ledger fact."""

    class Origin(models.TextChoices):
        RANDOM = "random", _("Random draw")
        CONTROL = "control", _("Control draw")
        TRIGGERED = "triggered", _("Triggered by a lead")

    class Status(models.TextChoices):
        ASSIGNED = "assigned", pgettext_lazy("inspection", "To inspect")
        RECORDED = "recorded", pgettext_lazy("inspection", "Recorded, awaiting review")
        RETURNED = "returned", pgettext_lazy("inspection", "Returned for correction")
        REVIEWED = "reviewed", pgettext_lazy("inspection", "Reviewed, to publish")
        PUBLISHED = "published", pgettext_lazy("inspection", "Published")
        CANCELLED = "cancelled", pgettext_lazy("inspection", "Cancelled")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("market entity"),
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    status = models.CharField(
        pgettext_lazy("inspection", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.ASSIGNED,
    )
    draw = models.ForeignKey(
        Draw,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("draw"),
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("lead"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("lead department"),
    )
    # The stratum the entity was drawn in (the class that day): "does the class predict?".
    stratum = models.CharField(_("stratum"), max_length=2, choices=Stratum.choices, blank=True)
    due_by = models.DateField(_("inspect by"))
    checked_from = models.DateField(_("check started"), null=True, blank=True)
    check_ended_on = models.DateField(_("check ended"), null=True, blank=True)
    # Result codes of domain.md §2 (newer list, several allowed): `inspections.rules`.
    result_codes = models.JSONField(_("result"), default=list, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    problems_found = models.BooleanField(_("problems found"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    publish_due = models.DateField(_("publish by"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # What the result led to: {"order": id, "listing": id, "referral": ...}.
    follow_up = models.JSONField(_("follow-up"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["due_by", "id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        permissions = [
            ("record_inspection", _("Can record inspection results")),
            ("review_inspection", _("Can review and publish inspection results")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "enterprise"],
                condition=Q(draw__isnull=False),
                name="inspection_once_per_draw",
            ),
            models.CheckConstraint(
                condition=Q(origin="triggered", lead__isnull=False)
                | Q(~Q(origin="triggered"), draw__isnull=False),
                name="inspection_has_its_origin",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "publish_due"], name="inspection_publish_idx"),
            # The results waiting for review or publication in the order the staff inbox reads
            # them (inspections/inbox.py `results_to_publish`: its first 50 by due date, and
            # its count, from the index alone).
            models.Index(
                fields=["publish_due", "id"],
                include=["department"],
                condition=Q(status__in=["recorded", "reviewed"], publish_due__isnull=False),
                name="inspection_results_due_idx",
            ),
            models.Index(fields=["department", "status"], name="inspection_dept_status_idx"),
            models.Index(fields=["enterprise", "status"], name="inspection_ent_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} #{self.pk}"


class InspectionCheck(models.Model):
    """One item checked in an inspection, under the plan that brought it (joint visits carry
    the items of every plan that drew the entity)."""

    class Result(models.TextChoices):
        PENDING = "pending", pgettext_lazy("check", "Not yet checked")
        OK = "ok", pgettext_lazy("check", "No problem")
        PROBLEM = "problem", pgettext_lazy("check", "Problem found")
        NOT_APPLICABLE = "na", pgettext_lazy("check", "Not applicable")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="checks", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        InspectionItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    plan = models.ForeignKey(
        SamplingPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan"),
    )
    result = models.CharField(
        _("result"), max_length=8, choices=Result.choices, default=Result.PENDING
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["inspection", "item"]
        verbose_name = _("item checked")
        verbose_name_plural = _("items checked")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="check_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}: {self.result}"


class InspectionAssignment(models.Model):
    """An inspector assigned to an inspection (at least two; for a joint visit one of each
    department at least), in the order the draw assigned them."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("inspection"),
    )
    inspector = models.ForeignKey(
        Inspector, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("inspector")
    )
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["inspection", "position"]
        verbose_name = _("assigned inspector")
        verbose_name_plural = _("assigned inspectors")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "inspector"], name="assignment_once"),
        ]
        indexes = [
            models.Index(fields=["inspector", "inspection"], name="assignment_inspector_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.inspector_id}"
