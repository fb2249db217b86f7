"""Letters of good standing: issue, revoke, verify, and the document (docs/domain.md §11;
the numbers in `standing.rules`).

- `standing_problems` is the eligibility the credit station and the pages show;
- `letter_issue` freezes what the letter states on today's ledger, with a random code;
- `letter_revoke` is the staff's only change to a letter (never deleted);
- `letter_verify` is what a bank sees when it types or scans the code: unknown, revoked,
  expired, changed since (with what changed, in plain words), or valid with what it states.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.dates import chinese_date
from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise
from standing import audit_events, rules
from standing.models import StandingLetter
from standing.selectors.letters import code_normalize, letter_by_code
from standing.selectors.standing import (
    FAULT_KINDS,
    Standing,
    enterprise_records,
    publicly_shown,
    standing_of,
)


def _d(day: dt.date | None) -> str:
    return date_format(day, "DATE_FORMAT") if day else ""


# --------------------------------------------------------------------------- eligibility


def standing_problems(*, enterprise: Enterprise, on: dt.date) -> list[str]:
    """The faults in force on `on`, each a plain sentence naming it and when it ends; empty when
    a letter of good standing may be issued (docs/domain.md §11).

    Rules: `standing.rules` points 1-5 (abnormal directory or IB mark, serious list, penalty in
    publicity, status, last annual report due). Reads: one query. Side effects: none."""
    return standing_of(enterprise=enterprise, on=on).problems


# --------------------------------------------------------------------------- codes and URLs


def code_generate() -> str:
    """A fresh random code XXXX-XXXX-XXXX-XXXX (80 bits from `secrets`; rules.CODE_*)."""
    chars = "".join(secrets.choice(rules.CODE_ALPHABET) for _ in range(rules.CODE_LENGTH))
    n = rules.CODE_GROUP_LENGTH
    return "-".join(chars[i : i + n] for i in range(0, rules.CODE_LENGTH, n))


def verify_url(letter: StandingLetter, *, request: HttpRequest | None = None) -> str:
    """The absolute address of the letter's public verification page (what the QR code holds
    and the letter prints): `CREDIT_PORTAL["PUBLIC_BASE_URL"]`, the bureau's one public
    address, and the page's path. Never the Host a request names in production: there the
    address is required (`manage.py check --deploy`: standing.E001) and
    `PUBLIC_BASE_URL_FROM_REQUEST` is off (credit_portal.settings.production). Elsewhere (the
    demo, development, tests), with no address set, the address the request came to; without
    a request, the path."""
    path = letter.verify_path()
    portal = settings.CREDIT_PORTAL
    base = str(portal.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + path
    if request is not None and portal.get("PUBLIC_BASE_URL_FROM_REQUEST", True):
        return request.build_absolute_uri(path)
    return path


# --------------------------------------------------------------------------- issue, revoke


def _issued_today(enterprise: Enterprise, today: dt.date) -> int:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    return StandingLetter.objects.filter(
        enterprise=enterprise,
        issued_at__gte=start,
        issued_at__lt=start + dt.timedelta(days=1),
    ).count()


@transaction.atomic
def letter_issue(*, actor: User, enterprise: Enterprise) -> StandingLetter:
    """Issue a letter of good standing for `enterprise` as of today.

    Rules: no fault in force today (`standing_problems`, docs/domain.md §11); at most
    `rules.LETTERS_PER_DAY` letters a day per enterprise; the code is random
    (`code_generate`), unique; the letter states its scope (this bureau's records, as of today)
    and what was checked, frozen. Verifiable for `rules.VALID_DAYS` days.
    Raises ValidationError with the reasons (each a plain sentence) when refused.
    Side effects: the audit event `standing.letter_issued`. The caller checks who may ask
    (the enterprise's own user, or staff through jurisdiction)."""
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)  # one issuer at a time
    today = timezone.localdate()
    standing = standing_of(enterprise=locked, on=today)
    if standing.faults:
        raise ValidationError(standing.problems)
    if _issued_today(locked, today) >= rules.LETTERS_PER_DAY:
        raise ValidationError(
            _(
                "At most %(n)d letters can be issued a day for one enterprise. Use one of "
                "today's letters, or issue another tomorrow."
            )
            % {"n": rules.LETTERS_PER_DAY}
        )
    code = code_generate()
    while StandingLetter.objects.filter(code=code).exists():  # pragma: no cover - 2**-80
        code = code_generate()
    letter = StandingLetter.objects.create(
        code=code,
        enterprise=locked,
        as_of=today,
        issued_at=timezone.now(),
        issued_by=actor,
        expires_on=today + dt.timedelta(days=rules.VALID_DAYS),
        name=locked.name,
        credit_code=locked.uscc,
        registration_status=standing.status,
        suspended_until=standing.suspended_until,
        statements=standing.statements,
        standing_digest=standing.digest,
        record_ids=sorted(standing.record_ids),
        last_record_id=standing.last_record_id,
    )
    audit_event_record(
        actor=actor,
        event_type=audit_events.LETTER_ISSUED,
        enterprise=locked,
        target=letter,
        extra={"code": code, "as_of": today.isoformat(), "digest": standing.digest},
    )
    return letter


@transaction.atomic
def letter_revoke(*, actor: User, letter: StandingLetter, reason: str) -> StandingLetter:
    """Revoke a letter (issued in error, obtained by deceit, …): its code then verifies as
    revoked. Never deleted; revoked once.

    Rules: a reason is required; a revoked letter cannot be revoked again. The caller checks
    `standing.revoke_standingletter` and jurisdiction.
    Side effects: the audit event `standing.letter_revoked`."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking the letter.")})
    locked = StandingLetter.objects.select_for_update().get(pk=letter.pk)
    if locked.revoked_at is not None:
        raise ValidationError(_("This letter was revoked already."))
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.revoke_reason = reason[:2000]
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_event_record(
        actor=actor,
        event_type=audit_events.LETTER_REVOKED,
        enterprise=locked.enterprise,
        target=locked,
        extra={"code": locked.code, "reason": locked.revoke_reason},
    )
    return locked


# --------------------------------------------------------------------------- verification


@dataclass
class Verification:
    """What a code verifies to: `status` is one of "unknown", "revoked", "expired",
    "unconfirmed", "changed", "valid"; `letter` is None only for "unknown"; `message` the plain
    sentence shown first; `changes` what has changed since the letter's date (for "changed"),
    only what the public profile shows."""

    status: str
    letter: StandingLetter | None
    message: str
    changes: list[str] = field(default_factory=list)
    checked_on: dt.date | None = None

    @property
    def ok(self) -> bool:
        return self.status == "valid"


UNKNOWN = "unknown"
REVOKED = "revoked"
EXPIRED = "expired"
UNCONFIRMED = "unconfirmed"
CHANGED = "changed"
VALID = "valid"


def _as_issued(letter: StandingLetter, records: list[CreditRecord]) -> bool:
    """Whether the letter's stored snapshot is what the ledger held when it was issued: the
    standing recomputed for its `as_of` from the records recorded up to `issued_at` (the
    issuer held the enterprise's lock, as every append does, so none was recorded in between)
    has the stored digest, status and suspension, and no fault. False means the stored letter
    is not what the bureau issued (changed in the database behind the services' back)."""
    then = standing_of(
        enterprise=letter.enterprise,
        on=letter.as_of,
        records=[r for r in records if r.recorded_at <= letter.issued_at],
    )
    return (
        not then.faults
        and hmac.compare_digest(then.digest, letter.standing_digest)
        and then.status == letter.registration_status
        and then.suspended_until == letter.suspended_until
    )


def _changes(letter: StandingLetter, now: Standing) -> tuple[list[str], bool]:
    """What differs between the letter and the ledger today: the changes the public may be
    told, in plain sentences, and whether a fault in force today may not be named.

    Only what the public profile shows today is named (`publicly_shown`: the register's public
    rule, docs/domain.md §3-§5): the faults in force behind public records, the registration
    status, the annual report due, and a listing recorded after the letter was issued that
    the profile still shows beside its removal. A record the profile does not show (a listing
    revoked as wrongful, a record corrected, a penalty withdrawn, repaired or past its term,
    a fact never public) is never named; it makes the letter "changed" only while a fault it
    is part of is in force today (then without details), and otherwise changes nothing."""
    by_id = {r.pk: r for r in now.records}
    changes: list[str] = []
    hidden = False
    for fault in now.faults:
        if all(rid in by_id and publicly_shown(by_id[rid]) for rid in fault.record_ids):
            changes.append(fault.text)
        else:
            hidden = True
    faulty = {rid for f in now.faults for rid in f.record_ids}
    if now.status != letter.registration_status and not any(f.key == "status" for f in now.faults):
        label = (
            Enterprise.Status(now.status).label
            if now.status in Enterprise.Status.values
            else now.status
        )
        changes.append(_("The registration status is now “%(status)s”.") % {"status": label})
    # A listing recorded after the letter was issued and ended since, which the public profile
    # shows with its removal (a listing revoked as wrongful is not shown, so not named).
    for r in now.records:
        if r.recorded_at <= letter.issued_at or r.pk in faulty or not publicly_shown(r):
            continue
        if r.kind in FAULT_KINDS:
            changes.append(
                _("%(what)s was recorded on %(recorded)s (dated %(date)s), and has since ended.")
                % {
                    "what": r.get_kind_display(),
                    "recorded": _d(timezone.localdate(r.recorded_at)),
                    "date": _d(r.occurred_on),
                }
            )
    return changes, hidden


def letter_verify(*, code: str, today: dt.date | None = None) -> Verification:
    """Verify a code as a bank would (the public page and API).

    Rules: a code that is no letter's says so; a revoked letter says so (never why: the reason
    is the bureau's); past `expires_on`, expired; a letter whose stored snapshot is not what
    the ledger held at issue (`_as_issued`: its `standing_digest` recomputed) cannot be
    confirmed; otherwise the standing is recomputed on today's ledger: any fault in force
    today, a change of status, or a listing recorded after issue that the public profile
    shows makes it "changed", with what changed (`_changes`: only what the public profile
    shows; a fault in force behind records it does not show, without details); else valid,
    with what the letter states. Nothing beyond what the letter states and what the publicity
    system shows is returned.
    Reads: two queries (the letter with its enterprise; the enterprise's ledger, each record
    marked as shown publicly or not in the same query)."""
    today = today or timezone.localdate()
    normalized = code_normalize(code)
    letter = letter_by_code(normalized) if normalized else None
    if letter is None:
        return Verification(
            UNKNOWN,
            None,
            _("No letter has this code. Check the code or ask the enterprise for the letter."),
            checked_on=today,
        )
    if letter.revoked_at is not None:
        return Verification(
            REVOKED,
            letter,
            _(
                "This letter was revoked by the bureau on %(date)s. Do not rely on it; ask the "
                "enterprise for a new letter."
            )
            % {"date": _d(timezone.localdate(letter.revoked_at))},
            checked_on=today,
        )
    if today > letter.expires_on:
        return Verification(
            EXPIRED,
            letter,
            _(
                "This letter could be verified until %(until)s and has expired. It spoke for the "
                "records as of %(as_of)s; ask the enterprise for a new letter."
            )
            % {"until": _d(letter.expires_on), "as_of": _d(letter.as_of)},
            checked_on=today,
        )
    records = enterprise_records(enterprise=letter.enterprise, shown_on=today)
    if not _as_issued(letter, records):
        return Verification(
            UNCONFIRMED,
            letter,
            _(
                "This letter cannot be confirmed: what it states does not match the bureau's "
                "records of the day it was issued. Do not rely on it; ask the bureau."
            ),
            checked_on=today,
        )
    now = standing_of(enterprise=letter.enterprise, on=today, records=records)
    changes, hidden = _changes(letter, now)
    if changes:
        return Verification(
            CHANGED,
            letter,
            _("This letter was true on %(as_of)s, but the enterprise's records have changed since:")
            % {"as_of": _d(letter.as_of)},
            changes=changes,
            checked_on=today,
        )
    if hidden:
        return Verification(
            CHANGED,
            letter,
            _(
                "This letter was true on %(as_of)s, but the enterprise's records have changed "
                "since the letter was issued."
            )
            % {"as_of": _d(letter.as_of)},
            checked_on=today,
        )
    return Verification(
        VALID,
        letter,
        _(
            "This letter is genuine: it was issued by the bureau on %(as_of)s, and the "
            "enterprise's records have not changed since."
        )
        % {"as_of": _d(letter.as_of)},
        checked_on=today,
    )


# --------------------------------------------------------------------------- the document


def letter_document(letter: StandingLetter, *, url: str) -> Any:
    """The letter as an `OfficialDocument` (credit_portal.documents), in Chinese always, dated
    its `as_of`: the enterprise, the scope (this bureau's records, as of the day), what was
    checked, how to verify it (code, address, QR code). The same letter renders to the same
    bytes for the same `url`."""
    from credit_portal.documents import (
        NumberedList,
        Numbering,
        OfficialDocument,
        Paragraph,
    )

    day = chinese_date(letter.as_of)
    return OfficialDocument(
        title=rules.LETTER_TITLE,
        number="",
        date=letter.as_of,
        body=[
            Paragraph(
                text=(
                    f"经查询，{letter.name}（统一社会信用代码：{letter.credit_code}）"
                    f"截至{day}在本局的信用记录如下："
                )
            ),
            NumberedList(items=letter.statement_texts(), numbering=Numbering.CHINESE),
            Paragraph(
                lead="证明范围：",
                text=(
                    f"仅依据本局截至{day}的记录，不涉及其他部门、其他地区的信息，"
                    "不保证该企业此后的信用状况。"
                ),
            ),
            Paragraph(
                lead="核验方式：",
                text=(
                    f"{chinese_date(letter.expires_on)}前扫描页脚二维码或访问页脚网址核验；"
                    "本证明由系统生成，无需盖章，以核验结果为准。"
                ),
            ),
        ],
        footer=[
            f"核验码：{letter.code}",
            f"核验网址：{url}",
        ],
        qr_payload=url,
        qr_caption="扫码核验",
    )


def letter_pdf(letter: StandingLetter, *, request: HttpRequest | None = None) -> bytes:
    """The letter's PDF (deterministic for the same letter and verification address)."""
    from credit_portal.documents import render_pdf

    return render_pdf(letter_document(letter, url=verify_url(letter, request=request)))


def letter_filename(letter: StandingLetter) -> str:
    return f"{rules.LETTER_TITLE}-{letter.credit_code}-{letter.as_of.isoformat()}.pdf"
