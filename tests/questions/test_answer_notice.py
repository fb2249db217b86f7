"""Telling the asker (docs/domain.md §10 "Enquiries"): an asker who left an e-mail address on
the public form gets one message when the answer is given, sent by a job through Django's
e-mail backend: the answer and the status page's address, no receipt code, no name or phone;
never twice (a second run, two runs, a worker killed while sending, a connection lost once
the server may have the message), retried when the server refuses it. The mail server of the
delivery tests is a real one on a local socket (`_SmtpServer`), speaking SMTP to Django's SMTP
backend."""

from __future__ import annotations

import datetime as dt
import io
import re
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone

from credit_portal.models import AuditEvent
from questions import audit_events as events
from questions import rules
from questions.models import AnswerNotice, Question
from questions.services.notices import answer_notices_send
from tests.questions.factories import form_data, supervisor

pytestmark = pytest.mark.django_db
ANSWER = "请向辖区市场监管所反映，电话 028-12345678。"


def _asked_on_the_form(**over: Any) -> tuple[Question, str]:
    public = Client()
    data = form_data(name="王小明", phone="13800000000", email="asker@example.cn", **over)
    sent = public.post("/questions/new/", data, REMOTE_ADDR="10.9.8.7")
    assert sent.status_code == 302, sent.content.decode()[:2000]
    question = Question.objects.latest("id")
    code = public.get(sent["Location"]).content.decode()
    return question, code


def _answer_on_the_page(question: Question, answer: str = ANSWER) -> None:
    client = Client()
    client.force_login(supervisor())
    done = client.post(
        f"/questions/{question.pk}/act/",
        {"action": "answer", "version": question.version, "answer": answer},
    )
    assert done.status_code == 302


def _send() -> str:
    out = io.StringIO()
    call_command("send_answer_notices", stdout=out)
    return out.getvalue()


def test_the_asker_is_told_once_with_the_answer_and_the_status_link(settings: Any) -> None:
    settings.CREDIT_PORTAL = {
        **settings.CREDIT_PORTAL,
        "PUBLIC_BASE_URL": "https://credit.example.gov.cn",
    }
    question, received = _asked_on_the_form()
    assert _send().startswith("sent: 0")  # nothing until the answer is given
    _answer_on_the_page(question)
    assert len(mail.outbox) == 0  # sent by the job, not by the request (beat here)
    assert "sent: 1" in _send()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["asker@example.cn"]
    assert question.number in message.subject
    assert ANSWER in message.body
    assert "https://credit.example.gov.cn/questions/status/" in message.body
    assert "王小明" not in message.body and "13800000000" not in message.body
    assert message.extra_headers["Message-ID"].startswith("<answer-notice-")
    # No receipt code in it (only its digest is kept).
    code = re.search(r'data-testid="receipt-code">([^<]+)<', received)
    assert code is not None and code.group(1).strip() not in message.body
    # A second run, and a corrected answer, send nothing more.
    assert "sent: 0" in _send()
    question.refresh_from_db()
    _answer_on_the_page(question, answer="更正：请拨打 12315。")
    _send()
    assert len(mail.outbox) == 1
    notice = AnswerNotice.objects.get(question=question)
    assert notice.status == AnswerNotice.Status.SENT and notice.attempts == 1
    event = AuditEvent.objects.get(event_type=events.ANSWER_NOTICE_SENT)
    assert event.extra["number"] == question.number
    assert "asker@example.cn" not in str(event.extra)
    # The staff see that the asker was told.
    client = Client()
    client.force_login(supervisor())
    page = client.get(f"/questions/{question.pk}/").content.decode()
    assert 'data-testid="answer-notice"' in page and "Sent" in page


def test_no_email_no_message() -> None:
    public = Client()
    public.post("/questions/new/", form_data(phone="13800000000"), REMOTE_ADDR="10.9.8.6")
    question = Question.objects.latest("id")
    _answer_on_the_page(question)
    _send()
    assert mail.outbox == [] and not AnswerNotice.objects.exists()


def test_a_malformed_address_is_refused_on_the_form() -> None:
    page = Client().post(
        "/questions/new/", form_data(email="not-an-address"), REMOTE_ADDR="10.9.8.5"
    )
    assert "Enter a valid email address." in page.content.decode()
    assert not Question.objects.exists()


class _SmtpHandler(socketserver.StreamRequestHandler):
    """One SMTP session, answering as the server's `mode` says."""

    server: _SmtpServer

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        mode = self.server.mode
        self._reply("220 test.invalid ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self._reply("250 test.invalid")
            elif verb in (b"MAIL", b"RSET", b"NOOP"):
                self._reply("250 OK")
            elif verb == b"RCPT":
                self._reply("550 5.1.1 no such mailbox" if mode == "refuse_rcpt" else "250 OK")
            elif verb == b"DATA":
                if mode == "refuse_data":
                    self._reply("451 4.3.0 try again later")
                    continue
                self._reply("354 go ahead")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk
                if mode == "refuse_after_dot":
                    self._reply("554 5.7.1 rejected")
                    continue
                self.server.received.append(body)  # accepted (queued for delivery)
                if mode == "drop_after_dot":
                    return  # the "250" never reaches the client
                self._reply("250 2.0.0 queued")
            elif verb == b"QUIT":
                if mode == "garbled_quit":  # smtplib: SMTPResponseException "Line too long"
                    self._reply("221 " + "x" * 9000)
                else:
                    self._reply("221 bye")
                return
            else:
                self._reply("502 command not implemented")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.mode = "accept"
        self.received: list[bytes] = []


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[_SmtpServer]:
    """A local SMTP server in a thread, with Django's SMTP backend pointed at it."""
    server = _SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address[:2]
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_message_the_server_accepted_is_sent_once(smtp_server: _SmtpServer) -> None:
    question, _ = _asked_on_the_form()
    _answer_on_the_page(question)
    assert answer_notices_send()["sent"] == 1
    assert len(smtp_server.received) == 1
    assert b"asker@example.cn" in smtp_server.received[0]
    assert AnswerNotice.objects.get().status == AnswerNotice.Status.SENT


def test_a_failure_on_quit_after_the_message_was_accepted_is_not_a_resend(
    smtp_server: _SmtpServer,
) -> None:
    """The server took the message, then answered QUIT with garbage (Django's backend raises
    from its close): the message is sent, and sent once."""
    smtp_server.mode = "garbled_quit"
    question, _ = _asked_on_the_form()
    _answer_on_the_page(question)
    answer_notices_send()
    answer_notices_send()
    assert len(smtp_server.received) == 1
    notice = AnswerNotice.objects.get()
    assert notice.status == AnswerNotice.Status.SENT and notice.attempts == 1


def test_a_connection_lost_once_the_message_went_is_uncertain_never_resent(
    smtp_server: _SmtpServer,
) -> None:
    """The server queued the message and the connection dropped before its "250": the message
    may well be on its way, so it is marked uncertain and no later run sends it again."""
    smtp_server.mode = "drop_after_dot"
    question, _ = _asked_on_the_form()
    _answer_on_the_page(question)
    assert answer_notices_send()["uncertain"] == 1
    smtp_server.mode = "accept"
    for _run in range(rules.NOTICE_MAX_ATTEMPTS):
        assert answer_notices_send()["sent"] == 0
    assert len(smtp_server.received) == 1
    notice = AnswerNotice.objects.get()
    assert notice.status == AnswerNotice.Status.UNCERTAIN and notice.attempts == 1
    assert "SMTPServerDisconnected" in notice.last_error
    assert "asker@example.cn" not in notice.last_error
    client = Client()
    client.force_login(supervisor())
    assert "Uncertain" in client.get(f"/questions/{question.pk}/").content.decode()


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("no_server", "ConnectionRefusedError"),
        ("refuse_rcpt", "SMTPRecipientsRefused"),
        ("refuse_data", "SMTPDataError"),
        ("refuse_after_dot", "SMTPDataError"),
    ],
)
def test_a_refusing_server_is_tried_again_later_then_given_up(
    smtp_server: _SmtpServer, settings: Any, mode: str, error: str
) -> None:
    """Nothing accepted (no connection, the recipient or the message refused): tried again at
    each later run, up to the limit, then failed; the server never got the message."""
    smtp_server.mode = mode
    if mode == "no_server":  # a port nothing listens on
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            settings.EMAIL_PORT = probe.getsockname()[1]
    question, _ = _asked_on_the_form()
    _answer_on_the_page(question)
    first = answer_notices_send()
    assert first["retry"] == 1 and first["sent"] == 0  # tried once per run
    notice = AnswerNotice.objects.get()
    assert notice.status == AnswerNotice.Status.PENDING
    assert error in notice.last_error
    assert "asker@example.cn" not in notice.last_error
    for _attempt in range(rules.NOTICE_MAX_ATTEMPTS - 1):
        answer_notices_send()
    notice.refresh_from_db()
    assert notice.status == AnswerNotice.Status.FAILED
    assert notice.attempts == rules.NOTICE_MAX_ATTEMPTS
    smtp_server.mode = "accept"
    answer_notices_send()
    assert smtp_server.received == []  # failed stays failed


def test_a_worker_killed_while_sending_never_sends_twice() -> None:
    killed, _ = _asked_on_the_form()
    _answer_on_the_page(killed)
    waiting, _ = _asked_on_the_form(text="请问食品经营许可证怎么办理？需要什么材料？")
    _answer_on_the_page(waiting)
    # The worker claimed the first (committed) and died before marking it sent.
    notice = AnswerNotice.objects.get(question=killed)
    AnswerNotice.objects.filter(pk=notice.pk).update(
        status=AnswerNotice.Status.SENDING,
        attempts=1,
        claimed_at=timezone.now() - dt.timedelta(seconds=rules.NOTICE_CLAIM_SECONDS + 1),
    )
    counts = answer_notices_send()
    assert counts["uncertain"] == 1 and counts["sent"] == 1
    assert [m.to for m in mail.outbox] == [["asker@example.cn"]]
    assert waiting.number in mail.outbox[0].subject
    notice.refresh_from_db()
    assert notice.status == AnswerNotice.Status.UNCERTAIN
    answer_notices_send()
    assert len(mail.outbox) == 1
    client = Client()
    client.force_login(supervisor())
    page = client.get(f"/questions/{killed.pk}/").content.decode()
    assert "Uncertain" in page


def test_a_claim_still_running_is_left_to_its_worker() -> None:
    question, _ = _asked_on_the_form()
    _answer_on_the_page(question)
    AnswerNotice.objects.update(
        status=AnswerNotice.Status.SENDING, attempts=1, claimed_at=timezone.now()
    )
    counts = answer_notices_send()
    assert counts == {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0, "uncertain": 0}
    assert mail.outbox == []


def test_sent_right_after_the_answer_where_there_is_no_beat(settings: Any) -> None:
    """Without beat the answering request sends its own question's message, and only that one
    (bounded): others waiting go at the next `send_answer_notices`."""
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "QUESTION_NOTICES_ON_COMMIT": True}
    waiting, _ = _asked_on_the_form(text="请问食品经营许可证怎么办理？需要什么材料？")
    _answer_on_the_page(waiting)  # its after-commit send never ran (say, the server was down)
    question, _ = _asked_on_the_form()
    with TestCase.captureOnCommitCallbacks(execute=True):
        _answer_on_the_page(question)
    assert len(mail.outbox) == 1 and question.number in mail.outbox[0].subject
    assert AnswerNotice.objects.get(question=waiting).status == AnswerNotice.Status.PENDING
    assert "sent: 1" in _send()
    assert waiting.number in mail.outbox[1].subject
