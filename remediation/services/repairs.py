"""Credit repair (信用修复, docs/domain.md §5): the workflow of a repair application, from the
enterprise's application to the officer's decision and the export to the outside networks.

Who decides, repairs (谁认定、谁修复): a penalty another department decided is repaired through
信用中国, and an application for one is refused with that message. Only staff of the department
that decided the record repaired act on its application (`repair_decided_within`): the
bureau for its own decisions and for ledger records without a decision; a partner department's
officer is refused a step on any other (a ValidationError, behind the pages' and the API's 404).
The rules (limits, eligibility per kind) are in `remediation.rules` ("Credit repair"); the
uploads' checks in `remediation.uploads`.

States: submitted → accepted → approved | refused; submitted → not accepted; submitted or
accepted → withdrawn (by the applicant). Every transition locks the application, compares the
version the caller read (a stale one is a `ConflictError`: someone else acted first, nothing is
written), writes, and records its audit event, in one transaction. An approval also writes the
`repair` ledger fact that closes the record repaired (the public profile, the public API and the
exports show it no more) and one outbox row per outside network (`RepairSync`), which an
operator exports (`repair_sync_export`) and confirms (`repair_sync_confirm`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.workdays import deadline_after
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append
from remediation import audit_events as events
from remediation.kinds import REPAIR
from remediation.models import (
    PenaltyDecision,
    RepairApplication,
    RepairAttachment,
    RepairSync,
)
from remediation.rules import (
    REPAIR_RULES,
    Eligibility,
    repair_acceptance_working_days,
    repair_decision_working_days,
    repair_effect_working_days,
    repair_eligibility,
)
from remediation.selectors.repairs import repair_applications_for_user, repair_decided_within
from remediation.selectors.soft_actions import person_name
from remediation.uploads import CheckedUpload, uploads_checked

Status = RepairApplication.Status
Kind = RepairApplication.Kind
OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)
NAME_MAX = 64
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-]{5,30}[0-9]$")
STATEMENT_MAX = 4000
REASONS_MAX = 4000
# What the approval says about its effect (the decision is published: Order 45 art. 8 asks the
# party be told in writing; the 告知书 says the same of a repair).
SUMMARY_BY_KIND = {
    Kind.PENALTY_PUBLICITY: "行政处罚信息提前停止公示（信用修复）",
    Kind.ABNORMAL_REMOVAL: "移出经营异常名录（信用修复）",
    Kind.SERIOUS_REMOVAL: "提前移出严重违法失信名单（信用修复）",
}


def _today() -> dt.date:
    return timezone.localdate()


@dataclass(frozen=True)
class StatementWording:
    """What the application (信用修复申请书) asks of the applicant for one kind of repair: the
    statement's label and example, the evidence asked for, the pledge's words, and the message
    when the statement is missing. Each kind asks its own (docs/domain.md §5): a directory
    removal, how the cause of the listing was cured; the serious list, the penalty performed
    and the harm removed; a penalty, the penalty carried out and the violation corrected."""

    label: str
    example: str
    evidence: str
    pledge: str
    missing: str


def statement_wording(kind: str) -> StatementWording:
    """The wording of `kind` (RepairApplication.Kind), in the user's language."""
    if kind == Kind.ABNORMAL_REMOVAL:
        return StatementWording(
            label=_("How the cause of the listing was cured, and the evidence for it"),
            example=_(
                "For example: the missing annual report filed on …, the information disclosed "
                "or corrected, the registered address corrected or the business reachable there "
                "again; name the evidence you attach."
            ),
            evidence=_(
                "The annual report filed, the information disclosed, the address corrected: PDF "
                "or photos."
            ),
            pledge=_(
                "the cause of the listing has been cured and the information now disclosed is true"
            ),
            missing=_(
                "Say how the cause of the listing was cured (the report filed, the information "
                "disclosed, the address corrected) and what evidence shows it."
            ),
        )
    if kind == Kind.SERIOUS_REMOVAL:
        return StatementWording(
            label=_("How the penalty was performed and the harm removed"),
            example=_(
                "For example: the penalty decision performed on …, the harm and bad effects "
                "removed, what you changed so that it does not happen again."
            ),
            evidence=_(
                "The penalty performed, the harm removed, the correction made: PDF or photos."
            ),
            pledge=_("the penalty has been performed and the harm removed"),
            missing=_(
                "Say how the penalty was performed and the harm removed (the application, "
                "信用修复申请书)."
            ),
        )
    return StatementWording(
        label=_("How the penalty was carried out and the violation corrected"),
        example=_(
            "For example: the fine was paid on …, the goods withdrawn, the labels corrected; "
            "what you changed so that it does not happen again."
        ),
        evidence=_("The fine paid, the order complied with, the correction made: PDF or photos."),
        pledge=_("the penalty has been carried out and the violation corrected"),
        missing=_(
            "Say how the penalty was carried out and how the violation was corrected "
            "(the application, 信用修复申请书)."
        ),
    )


def _condition_json(
    condition: Any, verifier: User | None, at: dt.datetime | None, verified: Collection[str]
) -> dict[str, Any]:
    """One condition as stored; a declared one the officer verified is met, with who verified
    it and when (`repair_decide`)."""
    item: dict[str, Any] = {
        "code": condition.code,
        "label": condition.label,
        "met": condition.met,
        "detail": condition.detail,
    }
    if condition.met is None and condition.code in verified and verifier is not None and at:
        item.update(
            met=True,
            declared=True,
            verified_by=person_name(verifier),
            verified_by_id=verifier.pk,
            verified_on=timezone.localdate(at).isoformat(),
            verified_at=at.isoformat(),
        )
    return item


def _conditions_json(
    eligibility: Eligibility,
    today: dt.date,
    *,
    verifier: User | None = None,
    at: dt.datetime | None = None,
    verified: Collection[str] = (),
) -> dict[str, Any]:
    return {
        "on": today.isoformat(),
        "eligible": eligibility.eligible,
        "earliest_on": eligibility.earliest_on.isoformat() if eligibility.earliest_on else None,
        "conditions": [_condition_json(c, verifier, at, verified) for c in eligibility.conditions],
        "reasons": list(eligibility.reasons),
    }


def declared_conditions(eligibility: Eligibility | None) -> list[Any]:
    """The conditions the applicant declared with evidence and the officer verifies (`met` is
    None: the penalty carried out, the harm removed, the cause cured; a later penalty whose type
    the portal cannot tell). An approval needs each verified (`repair_decide`)."""
    if eligibility is None:
        return []
    return [c for c in eligibility.conditions if c.met is None]


def _applicant_problems(
    *,
    kind: str,
    applicant_name: str,
    applicant_phone: str,
    statement: str,
    pledge_accepted: bool,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not applicant_name.strip():
        problems["applicant_name"] = [_("Give the name of the person who applies.")]
    elif len(applicant_name.strip()) > NAME_MAX:
        problems["applicant_name"] = [
            _("The name may be at most %(n)d characters.") % {"n": NAME_MAX}
        ]
    if not PHONE_PATTERN.match(applicant_phone.strip()):
        problems["applicant_phone"] = [
            _("Give a phone number the bureau can call (digits, for example 13800000000).")
        ]
    if not statement.strip():
        problems["statement"] = [statement_wording(kind).missing]
    elif len(statement) > STATEMENT_MAX:
        problems["statement"] = [
            _("The statement may be at most %(n)d characters.") % {"n": STATEMENT_MAX}
        ]
    if not pledge_accepted:
        problems["pledge_accepted"] = [
            _("An application needs the credit pledge (信用承诺书): read it and give it.")
        ]
    return problems


def repair_apply_check(
    *,
    enterprise: Enterprise,
    kind: str,
    record: CreditRecord | None,
    today: dt.date | None = None,
) -> Eligibility:
    """Whether `enterprise` may apply for a repair of `kind` of `record` today: the record is
    its own and of the kind's ledger kind, no application for it is open, and the rules say it
    is eligible (`remediation.rules.repair_eligibility`). Raises ValidationError on `record`
    with every reason; returns the eligibility. Side effects: none."""
    today = today or _today()
    if kind not in REPAIR_RULES:
        raise ValidationError({"kind": [_("Unknown kind of credit repair.")]})
    rule = REPAIR_RULES[kind]
    if record is None or record.enterprise_id != enterprise.pk:
        raise ValidationError({"record": [_("That record belongs to another market entity.")]})
    if record.kind != rule.record_kind:
        raise ValidationError({"record": [_("This kind of repair does not apply to that record.")]})
    open_one = (
        RepairApplication.objects.filter(record=record, status__in=OPEN_STATUSES)
        .values_list("pk", flat=True)
        .first()
    )
    if open_one is not None:
        raise ValidationError(
            {
                "record": [
                    _("An application to repair this record is already open (no. %(id)d).")
                    % {"id": open_one}
                ]
            },
            code="open",
        )
    eligibility = repair_eligibility(kind=kind, record=record, today=today)
    if not eligibility.eligible:
        raise ValidationError(
            {"record": list(eligibility.reasons) or [_("This record cannot be repaired now.")]},
            code="elsewhere" if eligibility.elsewhere else "not_eligible",
        )
    return eligibility


def _store(application: RepairApplication, upload: CheckedUpload, actor: User) -> RepairAttachment:
    attachment = RepairAttachment(
        application=application,
        kind=upload.kind,
        original_name=upload.original_name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        uploaded_by=actor,
    )
    upload.file.seek(0)
    attachment.file.save(upload.stored_name(), upload.file, save=False)
    attachment.save()
    return attachment


def repair_apply(
    *,
    actor: User,
    enterprise: Enterprise,
    kind: str,
    record: CreditRecord | None,
    applicant_name: str,
    applicant_phone: str,
    statement: str,
    pledge_accepted: bool,
    files: Sequence[tuple[str, UploadedFile]],
) -> RepairApplication:
    """Apply for the repair of one record of `enterprise`.

    Rules: the applicant's name and phone, a statement (the 信用修复申请书, written online) and
    the credit pledge (信用承诺书, given online by `pledge_accepted`) are required; with them at
    least one file of evidence (kind "evidence": the penalty carried out, the harm removed, the
    cause cured), every file a PDF or an image within the limits (`remediation.uploads`); the
    record's eligibility is checked again now (`repair_apply_check`): an ineligible record, a
    penalty of another department (信用中国) or a second open application for the record is
    refused with the reason. The acceptance is due `repair_acceptance_working_days()` WD after
    today.
    Side effects: the application, its attachments (files stored under random names; removed
    again if the transaction fails), the conditions as checked today, an audit event.
    """
    today = _today()
    problems = _applicant_problems(
        kind=kind,
        applicant_name=applicant_name,
        applicant_phone=applicant_phone,
        statement=statement,
        pledge_accepted=pledge_accepted,
    )
    checked: list[CheckedUpload] = []
    try:
        checked = uploads_checked(files=files)
    except ValidationError as exc:
        problems.update({k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    if not problems.get("files") and not any(
        u.kind == RepairAttachment.Kind.EVIDENCE for u in checked
    ):
        problems["files"] = [
            _("Add at least one file of evidence: %(what)s")
            % {"what": statement_wording(kind).evidence}
        ]
    valid_kinds = set(RepairAttachment.Kind.values)
    if any(u.kind not in valid_kinds for u in checked):
        problems["files"] = [_("Unknown kind of file.")]
    stored: list[RepairAttachment] = []
    try:
        with transaction.atomic():
            locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
            try:
                eligibility = repair_apply_check(
                    enterprise=locked, kind=kind, record=record, today=today
                )
            except ValidationError as exc:
                for key, errors in exc.error_dict.items():
                    problems.setdefault(key, []).extend(m for e in errors for m in e.messages)
            if problems:
                raise ValidationError(problems)
            assert record is not None  # noqa: S101 - repair_apply_check refused None
            acceptance = deadline_after(today, repair_acceptance_working_days())
            try:
                with transaction.atomic():
                    application = RepairApplication.objects.create(
                        kind=kind,
                        enterprise=locked,
                        record=record,
                        penalty=PenaltyDecision.objects.filter(credit_record=record).first(),
                        applicant_name=applicant_name.strip(),
                        applicant_phone=applicant_phone.strip(),
                        statement=statement.strip(),
                        pledge_accepted=True,
                        conditions={"applied": _conditions_json(eligibility, today)},
                        submitted_by=actor,
                        acceptance_due=acceptance.day,
                        due_provisional=acceptance.provisional,
                    )
            except IntegrityError as exc:  # a second open application, raced in
                raise ValidationError(
                    {"record": [_("An application to repair this record is already open.")]},
                    code="open",
                ) from exc
            for upload in checked:
                # One by one: a file stored before a failure is removed again (below).
                stored.append(_store(application, upload, actor))  # noqa: PERF401
            audit_event_record(
                actor=actor,
                event_type=events.REPAIR_APPLIED,
                target=application,
                enterprise=locked,
                extra={
                    "application": application.pk,
                    "kind": kind,
                    "record": record.pk,
                    "files": [
                        {"kind": a.kind, "name": a.original_name, "sha256": a.sha256}
                        for a in stored
                    ],
                },
            )
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return application


def _locked(application: RepairApplication, expected_version: int) -> RepairApplication:
    """The application locked, or a ConflictError when someone acted on it first."""
    locked = RepairApplication.objects.select_for_update().get(pk=application.pk)
    if locked.version != expected_version:
        decided = ""
        if locked.decided_by_id is not None:
            decided = _(" by %(who)s on %(day)s") % {
                "who": User.objects.filter(pk=locked.decided_by_id).first() or "—",
                "day": locked.decided_on,
            }
        raise ConflictError(
            _(
                "Someone else acted on this application first: it is now “%(status)s”%(by)s. "
                "Nothing was written; read it again before you act."
            )
            % {"status": locked.get_status_display(), "by": decided},
            current_version=locked.version,
        )
    return locked


def _jurisdiction_problem(actor: User, application: RepairApplication) -> None:
    """Who decided, repairs: refuse a step by staff outside the department that decided the
    record repaired (the pages and the API never show them the application: a second line)."""
    if not repair_decided_within(user=actor, application=application):
        raise ValidationError(
            _(
                "This application concerns a record decided by another department: only that "
                "department decides its repair (谁认定、谁修复)."
            ),
            code="jurisdiction",
        )


def _status_problem(application: RepairApplication, allowed: Sequence[str]) -> None:
    if application.status not in allowed:
        raise ValidationError(
            _("This application is “%(status)s”: that step is no longer possible.")
            % {"status": application.get_status_display()},
            code="status",
        )


def reasons_required(reasons: str, message: str) -> str:
    """The reasons an officer gives for a refusal or a decision, stripped; required (`message`
    says why) and at most REASONS_MAX characters. Shared by the remediation workflows."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": [message]})
    if len(reasons) > REASONS_MAX:
        raise ValidationError({"reasons": [_("At most %(n)d characters.") % {"n": REASONS_MAX}]})
    return reasons


@transaction.atomic
def repair_accept(
    *, actor: User, application: RepairApplication, expected_version: int
) -> RepairApplication:
    """Accept a submitted application: the decision is due `repair_decision_working_days(kind)`
    WD after today (5 for a directory removal, else 15).

    Rules: the actor's department decided the record (who decided, repairs); status
    submitted; the version read. Side effects: the application; an audit event.
    """
    _jurisdiction_problem(actor, application)
    locked = _locked(application, expected_version)
    _status_problem(locked, [Status.SUBMITTED])
    today = _today()
    due = deadline_after(today, repair_decision_working_days(locked.kind))
    locked.status = Status.ACCEPTED
    locked.accepted_on = today
    locked.decision_due = due.day
    locked.due_provisional = due.provisional
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.REPAIR_ACCEPTED,
        target=locked,
        enterprise=locked.enterprise,
        extra={"application": locked.pk, "decision_due": due.day},
    )
    return locked


@transaction.atomic
def repair_not_accept(
    *, actor: User, application: RepairApplication, reasons: str, expected_version: int
) -> RepairApplication:
    """Do not accept a submitted application (materials missing or not a case for repair),
    with the reasons the enterprise reads.

    Rules: the actor's department decided the record (who decided, repairs); status
    submitted; reasons required; the version read. Side effects: the application; an audit
    event.
    """
    _jurisdiction_problem(actor, application)
    locked = _locked(application, expected_version)
    _status_problem(locked, [Status.SUBMITTED])
    reasons = reasons_required(
        reasons, _("Say why the application is not accepted: the enterprise reads it.")
    )
    locked.status = Status.NOT_ACCEPTED
    locked.decided_on = _today()
    locked.decided_by = actor
    locked.reasons = reasons
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.REPAIR_NOT_ACCEPTED,
        target=locked,
        enterprise=locked.enterprise,
        extra={"application": locked.pk, "reasons": reasons},
    )
    return locked


@transaction.atomic
def repair_decide(
    *,
    actor: User,
    application: RepairApplication,
    approve: bool,
    reasons: str,
    expected_version: int,
    verified: Collection[str] = (),
) -> RepairApplication:
    """Approve or refuse an accepted application.

    Rules: the actor's department decided the record (who decided, repairs); status accepted;
    the version read (two officers deciding at once: the second gets a
    ConflictError and nothing of theirs is written); a refusal needs its reasons, which the
    enterprise reads; an approval checks the record's eligibility again on the day (a new
    penalty or a listing since the application refuses it, with the reason), then needs the
    officer to confirm that each declared condition (`declared_conditions`: "declared, to be
    verified") was verified against the evidence: `verified` holds their codes; one missing is
    refused on "verified", naming the condition.
    Side effects: the application; on approval the `repair` ledger fact closing the record
    (dated today, not public; details {"repair": outcome, "application": id}), the conditions
    at the decision with who verified each declared one and when (`conditions["decided"]`),
    the effect due `repair_effect_working_days()` WD after today, and one pending `RepairSync`
    per outside network; the listing behind the record follows (`listing_repair_applied`: a
    directory case removed, a serious listing REPAIRED with its bar lifted); an audit event.
    """
    _jurisdiction_problem(actor, application)
    locked = _locked(application, expected_version)
    _status_problem(locked, [Status.ACCEPTED])
    today = _today()
    if not approve:
        reasons = reasons_required(
            reasons, _("Say why the repair is refused: the enterprise reads it.")
        )
        locked.status = Status.REFUSED
        locked.decided_on = today
        locked.decided_by = actor
        locked.reasons = reasons
        locked.version += 1
        locked.save()
        audit_event_record(
            actor=actor,
            event_type=events.REPAIR_REFUSED,
            target=locked,
            enterprise=locked.enterprise,
            extra={"application": locked.pk, "reasons": reasons},
        )
        return locked
    reasons = (reasons or "").strip()[:REASONS_MAX]
    record = CreditRecord.objects.get(pk=locked.record_id)
    eligibility = repair_eligibility(kind=locked.kind, record=record, today=today)
    if not eligibility.eligible:
        raise ValidationError(
            {"approve": list(eligibility.reasons)},
            code="not_eligible",
        )
    confirmed = {str(code) for code in verified or ()}
    unverified = [c for c in declared_conditions(eligibility) if c.code not in confirmed]
    if unverified:
        raise ValidationError(
            {
                "verified": [
                    _(
                        "Not verified: %(condition)s. Check it against the evidence and tick it "
                        "before approving the repair."
                    )
                    % {"condition": c.label}
                    for c in unverified
                ]
            },
            code="unverified",
        )
    rule = REPAIR_RULES[locked.kind]
    repair = credit_record_append(
        enterprise=locked.enterprise,
        kind=REPAIR,
        occurred_on=today,
        summary=SUMMARY_BY_KIND.get(Kind(locked.kind), "信用修复"),
        actor=actor,
        is_public=False,
        authority=settings.CREDIT_PORTAL.get("BUREAU_NAME", ""),
        details={"repair": rule.outcome, "application": locked.pk},
        source=locked,
        closes=record,
    )
    effect = deadline_after(today, repair_effect_working_days())
    locked.status = Status.APPROVED
    locked.decided_on = today
    locked.decided_by = actor
    locked.reasons = reasons
    locked.effect_due = effect.day
    # From now on the effect is the next due: its flag is the one `due_provisional` keeps.
    locked.due_provisional = effect.provisional
    locked.repair_record = repair
    locked.conditions = {
        **locked.conditions,
        "decided": _conditions_json(
            eligibility, today, verifier=actor, at=timezone.now(), verified=confirmed
        ),
    }
    locked.version += 1
    locked.save()
    RepairSync.objects.bulk_create(
        [RepairSync(application=locked, network=n) for n in RepairSync.Network.values]
    )
    # The listing behind the record follows its repair: a directory case is removed, a serious
    # listing ends early and its bar is lifted (issue 15; remediation.services.serious).
    from remediation.services.serious import listing_repair_applied

    listing_repair_applied(application=locked, record=record, repair=repair, on=today)
    audit_event_record(
        actor=actor,
        event_type=events.REPAIR_APPROVED,
        target=locked,
        enterprise=locked.enterprise,
        extra={
            "application": locked.pk,
            "repair_record": repair.pk,
            "closes": record.pk,
            "effect_due": effect.day,
            "verified": sorted(c.code for c in declared_conditions(eligibility)),
        },
    )
    return locked


@transaction.atomic
def repair_withdraw(
    *, actor: User, application: RepairApplication, expected_version: int
) -> RepairApplication:
    """The applicant withdraws an application not yet decided.

    Rules: status submitted or accepted; the version read. Side effects: the application; an
    audit event.
    """
    locked = _locked(application, expected_version)
    _status_problem(locked, OPEN_STATUSES)
    locked.status = Status.WITHDRAWN
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.REPAIR_WITHDRAWN,
        target=locked,
        enterprise=locked.enterprise,
        extra={"application": locked.pk},
    )
    return locked


# --------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class SyncRow:
    """One repair as an outside network is told it (the export's row)."""

    sync_id: int
    network: str
    application_id: int
    uscc: str
    enterprise_name: str
    repair_kind: str
    record_kind: str
    document_number: str
    authority: str
    decided_on_record: dt.date
    publicity_start: dt.date | None
    repaired_on: dt.date | None
    repair_record_id: int | None
    outcome: str


@dataclass(frozen=True)
class SyncExport:
    batch: str
    network: str
    exported_at: dt.datetime
    rows: list[SyncRow]


def repair_outcome_label(outcome: str) -> str:
    """What a repair's outcome (details["repair"] of its ledger fact; `REPAIR_RULES`) means,
    in the active language: the label of the kind of repair that has it."""
    for kind, rule in REPAIR_RULES.items():
        if rule.outcome == outcome:
            return str(Kind(kind).label)
    return outcome


def _sync_rows(syncs: Any, network: str) -> list[SyncRow]:
    """The export's rows of these outbox rows, in their order (one query)."""
    rows = []
    for sync in syncs.select_related(
        "application__enterprise", "application__record", "application__repair_record"
    ).order_by("id"):
        app = sync.application
        record = app.record
        repair = app.repair_record
        rows.append(
            SyncRow(
                sync_id=sync.pk,
                network=network,
                application_id=app.pk,
                uscc=app.enterprise.uscc,
                enterprise_name=app.enterprise.name,
                repair_kind=app.kind,
                record_kind=record.kind,
                document_number=record.document_number,
                authority=record.authority,
                decided_on_record=record.occurred_on,
                publicity_start=record.publicity_start,
                repaired_on=app.decided_on,
                repair_record_id=repair.pk if repair else None,
                outcome=str((repair.details or {}).get("repair", "")) if repair else "",
            )
        )
    return rows


def _sync_scope(actor: User) -> Any:
    """The outbox rows of the applications the actor may see (who decided, repairs)."""
    return RepairSync.objects.filter(
        application__in=repair_applications_for_user(user=actor).values("pk")
    )


@transaction.atomic
def repair_sync_export(*, actor: User, network: str) -> SyncExport:
    """Take the pending repairs for one network that the actor may see, mark them exported
    under one batch id, and return them as rows (the view writes CSV or XLSX).

    Rules: a known network; rows another export holds right now are skipped (SKIP LOCKED), so
    two operators never export a row twice; a second export finds nothing new. Side effects:
    the rows' status, time and batch; an audit event (network, batch, row count).
    """
    if network not in RepairSync.Network.values:
        raise ValidationError({"network": [_("Unknown network.")]})
    ids = list(
        _sync_scope(actor)
        .select_for_update(skip_locked=True)
        .filter(network=network, status=RepairSync.Status.PENDING)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    batch = f"{network}-{timezone.localtime(now):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    RepairSync.objects.filter(pk__in=ids).update(
        status=RepairSync.Status.EXPORTED, exported_at=now, export_batch=batch
    )
    rows = _sync_rows(RepairSync.objects.filter(pk__in=ids), network)
    audit_event_record(
        actor=actor,
        event_type=events.REPAIR_SYNC_EXPORTED,
        extra={"network": network, "batch": batch, "rows": len(rows)},
    )
    return SyncExport(batch=batch, network=network, exported_at=now, rows=rows)


def repair_sync_batch(*, actor: User, batch: str) -> SyncExport:
    """An exported batch again, as it was exported (the same rows, whatever their state since:
    a lost file is downloaded again, nothing is marked). Rules: the batch's rows the actor may
    see (who decided, repairs); none: a ValidationError (the views answer 404). Side effects:
    none."""
    syncs = _sync_scope(actor).filter(export_batch=batch).exclude(export_batch="")
    first = syncs.order_by("id").values("network", "exported_at").first()
    if first is None:
        raise ValidationError(
            _("No exported batch %(batch)s is visible to you.") % {"batch": batch}
        )
    return SyncExport(
        batch=batch,
        network=first["network"],
        exported_at=first["exported_at"],
        rows=_sync_rows(syncs, first["network"]),
    )


@transaction.atomic
def repair_sync_confirm(
    *,
    actor: User,
    sync_ids: Sequence[int] | None = None,
    batch: str = "",
    note: str = "",
) -> int:
    """Record that a network has applied exported repairs: the rows named, or every row of a
    batch. Returns how many were confirmed.

    Rules: only exported rows are confirmed (a pending row was never sent: refused, naming it);
    rows already confirmed are left as they are; rows outside the actor's jurisdiction are not
    found. Side effects: the rows' status, time and note; an audit event per network.
    """
    if not sync_ids and not batch:
        raise ValidationError(_("Name the rows or the batch to confirm."))
    scope = _sync_scope(actor).select_for_update()
    rows = list(
        scope.filter(pk__in=list(sync_ids)) if sync_ids else scope.filter(export_batch=batch)
    )
    if not rows:
        raise ValidationError(_("No exported repair matches."))
    pending = [r for r in rows if r.status == RepairSync.Status.PENDING]
    if pending:
        raise ValidationError(
            _(
                "Repair no. %(id)d has not been exported to this network yet: export it "
                "before confirming it."
            )
            % {"id": pending[0].application_id}
        )
    todo = [r for r in rows if r.status == RepairSync.Status.EXPORTED]
    now = timezone.now()
    note = (note or "").strip()[:300]
    for row in todo:
        row.status = RepairSync.Status.CONFIRMED
        row.confirmed_at = now
        row.note = note
    RepairSync.objects.bulk_update(todo, ["status", "confirmed_at", "note"])
    by_network: dict[str, list[RepairSync]] = {}
    for row in todo:
        by_network.setdefault(row.network, []).append(row)
    for network, confirmed in by_network.items():
        audit_event_record(
            actor=actor,
            event_type=events.REPAIR_SYNC_CONFIRMED,
            extra={
                "network": network,
                "batch": batch or sorted({r.export_batch for r in confirmed}),
                "rows": len(confirmed),
            },
        )
    return len(todo)


@transaction.atomic
def repair_attachment_opened(*, actor: User, attachment: RepairAttachment) -> None:
    """Record that a member of staff opened an upload (identity documents are personal data:
    docs/architecture.md "The audit log"). Side effects: an audit event."""
    audit_event_record(
        actor=actor,
        event_type=events.REPAIR_ATTACHMENT_OPENED,
        target=attachment.application,
        enterprise=attachment.application.enterprise,
        extra={
            "application": attachment.application_id,
            "attachment": attachment.pk,
            "sha256": attachment.sha256,
        },
    )


# --------------------------------------------------------------------------- the notice


@dataclass(frozen=True)
class RepairNoticeContent:
    """What the 信用修复告知书 says (Order 45 art. 8; docs/domain.md §5), in Chinese: an
    official document of the bureau, whatever the reader's interface language."""

    party: str
    party_code: str
    decision_number: str
    decided_on: dt.date
    published_on: dt.date | None
    earliest_on: dt.date | None
    repairable: bool  # False: another department's, never repairable early, or nothing to repair
    paragraphs: list[str]
    conditions: list[str]
    materials: list[str]
    limits: list[str]


def _numbered(number: str) -> str:
    """A document number as running text cites it: 双市监处罚〔2026〕9号 (a bare number gets 号)."""
    number = (number or "").strip()
    return number if number.endswith("号") or not number else f"{number}号"


def _notice_outside_paragraph(
    code: str, *, eligibility: Eligibility | None, end: dt.date | None, wait: str
) -> str:
    """Why a penalty is not repaired early, as the 告知书 says it: one sentence per reason of
    the eligibility (`remediation.rules.OUTSIDE_*`), in Chinese whatever the reader's interface
    language (an official document)."""
    from credit_portal.dates import chinese_date
    from remediation import rules

    closed_on = eligibility.closed_on if eligibility is not None else None
    texts = {
        rules.OUTSIDE_NOT_PUBLISHED: (
            "依照《市场监督管理行政处罚信息公示规定》第二条，该行政处罚信息不予公示，"
            "无需申请信用修复。"
        ),
        rules.OUTSIDE_WARNING_ONLY: "仅给予警告的行政处罚信息不予公示，无需申请信用修复。",
        rules.OUTSIDE_CLOSED: (
            f"该行政处罚信息已于{chinese_date(closed_on)}停止公示，无需申请信用修复。"
            if closed_on
            else "该行政处罚信息已停止公示，无需申请信用修复。"
        ),
        rules.OUTSIDE_ENDED: (
            f"该行政处罚信息的公示期已于{chinese_date(end)}届满，已停止公示，无需申请信用修复。"
            if end
            else "该行政处罚信息的公示期已届满，无需申请信用修复。"
        ),
        rules.OUTSIDE_NEVER: (
            "该行政处罚信息将通过国家企业信用信息公示系统依法公示。因处罚内容包含责令停产停业、"
            "限制开展生产经营活动、限制从业、降低资质等级、吊销许可证件或者营业执照等，依照"
            "《市场监督管理行政处罚信息公示规定》第十四条第三款，公示期内不得提前停止公示。"
        ),
        rules.OUTSIDE_ENDS_FIRST: (
            f"该行政处罚信息公示期{'至' + chinese_date(end) if end else ''}届满即自动停止公示，"
            f"早于可以申请提前停止公示之日（公示满{wait}后），无需申请信用修复。"
        ),
    }
    return texts.get(code, "该行政处罚信息无需申请信用修复。")


def repair_notice_content(
    *, decision: PenaltyDecision | None = None, record: CreditRecord | None = None
) -> RepairNoticeContent:
    """The 告知书's text for a penalty decision (served with it) or a ledger penalty record (the
    enterprise's own copy): the earliest repair date, the conditions, the materials, where to
    apply and the processing limits; or why the penalty is not repaired early here.

    Rules: the waiting time and the excluded measures of `remediation.rules` (§5); before
    publication the earliest date is stated as "six months (one year) after publication". Why
    a penalty is not repaired early is the eligibility's own reason
    (`penalty_repair_eligibility`: another department's, never published, a warning alone,
    closed or ended already, a measure never repairable early, a term that ends first), said in
    the notice's words; for a decision without a ledger record (a party outside the register),
    the same reasons from the decision itself (its measures, its term). A ledger penalty
    without a decision names its measures in details["measures"].
    Side effects: none.
    """
    from credit_portal.dates import add_months, chinese_date
    from enterprises.rules import PENALTY_REPAIR_AFTER_MONTHS
    from remediation import rules

    if decision is None and record is not None:
        decision = (
            PenaltyDecision.objects.select_related("department", "violation_type")
            .filter(credit_record=record)
            .first()
        )
    if record is None and decision is not None and decision.credit_record_id:
        record = CreditRecord.objects.filter(pk=decision.credit_record_id).first()
    bureau = settings.CREDIT_PORTAL.get("BUREAU_NAME", "")
    eligibility = (
        rules.penalty_repair_eligibility(record=record, today=_today())
        if record is not None
        else None
    )
    term: rules.PublicityTerm | None = None
    unpublished = False
    if decision is not None:
        party, code = decision.party_name, decision.party_code
        if decision.enterprise_id:
            code = decision.enterprise.uscc if decision.enterprise else code
        number, decided_on = decision.number, decision.decided_on
        published_on = decision.published_on or (record.publicity_from if record else None)
        end = decision.publicity_end or (record.publicity_end if record else None)
        measures = {m.kind for m in decision.measures.all()}
        sector = decision.violation_type.sector
        authority = decision.department.name
        elsewhere = not decision.department.is_bureau
        recorded = decision.status == PenaltyDecision.Status.RECORDED
        term = rules.PublicityTerm.from_code(decision.publicity_term)
        unpublished = recorded and term is None
    elif record is not None:
        party, code = record.enterprise.name, record.enterprise.uscc
        number, decided_on = record.document_number, record.occurred_on
        published_on, end = record.publicity_from, record.publicity_end
        measures = set(rules.ledger_penalty_measures(record.details))
        sector = eligibility.sector if eligibility else "general"
        authority = record.authority or bureau
        elsewhere = bool(eligibility and eligibility.elsewhere)
    else:
        raise ValidationError(_("A repair notice needs a penalty decision or a penalty record."))
    special = sector in rules.PENALTY_REPAIR_SPECIAL_SECTORS
    months = (
        rules.PENALTY_REPAIR_AFTER_MONTHS_SPECIAL_SECTORS
        if special
        else PENALTY_REPAIR_AFTER_MONTHS
    )
    wait = rules.chinese_months(months)
    earliest = add_months(published_on, months) if published_on else None
    # The reason the decision alone gives when no ledger record says more (the eligibility's
    # own order: not published, a warning alone, a measure never repairable, a term ending
    # first).
    outside = ""
    if eligibility is not None and eligibility.outside_repair:
        outside = eligibility.outside_code
    elif eligibility is None:
        if unpublished:
            outside = rules.OUTSIDE_NOT_PUBLISHED
        elif measures and measures <= rules.PENALTY_UNPUBLISHED_MEASURES:
            outside = rules.OUTSIDE_WARNING_ONLY
        elif measures & rules.PENALTY_NEVER_REPAIRABLE_MEASURES:
            outside = rules.OUTSIDE_NEVER
        elif term is not None and term.months <= months:
            outside = rules.OUTSIDE_ENDS_FIRST
    paragraphs = [
        f"你（单位）于{chinese_date(decided_on)}被{authority}作出{_numbered(number)}行政处罚决定。"
        "根据《市场监督管理行政处罚信息公示规定》第八条，现将行政处罚信息公示和信用修复有关"
        "事项告知如下。"
    ]
    repairable = False
    if elsewhere:
        paragraphs.append(
            "该行政处罚由其他部门作出。依照“谁认定、谁修复”的原则，请向作出决定的部门或通过"
            "“信用中国”网站（www.creditchina.gov.cn）申请信用修复，“信用中国”自收到申请之日起"
            f"{rules.CREDIT_CHINA_REVIEW_WORKING_DAYS}个工作日内审核。"
        )
    elif outside:
        paragraphs.append(
            _notice_outside_paragraph(outside, eligibility=eligibility, end=end, wait=wait)
        )
    else:
        repairable = True
        when = f"即自{chinese_date(earliest)}起" if earliest else "自公示之日起计算"
        field = "食品、药品、特种设备领域" if special else "除食品、药品、特种设备领域外"
        paragraphs.append(
            "该行政处罚信息将通过国家企业信用信息公示系统依法公示，公示期自公示之日起计算。"
            f"本案属于{field}，行政处罚信息公示满{wait}后（{when}），"
            "符合下列条件的，你（单位）可以向本局申请提前停止公示（信用修复）。"
        )
    conditions = [
        "已经自觉履行行政处罚决定中规定的义务；",
        "已经主动消除危害后果和不良影响；",
        "未因同一类违法行为再次受到市场监督管理部门行政处罚；",
        "未被列入经营异常名录或者严重违法失信名单。",
    ]
    materials = [
        "信用修复申请书（可在线填写）；",
        "守信承诺书（可在线作出）；",
        "履行行政处罚决定义务的证明材料（如罚没款缴纳凭证）；",
        "消除危害后果和不良影响、整改到位的证明材料；",
        "营业执照或者身份证明文件。",
    ]
    limits = [
        "申请途径：登录本局企业信用监管门户，在“我的企业—信用修复”在线提交申请和材料；"
        f"或者到{bureau}窗口提交。",
        f"办理时限：本局自收到申请之日起{repair_acceptance_working_days()}个工作日内决定是否受理，"
        f"受理之日起{repair_decision_working_days(Kind.PENALTY_PUBLICITY)}个工作日内作出决定；"
        f"准予修复的，自决定之日起{repair_effect_working_days()}个工作日内停止公示，并推送"
        "国家企业信用信息公示系统、“信用中国”网站和省级信用信息共享平台；不予修复的，书面告知"
        "理由。",
    ]
    return RepairNoticeContent(
        party=party,
        party_code=code,
        decision_number=number,
        decided_on=decided_on,
        published_on=published_on,
        earliest_on=earliest if repairable else None,
        repairable=repairable,
        paragraphs=paragraphs,
        conditions=conditions,
        materials=materials,
        limits=limits,
    )


def repair_notice_document(
    *, decision: PenaltyDecision | None = None, record: CreditRecord | None = None
) -> Any:
    """The 信用修复告知书 as an `OfficialDocument` (credit_portal.documents), dated the day of
    the decision it is served with, for a penalty decision or the enterprise's ledger record
    of one. Side effects: none."""
    from credit_portal.documents import (
        Addressee,
        Heading,
        NumberedList,
        Numbering,
        OfficialDocument,
        Paragraph,
    )

    content = repair_notice_content(decision=decision, record=record)
    body: list[Any] = [Paragraph(text=p) for p in content.paragraphs]
    if content.repairable:
        body += [
            Heading(text="一、申请条件"),
            NumberedList(items=content.conditions, numbering=Numbering.CHINESE_PARENTHESISED),
            Heading(text="二、申请材料"),
            NumberedList(items=content.materials, numbering=Numbering.CHINESE_PARENTHESISED),
            Heading(text="三、申请途径和办理时限"),
            Paragraph(text="\n".join(content.limits)),
        ]
    return OfficialDocument(
        title="信用修复告知书",
        number="",
        date=content.decided_on,
        addressee=Addressee(
            name=content.party,
            details=[f"统一社会信用代码：{content.party_code}"] if content.party_code else [],
        ),
        body=body,
        seal_placeholder=True,
        footer=[f"本告知书随{_numbered(content.decision_number)}行政处罚决定书一并送达。"],
    )
