"""Objections to listings through their services (docs/domain.md §3 "Objections and errors"):
the 30-calendar-day window and its edges, one open objection per listing, the 5 and 20 WD due
dates on the portal's calendar, the decisions and their reasons, an upheld objection revoking
the listing (no longer public, no longer counted), two officers at once, an individual
business's mark, and who may act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise
from remediation.kinds import ABNORMAL_REVOCATION
from remediation.models import DirectoryCase, ListingObjection
from remediation.services.objections import (
    objection_accept,
    objection_decide,
    objection_file,
    objection_not_accept,
    objection_window,
    objection_withdraw,
)
from tests.enterprises.factories import DepartmentFactory
from tests.remediation.factories_listings import (
    firm,
    listed_case,
    member,
    objection_officer,
    on_day,
)

pytestmark = pytest.mark.django_db

PUBLISHED = dt.date(2025, 7, 14)
LAST_DAY = dt.date(2025, 8, 13)  # 30 calendar days, counted from 15 July, the 30th included


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def listing():
    with on_day(PUBLISHED):
        case = listed_case(firm(), listed_on=PUBLISHED)
    return case


def _file(case, *, on, actor=None, **kwargs):
    with on_day(on):
        return objection_file(
            actor=actor or member(case.enterprise, f"firm-{on}"),
            case=case,
            grounds=kwargs.pop("grounds", "2024年度年报已于2025年6月20日报送，有回执。"),
            **kwargs,
        )


# --------------------------------------------------------------------------- the window


def test_the_window_is_30_calendar_days_after_publication():
    case = listed_case(firm(), listed_on=dt.date(2024, 2, 10))
    window = objection_window(case)
    assert (window.published_on, window.last_day) == (dt.date(2024, 2, 10), dt.date(2024, 3, 11))


def test_the_30th_day_is_in_time(listing):
    objection = _file(listing, on=LAST_DAY)
    assert objection.received_on == LAST_DAY
    assert objection.status == ListingObjection.Status.RECEIVED


def test_the_31st_day_is_refused_naming_the_last_day(listing):
    with pytest.raises(ValidationError) as refused:
        _file(listing, on=LAST_DAY + dt.timedelta(days=1))
    message = " ".join(refused.value.message_dict["received_on"])
    assert "Too late" in message
    assert date_format(LAST_DAY, "DATE_FORMAT") in message
    assert not ListingObjection.objects.exists()


def test_a_paper_objection_counts_from_the_day_received(listing):
    officer = objection_officer()
    late_entry = LAST_DAY + dt.timedelta(days=5)
    objection = _file(listing, on=late_entry, actor=officer, received_on=LAST_DAY)
    assert objection.received_on == LAST_DAY
    event = AuditEvent.objects.get(event_type="remediation.objection_filed")
    assert event.extra["channel"] == "paper" and event.actor == officer
    with pytest.raises(ValidationError) as refused:
        _file(listing, on=late_entry, actor=officer, received_on=late_entry + dt.timedelta(days=1))
    assert "future" in " ".join(refused.value.message_dict["received_on"])


def test_an_enterprise_cannot_backdate_its_objection(listing):
    with pytest.raises(ValidationError) as refused:
        _file(listing, on=LAST_DAY + dt.timedelta(days=3), received_on=LAST_DAY)
    assert "received the day it is filed" in " ".join(refused.value.message_dict["received_on"])


def test_one_open_objection_per_listing(listing):
    first = _file(listing, on=PUBLISHED + dt.timedelta(days=2))
    with pytest.raises(ValidationError) as refused:
        _file(listing, on=PUBLISHED + dt.timedelta(days=3), actor=objection_officer())
    assert f"already open (no. {first.pk})" in " ".join(refused.value.message_dict["case"])
    with on_day(PUBLISHED + dt.timedelta(days=3)):
        objection_withdraw(actor=first.created_by, objection=first, expected_version=1)
    assert _file(listing, on=PUBLISHED + dt.timedelta(days=4)).pk != first.pk


def test_grounds_are_required_and_nothing_is_written(listing):
    with pytest.raises(ValidationError) as refused:
        _file(listing, on=PUBLISHED + dt.timedelta(days=1), grounds="  ")
    assert "grounds" in refused.value.message_dict
    assert not ListingObjection.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="remediation.objection").exists()


def test_another_department_cannot_record_an_objection(listing):
    partner = DepartmentFactory(code="eco", name="区生态环境局")
    outsider = objection_officer("eco-officer", department=partner)
    with pytest.raises(ValidationError) as refused:
        _file(listing, on=PUBLISHED + dt.timedelta(days=1), actor=outsider)
    assert refused.value.code == "jurisdiction"


# --------------------------------------------------------------------------- due dates


def test_acceptance_in_5_and_verification_in_20_working_days_on_the_calendar():
    """Received Friday 2025-09-26: the 5th WD counts the adjusted working Sunday 28 September
    and skips the National Day holiday (1-8 October): 10 October. Accepted the same day: the
    20th WD is 30 October (docs/domain.md "Working days")."""
    with on_day(dt.date(2025, 9, 10)):
        case = listed_case(firm(), listed_on=dt.date(2025, 9, 10))
    objection = _file(case, on=dt.date(2025, 9, 26))
    assert objection.acceptance_due == dt.date(2025, 10, 10)
    assert objection.due_provisional is False
    with on_day(dt.date(2025, 9, 26)):
        accepted = objection_accept(
            actor=objection_officer(), objection=objection, expected_version=1
        )
    assert (accepted.accepted_on, accepted.verification_due) == (
        dt.date(2025, 9, 26),
        dt.date(2025, 10, 30),
    )


# --------------------------------------------------------------------------- decisions


def _accepted(case, on=None):
    on = on or PUBLISHED + dt.timedelta(days=5)
    objection = _file(case, on=on)
    officer = objection_officer()
    with on_day(on):
        objection = objection_accept(actor=officer, objection=objection, expected_version=1)
    return objection, officer


def test_not_accepting_needs_reasons(listing):
    objection = _file(listing, on=PUBLISHED + dt.timedelta(days=1))
    officer = objection_officer()
    with on_day(PUBLISHED + dt.timedelta(days=2)):
        with pytest.raises(ValidationError) as refused:
            objection_not_accept(actor=officer, objection=objection, reasons="", expected_version=1)
        assert "reasons" in refused.value.message_dict
        done = objection_not_accept(
            actor=officer, objection=objection, reasons="非本企业提出", expected_version=1
        )
    assert done.status == ListingObjection.Status.NOT_ACCEPTED
    assert done.reasons == "非本企业提出"


def test_rejected_the_listing_stands(listing):
    objection, officer = _accepted(listing)
    with on_day(PUBLISHED + dt.timedelta(days=20)):
        done = objection_decide(
            actor=officer,
            objection=objection,
            upheld=False,
            reasons="经核实，企业未在6月30日前报送年报。",
            expected_version=2,
        )
    assert done.status == ListingObjection.Status.REJECTED
    listing.refresh_from_db()
    assert listing.state == DirectoryCase.State.LISTED
    assert Enterprise.objects.get(pk=listing.enterprise_id).is_abnormal


def test_upheld_revokes_the_listing_and_hides_it_from_the_public_page(client, listing):
    profile = reverse("public:profile", kwargs={"uscc": listing.enterprise.uscc})
    with on_day(PUBLISHED + dt.timedelta(days=6)):
        before = client.get(profile).content.decode()
    assert listing.document_number in before
    objection, officer = _accepted(listing)
    decided = PUBLISHED + dt.timedelta(days=20)
    with on_day(decided):
        with pytest.raises(ValidationError):
            objection_decide(
                actor=officer, objection=objection, upheld=True, reasons="", expected_version=2
            )
        done = objection_decide(
            actor=officer,
            objection=objection,
            upheld=True,
            reasons="经核实，企业已按时报送年报，系数据传输错误。",
            expected_version=2,
        )
        cache.clear()
        after = client.get(profile).content.decode()
    assert done.status == ListingObjection.Status.UPHELD
    revocation = CreditRecord.objects.get(kind=ABNORMAL_REVOCATION)
    assert done.revocation_record == revocation
    assert (revocation.closes_id, revocation.occurred_on, revocation.is_public) == (
        listing.listing_record_id,
        decided,
        False,
    )
    assert revocation.source_model == "listingobjection"
    listing.refresh_from_db()
    assert (listing.state, listing.removed_on) == (DirectoryCase.State.REVOKED, decided)
    enterprise = Enterprise.objects.get(pk=listing.enterprise_id)
    assert not enterprise.is_abnormal
    assert listing.document_number not in after


def test_two_officers_deciding_at_once_one_wins(listing):
    objection, officer = _accepted(listing)
    other = objection_officer("second-officer")
    stale = ListingObjection.objects.get(pk=objection.pk)
    with on_day(PUBLISHED + dt.timedelta(days=20)):
        objection_decide(
            actor=officer, objection=objection, upheld=False, reasons="维持", expected_version=2
        )
        with pytest.raises(ConflictError) as conflict:
            objection_decide(
                actor=other, objection=stale, upheld=True, reasons="撤销", expected_version=2
            )
    assert conflict.value.current_version == 3
    assert "Someone else acted on this objection first" in conflict.value.messages[0]
    assert not CreditRecord.objects.filter(kind=ABNORMAL_REVOCATION).exists()
    assert ListingObjection.objects.get(pk=objection.pk).status == ListingObjection.Status.REJECTED


def test_an_individual_business_mark_can_be_objected_to_and_revoked():
    with on_day(PUBLISHED):
        shop = firm(entity_type=Enterprise.EntityType.INDIVIDUAL_BUSINESS)
        case = listed_case(shop, individual=True, listed_on=PUBLISHED)
    objection, officer = _accepted(case)
    with on_day(PUBLISHED + dt.timedelta(days=10)):
        done = objection_decide(
            actor=officer, objection=objection, upheld=True, reasons="标记有误", expected_version=2
        )
    assert done.status == ListingObjection.Status.UPHELD
    assert done.revocation_record.summary.startswith("撤销经营异常状态标记")
    case.refresh_from_db()
    assert case.state == DirectoryCase.State.REVOKED


def test_a_listing_no_longer_in_force_cannot_be_objected_to(listing):
    DirectoryCase.objects.filter(pk=listing.pk).update(state=DirectoryCase.State.REMOVED)
    listing.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        _file(listing, on=PUBLISHED + dt.timedelta(days=1))
    assert "Only a listing in force" in " ".join(refused.value.message_dict["case"])
