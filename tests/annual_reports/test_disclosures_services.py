"""Immediate disclosures (issue 15 point 6; docs/domain.md §4, §10): due 20 working days after
the change on the portal's calendar (the National Day holiday counted out), accepted late and
marked so, corrected at any time as a new version (both kept, each correction a self-correction
counted per correction), every bad input refused with its message and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from annual_reports.models import ImmediateDisclosure
from annual_reports.services.disclosures import (
    disclosure_correction_start,
    disclosure_draft_discard,
    disclosure_draft_save,
    disclosure_due,
    disclosure_submit,
)
from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise
from tests.annual_reports.factories_disclosures import (
    at,
    company,
    contribution,
    correct,
    disclose,
    licence,
    member,
)
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

CHANGE = dt.date(2025, 9, 26)  # a Friday before the National Day holiday
DUE = dt.date(2025, 10, 30)  # 20 WD later (28 Sep and 11 Oct worked; 1–8 Oct off)


@pytest.fixture
def firm():
    enterprise = company(name="成都市双流区蓉城贸易有限公司")
    return enterprise, member(enterprise)


@pytest.fixture(autouse=True)
def _english():
    """The tests read the messages in English (the interface's second language)."""
    with translation.override("en"):
        yield


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}


def test_due_twenty_working_days_after_the_change_across_the_national_day_holiday():
    due = disclosure_due(CHANGE)
    assert due.day == DUE
    assert due.provisional is False


def test_disclosed_on_the_due_day_is_in_time_and_the_day_after_is_late(firm):
    enterprise, user = firm
    with at(dt.date(2025, 10, 1)):
        draft = disclosure_draft_save(
            actor=user, enterprise=enterprise, item="licence", changed_on=CHANGE, content=licence()
        )
    assert (draft.status, draft.due_on, draft.due_provisional) == ("draft", DUE, False)
    assert not CreditRecord.objects.filter(kind="immediate_disclosure").exists()  # a draft
    with at(DUE, hour=23):
        done = disclosure_submit(actor=user, disclosure=draft, expected_version=draft.version)
    assert (done.filed_on, done.late, done.is_current, done.revision) == (DUE, False, True, 1)
    with at(DUE + dt.timedelta(days=1)):
        late = disclose(enterprise, user, item="contribution", content=contribution())
    assert late.late is True and late.due_on == DUE
    facts = {
        r.source_id: r
        for r in CreditRecord.objects.filter(kind="immediate_disclosure", enterprise=enterprise)
    }
    assert facts[str(done.pk)].details == {"item": "licence", "late": False, "revision": 1}
    assert facts[str(late.pk)].details == {"item": "contribution", "late": True, "revision": 1}
    assert facts[str(late.pk)].occurred_on == DUE + dt.timedelta(days=1)
    assert not facts[str(late.pk)].is_public
    assert late.credit_record_id == facts[str(late.pk)].pk


def test_a_correction_keeps_both_versions_and_each_counts_as_a_self_correction(firm):
    enterprise, user = firm
    with at(dt.date(2025, 10, 9)):
        original = disclose(enterprise, user)
    with at(dt.date(2026, 3, 2)):
        second = correct(original, user, content=licence(valid_until="2031-08-31"))
    with at(dt.date(2026, 4, 1)):
        third = correct(second, user, content=licence(valid_until="2031-08-30"), reason="再次更正")
    rows = list(ImmediateDisclosure.objects.filter(enterprise=enterprise).order_by("revision"))
    assert [(r.revision, r.is_current, r.status) for r in rows] == [
        (1, False, "submitted"),
        (2, False, "submitted"),
        (3, True, "submitted"),
    ]
    assert rows[0].content["valid_until"] == "2030-08-31"  # the original is kept as it was
    assert (second.correction_of_id, third.correction_of_id) == (original.pk, second.pk)
    assert third.late is False and third.correction_reason == "再次更正"
    corrections = CreditRecord.objects.filter(enterprise=enterprise, kind="self_correction")
    assert corrections.count() == 2  # 户次: each correction counts
    assert {(r.source_id, r.occurred_on) for r in corrections} == {
        (str(second.pk), dt.date(2026, 3, 2)),
        (str(third.pk), dt.date(2026, 4, 1)),
    }
    assert all(r.details == {"what": "disclosure", "item": "licence"} for r in corrections)
    revisions = CreditRecord.objects.filter(enterprise=enterprise, kind="immediate_disclosure")
    assert sorted(r.details["revision"] for r in revisions) == [1, 2, 3]


def test_a_correction_must_change_something_and_say_why(firm):
    enterprise, user = firm
    with at(dt.date(2025, 10, 9)):
        original = disclose(enterprise, user)
        draft = disclosure_correction_start(actor=user, disclosure=original)
        with pytest.raises(ValidationError) as raised, translation.override("en"):
            disclosure_submit(actor=user, disclosure=draft, expected_version=draft.version)
        errors = _messages(raised.value)
        assert "The correction changes nothing" in errors["__all__"][0]
        assert errors["correction_reason"] == [
            "Say what was corrected and why: it is shown with it."
        ]
        # A second correction while one is written: continue that one.
        with pytest.raises(ValidationError, match="already being written"):
            disclosure_correction_start(actor=user, disclosure=original)
    original.refresh_from_db()
    assert original.is_current and not CreditRecord.objects.filter(kind="self_correction").exists()


def test_only_the_version_in_force_is_corrected_and_a_draft_is_discarded(firm):
    enterprise, user = firm
    with at(dt.date(2025, 10, 9)):
        original = disclose(enterprise, user)
        second = correct(original, user, content=licence(number="JY15101160099999"))
        with pytest.raises(ValidationError, match="version in force"):
            disclosure_correction_start(actor=user, disclosure=original)
        draft = disclosure_correction_start(actor=user, disclosure=second)
        disclosure_draft_discard(actor=user, disclosure=draft, expected_version=draft.version)
    assert not ImmediateDisclosure.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(
        event_type="annual_reports.disclosure_draft_discarded"
    ).exists()
    with pytest.raises(ValidationError, match="disclosed"):
        disclosure_draft_discard(actor=user, disclosure=second, expected_version=second.version)


def test_a_stale_version_is_a_conflict_and_nothing_is_written(firm):
    enterprise, user = firm
    with at(dt.date(2025, 10, 9)):
        draft = disclosure_draft_save(
            actor=user, enterprise=enterprise, item="licence", changed_on=CHANGE, content=licence()
        )
        disclosure_draft_save(
            actor=user,
            enterprise=enterprise,
            item="licence",
            changed_on=CHANGE,
            content=licence(number="X-2"),
            draft=draft,
            expected_version=draft.version,
        )
        with pytest.raises(ConflictError) as raised:
            disclosure_submit(actor=user, disclosure=draft, expected_version=draft.version)
    assert raised.value.current_version == draft.version + 1
    draft.refresh_from_db()
    assert draft.status == "draft" and not CreditRecord.objects.filter(kind="immediate_disclosure")


def test_bad_input_is_refused_with_every_message_at_once(firm):
    enterprise, user = firm
    content = {
        "shareholders": [
            {
                "name": "王五 510116199001011234",
                "subscribed": "50",
                "subscribed_form": "currency",
                "subscribed_on": "2030-01-01",
                "paid": "60",
                "paid_form": "currency",
                "paid_on": "2025-10-20",
            },
            {"name": "赵六", "subscribed": "-1", "subscribed_form": "gold", "paid": "5"},
        ]
    }
    with at(dt.date(2025, 10, 9)), translation.override("en"):
        with pytest.raises(ValidationError) as raised:
            disclosure_draft_save(
                actor=user,
                enterprise=enterprise,
                item="contribution",
                changed_on=dt.date(2025, 10, 10),
                content=content,
            )
        errors = _messages(raised.value)
        assert errors["changed_on"] == ["The date of the change cannot be in the future."]
        shareholders = " | ".join(errors["shareholders"])
        assert "Shareholder 1 (王五 510116199001011234): Do not enter an identity number" in (
            shareholders
        )
        assert "cannot exceed the subscribed amount" in shareholders
        assert "The date paid in cannot be in the future." in shareholders
        assert "Shareholder 2 (赵六): The subscribed amount cannot be negative." in shareholders
        assert "Unknown form of the subscribed contribution." in shareholders
        assert "Give the date the subscribed contribution is due." in shareholders
        assert "Give the date paid in." in shareholders

        with pytest.raises(ValidationError) as raised:
            disclosure_draft_save(
                actor=user,
                enterprise=enterprise,
                item="licence",
                changed_on=dt.date(2019, 1, 1),
                content={"name": "", "valid_from": "2025-13-01", "valid_until": "2020-01-01"},
            )
        errors = _messages(raised.value)
        assert errors["changed_on"] == [
            "The change cannot be before the company was registered (2020-05-01)."
        ]
        assert errors["name"] == ["Give the licence name."]
        assert errors["number"] == ["Give the licence number."]
        assert errors["valid_from"] == ["The first day of validity is not a date (YYYY-MM-DD)."]
        with pytest.raises(ValidationError, match="must be an object"):
            disclosure_draft_save(
                actor=user, enterprise=enterprise, item="licence", changed_on=CHANGE, content=[1]
            )
        with pytest.raises(ValidationError, match="cannot be stored"):
            disclosure_draft_save(
                actor=user,
                enterprise=enterprise,
                item="licence",
                changed_on=CHANGE,
                content=licence(name="证\x00书"),
            )
    assert not ImmediateDisclosure.objects.exists()


def test_only_a_company_discloses_and_only_through_its_own_users(firm):
    _enterprise, user = firm
    shop = EnterpriseFactory(individual_business=True)
    shop_user = member(shop, "shop")
    other = company()
    with at(dt.date(2025, 10, 9)), translation.override("en"):
        with pytest.raises(ValidationError, match="a company's duty"):
            disclose(shop, shop_user)
        with pytest.raises(ValidationError, match="Only a user of the company"):
            disclose(other, user)
        other.status = Enterprise.Status.DEREGISTERED
        other.save()
        with pytest.raises(ValidationError, match="discloses nothing here any more"):
            disclose(other, member(other, "other"))
    assert not ImmediateDisclosure.objects.exists()


def test_a_due_day_in_a_year_without_a_schedule_is_provisional(firm):
    enterprise, user = firm
    with at(dt.date(2026, 12, 21)):
        draft = disclosure_draft_save(
            actor=user,
            enterprise=enterprise,
            item="licence",
            changed_on=dt.date(2026, 12, 18),
            content=licence(),
        )
    assert draft.due_on.year == 2027 and draft.due_provisional is True
