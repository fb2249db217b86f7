"""The enforcement app's step of the demo district (`remediation.demo`, run by `seed_demo`
through `credit_portal.demo`): one year of cases in the seed's proportions, consistent with the
ledger, deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from credit_portal.demo import demo_accounts_build, demo_steps
from credit_portal.models import User
from enterprises.demo import demo_district_seed
from enterprises.models import CreditRecord, EnterpriseMembership
from remediation.demo import (
    MIN_PER_FIGURE,
    SEED_FIGURES,
    remediation_demo_build,
    scaled,
)
from remediation.kinds import LETTER_REPLY, PENALTY, PUBLICITY_EXPIRED, REPAIR
from remediation.models import (
    Interview,
    PenaltyDecision,
    PenaltyMeasure,
    RepairApplication,
    RepairSync,
    SoftAction,
)
from remediation.selectors.figures import seed_figures

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)
YEAR = 2025
ENTITIES = 600


class Rollback(Exception):  # noqa: N818 - the way out of a savepoint
    pass


def seed_demo(n: int = ENTITIES, s: int = 7) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo", "--enterprises", str(n), "--seed", str(s), "--as-of", str(AS_OF), stdout=out
    )
    return out.getvalue()


def fingerprint() -> dict[str, Any]:
    """The cases, without keys (sequences do not roll back)."""
    return {
        "decisions": sorted(
            PenaltyDecision.objects.values_list(
                "number",
                "enterprise__uscc",
                "decided_on",
                "leniency",
                "department__code",
                "publicity_end",
            )
        ),
        "measures": sorted(
            PenaltyMeasure.objects.values_list("decision__number", "kind", "amount")
        ),
        "letters": sorted(
            SoftAction.objects.values_list(
                "number", "instrument", "enterprise__uscc", "served_on", "deadline", "status"
            )
        ),
        "repairs": sorted(
            RepairApplication.objects.values_list("enterprise__uscc", "decided_on", "status")
        ),
        "facts": sorted(
            CreditRecord.objects.filter(source_app="remediation").values_list(
                "kind", "enterprise__uscc", "occurred_on", "document_number", "summary"
            )
        ),
    }


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            PenaltyDecision,
            PenaltyMeasure,
            SoftAction,
            Interview,
            RepairApplication,
            RepairSync,
            CreditRecord,
        )
    )


def test_the_step_is_registered_for_seed_demo():
    assert ("remediation", "remediation.demo.remediation_demo_build") in [
        (step.name, step.func) for step in demo_steps()
    ]


def test_figures_are_scaled_to_the_district_and_never_zero():
    assert scaled(SEED_FIGURES["lighter"], 300_000) == 364
    assert scaled(SEED_FIGURES["lighter"], 20_000) == 24
    assert scaled(SEED_FIGURES["penalty_repairs"], 20_000) == 4
    assert scaled(SEED_FIGURES["exempt"], 20_000) == MIN_PER_FIGURE
    assert scaled(SEED_FIGURES["lighter"], 1_000_000) == 1213


def test_seed_demo_builds_a_year_of_cases_in_the_seeds_proportions():
    out = seed_demo()
    assert f"remediation cases of {YEAR}" in out

    figures = seed_figures(year=YEAR, user=User.objects.get(username="admin"))

    expected = {key: scaled(value, ENTITIES) for key, value in SEED_FIGURES.items()}
    assert figures.lighter == expected["lighter"]
    assert figures.mitigated == expected["mitigated"]
    assert figures.exempted == expected["exempt"]
    assert figures.first_violation == expected["first_violation"]
    assert figures.suggestions == expected["suggestion"]
    assert figures.admonitions == expected["admonition"]
    assert figures.interviews == expected["interview"]
    assert figures.penalty_repairs == expected["penalty_repairs"]
    assert figures.prompts > 0
    assert figures.expired_terms > 0
    # A partner department's logins see its own cases, some of them.
    partner = seed_figures(year=YEAR, user=User.objects.get(username="env-inspector"))
    assert 0 < sum(r.value for r in partner.rows()) < sum(r.value for r in figures.rows())


def test_every_case_has_its_ledger_facts():
    seed_demo()
    bound = set(EnterpriseMembership.objects.values_list("enterprise_id", flat=True))
    for decision in PenaltyDecision.objects.select_related("credit_record"):
        record = decision.credit_record
        assert record is not None, decision.number
        assert record.document_number == decision.number
        assert record.enterprise_id == decision.enterprise_id
        assert record.occurred_on == decision.decided_on
        assert decision.enterprise_id not in bound  # the demo logins' showcase stays as it is
        if decision.is_no_penalty:
            assert record.kind == "no_penalty" and not record.is_public
        else:
            assert record.kind == PENALTY
            assert record.is_public == bool(decision.publicity_term)
            assert record.publicity_end == decision.publicity_end
            assert decision.measures.exists()
    for action in SoftAction.objects.select_related("credit_record", "reply_record"):
        assert action.credit_record is not None and action.number
        assert action.credit_record.document_number == action.number
        if action.status == SoftAction.Status.RECTIFIED:
            assert action.reply_record.kind == LETTER_REPLY
            assert action.reply_record.closes_id == action.credit_record_id
        else:
            assert action.status == SoftAction.Status.OVERDUE
            assert action.overdue_on == action.deadline + dt.timedelta(days=1)
        if action.instrument == SoftAction.Instrument.INTERVIEW:
            assert action.interview.held_on == action.credit_record.occurred_on
    for application in RepairApplication.objects.select_related("repair_record", "penalty"):
        assert application.repair_record.kind == REPAIR
        assert application.repair_record.closes_id == application.penalty.credit_record_id
        assert application.decided_on.year == YEAR
        assert application.syncs.count() == 3
    # The history's facts (the register demo's, written without case rows) stay without any.
    cased = set(PenaltyDecision.objects.values_list("credit_record_id", flat=True))
    history = CreditRecord.objects.filter(kind=PENALTY, source_id="")
    assert history.exists() and not history.filter(pk__in=cased).exists()
    # Every term that ran out by the as-of date is closed; none is closed twice.
    assert not CreditRecord.objects.filter(
        kind=PENALTY, is_public=True, publicity_end__lt=AS_OF, closed_by__isnull=True
    ).exists()
    assert CreditRecord.objects.filter(kind=PUBLICITY_EXPIRED).exists()


def test_a_second_run_adds_nothing():
    seed_demo()
    before = counts()

    result = remediation_demo_build(as_of=AS_OF, seed=7)

    assert result.skipped and result.expired == 0
    assert counts() == before


def test_the_same_seed_and_register_give_the_same_cases_another_seed_others():
    demo_accounts_build()
    demo_district_seed(count=ENTITIES, seed=7, as_of=AS_OF)
    prints = []
    for seed in (7, 7, 8):  # each build rolled back: the same register every time
        try:
            with transaction.atomic():
                remediation_demo_build(as_of=AS_OF, seed=seed)
                prints.append(fingerprint())
                raise Rollback
        except Rollback:
            pass
    assert prints[0]["decisions"] and prints[0]["letters"] and prints[0]["repairs"]
    assert prints[0] == prints[1]
    assert prints[0]["decisions"] != prints[2]["decisions"]


def test_a_step_registered_twice_is_harmless_another_under_its_name_is_an_error():
    from credit_portal.demo import demo_step_register

    demo_step_register("remediation", "remediation.demo.remediation_demo_build", 100)
    with pytest.raises(ValueError, match="already registered"):
        demo_step_register("remediation", "remediation.demo.something_else", 100)
