"""The public form and API: a valid question (receipt shown once, read back on the status
page), each bad input with its message, the captcha-free abuse limits (honeypot, minimum fill
time, per address and per contact: 429), the asker's contact never public."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from questions import rules
from questions.models import Question
from questions.services.abuse import client_digest, form_token_new
from tests.questions.factories import bureau, form_data, token

pytestmark = pytest.mark.django_db
NEW = "/questions/new/"


@pytest.fixture(autouse=True)
def _bureau(db: Any) -> None:
    bureau()


def _client(ip: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=ip)


def test_urls() -> None:
    assert reverse("questions-public:new") == NEW
    assert reverse("questions-public:status") == "/questions/status/"
    assert reverse("questions-public:faq") == "/faq/"
    assert reverse("questions:list") == "/questions/"


def test_form_shows_a_signed_start_and_a_hidden_honeypot() -> None:
    page = _client().get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'name="started" value="\d+\.[0-9a-f]{32}"', html)
    assert 'class="hp-wrap" aria-hidden="true"' in html
    assert 'name="website"' in html


def test_a_valid_question_gives_a_receipt_once_and_the_status_page_reads_it() -> None:
    client = _client()
    sent = client.post(NEW, form_data(name="王女士", phone="13800001111"))
    assert sent.status_code == 302
    assert sent["Location"] == "/questions/received/"
    page = client.get("/questions/received/")
    code = re.search(r'data-testid="receipt-code">([A-Z2-9\-]+)<', page.content.decode())
    assert code is not None
    question = Question.objects.get()
    assert question.number.startswith("咨询〔")
    assert question.receipt_digest and code.group(1) not in question.receipt_digest
    assert question.client_digest == client_digest("203.0.113.7")
    assert "203.0.113.7" not in str(Question.objects.values().get())
    # Once: the receipt page does not show it again.
    again = client.get("/questions/received/")
    assert again.status_code == 302
    status = client.post("/questions/status/", {"code": code.group(1).lower()})
    html = status.content.decode()
    assert status.status_code == 200
    assert question.number in html and "Waiting for an answer" in html
    assert "王女士" not in html and "13800001111" not in html


def test_unknown_receipt_code_says_so() -> None:
    page = _client().post("/questions/status/", {"code": "ABCD-EFGH-JKLM-NPQR"})
    assert page.status_code == 404
    assert "No question has this receipt code" in page.content.decode()


@pytest.mark.parametrize(
    ("over", "field_message"),
    [
        ({"text": ""}, "This field is required."),
        ({"text": "年报？"}, "Say a little more: at least 10 characters."),
        ({"text": "问" * (rules.TEXT_MAX + 1)}, "Ensure this value has at most 2000 characters"),
        ({"party": "bureau"}, "Select a valid choice."),
        ({"phone": "call me"}, "Give a phone number the bureau can call"),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"name": "王\u200b女士"}, "Remove the invisible characters"),
        ({"text": "请问年报\x00什么时候报送呢？谢谢"}, "Null characters are not allowed."),
    ],
)
def test_bad_input_has_a_clear_message(over: dict[str, str], field_message: str) -> None:
    page = _client().post(NEW, form_data(**over))
    assert page.status_code == 400
    assert field_message in page.content.decode()
    assert not Question.objects.exists()


def test_honeypot_filled_is_refused() -> None:
    page = _client().post(NEW, form_data(website="http://spam.example"))
    assert page.status_code == 400
    assert "This form could not be sent" in page.content.decode()
    assert not Question.objects.exists()


def test_a_form_sent_too_fast_is_refused_and_passes_when_sent_again_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = _client()
    fresh = form_token_new()
    page = client.post(NEW, form_data(started=fresh))
    assert page.status_code == 400
    assert "sent too quickly" in page.content.decode()
    # The same signed start is kept in the form shown again.
    assert f'value="{fresh}"' in page.content.decode()
    monkeypatch.setattr(rules, "MIN_FILL_SECONDS", 0)
    assert client.post(NEW, form_data(started=fresh)).status_code == 302


# "forged": a real start time with a signature that is not ours (made in the test, not at
# collection, so that every xdist worker collects the same ids).
@pytest.mark.parametrize("started", ["", "12345.deadbeef", "forged"])
def test_a_form_token_not_ours_is_refused_and_replaced(started: str) -> None:
    if started == "forged":
        started = f"{token(30).split('.')[0]}.0000"
    page = _client().post(NEW, form_data(started=started))
    assert page.status_code == 400
    html = page.content.decode()
    assert "This form could not be checked" in html
    assert re.search(r'name="started" value="\d+\.[0-9a-f]{32}"', html)


def test_a_stale_form_is_refused() -> None:
    page = _client().post(NEW, form_data(started=token(rules.FORM_MAX_AGE_SECONDS + 60)))
    assert page.status_code == 400
    assert "This form is too old" in page.content.decode()


def test_per_address_limit_answers_429_with_retry_after() -> None:
    client = _client("198.51.100.9")
    for n in range(rules.PER_ADDRESS_PER_HOUR):
        sent = client.post(NEW, form_data(text=f"第{n}个问题：年报什么时候报送？"))
        assert sent.status_code == 302
    refused = client.post(NEW, form_data(text="再问一个问题：年报什么时候报送？"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many questions from your address" in refused.content.decode()
    # Another address is not held back.
    assert _client("198.51.100.10").post(NEW, form_data()).status_code == 302
    assert Question.objects.count() == rules.PER_ADDRESS_PER_HOUR + 1


def test_per_contact_limit() -> None:
    for n in range(rules.PER_CONTACT_PER_DAY):
        assert (
            _client(f"192.0.2.{n + 1}").post(NEW, form_data(phone="138 0000 2222")).status_code
            == 302
        )
    refused = _client("192.0.2.99").post(NEW, form_data(phone="13800002222"))
    assert refused.status_code == 429
    assert "with this phone number or email today" in refused.content.decode()


# --------------------------------------------------------------------------- API


def test_api_ask_valid_gives_receipt_once_and_status(api_client_for: Any) -> None:
    api = api_client_for(None)
    answer = api.post(
        "/api/v1/public/questions/",
        {"party": "market_manager", "topic": "portal", "text": "市场管理方能否批量查询商户信用？"},
        format="json",
        REMOTE_ADDR="203.0.113.50",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["number"].startswith("咨询〔") and body["receipt_code"]
    status = api.post(
        "/api/v1/public/questions/status/", {"code": body["receipt_code"]}, format="json"
    )
    assert status.status_code == 200
    assert status.json()["status"] == "new"
    assert "name" not in status.json() and "phone" not in status.json()


def test_api_bad_input_and_honeypot(api_client_for: Any) -> None:
    api = api_client_for(None)
    bad = api.post(
        "/api/v1/public/questions/",
        {"party": "consumer", "topic": "market", "text": "短", "email": "x"},
        format="json",
    )
    assert bad.status_code == 400
    errors = bad.json()["errors"]
    assert "at least 10 characters" in errors["text"][0]
    assert "valid email" in errors["email"][0]
    trap = api.post(
        "/api/v1/public/questions/",
        {
            "party": "consumer",
            "topic": "market",
            "text": "超市里过期的酸奶还在卖？",
            "website": "x",
        },
        format="json",
    )
    assert trap.status_code == 400
    assert not Question.objects.exists()


def test_api_limit_answers_429(api_client_for: Any) -> None:
    api = api_client_for(None)
    payload = {"party": "consumer", "topic": "market", "text": "超市里过期的酸奶还在卖？"}
    for _n in range(rules.PER_ADDRESS_PER_HOUR):
        ok = api.post("/api/v1/public/questions/", payload, format="json", REMOTE_ADDR="10.9.9.9")
        assert ok.status_code == 201
    refused = api.post("/api/v1/public/questions/", payload, format="json", REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
