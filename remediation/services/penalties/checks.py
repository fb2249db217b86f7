"""The checks of §6 made when a penalty decision is recorded (`penalty_checks`): the dates, the
number, limitation, the first-violation look-back, the list items, the range and the 从轻 band,
leniency, the penalties themselves and the limits of the simple procedure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from remediation import rules
from remediation.models import LeniencyListItem, PenaltyDecision, PenaltyMeasure
from remediation.selectors.penalties import (
    EarlierViolation,
    first_violation_lookback,
)
from remediation.services.penalties.common import (
    Leniency,
    MeasureKind,
    _date_problems,
    _errors_add,
    _ledger_number_message,
    _months_refusal,
    _number_in_ledger,
    yuan,
)
from remediation.services.penalties.ranges import (
    RANGE_FIELDS,
    _catalogue_range_refusal,
    _same_range,
    catalogue_range,
    decision_range,
)


def decision_nature(decision: PenaltyDecision) -> str:
    """The party's legal nature for the lower-amount threshold (`rules.party_nature`)."""
    entity_type = decision.enterprise.entity_type if decision.enterprise is not None else ""
    return rules.party_nature(party_kind=decision.party_kind, entity_type=entity_type)


def decision_lookback(decision: PenaltyDecision) -> list[EarlierViolation]:
    """The earlier same-type violations of the party within the look-back (§6, §10)."""
    if decision.violation_type_id is None or decision.violation_on is None:
        return []
    return first_violation_lookback(
        violation_type_id=decision.violation_type_id,
        violation_on=decision.violation_on,
        enterprise=decision.enterprise,
        party_code=decision.party_code,
        party_id_digest=decision.party_id_digest,
        exclude_pk=decision.pk,
    )


def penalty_checks(
    *, decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], today: dt.date
) -> dict[str, Any]:
    """Every rule a decision must meet to be recorded (docs/domain.md §6, §10); returns what
    the checks found (kept on the decision), or raises a ValidationError naming each broken
    rule by field.

    Rules
    - Dates: the decision not in the future nor before the discovery; the discovery not
      before the violation; the violation's end not before its start; no date before
      1949-10-01 (`EARLIEST_REGISTRATION`); a decision about a market entity of the register
      not before its registration; a correction not before the violation nor after the
      decision.
    - The decision number is not a document number of a `penalty` or `no_penalty` record of
      the credit ledger (history imported before the portal), as it is no other decision's.
    - The statutory range is the catalogue's when the violation type has one (the 从轻 and
      减轻 checks below measure against the law's range, not one the officer chose).
    - Limitation (`rules.limitation_check`): discovered within 2 years of the violation (or of
      its last day if it continued), 5 with harm to life, health or financial safety, or the
      violation type's own period under a special law; the refusal names the period and the
      article.
    - The facts and the legal basis are stated.
    - Penalties: a decision not to penalise (免予处罚, 首违不罚) imposes none; any other
      imposes at least one; a fine has its amount; a ban or restriction its months; only the
      penalties that last for a time (`rules.MEASURES_WITH_MONTHS`) take months.
    - The simple procedure (on the spot, APL art. 51): a warning alone, or a fine alone of at
      most CNY 200 on a natural person (an individual business included) or CNY 3,000 on an
      organisation (`rules.simple_procedure_max_fine`).
    - Leniency other than standard: its grounds (APL art. 32 for 从轻 and 减轻, art. 33 for
      no penalty; each ground must fit) and the facts that justify it.
    - 首违不罚: a 首违不罚 list item of the same violation type, valid on the violation's date;
      the date the violation was corrected; and no violation of the same type by the same
      party in the 2 years before this violation, in the portal's decisions or the party's
      credit ledger (`first_violation_lookback`): the refusal names that decision or record by
      number and date. A ledger penalty in those 2 years whose type is not recorded (older
      history) refuses too, naming it: the officer checks it, and has the record corrected
      with its type if it was another violation, or records another leniency.
    - 免予处罚 with a list item: a 轻微免罚 item of the same type, valid on the violation date.
    - The fines against the statutory range, where there is one (a multiple taken of the
      base): standard inside it; 从轻 inside its lowest 30 %; 减轻 below its minimum (a 减轻
      that imposes no fine but a lighter kind of penalty is allowed: nothing to compare).
    """
    errors: dict[str, list[str]] = {}
    leniency_label = str(Leniency(decision.leniency).label)
    checks: dict[str, Any] = {"checked_on": today.isoformat()}
    if decision.decided_on > today:
        _errors_add(
            errors,
            "decided_on",
            _("The decision date %(d)s is in the future.") % {"d": decision.decided_on},
        )
    if decision.decided_on < decision.discovered_on:
        _errors_add(
            errors,
            "decided_on",
            _("The decision (%(d)s) cannot come before the discovery of the violation (%(f)s).")
            % {"d": decision.decided_on, "f": decision.discovered_on},
        )
    if decision.discovered_on < decision.violation_on:
        _errors_add(
            errors,
            "discovered_on",
            _("The violation cannot have been discovered (%(found)s) before it happened (%(on)s).")
            % {"found": decision.discovered_on, "on": decision.violation_on},
        )
    if decision.violation_ended_on and decision.violation_ended_on < decision.violation_on:
        _errors_add(
            errors,
            "violation_ended_on",
            _("The violation cannot end (%(end)s) before it started (%(on)s).")
            % {"end": decision.violation_ended_on, "on": decision.violation_on},
        )
    for name, message in _date_problems(
        decided_on=decision.decided_on,
        violation_on=decision.violation_on,
        violation_ended_on=decision.violation_ended_on,
        discovered_on=decision.discovered_on,
        corrected_on=decision.corrected_on,
        enterprise=decision.enterprise,
    ):
        _errors_add(errors, name, message)
    in_ledger = _number_in_ledger(decision.number, decision)
    if in_ledger is not None:
        _errors_add(errors, "number", _ledger_number_message(in_ledger))
    vtype = decision.violation_type
    fixed = catalogue_range(vtype)
    if fixed is not None and not _same_range(
        {name: getattr(decision, name) for name in RANGE_FIELDS}, fixed
    ):
        _errors_add(errors, "range_kind", _catalogue_range_refusal(vtype))
    limitation = rules.limitation_check(
        violation_on=decision.violation_on,
        violation_ended_on=decision.violation_ended_on,
        discovered_on=decision.discovered_on,
        safety_harm=decision.safety_harm,
        special_years=vtype.limitation_years,
        special_article=vtype.limitation_basis,
    )
    checks["limitation"] = {
        "runs_from": limitation.runs_from.isoformat(),
        "years": limitation.years,
        "article": limitation.article,
        "last_day": limitation.last_day.isoformat(),
    }
    if limitation.passed:
        _errors_add(
            errors,
            "discovered_on",
            _(
                "The limitation period has passed: %(years)d years from %(start)s (%(article)s) "
                "ended on %(last)s, and the violation was discovered on %(found)s. No penalty "
                "can be imposed."
            )
            % {
                "years": limitation.years,
                "start": limitation.runs_from,
                "article": limitation.article,
                "last": limitation.last_day,
                "found": decision.discovered_on,
            },
        )
    if not decision.facts:
        _errors_add(errors, "facts", _("State the facts of the violation."))
    if not decision.legal_basis:
        _errors_add(errors, "legal_basis", _("State the legal basis of the decision."))
    _check_measures(decision, measures, errors)
    _check_simple_procedure(decision, measures, errors)
    _check_leniency(decision, leniency_label, errors)
    if decision.leniency in rules.NO_PENALTY_LENIENCIES:
        _check_list_item(decision, errors)
    if decision.leniency == Leniency.FIRST_VIOLATION:
        earlier = decision_lookback(decision)
        start, end = rules.first_violation_window(decision.violation_on)
        checks["lookback"] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "found": [e.number for e in earlier],
        }
        if earlier:
            _errors_add(errors, "leniency", _lookback_refusal(earlier[0], start, end))
    checks["range"] = _check_range(decision, measures, errors)
    if errors:
        raise ValidationError(errors)
    return checks


def _lookback_refusal(first: EarlierViolation, start: dt.date, end: dt.date) -> str:
    """Why 首违不罚 is refused, naming the earlier decision or ledger record."""
    values = {
        "number": first.number,
        "decided": first.decided_on,
        "leniency": first.leniency_display,
        "on": first.violation_on or first.decided_on,
        "authority": first.authority or "—",
        "years": rules.FIRST_VIOLATION_LOOKBACK_YEARS,
        "from": start,
        "to": end,
    }
    if first.type_unknown:
        return (
            _(
                "Check the party's earlier penalty first: its credit ledger holds penalty "
                "%(number)s of %(decided)s (%(authority)s), within the %(years)d years before "
                "this violation (%(from)s to %(to)s), and it does not say the type of violation. "
                "If it was a violation of the same type, 首违不罚 cannot be applied: record the "
                "decision with another leniency. If it was another type, have that record "
                "corrected with its type, then record this decision."
            )
            % values
        )
    if first.from_ledger:
        return (
            _(
                "Not a first violation: the party's credit ledger holds %(leniency)s "
                "%(number)s of %(decided)s (%(authority)s) for a violation of the same type, "
                "within the %(years)d years before this violation (%(from)s to %(to)s). "
                "首违不罚 cannot be applied."
            )
            % values
        )
    return (
        _(
            "Not a first violation: the same party has decision %(number)s of %(decided)s "
            "(%(leniency)s) for a violation of the same type on %(on)s, within the "
            "%(years)d years before this violation (%(from)s to %(to)s). 首违不罚 cannot "
            "be applied."
        )
        % values
    )


def _check_measures(
    decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], errors: dict[str, list[str]]
) -> None:
    if decision.is_no_penalty:
        if measures:
            _errors_add(
                errors,
                "measures",
                _(
                    "A decision not to penalise (%(leniency)s) imposes no penalty: remove the "
                    "penalties listed."
                )
                % {"leniency": Leniency(decision.leniency).label},
            )
        return
    if not measures:
        _errors_add(
            errors,
            "measures",
            _("A penalty decision imposes at least one penalty: list it."),
        )
    for i, m in enumerate(measures, start=1):
        label = MeasureKind(m.kind).label
        if m.kind in rules.MEASURES_WITH_AMOUNT and m.amount is None:
            _errors_add(
                errors,
                "measures",
                _("Penalty %(n)d (%(kind)s): enter the amount.") % {"n": i, "kind": label},
            )
        if m.kind in rules.MEASURES_NEED_MONTHS and not m.months:
            _errors_add(
                errors,
                "measures",
                _("Penalty %(n)d (%(kind)s): enter its duration in months.")
                % {"n": i, "kind": label},
            )
        if m.months and m.kind not in rules.MEASURES_WITH_MONTHS:
            _errors_add(errors, "measures", _months_refusal(i, m.kind))


def _check_simple_procedure(
    decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], errors: dict[str, list[str]]
) -> None:
    """A decision on the spot (APL art. 51): a warning alone, or a fine alone of at most CNY 200
    on a natural person (an individual business included) or CNY 3,000 on an organisation."""
    if decision.procedure != rules.SIMPLE_PROCEDURE or decision.is_no_penalty or not measures:
        return
    nature = decision_nature(decision)
    limit = rules.simple_procedure_max_fine(nature)
    values = {
        "limit": yuan(limit),
        "party": _("a natural person or an individual business")
        if nature == rules.NATURAL_PERSON
        else _("an organisation"),
        "article": rules.SIMPLE_PROCEDURE_ARTICLE,
    }
    kinds = {m.kind for m in measures}
    if len(kinds) > 1 or not kinds <= rules.SIMPLE_PROCEDURE_MEASURES:
        labels = "、".join(str(MeasureKind(k).label) for k in sorted(kinds))
        _errors_add(
            errors,
            "procedure",
            _(
                "The simple procedure (on the spot, %(article)s) allows only a warning, or a "
                "fine of at most CNY %(limit)s on %(party)s: %(found)s cannot be decided on the "
                "spot. Use the ordinary procedure."
            )
            % {**values, "found": labels},
        )
        return
    total = rules.fines_total(measures)
    if rules.FINE in kinds and total > limit:
        _errors_add(
            errors,
            "procedure",
            _(
                "A fine decided on the spot (%(article)s) is at most CNY %(limit)s on %(party)s; "
                "the fines total CNY %(t)s. Use the ordinary procedure."
            )
            % {**values, "t": yuan(total)},
        )


def _check_leniency(
    decision: PenaltyDecision, leniency_label: str, errors: dict[str, list[str]]
) -> None:
    if decision.leniency == Leniency.STANDARD:
        return
    grounds = list(decision.leniency_grounds or [])
    allowed = rules.LENIENCY_GROUNDS.get(decision.leniency, frozenset())
    if not grounds:
        _errors_add(
            errors,
            "leniency_grounds",
            _("%(leniency)s needs the ground it rests on (APL art. 32 or 33).")
            % {"leniency": leniency_label},
        )
    labels = dict(PenaltyDecision.LeniencyGround.choices)
    for ground in grounds:
        if ground not in allowed:
            _errors_add(
                errors,
                "leniency_grounds",
                _("The ground “%(ground)s” does not support %(leniency)s.")
                % {"ground": labels.get(ground, ground), "leniency": leniency_label},
            )
    if not decision.leniency_facts:
        _errors_add(
            errors,
            "leniency_facts",
            _("Describe the facts that justify %(leniency)s.") % {"leniency": leniency_label},
        )


def _check_list_item(decision: PenaltyDecision, errors: dict[str, list[str]]) -> None:
    """The list item a decision not to penalise relies on (§6)."""
    item = decision.leniency_item
    first = decision.leniency == Leniency.FIRST_VIOLATION
    wanted = LeniencyListItem.ListKind.FIRST_VIOLATION if first else LeniencyListItem.ListKind.MINOR
    if item is None:
        if first:
            _errors_add(
                errors,
                "leniency_item",
                _(
                    "First violation not penalised (首违不罚) applies an item of a 首违不罚 "
                    "list: choose it."
                ),
            )
        return
    if item.list_kind != wanted:
        _errors_add(
            errors,
            "leniency_item",
            _("The item chosen is on the list “%(list)s”; %(leniency)s needs an item of “%(w)s”.")
            % {
                "list": item.get_list_kind_display(),
                "leniency": Leniency(decision.leniency).label,
                "w": LeniencyListItem.ListKind(wanted).label,
            },
        )
    if item.violation_type_id != decision.violation_type_id:
        _errors_add(
            errors,
            "leniency_item",
            _(
                "List item %(n)d of %(list)s (%(version)s) is about another type of violation "
                "(%(type)s)."
            )
            % {
                "n": item.item_number,
                "list": item.list_name,
                "version": item.version,
                "type": item.violation_type.name,
            },
        )
    on = decision.violation_on
    if item.valid_from > on or (item.valid_until is not None and item.valid_until < on):
        _errors_add(
            errors,
            "leniency_item",
            _(
                "List item %(n)d of %(list)s (%(version)s) was not in force on the violation's "
                "date %(on)s (valid %(from)s to %(until)s)."
            )
            % {
                "n": item.item_number,
                "list": item.list_name,
                "version": item.version,
                "on": on,
                "from": item.valid_from,
                "until": item.valid_until or "—",
            },
        )
    if first and decision.corrected_on is None:
        _errors_add(
            errors,
            "corrected_on",
            _("首违不罚 requires the violation to have been corrected in time: enter the date."),
        )


def _check_range(
    decision: PenaltyDecision, measures: Sequence[PenaltyMeasure], errors: dict[str, list[str]]
) -> dict[str, Any]:
    """The fines against the statutory range and the leniency; what was compared."""
    if decision.range_kind == "multiple" and decision.base_amount is None:
        _errors_add(
            errors,
            "base_amount",
            _("The range is a multiple of a base: enter the base amount."),
        )
        return {}
    if decision.is_no_penalty:
        return {}  # no penalty: nothing to compare with the range
    view = decision_range(decision)
    has_fine = any(m.kind == rules.FINE for m in measures)
    total = rules.fines_total(measures)
    if view is None:
        return {"fine_total": str(total)}
    found = {
        "min": str(view.minimum),
        "max": str(view.maximum),
        "band_max": str(view.band_max),
        "fine_total": str(total),
    }
    if not has_fine:
        return found
    amounts = {"t": yuan(total), "min": yuan(view.minimum), "max": yuan(view.maximum)}
    if decision.leniency == Leniency.MITIGATED:
        if total >= view.minimum:
            _errors_add(
                errors,
                "measures",
                _(
                    "A mitigated penalty (减轻) goes below the statutory minimum of CNY %(min)s; "
                    "the fines total CNY %(t)s."
                )
                % amounts,
            )
        return found
    if not view.minimum <= total <= view.maximum:
        _errors_add(
            errors,
            "measures",
            _("The fines total CNY %(t)s, outside the statutory range of CNY %(min)s to %(max)s.")
            % amounts,
        )
    elif decision.leniency == Leniency.LIGHTER and total > view.band_max:
        _errors_add(
            errors,
            "measures",
            _(
                "A lighter penalty (从轻) lies in the lowest 30 %% of the range: CNY %(min)s to "
                "%(band)s; the fines total CNY %(t)s."
            )
            % {**amounts, "band": yuan(view.band_max)},
        )
    return found
