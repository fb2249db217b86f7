"""Kinds of credit facts: each app declares its own, with the kind's effect on the state fold.

The ledger (`enterprises.CreditRecord`) belongs to the register, but the facts in it come from
every domain app: penalties and listings from remediation, late reports from annual reports,
results from inspections. Each app declares the kinds it writes from its own `apps.py`
(`kind_declare`, in `ready()`), so that the register never imports the apps that write to it
and a new kind needs no change here.

What a kind may do to the enterprise's cached state is one of a few *effects*, read by the
state fold (`enterprises.state`, in Python and in SQL alike):

- `Effect.STATUS`: the fact sets the registration status from its details (`status`, and for
  a suspension `from` and `until`): registration, suspension, resumption, deregistration.
- `Effect.ABNORMAL` / `Effect.SERIOUS`: the fact opens a listing (abnormal operations
  directory; serious illegal and dishonest list) that holds until a later fact closes it.
- `Effect.CLOSES`: the fact closes an older record (removal, repair, correction); `closes_kinds`
  limits which kinds it may close (a removal from the abnormal directory closes an abnormal
  listing), empty meaning any.
- `Effect.NONE`: the fact changes no cached state (a penalty, a letter, a deferral in the
  punishment buffer): it is still part of the history, and risk classification reads it.

`section` groups public facts as the national publicity system does (the public profile, the
enterprise's own page); a kind outside every section is shown in the ledger only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# CreditRecord.kind's max_length.
KIND_MAX_LENGTH = 24


class Effect(StrEnum):
    NONE = "none"
    STATUS = "status"
    ABNORMAL = "abnormal"
    SERIOUS = "serious"
    CLOSES = "closes"


class Section(StrEnum):
    """Sections of the publicity system (企业信息公示暂行条例 art. 6-7; docs/domain.md §3-§5)
    and of the enterprise's own page."""

    NONE = ""
    ABNORMAL_LISTINGS = "abnormal_listings"
    SERIOUS_LISTINGS = "serious_listings"
    PENALTIES = "penalties"
    INSPECTION_RESULTS = "inspection_results"
    ANNUAL_REPORTS = "annual_reports"
    LETTERS = "letters"


@dataclass(frozen=True)
class LedgerKind:
    code: str
    label: Promise
    app: str
    effect: Effect = Effect.NONE
    closes_kinds: frozenset[str] = frozenset()
    section: Section = Section.NONE


_KINDS: dict[str, LedgerKind] = {}


def kind_declare(
    code: str,
    label: Promise,
    *,
    app: str,
    effect: Effect = Effect.NONE,
    closes_kinds: frozenset[str] | set[str] = frozenset(),
    section: Section = Section.NONE,
) -> LedgerKind:
    """Declare a kind of credit fact (from the declaring app's `AppConfig.ready`).

    Declaring the same kind again with the same definition is a no-op (ready() may run more
    than once in tests); a different definition, or a code another app owns, is an error.
    """
    if not code or len(code) > KIND_MAX_LENGTH or not code.replace("_", "").isalnum():
        raise ValueError(f"ledger kind {code!r}: 1 to {KIND_MAX_LENGTH} letters, digits or _")
    if closes_kinds and effect != Effect.CLOSES:
        raise ValueError(f"ledger kind {code!r}: only a closing kind names the kinds it closes")
    kind = LedgerKind(code, label, app, effect, frozenset(closes_kinds), section)
    known = _KINDS.get(code)
    if known is not None and known != kind:
        raise ValueError(f"ledger kind {code!r} is already declared by {known.app}")
    _KINDS[code] = kind
    return kind


def kind_get(code: str) -> LedgerKind | None:
    return _KINDS.get(code)


def kinds_all() -> list[LedgerKind]:
    return list(_KINDS.values())


def kind_codes(*, effect: Effect | None = None, section: Section | None = None) -> list[str]:
    """The codes of the declared kinds with this effect and/or in this section, sorted."""
    return sorted(
        k.code
        for k in _KINDS.values()
        if (effect is None or k.effect == effect) and (section is None or k.section == section)
    )


def kind_choices() -> list[tuple[str, Promise]]:
    """`CreditRecord.kind`'s choices: every declared kind (a callable, so that a kind declared
    by an app needs no migration of the register)."""
    return [(k.code, k.label) for k in _KINDS.values()]


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind is not None else code


# The register's own kinds (registration and its changes). Their constants are for the
# register's code; other apps use their own module's constants.
REGISTRATION = "registration"
REGISTRATION_CHANGE = "registration_change"
STATUS_CHANGE = "status_change"
CORRECTION = "correction"


def declare() -> None:
    """The register's kinds (called from `EnterprisesConfig.ready`)."""
    kind_declare(REGISTRATION, _("Registration"), app="enterprises", effect=Effect.STATUS)
    kind_declare(REGISTRATION_CHANGE, _("Change of registration"), app="enterprises")
    kind_declare(STATUS_CHANGE, _("Status change"), app="enterprises", effect=Effect.STATUS)
    # A correction of a record entered wrongly: closes any kind.
    kind_declare(CORRECTION, _("Correction of a record"), app="enterprises", effect=Effect.CLOSES)
