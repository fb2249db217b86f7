"""Reads of the standing app (re-exported for other apps: the credit station)."""

from standing.selectors.letters import (
    code_normalize,
    letter_by_code,
    letter_status,
    letters_for,
    letters_for_user,
)
from standing.selectors.standing import Fault, Standing, standing_of

__all__ = [
    "Fault",
    "Standing",
    "code_normalize",
    "letter_by_code",
    "letter_status",
    "letters_for",
    "letters_for_user",
    "standing_of",
]
