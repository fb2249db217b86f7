import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import translation

from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_record_append, enterprise_state_as_of
from enterprises.services.register import enterprise_update
from enterprises.services.status import enterprise_status_change
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read service messages; the interface language is covered elsewhere."""
    with translation.override("en"):
        yield


D = dt.date


def _append(ent, kind, on, **kw):
    return credit_record_append(
        enterprise=ent, kind=kind, occurred_on=on, summary=kind, actor=kw.pop("actor", None), **kw
    )


def test_replaying_history_gives_the_state_of_every_past_day(user_with_perms):
    """A listing, a penalty with a publicity window, a removal, a suspension and a resumption:
    the state on each day is what the ledger said on that day."""
    ent = EnterpriseFactory(registered_on=D(2019, 3, 1))
    listing = _append(
        ent,
        "abnormal_listing",
        D(2023, 7, 14),
        is_public=True,
        details={"reason": "annual_report_overdue"},
    )
    penalty = _append(
        ent, "penalty", D(2023, 9, 1), is_public=True, publicity_end=D(2023, 12, 1)
    )  # "lower-amount" fine: 3 months (docs/domain.md §5)
    _append(ent, "abnormal_removal", D(2024, 2, 20), closes=listing, is_public=True)
    enterprise_status_change(
        actor=None,
        enterprise=ent,
        new_status="suspended",
        effective_on=D(2024, 6, 1),
        until=D(2025, 5, 31),
    )
    enterprise_status_change(
        actor=None, enterprise=ent, new_status="operating", effective_on=D(2025, 1, 10)
    )

    def state(day):
        s = enterprise_state_as_of(enterprise=ent, on=day)
        return (s.status, s.is_abnormal, [p.pk for p in s.penalties_in_publicity])

    assert state(D(2023, 7, 13)) == ("operating", False, [])
    assert state(D(2023, 7, 14)) == ("operating", True, [])
    assert state(D(2023, 10, 1)) == ("operating", True, [penalty.pk])
    assert state(D(2023, 12, 2)) == ("operating", True, [])  # publicity over
    assert state(D(2024, 2, 20)) == ("operating", False, [])
    assert state(D(2024, 8, 1)) == ("suspended", False, [])
    assert state(D(2025, 1, 10)) == ("operating", False, [])
    ent.refresh_from_db()
    assert (ent.status, ent.is_abnormal, ent.on_serious_list) == ("operating", False, False)


def test_cached_state_follows_each_append():
    ent = EnterpriseFactory()
    listing = _append(ent, "serious_listing", D(2024, 1, 1), is_public=True)
    assert Enterprise.objects.get(pk=ent.pk).on_serious_list
    _append(ent, "serious_removal", D(2025, 1, 2), closes=listing)
    assert not Enterprise.objects.get(pk=ent.pk).on_serious_list


def test_expired_suspension_counts_as_operating():
    ent = EnterpriseFactory(registered_on=D(2019, 3, 1))
    enterprise_status_change(
        actor=None,
        enterprise=ent,
        new_status="suspended",
        effective_on=D(2024, 1, 1),
        until=D(2024, 12, 31),
    )
    assert enterprise_state_as_of(enterprise=ent, on=D(2024, 6, 1)).status == "suspended"
    assert enterprise_state_as_of(enterprise=ent, on=D(2025, 1, 1)).status == "operating"


def test_a_status_change_is_all_or_nothing(monkeypatch):
    """If its last step (the audit event) fails, neither the ledger record nor the status
    stays: the service is one transaction."""
    from enterprises.services import status as status_service

    ent = EnterpriseFactory(registered_on=D(2019, 3, 1))
    record = status_service.audit_event_record

    def failing(**kwargs):
        if kwargs["event_type"] == "enterprises.status_changed":
            raise RuntimeError("audit log unavailable")
        return record(**kwargs)

    monkeypatch.setattr(status_service, "audit_event_record", failing)
    with pytest.raises(RuntimeError):
        enterprise_status_change(
            actor=None, enterprise=ent, new_status="revoked", effective_on=D(2024, 1, 1)
        )
    ent.refresh_from_db()
    assert ent.status == "operating"
    assert not CreditRecord.objects.filter(enterprise=ent, kind="status_change").exists()


def test_a_suspension_record_names_its_period():
    ent = EnterpriseFactory(registered_on=D(2019, 3, 1))
    with translation.override("zh-hans"):
        record = enterprise_status_change(
            actor=None,
            enterprise=ent,
            new_status="suspended",
            effective_on=D(2024, 1, 1),
            until=D(2024, 12, 31),
        )
    assert record.summary == "状态变更为：歇业（2024-01-01 至 2024-12-31）"


@pytest.mark.parametrize(
    ("kind", "closes_kind", "message"),
    [
        ("abnormal_removal", None, "must name the record"),
        ("penalty", "penalty", "close nothing"),
        ("abnormal_removal", "serious_listing", "same list"),
    ],
)
def test_closing_rules(kind, closes_kind, message):
    ent = EnterpriseFactory()
    closes = _append(ent, closes_kind, D(2024, 1, 1)) if closes_kind else None
    with pytest.raises(ValidationError, match=message):
        _append(ent, kind, D(2024, 2, 1), closes=closes)


def test_a_record_is_closed_once_and_only_by_its_own_enterprise():
    ent, other = EnterpriseFactory(), EnterpriseFactory()
    listing = _append(ent, "abnormal_listing", D(2024, 1, 1))
    with pytest.raises(ValidationError, match="another market entity"):
        _append(other, "abnormal_removal", D(2024, 2, 1), closes=listing)
    _append(ent, "abnormal_removal", D(2024, 2, 1), closes=listing)
    with pytest.raises(ValidationError, match="already been closed"):
        _append(ent, "abnormal_removal", D(2024, 3, 1), closes=listing)


def test_future_dates_and_reversed_publicity_are_refused():
    ent = EnterpriseFactory()
    with pytest.raises(ValidationError, match="future"):
        _append(ent, "penalty", D(2999, 1, 1))
    with pytest.raises(ValidationError, match="ends before it starts"):
        _append(ent, "penalty", D(2024, 1, 1), is_public=True, publicity_end=D(2023, 1, 1))
    assert not CreditRecord.objects.exists()


def test_the_same_source_is_recorded_once():
    ent = EnterpriseFactory()
    source = EnterpriseFactory()  # stands for any source object (a decision, a listing)
    _append(ent, "penalty", D(2024, 1, 1), source=source)
    with pytest.raises(ValidationError, match="already been recorded"):
        _append(ent, "penalty", D(2024, 1, 1), source=source)
    assert CreditRecord.objects.filter(kind="penalty").count() == 1


def test_append_is_audited_with_the_actor(user_with_perms):
    actor = user_with_perms()
    ent = EnterpriseFactory()
    record = _append(ent, "abnormal_listing", D(2024, 1, 1), actor=actor)
    event = AuditEvent.objects.get(event_type="enterprises.credit_record_appended")
    assert (event.actor, event.enterprise_id, event.target_id) == (actor, ent.pk, str(record.pk))
    # The event records the fact; the state it implies is the ledger's to replay (the cache
    # follows it in the same transaction).
    assert event.extra == {"kind": "abnormal_listing", "occurred_on": "2024-01-01", "closes": None}
    ent.refresh_from_db()
    assert ent.is_abnormal


def test_ledger_rows_cannot_be_changed_through_the_orm():
    record = _append(EnterpriseFactory(), "penalty", D(2024, 1, 1))
    record.summary = "rewritten"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        CreditRecord.objects.filter(pk=record.pk).delete()


@pytest.mark.postgres
def test_postgres_refuses_raw_updates_of_the_ledger(require_postgres):
    record = _append(EnterpriseFactory(), "penalty", D(2024, 1, 1))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE enterprises_creditrecord SET summary = 'x' WHERE id = %s", [record.pk])


class TestStatusRules:
    def test_suspension_needs_an_end_after_its_start(self):
        ent = EnterpriseFactory(registered_on=D(2019, 1, 1))
        with pytest.raises(ValidationError, match="end date"):
            enterprise_status_change(
                actor=None, enterprise=ent, new_status="suspended", effective_on=D(2024, 1, 1)
            )

    def test_suspension_is_at_most_three_years_in_total(self):
        ent = EnterpriseFactory(registered_on=D(2019, 1, 1))
        enterprise_status_change(
            actor=None,
            enterprise=ent,
            new_status="suspended",
            effective_on=D(2021, 1, 1),
            until=D(2022, 12, 31),
        )
        enterprise_status_change(
            actor=None, enterprise=ent, new_status="operating", effective_on=D(2022, 12, 31)
        )
        with pytest.raises(ValidationError, match="at most 3 years"):
            enterprise_status_change(
                actor=None,
                enterprise=ent,
                new_status="suspended",
                effective_on=D(2024, 1, 1),
                until=D(2025, 6, 30),
            )

    def test_deregistered_is_final(self):
        ent = EnterpriseFactory(registered_on=D(2019, 1, 1))
        enterprise_status_change(
            actor=None, enterprise=ent, new_status="deregistered", effective_on=D(2024, 1, 1)
        )
        with pytest.raises(ValidationError, match="cannot become"):
            enterprise_status_change(
                actor=None, enterprise=ent, new_status="operating", effective_on=D(2024, 2, 1)
            )
        assert Enterprise.objects.get(pk=ent.pk).status == "deregistered"

    def test_date_before_registration_is_refused(self):
        ent = EnterpriseFactory(registered_on=D(2020, 1, 1))
        with pytest.raises(ValidationError, match="before the registration"):
            enterprise_status_change(
                actor=None, enterprise=ent, new_status="revoked", effective_on=D(2019, 1, 1)
            )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_edits_of_the_same_version_cannot_both_win(require_postgres):
    """Both editors loaded version 1; the row lock serialises them and the second is refused."""
    ent = EnterpriseFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(name):
        try:
            barrier.wait()
            enterprise_update(actor=None, enterprise=ent, data={"name": name}, expected_version=1)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("甲公司", "乙公司")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Enterprise.objects.get(pk=ent.pk).version == 2


def test_refresh_job_ends_expired_suspensions_once():
    from django.core.management import call_command

    ent = EnterpriseFactory(registered_on=D(2019, 1, 1))
    enterprise_status_change(
        actor=None,
        enterprise=ent,
        new_status="suspended",
        effective_on=D(2024, 1, 1),
        until=D(2024, 12, 31),
    )
    # The cached fields were written when the suspension was still running.
    assert Enterprise.objects.get(pk=ent.pk).status == "operating"  # already past today
    Enterprise.objects.filter(pk=ent.pk).update(
        status="suspended", suspended_from=D(2024, 1, 1), suspended_until=D(2024, 12, 31)
    )
    call_command("refresh_enterprise_states")
    ent.refresh_from_db()
    assert (ent.status, ent.suspended_until) == ("operating", None)
    assert AuditEvent.objects.filter(event_type="enterprises.state_refreshed").count() == 1
    call_command("refresh_enterprise_states")  # rerun: nothing to do
    assert AuditEvent.objects.filter(event_type="enterprises.state_refreshed").count() == 1
