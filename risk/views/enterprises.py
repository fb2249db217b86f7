"""One enterprise's class explained (issue 16 §3, §4, §7), `/risk/enterprises/<uscc>/`: the
class in effect (an override shown as such), the score, the model version, the hard rule,
every indicator's contribution in words and a bar (`risk.explain.breakdown`), the register
inputs it used, the facts that weigh and when each stops weighing, what would change the
class, the history of assessments and the enterprise's open tasks; a supervisor sets or ends
an override here (`risk.override_class`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from credit_portal.forms import form_errors_from
from credit_portal.models import Department
from enterprises.industries import division_label, section_label
from enterprises.models import Enterprise
from risk import explain, rules
from risk.forms import OverrideEndForm, OverrideForm
from risk.models import Assessment, ClassificationRun
from risk.permissions import RiskPerm
from risk.selectors import (
    assessments_for,
    current_for,
    override_open_for,
    overrides_for,
    tasks_for_enterprise,
)
from risk.services.overrides import override_end, override_set
from risk.views.common import EnterpriseRiskView, request_user

HISTORY_SHOWN = 50
OVERRIDES_SHOWN = 20


def _language() -> str:
    return get_language() or "zh-hans"


def _inputs(inputs: dict[str, Any]) -> list[tuple[str, str]]:
    """The register attributes an assessment used, in words (they are not in the ledger)."""
    if not inputs:
        return []
    rows: list[tuple[str, str]] = []
    entity_type = inputs.get("entity_type")
    if entity_type:
        try:
            rows.append((_("Entity type"), str(Enterprise.EntityType(entity_type).label)))
        except ValueError:
            rows.append((_("Entity type"), str(entity_type)))
    section, division = inputs.get("industry_section"), inputs.get("industry_division")
    if section:
        rows.append((_("Industry section"), f"{section} {section_label(section, _language())}"))
    if division:
        rows.append((_("Industry division"), f"{division} {division_label(division, _language())}"))
    if inputs.get("division"):
        rows.append((_("Street or town"), str(inputs["division"])))
    if inputs.get("department_id"):
        department = Department.objects.filter(pk=inputs["department_id"]).first()
        rows.append((_("Responsible department"), str(department or inputs["department_id"])))
    if inputs.get("registered_on"):
        age = inputs.get("age_years")
        text = str(inputs["registered_on"])
        if age is not None:
            text += " · " + _("%(n)s whole years on the assessment date") % {"n": age}
        rows.append((_("Registered on"), text))
    if "registered_capital" in inputs:
        capital = inputs.get("registered_capital")
        rows.append(
            (
                _("Registered capital (CNY 10,000)"),
                str(capital) if capital is not None else _("not recorded"),
            )
        )
    if inputs.get("status"):
        try:
            rows.append((_("Status on the day"), str(Enterprise.Status(inputs["status"]).label)))
        except ValueError:
            rows.append((_("Status on the day"), str(inputs["status"])))
    if "serious" in inputs:
        rows.append((_("On the serious list"), _("yes") if inputs["serious"] else _("no")))
    if "abnormal" in inputs:
        rows.append((_("In the abnormal directory"), _("yes") if inputs["abnormal"] else _("no")))
    return rows


def _bands(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "class": band["class"],
            "from": Decimal(int(band["from"])) / 10,
            "to": None if band["to"] is None else Decimal(int(band["to"])) / 10,
        }
        for band in definition.get("bands") or []
    ]


def _explanation(assessment: Assessment | None) -> dict[str, Any]:
    if assessment is None:
        return {"rows": [], "scale": 1, "bands": [], "inputs": []}
    definition = assessment.version.definition or {}
    try:
        rows = explain.breakdown(definition, assessment.values, assessment.inputs)
    except (KeyError, ValueError, TypeError):  # a definition the engine never wrote
        rows = []
    scale = max([abs(r.contribution) for r in rows] or [Decimal(1)]) or Decimal(1)
    return {
        "rows": rows,
        "scale": scale,
        "bands": _bands(definition),
        "inputs": _inputs(assessment.inputs),
        "rules": definition.get("rules") or {},
    }


def _not_classified_reason(enterprise: Enterprise) -> str:
    if enterprise.entity_type not in rules.classified_types():
        return _(
            "Individual businesses are not classified here (the bureau has not turned that on); "
            "they form their own stratum in the random draw."
        )
    if enterprise.status not in rules.CLASSIFIED_STATUSES:
        return _("Entities that are no longer operating are not classified.")
    return _("It has not been classified yet: the next run will classify it.")


def _page(
    request: HttpRequest,
    enterprise: Enterprise,
    *,
    override_form: OverrideForm | None = None,
    end_form: OverrideEndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    current = current_for(enterprise)
    history = list(assessments_for(enterprise=enterprise)[: HISTORY_SHOWN + 1])
    latest = history[0] if history else None
    shown = latest
    if current is not None and latest is not None and latest.version_id != current.version_id:
        shown = next((a for a in history if a.version_id == current.version_id), latest)
    can_override = user.has_perm(RiskPerm.OVERRIDE)
    open_override = override_open_for(enterprise)
    facts = explain.weighing_facts(enterprise, on=today) if current is not None else []
    changes = explain.what_would_change(enterprise, on=today) if current is not None else []
    return render(
        request,
        "risk/enterprise.html",
        {
            "enterprise": enterprise,
            "current": current,
            "assessment": shown,
            "explanation": _explanation(shown),
            "facts": facts,
            "changes": changes,
            "history": history[:HISTORY_SHOWN],
            "history_more": len(history) > HISTORY_SHOWN,
            "past_overrides": [
                o for o in overrides_for(enterprise=enterprise)[:OVERRIDES_SHOWN] if o.ended_on
            ],
            "open_override": open_override,
            "tasks": list(tasks_for_enterprise(enterprise=enterprise)),
            "can_override": can_override,
            "can_run": user.has_perm(RiskPerm.RUN),
            "override_form": override_form
            or OverrideForm(initial={"risk_class": current.computed_class if current else ""}),
            "end_form": end_form or OverrideEndForm(),
            "not_classified": "" if current else _not_classified_reason(enterprise),
            "override_max_days": rules.OVERRIDE_MAX_DAYS,
            "today": today,
            "Reason": ClassificationRun.Reason,
        },
        status=status,
    )


class EnterpriseRiskDetailView(EnterpriseRiskView):
    def get(self, request: HttpRequest, uscc: str) -> HttpResponse:
        return _page(request, self.enterprise)


class OverrideSetView(EnterpriseRiskView):
    extra_permissions = (RiskPerm.OVERRIDE,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, uscc: str) -> HttpResponse:
        form = OverrideForm(request.POST)
        if form.is_valid():
            try:
                override_set(
                    enterprise=self.enterprise,
                    risk_class=form.cleaned_data["risk_class"],
                    reason=form.cleaned_data["reason"],
                    expires_on=form.cleaned_data["expires_on"],
                    by=request_user(request),
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("The class is overridden until %(day)s.")
                    % {"day": form.cleaned_data["expires_on"].isoformat()},
                )
                return redirect("risk:enterprise", uscc=self.enterprise.uscc)
        return _page(request, self.enterprise, override_form=form, status=400)


class OverrideEndView(EnterpriseRiskView):
    extra_permissions = (RiskPerm.OVERRIDE,)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, uscc: str) -> HttpResponse:
        form = OverrideEndForm(request.POST)
        override = override_open_for(self.enterprise)
        if override is None:
            form.add_error(None, _("This enterprise has no open override."))
        elif form.is_valid():
            try:
                override_end(
                    override=override,
                    by=request_user(request),
                    reason=form.cleaned_data["end_reason"],
                )
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"reason": "end_reason"})
            else:
                messages.success(request, _("The override has ended: the computed class applies."))
                return redirect("risk:enterprise", uscc=self.enterprise.uscc)
        return _page(request, self.enterprise, end_form=form, status=400)
