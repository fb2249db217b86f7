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

`always_public`: the law makes every fact of the kind public, from its date until a record
closes it, whatever the record's own `is_public` says. The ledger is append-only, so a kind
that the register once wrote as not public is published by its kind, not by rewriting rows:
changes of registration (企业信息公示暂行条例 art. 6; docs/domain.md §5) were written not public
until issue 13.

`summary`: the record's summary in the active language, made from its details, for the facts the
system writes from data (a registration, a change of registration, a status change): the
stored `summary` is one language's text, kept as it was written for the audit, and pages and
the API show `kind_summary` instead. A kind without one (a penalty's text, written by an
officer) shows its stored text.

`history_public`: a closed record of the kind stays on the public profile, with the record that
closed it beside it (its date and reason): a listing in the abnormal directory or on the serious
list and its removal (移出日期, 移出原因; docs/domain.md §3), as the publicity system shows them.
`hides_closed`: a closing kind whose record takes the record it closes off the public profile
even then: a listing revoked as wrongful, a record corrected as entered wrongly.

`kind_repair_advisor_declare`: the app that repairs a kind of record says when one may be
repaired (the self-service guidance asks it; docs/domain.md §5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
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
    REGISTRATION_CHANGES = "registration_changes"
    LETTERS = "letters"


# Renders a record's summary from its details in the active language; None when the details
# lack what it needs (a record written before they held it): the stored text is shown then.
SummaryRenderer = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class LedgerKind:
    code: str
    label: Promise
    app: str
    effect: Effect = Effect.NONE
    closes_kinds: frozenset[str] = frozenset()
    section: Section = Section.NONE
    always_public: bool = False
    summary: SummaryRenderer | None = None
    history_public: bool = False
    hides_closed: bool = False


_KINDS: dict[str, LedgerKind] = {}


def kind_declare(
    code: str,
    label: Promise,
    *,
    app: str,
    effect: Effect = Effect.NONE,
    closes_kinds: frozenset[str] | set[str] = frozenset(),
    section: Section = Section.NONE,
    always_public: bool = False,
    summary: SummaryRenderer | None = None,
    history_public: bool = False,
    hides_closed: bool = False,
) -> LedgerKind:
    """Declare a kind of credit fact (from the declaring app's `AppConfig.ready`).

    Declaring the same kind again with the same definition is a no-op (ready() may run more
    than once in tests); a different definition, or a code another app owns, is an error.
    """
    if not code or len(code) > KIND_MAX_LENGTH or not code.replace("_", "").isalnum():
        raise ValueError(f"ledger kind {code!r}: 1 to {KIND_MAX_LENGTH} letters, digits or _")
    if closes_kinds and effect != Effect.CLOSES:
        raise ValueError(f"ledger kind {code!r}: only a closing kind names the kinds it closes")
    if hides_closed and effect != Effect.CLOSES:
        raise ValueError(f"ledger kind {code!r}: only a closing kind hides what it closes")
    kind = LedgerKind(
        code,
        label,
        app,
        effect,
        frozenset(closes_kinds),
        section,
        always_public,
        summary,
        history_public,
        hides_closed,
    )
    known = _KINDS.get(code)
    if known is not None and known != kind:
        raise ValueError(f"ledger kind {code!r} is already declared by {known.app}")
    _KINDS[code] = kind
    return kind


def kind_get(code: str) -> LedgerKind | None:
    return _KINDS.get(code)


@dataclass(frozen=True)
class RepairAdvice:
    """What the app that decides a kind of record says about repairing one of them today
    (docs/domain.md §5): the earliest day an application is possible (None: not at all here),
    whether it is repaired elsewhere (信用中国) or not at all (a term that ends by itself, a
    measure never repairable early)."""

    earliest_on: dt.date | None
    elsewhere: bool = False
    outside_repair: bool = False


RepairAdvisor = Callable[[Any, dt.date], RepairAdvice]
# The same advice for a list of records of the kind at once, by record pk, reading what the
# rule needs once for the whole list (a constant number of queries, not a few per record).
RepairAdvisorMany = Callable[[list[Any], dt.date], dict[int, RepairAdvice]]
_REPAIR_ADVISORS: dict[str, RepairAdvisor] = {}
_REPAIR_ADVISORS_MANY: dict[str, RepairAdvisorMany] = {}


def kind_repair_advisor_declare(
    code: str, advisor: RepairAdvisor, *, many: RepairAdvisorMany | None = None
) -> None:
    """Declare who advises on repairing records of a kind (from the deciding app's `ready()`):
    the register's self-service guidance asks it instead of guessing the rule (the repair
    rules, with their sectors and exclusions, belong to the app that repairs). `many`: the
    same advice for a list of records in bulk (`kind_repair_advice_many`).
    Rules: the kind must be declared; declaring again replaces (a reloaded app)."""
    if code not in _KINDS:
        raise ValueError(f"ledger kind {code!r} is not declared")
    _REPAIR_ADVISORS[code] = advisor
    if many is not None:
        _REPAIR_ADVISORS_MANY[code] = many
    else:
        _REPAIR_ADVISORS_MANY.pop(code, None)


def kind_repair_advice(record: Any, today: dt.date) -> RepairAdvice | None:
    """The declared advisor's advice on repairing `record` (a CreditRecord), or None when no
    app advises on its kind."""
    advisor = _REPAIR_ADVISORS.get(record.kind)
    return advisor(record, today) if advisor is not None else None


def kind_repair_advice_many(records: Iterable[Any], today: dt.date) -> dict[int, RepairAdvice]:
    """`kind_repair_advice` for every record of a list, by record pk (records of a kind no app
    advises on are left out): one bulk call per kind whose app declares `many`, so that a page
    listing N records reads the same whatever N; else record by record."""
    by_kind: dict[str, list[Any]] = {}
    for record in records:
        if record.kind in _REPAIR_ADVISORS:
            by_kind.setdefault(record.kind, []).append(record)
    advice: dict[int, RepairAdvice] = {}
    for code, group in by_kind.items():
        many = _REPAIR_ADVISORS_MANY.get(code)
        if many is not None:
            advice.update(many(group, today))
        else:
            advisor = _REPAIR_ADVISORS[code]
            advice.update((r.pk, advisor(r, today)) for r in group)
    return advice


def kinds_all() -> list[LedgerKind]:
    return list(_KINDS.values())


def kind_codes(
    *,
    effect: Effect | None = None,
    section: Section | None = None,
    always_public: bool | None = None,
    history_public: bool | None = None,
    hides_closed: bool | None = None,
) -> list[str]:
    """The codes of the declared kinds with this effect, in this section, public by kind,
    shown with their closing record and/or hiding what they close, sorted."""
    return sorted(
        k.code
        for k in _KINDS.values()
        if (effect is None or k.effect == effect)
        and (section is None or k.section == section)
        and (always_public is None or k.always_public == always_public)
        and (history_public is None or k.history_public == history_public)
        and (hides_closed is None or k.hides_closed == hides_closed)
    )


def kind_always_public(code: str) -> bool:
    """Whether the law makes every fact of this kind public (see the module docstring)."""
    kind = _KINDS.get(code)
    return kind is not None and kind.always_public


def kind_choices() -> list[tuple[str, Promise]]:
    """`CreditRecord.kind`'s choices: every declared kind (a callable, so that a kind declared
    by an app needs no migration of the register)."""
    return [(k.code, k.label) for k in _KINDS.values()]


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind is not None else code


def kind_summary(code: str, details: Any, recorded: str) -> str:
    """A record's summary in the active language: made from its details by its kind's
    `summary` when the kind has one and the details hold what it needs, else the text as
    `recorded` (module docstring)."""
    kind = _KINDS.get(code)
    if kind is None or kind.summary is None or not isinstance(details, Mapping):
        return recorded
    return kind.summary(details) or recorded


# The register's own kinds (registration and its changes). Their constants are for the
# register's code; other apps use their own module's constants.
REGISTRATION = "registration"
REGISTRATION_CHANGE = "registration_change"
STATUS_CHANGE = "status_change"
CORRECTION = "correction"


# The summaries the register writes, one per kind: the services store their text in the
# language of the request that wrote them, and pages render them again from the details in
# the reader's language (`kind_summary`). Model labels are imported when a summary is made:
# `enterprises.models` imports this module.


def registration_summary(details: Mapping[str, Any]) -> str | None:
    """The summary of a registration, "Registered as <entity type>" (设立登记（<type>）);
    details: `entity_type`."""
    from enterprises.models import Enterprise

    entity_type = details.get("entity_type")
    if entity_type not in Enterprise.EntityType.values:
        return None
    return gettext("Registered as %(type)s") % {"type": Enterprise.EntityType(entity_type).label}


def status_change_summary(details: Mapping[str, Any]) -> str | None:
    """The summary of a status change, "Status: <status>", with the filed period of a
    suspension; details: `status`, and for a suspension `from` and `until`. The officer's note
    (details `note`) is never part of it: the line is public."""
    from enterprises.models import Enterprise

    status = details.get("status")
    if status not in Enterprise.Status.values:
        return None
    summary = gettext("Status: %(new)s") % {"new": Enterprise.Status(status).label}
    if status == Enterprise.Status.SUSPENDED and details.get("from") and details.get("until"):
        summary += gettext(" (from %(start)s to %(end)s)") % {
            "start": details["from"],
            "end": details["until"],
        }
    return summary


def registration_item_label(item: str, entity_type: str | None) -> str | None:
    """A licence item in words, as the entity's business licence names it (the registered
    person by the entity type: 法定代表人, 经营者...); None for an item that is not one, or for
    the registered person when the entity type is not known."""
    from enterprises.models import LEGAL_REP, LEGAL_REP_TITLES, Enterprise

    if item == "legal_rep_name":
        if entity_type not in Enterprise.EntityType.values:
            return None
        return str(LEGAL_REP_TITLES.get(str(entity_type), LEGAL_REP))
    try:
        field = Enterprise._meta.get_field(item)
    except FieldDoesNotExist:
        return None
    return str(getattr(field, "verbose_name", "")) or None


def items_joined(items: Iterable[str]) -> str:
    """A list of names in running text: 、 between them in Chinese, a comma in English."""
    separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
    return separator.join(items)


def registration_change_summary(details: Mapping[str, Any]) -> str | None:
    """The summary of a change of registration, "Change of registration: <items>" in the
    licence's order; details: `changes` ({item: [before, after]}) and `entity_type` (the type
    after the change, which names the registered person)."""
    from enterprises.services.register import REGISTRATION_ITEMS

    changes = details.get("changes")
    if not isinstance(changes, Mapping) or not changes:
        return None
    # In the licence's order, as written (a JSON object read back may order its keys anew).
    order = {item: n for n, item in enumerate(REGISTRATION_ITEMS)}
    items = sorted(changes, key=lambda item: order.get(item, len(order)))
    labels = [registration_item_label(item, details.get("entity_type")) for item in items]
    if None in labels:
        return None
    return gettext("Change of registration: %(items)s") % {
        "items": items_joined(label for label in labels if label)
    }


def declare() -> None:
    """The register's kinds (called from `EnterprisesConfig.ready`)."""
    kind_declare(
        REGISTRATION,
        _("Registration"),
        app="enterprises",
        effect=Effect.STATUS,
        summary=registration_summary,
    )
    # Public on the publicity system as 变更信息 (企业信息公示暂行条例 art. 6; docs/domain.md §5).
    kind_declare(
        REGISTRATION_CHANGE,
        _("Change of registration"),
        app="enterprises",
        section=Section.REGISTRATION_CHANGES,
        always_public=True,
        summary=registration_change_summary,
    )
    kind_declare(
        STATUS_CHANGE,
        _("Status change"),
        app="enterprises",
        effect=Effect.STATUS,
        summary=status_change_summary,
    )
    # A correction of a record entered wrongly: closes any kind, and a listing it corrects is
    # no longer shown on the public profile (hides_closed).
    kind_declare(
        CORRECTION,
        _("Correction of a record"),
        app="enterprises",
        effect=Effect.CLOSES,
        hides_closed=True,
    )
