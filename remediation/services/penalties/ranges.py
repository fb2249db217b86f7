"""The statutory range of a penalty decision: the catalogue's range of a violation type, its text
and the refusal of a range that is not the catalogue's, and a decision's range as shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from remediation import rules
from remediation.models import PenaltyDecision, ViolationType
from remediation.services.penalties.common import yuan

RANGE_FIELDS = ("range_kind", "range_min", "range_max", "base_kind")


def catalogue_range(vtype: ViolationType | None) -> dict[str, Any] | None:
    """The statutory range the catalogue gives a violation type (its kind, minimum, maximum and
    base), or None when it gives none (or an incomplete one: no maximum, or a multiple of no
    known base; the officer then enters the range, as for a type without one)."""
    if vtype is None or vtype.range_kind not in ("amount", "multiple") or vtype.range_max is None:
        return None
    if vtype.range_kind == "multiple" and vtype.base_kind not in ("goods_value", "illegal_gains"):
        return None
    return {
        "range_kind": vtype.range_kind,
        "range_min": vtype.range_min,
        "range_max": vtype.range_max,
        "base_kind": vtype.base_kind if vtype.range_kind == "multiple" else "",
    }


def catalogue_range_text(vtype: ViolationType) -> str:
    """The catalogue's range of a violation type in words (for the form and the refusals)."""
    found = catalogue_range(vtype)
    if found is None:
        return str(_("no statutory range"))
    low = yuan(found["range_min"] or Decimal(0))
    high = yuan(found["range_max"]) if found["range_max"] is not None else "—"
    if found["range_kind"] == "multiple":
        base = {
            "goods_value": _("the value of goods (货值金额)"),
            "illegal_gains": _("the illegal gains (违法所得)"),
        }.get(found["base_kind"], _("the base"))
        return _("%(low)s to %(high)s times %(base)s") % {"low": low, "high": high, "base": base}
    return _("CNY %(low)s to %(high)s") % {"low": low, "high": high}


def _same_range(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    def amount(value: Any) -> Decimal:
        return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))

    kind = a.get("range_kind") or "none"
    return (
        kind == (b.get("range_kind") or "none")
        and amount(a.get("range_min")) == amount(b.get("range_min"))
        and (a.get("range_max") is None) == (b.get("range_max") is None)
        and amount(a.get("range_max")) == amount(b.get("range_max"))
        and (kind != "multiple" or (a.get("base_kind") or "") == (b.get("base_kind") or ""))
    )


def _catalogue_range_refusal(vtype: ViolationType) -> str:
    from remediation.selectors.penalties import violation_type_name

    return _(
        "The statutory range comes from the catalogue of violation types (%(range)s for "
        "“%(type)s”); an administrator corrects the catalogue. Leave the range as the violation "
        "type gives it."
    ) % {"range": catalogue_range_text(vtype), "type": violation_type_name(vtype)}


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class RangeView:
    """The statutory range applied to a decision and its 从轻 band, for the checks and pages."""

    minimum: Decimal
    maximum: Decimal
    band_max: Decimal


def decision_range(decision: PenaltyDecision) -> RangeView | None:
    """The range in CNY (a multiple taken of the base) and its 从轻 band, or None."""
    found = rules.fine_range(
        range_kind=decision.range_kind,
        range_min=decision.range_min,
        range_max=decision.range_max,
        base_amount=decision.base_amount,
    )
    if found is None:
        return None
    low, high = found
    return RangeView(low, high, rules.lighter_band(low, high)[1])
