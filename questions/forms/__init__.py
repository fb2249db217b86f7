"""Forms of the questions app: the shape of input only; the rules are the services'
(`questions.services`), whose errors `form_errors_from` puts back on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from inspections.models import Lead
from questions import rules
from questions.models import Party, Question, Topic


class AskForm(forms.Form):
    """The public's form. `started` is the signed time the form was served; `website` the
    honeypot, hidden from people (CSS class and aria-hidden), filled by programs."""

    party = forms.ChoiceField(
        label=_("Who are you?"), choices=Party.choices, widget=forms.RadioSelect
    )
    topic = forms.ChoiceField(label=_("What is it about?"), choices=Topic.choices)
    text = forms.CharField(
        label=_("Your question"),
        max_length=rules.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": rules.TEXT_MAX}),
        help_text=_(
            "Ask about the market, a business's registration, annual reports, credit repair or "
            "this portal. To report a violation or complain about a purchase, you may also use "
            "the report form."
        ),
    )
    enterprise_name = forms.CharField(
        label=_("Business it is about (if any)"),
        max_length=rules.ENTERPRISE_NAME_MAX,
        required=False,
    )
    name = forms.CharField(
        label=_("Your name (optional)"), max_length=rules.NAME_MAX, required=False
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=rules.PHONE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_(
            "Only to tell you of the answer: never published. You can always read the answer "
            "with the receipt code you get after sending."
        ),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "tabindex": "-1", "class": "hp-field"}
        ),
    )

    # Field errors not named by the form go on top (the honeypot, the form token, limits).
    visible_order = ["party", "topic", "text", "enterprise_name", "name", "phone", "email"]

    def public_fields(self) -> list[Any]:
        return [self[name] for name in self.visible_order]


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class FaqSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the FAQ"), max_length=rules.SEARCH_MAX, required=False)
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", _("All topics")), *Topic.choices], required=False
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or words"), max_length=rules.SEARCH_MAX, required=False)
    status = forms.ChoiceField(
        label=pgettext_lazy("question", "Status"),
        choices=[("", _("Any")), *Question.Status.choices],
        required=False,
    )
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", _("Any")), *Topic.choices], required=False
    )
    party = forms.ChoiceField(
        label=_("Who asks"), choices=[("", _("Any")), *Party.choices], required=False
    )
    flagged = forms.ChoiceField(
        label=_("Links or markup"),
        choices=[("", _("Any")), ("yes", _("Needs review")), ("no", _("None found"))],
        required=False,
    )


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AnswerForm(_Versioned):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=rules.ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class AssignForm(_Versioned):
    handler = forms.IntegerField(label=_("Handler"))


class CloseForm(_Versioned):
    reason = forms.ChoiceField(label=_("Why close it"), choices=Question.CloseReason.choices)
    duplicate_of = forms.CharField(
        label=_("Number of the question it repeats"), max_length=24, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=rules.REASON_MAX, required=False)


class _Wording(_Versioned):
    """The wording of a FAQ entry as the public reads it, and its place."""

    question_text = forms.CharField(
        label=_("Question as published"),
        max_length=rules.FAQ_QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Plain text: no web address, no markup. Edit out personal details."),
    )
    answer = forms.CharField(
        label=_("Answer as published"),
        max_length=rules.FAQ_ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    order = forms.IntegerField(
        label=_("Order within the topic"), min_value=0, max_value=10000, initial=100
    )
    reviewed = forms.BooleanField(
        label=_("I have reviewed the wording: no link, markup or personal data remains"),
        required=False,
    )


class PublishForm(_Wording):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the answer form on the same page has a field named "answer" too.
        kwargs.setdefault("auto_id", "id_publish_%s")
        super().__init__(*args, **kwargs)


class MoveForm(_Versioned):
    kind = forms.ChoiceField(
        label=_("It is in fact"),
        choices=[
            (Lead.Kind.REPORT, _("A report of a violation (举报)")),
            (Lead.Kind.COMPLAINT, _("A consumer complaint (投诉)")),
        ],
        widget=forms.RadioSelect,
    )
    uscc = forms.CharField(
        label=_("Credit code of the business (if known)"), max_length=30, required=False
    )
    subject_name = forms.CharField(
        label=_("Name of the business or person"), max_length=200, required=False
    )
    subject_address = forms.CharField(label=_("Where"), max_length=255, required=False)
    anonymous = forms.BooleanField(
        label=_("Anonymous report (no name or contact kept)"), required=False
    )
    reporter_name = forms.CharField(
        label=_("Name of the reporter or complainant"), max_length=64, required=False
    )
    reporter_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    reporter_email = forms.EmailField(label=_("Email"), required=False)


class LinkForm(_Versioned):
    uscc = forms.CharField(label=_("Credit code"), max_length=30)


class FaqEditForm(_Wording):
    """A published entry's wording edited in place (`questions.services.faq_edit`)."""


class FaqFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), max_length=rules.SEARCH_MAX, required=False)
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", _("Any")), *Topic.choices], required=False
    )
    published = forms.ChoiceField(
        label=_("Published"),
        choices=[
            ("", _("Any")),
            ("yes", _("On the public FAQ")),
            ("no", _("Taken off")),
        ],
        required=False,
    )
