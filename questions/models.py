"""Questions answered online (咨询, issue 18 §4; rules in `questions.rules`): a question anyone
asks about the market or the portal, answered by the bureau's staff within a number of working
days; answers published as a public FAQ; a message that is in fact a report (举报) or a
complaint (投诉) moved into the inspections' leads, where its own legal clock runs.

Personal data: the asker's name, phone and email are kept to tell them of the answer and are
never public (not on the public pages, the FAQ, or a public API answer); the client address is
kept only as a keyed digest (for the abuse limits); the receipt code only as a digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enterprises.models import Enterprise
from inspections.models import Lead


class Party(models.TextChoices):
    """Who asks: the four-party channel's three outside parties (the bureau answers)."""

    CONSUMER = "consumer", _("Consumer")
    MERCHANT = "merchant", _("Merchant")
    MARKET_MANAGER = "market_manager", _("Market manager")
    OTHER = "other", pgettext_lazy("party", "Other")


class Topic(models.TextChoices):
    MARKET = "market", _("The market")
    PORTAL = "portal", _("The portal")
    ANNUAL_REPORTS = "annual_reports", _("Annual reports")
    CREDIT_REPAIR = "credit_repair", _("Credit repair")
    OTHER = "other", pgettext_lazy("topic", "Other")


class Question(models.Model):
    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("question", "Waiting for an answer")
        ANSWERED = "answered", pgettext_lazy("question", "Answered")
        MOVED = "moved", pgettext_lazy("question", "Moved to leads")
        CLOSED = "closed", pgettext_lazy("question", "Closed")

    class CloseReason(models.TextChoices):
        SPAM = "spam", _("Spam or abuse")
        DUPLICATE = "duplicate", _("Duplicate of another question")
        OTHER = "other", _("Other reason (stated)")

    number = models.CharField(_("number"), max_length=24, unique=True)
    asked_at = models.DateTimeField(_("asked at"), db_index=True)
    asked_on = models.DateField(_("asked on"))
    party = models.CharField(_("who asks"), max_length=16, choices=Party.choices)
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    enterprise_name = models.CharField(_("business it is about"), max_length=200, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("market entity"),
    )
    text = models.TextField(_("question"))
    # The asker (personal data: never public).
    name = models.CharField(_("name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    receipt_digest = models.CharField(max_length=64, blank=True, db_index=True)
    client_digest = models.CharField(max_length=64, blank=True, editable=False)
    contact_digest = models.CharField(max_length=64, blank=True, editable=False)
    # Links or markup found in the text: shown escaped, published only after a review.
    flagged = models.BooleanField(_("needs review (links or markup)"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    due_on = models.DateField(_("answer by"))
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    close_reason = models.CharField(
        _("reason for closing"), max_length=10, choices=CloseReason.choices, blank=True
    )
    close_note = models.CharField(_("note on closing"), max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duplicate of"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead"),
    )
    moved_at = models.DateTimeField(_("moved at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        permissions = [
            ("answer_question", _("Can answer, close and move questions")),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="question_status_due_idx"),
            models.Index(fields=["client_digest", "asked_at"], name="question_client_idx"),
            models.Index(
                fields=["contact_digest", "asked_at"],
                name="question_contact_idx",
                condition=~Q(contact_digest=""),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.NEW


class FaqEntry(models.Model):
    """A published question and answer. The wording is the staff's (edited from the asker's,
    never the raw text unreviewed); unpublished entries are kept, with who and when."""

    question = models.TextField(_("question as published"))
    answer = models.TextField(_("answer"))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices)
    order = models.PositiveIntegerField(_("order"), default=100)
    source = models.ForeignKey(
        Question,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faq_entries",
        verbose_name=_("source question"),
    )
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    unpublished_at = models.DateTimeField(_("unpublished at"), null=True, blank=True)
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unpublished by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["topic", "order", "-published_at", "id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        permissions = [
            ("publish_faq", _("Can publish and unpublish FAQ entries")),
        ]
        indexes = [
            models.Index(
                fields=["topic", "order"],
                name="faq_published_idx",
                condition=Q(unpublished_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.question[:60]

    @property
    def is_published(self) -> bool:
        return self.unpublished_at is None


class AnswerNotice(models.Model):
    """The outbox row of one e-mail telling an asker that the answer is given (docs/domain.md
    §10 "Enquiries"): written with the first answer, in its transaction, when the asker left an
    e-mail address; sent by `questions.services.notices.answer_notices_send` (beat every
    minute, `manage.py send_answer_notices`). One row per question (a unique constraint), so an
    asker is told once. A row is claimed (status "sending", committed) before its message is
    handed to the mail server and marked sent after: a worker killed in between leaves it
    "sending", and the next run marks it "uncertain" instead of sending it again (never
    twice), as is a message whose connection failed once it went (only a failure to connect or
    an outright refusal is tried again); the staff see it on the question's page and tell the
    asker by other means."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("notice", "To send")
        SENDING = "sending", pgettext_lazy("notice", "Being sent")
        SENT = "sent", pgettext_lazy("notice", "Sent")
        FAILED = "failed", pgettext_lazy("notice", "Not sent (mail server refused)")
        UNCERTAIN = "uncertain", pgettext_lazy("notice", "Uncertain (sending was interrupted)")
        CANCELLED = "cancelled", pgettext_lazy("notice", "Not needed any more")

    question = models.OneToOneField(
        Question,
        on_delete=models.PROTECT,
        related_name="answer_notice",
        verbose_name=_("question"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Why the mail server refused it (the exception's class and message, never the address).
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("answer notice")
        verbose_name_plural = _("answer notices")
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                name="answer_notice_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} {self.status}"
