"""Enterprise accounts: activation codes (staff) and registration with one (issue 3, item 3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import AuditEvent, User
from credit_portal.roles import Role
from enterprises.models import ActivationCode, Enterprise, EnterpriseMembership
from enterprises.permissions import EnterprisePerm
from enterprises.services.accounts import (
    CODE_ALPHABET,
    REGISTRATION_FAILURES_PER_IP,
    REGISTRATION_FAILURES_PER_USCC,
    activation_code_issue,
)
from tests.enterprises.factories import EnterpriseFactory, make_uscc

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Qiye-Mima-2026"
CODE_RE = re.compile(r'id="activation-code">([0-9A-Z-]+)<')


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issuer(user_with_perms):
    return user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.ISSUE_ACTIVATION_CODE)


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="成都蓉信商贸有限公司")


def _register_data(enterprise: Enterprise, code: str, **overrides: str) -> dict[str, str]:
    data = {
        "uscc": enterprise.uscc,
        "code": code,
        "username": "rongxin",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "phone": "13812345678",
        "email": "",
    }
    data.update(overrides)
    return data


def _nothing_created(code: ActivationCode) -> None:
    assert not User.objects.filter(username="rongxin").exists()
    assert not EnterpriseMembership.objects.exists()
    code.refresh_from_db()
    assert code.used_at is None


# Issuing ----------------------------------------------------------------------------------


def test_issued_code_is_shown_once_stored_as_digest_and_audited_without_the_code(
    client, issuer, enterprise
):
    client.force_login(issuer)
    url = reverse("me:activation_code", kwargs={"uscc": enterprise.uscc})
    page = client.get(url)
    assert page.status_code == 200
    assert "签发激活码" in page.content.decode()

    response = client.post(url, {"valid_days": "30"})
    assert response.status_code == 302
    issued_url = reverse("me:activation_code_issued", kwargs={"uscc": enterprise.uscc})
    assert response["Location"] == issued_url

    shown = client.get(issued_url)
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    plain = CODE_RE.search(shown.content.decode()).group(1)
    assert re.fullmatch(rf"([{CODE_ALPHABET}]{{4}}-){{3}}[{CODE_ALPHABET}]{{4}}", plain)
    assert "激活码告知书" in shown.content.decode()

    row = ActivationCode.objects.get(enterprise=enterprise)
    assert row.code_digest == hashlib.sha256(plain.replace("-", "").encode()).hexdigest()
    stored = " ".join(str(getattr(row, f.attname)) for f in ActivationCode._meta.concrete_fields)
    assert plain not in stored
    assert plain.replace("-", "") not in stored
    assert row.expires_at - row.issued_at == dt.timedelta(days=30)

    event = AuditEvent.objects.get(event_type="enterprises.activation_code_issued")
    assert event.enterprise_id == enterprise.pk
    assert event.actor_id == issuer.pk
    assert plain not in str(event.extra) and plain.replace("-", "") not in str(event.extra)

    again = client.get(issued_url)  # reload: the code is gone
    assert again.status_code == 200
    assert plain not in again.content.decode()
    assert CODE_RE.search(again.content.decode()) is None
    assert "不再显示" in again.content.decode()
    listing = client.get(url).content.decode()
    assert plain not in listing
    assert "有效" in listing


def test_new_code_revokes_earlier_unused_codes_but_not_used_ones(issuer, enterprise):
    used, _ = activation_code_issue(actor=issuer, enterprise=enterprise)
    used.used_at = timezone.now()
    used.save()
    first, _ = activation_code_issue(actor=issuer, enterprise=enterprise)
    other = EnterpriseFactory()
    others, _ = activation_code_issue(actor=issuer, enterprise=other)

    second, plain = activation_code_issue(actor=issuer, enterprise=enterprise, valid_days=7)

    first.refresh_from_db()
    used.refresh_from_db()
    others.refresh_from_db()
    assert first.revoked_at is not None
    assert used.revoked_at is None
    assert others.revoked_at is None
    assert second.revoked_at is None
    assert (
        AuditEvent.objects.filter(event_type="enterprises.activation_code_issued")
        .latest("id")
        .extra["revoked"]
        == 1
    )
    assert len(plain) == 19


@pytest.mark.parametrize("days", ["0", "91", "abc"])
def test_issue_form_refuses_bad_validity(client, issuer, enterprise, days):
    client.force_login(issuer)
    url = reverse("me:activation_code", kwargs={"uscc": enterprise.uscc})
    response = client.post(url, {"valid_days": days})
    assert response.status_code == 400
    assert not ActivationCode.objects.exists()


def test_deregistered_enterprise_gets_no_code(client, issuer):
    gone = EnterpriseFactory(deregistered=True)
    client.force_login(issuer)
    page = client.get(reverse("me:activation_code", kwargs={"uscc": gone.uscc}))
    assert "已注销" in page.content.decode() and 'name="valid_days"' not in page.content.decode()
    response = client.post(
        reverse("me:activation_code", kwargs={"uscc": gone.uscc}), {"valid_days": "30"}
    )
    assert response.status_code == 400
    assert "已注销" in response.content.decode()
    assert not ActivationCode.objects.exists()


def test_issue_page_access(client, user_with_perms, enterprise):
    url = reverse("me:activation_code", kwargs={"uscc": enterprise.uscc})
    assert client.get(url).status_code == 302  # anonymous: login
    viewer = user_with_perms(EnterprisePerm.VIEW)
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"valid_days": "30"}).status_code == 403
    assert not ActivationCode.objects.exists()
    issuer = user_with_perms(EnterprisePerm.VIEW, EnterprisePerm.ISSUE_ACTIVATION_CODE)
    client.force_login(issuer)
    missing = reverse("me:activation_code", kwargs={"uscc": make_uscc(999_999)})
    assert client.get(missing).status_code == 404
    # A lower-case code in the URL finds the same enterprise.
    assert client.get(url.replace(enterprise.uscc, enterprise.uscc.lower())).status_code == 200


def test_issuer_without_view_permission_gets_404(client, user_with_perms, enterprise):
    """Jurisdiction first: an enterprise the user cannot see is a 404, even with the right."""
    user = user_with_perms(EnterprisePerm.ISSUE_ACTIVATION_CODE)
    client.force_login(user)
    url = reverse("me:activation_code", kwargs={"uscc": enterprise.uscc})
    assert client.get(url).status_code == 404


# Registration -----------------------------------------------------------------------------


def test_register_success_logs_in_and_shows_my_enterprise(client, issuer, enterprise):
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    page = client.get(reverse("me:register"))
    assert page.status_code == 200
    assert "激活码" in page.content.decode()

    response = client.post(
        reverse("me:register"),
        _register_data(enterprise, plain.lower().replace("-", " "), email="a@example.com"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("me:home")

    user = User.objects.get(username="rongxin")
    assert user.groups.filter(name=str(Role.ENTERPRISE_USER)).exists()
    membership = user.enterprise_membership
    assert membership.enterprise == enterprise
    assert membership.phone == "13812345678"
    assert membership.email == "a@example.com"
    assert membership.activation_code == code
    code.refresh_from_db()
    assert code.used_by == user and code.used_at is not None
    event = AuditEvent.objects.get(event_type="enterprises.enterprise_user_registered")
    assert event.enterprise_id == enterprise.pk and event.actor_id == user.pk
    assert plain not in str(event.extra)

    home = client.get(reverse("me:home"))
    assert home.status_code == 200
    assert enterprise.name in home.content.decode()


@pytest.fixture
def other_enterprise():
    return EnterpriseFactory(name="成都另一家企业有限公司")


def _refusal_cases():
    return ["wrong_code", "other_enterprise_uscc", "unknown_uscc"]


@pytest.mark.parametrize("case", _refusal_cases())
def test_register_mismatch_gets_one_generic_message_and_creates_nothing(
    client, issuer, enterprise, other_enterprise, case
):
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    activation_code_issue(actor=issuer, enterprise=other_enterprise)
    data = {
        "wrong_code": _register_data(enterprise, "ABCD-EFGH-JKLM-NPQR"),
        "other_enterprise_uscc": _register_data(enterprise, plain, uscc=other_enterprise.uscc),
        "unknown_uscc": _register_data(enterprise, plain, uscc=make_uscc(123_456)),
    }[case]
    response = client.post(reverse("me:register"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "统一社会信用代码与激活码不匹配" in body
    assert "<script>x</script>" not in body
    _nothing_created(code)


def test_malformed_code_is_named_as_such_escaped_and_creates_nothing(client, issuer, enterprise):
    """A malformed credit code says what is wrong with it (no activation code is revealed)."""
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    response = client.post(
        reverse("me:register"), _register_data(enterprise, plain, uscc="<script>x</script>")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "统一社会信用代码不能包含" in body
    assert "<script>x</script>" not in body
    _nothing_created(code)


def test_used_code_is_refused_with_its_reason(client, issuer, enterprise):
    _code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    assert client.post(reverse("me:register"), _register_data(enterprise, plain)).status_code == 302
    client.logout()
    response = client.post(
        reverse("me:register"), _register_data(enterprise, plain, username="second")
    )
    assert response.status_code == 400
    assert "已被使用" in response.content.decode()
    assert not User.objects.filter(username="second").exists()
    assert EnterpriseMembership.objects.count() == 1


def test_expired_code_is_refused_with_its_date(client, issuer, enterprise):
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise, valid_days=1)
    ActivationCode.objects.filter(pk=code.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.post(reverse("me:register"), _register_data(enterprise, plain))
    assert response.status_code == 400
    assert "已于" in response.content.decode() and "过期" in response.content.decode()
    _nothing_created(code)


def test_revoked_code_is_refused(client, issuer, enterprise):
    old, old_plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    activation_code_issue(actor=issuer, enterprise=enterprise)
    response = client.post(reverse("me:register"), _register_data(enterprise, old_plain))
    assert response.status_code == 400
    assert "已被新的激活码取代" in response.content.decode()
    _nothing_created(old)


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short1A", "short1A", "密码太短，至少需要 10 个字符"),
        ("1234567890123", "1234567890123", "只包含数字"),
        ("password1234", "password1234", "太常见"),
        ("rongxin2026x", "rongxin2026x", "相似"),
        (GOOD_PASSWORD, GOOD_PASSWORD + "x", "两次输入的密码不一致"),
    ],
)
def test_password_rules(client, issuer, enterprise, password1, password2, message):
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    response = client.post(
        reverse("me:register"),
        _register_data(enterprise, plain, password1=password1, password2=password2),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_created(code)


@pytest.mark.parametrize(
    ("phone", "email", "message"),
    [
        ("", "", "请填写手机号码或电子邮箱"),
        ("12812345678", "", "11 位大陆手机号码"),
        ("1381234567", "", "11 位大陆手机号码"),
        ("", "not-an-email", "有效的电子邮箱"),
    ],
)
def test_contact_rules(client, issuer, enterprise, phone, email, message):
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    response = client.post(
        reverse("me:register"), _register_data(enterprise, plain, phone=phone, email=email)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    _nothing_created(code)


def test_taken_username_is_refused(client, issuer, enterprise, user_with_perms):
    user_with_perms(username="Rongxin")
    _code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    response = client.post(reverse("me:register"), _register_data(enterprise, plain))
    assert response.status_code == 400
    assert "用户名已被占用" in response.content.decode()
    assert not EnterpriseMembership.objects.exists()


def test_form_errors_and_code_errors_show_together(client, issuer, enterprise):
    activation_code_issue(actor=issuer, enterprise=enterprise)
    response = client.post(
        reverse("me:register"),
        _register_data(enterprise, "WRONG-CODE", password1="123", password2="123", phone=""),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "不匹配" in body and "密码太短" in body and "手机号码或电子邮箱" in body


def test_register_page_in_english(client):
    client.cookies["cp_language"] = "en"
    body = client.get(reverse("me:register")).content.decode()
    assert "Register with an activation code" in body


def test_logged_in_user_is_sent_to_their_page(client, issuer):
    client.force_login(issuer)
    assert client.get(reverse("me:register"))["Location"] == reverse("home")


# Throttling -------------------------------------------------------------------------------


def test_guessing_from_one_address_is_throttled(client, issuer, enterprise):
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    for n in range(REGISTRATION_FAILURES_PER_IP):
        response = client.post(
            reverse("me:register"),
            _register_data(enterprise, f"AAAA-BBBB-CCCC-{n:04d}"),
            REMOTE_ADDR="198.51.100.7",
        )
        assert response.status_code == 400
    blocked = client.post(
        reverse("me:register"), _register_data(enterprise, plain), REMOTE_ADDR="198.51.100.7"
    )
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "尝试失败次数过多" in blocked.content.decode()
    _nothing_created(code)
    # Another address, another credit code: not affected.
    other = EnterpriseFactory()
    _, other_plain = activation_code_issue(actor=issuer, enterprise=other)
    ok = client.post(
        reverse("me:register"), _register_data(other, other_plain), REMOTE_ADDR="203.0.113.9"
    )
    assert ok.status_code == 302


def test_guessing_one_credit_code_from_many_addresses_is_throttled(client, issuer, enterprise):
    code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    for n in range(REGISTRATION_FAILURES_PER_USCC):
        client.post(
            reverse("me:register"),
            _register_data(enterprise, f"AAAA-BBBB-CCCC-{n:04d}"),
            REMOTE_ADDR=f"192.0.2.{n + 1}",
        )
    blocked = client.post(
        reverse("me:register"), _register_data(enterprise, plain), REMOTE_ADDR="192.0.2.200"
    )
    assert blocked.status_code == 429
    _nothing_created(code)


def test_password_mistakes_do_not_count_as_guesses(client, issuer, enterprise):
    _code, plain = activation_code_issue(actor=issuer, enterprise=enterprise)
    for _ in range(REGISTRATION_FAILURES_PER_IP + 2):
        response = client.post(
            reverse("me:register"),
            _register_data(enterprise, plain, password1="123", password2="123"),
            REMOTE_ADDR="198.51.100.8",
        )
        assert response.status_code == 400
    ok = client.post(
        reverse("me:register"), _register_data(enterprise, plain), REMOTE_ADDR="198.51.100.8"
    )
    assert ok.status_code == 302


def test_enterprise_user_group_exists():
    assert Group.objects.filter(name=str(Role.ENTERPRISE_USER)).exists()


def test_empty_posts_get_field_messages(client, issuer, enterprise):
    response = client.post(reverse("me:register"), {})
    assert response.status_code == 400
    assert response.content.decode().count("该字段是必填项") >= 4
    client.force_login(issuer)
    response = client.post(reverse("me:activation_code", kwargs={"uscc": enterprise.uscc}), {})
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
    assert not ActivationCode.objects.exists()


def test_login_page_snippet_links_to_registration():
    from django.template.loader import render_to_string

    html = render_to_string("me/_login_alt.html")
    assert f'href="{reverse("me:register")}"' in html
    assert "凭登记机关签发的激活码注册" in html
