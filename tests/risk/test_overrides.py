"""Overrides of a class by a supervisor (issue 16 §7): the service's rules, the current class
changing at once, the audit trail, and the daily expiry (set-based, idempotent)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from risk import audit_events as events
from risk import rules
from risk.models import ClassOverride, CurrentClass
from risk.services.overrides import override_end, override_set, overrides_expire
from tests.enterprises.factories import EnterpriseFactory
from tests.risk.factories import classify_by_hand, general_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return general_version()


@pytest.fixture
def supervisor(user_with_role):
    return user_with_role(Role.SUPERVISOR)


def _today() -> dt.date:
    return timezone.localdate()


def test_override_changes_the_class_in_effect_at_once_and_is_audited(version, supervisor):
    enterprise = EnterpriseFactory()
    classify_by_hand(enterprise, "B", version=version)
    until = _today() + dt.timedelta(days=30)
    override = override_set(
        enterprise=enterprise, risk_class="D", reason="重大舆情", expires_on=until, by=supervisor
    )
    current = CurrentClass.objects.get(enterprise=enterprise)
    assert (current.risk_class, current.computed_class, current.override_id) == (
        "D",
        "B",
        override.pk,
    )
    assert (override.starts_on, override.expires_on, override.ended_on) == (_today(), until, None)
    event = AuditEvent.objects.get(event_type=events.OVERRIDE_SET)
    assert (event.actor, event.enterprise_id, event.target_id) == (
        supervisor,
        enterprise.pk,
        str(override.pk),
    )
    assert event.extra["old"] == {"class": "B"} and event.extra["new"] == {"class": "D"}
    assert event.extra["reason"] == "重大舆情"


def test_a_new_override_ends_the_open_one(version, supervisor):
    enterprise = EnterpriseFactory()
    classify_by_hand(enterprise, "B", version=version)
    until = _today() + dt.timedelta(days=30)
    first = override_set(
        enterprise=enterprise, risk_class="C", reason="一", expires_on=until, by=supervisor
    )
    second = override_set(
        enterprise=enterprise, risk_class="A", reason="二", expires_on=until, by=supervisor
    )
    first.refresh_from_db()
    assert first.ended_on == _today() and first.ended_by == supervisor
    assert (
        ClassOverride.objects.filter(enterprise=enterprise, ended_on__isnull=True).get() == second
    )
    current = CurrentClass.objects.get(enterprise=enterprise)
    assert (current.risk_class, current.override_id) == ("A", second.pk)
    ended = AuditEvent.objects.get(event_type=events.OVERRIDE_ENDED)
    assert ended.target_id == str(first.pk) and ended.extra["how"] == "replaced"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"risk_class": "E"}, "risk_class"),
        ({"expires_on": 0}, "expires_on"),
        ({"expires_on": rules.OVERRIDE_MAX_DAYS + 1}, "expires_on"),
    ],
)
def test_refusals_write_nothing(version, supervisor, fields, field):
    enterprise = EnterpriseFactory()
    classify_by_hand(enterprise, "B", version=version)
    args = {"risk_class": "D", "reason": "理由", "expires_on": 30, **fields}
    args["expires_on"] = _today() + dt.timedelta(days=args["expires_on"])
    with pytest.raises(ValidationError) as refused:
        override_set(enterprise=enterprise, by=supervisor, **args)
    assert field in refused.value.message_dict
    assert not ClassOverride.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="risk.").exists()
    assert CurrentClass.objects.get(enterprise=enterprise).risk_class == "B"


def test_the_longest_override_allowed_is_accepted(version, supervisor):
    enterprise = EnterpriseFactory()
    classify_by_hand(enterprise, "B", version=version)
    longest = _today() + dt.timedelta(days=rules.OVERRIDE_MAX_DAYS)
    override = override_set(
        enterprise=enterprise, risk_class="C", reason="理由", expires_on=longest, by=supervisor
    )
    assert override.expires_on == longest


def test_an_enterprise_never_classified_cannot_be_overridden(version, supervisor):
    enterprise = EnterpriseFactory()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        override_set(
            enterprise=enterprise,
            risk_class="D",
            reason="理由",
            expires_on=_today() + dt.timedelta(days=3),
            by=supervisor,
        )
    assert "no class yet" in refused.value.messages[0]
    assert not ClassOverride.objects.exists()


def test_ending_puts_the_computed_class_back(version, supervisor):
    enterprise = EnterpriseFactory()
    classify_by_hand(enterprise, "B", version=version)
    override = override_set(
        enterprise=enterprise,
        risk_class="D",
        reason="理由",
        expires_on=_today() + dt.timedelta(days=9),
        by=supervisor,
    )
    with pytest.raises(ValidationError):
        override_end(override=override, by=supervisor, reason="")
    override_end(override=override, by=supervisor, reason="核实后解除")
    override.refresh_from_db()
    assert (override.ended_on, override.ended_by, override.end_reason) == (
        _today(),
        supervisor,
        "核实后解除",
    )
    current = CurrentClass.objects.get(enterprise=enterprise)
    assert (current.risk_class, current.override_id) == ("B", None)
    event = AuditEvent.objects.get(event_type=events.OVERRIDE_ENDED)
    assert (event.actor, event.extra["how"], event.extra["old"], event.extra["new"]) == (
        supervisor,
        "ended",
        {"class": "D"},
        {"class": "B"},
    )
    with pytest.raises(ValidationError):
        override_end(override=override, by=supervisor, reason="再次")
    assert AuditEvent.objects.filter(event_type=events.OVERRIDE_ENDED).count() == 1


def test_expiry_ends_overrides_after_their_last_day_once(version, supervisor):
    due, later = EnterpriseFactory(), EnterpriseFactory()
    for enterprise in (due, later):
        classify_by_hand(enterprise, "A", version=version)
    expired = override_set(
        enterprise=due,
        risk_class="C",
        reason="理由",
        expires_on=_today() + dt.timedelta(days=2),
        by=supervisor,
    )
    kept = override_set(
        enterprise=later,
        risk_class="D",
        reason="理由",
        expires_on=_today() + dt.timedelta(days=5),
        by=supervisor,
    )
    on = _today() + dt.timedelta(days=3)
    # The last day applies: nothing ends on it.
    assert overrides_expire(on=on - dt.timedelta(days=1)) == 0
    assert overrides_expire(on=on) == 1
    expired.refresh_from_db()
    kept.refresh_from_db()
    assert expired.ended_on == expired.expires_on + dt.timedelta(days=1)
    assert expired.ended_by is not None and expired.ended_by.username == "credit-portal-system"
    assert kept.ended_on is None
    assert CurrentClass.objects.get(enterprise=due).risk_class == "A"
    assert CurrentClass.objects.get(enterprise=due).override_id is None
    assert CurrentClass.objects.get(enterprise=later).risk_class == "D"
    event = AuditEvent.objects.get(event_type=events.OVERRIDE_ENDED)
    assert (event.enterprise_id, event.target_id, event.extra["how"]) == (
        due.pk,
        str(expired.pk),
        "expired",
    )
    assert overrides_expire(on=on) == 0
    assert AuditEvent.objects.filter(event_type=events.OVERRIDE_ENDED).count() == 1


def test_expiry_is_set_based(version, supervisor):
    """The same number of statements for 2 overrides as for 10."""
    on = _today() + dt.timedelta(days=2)
    counts = []
    for batch in (2, 10):
        for _ in range(batch):
            enterprise = EnterpriseFactory()
            classify_by_hand(enterprise, "A", version=version)
            override_set(
                enterprise=enterprise,
                risk_class="C",
                reason="理由",
                expires_on=on - dt.timedelta(days=1),
                by=supervisor,
            )
        with CaptureQueriesContext(connection) as captured:
            assert overrides_expire(on=on, by=supervisor) == batch
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert not ClassOverride.objects.filter(ended_on__isnull=True).exists()
    assert not CurrentClass.objects.exclude(risk_class="A").exists()
