"""The notice of a directory case (告知书, docs/domain.md §3): what happened to the entity and
what it may do, with the dates, as a page in the self-service area and as a printable letter.

One text per state of the case, in Chinese as official documents are
(`credit_portal.documents`):
- pending listing (惩戒缓冲): the report missing, the buffer deadline, filing in time means no
  listing and nothing public, the credit pledge;
- listed (an enterprise): reason, date, authority and decision number; how to cure it (a
  reason-1 listing: file every missing year, then removed without applying within 5 WD; other
  reasons: cure, then apply for removal), the objection period (30 days from publication), the
  3-year rule, administrative review and lawsuit;
- marked (an individual business, 标记为经营异常状态): file the missing report online, restored
  the same day (零跑腿);
- removed / restored (恢复正常记载状态), closed without listing, revoked as wrongful, moved to
  the serious list.

The PDF is made when the letter is first opened or printed (`case_notice_document`), never in
a job (the deadline run makes none: bench/deadline_run_bench.py). The first time the
enterprise opens its notice, `case_notice_opened` records when (audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record
from credit_portal.dates import chinese_date
from credit_portal.models import User
from remediation import audit_events as events
from remediation import rules
from remediation.models import DirectoryCase

State = DirectoryCase.State
Reason = DirectoryCase.Reason
Removal = DirectoryCase.Removal

NOTICE_OPENED = events.DIRECTORY_NOTICE_OPENED

# The reasons as the listing decision states them (条例 art. 17; Order 68 / Order 101).
LISTING_REASONS = {
    Reason.LATE_REPORT: "未按照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
    Reason.NOT_DISCLOSED: (
        "未在市场监督管理部门依照《企业信息公示暂行条例》第十条规定责令的期限内公示有关企业信息"
    ),
    Reason.FALSE_INFORMATION: "公示企业信息隐瞒真实情况、弄虚作假",
    Reason.UNREACHABLE: "通过登记的住所或者经营场所无法联系",
}
# An individual business's marking reasons (Order 69; the codes differ: INDIVIDUAL_MARK_CODES).
MARKING_REASONS = {
    Reason.LATE_REPORT: "未按照规定报送年度报告",
    Reason.NOT_DISCLOSED: "未按照规定公示有关信息",
    Reason.FALSE_INFORMATION: "年度报告隐瞒真实情况、弄虚作假",
    Reason.UNREACHABLE: "通过登记的经营场所或者经营者住所无法取得联系",
}
# Why a listing ended (removal codes, docs/domain.md §3).
REMOVAL_REASONS = {
    Removal.REPORTS_FILED: "已补报未报年份的年度报告并公示",
    Removal.DISCLOSED: "已依照规定履行有关企业信息公示义务",
    Removal.CORRECTED: "已更正其公示的信息",
    Removal.ADDRESS_CHANGED: "已依法办理住所或者经营场所变更登记",
    Removal.REACHABLE: "提出通过登记的住所或者经营场所可以重新取得联系，经核实属实",
    Removal.THREE_YEARS: "列入经营异常名录届满3年仍未履行相关义务，已列入严重违法失信名单",
    Removal.CLOSED_ENTITY: "已依法注销、被吊销营业执照或者被撤销登记",
}
# How to cure a listing of reasons 2-4 (then apply for removal).
CURES = {
    Reason.NOT_DISCLOSED: "依照规定履行有关企业信息公示义务",
    Reason.FALSE_INFORMATION: "更正其公示的信息",
    Reason.UNREACHABLE: (
        "依法办理住所或者经营场所变更登记，或者提出通过登记的住所或者经营场所可以重新取得联系"
    ),
}


class NoticeKind:
    """Which text a notice has (`CaseNotice.kind`)."""

    PENDING = "pending"
    LISTED = "listed"
    MARKED = "marked"
    REMOVED = "removed"
    RESTORED = "restored"
    CLOSED = "closed"
    REVOKED = "revoked"
    MOVED_SERIOUS = "moved_serious"


@dataclass(frozen=True)
class CaseNotice:
    """The notice of one case as data: the page shows it, `case_notice_document` prints it."""

    kind: str
    title: str
    number: str
    date: dt.date
    party: str
    party_details: list[str]
    paragraphs: list[str]
    # Headed lists after the paragraphs: (heading, items), e.g. what to do.
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    issuer: str = ""
    # The dates the page highlights: [(label, day)], in the reader's language.
    key_dates: list[tuple[str, dt.date]] = field(default_factory=list)


def _bureau() -> str:
    return str(settings.CREDIT_PORTAL.get("BUREAU_NAME") or "")


def _issuer(case: DirectoryCase) -> str:
    """The deciding department's name: the bureau's full name for the bureau's cases."""
    department = case.department
    if department is None or department.is_bureau:
        return _bureau()
    return department.name


def _report_text(case: DirectoryCase) -> str:
    """The report the case is about: "2024年度报告", or "年度报告" without a year."""
    return f"{case.report_year}年度报告" if case.report_year else "年度报告"


def _report_deadline(year: int) -> dt.date:
    from annual_reports.rules import report_deadline

    return report_deadline(year)


def _you(case: DirectoryCase) -> str:
    """How the letter addresses the entity: 你单位; an individual business 你（户）."""
    return "你（户）" if case.individual_business else "你单位"


def _publication_day(case: DirectoryCase) -> dt.date | None:
    record = case.listing_record
    if record is not None and record.publicity_start is not None:
        return record.publicity_start
    return case.listed_on


def objection_deadline(case: DirectoryCase) -> dt.date | None:
    """The last day an objection to the listing may be filed: 30 calendar days from its
    publication (docs/domain.md §3, `rules.OBJECTION_DAYS`); None when not listed."""
    from remediation.services.objections import objection_window

    window = objection_window(case)  # the one rule the objection service applies
    return window.last_day if window is not None else None


def _auto_removal() -> bool:
    return bool(rules.directory_setting("AUTO_REMOVAL", rules.AUTO_REMOVAL))


def _removal_working_days() -> int:
    return int(str(rules.directory_setting("REMOVAL_WORKING_DAYS", rules.REMOVAL_WORKING_DAYS)))


def _serious_due(case: DirectoryCase) -> dt.date | None:
    if case.serious_due:
        return case.serious_due
    if case.listed_on:
        from credit_portal.dates import add_years

        return add_years(case.listed_on, rules.SERIOUS_AFTER_YEARS)
    return None


def _remedies(you: str) -> str:
    return (
        f"{you}如对本决定不服，可以自收到本告知书之日起六十日内依法申请行政复议，"
        "或者自收到之日起六个月内依法向人民法院提起行政诉讼。"
    )


def _pending(case: DirectoryCase, you: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    report = _report_text(case)
    deadline = case.buffer_deadline
    deadline_text = chinese_date(deadline) if deadline else "缓冲期届满"
    filed_by = chinese_date(_report_deadline(case.report_year)) if case.report_year else "规定期限"
    paragraphs = [
        f"{you}未按照《企业信息公示暂行条例》第八条的规定，于{filed_by}前报送并公示{report}。"
        f"根据本局信用惩戒缓冲措施，{you}符合暂缓列入经营异常名录的条件，本局决定暂缓将{you}列入"
        "经营异常名录，本次暂缓不向社会公示。",
        f"请{you}于{deadline_text}前，通过企业信用监管服务平台“我的企业—年度报告”或者国家企业"
        f"信用信息公示系统补报{report}并公示。在上述期限内补报并公示的，不列入经营异常名录；"
        f"逾期仍未补报的，本局将依法将{you}列入经营异常名录，并通过国家企业信用信息公示系统向社会公示。",
    ]
    if case.pledged_on:
        paragraphs.append(
            f"{you}已于{chinese_date(case.pledged_on)}作出信用承诺，请按照承诺按期补报年度报告，"
            "并对所报信息的真实性、准确性负责。"
        )
    else:
        paragraphs.append(
            f"{you}可以在缓冲期内通过平台作出信用承诺，承诺按期补报年度报告并对所报信息的真实性、"
            "准确性负责。"
        )
    return "暂缓列入经营异常名录告知书", paragraphs, []


def _listed(case: DirectoryCase, you: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    listed = chinese_date(case.listed_on) if case.listed_on else ""
    reason = LISTING_REASONS.get(Reason(case.reason), "")
    report = _report_text(case)
    what = report if case.reason == Reason.LATE_REPORT and case.report_year else ""
    paragraphs = [
        f"{you}{reason}{'（' + what + '）' if what else ''}。依据《企业信息公示暂行条例》第十七条"
        f"和《企业经营异常名录管理办法》的规定，本局决定自{listed}起将{you}列入经营异常名录，"
        "并通过国家企业信用信息公示系统向社会公示。",
    ]
    todo: list[str] = []
    days = _removal_working_days()
    if case.reason == Reason.LATE_REPORT:
        if _auto_removal():
            todo.append(
                f"补报全部未报年份的年度报告并公示。全部补报后，本局在{days}个工作日内将{you}移出"
                "经营异常名录，无需另行申请；列入信息和移出信息一并在公示系统中公示。"
            )
        else:
            todo.append(
                f"补报全部未报年份的年度报告并公示后，通过平台“信用修复”申请移出经营异常名录，"
                f"本局自受理之日起{days}个工作日内作出决定。"
            )
    else:
        cure = CURES.get(Reason(case.reason), "纠正列入原因所列情形")
        todo.append(
            f"{cure}后，通过平台“信用修复”申请移出经营异常名录，本局自受理之日起{days}个工作日内"
            "作出决定。"
        )
    objection = objection_deadline(case)
    if objection is not None:
        todo.append(
            f"对列入决定有异议的，可以在{chinese_date(objection)}前（自公示之日起{rules.OBJECTION_DAYS}日内）"
            f"向本局提出书面异议并提交相关证明材料。本局自收到之日起"
            f"{rules.OBJECTION_ACCEPTANCE_WORKING_DAYS}个工作日内决定是否受理，并自受理之日起"
            f"{rules.OBJECTION_VERIFICATION_WORKING_DAYS}个工作日内核实；列入错误的，予以撤销。"
        )
    serious = _serious_due(case)
    if serious is not None:
        todo.append(
            f"列入经营异常名录届满{rules.SERIOUS_AFTER_YEARS}年（{chinese_date(serious)}）仍未履行"
            "相关义务的，将被列入严重违法失信名单，其法定代表人、负责人"
            f"{rules.REPRESENTATIVE_BAR_YEARS}年内不得担任其他企业的法定代表人、负责人。"
        )
    paragraphs.append(_remedies(you))
    return "列入经营异常名录告知书", paragraphs, [("请注意以下事项：", todo)]


def _marked(case: DirectoryCase, you: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    listed = chinese_date(case.listed_on) if case.listed_on else ""
    reason = MARKING_REASONS.get(Reason(case.reason), "")
    report = _report_text(case)
    what = f"（{report}）" if case.reason == Reason.LATE_REPORT and case.report_year else ""
    paragraphs = [
        f"{you}{reason}{what}。依据《个体工商户年度报告办法》的规定，本局决定自{listed}起将{you}"
        "标记为经营异常状态，并通过国家企业信用信息公示系统向社会公示。",
    ]
    if case.reason == Reason.LATE_REPORT:
        todo = [
            f"{you}可以通过平台“我的企业—年度报告”在线补报{report}。补报并公示后，当日即恢复"
            "正常记载状态，无需到登记机关办理（零跑腿）。",
        ]
    elif case.reason == Reason.UNREACHABLE:
        todo = [
            f"{you}依法办理经营场所变更登记，或者提出可以通过登记的经营场所重新取得联系、经核实属实的，"
            f"本局在{_removal_working_days()}个工作日内恢复正常记载状态。",
        ]
    else:
        todo = [
            f"{you}报送更正后的年度报告后，本局在{_removal_working_days()}个工作日内恢复正常记载状态。"
        ]
    objection = objection_deadline(case)
    if objection is not None:
        todo.append(
            f"对标记有异议的，可以在{chinese_date(objection)}前向本局提出书面异议并提交相关证明材料。"
        )
    paragraphs.append(_remedies(you))
    return "标记为经营异常状态告知书", paragraphs, [("请注意以下事项：", todo)]


def _ended(case: DirectoryCase, you: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    listed = chinese_date(case.listed_on) if case.listed_on else ""
    removed = chinese_date(case.removed_on) if case.removed_on else ""
    reasons = MARKING_REASONS if case.individual_business else LISTING_REASONS
    cause = reasons.get(Reason(case.reason), "")
    why = REMOVAL_REASONS.get(Removal(case.removal_code), "") if case.removal_code else ""
    if case.individual_business:
        return (
            "恢复正常记载状态告知书",
            [
                f"{you}因{cause}，于{listed}被标记为经营异常状态。{you}{why or '已消除标记原因'}，"
                f"本局决定自{removed}起恢复{you}的正常记载状态。",
                "标记信息和恢复信息将在国家企业信用信息公示系统中一并公示。",
            ],
            [],
        )
    if case.removal_code == Removal.THREE_YEARS:
        return (
            "移出经营异常名录告知书",
            [
                f"{you}因{cause}，于{listed}被列入经营异常名录。因{you}列入经营异常名录届满"
                f"{rules.SERIOUS_AFTER_YEARS}年仍未履行相关义务，本局已将{you}列入严重违法失信名单，"
                f"并自{removed}起将{you}移出经营异常名录。",
                _remedies(you),
            ],
            [],
        )
    return (
        "移出经营异常名录告知书",
        [
            f"{you}因{cause}，于{listed}被列入经营异常名录。因{you}{why or '已消除列入原因'}，"
            f"依据《企业经营异常名录管理办法》的规定，本局决定自{removed}起将{you}移出经营异常名录。",
            "列入信息和移出信息将在国家企业信用信息公示系统中一并公示。",
        ],
        [],
    )


def _closed(case: DirectoryCase, you: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    report = _report_text(case)
    day = case.closed_on or case.cured_on
    when = f"于{chinese_date(day)}" if day else "在缓冲期内"
    if case.cured_on:
        text = (
            f"{you}{when}补报{report}并公示。本局决定不将{you}列入经营异常名录，"
            f"本次暂缓列入不向社会公示，不影响{you}的信用记录。"
        )
    else:
        text = f"本局决定不将{you}列入经营异常名录（{report}），本次暂缓列入不向社会公示。"
    return "暂缓列入经营异常名录结果告知书", [text], []


def _revoked(case: DirectoryCase, you: str) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    listed = chinese_date(case.listed_on) if case.listed_on else ""
    action = "标记为经营异常状态" if case.individual_business else "列入经营异常名录"
    return (
        f"撤销{action}告知书",
        [
            f"本局于{listed}将{you}{action}。经核实，该决定有误，本局决定予以撤销。"
            f"相关信息不再在国家企业信用信息公示系统中公示，不作为{you}的不良信用记录。",
        ],
        [],
    )


def _notice_kind(case: DirectoryCase) -> str:
    state = case.state
    if state == State.PENDING:
        return NoticeKind.PENDING
    if state == State.LISTED:
        return NoticeKind.MARKED if case.individual_business else NoticeKind.LISTED
    if state == State.REMOVED:
        return NoticeKind.RESTORED if case.individual_business else NoticeKind.REMOVED
    if state == State.CLOSED_NO_LISTING:
        return NoticeKind.CLOSED
    if state == State.REVOKED:
        return NoticeKind.REVOKED
    return NoticeKind.MOVED_SERIOUS


def _notice_date(case: DirectoryCase, kind: str) -> dt.date:
    if kind == NoticeKind.PENDING:
        return case.detected_on
    if kind in (NoticeKind.LISTED, NoticeKind.MARKED):
        return case.listed_on or case.detected_on
    if kind == NoticeKind.CLOSED:
        return case.closed_on or case.cured_on or case.detected_on
    return case.removed_on or case.listed_on or case.detected_on


def _notice_number(case: DirectoryCase, kind: str) -> str:
    if kind in (NoticeKind.LISTED, NoticeKind.MARKED):
        return case.document_number
    if kind in (NoticeKind.REMOVED, NoticeKind.RESTORED, NoticeKind.MOVED_SERIOUS):
        record = case.removal_record
        return record.document_number if record is not None else ""
    return ""


def _key_dates(case: DirectoryCase, kind: str) -> list[tuple[str, dt.date]]:
    """The dates the notice's page highlights, labelled in the reader's language."""
    found: list[tuple[str, dt.date | None]] = []
    if kind == NoticeKind.PENDING:
        found = [
            (_("Found on"), case.detected_on),
            (_("File the report by"), case.buffer_deadline),
            (_("Credit pledge given on"), case.pledged_on),
        ]
    elif kind in (NoticeKind.LISTED, NoticeKind.MARKED):
        found = [
            (_("Marked on") if kind == NoticeKind.MARKED else _("Listed on"), case.listed_on),
            (_("Objection possible until"), objection_deadline(case)),
        ]
        if kind == NoticeKind.LISTED:
            found.append((_("Serious list if not cured by"), _serious_due(case)))
    elif kind == NoticeKind.CLOSED:
        found = [(_("Closed without listing on"), case.closed_on)]
    else:
        found = [(_("Listed on"), case.listed_on), (_("Ended on"), case.removed_on)]
    return [(label, day) for label, day in found if day is not None]


def case_notice_content(case: DirectoryCase) -> CaseNotice:
    """The notice of `case` in its current state (module docstring): title, number, date,
    addressee, paragraphs, what to do, the key dates. Side effects: none (reads the case's
    department, enterprise, listing and removal records)."""
    kind = _notice_kind(case)
    you = _you(case)
    builders = {
        NoticeKind.PENDING: _pending,
        NoticeKind.LISTED: _listed,
        NoticeKind.MARKED: _marked,
        NoticeKind.REMOVED: _ended,
        NoticeKind.RESTORED: _ended,
        NoticeKind.MOVED_SERIOUS: _ended,
        NoticeKind.CLOSED: _closed,
        NoticeKind.REVOKED: _revoked,
    }
    title, paragraphs, sections = builders[kind](case, you)
    enterprise = case.enterprise
    details = [f"统一社会信用代码：{enterprise.uscc}"]
    if case.individual_business and enterprise.legal_rep_name:
        details.append(f"经营者：{enterprise.legal_rep_name}")
    footer = []
    if kind in (NoticeKind.PENDING, NoticeKind.LISTED, NoticeKind.MARKED):
        footer.append("本告知书可在企业信用监管服务平台“我的企业—经营异常”中查阅。")
    return CaseNotice(
        kind=kind,
        title=title,
        number=_notice_number(case, kind),
        date=_notice_date(case, kind),
        party=enterprise.name,
        party_details=details,
        paragraphs=paragraphs,
        sections=sections,
        footer=footer,
        issuer=_issuer(case),
        key_dates=_key_dates(case, kind),
    )


def case_notice_official(case: DirectoryCase) -> Any:
    """The notice as an `OfficialDocument` (credit_portal.documents)."""
    from credit_portal.documents import (
        Addressee,
        Heading,
        NumberedList,
        Numbering,
        OfficialDocument,
        Paragraph,
    )

    content = case_notice_content(case)
    body: list[Any] = [Paragraph(text=p) for p in content.paragraphs[:1]]
    for heading, items in content.sections:
        body += [Heading(text=heading), NumberedList(items=items, numbering=Numbering.CHINESE)]
    body += [Paragraph(text=p) for p in content.paragraphs[1:]]
    return OfficialDocument(
        title=content.title,
        number=content.number,
        date=content.date,
        issuer=content.issuer or _bureau(),
        addressee=Addressee(name=content.party, details=content.party_details),
        body=body,
        seal_placeholder=True,
        footer=content.footer,
    )


def case_notice_document(case: DirectoryCase) -> bytes:
    """The notice as a PDF letter, made now (when it is opened or printed; never in a job).
    Side effects: none."""
    from credit_portal.documents import render_pdf

    return render_pdf(case_notice_official(case))


def case_notice_filename(case: DirectoryCase) -> str:
    """The PDF's name: the notice's title and the case number."""
    return f"{case_notice_content(case).title}-{case.pk}.pdf"


@transaction.atomic
def case_notice_opened(*, actor: User, case: DirectoryCase) -> DirectoryCase:
    """The enterprise opened the notice of its case (the page or the PDF).

    Rules: only a user of the case's enterprise; the first opening is recorded
    (`notice_opened_at`), later ones change nothing. Not a change staff act on: the version
    stays, so no officer's form goes stale.
    Side effects: `notice_opened_at` and the audit event `remediation.directory_notice_opened`
    the first time.
    """
    membership = getattr(actor, "enterprise_membership", None)
    if membership is None or membership.enterprise_id != case.enterprise_id:
        raise ValidationError(_("This notice is not addressed to your enterprise."))
    locked = DirectoryCase.objects.select_for_update().get(pk=case.pk)
    if locked.notice_opened_at is not None:
        case.notice_opened_at = locked.notice_opened_at
        return locked
    locked.notice_opened_at = timezone.now()
    locked.save(update_fields=["notice_opened_at"])
    case.notice_opened_at = locked.notice_opened_at
    audit_event_record(
        actor=actor,
        event_type=NOTICE_OPENED,
        target=locked,
        enterprise=locked.enterprise,
        extra={"case": locked.pk, "state": locked.state, "opened_at": locked.notice_opened_at},
    )
    return locked
