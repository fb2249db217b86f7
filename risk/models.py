"""Risk classification (docs/domain.md §1; issue 16): indicators as data, versioned scoring
models, assessments (the history), the current class (a narrow table of its own), overrides,
runs and the tasks a change of class gives the responsible department.

How a class is computed is `risk.engine` (set-based SQL generated from a published version's
frozen definition, `ModelVersion.definition`); the rules and defaults are `risk.rules`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from credit_portal.jobs import LeasedJob, job_sweep_index
from credit_portal.models import AppendOnlyModel, Department
from enterprises.models import Enterprise

# The four classes (docs/domain.md §1, "Four classes"): the register keeps the vocabulary, so
# that its staff list can filter on it without importing this app.
RiskClass = Enterprise.RiskClass


class Indicator(models.Model):
    """One indicator, defined as data (docs/domain.md §1, "Indicator families"): either a register
    field mapped to points, or a count of ledger facts of given kinds in a window, times points
    per fact, capped. Editing one changes no published version: a version freezes the
    definitions it uses when it is published (`ModelVersion.definition`)."""

    class Family(models.TextChoices):
        BASIC = "basic", _("Basic attributes")
        DYNAMIC = "dynamic", _("Dynamic information")
        SUPERVISION = "supervision", _("Supervision information")
        RELATIONS = "relations", _("Relationship information")
        SOCIAL = "social", _("Social evaluation")

    class Nature(models.TextChoices):
        STATIC = "static", _("Static")
        DYNAMIC = "dynamic", _("Dynamic")

    class Source(models.TextChoices):
        REGISTER = "register", _("A register field")
        LEDGER = "ledger", _("Ledger facts")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    family = models.CharField(_("family"), max_length=16, choices=Family.choices)
    nature = models.CharField(_("static or dynamic"), max_length=8, choices=Nature.choices)
    source = models.CharField(_("computed from"), max_length=8, choices=Source.choices)
    # A register field (risk.rules.REGISTER_FIELDS) and its points: for a field of choices, a
    # mapping value -> points ({"branch": 2}); for a number or an age, bands
    # [[from, to, points], ...] (to null: open-ended).
    register_field = models.CharField(_("register field"), max_length=32, blank=True)
    mapping = models.JSONField(_("points by value"), default=dict, blank=True)
    bands = models.JSONField(_("points by band"), default=list, blank=True)
    # Ledger facts: their kinds, a window in days before the assessment date (0: no limit),
    # only facts in force (no record closes them), points per fact and a cap on the total.
    kinds = models.JSONField(_("ledger kinds"), default=list, blank=True)
    window_days = models.PositiveIntegerField(_("window (days)"), default=0)
    in_force_only = models.BooleanField(_("only facts in force"), default=False)
    points_per_fact = models.IntegerField(_("points per fact"), default=0)
    max_points = models.PositiveIntegerField(_("at most (points)"), default=0)
    # The range a scoring model may weigh this indicator in (weights in tenths: 10 = ×1.0).
    weight_min = models.PositiveSmallIntegerField(_("lowest weight (tenths)"), default=0)
    weight_max = models.PositiveSmallIntegerField(_("highest weight (tenths)"), default=30)
    description = models.TextField(_("description"), blank=True)
    basis = models.CharField(_("source or basis"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["family", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class ScoringModel(models.Model):
    """A scoring model: the general one, or an industry model (food, special equipment) that
    applies to the industry divisions it names instead of the general one."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    is_general = models.BooleanField(_("general model"), default=False)
    # GB/T 4754 divisions (two digits) an industry model applies to.
    industry_divisions = models.JSONField(_("industry divisions"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-is_general", "code"]
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")
        constraints = [
            models.UniqueConstraint(
                fields=["is_general"], condition=Q(is_general=True), name="risk_one_general_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def label(self) -> str:
        """The model's name in the reader's language (Chinese unless English is active): what
        the pages show, the code beside it only as a secondary mark (issue 16 leftovers)."""
        english = (get_language() or "zh-hans").startswith("en")
        return self.name_en if english and self.name_en else self.name_zh


class ModelVersion(models.Model):
    """A version of a scoring model. A draft is edited (its indicators, weights, bands and hard
    rules); publishing checks it (`risk.services.models.version_problems`) and freezes it into
    `definition`, which the engine alone reads. A published version never changes; the one in
    force on a date is the latest published by then (`published_at`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("model version", "Draft")
        PUBLISHED = "published", pgettext_lazy("model version", "Published")
        RETIRED = "retired", pgettext_lazy("model version", "Retired")

    model = models.ForeignKey(
        ScoringModel, on_delete=models.PROTECT, related_name="versions", verbose_name=_("model")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        pgettext_lazy("model version", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
    )
    notes = models.TextField(_("what changed"), blank=True)
    # Hard rules (docs/domain.md §1): the serious list gives D; a listing in the abnormal
    # directory gives at least C; a new entity with no dynamic fact gives B.
    rule_serious_d = models.BooleanField(_("serious list → D"), default=True)
    rule_abnormal_min_c = models.BooleanField(_("abnormal directory → at least C"), default=True)
    rule_new_entity_b = models.BooleanField(_("new entity with no history → B"), default=True)
    new_entity_days = models.PositiveIntegerField(
        _("new entity: days since registration"), default=365
    )
    definition = models.JSONField(_("frozen definition"), default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["model", "-number"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        permissions = [("publish_modelversion", _("Can publish a scoring model version"))]
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="risk_version_number_unique"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="risk_published_version_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model.code} v{self.number}"

    @property
    def label(self) -> str:
        """The model's name in the reader's language and the number: "通用模型 v2"."""
        return f"{self.model.label} v{self.number}"


class VersionIndicator(models.Model):
    """An indicator in a draft version, with its weight (tenths: 10 = ×1.0, within the
    indicator's range)."""

    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="entries", verbose_name=_("version")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    weight = models.PositiveSmallIntegerField(_("weight (tenths)"), default=10)

    class Meta:
        ordering = ["version", "indicator__family", "indicator__code"]
        verbose_name = _("indicator of a version")
        verbose_name_plural = _("indicators of a version")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "indicator"], name="risk_version_indicator_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.indicator.code} ×{self.weight / 10:.1f}"


class VersionBand(models.Model):
    """The score band of one class in a draft version: from (inclusive) to (exclusive; empty:
    no upper end). The bands must cover every score from 0 without a gap or an overlap, in the
    order A, B, C, D (checked before publishing)."""

    version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="bands", verbose_name=_("version")
    )
    risk_class = models.CharField(_("class"), max_length=1, choices=RiskClass.choices)
    score_from = models.DecimalField(_("score from"), max_digits=7, decimal_places=1)
    score_to = models.DecimalField(
        _("score below"), max_digits=7, decimal_places=1, null=True, blank=True
    )

    class Meta:
        ordering = ["version", "score_from"]
        verbose_name = _("class band")
        verbose_name_plural = _("class bands")

    def __str__(self) -> str:
        return f"{self.risk_class}: {self.score_from}–{self.score_to or '∞'}"


class ClassificationRun(LeasedJob):
    """One run of the classification: nightly, after new facts, manual, a replay of a past date
    or a what-if of a draft version. Runs that apply (nightly, new facts, manual) write the
    current classes and assessments; a replay and a what-if write only their own counts. At most
    one applying run is unfinished at a time (a constraint): two cannot run at once.

    Steps are id windows of `chunk_size` over the enterprises (`position` = windows done);
    `transitions` keeps the from-class × to-class counts ({"A>B": 12, "->A": 3}), `summary` the
    class counts by street, industry and department after the run (the dashboard reads them)."""

    class Reason(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly")
        NEW_FACT = "new_fact", _("New facts")
        MANUAL = "manual", _("Manual")
        REPLAY = "replay", _("Replay")
        WHAT_IF = "what_if", _("What-if")

    reason = models.CharField(_("why"), max_length=10, choices=Reason.choices)
    applies = models.BooleanField(_("writes classes"), default=True)
    as_of = models.DateField(_("as of"))
    # Facts recorded after this instant are not known to the run (replays reproduce it).
    knowledge_at = models.DateTimeField(_("facts known at"))
    # A replay under a chosen version, or a what-if of a draft: that version for every
    # enterprise; otherwise the versions in force on `as_of`.
    version = models.ForeignKey(
        ModelVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("version"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only this enterprise"),
    )
    # A new-facts run: the enterprises to classify (ids), instead of every window.
    enterprise_ids = models.JSONField(_("enterprises"), default=list, blank=True)
    force = models.BooleanField(_("write every assessment again"), default=False)
    chunk_size = models.PositiveIntegerField(_("enterprises per step"), default=50_000)
    id_from = models.BigIntegerField(_("first id"), default=0)
    id_to = models.BigIntegerField(_("last id"), default=0)
    total_steps = models.PositiveIntegerField(_("steps"), default=0)
    classified = models.PositiveIntegerField(_("enterprises classified"), default=0)
    changed_class = models.PositiveIntegerField(_("classes changed"), default=0)
    changed_score = models.PositiveIntegerField(_("scores changed"), default=0)
    assessments = models.PositiveIntegerField(_("assessments written"), default=0)
    # A replay: enterprises whose stored assessment it reproduced, and those it did not.
    matched = models.PositiveIntegerField(_("reproduced"), default=0)
    mismatched = models.PositiveIntegerField(_("not reproduced"), default=0)
    transitions = models.JSONField(_("class transitions"), default=dict, blank=True)
    summary = models.JSONField(_("class counts"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("classification run")
        verbose_name_plural = _("classification runs")
        permissions = [
            ("run_classification", _("Can start classification runs, replays and what-ifs"))
        ]
        indexes = [job_sweep_index("risk_run_sweep_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["applies"],
                condition=Q(applies=True, status__in=["pending", "running"]),
                name="risk_one_applying_run",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.as_of} #{self.pk}"


class Assessment(AppendOnlyModel):
    """One assessment of one enterprise: written when a run finds its class, score, version or
    values changed (or is forced), never edited (append-only: the ORM and, on PostgreSQL, a
    trigger refuse). `values` holds each indicator's value in the order of the
    version's frozen definition (a count of facts, or the points of a register field), `inputs`
    the register attributes it used (they are not in the ledger); the contributions are
    computed from both by `risk.explain` exactly as the engine did."""

    class HardRule(models.TextChoices):
        NONE = "", _("None")
        SERIOUS = "serious", _("On the serious list: D")
        ABNORMAL = "abnormal", _("In the abnormal directory: at least C")
        NEW_ENTITY = "new_entity", _("New entity with no history: B")

    id = models.BigAutoField(primary_key=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    run = models.ForeignKey(
        ClassificationRun,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("run"),
    )
    version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    as_of = models.DateField(_("as of"))
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=1)
    risk_class = models.CharField(_("class"), max_length=1, choices=RiskClass.choices)
    hard_rule = models.CharField(
        _("hard rule"), max_length=10, choices=HardRule.choices, blank=True, default=""
    )
    previous_class = models.CharField(
        _("previous class"), max_length=1, choices=RiskClass.choices, blank=True, default=""
    )
    previous_score = models.DecimalField(
        _("previous score"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    values = models.JSONField(_("indicator values"), default=list)
    inputs = models.JSONField(_("register inputs"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["enterprise", "-id"], name="risk_assess_ent_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.risk_class} {self.score} ({self.as_of})"


class ClassOverride(models.Model):
    """A supervisor's override of a computed class, with a reason and an expiry; it ends by
    itself on its expiry (the daily job `risk.overrides`) or when a supervisor ends it."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    risk_class = models.CharField(_("class"), max_length=1, choices=RiskClass.choices)
    reason = models.TextField(_("reason"))
    starts_on = models.DateField(_("from"))
    expires_on = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.TextField(_("why it ended early"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("class override")
        verbose_name_plural = _("class overrides")
        permissions = [("override_class", _("Can override a risk class"))]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(ended_on__isnull=True),
                name="risk_one_open_override",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("starts_on")), name="risk_override_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.risk_class} ({self.starts_on}–{self.expires_on})"


class CurrentClass(models.Model):
    """The current class and score of an enterprise: a narrow one-to-one table owned by `risk`
    (rewritten nightly, it stays off the wide enterprise row and its many indexes; fillfactor
    70 on PostgreSQL, migration 0002, so that a score change is a HOT update). `risk_class` is
    the class in effect: the override's while one is open, else `computed_class`."""

    enterprise = models.OneToOneField(
        Enterprise,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="risk_current",
        verbose_name=_("enterprise"),
    )
    risk_class = models.CharField(_("class"), max_length=1, choices=RiskClass.choices)
    computed_class = models.CharField(_("computed class"), max_length=1, choices=RiskClass.choices)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=1)
    version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    # The indicator values of the assessment in force (as `Assessment.values`): a run compares
    # on this narrow row, so that a change of values under a cap is an assessment too.
    values = models.JSONField(_("indicator values"), default=list)
    as_of = models.DateField(_("as of"))
    assessed_at = models.DateTimeField(_("assessed at"))
    override = models.ForeignKey(
        ClassOverride,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("override"),
    )

    class Meta:
        verbose_name = _("current class")
        verbose_name_plural = _("current classes")
        indexes = [
            # The class filter, alone or with the sort by score (class leads: a range scan of
            # the one class; bench/staff_list_bench.py).
            models.Index(
                fields=["risk_class", "-score", "-enterprise"], name="risk_current_class_idx"
            ),
            # The staff list's sort by score, read forward and backward (score is never null).
            models.Index(fields=["-score", "-enterprise"], name="risk_current_score_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.risk_class}"


class ClassChangeTask(models.Model):
    """What sensing gives the responsible department (issue 16 §8): an enterprise moved up to
    C or D, or down from D. Open until a member of the department acknowledges it with a note."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    run = models.ForeignKey(
        ClassificationRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("run")
    )
    from_class = models.CharField(
        _("from class"), max_length=1, choices=RiskClass.choices, blank=True
    )
    to_class = models.CharField(_("to class"), max_length=1, choices=RiskClass.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    note = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        verbose_name = _("class change task")
        verbose_name_plural = _("class change tasks")
        indexes = [
            models.Index(
                fields=["department", "due_on"],
                name="risk_task_open_idx",
                condition=Q(done_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.from_class or '–'} → {self.to_class}"
