"""The admin shows a decision's checks and leniency grounds, and a repair application's
conditions, in the staff pages' words (read-only, escaped), not as raw JSON."""

from __future__ import annotations

from django.contrib import admin
from django.utils import translation

from remediation.admin.penalties import PenaltyDecisionAdmin
from remediation.admin.repairs import RepairApplicationAdmin
from remediation.models import PenaltyDecision, RepairApplication


def test_a_decisions_grounds_and_checks_are_in_words():
    model_admin = PenaltyDecisionAdmin(PenaltyDecision, admin.site)
    decision = PenaltyDecision(
        leniency_grounds=["art33_first", "gone"],
        checks={
            "checked_on": "2026-03-02",
            "limitation": {
                "runs_from": "2025-01-05",
                "years": 2,
                "article": "APL art. 36",
                "last_day": "2027-01-04",
            },
            "lookback": {"from": "2021-01-05", "to": "2026-01-04", "found": []},
            "published_late": 2,
            "range": {"min": "1000", "max": "10000", "band_max": "4000", "fine_total": "2000"},
            "demo_year": "<b>",
        },
    )
    assert {"checks", "leniency_grounds"} <= set(model_admin.exclude or ())
    with translation.override("en"):
        grounds = model_admin.leniency_grounds_display(decision)
        checks = str(model_admin.checks_display(decision))
    assert grounds == "Art. 33 para 1: first violation, minor harm, corrected; gone"
    assert checks.startswith("<ul><li>Checks made on 2026-03-02</li>")
    assert "Limitation: 2 years from 2025-01-05 (APL art. 36), until 2027-01-04" in checks
    assert "no same-type violation from 2021-01-05 to 2026-01-04" in checks
    assert "Published 2 working days after its due date." in checks
    assert "Fines CNY 2,000" in checks or "Fines CNY 2000" in checks
    assert "<li>demo_year: &lt;b&gt;</li>" in checks  # a key without words, escaped
    with translation.override("zh-hans"):
        assert "追责时效" in str(model_admin.checks_display(decision))
    assert model_admin.checks_display(PenaltyDecision(checks={})) == "—"
    assert model_admin.leniency_grounds_display(PenaltyDecision(leniency_grounds=[])) == "—"


def test_an_applications_conditions_are_in_words():
    model_admin = RepairApplicationAdmin(RepairApplication, admin.site)
    application = RepairApplication(
        conditions={
            "applied": {
                "on": "2026-03-02",
                "eligible": True,
                "conditions": [
                    {"code": "term", "label": "Minimum term <served>", "met": True},
                    {"code": "cause_cured", "label": "Cause cured", "met": None},
                ],
                "reasons": [],
            },
            "decided": {
                "on": "2026-03-09",
                "eligible": False,
                "conditions": [
                    {
                        "code": "cause_cured",
                        "label": "Cause cured",
                        "met": True,
                        "verified_by": "Li Lei",
                        "verified_on": "2026-03-09",
                    }
                ],
                "reasons": ["A later penalty"],
            },
        }
    )
    assert "conditions" in (model_admin.exclude or ())
    assert "conditions_display" in model_admin.readonly_fields
    with translation.override("en"):
        html = str(model_admin.conditions_display(application))
    assert "<p>When applying (2026-03-02) · eligible</p>" in html
    assert "<li>Minimum term &lt;served&gt;: met</li>" in html
    assert "<li>Cause cured: declared, to verify</li>" in html
    assert "<p>At the decision (2026-03-09) · not eligible</p>" in html
    assert "<li>Cause cured: verified by Li Lei on 2026-03-09</li>" in html
    assert "<li>reason: A later penalty</li>" in html
    assert model_admin.conditions_display(RepairApplication(conditions={})) == "—"
