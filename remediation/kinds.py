"""The ledger kinds remediation writes (declared from `RemediationConfig.ready`).

Sources: docs/domain.md §3 (abnormal operations directory), §5 (credit repair, the serious
list), §6 (penalties and leniency), §9 (soft enforcement and the replies to its letters).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from enterprises.kinds import (
    Effect,
    RepairAdvice,
    Section,
    kind_declare,
    kind_repair_advisor_declare,
)

ABNORMAL_LISTING = "abnormal_listing"
ABNORMAL_REMOVAL = "abnormal_removal"
SERIOUS_LISTING = "serious_listing"
SERIOUS_REMOVAL = "serious_removal"
PENALTY = "penalty"
SOFT_ENFORCEMENT = "soft_enforcement"
LETTER_REPLY = "letter_reply"
SELF_CORRECTION = "self_correction"
REPAIR = "repair"
NO_PENALTY = "no_penalty"
PENALTY_WITHDRAWAL = "penalty_withdrawal"
PUBLICITY_EXPIRED = "publicity_expired"
PENALTY_WITHDRAWN_NOTE = "penalty_withdrawn_note"
LISTING_DEFERRED = "listing_deferred"
ABNORMAL_REVOCATION = "abnormal_revocation"


def _penalty_repair_advice(record: Any, today: dt.date) -> RepairAdvice:
    """The register's self-service guidance asks this app when a penalty may be repaired: the
    rule with its sectors and exclusions (remediation.rules.penalty_repair_eligibility)."""
    from remediation.rules import penalty_repair_eligibility

    found = penalty_repair_eligibility(record=record, today=today)
    return RepairAdvice(
        earliest_on=found.earliest_on,
        elsewhere=found.elsewhere,
        outside_repair=found.outside_repair,
    )


def _penalty_repair_advice_many(records: list[Any], today: dt.date) -> dict[int, RepairAdvice]:
    """The same advice for a list of penalties, the rule's reads done once for the whole list
    (`remediation.rules.RepairContext`): a page with N penalties costs what a page with one
    costs."""
    from remediation.rules import penalty_repair_eligibility, repair_context

    context = repair_context(records)
    advice = {}
    for record in records:
        found = penalty_repair_eligibility(record=record, today=today, context=context)
        advice[record.pk] = RepairAdvice(
            earliest_on=found.earliest_on,
            elsewhere=found.elsewhere,
            outside_repair=found.outside_repair,
        )
    return advice


def declare() -> None:
    app = "remediation"
    # A listing stays on the public profile once removed, with its removal beside it
    # (history_public, docs/domain.md §3); a wrongful one is hidden (ABNORMAL_REVOCATION).
    kind_declare(
        ABNORMAL_LISTING,
        _("Listed in the abnormal operations directory"),
        app=app,
        effect=Effect.ABNORMAL,
        section=Section.ABNORMAL_LISTINGS,
        history_public=True,
    )
    kind_declare(
        ABNORMAL_REMOVAL,
        _("Removed from the abnormal operations directory"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={ABNORMAL_LISTING},
    )
    # A listing deferred into the punishment buffer (惩戒缓冲, §3): never public; whether the
    # entity filed in time or was listed is read from its DirectoryCase.
    kind_declare(LISTING_DEFERRED, _("Listing deferred (punishment buffer)"), app=app)
    # A listing revoked because an objection was upheld (§3 "Objections"): the listing was
    # wrongful, is no longer shown and no longer counts against the entity.
    kind_declare(
        ABNORMAL_REVOCATION,
        _("Listing revoked as wrongful"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={ABNORMAL_LISTING, SERIOUS_LISTING},
        hides_closed=True,
    )
    kind_declare(
        SERIOUS_LISTING,
        _("Listed as seriously illegal and dishonest"),
        app=app,
        effect=Effect.SERIOUS,
        section=Section.SERIOUS_LISTINGS,
        history_public=True,
    )
    kind_declare(
        SERIOUS_REMOVAL,
        _("Removed from the serious illegal list"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={SERIOUS_LISTING},
    )
    kind_declare(PENALTY, _("Administrative penalty"), app=app, section=Section.PENALTIES)
    # A decision not to penalise (不予行政处罚决定, APL art. 33): never published as a penalty,
    # part of the history the first-violation look-back and classification read (§6).
    kind_declare(NO_PENALTY, _("Decision not to penalise"), app=app)
    # A decision changed, revoked or found void is withdrawn from publicity with its reason
    # (SAMR Order 45 art. 11; docs/domain.md §5, §10).
    kind_declare(
        PENALTY_WITHDRAWAL,
        _("Penalty decision withdrawn"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={PENALTY},
    )
    # The withdrawal of a decision whose record was already closed (its term ended, it was
    # repaired): a record is closed once, so the withdrawal is a fact of its own that names the
    # record in details["withdraws"] and changes nothing (docs/domain.md §5 "What is built").
    kind_declare(
        PENALTY_WITHDRAWN_NOTE,
        _("Penalty decision withdrawn after its publicity ended"),
        app=app,
    )
    # The end of a penalty's publicity term (届满停止公示, Order 45 art. 13), written by the
    # daily job and dated the first day the record is no longer shown. Not a repair, and not
    # counted as one (docs/domain.md §10).
    kind_declare(
        PUBLICITY_EXPIRED,
        _("Publicity term ended"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={PENALTY},
    )
    kind_declare(
        SOFT_ENFORCEMENT,
        _("Warning, suggestion or interview"),
        app=app,
        section=Section.LETTERS,
    )
    # The enterprise's reply to a letter (a written answer, a rectification report, attendance
    # at an interview) closes the letter; its date against the letter's deadline tells whether
    # it came in time (enterprises.selectors.letters; docs/domain.md §9).
    kind_declare(
        LETTER_REPLY,
        _("Reply to a letter"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={SOFT_ENFORCEMENT},
    )
    kind_declare(SELF_CORRECTION, _("Information corrected by the enterprise"), app=app)
    # A repair ends the publicity of the record it closes (any kind: a penalty, a listing).
    kind_declare(REPAIR, _("Credit repair"), app=app, effect=Effect.CLOSES)
    kind_repair_advisor_declare(PENALTY, _penalty_repair_advice, many=_penalty_repair_advice_many)
