"""Scoring models (issue 16 §1, §2, §4), `/risk/models/`: the models and their versions, each
version's indicators (family, static or dynamic, how each is computed in words, its points and
weight), class bands and hard rules; a draft's problems (why it cannot be published yet,
`risk.services.models.version_problems`) and the button that tries it on the register (a
what-if run). A published version is read from its frozen definition (what the engine reads),
a draft from its rows as they stand. Editing is the administration's (`risk/admin`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from enterprises.industries import division_label
from enterprises.kinds import kind_label
from risk.models import ClassificationRun, Indicator, ModelVersion, ScoringModel
from risk.permissions import RiskPerm
from risk.selectors import models_list
from risk.views.common import RiskStaffView, request_user


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def _field_label(field: str) -> str:
    labels = {
        "entity_type": _("entity type"),
        "industry_section": _("industry section"),
        "industry_division": _("industry division"),
        "status": _("status"),
        "age_years": _("whole years since registration"),
        "registered_capital": _("registered capital (CNY 10,000)"),
    }
    return labels.get(field, field)


def _window(days: int) -> str:
    if days % 365 == 0:
        years = days // 365
        return ngettext("in the last year", "in the last %(n)d years", years) % {"n": years}
    return ngettext("in the last day", "in the last %(n)d days", days) % {"n": days}


def _band_text(low: Any, high: Any, points: Any) -> str:
    if high is None:
        return _("from %(low)s: %(points)s points") % {"low": low, "points": points}
    return _("%(low)s to under %(high)s: %(points)s points") % {
        "low": low,
        "high": high,
        "points": points,
    }


def how_computed(item: dict[str, Any]) -> str:
    """An indicator of a definition, in words: what it counts or reads, and its points."""
    if item.get("source") == "ledger":
        kinds = (
            "、".join(kind_label(k) for k in item.get("kinds") or [])
            if _zh()
            else ", ".join(kind_label(k) for k in item.get("kinds") or [])
        )
        text = _("Ledger facts: %(kinds)s") % {"kinds": kinds or "—"}
        window = int(item.get("window_days") or 0)
        if window:
            text += " " + _window(window)
        if item.get("in_force_only"):
            text += " " + _("(in force only: not yet closed by a removal or repair)")
        points = int(item.get("points_per_fact") or 0)
        text += "; " + _("%(points)s points per fact") % {"points": points}
        cap = int(item.get("max_points") or 0)
        if cap:
            text += ", " + _("at most %(cap)s") % {"cap": cap if points >= 0 else -cap}
        return text
    field = str(item.get("register_field") or "")
    text = _("Register field: %(field)s") % {"field": _field_label(field)}
    mapping = item.get("mapping") or {}
    bands = item.get("bands") or []
    parts: list[str] = []
    for value, points in mapping.items():
        parts.append(f"{_choice_label(field, str(value))}: {points}")
    for band in bands:
        low, high, points = band
        parts.append(_band_text(low, high, points))
    if parts:
        text += "; " + ("；" if _zh() else "; ").join(parts)
    return text


def _choice_label(field: str, value: str) -> str:
    from enterprises.models import Enterprise

    try:
        if field == "entity_type":
            return str(Enterprise.EntityType(value).label)
        if field == "status":
            return str(Enterprise.Status(value).label)
    except ValueError:
        return value
    if field == "industry_division":
        return f"{value} {division_label(value, get_language() or 'zh-hans')}"
    return value


def _family(code: str) -> str:
    try:
        return str(Indicator.Family(code).label)
    except ValueError:
        return code


def _nature(code: str) -> str:
    try:
        return str(Indicator.Nature(code).label)
    except ValueError:
        return code


def _item_row(item: dict[str, Any]) -> dict[str, Any]:
    weight = int(item.get("weight") or 0)
    return {
        "code": item.get("code", ""),
        "name": item.get("name_zh" if _zh() else "name_en", ""),
        "family": _family(str(item.get("family", ""))),
        "nature": _nature(str(item.get("nature", ""))),
        "nature_code": item.get("nature", ""),
        "how": how_computed(item),
        "weight": f"×{Decimal(weight) / 10:.1f}",
    }


def _version(version: ModelVersion, *, with_problems: bool) -> dict[str, Any]:
    from risk.services.models import indicator_definition, version_problems

    if version.status == ModelVersion.Status.DRAFT or not version.definition:
        items = [indicator_definition(e.indicator, weight=e.weight) for e in version.entries.all()]
        bands = [
            {"class": b.risk_class, "from": b.score_from, "to": b.score_to}
            for b in sorted(version.bands.all(), key=lambda b: b.score_from)
        ]
        rules = {
            "serious_d": version.rule_serious_d,
            "abnormal_min_c": version.rule_abnormal_min_c,
            "new_entity_b": version.rule_new_entity_b,
            "new_entity_days": version.new_entity_days,
        }
    else:
        definition = version.definition
        items = list(definition.get("indicators") or [])
        bands = [
            {
                "class": b["class"],
                "from": Decimal(int(b["from"])) / 10,
                "to": None if b["to"] is None else Decimal(int(b["to"])) / 10,
            }
            for b in definition.get("bands") or []
        ]
        rules = dict(definition.get("rules") or {})
    items.sort(key=lambda i: (str(i.get("family", "")), str(i.get("code", ""))))
    is_draft = version.status == ModelVersion.Status.DRAFT
    return {
        "v": version,
        "items": [_item_row(i) for i in items],
        "bands": bands,
        "rules": rules,
        "problems": version_problems(version) if is_draft and with_problems else [],
        "is_draft": is_draft,
    }


def _model(model: ScoringModel) -> dict[str, Any]:
    language = get_language() or "zh-hans"
    return {
        "m": model,
        "name": model.name_zh if _zh() else model.name_en,
        "divisions": [f"{d} {division_label(d, language)}" for d in model.industry_divisions or []],
        "versions": [_version(v, with_problems=True) for v in model.versions.all()],
    }


class ModelListView(RiskStaffView):
    extra_permissions = (RiskPerm.VIEW_MODEL,)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request_user(request)
        return render(
            request,
            "risk/models.html",
            {
                "models": [_model(m) for m in models_list()],
                "can_run": user.has_perm(RiskPerm.RUN),
                "can_change": user.has_perm(RiskPerm.CHANGE_MODEL),
                "what_if": ClassificationRun.Reason.WHAT_IF,
            },
        )
