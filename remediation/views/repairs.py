"""Pages of credit repair (信用修复, docs/domain.md §5).

Staff (namespace "remediation", under /remediation/):
- repairs/                       the queue: filters, what is due first, overdue highlighted;
- repairs/<id>/                  one application: what it repairs, the conditions then and now,
                                 uploads, ledger, audit history, sync states; the officer's
                                 forms (accept, not accept, approve, refuse);
- repairs/<id>/files/<file>/     an upload, streamed (audited);
- repairs/outbox/                the outbox per network: export (CSV, XLSX), confirm;
- penalties/<id>/repair-notice/  the 信用修复告知书 of a penalty decision (PDF, printable).

Enterprise (namespace "me-remediation", under /me/):
- repairs/                       its penalties in publicity (and listings) with eligibility,
                                 earliest date and conditions; its applications;
- repairs/apply/<record>/        the application form with uploads;
- repairs/<id>/                  one of its applications: status, dues, reasons; withdraw;
- repairs/<id>/files/<file>/     its own upload;
- repairs/notice/<record>/       the 告知书 of one of its penalties (PDF).

Access: staff pages need a login, then the object through the jurisdiction selectors (404:
who decided, repairs, so a partner department sees only the repairs of its own department's
decisions), then the codename (403); enterprise pages need a membership (403 otherwise) and
show only the member's enterprise (404 for anything else). An upload is always a download under
a sandbox policy (`attachment_response`, the API's too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl.cell import WriteOnlyCell

from credit_portal.audit import event_label, event_summary
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_from
from credit_portal.permissions import StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.kinds import items_joined, kind_label
from enterprises.models import CreditRecord
from enterprises.permissions import EnterprisePerm
from enterprises.selectors.accounts import member_enterprise
from enterprises.xlsx import (
    XLSX_CONTENT_TYPE,
    safe_cell,
    sheet_write,
    workbook_bytes,
    workbook_new,
)
from remediation.forms.repairs import (
    RepairActionForm,
    RepairApplyForm,
    RepairQueueFilterForm,
    RepairSyncConfirmForm,
    RepairSyncExportForm,
    RepairWithdrawForm,
)
from remediation.models import PenaltyDecision, RepairApplication, RepairSync
from remediation.permissions import RemediationPerm
from remediation.rules import (
    repair_acceptance_working_days,
    repair_decision_working_days,
    repair_effect_working_days,
    repair_eligibility,
    repair_upload_max_bytes,
    repair_upload_max_files,
)
from remediation.selectors.penalties import violation_type_name
from remediation.selectors.repairs import (
    attachment_kind_label,
    record_date_label,
    repair_application_for_user,
    repair_applications_for_user,
    repair_attachment_for_user,
    repair_audit_events,
    repair_deadlines,
    repair_due,
    repair_ledger_records,
    repair_queue,
    repair_sync_outbox,
    repair_unavailable_message,
    repairable_record_for,
    repairable_records,
)
from remediation.services.repairs import (
    SyncExport,
    declared_conditions,
    repair_accept,
    repair_apply,
    repair_attachment_opened,
    repair_decide,
    repair_not_accept,
    repair_notice_document,
    repair_outcome_label,
    repair_sync_batch,
    repair_sync_confirm,
    repair_sync_export,
    repair_withdraw,
)
from remediation.uploads import download_name
from remediation.views.common import ObjectScopedView, request_user

PAGE_SIZE = 30
Status = RepairApplication.Status


def _limits() -> dict[str, int]:
    return {
        "acceptance": repair_acceptance_working_days(),
        "decision": repair_decision_working_days(RepairApplication.Kind.PENALTY_PUBLICITY),
        "directory": repair_decision_working_days(RepairApplication.Kind.ABNORMAL_REMOVAL),
        "effect": repair_effect_working_days(),
    }


STATUS_TONES: dict[str, str] = {
    Status.SUBMITTED: "",
    Status.ACCEPTED: "",
    Status.NOT_ACCEPTED: "bad",
    Status.APPROVED: "ok",
    Status.REFUSED: "bad",
    Status.WITHDRAWN: "muted",
}
SYNC_TONES: dict[str, str] = {
    RepairSync.Status.PENDING: "warn",
    RepairSync.Status.EXPORTED: "",
    RepairSync.Status.CONFIRMED: "ok",
}


def _attachments(application: RepairApplication) -> list[dict[str, Any]]:
    """The uploads of an application, each with its kind's label for that repair (a listing's
    evidence is of the cause cured, not of a penalty performed: `attachment_kind_label`)."""
    return [
        {"file": f, "kind_label": attachment_kind_label(f.kind, application.kind)}
        for f in application.attachments.all()
    ]


def attachment_response(attachment: Any) -> FileResponse:
    """An upload as a download: the checked content type, never rendered in the page's origin
    as HTML (nosniff, attachment, a sandbox policy). The pages and the API answer with it."""
    handle = attachment.file.open("rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment.original_name, attachment.content_type),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --------------------------------------------------------------------------- staff


class RepairQueueView(StaffPermissionMixin, View):
    """The queue of applications, due first."""

    permission_required = RemediationPerm.VIEW_REPAIR

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        form = RepairQueueFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        queue = repair_queue(
            user=request_user(request),
            today=today,
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            overdue=bool(data.get("overdue")),
            search=data.get("q", ""),
            year=data.get("year"),
            submitted_year=data.get("submitted_year"),
            division=data.get("division", ""),
        )
        paginator = Paginator(queue, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        rows = [
            {"app": a, "due": repair_due(a, today=today), "tone": STATUS_TONES.get(a.status, "")}
            for a in page.object_list
        ]
        any_provisional = any(r["due"] and r["due"].deadline.provisional for r in rows)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "remediation/repairs/list.html",
            {
                "form": form,
                "rows": rows,
                "page_obj": page,
                "query": query.urlencode(),
                "filters_in_use": sum(
                    1
                    for k in (
                        "kind",
                        "status",
                        "year",
                        "submitted_year",
                        "division",
                        "overdue",
                        "q",
                    )
                    if data.get(k)
                ),
                "open_count": repair_applications_for_user(user=request_user(request))
                .filter(status__in=[Status.SUBMITTED, Status.ACCEPTED])
                .count(),
                "overdue_count": repair_queue(
                    user=request_user(request), today=today, overdue=True
                ).count(),
                "can_export": request.user.has_perm(RemediationPerm.EXPORT_REPAIR_SYNC),
                "any_provisional": any_provisional,
                "limits": _limits(),
                "today": today,
            },
        )


class _ApplicationView(ObjectScopedView):
    """Login, then the application through jurisdiction (404), then the codenames (403)."""

    permission_required: tuple[str, ...] = (RemediationPerm.VIEW_REPAIR,)
    application: RepairApplication

    def scope(self, request: HttpRequest, pk: int) -> None:
        self.application = repair_application_for_user(user=request_user(request), pk=pk)


def _conditions_now(application: RepairApplication) -> Any:
    if application.status not in (Status.SUBMITTED, Status.ACCEPTED):
        return None
    return repair_eligibility(
        kind=application.kind, record=application.record, today=timezone.localdate()
    )


def _action_form(application: RepairApplication, data: Any = None) -> RepairActionForm:
    """The officer's form, with a box for each declared condition to verify (an accepted
    application's, as checked now)."""
    declared = (
        declared_conditions(_conditions_now(application))
        if application.status == Status.ACCEPTED
        else []
    )
    if data is not None:
        return RepairActionForm(data, declared=declared)
    return RepairActionForm(initial={"version": application.version}, declared=declared)


def _detail_context(request: HttpRequest, application: RepairApplication) -> dict[str, Any]:
    today = timezone.localdate()
    user = request_user(request)
    events = list(repair_audit_events(application=application)[:50])
    applied = (application.conditions or {}).get("applied") or {}
    now = _conditions_now(application)
    due = repair_due(application, today=today)
    deadlines = repair_deadlines(application)
    decision = application.penalty
    then = [(c.get("code"), c.get("met")) for c in applied.get("conditions", [])]
    now_changed = now is not None and (
        [(c.code, c.met) for c in now.conditions] != then or bool(now.reasons)
    )
    return {
        "app": application,
        "tone": STATUS_TONES.get(application.status, ""),
        "due": due,
        "deadlines": deadlines,
        "any_provisional": bool(due and due.deadline.provisional)
        or any(d.provisional for d in deadlines.values() if d is not None),
        "record": application.record,
        "record_date_label": record_date_label(application.record.kind),
        "decision": decision,
        "violation_type_label": violation_type_name(decision.violation_type) if decision else "",
        "attachments": _attachments(application),
        "syncs": [
            {"sync": s, "tone": SYNC_TONES.get(s.status, "")} for s in application.syncs.all()
        ],
        "applied": applied,
        "decided": (application.conditions or {}).get("decided"),
        "now": now,
        "now_changed": now_changed,
        "records": repair_ledger_records(application=application)
        if user.has_perm(EnterprisePerm.VIEW_RECORDS)
        else [],
        "can_view_records": user.has_perm(EnterprisePerm.VIEW_RECORDS),
        "events": [
            {"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in events
        ],
        "can_decide": user.has_perm(RemediationPerm.DECIDE_REPAIR),
        "limits": _limits(),
        "today": today,
    }


class RepairDetailView(_ApplicationView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        context = _detail_context(request, self.application)
        context["form"] = _action_form(self.application)
        return render(request, "remediation/repairs/detail.html", context)


class RepairActView(_ApplicationView):
    """The officer's step: accept, do not accept, approve, refuse (one service each)."""

    permission_required = (RemediationPerm.VIEW_REPAIR, RemediationPerm.DECIDE_REPAIR)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = _action_form(self.application, request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            user, app, version = request_user(request), self.application, data["version"]
            try:
                if data["action"] == "accept":
                    repair_accept(actor=user, application=app, expected_version=version)
                    done = _("The application has been accepted.")
                elif data["action"] == "not_accept":
                    repair_not_accept(
                        actor=user,
                        application=app,
                        reasons=data["reasons"],
                        expected_version=version,
                    )
                    done = _("The application has not been accepted; the enterprise sees why.")
                else:
                    approve = data["action"] == "approve"
                    repair_decide(
                        actor=user,
                        application=app,
                        approve=approve,
                        reasons=data["reasons"],
                        verified=data.get("verified") or [],
                        expected_version=version,
                    )
                    done = (
                        _("The repair has been approved: the record is no longer public.")
                        if approve
                        else _("The repair has been refused; the enterprise sees the reasons.")
                    )
            except ConflictError as exc:
                # The form again with the version now stored, so that a second try after
                # reading the new state is not refused for the same reason.
                fresh = request.POST.copy()
                fresh["version"] = str(exc.current_version)
                form = _action_form(self.application, fresh)
                form.is_valid()
                form.add_error(None, exc)
                status = 409
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, done)
                return redirect("remediation:repair_detail", pk=app.pk)
        application = repair_application_for_user(
            user=request_user(request), pk=self.application.pk
        )
        context = _detail_context(request, application)
        context["form"] = form
        context["form_action"] = request.POST.get("action", "")
        return render(request, "remediation/repairs/detail.html", context, status=status)


class RepairFileView(_ApplicationView):
    """An upload of the application, for staff of the case's jurisdiction (audited)."""

    def get(self, request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
        attachment = repair_attachment_for_user(
            user=request_user(request), application_pk=pk, attachment_pk=file_pk
        )
        repair_attachment_opened(actor=request_user(request), attachment=attachment)
        return attachment_response(attachment)


class RepairOutboxView(StaffPermissionMixin, View):
    """The outbox: what waits for each network; export and confirm."""

    permission_required = (RemediationPerm.VIEW_REPAIR, RemediationPerm.EXPORT_REPAIR_SYNC)

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        return render(
            request,
            "remediation/repairs/outbox.html",
            {
                "outbox": repair_sync_outbox(user=request_user(request), today=today),
                "limits": _limits(),
                "today": today,
            },
        )

    def post(self, request: HttpRequest) -> HttpResponseBase:
        if request.POST.get("op") == "export":
            form = RepairSyncExportForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a network and a format."))
                return redirect("remediation:repair_outbox")
            export = repair_sync_export(
                actor=request_user(request), network=form.cleaned_data["network"]
            )
            if not export.rows:
                messages.info(request, _("Nothing waits to be exported to this network."))
                return redirect("remediation:repair_outbox")
            return _export_response(export, form.cleaned_data["format"])
        confirm = RepairSyncConfirmForm(request.POST)
        if not confirm.is_valid():
            messages.error(request, _("Name the batch to confirm."))
            return redirect("remediation:repair_outbox")
        try:
            n = repair_sync_confirm(
                actor=request_user(request),
                batch=confirm.cleaned_data["batch"],
                note=confirm.cleaned_data["note"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(n)d repairs of batch %(batch)s are confirmed.")
                % {"n": n, "batch": confirm.cleaned_data["batch"]},
            )
        return redirect("remediation:repair_outbox")


class RepairOutboxBatchView(StaffPermissionMixin, View):
    """An exported batch downloaded again (CSV or XLSX), from the rows of that batch: a lost
    or damaged file is made again; nothing is marked. Another jurisdiction's batch, or none,
    is a 404."""

    permission_required = (RemediationPerm.VIEW_REPAIR, RemediationPerm.EXPORT_REPAIR_SYNC)

    def get(self, request: HttpRequest, batch: str, fmt: str) -> HttpResponse:
        if fmt not in ("csv", "xlsx"):
            raise Http404
        try:
            export = repair_sync_batch(actor=request_user(request), batch=batch)
        except ValidationError as exc:
            raise Http404(exc.messages[0]) from exc
        return _export_response(export, fmt)


def _export_headers() -> list[str]:
    return [
        _("Outbox row"),
        _("Network"),
        _("Application"),
        _("Unified social credit code"),
        _("Market entity"),
        _("Repair"),
        _("Record kind"),
        _("Decision number"),
        _("Deciding authority"),
        _("Decision date"),
        _("Publicity from"),
        _("Repaired on"),
        _("Repair record"),
        _("Outcome"),
        _("Export batch"),
    ]


def _export_rows(export: SyncExport) -> list[list[Any]]:
    """The rows with labels, never codes (the network, the repair, the record's kind, the
    outcome), in the active language (`EXPORT_LANGUAGE` when the file is written)."""
    networks = dict(RepairSync.Network.choices)
    kinds = dict(RepairApplication.Kind.choices)
    return [
        [
            r.sync_id,
            str(networks.get(r.network, r.network)),
            r.application_id,
            r.uscc,
            r.enterprise_name,
            str(kinds.get(r.repair_kind, r.repair_kind)),
            kind_label(r.record_kind),
            r.document_number,
            r.authority,
            r.decided_on_record,
            r.publicity_start,
            r.repaired_on,
            r.repair_record_id,
            repair_outcome_label(r.outcome) if r.outcome else "",
            export.batch,
        ]
        for r in export.rows
    ]


# The outbox file is for the operator who uploads it to the outside networks, which read
# Chinese: its headers and labels are Chinese whatever the language of the page.
EXPORT_LANGUAGE = "zh-hans"


# Indexes of the date columns of `_export_headers` (decision date, publicity from, repaired on):
# written as dates, formatted as such, never as date-times.
EXPORT_DATE_COLUMNS = frozenset({9, 10, 11})
EXPORT_DATE_FORMAT = "yyyy-mm-dd"
# Not allowed in an Excel sheet's name (and not wanted in a file name): replaced.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_NAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _network_label(network: str) -> str:
    """The network's label in the active language (its code when unknown)."""
    return str(dict(RepairSync.Network.choices).get(network, network))


def _sheet_name(label: str) -> str:
    """A label as an Excel sheet name: none of []:*?/\\, at most 31 characters, not empty."""
    name = _SHEET_NAME_FORBIDDEN.sub(" ", label).strip().strip("'")[:31].strip()
    return name or "Sheet1"


def _export_file_name(export: SyncExport, label: str, ext: str) -> str:
    """信用修复-<network's Chinese label>-<the batch's time and token>.<ext>: the batch id
    without its network code, which the label names (the full id is in every row)."""
    prefix = f"{export.network}-"
    rest = export.batch[len(prefix) :] if export.batch.startswith(prefix) else export.batch
    name = _FILE_NAME_FORBIDDEN.sub("_", f"信用修复-{label}-{rest}")
    return f"{name}.{ext}"


def _attachment_disposition(filename: str, export: SyncExport, ext: str) -> str:
    """Content-Disposition with the Chinese name (RFC 5987 filename*) and an ASCII fallback
    that still names the batch, for clients that ignore filename*."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "", f"repairs-{export.batch}.{ext}")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _export_xlsx(*, headers: list[str], rows: list[list[Any]], title: str) -> bytes:
    """One sheet: the headers (bold, frozen) and the rows, every text through `safe_cell`;
    the date columns as dates formatted yyyy-mm-dd."""
    book = workbook_new()
    sheet = sheet_write(
        book,
        title=title,
        headers=headers,
        rows=[],
        widths=[10, 24, 10, 22, 36, 24, 14, 28, 28, 12, 12, 12, 12, 30, 34],
    )
    for row in rows:
        cells: list[Any] = []
        for index, value in enumerate(row):
            if index in EXPORT_DATE_COLUMNS and isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # a date is written as one
                cell.number_format = EXPORT_DATE_FORMAT
                cells.append(cell)
            else:
                cells.append(safe_cell(value))
        sheet.append(cells)
    return workbook_bytes(book)


def _export_response(export: SyncExport, fmt: str) -> HttpResponse:
    """The batch as a file (CSV or XLSX), in Chinese (`EXPORT_LANGUAGE`): its sheet and file
    named by the network's Chinese label, not its code."""
    with translation.override(EXPORT_LANGUAGE):
        headers, rows = _export_headers(), _export_rows(export)
        label = _network_label(export.network)
    filename = _export_file_name(export, label, fmt)
    if fmt == "xlsx":
        response = HttpResponse(
            _export_xlsx(headers=headers, rows=rows, title=_sheet_name(label)),
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else safe_cell(v) for v in row])
        # UTF-8 with a byte-order mark: Excel and WPS then read the Chinese text right.
        response = HttpResponse(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"),
            content_type="text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = _attachment_disposition(filename, export, fmt)
    return response


def _notice_response(document: Any, filename: str) -> HttpResponse:
    from credit_portal.documents import pdf_response, render_pdf

    return pdf_response(render_pdf(document), filename=filename, inline=True)


@login_required
@never_cache
def staff_repair_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The 信用修复告知书 of a penalty decision, for staff to print and serve with it: the
    deciding department's staff (the bureau's staff any decision; who decided, repairs)."""
    user = request_user(request)
    found = (
        PenaltyDecision.objects.select_related("department", "enterprise", "violation_type")
        .filter(pk=pk, department__in=departments_of_jurisdiction(user=user).values("pk"))
        .first()
    )
    if found is None:
        raise Http404(_("No penalty decision with this number is visible to you."))
    if not (
        user.has_perm(RemediationPerm.VIEW_PENALTY) or user.has_perm(RemediationPerm.VIEW_REPAIR)
    ):
        raise PermissionDenied
    return _notice_response(
        repair_notice_document(decision=found), f"信用修复告知书-{found.number}.pdf"
    )


# --------------------------------------------------------------------------- enterprise


@login_required
def me_repairs(request: HttpRequest) -> HttpResponse:
    """The enterprise's repairable records with eligibility, and its applications."""
    enterprise = member_enterprise(user=request_user(request))
    today = timezone.localdate()
    applications = list(
        repair_applications_for_user(user=request_user(request))
        .filter(enterprise=enterprise)
        .prefetch_related("syncs")
    )
    rows: list[dict[str, Any]] = [
        {"app": a, "due": repair_due(a, today=today), "tone": STATUS_TONES.get(a.status)}
        for a in applications
    ]
    return render(
        request,
        "me/remediation/repairs.html",
        {
            "enterprise": enterprise,
            "membership": request_user(request).enterprise_membership,
            "repairables": repairable_records(enterprise=enterprise, today=today),
            "applications": rows,
            "any_provisional": any(r["due"] and r["due"].deadline.provisional for r in rows),
            "limits": _limits(),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def me_repair_apply(request: HttpRequest, record_pk: int) -> HttpResponse:
    """The application form for one record (its eligibility shown first)."""
    user = request_user(request)
    enterprise = member_enterprise(user=user)
    today = timezone.localdate()
    try:
        item = repairable_record_for(enterprise=enterprise, record_pk=record_pk, today=today)
    except Http404:
        item = None
    if (
        item is not None
        and item.application is not None
        and item.application.status
        in (
            Status.SUBMITTED,
            Status.ACCEPTED,
        )
    ):
        messages.info(request, _("An application for this record is already open."))
        return redirect("me-remediation:repair_detail", pk=item.application.pk)
    if item is None or item.eligibility.outside_repair or item.eligibility.elsewhere:
        # Repaired, closed, ended, another department's, never repairable early: no form, but
        # the list, with why (an unknown record, or another enterprise's, stays a 404).
        why = repair_unavailable_message(enterprise=enterprise, record_pk=record_pk, today=today)
        if why is None:
            raise Http404(_("No such record of your enterprise can be repaired here."))
        messages.warning(request, why)
        return redirect("me-remediation:repairs")
    status = 200
    if request.method == "POST":
        form = RepairApplyForm(request.POST, request.FILES, kind=item.kind)
        if form.is_valid():
            try:
                application = repair_apply(
                    actor=user,
                    enterprise=enterprise,
                    kind=item.kind,
                    record=item.record,
                    applicant_name=form.cleaned_data["applicant_name"],
                    applicant_phone=form.cleaned_data["applicant_phone"],
                    statement=form.cleaned_data["statement"],
                    pledge_accepted=form.cleaned_data["pledge_accepted"],
                    files=form.files_for_service(),
                )
            except ValidationError as exc:
                form_errors_from(form, exc, aliases={"files": "evidence", "record": "__all__"})
            else:
                messages.success(
                    request,
                    _(
                        "Your application no. %(id)d has been received. The bureau decides "
                        "whether to accept it by %(day)s."
                    )
                    % {"id": application.pk, "day": application.acceptance_due},
                )
                return redirect("me-remediation:repair_detail", pk=application.pk)
        status = 400
    else:
        form = RepairApplyForm(
            kind=item.kind,
            initial={
                "applicant_name": enterprise.legal_rep_name,
                "applicant_phone": getattr(user.enterprise_membership, "phone", ""),
            },
        )
    return render(
        request,
        "me/remediation/repairs_apply.html",
        {
            "enterprise": enterprise,
            "membership": user.enterprise_membership,
            "item": item,
            "form": form,
            "limits": _limits(),
            "max_bytes": repair_upload_max_bytes(),
            "max_files": repair_upload_max_files(),
            "today": today,
        },
        status=status,
    )


def _own_application(request: HttpRequest, pk: int) -> RepairApplication:
    enterprise = member_enterprise(user=request_user(request))
    application = repair_application_for_user(user=request_user(request), pk=pk)
    if application.enterprise_id != enterprise.pk:  # pragma: no cover - the selector scopes it
        raise Http404
    return application


@login_required
@never_cache
def me_repair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    today = timezone.localdate()
    deadlines = repair_deadlines(application)
    syncs = list(application.syncs.all())
    confirmed = RepairSync.Status.CONFIRMED
    return render(
        request,
        "me/remediation/repairs_detail.html",
        {
            "enterprise": application.enterprise,
            "membership": request_user(request).enterprise_membership,
            "app": application,
            "tone": STATUS_TONES.get(application.status, ""),
            "due": repair_due(application, today=today),
            "deadlines": deadlines,
            "any_provisional": any(d.provisional for d in deadlines.values() if d is not None),
            "attachments": _attachments(application),
            "record_date_label": record_date_label(application.record.kind),
            "syncs": [{"sync": s, "tone": SYNC_TONES.get(s.status, "")} for s in syncs],
            # Which networks the bureau still sends the repair to (to send, or exported and
            # not yet confirmed), and which have confirmed it: only those are "notified".
            "sync_sending": items_joined(
                str(s.get_network_display()) for s in syncs if s.status != confirmed
            ),
            "sync_notified": items_joined(
                str(s.get_network_display()) for s in syncs if s.status == confirmed
            ),
            "withdraw_form": RepairWithdrawForm(initial={"version": application.version}),
            "can_withdraw": application.status in (Status.SUBMITTED, Status.ACCEPTED),
            "limits": _limits(),
            "today": today,
        },
    )


@login_required
@require_POST
def me_repair_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    form = RepairWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; try again."))
        return redirect("me-remediation:repair_detail", pk=pk)
    try:
        repair_withdraw(
            actor=request_user(request),
            application=application,
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your application has been withdrawn."))
    return redirect("me-remediation:repair_detail", pk=pk)


@login_required
def me_repair_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    _own_application(request, pk)
    attachment = repair_attachment_for_user(
        user=request_user(request), application_pk=pk, attachment_pk=file_pk
    )
    return attachment_response(attachment)


@login_required
@never_cache
def me_repair_notice(request: HttpRequest, record_pk: int) -> HttpResponse:
    """The 信用修复告知书 of one of the enterprise's own penalties."""
    from remediation.kinds import PENALTY

    enterprise = member_enterprise(user=request_user(request))
    record = CreditRecord.objects.filter(pk=record_pk, enterprise=enterprise, kind=PENALTY).first()
    if record is None:
        raise Http404(_("No such penalty of your enterprise."))
    number = record.document_number or str(record.pk)
    return _notice_response(repair_notice_document(record=record), f"信用修复告知书-{number}.pdf")


staff_urlpatterns = [
    path("repairs/", RepairQueueView.as_view(), name="repair_list"),
    path("repairs/outbox/", RepairOutboxView.as_view(), name="repair_outbox"),
    path(
        "repairs/outbox/batches/<str:batch>.<str:fmt>",
        RepairOutboxBatchView.as_view(),
        name="repair_outbox_batch",
    ),
    path("repairs/<int:pk>/", RepairDetailView.as_view(), name="repair_detail"),
    path("repairs/<int:pk>/act/", RepairActView.as_view(), name="repair_act"),
    path("repairs/<int:pk>/files/<int:file_pk>/", RepairFileView.as_view(), name="repair_file"),
    path("penalties/<int:pk>/repair-notice/", staff_repair_notice, name="repair_notice"),
]
me_urlpatterns = [
    path("repairs/", me_repairs, name="repairs"),
    path("repairs/apply/<int:record_pk>/", me_repair_apply, name="repair_apply"),
    path("repairs/<int:pk>/", me_repair_detail, name="repair_detail"),
    path("repairs/<int:pk>/withdraw/", me_repair_withdraw, name="repair_withdraw"),
    path("repairs/<int:pk>/files/<int:file_pk>/", me_repair_file, name="repair_file"),
    path("repairs/notice/<int:record_pk>/", me_repair_notice, name="repair_notice"),
]
