"""The demo district's letters of good standing (credit_portal.demo step "standing", 410): a
letter for a few demo enterprises with no fault in force, issued by the portal's own account,
so that the verification page has codes to try (printed by the step)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from credit_portal.demo import demo_step_register

DEMO_LETTERS = 3
CANDIDATES = 60  # looked at, in id order, to find the few eligible ones


def declare() -> None:
    demo_step_register("standing", "standing.demo.demo_letters", order=410)


def demo_letters(*, as_of: Any, seed: int, stdout: Any) -> None:
    """Issue up to DEMO_LETTERS letters for eligible demo enterprises (idempotent: none when
    letters exist already)."""
    from credit_portal.services import system_user
    from enterprises.models import Enterprise
    from standing.models import StandingLetter
    from standing.services import letter_issue

    if StandingLetter.objects.exists():
        return
    actor = system_user()
    issued = 0
    for enterprise in Enterprise.objects.filter(status=Enterprise.Status.OPERATING).order_by("pk")[
        :CANDIDATES
    ]:
        try:
            letter = letter_issue(actor=actor, enterprise=enterprise)
        except ValidationError:
            continue
        stdout.write(f"  letter of good standing {letter.code} for {enterprise.uscc}")
        issued += 1
        if issued >= DEMO_LETTERS:
            break
