"""Soft enforcement, the tester's findings (issue 14): numbers that continue the ledger's
history, the letters that exist only in the ledger on /me/letters/, the labels of the letter
pages and of the admin, people named by their display name, and the footnote that explains a
provisional (暂定) date."""

from __future__ import annotations

import datetime as dt
import html as htmllib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from enterprises.services.ledger import credit_record_append
from remediation.kinds import SOFT_ENFORCEMENT
from remediation.models import SoftAction
from remediation.selectors.soft_actions import proof_of_service_document, soft_action_timeline
from remediation.services.soft_actions import (
    electronic_service_consent_give,
    soft_action_opened_online,
)
from tests.remediation.factories_soft_actions import (
    FRIDAY,
    approved,
    enterprise,
    member,
    officer,
    on_day,
    served,
    supervisor,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
PROVISIONAL_NOTE = (
    "暂定: the date is counted without next year's official holiday schedule, which is not yet "
    "published; it may move when the schedule is entered."
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people():
    return {
        "officer": officer(),
        "chief": supervisor(),
        "firm": enterprise(name="成都蓉城餐饮有限公司"),
    }


def _client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.cookies["cp_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _text(response) -> str:
    return htmllib.unescape(response.content.decode())


def _history(firm, number: str, *, on: dt.date, label: str = "警示告诫书", **details):
    """A letter of the ledger's history (before the portal; the demo's ledger): no SoftAction."""
    return credit_record_append(
        enterprise=firm,
        kind=SOFT_ENFORCEMENT,
        occurred_on=on,
        summary=f"{label}：经检查发现未明码标价，责令立即改正",
        actor=None,
        authority="双流区市场监督管理局",
        document_number=number,
        details={"instrument": "warning", "instrument_label": label, **details},
    )


# --- 1. Numbers continue the ledger's ------------------------------------------------------


def test_numbers_continue_after_the_highest_of_the_ledger_and_the_documents(people):
    firm = people["firm"]
    _history(firm, "双市监警〔2025〕1号", on=dt.date(2025, 3, 3))
    _history(firm, "双市监警〔2025〕3号", on=dt.date(2025, 4, 7))
    _history(firm, "双市监建〔2025〕7号", on=dt.date(2025, 5, 6), label="行政建议书")
    _history(firm, "双市监警〔2024〕9号", on=dt.date(2024, 5, 6))  # another year
    _history(firm, "蓉双市监警〔2025〕8号", on=dt.date(2025, 5, 6))  # another prefix
    with on_day(FRIDAY):
        first = approved(people["officer"], people["chief"], firm)
        second = approved(people["officer"], people["chief"], firm)
        suggestion = approved(
            people["officer"], people["chief"], firm, instrument=SoftAction.Instrument.SUGGESTION
        )
    assert first.number == "双市监警〔2025〕4号"
    assert second.number == "双市监警〔2025〕5号"
    assert suggestion.number == "双市监建〔2025〕8号"


def test_a_number_the_ledger_holds_is_refused_and_the_next_one_taken(people):
    # History recorded with the case's date, the year before the number's: the sequence of the
    # year does not see it, the check of the number itself does.
    _history(people["firm"], "双市监警〔2025〕1号", on=dt.date(2024, 12, 31))
    with on_day(FRIDAY):
        action = approved(people["officer"], people["chief"], people["firm"])
    assert action.number == "双市监警〔2025〕2号"


# --- 2. Letters that exist only in the ledger ----------------------------------------------


def test_letters_only_in_the_ledger_have_their_own_section_on_me_letters(people):
    firm = people["firm"]
    user = member(firm)
    history = _history(
        firm,
        "双市监约〔2025〕1号",
        on=FRIDAY - 40 * DAY,
        label="约谈通知书",
        deadline=(FRIDAY - 20 * DAY).isoformat(),
    )
    with on_day(FRIDAY):
        mine = served(people["officer"], people["chief"], firm)
        response = _client(user).get(reverse("me-remediation:letters"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Earlier letters in your credit records" in html
    earlier = response.context["earlier_letters"]
    # The portal's own letter (its ledger fact) is not repeated there.
    assert [row["letter"].record.pk for row in earlier] == [history.pk]
    assert [r["a"].pk for r in response.context["rows"]] == [mine.pk]
    section = html.split("Earlier letters in your credit records", 1)[1]
    assert "约谈通知书" in section and "双市监约〔2025〕1号" in section
    assert (FRIDAY - 40 * DAY).isoformat() in section
    assert (FRIDAY - 20 * DAY).isoformat() in section
    assert "Overdue" in section


def test_no_earlier_section_without_ledger_only_letters(people):
    user = member(people["firm"])
    with on_day(FRIDAY):
        served(people["officer"], people["chief"], people["firm"])
        html = _client(user).get(reverse("me-remediation:letters")).content.decode()
    assert "Earlier letters in your credit records" not in html


# --- 3. Labels and names ---------------------------------------------------------------------


def test_the_letter_page_labels_the_period_and_the_date_apart(people):
    with on_day(FRIDAY):
        action = served(people["officer"], people["chief"], people["firm"])
        page = _client(people["chief"]).get(
            reverse("remediation:soft_action_detail", args=[action.pk])
        )
    html = page.content.decode()
    assert "<dt>Rectification period (working days)</dt>" in html
    assert "<dt>Rectify by</dt>" in html


def test_the_proof_of_service_and_the_timeline_name_people_by_their_display_name(people):
    clerk = people["officer"]
    clerk.display_name = "王敏"
    clerk.save()
    with on_day(FRIDAY):
        action = served(clerk, people["chief"], people["firm"])
    fields = dict(proof_of_service_document(action).body[0].items)
    assert fields["送达人"] == "王敏"


def test_electronic_service_records_the_openers_display_name(people):
    user = member(people["firm"])
    user.display_name = "李娜"
    user.save()
    electronic_service_consent_give(user=user)
    with on_day(FRIDAY):
        action = approved(people["officer"], people["chief"], people["firm"])
        action = soft_action_opened_online(user=user, action=action)
    assert action.receipt_signed_by == "李娜"
    fields = dict(proof_of_service_document(action).body[0].items)
    # Signed by the user who opened it, at the time it was opened (and served by the system).
    assert fields["受送达人签收"].startswith("李娜（") and "在线打开" in fields["受送达人签收"]
    assert fields["送达人"].endswith("（电子送达，系统记录）")
    served_entry = next(e for e in soft_action_timeline(action) if e.title == "Served")
    assert "李娜" in served_entry.text and "firm" not in served_entry.text


def test_the_provisional_flag_has_a_verbose_name_in_the_admin(people, django_user_model):
    field = SoftAction._meta.get_field("deadline_provisional")
    assert str(field.verbose_name) == "rectification date provisional"
    root = django_user_model.objects.create_superuser("root", password="Secret-pass-123")
    with on_day(FRIDAY):
        action = served(people["officer"], people["chief"], people["firm"])
    page = _client(root).get(reverse("admin:remediation_softaction_change", args=[action.pk]))
    html = page.content.decode()
    assert "Rectification date provisional" in html and "Deadline provisional" not in html


# --- 9. The provisional mark explained ----------------------------------------------------------


def test_a_provisional_deadline_is_explained_once_on_the_letters_pages(people):
    user = member(people["firm"])
    with on_day(dt.date(2026, 12, 28)):
        action = served(people["officer"], people["chief"], people["firm"])
        assert action.deadline_provisional
        mine = _text(_client(user).get(reverse("me-remediation:letters")))
        staff_list = _text(_client(people["chief"]).get(reverse("remediation:soft_action_list")))
        staff_detail = _text(
            _client(people["chief"]).get(
                reverse("remediation:soft_action_detail", args=[action.pk])
            )
        )
    assert mine.count(PROVISIONAL_NOTE) == 1
    assert PROVISIONAL_NOTE in staff_list
    assert PROVISIONAL_NOTE in staff_detail


def test_no_footnote_without_a_provisional_date(people):
    user = member(people["firm"])
    with on_day(FRIDAY):
        served(people["officer"], people["chief"], people["firm"])
        mine = _text(_client(user).get(reverse("me-remediation:letters")))
    assert PROVISIONAL_NOTE not in mine
