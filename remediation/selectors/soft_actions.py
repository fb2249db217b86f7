"""Reads of soft enforcement (docs/domain.md §9): the documents a user may see, the staff list
and its queue, one document's timeline, ledger records and audit history, the enterprise's own
letters, and each document as an official document for its PDF.

Jurisdiction (`soft_actions_for_user`)
- staff holding `view_softaction`: the bureau's staff (and superusers) every document; a
  partner department's staff only the documents their own department issued (its own cases),
  not the bureau's letters to the entities the department supervises: those are the bureau's
  cases, and a partner department acts only on its own (the services refuse the rest);
- an enterprise user: the documents addressed to its own enterprise, from approval on
  (`rules.SOFT_ACTION_VISIBLE_TO_ENTERPRISE`);
- anyone else: nothing (so a document outside one's reach is a 404 everywhere).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.models import AuditEvent, Department, User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.models import CreditRecord
from remediation import rules
from remediation.models import ElectronicServiceConsent, FollowUpVisit, Interview, SoftAction
from remediation.permissions import RemediationPerm

Status = SoftAction.Status

# The queue's order: what needs someone's action first, overdue rectification at the top.
QUEUE_OVERDUE, QUEUE_APPROVAL, QUEUE_SERVICE, QUEUE_DUE, QUEUE_DONE = 0, 1, 2, 3, 4
QUEUES = {
    "overdue": QUEUE_OVERDUE,
    "approval": QUEUE_APPROVAL,
    "service": QUEUE_SERVICE,
    "due": QUEUE_DUE,
}

# Badge tone of each status (portal.css: badge--ok, --warn, --bad, --muted; "" plain).
STATUS_TONES: dict[str, str] = {
    Status.DRAFT: "muted",
    Status.APPROVED: "warn",
    Status.SERVED: "",
    Status.RECTIFIED: "ok",
    Status.OVERDUE: "bad",
    Status.ESCALATED: "bad",
    Status.CANCELLED: "muted",
}


def soft_actions_for_user(*, user: User) -> QuerySet[SoftAction]:
    """The documents a user may see (module docstring), with their entity and department."""
    qs = SoftAction.objects.select_related("enterprise", "department", "created_by")
    if not user.is_authenticated:
        return qs.none()
    if user.has_perm(RemediationPerm.VIEW_SOFT_ACTION):
        if user.is_superuser or bureau_profiles(user=user).exists():
            return qs
        return qs.filter(department_id__in=departments_of_jurisdiction(user=user).values("pk"))
    membership = getattr(user, "enterprise_membership", None)
    if membership is not None:
        return qs.filter(
            enterprise_id=membership.enterprise_id,
            status__in=sorted(rules.SOFT_ACTION_VISIBLE_TO_ENTERPRISE),
        )
    return qs.none()


def _overdue_q(today: dt.date) -> Q:
    """Rectification overdue on `today`: marked so, or served with the deadline passed (the
    nightly job has not run yet)."""
    return Q(status=Status.OVERDUE) | Q(status=Status.SERVED, deadline__lt=today)


def soft_actions_queued(queryset: QuerySet[SoftAction], *, today: dt.date) -> QuerySet[SoftAction]:
    """The documents with their place in the queue (`queue_rank`): overdue first, then those
    awaiting approval, then awaiting service, then rectification due (by deadline), then the
    closed ones; newest first within a place."""
    rank = Case(
        When(_overdue_q(today), then=Value(QUEUE_OVERDUE)),
        When(status=Status.DRAFT, then=Value(QUEUE_APPROVAL)),
        When(status=Status.APPROVED, then=Value(QUEUE_SERVICE)),
        When(status=Status.SERVED, then=Value(QUEUE_DUE)),
        default=Value(QUEUE_DONE),
        output_field=IntegerField(),
    )
    return queryset.annotate(queue_rank=rank).order_by(
        "queue_rank", "deadline", "-created_at", "-id"
    )


def soft_actions_filtered(
    queryset: QuerySet[SoftAction], *, filters: dict[str, Any], today: dt.date
) -> QuerySet[SoftAction]:
    """The list's filters (`SoftActionFilterForm.cleaned_data`): instrument, status,
    department, queue (overdue / approval / service / due), overdue only, the year served (an
    interview's: the year held), the entity's street (`division`), and a search of the number,
    the addressee, the entity's name and its credit code (or its end)."""
    if filters.get("instrument"):
        queryset = queryset.filter(instrument=filters["instrument"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("department"):
        queryset = queryset.filter(department=filters["department"])
    if filters.get("overdue"):
        queryset = queryset.filter(_overdue_q(today))
    if filters.get("division"):
        queryset = queryset.filter(enterprise__division=filters["division"])
    if filters.get("year"):
        # The year served; an interview's, the year it was held (as the dashboard counts).
        first, last = dt.date(filters["year"], 1, 1), dt.date(filters["year"], 12, 31)
        held = Interview.objects.filter(action_id=OuterRef("pk"), held_on__range=(first, last))
        interview = Q(instrument=SoftAction.Instrument.INTERVIEW)
        queryset = queryset.filter(
            (~interview & Q(served_on__range=(first, last))) | (interview & Exists(held))
        )
    queue = filters.get("queue")
    if queue == "overdue":
        queryset = queryset.filter(_overdue_q(today))
    elif queue == "approval":
        queryset = queryset.filter(status=Status.DRAFT)
    elif queue == "service":
        queryset = queryset.filter(status=Status.APPROVED)
    elif queue == "due":
        queryset = queryset.filter(status=Status.SERVED, deadline__gte=today)
    text = (filters.get("q") or "").strip()
    if text:
        queryset = queryset.filter(
            Q(number__icontains=text)
            | Q(addressee_name__icontains=text)
            | Q(enterprise__name__icontains=text)
            | Q(enterprise__uscc__endswith=text.upper())
        )
    return queryset


@dataclass(frozen=True)
class QueueCounts:
    overdue: int
    approval: int
    service: int
    due: int


def soft_action_queue_counts(*, user: User, today: dt.date) -> QueueCounts:
    """How many documents wait in each place of the queue, for the list's tabs (one query)."""
    from django.db.models import Count

    counts = soft_actions_for_user(user=user).aggregate(
        overdue=Count("pk", filter=_overdue_q(today)),
        approval=Count("pk", filter=Q(status=Status.DRAFT)),
        service=Count("pk", filter=Q(status=Status.APPROVED)),
        due=Count("pk", filter=Q(status=Status.SERVED, deadline__gte=today)),
    )
    return QueueCounts(**counts)


def is_overdue(action: SoftAction, today: dt.date) -> bool:
    return action.status == Status.OVERDUE or (
        action.status == Status.SERVED and action.deadline is not None and action.deadline < today
    )


def issuer_name(department: Department) -> str:
    """The issuing authority as documents and the ledger name it: the bureau's full name
    (setting BUREAU_NAME) for the bureau, a partner department's own name otherwise."""
    if department.is_bureau:
        return str(settings.CREDIT_PORTAL.get("BUREAU_NAME") or department.name)
    return department.name


def instrument_title(instrument: str) -> str:
    """The official title of a document (行政建议书 ...), as the PDF and the ledger show it."""
    return rules.SOFT_ACTION_TITLES[instrument]


# --- One document -------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    day: dt.date | None
    at: dt.datetime | None
    title: str
    text: str = ""
    who: str = ""
    tone: str = ""


def person_name(user: Any) -> str:
    """A person as the portal prints or shows them: the display name (`User.display_name`),
    else the full name, else the username; "" for nobody."""
    if user is None:
        return ""
    return (
        getattr(user, "display_name", "") or user.get_full_name() or user.get_username()
    ).strip()


def _who(user: Any) -> str:
    return person_name(user)


def _person(user: Any) -> str:
    """A user as a document names them (`person_name`); a blank line for nobody (service by
    the enterprise's own opening)."""
    return person_name(user) or "＿＿＿＿＿＿＿＿"


def _opening_text(action: SoftAction) -> str:
    """What the enterprise's first opening meant for the document's service."""
    opened_on = timezone.localdate(action.opened_at) if action.opened_at else None
    if action.service_method == SoftAction.ServiceMethod.ELECTRONIC:
        return _("Counted as service (consent to electronic service in force).")
    if action.served_on is not None and opened_on is not None and action.served_on <= opened_on:
        return _("Opened after it was served.")
    return _("Not a service: no consent to electronic service was in force.")


def soft_action_timeline(action: SoftAction) -> list[TimelineEntry]:
    """What happened to the document, in order: drafted, approved (number, issue date),
    served (how, signed by), opened online, the interview, the visits, rectified, overdue,
    escalated or cancelled."""
    entries: list[TimelineEntry] = [
        TimelineEntry(
            timezone.localdate(action.created_at),
            action.created_at,
            _("Drafted"),
            who=_who(action.created_by),
        )
    ]
    if action.approved_at:
        entries.append(
            TimelineEntry(
                action.issued_on,
                action.approved_at,
                _("Approved and issued"),
                action.number or "",
                _who(action.approved_by),
                "ok",
            )
        )
    if action.opened_at:
        entries.append(
            TimelineEntry(
                timezone.localdate(action.opened_at),
                action.opened_at,
                _("Opened by the enterprise online"),
                _opening_text(action),
            )
        )
    if action.served_on:
        text = action.get_service_method_display()
        if action.receipt_signed_by:
            text += " · " + _("signed by %(name)s") % {"name": action.receipt_signed_by}
        entries.append(
            TimelineEntry(
                action.served_on,
                None,
                _("Served"),
                text,
                _who(action.served_recorded_by),
                "ok",
            )
        )
    interview = Interview.objects.filter(action=action).select_related("recorded_by").first()
    if interview is not None:
        entries.append(
            TimelineEntry(
                interview.held_on,
                interview.recorded_at,
                _("Interview held"),
                interview.place,
                _who(interview.recorded_by),
            )
        )
    entries.extend(
        TimelineEntry(
            visit.visited_on,
            visit.recorded_at,
            _("Follow-up visit"),
            f"{visit.get_outcome_display()}{' · ' + visit.notes if visit.notes else ''}",
            _who(visit.visited_by),
            "ok" if visit.outcome == FollowUpVisit.Outcome.RECTIFIED else "warn",
        )
        for visit in FollowUpVisit.objects.filter(action=action).select_related("visited_by")
    )
    if action.overdue_on:
        no_show = action.instrument == rules.INTERVIEW and interview is None
        title = _("Interview not attended") if no_show else _("Rectification overdue")
        entries.append(TimelineEntry(action.overdue_on, None, title, tone="bad"))
    if action.rectified_on:
        late = action.deadline is not None and action.rectified_on > action.deadline
        entries.append(
            TimelineEntry(
                action.rectified_on,
                None,
                _("Rectified late") if late else _("Rectified"),
                action.rectification_report,
                _who(action.rectification_verified_by),
                "warn" if late else "ok",
            )
        )
    if action.escalated_on:
        entries.append(
            TimelineEntry(
                action.escalated_on,
                None,
                _("Escalated to a case"),
                action.escalation_note,
                tone="bad",
            )
        )
    if action.status == Status.CANCELLED:
        entries.append(TimelineEntry(None, action.updated_at, _("Cancelled"), tone="muted"))
    # By day; on one day in the order of the workflow, as appended above.
    order = {id(e): n for n, e in enumerate(entries)}
    return sorted(
        entries,
        key=lambda e: (
            e.day or (timezone.localdate(e.at) if e.at else dt.date.max),
            order[id(e)],
        ),
    )


def soft_action_records(action: SoftAction) -> list[CreditRecord]:
    """The ledger records of the document: its letter fact and the reply closing it."""
    ids = [pk for pk in (action.credit_record_id, action.reply_record_id) if pk is not None]
    return list(
        CreditRecord.objects.filter(pk__in=ids)
        .select_related("recorded_by", "closes")
        .order_by("occurred_on", "id")
    )


def soft_action_history(action: SoftAction) -> QuerySet[AuditEvent]:
    """The audit events of the document and of its ledger records, newest first."""
    records = [str(pk) for pk in (action.credit_record_id, action.reply_record_id) if pk]
    return (
        AuditEvent.objects.filter(
            Q(target_type=SoftAction._meta.label_lower, target_id=str(action.pk))
            | Q(target_type=CreditRecord._meta.label_lower, target_id__in=records)
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )


def soft_action_interview(action: SoftAction) -> Interview | None:
    return Interview.objects.filter(action=action).select_related("recorded_by").first()


# --- The enterprise's view ----------------------------------------------------------------


def consent_for(*, enterprise_id: int) -> ElectronicServiceConsent | None:
    """The enterprise's consent to electronic service in force, or None."""
    return ElectronicServiceConsent.objects.filter(
        enterprise_id=enterprise_id, withdrawn_at__isnull=True
    ).first()


def consents_of(*, enterprise_id: int) -> QuerySet[ElectronicServiceConsent]:
    """Every consent the enterprise gave, newest first (its history)."""
    return ElectronicServiceConsent.objects.filter(enterprise_id=enterprise_id).select_related(
        "given_by"
    )


@dataclass(frozen=True)
class NextStep:
    """What the enterprise should do about one document, in its words."""

    tone: str
    text: str
    dates: list[tuple[str, Any]] = field(default_factory=list)


def interview_held(action: SoftAction) -> bool:
    """Whether the interview of an interview notice has been recorded: the `interview_held`
    annotation of a list (`letters_of_enterprise`), else one query."""
    held = getattr(action, "interview_held", None)
    if held is None:
        held = Interview.objects.filter(action_id=action.pk).exists()
    return bool(held)


def awaits_attendance(action: SoftAction) -> bool:
    """An interview notice whose interview is not recorded yet: its deadline is the day to
    attend by (`rules.INTERVIEW_ATTEND_WORKING_DAYS`), not a rectification's."""
    return action.instrument == rules.INTERVIEW and not interview_held(action)


def next_step_for_enterprise(action: SoftAction, *, today: dt.date, consent: bool) -> NextStep:
    """The enterprise's next step for one of its documents (its self-service pages)."""
    deadline = action.deadline
    contact = action.contact_person or _("the issuing department")
    attending = action.status in (Status.SERVED, Status.OVERDUE) and awaits_attendance(action)
    if attending and action.status == Status.OVERDUE:
        return NextStep(
            "bad",
            _(
                "The interview was not attended by the day the notice set. Contact %(contact)s "
                "now; otherwise the bureau may open a case."
            )
            % {"contact": contact},
            [(_("Was to attend by"), deadline)],
        )
    if action.status == Status.APPROVED:
        if consent:
            return NextStep("warn", _("Open the document: opening it counts as its service."))
        return NextStep(
            "",
            _(
                "The document will be served on paper; you may read it here already. Opening it "
                "here is not its service, since your enterprise has not consented to electronic "
                "service."
            ),
        )
    if action.status == Status.SERVED:
        if deadline is None:
            return NextStep(
                "warn", _("Attend the interview as the notice says; bring the documents asked for.")
            )
        if attending:
            return NextStep(
                "bad" if deadline < today else "warn",
                _(
                    "Attend the interview by the day the notice sets: agree the hour with "
                    "%(contact)s and bring the documents asked for."
                )
                % {"contact": contact},
                [(_("Attend by"), deadline)],
            )
        if deadline < today:
            return NextStep(
                "bad",
                _("The deadline has passed: rectify now and report to %(contact)s.")
                % {"contact": contact},
                [(_("Rectify by"), deadline)],
            )
        return NextStep(
            "warn",
            _("Do what the document asks and report your rectification to %(contact)s.")
            % {"contact": contact},
            [(_("Rectify by"), deadline)],
        )
    if action.status == Status.OVERDUE:
        return NextStep(
            "bad",
            _(
                "The deadline has passed without a rectification report. Rectify now and report "
                "to %(contact)s; otherwise the bureau may open a case."
            )
            % {"contact": contact},
            [(_("Was due"), deadline)],
        )
    if action.status == Status.RECTIFIED:
        return NextStep(
            "ok",
            _("Rectification recorded. Nothing more to do."),
            [(_("Rectified on"), action.rectified_on)],
        )
    if action.status == Status.ESCALATED:
        return NextStep(
            "bad",
            _("The matter was passed on for a case. Contact %(contact)s.") % {"contact": contact},
        )
    return NextStep("muted", "")


def letters_of_enterprise(*, user: User) -> QuerySet[SoftAction]:
    """The enterprise user's documents, the ones needing action first, each with whether its
    interview was recorded (`interview_held`, for an interview notice)."""
    return soft_actions_queued(
        soft_actions_for_user(user=user), today=timezone.localdate()
    ).annotate(interview_held=Exists(Interview.objects.filter(action_id=OuterRef("pk"))))


def letters_without_document(*, enterprise: Any, today: dt.date) -> list[Any]:
    """The letters of the enterprise's credit records that no document of the portal stands
    behind (the ledger's history: letters sent before the portal, imported or seeded), newest
    first, each a `LetterView` with its deadline and its status on `today` as
    `enterprises.selectors.letters` derives them. A document's own fact (its `credit_record`,
    or a fact naming it in details["soft_action"]) is not repeated."""
    from enterprises.selectors.letters import letters_for

    own = SoftAction.objects.filter(enterprise=enterprise)
    facts = set(own.exclude(credit_record=None).values_list("credit_record_id", flat=True))
    documents = set(own.values_list("pk", flat=True))

    def has_document(record: CreditRecord) -> bool:
        details = record.details if isinstance(record.details, dict) else {}
        return record.pk in facts or details.get("soft_action") in documents

    return [
        v for v in letters_for(enterprise=enterprise, today=today) if not has_document(v.record)
    ]


# --- Official documents (PDF) -------------------------------------------------------------


def _chinese_date(day: dt.date | None) -> str:
    from credit_portal.dates import chinese_date

    return chinese_date(day) if day is not None else "    年  月  日"


def _attendance_text(action: SoftAction) -> str:
    """When the interview notice summons the party: by the day `deadline_working_days` WD
    after its service (a date once served, else the period), the hour agreed with the contact
    person. Counted again from the day of service, so that the notice keeps stating it after
    the interview's commitments have set the document's next deadline."""
    days = action.deadline_working_days or rules.INTERVIEW_ATTEND_WORKING_DAYS
    if action.served_on is not None:
        by = rules.soft_action_deadline(action.served_on, days)
        text = f"{_chinese_date(by.day)}前" + ("（暂定）" if by.provisional else "")
    else:
        text = f"自本通知送达之日起{days}个工作日内"
    return f"{text}，具体时间请与联系人商定"


def _deadline_text(action: SoftAction) -> str:
    """The deadline as the document states it: a date once served, else the period."""
    if action.deadline is not None:
        text = _chinese_date(action.deadline)
        return f"{text}（暂定）" if action.deadline_provisional else text
    if action.deadline_working_days:
        return f"自本文书送达之日起{action.deadline_working_days}个工作日内"
    return "约谈时商定"


_INTRO = {
    rules.PROMPT: "经查，你单位存在以下情况，特予提示：",
    rules.SUGGESTION: "本机关在监管中发现以下问题，现提出如下建议：",
    rules.ADMONITION: (
        "经查，你单位存在以下违法行为或风险。本告诫书系行政指导，不是《中华人民共和国行政处罚法》"
        "规定的警告处罚，现予警示告诫："
    ),
    rules.INTERVIEW: "因以下事由，本机关决定对你单位负责人进行约谈提醒：",
}
_CLOSING = {
    rules.PROMPT: "请于下列期限前完成相关事项，并将办理情况告知本机关。",
    rules.SUGGESTION: "请于下列期限前将采纳建议及整改情况书面反馈本机关。",
    rules.ADMONITION: (
        "请于下列期限前改正并书面报告整改情况。逾期不改正或再次违法的，本机关将依法立案查处。"
    ),
    rules.INTERVIEW: (
        "请你单位法定代表人或主要负责人于下列约谈时间内到本机关接受约谈，并携带相关材料。"
        "无正当理由逾期不接受约谈的，本机关将视情依法处理。"
    ),
}


_CHINESE_ORDINALS = "一二三四五六七八九十"


def soft_action_document(action: SoftAction) -> Any:
    """The document as an `OfficialDocument` (credit_portal.documents), in Chinese: title,
    number, addressee with its credit code, reason, legal basis, facts, required actions, the
    deadline (marked 暂定 if provisional), contact person and phone, issuer and date. A draft
    says so in its number and its notes: it must not be served."""
    from credit_portal.documents import Addressee, Fields, OfficialDocument, Paragraph

    details = [f"统一社会信用代码：{action.enterprise.uscc}"] if action.enterprise else []
    parts: list[tuple[str, str]] = [("事由", action.reason), ("依据", action.legal_basis)]
    if action.facts:
        parts.append(("事实", action.facts))
    parts.append(
        (
            "约谈事项" if action.instrument == rules.INTERVIEW else "整改要求",
            action.required_actions,
        )
    )
    body: list[Any] = [Paragraph(text=_INTRO[action.instrument])]
    body += [
        Paragraph(lead=f"{_CHINESE_ORDINALS[number]}、{heading}。", text=text)
        for number, (heading, text) in enumerate(parts)
    ]
    body.append(Paragraph(text=_CLOSING[action.instrument]))
    fields = (
        [("约谈时间", _attendance_text(action))]
        if action.instrument == rules.INTERVIEW
        else [("期限", _deadline_text(action))]
    )
    phone = f"电话：{action.contact_phone}" if action.contact_phone else ""
    contact = "　".join(p for p in (action.contact_person, phone) if p)
    if contact:
        fields.append(("联系人", contact))
    body.append(Fields(items=fields))
    footer = ["本文书一式两份，一份送达当事人，一份存档。"]
    if action.number is None:
        footer.insert(0, "草稿：未经批准，不得送达。")
    return OfficialDocument(
        title=rules.SOFT_ACTION_TITLES[action.instrument],
        number=action.number or "（草稿）",
        date=action.issued_on or timezone.localdate(),
        addressee=Addressee(name=action.addressee_name, details=details),
        body=body,
        issuer=issuer_name(action.department),
        seal_placeholder=True,
        footer=footer,
    )


def _served_by_opening(action: SoftAction) -> bool:
    """Whether the document was served by the enterprise opening it under its consent to
    electronic service (`soft_action_opened_online`): served electronically with no officer
    recording it (or, for a service recorded before that rule, recorded by a user of the
    addressed enterprise)."""
    if action.served_on is None or action.service_method != SoftAction.ServiceMethod.ELECTRONIC:
        return False
    recorder = action.served_recorded_by
    if recorder is None:
        return True
    membership = getattr(recorder, "enterprise_membership", None)
    return membership is not None and membership.enterprise_id == action.enterprise_id


def proof_of_service_document(action: SoftAction) -> Any:
    """The proof of service (送达回证) of the document, as an `OfficialDocument`: what is
    served, to whom, where and how, and the lines the recipient signs (filled in once the
    service is recorded, blank to be filled in by hand before)."""
    from credit_portal.documents import Fields, OfficialDocument, Paragraph

    title = rules.SOFT_ACTION_TITLES[action.instrument]
    served = action.served_on is not None
    blank = "＿＿＿＿＿＿＿＿"
    place = action.enterprise.address if action.enterprise is not None else blank
    signed = action.receipt_signed_by if served and action.receipt_signed_by else blank
    server = _person(action.served_recorded_by) if served else blank
    if _served_by_opening(action):
        # Served by the enterprise's own opening (APL art. 61): the department serves, the
        # system records it; the user who opened it signs, at the time it was opened.
        place = "企业自助服务区（电子送达）"
        server = f"{issuer_name(action.department)}（电子送达，系统记录）"
        if action.opened_at is not None:
            at = timezone.localtime(action.opened_at)
            signed = f"{signed}（{_chinese_date(at.date())} {at:%H:%M} 在线打开）"
    fields = [
        ("送达文书", f"{title}（{action.number or '草稿'}）"),
        ("受送达人", action.addressee_name),
        ("送达地点", place or blank),
        ("送达方式", rules.SERVICE_METHOD_TITLES.get(action.service_method, blank)),
        ("送达日期", _chinese_date(action.served_on) if served else "    年  月  日"),
        ("受送达人签收", signed),
        ("送达人", server),
        ("见证人", blank),
    ]
    return OfficialDocument(
        title=rules.PROOF_OF_SERVICE_TITLE,
        number=action.number or "",
        date=action.served_on or action.issued_on or timezone.localdate(),
        body=[
            Fields(items=fields),
            Paragraph(
                text=(
                    "受送达人拒绝签收的，送达人应当在本回证上注明拒收事由和日期，由送达人、见证人"
                    "签名或者盖章，把文书留在受送达人的住所，即视为送达。"
                )
            ),
        ],
        issuer=issuer_name(action.department),
    )
