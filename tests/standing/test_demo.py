"""The demo step issues a few letters for eligible demo enterprises, once."""

from __future__ import annotations

import io

import pytest

from standing.demo import demo_letters
from standing.models import StandingLetter
from tests.standing import factories as f

pytestmark = pytest.mark.django_db


def test_demo_step_issues_letters_for_eligible_firms_once() -> None:
    good = f.good_firm()
    bad = f.good_firm()
    f.serious(bad)
    out = io.StringIO()
    demo_letters(as_of=f.today(), seed=1, stdout=out)
    assert list(StandingLetter.objects.values_list("enterprise_id", flat=True)) == [good.pk]
    assert StandingLetter.objects.get().code in out.getvalue()
    demo_letters(as_of=f.today(), seed=1, stdout=out)
    assert StandingLetter.objects.count() == 1
