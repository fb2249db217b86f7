"""The ledger kinds remediation writes (declared from `RemediationConfig.ready`).

Sources: docs/domain.md §3 (abnormal operations directory), §5 (credit repair, the serious
list), §6 (penalties and leniency), §9 (soft enforcement and the replies to its letters).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from enterprises.kinds import Effect, Section, kind_declare

ABNORMAL_LISTING = "abnormal_listing"
ABNORMAL_REMOVAL = "abnormal_removal"
SERIOUS_LISTING = "serious_listing"
SERIOUS_REMOVAL = "serious_removal"
PENALTY = "penalty"
SOFT_ENFORCEMENT = "soft_enforcement"
LETTER_REPLY = "letter_reply"
SELF_CORRECTION = "self_correction"
REPAIR = "repair"


def declare() -> None:
    app = "remediation"
    kind_declare(
        ABNORMAL_LISTING,
        _("Listed in the abnormal operations directory"),
        app=app,
        effect=Effect.ABNORMAL,
        section=Section.ABNORMAL_LISTINGS,
    )
    kind_declare(
        ABNORMAL_REMOVAL,
        _("Removed from the abnormal operations directory"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={ABNORMAL_LISTING},
    )
    kind_declare(
        SERIOUS_LISTING,
        _("Listed as seriously illegal and dishonest"),
        app=app,
        effect=Effect.SERIOUS,
        section=Section.SERIOUS_LISTINGS,
    )
    kind_declare(
        SERIOUS_REMOVAL,
        _("Removed from the serious illegal list"),
        app=app,
        effect=Effect.CLOSES,
        closes_kinds={SERIOUS_LISTING},
    )
    kind_declare(PENALTY, _("Administrative penalty"), app=app, section=Section.PENALTIES)
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
