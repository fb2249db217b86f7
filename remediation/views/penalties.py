"""Pages of penalty decisions: the staff list (filters, publication overdue first), the detail
with its checks, publicity, ledger records and audit history, the draft form with its penalties,
recording, withdrawal, publication and push, the decision document (PDF); and the enterprise's
own decisions under /me/penalties/.

Access: a decision is fetched through `penalties_for_user` before any codename is checked, so a
decision outside a user's reach is a 404 everywhere and only a visible one can answer 403.
Anonymous users go to the login page. Staff pages need `view_penaltydecision`; writing a draft
`add_` / `change_penaltydecision`; recording and withdrawing `record_penaltydecision`;
publication and push `publish_penaltydecision`. The /me/ pages are an enterprise user's (its
own enterprise's recorded and withdrawn decisions, never a draft).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views import View

from credit_portal.audit import event_label, event_summary
from credit_portal.documents import pdf_response, render_pdf
from credit_portal.errors import ConflictError
from credit_portal.forms import form_errors_all, form_errors_from
from credit_portal.models import AuditEvent
from credit_portal.permissions import CorePerm, StaffPermissionMixin
from credit_portal.selectors import departments_of_jurisdiction
from enterprises.models import CreditRecord
from enterprises.permissions import EnterprisePerm
from enterprises.selectors.accounts import member_enterprise
from enterprises.uscc import normalize
from remediation import rules
from remediation.forms.penalties import (
    MeasureFormSet,
    PenaltyDraftForm,
    PenaltyFilterForm,
    PublishForm,
    PushForm,
    VersionForm,
    WithdrawForm,
    measures_initial,
    measures_of,
)
from remediation.models import PenaltyDecision
from remediation.permissions import RemediationPerm
from remediation.selectors.penalties import (
    ledger_penalties_without_decision,
    penalties_for_user,
    penalties_overdue_first,
    penalty_audit_events,
    penalty_ledger_records,
    penalty_list_filter,
    publication_overdue_q,
    publication_state,
    publicity_closing,
    violation_type_name,
)
from remediation.services.penalties import (
    EDUCATION_NOT_SERVED,
    catalogue_range,
    catalogue_range_text,
    decision_lookback,
    decision_nature,
    decision_range,
    penalty_decision_document,
    penalty_draft_check,
    penalty_draft_save,
    penalty_publish_record,
    penalty_push_record,
    penalty_record,
    penalty_withdraw,
    yuan,
)
from remediation.views.common import ObjectScopedView, page_links, query_string, request_user

PAGE_SIZE = 30
Status = PenaltyDecision.Status


def _deadline(day: dt.date | None, provisional: bool) -> Any:
    """A stored due date as the `deadline_display` filter shows it (marked when provisional)."""
    if day is None:
        return None
    from credit_portal.workdays import Deadline

    return Deadline(day=day, provisional=provisional)


# --------------------------------------------------------------------------- list


class PenaltyListView(StaffPermissionMixin, View):
    """Decisions with filters and search; those whose publication is overdue first."""

    permission_required = RemediationPerm.VIEW_PENALTY

    def get(self, request: HttpRequest) -> HttpResponseBase:
        user = request_user(request)
        today = timezone.localdate()
        form = PenaltyFilterForm(
            request.GET or None, departments=departments_of_jurisdiction(user=user)
        )
        queryset = penalties_for_user(user=user).prefetch_related("measures")
        valid = form.is_valid() if request.GET else True
        if valid and request.GET:
            queryset = penalty_list_filter(queryset=queryset, data=form.cleaned_data, today=today)
        queryset = penalties_overdue_first(queryset, today)
        paginator = Paginator(queryset, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        rows = [
            {
                "d": d,
                "publication": publication_state(d, today),
                "measures": _measures_line(d),
                "violation_type": violation_type_name(d.violation_type),
            }
            for d in page.object_list
        ]
        in_use = sum(
            1
            for name in (
                "status",
                "leniency",
                "violation_type",
                "department",
                "year",
                "publication",
            )
            if request.GET.get(name)
        )
        context = {
            "form": form,
            "rows": rows,
            "page_obj": page,
            "paginator": paginator,
            "filters_in_use": in_use,
            "has_filters": bool(in_use or request.GET.get("q")),
            "can_add": user.has_perm(RemediationPerm.ADD_PENALTY),
            "prev_url": query_string(request.GET, page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_url": query_string(request.GET, page=page.next_page_number())
            if page.has_next()
            else "",
            "page_links": page_links(request.GET, page),
            "can_search_register": user.has_perm(EnterprisePerm.VIEW),
            "register_url": _url_or_blank("enterprises:list"),
            "overdue_count": penalties_for_user(user=user)
            .filter(publication_overdue_q(today))
            .count(),
            "today": today,
        }
        return render(
            request, "remediation/penalties/list.html", context, status=200 if valid else 400
        )


# --------------------------------------------------------------------------- one decision


class DecisionScopedView(ObjectScopedView):
    """Base of the pages about one decision: login, then the jurisdiction fetch (404), then the
    codenames (403)."""

    permission_required: tuple[str, ...] = (RemediationPerm.VIEW_PENALTY,)
    decision: PenaltyDecision

    def scope(self, request: HttpRequest, pk: int) -> None:
        found = penalties_for_user(user=request_user(request)).filter(pk=pk).first()
        if found is None:
            raise Http404(_("No penalty decision with this number is visible to you."))
        self.decision = found


def _range_text(view: Any) -> dict[str, str] | None:
    """A range and its 从轻 band as the pages write amounts (5,000 or 1,234.50)."""
    if view is None:
        return None
    return {
        "minimum": yuan(view.minimum),
        "maximum": yuan(view.maximum),
        "band_max": yuan(view.band_max),
    }


def _checks_text(checks: dict[str, Any]) -> dict[str, Any]:
    """The stored checks with their amounts written as the pages write them."""
    found = dict(checks or {})
    if isinstance(found.get("range"), dict):
        found["range"] = {
            k: yuan(Decimal(v)) if k in ("min", "max", "band_max", "fine_total") and v else v
            for k, v in found["range"].items()
        }
    return found


def _measures_line(decision: PenaltyDecision) -> list[str]:
    """Each penalty of a decision in a few words, for the lists."""
    lines = []
    for m in decision.measures.all():
        text = str(m.get_kind_display())
        if m.amount is not None:
            text += f" ¥{yuan(m.amount)}"
        if m.months:
            text += " " + ngettext("%(n)d month", "%(n)d months", m.months) % {"n": m.months}
        lines.append(text)
    return lines


def _url_or_blank(name: str, *args: Any) -> str:
    """A page of another area, or "" while that area does not have it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def term_text(term: rules.PublicityTerm | None) -> str:
    """A publicity term in words, with the rule that gave it."""
    if term is None or not term.published:
        reasons = {
            "simple_procedure": _("Not published: simple (on-the-spot) procedure"),
            "no_penalty": _("Not published: no penalty imposed"),
            "warning_only": _("Not published: a warning only"),
        }
        return str(reasons.get(term.reason if term else "", _("Not published")))
    if term.months % 12 == 0:
        length = ngettext("%(n)d year", "%(n)d years", term.months // 12) % {"n": term.months // 12}
    else:
        length = ngettext("%(n)d month", "%(n)d months", term.months) % {"n": term.months}
    why = {
        "short": _("only public criticism and/or a lower-amount fine"),
        "long": _("penalties other than public criticism or a lower-amount fine"),
        "ban": _("a ban or restriction longer than 3 years, for its length"),
    }.get(term.reason, "")
    return f"{length} ({why})" if why else length


# The stored checks the detail page has words for (`_checks_text`); a decision whose checks
# hold none of them (the demo's seeded decisions, marked {"demo_year": ...}) shows no box.
CHECKS_SHOWN = ("limitation", "lookback", "published_late", "education", "range")


def _checks_shown(checks: dict[str, Any]) -> bool:
    found = checks or {}
    return any(
        found.get(k) if k != "range" else (found.get("range") or {}).get("min")
        for k in CHECKS_SHOWN
    )


def repair_step(
    eligibility: rules.Eligibility | None,
    record: CreditRecord | None,
    today: dt.date,
    *,
    staff: bool,
) -> dict[str, Any]:
    """The next step about the credit repair of a penalty record public today, in words, with
    what may be offered: `apply_url` (the enterprise may apply now) and `repair_url` (the
    repair area, where the conditions are shown: only while a repair is still to come). One
    source of truth, `rules.penalty_repair_eligibility`: a penalty repaired through 信用中国
    (`elsewhere`) or with nothing to repair (`outside_repair`: a term that ends by itself first,
    a penalty never repairable early, ...) offers neither; `earliest_on` says from when."""
    if eligibility is None or record is None:
        return {"text": "", "apply_url": "", "repair_url": "", "code": "none"}
    reasons = list(eligibility.reasons)
    if eligibility.elsewhere or eligibility.outside_repair:
        code = "elsewhere" if eligibility.elsewhere else "outside"
        return {"text": " ".join(reasons), "apply_url": "", "repair_url": "", "code": code}
    repair_url = "" if staff else _repair_link()
    if eligibility.eligible:
        if staff:
            text = _("The enterprise may apply for credit repair now (early end of publicity).")
            return {"text": text, "apply_url": "", "repair_url": "", "code": "eligible"}
        return {
            "text": _("Next step: you may apply for its publicity to end early (credit repair)."),
            "apply_url": _url_or_blank("me-remediation:repair_apply", record.pk),
            "repair_url": repair_url,
            "code": "eligible",
        }
    earliest = eligibility.earliest_on
    if earliest is not None and today < earliest and not staff:
        rest = reasons[1:] if reasons else []
        text = _(
            "Next step: you may apply for credit repair from %(d)s, once the penalty is carried "
            "out and its harm removed."
        ) % {"d": earliest.isoformat()}
        return {
            "text": " ".join([text, *rest]),
            "apply_url": "",
            "repair_url": repair_url,
            "code": "from",
        }
    code = "from" if earliest is not None and today < earliest else "conditions"
    return {"text": " ".join(reasons), "apply_url": "", "repair_url": repair_url, "code": code}


def _decision_repair_step(decision: PenaltyDecision, today: dt.date) -> dict[str, Any] | None:
    """The staff detail's line on credit repair: for a recorded penalty of a market entity of
    the register whose record is public today (None otherwise)."""
    if (
        decision.status != Status.RECORDED
        or decision.is_no_penalty
        or decision.credit_record_id is None
    ):
        return None
    record = CreditRecord.objects.filter(pk=decision.credit_record_id).first()
    if record is None or not record.is_public_on(
        today, closed=publicity_closing(decision) is not None
    ):
        return None
    eligibility = rules.penalty_repair_eligibility(record=record, today=today)
    return repair_step(eligibility, record, today, staff=True)


def _audit_items(events: list[AuditEvent]) -> list[dict[str, Any]]:
    return [{"event": e, "label": event_label(e.event_type), **event_summary(e)} for e in events]


def detail_context(request: HttpRequest, decision: PenaltyDecision, **extra: Any) -> dict[str, Any]:
    user = request_user(request)
    today = timezone.localdate()
    measures = list(decision.measures.all())
    view = decision_range(decision)
    term = rules.PublicityTerm.from_code(decision.publicity_term)
    preview = None
    if decision.status == Status.DRAFT:
        preview = rules.publicity_term(measures, decision_nature(decision), decision.procedure)
    records = penalty_ledger_records(decision=decision)
    grounds = dict(PenaltyDecision.LeniencyGround.choices)
    withdrawn = decision.status == Status.WITHDRAWN
    return {
        "decision": decision,
        "violation_type_name": violation_type_name(decision.violation_type),
        "checks_shown": _checks_shown(decision.checks),
        "repair_step": _decision_repair_step(decision, today),
        "measures": [{"m": m, "amount": yuan(m.amount)} for m in measures],
        "fines_total": yuan(rules.fines_total(measures)),
        "range": _range_text(view),
        "term": term,
        "term_preview": preview,
        "lookback": decision_lookback(decision)
        if decision.leniency == "first_violation" or decision.status == Status.DRAFT
        else [],
        "lookback_window": rules.first_violation_window(decision.violation_on),
        "lookback_years": rules.FIRST_VIOLATION_LOOKBACK_YEARS,
        "checks": _checks_text(decision.checks),
        "publication": publication_state(decision, today),
        "publication_due": _deadline(
            decision.publication_due, decision.publication_due_provisional
        ),
        "withdrawal_due": decision.withdrawal_due,
        "records": records,
        "events": _audit_items(list(penalty_audit_events(decision=decision)[:50]))
        if user.has_perm(CorePerm.VIEW_AUDIT_LOG)
        else [],
        "can_view_audit": user.has_perm(CorePerm.VIEW_AUDIT_LOG),
        "can_view_records": user.has_perm(EnterprisePerm.VIEW_RECORDS) or user.is_superuser,
        "education": [
            {
                "action": a,
                "url": _url_or_blank("remediation:soft_action_detail", a.pk),
                # Served before the withdrawal: it reached the party and stays.
                "kept_served": withdrawn and a.status not in (*EDUCATION_NOT_SERVED, "cancelled"),
            }
            for a in decision.education_actions.all()
        ],
        # The 信用修复告知书 goes with a published decision; a withdrawn one is not public and
        # has nothing to repair (the page shows the withdrawal instead).
        "repair_notice_url": _url_or_blank("remediation:repair_notice", decision.pk)
        if decision.published_on is not None
        and decision.enterprise_id is not None
        and not withdrawn
        else "",
        "term_text": term_text(term),
        "term_preview_text": term_text(preview) if preview is not None else "",
        "grounds": [grounds.get(g, g) for g in decision.leniency_grounds or []],
        "can_edit": decision.status == Status.DRAFT
        and user.has_perm(RemediationPerm.CHANGE_PENALTY),
        "can_record": decision.status == Status.DRAFT
        and user.has_perm(RemediationPerm.RECORD_PENALTY),
        "can_withdraw": decision.status == Status.RECORDED
        and user.has_perm(RemediationPerm.RECORD_PENALTY),
        "can_publish": decision.status == Status.RECORDED
        and term is not None
        and decision.enterprise_id is None
        and decision.published_on is None
        and (not decision.party_other_province or decision.pushed_on is not None)
        and user.has_perm(RemediationPerm.PUBLISH_PENALTY),
        "can_push": decision.status == Status.RECORDED
        and term is not None
        and decision.party_other_province
        and decision.pushed_on is None
        and user.has_perm(RemediationPerm.PUBLISH_PENALTY),
        "has_document": decision.status != Status.DRAFT,
        "record_form": VersionForm(initial={"version": decision.version}),
        "today": today,
        **extra,
    }


class PenaltyDetailView(DecisionScopedView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(
            request, "remediation/penalties/detail.html", detail_context(request, self.decision)
        )


class PenaltyRecordView(DecisionScopedView):
    """Record a draft (POST, with the version read)."""

    permission_required = (RemediationPerm.VIEW_PENALTY, RemediationPerm.RECORD_PENALTY)
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A reload of this address (after a refused POST) goes back to the decision."""
        return redirect("remediation:penalty_detail", pk=pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = VersionForm(request.POST)
        version = form.cleaned_data["version"] if form.is_valid() else None
        try:
            decision = penalty_record(
                actor=request_user(request), decision=self.decision, expected_version=version
            )
        except ConflictError as exc:
            fresh = penalties_for_user(user=request_user(request)).get(pk=pk)
            return render(
                request,
                "remediation/penalties/detail.html",
                detail_context(request, fresh, refusal=exc.messages, conflict=True),
                status=409,
            )
        except ValidationError as exc:
            return render(
                request,
                "remediation/penalties/detail.html",
                detail_context(request, self.decision, refusal=_messages_of(exc)),
                status=400,
            )
        messages.success(
            request, _("Decision %(number)s is recorded.") % {"number": decision.number}
        )
        return redirect("remediation:penalty_detail", pk=decision.pk)


def _messages_of(exc: ValidationError) -> list[str]:
    """A service's refusal as lines to show, each with the field it is about."""
    if not hasattr(exc, "error_dict"):
        return [str(m) for m in exc.messages]
    labels = {name: str(field.label) for name, field in PenaltyDraftForm.base_fields.items()}
    labels["measures"] = _("Penalties")
    lines = []
    for name, errors in exc.error_dict.items():
        for error in errors:
            for message in error.messages:
                label = labels.get(name)
                lines.append(f"{label}: {message}" if label else str(message))
    return lines


class _ActionView(DecisionScopedView):
    """A form about a recorded decision (withdraw, publish, push): GET shows it, POST calls the
    service."""

    template_name = "remediation/penalties/action.html"
    form_class: type[VersionForm] = VersionForm
    title = ""

    def _render(self, request: HttpRequest, form: VersionForm, status: int = 200) -> HttpResponse:
        context = detail_context(
            request, self.decision, form=form, action_title=self.get_title(), action=self.action
        )
        return render(request, self.template_name, context, status=status)

    action = ""

    def get_title(self) -> str:
        return ""

    def available(self) -> bool:
        """Whether the decision is in a state where this action can be taken."""
        return True

    def unavailable_message(self) -> str:
        return ""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.available():
            messages.info(request, self.unavailable_message())
            return redirect("remediation:penalty_detail", pk=pk)
        return self._render(request, self.form_class(initial={"version": self.decision.version}))

    def call(self, request: HttpRequest, data: dict[str, Any]) -> PenaltyDecision:
        raise NotImplementedError

    def done_message(self, decision: PenaltyDecision) -> str:
        return ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self._render(request, form, 400)
        try:
            decision = self.call(request, form.cleaned_data)
        except ConflictError as exc:
            self.decision = penalties_for_user(user=request_user(request)).get(pk=pk)
            data = request.POST.copy()
            data["version"] = str(self.decision.version)
            fresh = self.form_class(data)
            fresh.is_valid()
            fresh.add_error(None, exc.messages[0])
            return self._render(request, fresh, 409)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, form, 400)
        messages.success(request, self.done_message(decision))
        return redirect("remediation:penalty_detail", pk=decision.pk)


class PenaltyWithdrawView(_ActionView):
    permission_required = (RemediationPerm.VIEW_PENALTY, RemediationPerm.RECORD_PENALTY)
    form_class = WithdrawForm
    action = "withdraw"

    def get_title(self) -> str:
        return _("Withdraw decision %(number)s") % {"number": self.decision.number}

    def available(self) -> bool:
        return self.decision.status == Status.RECORDED

    def unavailable_message(self) -> str:
        if self.decision.status == Status.WITHDRAWN:
            return _("Decision %(number)s is already withdrawn.") % {"number": self.decision.number}
        return _(
            "Decision %(number)s is a draft: only a recorded decision is withdrawn. Edit the "
            "draft instead."
        ) % {"number": self.decision.number}

    def call(self, request: HttpRequest, data: dict[str, Any]) -> PenaltyDecision:
        return penalty_withdraw(
            actor=request_user(request),
            decision=self.decision,
            withdrawal=data["withdrawal"],
            reason=data["withdrawal_reason"],
            changed_on=data.get("changed_on"),
            expected_version=data["version"],
        )

    def done_message(self, decision: PenaltyDecision) -> str:
        return _("Decision %(number)s is withdrawn; its information is no longer public.") % {
            "number": decision.number
        }


class PenaltyPublishView(_ActionView):
    permission_required = (RemediationPerm.VIEW_PENALTY, RemediationPerm.PUBLISH_PENALTY)
    form_class = PublishForm
    action = "publish"

    def get_title(self) -> str:
        return _("Record the publication of decision %(number)s") % {"number": self.decision.number}

    def call(self, request: HttpRequest, data: dict[str, Any]) -> PenaltyDecision:
        return penalty_publish_record(
            actor=request_user(request),
            decision=self.decision,
            published_on=data["published_on"],
            expected_version=data["version"],
        )

    def done_message(self, decision: PenaltyDecision) -> str:
        return _("The publication of decision %(number)s is recorded.") % {
            "number": decision.number
        }


class PenaltyPushView(_ActionView):
    permission_required = (RemediationPerm.VIEW_PENALTY, RemediationPerm.PUBLISH_PENALTY)
    form_class = PushForm
    action = "push"

    def get_title(self) -> str:
        return _("Record the push of decision %(number)s to the home province") % {
            "number": self.decision.number
        }

    def call(self, request: HttpRequest, data: dict[str, Any]) -> PenaltyDecision:
        return penalty_push_record(
            actor=request_user(request),
            decision=self.decision,
            pushed_on=data["pushed_on"],
            expected_version=data["version"],
        )

    def done_message(self, decision: PenaltyDecision) -> str:
        return _("The push of decision %(number)s is recorded.") % {"number": decision.number}


# --------------------------------------------------------------------------- the draft form


def _form_context(
    request: HttpRequest,
    form: PenaltyDraftForm,
    formset: Any,
    decision: PenaltyDecision | None,
    **extra: Any,
) -> dict[str, Any]:
    """The form with the hints it shows: the range and its 从轻 band, the look-back, and the
    statutory range of the violation type chosen, read-only when the catalogue gives one
    (`fixed_range`), with the catalogue's ranges for a new decision."""
    hints: dict[str, Any] = {}
    if decision is not None:
        view = decision_range(decision)
        hints = {
            "range": _range_text(view),
            "lookback": decision_lookback(decision),
            "lookback_window": rules.first_violation_window(decision.violation_on),
        }
    vtype = form.chosen_violation_type()
    fixed_range = None
    if vtype is not None and catalogue_range(vtype) is not None:
        fixed_range = {
            "name": violation_type_name(vtype),
            "text": catalogue_range_text(vtype),
            "multiple": vtype.range_kind == "multiple",
        }
    catalogue = [
        {"name": violation_type_name(t), "text": catalogue_range_text(t)}
        for t in form.fields["violation_type"].queryset  # type: ignore[attr-defined]
        if catalogue_range(t) is not None
    ]
    return {
        "form": form,
        "formset": formset,
        "decision": decision,
        "creating": decision is None,
        "band_share": int(rules.LIGHTER_BAND_SHARE * 100),
        "lookback_years": rules.FIRST_VIOLATION_LOOKBACK_YEARS,
        "lower_fine_natural": yuan(rules.lower_fine_threshold(rules.NATURAL_PERSON)),
        "lower_fine_organisation": yuan(rules.lower_fine_threshold(rules.ORGANISATION)),
        "fixed_range": fixed_range,
        "catalogue_ranges": catalogue,
        **hints,
        **extra,
    }


class PenaltyCreateView(StaffPermissionMixin, View):
    permission_required = (RemediationPerm.VIEW_PENALTY, RemediationPerm.ADD_PENALTY)
    template_name = "remediation/penalties/form.html"

    def _forms(self, request: HttpRequest) -> tuple[PenaltyDraftForm, Any]:
        data = request.POST if request.method == "POST" else None
        departments = departments_of_jurisdiction(user=request_user(request))
        initial = {}
        if data is None:
            own = getattr(getattr(request.user, "staff_profile", None), "department", None)
            initial = {
                "department": own.code if own is not None else None,
                "decided_on": timezone.localdate(),
            }
            if request.GET.get("uscc"):
                initial["enterprise_uscc"] = normalize(request.GET["uscc"])[:18]
        form = PenaltyDraftForm(data, departments=departments, initial=initial)
        formset = MeasureFormSet(data, prefix="measures")
        return form, formset

    def get(self, request: HttpRequest) -> HttpResponse:
        form, formset = self._forms(request)
        return render(request, self.template_name, _form_context(request, form, formset, None))

    def post(self, request: HttpRequest) -> HttpResponse:
        form, formset = self._forms(request)
        if not (form.is_valid() & formset.is_valid()):
            if formset.is_valid():
                form_errors_all(
                    form,
                    lambda: penalty_draft_check(
                        actor=request_user(request),
                        data=form.cleaned_data,
                        measures=measures_of(formset),
                    ),
                )
            return render(
                request, self.template_name, _form_context(request, form, formset, None), status=400
            )
        try:
            decision = penalty_draft_save(
                actor=request_user(request), data=form.service_data(), measures=measures_of(formset)
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
            return render(
                request, self.template_name, _form_context(request, form, formset, None), status=400
            )
        messages.success(request, _("Draft %(number)s is saved.") % {"number": decision.number})
        return redirect("remediation:penalty_detail", pk=decision.pk)


class PenaltyEditView(DecisionScopedView):
    permission_required = (RemediationPerm.VIEW_PENALTY, RemediationPerm.CHANGE_PENALTY)
    template_name = "remediation/penalties/form.html"

    def _forms(self, request: HttpRequest) -> tuple[PenaltyDraftForm, Any]:
        data = request.POST if request.method == "POST" else None
        departments = departments_of_jurisdiction(user=request_user(request))
        form = PenaltyDraftForm(data, departments=departments, decision=self.decision)
        formset = MeasureFormSet(
            data,
            prefix="measures",
            initial=None if data is not None else measures_initial(self.decision),
        )
        return form, formset

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.decision.status != Status.DRAFT:
            messages.error(
                request, _("A recorded decision is not edited: withdraw it if it was changed.")
            )
            return redirect("remediation:penalty_detail", pk=pk)
        form, formset = self._forms(request)
        return render(
            request, self.template_name, _form_context(request, form, formset, self.decision)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form, formset = self._forms(request)
        if self.decision.status != Status.DRAFT:
            messages.error(
                request, _("A recorded decision is not edited: withdraw it if it was changed.")
            )
            return redirect("remediation:penalty_detail", pk=pk)
        if not (form.is_valid() & formset.is_valid()):
            return self._render(request, form, formset, 400)
        try:
            decision = penalty_draft_save(
                actor=request_user(request),
                decision=self.decision,
                data=form.service_data(),
                measures=measures_of(formset),
                expected_version=form.cleaned_data.get("version"),
            )
        except ConflictError as exc:
            # Someone saved first: keep this user's input, move the version on, say so.
            self.decision = penalties_for_user(user=request_user(request)).get(pk=pk)
            data = request.POST.copy()
            data["version"] = str(self.decision.version)
            form = PenaltyDraftForm(
                data,
                departments=departments_of_jurisdiction(user=request_user(request)),
                decision=self.decision,
            )
            form.is_valid()
            form.add_error(None, exc.messages[0])
            return self._render(request, form, formset, 409, conflict=True)
        except ValidationError as exc:
            form_errors_from(form, exc)
            return self._render(request, form, formset, 400)
        messages.success(request, _("Draft %(number)s is saved.") % {"number": decision.number})
        return redirect("remediation:penalty_detail", pk=decision.pk)

    def _render(
        self, request: HttpRequest, form: PenaltyDraftForm, formset: Any, status: int, **extra: Any
    ) -> HttpResponse:
        context = _form_context(request, form, formset, self.decision, **extra)
        return render(request, self.template_name, context, status=status)


# --------------------------------------------------------------------------- documents


def _pdf(decision: PenaltyDecision) -> HttpResponse:
    pdf = render_pdf(penalty_decision_document(decision))
    return pdf_response(pdf, filename=f"{decision.number}.pdf", inline=True)


class PenaltyDocumentView(DecisionScopedView):
    """The decision document (PDF) of a recorded or withdrawn decision."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.decision.status == Status.DRAFT:
            raise Http404(_("A draft has no decision document yet."))
        return _pdf(self.decision)


# --------------------------------------------------------------------------- self-service


def _repair_link() -> str:
    try:
        return reverse("me-remediation:repair_apply")
    except NoReverseMatch:
        try:
            return reverse("me-remediation:repairs")
        except NoReverseMatch:
            return ""


def _withdrawal_text(decision: PenaltyDecision) -> str:
    """ "Decision revoked: <reason>" in the interface language (its own punctuation)."""
    return _("%(withdrawal)s: %(reason)s") % {
        "withdrawal": decision.get_withdrawal_display(),
        "reason": decision.withdrawal_reason,
    }


def _violation_line(decision: PenaltyDecision, measures: list[str]) -> str:
    """ "<violation type>: <penalty>; <penalty>" with the interface language's punctuation."""
    name = violation_type_name(decision.violation_type)
    if not measures:
        return name
    return _("%(violation)s: %(penalties)s") % {
        "violation": name,
        "penalties": pgettext("list separator", "; ").join(measures),
    }


def _my_rows(
    decisions: list[PenaltyDecision],
    records: dict[int, CreditRecord],
    context: rules.RepairContext,
    today: dt.date,
) -> list[dict[str, Any]]:
    """Each decision with what is public and until when, and the next step."""
    rows = []
    for d in decisions:
        record = records.get(d.credit_record_id) if d.credit_record_id else None
        closed = context.closer(record) if record is not None else None
        withdrawn = d.status == Status.WITHDRAWN
        public_now = bool(
            record and not withdrawn and record.is_public_on(today, closed=closed is not None)
        )
        eligibility = None
        if public_now and record is not None and not d.is_no_penalty:
            eligibility = rules.penalty_repair_eligibility(
                record=record, today=today, context=context
            )
        measures = _measures_line(d)
        rows.append(
            {
                "d": d,
                "record": record,
                "closed": closed,
                "public_now": public_now,
                "term": rules.PublicityTerm.from_code(d.publicity_term),
                "eligibility": eligibility,
                "step": repair_step(eligibility, record, today, staff=False),
                "measures": measures,
                "violation_type": violation_type_name(d.violation_type),
                "line": _violation_line(d, measures),
                "withdrawal_text": _withdrawal_text(d) if withdrawn else "",
                "term_text": term_text(rules.PublicityTerm.from_code(d.publicity_term))
                if d.publicity_term
                else _("Not published"),
            }
        )
    return rows


def _earlier_rows(
    records: list[CreditRecord], context: rules.RepairContext, today: dt.date
) -> list[dict[str, Any]]:
    """The ledger penalties no decision of the portal stands behind (history recorded before
    online case handling), each with what is public and the next step about its repair."""
    rows = []
    for record in records:
        closed = context.closer(record)
        public_now = record.is_public_on(today, closed=closed is not None)
        eligibility = (
            rules.penalty_repair_eligibility(record=record, today=today, context=context)
            if public_now
            else None
        )
        rows.append(
            {
                "record": record,
                "closed": closed,
                "public_now": public_now,
                "step": repair_step(eligibility, record, today, staff=False),
            }
        )
    return rows


@login_required
def me_penalties(request: HttpRequest) -> HttpResponse:
    """The enterprise's own decisions: dates, what is public and until when, the next step;
    then the penalties of its credit records that no decision of the portal stands behind
    (recorded before online case handling)."""
    enterprise = member_enterprise(user=request_user(request))
    today = timezone.localdate()
    decisions = list(
        penalties_for_user(user=request_user(request))
        .filter(enterprise=enterprise)
        .prefetch_related("measures")
        .order_by("-decided_on", "-id")
    )
    records = {
        r.pk: r
        for r in CreditRecord.objects.filter(
            pk__in=[d.credit_record_id for d in decisions if d.credit_record_id]
        )
    }
    for record in records.values():
        record.enterprise = enterprise
    earlier = ledger_penalties_without_decision(enterprise=enterprise)
    # One context for every record of the page: the eligibility's reads once for all.
    context = rules.repair_context([*records.values(), *earlier])
    return render(
        request,
        "me/remediation/penalties.html",
        {
            "enterprise": enterprise,
            "membership": getattr(request.user, "enterprise_membership", None),
            "rows": _my_rows(decisions, records, context, today),
            "earlier_rows": _earlier_rows(earlier, context, today),
            "today": today,
            "repair_url": _repair_link(),
        },
    )


@login_required
def me_penalty_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision document of one of the enterprise's own decisions (404 for any other)."""
    enterprise = member_enterprise(user=request_user(request))
    decision = (
        penalties_for_user(user=request_user(request)).filter(enterprise=enterprise, pk=pk).first()
    )
    if decision is None:
        raise Http404(_("No such decision of your enterprise."))
    return _pdf(decision)


staff_urlpatterns = [
    path("penalties/", PenaltyListView.as_view(), name="penalty_list"),
    path("penalties/new/", PenaltyCreateView.as_view(), name="penalty_create"),
    path("penalties/<int:pk>/", PenaltyDetailView.as_view(), name="penalty_detail"),
    path("penalties/<int:pk>/edit/", PenaltyEditView.as_view(), name="penalty_edit"),
    path("penalties/<int:pk>/record/", PenaltyRecordView.as_view(), name="penalty_record"),
    path("penalties/<int:pk>/withdraw/", PenaltyWithdrawView.as_view(), name="penalty_withdraw"),
    path("penalties/<int:pk>/publish/", PenaltyPublishView.as_view(), name="penalty_publish"),
    path("penalties/<int:pk>/push/", PenaltyPushView.as_view(), name="penalty_push"),
    path("penalties/<int:pk>/document.pdf", PenaltyDocumentView.as_view(), name="penalty_document"),
]
me_urlpatterns = [
    path("penalties/", me_penalties, name="penalties"),
    path("penalties/<int:pk>/document.pdf", me_penalty_document, name="penalty_document"),
]
