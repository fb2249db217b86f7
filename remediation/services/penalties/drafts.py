"""Saving and checking a draft penalty decision (`penalty_draft_save`, `penalty_draft_check`): its
shape, its party, its number, its statutory range and its impossible dates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record, model_diff, model_snapshot
from credit_portal.models import Department, User
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.identity import id_digest, mask_id, resident_id_problem
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize, uscc_problems
from remediation import rules
from remediation.audit_events import (
    PENALTY_DRAFT_SAVED,
)
from remediation.models import LeniencyListItem, PenaltyDecision, PenaltyMeasure, ViolationType
from remediation.services.penalties.checks import decision_nature
from remediation.services.penalties.common import (
    _ID_NUMBER,
    _MOBILE,
    MAX_MEASURES,
    Leniency,
    MeasureKind,
    PartyKind,
    Status,
    _as_date,
    _as_decimal,
    _date_problems,
    _errors_add,
    _ledger_number_message,
    _lock,
    _measure_json,
    _months_refusal,
    _number_in_ledger,
    _require_jurisdiction,
    _today,
)
from remediation.services.penalties.ranges import (
    _catalogue_range_refusal,
    _same_range,
    catalogue_range,
)


def _number_taken(number: str, decision: PenaltyDecision | None) -> bool:
    """Whether another decision already has this number."""
    taken = PenaltyDecision.objects.filter(number=number)
    if decision is not None and decision.pk is not None:
        taken = taken.exclude(pk=decision.pk)
    return taken.exists()


# --------------------------------------------------------------------------- drafts


@dataclass
class _Draft:
    """A draft's fields and penalties, cleaned."""

    fields: dict[str, Any]
    measures: list[dict[str, Any]]


def _clean_measures(
    measures: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    if len(measures) > MAX_MEASURES:
        _errors_add(
            errors, "measures", _("At most %(n)d penalties per decision.") % {"n": MAX_MEASURES}
        )
        return []
    cleaned = []
    for i, raw in enumerate(measures, start=1):
        kind = raw.get("kind") or ""
        if kind not in MeasureKind.values:
            _errors_add(
                errors, "measures", _("Penalty %(n)d: choose a kind of penalty.") % {"n": i}
            )
            continue
        amount = _as_decimal(raw.get("amount"), "measures", errors)
        if amount is not None and amount <= 0:
            _errors_add(
                errors, "measures", _("Penalty %(n)d: an amount must be above zero.") % {"n": i}
            )
            amount = None
        raw_months = raw.get("months")
        months: int | None = None
        if raw_months not in (None, ""):
            try:
                months = int(str(raw_months))
            except ValueError:
                months = -1
            if not 0 < months <= 1200:
                _errors_add(
                    errors,
                    "measures",
                    _("Penalty %(n)d: the duration is a whole number of months (1 to 1200).")
                    % {"n": i},
                )
                months = None
        if months is not None and kind not in rules.MEASURES_WITH_MONTHS:
            _errors_add(errors, "measures", _months_refusal(i, kind))
            months = None
        description = str(raw.get("description") or "").strip()[:300]
        cleaned.append(
            {"kind": kind, "amount": amount, "months": months, "description": description}
        )
    return cleaned


def _resolve_department(value: Any, actor: User, errors: dict[str, list[str]]) -> Department | None:
    if value in (None, ""):
        _errors_add(errors, "department", _("Choose the deciding department."))
        return None
    allowed = departments_of_jurisdiction(user=actor)
    if isinstance(value, Department):
        found = allowed.filter(pk=value.pk).first()
    else:
        found = allowed.filter(code=str(value)).first()
    if found is None:
        _errors_add(
            errors,
            "department",
            _("You may record decisions of your own department only (or of any, for the bureau)."),
        )
    return found


def _resolve_violation_type(
    value: Any, errors: dict[str, list[str]], *, current: ViolationType | None
) -> ViolationType | None:
    if value in (None, ""):
        _errors_add(errors, "violation_type", _("Choose the type of violation."))
        return None
    if isinstance(value, ViolationType):
        found: ViolationType | None = value
    else:
        found = ViolationType.objects.filter(code=str(value)).first()
        if found is None and str(value).isdigit():
            found = ViolationType.objects.filter(pk=int(value)).first()
    if found is None:
        _errors_add(errors, "violation_type", _("Unknown type of violation."))
        return None
    if not found.is_active and (current is None or current.pk != found.pk):
        _errors_add(
            errors,
            "violation_type",
            _("This type of violation is no longer in use in the catalogue."),
        )
    return found


def _resolve_item(value: Any, errors: dict[str, list[str]]) -> LeniencyListItem | None:
    if value in (None, ""):
        return None
    if isinstance(value, LeniencyListItem):
        return value
    found = None
    if str(value).isdigit():
        found = LeniencyListItem.objects.filter(pk=int(value)).first()
    if found is None:
        _errors_add(errors, "leniency_item", _("Unknown list item."))
    return found


def _clean_party(
    data: Mapping[str, Any],
    actor: User,
    decision: PenaltyDecision | None,
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    """The party's fields: a market entity of the user's register (by credit code), an
    organisation registered elsewhere (name and credit code, which names its province), or a
    natural person (name and identity number, kept only as a digest and masked)."""
    kind = data.get("party_kind") or ""
    if kind not in PartyKind.values:
        _errors_add(errors, "party_kind", _("Choose who the party is."))
        return {}
    party: dict[str, Any] = {
        "party_kind": kind,
        "enterprise": None,
        "party_code": "",
        "party_id_digest": "",
        "party_id_masked": "",
        "party_other_province": False,
    }
    if kind == PartyKind.REGISTERED:
        code = normalize(str(data.get("enterprise_uscc") or ""))
        if not code and data.get("enterprise") is not None:
            code = data["enterprise"].uscc
        if not code:
            _errors_add(errors, "enterprise_uscc", _("Enter the market entity's credit code."))
            return party
        enterprise = enterprise_list_for_user(user=actor).filter(uscc=code).first()
        if enterprise is None:
            _errors_add(
                errors,
                "enterprise_uscc",
                _("No market entity with this credit code is visible to you."),
            )
            return party
        party.update(enterprise=enterprise, party_name=enterprise.name, party_code=enterprise.uscc)
        return party
    name = str(data.get("party_name") or "").strip()
    if not name:
        _errors_add(errors, "party_name", _("Enter the party's name."))
    elif len(name) > 200:
        _errors_add(errors, "party_name", _("At most 200 characters."))
    party["party_name"] = name[:200]
    if kind == PartyKind.ORGANISATION:
        code = normalize(str(data.get("party_code") or ""))
        problems = uscc_problems(code) if code else []
        if not code:
            _errors_add(errors, "party_code", _("Enter the organisation's credit code."))
        elif problems:
            for problem in problems:
                _errors_add(errors, "party_code", problem.message)
        elif Enterprise.objects.filter(uscc=code).exists():
            _errors_add(
                errors,
                "party_code",
                _(
                    "This credit code is in the register: choose a market entity of this "
                    "register as the party."
                ),
            )
        party["party_code"] = code
        party["party_other_province"] = bool(code) and code[2:4] != rules.home_province_code()
        return party
    # A natural person: the number is validated, then kept only masked and as a digest.
    number = normalize(str(data.get("party_id") or ""))
    if number:
        id_problem = resident_id_problem(number)
        if id_problem:
            _errors_add(errors, "party_id", id_problem)
        else:
            party["party_id_digest"] = id_digest(number)
            party["party_id_masked"] = mask_id(number)
    elif decision is not None and decision.party_kind == PartyKind.NATURAL_PERSON:
        party["party_id_digest"] = decision.party_id_digest
        party["party_id_masked"] = decision.party_id_masked
    if not party["party_id_digest"] and "party_id" not in errors:
        _errors_add(errors, "party_id", _("Enter the person's resident identity number."))
    party["party_other_province"] = bool(data.get("party_other_province"))
    return party


def _clean_draft(
    *,
    actor: User,
    decision: PenaltyDecision | None,
    data: Mapping[str, Any],
    measures: Sequence[Mapping[str, Any]],
) -> _Draft:
    """The draft's fields cleaned, or a ValidationError naming every problem of shape and
    every impossible date (a discovery before the violation, an end before the start)."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    number = str(data.get("number") or "").strip()
    if not number:
        _errors_add(errors, "number", _("Enter the decision number."))
    elif len(number) > 64:
        _errors_add(errors, "number", _("At most 64 characters."))
    elif _number_taken(number, decision):
        _errors_add(errors, "number", _("Another decision already has this number."))
    elif (in_ledger := _number_in_ledger(number, decision)) is not None:
        _errors_add(errors, "number", _ledger_number_message(in_ledger))
    fields["number"] = number
    fields["decided_on"] = _as_date(data.get("decided_on"), "decided_on", errors)
    if fields["decided_on"] is None and "decided_on" not in errors:
        _errors_add(errors, "decided_on", _("Enter the decision date."))
    fields["department"] = _resolve_department(data.get("department"), actor, errors)
    fields.update(_clean_party(data, actor, decision, errors))
    fields["violation_type"] = _resolve_violation_type(
        data.get("violation_type"),
        errors,
        current=decision.violation_type if decision is not None else None,
    )
    today = _today()
    for name, label in (
        ("violation_on", _("Enter the date of the violation.")),
        ("discovered_on", _("Enter the date the violation was discovered.")),
    ):
        fields[name] = _as_date(data.get(name), name, errors)
        if fields[name] is None and name not in errors:
            _errors_add(errors, name, label)
    fields["violation_ended_on"] = _as_date(
        data.get("violation_ended_on"), "violation_ended_on", errors
    )
    fields["corrected_on"] = _as_date(data.get("corrected_on"), "corrected_on", errors)
    start, end, found = (
        fields["violation_on"],
        fields["violation_ended_on"],
        fields["discovered_on"],
    )
    for name in ("violation_on", "violation_ended_on", "discovered_on", "corrected_on"):
        if fields[name] is not None and fields[name] > today:
            _errors_add(errors, name, _("This date is in the future."))
    if start and found and found < start:
        _errors_add(
            errors,
            "discovered_on",
            _("The violation cannot have been discovered (%(found)s) before it happened (%(on)s).")
            % {"found": found, "on": start},
        )
    if start and end and end < start:
        _errors_add(
            errors,
            "violation_ended_on",
            _("The violation cannot end (%(end)s) before it started (%(on)s).")
            % {"end": end, "on": start},
        )
    for name, message in _date_problems(
        decided_on=fields["decided_on"],
        violation_on=start,
        violation_ended_on=end,
        discovered_on=found,
        corrected_on=fields["corrected_on"],
        enterprise=fields.get("enterprise"),
    ):
        _errors_add(errors, name, message)
    fields["facts"] = str(data.get("facts") or "").strip()
    fields["legal_basis"] = str(data.get("legal_basis") or "").strip()
    procedure = data.get("procedure") or PenaltyDecision.Procedure.ORDINARY
    if procedure not in PenaltyDecision.Procedure.values:
        _errors_add(errors, "procedure", _("Choose the procedure."))
    fields["procedure"] = procedure
    fields["safety_harm"] = bool(data.get("safety_harm"))
    leniency = data.get("leniency") or Leniency.STANDARD
    if leniency not in Leniency.values:
        _errors_add(errors, "leniency", _("Choose the leniency."))
    fields["leniency"] = leniency
    grounds = data.get("leniency_grounds") or []
    if isinstance(grounds, str):
        grounds = [grounds]
    unknown = [g for g in grounds if g not in PenaltyDecision.LeniencyGround.values]
    if unknown:
        _errors_add(errors, "leniency_grounds", _("Unknown ground: %(g)s.") % {"g": unknown[0]})
    fields["leniency_grounds"] = sorted({g for g in grounds if g not in unknown})
    fields["leniency_facts"] = str(data.get("leniency_facts") or "").strip()
    fields["leniency_item"] = _resolve_item(data.get("leniency_item"), errors)
    _clean_range(data, fields, errors)
    summary = str(data.get("public_summary") or "").strip()
    if _ID_NUMBER.search(summary) or _MOBILE.search(summary):
        _errors_add(
            errors,
            "public_summary",
            _(
                "The public summary may not hold an identity number or a phone number: personal "
                "data is taken out of what is published (Order 45 art. 6)."
            ),
        )
    fields["public_summary"] = summary
    cleaned_measures = _clean_measures(measures, errors)
    if errors:
        raise ValidationError(errors)
    return _Draft(fields, cleaned_measures)


def _clean_range(
    data: Mapping[str, Any], fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    """The statutory range applied (§6): the violation type's, when the catalogue gives it one
    (a range given that differs from it is refused: the 从轻 and 减轻 checks measure against
    the law's range, which the officer does not choose); only for a type without one may the
    officer enter the range, which the legal basis then cites."""
    vtype = fields.get("violation_type")
    given = data.get("range_kind")
    fixed = catalogue_range(vtype)
    if fixed is not None:
        assert vtype is not None  # noqa: S101 - a range comes from a type
        fields.update(fixed)
        if given not in (None, ""):
            entered = {
                "range_kind": given,
                "range_min": _as_decimal(data.get("range_min"), "range_min", errors),
                "range_max": _as_decimal(data.get("range_max"), "range_max", errors),
                "base_kind": str(data.get("base_kind") or ""),
            }
            if not _same_range(entered, fixed):
                _errors_add(errors, "range_kind", _catalogue_range_refusal(vtype))
    elif given in (None, "") and vtype is not None:
        fields.update(range_kind="none", range_min=None, range_max=None, base_kind="")
    else:
        kind = given or "none"
        if kind not in ("none", "amount", "multiple"):
            _errors_add(errors, "range_kind", _("Choose how the range is given."))
        fields["range_kind"] = kind
        fields["range_min"] = _as_decimal(data.get("range_min"), "range_min", errors)
        fields["range_max"] = _as_decimal(data.get("range_max"), "range_max", errors)
        fields["base_kind"] = str(data.get("base_kind") or "")
    fields["base_amount"] = _as_decimal(data.get("base_amount"), "base_amount", errors)
    low, high = fields.get("range_min"), fields.get("range_max")
    if low is not None and high is not None and high < low:
        _errors_add(errors, "range_max", _("The maximum is below the minimum."))
    if fields["range_kind"] != "none" and high is None:
        _errors_add(errors, "range_max", _("Enter the maximum of the statutory range."))
    if fields["range_kind"] == "multiple" and fields["base_kind"] not in (
        "goods_value",
        "illegal_gains",
    ):
        _errors_add(
            errors,
            "base_kind",
            _("Say what the range is a multiple of: the value of goods or the illegal gains."),
        )
    if fields["range_kind"] != "multiple":
        fields["base_kind"] = ""
        fields["base_amount"] = None


def penalty_draft_check(
    *,
    actor: User,
    decision: PenaltyDecision | None = None,
    data: Mapping[str, Any],
    measures: Sequence[Mapping[str, Any]],
) -> None:
    """The checks of `penalty_draft_save`, writing nothing (for a form that shows every error
    at once, `credit_portal.forms.form_errors_all`)."""
    _clean_draft(actor=actor, decision=decision, data=data, measures=measures)


@transaction.atomic
def penalty_draft_save(
    *,
    actor: User,
    decision: PenaltyDecision | None = None,
    data: Mapping[str, Any],
    measures: Sequence[Mapping[str, Any]],
    expected_version: int | None = None,
) -> PenaltyDecision:
    """Create a draft decision, or change one.

    Rules: only a draft can be changed, with the version the caller read (a stale one is a
    `ConflictError`), and only a draft of the actor's jurisdiction; the fields' shape and the
    impossible dates are checked (the rules of §6 are checked when the decision is recorded);
    a market entity is chosen by credit code from the actor's register, the department from the
    actor's jurisdiction; a decision number is used once (two officers saving the same number
    at once: the second gets the field error, not a server error), and never if a `penalty`
    or `no_penalty` record of the credit ledger carries it; no date before 1949-10-01, no
    decision before the registration of the market entity it is about, no correction before
    the violation or after the decision; months only on a penalty that lasts for a time;
    an organisation's credit
    code is validated (GB 32100) and tells its province; a natural person's identity number is
    validated and kept only as a keyed digest and masked; the statutory range is the violation
    type's from the catalogue (another one given is refused), entered only for a type without
    one; the penalties replace the draft's. The draft's publication due is
    counted from its decision date when its penalties would be published (20 WD, 10 to push:
    `rules.publication_deadline`), so that a decision not yet recorded shows overdue too.
    Side effects: the decision and its penalties; an audit event (`penalty_draft_saved`).
    """
    before: dict[str, Any] = {}
    if decision is not None:
        decision = _lock(decision, expected_version)
        _require_jurisdiction(actor, decision)
        if decision.status != Status.DRAFT:
            raise ValidationError(
                _("Decision %(number)s is recorded: it can no longer be changed.")
                % {"number": decision.number}
            )
        before = model_snapshot(decision)
    draft = _clean_draft(actor=actor, decision=decision, data=data, measures=measures)
    creating = decision is None
    if decision is None:
        decision = PenaltyDecision(created_by=actor)
    for name, value in draft.fields.items():
        setattr(decision, name, value)
    due = draft_publication_due(decision, draft.measures)
    decision.publication_due = due.day if due is not None else None
    decision.publication_due_provisional = due.provisional if due is not None else False
    if not creating:
        decision.version += 1
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError:
        # Another officer saved the same number between the check and this write.
        if _number_taken(decision.number, decision):
            raise ValidationError(
                {"number": [_("This decision number is already used.")]}
            ) from None
        raise
    decision.measures.all().delete()
    PenaltyMeasure.objects.bulk_create(
        [PenaltyMeasure(decision=decision, **m) for m in draft.measures]
    )
    diff = model_diff(before, model_snapshot(decision))
    diff["old"].pop("party_id_digest", None)
    diff["new"].pop("party_id_digest", None)
    audit_event_record(
        actor=actor,
        event_type=PENALTY_DRAFT_SAVED,
        target=decision,
        enterprise=decision.enterprise,
        extra={
            "number": decision.number,
            "created": creating,
            "measures": [_measure_json(m) for m in decision.measures.all()],
            **diff,
        },
    )
    return decision


def draft_publication_due(
    decision: PenaltyDecision, measures: Sequence[Mapping[str, Any] | PenaltyMeasure]
) -> Any:
    """The day a decision's information is due (`rules.publication_deadline`, a `Deadline`)
    when its penalties would be published (`rules.publicity_term`), else None: a decision not
    to penalise, an on-the-spot decision, a warning alone."""
    if decision.is_no_penalty or decision.decided_on is None:
        return None
    term = rules.publicity_term(list(measures), decision_nature(decision), decision.procedure)
    if not term.published:
        return None
    return rules.publication_deadline(
        decision.decided_on, other_province=decision.party_other_province
    )
