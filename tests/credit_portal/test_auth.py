import pytest
from django.test import override_settings
from django.urls import reverse

from credit_portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_login_records_an_audit_event_with_ip(client, user_with_perms):
    user = user_with_perms("credit_portal.access_staff_portal", username="li")
    response = client.post(
        reverse("login"), {"username": "li", "password": "Secret-pass-123"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    event = AuditEvent.objects.get(event_type="accounts.user_logged_in")
    assert (event.actor, event.ip_address) == (user, "10.1.2.3")


def test_wrong_password_gets_a_clear_message_in_chinese(client, user_with_perms):
    user_with_perms(username="li")
    response = client.post(reverse("login"), {"username": "li", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_empty_login_form_names_the_missing_fields(client):
    response = client.post(
        reverse("login"), {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2


def test_login_is_locked_after_five_failures_even_with_the_right_password(client, user_with_perms):
    user_with_perms(username="li")
    for _ in range(5):
        client.post(
            reverse("login"), {"username": "li", "password": "guess"}, REMOTE_ADDR="10.9.9.9"
        )
    response = client.post(
        reverse("login"), {"username": "li", "password": "Secret-pass-123"}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429
    assert "失败次数过多" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="accounts.user_logged_in").exists()


def test_lockout_is_per_address_so_others_can_still_log_in(client, user_with_perms):
    user_with_perms(username="li")
    for _ in range(5):
        client.post(
            reverse("login"), {"username": "li", "password": "guess"}, REMOTE_ADDR="10.9.9.9"
        )
    response = client.post(
        reverse("login"), {"username": "li", "password": "Secret-pass-123"}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 302


def _behind_one_proxy(settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_behind_the_proxy_the_lockout_is_per_client(client, settings, user_with_perms):
    """Every request comes from the proxy's address; the client is the hop the proxy appended.
    One client's wrong passwords must not lock the account for everybody else."""
    _behind_one_proxy(settings)
    user_with_perms(username="li")
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "li", "password": "guess"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            **proxy,
        )
    attacker = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        **proxy,
    )
    assert attacker.status_code == 429
    colleague = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
        **proxy,
    )
    assert colleague.status_code == 302


def test_a_client_cannot_escape_the_lockout_with_a_forged_forwarded_header(client, user_with_perms):
    """Without a trusted proxy (DJANGO_NUM_PROXIES unset) X-Forwarded-For is ignored."""
    user_with_perms(username="li")
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "li", "password": "guess"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


def test_api_token_endpoint_is_throttled_too(api_client_for, user_with_perms):
    user_with_perms(username="li")
    client = api_client_for(None)
    for _ in range(4):
        assert (
            client.post("/api/v1/auth/token/", {"username": "li", "password": "x"}).status_code
            == 400
        )
    assert (
        client.post("/api/v1/auth/token/", {"username": "li", "password": "x"}).status_code == 429
    )
    response = client.post("/api/v1/auth/token/", {"username": "li", "password": "Secret-pass-123"})
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_logout_needs_post_and_is_audited(client, user_with_perms):
    user = user_with_perms("credit_portal.access_staff_portal")
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(event_type="accounts.user_logged_out", actor=user).exists()


def test_password_change_checks_rules_and_is_audited(client, user_with_perms):
    user = user_with_perms("credit_portal.access_staff_portal")
    client.force_login(user)
    url = reverse("password_change")
    weak = client.post(
        url,
        {
            "old_password": "Secret-pass-123",
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert weak.status_code == 200
    assert not AuditEvent.objects.filter(event_type="accounts.password_changed").exists()
    ok = client.post(
        url,
        {
            "old_password": "Secret-pass-123",
            "new_password1": "Brand-new-pass-99",
            "new_password2": "Brand-new-pass-99",
        },
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-99")
    assert (
        AuditEvent.objects.filter(event_type="accounts.password_changed", actor=user).count() == 1
    )
    assert client.get(reverse("home")).status_code == 200  # session survived the change


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    # The front door is the public lookup (issue 13): staff log in from there.
    assert client.get(reverse("home"))["Location"] == reverse("public:search")


def test_user_without_staff_role_sees_no_access_page(client, user_with_perms):
    client.force_login(user_with_perms())
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 403
    assert "无权访问此页面" in response.content.decode()


@override_settings(CSRF_COOKIE_HTTPONLY=True)
def test_login_without_csrf_token_gets_a_friendly_403():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "a", "password": "b"}
    )
    assert response.status_code == 403
    assert "表单已过期" in response.content.decode()


def test_password_change_revokes_the_api_token(client, user_with_perms):
    from rest_framework.authtoken.models import Token

    user = user_with_perms("credit_portal.access_staff_portal")
    Token.objects.create(user=user)
    client.force_login(user)
    client.post(
        reverse("password_change"),
        {
            "old_password": "Secret-pass-123",
            "new_password1": "Brand-new-pass-99",
            "new_password2": "Brand-new-pass-99",
        },
    )
    assert not Token.objects.filter(user=user).exists()
