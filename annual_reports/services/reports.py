"""Annual reports (年度报告, docs/domain.md §4): drafts, submission, corrections and paper
reports entered by the bureau.

A report is a chain of versions for one (entity, year) (`annual_reports.models`): the original
(revision 1) and each correction. At most one draft exists per entity and year; submitting it
makes it the version in force and leaves the one it replaces as it was, so both are kept and
shown (条例 art. 12). Every write locks the row it changes, compares the version the caller
read (a stale one is a `ConflictError`: someone else acted first, nothing is written),
validates, writes, records its audit event and appends its ledger facts in one transaction.

Rules (`annual_reports.rules`, docs/domain.md §3, §4, §10):
- one submitted original per year and entity: a second is refused ("already filed; correct it
  instead");
- a year not yet due is refused: the window (1 January – 30 June of the next year) not open,
  or the entity registered after that year, or closed before the deadline (`report_due`);
- from 1 July until `entrance_closed_until` the entrance is closed, except for an entity
  pending listing in the punishment buffer; it then reopens for late filing;
- impossible figures are refused in the user's language (negative headcount, assets,
  liabilities, guarantees, revenue or tax; main-business revenue above the total; absurd
  magnitudes; malformed e-mail, postcode or phone); profit and owners' equity may be negative;
- to submit, the enterprise form needs items 1, 2 and 7 (a company also item 4); the
  simplified individual-business form its phone, headcount, revenue and tax paid;
- corrections are free until 30 June of the next year; after it only on an open invitation
  after a check, and then count as self-correction (docs/domain.md §10);
- staff enter paper reports at any time; a paper report counts from the day it was received.

Ledger facts (through `enterprises.services.ledger`; the report row is their source):
`annual_report_filed` on the original (public for an enterprise; an individual business's only
if it publishes), `annual_report_corrected` on each correction, and `self_correction` beside it
for an invited correction after 30 June.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from annual_reports import audit_events as events
from annual_reports import rules
from annual_reports.kinds import ANNUAL_REPORT_CORRECTED, ANNUAL_REPORT_FILED
from annual_reports.models import AnnualReport, CorrectionInvitation
from annual_reports.selectors.reports import (
    DATA_FIELDS,
    LAST_YEAR_FIELDS,
    LIST_KEY_LABELS,
    form_fields,
    needs_contributions,
    pending_listing,
    report_form_for,
    report_prefill,
)
from credit_portal.audit import audit_event_record
from credit_portal.errors import ConflictError
from credit_portal.models import User
from credit_portal.text import invisible_characters, unstorable_character
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors.register import enterprise_list_for_user
from enterprises.services.ledger import CreditFact, credit_fact_append

Status = AnnualReport.Status
Form = AnnualReport.Form
Channel = AnnualReport.Channel
Correction = AnnualReport.Correction
# remediation's kind, written beside an invited correction (read by its code: the reports area
# does not import remediation).
SELF_CORRECTION = "self_correction"
PAPER_PERM = "annual_reports.enter_paper_annualreport"
REFERENCE_MAX = 64
POSTCODE = re.compile(r"^[0-9]{6}$")
# A mainland mobile (1 and ten digits) or a fixed line with its area code (0 and 2-3 digits,
# 7-8 digits, an optional extension), with an optional +86; spaces and hyphens allowed.
PHONE = re.compile(
    r"^(\+?86[ -]?)?(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}[ -]?[0-9]{7,8}([ -][0-9]{1,6})?)$"
)
CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def _refusal(field: str, message: str, code: str) -> ValidationError:
    """A refusal of one field with its code (the views and the API read both)."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def _today() -> dt.date:
    """The day in China (the portal's time zone): a report submitted at 23:59 on 30 June in
    Beijing is on time."""
    return timezone.localdate()


# --------------------------------------------------------------------------- input


def _text(value: Any, limit: int, *, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ValidationError(_("%(label)s must be text.") % {"label": label})
    text = str(value).strip()
    if unstorable_character(text) is not None:
        raise ValidationError(
            _("%(label)s holds a character that cannot be stored.") % {"label": label}
        )
    if invisible_characters(text):
        raise ValidationError(
            _("%(label)s holds an invisible or direction-changing character.") % {"label": label}
        )
    if len(text) > limit:
        raise ValidationError(
            _("%(label)s may be at most %(n)d characters.") % {"label": label, "n": limit}
        )
    return text


def _decimal(value: Any, *, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(_("%(label)s must be a number.") % {"label": label})
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(_("%(label)s must be a number.") % {"label": label}) from None
    if not number.is_finite():
        raise ValidationError(_("%(label)s must be a number.") % {"label": label})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(
            _("%(label)s: at most two decimals (CNY 10,000, i.e. to the hundred yuan).")
            % {"label": label}
        )
    return number.quantize(Decimal("0.01"))


def _money(name: str, value: Any) -> Decimal | None:
    label = _label(name)
    number = _decimal(value, label=label)
    if number is None:
        return None
    if number < 0 and name not in rules.MONEY_MAY_BE_NEGATIVE:
        raise ValidationError(
            _("%(label)s cannot be negative.") % {"label": label}, code="impossible"
        )
    if abs(number) > rules.MONEY_LIMIT:
        raise ValidationError(
            _(
                "%(label)s is more than CNY %(limit)s ×10,000: amounts are in CNY 10,000 (万元); "
                "check the figure."
            )
            % {"label": label, "limit": f"{rules.MONEY_LIMIT:,}"},
            code="impossible",
        )
    return number


def _headcount(value: Any) -> int | None:
    label = _label("headcount")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(_("%(label)s must be a whole number.") % {"label": label})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("%(label)s must be a whole number.") % {"label": label}) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(_("%(label)s must be a whole number.") % {"label": label})
    if number < 0:
        raise ValidationError(
            _("%(label)s cannot be negative.") % {"label": label}, code="impossible"
        )
    if number > rules.HEADCOUNT_LIMIT:
        raise ValidationError(
            _("%(label)s of more than %(n)s people is not possible; check the figure.")
            % {"label": label, "n": f"{rules.HEADCOUNT_LIMIT:,}"},
            code="impossible",
        )
    return int(number)


def _date(value: Any, *, label: str) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValidationError(
            _("%(label)s must be a date (YYYY-MM-DD).") % {"label": label}
        ) from None


def _url(value: str, *, label: str) -> str:
    candidate = value if "://" in value else f"http://{value}"
    try:
        URLValidator(schemes=["http", "https"])(candidate)
    except ValidationError:
        raise ValidationError(
            _("%(label)s is not a web address (e.g. https://shop.example.cn).") % {"label": label}
        ) from None
    return value


def _label(name: str) -> str:
    """A field's label in the active language (kept per language: the checks name a field in
    every message, and a report has some forty fields)."""
    return _label_in(name, get_language() or "")


@functools.lru_cache(maxsize=1024)
def _label_in(name: str, language: str) -> str:
    if name in LIST_KEY_LABELS:
        return str(LIST_KEY_LABELS[name])
    return capfirst(str(getattr(AnnualReport._meta.get_field(name), "verbose_name", name)))


def _key_label(key: str) -> str:
    """The label of a key of a list item's row (`LIST_KEY_LABELS`), in the active language."""
    return _label_in(key, get_language() or "") if key in LIST_KEY_LABELS else key


def _list_rows(name: str, value: Any) -> list[dict[str, Any]]:
    """A list item (`rules.LIST_ITEMS`): a list of objects; unknown keys dropped, empty rows
    dropped, each key checked by its kind; a message per row names the row and the key."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(_("%(label)s must be a list of rows.") % {"label": _label(name)})
    if len(value) > rules.LIST_MAX_ROWS:
        raise ValidationError(
            _("%(label)s: at most %(n)d rows.") % {"label": _label(name), "n": rules.LIST_MAX_ROWS}
        )
    spec = rules.LIST_ITEMS[name]
    rows: list[dict[str, Any]] = []
    messages: list[str] = []
    for index, raw in enumerate(value, start=1):
        if not isinstance(raw, Mapping):
            messages.append(_("Row %(n)d is not an object.") % {"n": index})
            continue
        row: dict[str, Any] = {}
        problems: list[str] = []
        for key, (kind, _required, limit) in spec.items():
            label = _key_label(key)
            item = raw.get(key)
            try:
                if kind == "money":
                    number = _decimal(item, label=label)
                    if number is not None and number < 0:
                        raise ValidationError(_("%(label)s cannot be negative.") % {"label": label})
                    if number is not None and number > rules.MONEY_LIMIT:
                        raise ValidationError(
                            _("%(label)s is not a possible amount in CNY 10,000.")
                            % {"label": label}
                        )
                    cleaned: Any = str(number) if number is not None else ""
                elif kind == "percent":
                    number = _decimal(item, label=label)
                    if number is not None and not (0 <= number <= 100):
                        raise ValidationError(
                            _("%(label)s must be between 0 and 100.") % {"label": label}
                        )
                    cleaned = str(number) if number is not None else ""
                elif kind == "date":
                    cleaned = _date(item, label=label)
                elif kind.startswith("choice:"):
                    choices = kind.split(":", 1)[1].split("|")
                    cleaned = _text(item, 20, label=label)
                    if cleaned and cleaned not in choices:
                        raise ValidationError(
                            _("%(label)s must be one of: %(choices)s.")
                            % {"label": label, "choices": ", ".join(choices)}
                        )
                else:
                    cleaned = _text(item, limit, label=label)
                    if kind == "code" and cleaned:
                        cleaned = cleaned.upper()
                        if not CODE.match(cleaned):
                            raise ValidationError(
                                _("%(label)s must be 18 characters (digits and capitals).")
                                % {"label": label}
                            )
                    if kind == "url" and cleaned:
                        cleaned = _url(cleaned, label=label)
            except ValidationError as exc:
                problems.extend(exc.messages)
                continue
            if cleaned != "":
                row[key] = cleaned
        if not row and not problems:
            continue  # an empty row of the form
        for key, (_kind, required, _limit) in spec.items():
            if required and key not in row and not any(_key_label(key) in p for p in problems):
                problems.append(_("give the %(label)s") % {"label": _key_label(key).lower()})
        paid, subscribed = row.get("paid"), row.get("subscribed")
        if name == "contributions" and paid and subscribed and Decimal(paid) > Decimal(subscribed):
            problems.append(_("the paid-in contribution is more than the subscribed one"))
        if problems:
            messages.append(
                _("Row %(n)d: %(problems)s.")
                % {"n": index, "problems": "; ".join(p.rstrip(".") for p in problems)}
            )
        rows.append(row)
    if messages:
        raise ValidationError(messages)
    return rows


def _clean_value(name: str, value: Any) -> Any:
    if name in rules.LIST_ITEMS:
        return _list_rows(name, value)
    if name in rules.MONEY_FIELDS:
        return _money(name, value)
    if name == "headcount":
        return _headcount(value)
    if name in ("publish", "publish_financials"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in (
            "true",
            "on",
            "1",
            "yes",
            "false",
            "0",
            "no",
            "",
        ):
            return value.lower() in ("true", "on", "1", "yes")
        raise ValidationError(_("Choose yes or no."))
    if name == "operating_status":
        if value not in AnnualReport.OperatingStatus.values:
            raise ValidationError(_("Choose the operating status."))
        return value
    label = _label(name)
    if name == "postcode":
        text = _text(value, 6 + 10, label=label).replace(" ", "")
        if text and not POSTCODE.match(text):
            raise ValidationError(_("A postcode is six digits (e.g. 610200)."))
        return text
    if name == "phone":
        text = _text(value, rules.TEXT_FIELDS_MAX["phone"], label=label)
        if text and not PHONE.match(text):
            raise ValidationError(
                _(
                    "Give a mobile number (13800000000) or a fixed line with its area code "
                    "(028-85000000)."
                )
            )
        return text
    if name == "email":
        text = _text(value, 254, label=label)
        if text:
            try:
                EmailValidator()(text)
            except ValidationError:
                raise ValidationError(_("Give a valid e-mail address (name@example.cn).")) from None
        return text
    return _text(value, rules.TEXT_FIELDS_MAX.get(name, 255), label=label)


def report_data_cleaned(data: Mapping[str, Any], *, form: str) -> dict[str, Any]:
    """The report fields of `form` in `data`, checked and normalised (numbers as Decimal,
    lists of rows checked key by key); keys of the other form or unknown are ignored. Raises
    ValidationError with every field's problems at once. Side effects: none."""
    allowed = set(form_fields(form)) | {"correction_reason"}
    clean: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, value in data.items():
        if name not in allowed:
            continue
        try:
            clean[name] = _clean_value(name, value)
        except ValidationError as exc:
            problems[name] = exc.messages
    if problems:
        raise ValidationError(problems)
    return clean


def _consistency_problems(report: AnnualReport) -> dict[str, list[str]]:
    """Figures that contradict each other (checked on every save)."""
    problems: dict[str, list[str]] = {}
    if (
        report.main_revenue is not None
        and report.total_revenue is not None
        and report.main_revenue > report.total_revenue
    ):
        problems["main_revenue"] = [
            _("Main-business revenue cannot be more than the total revenue (%(total)s).")
            % {"total": report.total_revenue}
        ]
    return problems


def report_completeness_problems(
    report: AnnualReport, enterprise: Enterprise
) -> dict[str, list[str]]:
    """What a version lacks to be submitted: the enterprise form items 1, 2 and 7 (a company
    also item 4, its shareholders' contributions); the simplified form its phone, headcount,
    revenue and tax paid (docs/domain.md §4). Side effects: none."""
    problems: dict[str, list[str]] = {}
    if report.form == Form.INDIVIDUAL:
        required: tuple[str, ...] = ("phone", *rules.INDIVIDUAL_FIGURES)
    else:
        required = ("mailing_address", "postcode", "phone", "email", *rules.ITEM_7_FIELDS)
    for name in required:
        if getattr(report, name) in (None, ""):
            problems[name] = [_("Required to submit: %(label)s.") % {"label": _label(name)}]
    if (
        report.form == Form.ENTERPRISE
        and needs_contributions(enterprise)
        and not report.contributions
    ):
        problems["contributions"] = [
            _(
                "A company reports each shareholder's subscribed and paid-in contribution "
                "(item 4): add at least one shareholder."
            )
        ]
    for key, messages in _consistency_problems(report).items():
        problems.setdefault(key, []).extend(messages)
    return problems


# --------------------------------------------------------------------------- the rules of a year


def _not_due_message(reason: str, enterprise: Enterprise, year: int) -> str:
    if reason == rules.NOT_REGISTERED_YET:
        return _(
            "No report is due for %(year)s: the entity was registered in %(reg)s and reports "
            "first for that year."
        ) % {"year": year, "reg": enterprise.registered_on.year}
    return _(
        "No report is due for %(year)s: the entity was deregistered, revoked or moved out "
        "before the deadline."
    ) % {"year": year}


def _year_problem(enterprise: Enterprise, year: int, today: dt.date, *, online: bool) -> None:
    """Refuse a report for a year that is not due, whose window is not open, or (online) while
    the entrance is closed and the entity is not pending listing."""
    due, why = rules.report_due(enterprise, year)
    if not due:
        raise _refusal("year", _not_due_message(why, enterprise, year), "not_due")
    if today < rules.window_opens(year):
        raise _refusal(
            "year",
            _(
                "The report for %(year)s is not due yet: it can be filed from %(day)s to "
                "%(deadline)s."
            )
            % {
                "year": year,
                "day": rules.window_opens(year),
                "deadline": rules.report_deadline(year),
            },
            "not_due",
        )
    if not online:
        return
    deadline = rules.report_deadline(year)
    if deadline < today <= rules.entrance_closed_until(year):
        pending = pending_listing(enterprise=enterprise, year=year)
        ok, _why = rules.submission_open(today, year, pending_listing=pending)
        if not ok:
            reopens = rules.entrance_closed_until(year) + dt.timedelta(days=1)
            raise _refusal(
                "year",
                _(
                    "The filing entrance is closed after 30 June while listings are processed; "
                    "it reopens on %(day)s for late filing."
                )
                % {"day": reopens},
                "entrance_closed",
            )


def _already_filed(year: int) -> ValidationError:
    return _refusal(
        "year",
        _(
            "The report for %(year)s has already been filed: correct it instead of filing a "
            "second one."
        )
        % {"year": year},
        "filed",
    )


def _invitation_open(
    enterprise: Enterprise, year: int, today: dt.date
) -> CorrectionInvitation | None:
    from annual_reports.services.invitations import invitation_open_for

    return invitation_open_for(enterprise=enterprise, year=year, on=today)


def _needs_invitation(year: int) -> ValidationError:
    return _refusal(
        "year",
        _(
            "Corrections after 30 June need an invitation after a check: the report for "
            "%(year)s could be corrected freely until %(day)s. Contact the bureau if it holds "
            "an error."
        )
        % {"year": year, "day": rules.free_correction_until(year)},
        "needs_invitation",
    )


# --------------------------------------------------------------------------- locking and filing


def _locked(report: AnnualReport, expected_version: int | None) -> AnnualReport:
    """The version locked, or a ConflictError when someone acted on it first.

    The row is locked reading its version only; when the caller's object holds that version it
    is the stored content (every write raises the version) and is used as it is, else the row
    is read again."""
    version, status = (
        AnnualReport.objects.select_for_update()
        .filter(pk=report.pk)
        .values_list("version", "status")
        .get()  # versions are never deleted
    )
    if expected_version is None or version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this report first: it is now “%(status)s” (version "
                "%(v)d). Nothing was written; read it again before you act."
            )
            % {"status": dict(Status.choices).get(status, status), "v": version},
            current_version=version,
        )
    if report.version == version and report.status == status:
        return copy.copy(report)  # the caller's object stays as it read it
    locked = AnnualReport.objects.get(pk=report.pk)
    # The entity as the caller loaded it (its state is read for the rules; the ledger append
    # locks and reads it again).
    if AnnualReport.enterprise.is_cached(report) and report.enterprise_id == locked.enterprise_id:
        locked.enterprise = report.enterprise
    return locked


def _apply(report: AnnualReport, clean: Mapping[str, Any]) -> None:
    for name, value in clean.items():
        setattr(report, name, value)


def _fact_summary(report: AnnualReport) -> str:
    """The ledger fact's stored summary (Chinese, as the publicity system words it)."""
    if report.revision == 1:
        text = f"报送{report.year}年度报告"
        if report.channel == Channel.PAPER:
            text += "（纸质报送）"
        if report.late:
            text += "（逾期报送）"
        return text
    if report.correction == Correction.SELF_CORRECTION:
        return f"{report.year}年度报告信息自我纠错（第{report.revision}版）"
    return f"更正{report.year}年度报告（第{report.revision}版）"


def _file(
    report: AnnualReport,
    *,
    actor: User,
    enterprise: Enterprise,
    filed_on: dt.date,
    late: bool,
    event: str,
    extra: Mapping[str, Any] | None = None,
) -> AnnualReport:
    """Make `report` (locked, a draft) the submitted version in force, filed on `filed_on`,
    with its ledger facts and audit event."""
    previous_id = report.correction_of_id
    if previous_id is not None:
        # One version in force per year (annrep_one_current): the old one steps down first.
        AnnualReport.objects.filter(pk=previous_id).update(is_current=False)
    report.status = Status.SUBMITTED
    report.is_current = True
    report.filed_on = filed_on
    report.late = late
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    source = CreditFact.source_of(report)
    if report.revision == 1:
        public = report.form == Form.ENTERPRISE or report.publish
        record = credit_fact_append(
            fact=CreditFact(
                enterprise_id=enterprise.pk,
                kind=ANNUAL_REPORT_FILED,
                occurred_on=filed_on,
                summary=_fact_summary(report),
                is_public=public,
                details={
                    "year": report.year,
                    "late": late,
                    "channel": report.channel,
                    "form": report.form,
                },
                source=source,
            ),
            actor=actor,
            audited=False,  # the report's own event records it
        )
    else:
        record = credit_fact_append(
            fact=CreditFact(
                enterprise_id=enterprise.pk,
                kind=ANNUAL_REPORT_CORRECTED,
                occurred_on=filed_on,
                summary=_fact_summary(report),
                details={
                    "year": report.year,
                    "revision": report.revision,
                    "correction": report.correction,
                },
                source=source,
            ),
            actor=actor,
            audited=False,
        )
        if report.correction == Correction.SELF_CORRECTION:
            credit_fact_append(
                fact=CreditFact(
                    enterprise_id=enterprise.pk,
                    kind=SELF_CORRECTION,
                    occurred_on=filed_on,
                    summary=f"{report.year}年度报告信息自我纠错",
                    details={
                        "what": "annual_report",
                        "year": report.year,
                        "invitation": report.invitation_id,
                    },
                    source=source,
                ),
                actor=actor,
                audited=False,
            )
            from annual_reports.services.invitations import invitation_mark_used

            assert report.invitation_id is not None  # noqa: S101 - a self-correction has one
            invitation = CorrectionInvitation.objects.get(pk=report.invitation_id)
            invitation_mark_used(actor=actor, invitation=invitation, report=report)
    report.credit_record = record
    report.version += 1
    report.save(
        update_fields=[
            "status",
            "is_current",
            "filed_on",
            "late",
            "submitted_at",
            "submitted_by",
            "credit_record",
            "correction",
            "invitation",
            "version",
            "updated_at",
        ]
    )
    audit_event_record(
        actor=actor,
        event_type=event,
        target=report,
        enterprise=enterprise,
        extra={
            "year": report.year,
            "revision": report.revision,
            "channel": report.channel,
            "filed_on": filed_on,
            "late": late,
            "correction": report.correction,
            "record": record.pk,
            **(extra or {}),
        },
    )
    return report


# --------------------------------------------------------------------------- the services


@transaction.atomic
def report_draft_save(
    *,
    actor: User,
    enterprise: Enterprise,
    year: int,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> AnnualReport:
    """Save the draft of `enterprise`'s report for `year`: create it (prefilled from the
    register and last year's report, `report_prefill`, then `data`) or change the one draft
    (`expected_version`: the version the caller read; a stale one, or a draft created meanwhile
    by someone else, is a ConflictError).

    Rules: a year not due or whose window has not opened is refused (`report_due`, 1 January of
    the next year); a year already filed is refused ("correct it instead": a correction is
    started with `report_correction_start`); every field given is checked (formats, impossible
    or inconsistent figures); completeness is only required to submit.
    Side effects: the draft (its version up by one); an audit event.
    """
    today = _today()
    form = report_form_for(enterprise)
    # The year's draft and version in force, locked, in one query (their keys and versions:
    # creating a draft, the usual case, needs no more).
    rows = list(
        AnnualReport.objects.select_for_update()
        .filter(Q(status=Status.DRAFT) | Q(is_current=True), enterprise=enterprise, year=year)
        .order_by()
        .values_list("pk", "status", "version")
    )
    found = next((r for r in rows if r[1] == Status.DRAFT), None)
    current = next((r for r in rows if r[1] != Status.DRAFT), None)
    if found is not None:
        if expected_version is None or found[2] != expected_version:
            raise ConflictError(
                _(
                    "This report's draft was changed by someone else first (now version %(v)d). "
                    "Nothing was written; read it again before you save."
                )
                % {"v": found[2]},
                current_version=found[2],
            )
        draft = AnnualReport.objects.get(pk=found[0])
        clean = report_data_cleaned(data, form=draft.form)
        _apply(draft, clean)
        problems = _consistency_problems(draft)
        if problems:
            raise ValidationError(problems)
        draft.version += 1
        draft.save()
        created = False
    else:
        if current is not None:
            if expected_version is not None:
                raise ConflictError(
                    _(
                        "This draft has been submitted meanwhile. Nothing was written; read the "
                        "report again."
                    ),
                    current_version=current[2],
                )
            raise _already_filed(year)
        _year_problem(enterprise, year, today, online=False)
        clean = report_data_cleaned(data, form=form)
        draft = AnnualReport(
            enterprise=enterprise,
            year=year,
            form=form,
            revision=1,
            status=Status.DRAFT,
            channel=Channel.ONLINE,
            created_by=actor,
        )
        fields = form_fields(form)
        # Last year's report is read only for what `data` leaves out (a page's form sends every
        # field: it was prefilled when shown).
        needed = any(f in fields and f not in clean for f in LAST_YEAR_FIELDS)
        prefill = report_prefill(enterprise=enterprise, year=year, last_year=needed)
        _apply(draft, {k: v for k, v in prefill.items() if k in form_fields(form)})
        _apply(draft, clean)
        problems = _consistency_problems(draft)
        if problems:
            raise ValidationError(problems)
        try:
            # No savepoint: a refusal ends the service's transaction, which is rolled back.
            draft.save(force_insert=True)
        except IntegrityError:
            raise ConflictError(
                _(
                    "Someone else started this report at the same time. Nothing was written; "
                    "read it again before you save."
                ),
                current_version=1,
            ) from None
        created = True
    audit_event_record(
        actor=actor,
        event_type=events.REPORT_DRAFT_SAVED,
        target=draft,
        enterprise=enterprise,
        extra={
            "year": year,
            "revision": draft.revision,
            "created": created,
            "fields": sorted(clean),
        },
    )
    return draft


@transaction.atomic
def report_submit(*, actor: User, report: AnnualReport, expected_version: int) -> AnnualReport:
    """Submit a draft: the original of a year, or a correction.

    Rules: the version read (two submissions at once: the second gets a ConflictError and
    nothing of it is written); a draft; complete (`report_completeness_problems`) and
    consistent. An original: the year due and its window open, the entrance not closed (from 1
    July to `entrance_closed_until`, unless the entity is pending listing in the buffer); filed
    today (China's date), late when after 30 June of the next year. A correction: free until
    30 June; after it only with an open invitation (respond_by not passed), which makes it a
    self-correction (a free correction started before 30 June and submitted after it becomes
    one when an invitation is open, and is refused otherwise); it keeps the original's late flag.
    Side effects: the version submitted and in force (the one it replaces kept, no longer in
    force); the ledger: `annual_report_filed` for an original (public for an enterprise, an
    individual business's only if it publishes; details year, late, channel, form),
    `annual_report_corrected` for a correction, and `self_correction` with it for an invited
    one (the invitation marked used); an audit event.
    """
    locked = _locked(report, expected_version)
    if locked.status != Status.DRAFT:
        raise ValidationError(
            _("This version has already been submitted (on %(day)s).") % {"day": locked.filed_on},
            code="submitted",
        )
    enterprise = locked.enterprise
    today = _today()
    year = locked.year
    if locked.revision == 1:
        _year_problem(enterprise, year, today, online=True)
        late = rules.report_late(today, year)
    else:
        late = _correction_checked(locked, enterprise, today)
    problems = report_completeness_problems(locked, enterprise)
    if problems:
        raise ValidationError(problems, code="incomplete")
    return _file(
        locked,
        actor=actor,
        enterprise=enterprise,
        filed_on=today,
        late=late,
        event=events.REPORT_SUBMITTED,
    )


def _correction_checked(report: AnnualReport, enterprise: Enterprise, today: dt.date) -> bool:
    """Check (and settle) the kind of a correction on the day it is submitted; returns the
    original's late flag, which the correction keeps."""
    year = report.year
    if today <= rules.free_correction_until(year):
        if report.correction != Correction.SELF_CORRECTION:
            report.correction = Correction.FREE
    else:
        invitation = None
        if report.invitation_id is not None:
            invitation = CorrectionInvitation.objects.filter(
                pk=report.invitation_id,
                status=CorrectionInvitation.Status.OPEN,
                respond_by__gte=today,
            ).first()
        if invitation is None:
            invitation = _invitation_open(enterprise, year, today)
        if invitation is None:
            raise _needs_invitation(year)
        report.correction = Correction.SELF_CORRECTION
        report.invitation = invitation
    original = AnnualReport.objects.filter(
        enterprise=enterprise, year=year, revision=1, status=Status.SUBMITTED
    ).first()
    return bool(original and original.late)


@transaction.atomic
def report_correction_start(*, actor: User, enterprise: Enterprise, year: int) -> AnnualReport:
    """Start a correction of `year`'s report: a new draft version copying the version in force
    (or the correction already being written, returned as it is).

    Rules: a report filed for the year; until 30 June of the next year a free correction; after
    it only when an open invitation after a check exists for (entity, year) whose respond-by day
    has not passed: then a self-correction linked to the invitation; otherwise refused
    ("corrections after 30 June need an invitation after a check").
    Side effects: the draft; an audit event.
    """
    current = (
        AnnualReport.objects.select_for_update()
        .filter(enterprise=enterprise, year=year, is_current=True)
        .first()
    )
    if current is None:
        raise _refusal(
            "year",
            _("No report for %(year)s has been filed yet: file it first.") % {"year": year},
            "not_filed",
        )
    draft = AnnualReport.objects.filter(
        enterprise=enterprise, year=year, status=Status.DRAFT
    ).first()
    if draft is not None:
        return draft
    today = _today()
    invitation = None
    if today <= rules.free_correction_until(year):
        kind = Correction.FREE
    else:
        invitation = _invitation_open(enterprise, year, today)
        if invitation is None:
            raise _needs_invitation(year)
        kind = Correction.SELF_CORRECTION
    draft = AnnualReport(
        enterprise=enterprise,
        year=year,
        form=current.form,
        status=Status.DRAFT,
        revision=current.revision + 1,
        correction_of=current,
        correction=kind,
        invitation=invitation,
        channel=Channel.ONLINE,
        created_by=actor,
    )
    for name in DATA_FIELDS:
        value = getattr(current, name)
        setattr(draft, name, [dict(r) for r in value] if isinstance(value, list) else value)
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:  # pragma: no cover - the lock on the version in force serialises
        found = AnnualReport.objects.filter(
            enterprise=enterprise, year=year, status=Status.DRAFT
        ).first()
        if found is None:
            raise
        return found
    audit_event_record(
        actor=actor,
        event_type=events.REPORT_CORRECTION_STARTED,
        target=draft,
        enterprise=enterprise,
        extra={
            "year": year,
            "revision": draft.revision,
            "correction": kind,
            "invitation": invitation.pk if invitation else None,
        },
    )
    return draft


@transaction.atomic
def report_paper_enter(
    *,
    actor: User,
    enterprise: Enterprise,
    year: int,
    data: Mapping[str, Any],
    received_on: dt.date,
    reference: str = "",
) -> AnnualReport:
    """Enter a report the bureau received on paper (docs/domain.md §4), at any time of the year.

    Rules: the actor holds `enter_paper_annualreport` (a PermissionDenied otherwise) and the
    entity is in their jurisdiction; the received day is neither in the future nor before the
    window of the year opened; the year is due (`report_due`) and not filed yet ("correct it
    instead"); the report complete and consistent, as online. It counts from the day it was
    received: filed on that day, late when that day is after 30 June of the next year. A draft
    the enterprise had begun online for the year is replaced by the paper report.
    Side effects: the version submitted and in force (channel paper, the file reference); the
    `annual_report_filed` fact dated the received day; an audit event.
    """
    if not actor.has_perm(PAPER_PERM):
        raise PermissionDenied(_("Entering paper reports needs the permission to do so."))
    if not enterprise_list_for_user(user=actor).filter(pk=enterprise.pk).exists():
        raise _refusal(
            "enterprise", _("This market entity is outside your jurisdiction."), "jurisdiction"
        )
    # One filing at a time per entity, locked in the order an online submission locks (the
    # draft, then the entity): a submission racing this entry waits, then finds the report
    # filed (a clear refusal) or its draft taken over (a conflict), never a constraint error.
    list(
        AnnualReport.objects.select_for_update()
        .filter(enterprise=enterprise, year=year, status=Status.DRAFT)
        .values_list("pk", flat=True)
    )
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).values_list("pk").first()
    today = _today()
    problems: dict[str, list[str]] = {}
    if received_on > today:
        problems["received_on"] = [_("The day received cannot be in the future.")]
    elif received_on < rules.window_opens(year):
        problems["received_on"] = [
            _(
                "A report for %(year)s cannot have been received before its window opened "
                "on %(day)s."
            )
            % {"year": year, "day": rules.window_opens(year)}
        ]
    try:
        reference = _text(reference, REFERENCE_MAX, label=_label("paper_reference"))
    except ValidationError as exc:
        problems["reference"] = exc.messages
    form = report_form_for(enterprise)
    try:
        clean = report_data_cleaned(data, form=form)
    except ValidationError as exc:
        clean = {}
        for key, errors in exc.error_dict.items():
            problems.setdefault(key, []).extend(m for e in errors for m in e.messages)
    try:
        if AnnualReport.objects.filter(enterprise=enterprise, year=year, is_current=True).exists():
            raise _already_filed(year)
        _year_problem(enterprise, year, today, online=False)
    except ValidationError as exc:
        for key, errors in exc.error_dict.items():
            problems.setdefault(key, []).extend(m for e in errors for m in e.messages)
    if problems:
        raise ValidationError(problems)
    draft = (
        AnnualReport.objects.select_for_update()
        .filter(enterprise=enterprise, year=year, status=Status.DRAFT)
        .first()
    )
    if draft is None:
        draft = AnnualReport(enterprise=enterprise, year=year, revision=1, created_by=actor)
    # The paper report is what it says: nothing of an online draft or of a prefill remains.
    blank = AnnualReport()
    for name in DATA_FIELDS:
        setattr(draft, name, getattr(blank, name))
    draft.form = form
    draft.status = Status.DRAFT
    draft.channel = Channel.PAPER
    draft.paper_reference = reference
    draft.correction = Correction.NONE
    _apply(draft, clean)
    missing = report_completeness_problems(draft, enterprise)
    if missing:
        raise ValidationError(missing, code="incomplete")
    if draft.pk is not None:
        draft.save()  # the paper's content over the online draft
    else:
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError:
            raise ConflictError(
                _(
                    "Someone else filed this report at the same time. Nothing was written; read "
                    "it again."
                ),
                current_version=1,
            ) from None
    return _file(
        draft,
        actor=actor,
        enterprise=enterprise,
        filed_on=received_on,
        late=rules.report_late(received_on, year),
        event=events.REPORT_PAPER_ENTERED,
        extra={"reference": reference, "received_on": received_on},
    )


def report_record_of(report: AnnualReport) -> CreditRecord | None:
    """The ledger fact a submitted version wrote (filed, or corrected)."""
    if report.credit_record_id is None:
        return None
    return CreditRecord.objects.filter(pk=report.credit_record_id).first()
