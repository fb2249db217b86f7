"""Immediate disclosures by companies (即时信息, 公司法 2023 art. 40; docs/domain.md §4
"Immediate disclosure by companies", §3 "Self-correction", §10).

Who discloses: a company (`Enterprise.EntityType.COMPANY`, limited-liability or joint-stock),
whose duty art. 40 states. A branch (分公司) is not a company of its own: its company discloses
for it; partnerships, sole proprietorships, co-operatives and individual businesses have no such
duty. Deregistered, revoked and moved-out companies disclose nothing here any more.

What: the shareholders' subscribed and paid-in contributions (per shareholder: the amounts, the
form and the dates), changes of equity, administrative licences (name, number, validity) and
pledges of intellectual property. When: within `DISCLOSURE_WORKING_DAYS` (20) working days of
the change (国务院注册资本登记管理制度规定 2024 art. 4), counted on the portal's calendar
(`deadline_after`: provisional when it runs into a year whose holidays are not entered). A
disclosure filed after its due day is accepted and marked late (shown to staff and to the
company; the public page shows the dates).

Versions: a disclosure is a chain of rows, the original (`revision` 1) and its corrections,
each pointing at the version it replaces (`correction_of`); the version in force has
`is_current`. Immediate information can be corrected at any time (§10): a correction is a new
row, both versions are kept and both are shown (public page included), and each correction
is a self-correction counted per correction (户次).

States of one row: draft → submitted. A draft may be changed or discarded by the company; a
submitted row never changes again (a correction replaces it).

Ledger facts (`enterprises.services.ledger`, source: the row):
- `immediate_disclosure` for every version submitted (not public: the disclosure itself is
  the public information, on the public page), details {"item", "late", "revision"};
- `self_correction` for every correction submitted (not public), details {"what":
  "disclosure", "item"}. The kind is remediation's (declared there); this app writes it by its
  code and does not import remediation.

Every write locks the row, compares the version the caller read (a stale one is a
`ConflictError`), validates with a message in the user's language, writes, appends its facts
and records its audit event in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annual_reports import audit_events as events
from annual_reports.kinds import IMMEDIATE_DISCLOSURE
from annual_reports.models import ImmediateDisclosure
from annual_reports.rules import DISCLOSURE_WORKING_DAYS
from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.text import character_label, invisible_characters, unstorable_character
from credit_portal.workdays import Deadline, deadline_after
from enterprises import rules as register_rules
from enterprises.kinds import items_joined
from enterprises.models import Enterprise
from enterprises.services.ledger import credit_record_append

Item = ImmediateDisclosure.Item
Status = ImmediateDisclosure.Status

# remediation.kinds.SELF_CORRECTION, written by its code (module docstring).
SELF_CORRECTION = "self_correction"
# Who must disclose (公司法 art. 40: companies; module docstring).
DISCLOSING_TYPES = frozenset({Enterprise.EntityType.COMPANY})
CLOSED_STATUSES = frozenset(register_rules.CLOSED_STATUSES)

TEXT_MAX = 200
REASON_MAX = 2000
ROWS_MAX = 200
AMOUNT_MAX = Decimal("99999999999999.99")  # the publicity system's 万元 with 2 decimals
# A resident identity number (GB 11643: 18 characters, or the old 15 digits): never disclosed,
# the public page shows names only (docs/architecture.md "Personal data").
IDENTITY_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")

# The items in Chinese, for the ledger's summaries (written as the publicity system names them).
ITEM_ZH = {
    Item.CONTRIBUTION: "股东认缴和实缴出资信息",
    Item.EQUITY_CHANGE: "股权变更信息",
    Item.LICENCE: "行政许可信息",
    Item.IP_PLEDGE: "知识产权出质信息",
}

# The forms of a contribution (出资方式, 公司法 art. 48).
CONTRIBUTION_FORMS: list[tuple[str, Any]] = [
    ("currency", gettext_lazy("Currency (货币)")),
    ("in_kind", gettext_lazy("In kind (实物)")),
    ("ip", gettext_lazy("Intellectual property (知识产权)")),
    ("land_use_right", gettext_lazy("Land-use right (土地使用权)")),
    ("equity", gettext_lazy("Equity (股权)")),
    ("claims", gettext_lazy("Claims (债权)")),
    ("other", gettext_lazy("Other")),
]
IP_KINDS: list[tuple[str, Any]] = [
    ("patent", gettext_lazy("Patent (专利权)")),
    ("trademark", gettext_lazy("Trademark (商标专用权)")),
    ("copyright", gettext_lazy("Copyright (著作权)")),
    ("other", gettext_lazy("Other intellectual property")),
]

# The fields of each item's content, in the order shown (forms, pages, the API's schema).
CONTRIBUTION_ROW_FIELDS = (
    "name",
    "subscribed",
    "subscribed_form",
    "subscribed_on",
    "paid",
    "paid_form",
    "paid_on",
)
EQUITY_ROW_FIELDS = ("shareholder", "before", "after")
LICENCE_FIELDS = ("name", "number", "authority", "valid_from", "valid_until")
IP_PLEDGE_FIELDS = (
    "ip_kind",
    "ip_name",
    "certificate_number",
    "pledgor",
    "pledgee",
    "registered_on",
    "pledge_until",
)


def _today() -> dt.date:
    return timezone.localdate()


def disclosure_due(changed_on: dt.date) -> Deadline:
    """The day a change must be disclosed by: `DISCLOSURE_WORKING_DAYS` WD after the change,
    on the portal's calendar (provisional across a year whose schedule is not entered)."""
    return deadline_after(changed_on, DISCLOSURE_WORKING_DAYS)


def form_label(code: str) -> str:
    """A contribution form's label in the active language (its code when unknown)."""
    return str(dict(CONTRIBUTION_FORMS).get(code, code))


def ip_kind_label(code: str) -> str:
    return str(dict(IP_KINDS).get(code, code))


# --------------------------------------------------------------------------- checking input


class _Problems:
    """Errors collected by key, to raise together (every error at once)."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()


def _checked_text(
    problems: _Problems,
    key: str,
    value: Any,
    *,
    label: str,
    required: bool = True,
    person: bool = False,
    prefix: str = "",
) -> str:
    """A text field: required, at most TEXT_MAX characters, no invisible characters; a
    person's or a party's name never holds an identity number."""
    if value is not None and not isinstance(value, str | int | float | Decimal):
        problems.add(key, prefix + _("The %(what)s must be text.") % {"what": label})
        return ""
    text = _text(value)
    if unstorable_character(text) is not None:
        problems.add(
            key,
            prefix
            + _("The %(what)s contains a character that cannot be stored (%(char)s).")
            % {"what": label, "char": character_label(unstorable_character(text) or "")},
        )
        return ""
    if not text:
        if required:
            problems.add(key, prefix + _("Give the %(what)s.") % {"what": label})
        return ""
    if len(text) > TEXT_MAX:
        problems.add(
            key,
            prefix
            + _("The %(what)s may be at most %(n)d characters.") % {"what": label, "n": TEXT_MAX},
        )
    found = invisible_characters(text)
    if found:
        problems.add(
            key,
            prefix
            + _(
                "The %(what)s contains an invisible or direction-changing character: %(chars)s. "
                "Remove it and type the text again."
            )
            % {"what": label, "chars": items_joined(character_label(c) for c in found[:3])},
        )
    if person and IDENTITY_NUMBER.search(text):
        problems.add(
            key,
            prefix
            + _(
                "Do not enter an identity number in the %(what)s: the disclosure is public and "
                "names the person only."
            )
            % {"what": label},
        )
    return text


def _checked_date(
    problems: _Problems,
    key: str,
    value: Any,
    *,
    label: str,
    required: bool = True,
    not_future: bool = False,
    prefix: str = "",
) -> dt.date | None:
    if value in (None, ""):
        if required:
            problems.add(key, prefix + _("Give the %(what)s.") % {"what": label})
        return None
    day: dt.date | None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            day = None
    if day is None:
        problems.add(
            key,
            prefix + _("The %(what)s is not a date (YYYY-MM-DD).") % {"what": label},
        )
        return None
    if not_future and day > _today():
        problems.add(key, prefix + _("The %(what)s cannot be in the future.") % {"what": label})
    return day


def _checked_amount(
    problems: _Problems,
    key: str,
    value: Any,
    *,
    label: str,
    required: bool = True,
    prefix: str = "",
    maximum: Decimal = AMOUNT_MAX,
) -> Decimal | None:
    if value in (None, ""):
        if required:
            problems.add(key, prefix + _("Give the %(what)s.") % {"what": label})
        return None
    if isinstance(value, bool):
        amount = None
    else:
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            amount = None
    if amount is None or not amount.is_finite():
        problems.add(key, prefix + _("The %(what)s is not a number.") % {"what": label})
        return None
    if amount < 0:
        problems.add(key, prefix + _("The %(what)s cannot be negative.") % {"what": label})
        return None
    if amount > maximum:
        problems.add(key, prefix + _("The %(what)s is too large.") % {"what": label})
        return None
    if amount != amount.quantize(Decimal("0.01")):
        problems.add(
            key, prefix + _("Give the %(what)s with at most two decimals.") % {"what": label}
        )
        return None
    return amount.quantize(Decimal("0.01"))


def _choice(
    problems: _Problems,
    key: str,
    value: Any,
    choices: list[tuple[str, Any]],
    *,
    label: str,
    required: bool = True,
    prefix: str = "",
) -> str:
    code = _text(value)
    if not code:
        if required:
            problems.add(key, prefix + _("Choose the %(what)s.") % {"what": label})
        return ""
    if code not in dict(choices):
        problems.add(key, prefix + _("Unknown %(what)s.") % {"what": label})
        return ""
    return code


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _money(amount: Decimal | None) -> str | None:
    return f"{amount:.2f}" if amount is not None else None


def _rows(problems: _Problems, key: str, content: dict[str, Any], *, what: str) -> list[Any]:
    rows = content.get(key)
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        problems.add(key, _("The %(what)s must be a list.") % {"what": what})
        return []
    rows = [r for r in rows if not (isinstance(r, dict) and not any(_text(v) for v in r.values()))]
    if not rows:
        problems.add(key, _("Give at least one %(what)s.") % {"what": what})
    elif len(rows) > ROWS_MAX:
        problems.add(key, _("At most %(n)d rows.") % {"n": ROWS_MAX})
        return []
    return rows


def _contribution(problems: _Problems, content: dict[str, Any]) -> dict[str, Any]:
    """Per shareholder (公司法 art. 40 (1)): the name, the subscribed amount with its form and
    date (the date subscribed capital is due may lie in the future), and the paid-in amount
    with its form and date (not in the future; required once anything is paid); amounts in CNY
    10,000, not negative, paid-in at most the subscribed."""
    key = "shareholders"
    rows = _rows(problems, key, content, what=_("shareholder"))
    result, names = [], set()
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.add(key, _("Shareholder %(n)d: not an object.") % {"n": n})
            continue
        name = _text(row.get("name"))
        prefix = _("Shareholder %(n)d (%(name)s): ") % {"n": n, "name": name or "—"}
        name = _checked_text(problems, key, name, label=_("name"), person=True, prefix=prefix)
        if name and name in names:
            problems.add(key, prefix + _("This shareholder is listed twice."))
        names.add(name)
        subscribed = _checked_amount(
            problems, key, row.get("subscribed"), label=_("subscribed amount"), prefix=prefix
        )
        subscribed_form = _choice(
            problems,
            key,
            row.get("subscribed_form"),
            CONTRIBUTION_FORMS,
            label=_("form of the subscribed contribution"),
            prefix=prefix,
        )
        subscribed_on = _checked_date(
            problems,
            key,
            row.get("subscribed_on"),
            label=_("date the subscribed contribution is due"),
            prefix=prefix,
        )
        paid = _checked_amount(
            problems, key, row.get("paid"), label=_("paid-in amount"), required=False, prefix=prefix
        )
        paid = paid if paid is not None else Decimal("0.00")
        anything_paid = paid > 0
        paid_form = _choice(
            problems,
            key,
            row.get("paid_form"),
            CONTRIBUTION_FORMS,
            label=_("form of the paid-in contribution"),
            required=anything_paid,
            prefix=prefix,
        )
        paid_on = _checked_date(
            problems,
            key,
            row.get("paid_on"),
            label=_("date paid in"),
            required=anything_paid,
            not_future=True,
            prefix=prefix,
        )
        if subscribed is not None and paid > subscribed:
            problems.add(
                key,
                prefix
                + _(
                    "The paid-in amount (%(paid)s) cannot exceed the subscribed amount "
                    "(%(subscribed)s)."
                )
                % {"paid": _money(paid), "subscribed": _money(subscribed)},
            )
        result.append(
            {
                "name": name,
                "subscribed": _money(subscribed),
                "subscribed_form": subscribed_form,
                "subscribed_on": _iso(subscribed_on),
                "paid": _money(paid),
                "paid_form": paid_form if anything_paid else "",
                "paid_on": _iso(paid_on) if anything_paid else None,
            }
        )
    return {key: result}


def _equity_change(problems: _Problems, content: dict[str, Any]) -> dict[str, Any]:
    """Per shareholder whose equity changed (公司法 art. 40 (2)): the name, the share held
    before and after, in per cent (0–100, two decimals), different from each other."""
    key = "changes"
    rows = _rows(problems, key, content, what=_("change of equity"))
    result, names = [], set()
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.add(key, _("Row %(n)d: not an object.") % {"n": n})
            continue
        name = _text(row.get("shareholder"))
        prefix = _("Row %(n)d (%(name)s): ") % {"n": n, "name": name or "—"}
        name = _checked_text(
            problems, key, name, label=_("shareholder"), person=True, prefix=prefix
        )
        if name and name in names:
            problems.add(key, prefix + _("This shareholder is listed twice."))
        names.add(name)
        before = _checked_amount(
            problems,
            key,
            row.get("before"),
            label=_("share before (%)"),
            prefix=prefix,
            maximum=Decimal(100),
        )
        after = _checked_amount(
            problems,
            key,
            row.get("after"),
            label=_("share after (%)"),
            prefix=prefix,
            maximum=Decimal(100),
        )
        if before is not None and after is not None and before == after:
            problems.add(key, prefix + _("The share before and after are the same: no change."))
        result.append({"shareholder": name, "before": _money(before), "after": _money(after)})
    return {key: result}


def _licence(problems: _Problems, content: dict[str, Any]) -> dict[str, Any]:
    """An administrative licence obtained, changed or renewed (公司法 art. 40 (3)): its name,
    number and issuing authority, valid from (not in the future) until (empty: without end)."""
    name = _checked_text(problems, "name", content.get("name"), label=_("licence name"))
    number = _checked_text(problems, "number", content.get("number"), label=_("licence number"))
    authority = _checked_text(
        problems, "authority", content.get("authority"), label=_("issuing authority")
    )
    valid_from = _checked_date(
        problems, "valid_from", content.get("valid_from"), label=_("first day of validity")
    )
    valid_until = _checked_date(
        problems,
        "valid_until",
        content.get("valid_until"),
        label=_("last day of validity"),
        required=False,
    )
    if valid_from and valid_until and valid_until < valid_from:
        problems.add("valid_until", _("The licence cannot end before it starts."))
    return {
        "name": name,
        "number": number,
        "authority": authority,
        "valid_from": _iso(valid_from),
        "valid_until": _iso(valid_until),
    }


def _ip_pledge(problems: _Problems, content: dict[str, Any]) -> dict[str, Any]:
    """A pledge of intellectual property (知识产权出质, docs/domain.md §0): the kind of right, its
    name and certificate or registration number, the pledgor and the pledgee (names only), the
    day the pledge was registered and, if agreed, its end."""
    ip_kind = _choice(
        problems, "ip_kind", content.get("ip_kind"), IP_KINDS, label=_("kind of right")
    )
    ip_name = _checked_text(problems, "ip_name", content.get("ip_name"), label=_("right pledged"))
    number = _checked_text(
        problems,
        "certificate_number",
        content.get("certificate_number"),
        label=_("certificate or registration number"),
    )
    pledgor = _checked_text(
        problems, "pledgor", content.get("pledgor"), label=_("pledgor"), person=True
    )
    pledgee = _checked_text(
        problems, "pledgee", content.get("pledgee"), label=_("pledgee"), person=True
    )
    registered_on = _checked_date(
        problems,
        "registered_on",
        content.get("registered_on"),
        label=_("day the pledge was registered"),
        not_future=True,
    )
    until = _checked_date(
        problems,
        "pledge_until",
        content.get("pledge_until"),
        label=_("end of the pledge"),
        required=False,
    )
    if registered_on and until and until < registered_on:
        problems.add("pledge_until", _("The pledge cannot end before it was registered."))
    return {
        "ip_kind": ip_kind,
        "ip_name": ip_name,
        "certificate_number": number,
        "pledgor": pledgor,
        "pledgee": pledgee,
        "registered_on": _iso(registered_on),
        "pledge_until": _iso(until),
    }


_CLEANERS = {
    Item.CONTRIBUTION: _contribution,
    Item.EQUITY_CHANGE: _equity_change,
    Item.LICENCE: _licence,
    Item.IP_PLEDGE: _ip_pledge,
}


def disclosure_content_clean(*, item: str, content: Any) -> dict[str, Any]:
    """The content of a disclosure of `item` as stored: every required field given, amounts in
    CNY 10,000 with two decimals and not negative, paid-in at most subscribed, dates real (paid-in
    and pledge dates not in the future), names without identity numbers. Raises a
    ValidationError keyed by the content's fields (the rows' messages name the row); returns the
    normalised content (amounts as strings, dates ISO). Side effects: none."""
    if item not in _CLEANERS:
        raise ValidationError({"item": [_("Unknown item of immediate information.")]})
    if not isinstance(content, dict):
        raise ValidationError({"content": [_("The content must be an object.")]})
    problems = _Problems()
    cleaned = _CLEANERS[Item(item)](problems, content)
    problems.raise_any()
    return cleaned


def disclosing_problem(enterprise: Enterprise) -> str | None:
    """Why `enterprise` cannot disclose here (None when it can): not a company, or no longer
    registered in the district."""
    if enterprise.entity_type not in DISCLOSING_TYPES:
        return _(
            "Immediate disclosure is a company's duty (公司法 art. 40): a %(type)s does not "
            "disclose immediate information."
        ) % {"type": enterprise.get_entity_type_display()}
    if enterprise.status in CLOSED_STATUSES:
        return _("This company is %(status)s: it discloses nothing here any more.") % {
            "status": enterprise.get_status_display()
        }
    return None


def disclosure_check(
    *, enterprise: Enterprise, item: str, changed_on: Any, content: Any
) -> tuple[dt.date, dict[str, Any]]:
    """Every check of a disclosure's input, all errors at once: the company may disclose, the
    item is known, the day of the change is a date neither in the future nor before the
    company's registration, and the content is complete (`disclosure_content_clean`). Returns
    the day of the change and the content as stored. Side effects: none."""
    problems = _Problems()
    why = disclosing_problem(enterprise)
    if why:
        raise ValidationError({"__all__": [why]})
    if item not in Item.values:
        raise ValidationError({"item": [_("Unknown item of immediate information.")]})
    day = _checked_date(
        problems, "changed_on", changed_on, label=_("date of the change"), not_future=True
    )
    if day is not None and day < enterprise.registered_on:
        problems.add(
            "changed_on",
            _("The change cannot be before the company was registered (%(day)s).")
            % {"day": enterprise.registered_on.isoformat()},
        )
    cleaned: dict[str, Any] = {}
    try:
        cleaned = disclosure_content_clean(item=item, content=content)
    except ValidationError as exc:
        for key, errors in exc.error_dict.items():
            for error in errors:
                problems.errors.setdefault(key, []).extend(error.messages)
    problems.raise_any()
    assert day is not None  # noqa: S101 - a missing date was a problem above
    return day, cleaned


def _member_problem(actor: User, enterprise_id: int) -> None:
    """Only the company's own users disclose (the pages and the API never show another's)."""
    membership = getattr(actor, "enterprise_membership", None)
    if membership is None or membership.enterprise_id != enterprise_id:
        raise ValidationError(
            _("Only a user of the company itself discloses its information."), code="member"
        )


def _locked(disclosure: ImmediateDisclosure, expected_version: int | None) -> ImmediateDisclosure:
    """The row locked, or a ConflictError when it changed since the caller read it."""
    locked = (
        ImmediateDisclosure.objects.select_for_update()
        .select_related("enterprise")
        .get(pk=disclosure.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "This disclosure was changed in the meantime (it is now “%(status)s”, revision "
                "%(revision)d). Nothing was written; read it again before you change it."
            )
            % {"status": locked.get_status_display(), "revision": locked.revision},
            current_version=locked.version,
        )
    return locked


def _reason_checked(value: Any) -> str:
    """What was corrected and why: at most REASON_MAX characters of storable text."""
    reason = _text(value)
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"correction_reason": [_("At most %(n)d characters.") % {"n": REASON_MAX}]}
        )
    if unstorable_character(reason) is not None:
        raise ValidationError(
            {"correction_reason": [_("The text contains a character that cannot be stored.")]}
        )
    return reason


def _event_extra(disclosure: ImmediateDisclosure, **more: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "disclosure": disclosure.pk,
        "item": disclosure.item,
        "item_display": str(disclosure.get_item_display()),
        "revision": disclosure.revision,
        "changed_on": disclosure.changed_on,
    }
    extra.update(more)
    return extra


# --------------------------------------------------------------------------- writes


@transaction.atomic
def disclosure_draft_save(
    *,
    actor: User,
    enterprise: Enterprise,
    item: str,
    changed_on: Any,
    content: Any,
    draft: ImmediateDisclosure | None = None,
    correction_reason: str = "",
    expected_version: int | None = None,
) -> ImmediateDisclosure:
    """Save a draft disclosure: a new one (`draft` None: revision 1 of a new chain), or the
    draft `draft` again (a new disclosure's or a correction's).

    Rules: the actor is a user of the company; the company may disclose (`disclosing_problem`);
    every check of `disclosure_check`; a draft's item does not change; the version read
    (`expected_version`, required for an existing draft). The due day is counted from the day of
    the change (`disclosure_due`) and kept with its provisional flag. A correction's reason (what
    was corrected and why, at most 2,000 characters) may be written now or at submission.
    Side effects: the draft row; an audit event.
    """
    _member_problem(actor, enterprise.pk)
    if draft is not None:
        if draft.enterprise_id != enterprise.pk:
            raise ValidationError(_("That disclosure belongs to another market entity."))
        if expected_version is None:
            raise ValidationError({"version": [_("Send the version of the draft you read.")]})
        locked = _locked(draft, expected_version)
        if locked.status != Status.DRAFT:
            raise ValidationError(
                _("This version has been disclosed already: correct it instead."), code="status"
            )
        item = locked.item
    else:
        locked = None
    day, cleaned = disclosure_check(
        enterprise=enterprise, item=item, changed_on=changed_on, content=content
    )
    reason = _reason_checked(correction_reason)
    due = disclosure_due(day)
    if locked is None:
        locked = ImmediateDisclosure.objects.create(
            enterprise=enterprise,
            item=item,
            changed_on=day,
            due_on=due.day,
            due_provisional=due.provisional,
            content=cleaned,
            status=Status.DRAFT,
            revision=1,
            created_by=actor,
        )
    else:
        locked.changed_on = day
        locked.due_on = due.day
        locked.due_provisional = due.provisional
        locked.content = cleaned
        if locked.correction_of_id is not None:
            locked.correction_reason = reason
        locked.version += 1
        locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.DISCLOSURE_DRAFT_SAVED,
        target=locked,
        enterprise=enterprise,
        extra=_event_extra(locked, due_on=locked.due_on),
    )
    return locked


@transaction.atomic
def disclosure_draft_discard(
    *, actor: User, disclosure: ImmediateDisclosure, expected_version: int
) -> None:
    """Discard a draft (a new disclosure's or a correction's): it was never disclosed, so it
    leaves no trace but its audit event.

    Rules: the actor is a user of the company; a draft; the version read.
    Side effects: the draft row deleted; an audit event.
    """
    _member_problem(actor, disclosure.enterprise_id)
    locked = _locked(disclosure, expected_version)
    if locked.status != Status.DRAFT:
        raise ValidationError(
            _("This version has been disclosed: it is kept, and can only be corrected."),
            code="status",
        )
    audit_event_record(
        actor=actor,
        event_type=events.DISCLOSURE_DRAFT_DISCARDED,
        target=locked,
        enterprise=locked.enterprise,
        extra=_event_extra(locked),
    )
    locked.delete()


@transaction.atomic
def disclosure_correction_start(
    *,
    actor: User,
    disclosure: ImmediateDisclosure,
    correction_reason: str = "",
) -> ImmediateDisclosure:
    """Start the correction of a disclosure: a draft of the next revision, pointing at the
    version in force and holding its content, to be changed and submitted
    (`disclosure_submit`). Immediate information can be corrected at any time (§10).

    Rules: the actor is a user of the company; `disclosure` is the version in force of its
    chain (an older version is corrected through the current one); at most one correction is
    written at a time (its draft is continued instead).
    Side effects: the draft row; an audit event.
    """
    _member_problem(actor, disclosure.enterprise_id)
    current = _locked(disclosure, None)
    if current.status != Status.SUBMITTED or not current.is_current:
        raise ValidationError(
            _("Only the version in force of a disclosure can be corrected."), code="status"
        )
    why = disclosing_problem(current.enterprise)
    if why:
        raise ValidationError(why)
    pending = ImmediateDisclosure.objects.filter(correction_of=current).first()
    if pending is not None:
        raise ValidationError(
            _(
                "A correction of this disclosure is already being written (draft, revision "
                "%(revision)d): continue it or discard it."
            )
            % {"revision": pending.revision},
            code="pending",
            params={"draft": pending.pk},
        )
    reason = _reason_checked(correction_reason)
    try:
        with transaction.atomic():
            draft = ImmediateDisclosure.objects.create(
                enterprise=current.enterprise,
                item=current.item,
                changed_on=current.changed_on,
                due_on=current.due_on,
                due_provisional=current.due_provisional,
                content=current.content,
                status=Status.DRAFT,
                revision=current.revision + 1,
                correction_of=current,
                correction_reason=reason,
                created_by=actor,
            )
    except IntegrityError as exc:  # a second correction raced in
        raise ValidationError(
            _("A correction of this disclosure is already being written."), code="pending"
        ) from exc
    audit_event_record(
        actor=actor,
        event_type=events.DISCLOSURE_CORRECTION_STARTED,
        target=draft,
        enterprise=current.enterprise,
        extra=_event_extra(draft, corrects=current.pk),
    )
    return draft


def _fact_summary(disclosure: ImmediateDisclosure) -> str:
    what = ITEM_ZH.get(Item(disclosure.item), disclosure.item)
    if disclosure.correction_of_id is not None:
        return f"更正即时信息：{what}（第{disclosure.revision}版）"
    late = "（逾期公示）" if disclosure.late else ""
    return f"公示即时信息：{what}（{disclosure.changed_on.isoformat()}变更）{late}"


@transaction.atomic
def disclosure_submit(
    *, actor: User, disclosure: ImmediateDisclosure, expected_version: int
) -> ImmediateDisclosure:
    """Disclose a draft: the original of a new disclosure, or a correction.

    Rules: the actor is a user of the company; a draft; the version read; its input checked
    again (`disclosure_check`: the company's state and the dates may have changed since the
    draft was saved). The day disclosed is today (China time); a disclosure filed after its
    due day is accepted and marked late. A correction: the version it corrects must still be in
    force; it must change something (content or the day of the change) and say what was
    corrected and why; it is never late (immediate information can be corrected at any time).
    Side effects: the row submitted and in force (the corrected version kept, no longer in
    force); the `immediate_disclosure` fact (details {"item", "late", "revision"}); for a
    correction also the `self_correction` fact (details {"what": "disclosure", "item"}),
    counted per correction (户次); an audit event.
    """
    _member_problem(actor, disclosure.enterprise_id)
    locked = _locked(disclosure, expected_version)
    if locked.status != Status.DRAFT:
        raise ValidationError(
            _("This version has been disclosed already."),
            code="status",
        )
    enterprise = locked.enterprise
    day, cleaned = disclosure_check(
        enterprise=enterprise,
        item=locked.item,
        changed_on=locked.changed_on,
        content=locked.content,
    )
    today = _today()
    previous: ImmediateDisclosure | None = None
    if locked.correction_of_id is not None:
        previous = ImmediateDisclosure.objects.select_for_update().get(pk=locked.correction_of_id)
        if not previous.is_current or previous.status != Status.SUBMITTED:
            raise ValidationError(
                _("The version this draft corrects is no longer in force: discard the draft."),
                code="status",
            )
        problems = _Problems()
        if cleaned == previous.content and day == previous.changed_on:
            problems.add(
                "__all__",
                _("The correction changes nothing: change what was wrong, or discard the draft."),
            )
        if not locked.correction_reason.strip():
            problems.add(
                "correction_reason", _("Say what was corrected and why: it is shown with it.")
            )
        problems.raise_any()
        previous.is_current = False
        previous.version += 1
        previous.save(update_fields=["is_current", "version"])
    due = disclosure_due(day)
    locked.changed_on = day
    locked.content = cleaned
    locked.due_on = due.day
    locked.due_provisional = due.provisional
    locked.status = Status.SUBMITTED
    locked.is_current = True
    locked.filed_on = today
    locked.late = previous is None and today > due.day
    locked.submitted_at = timezone.now()
    locked.version += 1
    locked.save()
    record = credit_record_append(
        enterprise=enterprise,
        kind=IMMEDIATE_DISCLOSURE,
        occurred_on=today,
        summary=_fact_summary(locked),
        actor=actor,
        is_public=False,
        details={"item": locked.item, "late": locked.late, "revision": locked.revision},
        source=locked,
        audited=False,
    )
    locked.credit_record = record
    locked.save(update_fields=["credit_record"])
    if previous is not None:
        credit_record_append(
            enterprise=enterprise,
            kind=SELF_CORRECTION,
            occurred_on=today,
            summary=f"信息自我纠错：更正即时信息（{ITEM_ZH.get(Item(locked.item), locked.item)}）",
            actor=actor,
            is_public=False,
            details={"what": "disclosure", "item": locked.item},
            source=locked,
            audited=False,
        )
    audit_event_record(
        actor=actor,
        event_type=events.DISCLOSURE_CORRECTED if previous else events.DISCLOSURE_SUBMITTED,
        target=locked,
        enterprise=enterprise,
        extra=_event_extra(
            locked,
            filed_on=today,
            due_on=locked.due_on,
            late=locked.late,
            corrects=previous.pk if previous else None,
            record=record.pk,
        ),
    )
    return locked
