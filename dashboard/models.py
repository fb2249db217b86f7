"""The dashboard's aggregates (docs/domain.md Appendix A; issue 18 §1, "Performance").

The dashboard never recounts the register per view: the daily job `dashboard.tallies`
(`dashboard.tallies.tallies_refresh`) counts each measure of a year once, set-based, and keeps
the counts here; the page, its API and the yearly report read them (`dashboard.selectors`).

`Tally` rows (`dashboard.measures` says what each measure counts):
- ``department`` NULL: the district-wide figure (distinct counts counted at district level),
  what bureau staff read; a department: that department's own share, what its staff read;
- ``street``: the enterprise's street (`Enterprise.division`), "" for a measure that is not
  by street; summing a measure over streets is valid (an enterprise has one street);
- ``key``: "" for the measure's total, else a breakdown's key or a matrix's "FROM>TO".
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tally(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    measure = models.CharField(_("measure"), max_length=64)
    street = models.CharField(_("street or town"), max_length=64, blank=True, default="")
    department = models.ForeignKey(
        "credit_portal.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
        help_text=_("Empty: the district-wide figure."),
    )
    key = models.CharField(_("key"), max_length=32, blank=True, default="")
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        ordering = ["year", "measure", "street", "key"]
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        permissions = [("view_dashboard", _("View the bureau's dashboard"))]
        indexes = [
            # The read path: one year, the district (NULL) or a department, maybe a street.
            models.Index(
                fields=["year", "department", "street"], name="tally_year_dept_street_idx"
            ),
            # The street choices of a year.
            models.Index(fields=["year", "street"], name="tally_year_street_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "measure", "street", "key"],
                condition=Q(department__isnull=True),
                name="tally_one_district_row",
            ),
            models.UniqueConstraint(
                fields=["year", "measure", "street", "department", "key"],
                condition=Q(department__isnull=False),
                name="tally_one_department_row",
            ),
        ]

    def __str__(self) -> str:
        where = self.street or "-"
        return f"{self.year} {self.measure}[{self.key}] {where} = {self.value}"


class TallyYear(models.Model):
    """When a year's tallies were last computed (and as of which day)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    computed_at = models.DateTimeField(_("computed at"))
    on = models.DateField(_("as of"))
    counts = models.JSONField(_("rows per measure"), default=dict, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("year of tallies")
        verbose_name_plural = _("years of tallies")

    def __str__(self) -> str:
        return f"{self.year} ({self.computed_at:%Y-%m-%d %H:%M})"
