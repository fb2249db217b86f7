"""Inspections: the inspector's result, the supervisor's review with its follow-ups, the
publication, triggered inspections and their inspectors (issue 17 §4, §6; docs/domain.md §2).

States (`Inspection.Status`): assigned → recorded (an assigned inspector records the checks, the
result codes, the findings and the days of the check) → reviewed (a supervisor approves) →
published (the `inspection_result` fact); a supervisor may return a recorded result (→
returned, recorded again by an inspector). A result is recorded once: recording it again while
it awaits review, after its approval or after its publication is refused with a clear message.

What a result leads to (docs/domain.md §2 "What a result leads to"; issue 17 §6), run on the
supervisor's approval, in the approval's transaction (a refused follow-up refuses the approval:
nothing is half-written):
- B (required information not publicised) → an order to disclose
  (`remediation.services.orders.order_create`: the items and the order's number are asked on
  the result form; the order gives 10 days, then remediation's daily job lists it, reason 2);
- C (false information) → a reason-3 listing (`remediation.services.directory.directory_list`,
  source "inspection"), unless the supervisor records that self-correction applies. The only
  self-correction path of the portal is the annual-report app's invitation
  (`annual_reports.services.invitations`), which this app may not import (docs/architecture.md
  "Apps and dependencies": inspections → remediation → enterprises); so the decision and its
  reason are recorded on the inspection (`follow_up["self_correction"]`) and audited;
- 6 (unreachable) → the supervisor confirms the finding (the approval is the confirmation) and
  the reason-4 listing is made at once (an individual business is marked:
  `directory_list` handles both), due within 10 WD of the confirmation (the verification day
  given to the directory is the day of the approval);
- 8 (serious refusal) → part of the published result (public, 条例 art. 15) and a finding;
- only the bureau orders and lists: the finding of an inspection led by a partner department
  becomes a referral lead to the bureau (`inspections.services.leads.lead_create`,
  kind "referral") naming what it found.
The punishment buffer per listing reason is a setting (`rules.BUFFER_REASONS`, default reason 1
only); remediation defers reason 1 only, so a reason 3 or 4 named there is listed at once and
the follow-up says the buffer is unsupported (`buffer_applies`).

Publication (docs/domain.md §2 "Publication"): due 20 WD after the check ended
(`publish_due`, `credit_portal.workdays`); `inspection_publish` appends the public
`inspection_result` fact (public from the day published; summary in Chinese naming the result
codes and the plan or the lead) and, when a problem code was found, the non-public
`inspection_finding` (classification counts it). The daily job `inspections.publication`
(`inspections_publication_due`) counts the results due soon and overdue.

Triggered inspections (docs/domain.md §2 "Triggered checks"): `inspection_trigger` makes one
from a lead, outside every pool and exclusion; its inspectors are assigned by hand
(`inspection_assign`: at least two, one of the lead department, recusals respected). A drawn
inspection's inspectors are the draw's, verifiable from its files: not changed by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.selectors import departments_of_jurisdiction
from credit_portal.workdays import Deadline, add_working_days, deadline_after, working_days_between
from enterprises.models import CreditRecord
from enterprises.services.ledger import credit_record_append
from inspections import audit_events as events
from inspections import rules
from inspections.kinds import INSPECTION_FINDING, INSPECTION_RESULT
from inspections.models import (
    Inspection,
    InspectionAssignment,
    InspectionCheck,
    InspectionItem,
    Inspector,
    Lead,
    Recusal,
)

Status = Inspection.Status
Origin = Inspection.Origin
CheckResult = InspectionCheck.Result

FINDINGS_MAX = 4000
CHECK_NOTE_MAX = 500
REVIEW_NOTE_MAX = 2000
ORDER_NUMBER_MAX = 64
# The states in which an inspection is still to be recorded, and those that count as open.
TO_RECORD = (Status.ASSIGNED, Status.RETURNED)
OPEN_STATES = (Status.ASSIGNED, Status.RECORDED, Status.RETURNED, Status.REVIEWED)
# Review decisions.
APPROVE = "approve"
RETURN = "return"
DECISIONS = (APPROVE, RETURN)


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- rules


def publish_due_of(check_ended_on: dt.date) -> Deadline:
    """The day to publish a result by: `PUBLICATION_WORKING_DAYS` (20) WD after the day the
    check ended (docs/domain.md §2 "Publication"; provisional across an unknown year)."""
    return deadline_after(check_ended_on, rules.PUBLICATION_WORKING_DAYS)


def result_codes_problems(codes: Sequence[str]) -> list[str]:
    """Why a list of result codes cannot stand (docs/domain.md §2 "Result codes": several
    codes of the newer list may be combined, "1" stands alone), or []."""
    if not codes:
        return [_("Choose at least one result code.")]
    unknown = [c for c in codes if c not in rules.RESULT_CODES]
    if unknown:
        return [_("Unknown result code: %(codes)s.") % {"codes": ", ".join(unknown)}]
    if len(set(codes)) != len(codes):
        return [_("Each result code may be chosen once.")]
    if rules.NO_PROBLEM in codes and len(codes) > 1:
        return [_("“1 No problem found” stands alone: it cannot be combined with another code.")]
    return []


def has_problem(codes: Iterable[str]) -> bool:
    """Whether the codes say a problem was found (`rules.PROBLEM_CODES`)."""
    return any(c in rules.PROBLEM_CODES for c in codes)


def item_codes(codes: Iterable[str]) -> list[str]:
    """The codes that say an item was checked and found wanting: all but 6 (unreachable) and 8
    (serious refusal), where the visit itself failed and the items could not be checked (they
    are "not applicable", with a note), so no item need be marked a problem for them."""
    return [c for c in codes if c not in (rules.UNREACHABLE, rules.NON_COOPERATION)]


def codes_text_zh(codes: Iterable[str]) -> str:
    """The codes in the publicity system's words, joined by "；"."""
    return "；".join(f"{c} {rules.RESULT_CODES_ZH.get(c, c)}" for c in codes)


def buffer_reasons() -> tuple[str, ...]:
    """The listing reasons configured to wait out the buffer (setting
    CREDIT_PORTAL["INSPECTION_BUFFER_REASONS"], default `rules.BUFFER_REASONS`)."""
    return tuple(str(r) for r in rules.setting("INSPECTION_BUFFER_REASONS", rules.BUFFER_REASONS))


def buffer_applies(reason: str) -> bool:
    """Whether a listing for `reason` waits out the buffer: configured and supported by
    remediation (reason 1 only; module docstring)."""
    return reason in buffer_reasons() and reason in rules.BUFFER_SUPPORTED_REASONS


def plans_of(inspection: Inspection) -> list[Any]:
    """The plans whose items the inspection carries, in code order (a joint visit: several)."""
    seen: dict[int, Any] = {}
    for check in inspection.checks.select_related("plan").order_by("plan__code", "item__code"):
        if check.plan is not None:
            seen.setdefault(check.plan_id or 0, check.plan)
    return list(seen.values())


def authority_of(inspection: Inspection) -> str:
    """The inspecting authorities as published: the lead department first, then the other
    departments whose items were checked (a joint visit), joined by "、"."""
    names = [inspection.department.name]
    for check in inspection.checks.select_related("item__department").order_by("item__code"):
        name = check.item.department.name
        if name not in names:
            names.append(name)
    return "、".join(names)


def result_summary(inspection: Inspection) -> str:
    """The published summary, in Chinese: where the check came from (the plans and the draw,
    or the lead) and the result codes in the publicity system's words."""
    codes = list(inspection.result_codes or [])
    if inspection.origin == Origin.TRIGGERED:
        # Public: no lead number (it would tell which report or complaint led to the check;
        # the reporter is never disclosed, docs/domain.md §10); staff see it on the inspection.
        head = "触发式检查"
    else:
        names = "、".join(p.name for p in plans_of(inspection))
        where = "，".join(
            x for x in (names, inspection.draw.number if inspection.draw else "") if x
        )
        head = "“双随机、一公开”抽查" + (f"（{where}）" if where else "")
    return f"{head}：{codes_text_zh(codes)}"


# --------------------------------------------------------------------------- helpers


def _locked(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("enterprise", "department", "draw", "lead")
        .get(pk=inspection.pk)
    )


def _version_check(locked: Inspection, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this inspection first: it is now “%(status)s”. Nothing "
                "was written; read it again before you act."
            )
            % {"status": locked.get_status_display()},
            current_version=locked.version,
        )


def is_assigned(user: User, inspection: Inspection) -> bool:
    """Whether `user` is one of the inspection's inspectors."""
    return InspectionAssignment.objects.filter(
        inspection_id=inspection.pk, inspector__user_id=user.pk
    ).exists()


def within_jurisdiction(user: User, inspection: Inspection) -> bool:
    """Whether the inspection's lead department is one the user acts for (the bureau: all)."""
    return departments_of_jurisdiction(user=user).filter(pk=inspection.department_id).exists()


def _jurisdiction(actor: User, inspection: Inspection) -> None:
    if not within_jurisdiction(actor, inspection):
        raise ValidationError(
            _("This inspection is led by another department: you cannot act on it."),
            code="jurisdiction",
        )


def _state_refusal(locked: Inspection, *, doing: str) -> ValidationError:
    """The clear message for an action the inspection's state does not allow."""
    if locked.status == Status.PUBLISHED:
        return ValidationError(
            _("This result was published on %(day)s: it cannot be changed any more.")
            % {"day": locked.published_on.isoformat() if locked.published_on else "—"},
            code="published",
        )
    if locked.status == Status.CANCELLED:
        return ValidationError(_("This inspection was cancelled."), code="cancelled")
    if doing == "record" and locked.status in (Status.RECORDED, Status.REVIEWED):
        return ValidationError(
            _(
                "The result was already recorded on %(day)s by %(who)s: it is %(status)s. A "
                "result is recorded once; ask the supervisor to return it for correction."
            )
            % {
                "day": timezone.localtime(locked.recorded_at).strftime("%Y-%m-%d")
                if locked.recorded_at
                else "—",
                "who": locked.recorded_by or "—",
                "status": locked.get_status_display(),
            },
            code="recorded",
        )
    if doing == "review" and locked.status == Status.REVIEWED:
        return ValidationError(
            _("This result has been reviewed already; it awaits publication."), code="reviewed"
        )
    if doing == "review":
        return ValidationError(
            _("There is no result to review yet: the inspectors have not recorded it."),
            code="not_recorded",
        )
    if doing == "publish":
        return ValidationError(
            _("Only a reviewed result is published: this one is “%(status)s”.")
            % {"status": locked.get_status_display()},
            code="not_reviewed",
        )
    return ValidationError(
        _("This inspection is “%(status)s”: that cannot be done now.")
        % {"status": locked.get_status_display()},
        code="status",
    )


# --------------------------------------------------------------------------- record


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    inspection: Inspection,
    checks: Mapping[int, Mapping[str, str]],
    result_codes: Sequence[str],
    findings: str,
    checked_from: dt.date | None,
    check_ended_on: dt.date | None,
    expected_version: int | None,
    disclose_items: Sequence[str] = (),
    order_number: str = "",
) -> Inspection:
    """Record the result of an inspection (an assigned inspector).

    Rules (docs/domain.md §2; issue 17 §6): the inspection is to be recorded (assigned or
    returned; recorded twice, after its approval or its publication: refused, saying so); the
    `version` read is current (else `ConflictError`); the actor is one of its inspectors;
    every item checked gets ok, problem or not applicable (`checks`: {check id: {"result",
    "note"}}), a problem or "not applicable" with a note; the result codes are known, each
    once, "1" alone; "1" with an item found a problem, or a problem code with no item found
    one (except 6 and 8, when the items could not be checked: `item_codes`), is refused;
    findings are stated when a problem code is chosen; the check started on or before it
    ended, not before the inspection was assigned, and did not end in the future;
    B asks the items to disclose and the order's number (a company only: individual
    businesses have no duty of immediate disclosure).
    Side effects: the checks' results, the codes, findings, days, `publish_due` (20 WD after
    the check ended), `problems_found`; the order asked for B kept in
    `follow_up["order_request"]`; an audit event.
    """
    from remediation.services.orders import ITEMS as ORDER_ITEMS
    from remediation.services.orders import ORDERED_TYPES

    today = _today()
    locked = _locked(inspection)
    if locked.status not in TO_RECORD:
        raise _state_refusal(locked, doing="record")
    _version_check(locked, expected_version)
    if not is_assigned(actor, locked):
        raise ValidationError(
            _("Only an inspector assigned to this inspection records its result."),
            code="not_assigned",
        )
    problems: dict[str, list[str]] = {}
    own = list(locked.checks.select_related("item").order_by("plan_id", "item__code"))
    given = {int(k): v for k, v in checks.items()}
    foreign = set(given) - {c.pk for c in own}
    if foreign:
        problems.setdefault("checks", []).append(_("An item checked is not this inspection's."))
    any_problem = False
    for check in own:
        entry = given.get(check.pk) or {}
        result = str(entry.get("result") or "")
        note = str(entry.get("note") or "").strip()
        label = f"{check.item.code} {check.item.name}"
        if result not in (CheckResult.OK, CheckResult.PROBLEM, CheckResult.NOT_APPLICABLE):
            problems.setdefault("checks", []).append(
                _("%(item)s: say whether it is in order, a problem or not applicable.")
                % {"item": label}
            )
            continue
        if result in (CheckResult.PROBLEM, CheckResult.NOT_APPLICABLE) and not note:
            problems.setdefault("checks", []).append(
                _("%(item)s: a note is required for a problem or “not applicable”.")
                % {"item": label}
            )
        elif len(note) > CHECK_NOTE_MAX:
            problems.setdefault("checks", []).append(
                _("%(item)s: the note is too long (at most %(n)d characters).")
                % {"item": label, "n": CHECK_NOTE_MAX}
            )
        any_problem = any_problem or result == CheckResult.PROBLEM
    codes = [str(c) for c in (result_codes or [])]
    code_problems = result_codes_problems(codes)
    if code_problems:
        problems["result_codes"] = code_problems
    elif rules.NO_PROBLEM in codes and any_problem:
        problems["result_codes"] = [
            _("An item was found a problem: the result cannot be “1 No problem found”.")
        ]
    elif has_problem(item_codes(codes)) and not any_problem and own and "checks" not in problems:
        problems["result_codes"] = [
            _("A problem code was chosen, but no item checked was found a problem.")
        ]
    findings = (findings or "").replace("\r\n", "\n").strip()
    if has_problem(codes) and not findings:
        problems["findings"] = [_("State the findings: what was found, where and how.")]
    elif len(findings) > FINDINGS_MAX:
        problems["findings"] = [_("At most %(n)d characters.") % {"n": FINDINGS_MAX}]
    assigned_on = timezone.localtime(locked.created_at).date()
    if checked_from is None:
        problems["checked_from"] = [_("Give the day the check started.")]
    elif checked_from < assigned_on:
        problems["checked_from"] = [
            _("The check cannot start before the inspection was assigned (%(day)s).")
            % {"day": assigned_on.isoformat()}
        ]
    if check_ended_on is None:
        problems["check_ended_on"] = [_("Give the day the check ended.")]
    elif check_ended_on > today:
        problems["check_ended_on"] = [_("The check cannot end in the future.")]
    elif checked_from is not None and check_ended_on < checked_from:
        problems["check_ended_on"] = [_("The check cannot end before it started.")]
    follow_up = dict(locked.follow_up or {})
    follow_up.pop("order_request", None)
    if rules.ORDER_TO_DISCLOSE in codes:
        known = {code for code, _label in ORDER_ITEMS}
        items = [str(i) for i in disclose_items or []]
        number = (order_number or "").strip()
        if locked.enterprise.entity_type not in ORDERED_TYPES:
            problems.setdefault("result_codes", []).append(
                _(
                    "Immediate disclosure is a company's duty (公司法 art. 40): “B” does not "
                    "apply to a %(type)s."
                )
                % {"type": locked.enterprise.get_entity_type_display()}
            )
        if not items:
            problems["disclose_items"] = [_("Choose the items the company must disclose.")]
        elif any(i not in known for i in items) or len(set(items)) != len(items):
            problems["disclose_items"] = [_("Choose each item of immediate information once.")]
        if not number:
            problems["order_number"] = [
                _("Give the number of the order to disclose (责令限期公示通知书).")
            ]
        elif len(number) > ORDER_NUMBER_MAX:
            problems["order_number"] = [_("At most %(n)d characters.") % {"n": ORDER_NUMBER_MAX}]
        follow_up["order_request"] = {"items": items, "document_number": number}
    if problems:
        raise ValidationError(problems)
    assert checked_from is not None and check_ended_on is not None  # noqa: S101 - checked above
    for check in own:
        entry = given[check.pk]
        check.result = str(entry["result"])
        check.note = str(entry.get("note") or "").strip()
    InspectionCheck.objects.bulk_update(own, ["result", "note"])
    due = publish_due_of(check_ended_on)
    returned = locked.status == Status.RETURNED
    locked.result_codes = codes
    locked.findings = findings
    locked.problems_found = has_problem(codes)
    locked.checked_from = checked_from
    locked.check_ended_on = check_ended_on
    locked.publish_due = due.day
    locked.recorded_by = actor
    locked.recorded_at = timezone.now()
    locked.reviewed_by = None
    locked.reviewed_at = None
    locked.follow_up = follow_up
    locked.status = Status.RECORDED
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.INSPECTION_RECORDED,
        target=locked,
        enterprise=locked.enterprise,
        extra={
            "codes": codes,
            "checked_from": checked_from,
            "check_ended_on": check_ended_on,
            "publish_due": due.day,
            "publish_due_provisional": due.provisional,
            "checks": {c.item.code: c.result for c in own},
            "again_after_return": returned,
            "order_request": follow_up.get("order_request"),
        },
    )
    return locked


# --------------------------------------------------------------------------- review


@transaction.atomic
def inspection_review(
    *,
    actor: User,
    inspection: Inspection,
    decision: str,
    expected_version: int | None,
    note: str = "",
    confirm_unreachable: bool = False,
    self_correction: bool = False,
    self_correction_reason: str = "",
    publish_now: bool = False,
) -> Inspection:
    """A supervisor approves a recorded result, or returns it for correction with a note.

    Rules (issue 17 §6): the result is recorded (not yet reviewed); the `version` read is
    current; the inspection's lead department is within the actor's jurisdiction; the
    reviewer is neither the inspector who recorded it nor one assigned to it (four eyes); a
    return states what to correct; approving a result with 6 needs the finding confirmed
    (`confirm_unreachable`); self-correction (C only) needs its reason.
    Side effects, on approval: the follow-ups (module docstring: the order, the listings, the
    self-correction decision, or the referral to the bureau), each audited
    (`inspection_follow_up`) and kept in `follow_up`; the result published at once when
    `publish_now`. An audit event (`inspection_reviewed` or `inspection_returned`).
    """
    today = _today()
    locked = _locked(inspection)
    if locked.status != Status.RECORDED:
        raise _state_refusal(locked, doing="review")
    _version_check(locked, expected_version)
    _jurisdiction(actor, locked)
    if locked.recorded_by_id == actor.pk or is_assigned(actor, locked):
        raise ValidationError(
            _("You inspected this entity or recorded this result: another supervisor reviews it."),
            code="four_eyes",
        )
    problems: dict[str, list[str]] = {}
    note = (note or "").replace("\r\n", "\n").strip()
    reason = (self_correction_reason or "").replace("\r\n", "\n").strip()
    codes = list(locked.result_codes or [])
    if decision not in DECISIONS:
        problems["decision"] = [_("Approve the result or return it for correction.")]
    elif decision == RETURN and not note:
        problems["note"] = [_("Say what the inspectors should correct.")]
    if len(note) > REVIEW_NOTE_MAX:
        problems["note"] = [_("At most %(n)d characters.") % {"n": REVIEW_NOTE_MAX}]
    if decision == APPROVE:
        if rules.UNREACHABLE in codes and not confirm_unreachable:
            problems["confirm_unreachable"] = [
                _(
                    "The result says the entity cannot be reached at its registered address "
                    "(6): confirm the finding to approve it (it is then listed, reason 4)."
                )
            ]
        if self_correction and rules.FALSE_INFORMATION not in codes:
            problems["self_correction"] = [
                _("Self-correction concerns false information (C) only.")
            ]
        elif self_correction and not reason:
            problems["self_correction_reason"] = [
                _("Give the reason why self-correction applies instead of a listing.")
            ]
        elif len(reason) > REVIEW_NOTE_MAX:
            problems["self_correction_reason"] = [
                _("At most %(n)d characters.") % {"n": REVIEW_NOTE_MAX}
            ]
    if problems:
        raise ValidationError(problems)
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.review_note = note
    if decision == RETURN:
        locked.status = Status.RETURNED
        locked.version += 1
        locked.save()
        audit_event_record(
            actor=actor,
            event_type=events.INSPECTION_RETURNED,
            target=locked,
            enterprise=locked.enterprise,
            extra={"note": note, "codes": codes},
        )
        return locked
    locked.status = Status.REVIEWED
    locked.follow_up = _follow_ups(
        actor,
        locked,
        today=today,
        self_correction=self_correction,
        self_correction_reason=reason,
    )
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.INSPECTION_REVIEWED,
        target=locked,
        enterprise=locked.enterprise,
        extra={
            "codes": codes,
            "note": note,
            "follow_up": locked.follow_up,
            "publish_now": publish_now,
        },
    )
    if publish_now:
        _publish(actor, locked, today=today)
    return locked


def _follow_up_event(actor: User, inspection: Inspection, what: str, **extra: Any) -> None:
    audit_event_record(
        actor=actor,
        event_type=events.INSPECTION_FOLLOW_UP,
        target=inspection,
        enterprise=inspection.enterprise,
        extra={"what": what, **extra},
    )


def _refused(what: str, exc: ValidationError) -> ValidationError:
    """A follow-up's refusal, said as such on the review (the approval is refused with it)."""
    return ValidationError(
        {
            "follow_up": [
                _("%(what)s could not be made: %(why)s")
                % {"what": what, "why": " ".join(str(m) for m in exc.messages)}
            ]
        },
        code="follow_up",
    )


def _follow_ups(
    actor: User,
    inspection: Inspection,
    *,
    today: dt.date,
    self_correction: bool,
    self_correction_reason: str,
) -> dict[str, Any]:
    """Run what an approved result leads to (module docstring); returns the new `follow_up`."""
    codes = set(inspection.result_codes or [])
    follow: dict[str, Any] = dict(inspection.follow_up or {})
    if rules.FALSE_INFORMATION in codes and self_correction:
        follow["self_correction"] = {
            "reason": self_correction_reason,
            "by": actor.pk,
            "on": today.isoformat(),
        }
        _follow_up_event(actor, inspection, "self_correction", reason=self_correction_reason)
    wanted: list[str] = []  # the directory reasons the result calls for
    if rules.FALSE_INFORMATION in codes and not self_correction:
        wanted.append("3")
    if rules.UNREACHABLE in codes:
        wanted.append("4")
    order_wanted = rules.ORDER_TO_DISCLOSE in codes
    if not (wanted or order_wanted):
        return follow
    if not inspection.department.is_bureau:
        follow["referral"] = _refer(actor, inspection, today=today, reasons=wanted)
        return follow
    if order_wanted:
        from remediation.services.orders import order_create

        request = follow.get("order_request") or {}
        try:
            order = order_create(
                actor=actor,
                enterprise=inspection.enterprise,
                items=list(request.get("items") or []),
                document_number=str(request.get("document_number") or ""),
            )
        except ValidationError as exc:
            raise _refused(_("The order to disclose"), exc) from exc
        follow["order"] = order.pk
        _follow_up_event(actor, inspection, "order", order=order.pk, due_on=order.due_on)
    unsupported = [r for r in wanted if r in buffer_reasons() and not buffer_applies(r)]
    if unsupported:
        follow["buffer_unsupported"] = unsupported
    for reason in wanted:
        follow[f"listing_{reason}"] = _list(actor, inspection, reason=reason, today=today)
    return follow


def _list(actor: User, inspection: Inspection, *, reason: str, today: dt.date) -> int:
    """A reason-3 or reason-4 listing (an individual business: marked) through the directory."""
    from remediation.models import DirectoryCase
    from remediation.services.directory import directory_list

    facts = "{head}\n{findings}".format(
        head=result_summary(inspection), findings=inspection.findings or ""
    ).strip()
    try:
        case = directory_list(
            actor=actor,
            enterprise=inspection.enterprise,
            reason=reason,
            facts=facts[:4000],
            verified_on=today,
            source=DirectoryCase.Source.INSPECTION,
        )
    except ValidationError as exc:
        what = _("The listing for false information (reason 3)")
        if reason == "4":
            what = _("The listing for an unreachable address (reason 4)")
        raise _refused(what, exc) from exc
    _follow_up_event(
        actor,
        inspection,
        f"listing_{reason}",
        case=case.pk,
        listing_due=case.listing_due,
        individual_business=case.individual_business,
        buffer_unsupported=reason in buffer_reasons() and not buffer_applies(reason),
    )
    return case.pk


def _refer(actor: User, inspection: Inspection, *, today: dt.date, reasons: list[str]) -> int:
    """A partner department's finding: a referral lead to the bureau, which orders and lists."""
    from inspections.services.leads import lead_create

    enterprise = inspection.enterprise
    request = (inspection.follow_up or {}).get("order_request") or {}
    lines = [result_summary(inspection)]
    if inspection.findings:
        lines.append(inspection.findings)
    if request:
        lines.append(
            "建议责令限期公示：{items}（{number}）".format(
                items="、".join(request.get("items") or []),
                number=request.get("document_number") or "",
            )
        )
    if reasons:
        lines.append("建议列入经营异常名录的事由：" + "、".join(reasons))
    try:
        lead, _code = lead_create(
            actor=actor,
            kind=Lead.Kind.REFERRAL,
            channel=Lead.Channel.REFERRAL,
            received_on=today,
            subject_name=enterprise.name,
            content="\n".join(lines)[:4000],
            enterprise=enterprise,
            referring_department=inspection.department,
            referral_document=f"inspection-{inspection.pk}",
            subject_address=enterprise.address,
        )
    except ValidationError as exc:
        raise _refused(_("The referral to the bureau"), exc) from exc
    _follow_up_event(actor, inspection, "referral", lead=lead.pk, reasons=reasons)
    return lead.pk


# --------------------------------------------------------------------------- publish


@transaction.atomic
def inspection_publish(
    *, actor: User, inspection: Inspection, expected_version: int | None
) -> Inspection:
    """Publish a reviewed result (docs/domain.md §2 "Publication").

    Rules: the result is reviewed (published twice, or before its review: refused, saying so);
    the `version` read is current; the lead department is within the actor's jurisdiction.
    A publication after `publish_due` is still made, and its delay audited.
    Side effects: the public `inspection_result` fact and, when a problem was found, the
    non-public `inspection_finding` (module docstring); `published_on`; an audit event.
    """
    locked = _locked(inspection)
    if locked.status != Status.REVIEWED:
        raise _state_refusal(locked, doing="publish")
    _version_check(locked, expected_version)
    _jurisdiction(actor, locked)
    _publish(actor, locked, today=_today())
    return locked


def _publish(actor: User, locked: Inspection, *, today: dt.date) -> None:
    assert locked.check_ended_on is not None  # noqa: S101 - a reviewed result has its days
    codes = list(locked.result_codes or [])
    plans = plans_of(locked)
    details: dict[str, Any] = {
        "inspection": locked.pk,
        "origin": locked.origin,
        "result_codes": codes,
        "result_code": codes[0] if codes else "",
        "plans": [p.code for p in plans],
        "plan": "、".join(p.name for p in plans),
        "draw": locked.draw.number if locked.draw else "",
    }
    record = credit_record_append(
        enterprise=locked.enterprise,
        kind=INSPECTION_RESULT,
        occurred_on=locked.check_ended_on,
        summary=result_summary(locked),
        actor=actor,
        is_public=True,
        publicity_start=today,
        authority=authority_of(locked),
        details=details,
        source=locked,
        audited=False,
    )
    finding: CreditRecord | None = None
    if locked.problems_found:
        finding = credit_record_append(
            enterprise=locked.enterprise,
            kind=INSPECTION_FINDING,
            occurred_on=locked.check_ended_on,
            summary="检查发现问题：" + codes_text_zh(c for c in codes if c in rules.PROBLEM_CODES),
            actor=actor,
            is_public=False,
            authority=authority_of(locked),
            details={**details, "problem_codes": [c for c in codes if c in rules.PROBLEM_CODES]},
            source=locked,
            audited=False,
        )
    locked.status = Status.PUBLISHED
    locked.published_on = today
    locked.version += 1
    locked.save()
    extra: dict[str, Any] = {
        "codes": codes,
        "record": record.pk,
        "finding": finding.pk if finding is not None else None,
        "publish_due": locked.publish_due,
        "published_on": today,
    }
    if locked.publish_due and today > locked.publish_due:
        extra["late_by_working_days"] = working_days_between(locked.publish_due, today)
    audit_event_record(
        actor=actor,
        event_type=events.INSPECTION_PUBLISHED,
        target=locked,
        enterprise=locked.enterprise,
        extra=extra,
    )


# --------------------------------------------------------------------------- daily job


def inspections_publication_due(*, on: dt.date) -> dict[str, int]:
    """The daily job `inspections.publication` (order 210): what is due by `on`, counted.

    - `overdue`: results recorded (awaiting review, returned or reviewed) whose `publish_due`
      is before `on` (docs/domain.md §2: 20 WD after the check ended);
    - `due_soon`: the same due within `rules.DUE_SOON_WORKING_DAYS` WD from `on`;
    - `inspect_overdue`: inspections still to be recorded whose `due_by` is before `on`.
    The task lists mark the same rows. Reads only: idempotent.
    """
    waiting = Inspection.objects.filter(
        status__in=(Status.RECORDED, Status.RETURNED, Status.REVIEWED), publish_due__isnull=False
    )
    soon = add_working_days(on, rules.DUE_SOON_WORKING_DAYS)
    return {
        "overdue": waiting.filter(publish_due__lt=on).count(),
        "due_soon": waiting.filter(publish_due__gte=on, publish_due__lte=soon).count(),
        "inspect_overdue": Inspection.objects.filter(status__in=TO_RECORD, due_by__lt=on).count(),
    }


# --------------------------------------------------------------------------- triggered


@transaction.atomic
def inspection_trigger(
    *,
    actor: User,
    lead: Lead,
    items: Sequence[InspectionItem],
    due_by: dt.date | None = None,
) -> Inspection:
    """A triggered inspection of the lead's market entity (docs/domain.md §2 "Triggered
    checks", §10: a report, a referral, a violation found in mediation).

    Rules: outside every pool: no exclusion applies (new, suspended, recently inspected: all
    may be checked); the lead names a registered market entity and was not refused; its
    handling department is within the actor's jurisdiction; no other open inspection of this
    lead; at least one item, active, each once; due by `due_by`, default
    `rules.TRIGGERED_DUE_WORKING_DAYS` WD from today, not in the past. The department is the
    lead's; inspectors are then assigned by hand (`inspection_assign`).
    Side effects: the inspection and one check per item; an audit event.
    """
    today = _today()
    locked_lead = (
        Lead.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=lead.pk)
    )
    if not departments_of_jurisdiction(user=actor).filter(pk=locked_lead.department_id).exists():
        raise ValidationError(
            _("This lead is handled by another department: you cannot act on it."),
            code="jurisdiction",
        )
    problems: dict[str, list[str]] = {}
    if locked_lead.enterprise_id is None:
        problems["lead"] = [_("The lead names no registered market entity: link it to one first.")]
    if locked_lead.status == Lead.Status.REFUSED:
        problems["lead"] = [_("This lead was not accepted: it triggers no inspection.")]
    chosen = list(items or [])
    if not chosen:
        problems["items"] = [_("Choose at least one item to check.")]
    elif len({i.pk for i in chosen}) != len(chosen):
        problems["items"] = [_("Each item may be chosen once.")]
    elif any(not i.is_active for i in chosen):
        problems["items"] = [_("An item chosen is no longer in use.")]
    if due_by is None:
        due_by = deadline_after(today, rules.TRIGGERED_DUE_WORKING_DAYS).day
    elif due_by < today:
        problems["due_by"] = [_("The day to inspect by cannot be in the past.")]
    running = (
        Inspection.objects.filter(lead=locked_lead, status__in=OPEN_STATES)
        .values_list("pk", flat=True)
        .first()
    )
    if running is not None:
        problems["lead"] = [
            _("An inspection of this lead is already open (no. %(id)d).") % {"id": running}
        ]
    if problems:
        raise ValidationError(problems)
    enterprise = locked_lead.enterprise
    assert enterprise is not None  # noqa: S101 - checked above
    inspection = Inspection.objects.create(
        enterprise=enterprise,
        origin=Origin.TRIGGERED,
        lead=locked_lead,
        department_id=locked_lead.department_id,
        due_by=due_by,
    )
    InspectionCheck.objects.bulk_create(
        [InspectionCheck(inspection=inspection, item=i, plan=None) for i in chosen]
    )
    audit_event_record(
        actor=actor,
        event_type=events.INSPECTION_TRIGGERED,
        target=inspection,
        enterprise=enterprise,
        extra={
            "lead": locked_lead.pk,
            "lead_number": locked_lead.number,
            "kind": locked_lead.kind,
            "items": [i.code for i in chosen],
            "due_by": due_by,
        },
    )
    return inspection


@transaction.atomic
def inspection_assign(
    *,
    actor: User,
    inspection: Inspection,
    inspectors: Sequence[Inspector],
    expected_version: int | None,
) -> Inspection:
    """Assign the inspectors of a triggered inspection by hand, in the order given.

    Rules (docs/domain.md §2 "Inspectors and recusal"; APL arts. 42-43): a triggered
    inspection not yet recorded (a drawn one keeps the draw's inspectors: module docstring);
    the `version` read is current; the lead department within the actor's jurisdiction; at
    least `rules.MIN_INSPECTORS` inspectors, each once, active; none under a recusal in force
    for the entity; at least one of the lead department; each item's required skill held by
    one of them.
    Side effects: the assignments replaced; an audit event.
    """
    today = _today()
    locked = _locked(inspection)
    if locked.status != Status.ASSIGNED:
        raise _state_refusal(locked, doing="assign")
    _version_check(locked, expected_version)
    _jurisdiction(actor, locked)
    if locked.origin != Origin.TRIGGERED:
        raise ValidationError(
            _(
                "The inspectors of a drawn inspection are the draw's (verifiable from its "
                "files): they are not changed by hand."
            ),
            code="drawn",
        )
    chosen = list(inspectors or [])
    problems: list[str] = []
    if len({i.pk for i in chosen}) != len(chosen):
        problems.append(_("Each inspector may be chosen once."))
    if len(chosen) < rules.MIN_INSPECTORS:
        problems.append(
            _("At least %(n)d inspectors check a market entity (APL art. 42).")
            % {"n": rules.MIN_INSPECTORS}
        )
    fresh = {
        i.pk: i
        for i in Inspector.objects.filter(pk__in=[i.pk for i in chosen])
        .select_related("user", "department")
        .prefetch_related("skills")
    }
    problems.extend(
        _("%(name)s is not an active inspector.") % {"name": i.user}
        for i in fresh.values()
        if not i.is_active
    )
    recused = (
        Recusal.objects.filter(
            inspector_id__in=list(fresh),
            enterprise_id=locked.enterprise_id,
            valid_from__lte=today,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .select_related("inspector__user")
    )
    problems.extend(
        _("%(name)s is recused from this market entity (%(reason)s).")
        % {"name": r.inspector.user, "reason": r.reason}
        for r in recused
    )
    if fresh and not any(i.department_id == locked.department_id for i in fresh.values()):
        problems.append(
            _("At least one inspector must be of the lead department (%(department)s).")
            % {"department": locked.department}
        )
    held = {s.pk for i in fresh.values() for s in i.skills.all()}
    for check in locked.checks.select_related("item__required_skill"):
        skill = check.item.required_skill
        if skill is not None and skill.pk not in held:
            problems.append(
                _("%(item)s needs an inspector qualified in %(skill)s.")
                % {"item": check.item.name, "skill": skill.name}
            )
    if problems:
        raise ValidationError({"inspectors": problems})
    before = list(locked.assignments.order_by("position").values_list("inspector_id", flat=True))
    locked.assignments.all().delete()
    InspectionAssignment.objects.bulk_create(
        [
            InspectionAssignment(inspection=locked, inspector_id=i.pk, position=n)
            for n, i in enumerate(chosen, start=1)
        ]
    )
    locked.version += 1
    locked.save(update_fields=["version"])
    audit_event_record(
        actor=actor,
        event_type=events.INSPECTION_ASSIGNED,
        target=locked,
        enterprise=locked.enterprise,
        extra={"old": before, "new": [i.pk for i in chosen]},
    )
    return locked


def inspectors_available(*, inspection: Inspection, on: dt.date | None = None) -> list[Inspector]:
    """The active inspectors who may be assigned to `inspection` (no recusal in force for its
    entity), the lead department's first: the assignment form's choices."""
    day = on or _today()
    recused = Recusal.objects.filter(
        enterprise_id=inspection.enterprise_id, valid_from__lte=day
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    rows = list(
        Inspector.objects.filter(is_active=True)
        .exclude(pk__in=recused.values("inspector_id"))
        .select_related("user", "department")
        .order_by("department__sort_order", "department__code", "user__username")
    )
    rows.sort(key=lambda i: i.department_id != inspection.department_id)
    return rows
