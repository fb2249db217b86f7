"""The questions API (`/api/v1/...`; issue 18 §4).

Public (no authentication; throttled per client address with the public pages, on top of the
questions' own limits per address and contact, `questions.rules`):
- POST `public/questions/`: ask a question; the answer carries the receipt code once.
  A limit reached is a 429 with Retry-After (code "throttled").
- POST `public/questions/status/`: a receipt code gives the status and the answer.
- GET  `public/faq/`: the published FAQ (topic, q).

Staff (the bureau: `questions_for_user`; others see none, a 404 for one):
- GET `questions/` (view_question): the queue, open first by due day, overdue on top.
- GET `questions/<id>/`: one question; never the asker's name or contact (`has_contact` only).
- POST `questions/<id>/answer|assign|close|move|publish/` with the `version` read (a stale one
  is a 409 and nothing is written); `faq/<id>/unpublish/`.
- GET `faq/` and `faq/<id>/` (view_faqentry): the FAQ entries staff keep, published or taken
  off, with their version; POST `faq/<id>/edit/` (publish_faq): the wording edited in place
  (`faq_edit`), with the version read.
The rules and their messages are the services' (`questions.services`): a 400 names the
problem per field.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit_portal.api import StandardPagination
from credit_portal.api_schema import error_response
from credit_portal.errors import ConflictError
from credit_portal.middleware import client_ip_from_request
from credit_portal.models import User
from credit_portal.throttling import PublicApiThrottleMixin
from enterprises.selectors import enterprise_list_for_user
from enterprises.uscc import normalize
from inspections.models import Lead
from inspections.selectors.leads import lead_due
from questions import rules
from questions.models import FaqEntry, Party, Question, Topic
from questions.permissions import QuestionPerm
from questions.selectors import (
    faq_entries_for_user,
    faq_entry_for_user,
    faq_published,
    question_by_receipt,
    question_due,
    question_for_user,
    question_queue,
    questions_for_user,
)
from questions.services import (
    AskLimitError,
    faq_edit,
    faq_publish,
    faq_unpublish,
    question_answer,
    question_ask,
    question_assign,
    question_close,
    question_move_to_lead,
)
from questions.services.questions import answers_questions
from remediation.api.common import VersionConflict, VersionedStepApi, request_user, require_perms

Status = Question.Status

PUBLIC_NOTE = gettext_lazy(
    "No authentication. Rate-limited per client address together with the public pages; "
    'beyond it the answer is 429 with a Retry-After header and code "throttled".'
)


class Conflict(VersionConflict):
    default_detail = gettext_lazy("Someone else acted on this question first.")


CONFLICT_409 = error_response(
    gettext_lazy(
        'The version sent is stale: someone else acted first (code "conflict"). Nothing was '
        "written; read it again."
    )
)


def _yes_no(raw: str) -> bool | None:
    """A true/false query parameter; None when absent or neither."""
    raw = raw.lower()
    return True if raw in {"1", "true", "yes"} else False if raw in {"0", "false", "no"} else None


def _require(request: Request, *codenames: str) -> User:
    require_perms(request, QuestionPerm.VIEW, *codenames)
    return request_user(request)


# --------------------------------------------------------------------------- serializers


@extend_schema_serializer(component_name="QuestionDue")
class _Due(serializers.Serializer):
    day = serializers.DateField()
    provisional = serializers.BooleanField()
    working_days_left = serializers.IntegerField(
        help_text=gettext_lazy("Working days until the day; negative: overdue by that many.")
    )


@extend_schema_serializer(component_name="QuestionLeadRef")
class _LeadRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=Lead.Kind.choices)
    status = serializers.ChoiceField(choices=Lead.Status.choices)
    received_on = serializers.DateField()


@extend_schema_serializer(component_name="Question")
class QuestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    asked_at = serializers.DateTimeField()
    party = serializers.ChoiceField(choices=Party.choices)
    topic = serializers.ChoiceField(choices=Topic.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    enterprise_name = serializers.CharField(allow_blank=True)
    uscc = serializers.SerializerMethodField()
    text = serializers.CharField(
        help_text=gettext_lazy("As asked: plain text; escape it wherever it is shown.")
    )
    flagged = serializers.BooleanField(
        help_text=gettext_lazy("Links or markup were found: published only after a review.")
    )
    has_contact = serializers.SerializerMethodField(
        help_text=gettext_lazy("The asker left a name or contact (read on the staff page only).")
    )
    due_on = serializers.DateField()
    due_provisional = serializers.BooleanField()
    due = serializers.SerializerMethodField()
    handler = serializers.IntegerField(source="handler_id", allow_null=True)
    answer = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField(allow_blank=True)
    close_note = serializers.CharField(allow_blank=True)
    lead = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        help_text=gettext_lazy("Send it back with a step: a stale one gives 409.")
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_uscc(self, question: Question) -> str | None:
        return question.enterprise.uscc if question.enterprise is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_has_contact(self, question: Question) -> bool:
        return bool(question.name or question.phone or question.email)

    @extend_schema_field(_Due(allow_null=True))
    def get_due(self, question: Question) -> dict[str, Any] | None:
        due = question_due(question, today=self.context["today"])
        if due is None:
            return None
        return {
            "day": due.day,
            "provisional": due.provisional,
            "working_days_left": due.working_days_left,
        }

    @extend_schema_field(_LeadRef(allow_null=True))
    def get_lead(self, question: Question) -> dict[str, Any] | None:
        lead = question.lead
        if lead is None:
            return None
        return dict(_LeadRef(lead).data)


@extend_schema_serializer(component_name="QuestionMoved")
class QuestionMovedOutput(QuestionOutput):
    lead_receipt_code = serializers.CharField(
        help_text=gettext_lazy("The lead's receipt code, given once: stored as a digest only.")
    )


@extend_schema_serializer(component_name="FaqEntry")
class FaqOutput(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.ChoiceField(choices=Topic.choices)
    question = serializers.CharField()
    answer = serializers.CharField()
    order = serializers.IntegerField()
    published_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="FaqEntryStaff")
class FaqStaffOutput(FaqOutput):
    source_question = serializers.IntegerField(source="source_id", allow_null=True)
    unpublished_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()


class _AskInput(serializers.Serializer):
    party = serializers.ChoiceField(choices=Party.choices)
    topic = serializers.ChoiceField(choices=Topic.choices)
    text = serializers.CharField(max_length=rules.TEXT_MAX)
    enterprise_name = serializers.CharField(
        max_length=rules.ENTERPRISE_NAME_MAX, required=False, allow_blank=True, default=""
    )
    name = serializers.CharField(
        max_length=rules.NAME_MAX, required=False, allow_blank=True, default=""
    )
    phone = serializers.CharField(
        max_length=rules.PHONE_MAX, required=False, allow_blank=True, default=""
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    website = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Leave empty (a field only programs fill)."),
    )


@extend_schema_serializer(component_name="QuestionAsked")
class AskedOutput(serializers.Serializer):
    number = serializers.CharField()
    receipt_code = serializers.CharField(
        help_text=gettext_lazy(
            "Given once: with it the asker reads the answer; stored as a digest only."
        )
    )
    due_on = serializers.DateField()
    due_provisional = serializers.BooleanField()
    flagged = serializers.BooleanField()


class _ReceiptInput(serializers.Serializer):
    code = serializers.CharField(max_length=40)


@extend_schema_serializer(component_name="QuestionPublicStatus")
class PublicStatusOutput(serializers.Serializer):
    number = serializers.CharField()
    asked_on = serializers.DateField()
    topic = serializers.ChoiceField(choices=Topic.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    due_on = serializers.DateField(allow_null=True)
    answer = serializers.CharField(allow_blank=True)
    answered_on = serializers.DateField(allow_null=True)
    lead = serializers.DictField(
        allow_null=True,
        help_text=gettext_lazy("For a message moved into the leads: its number, kind, status."),
    )


# --------------------------------------------------------------------------- public


class _PublicApi(PublicApiThrottleMixin, APIView):  # type: ignore[misc]
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []


class PublicAskApi(_PublicApi):
    @extend_schema(
        operation_id="public_questions_create",
        summary=gettext_lazy("Ask a question (public)"),
        description=gettext_lazy(
            "Anyone asks the bureau a question (咨询). Answered within the bureau's working "
            "days; the answer carries the receipt code once. Too many questions from one "
            "address or with one contact: 429 with Retry-After."
        ),
        request=_AskInput,
        responses={201: AskedOutput, 429: error_response(PUBLIC_NOTE)},
    )
    def post(self, request: Request) -> Response:
        serializer = _AskInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            question, code = question_ask(
                party=data["party"],
                topic=data["topic"],
                text=data["text"],
                enterprise_name=data["enterprise_name"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                honeypot=data["website"],
                client_address=client_ip_from_request(request._request),
            )
        except AskLimitError as exc:
            raise exceptions.Throttled(wait=exc.retry_after, detail=exc.messages[0]) from exc
        return Response(
            {
                "number": question.number,
                "receipt_code": code,
                "due_on": question.due_on,
                "due_provisional": question.due_provisional,
                "flagged": question.flagged,
            },
            status=status.HTTP_201_CREATED,
        )


class PublicStatusApi(_PublicApi):
    @extend_schema(
        operation_id="public_questions_status",
        summary=gettext_lazy("Read the answer by receipt code (public)"),
        description=gettext_lazy(
            "The status, the due day and the answer of the question the code belongs to "
            "(POST: the code stays out of addresses and logs). 404 for an unknown code."
        ),
        request=_ReceiptInput,
        responses={200: PublicStatusOutput, 404: error_response(gettext_lazy("No such code."))},
    )
    def post(self, request: Request) -> Response:
        serializer = _ReceiptInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = question_by_receipt(serializer.validated_data["code"])
        if question is None:
            raise exceptions.NotFound(_("No question has this receipt code."))
        today = timezone.localdate()
        due = question_due(question, today=today)
        lead = question.lead
        lead_data = None
        if lead is not None:
            nxt = lead_due(lead, today=today)
            lead_data = {
                "number": lead.number,
                "kind": lead.kind,
                "status": lead.status,
                "received_on": lead.received_on,
                "next_due": nxt.deadline.day if nxt is not None else None,
            }
        answered = question.status == Status.ANSWERED
        return Response(
            PublicStatusOutput(
                {
                    "number": question.number,
                    "asked_on": question.asked_on,
                    "topic": question.topic,
                    "status": question.status,
                    "due_on": due.day if due is not None else None,
                    "answer": question.answer if answered else "",
                    "answered_on": timezone.localdate(question.answered_at)
                    if answered and question.answered_at
                    else None,
                    "lead": lead_data,
                }
            ).data
        )


class PublicFaqApi(_PublicApi):
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="public_faq_list",
        summary=gettext_lazy("The FAQ (public)"),
        description=gettext_lazy(
            "Published questions and answers by topic and order; filter by topic, search words."
        ),
        parameters=[
            OpenApiParameter("topic", str, enum=Topic.values),
            OpenApiParameter("q", str, description=gettext_lazy("Words to look for.")),
        ],
        responses=FaqOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        topic = request.query_params.get("topic", "")
        search = request.query_params.get("q", "")
        if topic and topic not in Topic.values:
            raise exceptions.ValidationError({"topic": [_("Unknown topic.")]})
        if "\x00" in search or len(search) > rules.SEARCH_MAX:
            raise exceptions.ValidationError(
                {"q": [_("At most %(n)d characters.") % {"n": rules.SEARCH_MAX}]}
            )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            faq_published(topic=topic, search=search), request, view=self
        )
        return paginator.get_paginated_response(FaqOutput(page, many=True).data)


# --------------------------------------------------------------------------- staff


def _output(
    request: Request, question: Question, *, extra: dict[str, Any] | None = None
) -> Response:
    """The question as the user reads it now (fresh from the database, through jurisdiction)."""
    fresh = question_for_user(user=request_user(request), pk=question.pk)
    data = dict(QuestionOutput(fresh, context={"today": timezone.localdate()}).data)
    if extra:
        data.update(extra)
    return Response(data)


class QuestionListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination

    @extend_schema(
        operation_id="questions_list",
        summary=gettext_lazy("List questions"),
        description=gettext_lazy(
            "The bureau's staff with view_question: open questions first by the day the answer "
            "is due (the overdue on top), then the others, newest first. No asker's name or "
            "contact."
        ),
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("topic", str, enum=Topic.values),
            OpenApiParameter("party", str, enum=Party.values),
            OpenApiParameter("flagged", bool),
            OpenApiParameter("q", str, description=gettext_lazy("A number or words.")),
        ],
        responses=QuestionOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _require(request)
        params = request.query_params
        problems: dict[str, list[str]] = {}
        for name, values in (
            ("status", Status.values),
            ("topic", Topic.values),
            ("party", Party.values),
        ):
            if params.get(name) and params[name] not in values:
                problems[name] = [_("Unknown value.")]
        search = params.get("q", "")
        if "\x00" in search or len(search) > rules.SEARCH_MAX:
            problems["q"] = [_("At most %(n)d characters.") % {"n": rules.SEARCH_MAX}]
        if problems:
            raise exceptions.ValidationError(problems)
        flagged = _yes_no(params.get("flagged", ""))
        queue = question_queue(
            user=user,
            status=params.get("status", ""),
            topic=params.get("topic", ""),
            party=params.get("party", ""),
            flagged=flagged,
            search=search,
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(queue, request, view=self)
        return paginator.get_paginated_response(
            QuestionOutput(page, many=True, context={"today": timezone.localdate()}).data
        )


class QuestionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="questions_retrieve",
        summary=gettext_lazy("Read a question"),
        description=gettext_lazy("With its answer and lead; never the asker's name or contact."),
        responses=QuestionOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _require(request)
        return _output(request, question_for_user(user=user, pk=pk))


class _StepApi(VersionedStepApi):
    """A step: jurisdiction (404), the codenames (403), the input (400), the version (409)."""

    permission_classes = [IsAuthenticated]
    needs: tuple[str, ...] = (QuestionPerm.VIEW, QuestionPerm.ANSWER)

    def target(self, request: Request, pk: int) -> Question:
        require_perms(request, QuestionPerm.VIEW)
        return question_for_user(user=request_user(request), pk=pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return Conflict(" ".join(exc.messages))

    def answer(self, request: Request, pk: int, done: Any) -> Response:
        if isinstance(done, tuple):
            question, extra = done
            return _output(request, question, extra=extra)
        return _output(request, done)


def _step_schema(
    operation: str, summary: Any, description: Any, request: Any, out: Any = None
) -> Any:
    return extend_schema(
        operation_id=f"questions_{operation}",
        summary=summary,
        description=description,
        request=request,
        responses={200: out or QuestionOutput, 409: CONFLICT_409},
    )


class _Versioned(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class _AnswerInput(_Versioned):
    answer = serializers.CharField(max_length=rules.ANSWER_MAX)


class _AssignInput(_Versioned):
    handler = serializers.IntegerField()


class _CloseInput(_Versioned):
    reason = serializers.ChoiceField(choices=Question.CloseReason.choices)
    note = serializers.CharField(
        max_length=rules.REASON_MAX, required=False, allow_blank=True, default=""
    )
    duplicate_of = serializers.CharField(
        max_length=24, required=False, allow_blank=True, default=""
    )


# The kinds of lead a question may become (the schema's QuestionMoveKindEnum).
MOVE_KINDS = [
    (Lead.Kind.REPORT.value, Lead.Kind.REPORT.label),
    (Lead.Kind.COMPLAINT.value, Lead.Kind.COMPLAINT.label),
]


class _MoveInput(_Versioned):
    kind = serializers.ChoiceField(choices=MOVE_KINDS)
    uscc = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    subject_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    subject_address = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    anonymous = serializers.BooleanField(required=False, allow_null=True, default=None)
    reporter_name = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True, default=None
    )
    reporter_phone = serializers.CharField(
        max_length=32, required=False, allow_null=True, allow_blank=True, default=None
    )
    reporter_email = serializers.CharField(
        max_length=254, required=False, allow_null=True, allow_blank=True, default=None
    )


class _PublishInput(_Versioned):
    question_text = serializers.CharField(max_length=rules.FAQ_QUESTION_MAX)
    answer = serializers.CharField(max_length=rules.FAQ_ANSWER_MAX)
    topic = serializers.ChoiceField(
        choices=Topic.choices, required=False, allow_blank=True, default=""
    )
    order = serializers.IntegerField(min_value=0, max_value=10000, required=False, default=100)
    reviewed = serializers.BooleanField(required=False, default=False)


class QuestionAnswerApi(_StepApi):
    input_class = _AnswerInput

    @_step_schema(
        "answer",
        gettext_lazy("Answer a question"),
        gettext_lazy("Answer an open question, or correct the answer of an answered one."),
        _AnswerInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Question, data: dict[str, Any]) -> Question:
        return question_answer(
            actor=user, question=obj, answer=data["answer"], expected_version=data["version"]
        )


class QuestionAssignApi(_StepApi):
    input_class = _AssignInput

    @_step_schema(
        "assign",
        gettext_lazy("Assign a question"),
        gettext_lazy("Give an open question to a colleague of the bureau who answers questions."),
        _AssignInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Question, data: dict[str, Any]) -> Question:
        handler = User.objects.filter(pk=data["handler"]).first()
        if handler is None:
            raise exceptions.ValidationError({"handler": [_("No such user.")]})
        return question_assign(
            actor=user, question=obj, handler=handler, expected_version=data["version"]
        )


class QuestionCloseApi(_StepApi):
    input_class = _CloseInput

    @_step_schema(
        "close",
        gettext_lazy("Close a question"),
        gettext_lazy(
            "Close an open question without an answer: spam, a duplicate (the number of the "
            "question it repeats), or another reason (stated)."
        ),
        _CloseInput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Question, data: dict[str, Any]) -> Question:
        duplicate = None
        if data["duplicate_of"].strip():
            duplicate = (
                questions_for_user(user=user).filter(number=data["duplicate_of"].strip()).first()
            )
            if duplicate is None:
                raise exceptions.ValidationError(
                    {"duplicate_of": [_("No question has this number.")]}
                )
        return question_close(
            actor=user,
            question=obj,
            reason=data["reason"],
            note=data["note"],
            duplicate_of=duplicate,
            expected_version=data["version"],
        )


class QuestionMoveApi(_StepApi):
    input_class = _MoveInput
    needs = (QuestionPerm.VIEW, QuestionPerm.ANSWER, "inspections.handle_lead")

    @_step_schema(
        "move",
        gettext_lazy("Move a question into the leads"),
        gettext_lazy(
            "A message that is in fact a report of a violation or a consumer complaint becomes "
            "a lead, its legal clock counted from the day it was asked; the answer carries the "
            "lead's receipt code once. Reporter fields left null take the asker's."
        ),
        _MoveInput,
        QuestionMovedOutput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Question, data: dict[str, Any]) -> Any:
        enterprise = None
        code = normalize(data["uscc"])
        if code:
            enterprise = enterprise_list_for_user(user=user).filter(uscc=code).first()
            if enterprise is None:
                raise exceptions.ValidationError(
                    {"uscc": [_("No registered entity with this credit code is visible to you.")]}
                )
        question, _lead, receipt = question_move_to_lead(
            actor=user,
            question=obj,
            kind=data["kind"],
            subject_name=data["subject_name"],
            subject_address=data["subject_address"],
            enterprise=enterprise,
            anonymous=data["anonymous"],
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            reporter_email=data["reporter_email"],
            expected_version=data["version"],
        )
        return question, {"lead_receipt_code": receipt}


class QuestionPublishApi(_StepApi):
    input_class = _PublishInput
    needs = (QuestionPerm.VIEW, QuestionPerm.PUBLISH_FAQ)

    @_step_schema(
        "publish",
        gettext_lazy("Publish a question in the FAQ"),
        gettext_lazy(
            "Publish an answered question in the staff's wording (question_text, answer). A "
            "flagged question needs reviewed=true; the published question holds no link or "
            "markup, the answer no markup."
        ),
        _PublishInput,
        FaqStaffOutput,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def step(self, user: User, obj: Question, data: dict[str, Any]) -> FaqEntry:
        return faq_publish(
            actor=user,
            source=obj,
            question_text=data["question_text"],
            answer=data["answer"],
            topic=data["topic"],
            order=data["order"],
            reviewed=data["reviewed"],
            expected_version=data["version"],
        )

    def answer(self, request: Request, pk: int, done: Any) -> Response:
        return Response(FaqStaffOutput(done).data, status=status.HTTP_201_CREATED)


class FaqUnpublishApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="faq_unpublish",
        summary=gettext_lazy("Take an entry off the FAQ"),
        description=gettext_lazy("Publishers (publish_faq) of the bureau; send the version read."),
        request=_Versioned,
        responses={200: FaqStaffOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _require(request, QuestionPerm.PUBLISH_FAQ)
        if not answers_questions(user):
            raise exceptions.NotFound()
        entry = FaqEntry.objects.filter(pk=pk).first()
        if entry is None:
            raise exceptions.NotFound()
        serializer = _Versioned(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = faq_unpublish(
                actor=user, entry=entry, expected_version=serializer.validated_data["version"]
            )
        except ConflictError as exc:
            raise Conflict(" ".join(exc.messages)) from exc
        return Response(FaqStaffOutput(done).data)


class _FaqEditInput(_Versioned):
    question_text = serializers.CharField(max_length=rules.FAQ_QUESTION_MAX)
    answer = serializers.CharField(max_length=rules.FAQ_ANSWER_MAX)
    topic = serializers.ChoiceField(choices=Topic.choices, required=False)
    order = serializers.IntegerField(min_value=0, max_value=10000, required=False)
    reviewed = serializers.BooleanField(required=False, default=False)


class FaqStaffListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="faq_list",
        summary=gettext_lazy("List FAQ entries (staff)"),
        description=gettext_lazy(
            "The bureau's staff with view_faqentry: every entry, published first (topic, "
            "order), then those taken off; with the version an edit sends back."
        ),
        parameters=[
            OpenApiParameter("published", bool),
            OpenApiParameter("topic", str, enum=Topic.values),
            OpenApiParameter("q", str, description=gettext_lazy("Words to look for.")),
        ],
        responses=FaqStaffOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        user = _require_faq(request)
        params = request.query_params
        topic, search = params.get("topic", ""), params.get("q", "")
        if topic and topic not in Topic.values:
            raise exceptions.ValidationError({"topic": [_("Unknown topic.")]})
        if "\x00" in search or len(search) > rules.SEARCH_MAX:
            raise exceptions.ValidationError(
                {"q": [_("At most %(n)d characters.") % {"n": rules.SEARCH_MAX}]}
            )
        published = _yes_no(params.get("published", ""))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            faq_entries_for_user(user=user, published=published, topic=topic, search=search),
            request,
            view=self,
        )
        return paginator.get_paginated_response(FaqStaffOutput(page, many=True).data)


def _require_faq(request: Request, *codenames: str) -> User:
    require_perms(request, QuestionPerm.VIEW_FAQ, *codenames)
    return request_user(request)


class FaqStaffDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="faq_retrieve",
        summary=gettext_lazy("Read a FAQ entry (staff)"),
        responses=FaqStaffOutput,
    )
    def get(self, request: Request, pk: int) -> Response:
        user = _require_faq(request)
        return Response(FaqStaffOutput(faq_entry_for_user(user=user, pk=pk)).data)


class FaqEditApi(VersionedStepApi):
    """Edit a published entry's wording in place: jurisdiction (404), publish_faq (403), the
    input (400), the version (409)."""

    permission_classes = [IsAuthenticated]
    needs = (QuestionPerm.VIEW_FAQ, QuestionPerm.PUBLISH_FAQ)
    input_class = _FaqEditInput

    @extend_schema(
        operation_id="faq_edit",
        summary=gettext_lazy("Edit a FAQ entry's wording"),
        description=gettext_lazy(
            "Publishers (publish_faq) of the bureau edit a published entry in place: the "
            "question and answer as the public reads them (topic and order unchanged when "
            "left out), under the publishing rules (no link or markup in the question, no "
            "markup in the answer; reviewed=true when the source question was flagged). Send "
            "the version read: a stale one is a 409 naming both versions, nothing written."
        ),
        request=_FaqEditInput,
        responses={200: FaqStaffOutput, 409: CONFLICT_409},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def target(self, request: Request, pk: int) -> FaqEntry:
        require_perms(request, QuestionPerm.VIEW_FAQ)
        return faq_entry_for_user(user=request_user(request), pk=pk)

    def conflict(self, exc: ConflictError) -> Conflict:
        return Conflict(" ".join(exc.messages))

    def step(self, user: User, obj: FaqEntry, data: dict[str, Any]) -> FaqEntry:
        return faq_edit(
            actor=user,
            entry=obj,
            expected_version=data["version"],
            question_text=data["question_text"],
            answer=data["answer"],
            topic=data.get("topic"),
            order=data.get("order"),
            reviewed=data["reviewed"],
        )

    def answer(self, request: Request, pk: int, done: Any) -> Response:
        return Response(FaqStaffOutput(done).data)


urlpatterns = [
    path("public/questions/", PublicAskApi.as_view(), name="public_ask"),
    path("public/questions/status/", PublicStatusApi.as_view(), name="public_status"),
    path("public/faq/", PublicFaqApi.as_view(), name="public_faq"),
    path("questions/", QuestionListApi.as_view(), name="list"),
    path("questions/<int:pk>/", QuestionDetailApi.as_view(), name="detail"),
    path("questions/<int:pk>/answer/", QuestionAnswerApi.as_view(), name="answer"),
    path("questions/<int:pk>/assign/", QuestionAssignApi.as_view(), name="assign"),
    path("questions/<int:pk>/close/", QuestionCloseApi.as_view(), name="close"),
    path("questions/<int:pk>/move/", QuestionMoveApi.as_view(), name="move"),
    path("questions/<int:pk>/publish/", QuestionPublishApi.as_view(), name="publish"),
    path("faq/", FaqStaffListApi.as_view(), name="faq_list"),
    path("faq/<int:pk>/", FaqStaffDetailApi.as_view(), name="faq_detail"),
    path("faq/<int:pk>/edit/", FaqEditApi.as_view(), name="faq_edit"),
    path("faq/<int:pk>/unpublish/", FaqUnpublishApi.as_view(), name="faq_unpublish"),
]
