"""Writes of the standing app, and the eligibility other apps read (the credit station)."""

from standing.services.letters import (
    Verification,
    code_generate,
    letter_document,
    letter_filename,
    letter_issue,
    letter_pdf,
    letter_revoke,
    letter_verify,
    standing_problems,
    verify_url,
)

__all__ = [
    "Verification",
    "code_generate",
    "letter_document",
    "letter_filename",
    "letter_issue",
    "letter_pdf",
    "letter_revoke",
    "letter_verify",
    "standing_problems",
    "verify_url",
]
