"""Cross-cutting models: users, departments, staff profiles, the append-only audit log, the
bureau's working-day calendar (`credit_portal.workdays`) and the runs of the daily jobs
(`credit_portal.daily`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from credit_portal.jobs import LeasedJob, job_sweep_index


class User(AbstractUser):
    """A person who logs in: bureau staff, a partner department's inspector or an enterprise user.

    What a user may do comes from permission codenames (through role Groups), never from a flag
    or a group name.
    """

    display_name = models.CharField(_("display name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("access_staff_portal", _("Can use the staff portal")),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Department(models.Model):
    """The bureau itself or one of the partner departments of the joint meeting.

    The seed: a joint-meeting mechanism with 25 departments supervising together.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    is_bureau = models.BooleanField(
        _("is the market-supervision bureau"),
        default=False,
        help_text=_("The department that runs this portal; the others are partner departments."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["is_bureau"],
                condition=models.Q(is_bureau=True),
                name="department_one_bureau",
            )
        ]

    def __str__(self) -> str:
        """The name in the interface language (the English name when there is one)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class StaffProfile(models.Model):
    """Staff data of a user who works for the bureau or a partner department."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="staff", verbose_name=_("department")
    )
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    badge_number = models.CharField(
        _("enforcement badge number"),
        max_length=32,
        blank=True,
        help_text=_("Only staff with an enforcement qualification may be drawn as inspectors."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.department})"


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses bulk updates and deletes: the rows are a permanent record."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError(f"{self.model.__name__} rows are append-only; update refused.")

    def delete(self) -> NoReturn:
        raise PermissionError(f"{self.model.__name__} rows are append-only; delete refused.")

    # QuerySet.update is also reached through these.
    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(f"{self.model.__name__} rows are append-only; update refused.")


class AppendOnlyModel(models.Model):
    """Base for append-only tables. The database refuses UPDATE and DELETE too (triggers)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are append-only; update refused.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(f"{type(self).__name__} rows are append-only; delete refused.")


class AuditEvent(AppendOnlyModel):
    """Who did what, when, to which object: one row per state change.

    Written only by `credit_portal.audit.audit_event_record`, inside the service's transaction.
    `actor` is null for system jobs. `extra` holds {"old": ..., "new": ...} and context.
    """

    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    event_type = models.CharField(_("event type"), max_length=64)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("market entity"),
        help_text=_("The market entity the event concerns, if any."),
    )
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "occurred_at"], name="audit_target_idx"
            ),
            models.Index(fields=["event_type", "occurred_at"], name="audit_type_idx"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_idx"),
            models.Index(
                fields=["enterprise", "event_type", "occurred_at"], name="audit_enterprise_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.event_type} {self.target_repr}"


# The years the bureau's calendar accepts entries for: from the first year the library knows
# (2004) to a horizon far beyond any deadline the portal counts; a typo such as 1800 or 20207
# is refused rather than stored.
CALENDAR_YEARS_ACCEPTED = (2004, 2100)


def _calendar_years_message() -> str:
    return _("Enter a year from %(first)s to %(last)s.") % {
        "first": CALENDAR_YEARS_ACCEPTED[0],
        "last": CALENDAR_YEARS_ACCEPTED[1],
    }


class CalendarEntry(models.Model):
    """One day of the bureau's own working-day calendar: a holiday (day off) or an adjusted
    working day (调休, a weekend day worked to bridge a holiday).

    An entry overrides the library's calendar (`chinese-calendar`) for its day; for the years
    the library does not know, the entries are the schedule (`credit_portal.workdays`,
    docs/domain.md §0 "Working days"). Edited by administrators in the admin, audited there.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (day off)")
        WORKING_DAY = "working_day", _("Working day (adjusted working weekend)")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(
        _("name"),
        max_length=64,
        blank=True,
        help_text=_("The holiday the day belongs to, e.g. 春节 (Spring Festival)."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}" + (
            f" ({self.name})" if self.name else ""
        )

    def clean(self) -> None:
        """An adjusted working day is a Saturday or a Sunday worked (调休): Monday to Friday
        are working days already; the day lies in a year the portal can count in."""
        super().clean()
        if self.day is None:
            return
        if not CALENDAR_YEARS_ACCEPTED[0] <= self.day.year <= CALENDAR_YEARS_ACCEPTED[1]:
            raise ValidationError(
                {"day": _calendar_years_message()},
                code="calendar_year_range",
            )
        if self.kind == self.Kind.WORKING_DAY and self.day.weekday() < 5:
            raise ValidationError(
                {
                    "kind": _(
                        "%(day)s is a weekday, a working day already: an adjusted working day "
                        "is a Saturday or Sunday worked to bridge a holiday."
                    )
                    % {"day": self.day.isoformat()}
                },
                code="working_day_on_weekday",
            )


class CalendarYear(models.Model):
    """A year whose holiday schedule the bureau has entered in full (`CalendarEntry`), with the
    State Council notice it comes from.

    A year is *known* when the library knows it or a row here marks it complete; deadlines
    counted across a year that is not known are provisional (`credit_portal.workdays`).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    schedule_complete = models.BooleanField(
        _("schedule complete"),
        default=False,
        help_text=_(
            "Tick once every holiday and adjusted working day of the year is entered: "
            "deadlines in this year are then no longer provisional."
        ),
    )
    published_reference = models.CharField(
        _("published reference"),
        max_length=128,
        blank=True,
        help_text=_("The State Council notice of the schedule, e.g. 国办发明电〔2026〕X号."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)

    def clean(self) -> None:
        super().clean()
        if self.year is not None and not (
            CALENDAR_YEARS_ACCEPTED[0] <= self.year <= CALENDAR_YEARS_ACCEPTED[1]
        ):
            raise ValidationError({"year": _calendar_years_message()}, code="calendar_year_range")


class DailyRun(LeasedJob):
    """One run of one daily job (`credit_portal.daily`) for one date.

    A leased job of one step, the job itself. `run_number` counts the runs of a (job, date):
    the first run is 1; a forced rerun, or a rerun after a failure, adds the next number. At
    most one run of a (job, date) is unfinished at a time.
    """

    name = models.CharField(_("job"), max_length=64)
    on = models.DateField(_("date"))
    run_number = models.PositiveSmallIntegerField(_("run"), default=1)
    forced = models.BooleanField(_("forced"), default=False)
    # {count name: number}, as the job returned it.
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        ordering = ["-on", "-created_at", "-id"]
        verbose_name = _("daily job run")
        verbose_name_plural = _("daily job runs")
        indexes = [job_sweep_index("daily_run_sweep_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "on", "run_number"], name="daily_run_unique_number"
            ),
            models.UniqueConstraint(
                fields=["name", "on"],
                condition=models.Q(status__in=[LeasedJob.Status.PENDING, LeasedJob.Status.RUNNING]),
                name="daily_run_one_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.on:%Y-%m-%d} #{self.run_number}"

    @property
    def duration(self) -> dt.timedelta | None:
        """From the first claim to the finish (a takeover's wait included)."""
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at
