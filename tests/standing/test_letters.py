"""Issuing, the PDF, revoking and verifying letters of good standing (issue 18 §3, finance
boost; bad input: a code that does not exist, or whose entity's standing has changed since)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from credit_portal.audit import AuditEvent
from standing import rules
from standing.models import StandingLetter
from standing.selectors import code_normalize
from standing.services import (
    letter_document,
    letter_issue,
    letter_pdf,
    letter_revoke,
    letter_verify,
    verify_url,
)
from tests.standing import factories as f

pytestmark = pytest.mark.django_db
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "")


def test_issue_freezes_what_the_letter_states_with_a_random_code_and_an_audit_event() -> None:
    firm = f.good_firm()
    user = f.member(firm)
    letter = letter_issue(actor=user, enterprise=firm)
    assert CODE.match(letter.code)
    assert letter.as_of == f.today()
    assert letter.expires_on == f.today() + dt.timedelta(days=rules.VALID_DAYS)
    assert (letter.name, letter.credit_code) == (firm.name, firm.uscc)
    assert next(s["key"] for s in letter.statements) == "status"
    assert len(letter.standing_digest) == 64 and letter.record_ids
    event = AuditEvent.objects.get(event_type="standing.letter_issued")
    assert (event.actor, event.enterprise_id, event.extra["code"]) == (user, firm.pk, letter.code)
    other = letter_issue(actor=user, enterprise=firm)
    assert other.code != letter.code


def test_issue_is_refused_with_the_reasons_and_writes_nothing() -> None:
    firm = f.good_firm()
    f.abnormal(firm)
    with pytest.raises(ValidationError) as refused:
        letter_issue(actor=f.member(firm), enterprise=firm)
    assert "abnormal operations directory" in refused.value.messages[0]
    assert not StandingLetter.objects.exists()
    assert not AuditEvent.objects.filter(event_type="standing.letter_issued").exists()


def test_issue_is_limited_per_day() -> None:
    firm = f.good_firm()
    user = f.member(firm)
    for _ in range(rules.LETTERS_PER_DAY):
        letter_issue(actor=user, enterprise=firm)
    with pytest.raises(ValidationError, match="At most"):
        letter_issue(actor=user, enterprise=firm)


def test_the_pdf_states_name_code_date_scope_and_verification() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    url = verify_url(letter)
    assert url == f"https://credit.example.cn/verify/{letter.code}/"
    pdf = letter_pdf(letter)
    text = _text(pdf)
    day = f"{letter.as_of.year}年{letter.as_of.month}月{letter.as_of.day}日"
    assert "企业信用状况证明" in text
    assert firm.name in text and firm.uscc in text
    assert f"证明范围：仅依据本局截至{day}的记录" in text
    assert letter.code in text
    assert url in text
    assert "未被列入严重违法失信名单" in text and "扫码核验" in text
    assert letter_document(letter, url=url).qr_payload == url
    # The QR code is drawn: many filled rectangles in the last page's content.
    content = PdfReader(io.BytesIO(pdf)).pages[-1].get_contents().get_data()
    assert content.count(b" re") > 100
    assert letter_pdf(letter) == pdf  # deterministic


def test_verify_unknown_code_says_so_plainly() -> None:
    for code in ("ABCD-EFGH-JKMN-PQRS", "nonsense", "", "<script>"):
        result = letter_verify(code=code)
        assert result.status == "unknown" and result.letter is None
        assert result.message == (
            "No letter has this code. Check the code or ask the enterprise for the letter."
        )


def test_verify_valid_letter_and_typing_slips() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    result = letter_verify(code=letter.code)
    assert result.status == "valid" and result.letter == letter and not result.changes
    typed = letter.code.lower().replace("-", " ").replace("1", "l").replace("0", "o")
    assert code_normalize(typed) == letter.code
    assert letter_verify(code=typed).status == "valid"


def test_verify_says_plainly_when_the_records_have_changed_since() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    f.abnormal(firm, days_ago=0)
    result = letter_verify(code=letter.code)
    assert result.status == "changed"
    assert result.message.startswith("This letter was true on ")
    assert "the enterprise's records have changed since" in result.message
    assert any("abnormal operations directory" in c for c in result.changes)


def test_a_fault_recorded_after_issue_and_since_ended_still_shows() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    listing = f.abnormal(firm, days_ago=3)  # backdated: the letter was not true on its day
    f.abnormal_removed(listing)
    result = letter_verify(code=letter.code)
    assert result.status == "changed"
    assert any("has since ended" in c for c in result.changes)


def test_a_status_change_since_is_a_change() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    f.status(firm, "suspended", effective_on=f.today(), until=f.today() + dt.timedelta(days=90))
    result = letter_verify(code=letter.code)
    assert result.status == "changed"
    assert any("registration status is now" in c for c in result.changes)


def test_verify_expired() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    later = letter.expires_on + dt.timedelta(days=1)
    result = letter_verify(code=letter.code, today=later)
    assert result.status == "expired"
    assert "has expired" in result.message
    assert letter_verify(code=letter.code, today=letter.expires_on).status == "valid"


def test_revoke_needs_a_reason_is_audited_and_verifies_as_revoked() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    officer = f.clerk()
    with pytest.raises(ValidationError):
        letter_revoke(actor=officer, letter=letter, reason="  ")
    letter_revoke(actor=officer, letter=letter, reason="issued in error")
    with pytest.raises(ValidationError, match="revoked already"):
        letter_revoke(actor=officer, letter=letter, reason="again")
    result = letter_verify(code=letter.code)
    assert result.status == "revoked"
    assert "revoked by the bureau" in result.message
    assert "issued in error" not in result.message  # the reason stays the bureau's
    assert AuditEvent.objects.filter(event_type="standing.letter_revoked").count() == 1
    assert StandingLetter.objects.filter(pk=letter.pk).exists()


def test_the_database_refuses_changing_or_deleting_a_letter(require_postgres: None) -> None:
    from django.db import DatabaseError, transaction

    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    with pytest.raises(DatabaseError), transaction.atomic():
        StandingLetter.objects.filter(pk=letter.pk).update(name="Other")
    with pytest.raises(DatabaseError), transaction.atomic():
        StandingLetter.objects.filter(pk=letter.pk).delete()
    letter_revoke(actor=f.clerk(), letter=letter, reason="issued in error")
    with pytest.raises(DatabaseError), transaction.atomic():
        StandingLetter.objects.filter(pk=letter.pk).update(revoke_reason="rewritten")


def test_issue_uses_the_day_in_the_portal_time_zone() -> None:
    firm = f.good_firm()
    with time_machine.travel(dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.UTC), tick=False):
        letter = letter_issue(actor=f.member(firm), enterprise=firm)
    assert letter.as_of == dt.date(2026, 11, 4)  # Beijing time


# --------------------------------------------------------------------------- what the public may
# be told (review finding 1): only what the public profile shows today is named.


def _leaks(result: object, *words: str) -> list[str]:
    text = " ".join([getattr(result, "message", ""), *getattr(result, "changes", [])])
    return [w for w in words if w in text]


def test_a_listing_removed_after_issue_is_named_as_the_public_profile_shows_it() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    listing = f.abnormal(firm, days_ago=3)
    f.abnormal_removed(listing)  # the profile keeps it beside its removal (§3)
    result = letter_verify(code=letter.code)
    assert result.status == "changed" and len(result.changes) == 1
    assert "abnormal operations directory" in result.changes[0]
    assert "has since ended" in result.changes[0]


def test_a_wrongful_listing_revoked_since_is_not_named_and_the_letter_stays_valid() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    listing = f.abnormal(firm, days_ago=0)
    assert letter_verify(code=letter.code).status == "changed"  # while it is in force
    f.abnormal_revoked(listing)
    result = letter_verify(code=letter.code)
    assert result.status == "valid" and result.changes == []
    assert not _leaks(result, "abnormal", "Listed", "recorded on", "revoked")


def test_a_penalty_withdrawn_since_is_not_named() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    decision = f.penalty(firm, days_ago=0)
    named = letter_verify(code=letter.code)
    assert named.status == "changed" and any("双市监罚〔2026〕7号" in c for c in named.changes)
    f.penalty_withdrawn(decision)
    result = letter_verify(code=letter.code)
    assert result.status == "valid" and result.changes == []
    assert not _leaks(result, "penalty", "双市监罚", "recorded on")


def test_a_penalty_repaired_early_is_not_named() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    decision = f.penalty(firm, days_ago=1, months=12)
    f.penalty_repaired(decision)
    result = letter_verify(code=letter.code)
    assert result.status == "valid" and result.changes == []
    assert not _leaks(result, "penalty", "双市监罚", "recorded on")


def test_a_listing_revoked_beside_another_change_names_only_the_other() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    f.abnormal_revoked(f.abnormal(firm, days_ago=0))
    f.status(firm, "suspended", effective_on=f.today(), until=f.today() + dt.timedelta(days=90))
    result = letter_verify(code=letter.code)
    assert result.status == "changed"
    assert len(result.changes) == 1 and "registration status is now" in result.changes[0]


def test_a_fault_in_force_the_public_may_not_see_changes_the_letter_without_details() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    f.abnormal(firm, days_ago=0, public=False)  # in force, not on the public profile
    result = letter_verify(code=letter.code)
    assert result.status == "changed" and result.changes == []
    assert result.message.endswith("have changed since the letter was issued.")
    assert not _leaks(result, "abnormal", "Listed", "recorded on")


def test_the_page_and_the_api_name_no_revoked_listing(client: Any) -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    f.abnormal_revoked(f.abnormal(firm, days_ago=2))
    html = client.get(letter.verify_path()).content.decode()
    assert 'data-status="valid"' in html and "abnormal operations directory" not in html
    body = client.get(f"/api/v1/public/standing-letters/{letter.code}/").json()
    assert body["status"] == "valid" and body["changes"] == []


# --------------------------------------------------------------------------- the stored digest
# (review finding 11): a letter whose stored snapshot is not what the ledger held at issue


def _forged(letter: StandingLetter, **changes: Any) -> StandingLetter:
    """A row written behind the services' back (the trigger refuses UPDATE, not INSERT): a copy
    of `letter` under another code, with `changes`."""
    values = {
        field.attname: getattr(letter, field.attname)
        for field in StandingLetter._meta.concrete_fields
        if field.name != "id"
    }
    return StandingLetter.objects.create(**{**values, "code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", **changes})


def test_the_stored_digest_is_compared_with_the_ledger_at_issue() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    assert letter_verify(code=letter.code).status == "valid"
    # A fault recorded after issue (backdated) does not make the letter unconfirmable.
    f.abnormal_removed(f.abnormal(firm, days_ago=3))
    assert letter_verify(code=letter.code).status == "changed"
    forged = _forged(letter, standing_digest="0" * 64)
    result = letter_verify(code=forged.code)
    assert result.status == "unconfirmed" and result.changes == []
    assert result.message.startswith("This letter cannot be confirmed")
    forged = _forged(letter, code="YYYY-YYYY-YYYY-YYYY", registration_status="suspended")
    assert letter_verify(code=forged.code).status == "unconfirmed"


def test_a_letter_dated_on_a_day_with_a_fault_cannot_be_confirmed() -> None:
    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    f.abnormal_removed(f.abnormal(firm, days_ago=10))
    # Written (not issued) later, with the clean day's digest, for a day the listing held.
    forged = _forged(
        letter,
        as_of=f.today() - dt.timedelta(days=5),
        issued_at=letter.issued_at + dt.timedelta(minutes=5),
    )
    assert letter_verify(code=forged.code).status == "unconfirmed"


def test_the_page_and_the_api_say_an_unconfirmed_letter_cannot_be_confirmed(client: Any) -> None:
    firm = f.good_firm()
    forged = _forged(letter_issue(actor=f.member(firm), enterprise=firm), standing_digest="0" * 64)
    html = client.get(forged.verify_path()).content.decode()
    assert 'data-status="unconfirmed"' in html and "cannot be confirmed" in html
    assert "未被列入严重违法失信名单" not in html  # what it states is not shown as the bureau's
    body = client.get(f"/api/v1/public/standing-letters/{forged.code}/").json()
    assert body["status"] == "unconfirmed"


# --------------------------------------------------------------------------- the printed address
# (review finding 10): never the request's Host in production


def test_the_verification_address_never_comes_from_the_host_in_production(settings: Any) -> None:
    from django.test import RequestFactory

    firm = f.good_firm()
    letter = letter_issue(actor=f.member(firm), enterprise=firm)
    request = RequestFactory().get("/", HTTP_HOST="evil.example")
    settings.ALLOWED_HOSTS = ["evil.example"]
    assert verify_url(letter, request=request) == f"https://credit.example.cn/verify/{letter.code}/"
    unset = {**settings.CREDIT_PORTAL, "PUBLIC_BASE_URL": ""}
    settings.CREDIT_PORTAL = unset  # the demo: the address the request came to
    assert verify_url(letter, request=request) == f"http://evil.example/verify/{letter.code}/"
    settings.CREDIT_PORTAL = {**unset, "PUBLIC_BASE_URL_FROM_REQUEST": False}  # production
    assert verify_url(letter, request=request) == f"/verify/{letter.code}/"
    assert "evil.example" not in _text(letter_pdf(letter, request=request))


def test_the_deploy_check_requires_an_https_public_address(settings: Any) -> None:
    from standing.checks import public_base_url_check

    settings.DEBUG = False
    base = settings.CREDIT_PORTAL
    assert public_base_url_check() == []
    settings.CREDIT_PORTAL = {**base, "PUBLIC_BASE_URL": ""}
    assert [m.id for m in public_base_url_check()] == ["standing.E001"]
    for bad in ("http://credit.example.cn", "https://credit.example.cn/x", "credit.example.cn"):
        settings.CREDIT_PORTAL = {**base, "PUBLIC_BASE_URL": bad}
        assert [m.id for m in public_base_url_check()] == ["standing.E002"], bad
    settings.CREDIT_PORTAL = {**base, "PUBLIC_BASE_URL": "https://credit.example.cn/"}
    assert public_base_url_check() == []
    settings.DEBUG = True
    settings.CREDIT_PORTAL = {**base, "PUBLIC_BASE_URL": ""}
    assert public_base_url_check() == []
